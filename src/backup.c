/*
 * backup.c: the backup engine.
 *
 * Sources are opened read-only with O_NOATIME (retried without it when the
 * kernel refuses: files of other users), never followed through symlinks,
 * and each opened file is checked to be the one lstat saw.  Unchanged files
 * (same type, size, mtime, ctime and inode as in the parent snapshot) reuse
 * the parent's chunk list without being read.  Everything new goes into
 * packs; index segments follow the packs, and the snapshot comes last: it
 * is the commit point.
 *
 * This file is the content side of the walk (files, chunks and their
 * ids, the parent snapshot's trees) and the commit; walk.c walks the
 * sources' directories on the walk's thread; store.c is the store stage
 * that compresses, seals and packs what the walk queues; source.c names
 * and checks the sources before any of this runs.
 */
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "backup.h"
#include "chunker.h"
#include "count.h"
#include "fsio.h"
#include "idq.h"
#include "idxio.h"
#include "log.h"
#include "meta.h"
#include "pack.h"
#include "pattern.h"
#include "progress.h"
#include "reader.h"
#include "secmem.h"
#include "snapshot.h"
#include "source.h"
#include "store.h"
#include "tree.h"
#include "walk.h"

#ifndef TACIT_VERSION
#define TACIT_VERSION "0.1.0-dev"
#endif

/* A file whose size says 0 is read to its end, up to BK_NOSIZE_MAX, in
 * reads of BK_NOSIZE_READ (procfs refuses a read of 4 MiB: ENOMEM). */
#define BK_NOSIZE_MAX	((uint64_t)1 << 40)
#define BK_NOSIZE_READ	((size_t)1 << 16)

/* --- blobs ------------------------------------------------------------ */

/* Queue blob ${id} unless the repository has it or this run queued it. */
int
bk_queue(struct bk *b, uint8_t type, const uint8_t id[NODE_ID_BYTES],
    const uint8_t *data, size_t len)
{
	int r;

	if (index_get(&b->ix, id) != NULL)
		return 0;
	if ((r = store_queue(&b->sto, type, id, data, len)) <= 0)
		return r;
	b->st->added_raw += len;
	return 0;
}

/* Store one blob (its id from the keyholder) unless it is known. */
int
bk_put_blob(struct bk *b, uint8_t type, const uint8_t *data, size_t len,
    uint8_t id[NODE_ID_BYTES])
{
	if (kh_id(b->r->kh, type == BLOB_TREE ? KH_ID_TREE : KH_ID_DATA, data,
	    len, id) != 0) {
		errno = EPROTO;
		return -1;
	}
	return bk_queue(b, type, id, data, len);
}

/* --- small files --------------------------------------------------------- */

uint64_t
bk_sb_need(const struct bk *b)
{
	return b->s_sent + (b->sb[b->s_sent % SB_N].n > 0);
}

int
bk_sb_submit(struct bk *b)
{
	struct sbatch *c = &b->sb[b->s_sent % SB_N];
	const uint8_t *ptr[BATCH_FILES];
	size_t len[BATCH_FILES], i;

	if (c->n == 0)
		return 0;
	/* The buffer after this one must be back before it is filled. */
	if (b->s_sent - b->s_taken == IDQ_DEPTH && bk_sb_take(b) != 0)
		return -1;
	for (i = 0; i < c->n; i++) {
		ptr[i] = c->buf + c->pend[i].off;
		len[i] = c->pend[i].len;
	}
	if (idq_submit(b->sq, c->n, ptr, len) != 0)
		return -1;
	b->s_sent++;
	return 0;
}

int
bk_sb_take(struct bk *b)
{
	struct sbatch *c = &b->sb[b->s_taken++ % SB_N];
	size_t i, n = c->n;
	int r = 0;

	c->n = 0;
	if (idq_wait(b->sq, b->sids) != 0)
		r = -1;
	for (i = 0; i < n && r == 0; i++) {
		memcpy(c->pend[i].dst, b->sids[i], KH_ID_BYTES);
		if (c->pend[i].forced == 2 &&
		    memcmp(c->pend[i].twin, b->sids[i], KH_ID_BYTES) == 0)
			b->st->files_unchanged++;	/* see bk_file */
		else if (c->pend[i].forced)
			b->st->files_changed++;
		r = bk_queue(b, BLOB_DATA, b->sids[i], c->buf + c->pend[i].off,
		    c->pend[i].len);
	}
	c->len = 0;
	return r;
}

int
bk_sb_drain(struct bk *b)
{
	if (bk_sb_submit(b) != 0)
		return -1;
	while (b->s_taken < b->s_sent)
		if (bk_sb_take(b) != 0)
			return -1;
	return 0;
}

void
bk_sb_drop(struct bk *b)
{
	size_t i;

	for (; b->s_taken < b->s_sent; b->s_taken++)
		if (idq_wait(b->sq, b->sids) != 0)
			continue;	/* failed too: nothing to keep */
	for (i = 0; i < SB_N; i++)
		b->sb[i].n = b->sb[i].len = 0;
}

/*
 * A small file (less than one minimum chunk, no holes): read it whole into
 * the batch being filled; its chunk id arrives when the batch is taken
 * back.  Returns as read_content (1: it ended early, n->size is what was
 * read).
 */
static int
read_small(struct bk *b, int fd, struct node *n, const struct node *p)
{
	struct sbatch *c = &b->sb[b->s_sent % SB_N];
	size_t len = (size_t)n->size, got = 0;
	ssize_t k;
	int shrank = 0;

	if (c->n == BATCH_FILES || len > BATCH_BYTES - c->len) {
		if (bk_sb_submit(b) != 0)
			return -2;
		c = &b->sb[b->s_sent % SB_N];
	}
	while (got < len) {
		k = pread(fd, c->buf + c->len + got, len - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;		/* ended early: keep what was read */
		got += (size_t)k;
	}
	b->st->bytes_read += got;
	if (got < len) {
		n->extents[0].len = got;
		n->nextents = got > 0;
		n->size = got;		/* the size actually read */
		if (got == 0)
			return 1;
		len = got;
		shrank = 1;
	}
	if ((n->chunks = malloc(NODE_ID_BYTES)) == NULL)
		return -2;
	n->nchunks = 1;
	c->pend[c->n].dst = n->chunks[0];
	c->pend[c->n].off = c->len;
	c->pend[c->n].len = len;
	c->pend[c->n].forced = b->o->force && p != NULL ?
	    1 + (p->nchunks == 1) : 0;
	if (c->pend[c->n].forced == 2)
		memcpy(c->pend[c->n].twin, p->chunks[0], NODE_ID_BYTES);
	c->n++;
	c->len += len;
	return shrank;
}

static int
add_chunk(struct node *n, size_t *cap, const uint8_t id[NODE_ID_BYTES])
{
	uint8_t (*p)[NODE_ID_BYTES];

	if (n->nchunks == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((p = reallocarray(n->chunks, *cap, NODE_ID_BYTES)) == NULL)
			return -1;
		n->chunks = p;
	}
	memcpy(n->chunks[n->nchunks++], id, NODE_ID_BYTES);
	return 0;
}

/* Take batch ${c}'s ids back: the file's chunk list, new blobs queued. */
static int
take_batch(struct bk *b, struct cbatch *c, struct node *n, size_t *cap)
{
	size_t i;

	if (!c->asked)
		return 0;
	c->asked = 0;
	if (idq_wait(b->idq, b->cids) != 0)
		return -1;
	for (i = 0; i < c->n; i++)
		if (bk_queue(b, BLOB_DATA, b->cids[i], c->ptr[i],
		    c->len[i]) != 0 || add_chunk(n, cap, b->cids[i]) != 0)
			return -1;
	c->n = 0;
	return 0;
}

/* After a failure: wait for what is in flight, keep nothing. */
static void
drop_batches(struct bk *b)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (b->cb[i].asked) {
			b->cb[i].asked = 0;
			if (idq_wait(b->idq, b->cids) != 0)
				continue;	/* failed too: nothing to keep */
		}
	b->cb[0].n = b->cb[1].n = 0;
}

/*
 * Read the data extents of the open file ${fd}, cut them into chunks and
 * store the new ones.  Returns 0, 1 if the file ended before its last
 * extent did (n->size and the extents are then what was read), -1 with
 * errno when reading the source failed (the caller marks the file
 * unreadable), or -2 with errno when storing failed (fatal for the run).
 */
static int
read_content(struct bk *b, int fd, struct node *n)
{
	struct cbatch *c = &b->cb[0], *o;
	size_t cap = 0, len = 0, pos = 0, k, e = 0, want;
	uint64_t off = n->nextents ? n->extents[0].off : 0;
	uint64_t left = n->nextents ? n->extents[0].len : 0;
	ssize_t got;
	int eof = 0, shrank = 0, last, saved;

	for (;;) {
		/* Fill the buffer (or reach the end of the data). */
		while (len < b->cbcap && !eof) {
			if (left == 0) {
				if (++e >= n->nextents) {
					eof = 1;
					break;
				}
				off = n->extents[e].off;
				left = n->extents[e].len;
			}
			want = left < b->cbcap - len ? left : b->cbcap - len;
			if (n->size == 0 && want > BK_NOSIZE_READ)
				want = BK_NOSIZE_READ;
			got = pread(fd, c->buf + len, want, (off_t)off);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				saved = errno;
				drop_batches(b);
				errno = saved;
				return -1;
			}
			if (got == 0) {	/* ended early: the data ends here */
				n->extents[e].len = off - n->extents[e].off;
				n->nextents = e + (n->extents[e].len > 0);
				n->size = off;	/* the size actually read */
				shrank = eof = 1;
				break;
			}
			len += (size_t)got;
			off += (uint64_t)got;
			left -= (uint64_t)got;
			b->st->bytes_read += (uint64_t)got;
		}
		/* Cut while a max chunk is ahead, or to the end. */
		while (pos < len && (eof || len - pos >= b->cp.max) &&
		    c->n < KH_BATCH_MAX) {
			k = chunker_cut(b->ch, c->buf + pos, len - pos, eof);
			c->ptr[c->n] = c->buf + pos;
			c->len[c->n++] = k;
			pos += k;
		}
		last = eof && pos == len;
		/* This batch to the id thread; the one before it back. */
		o = c == &b->cb[0] ? &b->cb[1] : &b->cb[0];
		if (c->n > 0) {
			if (idq_submit(b->idq, c->n, c->ptr, c->len) != 0)
				goto fail;
			c->asked = 1;
		}
		if (take_batch(b, o, n, &cap) != 0)
			goto fail;
		progress_tick(&b->prog, b->st->files_new +
		    b->st->files_changed + b->st->files_unchanged,
		    b->st->bytes_read + b->st->bytes_reused);
		if (last)
			break;
		memcpy(o->buf, c->buf + pos, len - pos);
		len -= pos;
		pos = 0;
		c = o;
	}
	if (take_batch(b, c, n, &cap) != 0)
		goto fail;
	return shrank;
fail:
	saved = errno;
	drop_batches(b);
	errno = saved;
	return -2;	/* the repository side failed: fatal */
}

/* --- parent snapshot -------------------------------------------------- */

/* Tree ${id}'s plaintext if window ${tp} has it, or NULL. */
static const uint8_t *
tpre_get(const struct tpre *tp, const uint8_t *id, size_t *len)
{
	size_t i;

	for (i = 0; tp != NULL && i < tp->n; i++)
		if (tp->pf.err[i] == 0 &&
		    memcmp(tp->ids[i], id, NODE_ID_BYTES) == 0) {
			*len = tp->pf.len[i];
			return tp->pf.buf + tp->pf.off[i];
		}
	return NULL;
}

/*
 * About to walk the directory whose twin in the parent tree ${pt} is ${p}:
 * unless the window *${tpp} has its tree or passed over it, refill the
 * window from ${p} on.  Failures leave it to bk_load_tree, one by one.
 */
void
bk_tpre_fill(struct bk *b, struct tpre **tpp, const struct tree *pt,
    const struct node *p)
{
	const struct blobloc *loc;
	struct tpre *tp = *tpp;
	size_t k = (size_t)(p - pt->nodes), raw = 0, len;

	if (tp != NULL && (k < tp->end || tpre_get(tp, p->subtree, &len)))
		return;
	if (tp == NULL && (tp = *tpp = calloc(1, sizeof(*tp))) == NULL)
		return;
	for (tp->n = 0; k < pt->count && tp->n < TP_MAX; k++) {
		if (pt->nodes[k].type != NODE_DIR ||
		    (loc = index_get(&b->ix, pt->nodes[k].subtree)) == NULL ||
		    loc->type != BLOB_TREE)
			continue;
		if (tp->n > 0 && raw + loc->rawlen > TP_BYTES)
			break;
		raw += loc->rawlen;
		memcpy(tp->ids[tp->n++], pt->nodes[k].subtree, NODE_ID_BYTES);
	}
	tp->end = k;
	if (tp->n < 2 || prefetch_blobs(b->r->kh, b->pr, &b->ix, b->dz,
	    BLOB_TREE, TREE_BYTES_MAX, (const uint8_t (*)[32])tp->ids, tp->n,
	    &tp->pf) != 0)
		tp->n = 0;
}

void
bk_tpre_free(struct tpre *tp)
{
	if (tp != NULL)
		prefetch_free(&tp->pf);
	free(tp);
}

/*
 * Load tree ${id} from the parent directory's window ${up} or else from
 * the repository into ${t}; -1 if missing or damaged.  With ${raw}, also
 * a copy of its plaintext (*raw, *rawlen; the caller frees it).
 * Unlike the readers, backup does not check the tree id (one more round
 * trip per directory): it walks the source, not these trees, so a cycle
 * cannot make it loop, and it trusts its parent snapshot anyway (an
 * unchanged file keeps the parent's chunks, doc/format.md 18.2).
 */
int
bk_load_tree(struct bk *b, const uint8_t id[NODE_ID_BYTES],
    const struct tpre *up, struct tree *t, uint8_t **raw, size_t *rawlen)
{
	const struct blobloc *loc;
	const uint8_t *w;
	uint8_t *p;
	size_t len;

	memset(t, 0, sizeof(*t));
	if ((w = tpre_get(up, id, &len)) == NULL) {
		loc = index_get(&b->ix, id);
		if (loc == NULL || loc->type != BLOB_TREE ||
		    packr_loc_ok(loc, TREE_BYTES_MAX) != 0)
			return -1;
		if (loc->rawlen > b->tcap) {
			if ((p = realloc(b->tbuf, loc->rawlen)) == NULL)
				return -1;
			b->tbuf = p;
			b->tcap = loc->rawlen;
		}
		if (packr_read(b->pr, b->r->kh, &b->ix, loc, b->tbuf,
		    b->tcap) != 0)
			return -1;
		w = b->tbuf;
		len = loc->rawlen;
	}
	if (raw != NULL) {
		if ((*raw = malloc(len + 1)) == NULL)
			return -1;
		memcpy(*raw, w, len);
		*rawlen = len;
	}
	return tree_decode(w, len, t);
}

/* Can ${n} reuse the content of its parent-snapshot twin ${p}? */
int
bk_unchanged(struct bk *b, const struct node *n, const struct node *p)
{
	size_t i;

	if (b->o->force || p == NULL || n->type != NODE_FILE ||
	    p->type != NODE_FILE || p->flags != 0 || p->size != n->size ||
	    p->mtime_sec != n->mtime_sec || p->mtime_nsec != n->mtime_nsec ||
	    p->ctime_sec != n->ctime_sec || p->ctime_nsec != n->ctime_nsec ||
	    p->ino != n->ino)
		return 0;
	for (i = 0; i < p->nchunks; i++)	/* all still in the repository */
		if (index_get(&b->ix, p->chunks[i]) == NULL)
			return 0;
	return 1;
}

static int
reuse(struct node *n, const struct node *p)
{
	if (p->nchunks > 0) {
		if ((n->chunks = malloc(p->nchunks * NODE_ID_BYTES)) == NULL)
			return -1;
		memcpy(n->chunks, p->chunks, p->nchunks * NODE_ID_BYTES);
	}
	n->nchunks = p->nchunks;
	free(n->extents);
	n->extents = NULL;
	n->nextents = 0;
	if (p->nextents > 0) {
		if ((n->extents = calloc(p->nextents, sizeof(*n->extents))) ==
		    NULL)
			return -1;
		memcpy(n->extents, p->extents, p->nextents * sizeof(*n->extents));
	}
	n->nextents = p->nextents;
	return 0;
}

/*
 * A file whose stat size is 0 may still have content (procfs: /proc/self/
 * status, /proc/sys/...): it is read to its end, as one extent of at most
 * BK_NOSIZE_MAX bytes.  Returns -1 on ENOMEM.
 */
static int
open_ended(struct node *n)
{
	free(n->extents);
	if ((n->extents = calloc(1, sizeof(*n->extents))) == NULL) {
		n->nextents = 0;
		return -1;
	}
	n->extents[0].len = BK_NOSIZE_MAX;
	n->nextents = 1;
	return 0;
}

/*
 * After ${n} was read: compare the inode with what lstat said (${statsize}
 * is its size then).  A file that changed (size, mtime or ctime) is
 * flagged and makes the run partial (exit 3), as does one whose size said
 * 0 that had not ended at BK_NOSIZE_MAX (${unended}).  One that did not change
 * but read shorter than its size (sysfs says 4096 for every file) is
 * complete as read: flagged short, named, and the run is not partial.
 */
static void
check_after(struct bk *b, int fd, struct node *n, uint64_t statsize,
    int unended)
{
	struct stat after;
	uint64_t end;

	if (unended) {
		alertx("%s: its size says 0 and it did not end within %llu "
		    "bytes; stored as read and flagged", log_shown(b->path),
		    (unsigned long long)BK_NOSIZE_MAX);
		n->flags |= NODE_F_CHANGED;
		b->partial = 1;
	} else if (fstat(fd, &after) != 0) {
		alertx("%s: fstat after reading: %s; stored as read and "
		    "flagged changed", log_shown(b->path), strerror(errno));
		n->flags |= NODE_F_CHANGED;
		b->partial = 1;
	} else if ((uint64_t)after.st_size != statsize ||
	    after.st_mtim.tv_sec != n->mtime_sec ||
	    (uint32_t)after.st_mtim.tv_nsec != n->mtime_nsec ||
	    after.st_ctim.tv_sec != n->ctime_sec ||
	    (uint32_t)after.st_ctim.tv_nsec != n->ctime_nsec) {
		alertx("%s: changed while it was read; stored as read and "
		    "flagged", log_shown(b->path));
		n->flags |= NODE_F_CHANGED;
		b->partial = 1;
		/* Truncated meanwhile: its data (SEEK_HOLE) ended early,
		 * so no read came up short; the size now says where. */
		if ((uint64_t)after.st_size < n->size) {
			end = n->nextents == 0 ? 0 :
			    n->extents[n->nextents - 1].off +
			    n->extents[n->nextents - 1].len;
			n->size = end > (uint64_t)after.st_size ? end :
			    (uint64_t)after.st_size;
			if (n->size < statsize)
				n->flags |= NODE_F_SHORT;
		}
	} else if (n->flags & NODE_F_SHORT)
		warnx("%s: %llu bytes to its end, not the %llu its size "
		    "says; stored as read and flagged", log_shown(b->path),
		    (unsigned long long)n->size,
		    (unsigned long long)statsize);
}

/* Has ${n} the chunks of ${p}? */
static int
same_chunks(const struct node *n, const struct node *p)
{
	return n->nchunks == p->nchunks && (n->nchunks == 0 ||
	    memcmp(n->chunks, p->chunks, n->nchunks * NODE_ID_BYTES) == 0);
}

/*
 * Is the file ${fd} on procfs, sysfs or a cgroup file system, where a
 * size of 0 (or 4096) says nothing of the content?  Elsewhere a file
 * is read to the size lstat gave: one that grows meanwhile is flagged
 * changed, not chased (up to BK_NOSIZE_MAX), and a size-0 file of
 * another pseudo file system (tracefs' trace_pipe) is not drained of
 * data its readers wait for.
 */
static int
pseudo_fs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && (sf.f_type == PROC_SUPER_MAGIC ||
	    sf.f_type == SYSFS_MAGIC || sf.f_type == CGROUP_SUPER_MAGIC ||
	    sf.f_type == CGROUP2_SUPER_MAGIC);
}

/* A regular file: reuse the parent's chunks or read it. */
int
bk_file(struct bk *b, int fd, struct node *n, const struct node *p)
{
	uint64_t statsize = n->size;
	int r, unended = 0, small, open_end, whole;

	b->st->bytes += n->size;
	progress_tick(&b->prog, b->st->files_new + b->st->files_changed +
	    b->st->files_unchanged, b->st->bytes_read + b->st->bytes_reused);
	if (bk_unchanged(b, n, p)) {
		b->st->files_unchanged++;
		b->st->bytes_reused += n->size;
		return reuse(n, p);
	}
	/*
	 * --force reads a file its parent has: it is counted unchanged if
	 * its chunks are the parent's (content equal), else changed; a
	 * small file's chunk id is known when its batch is taken back
	 * (bk_sb_take), which counts it.
	 */
	if (p == NULL)
		b->st->files_new++;
	else if (!b->o->force)
		b->st->files_changed++;
	b->st->files_read++;
	if (b->kmsg_ino != 0 && n->dev == (uint64_t)b->kmsg_dev &&
	    n->ino == (uint64_t)b->kmsg_ino) {
		/* XXX only kernels that still let CAP_SYS_ADMIN open it
		 * get here (6.18 refuses: EPERM at open). */
		alertx("%s: not read: reading it takes the kernel's messages "
		    "from their reader; stored empty and marked unreadable",
		    log_shown(b->path));
		n->flags |= NODE_F_UNREADABLE;
		b->partial = 1;
		return 0;
	}
	/* (A repository's minimum chunk may be larger than a batch.) */
	small = n->size > 0 && n->size < b->cp.min &&
	    n->size <= BATCH_BYTES && n->nextents == 1 &&
	    n->extents[0].off == 0 && n->extents[0].len == n->size;
	open_end = n->size == 0 && pseudo_fs(fd);
	if (open_end && open_ended(n) != 0)
		r = -2;
	else
		r = small ? read_small(b, fd, n, p) : read_content(b, fd, n);
	/* Read whole: 1 (it ended: a sysfs file, one read to its end), or
	 * 0 unless it was read to its end (then it did not end). */
	whole = r == 1 || (r == 0 && !open_end);
	if (b->o->force && p != NULL &&
	    !(small && r >= 0 && n->nchunks == 1)) {
		if (whole && n->size == p->size && same_chunks(n, p))
			b->st->files_unchanged++;
		else
			b->st->files_changed++;
	}
	if (r == -2 || (r < 0 && errno == ENOMEM)) {
		errorx("%s: cannot store: %s", log_shown(b->path), strerror(errno));
		return -1;
	}
	if (r < 0) {
		alertx("%s: read error: %s; stored empty and marked unreadable",
		    log_shown(b->path), strerror(errno));
		free(n->chunks);
		n->chunks = NULL;
		n->nchunks = 0;
		free(n->extents);
		n->extents = NULL;
		n->nextents = 0;
		n->size = statsize;
		n->flags |= NODE_F_UNREADABLE;
		b->partial = 1;
		return 0;
	}
	if (open_end) {
		/* Read to its end: the end of data is the size.  Past the
		 * bound, what was read is kept and the file flagged. */
		if (r == 0)
			n->size = BK_NOSIZE_MAX;
		else if (n->nextents == 0) {
			free(n->extents);
			n->extents = NULL;
		}
		unended = r == 0;
	} else if (r == 1 && n->size < statsize)
		n->flags |= NODE_F_SHORT;
	check_after(b, fd, n, statsize, unended);
	b->st->bytes += n->size - statsize;	/* modulo 2^64: the change */
	return 0;
}

/* --- sources, parent, commit ------------------------------------------ */

static double
elapsed(const struct timespec *start)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_REALTIME, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Store the RAM log of this run as a data blob; 0, or -1 (reported). */
static int
put_log(struct bk *b, uint8_t id[NODE_ID_BYTES])
{
	char *text;
	size_t n;
	int r;

	if ((text = malloc(LOG_RING_BYTES)) == NULL)
		return -1;
	n = log_ring_copy(text, LOG_RING_BYTES);
	r = bk_put_blob(b, BLOB_DATA, (const uint8_t *)text, n, id);
	free(text);
	if (r != 0)
		alertx("cannot store the log of this run: %s", strerror(errno));
	return r;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The latest snapshot with exactly these (sorted) paths, or --parent. */
static int
find_parent(struct bk *b, struct snapshot *v, size_t n, char **paths,
    size_t np, struct snapshot **pp)
{
	size_t i, j;

	*pp = NULL;
	if (b->o->parent != NULL) {
		if ((*pp = snapshot_find(v, n, b->o->parent)) == NULL)
			return -1;
		return 0;
	}
	for (i = n; i-- > 0;) {
		if (v[i].npaths != np)
			continue;
		for (j = 0; j < np && strcmp(v[i].paths[j], paths[j]) == 0; j++)
			;
		if (j == np) {
			*pp = &v[i];
			return 0;
		}
	}
	return 0;
}

static int
bk_setup(struct bk *b)
{
	uint8_t *ck;
	struct stat st;
	size_t bad, i;

	index_init(&b->ix);
	if (idxio_load(b->r->kh, b->r->dirfd, &b->ix, &bad) != 0) {
		errorx("cannot read the index: %s", strerror(errno));
		return EXIT_ERR;
	}
	if (bad > 0)
		alertx("%zu index segments are damaged; their blobs will be "
		    "stored again", bad);
	b->cp.min = b->r->cfg.chunk_min;
	b->cp.avg = b->r->cfg.chunk_avg;
	b->cp.max = b->r->cfg.chunk_max;
	if ((ck = secmem_alloc(CHUNKER_KEY_BYTES)) == NULL)
		return EXIT_ERR;
	/* A repository made by init --copy-chunker-from cuts with the key
	 * its config carries (the other repository's). */
	if (b->r->cfg.has_chunker_key)
		b->ch = chunker_new(b->r->cfg.chunker_key, &b->cp);
	else if (kh_chunker_key(b->r->kh, ck) == 0)
		b->ch = chunker_new(ck, &b->cp);
	secmem_free(ck);
	b->cbcap = CB_BYTES + (size_t)b->cp.max;
	if (b->ch == NULL || (b->cb[0].buf = malloc(b->cbcap)) == NULL ||
	    (b->cb[1].buf = malloc(b->cbcap)) == NULL ||
	    (b->idq = idq_new(b->r->kh, KH_ID_DATA)) == NULL ||
	    (b->sq = idq_new(b->r->kh, KH_ID_DATA)) == NULL ||
	    (b->sb = calloc(SB_N, sizeof(*b->sb))) == NULL ||
	    dirq_init(b) != 0 ||
	    (b->pr = packr_new(b->r->dirfd)) == NULL ||
	    (b->dz = ZSTD_createDCtx()) == NULL ||
	    store_start(&b->sto, b->r, b->o->dry_run) != 0) {
		errorx("cannot set up the backup: out of memory");
		return EXIT_ERR;
	}
	for (i = 0; i < SB_N; i++)
		if ((b->sb[i].buf = malloc(BATCH_BYTES)) == NULL) {
			errorx("cannot set up the backup: out of memory");
			return EXIT_ERR;
		}
	if (fstat(b->r->dirfd, &st) == 0) {
		b->repo_dev = st.st_dev;
		b->repo_ino = st.st_ino;
	}
	/* Its size says 0, and reading it takes the kernel's messages away
	 * from their reader; as root the worker (CAP_SYS_ADMIN) may open it. */
	if (stat("/proc/kmsg", &st) == 0 && S_ISREG(st.st_mode)) {
		b->kmsg_dev = st.st_dev;
		b->kmsg_ino = st.st_ino;
	}
	if (pattern_sel_init(&b->sel, b->o) != 0)
		return EXIT_ERR;
	return EXIT_OK;
}

static void
bk_teardown(struct bk *b)
{
	size_t i;

	pattern_sel_free(&b->sel);
	index_free(&b->ix);
	store_free(&b->sto);
	packr_free(b->pr);
	chunker_free(b->ch);
	idq_free(b->idq);
	idq_free(b->sq);
	dirq_free(b);
	free(b->cb[0].buf);
	free(b->cb[1].buf);
	for (i = 0; b->sb != NULL && i < SB_N; i++)
		free(b->sb[i].buf);
	free(b->sb);
	free(b->tbuf);
	ZSTD_freeDCtx(b->dz);
	free(b->links);
	free(b->path);
}

/*
 * One source, by its absolute path ${abs} (see source_resolve): its node,
 * under its last component, in the root tree.
 */
int
backup_run(struct repo *r, const struct opts *o, char **srcs, size_t nsrc,
    uint8_t snapid[16], struct backup_stats *st)
{
	struct bk b;
	struct snapshot *v = NULL, *parent = NULL, snap;
	struct tree root = { 0 }, proot = { 0 };
	struct walk w;
	struct count_rules cr;
	struct count *cnt = NULL;
	pthread_t walker;
	struct timespec now;
	char **sorted = NULL;
	size_t nv = 0, bad, i, nseg;
	int e = EXIT_ERR, have_proot = 0;

	log_ring_begin();	/* the log's times count from here */
	memset(&b, 0, sizeof(b));
	memset(&snap, 0, sizeof(snap));
	memset(st, 0, sizeof(*st));
	b.r = r;
	b.o = o;
	b.st = st;
	(void)clock_gettime(CLOCK_REALTIME, &now);
	if ((e = bk_setup(&b)) != EXIT_OK)
		goto out;
	e = EXIT_ERR;
	/* Sources left out by source_resolve make the snapshot partial. */
	if (o->sources_skipped > 0) {
		st->skipped += o->sources_skipped;
		b.partial = 1;
	}
	/* The snapshot records the absolute paths sorted. */
	if ((sorted = calloc(nsrc, sizeof(*sorted))) == NULL)
		goto out;
	memcpy(sorted, srcs, nsrc * sizeof(*sorted));
	qsort(sorted, nsrc, sizeof(*sorted), str_cmp);
	if (snapshot_load_all(r->kh, r->dirfd, &v, &nv, &bad) != 0) {
		errorx("cannot read the snapshots: %s", strerror(errno));
		goto out;
	}
	if (find_parent(&b, v, nv, sorted, nsrc, &parent) != 0)
		goto out;
	/* The totals, counted beside the walk for the progress line. */
	progress_init(&b.prog, "backup", "files", o->json);
	cr = (struct count_rules){ o, o->one_fs, b.repo_dev,
	    b.repo_ino };
	if (b.prog.on)
		cnt = count_start_sel(srcs, nsrc, &cr, &b.sel, &b.prog);
	/* With --force too: what was read is compared with the parent. */
	if (parent != NULL) {
		if (bk_load_tree(&b, parent->root, NULL, &proot, NULL, NULL) == 0)
			have_proot = 1;
		else
			alertx("the parent snapshot's tree is unreadable; "
			    "reading every file");
	}
	w.b = &b;
	w.srcs = srcs;
	w.proot_id = have_proot ? parent->root : NULL;
	w.nsrc = nsrc;
	w.root = &root;
	w.proot = have_proot ? &proot : NULL;
	w.rootid = snap.root;
	store_pack_begin(&b.sto);
	if ((i = (size_t)pthread_create(&walker, NULL, walk_main, &w)) != 0) {
		errorx("cannot start the walk: %s", strerror((int)i));
		store_walked(&b.sto);
		store_pack(&b.sto);	/* nothing to pack: it ends */
		goto out;
	}
	store_pack(&b.sto);
	(void)pthread_join(walker, NULL);
	count_stop(cnt);
	cnt = NULL;
	if (w.rc != 0)
		goto out;
	if (store_submit(&b.sto, 1) != 0) {
		errorx("cannot store: %s", strerror(errno));
		goto out;
	}
	st->added_stored = b.sto.stored;
	progress_done(&b.prog, st->files_new + st->files_changed +
	    st->files_unchanged, st->bytes_read + st->bytes_reused);
	/* The run's log goes in with its snapshot: totals, then the ring. */
	lognote("backup of %zu path%s: %llu files (%llu new, %llu changed, "
	    "%llu unchanged), %llu directories, %llu skipped, %llu excluded",
	    nsrc, PLURAL(nsrc),
	    (unsigned long long)(st->files_new + st->files_changed +
	    st->files_unchanged), (unsigned long long)st->files_new,
	    (unsigned long long)st->files_changed,
	    (unsigned long long)st->files_unchanged,
	    (unsigned long long)st->dirs, (unsigned long long)st->skipped,
	    (unsigned long long)st->excluded);
	lognote("bytes: %llu in files, %llu read, %llu new, %llu stored; "
	    "%llu files read without O_NOATIME; %.2f s",
	    (unsigned long long)st->bytes, (unsigned long long)st->bytes_read,
	    (unsigned long long)st->added_raw,
	    (unsigned long long)st->added_stored,
	    (unsigned long long)st->noatime_refused, elapsed(&now));
	if (put_log(&b, snap.log) == 0)
		snap.has_log = 1;
	/* Commit: packs, then the index, then the snapshot. */
	if (store_stop(&b.sto) != 0) {
		errorx("cannot store: %s", strerror(errno));
		goto out;
	}
	if (!o->dry_run) {
		if (packw_finish(b.sto.pw) != 0) {
			errorx("cannot write a pack: %s", strerror(errno));
			goto out;
		}
		if (idxio_save(r->kh, r->dirfd, &b.sto.ix, &nseg) != 0) {
			errorx("cannot write the index: %s", strerror(errno));
			goto out;
		}
	}
	packw_stats(b.sto.pw, &st->packs, &st->pack_bytes);
	randombytes_buf(snap.id, sizeof(snap.id));
	snap.time_sec = now.tv_sec;
	snap.time_nsec = (uint32_t)now.tv_nsec;
	if (o->time_set) {		/* --time: restic's, for imports */
		snap.time_sec = o->time_sec;
		snap.time_nsec = 0;
	}
	snap.flags = b.partial ? SNAP_F_PARTIAL : 0;
	if (parent != NULL) {
		snap.has_parent = 1;
		memcpy(snap.parent, parent->id, SNAP_ID_BYTES);
	}
	snap.paths = sorted;
	snap.npaths = nsrc;
	snap.tags = (char **)(uintptr_t)o->tags.v;
	snap.ntags = o->tags.n;
	snap.files = st->files_new + st->files_changed + st->files_unchanged;
	snap.dirs = st->dirs;
	snap.bytes = st->bytes;
	snap.added = st->added_stored;
	snap.packs = st->packs;
	snap.version = (char *)(uintptr_t)TACIT_VERSION;
	if (!o->dry_run && snapshot_write(r->kh, r->dirfd, &snap) != 0) {
		errorx("cannot write the snapshot: %s", strerror(errno));
		goto out;
	}
	memcpy(snapid, snap.id, 16);
	e = b.partial ? EXIT_PARTIAL : EXIT_OK;
out:
	count_stop(cnt);
	free(sorted);
	tree_free(&root);
	tree_free(&proot);
	snapshot_list_free(v, nv);
	bk_teardown(&b);
	return e;
}

