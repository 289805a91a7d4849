/*
 * test_copyfmt.c: the two plaintexts issue 18 (copy) extends, against
 * doc/format.md sections 7 and 17.  Config format 1 stays 32 bytes and
 * decodes without a chunker key; format 2 is 64 bytes and carries one;
 * each format refuses the other's length.  A snapshot with an original
 * is format 2 and decodes back to it; one without stays format 1, byte
 * for byte the old encoding; a format-2 snapshot cut short or with a
 * byte more is refused.
 */
#include <string.h>

#include "buf.h"
#include "config.h"
#include "snapshot.h"
#include "t.h"

int
main(void)
{
	uint8_t p[CONFIG_BYTES_MAX + 1], id[SNAP_ID_BYTES];
	struct config c, d;
	struct snapshot s, r;
	struct dbuf b, b1;
	char *paths[1] = { (char *)(uintptr_t)"/home/alice" };
	size_t n;

	t_init();
	config_default(&c);
	n = config_encode(&c, p);
	T(n == CONFIG_BYTES && le32dec(p) == 1, "a config without a chunker "
	    "key is format 1, %d bytes", CONFIG_BYTES);
	T(config_decode(p, n, &d) == 0 && !d.has_chunker_key,
	    "and decodes without one");
	c.has_chunker_key = 1;
	memset(c.chunker_key, 0xa5, sizeof(c.chunker_key));
	n = config_encode(&c, p);
	T(n == 64 && le32dec(p) == 2 && p[32] == 0xa5 && p[63] == 0xa5,
	    "with one it is format 2, 64 bytes, the key at offset 32");
	T(config_decode(p, n, &d) == 0 && d.has_chunker_key &&
	    memcmp(d.chunker_key, c.chunker_key, 32) == 0,
	    "and decodes back to the same key");
	T(config_decode(p, CONFIG_BYTES, &d) != 0,
	    "a format-2 config of 32 bytes is refused");
	p[64] = 0;
	T(config_decode(p, 65, &d) != 0, "one of 65 bytes is refused");
	le32enc(p, 1);
	T(config_decode(p, 64, &d) != 0, "a format-1 config of 64 bytes is "
	    "refused");
	le32enc(p, 3);
	T(config_decode(p, 64, &d) != 0, "format 3 is refused");

	memset(&s, 0, sizeof(s));
	s.paths = paths;
	s.npaths = 1;
	s.version = (char *)(uintptr_t)"0.1.0-dev";
	T(snapshot_encode_plain(&s, &b1) == 0 && le32dec(b1.p) == 1 &&
	    b1.len == 174, "a snapshot without an original is format 1, "
	    "174 bytes (section 17's example)");
	s.has_orig = 1;
	randombytes_buf(id, sizeof(id));
	memcpy(s.orig, id, sizeof(id));
	T(snapshot_encode_plain(&s, &b) == 0 && le32dec(b.p) == 2 &&
	    b.len == b1.len + SNAP_ID_BYTES && memcmp(b.p + 4, b1.p + 4,
	    b1.len - 4) == 0 && memcmp(b.p + b1.len, id, SNAP_ID_BYTES) == 0,
	    "with one it is format 2: the same bytes, then the original's id");
	memset(&r, 0, sizeof(r));
	T(snapshot_decode(b.p, b.len, &r) == 0 && r.has_orig &&
	    memcmp(r.orig, id, SNAP_ID_BYTES) == 0, "and decodes back to it");
	snapshot_free_fields(&r);
	T(snapshot_decode(b.p, b.len - 1, &r) != 0,
	    "a format-2 snapshot one byte short is refused");
	T(snapshot_decode(b1.p, b1.len, &r) == 0 && !r.has_orig,
	    "a format-1 snapshot still decodes, without an original");
	snapshot_free_fields(&r);
	le32enc(b1.p, 2);
	T(snapshot_decode(b1.p, b1.len, &r) != 0,
	    "format 2 without the original's id is refused");
	dbuf_free(&b);
	dbuf_free(&b1);
	return t_exit();
}
