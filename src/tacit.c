/*
 * tacit.c: main.  Hardens the process before anything else, then parses the
 * command line and hands off to one command.
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "doctor.h"
#include "harden.h"
#include "ipc.h"
#include "keyholder.h"
#include "worker.h"
#include "kh_priv.h"
#include "log.h"
#include "passphrase.h"
#include "pattern.h"
#include "policy.h"
#include "progress.h"
#include "repo.h"
#include "fsio.h"
#include "rwrite.h"
#include "secmem.h"
#include "subproc.h"
#include "version.h"

#ifndef TACIT_VERSION
#define TACIT_VERSION "0.1.0-dev"
#endif

/*
 * The options, as --help shows them.  Every option has a long name; the
 * commands below name the options that apply to them by it.  A new option
 * goes into longopts, parse()'s switch, this table, the options of each
 * command it applies to, and tacit(1) (tests/regress/08-cli.sh compares).
 */
static const struct {
	const char	*name;		/* long name, as in longopts */
	char		 sc;		/* short letter, or 0 */
	const char	*arg;		/* its argument(s), or NULL */
	const char	*help;
} opthelp[] = {
	{ "repo", 'r', "DIR", "the repository" },
	{ "passphrase-fd", 0, "N", "read the passphrase from descriptor N" },
	{ "passphrase-command", 0, "CMD",
	    "what CMD prints (split into words, no shell)" },
	{ "keepassxc", 0, "DB ENTRY", "the password of ENTRY in KeePassXC DB" },
	{ "pinentry", 0, "PROGRAM", "ask through this pinentry program" },
	{ "no-pinentry", 0, NULL, "ask on the terminal, never through pinentry" },
	{ "new-passphrase-fd", 0, "N",
	    "read the new passphrase from descriptor N" },
	{ "to", 0, "DIR", "copy: the repository to copy into (DST)" },
	{ "to-passphrase-fd", 0, "N", "read DST's passphrase from descriptor N" },
	{ "to-passphrase-command", 0, "CMD",
	    "DST's passphrase: what CMD prints" },
	{ "to-keepassxc", 0, "DB ENTRY",
	    "DST's passphrase: ENTRY in KeePassXC DB" },
	{ "copy-chunker-from", 0, "SRC",
	    "cut files exactly as the repository SRC does" },
	{ "from-passphrase-fd", 0, "N",
	    "read SRC's passphrase from descriptor N" },
	{ "from-passphrase-command", 0, "CMD",
	    "SRC's passphrase: what CMD prints" },
	{ "from-keepassxc", 0, "DB ENTRY",
	    "SRC's passphrase: ENTRY in KeePassXC DB" },
	{ "kdf-memory", 0, "MIB", "Argon2id memory for new key slots (64..2048)" },
	{ "kdf-iterations", 0, "N", "Argon2id passes for new key slots" },
	{ "kdf-lanes", 0, "N", "Argon2id lanes for new key slots" },
	{ "compression", 0, "LEVEL", "zstd level 1..19 for this repository (3)" },
	{ "parity", 0, "PERCENT", "Reed-Solomon parity, 0 (off) or 1..25 % (3)" },
	{ "lock-wait", 0, "SECONDS", "wait this long for the repository lock" },
	{ "allow-no-landlock", 0, NULL,
	    "run on a kernel without Landlock (seccomp only)" },
	{ "exclude", 0, "PATTERN", "leave out paths or names matching PATTERN" },
	{ "exclude-file", 0, "FILE", "read --exclude patterns from FILE" },
	{ "iexclude", 0, "PATTERN", "--exclude, ignoring case" },
	{ "exclude-caches", 0, NULL,
	    "leave out what is beside a CACHEDIR.TAG with its signature" },
	{ "exclude-if-present", 0, "NAME[:HEADER]",
	    "leave out what is beside NAME (that starts with HEADER)" },
	{ "exclude-larger-than", 0, "SIZE",
	    "leave out files larger than SIZE (k, m, g, t: 1024s)" },
	{ "files-from", 0, "FILE", "back up the paths in FILE, one a line" },
	{ "files-from0", 0, "FILE", "back up the NUL-separated paths in FILE" },
	{ "one-file-system", 'x', NULL, "stay on the file system of each PATH" },
	{ "tag", 0, "TAG", "backup: tag the snapshot; else: pick by tag" },
	{ "path", 0, "PATH", "pick snapshots that have this PATH" },
	{ "dry-run", 'n', NULL,
	    "write nothing (backup: read and chunk; forget, prune: report)" },
	{ "force", 0, NULL, "reread every file, trust no parent" },
	{ "parent", 0, "SNAP", "compare with SNAP, not the latest of PATHs" },
	{ "strict", 0, NULL, "refuse on a high host risk (see doctor)" },
	{ "target", 't', "DIR", "restore into DIR (made if missing)" },
	{ "include", 0, "PATTERN", "restore only what matches (repeatable)" },
	{ "iinclude", 0, "PATTERN", "--include, ignoring case" },
	{ "overwrite", 0, NULL, "replace existing entries that differ" },
	{ "no-devices", 0, NULL, "skip device nodes" },
	{ "no-setid", 0, NULL, "no set-uid/gid bits, no file capabilities" },
	{ "verify", 0, NULL, "reread every restored file, compare with SNAP" },
	{ "read-data", 0, NULL, "also read and authenticate every blob" },
	{ "read-data-subset", 0, "N/M", "read the blobs of part N of M" },
	{ "verify-data", 0, NULL, "repair data: prove each file with its key "
	    "(asks the passphrase)" },
	{ "same-as", 0, "DIR", "check: DIR (a mirror) holds the same files" },
	{ "archive", 0, "FORMAT", "dump as an archive: tar (pax)" },
	{ "snapshot", 0, "SNAP", "find: search only SNAP; mount: show only "
	    "SNAP (repeatable)" },
	{ "newest", 0, "TIME", "only entries modified at or before TIME" },
	{ "oldest", 0, "TIME", "only entries modified at or after TIME" },
	{ "ignore-case", 0, NULL, "match PATTERN ignoring case" },
	{ "metadata", 0, NULL, "also show mode, owner, time, xattr changes" },
	{ "keep-last", 0, "N", "keep the N newest snapshots" },
	{ "keep-hourly", 0, "N", "keep the newest of each of N hours" },
	{ "keep-daily", 0, "N", "keep the newest of each of N days" },
	{ "keep-weekly", 0, "N", "keep the newest of each of N ISO weeks" },
	{ "keep-monthly", 0, "N", "keep the newest of each of N months" },
	{ "keep-yearly", 0, "N", "keep the newest of each of N years" },
	{ "keep-within", 0, "DURATION",
	    "keep those within DURATION (1y2m3d4h) of the latest" },
	{ "keep-tag", 0, "TAG", "keep those with TAG (T1,T2: all of them)" },
	{ "group-by", 0, "WHAT", "paths (default), tags, paths,tags or none" },
	{ "time", 0, "TIME", "record TIME (YYYY-MM-DD HH:MM:SS, local) as "
	    "the snapshot's" },
	{ "add", 0, "TAG", "tag: add TAG (T1,T2: two tags; repeatable)" },
	{ "remove", 0, "TAG", "tag: remove TAG (repeatable)" },
	{ "set", 0, "TAG", "tag: replace every tag by these (repeatable)" },
	{ "prune", 0, NULL, "forget: then prune, as tacit prune does" },
	{ "max-unused", 0, "PERCENT",
	    "prune: repack packs more than PERCENT unused (5%)" },
	{ "forget", 0, NULL,
	    "remove each damaged snapshot once its repair is durable" },
	{ "allow-other", 0, NULL, "let other users read the mount (with their "
	    "permissions)" },
	{ "cache-mib", 0, "MIB", "memory for the mount's caches (16)" },
	{ "json", 0, NULL, "machine-readable output" },
	{ "quiet", 'q', NULL, "print only errors and real warnings" },
	{ "verbose", 'v', NULL, "more messages" },
	{ "help", 'h', NULL, "print this help" },
};

/* Option groups, by long name, for the command table. */
#define O_ANY	"quiet verbose help"
#define O_PASS	"passphrase-fd passphrase-command keepassxc pinentry " \
		"no-pinentry "
#define O_REPO	"repo lock-wait allow-no-landlock " O_PASS
#define O_KDF	"kdf-memory kdf-iterations kdf-lanes "

/*
 * The commands, and the options that apply to each: any other option is a
 * usage error, never silently ignored.  "key" has one entry per
 * subcommand.  fn NULL: handled in main without a repository.
 */
static const struct command {
	const char	*name;
	int		(*fn)(struct opts *);
	const char	*operands;
	const char	*what;
	const char	*options;	/* long names, separated by spaces */
} commands[] = {
	{ "init", cmd_init, "", "create a repository in a new or empty DIR",
	    "repo allow-no-landlock " O_PASS O_KDF "compression parity "
	    "copy-chunker-from from-passphrase-fd from-passphrase-command "
	    "from-keepassxc " O_ANY },
	{ "key list", cmd_key, "", "list the key slots",
	    O_REPO "json " O_ANY },
	{ "key add", cmd_key, "", "add a passphrase",
	    O_REPO "new-passphrase-fd " O_KDF O_ANY },
	{ "key remove", cmd_key, " ID", "remove a key slot", O_REPO O_ANY },
	{ "key passwd", cmd_key, " [ID]",
	    "change the passphrase of one slot (default: the one used)",
	    O_REPO "new-passphrase-fd " O_KDF O_ANY },
	{ "key recovery", cmd_key, "", "add a recovery key and print it once",
	    O_REPO O_KDF O_ANY },
	{ "backup", cmd_backup, " PATH...",
	    "back up files and directories into a new snapshot",
	    O_REPO "exclude exclude-file iexclude exclude-caches "
	    "exclude-if-present exclude-larger-than files-from files-from0 "
	    "one-file-system tag dry-run force parent strict time json " O_ANY },
	{ "snapshots", cmd_snapshots, "", "list the snapshots",
	    O_REPO "tag path json " O_ANY },
	{ "ls", cmd_ls, " SNAP [PATH]",
	    "list the files of a snapshot (SNAP: id prefix or latest)",
	    O_REPO "tag path json " O_ANY },
	{ "restore", cmd_restore, " SNAP", "restore a snapshot into --target DIR",
	    O_REPO "tag path target include iinclude exclude iexclude "
	    "overwrite no-devices no-setid verify " O_ANY },
	{ "log", cmd_log, " SNAP", "print the log a backup sealed with its "
	    "snapshot", O_REPO O_ANY },
	{ "check", cmd_check, "", "verify the repository",
	    O_REPO "read-data read-data-subset same-as json " O_ANY },
	{ "dump", cmd_dump, " SNAP PATH",
	    "write a file (or with --archive tar, a directory) to stdout",
	    O_REPO "tag path archive " O_ANY },
	{ "find", cmd_find, " PATTERN...", "find files by name in snapshots",
	    O_REPO "snapshot tag path newest oldest ignore-case json " O_ANY },
	{ "diff", cmd_diff, " SNAP1 SNAP2 [PATH]",
	    "show what changed from SNAP1 to SNAP2",
	    O_REPO "tag path metadata json " O_ANY },
	{ "forget", cmd_forget, " [SNAP...]",
	    "remove snapshots: those named, or by --keep-* rules",
	    O_REPO "keep-last keep-hourly keep-daily keep-weekly keep-monthly "
	    "keep-yearly keep-within keep-tag tag path group-by dry-run prune "
	    "max-unused json " O_ANY },
	{ "tag", cmd_tag, " [SNAP...]", "add, remove or set the tags of "
	    "snapshots (each gets a new id)",
	    O_REPO "tag path add remove set json " O_ANY },
	{ "stats", cmd_stats, " [SNAP...]", "sizes, deduplication and what "
	    "forgetting these snapshots would free",
	    O_REPO "tag path json " O_ANY },
	{ "prune", cmd_prune, "",
	    "delete the data no snapshot uses, and the leftovers",
	    O_REPO "dry-run max-unused json " O_ANY },
	{ "copy", cmd_copy, " [SNAP...]", "copy snapshots (default: all) "
	    "that --to DIR lacks into it",
	    O_REPO "to to-passphrase-fd to-passphrase-command to-keepassxc "
	    "tag path json " O_ANY },
	{ "mount", cmd_mount, " MOUNTPOINT",
	    "browse the snapshots read-only through FUSE (foreground)",
	    O_REPO "tag path snapshot allow-other cache-mib " O_ANY },
	{ "doctor", cmd_doctor, "",
	    "is this host safe to back up from? (swap, dumps, ...)", O_ANY },
	{ "repair index", cmd_repair, "",
	    "rebuild the index from the pack headers",
	    O_REPO "read-data dry-run " O_ANY },
	{ "repair snapshots", cmd_repair, " [SNAP...]",
	    "rewrite snapshots around missing or damaged data",
	    O_REPO "read-data dry-run forget " O_ANY },
	{ "repair metadata", cmd_repair, "",
	    "rewrite a lost copy of the header, config or a key slot",
	    O_REPO O_ANY },
	{ "repair data", cmd_repair, "",
	    "rewrite the files damaged within their parity (no passphrase; "
	    "with --verify-data proven with the key)",
	    "repo lock-wait allow-no-landlock dry-run verify-data " O_PASS
	    O_ANY },
	{ "version", NULL, "", "print the version", O_ANY },
	{ "help", NULL, " [COMMAND]", "print the help of COMMAND, or this",
	    O_ANY },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char usage_tail[] =
"\n"
"Options may come before or after the command.  'tacit COMMAND --help'\n"
"lists the options of COMMAND.  Passphrases are asked through pinentry\n"
"where one is installed and can show a dialog, else on the terminal (echo\n"
"off), unless --passphrase-fd, --passphrase-command or --keepassxc names\n"
"a source; never from the command line or the environment.  See tacit(1).\n";

/* Does the space-separated ${list} hold the word ${w}? */
static int
word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* The usage of every command, one line each: tacit help, tacit alone. */
static void
usage_all(FILE *f, int full)
{
	char left[64];
	size_t i;

	fprintf(f, "usage: tacit COMMAND [options] [arguments]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		/* The short usage: the repair subcommands on one line. */
		if (!full && strncmp(commands[i].name, "repair ", 7) == 0) {
			if (strcmp(commands[i].name, "repair index") == 0)
				fprintf(f, "  %-18s  %s\n", "repair index|...",
				    "rebuild the index, snapshots or damaged "
				    "files ('tacit repair')");
			continue;
		}
		(void)snprintf(left, sizeof(left), "%s%s", commands[i].name,
		    commands[i].operands);
		fprintf(f, "  %-18s  %s\n", left, commands[i].what);
	}
	if (full)
		fputs(usage_tail, f);
	else
		fprintf(f, "\ntry 'tacit COMMAND --help' or 'tacit help'\n");
}

/* The usage and the options of ${c} only. */
static void
usage_cmd(FILE *f, const struct command *c)
{
	char left[64];
	size_t i;

	fprintf(f, "usage: tacit %s [options]%s\n%s\n\noptions:\n", c->name,
	    c->operands, c->what);
	for (i = 0; i < sizeof(opthelp) / sizeof(opthelp[0]); i++) {
		if (!word_in(c->options, opthelp[i].name))
			continue;
		if (opthelp[i].sc != 0)
			(void)snprintf(left, sizeof(left), "-%c, ",
			    opthelp[i].sc);
		else
			(void)snprintf(left, sizeof(left), "    ");
		(void)snprintf(left + 4, sizeof(left) - 4, "--%s%s%s",
		    opthelp[i].name, opthelp[i].arg ? " " : "",
		    opthelp[i].arg ? opthelp[i].arg : "");
		fprintf(f, "  %-30s%s%s\n", left, strlen(left) >= 30 ? " " :
		    "", opthelp[i].help);
	}
}

/* "tacit repair": its subcommands. */
static void
usage_repair(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tacit repair SUBCOMMAND [options]\n\n"
	    "subcommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, "repair ", 7) == 0)
			fprintf(f, "  %-20s%s\n", commands[i].name + 7,
			    commands[i].what);
	fprintf(f, "\ntry 'tacit repair SUBCOMMAND --help'\n");
}

/* "tacit key": its subcommands. */
static void
usage_key(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tacit key SUBCOMMAND [options]\n\nsubcommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, "key ", 4) == 0)
			fprintf(f, "  %-20s%s\n", commands[i].name + 4,
			    commands[i].what);
	fprintf(f, "\ntry 'tacit key SUBCOMMAND --help'\n");
}

/* A usage error: one line, with a hint where to look, and exit 2. */
static void __attribute__((noreturn, format(printf, 2, 3)))
usage_err(const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (hint != NULL)
		errorx("%s; try 'tacit %s --help'", msg, hint);
	else
		errorx("%s; try 'tacit --help'", msg);
	exit(EXIT_USAGE);
}

/* Levenshtein distance of ${a} and ${b}, both short words. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t row[33], i, j, diag, up, la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * The command ${word} (a key subcommand when ${prefix} is "key ") was not
 * found: name the nearest one, if one is near, and exit 2.
 */
static void __attribute__((noreturn))
unknown_command(const char *prefix, const char *word)
{
	const char *best = NULL, *name;
	size_t i, d, bestd = 3, n = strlen(prefix);

	for (i = 0; i < NCOMMANDS; i++) {
		name = commands[i].name;
		if (strncmp(name, prefix, n) != 0 || strchr(name + n, ' '))
			continue;
		d = edit_distance(word, name + n);
		if (strncmp(name + n, word, strlen(word)) == 0 && *word)
			d = 1;		/* a prefix of it */
		if (d < bestd) {
			bestd = d;
			best = name + n;
		}
	}
	if (best != NULL)
		errorx("unknown command '%s%s'; did you mean '%s%s'?", prefix,
		    word, prefix, best);
	else
		errorx("unknown command '%s%s'; try 'tacit %s--help'", prefix,
		    word, prefix);
	exit(EXIT_USAGE);
}

/* Is ${w} a command's first word? */
static int
command_word_known(const char *w)
{
	size_t i, n = strlen(w);

	for (i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, w, n) == 0 &&
		    (commands[i].name[n] == '\0' ||
		    commands[i].name[n] == ' '))
			return 1;
	return 0;
}

/* The entry of ${name} ("key" or "repair" with ${sub}), or NULL. */
static const struct command *
command_find(const char *name, const char *sub)
{
	char full[64];
	size_t i;

	if (strcmp(name, "key") == 0 || strcmp(name, "repair") == 0) {
		if (sub == NULL)
			return NULL;
		(void)snprintf(full, sizeof(full), "%s %s", name, sub);
		name = full;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* A percentage, "N", "N.N" or with "%", from 0 to 100, or a usage error. */
static double
percent(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '%')
		end++;
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0) ||
	    v > 100.0) {
		errorx("%s must be a percentage from 0 to 100 (5 or 5%%)",
		    what);
		exit(EXIT_USAGE);
	}
	return v;
}

/* Parse a decimal number in [lo, hi] or exit with a usage error. */
static unsigned
number(const char *s, const char *what, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		errorx("%s must be a number from %u to %u", what, lo, hi);
		exit(EXIT_USAGE);
	}
	return (unsigned)v;
}

enum {
	OPT_PASSFD = 256, OPT_NEWPASSFD, OPT_KDFMEM, OPT_KDFITER, OPT_KDFLANES,
	OPT_LOCKWAIT, OPT_JSON, OPT_EXCLUDE, OPT_EXCLUDEFILE, OPT_TAG,
	OPT_FORCE, OPT_PARENT, OPT_INCLUDE, OPT_OVERWRITE,
	OPT_COMPRESSION, OPT_PARITY, OPT_NOLANDLOCK, OPT_PINENTRY, OPT_NOPINENTRY,
	OPT_KEEPASSXC, OPT_PASSCMD, OPT_STRICT, OPT_READDATA, OPT_SUBSET,
	OPT_NODEVICES, OPT_NOSETID, OPT_VERIFY, OPT_VERIFYDATA, OPT_IEXCLUDE,
	OPT_IINCLUDE,
	OPT_EXCLCACHES, OPT_IFPRESENT, OPT_LARGER, OPT_FILESFROM,
	OPT_FILESFROM0, OPT_PATH, OPT_ARCHIVE, OPT_SNAPSHOT, OPT_NEWEST,
	OPT_OLDEST, OPT_ICASE, OPT_METADATA, OPT_KEEPLAST, OPT_KEEPHOURLY,
	OPT_KEEPDAILY, OPT_KEEPWEEKLY, OPT_KEEPMONTHLY, OPT_KEEPYEARLY,
	OPT_KEEPWITHIN, OPT_KEEPTAG, OPT_GROUPBY, OPT_TIME, OPT_ADD,
	OPT_REMOVE, OPT_SET, OPT_MAXUNUSED, OPT_PRUNE, OPT_FORGET,
	OPT_ALLOWOTHER, OPT_CACHEMIB, OPT_SAMEAS, OPT_TO, OPT_TOPASSFD,
	OPT_TOPASSCMD, OPT_TOKEEPASSXC, OPT_CHUNKERFROM, OPT_FROMPASSFD,
	OPT_FROMPASSCMD, OPT_FROMKEEPASSXC
};

static const struct option longopts[] = {
	{ "repo",		required_argument,	NULL, 'r' },
	{ "passphrase-fd",	required_argument,	NULL, OPT_PASSFD },
	{ "new-passphrase-fd",	required_argument,	NULL, OPT_NEWPASSFD },
	{ "pinentry",		required_argument,	NULL, OPT_PINENTRY },
	{ "no-pinentry",	no_argument,		NULL, OPT_NOPINENTRY },
	{ "keepassxc",		required_argument,	NULL, OPT_KEEPASSXC },
	{ "passphrase-command",	required_argument,	NULL, OPT_PASSCMD },
	{ "kdf-memory",		required_argument,	NULL, OPT_KDFMEM },
	{ "kdf-iterations",	required_argument,	NULL, OPT_KDFITER },
	{ "kdf-lanes",		required_argument,	NULL, OPT_KDFLANES },
	{ "lock-wait",		required_argument,	NULL, OPT_LOCKWAIT },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "exclude",		required_argument,	NULL, OPT_EXCLUDE },
	{ "exclude-file",	required_argument,	NULL, OPT_EXCLUDEFILE },
	{ "iexclude",		required_argument,	NULL, OPT_IEXCLUDE },
	{ "exclude-caches",	no_argument,		NULL, OPT_EXCLCACHES },
	{ "exclude-if-present",	required_argument,	NULL, OPT_IFPRESENT },
	{ "exclude-larger-than", required_argument,	NULL, OPT_LARGER },
	{ "files-from",		required_argument,	NULL, OPT_FILESFROM },
	{ "files-from0",	required_argument,	NULL, OPT_FILESFROM0 },
	{ "iinclude",		required_argument,	NULL, OPT_IINCLUDE },
	{ "one-file-system",	no_argument,		NULL, 'x' },
	{ "tag",		required_argument,	NULL, OPT_TAG },
	{ "path",		required_argument,	NULL, OPT_PATH },
	{ "dry-run",		no_argument,		NULL, 'n' },
	{ "force",		no_argument,		NULL, OPT_FORCE },
	{ "parent",		required_argument,	NULL, OPT_PARENT },
	{ "target",		required_argument,	NULL, 't' },
	{ "include",		required_argument,	NULL, OPT_INCLUDE },
	{ "overwrite",		no_argument,		NULL, OPT_OVERWRITE },
	{ "no-devices",		no_argument,		NULL, OPT_NODEVICES },
	{ "no-setid",		no_argument,		NULL, OPT_NOSETID },
	{ "verify",		no_argument,		NULL, OPT_VERIFY },
	{ "compression",	required_argument,	NULL, OPT_COMPRESSION },
	{ "parity",		required_argument,	NULL, OPT_PARITY },
	{ "allow-no-landlock",	no_argument,		NULL, OPT_NOLANDLOCK },
	{ "strict",		no_argument,		NULL, OPT_STRICT },
	{ "read-data",		no_argument,		NULL, OPT_READDATA },
	{ "verify-data",	no_argument,		NULL, OPT_VERIFYDATA },
	{ "read-data-subset",	required_argument,	NULL, OPT_SUBSET },
	{ "same-as",		required_argument,	NULL, OPT_SAMEAS },
	{ "archive",		required_argument,	NULL, OPT_ARCHIVE },
	{ "snapshot",		required_argument,	NULL, OPT_SNAPSHOT },
	{ "newest",		required_argument,	NULL, OPT_NEWEST },
	{ "oldest",		required_argument,	NULL, OPT_OLDEST },
	{ "ignore-case",	no_argument,		NULL, OPT_ICASE },
	{ "metadata",		no_argument,		NULL, OPT_METADATA },
	{ "keep-last",		required_argument,	NULL, OPT_KEEPLAST },
	{ "keep-hourly",	required_argument,	NULL, OPT_KEEPHOURLY },
	{ "keep-daily",		required_argument,	NULL, OPT_KEEPDAILY },
	{ "keep-weekly",	required_argument,	NULL, OPT_KEEPWEEKLY },
	{ "keep-monthly",	required_argument,	NULL, OPT_KEEPMONTHLY },
	{ "keep-yearly",	required_argument,	NULL, OPT_KEEPYEARLY },
	{ "keep-within",	required_argument,	NULL, OPT_KEEPWITHIN },
	{ "keep-tag",		required_argument,	NULL, OPT_KEEPTAG },
	{ "group-by",		required_argument,	NULL, OPT_GROUPBY },
	{ "time",		required_argument,	NULL, OPT_TIME },
	{ "add",		required_argument,	NULL, OPT_ADD },
	{ "remove",		required_argument,	NULL, OPT_REMOVE },
	{ "set",		required_argument,	NULL, OPT_SET },
	{ "max-unused",		required_argument,	NULL, OPT_MAXUNUSED },
	{ "prune",		no_argument,		NULL, OPT_PRUNE },
	{ "forget",		no_argument,		NULL, OPT_FORGET },
	{ "allow-other",	no_argument,		NULL, OPT_ALLOWOTHER },
	{ "cache-mib",		required_argument,	NULL, OPT_CACHEMIB },
	{ "to",			required_argument,	NULL, OPT_TO },
	{ "to-passphrase-fd",	required_argument,	NULL, OPT_TOPASSFD },
	{ "to-passphrase-command", required_argument,	NULL, OPT_TOPASSCMD },
	{ "to-keepassxc",	required_argument,	NULL, OPT_TOKEEPASSXC },
	{ "copy-chunker-from",	required_argument,	NULL, OPT_CHUNKERFROM },
	{ "from-passphrase-fd",	required_argument,	NULL, OPT_FROMPASSFD },
	{ "from-passphrase-command", required_argument,	NULL, OPT_FROMPASSCMD },
	{ "from-keepassxc",	required_argument,	NULL, OPT_FROMKEEPASSXC },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 }
};

static void
strv_add(struct strv *s, const char *v)
{
	const char **p;

	if ((p = reallocarray(s->v, s->n + 1, sizeof(*p))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	p[s->n++] = v;
	s->v = p;
}

/*
 * A --path as snapshots prints it (\xNN escapes undone), without trailing
 * slashes; absolute, as the paths a snapshot records are.
 */
static const char *
snap_path(char *p)
{
	size_t n;

	(void)log_unescape(p);
	if (p[0] != '/')
		usage_err(NULL, "--path %s: not an absolute path",
		    log_shown(p));
	for (n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	return p;
}

/*
 * keepassxc-cli's argv for --keepassxc DB ENTRY (no shell, "--" first),
 * in ${v}: each passphrase source has an array of its own.
 */
static char **
keepassxc_argv(const char *db, const char *entry, const char *v[9])
{
	static const char *const head[6] = { "keepassxc-cli", "show",
	    "--show-protected", "--attributes", "Password", "--" };

	memcpy(v, head, sizeof(head));
	v[6] = db;
	v[7] = entry;
	v[8] = NULL;
	return (char **)(uintptr_t)v;	/* posix_spawn writes none of it */
}

/* The descriptor a list name reads (/dev/stdin, /dev/fd/N), or -1. */
static int
list_fd(const char *name)
{
	const char *d;
	char *end;
	long v;

	if (strcmp(name, "/dev/stdin") == 0)
		return 0;
	if (strncmp(name, "/dev/fd/", 8) == 0)
		d = name + 8;
	else if (strncmp(name, "/proc/self/fd/", 14) == 0)
		d = name + 14;
	else
		return -1;
	errno = 0;
	v = strtol(d, &end, 10);
	return *d >= '0' && *d <= '9' && *end == '\0' && errno == 0 &&
	    v <= INT_MAX ? (int)v : -1;
}

/*
 * A --files-from list read from the stream the passphrase comes from
 * (--passphrase-fd 0 and --files-from /dev/stdin): one would eat the
 * other.  The same pipe or terminal under two numbers counts too.
 */
static void
lists_vs_passphrase(const struct opts *o)
{
	const struct pass_src *s[2] = { &o->pass, &o->newpass };
	const struct strv *l[2] = { &o->files_from, &o->files_from0 };
	struct stat a, b;
	size_t i, j, k;

	for (i = 0; i < 2; i++) {
		if (s[i]->kind != PASS_FD)
			continue;
		for (j = 0; j < 2; j++)
			for (k = 0; k < l[j]->n; k++)
				if (list_fd(l[j]->v[k]) == s[i]->fd ||
				    (fstat(s[i]->fd, &a) == 0 &&
				    !S_ISREG(a.st_mode) &&
				    stat(l[j]->v[k], &b) == 0 &&
				    a.st_dev == b.st_dev &&
				    a.st_ino == b.st_ino))
					usage_err(o->cmd, "--%s %s reads the "
					    "passphrase's descriptor %d: give "
					    "the passphrase another way",
					    j ? "files-from0" : "files-from",
					    l[j]->v[k], s[i]->fd);
	}
}

/* The other repository's passphrase options (--to-*, --from-*). */
static void
other_source(struct opts *o, int nopin)
{
	struct pass_src *t = &o->other;
	const char *why;
	const char *w = o->cmd != NULL && strcmp(o->cmd, "init") == 0 ?
	    "from" : "to";

	if ((t->kind == PASS_FD) + (t->cmdline != NULL) + (t->db != NULL) > 1)
		usage_err(o->cmd, "give only one of --%s-passphrase-fd, "
		    "--%s-passphrase-command and --%s-keepassxc", w, w, w);
	if (t->cmdline != NULL &&
	    (t->argv = subproc_split(t->cmdline, &why)) == NULL) {
		errorx("the other repository's passphrase command: %s", why);
		exit(EXIT_USAGE);
	}
	if (t->db != NULL) {
		static const char *v[9];

		t->argv = keepassxc_argv(t->db, t->entry, v);
	}
	if (t->argv != NULL)
		t->kind = PASS_CMD;
	t->prog = o->pass.prog;
	if (t->kind == PASS_AUTO && (t->prog != NULL || nopin))
		t->kind = t->prog != NULL ? PASS_PINENTRY : PASS_TTY;
	if (t->kind == PASS_FD && o->pass.kind == PASS_FD &&
	    t->fd == o->pass.fd)
		usage_err(o->cmd, "the two repositories' passphrases cannot "
		    "come from one descriptor (%d)", t->fd);
}

/* The passphrase options, checked, as the two sources. */
static void
pass_sources(struct opts *o, int nopin)
{
	struct pass_src *p = &o->pass, *n = &o->newpass;
	const char *why;

	if ((p->kind == PASS_FD) + (p->cmdline != NULL) + (p->db != NULL) > 1)
		usage_err(o->cmd, "give only one of --passphrase-fd, "
		    "--passphrase-command and --keepassxc");
	if (nopin && p->prog != NULL)
		usage_err(o->cmd, "--pinentry and --no-pinentry contradict "
		    "each other");
	if (p->cmdline != NULL &&
	    (p->argv = subproc_split(p->cmdline, &why)) == NULL) {
		errorx("--passphrase-command: %s", why);
		exit(EXIT_USAGE);
	}
	if (p->db != NULL) {
		static const char *v[9];

		p->argv = keepassxc_argv(p->db, p->entry, v);
	}
	if (p->argv != NULL)
		p->kind = PASS_CMD;
	n->prog = p->prog;
	other_source(o, nopin);
	if (p->kind == PASS_AUTO && (p->prog != NULL || nopin))
		p->kind = p->prog != NULL ? PASS_PINENTRY : PASS_TTY;
	if (n->kind == PASS_AUTO && (n->prog != NULL || nopin))
		n->kind = n->prog != NULL ? PASS_PINENTRY : PASS_TTY;
	lists_vs_passphrase(o);
}

#define NLONGOPTS	(sizeof(longopts) / sizeof(longopts[0]) - 1)

/*
 * The options given, by index in longopts: checked once the command is.
 * Sized for the table with room to grow; a static assertion in parse()
 * keeps them in step.
 */
#define OPTS_SEEN_MAX	128
static uint8_t opts_seen[OPTS_SEEN_MAX];
static int want_help;	/* -h, --help */

/*
 * Note the option getopt returned as ${c}, or end with one line naming
 * what was wrong (unknown, or its argument missing) and where to look.
 */
static void
opt_note(int c, char **argv, const char *cmd)
{
	size_t i;

	if (c == '?' || c == ':') {
		const char *what = c == '?' ? "unknown option" :
		    "missing argument for option";
		const char *a = argv[optind - 1];

		/* XXX an unknown letter inside a cluster (-zq) is named by
		 * its letter only when the word before it is no --option. */
		if (strncmp(a, "--", 2) == 0 &&
		    (optopt == 0 || optopt >= 256 || c == ':'))
			usage_err(cmd, "%s '%s'", what, a);
		usage_err(cmd, "%s '-%c'", what, optopt);
	}
	for (i = 0; i < NLONGOPTS; i++)
		if (longopts[i].val == c) {
			opts_seen[i] = 1;
			return;
		}
}

/* --keep-${what} N: 1..POL_COUNT_MAX, or "unlimited" (every period). */
static long
keep_count(int what, const char *s)
{
	static const char *const name[] = { "--keep-last", "--keep-hourly",
	    "--keep-daily", "--keep-weekly", "--keep-monthly",
	    "--keep-yearly" };

	if (strcmp(s, "unlimited") == 0)
		return POL_UNLIMITED;
	return (long)number(s, name[what], 1, POL_COUNT_MAX);
}

/* --group-by: paths, tags, "paths,tags" (either order) or none. */
static int
group_by(const struct opts *o, const char *s)
{
	if (strcmp(s, "paths") == 0)
		return GROUP_PATHS;
	if (strcmp(s, "tags") == 0)
		return GROUP_TAGS;
	if (strcmp(s, "paths,tags") == 0 || strcmp(s, "tags,paths") == 0)
		return GROUP_PATHS | GROUP_TAGS;
	if (strcmp(s, "none") == 0)
		return 0;
	usage_err(o->cmd, "--group-by takes paths, tags, paths,tags or none");
}

/*
 * backup --time "YYYY-MM-DD HH:MM:SS": local time (TZ), as restic's;
 * the seconds since the epoch.  Refused unless it is a real time of that
 * zone (no 30 February; mktime must give back the same fields).
 */
static int64_t
backup_time(const struct opts *o, const char *s)
{
	struct tm tm, back;
	time_t t;
	char tail;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) != 6 ||
	    tm.tm_year < 1970)
		usage_err(o->cmd, "--time takes \"YYYY-MM-DD HH:MM:SS\" (local "
		    "time, 1970 or later)");
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_isdst = -1;
	back = tm;
	if ((t = mktime(&back)) == (time_t)-1 || back.tm_year != tm.tm_year ||
	    back.tm_mon != tm.tm_mon || back.tm_mday != tm.tm_mday ||
	    back.tm_hour != tm.tm_hour || back.tm_min != tm.tm_min ||
	    back.tm_sec != tm.tm_sec)
		usage_err(o->cmd, "--time %s: no such time here", s);
	return (int64_t)t;
}

/*
 * Options before the command (as restic has them: tacit -r DIR snapshots),
 * the command, then options and operands after it in any order.
 */
static void
parse(int argc, char **argv, struct opts *o)
{
	const char *optstr = "+:r:qvhxnt:";	/* stop at the command */
	int c, nopin = 0;

	_Static_assert(NLONGOPTS <= OPTS_SEEN_MAX, "opts_seen too small");
	memset(o, 0, sizeof(*o));
	o->pass.kind = o->newpass.kind = o->other.kind = PASS_AUTO;
	o->pass.which = o->other.which = PASS_CURRENT;
	o->newpass.which = PASS_NEW;
	kdf_params_default(&o->kdf);
	o->group_by = GROUP_DEFAULT;
	o->cache_mib = 16;
	opterr = 0;
	optind = 0;
	for (;;) {
		if ((c = getopt_long(argc, argv, optstr, longopts, NULL)) ==
		    -1) {
			if (o->cmd != NULL || optind >= argc)
				break;
			/* The command; what follows is its own argv. */
			o->cmd = argv[optind];
			if (!command_word_known(o->cmd))
				unknown_command("", o->cmd);
			argc -= optind;
			argv += optind;
			optind = 0;
			optstr = ":r:qvhxnt:";
			continue;
		}
		opt_note(c, argv, o->cmd);
		switch (c) {
		case 'r':
			o->repo = optarg;
			break;
		case OPT_PASSFD:
			o->pass.kind = PASS_FD;
			o->pass.fd = (int)number(optarg, "--passphrase-fd", 0,
			    INT_MAX);
			break;
		case OPT_NEWPASSFD:
			o->newpass.kind = PASS_FD;
			o->newpass.fd = (int)number(optarg,
			    "--new-passphrase-fd", 0, INT_MAX);
			break;
		case OPT_PINENTRY:
			o->pass.prog = optarg;
			break;
		case OPT_NOPINENTRY:
			nopin = 1;
			break;
		case OPT_PASSCMD:
			o->pass.cmdline = optarg;
			break;
		case OPT_KEEPASSXC:	/* two arguments: DB ENTRY */
			if (optind >= argc)
				usage_err(o->cmd, "--keepassxc needs DB and "
				    "ENTRY");
			o->pass.db = optarg;
			o->pass.entry = argv[optind++];
			break;
		case OPT_KDFMEM:
			o->kdf.m_kib = number(optarg, "--kdf-memory",
			    KDF_NEW_M_KIB_MIN >> 10, KDF_M_KIB_MAX >> 10) << 10;
			break;
		case OPT_KDFITER:
			o->kdf.t_cost = number(optarg, "--kdf-iterations",
			    KDF_NEW_T_MIN, KDF_T_MAX);
			break;
		case OPT_KDFLANES:
			o->kdf.lanes = number(optarg, "--kdf-lanes", 1,
			    KDF_LANES_MAX);
			break;
		case OPT_LOCKWAIT:
			o->lock_wait = number(optarg, "--lock-wait", 0, 86400);
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_EXCLUDE:
			strv_add(&o->excludes, optarg);
			break;
		case OPT_EXCLUDEFILE:
			o->exclude_file = optarg;
			break;
		case OPT_IEXCLUDE:
			strv_add(&o->iexcludes, optarg);
			break;
		case OPT_IINCLUDE:
			strv_add(&o->iincludes, optarg);
			break;
		case OPT_EXCLCACHES:
			o->exclude_caches = 1;
			break;
		case OPT_IFPRESENT:
			if (*optarg == '\0' || *optarg == ':' ||
			    strchr(optarg, '/') != NULL)
				usage_err(o->cmd, "--exclude-if-present takes "
				    "a file name (NAME or NAME:HEADER)");
			strv_add(&o->if_present, optarg);
			break;
		case OPT_LARGER:
			if (pattern_size(optarg, &o->max_size) != 0)
				usage_err(o->cmd, "--exclude-larger-than takes "
				    "a size: digits and k, m, g or t");
			o->max_size_set = 1;
			break;
		case OPT_FILESFROM:
			strv_add(&o->files_from, optarg);
			break;
		case OPT_FILESFROM0:
			strv_add(&o->files_from0, optarg);
			break;
		case 'x':
			o->one_fs = 1;
			break;
		case OPT_TAG:
			strv_add(&o->tags, optarg);
			break;
		case OPT_PATH:
			strv_add(&o->paths, snap_path(optarg));
			break;
		case OPT_ADD:
			strv_add(&o->tag_add, optarg);
			break;
		case OPT_REMOVE:
			strv_add(&o->tag_remove, optarg);
			break;
		case OPT_SET:
			strv_add(&o->tag_set, optarg);
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_PARENT:
			o->parent = optarg;
			break;
		case 't':
			o->target = optarg;
			break;
		case OPT_SAMEAS:
			o->same_as = optarg;
			break;
		case OPT_INCLUDE:
			strv_add(&o->includes, optarg);
			break;
		case OPT_OVERWRITE:
			o->overwrite = 1;
			break;
		case OPT_NODEVICES:
			o->no_devices = 1;
			break;
		case OPT_NOSETID:
			o->no_setid = 1;
			break;
		case OPT_VERIFY:
			o->verify = 1;
			break;
		case OPT_NOLANDLOCK:
			o->allow_no_landlock = 1;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_READDATA:
			o->read_data = 1;
			break;
		case OPT_VERIFYDATA:
			o->verify_data = 1;
			break;
		case OPT_SUBSET:
			if (sscanf(optarg, "%u/%u", &o->subset_n, &o->subset_m)
			    != 2 || o->subset_m == 0 || o->subset_m > 256 ||
			    o->subset_n == 0 || o->subset_n > o->subset_m)
				usage_err(o->cmd, "--read-data-subset takes "
				    "N/M, 1 <= N <= M <= 256");
			break;
		case OPT_MAXUNUSED:
			o->max_unused = percent(optarg, "--max-unused");
			o->max_unused_set = 1;
			break;
		case OPT_PRUNE:
			o->prune = 1;
			break;
		case OPT_FORGET:
			o->forget = 1;
			break;
		case OPT_ALLOWOTHER:
			o->allow_other = 1;
			break;
		case OPT_CACHEMIB:
			o->cache_mib = number(optarg, "--cache-mib", 1, 65536);
			break;
		case OPT_TO:
			o->to = optarg;
			break;
		case OPT_CHUNKERFROM:
			o->chunker_from = optarg;
			break;
		case OPT_TOPASSFD:
		case OPT_FROMPASSFD:
			o->other.kind = PASS_FD;
			o->other.fd = (int)number(optarg, c == OPT_TOPASSFD ?
			    "--to-passphrase-fd" : "--from-passphrase-fd", 0,
			    INT_MAX);
			break;
		case OPT_TOPASSCMD:
		case OPT_FROMPASSCMD:
			o->other.cmdline = optarg;
			break;
		case OPT_TOKEEPASSXC:	/* two arguments: DB ENTRY */
		case OPT_FROMKEEPASSXC:
			if (optind >= argc)
				usage_err(o->cmd, "--%s needs DB and ENTRY",
				    c == OPT_TOKEEPASSXC ? "to-keepassxc" :
				    "from-keepassxc");
			o->other.db = optarg;
			o->other.entry = argv[optind++];
			break;
		case OPT_COMPRESSION:
			o->zstd_level = (int)number(optarg, "--compression", 1,
			    19);
			break;
		case OPT_PARITY:
			o->parity = (int)number(optarg, "--parity", 0, 25) + 1;
			break;
		case OPT_ARCHIVE:
			if (strcmp(optarg, "tar") != 0)
				usage_err(o->cmd, "--archive takes tar (a POSIX "
				    "pax archive)");
			o->archive = optarg;
			break;
		case OPT_SNAPSHOT:
			strv_add(&o->snaps, optarg);
			break;
		case OPT_NEWEST:
		case OPT_OLDEST:
			if (find_time(optarg, c == OPT_NEWEST, c == OPT_NEWEST ?
			    &o->newest : &o->oldest) != 0)
				usage_err(o->cmd, "--%s takes a local time: "
				    "YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'",
				    c == OPT_NEWEST ? "newest" : "oldest");
			*(c == OPT_NEWEST ? &o->newest_set : &o->oldest_set) = 1;
			break;
		case OPT_ICASE:
			o->icase = 1;
			break;
		case OPT_METADATA:
			o->metadata = 1;
			break;
		case OPT_KEEPLAST:
		case OPT_KEEPHOURLY:
		case OPT_KEEPDAILY:
		case OPT_KEEPWEEKLY:
		case OPT_KEEPMONTHLY:
		case OPT_KEEPYEARLY:
			o->keep[c - OPT_KEEPLAST] = keep_count(c - OPT_KEEPLAST,
			    optarg);
			break;
		case OPT_KEEPWITHIN:
			o->keep_within = optarg;
			break;
		case OPT_KEEPTAG:
			if (*optarg == '\0' || *optarg == ',')
				usage_err(o->cmd, "--keep-tag takes a tag (or "
				    "T1,T2)");
			strv_add(&o->keep_tags, optarg);
			break;
		case OPT_GROUPBY:
			o->group_by = group_by(o, optarg);
			break;
		case OPT_TIME:
			o->time_sec = backup_time(o, optarg);
			o->time_set = 1;
			break;
		case 'q':
			log_verbosity = 0;
			break;
		case 'v':
			log_verbosity = 2;
			break;
		case 'h':
			want_help = 1;
			break;
		default:
			usage_err(o->cmd, "unknown option");
		}
	}
	pass_sources(o, nopin);
	o->argc = argc - optind;
	o->argv = argv + optind;
}

/*
 * The command table's entry for the parsed ${o}.  Help (--help, help
 * COMMAND), a missing or unknown command or key subcommand end here.
 */
static const struct command *
command_resolve(const struct opts *o)
{
	const struct command *c;
	const char *sub = o->argc > 0 ? o->argv[0] : NULL;

	if (o->cmd == NULL) {		/* only options: tacit --help */
		usage_all(want_help ? stdout : stderr, want_help);
		exit(want_help ? EXIT_OK : EXIT_USAGE);
	}
	if (strcmp(o->cmd, "help") == 0 && sub != NULL) {
		if (!command_word_known(sub))
			unknown_command("", sub);
		if (strcmp(sub, "key") == 0 && o->argc < 2) {
			usage_key(stdout);
			exit(EXIT_OK);
		}
		if (strcmp(sub, "repair") == 0 && o->argc < 2) {
			usage_repair(stdout);
			exit(EXIT_OK);
		}
		if ((c = command_find(sub, o->argc > 1 ? o->argv[1] : NULL))
		    == NULL)
			unknown_command(strcmp(sub, "repair") == 0 ?
			    "repair " : "key ", o->argv[1]);
		usage_cmd(stdout, c);
		exit(EXIT_OK);
	}
	if (strcmp(o->cmd, "help") == 0) {
		usage_all(stdout, 1);
		exit(EXIT_OK);
	}
	if (strcmp(o->cmd, "key") == 0 && sub == NULL) {
		usage_key(want_help ? stdout : stderr);
		exit(want_help ? EXIT_OK : EXIT_USAGE);
	}
	if (strcmp(o->cmd, "repair") == 0 && sub == NULL) {
		usage_repair(want_help ? stdout : stderr);
		exit(want_help ? EXIT_OK : EXIT_USAGE);
	}
	if ((c = command_find(o->cmd, sub)) == NULL)
		unknown_command(strcmp(o->cmd, "repair") == 0 ? "repair " :
		    "key ", sub);
	if (want_help) {
		usage_cmd(stdout, c);
		exit(EXIT_OK);
	}
	return c;
}

/* Every option given must apply to ${c}: none is silently ignored. */
static void
options_check(const struct command *c)
{
	size_t i;

	for (i = 0; i < NLONGOPTS; i++)
		if (opts_seen[i] &&
		    !word_in(c->options, longopts[i].name))
			usage_err(c->name, "--%s does not apply to %s",
			    longopts[i].name, c->name);
}

/* What this process is, for on_signal: the worker of which command. */
static enum { SIG_PLAIN, SIG_BACKUP, SIG_RESTORE, SIG_FORGET, SIG_MOUNT }
    sig_role;

/* Append ${s} to ${p}, with ${v} in decimal for a '#'; the new end. */
static char *
sig_put(char *p, const char *s, uint64_t v)
{
	char d[24];
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (*s != '#') {
			*p++ = *s;
			continue;
		}
		do
			d[n++] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		while (n > 0)
			*p++ = d[--n];
	}
	*p = '\0';
	return p;
}

/*
 * Interrupted (Ctrl-C, kill, hang-up): wipe every secret, put the terminal
 * back if a passphrase prompt or a pinentry had it, end the line, say what
 * the run leaves, and exit 130.  The keyholder serving a worker returns
 * instead: it relays what the worker says (the worker gets the signal of
 * a Ctrl-C too), then exits 130.  Only async-signal-safe calls here.
 */
static void
on_signal(int sig)
{
	char msg[256], *p;

	/* The mount worker unmounts, then ends as usual (exit 0). */
	if (sig_role == SIG_MOUNT) {
		mount_interrupt(sig);
		return;
	}
	passphrase_tty_interrupt();
	secmem_wipe_all();
	if (!passphrase_reading() && keyholder_interrupt(sig))
		return;
	p = msg;
	switch (sig_role) {
	case SIG_BACKUP:
		p = sig_put(p, "no snapshot saved; #", fsio_written_bytes() >> 20);
		(void)sig_put(p, " MiB of partial data stays in the repository, "
		    "unused", 0);
		break;
	case SIG_RESTORE:
		p = sig_put(p, "files restored completely: #; those being "
		    "written are not under their names; ", rw_files_named());
		(void)sig_put(p, "run the same restore again to finish", 0);
		break;
	case SIG_FORGET:
		(void)sig_put(p, "each snapshot is whole or gone; run the same "
		    "forget again to finish", 0);
		break;
	case SIG_PLAIN:
	case SIG_MOUNT:
		msg[0] = '\0';
		break;
	}
	log_interrupted(msg[0] != '\0' ? msg : NULL);
	_exit(EXIT_INTR);
}

/* Before a backup: warn about unencrypted swap; --strict: any high risk. */
static void
host_check(const struct opts *o)
{
	if (o->strict && doctor_run(0) == DOCTOR_HIGH)
		fatal(EXIT_ERR, "--strict: this host has a high risk; see "
		    "'tacit doctor'");
	if (doctor_swap_risk() == DOCTOR_HIGH)
		alertx("unencrypted swap is active: memory of this backup may "
		    "be written to disk; see 'tacit doctor' (--strict refuses)");
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

int
main(int argc, char **argv)
{
	static struct opts o;	/* lives as long as the process */
	const struct command *c;
	int worker = 0;

	/* Before any secret can exist: no core dumps, no ptrace, umask 077. */
	if (harden_process() != 0)
		fatal(EXIT_ERR, "cannot harden the process: %s",
		    strerror(errno));
	log_stderr_tty = isatty(STDERR_FILENO);
	/* A passphrase in the environment is refused before it is hidden. */
	passphrase_env_refuse();
	subproc_save_env();	/* PATH for --keepassxc and commands */
	harden_environment();
	catch_signals();
	/*
	 * Chunk-sized buffers come and go for every request; keep them on
	 * the heap instead of an mmap and munmap (and fresh page faults)
	 * each time.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 64 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 128 << 20);
	if (sodium_init() < 0)
		fatal(EXIT_ERR, "libsodium failed to initialise");
	/* "-x worker": we are the worker the keyholder started (fd 3);
	 * "-x worker-tty:COLS": and its stderr reaches a terminal that
	 * was COLS wide. */
	if (argc >= 3 && strcmp(argv[1], "-x") == 0 &&
	    (strcmp(argv[2], "worker") == 0 ||
	    strncmp(argv[2], "worker-tty:", 11) == 0)) {
		worker = 1;
		progress_tty = strcmp(argv[2], "worker") != 0;
		/* Its stderr is the keyholder's relay, to that terminal. */
		log_stderr_tty = progress_tty;
		if (progress_tty)
			progress_cols = (unsigned)strtoul(argv[2] + 11, NULL,
			    10);
		kh_remote_fd = IPC_WORKER_FD;
		(void)prctl(PR_SET_NAME, "tacit-worker", 0, 0, 0);
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		usage_all(stderr, 0);
		exit(EXIT_USAGE);
	}
	if (strcmp(argv[1], "--version") == 0)
		argv[1] = (char *)(uintptr_t)"version";
	parse(argc, argv, &o);
	c = command_resolve(&o);
	options_check(c);
	if (strcmp(c->name, "version") == 0) {
		version_print(stdout, TACIT_VERSION);
		return EXIT_OK;
	}
	if (c->fn == cmd_doctor)		/* no repository, no keys */
		return cmd_doctor(&o);
	if (o.repo == NULL)
		usage_err(c->name, "no repository: give -r DIR");
	if (worker) {
		sig_role = c->fn == cmd_backup && !o.dry_run ? SIG_BACKUP :
		    c->fn == cmd_restore ? SIG_RESTORE :
		    c->fn == cmd_forget && !o.dry_run ? SIG_FORGET :
		    c->fn == cmd_mount ? SIG_MOUNT : SIG_PLAIN;
		return worker_run(c->fn, &o);
	}
#ifdef TACIT_BENCH_INPROCESS
	/* Bench-only build: the same data path, no keyholder, no IPC. */
	if (c->fn == cmd_backup && worker_backup_sources(&o) != 0)
		return EXIT_ERR;
	return c->fn(&o);
#endif
	if (c->fn == cmd_backup)
		host_check(&o);
	/* dump: binary data is not for a terminal; say so before asking. */
	if (c->fn == cmd_dump && dump_refuse_tty() != 0)
		return EXIT_USAGE;
	/* copy: DST given, and not SRC, before asking anything. */
	if (c->fn == cmd_copy && copy_check(&o) != EXIT_OK)
		return EXIT_USAGE;
	/* init: refuse a directory it cannot use before asking anything. */
	if (c->fn == cmd_init && repo_check_new(o.repo) != EXIT_OK)
		return EXIT_ERR;
	/* The keyholder: start the worker, then serve it. */
	return keyholder_run(argc, argv, &o, c->fn == cmd_init ||
	    c->fn == cmd_key);
}
