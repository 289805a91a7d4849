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
	int			 allow_no_landlock; /* --allow-no-landlock */
	int			 strict;	/* backup --strict */
	int			 read_data;	/* check --read-data */
	unsigned		 subset_n, subset_m; /* --read-data-subset N/M */
	int			 allow_other;	/* mount --allow-other */
	unsigned		 cache_mib;	/* mount --cache-mib */
	struct strv		 snaps;		/* mount --snapshot */
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
int cmd_mount(struct opts *);

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
