/*
 * rverify.c: restore --verify: reread a restored file and compare it,
 * byte for byte, with the snapshot's data.
 *
 * The data is read again from the repository (authenticated by the
 * keyholder, decompressed here), not taken from what the writer was given:
 * the point is to catch what went wrong between the two, in memory, the
 * kernel or the disk, and a file in the target that was already there
 * with the right size and time but other bytes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "index.h"
#include "rverify.h"

#define ZEROS_BYTES	65536		/* holes are read this much at a time */

/* Read exactly ${len} bytes at ${off} of ${fd} into b->p: 0, 1 (EOF), -1. */
static int
read_at(int fd, struct rverify_buf *b, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t k;

	if (mem_grow(&b->p, &b->cap, len ? len : 1) != 0)
		return -1;
	while (got < len) {
		k = pread(fd, b->p + got, len - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			return 1;
		got += (size_t)k;
	}
	return 0;
}

/* Bytes [from, to) of ${fd} are all zero: 0; 1 if not; -1 on error. */
static int
zeros(int fd, struct rverify_buf *b, uint64_t from, uint64_t to)
{
	size_t part, i;
	int r;

	while (from < to) {
		part = to - from > ZEROS_BYTES ? ZEROS_BYTES :
		    (size_t)(to - from);
		if ((r = read_at(fd, b, part, from)) != 0)
			return r;
		for (i = 0; i < part; i++)
			if (b->p[i] != 0)
				return 1;
		from += part;
	}
	return 0;
}

/*
 * Compare the blob ${p} (${len} bytes) with the file from extent *${e},
 * offset *${pos} on, moving both.  0 same, 1 differs, -1 error.
 */
static int
compare_blob(int fd, struct rverify_buf *b, const struct node *n,
    const uint8_t *p, size_t len, size_t *e, uint64_t *pos)
{
	uint64_t eend;
	size_t done = 0, part;
	int r;

	while (done < len) {
		if (*e >= n->nextents)
			return 1;		/* more data than extents */
		if (*pos < n->extents[*e].off) {	/* a hole before it */
			if ((r = zeros(fd, b, *pos, n->extents[*e].off)) != 0)
				return r;
			*pos = n->extents[*e].off;
		}
		eend = n->extents[*e].off + n->extents[*e].len;
		part = len - done;
		if (part > eend - *pos)
			part = (size_t)(eend - *pos);
		if ((r = read_at(fd, b, part, *pos)) != 0)
			return r;
		if (memcmp(b->p, p + done, part) != 0)
			return 1;
		done += part;
		*pos += part;
		if (*pos == eend)
			(*e)++;
	}
	return 0;
}

int
rverify_fd(struct reader *rd, int fd, const struct node *n,
    struct rverify_buf *b)
{
	const uint8_t *p;
	struct stat st;
	uint64_t pos = 0, size;
	size_t c, e = 0, len;
	int r;

	if (fstat(fd, &st) != 0)
		return -1;
	/* A file unreadable at backup is restored empty. */
	size = n->flags & NODE_F_UNREADABLE ? 0 : n->size;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size)
		return 1;
	if (size == 0)
		return 0;
	for (c = 0; c < n->nchunks; c++) {
		/* reader_blob's buffer is its own: ours is b->p. */
		if ((p = reader_blob(rd, n->chunks[c], BLOB_DATA,
		    rd->r->cfg.chunk_max, &len)) == NULL)
			return -1;
		if ((r = compare_blob(fd, b, n, p, len, &e, &pos)) != 0)
			return r;
	}
	if (e < n->nextents)
		return 1;			/* less data than extents */
	return zeros(fd, b, pos, size);
}

void
rverify_buf_free(struct rverify_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->cap = 0;
}
