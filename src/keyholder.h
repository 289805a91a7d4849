/*
 * keyholder.h: the keyholder role and the start of the worker.
 */
#ifndef TACIT_KEYHOLDER_H
#define TACIT_KEYHOLDER_H

#include "cmd.h"

/*
 * keyholder_serve(fd, o, keycmd): answer the worker's requests on ${fd}
 * until it closes the socket.  ${keycmd} permits the key-slot requests
 * (init and key commands only).  Exits through fatal() on any request the
 * table does not permit.  Returns 0 at a clean end, or the errno of a
 * broken frame (the caller learns from the worker's status why).
 */
int keyholder_serve(int, const struct opts *, int);

/*
 * keyholder_run(argc, argv, o, keycmd): start the worker (a fresh exec of
 * this binary with "-x worker" and the same arguments, the socket as fd 3,
 * no other descriptor but 0-2 and a minimal environment), serve it, and
 * return its exit status.  No secret exists before the worker is started.
 */
int keyholder_run(int, char **, const struct opts *, int);

#endif
