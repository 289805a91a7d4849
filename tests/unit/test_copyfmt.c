/*
 * test_copyfmt.c: the two plaintexts issue 18 (copy) extends, against
 * doc/format.md sections 7 and 17.  Config format 1 stays 32 bytes and
 * decodes without parity or a chunker key; format 2 (parity) is 36 bytes;
 * format 3 is 68 and carries a chunker key; each format refuses the
 * others' lengths.  A snapshot with an original
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
	c.parity_pct = 0;
	n = config_encode(&c, p);
	T(n == CONFIG_BASE_BYTES && le32dec(p) == 1, "a config without "
	    "parity or a chunker key is format 1, %d bytes", CONFIG_BASE_BYTES);
	T(config_decode(p, n, &d) == 0 && !d.has_chunker_key &&
	    d.parity_pct == 0, "and decodes without them");
	c.parity_pct = 3;
	n = config_encode(&c, p);
	T(n == 36 && le32dec(p) == 2 && le32dec(p + 32) == 3,
	    "with parity it is format 2, 36 bytes, the percent at offset 32");
	T(config_decode(p, n, &d) == 0 && !d.has_chunker_key &&
	    d.parity_pct == 3, "and decodes back to it");
	le32enc(p + 32, 0);
	T(config_decode(p, n, &d) != 0, "format 2 with parity 0 is refused");
	c.has_chunker_key = 1;
	memset(c.chunker_key, 0xa5, sizeof(c.chunker_key));
	n = config_encode(&c, p);
	T(n == 68 && le32dec(p) == 3 && le32dec(p + 32) == 3 &&
	    p[36] == 0xa5 && p[67] == 0xa5, "with a chunker key it is format "
	    "3, 68 bytes, the percent at 32, the key at offset 36");
	T(config_decode(p, n, &d) == 0 && d.has_chunker_key &&
	    d.parity_pct == 3 && memcmp(d.chunker_key, c.chunker_key, 32) == 0,
	    "and decodes back to the same key and percent");
	c.parity_pct = 0;
	n = config_encode(&c, p);
	T(n == 68 && le32dec(p) == 3 && config_decode(p, n, &d) == 0 &&
	    d.has_chunker_key && d.parity_pct == 0,
	    "format 3 without parity: percent 0");
	T(config_decode(p, CONFIG_BASE_BYTES, &d) != 0 &&
	    config_decode(p, 36, &d) != 0,
	    "a format-3 config of 32 or 36 bytes is refused");
	p[68] = 0;
	T(config_decode(p, 69, &d) != 0, "one of 69 bytes is refused");
	le32enc(p, 1);
	T(config_decode(p, 68, &d) != 0, "a format-1 config of 68 bytes is "
	    "refused");
	le32enc(p, 4);
	T(config_decode(p, 68, &d) != 0, "format 4 is refused");

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
