/*
 * worker.c: the worker role.  Started by the keyholder as a fresh exec of
 * this binary; it holds no key but the chunker's, and it is confined before
 * it reads a single byte of the repository or of the sources.
 */
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"
#include "idxio.h"
#include "ipc.h"
#include "lock.h"
#include "log.h"
#include "pack.h"
#include "repo.h"
#include "sameas.h"
#include "sandbox.h"
#include "snapshot.h"
#include "source.h"
#include "worker.h"

/*
 * Files every worker reads once confined: user and group names (glibc's
 * NSS: nsswitch.conf, then the files module), the time zone.  Only these
 * files, never /etc as a whole: a root worker would read /etc/shadow.
 */
static const char *const common[] = { "/etc/passwd", "/etc/group",
    "/etc/nsswitch.conf", "/etc/localtime", "/usr/share/zoneinfo" };

static enum sandbox_role
role_of(int (*fn)(struct opts *), const struct opts *o)
{
	/* forget --prune: prune's role, and snapshots/ removable too. */
	if (fn == cmd_forget && o->prune)
		return SBX_PRUNE;
	if (fn == cmd_restore)
		return SBX_RESTORE;
	if (fn == cmd_backup)
		return SBX_BACKUP;
	if (fn == cmd_prune)
		return SBX_PRUNE;
	if (fn == cmd_mount)
		return SBX_MOUNT;
	if (fn == cmd_snapshots || fn == cmd_ls || fn == cmd_log ||
	    fn == cmd_check || fn == cmd_stats)
		return SBX_READ;
	if (fn == cmd_dump || fn == cmd_find || fn == cmd_diff)
		return SBX_READ;
	if (fn == cmd_forget)
		return SBX_FORGET;
	if (fn == cmd_tag)
		return SBX_TAG;
	if (fn == cmd_repair && o->argc >= 1 &&
	    strcmp(o->argv[0], "data") == 0)
		return SBX_REPAIR_DATA;
	if (fn == cmd_repair)
		return SBX_REPAIR;
	if (fn == cmd_copy)
		return SBX_COPY;
	return SBX_REPO;
}

#define FUSE_MAGIC	0x65735546	/* FUSE_SUPER_MAGIC of linux/magic.h */

/*
 * Whether the repository at ${path} is on a FUSE file system.  One
 * mounted without allow_other (fusefat, ntfs-3g, sshfs as usually run)
 * lets no process in but those with its mounter's uid and gid: no
 * capability opens it to nobody.
 */
static int
on_fuse(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type ==
	    FUSE_MAGIC;
}

/* f_type of the network file systems (linux/magic.h), for -v. */
static const struct {
	unsigned long	 magic;
	const char	*name;
} netfs[] = {
	{ FUSE_MAGIC, "FUSE" }, { 0x6969, "NFS" }, { 0xff534d42, "SMB" },
	{ 0xfe534d42, "SMB" }, { 0x517b, "SMB" }, { 0x01021997, "9p" },
	{ 0x00c36400, "Ceph" }, { 0x564c, "NCP" }, { 0x73757245, "Coda" },
	{ 0x6b414653, "AFS" }, { 0x5346414f, "AFS" },
};

void
worker_fs_note(const char *path)
{
	struct statfs sf;
	size_t i;

	if (log_verbosity < 2 || statfs(path, &sf) != 0)
		return;
	for (i = 0; i < sizeof(netfs) / sizeof(netfs[0]); i++)
		if ((unsigned long)sf.f_type == netfs[i].magic)
			break;
	if (i == sizeof(netfs) / sizeof(netfs[0]))
		return;
	if (netfs[i].magic == FUSE_MAGIC)
		infox("%s is on a FUSE file system: the repository lock keeps "
		    "out tacit runs through this mount on this computer only "
		    "(unless the file system forwards locks); a run through "
		    "another mount of it (another computer, or the directory "
		    "a FUSE file system mirrors) does not see it, so run one "
		    "writer at a time there", log_shown(path));
	else
		infox("%s is on a %s file system: the repository lock keeps "
		    "out tacit runs on other computers only if the server "
		    "keeps their locks (NFS: its lock daemon); if in doubt, "
		    "run one writer at a time there", log_shown(path),
		    netfs[i].name);
}

/* -v: what the file system of the repository lacked (fsio_fallbacks). */
static void
fallback_notes(void)
{
	unsigned fb = fsio_fallbacks();

	if (fb & FSIO_FB_NOREPLACE)
		infox("the repository's file system refused RENAME_NOREPLACE: "
		    "each new name was checked free before its rename (the "
		    "lock keeps writers apart)");
	if (fb & FSIO_FB_NODIRECT)
		infox("the repository's file system refused O_DIRECT: packs "
		    "were written through the page cache");
	if (fb & FSIO_FB_DIRSYNC)
		infox("the repository's file system cannot sync a directory: "
		    "a new or removed name is as durable as it makes it");
}

/* "${dir}/${name}" in a new string, or NULL. */
static char *
path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p;

	if ((p = malloc(a + b + 2)) == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* Replace *${pathp} by its real absolute path (kept for the run). */
static int
abs_path(const char **pathp)
{
	char *p;

	if ((p = realpath(*pathp, NULL)) == NULL) {
		errorx("%s: %s", *pathp, strerror(errno));
		return -1;
	}
	*pathp = p;
	return 0;
}

/*
 * The sources of backup, as worker_backup_sources; the --files-from lists
 * from ${lists} (source_lists_pack) if it is not -1, else read here.
 */
static int
backup_sources(struct opts *o, int lists)
{
	char **v, **all;
	size_t n, skipped, nall, i;
	int e = -1;

	if (o->argc < 1 && o->files_from.n == 0 && o->files_from0.n == 0)
		return 0;	/* cmd_backup gives the usage */
	/* --files-from lists: read now, before the passphrase, as argv. */
	if ((all = calloc((size_t)o->argc + 1, sizeof(*all))) == NULL) {
		errorx("out of memory");
		return -1;
	}
	for (nall = 0; nall < (size_t)o->argc; nall++)
		all[nall] = o->argv[nall];
	if (lists >= 0 && source_lists_load(lists, &all, &nall) != 0)
		goto out;
	for (i = 0; lists < 0 && i < o->files_from.n; i++)
		if (source_files_from(o->files_from.v[i], 0, &all, &nall) != 0)
			goto out;
	for (i = 0; lists < 0 && i < o->files_from0.n; i++)
		if (source_files_from(o->files_from0.v[i], 1, &all, &nall) != 0)
			goto out;
	if (nall == 0)
		errorx("no path to back up: the --files-from lists are empty");
	else if (source_resolve(all, nall, &v, &n, &skipped) == EXIT_OK)
		e = 0;
out:
	for (i = (size_t)o->argc; i < nall; i++)
		free(all[i]);
	free(all);
	if (e != 0)
		return -1;
	o->argv = v;		/* kept for the run */
	o->argc = (int)n;
	o->sources_skipped = skipped;
	return 0;
}

#define REPAIR_DIRS_MAX	4

/*
 * What repair may change (the repository itself it only reads): the lock
 * file (an exclusive lock needs it open for writing), and index/ for
 * repair index, or packs/, index/ and snapshots/ for repair snapshots
 * and repair data.
 * Each directory is made (0700) if missing, so Landlock can name it.  In
 * ${dirs}, new memory.  0, or -1 after a message.
 */
static int
repair_dirs(const struct opts *o, char *dirs[REPAIR_DIRS_MAX])
{
	static const char *const all[] = { LOCK_NAME, INDEX_DIR, PACK_DIR,
	    SNAP_DIR };
	size_t i, n = o->argc >= 1 && (strcmp(o->argv[0], "snapshots") == 0
	    || strcmp(o->argv[0], "data") == 0) ? 4 : 2;

	/* metadata: the header, config and key slots, and their copies in
	 * copy/ (repo.h), are all over the repository's top. */
	if (o->argc >= 1 && strcmp(o->argv[0], "metadata") == 0) {
		if ((dirs[0] = strdup(o->repo)) == NULL) {
			errorx("out of memory");
			return -1;
		}
		return 0;
	}

	for (i = 0; i < n; i++) {
		if (asprintf(&dirs[i], "%s/%s", o->repo, all[i]) < 0) {
			dirs[i] = NULL;
			errorx("out of memory");
			return -1;
		}
		if (i > 0 && mkdir(dirs[i], 0700) != 0 && errno != EEXIST) {
			errorx("cannot create %s: %s", dirs[i],
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* worker_backup_sources(o): see worker.h. */
int
worker_backup_sources(struct opts *o)
{
	return backup_sources(o, -1);
}

int
worker_run(int (*fn)(struct opts *), struct opts *o)
{
	enum sandbox_role role = role_of(fn, o);
	struct sandbox_path *p;
	size_t n = 0, i, cap = 7 + sizeof(common) / sizeof(common[0]) +
	    (size_t)o->argc + REPAIR_DIRS_MAX;
	char *snapdir = NULL, *lockfile = NULL, *pw[3] = { NULL, NULL, NULL };
	char *rdirs[REPAIR_DIRS_MAX] = { NULL };
	int e, mode, lists;

	/* What the sandbox must find in place: a new repository, a target. */
	if (fn == cmd_init && repo_prepare_dir(o->repo) != 0)
		return EXIT_ERR;
	if (fn == cmd_restore && o->target != NULL &&
	    mkdir(o->target, 0700) != 0 && errno != EEXIST) {
		errorx("cannot create %s: %s", o->target, strerror(errno));
		return EXIT_ERR;
	}
	/* A repository this user may not use: say whose, before asking. */
	if (fn != cmd_init && repo_check_access(o->repo, role == SBX_REPO ||
	    role == SBX_BACKUP || role == SBX_FORGET || role == SBX_TAG ||
	    role == SBX_PRUNE || role == SBX_REPAIR ||
	    role == SBX_REPAIR_DATA) !=
	    EXIT_OK)
		return EXIT_ERR;
	/* backup: every source checked and named before the passphrase;
	 * from here on, each is its absolute path (granted below). */
	if (fn == cmd_backup) {
		/* The keyholder read the --files-from lists: the worker
		 * cannot open /dev/stdin or an inherited /dev/fd/N. */
		lists = o->files_from.n + o->files_from0.n > 0 ?
		    IPC_LISTS_FD : -1;
		e = backup_sources(o, lists);
		if (lists >= 0)
			(void)close(lists);
		if (e != 0)
			return EXIT_ERR;
	}
	/* copy: DST written, so this user must be able to. */
	if (fn == cmd_copy && repo_check_access(o->to, 1) != EXIT_OK)
		return EXIT_ERR;
	/* The lock, while /proc can still name the process that holds it;
	 * check --same-as B: B's first (A's is the one lock.c remembers). */
	if (fn == cmd_check && o->same_as != NULL &&
	    (e = sameas_lock_early(o)) != EXIT_OK)
		return e;
	if ((mode = cmd_lock_mode(fn, o)) >= 0 &&
	    (e = repo_lock_early(o->repo, mode, o->lock_wait)) != EXIT_OK)
		return e;
	/* The other repository's: copy adds to DST; init reads SRC. */
	if (cmd_other_repo(o) != NULL && (e = repo_lock_early(
	    cmd_other_repo(o), fn == cmd_copy ? REPO_LOCK_ADD :
	    REPO_LOCK_SHARED, o->lock_wait)) != EXIT_OK)
		return e;
	/* mount: mounted (and its keeper started) before the sandbox,
	 * which allows neither mount(2) nor fusermount3. */
	if (fn == cmd_mount && (e = mount_prepare(o)) != EXIT_OK)
		return e;
	worker_fs_note(o->repo);
	if (fn == cmd_copy)
		worker_fs_note(o->to);
	/* A reader keeps root's ids on FUSE, where nobody is refused. */
	if ((role == SBX_READ || role == SBX_MOUNT) && (on_fuse(o->repo) ||
	    (fn == cmd_check && o->same_as != NULL && on_fuse(o->same_as))))
		sandbox_keep_ids();
	/* The restore worker's private root holds the repository and the
	 * target at their real paths, and has no cwd of ours: absolute. */
	if (role == SBX_RESTORE && (abs_path(&o->repo) != 0 ||
	    (o->target != NULL && abs_path(&o->target) != 0)))
		return EXIT_ERR;
	if ((p = calloc(cap, sizeof(*p))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		p[n].path = common[i];
		p[n++].access = SBX_R;
	}
	/* check --same-as B: B read-only too. */
	if (fn == cmd_check && o->same_as != NULL) {
		p[n].path = o->same_as;
		p[n++].access = SBX_R;
	}
	p[n].path = o->repo;
	p[n++].access = role == SBX_REPO || role == SBX_BACKUP ? SBX_RW :
	    role == SBX_RESTORE ? SBX_R | SBX_NSBIND : SBX_R;
	/* copy: DST read-write (SRC, o->repo, read-only above); init
	 * --copy-chunker-from: SRC read-only. */
	if (cmd_other_repo(o) != NULL) {
		p[n].path = cmd_other_repo(o);
		p[n++].access = fn == cmd_copy ? SBX_RW : SBX_R;
	}
	if (fn == cmd_backup) {
		for (i = 0; i < (size_t)o->argc; i++) {
			p[n].path = o->argv[i];
			p[n++].access = SBX_R | SBX_NOFOLLOW;
		}
		if (o->exclude_file != NULL) {
			p[n].path = o->exclude_file;
			p[n++].access = SBX_R;
		}
	}
	/* forget: read the repository, remove files in snapshots/ only. */
	if (fn == cmd_forget) {
		if ((snapdir = path_join(o->repo, SNAP_DIR)) == NULL)
			fatal(EXIT_ERR, "out of memory");
		p[n].path = snapdir;
		p[n++].access = SBX_RM;
	}
	if (fn == cmd_restore && o->target != NULL) {
		p[n].path = o->target;
		p[n++].access = SBX_MAKE | SBX_NSBIND;
	}
	/* tag: the repository read-only, but files in snapshots/ and the
	 * empty lock file, which a write lock needs open for writing (a
	 * file's rule grants it no more than reading and writing it). */
	if (role == SBX_TAG) {
		if (asprintf(&snapdir, "%s/%s", o->repo, SNAP_DIR) < 0 ||
		    asprintf(&lockfile, "%s/%s", o->repo, LOCK_NAME) < 0)
			fatal(EXIT_ERR, "out of memory");
		p[n].path = snapdir;
		p[n++].access = SBX_FILES;
		p[n].path = lockfile;
		p[n++].access = SBX_RW | SBX_NOFOLLOW;
	}
	/* prune: the repository read; packs/ and index/ written; the lock
	 * file opened for writing (an exclusive lock needs that). */
	for (i = 0; role == SBX_PRUNE && i < 3; i++) {
		if (asprintf(&pw[i], "%s/%s", o->repo, i == 0 ? "packs" :
		    i == 1 ? "index" : "lock") < 0)
			fatal(EXIT_ERR, "out of memory");
		p[n].path = pw[i];
		p[n++].access = SBX_RW;
	}
	if ((role == SBX_REPAIR || role == SBX_REPAIR_DATA) &&
	    repair_dirs(o, rdirs) != 0) {
		free(p);
		return EXIT_ERR;
	}
	for (i = 0; i < REPAIR_DIRS_MAX && rdirs[i] != NULL; i++) {
		p[n].path = rdirs[i];
		p[n++].access = SBX_RW;
	}
	sandbox_worker(role, p, n, !o->allow_no_landlock);
	free(snapdir);
	free(lockfile);
	for (i = 0; i < 3; i++)
		free(pw[i]);
	free(p);
	for (i = 0; i < REPAIR_DIRS_MAX; i++)
		free(rdirs[i]);
	e = fn(o);
	fallback_notes();
	return e;
}
