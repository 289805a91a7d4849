/*
 * keyslot.h: the on-disk key slot (keys/<16 hex>), LUKS-style.
 *
 *   magic "TACITKEY" | u32 slot format (1) | u32 kdf alg (1 = Argon2id 0x13)
 *   | u32 t | u32 m (KiB) | u32 lanes | salt[16]
 *   | wrapped master key: nonce[24] || XChaCha20-Poly1305(KEK, MK) (48)
 *   | u32 meta length | meta: an envelope (OBJ_SLOTMETA) under the master key
 *
 * KEK = Argon2id(passphrase, salt, ad = repository id).  The wrap's
 * associated data is "tacit-keyslot" || repository id || slot id || every
 * byte before the wrap, so no parameter can be changed undetected.
 */
#ifndef TACIT_KEYSLOT_H
#define TACIT_KEYSLOT_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "kdf.h"

#define SLOT_MAGIC		"TACITKEY"
#define SLOT_MAGIC_BYTES	8
#define SLOT_FORMAT		1
#define SLOT_ID_BYTES		8
#define SLOT_MK_BYTES		32
#define SLOT_WRAP_BYTES		(ENV_NONCE_BYTES + SLOT_MK_BYTES + ENV_TAG_BYTES)
#define SLOT_PARAMS_BYTES	(SLOT_MAGIC_BYTES + 5 * 4 + KDF_SALT_BYTES)
#define SLOT_META_MAX		256
#define SLOT_FILE_MAX		(SLOT_PARAMS_BYTES + SLOT_WRAP_BYTES + 4 + \
				 SLOT_META_MAX)

#define SLOT_KIND_PASSPHRASE	1
#define SLOT_KIND_RECOVERY	2

struct keyslot {
	uint8_t			id[SLOT_ID_BYTES];	/* from the file name */
	struct kdf_params	kdf;
	uint8_t			salt[KDF_SALT_BYTES];
	uint8_t			wrap[SLOT_WRAP_BYTES];
	uint8_t			meta[SLOT_META_MAX];
	size_t			metalen;
};

/*
 * keyslot_decode(p, len, s): parse a slot file into ${s} (s->id is left for
 * the caller).  Checks magic, format, algorithm and lengths; the KDF caps
 * are kdf_params_check's job.  Returns 0, or -1 with a reason in ${why}.
 */
int keyslot_decode(const uint8_t *, size_t, struct keyslot *, char *, size_t)
    __attribute__((warn_unused_result));

/* keyslot_encode(s, out, cap, len): the file bytes of ${s}; 0 or -1. */
int keyslot_encode(const struct keyslot *, uint8_t *, size_t, size_t *)
    __attribute__((warn_unused_result));

/*
 * keyslot_wrap_ad(s, repo_id, ad, cap, len): the wrap's associated data.
 * Returns 0, or -1 if ${cap} is too small.
 */
int keyslot_wrap_ad(const struct keyslot *, const uint8_t[ENV_REPOID_BYTES],
    uint8_t *, size_t, size_t *) __attribute__((warn_unused_result));

/* keyslot_id_hex(id, out): 16 lowercase hex digits and a NUL. */
void keyslot_id_hex(const uint8_t[SLOT_ID_BYTES], char[2 * SLOT_ID_BYTES + 1]);

/* keyslot_id_parse(hex, id): 0 if ${hex} is exactly 16 hex digits. */
int keyslot_id_parse(const char *, uint8_t[SLOT_ID_BYTES]);

#endif
