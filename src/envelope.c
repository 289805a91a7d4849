/*
 * envelope.c: seal and open the one envelope.  Only the keyholder calls
 * these (they take key bytes); everything else goes through kh.h.
 */
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "envelope.h"
#include "padme.h"

#define AD_LABEL	"tacit-envelope"
#define AD_LABEL_LEN	(sizeof(AD_LABEL) - 1)
#define AD_BYTES	(AD_LABEL_LEN + 4 + 4 + ENV_REPOID_BYTES + ENV_ID_BYTES)

const char *
envelope_type_name(uint32_t type)
{
	switch ((enum obj_type)type) {
	case OBJ_CONFIG:	return "config";
	case OBJ_SLOTMETA:	return "key slot";
	case OBJ_SNAPSHOT:	return "snapshot";
	case OBJ_INDEX:		return "index";
	case OBJ_TREE:		return "tree";
	case OBJ_PACKHDR:	return "pack header";
	case OBJ_BLOB:		return "blob";
	case OBJ__MAX:		break;
	}
	return "object";
}

/* Blobs and trees live in packs: the pack is padded, not each of them. */
static size_t
padded_len(uint32_t type, size_t len)
{
	if (type == OBJ_BLOB || type == OBJ_TREE)
		return ENV_LEN_BYTES + len;
	return (size_t)padme((uint64_t)ENV_LEN_BYTES + len);
}

size_t
envelope_sealed_len(uint32_t type, size_t len)
{
	return ENV_OVERHEAD + padded_len(type, len);
}

static void
make_ad(uint8_t ad[AD_BYTES], uint32_t format, uint32_t type,
    const uint8_t repo_id[ENV_REPOID_BYTES], const uint8_t id[ENV_ID_BYTES])
{
	memcpy(ad, AD_LABEL, AD_LABEL_LEN);
	le32enc(ad + AD_LABEL_LEN, format);
	le32enc(ad + AD_LABEL_LEN + 4, type);
	memcpy(ad + AD_LABEL_LEN + 8, repo_id, ENV_REPOID_BYTES);
	memcpy(ad + AD_LABEL_LEN + 8 + ENV_REPOID_BYTES, id, ENV_ID_BYTES);
}

int
envelope_seal(const uint8_t key[ENV_KEY_BYTES], uint32_t format,
    uint32_t type, const uint8_t repo_id[ENV_REPOID_BYTES],
    const uint8_t id[ENV_ID_BYTES], const uint8_t *pt, size_t len,
    uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t ad[AD_BYTES];
	uint8_t *body;
	size_t plen;
	unsigned long long clen;

	if (len > ENV_PLAIN_MAX || type == 0 || type >= OBJ__MAX)
		return -1;
	plen = padded_len(type, len);
	if (outcap < ENV_OVERHEAD + plen)
		return -1;
	/* Lay out P in place after the nonce, then encrypt it in place. */
	body = out + ENV_NONCE_BYTES;
	le32enc(body, (uint32_t)len);
	if (len > 0)
		memmove(body + ENV_LEN_BYTES, pt, len);
	memset(body + ENV_LEN_BYTES + len, 0, plen - ENV_LEN_BYTES - len);
	randombytes_buf(out, ENV_NONCE_BYTES);
	make_ad(ad, format, type, repo_id, id);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(body, &clen, body, plen,
	    ad, sizeof(ad), NULL, out, key) != 0)
		return -1;
	*outlen = ENV_NONCE_BYTES + (size_t)clen;
	return 0;
}

int
envelope_open(const uint8_t key[ENV_KEY_BYTES], uint32_t format,
    uint32_t type, const uint8_t repo_id[ENV_REPOID_BYTES],
    const uint8_t id[ENV_ID_BYTES], const uint8_t *in, size_t inlen,
    uint8_t *out, size_t outcap, size_t *lenp)
{
	uint8_t ad[AD_BYTES];
	unsigned long long plen;
	size_t len, i;
	uint8_t nz = 0;

	*lenp = 0;
	if (inlen < ENV_OVERHEAD + ENV_LEN_BYTES ||
	    inlen > ENV_OVERHEAD + padded_len(type, ENV_PLAIN_MAX) ||
	    outcap < inlen - ENV_OVERHEAD)
		return -1;
	make_ad(ad, format, type, repo_id, id);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
	    in + ENV_NONCE_BYTES, inlen - ENV_NONCE_BYTES, ad, sizeof(ad),
	    in, key) != 0)
		return -1;
	/* Authentic; now insist on the one canonical form. */
	len = le32dec(out);
	if (len > ENV_PLAIN_MAX || padded_len(type, len) != plen)
		goto bad;
	for (i = ENV_LEN_BYTES + len; i < plen; i++)
		nz |= out[i];
	if (nz != 0)
		goto bad;
	memmove(out, out + ENV_LEN_BYTES, len);
	sodium_memzero(out + len, (size_t)plen - len);
	*lenp = len;
	return 0;
bad:
	sodium_memzero(out, (size_t)plen);
	return -1;
}
