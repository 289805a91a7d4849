/*
 * test_envelope.c: the sealed envelope round-trips and rejects every
 * tampering: type swap, id swap, repository swap, wrong format version,
 * truncation at every length, extension, a bit flip at every byte, and a
 * sealed object whose padding is not canonical.  Buffers are exact-size
 * sodium_malloc allocations so an overread hits a guard page.
 */
#include <string.h>

#include "envelope.h"
#include "padme.h"
#include "t.h"

static uint8_t key[ENV_KEY_BYTES], key2[ENV_KEY_BYTES];
static uint8_t rid[ENV_REPOID_BYTES], rid2[ENV_REPOID_BYTES];
static uint8_t oid[ENV_ID_BYTES], oid2[ENV_ID_BYTES];

static int
try_open(const uint8_t *k, uint32_t fmt, uint32_t type, const uint8_t *r,
    const uint8_t *id, const uint8_t *in, size_t inlen, size_t *lenp)
{
	uint8_t *out;
	size_t cap = inlen > ENV_OVERHEAD ? inlen - ENV_OVERHEAD : 1;
	int rc;

	out = sodium_malloc(cap);
	rc = envelope_open(k, fmt, type, r, id, in, inlen, out, cap, lenp);
	sodium_free(out);
	return rc;
}

/* Seal ${len} bytes of ${pt} with an explicit format; exact-size output. */
static uint8_t *
seal(uint32_t fmt, uint32_t type, const uint8_t *pt, size_t len, size_t *sl)
{
	size_t cap = envelope_sealed_len(type, len);
	uint8_t *out = sodium_malloc(cap);

	if (envelope_seal(key, fmt, type, rid, oid, pt, len, out, cap, sl)
	    != 0 || *sl != cap) {
		sodium_free(out);
		return NULL;
	}
	return out;
}

/* Seal raw P bytes (length prefix and padding chosen by the test). */
static size_t
seal_raw(const uint8_t *p, size_t plen, uint8_t *out)
{
	static const char label[] = "tacit-envelope";
	uint8_t ad[sizeof(label) - 1 + 8 + ENV_REPOID_BYTES + ENV_ID_BYTES];
	unsigned long long clen;
	size_t o = sizeof(label) - 1;

	memcpy(ad, label, o);
	ad[o] = ENV_FORMAT; ad[o + 1] = ad[o + 2] = ad[o + 3] = 0;
	ad[o + 4] = OBJ_CONFIG; ad[o + 5] = ad[o + 6] = ad[o + 7] = 0;
	memcpy(ad + o + 8, rid, ENV_REPOID_BYTES);
	memcpy(ad + o + 8 + ENV_REPOID_BYTES, oid, ENV_ID_BYTES);
	randombytes_buf(out, ENV_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + ENV_NONCE_BYTES,
	    &clen, p, plen, ad, sizeof(ad), NULL, out, key);
	return ENV_NONCE_BYTES + (size_t)clen;
}

int
main(void)
{
	uint8_t pt[300], *s, *bad, raw[64], sealed[200];
	size_t sl, len, i, b;
	int all;

	t_init();
	randombytes_buf(key, sizeof(key));
	randombytes_buf(key2, sizeof(key2));
	randombytes_buf(rid, sizeof(rid));
	randombytes_buf(rid2, sizeof(rid2));
	randombytes_buf(oid, sizeof(oid));
	randombytes_buf(oid2, sizeof(oid2));
	randombytes_buf(pt, sizeof(pt));

	s = seal(ENV_FORMAT, OBJ_SNAPSHOT, pt, sizeof(pt), &sl);
	T(s != NULL, "seal 300 bytes");
	if (s == NULL)
		return t_exit();
	T(sl == ENV_OVERHEAD + padme(ENV_LEN_BYTES + sizeof(pt)),
	    "sealed length is overhead + padme(4 + len) = %zu", sl);
	{
		uint8_t *out = sodium_malloc(sl - ENV_OVERHEAD);
		int rc = envelope_open(key, ENV_FORMAT, OBJ_SNAPSHOT, rid, oid,
		    s, sl, out, sl - ENV_OVERHEAD, &len);
		T(rc == 0 && len == sizeof(pt) &&
		    memcmp(out, pt, sizeof(pt)) == 0, "round trip");
		sodium_free(out);
	}
	T(try_open(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, s, sl, &len) != 0,
	    "type swap (snapshot opened as config) rejected");
	T(try_open(key, ENV_FORMAT, OBJ_SNAPSHOT, rid, oid2, s, sl, &len) != 0,
	    "id swap rejected");
	T(try_open(key, ENV_FORMAT, OBJ_SNAPSHOT, rid2, oid, s, sl, &len) != 0,
	    "repository swap rejected");
	T(try_open(key, ENV_FORMAT + 1, OBJ_SNAPSHOT, rid, oid, s, sl, &len)
	    != 0, "wrong format version rejected");
	T(try_open(key2, ENV_FORMAT, OBJ_SNAPSHOT, rid, oid, s, sl, &len) != 0,
	    "wrong key rejected");
	all = 1;
	for (i = 0; i < sl; i++)
		if (try_open(key, ENV_FORMAT, OBJ_SNAPSHOT, rid, oid, s, i,
		    &len) == 0)
			all = 0;
	T(all, "every truncation (0..%zu bytes) rejected", sl - 1);
	bad = sodium_malloc(sl + 1);
	memcpy(bad, s, sl);
	bad[sl] = 0;
	T(try_open(key, ENV_FORMAT, OBJ_SNAPSHOT, rid, oid, bad, sl + 1, &len)
	    != 0, "extension by one byte rejected");
	sodium_free(bad);
	all = 1;
	bad = sodium_malloc(sl);
	for (i = 0; i < sl; i++)
		for (b = 0; b < 8; b++) {
			memcpy(bad, s, sl);
			bad[i] ^= (uint8_t)(1u << b);
			if (try_open(key, ENV_FORMAT, OBJ_SNAPSHOT, rid, oid,
			    bad, sl, &len) == 0)
				all = 0;
		}
	sodium_free(bad);
	T(all, "every single-bit flip in %zu bytes rejected", sl);
	sodium_free(s);

	/* Sizes: 101..108 bytes all seal to one length (Padmé bucket). */
	{
		size_t l0 = envelope_sealed_len(OBJ_INDEX, 101), same = 1;
		for (i = 102; i <= 108; i++)
			same &= envelope_sealed_len(OBJ_INDEX, i) == l0;
		T(same, "plaintexts of 101..108 bytes seal to one size (%zu)",
		    l0);
	}
	T(envelope_sealed_len(OBJ_BLOB, 1000) == ENV_OVERHEAD + 1004,
	    "blobs are not padded one by one (their pack is)");
	s = seal(ENV_FORMAT, OBJ_CONFIG, pt, 0, &sl);
	T(s != NULL && try_open(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, s, sl,
	    &len) == 0 && len == 0, "empty plaintext round trip");
	sodium_free(s);
	T(envelope_seal(key, ENV_FORMAT, OBJ__MAX, rid, oid, pt, 1, sealed,
	    sizeof(sealed), &sl) != 0, "unknown type refused when sealing");
	T(envelope_seal(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, pt, 100,
	    sealed, 50, &sl) != 0, "short output buffer refused");

	/* Authentic but not canonical: nonzero padding, long length field. */
	memset(raw, 0, sizeof(raw));
	raw[0] = 10;				/* len 10, P = padme(14) = 14 */
	sl = seal_raw(raw, 14, sealed);
	T(try_open(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, sealed, sl, &len)
	    == 0 && len == 10, "hand-made canonical object opens");
	raw[0] = 7;				/* P = 14 > padme(11) = 12 */
	sl = seal_raw(raw, 14, sealed);
	T(try_open(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, sealed, sl, &len)
	    != 0, "padding longer than Padmé's rejected");
	raw[0] = 10;
	raw[13] = 1;				/* nonzero pad byte */
	sl = seal_raw(raw, 16, sealed);
	T(try_open(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, sealed, sl, &len)
	    != 0, "nonzero padding rejected");
	raw[0] = 0xff; raw[1] = 0xff;		/* length beyond P */
	sl = seal_raw(raw, 14, sealed);
	T(try_open(key, ENV_FORMAT, OBJ_CONFIG, rid, oid, sealed, sl, &len)
	    != 0, "length field beyond the object rejected");
	return t_exit();
}
