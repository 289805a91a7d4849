/*
 * dirq.h: the backup's walked directories, waiting for their ids.
 *
 * A directory's tree names each entry's content: a small file's chunk id,
 * which comes back with its batch (walk.h), and a subdirectory's tree id.
 * Asking the keyholder for them when the walk leaves a directory would
 * stop the walk for two round trips a directory.  Instead a walked
 * directory waits here, and the walk goes on: once its small files' batch
 * is back and each subdirectory has its id, its tree is encoded and joins
 * a batch of trees whose ids the tree id thread (idq.h) asks for; when
 * they come back, each tree is queued for the store stage and its id goes
 * into its node in the tree of the directory above.
 *
 * Whether to wait depends on counts, never on timing, so a run queues the
 * same blobs in the same order every time: a small-file batch is taken
 * back when its buffer is needed, or sent and taken back when DIRQ_SOON
 * walked directories wait for small files' ids; a tree batch
 * when IDQ_DEPTH are in flight and the one being filled has DIRQ_TB_MIN
 * trees; everything when more than DIRQ_MAX walked directories or about
 * DIRQ_HELD bytes of their trees (entries, names, chunk lists) are held,
 * and when a source's walk ends.  A directory waits for the small-file
 * batch being filled when it is walked, even if none of its files is in
 * it: simple, and bounded by DIRQ_SOON.
 */
#ifndef TACIT_DIRQ_H
#define TACIT_DIRQ_H

#include <stddef.h>
#include <stdint.h>

#include "idq.h"
#include "tree.h"

#define DIRQ_MAX	1024		/* walked directories held */
#define DIRQ_HELD	(64u << 20)	/* and their trees' bytes, about */
#define DIRQ_TB_BYTES	(1u << 20)	/* trees in one id request */
#define DIRQ_TB_MIN	32		/* trees worth waiting for */
#define DIRQ_SOON	64		/* waiting for small files, at most */
#define DIRQ_TB		(IDQ_DEPTH + 1)

struct bk;

/* A directory being walked, then waiting for its id. */
struct wdir {
	struct tree	 t;		/* its entries */
	struct wdir	*up;		/* the directory above; NULL: the top */
	size_t		 idx;		/* its node in up->t */
	size_t		 kids;		/* subdirectories without an id yet */
	uint64_t	 need;		/* small-file batches to be back first */
	int		 have_twin;	/* its parent-snapshot twin: */
	uint8_t		 twin[NODE_ID_BYTES];	/* tree id */
	uint8_t		*praw;		/* and plaintext */
	size_t		 prawlen;
	size_t		 held;		/* bytes counted in dirq's held */
	int		 ready;		/* its small files have their ids */
	int		 encoded;	/* enc is its tree */
	struct dbuf	 enc;		/* its tree, until the id comes */
	int		 done;		/* the top: its id is in id */
	uint8_t		 id[NODE_ID_BYTES];
	struct wdir	*next;		/* in the walked or the ready queue */
	struct wdir	*lprev, *lnext;	/* every one not freed */
};

struct tbatch {
	struct wdir	*w[KH_BATCH_MAX];
	const uint8_t	*ptr[KH_BATCH_MAX];
	size_t		 len[KH_BATCH_MAX];
	size_t		 n, bytes;
	int		 full;		/* the next tree did not fit */
};

struct dirq {
	struct idq	*tq;		/* the tree id thread */
	struct wdir	*whead, *wtail;	/* walked, in the order they were */
	struct wdir	*rhead, *rtail;	/* ready to encode */
	struct wdir	*live;		/* every one not freed */
	size_t		 nwalked;	/* walked and not freed */
	size_t		 nwait;		/* of them, in the walked queue */
	size_t		 held;		/* their trees' bytes, about */
	struct tbatch	*tb;		/* DIRQ_TB, a ring */
	uint64_t	 t_sent, t_taken;
	uint8_t		 ids[KH_BATCH_MAX][KH_ID_BYTES];
};

/* dirq_init(b): start b->dq (its thread).  0, or -1 ENOMEM. */
int dirq_init(struct bk *) __attribute__((warn_unused_result));

/* dirq_free(b): stop it; after dirq_drop if the run failed. */
void dirq_free(struct bk *);

/* dirq_new(b): a directory to walk: an empty wdir, or NULL (ENOMEM). */
struct wdir *dirq_new(struct bk *);

/*
 * dirq_walked(b, w, up, n): every entry of ${w} is in its tree.  Its node
 * ${n} (metadata; its subtree id comes later) moves into ${up}'s tree; the
 * top (${up} NULL) keeps its node with the caller.  Then whatever is ready
 * goes on.  0, or -1 (fatal, errno).
 */
int dirq_walked(struct bk *, struct wdir *, struct wdir *, struct node *)
    __attribute__((warn_unused_result));

/*
 * dirq_drain(b): wait until every walked directory has its id (the top's
 * in its id, done set).  0, or -1 (fatal, errno).
 */
int dirq_drain(struct bk *) __attribute__((warn_unused_result));

/* dirq_release(b, w): free the top ${w} once its id is taken. */
void dirq_release(struct bk *, struct wdir *);

/* dirq_drop(b): after a failure: wait for what is in flight and free
 * every wdir (the small-file batches too: bk_sb_drop). */
void dirq_drop(struct bk *);

#endif
