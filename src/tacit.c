/*
 * tacit.c: main.  Hardens the process before anything else, then parses the
 * command line and hands off to one command.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "progress.h"
#include "secmem.h"
#include "subproc.h"

#ifndef TACIT_VERSION
#define TACIT_VERSION "0.1.0-dev"
#endif

static const char usage_text[] =
"usage: tacit COMMAND [options] [arguments]\n"
"\n"
"commands:\n"
"  init            create a repository (-r DIR)\n"
"  key list        list the key slots\n"
"  key add         add a passphrase\n"
"  key remove ID   remove a key slot\n"
"  key passwd [ID] change the passphrase of one slot (default: the one used)\n"
"  key recovery    add a recovery key and print it once\n"
"  backup PATH...  back up files and directories into a new snapshot\n"
"  snapshots       list the snapshots\n"
"  ls SNAP [PATH]  list the files of a snapshot (SNAP: id prefix or latest)\n"
"  restore SNAP    restore a snapshot into --target DIR\n"
"  log SNAP        print the log a backup sealed with its snapshot\n"
"  doctor          is this host safe to back up from? (swap, dumps, ...)\n"
"  check           verify the repository [--read-data[-subset N/M]]\n"
"  version         print the version\n"
"\n"
"options:\n"
"  -r, --repo DIR            the repository\n"
"  --passphrase-fd N         read the passphrase from descriptor N\n"
"  --new-passphrase-fd N     read the new passphrase from descriptor N\n"
"  --pinentry PROGRAM        ask through this pinentry program\n"
"  --no-pinentry             ask on the terminal, never through pinentry\n"
"  --keepassxc DB ENTRY      the password of ENTRY in the KeePassXC DB\n"
"  --passphrase-command CMD  what CMD prints (split into words, no shell)\n"
"  --kdf-memory MIB          Argon2id memory for new key slots (>= 64)\n"
"  --kdf-iterations N        Argon2id passes for new key slots\n"
"  --kdf-lanes N             Argon2id lanes for new key slots\n"
"  --compression LEVEL       init: zstd level 1..19 for this repository (3)\n"
"  --lock-wait SECONDS       wait this long for the repository lock\n"
"  --json                    machine-readable output where supported\n"
"  --allow-no-landlock       run on a kernel without Landlock (seccomp only)\n"
"backup: --exclude PATTERN, --exclude-file F, -x/--one-file-system,\n"
"        --strict (refuse on a high host risk, see doctor),\n"
"        --tag T, -n/--dry-run, --force (reread all), --parent SNAP\n"
"restore: -t/--target DIR, --include PATH, --overwrite,\n"
"         --no-devices (skip device nodes), --no-setid (no set-uid/gid\n"
"         bits, no file capabilities)\n"
"  -q, --quiet / -v, --verbose\n"
"\n"
"Passphrases are asked through pinentry where one is installed and can show\n"
"a dialog, else on the terminal (echo off), unless a source above is given;\n"
"never from the command line or the environment.  See tacit(1).\n";

static const struct {
	const char	*name;
	int		(*fn)(struct opts *);
} commands[] = {
	{ "init",	cmd_init },
	{ "key",	cmd_key },
	{ "backup",	cmd_backup },
	{ "snapshots",	cmd_snapshots },
	{ "ls",		cmd_ls },
	{ "restore",	cmd_restore },
	{ "log",	cmd_log },
	{ "check",	cmd_check },
};

static void __attribute__((noreturn))
usage(const char *why)
{
	if (why != NULL)
		errorx("%s", why);
	(void)!write(STDERR_FILENO, usage_text, sizeof(usage_text) - 1);
	exit(EXIT_USAGE);
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
	OPT_FORCE, OPT_PARENT, OPT_TARGET, OPT_INCLUDE, OPT_OVERWRITE,
	OPT_COMPRESSION, OPT_NOLANDLOCK, OPT_PINENTRY, OPT_NOPINENTRY,
	OPT_KEEPASSXC, OPT_PASSCMD, OPT_STRICT, OPT_READDATA, OPT_SUBSET,
	OPT_NODEVICES, OPT_NOSETID
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
	{ "one-file-system",	no_argument,		NULL, 'x' },
	{ "tag",		required_argument,	NULL, OPT_TAG },
	{ "dry-run",		no_argument,		NULL, 'n' },
	{ "force",		no_argument,		NULL, OPT_FORCE },
	{ "parent",		required_argument,	NULL, OPT_PARENT },
	{ "target",		required_argument,	NULL, OPT_TARGET },
	{ "include",		required_argument,	NULL, OPT_INCLUDE },
	{ "overwrite",		no_argument,		NULL, OPT_OVERWRITE },
	{ "no-devices",		no_argument,		NULL, OPT_NODEVICES },
	{ "no-setid",		no_argument,		NULL, OPT_NOSETID },
	{ "compression",	required_argument,	NULL, OPT_COMPRESSION },
	{ "allow-no-landlock",	no_argument,		NULL, OPT_NOLANDLOCK },
	{ "strict",		no_argument,		NULL, OPT_STRICT },
	{ "read-data",		no_argument,		NULL, OPT_READDATA },
	{ "read-data-subset",	required_argument,	NULL, OPT_SUBSET },
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

/* keepassxc-cli's argv for --keepassxc DB ENTRY (no shell, "--" first). */
static char **
keepassxc_argv(const char *db, const char *entry)
{
	static const char *v[] = { "keepassxc-cli", "show",
	    "--show-protected", "--attributes", "Password", "--", NULL, NULL,
	    NULL };

	v[6] = db;
	v[7] = entry;
	return (char **)(uintptr_t)v;	/* posix_spawn writes none of it */
}

/* The passphrase options, checked, as the two sources. */
static void
pass_sources(struct opts *o, int nopin)
{
	struct pass_src *p = &o->pass, *n = &o->newpass;
	const char *why;

	if ((p->kind == PASS_FD) + (p->cmdline != NULL) + (p->db != NULL) > 1)
		usage("give only one of --passphrase-fd, --passphrase-command "
		    "and --keepassxc");
	if (nopin && p->prog != NULL)
		usage("--pinentry and --no-pinentry contradict each other");
	if (p->cmdline != NULL &&
	    (p->argv = subproc_split(p->cmdline, &why)) == NULL) {
		errorx("--passphrase-command: %s", why);
		exit(EXIT_USAGE);
	}
	if (p->db != NULL)
		p->argv = keepassxc_argv(p->db, p->entry);
	if (p->argv != NULL)
		p->kind = PASS_CMD;
	n->prog = p->prog;
	if (p->kind == PASS_AUTO && (p->prog != NULL || nopin))
		p->kind = p->prog != NULL ? PASS_PINENTRY : PASS_TTY;
	if (n->kind == PASS_AUTO && (n->prog != NULL || nopin))
		n->kind = n->prog != NULL ? PASS_PINENTRY : PASS_TTY;
}

static void
parse(int argc, char **argv, struct opts *o)
{
	int c, nopin = 0;

	memset(o, 0, sizeof(*o));
	o->cmd = argv[0];
	o->pass.kind = o->newpass.kind = PASS_AUTO;
	o->pass.which = PASS_CURRENT;
	o->newpass.which = PASS_NEW;
	kdf_params_default(&o->kdf);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:qvhxnt:", longopts, NULL)) !=
	    -1) {
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
				usage("--keepassxc needs DB and ENTRY");
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
		case 'x':
			o->one_fs = 1;
			break;
		case OPT_TAG:
			strv_add(&o->tags, optarg);
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
		case OPT_TARGET:
			o->target = optarg;
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
		case OPT_NOLANDLOCK:
			o->allow_no_landlock = 1;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_READDATA:
			o->read_data = 1;
			break;
		case OPT_SUBSET:
			if (sscanf(optarg, "%u/%u", &o->subset_n, &o->subset_m)
			    != 2 || o->subset_m == 0 || o->subset_m > 256 ||
			    o->subset_n == 0 || o->subset_n > o->subset_m)
				usage("--read-data-subset takes N/M, "
				    "1 <= N <= M <= 256");
			break;
		case OPT_COMPRESSION:
			o->zstd_level = (int)number(optarg, "--compression", 1,
			    19);
			break;
		case 'q':
			log_verbosity = 0;
			break;
		case 'v':
			log_verbosity = 2;
			break;
		case 'h':
			(void)!write(STDOUT_FILENO, usage_text,
			    sizeof(usage_text) - 1);
			exit(EXIT_OK);
		default:
			usage(NULL);
		}
	}
	pass_sources(o, nopin);
	o->argc = argc - optind;
	o->argv = argv + optind;
}

/*
 * Interrupted (Ctrl-C, kill, hang-up): wipe every secret, put the terminal
 * back if a passphrase prompt had it, and exit 130.  Only async-signal-safe
 * calls happen here.
 */
static void
on_signal(int sig)
{
	(void)sig;
	passphrase_tty_restore();
	secmem_wipe_all();
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
	const char *cmd;
	size_t i;
	int worker = 0;

	/* Before any secret can exist: no core dumps, no ptrace, umask 077. */
	if (harden_process() != 0)
		fatal(EXIT_ERR, "cannot harden the process: %s",
		    strerror(errno));
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
	 * "-x worker-tty": and its stderr reaches a terminal. */
	if (argc >= 3 && strcmp(argv[1], "-x") == 0 &&
	    (strcmp(argv[2], "worker") == 0 ||
	    strcmp(argv[2], "worker-tty") == 0)) {
		worker = 1;
		progress_tty = strcmp(argv[2], "worker-tty") == 0;
		kh_remote_fd = IPC_WORKER_FD;
		(void)prctl(PR_SET_NAME, "tacit-worker", 0, 0, 0);
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		usage(NULL);
	cmd = argv[1];
	parse(argc - 1, argv + 1, &o);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
#ifdef SANDBOX_OFF
		printf("tacit %s (test build: sandbox compiled out)\n",
		    TACIT_VERSION);
#else
		printf("tacit %s\n", TACIT_VERSION);
#endif
		return EXIT_OK;
	}
	if (strcmp(cmd, "doctor") == 0)		/* no repository, no keys */
		return cmd_doctor(&o);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "--help") == 0) {
		(void)!write(STDOUT_FILENO, usage_text, sizeof(usage_text) - 1);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) != 0)
			continue;
		if (o.repo == NULL)
			usage("no repository: give -r DIR");
		if (worker)
			return worker_run(commands[i].fn, &o);
#ifdef TACIT_BENCH_INPROCESS
		/* Bench-only build: the same data path, no keyholder, no IPC. */
		return commands[i].fn(&o);
#endif
		if (commands[i].fn == cmd_backup)
			host_check(&o);
		/* The keyholder: start the worker, then serve it. */
		return keyholder_run(argc, argv, &o, commands[i].fn ==
		    cmd_init || commands[i].fn == cmd_key);
	}
	errorx("unknown command '%s'", cmd);
	usage(NULL);
}
