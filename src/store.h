/*
 * store.h: the store stage of a backup: compress and seal the new blobs
 * the walk hands over, on threads of their own, and put them into packs
 * on the main thread.
 */
#ifndef TACIT_STORE_H
#define TACIT_STORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "index.h"
#include "kh.h"
#include "node.h"
#include "pack.h"
#include "repo.h"

/*
 * The store stage runs on threads of its own: compression and sealing
 * overlap the walk, the reads, the chunking and the id requests of the
 * walk thread, and the kernel schedules the kinds of work (walk, id,
 * store and main threads, keyholder) over the cores.  The walk thread
 * decides what is new and hands the plaintexts over in jobs, round-robin
 * through JOBS buffers; each store thread takes the oldest waiting job,
 * compresses it with its own context and has it sealed into the job's
 * buffer (the plaintexts are no longer needed then).  A packer thread
 * takes sealed jobs back in order and puts them into packs; each full
 * pack is handed over to the main thread (pack.h packw_serve), which adds
 * its parity and writes it while the next one fills, then writes the
 * index and the snapshot after the walk is joined: every write, fsync and
 * rename of the repository happens on the main thread, in an order that
 * does not depend on scheduling (the power-loss tests count on that), and
 * writing packs (fsync waits) does not hold up the reads and the chunker.
 * Memory: JOBS × JOB_BYTES (and the sealing's overhead), a compressed
 * copy per store thread, two pack buffers.
 */
#define JOBS		3
#define JOB_BYTES	(4u << 20)
#define STORERS		2

struct jblob {
	uint8_t		 id[NODE_ID_BYTES];
	uint8_t		 type;
	size_t		 off, len;
};

struct job {
	uint8_t		*buf;		/* the plaintexts, back to back; once
					   compressed, the sealed blobs */
	size_t		 len, cap;
	struct jblob	 v[KH_BATCH_MAX];
	size_t		 n;
	int		 queued;	/* handed over; until packed */
	int		 taken;		/* a store thread has it */
	int		 sealed;	/* done: ready to pack */
	size_t		 slen[KH_BATCH_MAX];
};

struct storer {
	struct store	*s;
	pthread_t	 thread;
	ZSTD_CCtx	*zc;
	uint8_t		*z;
	size_t		 zcap;
};

struct store {
	pthread_mutex_t	 mu;		/* job states, next, quit, err */
	pthread_cond_t	 cv;
	int		 quit;
	int		 err;		/* errno of the first failure, or 0 */
	struct job	 jobs[JOBS];
	size_t		 fill;		/* the job the main thread fills */
	size_t		 next;		/* the next job a store thread takes */
	size_t		 reap;		/* the next job to pack (main thread) */
	int		 packer;	/* the main thread is in store_pack */
	int		 walked;	/* the walk is over: no more jobs */
	struct storer	 w[STORERS];
	size_t		 nw;		/* threads started */
	/* The main thread's: */
	struct packw	*pw;
	/*
	 * The blobs of this run: reserved by the walk thread when it queues
	 * one (its "already queued" set), placed by the main thread when it
	 * packs it, saved as the run's index segments.  One table for both
	 * (a table is about 156 bytes per blob), so it has its own lock.
	 */
	pthread_mutex_t	 ixmu;
	struct index	 ix;
	uint64_t	 stored;	/* sealed bytes added */
	struct kh	*kh;
	int		 level;
	int		 dry_run;
};

/*
 * store_start(s, r, dry_run): set up ${s} for the repository ${r} (its
 * pack writer, buffers, and running store threads); with ${dry_run},
 * blobs are compressed and measured but neither sealed nor written.
 * 0, or -1 with errno (store_free cleans up either way).
 */
int store_start(struct store *, struct repo *, int)
    __attribute__((warn_unused_result));

/*
 * store_queue(s, type, id, data, len): put the ${len} bytes ${data} of
 * blob ${id} (of ${type}) in the job being filled, handing that job over
 * first if it is full, unless this run already queued ${id}.  The walk
 * thread's.  Returns 1 (queued), 0 (already queued), or -1 with errno.
 */
int store_queue(struct store *, uint8_t, const uint8_t[NODE_ID_BYTES],
    const uint8_t *, size_t) __attribute__((warn_unused_result));

/*
 * store_submit(s, all): hand the job being filled to the store threads
 * and pack what they sealed: with ${all}, every job; otherwise enough
 * that the next buffer is free.  0, or -1 with errno when the store
 * failed.
 */
int store_submit(struct store *, int) __attribute__((warn_unused_result));

/*
 * store_pack_begin(s): the jobs of ${s} will be packed by store_pack, not
 * by the walk's store_submit: called before the walk starts (a walk that
 * reaped a job itself while the packer took it too packed it twice).
 */
void store_pack_begin(struct store *);

/*
 * store_pack(s): the main thread while the walk runs: pack every job in
 * order (on a packer thread; this thread writes the packs) until
 * store_walked(${s}) and nothing is left.  After store_pack_begin.
 */
void store_pack(struct store *);

/* store_walked(s): the walk is over; let store_pack(${s}) return. */
void store_walked(struct store *);

/*
 * store_stop(s): let the store threads of ${s} finish every job and join
 * them.  0, or -1 with errno.
 */
int store_stop(struct store *);

/* store_free(s): stop ${s} if needed and free what it holds. */
void store_free(struct store *);

#endif
