/*
 * keyslot.c: encode and decode key slot files.  The bytes come from the
 * repository, so every read is bounds-checked and the decoder must consume
 * the whole file.
 */
#include <string.h>

#include <sodium.h>

#include <stdio.h>

#include "buf.h"
#include "keyslot.h"

#define WRAP_AD_LABEL	"tacit-keyslot"

static void
put_params(struct wbuf *w, const struct keyslot *s)
{
	wbuf_put_bytes(w, SLOT_MAGIC, SLOT_MAGIC_BYTES);
	wbuf_put_u32(w, SLOT_FORMAT);
	wbuf_put_u32(w, KDF_ALG_ARGON2ID13);
	wbuf_put_u32(w, s->kdf.t_cost);
	wbuf_put_u32(w, s->kdf.m_kib);
	wbuf_put_u32(w, s->kdf.lanes);
	wbuf_put_bytes(w, s->salt, KDF_SALT_BYTES);
}

int
keyslot_encode(const struct keyslot *s, uint8_t *out, size_t cap,
    size_t *len)
{
	struct wbuf w;

	if (s->metalen > SLOT_META_MAX)
		return -1;
	wbuf_init(&w, out, cap);
	put_params(&w, s);
	wbuf_put_bytes(&w, s->wrap, SLOT_WRAP_BYTES);
	wbuf_put_u32(&w, (uint32_t)s->metalen);
	wbuf_put_bytes(&w, s->meta, s->metalen);
	if (wbuf_done(&w) != 0)
		return -1;
	*len = w.len;
	return 0;
}

int
keyslot_decode(const uint8_t *p, size_t len, struct keyslot *s, char *why,
    size_t whylen)
{
	uint8_t magic[SLOT_MAGIC_BYTES];
	uint32_t fmt, alg, mlen;
	struct rbuf r;

	rbuf_init(&r, p, len);
	if (rbuf_get_bytes(&r, magic, sizeof(magic)) != 0 ||
	    memcmp(magic, SLOT_MAGIC, SLOT_MAGIC_BYTES) != 0) {
		snprintf(why, whylen, "not a key slot (bad magic)");
		return -1;
	}
	if (rbuf_get_u32(&r, &fmt) != 0 || fmt != SLOT_FORMAT) {
		snprintf(why, whylen, "unsupported key slot format");
		return -1;
	}
	if (rbuf_get_u32(&r, &alg) != 0 || alg != KDF_ALG_ARGON2ID13) {
		snprintf(why, whylen, "unsupported key derivation function");
		return -1;
	}
	if (rbuf_get_u32(&r, &s->kdf.t_cost) != 0 ||
	    rbuf_get_u32(&r, &s->kdf.m_kib) != 0 ||
	    rbuf_get_u32(&r, &s->kdf.lanes) != 0 ||
	    rbuf_get_bytes(&r, s->salt, KDF_SALT_BYTES) != 0 ||
	    rbuf_get_bytes(&r, s->wrap, SLOT_WRAP_BYTES) != 0 ||
	    rbuf_get_u32(&r, &mlen) != 0 || mlen > SLOT_META_MAX ||
	    rbuf_get_bytes(&r, s->meta, mlen) != 0 || rbuf_end(&r) != 0) {
		snprintf(why, whylen, "truncated or malformed key slot");
		return -1;
	}
	s->metalen = mlen;
	return 0;
}

int
keyslot_wrap_ad(const struct keyslot *s,
    const uint8_t repo_id[ENV_REPOID_BYTES], uint8_t *ad, size_t cap,
    size_t *len)
{
	struct wbuf w;

	wbuf_init(&w, ad, cap);
	wbuf_put_bytes(&w, WRAP_AD_LABEL, sizeof(WRAP_AD_LABEL) - 1);
	wbuf_put_bytes(&w, repo_id, ENV_REPOID_BYTES);
	wbuf_put_bytes(&w, s->id, SLOT_ID_BYTES);
	put_params(&w, s);
	if (wbuf_done(&w) != 0)
		return -1;
	*len = w.len;
	return 0;
}

void
keyslot_id_hex(const uint8_t id[SLOT_ID_BYTES], char out[2 * SLOT_ID_BYTES + 1])
{
	sodium_bin2hex(out, 2 * SLOT_ID_BYTES + 1, id, SLOT_ID_BYTES);
}

int
keyslot_id_parse(const char *hex, uint8_t id[SLOT_ID_BYTES])
{
	size_t n, i;

	if (strlen(hex) != 2 * SLOT_ID_BYTES)
		return -1;
	for (i = 0; i < 2 * SLOT_ID_BYTES; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	if (sodium_hex2bin(id, SLOT_ID_BYTES, hex, 2 * SLOT_ID_BYTES, NULL,
	    &n, NULL) != 0 || n != SLOT_ID_BYTES)
		return -1;
	return 0;
}
