/*
 * restore.c: restore a snapshot.
 *
 * The rules that keep a malicious repository or a hostile target from
 * making restore write anywhere else:
 *  - every stored name is one path component (tree_decode and again here);
 *  - directories are entered with openat2(RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), one component at a time;
 *  - files are created with O_CREAT | O_EXCL | O_NOFOLLOW under a
 *    temporary name (.tacit-tmp-XXXXXXXXXXXX) and renamed to their own
 *    name, without replacing anything, once their data and metadata are
 *    complete (rwrite.c): an existing entry is never followed or
 *    overwritten (unless --overwrite, when the complete file is renamed
 *    over it), and an interrupted restore leaves no short file under a
 *    final name, only temporary ones, which the next restore into the
 *    same directories removes;
 *  - an entry already there that is what the snapshot holds (a file of
 *    the same size and mtime, a symlink to the same target, ...) is left
 *    alone and counted complete, so rerunning an interrupted restore
 *    finishes it; --verify rereads such files, and every file written,
 *    and compares them with the snapshot's data;
 *  - symlinks are created last, after every file and directory, so no
 *    later entry of the same restore can be written through one;
 *  - a hard link's source is a file this restore created, looked up by its
 *    link group, never by a path read from the repository;
 *  - directory metadata (modes, times) is applied by the writer once
 *    every file in the directory has its name, or, for a directory that
 *    gets symlinks, after them, deepest first;
 *  - the walk keeps descriptors for the RS_FDS deepest directories on its
 *    path only, and goes back up through "..", checked to be the very
 *    directory it left (device and inode).
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"
#include "pattern.h"
#include "progress.h"
#include "restore.h"
#include "rverify.h"
#include "rwrite.h"
#include "sandbox.h"
#include "treepath.h"
#include "walkpath.h"

#define BENEATH	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* A file's chunks asked of the disk ahead of the one opened (a cold
 * pack: the disk works while the keyholder opens). */
#define RS_AHEAD	4

/* A batch of this many files or more is opened in two parts. */
#define OPENER_MIN	24

/*
 * Temporary names: the prefix, then 12 lowercase hex digits (6 random
 * per run, 6 counting).  A name of exactly this form, for a regular
 * file, is a leftover of an interrupted restore: removed on sight.
 */
#define TMP_PREFIX		".tacit-tmp-"
#define TMP_PREFIX_LEN		(sizeof(TMP_PREFIX) - 1)
#define TMP_HEX_LEN		12
#define TMP_NAME_BYTES		(TMP_PREFIX_LEN + TMP_HEX_LEN + 1)

/* What is already at a file's name. */
enum ent_state { ENT_NONE, ENT_SAME, ENT_OTHER };

/* A file to reread after the restore (--verify). */
struct vrec {
	char		*path;		/* relative to the target */
	struct node	 n;		/* size, flags, extents, chunks */
};

struct deferred {
	char		*dir;		/* relative path of the parent */
	struct node	 n;		/* metadata only */
};

struct linkrec {
	uint64_t	 id;
	char		*path;		/* relative path of the first copy */
	struct node	 first;		/* its size, mtime and flags only */
};

/*
 * The opener: a thread that reads and has the keyholder open the later
 * part of a directory's batch while the main thread creates and hands to
 * the writer the files of the first part.  Its own pack reader; the
 * keyholder's channel serves one request at a time (kh.c's mutex).
 */
struct opener {
	pthread_t		 th;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 busy;		/* a batch given, not done */
	int			 quit;
	int			 rc;
	struct reader		*rd;
	struct packr		*pr;
	uint8_t			 ids[KH_BATCH_MAX][32];
	size_t			 n;
	struct prefetch		 pf;
};

struct rs {
	struct reader		*rd;
	const struct opts	*o;
	int			 rootfd;
	int			 owner;		/* meta_apply flags: META_OWNER
						   when root, META_NOSETID */
	struct restore_stats	*st;
	struct deferred		*syms, *dirs;
	size_t			 nsyms, symcap, ndirs, dircap;
	struct linkrec		*links;
	size_t			 nlinks, linkcap;
	struct progress		 prog;
	struct rwriter		*w;		/* writes file data, metadata */
	uint64_t		 queued;	/* bytes handed to it */
	struct prefetch		*pf;		/* small files' data, batched */
	const struct node	*pfnode[KH_BATCH_MAX];
	size_t			 pfn;
	struct opener		*op;		/* the batch's later part */
	const struct node	*opnode[KH_BATCH_MAX];
	size_t			 opn;
	char			*path;		/* relative path being restored */
	size_t			 pathlen, pathcap;
	struct treepath		 tp;		/* trees on that path */
	uint64_t		 nfiles;	/* handed to the writer */
	uint32_t		 tmprun;	/* random part of temporary names */
	uint32_t		 tmpseq;	/* counting part */
	int			 link_pending;	/* a link source not yet named */
	int			 fresh;		/* this restore made the directory
						   being filled: nothing to skip */
	struct patterns		 inc, exc;	/* --(i)include, --(i)exclude */
	int			 inside;	/* below an included directory */
	uint64_t		 placed;	/* entries included so far */
	struct vrec		*vrecs;		/* --verify: files written */
	size_t			 nvrecs, vreccap;
	struct rverify_buf	 vbuf;
};

static int
open_beneath(int dirfd, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags | O_CLOEXEC;
	how.mode = mode;
	how.resolve = BENEATH;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/*
 * open_beneath of a relative path of any length: openat2 takes at most
 * PATH_MAX - 1 bytes, and a restored path can be 256 KiB (1022 names of
 * 255 bytes), so a longer one is opened in pieces cut at a '/', each
 * beneath the directory the previous piece opened, the last with ${flags}.
 */
static int
open_long(int dirfd, const char *rel, uint64_t flags)
{
	char part[PATH_MAX];
	size_t len, cut;
	int fd = dirfd, nfd;

	for (;;) {
		len = strlen(rel);
		if (len < sizeof(part)) {
			nfd = open_beneath(fd, rel, flags, 0);
			break;
		}
		/* Names are at most 255 bytes: a '/' is near the end. */
		for (cut = sizeof(part) - 1; cut > 0 && rel[cut] != '/'; cut--)
			;
		if (cut == 0) {
			errno = ENAMETOOLONG;
			nfd = -1;
			break;
		}
		memcpy(part, rel, cut);
		part[cut] = '\0';
		nfd = open_beneath(fd, part, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW, 0);
		if (fd != dirfd)
			(void)close(fd);
		if (nfd < 0)
			return -1;
		fd = nfd;
		rel += cut + 1;
	}
	if (fd != dirfd)
		(void)close(fd);
	return nfd;
}

/* ${n}'s name is node_name_ok: never empty, no "/" (walkpath_push). */
static int
path_push(struct rs *s, const struct node *n, size_t *saved)
{
	*saved = s->pathlen;
	return walkpath_push(&s->path, &s->pathlen, &s->pathcap,
	    (const char *)n->name, n->namelen);
}

static void
path_pop(struct rs *s, size_t saved)
{
	walkpath_cut(s->path, &s->pathlen, saved);
}

/*
 * --include and --exclude: 2 restore it (and all below), 1 a directory on
 * the way to what an include may match, 0 leave it out.
 */
static int
included(struct rs *s, int isdir)
{
	if (s->exc.n > 0 && pattern_match(&s->exc, s->path))
		return 0;
	if (s->inc.n == 0)
		return 2;
	if (pattern_match(&s->inc, s->path) || s->inside > 0)
		return 2;
	return isdir && pattern_may_hold(&s->inc, s->path) ? 1 : 0;
}

static int
defer(struct deferred **v, size_t *n, size_t *cap, const char *dir,
    size_t dirlen, const struct node *node)
{
	struct deferred *p;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((p = reallocarray(*v, *cap, sizeof(*p))) == NULL)
			return -1;
		*v = p;
	}
	if ((p = &(*v)[*n])->dir = strndup(dir, dirlen), p->dir == NULL)
		return -1;
	if (node_copy_meta(&p->n, node) != 0) {
		free(p->dir);
		return -1;
	}
	(*n)++;
	return 0;
}

static void
report(struct rs *s, const char *what)
{
	alertx("%s: %s", log_shown(s->path), what);
}

/* The same, naming the blob ${id} it is about. */
int
restore_meta_report(const char *path, int err, const struct meta_fail *f)
{
	if (err != 0)
		alertx("%s: metadata not set: %s", log_shown(path),
		    strerror(err));
	else if (f->n == 0)
		return 0;
	else if (f->shown < f->n)
		alertx("%s: metadata not set: %s; and %zu more", log_shown(path),
		    f->text, f->n - f->shown);
	else
		alertx("%s: metadata not set: %s", log_shown(path), f->text);
	return 1;
}

static void
report_blob(struct rs *s, const char *what, const uint8_t *id)
{
	char h[9];

	reader_hex8(id, h);
	alertx("%s: %s (blob %s)", log_shown(s->path), what, h);
}

static void *
opener_main(void *arg)
{
	struct opener *op = arg;

	(void)pthread_mutex_lock(&op->mu);
	for (;;) {
		while (!op->busy && !op->quit)
			(void)pthread_cond_wait(&op->cv, &op->mu);
		if (op->quit)
			break;
		(void)pthread_mutex_unlock(&op->mu);
		op->rc = prefetch_blobs(op->rd->r->kh, op->pr, &op->rd->ix,
		    NULL, BLOB_DATA, op->rd->r->cfg.chunk_max,
		    (const uint8_t (*)[32])op->ids, op->n, &op->pf);
		(void)pthread_mutex_lock(&op->mu);
		op->busy = 0;
		(void)pthread_cond_broadcast(&op->cv);
	}
	(void)pthread_mutex_unlock(&op->mu);
	return NULL;
}

/* The opener, or NULL: batches are then opened on the main thread. */
static struct opener *
opener_start(struct reader *rd)
{
	struct opener *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->rd = rd;
	op->pf.opened = 1;	/* kept compressed: no zstd context needed */
	/* A damaged blob is repaired once, by the main thread's reader
	 * (send_content reads it again), not by both (two repaired copies
	 * of a pack, two reports). */
	op->pf.noheal = 1;
	if ((op->pr = packr_new(rd->r->dirfd)) == NULL)
		goto fail;
	if (pthread_mutex_init(&op->mu, NULL) != 0)
		goto fail_pr;
	if (pthread_cond_init(&op->cv, NULL) != 0)
		goto fail_mu;
	if (pthread_create(&op->th, NULL, opener_main, op) != 0)
		goto fail_cv;
	return op;
fail_cv:
	(void)pthread_cond_destroy(&op->cv);
fail_mu:
	(void)pthread_mutex_destroy(&op->mu);
fail_pr:
	packr_free(op->pr);
fail:
	free(op);
	return NULL;
}

/* Hand the opener the batch in op->ids[0..op->n). */
static void
opener_give(struct opener *op)
{
	(void)pthread_mutex_lock(&op->mu);
	op->busy = 1;
	(void)pthread_cond_broadcast(&op->cv);
	(void)pthread_mutex_unlock(&op->mu);
}

/* Wait until the opener has no batch: its buffers are ours to read. */
static void
opener_wait(struct opener *op)
{
	(void)pthread_mutex_lock(&op->mu);
	while (op->busy)
		(void)pthread_cond_wait(&op->cv, &op->mu);
	(void)pthread_mutex_unlock(&op->mu);
}

static void
opener_stop(struct opener *op)
{
	if (op == NULL)
		return;
	(void)pthread_mutex_lock(&op->mu);
	op->quit = 1;
	(void)pthread_cond_broadcast(&op->cv);
	(void)pthread_mutex_unlock(&op->mu);
	(void)pthread_join(op->th, NULL);
	(void)pthread_cond_destroy(&op->cv);
	(void)pthread_mutex_destroy(&op->mu);
	packr_free(op->pr);
	prefetch_free(&op->pf);
	free(op);
}

/* No batch any more: the opener's too is done with (waited for). */
static void
batch_end(struct rs *s)
{
	s->pfn = 0;
	if (s->opn > 0)
		opener_wait(s->op);
	s->opn = 0;
}

/* ${n}'s data in the batch ${pf} of the nodes ${v}[0..${nv}), or NULL. */
static const uint8_t *
batch_find(const struct prefetch *pf, const struct node *const *v, size_t nv,
    const struct node *n, size_t *lenp, size_t *rawp, int *found)
{
	size_t i;

	for (i = 0; i < nv; i++)
		if (v[i] == n) {
			*found = 1;
			if (pf->err[i] != 0) {
				errno = pf->err[i];
				return NULL;
			}
			*lenp = pf->len[i];
			*rawp = pf->rawlen[i];
			return pf->buf + pf->off[i];
		}
	return NULL;
}

/*
 * The batched data of the one-chunk file ${n}, or NULL (errno set) when it
 * was not batched or the batch found it missing or damaged.
 */
static const uint8_t *
prefetched(struct rs *s, const struct node *n, size_t *lenp, size_t *rawp)
{
	const uint8_t *p;
	int found = 0;

	errno = 0;
	p = batch_find(s->pf, s->pfnode, s->pfn, n, lenp, rawp, &found);
	/* Not the opener's (never batched, or before its part): no wait. */
	if (found || s->opn == 0 || n < s->opnode[0] || n->nchunks != 1 ||
	    n->link_id != 0)
		return p;
	opener_wait(s->op);
	if (s->op->rc != 0) {
		errno = 0;	/* one by one after all */
		return NULL;
	}
	return batch_find(&s->op->pf, s->opnode, s->opn, n, lenp, rawp,
	    &found);
}

/*
 * Hand the content of ${n} to the writer, chunk by chunk, then close the
 * file there.  A missing or damaged chunk is reported here and ends the
 * file's data (the writer counts it damaged).  0, 1 if damaged that way,
 * or -1 (fatal: ENOMEM).
 */
static int
send_content(struct rs *s, const struct node *n)
{
	const uint8_t *p;
	size_t len, raw, c, ahead = 1;

	/* Nothing was read at backup: leave it empty, not zeros of its size. */
	if (n->flags & NODE_F_UNREADABLE) {
		report(s, "unreadable at backup; restored empty");
		return rw_close(s->w, 1) != 0 ? -1 : 1;
	}
	for (c = 0; c < n->nchunks; c++) {
		/* The disk reads the next chunks while this one is opened. */
		while (ahead < n->nchunks && ahead <= c + RS_AHEAD)
			reader_willneed(s->rd, n->chunks[ahead++]);
		if ((p = prefetched(s, n, &len, &raw)) == NULL &&
		    (p = reader_blob_opened(s->rd, n->chunks[c], &len, &raw)) ==
		    NULL) {
			report_blob(s, errno == ENODATA ? "data missing from "
			    "the repository" : errno == EFBIG ? "data blob "
			    "claims to be larger than the repository's "
			    "chunk_max (damaged or forged; not read)" :
			    "data damaged (authentication failed)",
			    n->chunks[c]);
			return rw_close(s->w, 1) != 0 ? -1 : 1;
		}
		if (rw_data(s->w, p, len, raw) != 0)
			return -1;
		s->queued += raw;
		progress_tick(&s->prog, s->nfiles, s->queued);
	}
	return rw_close(s->w, 0);
}

/*
 * 1 if ${st} is a regular file of ${n}'s size and mtime, as a finished
 * restore leaves it (a file system without nanoseconds keeps whole
 * seconds; a file unreadable at backup is restored empty).
 */
static int
stat_matches(const struct stat *st, const struct node *n)
{
	uint64_t size = n->flags & NODE_F_UNREADABLE ? 0 : n->size;

	return S_ISREG(st->st_mode) && (uint64_t)st->st_size == size &&
	    (int64_t)st->st_mtim.tv_sec == n->mtime_sec &&
	    ((uint32_t)st->st_mtim.tv_nsec == n->mtime_nsec ||
	    st->st_mtim.tv_nsec == 0);
}

/*
 * Link the file ${src} (an O_PATH descriptor of ${path}, below the target)
 * as ${name} in ${dirfd}, by name: the restore worker has no /proc (and
 * linkat of a descriptor needs CAP_DAC_READ_SEARCH, which it dropped).
 * The new entry must be the very inode ${src} holds, not whatever the path
 * named by then (a directory swapped for a symlink): otherwise it is
 * removed again, and the result is ESTALE.
 */
static int
link_same(int rootfd, const char *path, int src, int dirfd, const char *name)
{
	const char *base = strrchr(path, '/');
	struct stat a, b;
	char *parent;
	int pfd = rootfd, r;

	/* The link's directory first: a path may be longer than PATH_MAX. */
	if (base != NULL) {
		if ((parent = strndup(path, (size_t)(base - path))) == NULL)
			return -1;
		pfd = open_long(rootfd, parent, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW);
		free(parent);
		if (pfd < 0)
			return -1;
		base++;
	} else
		base = path;
	r = linkat(pfd, base, dirfd, name, 0);
	if (pfd != rootfd)
		(void)close(pfd);
	if (r != 0)
		return -1;
	if (fstat(src, &a) == 0 && fstatat(dirfd, name, &b,
	    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 0;
	(void)unlinkat(dirfd, name, 0);
	errno = ESTALE;
	return -1;
}

/*
 * ${n} could not be made a hard link to the group's first file at
 * ${first} (${err}): it is written as a copy next; say so, and why.
 */
static void
link_copy(struct rs *s, const char *first, int err)
{
	char shown[1024];

	(void)snprintf(shown, sizeof(shown), "%s", log_shown(first));
	alertx("%s: restored as a copy, not as a hard link of %s: %s",
	    log_shown(s->path), shown, err == EPERM || err == EOPNOTSUPP ?
	    "the target file system has no hard links" : strerror(err));
	s->st->link_copies++;
}

/* Try to make ${n} a hard link to an earlier file of its group. */
static int
try_link(struct rs *s, int dirfd, const char *name, const struct node *n)
{
	const char *path;
	struct stat st;
	size_t i;
	int src, r;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].id == n->link_id)
			break;
	if (i == s->nlinks)
		return -1;
	/* The source has its name only once the writer has finished it. */
	if (s->link_pending) {
		rw_sync(s->w);
		s->link_pending = 0;
	}
	if ((src = open_long(s->rootfd, s->links[i].path,
	    O_PATH | O_NOFOLLOW)) < 0) {
		link_copy(s, s->links[i].path, errno);
		return -1;
	}
	/*
	 * It must be the group's first file, complete: not an entry that
	 * took its name first (the writer then reported "exists").
	 */
	if (fstat(src, &st) != 0 || !stat_matches(&st, &s->links[i].first)) {
		(void)close(src);
		link_copy(s, s->links[i].path, ESTALE);
		errno = ESTALE;
		return -1;
	}
	/* Link the very file we opened, not whatever a path names now. */
	path = s->links[i].path;
	r = link_same(s->rootfd, path, src, dirfd, name);
	/* --overwrite: replace the entry (never a directory), link again. */
	if (r != 0 && errno == EEXIST && s->o->overwrite &&
	    unlinkat(dirfd, name, 0) == 0)
		r = link_same(s->rootfd, path, src, dirfd, name);
	(void)close(src);
	if (r == 0)
		s->st->links++;
	else if (errno != EEXIST)
		link_copy(s, path, errno);
	return r;
}

static int
remember_link(struct rs *s, const struct node *n)
{
	struct linkrec *p;

	if (s->nlinks == s->linkcap) {
		s->linkcap = s->linkcap ? s->linkcap * 2 : 32;
		if ((p = reallocarray(s->links, s->linkcap, sizeof(*p))) == NULL)
			return -1;
		s->links = p;
	}
	p = &s->links[s->nlinks];
	memset(p, 0, sizeof(*p));
	if ((p->path = strdup(s->path)) == NULL)
		return -1;
	p->id = n->link_id;
	p->first.size = n->size;
	p->first.mtime_sec = n->mtime_sec;
	p->first.mtime_nsec = n->mtime_nsec;
	p->first.flags = n->flags;
	s->nlinks++;
	return 0;
}

/*
 * A new temporary file in ${dirfd}, its name in ${tmp}: O_EXCL, so
 * nothing there is ever followed or reused.  -1 with errno.
 */
static int
create_tmp(struct rs *s, int dirfd, char tmp[TMP_NAME_BYTES])
{
	int fd = -1, tries;

	for (tries = 0; tries < 16; tries++) {
		(void)snprintf(tmp, TMP_NAME_BYTES, TMP_PREFIX "%06x%06x",
		    (unsigned)(s->tmprun & 0xffffff),
		    (unsigned)(s->tmpseq++ & 0xffffff));
		fd = open_beneath(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd;
}

/* 1 if ${name} is one of our temporary names. */
static int
is_tmp_name(const char *name)
{
	size_t i;

	if (strlen(name) != TMP_PREFIX_LEN + TMP_HEX_LEN ||
	    strncmp(name, TMP_PREFIX, TMP_PREFIX_LEN) != 0)
		return 0;
	for (i = TMP_PREFIX_LEN; name[i] != '\0'; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Remove the temporary files an interrupted restore left in the
 * directory ${dirfd} (one that existed before this restore: a new one
 * has none).  Only regular files of exactly that name form.
 */
static void
remove_leftovers(struct rs *s, int dirfd)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if ((fd = open_beneath(dirfd, ".", O_RDONLY | O_DIRECTORY, 0)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_tmp_name(de->d_name) || fstatat(dirfd, de->d_name,
		    &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			s->st->leftovers++;
	}
	(void)closedir(d);
}

/*
 * What is at ${name}: ENT_SAME for a file that stat_matches ${n},
 * ENT_OTHER for anything else there, ENT_NONE for nothing (or what
 * cannot be looked at: creating it will say why, and never replaces
 * anything).
 */
static enum ent_state
file_state(const struct rs *s, int dirfd, const char *name,
    const struct node *n)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return ENT_NONE;
	/*
	 * Complete means what a restore leaves: size, mtime, the permission
	 * bits (set-id bits may have been dropped) and, as root, the owner.
	 * A file someone planted with the right size and mtime is not
	 * taken for ours.
	 */
	if (!stat_matches(&st, n) || (st.st_mode & 01777) != (n->mode & 01777) ||
	    ((s->owner & META_OWNER) != 0 && (st.st_uid != (uid_t)n->uid ||
	    st.st_gid != (gid_t)n->gid)))
		return ENT_OTHER;
	return ENT_SAME;
}

/*
 * Open the regular file ${path} beneath ${dirfd} for reading: -1 with
 * errno, or -2 if it is not a regular file.  Whatever the target holds
 * under that name is looked at first through O_PATH, so a device node
 * or FIFO found there is not opened (a tape rewinds on open); the file
 * opened must be the inode looked at.  (One swapped in between the two
 * is opened, without blocking: in the private root the target is nodev.)
 */
static int
open_regular(int dirfd, const char *path)
{
	struct stat a, b;
	int pfd, fd;

	if ((pfd = open_long(dirfd, path, O_PATH | O_NOFOLLOW)) < 0)
		return -1;
	if (fstat(pfd, &a) != 0 || !S_ISREG(a.st_mode)) {
		(void)close(pfd);
		return -2;
	}
	(void)close(pfd);
	if ((fd = open_long(dirfd, path, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY)) < 0)
		return -1;
	if (fstat(fd, &b) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		(void)close(fd);
		return -2;
	}
	return fd;
}

/*
 * Reread the file ${path} (beneath ${dirfd}) and compare it with ${n}.
 * 0 the same, 1 it differs, -1 reported (it could not be compared), -2
 * it is not there (ENOENT, not reported).
 */
static int
verify_file(struct rs *s, int dirfd, const char *path, const struct node *n,
    const char *shown)
{
	int fd, r;

	if ((fd = open_regular(dirfd, path)) == -2)
		return 1;		/* not a regular file (any more) */
	if (fd < 0) {
		r = -1;
	} else {
		r = rverify_fd(s->rd, fd, n, &s->vbuf);
		(void)close(fd);
	}
	if (r >= 0)
		return r;
	if (errno == ENOENT)
		return -2;
	if (errno == ENODATA || errno == EBADMSG) {
		alertx("%s: cannot verify: data %s the repository",
		    log_shown(shown), errno == ENODATA ? "missing from" :
		    "damaged in");
		s->st->damaged++;
	} else {
		alertx("%s: cannot verify: %s", log_shown(shown),
		    strerror(errno));
		s->st->failed++;
	}
	return -1;
}

/* Remember the file just handed to the writer, to reread it at the end. */
static int
verify_later(struct rs *s, const struct node *n)
{
	struct vrec *v;

	if (s->nvrecs == s->vreccap) {
		s->vreccap = s->vreccap ? s->vreccap * 2 : 256;
		if ((v = reallocarray(s->vrecs, s->vreccap, sizeof(*v))) ==
		    NULL)
			return -1;
		s->vrecs = v;
	}
	v = &s->vrecs[s->nvrecs];
	memset(v, 0, sizeof(*v));
	v->n.type = NODE_FILE;
	v->n.flags = n->flags;
	v->n.size = n->size;
	if ((v->path = strdup(s->path)) == NULL)
		return -1;
	if ((n->nextents > 0 && (v->n.extents = reallocarray(NULL,
	    n->nextents, sizeof(*n->extents))) == NULL) ||
	    (n->nchunks > 0 && (v->n.chunks = reallocarray(NULL, n->nchunks,
	    sizeof(*n->chunks))) == NULL)) {
		free(v->path);
		node_free_fields(&v->n);
		return -1;
	}
	if (n->nextents > 0)
		memcpy(v->n.extents, n->extents, n->nextents *
		    sizeof(*n->extents));
	if (n->nchunks > 0)
		memcpy(v->n.chunks, n->chunks, n->nchunks *
		    sizeof(*n->chunks));
	v->n.nextents = n->nextents;
	v->n.nchunks = n->nchunks;
	s->nvrecs++;
	return 0;
}

/* --verify, after the writer has finished: reread every file it wrote. */
static void
verify_written(struct rs *s)
{
	size_t i;

	for (i = 0; i < s->nvrecs; i++) {
		/* Not there (-2): not written, and that was reported. */
		if (verify_file(s, s->rootfd, s->vrecs[i].path,
		    &s->vrecs[i].n, s->vrecs[i].path) == 1) {
			alertx("%s: differs from the snapshot after the "
			    "restore (--verify)", log_shown(s->vrecs[i].path));
			s->st->differ++;
		}
	}
}

/* Write ${n} under a temporary name; the writer names it ${name}. */
static int
write_file(struct rs *s, int dirfd, const char *name, const struct node *n,
    int replace)
{
	char tmp[TMP_NAME_BYTES];
	struct rw_dest d;
	int fd, r;

	if ((fd = create_tmp(s, dirfd, tmp)) < 0) {
		report(s, strerror(errno));
		s->st->failed++;
		return 0;
	}
	s->nfiles++;
	progress_tick(&s->prog, s->nfiles, s->queued);
	d.dirfd = dirfd;
	d.tmp = tmp;
	d.name = name;
	d.replace = replace;
	if (rw_open(s->w, fd, &d, n, s->path) != 0) {
		(void)close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if ((r = send_content(s, n)) < 0)
		return -1;
	/* Linking to it waits for its name (try_link). */
	if (n->link_id != 0) {
		if (remember_link(s, n) != 0)
			return -1;
		s->link_pending = 1;
	}
	/* A damaged file was reported already. */
	if (s->o->verify && r == 0 && verify_later(s, n) != 0)
		return -1;
	return 0;
}

/* A file already there and complete: left alone, but a link source. */
static int
file_complete(struct rs *s, const struct node *n)
{
	size_t i;

	s->st->complete++;
	if (n->link_id == 0)
		return 0;
	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].id == n->link_id)
			return 0;
	return remember_link(s, n);
}

static int
restore_file(struct rs *s, int dirfd, const char *name, const struct node *n)
{
	int replace = 0;

	/* (In a new directory a name taken meanwhile is still never
	 * replaced: the rename says EEXIST.) */
	switch (s->fresh ? ENT_NONE : file_state(s, dirfd, name, n)) {
	case ENT_SAME:
		/* --verify: complete only if the bytes are the same too. */
		if (!s->o->verify || verify_file(s, dirfd, name, n,
		    s->path) != 1)
			return file_complete(s, n);
		if (!s->o->overwrite) {
			report(s, "differs from the snapshot (same size and "
			    "time); not overwritten (use --overwrite)");
			s->st->differ++;
			return 0;
		}
		replace = 1;
		break;
	case ENT_OTHER:
		if (!s->o->overwrite) {
			report(s, "exists and differs from the snapshot; not "
			    "overwritten (use --overwrite)");
			s->st->existing++;
			return 0;
		}
		replace = 1;
		break;
	case ENT_NONE:
		break;
	}
	if (n->link_id != 0 && try_link(s, dirfd, name, n) == 0)
		return 0;
	return write_file(s, dirfd, name, n, replace);
}

/*
 * 1 if ${name} in ${dirfd} is already the FIFO, device node (same
 * numbers) or symlink (same target) ${n}: a rerun leaves it.
 */
static int
special_same(int dirfd, const char *name, const struct node *n)
{
	char target[NODE_TARGET_MAX + 1];
	struct stat st;
	ssize_t len;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	switch ((enum node_type)n->type) {
	case NODE_FIFO:
		return S_ISFIFO(st.st_mode);
	case NODE_CHR:
	case NODE_BLK:
		return (n->type == NODE_CHR ? S_ISCHR(st.st_mode) :
		    S_ISBLK(st.st_mode)) && (uint64_t)st.st_rdev == n->rdev;
	case NODE_SYMLINK:
		if (!S_ISLNK(st.st_mode) || (len = readlinkat(dirfd, name,
		    target, sizeof(target))) < 0)
			return 0;
		return (size_t)len == n->targetlen && (len == 0 ||
		    memcmp(target, n->target, n->targetlen) == 0);
	case NODE_FILE:
	case NODE_DIR:
	case NODE__MAX:
	default:
		return 0;
	}
}

/* Create a FIFO, device node or symlink; EEXIST per --overwrite. */
static int
make_special(struct rs *s, int dirfd, const char *name, const struct node *n)
{
	if (meta_make_special(dirfd, name, n) == 0)
		return 0;
	if (errno != EEXIST || !s->o->overwrite)
		return -1;
	if (unlinkat(dirfd, name, 0) != 0)
		return -1;
	return meta_make_special(dirfd, name, n);
}

static int
restore_special(struct rs *s, int dirfd, const char *name,
    const struct node *n)
{
	struct meta_fail mf;
	int err;

	/* Already there (a rerun): left alone, even with --overwrite. */
	if (!s->fresh && special_same(dirfd, name, n)) {
		s->st->complete++;
		return 0;
	}
	if (make_special(s, dirfd, name, n) != 0) {
		if (errno == EEXIST) {
			report(s, "exists; not overwritten (use --overwrite)");
			s->st->existing++;
		} else {
			report(s, strerror(errno));
			s->st->failed++;
		}
		return 0;
	}
	s->st->others++;
	err = meta_apply_at(dirfd, name, n, s->owner, &mf) != 0 ? errno : 0;
	if (restore_meta_report(s->path, err, &mf))
		s->st->meta_failed++;
	return 0;
}

/*
 * A directory on the path being restored.  Only the RS_FDS deepest keep
 * their descriptor (RLIMIT_NOFILE may be 1024); the one of a directory
 * above them goes to the writer (rw_closedir), and coming back up
 * reopens it as ".." of its child, which must be the very directory
 * (device and inode) made or entered there, or the restore stops.
 */
#define RS_FDS		64

struct rframe {
	struct tree	 t;		/* the first frame's is the root */
	struct treewin	*win;		/* its subdirectories' trees */
	size_t		 i, upto;	/* the next node; prefetched up to */
	int		 fd;		/* -1: closed, reopen through ".." */
	dev_t		 dev;
	ino_t		 ino;
	const struct node *n;		/* its node (NULL: the target) */
	int		 inc;		/* included(): 2 inside */
	int		 fresh_up;	/* s->fresh of the directory above */
	size_t		 saved;		/* s->pathlen without its name */
	int		 keep;		/* metadata after the symlinks */
	int		 existed;	/* there before this restore */
	uint64_t	 placed;	/* s->placed when it was entered */
};

/*
 * Done with the directory of frame ${f} (entered or not), its name in
 * ${dirfd}: its descriptor to the writer, its metadata set by the writer
 * once its files have their names; or by finish(), by path, after the
 * symlinks, when symlinks will be made in it or its mode would not let
 * this restore through it (no owner x: a symlink or a hard link's source
 * further down, made or opened later by path, would be out of reach to a
 * restore without CAP_DAC_OVERRIDE).  Sets f->keep then.  A directory
 * this restore made only on the way to an include that matched nothing
 * below it is removed.  0, or -1 (ENOMEM).
 */
static int
rs_done(struct rs *s, struct rframe *f, int dirfd)
{
	char name[NODE_NAME_MAX + 1];

	if (f->inc != 2) {
		rw_closedir(s->w, f->fd);
		/* Made on the way to an include that matched nothing below
		 * it (its name in ${dirfd}, the directory above). */
		if (f->inc == 1 && !f->existed && s->placed == f->placed) {
			memcpy(name, f->n->name, f->n->namelen);
			name[f->n->namelen] = '\0';
			if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
				s->st->dirs--;
		}
		return 0;
	}
	if (f->keep || (f->n->mode & 0100) == 0) {
		f->keep = 1;
		rw_closedir(s->w, f->fd);
		return defer(&s->dirs, &s->ndirs, &s->dircap, s->path,
		    s->pathlen, f->n);
	}
	f->keep = 0;
	if (rw_closedir_meta(s->w, f->fd, f->n, s->path) != 0) {
		rw_closedir(s->w, f->fd);
		return -1;
	}
	return 0;
}

/*
 * Enter (making it if needed) the directory ${n}, which is
 * f->t.nodes[k], named ${name} in f->fd; its tree from f->win.  1: the
 * frame ${c} is filled, to walk; 0: not entered (reported); -1: fatal.
 */
static int
rs_enter(struct rs *s, struct rframe *f, size_t k, const char *name, int inc,
    struct rframe *c)
{
	const struct node *n = &f->t.nodes[k];
	struct stat st;
	int fd, existed = 0;

	if (mkdirat(f->fd, name, 0700) != 0) {
		if (errno != EEXIST) {
			report(s, strerror(errno));
			s->st->failed++;
			return 0;
		}
		existed = 1;
	}
	/* An existing symlink or file here is refused, never followed. */
	if ((fd = open_beneath(f->fd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW, 0)) < 0) {
		report(s, errno == ELOOP || errno == ENOTDIR ? "exists and is "
		    "not a directory; nothing restored below it" :
		    strerror(errno));
		s->st->failed++;
		return 0;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->n = n;
	c->inc = inc;
	c->fresh_up = s->fresh;
	c->existed = existed;
	c->placed = s->placed;
	s->st->dirs++;
	if (existed)
		remove_leftovers(s, fd);
	/* A tree on the path again would be entered without end. */
	if (fstat(fd, &st) != 0 || treepath_push(&s->tp, n->subtree) != 0) {
		report_blob(s, reader_strerror(errno), n->subtree);
		s->st->damaged++;
		return rs_done(s, c, f->fd);
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (reader_subtree(s->rd, &f->win, &f->t, k, &c->t) != 0) {
		char what[160];

		(void)snprintf(what, sizeof(what), "directory listing %s",
		    errno == ENODATA ? "missing from the repository" :
		    errno == EBADMSG ? "damaged" : reader_strerror(errno));
		report_blob(s, what, n->subtree);
		s->st->damaged++;
		treepath_pop(&s->tp);
		return rs_done(s, c, f->fd);
	}
	s->fresh = !existed;
	s->inside += inc == 2;
	return 1;
}

/*
 * Restore f->t.nodes[k] into f->fd.  0 done; 1 a directory entered (the
 * frame ${c}, with the path grown by its name); -1 fatal.
 */
static int
restore_node(struct rs *s, struct rframe *f, size_t k, struct rframe *c)
{
	const struct node *n = &f->t.nodes[k];
	char name[NODE_NAME_MAX + 1];
	size_t saved, dirlen;
	int inc, r = 0;

	/* tree_decode refused these already; check again where it matters. */
	if (!node_name_ok(n->name, n->namelen)) {
		alertx("%s: unsafe name in the repository; skipped",
		    log_shown(s->path));
		s->st->damaged++;
		return 0;
	}
	memcpy(name, n->name, n->namelen);
	name[n->namelen] = '\0';
	dirlen = s->pathlen;
	if (path_push(s, n, &saved) != 0)
		return -1;
	if ((inc = included(s, n->type == NODE_DIR)) == 0)
		goto out;
	s->placed += inc == 2;
	if (n->type == NODE_DIR) {
		if ((r = rs_enter(s, f, k, name, inc, c)) == 1) {
			c->saved = saved;
			return 1;	/* the path stays, till it is left */
		}
	} else if (inc < 2)
		;	/* an include names something below a non-directory */
	else if (n->type == NODE_FILE)
		r = restore_file(s, f->fd, name, n);
	else if (n->type == NODE_SYMLINK) {
		r = defer(&s->syms, &s->nsyms, &s->symcap, s->path, dirlen, n);
		f->keep = 1;	/* made in it after everything */
	} else if (s->o->no_devices &&
	    (n->type == NODE_CHR || n->type == NODE_BLK))
		s->st->devices++;	/* --no-devices: counted, not made */
	else
		r = restore_special(s, f->fd, name, n);
out:
	path_pop(s, saved);
	return r;
}

/*
 * Fetch, in one keyholder request, the data of the one-chunk files among
 * t->nodes[from..] up to the next directory (up to KH_BATCH_MAX of them
 * or 8 MiB); returns the index after the last node covered.  Never past
 * a directory: entering it fetches its own files into the same buffer,
 * so ours after it would be fetched again on the way back (the Linux
 * tree: 182,000 blobs read and opened for 78,000 files).
 */
static size_t
prefetch(struct rs *s, const struct tree *t, size_t from)
{
	uint8_t (*ids)[32];
	size_t i, h, raw = 0;
	const struct blobloc *loc;

	batch_end(s);
	if (s->pf == NULL || s->inc.n > 0)
		return t->count;	/* with --include most would be waste */
	if ((ids = calloc(KH_BATCH_MAX, 32)) == NULL)
		return t->count;
	for (i = from; i < t->count && s->pfn < KH_BATCH_MAX; i++) {
		const struct node *n = &t->nodes[i];

		if (n->type == NODE_DIR)
			break;
		if (n->type != NODE_FILE || n->nchunks != 1 || n->link_id != 0)
			continue;
		if ((loc = index_get(&s->rd->ix, n->chunks[0])) != NULL &&
		    (raw += loc->rawlen) > (8u << 20) && s->pfn > 0)
			break;
		memcpy(ids[s->pfn], n->chunks[0], 32);
		s->pfnode[s->pfn++] = n;
	}
	/* A large batch: its later two thirds are opened by the opener while
	 * the files of the first are made. */
	if (s->op != NULL && s->pfn >= OPENER_MIN) {
		h = s->pfn / 3;
		s->opn = s->pfn - h;
		memcpy(s->opnode, s->pfnode + h, s->opn * sizeof(*s->opnode));
		memcpy(s->op->ids, ids + h, s->opn * 32);
		s->op->n = s->opn;
		s->pfn = h;
	}
	if (s->pfn > 1 && reader_prefetch(s->rd,
	    (const uint8_t (*)[32])ids, s->pfn, s->pf) != 0)
		s->pfn = 0;		/* one by one after all */
	else if (s->pfn <= 1)
		s->pfn = 0;
	if (s->opn > 0)
		opener_give(s->op);
	free(ids);
	return i;
}

/*
 * The directory ${up} again, closed since the walk went deeper: ".." of
 * its child ${fd}, which must be the directory ${up} was.  -1 reported.
 */
static int
reopen_up(struct rs *s, int fd, const struct rframe *up)
{
	int pfd;

	if ((pfd = walkpath_up(fd, up->dev, up->ino)) < 0)
		alertx("%s: cannot go back to the directory above it (moved "
		    "during the restore?): %s", log_shown(s->path),
		    strerror(errno));
	return pfd;
}

/*
 * Leave the directory of the deepest frame (not the first) for the one
 * above, ${up}.  0, or -1 (fatal).
 */
static int
rs_leave(struct rs *s, struct rframe *f, struct rframe *up)
{
	int r;

	if (up->fd < 0 && (up->fd = reopen_up(s, f->fd, up)) < 0)
		return -1;
	treewin_free(f->win);
	f->win = NULL;
	tree_free(&f->t);
	treepath_pop(&s->tp);
	s->inside -= f->inc == 2;
	s->fresh = f->fresh_up;
	r = rs_done(s, f, up->fd);
	f->fd = -1;		/* left, even if r != 0 */
	path_pop(s, f->saved);
	return r;
}

/*
 * Restore the tree ${root} into the target and everything below it.  No
 * recursion: the directories on the path are frames on the heap, so a
 * tree as deep as the format allows needs no C stack.
 */
static int
restore_tree(struct rs *s, const struct tree *root)
{
	struct rframe *fs, *f, *v;
	struct stat st;
	size_t nf = 1, cap = 64, k, old;
	int r = 0;

	if ((fs = calloc(cap, sizeof(*fs))) == NULL)
		return -1;
	fs[0].t = *root;
	fs[0].fd = s->rootfd;
	fs[0].saved = s->pathlen;
	if (fstat(s->rootfd, &st) == 0) {
		fs[0].dev = st.st_dev;
		fs[0].ino = st.st_ino;
	}
	while (nf > 0) {
		f = &fs[nf - 1];
		if (f->i == f->t.count) {
			batch_end(s);
			if (nf == 1)
				break;
			if ((r = rs_leave(s, f, &fs[nf - 2])) != 0) {
				if (f->fd < 0)
					nf--;	/* left: nothing to undo */
				break;
			}
			nf--;
			continue;
		}
		k = f->i++;
		if (k == f->upto)
			f->upto = prefetch(s, &f->t, k);
		if (nf == cap) {
			if ((v = reallocarray(fs, cap * 2, sizeof(*v))) ==
			    NULL) {
				r = -1;
				break;
			}
			fs = v;
			cap *= 2;
			f = &fs[nf - 1];
		}
		if ((r = restore_node(s, f, k, &fs[nf])) < 0)
			break;
		if (f->t.nodes[k].type == NODE_DIR)
			f->upto = k + 1;	/* its batches replaced ours */
		if (r == 1) {
			/* Entered: only the deepest RS_FDS stay open. */
			nf++;
			if (nf > RS_FDS + 1 && fs[nf - 1 - RS_FDS].fd >= 0) {
				old = nf - 1 - RS_FDS;
				rw_closedir(s->w, fs[old].fd);
				fs[old].fd = -1;
			}
		}
		r = 0;
	}
	/* Stopped early: close what is open below the target. */
	for (; nf > 1; nf--) {
		f = &fs[nf - 1];
		treewin_free(f->win);
		tree_free(&f->t);
		treepath_pop(&s->tp);
		s->inside -= f->inc == 2;
		if (f->fd >= 0)
			rw_closedir(s->w, f->fd);
	}
	treewin_free(fs[0].win);
	batch_end(s);
	free(fs);
	return r;
}

/* Open the directory ${rel} below the target ("" is the target). */
static int
open_rel(struct rs *s, const char *rel)
{
	if (*rel == '\0')
		return dup(s->rootfd);
	return open_long(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
}

/* The deferred work: symlinks first, then directory metadata. */
static void
finish(struct rs *s)
{
	struct deferred *d;
	char name[NODE_NAME_MAX + 1], shownpath[1024];
	struct meta_fail mf;
	size_t i;
	int fd, err;

	for (i = 0; i < s->nsyms; i++) {
		d = &s->syms[i];
		memcpy(name, d->n.name, d->n.namelen);
		name[d->n.namelen] = '\0';
		s->pathlen = 0;
		if (s->path != NULL)
			s->path[0] = '\0';
		/* The symlink's own path, for messages. */
		(void)snprintf(shownpath, sizeof(shownpath), "%s%s%s", d->dir,
		    d->dir[0] ? "/" : "", name);
		if ((fd = open_rel(s, d->dir)) < 0) {
			alertx("%s: parent directory gone: %s",
			    log_shown(shownpath), strerror(errno));
			s->st->failed++;
			continue;
		}
		if (special_same(fd, name, &d->n))
			s->st->complete++;	/* already there: a rerun */
		else if (make_special(s, fd, name, &d->n) != 0) {
			if (errno == EEXIST) {
				alertx("%s: exists; not overwritten (use "
				    "--overwrite)", log_shown(shownpath));
				s->st->existing++;
			} else {
				alertx("%s: %s", log_shown(shownpath),
				    strerror(errno));
				s->st->failed++;
			}
		} else {
			s->st->others++;
			/* Without a private root, nothing can reach a
			 * symlink's metadata (sandbox_worker warned). */
			if (sandbox_private_root() != 0) {
				err = meta_apply_at(fd, name, &d->n, s->owner,
				    &mf) != 0 ? errno : 0;
				if (restore_meta_report(shownpath, err, &mf))
					s->st->meta_failed++;
			}
		}
		(void)close(fd);
	}
	for (i = 0; i < s->ndirs; i++) {
		d = &s->dirs[i];	/* d->dir is the directory itself */
		if ((fd = open_rel(s, d->dir)) < 0) {
			alertx("%s: metadata not set: %s", d->dir[0] ?
			    log_shown(d->dir) : ".", strerror(errno));
			s->st->meta_failed++;
			continue;
		}
		err = meta_apply(fd, &d->n, s->owner, &mf) != 0 ? errno : 0;
		if (restore_meta_report(d->dir[0] ? d->dir : ".", err, &mf))
			s->st->meta_failed++;
		(void)close(fd);
	}
}

static void
free_deferred(struct deferred *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].dir);
		node_free_fields(&v[i].n);
	}
	free(v);
}

/* The patterns ${a} and, ignoring case, ${b}; 0, or -1 (ENOMEM). */
static int
patterns_of(struct patterns *ps, const struct strv *a, const struct strv *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (pattern_add(ps, a->v[i], 0) != 0)
			return -1;
	for (i = 0; i < b->n; i++)
		if (pattern_add(ps, b->v[i], 1) != 0)
			return -1;
	return 0;
}

int
restore_run(struct reader *rd, const struct snapshot *snap,
    const struct opts *o, struct restore_stats *st)
{
	struct rs s;
	struct tree root;
	size_t i;
	int e = EXIT_ERR;

	memset(&s, 0, sizeof(s));
	memset(st, 0, sizeof(*st));
	s.rd = rd;
	s.o = o;
	s.st = st;
	s.owner = (geteuid() == 0 ? META_OWNER : 0) |
	    (o->no_setid ? META_NOSETID : 0);
	s.rootfd = -1;
	if (patterns_of(&s.inc, &o->includes, &o->iincludes) != 0 ||
	    patterns_of(&s.exc, &o->excludes, &o->iexcludes) != 0) {
		errorx("out of memory");
		goto early;
	}
	if (mkdir(o->target, 0700) == 0)
		s.fresh = 1;
	else if (errno != EEXIST) {
		errorx("cannot create %s: %s", o->target, strerror(errno));
		goto early;
	}
	if ((s.rootfd = open(o->target, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		errorx("cannot open %s: %s", o->target, strerror(errno));
		goto early;
	}
	if (getrandom(&s.tmprun, sizeof(s.tmprun), 0) != sizeof(s.tmprun))
		s.tmprun = (uint32_t)getpid();	/* O_EXCL copes */
	remove_leftovers(&s, s.rootfd);
	if (reader_tree(rd, snap->root, &root) != 0) {
		errorx("the snapshot's root tree is %s",
		    errno == ENODATA ? "missing" : errno == EBADMSG ?
		    "damaged" : reader_strerror(errno));
		e = EXIT_DAMAGED;
		goto early;
	}
	if (treepath_push(&s.tp, snap->root) != 0) {
		errorx("%s", strerror(errno));
		tree_free(&root);
		goto early;
	}
	progress_init(&s.prog, "restore", "files", o->json);
	if (s.inc.n == 0 && s.exc.n == 0)
		progress_total(&s.prog, snap->files, snap->bytes);
	/* no batching if it fails; the writer decompresses */
	if ((s.pf = calloc(1, sizeof(*s.pf))) != NULL) {
		s.pf->opened = 1;
		if (s.inc.n == 0)	/* with --include nothing is batched */
			s.op = opener_start(rd);
	}
	if ((s.w = rw_start(s.owner)) == NULL) {
		errorx("cannot start the writer: %s", strerror(errno));
		goto out;
	}
	if (restore_tree(&s, &root) != 0) {
		errorx("restore stopped: %s", strerror(errno));
		rw_finish(s.w, st);
	} else {
		/* Every file complete before symlinks and directory times. */
		rw_finish(s.w, st);
		finish(&s);
		if (o->verify)
			verify_written(&s);
		e = st->damaged || st->existing || st->failed ||
		    st->meta_failed || st->differ || st->link_copies ?
		    EXIT_PARTIAL : EXIT_OK;
		for (i = 0; i < s.inc.n; i++)
			if (!s.inc.v[i].hit) {
				errorx("no path in the snapshot matches %s",
				    log_shown(s.inc.v[i].given));
				e = EXIT_ERR;
			}
	}
out:
	progress_done(&s.prog, s.nfiles, s.queued);
	opener_stop(s.op);
	if (s.pf != NULL)
		prefetch_free(s.pf);
	free(s.pf);
	tree_free(&root);
	free_deferred(s.syms, s.nsyms);
	free_deferred(s.dirs, s.ndirs);
	for (i = 0; i < s.nlinks; i++)
		free(s.links[i].path);
	free(s.links);
	for (i = 0; i < s.nvrecs; i++) {
		free(s.vrecs[i].path);
		node_free_fields(&s.vrecs[i].n);
	}
	free(s.vrecs);
	rverify_buf_free(&s.vbuf);
	free(s.path);
	treepath_free(&s.tp);
early:
	pattern_free(&s.inc);
	pattern_free(&s.exc);
	if (s.rootfd >= 0)
		(void)close(s.rootfd);
	return e;
}
