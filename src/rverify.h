/*
 * rverify.h: restore --verify, comparing a restored file with the
 * snapshot (see rverify.c).
 */
#ifndef TACIT_RVERIFY_H
#define TACIT_RVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "reader.h"

/* A read buffer reused from file to file. */
struct rverify_buf {
	uint8_t		*p;
	size_t		 cap;
};

/*
 * rverify_fd(rd, fd, n, b): compare the regular file open for reading at
 * ${fd} with file node ${n}: its size, and its bytes with the data of
 * ${n}'s chunks (read again from the repository through ${rd}) laid along
 * its extents, holes as zeros.  Returns 0 if they are the same, 1 if they
 * differ, -1 with errno: ENODATA or EBADMSG when the snapshot's own data
 * is missing or damaged (nothing to compare with), or an I/O error.
 */
int rverify_fd(struct reader *, int, const struct node *,
    struct rverify_buf *) __attribute__((warn_unused_result));

/* rverify_buf_free(b): release ${b}'s memory. */
void rverify_buf_free(struct rverify_buf *);

#endif
