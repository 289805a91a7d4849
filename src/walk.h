/*
 * walk.h: the backup engine's two halves and what they share.  walk.c
 * walks the sources (directories, entries, the path being walked);
 * backup.c reads and chunks file contents, stores blobs, reads the
 * parent snapshot and commits.  struct bk is the state of one backup
 * run, shared by both (on the walk's thread, but for setup and commit).
 */
#ifndef TACIT_WALK_H
#define TACIT_WALK_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "backup.h"
#include "chunker.h"
#include "dirq.h"
#include "idq.h"
#include "index.h"
#include "pack.h"
#include "pattern.h"
#include "progress.h"
#include "reader.h"
#include "store.h"
#include "tree.h"


/*
 * Small files (one chunk each) are batched: their contents wait in a
 * buffer and go to the keyholder in one id request and one seal request,
 * since round trips are what the process split costs.  Each waiting file
 * has its one chunk-id slot (on the heap, so it does not move) filled when
 * its batch's ids are taken back.  A full batch goes to the small files'
 * id thread (idq.h) and the walk fills the next buffer meanwhile; there
 * are SB_N buffers, so a batch is taken back when its buffer is needed
 * again (or when dirq.h drains).  A file larger than a batch (a
 * repository whose minimum chunk is larger) is not small.
 */
#define BATCH_FILES	KH_BATCH_MAX
#define BATCH_BYTES	(1u << 20)
#define SB_N		(IDQ_DEPTH + 1)
#define CB_BYTES	(4u << 20)	/* a large file's id batch */

struct pend {
	uint8_t		*dst;		/* the node's chunk id, to fill */
	size_t		 off;		/* its bytes in the batch buffer */
	size_t		 len;
	int		 forced;	/* --force, a twin: 1, 2 if one chunk */
	uint8_t		 twin[NODE_ID_BYTES];	/* then the twin's chunk */
};

struct sbatch {
	uint8_t		*buf;		/* BATCH_BYTES */
	size_t		 len;
	struct pend	 pend[BATCH_FILES];
	size_t		 n;
};

/*
 * A large file is read and cut in batches of about CB_BYTES of chunks.
 * Each batch goes to the id thread (idq.h) while the next one is read and
 * cut into the other buffer; the uncut tail of a batch (less than a max
 * chunk) moves to the front of the other buffer.  A batch's ids come back
 * in file order, and its chunks are queued from its buffer then.
 */
struct cbatch {
	uint8_t		*buf;		/* CB_BYTES + max chunk */
	const uint8_t	*ptr[KH_BATCH_MAX];
	size_t		 len[KH_BATCH_MAX];
	size_t		 n;
	int		 asked;		/* in flight on the id thread */
};

struct linkent {
	uint64_t	 dev, ino, id;
};

/*
 * A directory's subdirectories' trees in the parent snapshot, opened
 * ahead: up to TP_MAX of them (TP_BYTES of plaintext) in one keyholder
 * request, in name order from the first one not fetched yet, instead of
 * one request per directory.  One window per directory being walked that
 * has subdirectories; the walk of a subdirectory finds its tree in its
 * parent's window (walk.c's frames).  Memory: a window per level of the
 * path being walked, on its first WALK_TP_LEVELS levels only (deeper
 * ones load their trees one by one), so at most TP_BYTES (or one tree,
 * if larger) times WALK_TP_LEVELS, whatever the depth.
 */
#define TP_MAX		256
#define TP_BYTES	(1u << 20)

struct tpre {
	struct prefetch	 pf;
	uint8_t		 ids[TP_MAX][NODE_ID_BYTES];
	size_t		 n;
	size_t		 end;		/* the parent tree's nodes scanned */
};

struct bk {
	struct repo		*r;
	const struct opts	*o;
	struct pattern_sel	 sel;		/* what is left out */
	struct index		 ix;		/* what the repository had */
	struct store		 sto;
	struct packr		*pr;
	struct chunker		*ch;
	struct chunker_params	 cp;
	struct idq		*idq;		/* ids of large files' chunks */
	struct cbatch		 cb[2];		/* their read buffers */
	size_t			 cbcap;
	uint8_t			 cids[KH_BATCH_MAX][KH_ID_BYTES];
	uint8_t			*tbuf;		/* parent tree blob */
	size_t			 tcap;
	ZSTD_DCtx		*dz;		/* for windows of trees */
	struct linkent		*links;
	size_t			 nlinks, linkcap;
	dev_t			 repo_dev;
	ino_t			 repo_ino;
	dev_t			 kmsg_dev;	/* /proc/kmsg: never read */
	ino_t			 kmsg_ino;
	int			 partial;
	struct backup_stats	*st;
	struct progress		 prog;
	struct idq		*sq;		/* ids of small files */
	struct sbatch		*sb;		/* SB_N batches, a ring */
	uint64_t		 s_sent, s_taken;	/* batches so far */
	uint8_t			 sids[KH_BATCH_MAX][KH_ID_BYTES];
	struct dirq		 dq;		/* walked directories */
	char			*path;		/* the current path, for messages */
	size_t			 pathlen, pathcap;
	size_t			 depth;		/* directories entered */
};


/* --- backup.c, for the walk ------------------------------------------- */

/*
 * bk_put_blob(b, type, data, len, id): the keyholder's id of the blob
 * ${data} in ${id}; queued for the store stage unless known.  0, or -1
 * with errno.
 */
int bk_put_blob(struct bk *, uint8_t, const uint8_t *, size_t,
    uint8_t[NODE_ID_BYTES]) __attribute__((warn_unused_result));

/*
 * bk_queue(b, type, id, data, len): queue the blob ${data} whose id is
 * ${id} for the store stage unless the repository has it or this run
 * queued it already.  0, or -1 with errno.
 */
int bk_queue(struct bk *, uint8_t, const uint8_t[NODE_ID_BYTES],
    const uint8_t *, size_t) __attribute__((warn_unused_result));

/*
 * bk_sb_need(b): how many small-file batches must be taken back before
 * every small file read so far has its chunk id.
 */
uint64_t bk_sb_need(const struct bk *);

/*
 * bk_sb_submit(b): send the batch being filled, if it has files, to the
 * id thread (taking the oldest back first if its buffer is the next one
 * to fill).  bk_sb_take(b): take the oldest batch in flight back: its
 * files' chunk ids filled, the new ones queued.  bk_sb_drain(b): both,
 * until every small file has its id.  0, or -1 (fatal).
 */
int bk_sb_submit(struct bk *) __attribute__((warn_unused_result));
int bk_sb_take(struct bk *) __attribute__((warn_unused_result));
int bk_sb_drain(struct bk *) __attribute__((warn_unused_result));

/* bk_sb_drop(b): after a failure: wait for the batches in flight, keep
 * nothing of them. */
void bk_sb_drop(struct bk *);

/*
 * bk_file(b, fd, n, p): the content of the regular file ${fd} (node
 * ${n}, its parent-snapshot twin ${p} or NULL): reused or read.  0 (a
 * read error marks ${n} unreadable), or -1 (fatal, reported).
 */
int bk_file(struct bk *, int, struct node *, const struct node *)
    __attribute__((warn_unused_result));

/* bk_unchanged(b, n, p): 1 if ${n} can reuse the content of ${p}. */
int bk_unchanged(struct bk *, const struct node *, const struct node *);

/*
 * bk_load_tree(b, id, up, t, raw, rawlen): the parent snapshot's tree
 * ${id} (from the window ${up} if it has it) decoded into ${t}; with
 * ${raw}, a copy of its plaintext too.  -1 if missing or damaged.
 */
int bk_load_tree(struct bk *, const uint8_t[NODE_ID_BYTES],
    const struct tpre *, struct tree *, uint8_t **, size_t *)
    __attribute__((warn_unused_result));

/*
 * bk_tpre_fill(b, tpp, pt, p): about to walk the directory whose twin in
 * the parent tree ${pt} is ${p}: make sure the window *${tpp} has its
 * tree, refilling it from ${p} on.  Failures are left to bk_load_tree.
 */
void bk_tpre_fill(struct bk *, struct tpre **, const struct tree *,
    const struct node *);

/* bk_tpre_free(tp): release the window ${tp} (NULL is fine). */
void bk_tpre_free(struct tpre *);

/* --- walk.c ------------------------------------------------------------ */

/* The walk, on its own thread: every source, then the root tree. */
struct walk {
	struct bk	*b;
	char		**srcs;		/* absolute, from source_resolve */
	size_t		 nsrc;
	struct tree	*root, *proot;
	const uint8_t	*proot_id;	/* the parent snapshot's root, or NULL */
	uint8_t		*rootid;
	int		 rc;		/* 0, or -1: a message was shown */
};

/*
 * walk_main(w): the thread that walks ${w}'s sources into the root tree
 * (its id in w->rootid) and submits the last blobs; w->rc is 0, or -1
 * after a message.  Tells the store stage it is done either way.
 */
void *walk_main(void *);

#endif
