/*
 * buf.c: bounds-checked readers and writers.  No allocation: the caller owns
 * the memory, so a secret buffer stays in the secret allocator.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
le32enc(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint32_t
le32dec(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
le64enc(uint8_t *p, uint64_t v)
{
	le32enc(p, (uint32_t)v);
	le32enc(p + 4, (uint32_t)(v >> 32));
}

uint64_t
le64dec(const uint8_t *p)
{
	return (uint64_t)le32dec(p) | (uint64_t)le32dec(p + 4) << 32;
}

void
rbuf_init(struct rbuf *b, const void *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->off = 0;
}

size_t
rbuf_left(const struct rbuf *b)
{
	return b->len - b->off;
}

int
rbuf_get_ref(struct rbuf *b, const uint8_t **pp, size_t n)
{
	if (n > rbuf_left(b))
		return -1;
	*pp = b->p + b->off;
	b->off += n;
	return 0;
}

int
rbuf_get_bytes(struct rbuf *b, void *out, size_t n)
{
	const uint8_t *p;

	if (rbuf_get_ref(b, &p, n) != 0)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
rbuf_get_u8(struct rbuf *b, uint8_t *v)
{
	return rbuf_get_bytes(b, v, 1);
}

int
rbuf_get_u32(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p;

	if (rbuf_get_ref(b, &p, 4) != 0)
		return -1;
	*v = le32dec(p);
	return 0;
}

int
rbuf_get_u64(struct rbuf *b, uint64_t *v)
{
	const uint8_t *p;

	if (rbuf_get_ref(b, &p, 8) != 0)
		return -1;
	*v = le64dec(p);
	return 0;
}

int
rbuf_end(const struct rbuf *b)
{
	return b->off == b->len ? 0 : -1;
}

void
wbuf_init(struct wbuf *b, void *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->overflow = 0;
}

void
wbuf_put_bytes(struct wbuf *b, const void *p, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
wbuf_put_u8(struct wbuf *b, uint8_t v)
{
	wbuf_put_bytes(b, &v, 1);
}

void
wbuf_put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t t[4];

	le32enc(t, v);
	wbuf_put_bytes(b, t, sizeof(t));
}

void
wbuf_put_u64(struct wbuf *b, uint64_t v)
{
	uint8_t t[8];

	le64enc(t, v);
	wbuf_put_bytes(b, t, sizeof(t));
}

int
wbuf_done(const struct wbuf *b)
{
	return b->overflow ? -1 : 0;
}

int
rbuf_get_u16(struct rbuf *b, uint16_t *v)
{
	const uint8_t *p;

	if (rbuf_get_ref(b, &p, 2) != 0)
		return -1;
	*v = (uint16_t)(p[0] | p[1] << 8);
	return 0;
}

void
dbuf_init(struct dbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
dbuf_put_bytes(struct dbuf *b, const void *p, size_t n)
{
	size_t ncap;
	uint8_t *q;

	if (b->err)
		return;
	if (n > b->max - b->len) {
		b->err = 1;
		return;
	}
	if (n > b->cap - b->len) {
		ncap = b->cap ? b->cap : 256;
		while (ncap - b->len < n)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		if ((q = realloc(b->p, ncap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = q;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
dbuf_put_u8(struct dbuf *b, uint8_t v)
{
	dbuf_put_bytes(b, &v, 1);
}

void
dbuf_put_u16(struct dbuf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	dbuf_put_bytes(b, t, 2);
}

void
dbuf_put_u32(struct dbuf *b, uint32_t v)
{
	uint8_t t[4];

	le32enc(t, v);
	dbuf_put_bytes(b, t, 4);
}

void
dbuf_put_u64(struct dbuf *b, uint64_t v)
{
	uint8_t t[8];

	le64enc(t, v);
	dbuf_put_bytes(b, t, 8);
}

void
dbuf_free(struct dbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int
mem_grow(uint8_t **p, size_t *cap, size_t need)
{
	uint8_t *q;

	if (need <= *cap && *p != NULL)
		return 0;
	if ((q = realloc(*p, need ? need : 1)) == NULL)
		return -1;
	*p = q;
	*cap = need ? need : 1;
	return 0;
}
