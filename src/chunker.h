/*
 * chunker.h: content-defined chunking that resists fingerprinting.
 *
 * The cut decision at each candidate position is PRF(UHF(last 64 bytes)),
 * the "UHF-then-PRF" construction of Truong et al. (ACM CCS 2025; borg
 * calls it Chk-PHTE): a keyed universal hash of the window, then AES-128
 * on the 128-bit digest.  Cut points are a keyed function of the content,
 * so without the chunker key an observer of chunk sizes cannot compute
 * them for a candidate file, as it can for a Rabin or Gear chunker whose
 * cut points follow from public functions of the data.
 *
 * The cut points decide deduplication, so everything below is part of
 * the repository format: changing any of it changes every chunk.
 *
 * 1. Key schedule.  S = ChaCha20-IETF keystream of 4112 bytes under the
 *    32-byte chunker key, nonce = the 12 ASCII bytes "tacit-chunkr".
 *    T1[i] = le64(S[8i ..]), T2[i] = le64(S[2048 + 8i ..]) for
 *    i = 0..255, and the AES-128 key is S[4096..4111].
 *
 * 2. UHF.  Arithmetic in GF(2)[x] modulo P(x) = x^64 + x^4 + x^3 + x + 1
 *    (irreducible); a uint64 v stands for sum of x^i over its set bits i.
 *    For a window w[0..63] (w[63] the newest byte) lane L in {1, 2} gives
 *        h_L(w) = XOR_{j=0..63} T_L[w[j]] * x^(8 (63 - j))  mod P.
 *    It is computed by rolling: h <- h * x^8 + T_L[in] + U_L[out], with
 *    U_L[b] = T_L[b] * x^512 mod P, starting from h = 0 with no out term
 *    for the first 64 bytes.
 *
 * 3. PRF.  E = AES-128(le64(h1) || le64(h2)), v = le64(E[0..7]).
 *
 * 4. Cut points.  Parameters min, avg, max with 64 <= min < avg <= max
 *    and avg = 2^b.  For chunk lengths l = min, min + 1, ..., max the
 *    window is bytes [l - 64, l) of the chunk; the chunk ends at the first
 *    l with (v & mask) == 0, where mask has the low b + 2 bits set when
 *    l < avg and the low b - 2 bits set when l >= avg (FastCDC-style
 *    normalisation); if there is none it ends at max.  At the end of the
 *    input, the rest is one chunk if it is at most min bytes long, or if
 *    it is shorter than max and has no cut.
 *
 * The object returned by chunker_new holds the tables and AES key in
 * sodium_malloc memory.  Three implementations give the same cut points:
 * portable C, AES-NI on SSE2 vectors, and VAES on AVX2 vectors; the best
 * one the CPU has is chosen at run time.
 */
#ifndef TACIT_CHUNKER_H
#define TACIT_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKER_KEY_BYTES	32
#define CHUNKER_WINDOW_BYTES	64
#define CHUNKER_MIN_DEFAULT	(256u << 10)
#define CHUNKER_AVG_DEFAULT	(1u << 20)
#define CHUNKER_MAX_DEFAULT	(4u << 20)

struct chunker_params {
	uint32_t	min;
	uint32_t	avg;
	uint32_t	max;
};

struct chunker;

/* chunker_params_default(p): set ${p} to 256 KiB / 1 MiB / 4 MiB. */
void chunker_params_default(struct chunker_params *);

/*
 * chunker_params_check(p): 0 if 64 <= min < avg <= max and avg is a power
 * of two, else -1.
 */
int chunker_params_check(const struct chunker_params *)
    __attribute__((warn_unused_result));

/*
 * chunker_new(key, p): a chunker for ${key} with parameters ${p} (NULL
 * for the defaults), in sodium_malloc memory.  NULL if ${p} fails
 * chunker_params_check or memory runs out.
 */
struct chunker *chunker_new(const uint8_t[CHUNKER_KEY_BYTES],
    const struct chunker_params *) __attribute__((warn_unused_result));

/* chunker_free(c): wipe and release ${c}; NULL is a no-op. */
void chunker_free(struct chunker *);

/*
 * chunker_cut(c, p, n, final): the length of the first chunk of the ${n}
 * bytes at ${p}, which start at a chunk boundary.  Keeps no state between
 * calls: call it with at least max bytes, or with ${final} set once the
 * input has ended.  Returns 1..max; or 0 if n < max and !final (more
 * input needed; returns at once without scanning) or if n == 0.
 */
size_t chunker_cut(const struct chunker *, const uint8_t *, size_t, int)
    __attribute__((warn_unused_result));

/* Implementations of chunker_cut; all give the same cut points. */
#define CHUNKER_IMPL_PORTABLE	0	/* table-based AES, plain C */
#define CHUNKER_IMPL_AESNI	1	/* AES-NI on 128-bit SSE2 vectors */
#define CHUNKER_IMPL_VAES	2	/* VAES on 256-bit AVX2 vectors */

/* chunker_hw(): 1 if chunkers use AES-NI (unless forced portable), else 0. */
int chunker_hw(void);

/* chunker_impl(c): the CHUNKER_IMPL_* that ${c} uses. */
int chunker_impl(const struct chunker *);

/*
 * chunker_force_impl(c, impl): for tests and benchmarks.  Make ${c} use
 * the implementation ${impl} (a CHUNKER_IMPL_*), or the best this CPU
 * has if that is lower.  Returns the implementation now in use.
 */
int chunker_force_impl(struct chunker *, int);

/*
 * chunker_force_portable(c, on): make ${c} use the portable code if ${on},
 * else the best this CPU has.  For tests and benchmarks.
 */
void chunker_force_portable(struct chunker *, int);

/*
 * chunker_uhf(c, p, n, h1, h2): for tests.  Roll the UHF over the ${n} >= 64
 * bytes at ${p} as chunker_cut does and store the two lanes' digests of
 * the last 64 bytes in *${h1} and *${h2}.  Returns -1 if n < 64, else 0.
 */
int chunker_uhf(const struct chunker *, const uint8_t *, size_t, uint64_t *,
    uint64_t *) __attribute__((warn_unused_result));

#endif
