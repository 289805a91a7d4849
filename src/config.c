/*
 * config.c: encode and decode the repository configuration.
 */
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "parity.h"

void
config_default(struct config *c)
{
	c->created = (uint64_t)time(NULL);
	c->chunk_min = 256u << 10;
	c->chunk_avg = 1u << 20;
	c->chunk_max = 4u << 20;
	c->pack_bytes = 16u << 20;
	c->zstd_level = 3;
	c->parity_pct = PARITY_PCT_DEFAULT;
	c->has_chunker_key = 0;
	memset(c->chunker_key, 0, sizeof(c->chunker_key));
}

size_t
config_encode(const struct config *c, uint8_t out[CONFIG_BYTES])
{
	uint32_t fmt = c->has_chunker_key ? CONFIG_FORMAT_CHUNKER :
	    c->parity_pct ? CONFIG_FORMAT_PARITY : CONFIG_FORMAT;
	struct wbuf w;

	wbuf_init(&w, out, CONFIG_BYTES);
	wbuf_put_u32(&w, fmt);
	wbuf_put_u64(&w, c->created);
	wbuf_put_u32(&w, c->chunk_min);
	wbuf_put_u32(&w, c->chunk_avg);
	wbuf_put_u32(&w, c->chunk_max);
	wbuf_put_u32(&w, c->pack_bytes);
	wbuf_put_u32(&w, (uint32_t)c->zstd_level);
	if (fmt == CONFIG_FORMAT)
		return CONFIG_BASE_BYTES;
	wbuf_put_u32(&w, c->parity_pct);
	if (fmt == CONFIG_FORMAT_PARITY)
		return CONFIG_BASE_BYTES + 4;
	wbuf_put_bytes(&w, c->chunker_key, CONFIG_KEY_BYTES);
	return CONFIG_BYTES;
}

int
config_decode(const uint8_t *p, size_t len, struct config *c)
{
	struct rbuf r;
	uint32_t fmt, lvl;

	rbuf_init(&r, p, len);
	c->parity_pct = 0;
	c->has_chunker_key = 0;
	if (rbuf_get_u32(&r, &fmt) != 0 || fmt < CONFIG_FORMAT ||
	    fmt > CONFIG_FORMAT_CHUNKER ||
	    rbuf_get_u64(&r, &c->created) != 0 ||
	    rbuf_get_u32(&r, &c->chunk_min) != 0 ||
	    rbuf_get_u32(&r, &c->chunk_avg) != 0 ||
	    rbuf_get_u32(&r, &c->chunk_max) != 0 ||
	    rbuf_get_u32(&r, &c->pack_bytes) != 0 ||
	    rbuf_get_u32(&r, &lvl) != 0 ||
	    (fmt >= CONFIG_FORMAT_PARITY &&
	    rbuf_get_u32(&r, &c->parity_pct) != 0) ||
	    (fmt == CONFIG_FORMAT_CHUNKER && rbuf_get_bytes(&r, c->chunker_key,
	    CONFIG_KEY_BYTES) != 0) || rbuf_end(&r) != 0)
		return -1;
	/* Format 2 exists for parity: 0 there is no config tacit writes. */
	if (c->parity_pct > PARITY_PCT_MAX ||
	    (fmt == CONFIG_FORMAT_PARITY && c->parity_pct < 1))
		return -1;
	c->has_chunker_key = fmt == CONFIG_FORMAT_CHUNKER;
	c->zstd_level = (int32_t)lvl;
	if (c->chunk_min < 4096 || c->chunk_min >= c->chunk_avg ||
	    (c->chunk_avg & (c->chunk_avg - 1)) != 0 ||
	    c->chunk_avg > c->chunk_max || c->chunk_max > (16u << 20) ||
	    c->pack_bytes < c->chunk_max || c->pack_bytes > (64u << 20) ||
	    c->zstd_level < -7 || c->zstd_level > 22)
		return -1;
	return 0;
}
