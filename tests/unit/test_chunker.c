/*
 * test_chunker.c: the chunker and its AES-128.
 *
 * AES: the FIPS-197 known answers (appendices B and C.1) on the portable
 * and AES-NI code, and both agreeing on random blocks.  Chunker: P is
 * irreducible (Rabin's test); the rolled UHF equals its definition,
 * computed from an independent key schedule with bitwise polynomial
 * arithmetic; cut points equal those of a slow reference chunker written
 * from the specification in chunker.h, for several parameter sets and
 * every implementation; on 64 MiB every implementation agrees, sizes stay
 * in bounds and average near avg; keys separate; an insertion moves only
 * nearby cut points; zeros and tiny inputs; and the chunker_cut contract,
 * including feeding it through a max-byte buffer.  Data buffers are
 * exact-size sodium_malloc allocations so an overread hits a guard page.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aes128.h"
#include "chunker.h"
#include "t.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define ON_VALGRIND()	RUNNING_ON_VALGRIND
#endif
#endif
#ifndef ON_VALGRIND
#define ON_VALGRIND()	0
#endif
#if defined(__SANITIZE_ADDRESS__)		/* gcc */
#define SANITIZED	1
#elif defined(__has_feature)			/* clang */
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED	0
#endif

#define NIMPL		(CHUNKER_IMPL_VAES + 1)

/*
 * Data sizes, and the parameters of the tests that use whole buffers.
 * Under valgrind (about 1 MB/s here), ASan or with TACIT_TEST_SMALL set,
 * both shrink 16-fold, which keeps chunk counts and ratios (the reference
 * test, whose parameters are its own, shrinks 4-fold).
 */
static size_t big_bytes = 64u << 20;	/* agreement and sizes */
static size_t shift_bytes = 32u << 20;	/* the insertion */
static size_t mid_bytes = 16u << 20;	/* keys, zeros, streaming */
static size_t ref_bytes = 1u << 20;	/* against the reference chunker */
static struct chunker_params dp;	/* default, or 1/16 of it */

static const char *impl_name[NIMPL] = { "portable", "AES-NI", "VAES" };

/* Chunk lengths of a whole buffer. */
struct cuts {
	size_t	*len;
	size_t	 n;
};

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint8_t *
xalloc(size_t n)
{
	uint8_t *p;

	if ((p = sodium_malloc(n)) == NULL) {
		printf("not ok - sodium_malloc(%zu)\n", n);
		exit(1);
	}
	return p;
}

/* Deterministic pseudo-random bytes: seed byte ${s}. */
static uint8_t *
random_buf(size_t n, uint8_t s)
{
	uint8_t seed[randombytes_SEEDBYTES] = { s, 0x5a };
	uint8_t *p = xalloc(n);

	randombytes_buf_deterministic(p, n, seed);
	return p;
}

/* ---- polynomials over GF(2) modulo P, one bit at a time ---- */

static uint64_t
xtime(uint64_t a)			/* a * x mod P */
{
	return a << 1 ^ (a >> 63 ? 0x1b : 0);
}

static uint64_t
pmul(uint64_t a, uint64_t b)		/* a * b mod P */
{
	uint64_t r = 0;
	int i;

	for (i = 0; i < 64; i++, a = xtime(a))
		if (b >> i & 1)
			r ^= a;
	return r;
}

static int
pdeg(uint64_t v)			/* degree; -1 for 0 */
{
	int d = -1;

	for (; v != 0; v >>= 1)
		d++;
	return d;
}

static uint64_t
prem(uint64_t v, uint64_t a)		/* v mod a, a != 0 */
{
	while (v != 0 && pdeg(v) >= pdeg(a))
		v ^= a << (pdeg(v) - pdeg(a));
	return v;
}

/* gcd(P, a) for 0 < deg a < 64, by Euclid from P mod a. */
static uint64_t
pgcd_p(uint64_t a)
{
	uint64_t b = 1, t;
	int i, d = pdeg(a);

	for (i = 0; i < 64; i++) {		/* b = x^64 mod a */
		b <<= 1;
		if (b >> d & 1)
			b ^= a;
	}
	b ^= prem(0x1b, a);
	while (b != 0) {
		t = prem(a, b);
		a = b;
		b = t;
	}
	return a;
}

/*
 * Rabin: deg P = 64 = 2^6, so P is irreducible iff x^(2^64) = x mod P
 * and gcd(x^(2^32) - x, P) = 1.
 */
static int
p_irreducible(void)
{
	uint64_t a = 2, a32 = 0;
	int i;

	for (i = 1; i <= 64; i++) {
		a = pmul(a, a);
		if (i == 32)
			a32 = a ^ 2;
	}
	return a == 2 && pdeg(a32) > 0 && pgcd_p(a32) == 1;
}

/* ---- a reference chunker, written from chunker.h alone ---- */

struct ref {
	uint64_t		t[2][256];
	uint64_t		u[2][256];
	struct aes128		*aes;
	struct chunker_params	p;
	uint64_t		mask_s, mask_l;
};

static void
ref_init(struct ref *r, const uint8_t key[CHUNKER_KEY_BYTES],
    const struct chunker_params *p)
{
	uint8_t nonce[12], *s = xalloc(4112);
	uint64_t x512 = 1;
	int b, i, lane;

	memcpy(nonce, "tacit-chunkr", 12);
	crypto_stream_chacha20_ietf(s, 4112, nonce, key);
	for (i = 0; i < 512; i++)
		x512 = xtime(x512);
	for (lane = 0; lane < 2; lane++)
		for (b = 0; b < 256; b++) {
			r->t[lane][b] = le64(s + 2048 * lane + 8 * b);
			r->u[lane][b] = pmul(r->t[lane][b], x512);
		}
	r->aes = (struct aes128 *)xalloc(sizeof(*r->aes));
	aes128_init(r->aes, s + 4096);
	aes128_force_portable(r->aes, 1);
	sodium_free(s);
	r->p = *p;
	for (b = 0; (1u << b) < p->avg; b++)
		;
	r->mask_s = ((uint64_t)1 << (b + 2)) - 1;
	r->mask_l = ((uint64_t)1 << (b - 2)) - 1;
}

/* h_L of the window w[0..64), term by term from the definition. */
static void
ref_direct(const struct ref *r, const uint8_t *w, uint64_t h[2])
{
	uint64_t y = 1;				/* x^(8 (63 - j)) */
	int j, i;

	h[0] = h[1] = 0;
	for (j = 63; j >= 0; j--) {
		h[0] ^= pmul(r->t[0][w[j]], y);
		h[1] ^= pmul(r->t[1][w[j]], y);
		for (i = 0; i < 8; i++)
			y = xtime(y);
	}
}

static size_t
ref_cut(const struct ref *r, const uint8_t *p, size_t n)
{
	uint8_t blk[16];
	uint64_t h[2];
	size_t l, lim;
	int lane, i;

	if (n <= r->p.min)
		return n;
	lim = n < r->p.max ? n : r->p.max;
	ref_direct(r, p + r->p.min - 64, h);
	for (l = r->p.min;; l++) {
		if (l > r->p.min)
			for (lane = 0; lane < 2; lane++) {
				for (i = 0; i < 8; i++)
					h[lane] = xtime(h[lane]);
				h[lane] ^= r->t[lane][p[l - 1]] ^
				    r->u[lane][p[l - 65]];
			}
		put64(blk, h[0]);
		put64(blk + 8, h[1]);
		aes128_encrypt(r->aes, blk, blk);
		if ((le64(blk) & (l < r->p.avg ? r->mask_s : r->mask_l)) == 0)
			return l;
		if (l == lim)
			return lim;
	}
}

/* ---- chunking whole buffers ---- */

static void
cuts_add(struct cuts *k, size_t len)
{
	if ((k->n & (k->n + 1)) == 0 &&
	    (k->len = realloc(k->len, 2 * (k->n + 1) * sizeof(size_t))) ==
	    NULL) {
		printf("not ok - realloc\n");
		exit(1);
	}
	k->len[k->n++] = len;
}

/* All chunks of p[0..n) with chunker_cut (or ref_cut if ${r}). */
static struct cuts
chunk_all(const struct chunker *c, const struct ref *r, const uint8_t *p,
    size_t n)
{
	struct cuts k = { NULL, 0 };
	size_t off, len;

	for (off = 0; off < n; off += len) {
		len = r != NULL ? ref_cut(r, p + off, n - off) :
		    chunker_cut(c, p + off, n - off, 1);
		if (len == 0 || len > n - off) {
			printf("not ok - chunker_cut returned %zu with %zu "
			    "left\n", len, n - off);
			exit(1);
		}
		cuts_add(&k, len);
	}
	return k;
}

/*
 * The same through a caller buffer of max bytes, filled ${step} bytes at
 * a time from p[0..n), as a backup reader would.
 */
static struct cuts
chunk_stream(const struct chunker *c, uint32_t max, const uint8_t *p,
    size_t n, size_t step)
{
	struct cuts k = { NULL, 0 };
	uint8_t *buf = xalloc(max);
	size_t have = 0, in = 0, len, add;

	for (;;) {
		add = max - have < step ? max - have : step;
		add = add < n - in ? add : n - in;
		memcpy(buf + have, p + in, add);
		have += add;
		in += add;
		len = chunker_cut(c, buf, have, in == n);
		if (len == 0 && in == n)
			break;
		if (len == 0)
			continue;
		cuts_add(&k, len);
		memmove(buf, buf + len, have - len);
		have -= len;
	}
	sodium_free(buf);
	return k;
}

static int
cuts_equal(const struct cuts *a, const struct cuts *b)
{
	return a->n == b->n &&
	    memcmp(a->len, b->len, a->n * sizeof(size_t)) == 0;
}

/* Every chunk but the last in [min, max], the last in [1, max]. */
static int
cuts_in_bounds(const struct cuts *k, const struct chunker_params *p)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->len[i] > p->max || k->len[i] == 0 ||
		    (i + 1 < k->n && k->len[i] < p->min))
			return 0;
	return 1;
}

/* End offsets of the chunks in ${k}, sorted. */
static size_t *
cuts_ends(const struct cuts *k)
{
	size_t *e = malloc((k->n + 1) * sizeof(size_t)), i, off = 0;

	if (e == NULL) {
		printf("not ok - malloc\n");
		exit(1);
	}
	for (i = 0; i < k->n; i++)
		e[i] = off += k->len[i];
	return e;
}

static int
has_end(const size_t *e, size_t n, size_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid] == v)
			return 1;
		if (e[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- the tests ---- */

static void
test_aes_kat(void)
{
	static const char *kat[2][3] = {
		{ "000102030405060708090a0b0c0d0e0f",
		  "00112233445566778899aabbccddeeff",
		  "69c4e0d86a7b0430d8cdb78070b4c55a" },	/* C.1 */
		{ "2b7e151628aed2a6abf7158809cf4f3c",
		  "3243f6a8885a308d313198a2e0370734",
		  "3925841d02dc09fbdc118597196a0b32" },	/* B */
	};
	static const char *name[2] = { "C.1", "B" };
	struct aes128 *a = (struct aes128 *)xalloc(sizeof(*a));
	uint8_t key[16], pt[16], ct[16], out[16];
	int i;

	for (i = 0; i < 2; i++) {
		if (sodium_hex2bin(key, 16, kat[i][0], 32, NULL, NULL, NULL) ||
		    sodium_hex2bin(pt, 16, kat[i][1], 32, NULL, NULL, NULL) ||
		    sodium_hex2bin(ct, 16, kat[i][2], 32, NULL, NULL, NULL))
			exit(1);
		aes128_init(a, key);
		aes128_force_portable(a, 1);
		aes128_encrypt(a, out, pt);
		T(memcmp(out, ct, 16) == 0, "portable AES-128: FIPS-197 %s",
		    name[i]);
		if (!aes128_hw()) {
			printf("ok - AES-NI AES-128: FIPS-197 %s # SKIP no "
			    "AES-NI\n", name[i]);
			continue;
		}
		aes128_force_portable(a, 0);
		memset(out, 0, 16);
		aes128_encrypt(a, out, pt);
		T(memcmp(out, ct, 16) == 0, "AES-NI AES-128: FIPS-197 %s",
		    name[i]);
	}
	aes128_wipe(a);
	sodium_free(a);
}

static void
test_aes_random(void)
{
	struct aes128 *a = (struct aes128 *)xalloc(sizeof(*a));
	uint8_t key[16], *in = xalloc(1000 * 16), *pt = xalloc(1000 * 16);
	uint8_t *hw = xalloc(1000 * 16);
	int i, ok = 1;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(in, 1000 * 16);
	aes128_init(a, key);
	aes128_force_portable(a, 1);
	for (i = 0; i < 1000; i++)
		aes128_encrypt(a, pt + 16 * i, in + 16 * i);
	if (!aes128_hw()) {
		printf("ok - AES-NI equals portable on 1000 blocks # SKIP no "
		    "AES-NI\n");
		goto out;
	}
	aes128_force_portable(a, 0);
	aes128_encrypt_blocks(a, hw, in, 1000);
	T(memcmp(hw, pt, 1000 * 16) == 0,
	    "AES-NI equals portable on 1000 random blocks (batches of 8)");
	for (i = 0; i < 13; i++) {
		aes128_encrypt(a, hw + 16 * i, in + 16 * i);
		ok &= memcmp(hw + 16 * i, pt + 16 * i, 16) == 0;
	}
	aes128_encrypt_blocks(a, hw, in, 13);	/* one batch and a tail */
	T(ok && memcmp(hw, pt, 13 * 16) == 0,
	    "AES-NI single blocks and a 13-block batch equal portable");
out:
	sodium_free(hw);
	sodium_free(pt);
	sodium_free(in);
	sodium_free(a);
}

static void
test_params(void)
{
	static const struct chunker_params bad[] = {
		{ 63, 128, 256 }, { 128, 128, 256 }, { 256, 128, 1024 },
		{ 64, 192, 256 }, { 64, 256, 128 }, { 0, 0, 0 },
	};
	struct chunker_params p;
	uint8_t key[CHUNKER_KEY_BYTES] = { 0 };
	struct chunker *c;
	size_t i;
	int ok = 1;

	chunker_params_default(&p);
	T(p.min == 256u << 10 && p.avg == 1u << 20 && p.max == 4u << 20 &&
	    chunker_params_check(&p) == 0,
	    "default parameters are 256 KiB / 1 MiB / 4 MiB and valid");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok &= chunker_params_check(&bad[i]) == -1;
		if ((c = chunker_new(key, &bad[i])) != NULL) {
			ok = 0;
			chunker_free(c);
		}
	}
	T(ok, "bad parameters are refused by chunker_params_check and "
	    "chunker_new");
	p.min = 64;
	p.avg = p.max = 128;
	T(chunker_params_check(&p) == 0, "64 / 128 / 128 is valid");
	chunker_free(NULL);
}

static void
test_uhf(void)
{
	static const size_t lens[] = { 64, 65, 127, 200, 200, 200, 1000 };
	struct chunker_params p;
	struct ref r;
	struct chunker *c;
	uint8_t key[CHUNKER_KEY_BYTES], buf[1000];
	uint64_t h1, h2, d[2];
	size_t i;
	int ok = 1;

	T(p_irreducible(), "P = x^64 + x^4 + x^3 + x + 1 is irreducible");
	randombytes_buf(key, sizeof(key));
	chunker_params_default(&p);
	ref_init(&r, key, &p);
	c = chunker_new(key, &p);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		randombytes_buf(buf, lens[i]);
		if (i == 5)
			memset(buf, 0xff, lens[i]);
		ok &= chunker_uhf(c, buf, lens[i], &h1, &h2) == 0;
		ref_direct(&r, buf + lens[i] - 64, d);
		ok &= h1 == d[0] && h2 == d[1];
	}
	T(ok, "rolled UHF equals the sum formula (windows after 64..1000 "
	    "bytes)");
	T(chunker_uhf(c, buf, 63, &h1, &h2) == -1, "chunker_uhf wants 64 "
	    "bytes");
	chunker_free(c);
	sodium_free(r.aes);
}

/* Cut points of every implementation against the reference chunker. */
static void
test_reference(void)
{
	static const struct chunker_params ps[] = {
		{ 1024, 8192, 65536 },
		{ 4096, 32768, 262144 },
		{ 64, 4096, 1u << 20 },
		{ 64, 128, 128 },
		{ 5000, 8192, 8192 },
	};
	struct chunker *c;
	struct cuts want, got;
	struct ref r;
	uint8_t key[CHUNKER_KEY_BYTES], *p, *s;
	size_t i;
	int impl, ok;

	/*
	 * From malloc, not sodium_malloc: ASan then guards both ends, and
	 * a chunk starting at offset 0 must not read before it.
	 */
	if ((p = malloc(ref_bytes)) == NULL)
		exit(1);
	s = random_buf(ref_bytes, 1);
	memcpy(p, s, ref_bytes);
	sodium_free(s);
	/* A run of zeros and a short period: windows that repeat. */
	memset(p + ref_bytes / 2, 0, ref_bytes / 7);
	for (i = 0; i < ref_bytes / 20; i++)
		p[ref_bytes / 2 + ref_bytes / 5 + i] = (uint8_t)(i % 7);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		randombytes_buf(key, sizeof(key));
		ref_init(&r, key, &ps[i]);
		c = chunker_new(key, &ps[i]);
		want = chunk_all(NULL, &r, p, ref_bytes);
		for (impl = 0; impl < NIMPL; impl++) {
			if (chunker_force_impl(c, impl) != impl) {
				printf("ok - %s equals the reference (%u/%u/%u)"
				    " # SKIP not on this CPU\n",
				    impl_name[impl], ps[i].min, ps[i].avg,
				    ps[i].max);
				continue;
			}
			got = chunk_all(c, NULL, p, ref_bytes);
			ok = cuts_equal(&got, &want);
			T(ok, "%s cut points equal the reference chunker's "
			    "(%u/%u/%u, %zu chunks)", impl_name[impl],
			    ps[i].min, ps[i].avg, ps[i].max, want.n);
			free(got.len);
		}
		free(want.len);
		chunker_free(c);
		sodium_free(r.aes);
	}
	free(p);
}

/*
 * Search the last three bytes of the window ${w} for a digest whose PRF
 * output has no bit of ${mask} set.  Changing byte j adds
 * (T[new] + T[old]) x^(8 (63 - j)) to each lane, so no rehashing.
 */
static int
find_hit(const struct ref *r, uint8_t w[64], uint64_t mask)
{
	uint64_t h[2], d[2], y8 = 0x100, y16 = 0x10000;
	uint8_t blk[16];
	uint32_t v;
	int lane;

	ref_direct(r, w, h);
	for (v = 0; v < (1u << 24); v++) {
		for (lane = 0; lane < 2; lane++)
			d[lane] = h[lane] ^
			    pmul(r->t[lane][w[61]] ^ r->t[lane][v >> 16], y16) ^
			    pmul(r->t[lane][w[62]] ^
			    r->t[lane][(v >> 8) & 0xff], y8) ^
			    r->t[lane][w[63]] ^ r->t[lane][v & 0xff];
		put64(blk, d[0]);
		put64(blk + 8, d[1]);
		aes128_encrypt(r->aes, blk, blk);
		if ((le64(blk) & mask) == 0) {
			w[61] = (uint8_t)(v >> 16);
			w[62] = (uint8_t)(v >> 8);
			w[63] = (uint8_t)v;
			return 0;
		}
	}
	return -1;
}

/*
 * Hits planted in chosen chains: zeros, whose window does not hit, with
 * copies of one window that does (64 bytes or more apart).  Whichever
 * chains of a round hold hits, every implementation must cut at the
 * first.  The AES-NI rounds
 * (chains A, B) and VAES rounds (A..D) of the scan from avg start at
 * 65536, each chain 2048 lengths long; the scan below avg starts at 65.
 */
static void
test_planted(void)
{
#define R	65536
#define S	2048
	/*
	 * Chains by row: D D; C D; B C D; A B; C C; B B and round 2 B;
	 * D D of round 2; D D below avg; C D below avg and one above.
	 */
	static const size_t plant[][3] = {
		{ R + 3 * S + 300, R + 3 * S + 1000, 0 },
		{ R + 2 * S + 1500, R + 3 * S + 10, 0 },
		{ R + S + 1900, R + 2 * S + 5, R + 3 * S + 5 },
		{ R + 1900, R + S + 5, 0 },
		{ R + 2 * S + 100, R + 2 * S + 900, 0 },
		{ R + S + 100, R + S + 700, R + 5 * S + 3 },
		{ R + 7 * S + 50, R + 7 * S + 200, 0 },
		{ 65 + 7 * S + 77, 65 + 7 * S + 300, 0 },
		{ 65 + 6 * S + 9, 65 + 7 * S + 9, R + 9 },
	};
#undef R
#undef S
	static const struct chunker_params pp = { 64, 1u << 16, 1u << 20 };
	static const uint8_t seed[randombytes_SEEDBYTES] = { 9 };
	struct chunker *c;
	struct ref r;
	uint8_t key[CHUNKER_KEY_BYTES] = { 9 }, w[64], *z;
	size_t i, j, n, first, want;
	int impl, ok = 1;

	ref_init(&r, key, &pp);
	c = chunker_new(key, &pp);
	z = xalloc(1u << 17);
	memset(z, 0, 1u << 17);
	randombytes_buf_deterministic(w, sizeof(w), seed);
	T(ref_cut(&r, z, 1u << 17) == 1u << 17 &&
	    find_hit(&r, w, r.mask_s) == 0,
	    "the zero window does not hit; found a window that does");
	for (i = 0; i < sizeof(plant) / sizeof(plant[0]); i++) {
		memset(z, 0, 1u << 17);
		for (j = 0, first = n = 0; j < 3 && plant[i][j] != 0; j++) {
			memcpy(z + plant[i][j] - 64, w, 64);
			first = first == 0 || plant[i][j] < first ?
			    plant[i][j] : first;
			n = plant[i][j] + 100 > n ? plant[i][j] + 100 : n;
		}
		want = ref_cut(&r, z, n);
		ok &= want == first;
		for (impl = 0; impl < NIMPL; impl++)
			if (chunker_force_impl(c, impl) == impl)
				ok &= chunker_cut(c, z, n, 1) == want;
	}
	T(ok, "planted hits in chains A..D: every implementation cuts at the "
	    "first");
	sodium_free(z);
	chunker_free(c);
	sodium_free(r.aes);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 64 MiB: all implementations agree; sizes; the time each takes. */
static void
test_big(void)
{
	const struct chunker_params *p = &dp;
	struct chunker *c;
	struct cuts k[NIMPL];
	uint8_t key[CHUNKER_KEY_BYTES] = { 7 }, *buf;
	size_t mib = big_bytes >> 20;
	double t, avg;
	int impl;

	buf = random_buf(big_bytes, 2);
	c = chunker_new(key, p);
	for (impl = 0; impl < NIMPL; impl++) {
		k[impl].len = NULL;
		if (chunker_force_impl(c, impl) != impl)
			continue;
		t = now();
		k[impl] = chunk_all(c, NULL, buf, big_bytes);
		t = now() - t;
		printf("# %s: %.0f MB/s over %zu MiB (%zu chunks)\n",
		    impl_name[impl], (double)big_bytes / t / 1e6, mib,
		    k[impl].n);
	}
	for (impl = 1; impl < NIMPL; impl++) {
		if (k[impl].len == NULL) {
			printf("ok - %s cut points equal portable on %zu MiB "
			    "# SKIP not on this CPU\n", impl_name[impl], mib);
			continue;
		}
		T(cuts_equal(&k[impl], &k[0]), "%s cut points equal portable "
		    "on %zu MiB", impl_name[impl], mib);
	}
	T(cuts_in_bounds(&k[0], p), "every chunk of %zu MiB is in "
	    "[min, max] (the last in [1, max])", mib);
	avg = (double)big_bytes / (double)k[0].n;
	T(avg >= 0.6 * p->avg && avg <= 1.6 * p->avg, "average chunk %.0f "
	    "KiB is within 0.6..1.6 x avg (%u KiB)", avg / 1024,
	    p->avg >> 10);
	for (impl = 0; impl < NIMPL; impl++)
		free(k[impl].len);
	chunker_free(c);
	sodium_free(buf);
}

static void
test_keys_and_stream(void)
{
	const struct chunker_params *p = &dp;
	struct chunker *c, *c2;
	struct cuts a, b, s;
	uint8_t key[CHUNKER_KEY_BYTES] = { 1 }, *buf;
	size_t *ea, i, same = 0;

	buf = random_buf(mid_bytes, 3);
	c = chunker_new(key, p);
	key[31] ^= 0x80;
	c2 = chunker_new(key, p);
	a = chunk_all(c, NULL, buf, mid_bytes);
	b = chunk_all(c2, NULL, buf, mid_bytes);
	ea = cuts_ends(&a);
	s.len = cuts_ends(&b);
	for (i = 0; i + 1 < b.n; i++)
		same += has_end(ea, a.n, s.len[i]);
	T(!cuts_equal(&a, &b) && same * 10 < b.n, "keys differing in one "
	    "bit share %zu of %zu cut points", same, b.n);
	free(s.len);
	free(ea);
	s = chunk_stream(c, p->max, buf, mid_bytes, p->max / 4 + 3);
	T(cuts_equal(&s, &a), "through a max-byte buffer filled max/4 + 3 "
	    "bytes at a time: the same %zu cut points", a.n);
	free(s.len);
	s = chunk_stream(c, p->max, buf, mid_bytes, p->max);
	T(cuts_equal(&s, &a), "through a max-byte buffer refilled to max: "
	    "the same cut points");
	free(s.len);
	free(a.len);
	free(b.len);
	chunker_free(c2);
	chunker_free(c);
	sodium_free(buf);
}

/* Insert 10 bytes at offset 100: later cut points move by 10. */
static void
test_shift(void)
{
	struct chunker *c;
	struct cuts a, b;
	uint8_t key[CHUNKER_KEY_BYTES] = { 2 }, *x, *y;
	size_t *ea, *eb, i, later = 0, kept = 0;

	x = random_buf(shift_bytes, 4);
	y = xalloc(shift_bytes + 10);
	memcpy(y, x, 100);
	randombytes_buf(y + 100, 10);
	memcpy(y + 110, x + 100, shift_bytes - 100);
	c = chunker_new(key, &dp);
	a = chunk_all(c, NULL, x, shift_bytes);
	b = chunk_all(c, NULL, y, shift_bytes + 10);
	ea = cuts_ends(&a);
	eb = cuts_ends(&b);
	for (i = 2; i < a.n; i++, later++)
		kept += has_end(eb, b.n, ea[i] + 10);
	T(later > 10 && kept * 10 >= later * 9, "10 bytes inserted into %zu "
	    "MiB: %zu of %zu cut points after the second move by exactly 10",
	    shift_bytes >> 20, kept, later);
	free(ea);
	free(eb);
	free(a.len);
	free(b.len);
	chunker_free(c);
	sodium_free(y);
	sodium_free(x);
}

static void
test_edges(void)
{
	const struct chunker_params *p = &dp;
	struct chunker *c;
	struct cuts k;
	uint8_t key[CHUNKER_KEY_BYTES] = { 3 }, *z, *r;
	size_t n;
	int impl, ok = 1;

	c = chunker_new(key, p);
	n = mid_bytes / 2;
	z = xalloc(n);
	memset(z, 0, n);
	for (impl = 0; impl < NIMPL; impl++) {
		if (chunker_force_impl(c, impl) != impl)
			continue;
		k = chunk_all(c, NULL, z, n);
		ok &= cuts_in_bounds(&k, p) && k.n >= n / p->max;
		free(k.len);
	}
	T(ok, "%zu KiB of zeros: chunks stay in [min, max]", n >> 10);
	(void)chunker_force_impl(c, CHUNKER_IMPL_VAES);
	r = random_buf(p->max, 5);
	T(chunker_cut(c, r, p->min - 1, 1) == p->min - 1 &&
	    chunker_cut(c, r, p->min, 1) == p->min,
	    "min bytes or fewer at the end are one chunk");
	T(chunker_cut(c, r, 1, 1) == 1 && chunker_cut(c, r, 0, 1) == 0,
	    "a final 1-byte input is one chunk, an empty one none");
	T(chunker_cut(c, r, p->max - 1, 0) == 0 &&
	    chunker_cut(c, r, 0, 0) == 0 &&
	    chunker_cut(c, r, p->min + 1, 0) == 0,
	    "chunker_cut returns 0 when n < max and not final");
	n = chunker_cut(c, r, p->max, 0);
	T(n >= p->min && n <= p->max, "with max bytes, not final: a chunk of "
	    "%zu bytes", n);
	T(chunker_cut(c, r, p->max - 1, 1) == (n < p->max ? n : p->max - 1),
	    "final input of max - 1 bytes: the same cut, or all of it");
	sodium_free(r);
	sodium_free(z);
	chunker_free(c);
}

int
main(void)
{
	t_init();
	chunker_params_default(&dp);
	if (getenv("TACIT_TEST_SMALL") != NULL || ON_VALGRIND() || SANITIZED) {
		big_bytes /= 16;
		shift_bytes /= 16;
		mid_bytes /= 16;
		ref_bytes /= 4;		/* its parameters stay */
		dp.min /= 16;
		dp.avg /= 16;
		dp.max /= 16;
		printf("# small run: 1/16 of the data and chunk sizes\n");
	}
	test_aes_kat();
	test_aes_random();
	test_params();
	test_uhf();
	test_reference();
	test_planted();
	test_big();
	test_keys_and_stream();
	test_shift();
	test_edges();
	return t_exit();
}
