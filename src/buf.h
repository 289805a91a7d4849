/*
 * buf.h: bounds-checked readers and writers over caller-owned memory.
 *
 * Every decoder of untrusted bytes reads through struct rbuf: each get
 * checks the remaining length before touching memory, and rbuf_end() fails
 * unless everything was consumed.  Integers are little-endian on disk.
 */
#ifndef TACIT_BUF_H
#define TACIT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

struct wbuf {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	int		 overflow;	/* set when a put did not fit */
};

/* rbuf_init(b, p, len): read ${len} bytes at ${p}. */
void rbuf_init(struct rbuf *, const void *, size_t);

/* rbuf_get_u8/u32/u64(b, v): read one integer; -1 if too few bytes remain. */
int rbuf_get_u8(struct rbuf *, uint8_t *) __attribute__((warn_unused_result));
int rbuf_get_u32(struct rbuf *, uint32_t *) __attribute__((warn_unused_result));
int rbuf_get_u64(struct rbuf *, uint64_t *) __attribute__((warn_unused_result));

/* rbuf_get_bytes(b, out, n): copy ${n} bytes to ${out}; -1 if short. */
int rbuf_get_bytes(struct rbuf *, void *, size_t)
    __attribute__((warn_unused_result));

/* rbuf_get_ref(b, pp, n): point *${pp} at the next ${n} bytes; -1 if short. */
int rbuf_get_ref(struct rbuf *, const uint8_t **, size_t)
    __attribute__((warn_unused_result));

/* rbuf_left(b): bytes not yet consumed. */
size_t rbuf_left(const struct rbuf *);

/* rbuf_end(b): 0 if every byte was consumed, -1 if any trail. */
int rbuf_end(const struct rbuf *) __attribute__((warn_unused_result));

/* wbuf_init(b, p, cap): write at most ${cap} bytes to ${p}. */
void wbuf_init(struct wbuf *, void *, size_t);

/* wbuf_put_*(b, ...): append; on overflow set b->overflow and write nothing. */
void wbuf_put_u8(struct wbuf *, uint8_t);
void wbuf_put_u32(struct wbuf *, uint32_t);
void wbuf_put_u64(struct wbuf *, uint64_t);
void wbuf_put_bytes(struct wbuf *, const void *, size_t);

/* wbuf_done(b): 0 if nothing overflowed, -1 otherwise. */
int wbuf_done(const struct wbuf *) __attribute__((warn_unused_result));

/*
 * struct dbuf: a growing writer on the heap, for objects whose size is not
 * known in advance (trees, index segments).  Never grows past ${max}.
 */
struct dbuf {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	int		 err;		/* set when out of memory or past max */
};

/* dbuf_init(b, max): an empty growing buffer of at most ${max} bytes. */
void dbuf_init(struct dbuf *, size_t);

/* dbuf_put_*(b, ...): append; on failure set b->err and write nothing. */
void dbuf_put_u8(struct dbuf *, uint8_t);
void dbuf_put_u16(struct dbuf *, uint16_t);
void dbuf_put_u32(struct dbuf *, uint32_t);
void dbuf_put_u64(struct dbuf *, uint64_t);
void dbuf_put_bytes(struct dbuf *, const void *, size_t);

/* dbuf_free(b): release the memory; b is empty again. */
void dbuf_free(struct dbuf *);

/* rbuf_get_u16(b, v): read a little-endian u16; -1 if short. */
int rbuf_get_u16(struct rbuf *, uint16_t *) __attribute__((warn_unused_result));

/* le32enc/le32dec/le64enc/le64dec: fixed-width little-endian helpers. */
/*
 * mem_grow(p, cap, need): make the heap buffer *p (of *cap bytes) hold at
 * least ${need} bytes, keeping its contents.  0, or -1 (ENOMEM; *p kept).
 */
int mem_grow(uint8_t **, size_t *, size_t) __attribute__((warn_unused_result));

void le32enc(uint8_t *, uint32_t);
uint32_t le32dec(const uint8_t *);
void le64enc(uint8_t *, uint64_t);
uint64_t le64dec(const uint8_t *);

#endif
