/*
 * reader.h: reading a repository's snapshots, trees and file data.
 */
#ifndef TACIT_READER_H
#define TACIT_READER_H

#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "index.h"
#include "pack.h"
#include "repo.h"
#include "snapshot.h"
#include "tree.h"

struct reader {
	struct repo	 *r;
	struct index	  ix;
	struct packr	 *pr;
	ZSTD_DCtx	 *dz;		/* reused for every blob */
	struct snapshot	 *snaps;
	size_t		  nsnaps;
	uint8_t		 *buf;
	size_t		  cap;
	size_t		  badsegs;	/* damaged index segments left out */
	size_t		  badsnaps;	/* damaged snapshots left out */
};

/*
 * reader_open(rd, r): load the index and the snapshots of the unlocked
 * repository ${r}.  Damaged segments and snapshots are reported by name and
 * left out.  Returns EXIT_OK or an exit code after a message.
 */
int reader_open(struct reader *, struct repo *)
    __attribute__((warn_unused_result));

/* reader_close(rd): release everything. */
void reader_close(struct reader *);

/*
 * reader_blob(rd, id, type, rawmax, lenp): blob ${id} of ${type}, at most
 * ${rawmax} bytes once decompressed (the cap of what it is for: chunk_max
 * for file data, LOG_RING_BYTES for a log, TREE_BYTES_MAX for a tree),
 * decrypted and decompressed into the reader's buffer (valid until the
 * next call).  The lengths the index gives are checked (packr_loc_ok)
 * before anything is allocated.  NULL with errno: ENODATA (not in the
 * index), EFBIG (a raw length over ${rawmax}), EBADMSG (damaged), or an
 * I/O error.
 */
const uint8_t *reader_blob(struct reader *, const uint8_t *, uint8_t, size_t,
    size_t *);

/*
 * reader_strerror(e): what errno ${e} from reader_blob, reader_tree or
 * treepath_push means for a blob, for a message that names it.
 */
const char *reader_strerror(int);

/* reader_hex8(id, out): the first 8 hex digits of blob id ${id}. */
void reader_hex8(const uint8_t *, char[9]);

/* Data blobs fetched in one batch (see reader_prefetch). */
struct prefetch {
	int		 opened;		/* keep blobs compressed */
	int		 noheal;		/* a damaged or unreadable blob
						   stays an error: the caller
						   reads it again */
	uint8_t		*buf;			/* plaintexts, back to back */
	size_t		 cap;
	uint8_t		*io;			/* sealed, then opened: kept */
	size_t		 iocap;			/* from batch to batch */
	size_t		 n;
	size_t		 off[KH_BATCH_MAX];
	size_t		 len[KH_BATCH_MAX];
	size_t		 rawlen[KH_BATCH_MAX];	/* their size decompressed */
	int		 err[KH_BATCH_MAX];	/* 0, ENODATA, EBADMSG, ... */
};

/* prefetch_free(pf): release the buffers of ${pf} (not ${pf} itself). */
void prefetch_free(struct prefetch *);

/*
 * reader_prefetch(rd, ids, n, pf): read the data blobs ${ids} (at most
 * KH_BATCH_MAX) with one keyholder request instead of ${n}; each one's
 * plaintext or error lands in ${pf} (with pf->opened: the opened blob,
 * still compressed, for reader_blob_plain).  Returns 0, or -1 if the batch
 * as a whole failed (the caller falls back to reader_blob).
 */
int reader_prefetch(struct reader *, const uint8_t (*)[32], size_t,
    struct prefetch *) __attribute__((warn_unused_result));

/*
 * prefetch_blobs(kh, pr, ix, dz, type, rawmax, ids, n, pf): reader_prefetch
 * for blobs of ${type} (BLOB_DATA or BLOB_TREE) of at most ${rawmax} bytes
 * (a larger one gets err EFBIG, unread) located by ${ix}, read with ${pr},
 * opened by ${kh}, decompressed with ${dz}, for a caller without a reader
 * (a backup reading its parent snapshot's trees; their ids are not
 * checked, see backup.c bk_load_tree).
 */
int prefetch_blobs(struct kh *, struct packr *, const struct index *,
    ZSTD_DCtx *, uint8_t, size_t, const uint8_t (*)[32], size_t,
    struct prefetch *) __attribute__((warn_unused_result));

/*
 * tree_id_ok(kh, id, p, len): 1 if ${id} is the tree id (keyed BLAKE2b
 * under tctrid01, asked of ${kh}) of the tree plaintext ${p}; 0 if not or
 * if the keyholder cannot say.  Nothing else ties a tree to its id: the
 * envelope authenticates whatever was sealed under an id, and whoever can
 * seal (a worker compromised during an earlier backup) could store a tree
 * under its own id, which would make it contain itself.
 */
int tree_id_ok(struct kh *, const uint8_t *, const uint8_t *, size_t)
    __attribute__((warn_unused_result));

/*
 * reader_blob_opened(rd, id, lenp, rawlenp): data blob ${id} authenticated
 * but still compressed (for reader_blob_plain), valid until the next read;
 * *rawlenp its decompressed size, at most the repository's chunk_max.
 * NULL with errno ENODATA (not in the index), EFBIG (a raw length over
 * chunk_max) or EBADMSG (damaged).
 */
const uint8_t *reader_blob_opened(struct reader *, const uint8_t *, size_t *,
    size_t *);

/*
 * reader_willneed(rd, id): data blob ${id}'s bytes are read into the page
 * cache in the background, for a reader_blob_opened soon (restore: the
 * next chunks of a file while this one is opened).  Advice only; the
 * worker's filter must allow fadvise64 (the restore role's does).
 */
void reader_willneed(struct reader *, const uint8_t *);

/*
 * reader_blob_plain(p, len, rawlen, out): a blob's opened plaintext
 * (compression byte, then raw or zstd data) into exactly ${rawlen} bytes
 * at ${out}, decompressing with ${dz} (one context reused: creating one
 * per blob costs a CPUID, which traps in a virtual machine).  0, or -1 when
 * the byte, the length or the frame is wrong.
 */
int reader_blob_plain(ZSTD_DCtx *, const uint8_t *, size_t, size_t,
    uint8_t *)
    __attribute__((warn_unused_result));

/*
 * reader_tree(rd, id, t): decode tree ${id} into ${t}, after checking that
 * ${id} is its tree id (tree_id_ok).  0, or -1 with errno as reader_blob,
 * or EILSEQ (the tree is not the one its id names: forged).
 */
int reader_tree(struct reader *, const uint8_t *, struct tree *)
    __attribute__((warn_unused_result));

/*
 * A window of one tree's subtrees opened ahead: the trees of up to
 * TREEWIN_MAX of its directories, at most TREEWIN_BYTES of plaintext,
 * opened with one keyholder request and their ids checked with a second,
 * instead of two requests per directory.  A walker keeps one per level of
 * its path (so at most TREEWIN_BYTES times TREE_DEPTH_MAX in all).
 */
#define TREEWIN_MAX	256
#define TREEWIN_BYTES	(256u << 10)

struct treewin {
	struct prefetch	 pf;
	uint8_t		 ids[TREEWIN_MAX][NODE_ID_BYTES];
	size_t		 n;
	size_t		 end;		/* nodes of the tree scanned */
};

/*
 * reader_subtree(rd, wp, t, k, out): reader_tree of the subtree of the
 * directory t->nodes[k], taken from the window *${wp} of ${t}'s subtrees,
 * which is made or refilled from node ${k} on when it does not hold it.
 * Trees too large for a window are read alone.  0, or -1 with errno as
 * reader_tree.
 */
int reader_subtree(struct reader *, struct treewin **, const struct tree *,
    size_t, struct tree *) __attribute__((warn_unused_result));

/*
 * treewin_ids(rd, wp, ids, n): fill the window *${wp} (made when NULL)
 * with the trees ${ids}[0..] that fit, opened and checked as above.
 * Returns how many of ${ids} it went through (at least 1 when n > 0):
 * take each of those with reader_wintree, then call it for the rest.
 */
size_t treewin_ids(struct reader *, struct treewin **,
    const uint8_t (*)[NODE_ID_BYTES], size_t);

/*
 * reader_wintree(rd, w, id, out): reader_tree of ${id}, from the window
 * ${w} (NULL: none) when it holds it.  0, or -1 with errno as reader_tree.
 */
int reader_wintree(struct reader *, const struct treewin *, const uint8_t *,
    struct tree *) __attribute__((warn_unused_result));

/* treewin_free(w): release a window; NULL is a no-op. */
void treewin_free(struct treewin *);

/*
 * reader_walk(rd, root, path, t, n): find ${path} ("a/b/c", components
 * separated by '/', empty for the root) below tree ${root}.  On success *t
 * is the tree holding it and *n points into *t (NULL for the root itself).
 * Returns 0, or -1 (ENOENT: no such path; others: damage).
 */
int reader_walk(struct reader *, const uint8_t *, const char *,
    struct tree *, struct node **) __attribute__((warn_unused_result));

#endif
