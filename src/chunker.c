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
 */
#include <string.h>

#include <sodium.h>

#include "aes128.h"
#include "chunker.h"

#if defined(__x86_64__) || defined(__i386__)
#define CHUNKER_X86
#include <emmintrin.h>
#include <wmmintrin.h>
#endif

#define CHUNKER_STREAM_BYTES	4112	/* T1, T2, AES key */
#define CHUNKER_BATCH		8	/* digests per AES batch */

struct chunker {
	/* Lanes side by side: one cache line gives both for a byte. */
	uint64_t		tin[256][2];	/* {T1[b], T2[b]} */
	uint64_t		tout[256][2];	/* {U1[b], U2[b]} */
	struct aes128		aes;
#ifdef CHUNKER_RTAB
	uint64_t		rt[256];
#endif
	uint64_t		mask_s;		/* lengths < avg */
	uint64_t		mask_l;		/* lengths >= avg */
	struct chunker_params	p;
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
 * further reduction.  It is computed with shifts rather than a 256-entry
 * table so that no memory address depends on the keyed digest.
 */
static inline uint64_t
mulx8(uint64_t h)
{
	uint64_t t = h >> 56;

	return h << 8 ^ t ^ t << 1 ^ t << 3 ^ t << 4;
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
	uint64_t u1, u2;
	int b, i;

	for (b = 0; b < 256; b++) {
		c->tin[b][0] = u1 = ld64le(s + 8 * b);
		c->tin[b][1] = u2 = ld64le(s + 2048 + 8 * b);
		for (i = 0; i < CHUNKER_WINDOW_BYTES; i++) {	/* x^512 */
			u1 = mulx8(u1);
			u2 = mulx8(u2);
		}
		c->tout[b][0] = u1;
		c->tout[b][1] = u2;
	}
	aes128_init(&c->aes, s + 4096);
#ifdef CHUNKER_RTAB
	for (b = 0; b < 256; b++) c->rt[b] = mulx8((uint64_t)b << 56);
#endif
}

struct chunker *
chunker_new(const uint8_t key[CHUNKER_KEY_BYTES],
    const struct chunker_params *p)
{
	struct chunker_params def;
	struct chunker *c = NULL;
	uint8_t s[CHUNKER_STREAM_BYTES];
	unsigned int b;

	if (p == NULL) {
		chunker_params_default(&def);
		p = &def;
	}
	if (chunker_params_check(p) != 0)
		return NULL;
	/* The tables and AES key are key material: never outside secure memory
	 * except for the stream, wiped below. */
	if ((c = sodium_malloc(sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->p = *p;
	b = (unsigned int)__builtin_ctz(p->avg);	/* 7 <= b <= 31 */
	c->mask_s = ((uint64_t)1 << (b + 2)) - 1;
	c->mask_l = ((uint64_t)1 << (b - 2)) - 1;
	crypto_stream_chacha20_ietf(s, sizeof(s), chunker_nonce, key);
	chunker_schedule(c, s);
	sodium_memzero(s, sizeof(s));
	return c;
}

void
chunker_free(struct chunker *c)
{
	if (c == NULL)
		return;
	sodium_free(c);			/* wipes */
}

int
chunker_hw(void)
{
	return aes128_hw();
}

void
chunker_force_portable(struct chunker *c, int on)
{
	aes128_force_portable(&c->aes, on);
}

/* The digest state: both lanes. */
struct uhf {
	uint64_t	h1;
	uint64_t	h2;
};

#ifdef CHUNKER_RTAB
#define MULX8(c, h)	((h) << 8 ^ (c)->rt[(h) >> 56])
#else
#define MULX8(c, h)	mulx8(h)
#endif

/*
 * One roll step: byte ${p}[0] enters; the byte 64 before it, ${p}[-64],
 * leaves.  Only the caller knows whether p - 64 lies inside the chunk.
 */
#define UHF_ROLL(c, h1, h2, p) do {					\
	const uint64_t *ti_ = (c)->tin[(p)[0]];				\
	const uint64_t *to_ = (c)->tout[(p)[-CHUNKER_WINDOW_BYTES]];	\
	(h1) = MULX8(c, h1) ^ ti_[0] ^ to_[0];				\
	(h2) = MULX8(c, h2) ^ ti_[1] ^ to_[1];				\
} while (0)

/* Set ${u} to the digest of the window ${p}[0..64), from zero. */
static void
uhf_window(const struct chunker *c, struct uhf *u, const uint8_t *p)
{
	uint64_t h1 = 0, h2 = 0;
	int i;

	for (i = 0; i < CHUNKER_WINDOW_BYTES; i++) {
		h1 = MULX8(c, h1) ^ c->tin[p[i]][0];
		h2 = MULX8(c, h2) ^ c->tin[p[i]][1];
	}
	u->h1 = h1;
	u->h2 = h2;
}

#ifdef CHUNKER_X86
#define CHUNKER_TARGET	__attribute__((target("aes,sse2")))

/*
 * The AES-NI scan follows two chains of lengths at once, A over
 * [l, l + SEG) and B over [l + SEG, l + 2 SEG): each roll step depends on
 * the one before, and one chain alone cannot keep up with the AES unit.
 * B starts from a fresh window digest; the next round's A continues from
 * B's state.  Work past a cut is wasted, at most SEG lengths per chunk.
 */
#define CHUNKER_SEG	2048

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
rk(const struct chunker *c, int r)
{
	return _mm_loadu_si128((const __m128i *)(const void *)
	    (c->aes.rkb + 16 * r));
}

/* Roll chain ${h1}, ${h2} at ${p}; the AES input block plus round key 0. */
#define HW_DIGEST(b, h1, h2, p) do {					\
	UHF_ROLL(c, h1, h2, p);						\
	(b) = _mm_xor_si128(_mm_set_epi64x((long long)(h2),		\
	    (long long)(h1)), k0);					\
} while (0)

#define HW_ROUND8(f, k) do {						\
	b0 = f(b0, k); b1 = f(b1, k); b2 = f(b2, k); b3 = f(b3, k);	\
	b4 = f(b4, k); b5 = f(b5, k); b6 = f(b6, k); b7 = f(b7, k);	\
} while (0)

/* A hit at length ${l} (the block ${b}) for chain A: it is the cut. */
#define HW_CHECK_A(b, l) do {						\
	if ((lo64(b) & mask) == 0)					\
		return (l);						\
} while (0)

/* A hit for chain B counts only if chain A has none: note the first. */
#define HW_CHECK_B(b, l) do {						\
	if ((lo64(b) & mask) == 0 && hitb == 0)				\
		hitb = (l);						\
} while (0)

/*
 * One round: lengths [l, l + 2 SEG), all of them <= to.  ${u} is the
 * state before l; on return without a cut it is the state before
 * l + 2 SEG.  Returns the cut length or 0.
 */
static size_t CHUNKER_TARGET
scan_hw_round(const struct chunker *c, const uint8_t *chunk, size_t l,
    uint64_t mask, struct uhf *u)
{
	__m128i b0, b1, b2, b3, b4, b5, b6, b7, k0 = rk(c, 0);
	const uint8_t *pa = chunk + l - 1, *pb = pa + CHUNKER_SEG;
	struct uhf ub;
	uint64_t a1 = u->h1, a2 = u->h2, b1_, b2_;
	size_t i, hitb = 0;
	int r;

	uhf_window(c, &ub, pb - CHUNKER_WINDOW_BYTES);
	b1_ = ub.h1;
	b2_ = ub.h2;
	for (i = 0; i < CHUNKER_SEG; i += 4) {
		HW_DIGEST(b0, a1, a2, pa + i);
		HW_DIGEST(b4, b1_, b2_, pb + i);
		HW_DIGEST(b1, a1, a2, pa + i + 1);
		HW_DIGEST(b5, b1_, b2_, pb + i + 1);
		HW_DIGEST(b2, a1, a2, pa + i + 2);
		HW_DIGEST(b6, b1_, b2_, pb + i + 2);
		HW_DIGEST(b3, a1, a2, pa + i + 3);
		HW_DIGEST(b7, b1_, b2_, pb + i + 3);
		for (r = 1; r < AES128_ROUNDS; r++)
			HW_ROUND8(_mm_aesenc_si128, rk(c, r));
		HW_ROUND8(_mm_aesenclast_si128, rk(c, AES128_ROUNDS));
		HW_CHECK_A(b0, l + i);
		HW_CHECK_A(b1, l + i + 1);
		HW_CHECK_A(b2, l + i + 2);
		HW_CHECK_A(b3, l + i + 3);
		HW_CHECK_B(b4, l + CHUNKER_SEG + i);
		HW_CHECK_B(b5, l + CHUNKER_SEG + i + 1);
		HW_CHECK_B(b6, l + CHUNKER_SEG + i + 2);
		HW_CHECK_B(b7, l + CHUNKER_SEG + i + 3);
	}
	u->h1 = b1_;
	u->h2 = b2_;
	return hitb;
}

/*
 * scan() for AES-NI, whole rounds only.  Advances *${lp} past the lengths
 * it checked without a cut; returns the cut length or 0.
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
#endif /* CHUNKER_X86 */

/*
 * Scan chunk lengths l = ${from} .. ${to} (from > min, so each step rolls a
 * full window), with ${u} the state before ${from}: return the first l
 * whose PRF output has no bit of ${mask} set, or 0 and the state after
 * ${to} in ${u}.  ${blk} is the caller's scratch for a batch of blocks.
 */
static size_t
scan(const struct chunker *c, const uint8_t *chunk, size_t from, size_t to,
    uint64_t mask, struct uhf *u, uint8_t blk[CHUNKER_BATCH][16])
{
	const uint8_t *p;
	uint64_t h1, h2;
	size_t l = from, j, nb;

#ifdef CHUNKER_X86
	if (c->aes.hw && (j = scan_hw(c, chunk, &l, to, mask, u)) != 0)
		return j;
#endif
	h1 = u->h1;
	h2 = u->h2;
	for (; l <= to; l += nb) {
		nb = to - l + 1 < CHUNKER_BATCH ? to - l + 1 : CHUNKER_BATCH;
		p = chunk + l - 1;		/* the byte that enters at l */
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
	if ((ld64le(blk[0]) & (min < avg ? c->mask_s : c->mask_l)) == 0) {
		l = min;
		goto out;
	}
	/* Then the small mask below avg and the large one from avg > min. */
	if (min + 1 < avg &&
	    (l = scan(c, p, min + 1, (avg - 1 < lim ? avg - 1 : lim),
	    c->mask_s, &u, blk)) != 0)
		goto out;
	if (avg <= lim &&
	    (l = scan(c, p, avg, lim, c->mask_l, &u, blk)) != 0)
		goto out;
	l = lim;
out:
	/* The digests and PRF outputs are keyed values: do not leave them. */
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
