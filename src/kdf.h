/*
 * kdf.h: Argon2id (libargon2, version 0x13) for key slots.
 */
#ifndef TACIT_KDF_H
#define TACIT_KDF_H

#include <stddef.h>
#include <stdint.h>

#define KDF_ALG_ARGON2ID13	1
#define KDF_SALT_BYTES		16
#define KDF_OUT_BYTES		32
#define KDF_T_MAX		16		/* iterations */
#define KDF_LANES_MAX		16
/* 2 GiB: RFC 9106's first recommended option; --kdf-memory's maximum. */
#define KDF_M_KIB_MAX		(2u << 20)
/*
 * The work of one slot, m (KiB) times t: at most 4 GiB-passes, four times
 * the default slot's (512 MiB, 2 passes).  The work of one unlock, summed
 * over every slot within the caps: at most 16 GiB-passes (16 default
 * slots, or 4 of the largest).  A slot tacit makes never takes a
 * repository past either (kh_slot_new_pw refuses it), so more is a slot
 * tacit did not make, and unlocking refuses before running Argon2 at all.
 */
#define KDF_WORK_MAX_KIB	((uint64_t)4 << 20)
#define KDF_UNLOCK_WORK_MAX_KIB	((uint64_t)16 << 20)
/* The floor for new slots: RFC 9106's second recommended option. */
#define KDF_NEW_M_KIB_MIN	(64u << 10)	/* 64 MiB */
#define KDF_NEW_T_MIN		1

struct kdf_params {
	uint32_t	t_cost;		/* iterations */
	uint32_t	m_kib;		/* memory in KiB */
	uint32_t	lanes;		/* parallelism; threads = lanes */
};

/*
 * kdf_params_default(p): the cost for a new slot: 512 MiB, 2 passes, 4 lanes
 * (about one second on a 2-core machine), shrunk to a quarter of available
 * memory on small machines but never below KDF_NEW_M_KIB_MIN.
 */
void kdf_params_default(struct kdf_params *);

/*
 * kdf_params_check(p, why, whylen): 0 if ${p} is within the caps that
 * protect an unlock from a hostile key slot (t <= KDF_T_MAX, lanes <=
 * KDF_LANES_MAX, 8*lanes <= m <= KDF_M_KIB_MAX, m*t <= KDF_WORK_MAX_KIB,
 * and m at most 3/4 of this machine's available memory); otherwise -1 and a
 * reason in ${why}.
 */
int kdf_params_check(const struct kdf_params *, char *, size_t)
    __attribute__((warn_unused_result));

/* kdf_work(p): the work of ${p}, m (KiB) times t. */
uint64_t kdf_work(const struct kdf_params *);

/*
 * kdf_derive(p, pw, pwlen, salt, ad, adlen, out): Argon2id with ${p} over
 * the passphrase ${pw}, writing KDF_OUT_BYTES to ${out}.  The work area is
 * excluded from core dumps and wiped before it is unmapped, but not locked
 * (kdf.c says why).  ${p} must have
 * passed kdf_params_check.  Returns 0, or -1 (out wiped).
 */
int kdf_derive(const struct kdf_params *, const uint8_t *, size_t,
    const uint8_t[KDF_SALT_BYTES], const uint8_t *, size_t,
    uint8_t[KDF_OUT_BYTES]) __attribute__((warn_unused_result));

#endif
