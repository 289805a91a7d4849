/*
 * chunker.c: UHF-then-PRF content-defined chunking (see chunker.h for the
 * exact definition, which is part of the repository format).
 *
 * Why the UHF is 2^-64-almost-universal per lane: for windows w != w',
 * h(w) + h(w') = sum over byte values b of T[b] * c_b(x^8), where each
 * c_b is a polynomial over GF(2) of degree < 64 and some c_b is nonzero.
 * x^8 is a Frobenius conjugate of x (x^8 = x^(2^3)), so its minimal
 * polynomial is P, of degree 64, and no nonzero polynomial in x^8 of
 * degree < 64 vanishes mod P.  Hence c_b(x^8) != 0, and as T[b] is uniform
 * the difference is zero with probability 2^-64.  The two lanes use
 * independent tables, so two windows collide in the 128-bit digest with
 * probability 2^-128, and AES-128 turns distinct digests into
 * unpredictable cut decisions.
 *
 * No memory address depends on the key: table indices are data bytes, the
 * reduction mod P is computed with shifts, and (on the AES-NI path) AES
 * runs in hardware.  The portable AES code is the exception; see aes128.h.
 */
#include <string.h>

#include <sodium.h>

#include "aes128.h"
#include "chunker.h"

#if defined(__x86_64__) || defined(__i386__)
#define CHUNKER_X86
#include <cpuid.h>
#include <immintrin.h>
#endif

#define CHUNKER_STREAM_BYTES	4112	/* T1, T2, AES key */
#define CHUNKER_BATCH		8	/* digests per AES batch */

struct chunker {
	/* Lanes side by side: one 16-byte load gives both for a byte. */
	uint64_t		tin[256][2];	/* {T1[b], T2[b]} */
	uint64_t		tout[256][2];	/* {U1[b], U2[b]} */
	uint64_t		tinw[256][2];	/* tin ^ W (see below) */
	struct aes128		aes;
	uint64_t		mask_s;		/* lengths < avg */
	uint64_t		mask_l;		/* lengths >= avg */
	struct chunker_params	p;
	int			impl;		/* CHUNKER_IMPL_* */
};

/* The digest state: both lanes. */
struct uhf {
	uint64_t	h1;
	uint64_t	h2;
};

static const uint8_t chunker_nonce[12] = {
	't', 'a', 'c', 'i', 't', '-', 'c', 'h', 'u', 'n', 'k', 'r'
};

static inline uint64_t
ld64le(const uint8_t *p)
{
	uint64_t v;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, sizeof(v));
#else
	int i;

	for (v = 0, i = 7; i >= 0; i--)
		v = v << 8 | p[i];
#endif
	return v;
}

static inline void
st64le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, sizeof(v));
#else
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
#endif
}

/*
 * h * x^8 mod P.  The byte t shifted out is worth t * x^64 = t * (x^4 +
 * x^3 + x + 1) mod P, a carry-less product of degree < 12 that needs no
 * further reduction; x^4 + x^3 + x + 1 = (x + 1)(x^3 + 1), so two
 * shift-and-adds make it.  Shifts rather than a 256-entry table, so that
 * no address depends on the keyed digest.
 */
static inline uint64_t
mulx8(uint64_t h)
{
	uint64_t t = h >> 56;

	t ^= t << 1;
	t ^= t << 3;
	return h << 8 ^ t;
}

void
chunker_params_default(struct chunker_params *p)
{
	p->min = CHUNKER_MIN_DEFAULT;
	p->avg = CHUNKER_AVG_DEFAULT;
	p->max = CHUNKER_MAX_DEFAULT;
}

int
chunker_params_check(const struct chunker_params *p)
{
	if (p->min < CHUNKER_WINDOW_BYTES || p->min >= p->avg ||
	    p->avg > p->max || (p->avg & (p->avg - 1)) != 0)
		return -1;
	return 0;
}

/* Fill the tables and AES key of ${c} from the keystream ${s}. */
static void
chunker_schedule(struct chunker *c, const uint8_t s[CHUNKER_STREAM_BYTES])
{
	uint64_t u, w[2];
	int b, i, lane;

	for (lane = 0; lane < 2; lane++) {
		for (b = 0; b < 256; b++) {
			u = ld64le(s + 2048 * lane + 8 * b);
			c->tin[b][lane] = u;
			for (i = 0; i < CHUNKER_WINDOW_BYTES; i++)
				u = mulx8(u);		/* x^512 in all */
			c->tout[b][lane] = u;
		}
		/* AES round key 0 (the AES key) as the lane's le64. */
		w[lane] = ld64le(s + 4096 + 8 * lane);
		w[lane] ^= mulx8(w[lane]);
		for (b = 0; b < 256; b++)
			c->tinw[b][lane] = c->tin[b][lane] ^ w[lane];
	}
	aes128_init(&c->aes, s + 4096);
	sodium_memzero(w, sizeof(w));
}

struct chunker *
chunker_new(const uint8_t key[CHUNKER_KEY_BYTES],
    const struct chunker_params *p)
{
	struct chunker_params def;
	struct chunker *c;
	uint8_t s[CHUNKER_STREAM_BYTES];
	size_t sz = (sizeof(*c) + 63) & ~(size_t)63;
	unsigned int b;

	if (p == NULL) {
		chunker_params_default(&def);
		p = &def;
	}
	if (chunker_params_check(p) != 0)
		return NULL;
	/*
	 * Tables and AES key are key material: secure memory only.
	 * sodium_malloc puts the end of the block at the end of a page, so
	 * a multiple of 64 bytes aligns the tables to cache lines.
	 */
	if ((c = sodium_malloc(sz)) == NULL)
		return NULL;
	memset(c, 0, sz);
	c->p = *p;
	b = (unsigned int)__builtin_ctz(p->avg);	/* 7 <= b <= 31 */
	c->mask_s = ((uint64_t)1 << (b + 2)) - 1;
	c->mask_l = ((uint64_t)1 << (b - 2)) - 1;
	if (crypto_stream_chacha20_ietf(s, sizeof(s), chunker_nonce, key) !=
	    0) {
		sodium_free(c);
		c = NULL;
		goto out;
	}
	chunker_schedule(c, s);
	(void)chunker_force_impl(c, CHUNKER_IMPL_VAES);
out:
	sodium_memzero(s, sizeof(s));	/* the whole key schedule */
	return c;
}

void
chunker_free(struct chunker *c)
{
	if (c == NULL)
		return;
	sodium_free(c);			/* wipes */
}

#ifdef CHUNKER_X86
/* VAES from CPUID leaf 7 (ECX bit 9): clang 14 has no "vaes" builtin name. */
static int
cpu_vaes(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (c >> 9) & 1;
}
#endif

/* The fastest implementation this CPU can run. */
static int
impl_best(void)
{
	if (!aes128_hw())
		return CHUNKER_IMPL_PORTABLE;
#ifdef CHUNKER_X86
	if (__builtin_cpu_supports("avx2") && cpu_vaes())
		return CHUNKER_IMPL_VAES;
#endif
	return CHUNKER_IMPL_AESNI;
}

int
chunker_hw(void)
{
	return impl_best() != CHUNKER_IMPL_PORTABLE;
}

int
chunker_impl(const struct chunker *c)
{
	return c->impl;
}

int
chunker_force_impl(struct chunker *c, int impl)
{
	int best = impl_best();

	c->impl = impl < CHUNKER_IMPL_PORTABLE ? CHUNKER_IMPL_PORTABLE :
	    impl > best ? best : impl;
	aes128_force_portable(&c->aes, c->impl == CHUNKER_IMPL_PORTABLE);
	return c->impl;
}

void
chunker_force_portable(struct chunker *c, int on)
{
	(void)chunker_force_impl(c, on ? CHUNKER_IMPL_PORTABLE :
	    CHUNKER_IMPL_VAES);
}

/*
 * One roll step: byte ${p}[0] enters and ${p}[-64] leaves.  The caller
 * makes sure that p - 64 lies inside the chunk.
 */
#define UHF_ROLL(c, h1, h2, p) do {					\
	const uint64_t *ti_ = (c)->tin[(p)[0]];				\
	const uint64_t *to_ = (c)->tout[(p)[-CHUNKER_WINDOW_BYTES]];	\
	(h1) = mulx8(h1) ^ ti_[0] ^ to_[0];				\
	(h2) = mulx8(h2) ^ ti_[1] ^ to_[1];				\
} while (0)

/* Set ${u} to the digest of the window ${p}[0..64), from zero. */
static inline void
uhf_window(const struct chunker *c, struct uhf *u, const uint8_t *p)
{
	uint64_t h1 = 0, h2 = 0;
	int i;

	for (i = 0; i < CHUNKER_WINDOW_BYTES; i++) {
		h1 = mulx8(h1) ^ c->tin[p[i]][0];
		h2 = mulx8(h2) ^ c->tin[p[i]][1];
	}
	u->h1 = h1;
	u->h2 = h2;
}

#ifdef CHUNKER_X86
#define CHUNKER_TARGET	__attribute__((target("aes,sse2")))

/*
 * The AES-NI scan follows two chains of lengths at once, A over
 * [l, l + SEG) and B over [l + SEG, l + 2 SEG): each roll step depends on
 * the one before, and one chain alone cannot keep the AES unit busy.  B
 * starts from a fresh window digest; the next round's A continues from
 * B's state.  Work past a cut is wasted: at most 2 SEG lengths a chunk.
 */
#define CHUNKER_SEG	2048

static inline __m128i CHUNKER_TARGET
ld128(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* The low 64 bits of ${v}, i.e. le64 of its first eight bytes. */
static inline uint64_t CHUNKER_TARGET
lo64(__m128i v)
{
#ifdef __x86_64__
	return (uint64_t)_mm_cvtsi128_si64(v);
#else
	uint8_t b[8];

	_mm_storel_epi64((__m128i *)(void *)b, v);
	return ld64le(b);
#endif
}

static inline __m128i CHUNKER_TARGET
uhf_get(const struct uhf *u)
{
	return _mm_set_epi64x((long long)u->h2, (long long)u->h1);
}

static inline void CHUNKER_TARGET
uhf_put(struct uhf *u, __m128i v)
{
	u->h1 = lo64(v);
	u->h2 = lo64(_mm_unpackhi_epi64(v, v));
}

/*
 * One roll step of both lanes at once in ${g}, with tinw for tin: see
 * scan_hw_round.  The vector form of UHF_ROLL and mulx8.
 */
#define HW_ROLL(g, p) do {						\
	__m128i t_ = _mm_srli_epi64((g), 56);				\
	__m128i x_ = _mm_xor_si128(ld128(c->tinw[(p)[0]]),		\
	    ld128(c->tout[(p)[-CHUNKER_WINDOW_BYTES]]));		\
	t_ = _mm_xor_si128(t_, _mm_slli_epi64(t_, 1));			\
	t_ = _mm_xor_si128(t_, _mm_slli_epi64(t_, 3));			\
	(g) = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi64((g), 8), x_),	\
	    t_);							\
} while (0)

#define HW_ROUND8(f, k) do {						\
	b0 = f(b0, k); b1 = f(b1, k); b2 = f(b2, k); b3 = f(b3, k);	\
	b4 = f(b4, k); b5 = f(b5, k); b6 = f(b6, k); b7 = f(b7, k);	\
} while (0)

/* Chain A: a hit at length ${l} is the cut, so return it. */
#define HW_CHECK_A(b, l) do {						\
	if ((lo64(b) & mask) == 0)					\
		return (l);						\
} while (0)

/* Chain B: a hit counts only if chain A has none, so note the first. */
#define HW_CHECK_B(b, l) do {						\
	if ((lo64(b) & mask) == 0 && hitb == 0)				\
		hitb = (l);						\
} while (0)

/*
 * One round over lengths [l, l + 2 SEG), all <= the end of the scan; ${u}
 * is the state before l, and after l + 2 SEG - 1 on return without a cut.
 * Returns the cut length or 0.
 *
 * The chains hold g = h ^ K0, the digest plus AES round key 0, so that a
 * chain value is the AES state after the first AddRoundKey.  As h -> h x^8
 * is linear, g' = g x^8 + T[in] + U[out] + W with W = K0 x^8 + K0 per
 * lane, and tinw = tin ^ W folds W into the table.
 */
static size_t CHUNKER_TARGET
scan_hw_round(const struct chunker *c, const uint8_t *chunk, size_t l,
    uint64_t mask, struct uhf *u)
{
	__m128i b0, b1, b2, b3, b4, b5, b6, b7, k, ga, gb;
	const uint8_t *pa = chunk + l - 1, *pb = pa + CHUNKER_SEG;
	struct uhf ub;
	size_t i, hitb = 0;
	int r;

	k = ld128(c->aes.rkb);
	uhf_window(c, &ub, pb - CHUNKER_WINDOW_BYTES);
	ga = _mm_xor_si128(uhf_get(u), k);
	gb = _mm_xor_si128(uhf_get(&ub), k);
	for (i = 0; i < CHUNKER_SEG; i += 4) {
		HW_ROLL(ga, pa + i);
		b0 = ga;
		HW_ROLL(gb, pb + i);
		b4 = gb;
		HW_ROLL(ga, pa + i + 1);
		b1 = ga;
		HW_ROLL(gb, pb + i + 1);
		b5 = gb;
		HW_ROLL(ga, pa + i + 2);
		b2 = ga;
		HW_ROLL(gb, pb + i + 2);
		b6 = gb;
		HW_ROLL(ga, pa + i + 3);
		b3 = ga;
		HW_ROLL(gb, pb + i + 3);
		b7 = gb;
		for (r = 1; r < AES128_ROUNDS; r++) {
			k = ld128(c->aes.rkb + 16 * r);
			HW_ROUND8(_mm_aesenc_si128, k);
		}
		k = ld128(c->aes.rkb + 16 * AES128_ROUNDS);
		HW_ROUND8(_mm_aesenclast_si128, k);
		HW_CHECK_A(b0, l + i);
		HW_CHECK_A(b1, l + i + 1);
		HW_CHECK_A(b2, l + i + 2);
		HW_CHECK_A(b3, l + i + 3);
		HW_CHECK_B(b4, l + CHUNKER_SEG + i);
		HW_CHECK_B(b5, l + CHUNKER_SEG + i + 1);
		HW_CHECK_B(b6, l + CHUNKER_SEG + i + 2);
		HW_CHECK_B(b7, l + CHUNKER_SEG + i + 3);
	}
	uhf_put(u, _mm_xor_si128(gb, ld128(c->aes.rkb)));
	return hitb;
}

/*
 * scan() for AES-NI, whole rounds only: advance *${lp} past the lengths
 * checked without a cut.  Returns the cut length or 0.
 */
static size_t
scan_hw(const struct chunker *c, const uint8_t *chunk, size_t *lp, size_t to,
    uint64_t mask, struct uhf *u)
{
	size_t l, r;

	for (l = *lp; l <= to && to - l + 1 >= 2 * CHUNKER_SEG;
	    l += 2 * CHUNKER_SEG)
		if ((r = scan_hw_round(c, chunk, l, mask, u)) != 0)
			return r;
	*lp = l;
	return 0;
}

/*
 * The VAES path: the same computation on 256-bit vectors, which hold two
 * AES blocks, for CPUs with VAES and AVX2.  Four chains in two vectors,
 * G1 = {A, B} and G2 = {C, D}, over [l + i SEG, l + (i + 1) SEG) for A..D.
 */
#define CHUNKER_VTARGET	__attribute__((target("avx2,vaes,aes")))

/* A vector of the 16 bytes at ${lo} and the 16 at ${hi}. */
static inline __m256i CHUNKER_VTARGET
ld2(const void *lo, const void *hi)
{
	return _mm256_inserti128_si256(_mm256_castsi128_si256(
	    _mm_loadu_si128((const __m128i *)lo)),
	    _mm_loadu_si128((const __m128i *)hi), 1);
}

/* HW_ROLL on a vector of two chains, at ${p} (low) and ${q} (high). */
#define V_ROLL(g, p, q) do {						\
	__m256i t_ = _mm256_srli_epi64((g), 56);			\
	__m256i x_ = _mm256_xor_si256(					\
	    ld2(c->tinw[(p)[0]], c->tinw[(q)[0]]),			\
	    ld2(c->tout[(p)[-CHUNKER_WINDOW_BYTES]],			\
	    c->tout[(q)[-CHUNKER_WINDOW_BYTES]]));			\
	t_ = _mm256_xor_si256(t_, _mm256_slli_epi64(t_, 1));		\
	t_ = _mm256_xor_si256(t_, _mm256_slli_epi64(t_, 3));		\
	(g) = _mm256_xor_si256(_mm256_xor_si256(			\
	    _mm256_slli_epi64((g), 8), x_), t_);			\
} while (0)

#define V_ROUND8(f, k) do {						\
	v0 = f(v0, k); v1 = f(v1, k); v2 = f(v2, k); v3 = f(v3, k);	\
	v4 = f(v4, k); v5 = f(v5, k); v6 = f(v6, k); v7 = f(v7, k);	\
} while (0)

/*
 * Chain A's block in the low half of ${v}: a hit is the cut, so return
 * it.  Chain ${x}'s in the high half: note its first hit in ${hx}.
 */
#define V_CHECK(v, i, hx, x) do {					\
	if ((lo64(_mm256_castsi256_si128(v)) & mask) == 0)		\
		return (l + (i));					\
	if ((lo64(_mm256_extracti128_si256((v), 1)) & mask) == 0 &&	\
	    (hx) == 0)							\
		(hx) = l + (x) * CHUNKER_SEG + (i);			\
} while (0)

/* For chains C and D, which only note their first hit. */
#define V_CHECK2(v, i) do {						\
	if ((lo64(_mm256_castsi256_si128(v)) & mask) == 0 && hitc == 0)	\
		hitc = l + 2 * CHUNKER_SEG + (i);			\
	if ((lo64(_mm256_extracti128_si256((v), 1)) & mask) == 0 &&	\
	    hitd == 0)							\
		hitd = l + 3 * CHUNKER_SEG + (i);			\
} while (0)

/*
 * Digests of the windows ending before ${p}, ${q} (low, high) and ${r},
 * ${s}, whitened with round key 0 ${k}, into *${g1} and *${g2}.
 */
static inline void CHUNKER_VTARGET
v_window(const struct chunker *c, const uint8_t *p, const uint8_t *q,
    const uint8_t *r, const uint8_t *s, __m256i k, __m256i *g1, __m256i *g2)
{
	__m256i a = _mm256_setzero_si256(), b = a, t;
	int i;

	for (i = -CHUNKER_WINDOW_BYTES; i < 0; i++) {
		t = _mm256_srli_epi64(a, 56);
		t = _mm256_xor_si256(t, _mm256_slli_epi64(t, 1));
		t = _mm256_xor_si256(t, _mm256_slli_epi64(t, 3));
		a = _mm256_xor_si256(_mm256_xor_si256(_mm256_slli_epi64(a, 8),
		    ld2(c->tin[p[i]], c->tin[q[i]])), t);
		t = _mm256_srli_epi64(b, 56);
		t = _mm256_xor_si256(t, _mm256_slli_epi64(t, 1));
		t = _mm256_xor_si256(t, _mm256_slli_epi64(t, 3));
		b = _mm256_xor_si256(_mm256_xor_si256(_mm256_slli_epi64(b, 8),
		    ld2(c->tin[r[i]], c->tin[s[i]])), t);
	}
	*g1 = _mm256_xor_si256(a, k);
	*g2 = _mm256_xor_si256(b, k);
}

/*
 * One round over lengths [l, l + 4 SEG), as scan_hw_round.  Four roll
 * steps of two vectors make a batch of eight vectors, sixteen blocks.
 */
static size_t CHUNKER_VTARGET
scan_vaes_round(const struct chunker *c, const uint8_t *chunk, size_t l,
    uint64_t mask, struct uhf *u)
{
	__m256i v0, v1, v2, v3, v4, v5, v6, v7, g1, g2, k[AES128_ROUNDS + 1];
	const uint8_t *pa = chunk + l - 1, *pb = pa + CHUNKER_SEG;
	const uint8_t *pc = pb + CHUNKER_SEG, *pd = pc + CHUNKER_SEG;
	size_t i, hitb = 0, hitc = 0, hitd = 0;
	int r;

	for (r = 0; r <= AES128_ROUNDS; r++)
		k[r] = _mm256_broadcastsi128_si256(ld128(c->aes.rkb + 16 * r));
	/* B's window twice, then A's state replaces the low copy. */
	v_window(c, pb, pb, pc, pd, k[0], &g1, &g2);
	g1 = _mm256_inserti128_si256(g1, _mm_xor_si128(uhf_get(u),
	    _mm256_castsi256_si128(k[0])), 0);
	for (i = 0; i < CHUNKER_SEG; i += 4) {
		V_ROLL(g1, pa + i, pb + i);
		v0 = g1;
		V_ROLL(g2, pc + i, pd + i);
		v4 = g2;
		V_ROLL(g1, pa + i + 1, pb + i + 1);
		v1 = g1;
		V_ROLL(g2, pc + i + 1, pd + i + 1);
		v5 = g2;
		V_ROLL(g1, pa + i + 2, pb + i + 2);
		v2 = g1;
		V_ROLL(g2, pc + i + 2, pd + i + 2);
		v6 = g2;
		V_ROLL(g1, pa + i + 3, pb + i + 3);
		v3 = g1;
		V_ROLL(g2, pc + i + 3, pd + i + 3);
		v7 = g2;
		for (r = 1; r < AES128_ROUNDS; r++)
			V_ROUND8(_mm256_aesenc_epi128, k[r]);
		V_ROUND8(_mm256_aesenclast_epi128, k[AES128_ROUNDS]);
		V_CHECK(v0, i, hitb, 1);
		V_CHECK(v1, i + 1, hitb, 1);
		V_CHECK(v2, i + 2, hitb, 1);
		V_CHECK(v3, i + 3, hitb, 1);
		V_CHECK2(v4, i);
		V_CHECK2(v5, i + 1);
		V_CHECK2(v6, i + 2);
		V_CHECK2(v7, i + 3);
	}
	uhf_put(u, _mm_xor_si128(_mm256_extracti128_si256(g2, 1),
	    _mm256_castsi256_si128(k[0])));
	sodium_memzero(k, sizeof(k));
	return hitb != 0 ? hitb : hitc != 0 ? hitc : hitd;
}

/* scan_hw for the VAES path, whole rounds of 4 SEG only. */
static size_t
scan_vaes(const struct chunker *c, const uint8_t *chunk, size_t *lp,
    size_t to, uint64_t mask, struct uhf *u)
{
	size_t l, r;

	for (l = *lp; l <= to && to - l + 1 >= 4 * CHUNKER_SEG;
	    l += 4 * CHUNKER_SEG)
		if ((r = scan_vaes_round(c, chunk, l, mask, u)) != 0)
			return r;
	*lp = l;
	return 0;
}
#endif /* CHUNKER_X86 */

/*
 * Scan chunk lengths ${from} .. ${to} (from > min, so each step rolls a
 * full window), ${u} being the state before ${from}: return the first
 * length whose PRF output has no bit of ${mask} set; or 0, with the state
 * after ${to} in ${u}.  ${blk} is scratch for a batch of AES blocks.
 */
static size_t
scan(const struct chunker *c, const uint8_t *chunk, size_t from, size_t to,
    uint64_t mask, struct uhf *u, uint8_t blk[CHUNKER_BATCH][16])
{
	const uint8_t *p;
	uint64_t h1, h2;
	size_t l = from, j, nb;

#ifdef CHUNKER_X86
	if (c->impl == CHUNKER_IMPL_VAES &&
	    (j = scan_vaes(c, chunk, &l, to, mask, u)) != 0)
		return j;
	if (c->impl >= CHUNKER_IMPL_AESNI &&
	    (j = scan_hw(c, chunk, &l, to, mask, u)) != 0)
		return j;
#endif
	h1 = u->h1;
	h2 = u->h2;
	for (; l <= to; l += nb) {
		nb = to - l + 1 < CHUNKER_BATCH ? to - l + 1 : CHUNKER_BATCH;
		p = chunk + l - 1;	/* the byte that enters at l */
		for (j = 0; j < nb; j++) {
			UHF_ROLL(c, h1, h2, p + j);
			st64le(blk[j], h1);
			st64le(blk[j] + 8, h2);
		}
		aes128_encrypt_blocks(&c->aes, blk[0], blk[0], nb);
		for (j = 0; j < nb; j++)
			if ((ld64le(blk[j]) & mask) == 0)
				return l + j;
	}
	u->h1 = h1;
	u->h2 = h2;
	return 0;
}

size_t
chunker_cut(const struct chunker *c, const uint8_t *p, size_t n, int final)
{
	uint8_t blk[CHUNKER_BATCH][16];
	struct uhf u;
	size_t min = c->p.min, avg = c->p.avg, lim, l;

	if (n < c->p.max && !final)
		return 0;
	if (n <= min)
		return n;
	lim = n < c->p.max ? n : c->p.max;

	/* Length min: the first window, bytes [min - 64, min). */
	uhf_window(c, &u, p + min - CHUNKER_WINDOW_BYTES);
	st64le(blk[0], u.h1);
	st64le(blk[0] + 8, u.h2);
	aes128_encrypt(&c->aes, blk[0], blk[0]);
	if ((ld64le(blk[0]) & c->mask_s) == 0) {		/* min < avg */
		l = min;
		goto out;
	}
	/* Then lengths below avg with the small mask, and the rest. */
	if (min + 1 < avg && (l = scan(c, p, min + 1,
	    avg - 1 < lim ? avg - 1 : lim, c->mask_s, &u, blk)) != 0)
		goto out;
	if (avg <= lim && (l = scan(c, p, avg, lim, c->mask_l, &u, blk)) != 0)
		goto out;
	l = lim;
out:
	/* Digests and PRF outputs are keyed values: do not leave them. */
	sodium_memzero(blk, sizeof(blk));
	sodium_memzero(&u, sizeof(u));
	return l;
}

int
chunker_uhf(const struct chunker *c, const uint8_t *p, size_t n,
    uint64_t *h1, uint64_t *h2)
{
	struct uhf u;
	size_t i;

	if (n < CHUNKER_WINDOW_BYTES)
		return -1;
	uhf_window(c, &u, p);
	for (i = CHUNKER_WINDOW_BYTES; i < n; i++)
		UHF_ROLL(c, u.h1, u.h2, p + i);
	*h1 = u.h1;
	*h2 = u.h2;
	return 0;
}
