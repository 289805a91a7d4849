/*
 * aes128.h: AES-128 encryption (FIPS-197), one block or a batch.
 *
 * Two implementations give identical results: a portable one (a single
 * T-table, written from the FIPS-197 description) and one using the
 * AES-NI instructions, chosen at run time when the CPU has them.  Only
 * encryption exists: the chunker uses AES as a PRF on 16-byte digests.
 *
 * XXX The portable path indexes tables with key-dependent bytes, so a
 * process sharing the cache could learn about the key from timing.  It is
 * the fallback for CPUs without AES-NI; the AES-NI path has no such leak.
 */
#ifndef TACIT_AES128_H
#define TACIT_AES128_H

#include <stddef.h>
#include <stdint.h>

#define AES128_KEY_BYTES	16
#define AES128_BLOCK_BYTES	16
#define AES128_ROUNDS		10

/* An expanded key.  Holds key material: keep it in sodium_malloc memory. */
struct aes128 {
	/* Round keys as FIPS-197 bytes, for AES-NI (loaded unaligned). */
	uint8_t		rkb[(AES128_ROUNDS + 1) * AES128_BLOCK_BYTES];
	/* Round keys as big-endian words w[0..43], for the portable code. */
	uint32_t	rkw[4 * (AES128_ROUNDS + 1)];
	int		hw;		/* use AES-NI */
};

/* aes128_hw(): 1 if this CPU has AES-NI and this build can use it, else 0. */
int aes128_hw(void);

/*
 * aes128_init(a, key): expand ${key} into ${a} for both implementations;
 * ${a} uses AES-NI when aes128_hw() says so.
 */
void aes128_init(struct aes128 *, const uint8_t[AES128_KEY_BYTES]);

/*
 * aes128_force_portable(a, on): make ${a} use the portable code if ${on},
 * otherwise AES-NI when available.  For tests and benchmarks.
 */
void aes128_force_portable(struct aes128 *, int);

/* aes128_wipe(a): zero the round keys of ${a}. */
void aes128_wipe(struct aes128 *);

/* aes128_encrypt(a, out, in): encrypt one block ${in} into ${out}. */
void aes128_encrypt(const struct aes128 *, uint8_t[AES128_BLOCK_BYTES],
    const uint8_t[AES128_BLOCK_BYTES]);

/*
 * aes128_encrypt_blocks(a, out, in, n): encrypt ${n} consecutive blocks
 * (ECB) from ${in} to ${out}; the two may be the same buffer.  AES-NI
 * works on eight blocks at a time.
 */
void aes128_encrypt_blocks(const struct aes128 *, uint8_t *, const uint8_t *,
    size_t);

#endif
