/*
 * envelope.h: the one sealed-object format of tacit.
 *
 *   sealed = nonce[24] || XChaCha20-Poly1305(key, nonce, ad, P)   (P + 16)
 *   P      = u32le(len) || plaintext[len] || zero padding
 *   |P|    = padme(4 + len)        (4 + len for blobs and trees, which
 *                                   live in packs; the pack is padded)
 *   ad     = "tacit-envelope" || u32le(format) || u32le(type)
 *            || repo_id[16] || object_id[32]
 *
 * Binding type, id, repository and format version in the associated data
 * means an object cannot be swapped for another, moved to another name or
 * repository, or replayed under another format version.  See doc/format.md.
 */
#ifndef TACIT_ENVELOPE_H
#define TACIT_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#define ENV_KEY_BYTES		32
#define ENV_NONCE_BYTES		24
#define ENV_TAG_BYTES		16
#define ENV_LEN_BYTES		4
#define ENV_ID_BYTES		32
#define ENV_REPOID_BYTES	16
#define ENV_OVERHEAD		(ENV_NONCE_BYTES + ENV_TAG_BYTES)
#define ENV_PLAIN_MAX		(128u << 20)	/* larger objects are refused */
#define ENV_FORMAT		1		/* repository format version */

/* Object types.  Numbers are on disk (in the associated data): never reuse. */
enum obj_type {
	OBJ_CONFIG = 1,
	OBJ_SLOTMETA = 2,
	OBJ_SNAPSHOT = 3,
	OBJ_INDEX = 4,
	OBJ_TREE = 5,
	OBJ_PACKHDR = 6,
	OBJ_BLOB = 7,
	OBJ__MAX
};

/* envelope_type_name(type): "config", "key slot", ...; "object" if unknown. */
const char *envelope_type_name(uint32_t);

/* envelope_sealed_len(type, len): bytes of the sealed form of ${len} bytes. */
size_t envelope_sealed_len(uint32_t, size_t);

/*
 * envelope_seal(key, format, type, repo_id, id, pt, len, out, outcap, outlen):
 * seal ${len} bytes at ${pt} into ${out} (at least envelope_sealed_len bytes)
 * and set *${outlen}.  Returns 0, or -1 on a bad argument.
 */
int envelope_seal(const uint8_t[ENV_KEY_BYTES], uint32_t, uint32_t,
    const uint8_t[ENV_REPOID_BYTES], const uint8_t[ENV_ID_BYTES],
    const uint8_t *, size_t, uint8_t *, size_t, size_t *)
    __attribute__((warn_unused_result));

/*
 * envelope_open(key, format, type, repo_id, id, in, inlen, out, outcap, len):
 * authenticate and decrypt ${in} into ${out} (at least inlen - ENV_OVERHEAD
 * bytes) and set *${len} to the plaintext length.  Returns 0, or -1 when the
 * object is too short or long, fails authentication, or is not in canonical
 * form (length or padding); ${out} is then wiped.
 */
int envelope_open(const uint8_t[ENV_KEY_BYTES], uint32_t, uint32_t,
    const uint8_t[ENV_REPOID_BYTES], const uint8_t[ENV_ID_BYTES],
    const uint8_t *, size_t, uint8_t *, size_t, size_t *)
    __attribute__((warn_unused_result));

#endif
