/*
 * keyholder.h: the keyholder role and the start of the worker.
 */
#ifndef TACIT_KEYHOLDER_H
#define TACIT_KEYHOLDER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cmd.h"
#include "ipc.h"

/*
 * keyholder_serve(fd, out, err, o, keycmd): answer the worker's requests
 * on ${fd} until it closes the socket, and copy what the worker writes to
 * the pipes ${out} and ${err} to our stdout and stderr until they end.
 * Closes the three.  ${keycmd} permits the key-slot requests (init and key
 * commands only).  Exits through fatal() on any request the table does
 * not permit.  Returns 0 at a clean end, or the errno of a broken frame
 * (the caller learns from the worker's status why).
 */
int keyholder_serve(int, int, int, const struct opts *, int);

/*
 * keyholder_run(argc, argv, o, keycmd): start the worker (a fresh exec of
 * this binary with "-x worker" and the same arguments, the socket as fd 3,
 * /dev/null as 0, pipes the keyholder relays as 1 and 2, no other
 * descriptor and a minimal environment), serve it, and
 * return its exit status.  No secret exists before the worker is started.
 */
int keyholder_run(int, char **, const struct opts *, int);

/*
 * keyholder_interrupt(sig): from the signal handler, while the worker
 * runs: stop answering it (the socket is closed) and return 1, so that
 * keyholder_run relays what the worker says about the interruption and
 * returns EXIT_INTR.  0 when no worker runs, or at a second signal: the
 * caller exits at once.  Async-signal-safe.
 */
int keyholder_interrupt(int);

/* A keyholder's session: its state, keys and sequence number. */
struct khs;

/*
 * keyholder_session_new(fd, o, keycmd): a locked session, answering on
 * ${fd} for the command line ${o}; ${keycmd} as for keyholder_serve.
 * NULL when out of memory.  keyholder_session_free(k) wipes its keys and
 * releases it; NULL is a no-op.
 */
struct khs *keyholder_session_new(int, const struct opts *, int);
void keyholder_session_free(struct khs *);

/*
 * keyholder_answer(k, m, a, tail, taillen): check the request ${m}
 * against the dispatch table, ${k}'s state and sequence number, and answer
 * it: the answer's head is appended to ${a}, followed on the wire by
 * *${taillen} bytes at *${tail} (the session's buffer, valid until the
 * next request; NULL and 0 when none).  No socket I/O: keyholder_serve
 * sends the answer, and the fuzz target (tests/fuzz/khreq_fuzz.c) calls
 * this directly.  fatal() on any request that is unknown, not permitted
 * now, out of sequence or malformed.
 */
void keyholder_answer(struct khs *, const struct ipc_msg *, struct dbuf *,
    const uint8_t **, size_t *);

#endif
