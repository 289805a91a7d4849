/*
 * test_packhdr.c: the pack header decoder (packhdr_decode) on a good
 * header and on malformed ones: each forged field (format, a count larger
 * than the bytes, a count that leaves bytes over, a type, a raw length
 * over its cap, a sealed length too short or too long for its raw
 * length, a blob past the header or over the one before it) is refused
 * with EBADMSG, allocates nothing by the forged numbers, and leaves no
 * entries behind.  repair index builds the index from what it returns.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pack.h"
#include "tree.h"
#include "t.h"

#define DATAMAX	(1u << 20)
#define END	100000u

struct ent {
	uint8_t		type;
	uint32_t	off, len, raw;
};

/* A header plaintext of ${n} entries, the count written as ${count}. */
static size_t
mk(uint8_t *p, uint32_t fmt, uint32_t count, const struct ent *e, size_t n)
{
	size_t k, o = 8;

	le32enc(p, fmt);
	le32enc(p + 4, count);
	for (k = 0; k < n; k++) {
		p[o] = e[k].type;
		memset(p + o + 1, (int)(0x40 + k), INDEX_ID_BYTES);
		le32enc(p + o + 33, e[k].off);
		le32enc(p + o + 37, e[k].len);
		le32enc(p + o + 41, e[k].raw);
		o += PACK_HDR_ENTRY_BYTES;
	}
	return o;
}

/* Refused with EBADMSG, nothing returned. */
static int
refused(const uint8_t *p, size_t len)
{
	struct packhdr_ent *v = (void *)1;
	size_t n = 7;

	errno = 0;
	return packhdr_decode(p, len, END, DATAMAX, &v, &n) == -1 &&
	    errno == EBADMSG && v == NULL && n == 0;
}

int
main(void)
{
	static uint8_t p[8 + 4 * PACK_HDR_ENTRY_BYTES + 16];
	const struct ent good[3] = {
		{ BLOB_DATA, 0, 100, 60 },
		{ BLOB_TREE, 100, 200, 1000 },
		{ BLOB_DATA, 400, 45, 0 },	/* a gap before it is fine */
	};
	struct ent e[3];
	struct packhdr_ent *v;
	size_t n, len;

	t_init();
	len = mk(p, PACK_FORMAT, 3, good, 3);
	T(packhdr_decode(p, len, END, DATAMAX, &v, &n) == 0 && n == 3 &&
	    v[1].type == BLOB_TREE && v[1].off == 100 && v[1].len == 200 &&
	    v[1].rawlen == 1000 && v[2].id[0] == 0x42,
	    "a well-formed header decodes, every field in place");
	free(v);
	len = mk(p, PACK_FORMAT, 0, NULL, 0);
	T(packhdr_decode(p, len, END, DATAMAX, &v, &n) == 0 && n == 0 &&
	    v == NULL, "an empty header is no entries");

	T(refused(p, 0) && refused(p, 7), "a header shorter than its fields");
	len = mk(p, 2, 3, good, 3);
	T(refused(p, len), "an unknown pack format");
	len = mk(p, PACK_FORMAT, UINT32_MAX, good, 3);
	T(refused(p, len), "a count of 2^32-1 over 3 entries' bytes (nothing "
	    "allocated by it)");
	len = mk(p, PACK_FORMAT, 4, good, 3);
	T(refused(p, len), "a count one more than the entries");
	len = mk(p, PACK_FORMAT, 2, good, 3);
	T(refused(p, len), "a count one less: bytes left over");
	len = mk(p, PACK_FORMAT, 3, good, 3);
	T(refused(p, len + 1) && refused(p, len - 1),
	    "one byte more, one byte less");

	memcpy(e, good, sizeof(e));
	e[0].type = 0;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)), "type 0");
	e[0].type = 3;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)), "type 3");
	memcpy(e, good, sizeof(e));
	e[0].raw = DATAMAX + 1;
	e[0].len = 100;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)),
	    "a data blob over the data cap");
	memcpy(e, good, sizeof(e));
	e[1].raw = TREE_BYTES_MAX + 1;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)), "a tree over 128 MiB");
	memcpy(e, good, sizeof(e));
	e[0].len = BLOB_OVERHEAD - 1;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)),
	    "a sealed length under the envelope's");
	memcpy(e, good, sizeof(e));
	e[0].len = 60 + BLOB_OVERHEAD + 1;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)),
	    "a sealed length over raw plus overhead");
	memcpy(e, good, sizeof(e));
	e[2].off = END - 44;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)),
	    "a blob that runs into the header");
	e[2].off = UINT32_MAX - 10;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)),
	    "an offset near 2^32 (no wrap-around)");
	memcpy(e, good, sizeof(e));
	e[1].off = 99;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)),
	    "a blob over the one before it");
	memcpy(e, good, sizeof(e));
	e[2].off = 0;
	T(refused(p, mk(p, PACK_FORMAT, 3, e, 3)), "blobs out of pack order");
	return t_exit();
}
