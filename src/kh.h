/*
 * kh.h: the keyholder interface.  Every use of a key goes through these
 * calls, and no caller ever sees key bytes or a passphrase: the keyholder
 * reads the passphrase itself and answers with results only (a sealed or
 * opened object, a keyed id, a new key slot).  Today the keyholder runs in
 * the same process; the privilege-separation issue moves what sits behind
 * this interface into its own sandboxed process without changing callers.
 *
 * The master key (32 random bytes) never leaves the keyholder.  Subkeys come
 * from crypto_kdf_derive_from_key with one context per purpose (kh.c).
 */
#ifndef TACIT_KH_H
#define TACIT_KH_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "kdf.h"
#include "keyslot.h"
#include "passphrase.h"

#define KH_ID_BYTES	32

#define KH_OK		0
#define KH_ERR		-1	/* message already printed */
#define KH_EPASS	-2	/* no slot opens with this passphrase */
#define KH_ENOSLOT	-3	/* no usable slot at all */

struct kh;

/* One key slot file as read from the repository (untrusted bytes). */
struct kh_slotfile {
	uint8_t		 id[SLOT_ID_BYTES];
	const uint8_t	*bytes;
	size_t		 len;
};

/* What the sealed metadata of a slot says (not secret). */
struct kh_slotinfo {
	uint32_t		kind;		/* SLOT_KIND_* */
	uint64_t		created;	/* unix seconds */
	struct kdf_params	kdf;
};

/* kh_new(repo_id): a locked keyholder for the repository ${repo_id}. */
struct kh *kh_new(const uint8_t[ENV_REPOID_BYTES]);

/*
 * kh_other(kh): in the worker, have the other repository's keyholder
 * (copy's DST, init's --copy-chunker-from) serve ${kh}, a kh_new not yet
 * used.  0, or -1 where no such keyholder is (not in a worker).
 */
int kh_other(struct kh *) __attribute__((warn_unused_result));

/* kh_free(kh): wipe every key and release ${kh}; NULL is a no-op. */
void kh_free(struct kh *);

/* kh_generate(kh): create a new random master key (for init). 0 or -1. */
int kh_generate(struct kh *) __attribute__((warn_unused_result));

/*
 * kh_unlock(kh, src, prompt, slots, n, which): read a passphrase from ${src}
 * and try it on each of the ${n} slot files; a recovery key is recognised by
 * its shape.  On KH_OK the master key is unwrapped and *${which} is the
 * index of the slot that opened.  Damaged slots and slots whose KDF
 * parameters exceed the caps are skipped with a warning naming them.
 */
int kh_unlock(struct kh *, const struct pass_src *, const char *,
    const struct kh_slotfile *, size_t, size_t *)
    __attribute__((warn_unused_result));

/*
 * kh_slot_new(kh, src, prompt, kdf, kind, id, out, cap, len): make a new
 * key slot for the unlocked master key.  For SLOT_KIND_PASSPHRASE the new
 * passphrase is read from ${src} (asked twice on a terminal); for
 * SLOT_KIND_RECOVERY a random recovery key is generated and written once to
 * the descriptor ${src}->fd.  Writes a random slot id to ${id} and the file
 * bytes to ${out}.  Returns KH_OK or KH_ERR.
 */
int kh_slot_new(struct kh *, const struct pass_src *, const char *,
    const struct kdf_params *, uint32_t, uint8_t[SLOT_ID_BYTES], uint8_t *,
    size_t, size_t *) __attribute__((warn_unused_result));

/*
 * kh_slot_new_pw(kh, pw, pwlen, kdf, kind, id, out, cap, len): the same
 * with the new passphrase ${pw} already read (by the keyholder, before its
 * sandbox); ${pw} stays the caller's to wipe.  For SLOT_KIND_RECOVERY
 * ${pw} is unused and may be NULL.  Returns KH_OK or KH_ERR.
 */
int kh_slot_new_pw(struct kh *, const uint8_t *, size_t,
    const struct kdf_params *, uint32_t, uint8_t[SLOT_ID_BYTES], uint8_t *,
    size_t, size_t *) __attribute__((warn_unused_result));

/*
 * kh_recovery_show(kh, fd): write the recovery key made by the last
 * kh_slot_new(SLOT_KIND_RECOVERY) to ${fd} once, then wipe it.  Call it only
 * after the slot is durable on disk.  Returns 0, or -1.
 */
int kh_recovery_show(struct kh *, int);

/* kh_slot_info(kh, slot, info): open a slot's sealed metadata. 0 or -1. */
int kh_slot_info(struct kh *, const struct kh_slotfile *,
    struct kh_slotinfo *) __attribute__((warn_unused_result));

/*
 * kh_seal(kh, type, id, pt, len, out, cap, outlen) and
 * kh_open(kh, type, id, in, inlen, out, cap, outlen): the envelope of
 * envelope.h under the subkey for ${type}.  kh_open returns -1 when the
 * object is not authentic; the caller names the object in its message.
 */
int kh_seal(struct kh *, uint32_t, const uint8_t[ENV_ID_BYTES],
    const uint8_t *, size_t, uint8_t *, size_t, size_t *)
    __attribute__((warn_unused_result));
int kh_open(struct kh *, uint32_t, const uint8_t[ENV_ID_BYTES],
    const uint8_t *, size_t, uint8_t *, size_t, size_t *)
    __attribute__((warn_unused_result));

#define KH_BATCH_MAX	1024	/* objects in one batch request */

/*
 * kh_hold(kh), kh_release(kh): keep the keys readable across many
 * kh_id/kh_seal/kh_open calls (a batch) and keep other threads out
 * meanwhile (recursive: every operation holds it itself too).
 */
void kh_hold(struct kh *);
void kh_release(struct kh *);

/*
 * kh_id_batch(kh, domain, n, data, lens, ids): kh_id of ${n} buffers in one
 * request (the worker's round trips are what privilege separation costs).
 * Returns 0, or -1.
 */
int kh_id_batch(struct kh *, uint32_t, size_t, const uint8_t *const *,
    const size_t *, uint8_t (*)[KH_ID_BYTES]) __attribute__((warn_unused_result));

/*
 * kh_seal_batch(kh, n, types, ids, pts, lens, out, cap, outlens): kh_seal of
 * ${n} objects in one request, their sealed forms back to back in ${out}
 * (${cap} bytes), each one's length in ${outlens}.  Returns 0, or -1.
 */
int kh_seal_batch(struct kh *, size_t, const uint32_t *,
    const uint8_t (*)[ENV_ID_BYTES], const uint8_t *const *, const size_t *,
    uint8_t *, size_t, size_t *) __attribute__((warn_unused_result));

/*
 * kh_open_batch(kh, n, types, ids, ins, inlens, out, cap, outlens): kh_open
 * of ${n} objects in one request, plaintexts back to back in ${out}.
 * An object that fails authentication gets outlens[i] = SIZE_MAX.
 * Returns 0, or -1.
 */
int kh_open_batch(struct kh *, size_t, const uint32_t *,
    const uint8_t (*)[ENV_ID_BYTES], const uint8_t *const *, const size_t *,
    uint8_t *, size_t, size_t *) __attribute__((warn_unused_result));

/*
 * kh_chunker_key(kh, out): copy the chunker subkey to ${out} (secret memory
 * of 32 bytes).  It is the one key the worker may hold: it decides chunk
 * boundaries over plaintext the worker sees anyway.  0, or -1 if locked.
 */
int kh_chunker_key(struct kh *, uint8_t[ENV_KEY_BYTES])
    __attribute__((warn_unused_result));

#define KH_ID_DATA	1	/* a chunk of file data */
#define KH_ID_TREE	2	/* a tree object */

/*
 * kh_id(kh, domain, data, len, id): keyed BLAKE2b-256 of ${data} into
 * ${id}, under the subkey of ${domain}: data chunks and trees have ids in
 * separate spaces, so no file content can ever pose as a tree.
 */
int kh_id(struct kh *, uint32_t, const uint8_t *, size_t,
    uint8_t[KH_ID_BYTES]) __attribute__((warn_unused_result));

#endif
