/*
 * aes128.c: AES-128 encryption, portable and AES-NI.
 *
 * The portable code follows FIPS-197 section 5.1 with the usual merge of
 * SubBytes, ShiftRows and MixColumns into table lookups: aes_t[r][a] is
 * S(a) times row r of the MixColumns matrix, as a big-endian column word.
 * The S-box below is the table of FIPS-197 figure 7 (S(a) = the affine
 * map of a^-1 in GF(2^8) mod x^8 + x^4 + x^3 + x + 1); the compiler builds
 * aes_t from it.  Checked by the known-answer tests in
 * tests/unit/test_chunker.c and against the AES-NI instructions.
 */
#include <string.h>

#include <sodium.h>

#include "aes128.h"

#if defined(__x86_64__) || defined(__i386__)
#define AES128_X86
#include <emmintrin.h>
#include <wmmintrin.h>
#endif

#define AES_SBOX(X) \
	X(0x63) X(0x7c) X(0x77) X(0x7b) X(0xf2) X(0x6b) X(0x6f) X(0xc5) \
	X(0x30) X(0x01) X(0x67) X(0x2b) X(0xfe) X(0xd7) X(0xab) X(0x76) \
	X(0xca) X(0x82) X(0xc9) X(0x7d) X(0xfa) X(0x59) X(0x47) X(0xf0) \
	X(0xad) X(0xd4) X(0xa2) X(0xaf) X(0x9c) X(0xa4) X(0x72) X(0xc0) \
	X(0xb7) X(0xfd) X(0x93) X(0x26) X(0x36) X(0x3f) X(0xf7) X(0xcc) \
	X(0x34) X(0xa5) X(0xe5) X(0xf1) X(0x71) X(0xd8) X(0x31) X(0x15) \
	X(0x04) X(0xc7) X(0x23) X(0xc3) X(0x18) X(0x96) X(0x05) X(0x9a) \
	X(0x07) X(0x12) X(0x80) X(0xe2) X(0xeb) X(0x27) X(0xb2) X(0x75) \
	X(0x09) X(0x83) X(0x2c) X(0x1a) X(0x1b) X(0x6e) X(0x5a) X(0xa0) \
	X(0x52) X(0x3b) X(0xd6) X(0xb3) X(0x29) X(0xe3) X(0x2f) X(0x84) \
	X(0x53) X(0xd1) X(0x00) X(0xed) X(0x20) X(0xfc) X(0xb1) X(0x5b) \
	X(0x6a) X(0xcb) X(0xbe) X(0x39) X(0x4a) X(0x4c) X(0x58) X(0xcf) \
	X(0xd0) X(0xef) X(0xaa) X(0xfb) X(0x43) X(0x4d) X(0x33) X(0x85) \
	X(0x45) X(0xf9) X(0x02) X(0x7f) X(0x50) X(0x3c) X(0x9f) X(0xa8) \
	X(0x51) X(0xa3) X(0x40) X(0x8f) X(0x92) X(0x9d) X(0x38) X(0xf5) \
	X(0xbc) X(0xb6) X(0xda) X(0x21) X(0x10) X(0xff) X(0xf3) X(0xd2) \
	X(0xcd) X(0x0c) X(0x13) X(0xec) X(0x5f) X(0x97) X(0x44) X(0x17) \
	X(0xc4) X(0xa7) X(0x7e) X(0x3d) X(0x64) X(0x5d) X(0x19) X(0x73) \
	X(0x60) X(0x81) X(0x4f) X(0xdc) X(0x22) X(0x2a) X(0x90) X(0x88) \
	X(0x46) X(0xee) X(0xb8) X(0x14) X(0xde) X(0x5e) X(0x0b) X(0xdb) \
	X(0xe0) X(0x32) X(0x3a) X(0x0a) X(0x49) X(0x06) X(0x24) X(0x5c) \
	X(0xc2) X(0xd3) X(0xac) X(0x62) X(0x91) X(0x95) X(0xe4) X(0x79) \
	X(0xe7) X(0xc8) X(0x37) X(0x6d) X(0x8d) X(0xd5) X(0x4e) X(0xa9) \
	X(0x6c) X(0x56) X(0xf4) X(0xea) X(0x65) X(0x7a) X(0xae) X(0x08) \
	X(0xba) X(0x78) X(0x25) X(0x2e) X(0x1c) X(0xa6) X(0xb4) X(0xc6) \
	X(0xe8) X(0xdd) X(0x74) X(0x1f) X(0x4b) X(0xbd) X(0x8b) X(0x8a) \
	X(0x70) X(0x3e) X(0xb5) X(0x66) X(0x48) X(0x03) X(0xf6) X(0x0e) \
	X(0x61) X(0x35) X(0x57) X(0xb9) X(0x86) X(0xc1) X(0x1d) X(0x9e) \
	X(0xe1) X(0xf8) X(0x98) X(0x11) X(0x69) X(0xd9) X(0x8e) X(0x94) \
	X(0x9b) X(0x1e) X(0x87) X(0xe9) X(0xce) X(0x55) X(0x28) X(0xdf) \
	X(0x8c) X(0xa1) X(0x89) X(0x0d) X(0xbf) X(0xe6) X(0x42) X(0x68) \
	X(0x41) X(0x99) X(0x2d) X(0x0f) X(0xb0) X(0x54) X(0xbb) X(0x16)

/* GF(2^8) doubling and tripling as constant expressions. */
#define XT2(s)	((((s) << 1) ^ ((s) >> 7) * 0x11b) & 0xff)
#define XT3(s)	(XT2(s) ^ (s))
#define COL(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define S_(s)	(s),
#define T0_(s)	COL(XT2(s), s, s, XT3(s)),
#define T1_(s)	COL(XT3(s), XT2(s), s, s),
#define T2_(s)	COL(s, XT3(s), XT2(s), s),
#define T3_(s)	COL(s, s, XT3(s), XT2(s)),

static const uint8_t aes_sbox[256] = { AES_SBOX(S_) };

/* Row r's contribution to a MixColumns output column, for each S(a). */
static const uint32_t aes_t[4][256] = {
	{ AES_SBOX(T0_) }, { AES_SBOX(T1_) },
	{ AES_SBOX(T2_) }, { AES_SBOX(T3_) },
};

static inline uint32_t
ror32(uint32_t v, unsigned int n)
{
	return v >> n | v << (32 - n);		/* 0 < n < 32 */
}

static inline uint32_t
be32get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void
be32put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* SubWord (FIPS-197 5.2): the S-box on each byte of ${w}. */
static uint32_t
subword(uint32_t w)
{
	return (uint32_t)aes_sbox[w >> 24] << 24 |
	    (uint32_t)aes_sbox[(w >> 16) & 0xff] << 16 |
	    (uint32_t)aes_sbox[(w >> 8) & 0xff] << 8 |
	    (uint32_t)aes_sbox[w & 0xff];
}

/* KeyExpansion (FIPS-197 5.2) for Nk = 4, Nr = 10. */
static void
expand_portable(uint32_t w[4 * (AES128_ROUNDS + 1)],
    const uint8_t key[AES128_KEY_BYTES])
{
	uint32_t t, rcon = 0x01;
	int i;

	for (i = 0; i < 4; i++)
		w[i] = be32get(key + 4 * i);
	for (i = 4; i < 4 * (AES128_ROUNDS + 1); i++) {
		t = w[i - 1];
		if (i % 4 == 0) {
			/* SubWord(RotWord(t)) ^ Rcon */
			t = subword(ror32(t, 24)) ^ rcon << 24;
			rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
		}
		w[i] = w[i - 4] ^ t;
	}
}

/*
 * One middle round for output column c: row r of the input comes from
 * column c + r (ShiftRows), and aes_t[r] gives its SubBytes-then-
 * MixColumns contribution.
 */
#define ROUND_COL(a, b, c, d, k)					\
	(aes_t[0][(a) >> 24] ^ aes_t[1][((b) >> 16) & 0xff] ^		\
	 aes_t[2][((c) >> 8) & 0xff] ^ aes_t[3][(d) & 0xff] ^ (k))

/* The last round has no MixColumns. */
#define LAST_COL(a, b, c, d, k)						\
	(((uint32_t)aes_sbox[(a) >> 24] << 24 |				\
	  (uint32_t)aes_sbox[((b) >> 16) & 0xff] << 16 |		\
	  (uint32_t)aes_sbox[((c) >> 8) & 0xff] << 8 |			\
	  (uint32_t)aes_sbox[(d) & 0xff]) ^ (k))

static void
encrypt_portable(const uint32_t *rk, uint8_t out[AES128_BLOCK_BYTES],
    const uint8_t in[AES128_BLOCK_BYTES])
{
	uint32_t s0, s1, s2, s3, t0, t1, t2, t3;
	int r;

	s0 = be32get(in) ^ rk[0];
	s1 = be32get(in + 4) ^ rk[1];
	s2 = be32get(in + 8) ^ rk[2];
	s3 = be32get(in + 12) ^ rk[3];
	for (r = 1; r < AES128_ROUNDS; r++) {
		rk += 4;
		t0 = ROUND_COL(s0, s1, s2, s3, rk[0]);
		t1 = ROUND_COL(s1, s2, s3, s0, rk[1]);
		t2 = ROUND_COL(s2, s3, s0, s1, rk[2]);
		t3 = ROUND_COL(s3, s0, s1, s2, rk[3]);
		s0 = t0;
		s1 = t1;
		s2 = t2;
		s3 = t3;
	}
	rk += 4;
	be32put(out, LAST_COL(s0, s1, s2, s3, rk[0]));
	be32put(out + 4, LAST_COL(s1, s2, s3, s0, rk[1]));
	be32put(out + 8, LAST_COL(s2, s3, s0, s1, rk[2]));
	be32put(out + 12, LAST_COL(s3, s0, s1, s2, rk[3]));
}

#ifdef AES128_X86
/*
 * The AES-NI code is compiled for the "aes" target function by function,
 * so the rest of the build needs no -maes; it only runs after
 * __builtin_cpu_supports("aes") said yes.  The __m128i byte order is the
 * FIPS-197 byte order, so blocks and round keys load as they are.
 */
#define AES128_TARGET	__attribute__((target("aes,sse2")))

static inline __m128i AES128_TARGET
hw_load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static inline void AES128_TARGET
hw_store(uint8_t *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}

/*
 * One KeyExpansion step: ${assist} carries RotWord(SubWord(w[i-1])) ^ Rcon
 * in its top word; w[i..i+3] is that XORed into the prefix XOR of
 * w[i-4..i-1] (computed with two shifts).
 */
static inline __m128i AES128_TARGET
hw_expand_step(__m128i k, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff);
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 8));
	return _mm_xor_si128(k, assist);
}

/* The round constant must be an immediate, hence the macro. */
#define HW_EXPAND(i, rcon) do {						\
	k = hw_expand_step(k, _mm_aeskeygenassist_si128(k, (rcon)));	\
	hw_store(rkb + 16 * (i), k);					\
} while (0)

static void AES128_TARGET
expand_hw(uint8_t rkb[(AES128_ROUNDS + 1) * AES128_BLOCK_BYTES],
    const uint8_t key[AES128_KEY_BYTES])
{
	__m128i k;

	k = hw_load(key);
	hw_store(rkb, k);
	HW_EXPAND(1, 0x01);
	HW_EXPAND(2, 0x02);
	HW_EXPAND(3, 0x04);
	HW_EXPAND(4, 0x08);
	HW_EXPAND(5, 0x10);
	HW_EXPAND(6, 0x20);
	HW_EXPAND(7, 0x40);
	HW_EXPAND(8, 0x80);
	HW_EXPAND(9, 0x1b);
	HW_EXPAND(10, 0x36);
}

/*
 * Eight independent blocks keep the AES unit busy: each aesenc has a
 * latency of several cycles but a throughput of one or two per cycle.
 * Named variables rather than arrays, so that they stay in registers.
 */
#define HW_ROUND8(f, k) do {						\
	b0 = f(b0, k); b1 = f(b1, k); b2 = f(b2, k); b3 = f(b3, k);	\
	b4 = f(b4, k); b5 = f(b5, k); b6 = f(b6, k); b7 = f(b7, k);	\
} while (0)

static void AES128_TARGET
encrypt_hw(const uint8_t *rkb, uint8_t *out, const uint8_t *in, size_t n)
{
	__m128i b0, b1, b2, b3, b4, b5, b6, b7, k;
	int r;

	for (; n >= 8; n -= 8, in += 128, out += 128) {
		k = hw_load(rkb);
		b0 = _mm_xor_si128(hw_load(in), k);
		b1 = _mm_xor_si128(hw_load(in + 16), k);
		b2 = _mm_xor_si128(hw_load(in + 32), k);
		b3 = _mm_xor_si128(hw_load(in + 48), k);
		b4 = _mm_xor_si128(hw_load(in + 64), k);
		b5 = _mm_xor_si128(hw_load(in + 80), k);
		b6 = _mm_xor_si128(hw_load(in + 96), k);
		b7 = _mm_xor_si128(hw_load(in + 112), k);
		for (r = 1; r < AES128_ROUNDS; r++) {
			k = hw_load(rkb + 16 * r);
			HW_ROUND8(_mm_aesenc_si128, k);
		}
		k = hw_load(rkb + 16 * AES128_ROUNDS);
		HW_ROUND8(_mm_aesenclast_si128, k);
		hw_store(out, b0);
		hw_store(out + 16, b1);
		hw_store(out + 32, b2);
		hw_store(out + 48, b3);
		hw_store(out + 64, b4);
		hw_store(out + 80, b5);
		hw_store(out + 96, b6);
		hw_store(out + 112, b7);
	}
	for (; n > 0; n--, in += 16, out += 16) {
		b0 = _mm_xor_si128(hw_load(in), hw_load(rkb));
		for (r = 1; r < AES128_ROUNDS; r++)
			b0 = _mm_aesenc_si128(b0, hw_load(rkb + 16 * r));
		hw_store(out, _mm_aesenclast_si128(b0,
		    hw_load(rkb + 16 * AES128_ROUNDS)));
	}
}
#endif /* AES128_X86 */

int
aes128_hw(void)
{
#ifdef AES128_X86
	return __builtin_cpu_supports("aes") ? 1 : 0;
#else
	return 0;
#endif
}

void
aes128_init(struct aes128 *a, const uint8_t key[AES128_KEY_BYTES])
{
	memset(a, 0, sizeof(*a));
	expand_portable(a->rkw, key);
	a->hw = aes128_hw();
#ifdef AES128_X86
	if (a->hw)
		expand_hw(a->rkb, key);
#endif
}

void
aes128_force_portable(struct aes128 *a, int on)
{
	/* aes128_init made the AES-NI schedule whenever aes128_hw() is 1. */
	a->hw = on ? 0 : aes128_hw();
}

void
aes128_wipe(struct aes128 *a)
{
	sodium_memzero(a, sizeof(*a));
}

void
aes128_encrypt(const struct aes128 *a, uint8_t out[AES128_BLOCK_BYTES],
    const uint8_t in[AES128_BLOCK_BYTES])
{
	aes128_encrypt_blocks(a, out, in, 1);
}

void
aes128_encrypt_blocks(const struct aes128 *a, uint8_t *out, const uint8_t *in,
    size_t n)
{
#ifdef AES128_X86
	if (a->hw) {
		encrypt_hw(a->rkb, out, in, n);
		return;
	}
#endif
	for (; n > 0; n--, in += AES128_BLOCK_BYTES, out += AES128_BLOCK_BYTES)
		encrypt_portable(a->rkw, out, in);
}
