/*
 * parity.c: Reed-Solomon parity over sealed repository files (parity.h,
 * doc/format.md section 23).  The code is Intel ISA-L's (Cauchy matrix,
 * GF(2^8)); this file is the layout, the checksums that turn damage into
 * erasures, and the choice of surviving shards.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <isa-l/erasure_code.h>
#include <sodium.h>

#include "buf.h"
#include "fsio.h"
#include "log.h"
#include "parity.h"

static unsigned parity_pct;
static int parity_known;	/* parity_use was called (a config read) */

void
parity_use(unsigned pct)
{
	parity_pct = pct;
	parity_known = 1;
}

unsigned
parity_in_use(void)
{
	return parity_pct;
}

int
parity_layout(size_t L, struct parity_geom *g)
{
	memset(g, 0, sizeof(*g));
	if (parity_pct == 0)
		return 0;
	if (parity_geom(L, parity_pct, g) != 0 || g->P > SIZE_MAX) {
		errno = EFBIG;
		return -1;
	}
	return 0;
}

/* Parity shards of a group of ${m} data shards at ${pct}, before floors. */
static uint32_t
group_p(uint32_t m, unsigned pct)
{
	return (m * pct + 99) / 100;
}

/*
 * The overhead of ${k} data shards of ${S} bytes at ${pct}: into ${g}.
 * The file size P(L) is strictly increasing in L (so one size is one
 * layout: parity_locate, parity_data_len).  For one shard size: L + 1
 * keeps k (P + 1) or adds a shard, and G, p and T never shrink as k
 * grows.  Across the change of shard size: the floor below gives a file
 * of 4 MiB (k = 32 shards of 128 KiB) at least the parity and tables of
 * one just under (k = 1024 shards of 4 KiB, G = 8 full groups of p4
 * parity shards each), so P(4 MiB) > P(4 MiB - 1); test_parity.c checks
 * every step of k at every percent (doc/format.md section 23.3).
 */
static void
geom_k(uint32_t S, uint32_t k, unsigned pct, struct parity_geom *g)
{
	uint32_t m = k < PARITY_GROUP_MAX ? k : PARITY_GROUP_MAX, p4;

	g->pct = pct;
	g->S = S;
	g->k = k;
	g->G = (k + PARITY_GROUP_MAX - 1) / PARITY_GROUP_MAX;
	g->p = group_p(m, pct);
	/* A burst anywhere costs two shards; then one sector more. */
	if (g->p < PARITY_P_MIN + (S == PARITY_LARGE_BYTES))
		g->p = PARITY_P_MIN + (S == PARITY_LARGE_BYTES);
	/*
	 * 128 KiB shards: at least (p4 + 5) / 4, a quarter of the parity
	 * bytes of 4 MiB of 4 KiB shards and 64 KiB more for their larger
	 * tables (8 * 4096 * p4 + 48 * (1024 + 8 * p4) <= 131072 * p + 48 *
	 * (32 + p) while p4 <= 46).  Changes the layout only from 11 %.
	 */
	if (S == PARITY_LARGE_BYTES) {
		p4 = group_p(PARITY_GROUP_MAX, pct);
		if (p4 < PARITY_P_MIN)
			p4 = PARITY_P_MIN;
		if (g->p < (p4 + 5) / 4)
			g->p = (p4 + 5) / 4;
	}
	g->T = (uint64_t)(k + g->G * g->p) * PARITY_HASH_BYTES +
	    PARITY_HEAD_BYTES + PARITY_SUM_BYTES;
}

static uint64_t
geom_overhead(const struct parity_geom *g)
{
	return 3 * g->T + (uint64_t)g->G * g->p * g->S;
}

int
parity_geom(uint64_t L, unsigned pct, struct parity_geom *g)
{
	uint32_t S;

	if (L == 0 || L > PARITY_FILE_MAX || pct < 1 || pct > PARITY_PCT_MAX)
		return -1;
	S = L < PARITY_LARGE_FROM ? PARITY_SMALL_BYTES : PARITY_LARGE_BYTES;
	geom_k(S, (uint32_t)((L + S - 1) / S), pct, g);
	g->L = L;
	g->P = L + geom_overhead(g);
	return 0;
}

/* Data shard ${i}: in ${f}, or the zero-padded copy of a short last one. */
static uint8_t *
dshard(uint8_t *f, const struct parity_geom *g, uint8_t *last, uint32_t i)
{
	return i + 1 == g->k && last != NULL ? last : f + (uint64_t)i * g->S;
}

static uint8_t *
pshard(uint8_t *f, const struct parity_geom *g, uint32_t q)
{
	return f + g->L + g->T + (uint64_t)q * g->S + (q > 0 ? g->T : 0);
}

/* Where table copy ${c} (0 A, 1 C, 2 B) starts. */
static uint64_t
table_off(const struct parity_geom *g, int c)
{
	return c == 0 ? g->L : c == 1 ? g->L + g->T + g->S : g->P - g->T;
}

/* A zero-padded copy of the last data shard if it is short; else NULL. */
static int
last_copy(const uint8_t *f, const struct parity_geom *g, uint8_t **lastp)
{
	uint64_t off = (uint64_t)(g->k - 1) * g->S;

	*lastp = NULL;
	if (g->L - off == g->S)
		return 0;
	if ((*lastp = calloc(1, g->S)) == NULL)
		return -1;
	memcpy(*lastp, f + off, g->L - off);
	return 0;
}

static uint32_t
group_k(const struct parity_geom *g, uint32_t grp)
{
	return (g->k - grp + g->G - 1) / g->G;
}

/* The table of ${f} (its shards as they are now) into ${t} (g->T bytes). */
static void
table_make(uint8_t *f, const struct parity_geom *g, uint8_t *last,
    uint8_t *t)
{
	uint32_t i, n = g->G * g->p;
	uint8_t *h = t;

	for (i = 0; i < g->k; i++, h += PARITY_HASH_BYTES)
		crypto_generichash(h, PARITY_HASH_BYTES, dshard(f, g, last, i),
		    g->S, NULL, 0);
	for (i = 0; i < n; i++, h += PARITY_HASH_BYTES)
		crypto_generichash(h, PARITY_HASH_BYTES, pshard(f, g, i),
		    g->S, NULL, 0);
	memcpy(h, PARITY_MAGIC, 8);
	le32enc(h + 8, PARITY_VERSION);
	le32enc(h + 12, g->pct);
	le64enc(h + 16, g->L);
	h += PARITY_HEAD_BYTES;
	crypto_generichash(h, PARITY_SUM_BYTES, t, (size_t)(h - t), NULL, 0);
}

/* Encode group ${grp}'s parity from its data shards. */
static int
encode_group(uint8_t *f, const struct parity_geom *g, uint8_t *last,
    uint32_t grp)
{
	uint32_t kg = group_k(g, grp), j;
	uint8_t *a, *tb, *dp[PARITY_GROUP_MAX], *pp[PARITY_GROUP_MAX];
	int r = -1;

	a = malloc((size_t)(kg + g->p) * kg);
	tb = malloc((size_t)32 * kg * g->p);
	if (a == NULL || tb == NULL) {
		errno = ENOMEM;
		goto out;
	}
	for (j = 0; j < kg; j++)
		dp[j] = dshard(f, g, last, grp + j * g->G);
	for (j = 0; j < g->p; j++)
		pp[j] = pshard(f, g, j * g->G + grp);
	gf_gen_cauchy1_matrix(a, (int)(kg + g->p), (int)kg);
	ec_init_tables((int)kg, (int)g->p, a + (size_t)kg * kg, tb);
	ec_encode_data((int)g->S, (int)kg, (int)g->p, tb, dp, pp);
	r = 0;
out:
	free(tb);
	free(a);
	return r;
}

int
parity_encode(uint8_t *f, const struct parity_geom *g)
{
	uint8_t *last;
	uint32_t grp;
	int r = -1;

	if (last_copy(f, g, &last) != 0) {
		errno = ENOMEM;
		return -1;
	}
	for (grp = 0; grp < g->G; grp++)
		if (encode_group(f, g, last, grp) != 0)
			goto out;
	table_make(f, g, last, f + g->L);
	memcpy(f + table_off(g, 1), f + g->L, g->T);
	memcpy(f + table_off(g, 2), f + g->L, g->T);
	r = 0;
out:
	free(last);
	return r;
}

int
parity_mem_read(void *arg, uint8_t *buf, size_t len, uint64_t off)
{
	const struct parity_mem *m = arg;

	if (off > m->len || len > m->len - off)
		return -1;
	memcpy(buf, m->p + off, len);
	return 0;
}

int
parity_fd_read(void *arg, uint8_t *buf, size_t len, uint64_t off)
{
	const int *fd = arg;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(*fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Unreadable bytes past which no file of ${len} bytes is repairable: its
 * erasures (at most p shards a group, and the tables) hold at most P - L
 * bytes, which is at most L (then at most half the file) or, for files of
 * three 4 KiB shards or fewer, under 64 KiB (doc/format.md section 23.5).
 */
static uint64_t
eio_max(uint64_t len)
{
	return len / 2 > 65536 ? len / 2 : 65536;
}

/*
 * Whether a file of this repository can have parity: its config says so,
 * or no config was read (repair data: the layout search then decides,
 * and a file without one is unreadable, not "without parity").
 */
static int
may_have_parity(void)
{
	return parity_pct != 0 || !parity_known;
}

int
parity_read_whole(int fd, uint8_t *f, size_t len, const char *what)
{
	uint64_t lost = 0, first = 0;
	unsigned npiece = 0;
	size_t off, n;

	errno = 0;
	if (parity_fd_read(&fd, f, len, 0) == 0)
		return 0;
	if (errno != EIO)
		goto fail;
	/* Zeros are only an erasure where a parity repairs them. */
	if (!may_have_parity()) {
		errno = EIO;
		return -1;
	}
	/* A bad sector: each piece that still fails is an erasure. */
	for (off = 0; off < len; off += n) {
		n = len - off < PARITY_SMALL_BYTES ? len - off :
		    PARITY_SMALL_BYTES;
		errno = 0;
		if (parity_fd_read(&fd, f + off, n, off) == 0)
			continue;
		if (errno != EIO)
			goto fail;
		memset(f + off, 0, n);
		if (npiece++ == 0)
			first = off;
		if (npiece <= PARITY_EIO_SHOWN)
			infox("%s: unreadable (I/O error): bytes %llu to "
			    "%llu", what, (unsigned long long)off,
			    (unsigned long long)(off + n - 1));
		if ((lost += n) > eio_max(len)) {
			alertx("%s: more than %llu bytes unreadable (I/O "
			    "errors from byte %llu): beyond any parity; the "
			    "disk is failing", what,
			    (unsigned long long)eio_max(len),
			    (unsigned long long)first);
			errno = EIO;
			return -1;
		}
	}
	if (npiece == 0) {
		alertx("%s: a read of it failed (I/O error), but every 4 KiB "
		    "piece read again: the disk may be failing", what);
		return 0;
	}
	if (npiece > PARITY_EIO_SHOWN)
		infox("%s: and %u more unreadable pieces", what,
		    npiece - PARITY_EIO_SHOWN);
	alertx("%s: %u unreadable 4 KiB piece%s (I/O error%s, the first at "
	    "byte %llu): the disk is failing there; read as zeros, for the "
	    "parity to repair", what, npiece, PLURAL(npiece), PLURAL(npiece),
	    (unsigned long long)first);
	return (int)(npiece < INT32_MAX ? npiece : INT32_MAX);
fail:
	if (errno == 0)
		errno = EIO;	/* shorter than it was */
	return -1;
}

int
parity_read_file(int dfd, const char *name, size_t max, uint8_t **fp,
    size_t *lenp, const char *what)
{
	uint8_t *f = NULL;
	size_t size;
	int fd, r = -1, e;

	*fp = NULL;
	if ((fd = fsio_open_reg(dfd, name, max, &size)) < 0)
		return -1;
	if ((f = malloc(size > 0 ? size : 1)) == NULL)
		goto out;
	if ((r = parity_read_whole(fd, f, size, what)) < 0) {
		free(f);
		goto out;
	}
	*fp = f;
	*lenp = size;
out:
	e = errno;
	(void)close(fd);
	errno = e;
	return r;
}

/*
 * Is the table at ${off} of the file whole and of the layout ${g}?  1 yes,
 * 0 no, -1 ENOMEM.  A read error is a damaged table (0).
 */
static int
table_holds(parity_read_fn rd, void *arg, uint64_t off,
    const struct parity_geom *g)
{
	uint8_t sum[PARITY_SUM_BYTES], *t, *h;
	int ok = 0;

	if ((t = malloc(g->T)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (rd(arg, t, g->T, off) == 0) {
		h = t + g->T - PARITY_SUM_BYTES - PARITY_HEAD_BYTES;
		crypto_generichash(sum, sizeof(sum), t, g->T - PARITY_SUM_BYTES,
		    NULL, 0);
		ok = sodium_memcmp(sum, h + PARITY_HEAD_BYTES, sizeof(sum)) ==
		    0 && memcmp(h, PARITY_MAGIC, 8) == 0 &&
		    le32dec(h + 8) == PARITY_VERSION &&
		    le32dec(h + 12) == g->pct && le64dec(h + 16) == g->L;
	}
	free(t);
	return ok;
}

/* Table B's head says the layout; does its table hold? 2, 0 or -1. */
static int
locate_b(parity_read_fn rd, void *arg, uint64_t P, struct parity_geom *g)
{
	uint8_t h[PARITY_HEAD_BYTES + PARITY_SUM_BYTES];
	int ok;

	if (P < sizeof(h) || rd(arg, h, sizeof(h), P - sizeof(h)) != 0 ||
	    memcmp(h, PARITY_MAGIC, 8) != 0 ||
	    le32dec(h + 8) != PARITY_VERSION ||
	    parity_geom(le64dec(h + 16), le32dec(h + 12), g) != 0 ||
	    g->P != P)
		return 0;
	if ((ok = table_holds(rd, arg, P - g->T, g)) < 0)
		return -1;
	return ok ? 2 : 0;
}

/*
 * The layouts of ${pct} that give a file of ${P} bytes: table A's
 * checked for each (2 with ${g} when one holds).  Otherwise *${nfit}
 * counts them and ${g} is the last.  Bounded: k up to P / S.
 */
static int
locate_a(parity_read_fn rd, void *arg, uint64_t P, unsigned pct,
    struct parity_geom *g, unsigned *nfit)
{
	static const uint32_t sizes[] = { PARITY_SMALL_BYTES,
	    PARITY_LARGE_BYTES };
	struct parity_geom t;
	uint64_t o, L;
	uint32_t k;
	size_t s;
	int ok;

	for (s = 0; s < 2; s++)
		for (k = 1; (uint64_t)(k - 1) * sizes[s] < P && (s == 1 ||
		    (uint64_t)(k - 1) * sizes[s] < PARITY_LARGE_FROM); k++) {
			geom_k(sizes[s], k, pct, &t);
			if ((o = geom_overhead(&t)) >= P)
				continue;
			L = P - o;
			if (parity_geom(L, pct, &t) != 0 || t.S != sizes[s] ||
			    t.k != k || t.P != P)
				continue;
			if ((ok = table_holds(rd, arg, L, &t)) == 0)
				ok = table_holds(rd, arg, table_off(&t, 1), &t);
			if (ok < 0)
				return -1;
			*g = t;
			if (ok)
				return 2;
			(*nfit)++;
		}
	return 0;
}

int
parity_locate(parity_read_fn rd, void *arg, uint64_t P, struct parity_geom *g)
{
	struct parity_geom mine = { 0 };
	unsigned pct, nfit = 0, nmine = 0;
	int r;

	if (P > PARITY_P_MAX)	/* bounds the searches below */
		return 0;
	if ((r = locate_b(rd, arg, P, g)) != 0)
		return r;
	for (pct = 1; pct <= PARITY_PCT_MAX; pct++) {
		unsigned before = nfit;

		if ((r = locate_a(rd, arg, P, pct, g, &nfit)) != 0)
			return r;
		if (pct == parity_pct && nfit > before) {
			nmine = nfit - before;
			mine = *g;
		}
	}
	/* No table holds: the repository's own percent may still say. */
	if (nmine == 1) {
		*g = mine;
		return 1;
	}
	return 0;
}

/* Shards of group ${grp} whose checksum fails: rows of its code. */
static uint32_t
group_bad(const uint8_t *bad, const struct parity_geom *g, uint32_t grp,
    uint8_t *rowbad)
{
	uint32_t kg = group_k(g, grp), j, n = 0;

	for (j = 0; j < kg; j++)
		n += rowbad[j] = bad[grp + j * g->G];
	for (j = 0; j < g->p; j++)
		n += rowbad[kg + j] = bad[g->k + j * g->G + grp];
	return n;
}

/*
 * Rebuild the damaged data shards of group ${grp} from the first kg
 * whole rows.  0, 1 (too many lost or a singular matrix), -1 ENOMEM.
 */
static int
decode_group(uint8_t *f, const struct parity_geom *g, uint8_t *last,
    const uint8_t *bad, uint32_t grp)
{
	uint32_t kg = group_k(g, grp), rows = kg + g->p, j, r, nsrc = 0;
	uint32_t nlost = 0, nbad;
	uint8_t rowbad[PARITY_GROUP_MAX + PARITY_GROUP_MAX];
	uint8_t *src[PARITY_GROUP_MAX], *out[PARITY_GROUP_MAX];
	uint8_t *a = NULL, *b = NULL, *inv = NULL, *c = NULL, *tb = NULL;
	int ret = -1;

	if ((nbad = group_bad(bad, g, grp, rowbad)) == 0)
		return 0;
	if (nbad > g->p)
		return 1;
	a = malloc((size_t)rows * kg);
	b = malloc((size_t)kg * kg);
	inv = malloc((size_t)kg * kg);
	c = malloc((size_t)kg * kg);
	tb = malloc((size_t)32 * kg * kg);
	if (a == NULL || b == NULL || inv == NULL || c == NULL || tb == NULL) {
		errno = ENOMEM;
		goto out;
	}
	gf_gen_cauchy1_matrix(a, (int)rows, (int)kg);
	for (r = 0; r < rows && nsrc < kg; r++) {
		if (rowbad[r])
			continue;
		memcpy(b + (size_t)nsrc * kg, a + (size_t)r * kg, kg);
		src[nsrc++] = r < kg ? dshard(f, g, last, grp + r * g->G) :
		    pshard(f, g, (r - kg) * g->G + grp);
	}
	/* Cauchy: every square submatrix inverts; checked all the same. */
	if (nsrc < kg || gf_invert_matrix(b, inv, (int)kg) != 0) {
		ret = 1;
		goto out;
	}
	for (j = 0; j < kg; j++)
		if (rowbad[j]) {
			memcpy(c + (size_t)nlost * kg, inv + (size_t)j * kg, kg);
			out[nlost++] = dshard(f, g, last, grp + j * g->G);
		}
	if (nlost > 0) {
		ec_init_tables((int)kg, (int)nlost, c, tb);
		ec_encode_data((int)g->S, (int)kg, (int)nlost, tb, src, out);
	}
	ret = 0;
out:
	free(tb);
	free(c);
	free(inv);
	free(b);
	free(a);
	return ret;
}

/* Mark the shards of ${f} whose checksum differs from ${t}'s.  Count. */
static unsigned
mark_bad(uint8_t *f, const struct parity_geom *g, uint8_t *last,
    const uint8_t *t, uint8_t *bad)
{
	uint8_t h[PARITY_HASH_BYTES];
	uint32_t i, n = g->k + g->G * g->p;
	unsigned nbad = 0;

	for (i = 0; i < n; i++) {
		crypto_generichash(h, sizeof(h), i < g->k ? dshard(f, g, last,
		    i) : pshard(f, g, i - g->k), g->S, NULL, 0);
		bad[i] = sodium_memcmp(h, t + (size_t)i * PARITY_HASH_BYTES,
		    sizeof(h)) != 0;
		nbad += bad[i];
	}
	return nbad;
}

/* Decode every group, then check the rebuilt shards.  0, 1 lost, -1. */
static int
rebuild(uint8_t *f, const struct parity_geom *g, uint8_t *last,
    const uint8_t *t, uint8_t *bad)
{
	uint32_t grp;
	int r;

	for (grp = 0; grp < g->G; grp++)
		if ((r = decode_group(f, g, last, bad, grp)) != 0)
			return r;
	if (last != NULL)
		memcpy(f + (uint64_t)(g->k - 1) * g->S, last,
		    g->L - (uint64_t)(g->k - 1) * g->S);
	/* Only data shards must hold now; the parity is rewritten. */
	(void)mark_bad(f, g, last, t, bad);
	for (grp = 0; grp < g->k; grp++)
		if (bad[grp])
			return 1;
	return 0;
}

int
parity_decode(uint8_t *f, const struct parity_geom *g, const uint8_t *bad)
{
	uint8_t *last;
	uint32_t grp;
	int r = 0;

	if (last_copy(f, g, &last) != 0) {
		errno = ENOMEM;
		return -1;
	}
	for (grp = 0; grp < g->G && r == 0; grp++)
		r = decode_group(f, g, last, bad, grp);
	if (r == 0 && last != NULL)
		memcpy(f + (uint64_t)(g->k - 1) * g->S, last,
		    g->L - (uint64_t)(g->k - 1) * g->S);
	free(last);
	return r;
}

int
parity_fix(uint8_t *f, uint64_t P, struct parity_geom *g, unsigned *nbadp)
{
	struct parity_mem m = { f, P };
	uint8_t *t = NULL, *bad = NULL, *last = NULL;
	unsigned nbad;
	int c, r, ret = -1;

	*nbadp = 0;
	if ((r = parity_locate(parity_mem_read, &m, P, g)) < 0)
		return -1;
	if (r == 0)
		return PARITY_NONE;
	if (r == 1) {
		*nbadp = 2;
		return PARITY_LOST;
	}
	/* The first table copy that holds: a copy, as repair rewrites. */
	if ((t = malloc(g->T)) == NULL ||
	    (bad = calloc(g->k + g->G * g->p, 1)) == NULL ||
	    last_copy(f, g, &last) != 0) {
		errno = ENOMEM;
		goto out;
	}
	for (c = 0; c < 3; c++)
		if ((r = table_holds(parity_mem_read, &m, table_off(g, c), g))
		    != 0)
			break;
	if (r < 0)
		goto out;
	memcpy(t, f + table_off(g, c < 3 ? c : 0), g->T);
	nbad = mark_bad(f, g, last, t, bad);
	for (c = 0; c < 3; c++)
		nbad += memcmp(t, f + table_off(g, c), g->T) != 0;
	*nbadp = nbad;
	if (nbad == 0) {
		ret = PARITY_CLEAN;
		goto out;
	}
	if ((r = rebuild(f, g, last, t, bad)) < 0)
		goto out;
	if (r > 0) {
		ret = PARITY_LOST;
		goto out;
	}
	if (parity_encode(f, g) != 0)
		goto out;
	ret = PARITY_REPAIRED;
out:
	free(last);
	free(bad);
	free(t);
	return ret;
}

int
parity_logical_fd(int fd, uint64_t P, uint64_t *Lp)
{
	struct parity_geom g;
	int r;

	*Lp = P;
	if (parity_pct == 0)
		return 0;
	if ((r = parity_locate(parity_fd_read, &fd, P, &g)) < 0)
		return errno == ENOMEM ? -1 : 0;
	if (r > 0)
		*Lp = g.L;
	return 0;
}

int
parity_strip(uint8_t *f, size_t *lenp, const char *what)
{
	struct parity_geom g;
	unsigned nbad;
	int r;

	/*
	 * Without parity in use here, a file that ends in a parity table
	 * still has one: copy reads SRC while DST's setting is in use.
	 */
	if (parity_pct == 0 && (*lenp < PARITY_HEAD_BYTES + PARITY_SUM_BYTES ||
	    memcmp(f + *lenp - PARITY_HEAD_BYTES - PARITY_SUM_BYTES,
	    PARITY_MAGIC, sizeof(PARITY_MAGIC) - 1) != 0))
		return 0;
	if ((r = parity_fix(f, *lenp, &g, &nbad)) < 0)
		return -1;
	switch (r) {
	case PARITY_REPAIRED:
		warnx("%s: damaged (%u shard%s); repaired in memory from its "
		    "parity", what, nbad, PLURAL(nbad));
		*lenp = (size_t)g.L;
		break;
	case PARITY_CLEAN:
		*lenp = (size_t)g.L;
		break;
	case PARITY_LOST:
		alertx("%s: damaged beyond its parity", what);
		*lenp = (size_t)g.L;
		break;
	default:
		break;
	}
	return 0;
}

int
parity_write_atomic(int dfd, const char *name, const uint8_t *p, size_t len)
{
	struct parity_geom g;
	uint8_t *f;
	int r = -1;

	if (parity_pct == 0)
		return fsio_write_atomic(dfd, name, p, len);
	if (parity_layout(len, &g) != 0)
		return -1;
	if ((f = malloc((size_t)g.P)) == NULL)
		return -1;
	memcpy(f, p, len);
	if (parity_encode(f, &g) == 0)
		r = fsio_write_atomic(dfd, name, f, (size_t)g.P);
	free(f);
	return r;
}

size_t
parity_read_max(size_t max)
{
	struct parity_geom g;

	if (parity_pct == 0 || parity_geom(max, PARITY_PCT_MAX, &g) != 0)
		return max;
	/* Tables of the small-shard layout just under 4 MiB are larger. */
	return (size_t)g.P + (2u << 20);
}

uint64_t
parity_data_len(uint64_t P)
{
	static const uint32_t sizes[] = { PARITY_SMALL_BYTES,
	    PARITY_LARGE_BYTES };
	struct parity_geom t;
	uint64_t o, best = 0;
	uint32_t k;
	size_t s;

	if (parity_pct == 0 || P > PARITY_P_MAX)
		return P;
	for (s = 0; s < 2; s++)
		for (k = 1; (uint64_t)(k - 1) * sizes[s] < P && (s == 1 ||
		    (uint64_t)(k - 1) * sizes[s] < PARITY_LARGE_FROM); k++) {
			geom_k(sizes[s], k, parity_pct, &t);
			if ((o = geom_overhead(&t)) >= P)
				continue;
			if (parity_geom(P - o, parity_pct, &t) == 0 &&
			    t.P == P && P - o > best)
				best = P - o;
		}
	return best ? best : P;
}
