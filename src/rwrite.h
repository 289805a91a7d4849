/*
 * rwrite.h: restore's file writer thread (see rwrite.c).
 */
#ifndef TACIT_RWRITE_H
#define TACIT_RWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "restore.h"

struct rwriter;

/*
 * rw_files_named(): files this process has put in place, complete, under
 * their names.  Async-signal-safe: an interrupted restore says it.
 */
uint64_t rw_files_named(void);

/* rw_start(owner): start the writer; owner as for meta_apply.  NULL errno. */
struct rwriter *rw_start(int);

/* Where a file being written lives, and where it goes once complete. */
struct rw_dest {
	int		 dirfd;		/* its directory */
	const char	*tmp;		/* its temporary name there */
	const char	*name;		/* its final name there */
	int		 replace;	/* rename over an entry found there */
};

/*
 * rw_open(w, fd, d, n, path): the writer takes ${fd}, a new empty file
 * named d->tmp in d->dirfd, for node ${n} (metadata and extents are
 * copied; ${path} is for messages); d->dirfd must stay open until the
 * caller hands it to rw_closedir (or the writer finished).  Once
 * its data and metadata are complete it is renamed to d->name (without
 * replacing anything unless d->replace); if they cannot be, it is
 * removed, so no incomplete file ever has the final name.  0, or -1
 * (ENOMEM: the caller still owns fd).
 */
int rw_open(struct rwriter *, int, const struct rw_dest *,
    const struct node *, const char *) __attribute__((warn_unused_result));

/*
 * rw_data(w, p, len, rawlen): the next blob of the open file's data, as
 * opened (compression byte, then raw or zstd data: decompressed here, on
 * the caller's thread, into ${rawlen} bytes; one that does not is
 * reported by the writer, with the file's name).
 */
int rw_data(struct rwriter *, const uint8_t *, size_t, size_t)
    __attribute__((warn_unused_result));

/*
 * rw_close(w, damaged): the file's data is complete, or stopped short
 * because the repository lacks the rest (${damaged}: already reported).
 */
int rw_close(struct rwriter *, int) __attribute__((warn_unused_result));

/*
 * rw_closedir(w, fd): close the directory ${fd} once every file queued
 * in it so far is named (its number cannot be reused before: no rename
 * can land in another directory).  The caller must not use it again.
 */
void rw_closedir(struct rwriter *, int);

/*
 * rw_closedir_meta(w, fd, n, path): rw_closedir, setting the metadata of
 * the directory node ${n} (copied) on ${fd} first, once every file queued
 * in it is named, so no later write changes its times; what cannot be set
 * is named by ${path} (copied; restore_meta_report).  -1 (ENOMEM): the
 * caller still owns ${fd}.
 */
int rw_closedir_meta(struct rwriter *, int, const struct node *,
    const char *) __attribute__((warn_unused_result));

/* rw_sync(w): wait until everything queued so far is written and named. */
void rw_sync(struct rwriter *);

/* rw_finish(w, st): write everything queued, stop, add the counts to st. */
void rw_finish(struct rwriter *, struct restore_stats *);

#endif
