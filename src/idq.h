/*
 * idq.h: keyholder id requests on a thread of their own.  The backup's
 * walk cuts a large file into chunks and needs a keyed id for each; with
 * one request per batch asked from its own thread, the walk would wait
 * for the keyholder to hash every byte.  Instead it hands a batch over
 * (idq_submit), reads and cuts the next one while the id thread has the
 * keyholder hash this one, and takes the ids back (idq_wait) in the order
 * the batches went in.  At most IDQ_DEPTH batches are in flight; their
 * bytes must stay untouched until idq_wait returns them.
 */
#ifndef TACIT_IDQ_H
#define TACIT_IDQ_H

#include <stddef.h>
#include <stdint.h>

#include "kh.h"

#define IDQ_DEPTH	2

struct idq;

/* idq_new(kh, domain): start the id thread for ids of ${domain}. */
struct idq *idq_new(struct kh *, uint32_t);

/*
 * idq_submit(q, n, ptrs, lens): ask for the ids of ${n} (<= KH_BATCH_MAX)
 * buffers.  Waits while IDQ_DEPTH batches are in flight.  0, or -1.
 */
int idq_submit(struct idq *, size_t, const uint8_t *const *, const size_t *)
    __attribute__((warn_unused_result));

/*
 * idq_wait(q, ids): the ids of the oldest batch in flight, into ${ids}
 * (room for its n).  0, or -1 if the keyholder refused or none is in
 * flight.
 */
int idq_wait(struct idq *, uint8_t (*)[KH_ID_BYTES])
    __attribute__((warn_unused_result));

/* idq_free(q): wait for the batches in flight, stop the thread. */
void idq_free(struct idq *);

#endif
