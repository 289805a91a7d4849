/*
 * test_buf.c: the bounds-checked reader and writer never read or write
 * past the end, and rbuf_end insists that everything was consumed.
 */
#include <string.h>

#include "buf.h"
#include "t.h"

int
main(void)
{
	uint8_t *m, out[4];
	struct rbuf r;
	struct wbuf w;
	uint32_t v32;
	uint64_t v64;
	uint8_t v8;

	t_init();
	m = sodium_malloc(13);			/* exact size: guard page */
	wbuf_init(&w, m, 13);
	wbuf_put_u8(&w, 0xab);
	wbuf_put_u32(&w, 0x01020304);
	wbuf_put_u64(&w, 0x1122334455667788ull);
	T(wbuf_done(&w) == 0 && w.len == 13, "writer fills 13 bytes exactly");
	T(m[1] == 0x04 && m[4] == 0x01 && m[5] == 0x88, "little-endian");
	wbuf_put_u8(&w, 1);
	T(wbuf_done(&w) != 0 && w.len == 13, "overflow flagged, nothing written");
	rbuf_init(&r, m, 13);
	T(rbuf_get_u8(&r, &v8) == 0 && v8 == 0xab, "read u8");
	T(rbuf_get_u32(&r, &v32) == 0 && v32 == 0x01020304, "read u32");
	T(rbuf_end(&r) != 0 && rbuf_left(&r) == 8, "8 bytes left: end fails");
	T(rbuf_get_u64(&r, &v64) == 0 && v64 == 0x1122334455667788ull,
	    "read u64");
	T(rbuf_end(&r) == 0, "all consumed: end succeeds");
	T(rbuf_get_u8(&r, &v8) != 0, "reading past the end fails");
	rbuf_init(&r, m + 10, 3);
	T(rbuf_get_u32(&r, &v32) != 0 && rbuf_left(&r) == 3,
	    "short u32 fails and consumes nothing");
	T(rbuf_get_bytes(&r, out, 4) != 0, "short copy fails");
	T(rbuf_get_bytes(&r, out, 3) == 0 && rbuf_end(&r) == 0, "exact copy");
	T(le32dec(m + 1) == 0x01020304 && le64dec(m + 5) ==
	    0x1122334455667788ull, "decoders agree with the writer");
	sodium_free(m);
	return t_exit();
}
