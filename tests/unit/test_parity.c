/*
 * test_parity.c: the parity layout (parity.h) against the damage it
 * promises to survive, in every file-size class: a zeroed 4 KiB sector
 * at the start, middle, end, across a shard boundary, inside a table and
 * inside the parity; a zeroed 128 KiB burst plus a sector elsewhere
 * (files from 4 MiB); random bit flips in one shard per group; and damage
 * beyond it (p + 1 shards of one group) reported lost, never "repaired"
 * into other bytes; parity_decode with the erasures given (the tables
 * not read).  Layouts are found from the file alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "t.h"

static uint8_t *orig, *work;

static int
fix_ok(const struct parity_geom *g, int want)
{
	struct parity_geom h;
	unsigned nbad;
	int r = parity_fix(work, g->P, &h, &nbad);

	return r == want && (want == PARITY_LOST ||
	    (h.L == g->L && memcmp(work, orig, g->P) == 0));
}

static void
zero_at(uint64_t P, uint64_t off, uint64_t len)
{
	if (off >= P)
		off = P - 1;
	if (len > P - off)
		len = P - off;
	memset(work + off, 0, len);
}

static void
one_size(uint64_t L, unsigned pct)
{
	struct parity_geom g, h;
	struct parity_mem m;
	uint64_t offs[9], P, pbase, off;
	size_t i;
	uint8_t *mark;
	int okz = 1, okb = 1, okf = 1, okl = 1, okd;

	if (parity_geom(L, pct, &g) != 0) {
		T(0, "geometry of %llu", (unsigned long long)L);
		return;
	}
	P = g.P;
	orig = realloc(orig, P);
	work = realloc(work, P);
	randombytes_buf(orig, L);
	T(parity_encode(orig, &g) == 0, "encode L=%llu pct=%u: k=%u G=%u "
	    "p=%u S=%u, %.2f %% overhead", (unsigned long long)L, pct, g.k,
	    g.G, g.p, g.S, 100.0 * (double)(P - L) / (double)L);
	m.p = orig;
	m.len = P;
	T(parity_locate(parity_mem_read, &m, P, &h) == 2 && h.L == L,
	    "layout of %llu found from the file", (unsigned long long)L);
	memcpy(work, orig, P);
	T(fix_ok(&g, PARITY_CLEAN), "clean file is clean");
	pbase = L + 2 * g.T + g.S;	/* parity shard 1 */
	offs[0] = 0;
	offs[1] = L / 2;
	offs[2] = L > 4096 ? L - 4096 : 0;
	offs[3] = g.S - 2048;			/* across shards 0 and 1 */
	offs[4] = L;				/* table A, parity 0 */
	offs[5] = pbase + g.S / 2;		/* inside the parity */
	offs[6] = P - 4096;			/* the end: table B */
	offs[7] = P - g.T / 2 - 2048;		/* across parity and B */
	offs[8] = L > 2048 ? L - 2048 : 0;	/* across data and table A */
	for (i = 0; i < 9; i++) {
		memcpy(work, orig, P);
		zero_at(P, offs[i], 4096);
		okz &= fix_ok(&g, PARITY_CLEAN) || (memcpy(work, orig, P),
		    zero_at(P, offs[i], 4096), fix_ok(&g, PARITY_REPAIRED));
	}
	T(okz, "a 4 KiB sector at 9 places of %llu bytes is repaired",
	    (unsigned long long)L);
	if (g.S == PARITY_LARGE_BYTES) {
		for (i = 0; i < 9; i++) {
			memcpy(work, orig, P);
			zero_at(P, offs[i], 131072);
			zero_at(P, offs[(i + 4) % 9] + 8192, 4096);
			okb &= fix_ok(&g, PARITY_REPAIRED);
		}
		T(okb, "a 128 KiB burst and a sector are repaired (%llu)",
		    (unsigned long long)L);
	}
	memcpy(work, orig, P);
	for (i = 0; i < 32; i++)
		work[randombytes_uniform((uint32_t)(L < g.S ? L : g.S))] ^=
		    (uint8_t)(1u << randombytes_uniform(8));
	okf = fix_ok(&g, PARITY_REPAIRED) || memcmp(work, orig, P) == 0;
	T(okf, "random bit flips in shard 0 are repaired (%llu)",
	    (unsigned long long)L);
	/* parity_decode (repair with the key): the erasures are given,
	 * no table is read; p of group 0 rebuild, p + 1 are refused. */
	if ((mark = calloc(g.k + g.G * g.p, 1)) == NULL)
		abort();
	memcpy(work, orig, P);
	for (i = 0; i < g.p && i * g.G < g.k; i++) {
		off = i * g.G * (uint64_t)g.S;	/* its data bytes only */
		zero_at(P, off, L - off < g.S ? L - off : g.S);
		mark[i * g.G] = 1;
	}
	memset(work + L, 0xa5, g.T);	/* table A: not read */
	okd = parity_decode(work, &g, mark) == 0 &&
	    memcmp(work, orig, L) == 0;
	if (g.k / g.G >= g.p + 1) {
		mark[g.p * g.G] = 1;
		okd &= parity_decode(work, &g, mark) == 1;
	}
	T(okd, "parity_decode rebuilds the p data shards marked, refuses "
	    "p + 1 (%llu)", (unsigned long long)L);
	/* The parity shards it marks are not used: parity shard 0 (group
	 * 0, at L + T) garbled and marked, data shard 0 erased. */
	memcpy(work, orig, P);
	memset(mark, 0, g.k + g.G * g.p);
	zero_at(P, 0, L < g.S ? L : g.S);
	memset(work + L + g.T, 0x5a, g.S);
	mark[0] = mark[g.k] = 1;
	T(parity_decode(work, &g, mark) == 0 && memcmp(work, orig, L) == 0,
	    "parity_decode leaves out the parity shard marked (%llu)",
	    (unsigned long long)L);
	free(mark);
	/* Beyond: p + 1 data shards of group 0. */
	if (g.k / g.G >= g.p + 1) {
		memcpy(work, orig, P);
		for (i = 0; i <= g.p; i++)
			work[i * g.G * (uint64_t)g.S] ^= 1;
		okl = fix_ok(&g, PARITY_LOST);
		T(okl, "p + 1 damaged shards of one group: lost (%llu)",
		    (unsigned long long)L);
	}
}

/*
 * One file size, one layout (doc/format.md section 23.3): P(L) strictly
 * increasing for every percent.  Within one k, P = L + a constant; so it
 * is enough that P grows at every step of k (both shard sizes, the whole
 * range of L) and across the change of shard size at PARITY_LARGE_FROM.
 * Around that change, every L of a 1 MiB window is checked one by one
 * too, and parity_data_len gives L back from P.
 */
static void
injective(void)
{
	static const uint32_t sz[] = { PARITY_SMALL_BYTES, PARITY_LARGE_BYTES };
	struct parity_geom a, b;
	uint64_t L, lo, hi, prev;
	unsigned pct, bad = 0, badlen = 0, nsteps = 0;
	size_t s;

	for (pct = 1; pct <= PARITY_PCT_MAX; pct++) {
		for (s = 0; s < 2; s++) {
			lo = s == 0 ? 1 : PARITY_LARGE_FROM;
			hi = s == 0 ? PARITY_LARGE_FROM : PARITY_FILE_MAX;
			/* L = k*S (last of k) against k*S + 1 (first of k+1). */
			for (L = lo - 1 + sz[s]; L + 1 < hi; L += sz[s]) {
				if (L < lo)
					continue;
				nsteps++;
				if (parity_geom(L, pct, &a) != 0 ||
				    parity_geom(L + 1, pct, &b) != 0 ||
				    b.P <= a.P)
					bad++;
			}
		}
		if (parity_geom(PARITY_LARGE_FROM - 1, pct, &a) != 0 ||
		    parity_geom(PARITY_LARGE_FROM, pct, &b) != 0 ||
		    b.P <= a.P) {
			bad++;
			printf("# %u %%: P(4 MiB - 1) = %llu >= P(4 MiB) = %llu\n",
			    pct, (unsigned long long)a.P,
			    (unsigned long long)b.P);
		}
		prev = 0;
		for (L = PARITY_LARGE_FROM - (512u << 10);
		    L <= PARITY_LARGE_FROM + (512u << 10); L++) {
			if (parity_geom(L, pct, &a) != 0 || a.P <= prev)
				bad++;
			prev = a.P;
		}
		parity_use(pct);
		for (L = PARITY_LARGE_FROM - 8192; L <= PARITY_LARGE_FROM +
		    8192; L += 61)
			if (parity_geom(L, pct, &a) != 0 ||
			    parity_data_len(a.P) != L)
				badlen++;
	}
	parity_use(PARITY_PCT_DEFAULT);
	T(bad == 0, "P(L) strictly increasing at every percent: %u steps of "
	    "k and 1 MiB around the shard size change, %u not", nsteps, bad);
	T(badlen == 0, "parity_data_len(P(L)) is L around 4 MiB at every "
	    "percent (%u not)", badlen);
}

/*
 * Just under and at 4 MiB, every table zeroed: the repository's percent
 * alone finds the one layout of that size (parity_locate 1), and the
 * file is then reported lost, not taken for another layout.
 */
static void
no_table(unsigned pct)
{
	static const uint64_t sizes[] = { PARITY_LARGE_FROM - 1,
	    PARITY_LARGE_FROM };
	struct parity_geom g, h;
	struct parity_mem m;
	size_t i;
	int ok = 1;

	parity_use(pct);
	for (i = 0; i < 2; i++) {
		if (parity_geom(sizes[i], pct, &g) != 0) {
			ok = 0;
			continue;
		}
		orig = realloc(orig, g.P);
		randombytes_buf(orig, g.L);
		if (parity_encode(orig, &g) != 0) {
			ok = 0;
			continue;
		}
		memset(orig + g.L, 0, g.T);
		memset(orig + g.L + g.T + g.S, 0, g.T);
		memset(orig + g.P - g.T, 0, g.T);
		m.p = orig;
		m.len = g.P;
		ok &= parity_locate(parity_mem_read, &m, g.P, &h) == 1 &&
		    h.L == g.L && h.S == g.S && h.p == g.p;
	}
	parity_use(PARITY_PCT_DEFAULT);
	T(ok, "%u %%: every table lost just under and at 4 MiB: the size "
	    "alone gives the layout", pct);
}

int
main(void)
{
	static const uint64_t sizes[] = { 1, 100, 4095, 4096, 4097, 50000,
	    (4u << 20) - 1, 4u << 20, 16u << 20, (16u << 20) + 12345 };
	struct parity_geom g;
	unsigned pct;
	size_t i;
	int okinv = 1;

	t_init();
	parity_use(PARITY_PCT_DEFAULT);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* 16 MiB takes the path 4 and 5 MiB take (large shards,
		 * one group); 16 MiB + 12345 (two uneven groups, a short
		 * last shard) is kept. */
		if (t_quick() && sizes[i] == (16u << 20)) {
			printf("ok - # SKIP %llu bytes under valgrind: the "
			    "release and sanitizer runs take it\n",
			    (unsigned long long)sizes[i]);
			continue;
		}
		one_size(sizes[i], PARITY_PCT_DEFAULT);
	}
	one_size(5u << 20, 1);
	one_size(5u << 20, PARITY_PCT_MAX);
	one_size(5u << 20, 10);
	T(parity_geom(0, 3, &g) != 0 && parity_geom(1, 0, &g) != 0 &&
	    parity_geom(1, PARITY_PCT_MAX + 1, &g) != 0,
	    "no layout for 0 bytes, 0 %% or over the maximum");
	/* Every layout's size is at least its data and its parity. */
	for (pct = 1; pct <= PARITY_PCT_MAX; pct++)
		for (i = 1; i < (8u << 20); i += 4093)
			if (parity_geom(i, pct, &g) != 0 || g.P < i + 3 * 4096 ||
			    g.G * g.p < PARITY_P_MIN || (g.k + g.G - 1) / g.G + g.p > 255)
				okinv = 0;
	T(okinv, "layouts are within GF(2^8) and carry >= 3 parity shards");
	injective();
	for (pct = 1; pct <= PARITY_PCT_MAX; pct++)
		no_table(pct);
	free(orig);
	free(work);
	return t_exit();
}
