/*
 * cmd.h: the parsed command line shared by every command.
 */
#ifndef TACIT_CMD_H
#define TACIT_CMD_H

#include "kdf.h"
#include "passphrase.h"

/* A repeatable option's values (pointers into argv). */
struct strv {
	const char	**v;
	size_t		  n;
};

struct opts {
	const char		*cmd;		/* the command: init, key... */
	const char		*repo;		/* -r, --repo */
	struct pass_src		 pass;		/* the passphrase's source */
	struct pass_src		 newpass;	/* a new passphrase's source */
	const char		*to;		/* copy --to DIR */
	const char		*chunker_from;	/* init --copy-chunker-from */
	/* The passphrase of the other repository: copy's --to (from the
	 * --to-passphrase-* options), init's --copy-chunker-from (from
	 * --from-passphrase-*).  A keyholder of its own reads it. */
	struct pass_src		 other;
	struct kdf_params	 kdf;		/* for new key slots */
	unsigned		 lock_wait;	/* --lock-wait seconds */
	int			 json;		/* --json */
	struct strv		 excludes;	/* --exclude */
	const char		*exclude_file;	/* --exclude-file */
	struct strv		 iexcludes;	/* --iexclude */
	struct strv		 iincludes;	/* restore --iinclude */
	struct strv		 if_present;	/* --exclude-if-present */
	int			 exclude_caches; /* --exclude-caches */
	int			 max_size_set;	/* --exclude-larger-than */
	uint64_t		 max_size;
	struct strv		 files_from;	/* --files-from */
	struct strv		 files_from0;	/* --files-from0 */
	int			 one_fs;	/* --one-file-system */
	struct strv		 tags;		/* --tag: backup's, or a filter */
	struct strv		 paths;		/* --path: snapshot filter */
	struct strv		 tag_add;	/* tag --add */
	struct strv		 tag_remove;	/* tag --remove */
	struct strv		 tag_set;	/* tag --set */
	int			 dry_run;	/* --dry-run */
	int			 force;		/* --force */
	const char		*parent;	/* --parent SNAP */
	const char		*target;	/* --target DIR */
	struct strv		 includes;	/* --include PATTERN */
	int			 overwrite;	/* --overwrite */
	int			 no_devices;	/* restore --no-devices */
	int			 no_setid;	/* restore --no-setid */
	int			 verify;	/* restore --verify */
	int			 zstd_level;	/* init --compression; 0 default */
	int			 parity;	/* init --parity + 1; 0 default */
	int			 allow_no_landlock; /* --allow-no-landlock */
	int			 strict;	/* backup --strict */
	int			 read_data;	/* check --read-data */
	int			 verify_data;	/* repair data --verify-data */
	const char		*same_as;	/* check --same-as B */
	unsigned		 subset_n, subset_m; /* --read-data-subset N/M */
	const char		*archive;	/* dump --archive (only "tar") */
	struct strv		 snaps;		/* find, mount --snapshot */
	int			 newest_set, oldest_set;
	int64_t			 newest, oldest; /* find --newest, --oldest */
	int			 icase;		/* find --ignore-case */
	int			 metadata;	/* diff --metadata */
	long			 keep[6];	/* forget --keep-last .. -yearly */
	const char		*keep_within;	/* forget --keep-within */
	struct strv		 keep_tags;	/* forget --keep-tag */
	int			 group_by;	/* forget --group-by: GROUP_* */
	int			 time_set;	/* backup --time */
	int64_t			 time_sec;
	int			 max_unused_set; /* prune --max-unused */
	double			 max_unused;	/* percent */
	int			 prune;		/* forget --prune */
	/* forget --prune --dry-run: the snapshots prune takes as gone. */
	const uint8_t		(*prune_ignore)[16];
	size_t			 nprune_ignore;
	int			 forget;	/* repair snapshots --forget */
	int			 allow_other;	/* mount --allow-other */
	unsigned		 cache_mib;	/* mount --cache-mib */
	int			 argc;		/* operands after options */
	char			**argv;
	size_t			 sources_skipped; /* backup: not there, left out */
};

/* Each command returns an exit code of log.h. */
int cmd_init(struct opts *);
int cmd_key(struct opts *);
int cmd_backup(struct opts *);
int cmd_snapshots(struct opts *);
int cmd_ls(struct opts *);
int cmd_restore(struct opts *);
int cmd_log(struct opts *);
int cmd_doctor(struct opts *);
int cmd_check(struct opts *);
int cmd_dump(struct opts *);
int cmd_find(struct opts *);
int cmd_diff(struct opts *);

/*
 * dump_refuse_tty(): -1 after a message if standard output is a
 * terminal (dump writes binary data), else 0.  Called by the keyholder
 * before the worker starts.
 */
int dump_refuse_tty(void);

/*
 * find_time(s, end, out): the local time ${s} ("YYYY-MM-DD" or
 * "YYYY-MM-DD HH:MM:SS") in seconds since 1970 into *${out}; with ${end},
 * the last second it names (the end of the day, of the second).  0, or
 * -1 if ${s} is not such a time.
 */
int find_time(const char *, int, int64_t *);
int cmd_forget(struct opts *);

/* forget --group-by: bits of what makes a group (0: none, all one). */
#define GROUP_PATHS	1
#define GROUP_TAGS	2
#define GROUP_DEFAULT	(-1)	/* not given: GROUP_PATHS */
int cmd_tag(struct opts *);
int cmd_stats(struct opts *);
int cmd_prune(struct opts *);
int cmd_repair(struct opts *);
int cmd_mount(struct opts *);
int cmd_copy(struct opts *);

/*
 * copy_check(o): copy's --to is given and is not -r's directory; checked
 * by the keyholder before any passphrase is asked, and again by the
 * worker.  EXIT_OK, or EXIT_USAGE after a message.
 */
int copy_check(const struct opts *);

/* The other repository of ${o} (copy's --to, init's
 * --copy-chunker-from), or NULL: it gets a keyholder of its own. */
const char *cmd_other_repo(const struct opts *);

/*
 * mount_prepare(o): in the worker, before its sandbox: a FUSE session,
 * mounted on o->argv[0] (mountpt.h), and its keeper started.  Returns an
 * exit code; cmd_mount then serves it.  mount_interrupt(sig): from the
 * signal handler: unmount and end (exit 0).
 */
int mount_prepare(struct opts *);
void mount_interrupt(int);

struct reader;
struct snapshot;

/*
 * ls_run(o, rd, s, path): tacit ls of ${path} ("" for all) in snapshot
 * ${s} of the open reader ${rd}.  Returns EXIT_OK, EXIT_ERR (no such
 * path) or EXIT_DAMAGED (something on the way or below was damaged,
 * missing, a cycle or too deep; each is reported).
 */
int ls_run(const struct opts *, struct reader *, const struct snapshot *,
    const char *);

/*
 * dump_run(o, rd, s, path): tacit dump of ${path} in snapshot ${s} of
 * ${rd} to stdout (o->archive: as a pax archive).  Returns an exit code
 * (EXIT_DAMAGED: missing or damaged data or listings, each reported).
 */
int dump_run(const struct opts *, struct reader *, const struct snapshot *,
    const char *);

/*
 * find_run(o, rd, s): tacit find of the patterns o->argv in snapshot
 * ${s} of ${rd}.  0, 1 if something was damaged (each reported), -1 out
 * of memory.
 */
int find_run(const struct opts *, struct reader *, const struct snapshot *);

/*
 * diff_run(o, rd, s1, s2, path): tacit diff of ${path} ("" for all) from
 * ${s1} to ${s2} of ${rd}.  Returns an exit code (EXIT_DAMAGED: a listing
 * it had to read was damaged; each is reported).
 */
int diff_run(const struct opts *, struct reader *, const struct snapshot *,
    const struct snapshot *, const char *);

/*
 * check_run(o, rd): tacit check of the repository open in ${rd} (with
 * o->read_data, o->subset_n, o->subset_m).  Returns EXIT_OK or
 * EXIT_DAMAGED (each problem is reported).
 */
int check_run(const struct opts *, struct reader *);

/*
 * cmd_open(o, mode, rp): open, lock (mode: REPO_LOCK_*) and unlock the
 * repository of ${o}, and arrange for fatal() to wipe its keys.  Returns
 * an exit code; on EXIT_OK *${rp} is the repository.
 */
struct repo;
int cmd_open(struct opts *, int, struct repo **);

/*
 * cmd_lock_mode(fn, o): the lock (REPO_LOCK_*) the command ${fn} with the
 * operands of ${o} takes in cmd_open: shared to read, REPO_LOCK_ADD to
 * only add files, exclusive to remove or rewrite; -1 for none (init
 * locks the repository it creates, in repo_create).
 */
int cmd_lock_mode(int (*)(struct opts *), const struct opts *);

/* cmd_key_lock_mode(sub): the lock of 'key ${sub}'; -1 if no such one. */
int cmd_key_lock_mode(const char *);

/* cmd_close(r): undo cmd_open. */
void cmd_close(struct repo *);

#endif
