/*
 * khreq.h: the test key set of the keyholder's fuzz target, shared by
 * khreq_fuzz.c and seedgen.c so that seeds carry objects sealed under the
 * very key the target holds.  Test code only: randomness here is a
 * ChaCha20 stream from a fixed seed, installed before sodium_init, so every
 * run makes the same master key (and the same nonces after each reset).
 */
#ifndef TACIT_FUZZ_KHREQ_H
#define TACIT_FUZZ_KHREQ_H

#include <string.h>

#include <sodium.h>

#include "kh.h"
#include "keyslot.h"

static uint64_t khreq_ctr;

static void
khreq_buf(void *p, size_t n)
{
	static const uint8_t seed[crypto_stream_chacha20_KEYBYTES] = { 7 };
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
	size_t i;

	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(khreq_ctr >> (8 * i));
	khreq_ctr++;
	memset(p, 0, n);
	(void)crypto_stream_chacha20(p, n, nonce, seed);
}

static uint32_t
khreq_random(void)
{
	uint32_t v;

	khreq_buf(&v, sizeof(v));
	return v;
}

static const char *
khreq_name(void)
{
	return "khreq-fixed";
}

static randombytes_implementation khreq_rng = {
	.implementation_name = khreq_name,
	.random = khreq_random,
	.buf = khreq_buf,
};

/* Before sodium_init: every random byte from the fixed stream. */
static int
khreq_rng_install(void)
{
	return randombytes_set_implementation(&khreq_rng);
}

static void
khreq_rng_reset(void)
{
	khreq_ctr = 0;
}

static const uint8_t khreq_rid[ENV_REPOID_BYTES] = { 'f', 'u', 'z', 'z' };
static const char khreq_pw[] = "khreq test passphrase";
/* The cheapest Argon2id kdf_params_check allows: unlocks cost little. */
static const struct kdf_params khreq_kdf = { .t_cost = 1, .m_kib = 8,
    .lanes = 1 };

/* The test master key, the same in every process that calls this. */
static struct kh *
khreq_key(void)
{
	struct kh *kh;

	khreq_rng_reset();
	if ((kh = kh_new(khreq_rid)) == NULL || kh_generate(kh) != 0)
		return NULL;
	return kh;
}

/* A passphrase slot for the test key: its id and bytes; 0 or -1. */
static int
khreq_slot(struct kh *kh, uint8_t id[SLOT_ID_BYTES], uint8_t *slot,
    size_t cap, size_t *len)
{
	return kh_slot_new_pw(kh, (const uint8_t *)khreq_pw,
	    sizeof(khreq_pw) - 1, &khreq_kdf, SLOT_KIND_PASSPHRASE, id, slot,
	    cap, len) == KH_OK ? 0 : -1;
}

#endif
