/*
 * rwrite.c: restore's file writer, a thread of its own.
 *
 * The main thread walks the trees, creates each file under a temporary
 * name (O_EXCL, beneath the target), fetches and decompresses its data
 * (rw_data); this thread writes the data into the open descriptor, sets
 * the size, the metadata, renames it to its final name (RENAME_NOREPLACE
 * unless it replaces an entry the main thread found to differ) and
 * closes it.  So a file appears under its name only complete: an
 * interrupted restore leaves temporary files (restore.c removes them on
 * the next run), never a short file under the final name.  The two
 * threads overlap, so both cores work: the kernel's share of a restore
 * (writes, owners, modes, times) is about half of it.
 *
 * Only open descriptors, copies of the data and of the metadata cross
 * over, through one queue under one mutex, bounded by bytes and by open
 * files.  A producer that found the queue full is woken when it is half
 * empty (or empty), not after every item: one wake-up per many files.
 * The writer reports its own failures by path and keeps its own counts;
 * rw_finish adds them to the caller's.
 *
 * Calls whose result is known are left out, per directory (the dirfd of
 * the files, open until its IT_CLOSEDIR): whether the directory has a
 * default ACL is asked once (fgetxattr), and without one the new files
 * inherited no access ACL to remove; once a file's mode was read back as
 * set there, the directory's file system keeps modes, and the following
 * files' modes are not read back.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "meta.h"
#include "reader.h"
#include "rwrite.h"

#define QUEUE_BYTES	(32u << 20)	/* data waiting to be written */
#define QUEUE_FILES	256		/* descriptors waiting: files, dirs */

enum item_kind { IT_OPEN, IT_DATA, IT_CLOSE, IT_CLOSEDIR };

struct item {
	struct item	*next;
	enum item_kind	 kind;
	int		 fd;		/* IT_OPEN, IT_CLOSEDIR */
	int		 dirfd;		/* IT_OPEN: where it is (the caller's,
					   open until its IT_CLOSEDIR) */
	char		*tmp, *name;	/* IT_OPEN: its names there */
	int		 replace;	/* IT_OPEN: rename over what is there */
	struct node	 node;		/* IT_OPEN: metadata and extents */
	char		*path;		/* IT_OPEN, IT_CLOSEDIR: for messages */
	uint8_t		*data;		/* IT_DATA: a blob's data, decompressed */
	size_t		 len;		/* IT_DATA: its length; the queue's
					   bound counts it */
	int		 damaged;	/* IT_CLOSE: the data stopped short;
					   IT_DATA: it did not decompress */
};

struct rwriter {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	struct item	*head, *tail;
	size_t		 bytes, files;	/* queued */
	int		 quit;
	int		 busy;		/* an item is being handled */
	int		 waiting;	/* push or rw_sync waits on cv */
	int		 owner;
	/* What is known of one directory (writer thread only): -1 none. */
	int		 kdirfd;
	int		 kflags;	/* META_NO_INHERIT, META_MODE_KEPT */
	int		 kasked;	/* its default ACL was looked for */
	struct restore_stats st;	/* the writer's counts */
	/* The file being written (writer thread only). */
	struct item	*cur;
	uint64_t	 off, got, want, end;
	size_t		 e;
	int		 bad;		/* reported; write no more of it */
	int		 failed;	/* a write failed: never name it */
	ZSTD_DCtx	*dz;		/* rw_data's: the caller's thread */
};

static void
item_free(struct item *it)
{
	if (it == NULL)
		return;
	if (it->kind == IT_OPEN || it->kind == IT_CLOSEDIR) {
		node_free_fields(&it->node);
		free(it->path);
		free(it->tmp);
		free(it->name);
	}
	free(it->data);
	free(it);
}

/* Write one piece of the current file's data along its extents. */
static void
put_data(struct rwriter *w, const uint8_t *p, size_t len)
{
	const struct node *n = &w->cur->node;
	size_t done = 0, part;
	uint64_t eend;
	ssize_t k;

	while (!w->bad && done < len) {
		if (w->e >= n->nextents) {
			alertx("%s: more data than the file holds",
			    log_shown(w->cur->path));
			w->st.damaged++;
			w->bad = 1;
			break;
		}
		eend = n->extents[w->e].off + n->extents[w->e].len;
		part = len - done;
		if (part > eend - w->off)
			part = (size_t)(eend - w->off);
		k = pwrite(w->cur->fd, p + done, part, (off_t)w->off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			alertx("%s: %s", log_shown(w->cur->path),
			    strerror(k < 0 ? errno : EIO));
			w->st.failed++;
			w->bad = w->failed = 1;
			break;
		}
		done += (size_t)k;
		w->off += (uint64_t)k;
		w->got += (uint64_t)k;
		if (w->off == eend && ++w->e < n->nextents)
			w->off = n->extents[w->e].off;
	}
}

/* Write one blob's data (damage is reported here). */
static void
put_blob(struct rwriter *w, const struct item *it)
{
	if (w->bad)
		return;
	if (it->damaged) {
		alertx("%s: data damaged (does not decompress)",
		    log_shown(w->cur->path));
		w->st.damaged++;
		w->bad = 1;
		return;
	}
	put_data(w, it->data, it->len);
}

static void
begin(struct rwriter *w, struct item *it)
{
	const struct node *n = &it->node;
	size_t e;

	w->cur = it;
	w->e = 0;
	w->got = w->want = w->end = 0;
	w->bad = w->failed = 0;
	w->off = n->nextents ? n->extents[0].off : 0;
	for (e = 0; e < n->nextents; e++) {
		w->want += n->extents[e].len;
		if (n->extents[e].off + n->extents[e].len > w->end)
			w->end = n->extents[e].off + n->extents[e].len;
	}
}

/*
 * Give the temporary file of ${it} its final name: without replacing
 * anything (RENAME_NOREPLACE; where the file system lacks it, a hard link
 * then unlink, which cannot replace either; where it lacks both, as FUSE
 * exfat and vfat do, a rename once the name is seen free: such a file
 * system has no owners, so whoever could put an entry there in between
 * could as well remove it), or over the entry the main thread found
 * different there (--overwrite).  rename never follows a symlink at
 * either name.
 */
static int
put_in_place(const struct item *it)
{
	struct stat st;

	/* The system call itself: glibc's renameat2 with no flags would
	 * make another (renameat), which the sandbox does not allow. */
	if (syscall(SYS_renameat2, it->dirfd, it->tmp, it->dirfd, it->name,
	    it->replace ? 0 : RENAME_NOREPLACE) == 0)
		return 0;
	if (it->replace || (errno != EINVAL && errno != ENOSYS))
		return -1;
	if (linkat(it->dirfd, it->tmp, it->dirfd, it->name, 0) == 0) {
		(void)unlinkat(it->dirfd, it->tmp, 0);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK)
		return -1;
	if (fstatat(it->dirfd, it->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (errno != ENOENT)
		return -1;
	return syscall(SYS_renameat2, it->dirfd, it->tmp, it->dirfd, it->name,
	    0) == 0 ? 0 : -1;
}

static uint64_t named;		/* files put in place by this process */

/* rw_files_named(): see rwrite.h. */
uint64_t
rw_files_named(void)
{
	return __atomic_load_n(&named, __ATOMIC_RELAXED);
}

/* The file is finished: give it its name, or remove it if incomplete. */
static void
name_it(struct rwriter *w, struct item *it)
{
	if (w->failed) {
		(void)unlinkat(it->dirfd, it->tmp, 0);
		return;
	}
	if (put_in_place(it) == 0) {
		__atomic_add_fetch(&named, 1, __ATOMIC_RELAXED);
		if (it->replace)
			w->st.replaced++;
		else
			w->st.files++;
		return;
	}
	if (errno == EEXIST) {
		alertx("%s: exists; not overwritten (use --overwrite)",
		    log_shown(it->path));
		w->st.existing++;
	} else {
		alertx("%s: %s", log_shown(it->path), strerror(errno));
		w->st.failed++;
	}
	(void)unlinkat(it->dirfd, it->tmp, 0);
}

/*
 * The meta_apply flags of what is known of ${dirfd}: the first time,
 * whether it has a default ACL (fgetxattr; none, or no ACLs on its file
 * system: META_NO_INHERIT; anything else: unknown, so removed per file).
 */
static int
dir_known(struct rwriter *w, int dirfd)
{
	if (dirfd != w->kdirfd) {
		w->kdirfd = dirfd;
		w->kflags = 0;
		w->kasked = 0;
	}
	if (!w->kasked) {
		w->kasked = 1;
		if (fgetxattr(dirfd, "system.posix_acl_default", NULL, 0) < 0 &&
		    (errno == ENODATA || errno == EOPNOTSUPP))
			w->kflags |= META_NO_INHERIT;
	}
	return w->kflags;
}

/* ${fd} is closed: what was known of it is no more (numbers are reused). */
static void
dir_forget(struct rwriter *w, int fd)
{
	if (fd == w->kdirfd)
		w->kdirfd = -1;
}

/* The file is complete: size, metadata, name, close. */
static void
end(struct rwriter *w, int damaged)
{
	struct item *it = w->cur;
	const struct node *n = &it->node;
	struct meta_fail mf;
	int err;

	if (damaged)
		w->st.damaged++;
	else if (!w->bad && w->got != w->want) {
		alertx("%s: data shorter than the file (damaged tree)",
		    log_shown(it->path));
		w->st.damaged++;
	} else if (!w->bad) {
		/* The file is new: only a hole at its end needs the size. */
		if (w->end != n->size && ftruncate(it->fd, (off_t)n->size)
		    != 0) {
			alertx("%s: %s", log_shown(it->path), strerror(errno));
			w->st.failed++;
			w->failed = 1;
		}
	}
	w->st.bytes += w->got;
	/*
	 * Metadata before the name: the file appears with its times, which
	 * a rerun compares to skip it.  A damaged file (reported) still
	 * gets its name, with what data there is.
	 */
	if (!w->failed) {
		err = meta_apply(it->fd, n, w->owner | META_FRESH |
		    dir_known(w, it->dirfd), &mf) != 0 ? errno : 0;
		if (restore_meta_report(it->path, err, &mf))
			w->st.meta_failed++;
		else if (it->dirfd == w->kdirfd)
			w->kflags |= META_MODE_KEPT;	/* read back: kept */
	}
	name_it(w, it);
	(void)close(it->fd);
	item_free(it);
	w->cur = NULL;
}

static void *
writer_main(void *arg)
{
	struct rwriter *w = arg;
	struct item *it;

	(void)pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->quit)
			(void)pthread_cond_wait(&w->cv, &w->mu);
		if ((it = w->head) == NULL)
			break;
		if ((w->head = it->next) == NULL)
			w->tail = NULL;
		w->busy = 1;
		(void)pthread_mutex_unlock(&w->mu);
		switch (it->kind) {
		case IT_OPEN:
			begin(w, it);
			it = NULL;		/* owned by w->cur now */
			break;
		case IT_DATA:
			if (w->cur != NULL)
				put_blob(w, it);
			break;
		case IT_CLOSE:
			if (w->cur != NULL)
				end(w, it->damaged);
			break;
		case IT_CLOSEDIR:	/* every file named in it before */
			/* One never closed (an error path): not named. */
			if (w->cur != NULL && w->cur->dirfd == it->fd) {
				w->failed = 1;
				end(w, 1);
			}
			if (it->node.type == NODE_DIR) {
				struct meta_fail mf;
				int err;

				err = meta_apply(it->fd, &it->node, w->owner,
				    &mf) != 0 ? errno : 0;
				if (restore_meta_report(it->path[0] ?
				    it->path : ".", err, &mf))
					w->st.meta_failed++;
			}
			dir_forget(w, it->fd);
			(void)close(it->fd);
			break;
		}
		(void)pthread_mutex_lock(&w->mu);
		if (it != NULL && it->kind == IT_DATA)
			w->bytes -= it->len;
		if (it != NULL && (it->kind == IT_CLOSE ||
		    it->kind == IT_CLOSEDIR))
			w->files--;
		w->busy = 0;
		/* A waiting producer, when there is room for many items. */
		if (w->waiting && (w->head == NULL ||
		    (w->files <= QUEUE_FILES / 2 &&
		    w->bytes <= QUEUE_BYTES / 2)))
			(void)pthread_cond_broadcast(&w->cv);
		item_free(it);
	}
	(void)pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Queue ${it}, waiting while the queue is over its bounds. */
static void
push(struct rwriter *w, struct item *it)
{
	(void)pthread_mutex_lock(&w->mu);
	while ((it->kind == IT_DATA && w->bytes > 0 &&
	    w->bytes + it->len > QUEUE_BYTES) ||
	    ((it->kind == IT_OPEN || it->kind == IT_CLOSEDIR) &&
	    w->files >= QUEUE_FILES)) {
		w->waiting++;
		(void)pthread_cond_wait(&w->cv, &w->mu);
		w->waiting--;
	}
	if (it->kind == IT_DATA)
		w->bytes += it->len;
	if (it->kind == IT_OPEN || it->kind == IT_CLOSEDIR)
		w->files++;
	it->next = NULL;
	if (w->tail != NULL)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	(void)pthread_cond_broadcast(&w->cv);
	(void)pthread_mutex_unlock(&w->mu);
}

struct rwriter *
rw_start(int owner)
{
	struct rwriter *w;
	int e;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->owner = owner;
	w->kdirfd = -1;
	if ((w->dz = ZSTD_createDCtx()) == NULL) {
		free(w);
		return NULL;
	}
	if (pthread_mutex_init(&w->mu, NULL) != 0 ||
	    pthread_cond_init(&w->cv, NULL) != 0) {
		ZSTD_freeDCtx(w->dz);
		free(w);
		return NULL;
	}
	if ((e = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		ZSTD_freeDCtx(w->dz);
		free(w);
		errno = e;
		return NULL;
	}
	return w;
}

int
rw_open(struct rwriter *w, int fd, const struct rw_dest *d,
    const struct node *n, const char *path)
{
	struct item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	it->kind = IT_OPEN;
	it->fd = -1;
	it->dirfd = d->dirfd;
	it->replace = d->replace;
	if (node_copy_meta(&it->node, n) != 0 ||
	    (it->path = strdup(path)) == NULL ||
	    (it->tmp = strdup(d->tmp)) == NULL ||
	    (it->name = strdup(d->name)) == NULL) {
		item_free(it);
		return -1;
	}
	if (n->nextents > 0) {
		if ((it->node.extents = calloc(n->nextents,
		    sizeof(*n->extents))) == NULL) {
			item_free(it);
			return -1;
		}
		memcpy(it->node.extents, n->extents,
		    n->nextents * sizeof(*n->extents));
		it->node.nextents = n->nextents;
	}
	it->fd = fd;
	push(w, it);
	return 0;
}

/*
 * The blob is decompressed here, on the caller's thread, into the item:
 * the writer thread's share of a restore (every write and metadata call,
 * 51 % of the CPU time of 100,000 small files, more than half of the
 * Linux tree's) is its longest, so the decompression (12 %) is moved to
 * the thread that has time.
 */
int
rw_data(struct rwriter *w, const uint8_t *p, size_t len, size_t rawlen)
{
	struct item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	it->kind = IT_DATA;
	if ((it->data = malloc(rawlen ? rawlen : 1)) == NULL) {
		free(it);
		return -1;
	}
	if (reader_blob_plain(w->dz, p, len, rawlen, it->data) != 0) {
		it->damaged = 1;	/* the writer names the file */
		free(it->data);
		it->data = NULL;
		rawlen = 0;
	}
	it->len = rawlen;
	push(w, it);
	return 0;
}

int
rw_close(struct rwriter *w, int damaged)
{
	struct item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	it->kind = IT_CLOSE;
	it->damaged = damaged;
	push(w, it);
	return 0;
}

void
rw_closedir(struct rwriter *w, int fd)
{
	struct item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL) {
		rw_sync(w);		/* nothing uses it after that */
		(void)pthread_mutex_lock(&w->mu);
		dir_forget(w, fd);	/* the writer is idle */
		(void)pthread_mutex_unlock(&w->mu);
		(void)close(fd);
		return;
	}
	it->kind = IT_CLOSEDIR;
	it->fd = fd;
	push(w, it);
}

int
rw_closedir_meta(struct rwriter *w, int fd, const struct node *n,
    const char *path)
{
	struct item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	if (node_copy_meta(&it->node, n) != 0 ||
	    (it->path = strdup(path)) == NULL) {
		item_free(it);
		return -1;
	}
	it->kind = IT_CLOSEDIR;
	it->fd = fd;
	push(w, it);
	return 0;
}

void
rw_sync(struct rwriter *w)
{
	(void)pthread_mutex_lock(&w->mu);
	while (w->head != NULL || w->busy) {
		w->waiting++;
		(void)pthread_cond_wait(&w->cv, &w->mu);
		w->waiting--;
	}
	(void)pthread_mutex_unlock(&w->mu);
}

void
rw_finish(struct rwriter *w, struct restore_stats *st)
{
	if (w == NULL)
		return;
	(void)pthread_mutex_lock(&w->mu);
	w->quit = 1;
	(void)pthread_cond_broadcast(&w->cv);
	(void)pthread_mutex_unlock(&w->mu);
	(void)pthread_join(w->thread, NULL);
	if (w->cur != NULL) {		/* opened, never closed: an error path */
		w->failed = 1;		/* incomplete: never under its name */
		end(w, 1);
	}
	st->files += w->st.files;
	st->replaced += w->st.replaced;
	st->existing += w->st.existing;
	st->bytes += w->st.bytes;
	st->damaged += w->st.damaged;
	st->failed += w->st.failed;
	st->meta_failed += w->st.meta_failed;
	(void)pthread_mutex_destroy(&w->mu);
	(void)pthread_cond_destroy(&w->cv);
	ZSTD_freeDCtx(w->dz);
	free(w);
}
