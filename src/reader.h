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
 * reader_blob(rd, id, type, lenp): blob ${id} of ${type}, decrypted and
 * decompressed into the reader's buffer (valid until the next call).
 * NULL with errno: ENODATA (not in the index), EBADMSG (damaged), or an
 * I/O error.
 */
const uint8_t *reader_blob(struct reader *, const uint8_t *, uint8_t,
    size_t *);

/* Data blobs fetched in one batch (see reader_prefetch). */
struct prefetch {
	int		 opened;		/* keep blobs compressed */
	uint8_t		*buf;			/* plaintexts, back to back */
	size_t		 cap;
	size_t		 n;
	size_t		 off[KH_BATCH_MAX];
	size_t		 len[KH_BATCH_MAX];
	size_t		 rawlen[KH_BATCH_MAX];	/* their size decompressed */
	int		 err[KH_BATCH_MAX];	/* 0, ENODATA, EBADMSG, ... */
};

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
 * prefetch_blobs(kh, pr, ix, dz, type, ids, n, pf): reader_prefetch for
 * blobs of ${type} (BLOB_DATA or BLOB_TREE) located by ${ix}, read with
 * ${pr}, opened by ${kh}, decompressed with ${dz}; for a caller without a
 * reader (a backup reading its parent snapshot's trees).
 */
int prefetch_blobs(struct kh *, struct packr *, const struct index *,
    ZSTD_DCtx *, uint8_t, const uint8_t (*)[32], size_t, struct prefetch *)
    __attribute__((warn_unused_result));

/*
 * reader_blob_opened(rd, id, lenp, rawlenp): data blob ${id} authenticated
 * but still compressed (for reader_blob_plain), valid until the next read;
 * *rawlenp its decompressed size.  NULL with errno ENODATA (not in the
 * index) or EBADMSG (damaged).
 */
const uint8_t *reader_blob_opened(struct reader *, const uint8_t *, size_t *,
    size_t *);

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

/* reader_tree(rd, id, t): decode tree ${id} into ${t}.  0, or -1 errno. */
int reader_tree(struct reader *, const uint8_t *, struct tree *)
    __attribute__((warn_unused_result));

/*
 * reader_walk(rd, root, path, t, n): find ${path} ("a/b/c", components
 * separated by '/', empty for the root) below tree ${root}.  On success *t
 * is the tree holding it and *n points into *t (NULL for the root itself).
 * Returns 0, or -1 (ENOENT: no such path; others: damage).
 */
int reader_walk(struct reader *, const uint8_t *, const char *,
    struct tree *, struct node **) __attribute__((warn_unused_result));

#endif
