/*
 * parity_prove.c: a repository file's sealed objects opened through the
 * keyholder, and the AEAD as the judge of a parity repair (parity_prove.h,
 * doc/format.md section 23.8).  Runs in the worker: it sends sealed bytes
 * to the keyholder and learns only whether each opens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "kh.h"
#include "pack.h"
#include "parity_prove.h"

/*
 * The first object of the data ${w} (${L} bytes) that does not open, in
 * the order a reader needs them: a pack's trailer (ordinal 0), its header
 * (1), then blob i (2 + i); an index segment's or snapshot's envelope
 * (0).  0: every one opens.  1: the object *${ord} at [*${lo}, *${hi})
 * does not.  2: an authentic trailer or header says what no writer does
 * (beyond repair here).  -1 with errno ENOMEM.
 */
static int
first_bad(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *w, uint64_t L, uint64_t *ord, uint64_t *lo, uint64_t *hi)
{
	uint8_t oid[ENV_ID_BYTES], tl[64], *pt = NULL;
	struct packhdr_ent *v = NULL;
	uint64_t hlen, end;
	size_t len, n = 0, i, cap;
	int r = -1;

	memset(oid, 0, sizeof(oid));
	memcpy(oid, id, 16);
	*ord = 0;
	*lo = 0;
	*hi = L;
	if (kind != PROVE_PACK) {
		if ((pt = malloc((size_t)L)) == NULL)
			return -1;
		r = kh_open(pv->kh, kind == PROVE_INDEX ? OBJ_INDEX :
		    OBJ_SNAPSHOT, oid, w, (size_t)L, pt, (size_t)L, &len) == 0 ?
		    0 : 1;
		free(pt);
		return r;
	}
	if (L < PACK_TRAILER_BYTES + ENV_OVERHEAD)
		return 2;
	*lo = L - PACK_TRAILER_BYTES;
	oid[PACK_ID_BYTES] = 1;
	if (kh_open(pv->kh, OBJ_PACKHDR, oid, w + *lo, PACK_TRAILER_BYTES, tl,
	    sizeof(tl), &len) != 0 || len != 8)
		return 1;
	/* Authentic, but bounded before it sizes anything. */
	hlen = le64dec(tl);
	if (hlen < ENV_OVERHEAD || hlen > L - PACK_TRAILER_BYTES ||
	    hlen > PACK_HDR_SEALED_MAX)
		return 2;
	end = L - PACK_TRAILER_BYTES - hlen;
	*ord = 1;
	*lo = end;
	*hi = L - PACK_TRAILER_BYTES;
	oid[PACK_ID_BYTES] = 0;
	if ((pt = malloc((size_t)hlen)) == NULL)
		return -1;
	if (kh_open(pv->kh, OBJ_PACKHDR, oid, w + end, (size_t)hlen, pt,
	    (size_t)hlen, &len) != 0) {
		r = 1;
		goto out;
	}
	if (packhdr_decode(pt, len, end, pv->datamax, &v, &n) != 0) {
		r = errno == ENOMEM ? -1 : 2;
		goto out;
	}
	free(pt);
	pt = NULL;
	cap = 0;
	for (i = 0; i < n; i++) {
		*ord = 2 + i;
		*lo = v[i].off;
		*hi = (uint64_t)v[i].off + v[i].len;
		if (v[i].len > cap) {
			free(pt);
			cap = v[i].len;
			if ((pt = malloc(cap)) == NULL)
				goto out;
		}
		if (kh_open(pv->kh, v[i].type == BLOB_TREE ? OBJ_TREE :
		    OBJ_BLOB, v[i].id, w + v[i].off, v[i].len, pt, cap,
		    &len) != 0 || len < 1) {
			r = 1;
			goto out;
		}
	}
	r = 0;
out:
	free(v);
	free(pt);
	return r;
}

int
prove_data(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *f, uint64_t L)
{
	uint64_t ord, lo, hi;
	int r;

	if ((r = first_bad(pv, kind, id, f, L, &ord, &lo, &hi)) < 0)
		return -1;
	return r == 0;
}

/* Does ${T} mark a data shard of group ${grp}? */
static int
group_marked(const struct parity_geom *g, const uint8_t *T, uint32_t grp)
{
	uint32_t i;

	for (i = grp; i < g->k; i += g->G)
		if (T[i])
			return 1;
	return 0;
}

/*
 * Erasure set ${c} for the data shards [${a}, ${b}] (0: all of them;
 * 1 .. b - a + 1: one; then each adjacent pair), with parity shard
 * ${x} - 1 too (${x} 0: none; only one of a group the set touches), added
 * to ${E} into ${T} (${n} bytes).  1, or 0 when it is no new set.
 */
static int
candidate(const struct parity_geom *g, const uint8_t *E, uint8_t *T,
    size_t n, uint64_t a, uint64_t b, uint64_t c, uint64_t x)
{
	uint64_t i;

	memcpy(T, E, n);
	if (c == 0) {
		for (i = a; i <= b; i++)
			T[i] = 1;
	} else if (c <= b - a + 1) {
		if (a == b)	/* the same as all */
			return 0;
		T[a + c - 1] = 1;
	} else {
		i = a + (c - (b - a + 2));
		T[i] = T[i + 1] = 1;
	}
	if (x > 0) {
		if (!group_marked(g, T, (uint32_t)((x - 1) % g->G)))
			return 0;
		T[g->k + x - 1] = 1;
	}
	return memcmp(T, E, n) != 0;
}

/*
 * The object ${ord} at [${lo}, ${hi}) of ${out} fails: find erasures to
 * add to ${E} (in ${T}, scratch) that make it open, trying the sets of
 * candidate() in turn (without the tables, a damaged parity shard is
 * found only by leaving it out).  ${out} is then the file decoded with
 * the new ${E}.  0, 1 (none works), -1 ENOMEM.  Bounded: at most
 * (2 * k) * (G * p + 1) trials, each one decode and one pass of the AEAD
 * over the data.
 */
static int
extend(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *orig, const struct parity_geom *g, uint8_t *E,
    uint8_t *T, uint8_t *out, uint64_t ord, uint64_t lo, uint64_t hi)
{
	size_t n = (size_t)g->k + (size_t)g->G * g->p;
	uint64_t a = lo / g->S, b = (hi - 1) / g->S, c, nc, x, o2, l2, h2;
	int r;

	if (b >= g->k)
		b = g->k - 1;
	if (a > b)
		return 1;
	nc = 1 + (b - a + 1) + (b - a);	/* all, singles, pairs */
	for (c = 0; c < nc; c++) {
		for (x = 0; x <= (uint64_t)g->G * g->p; x++) {
			if (!candidate(g, E, T, n, a, b, c, x))
				continue;
			memcpy(out, orig, (size_t)g->P);
			if ((r = parity_decode(out, g, T)) < 0)
				return -1;
			if (r > 0)
				continue;
			if ((r = first_bad(pv, kind, id, out, g->L, &o2, &l2,
			    &h2)) < 0)
				return -1;
			/* It opens now, and nothing before it broke. */
			if (r == 0 || (r == 1 && o2 > ord)) {
				memcpy(E, T, n);
				return 0;
			}
		}
	}
	return 1;
}

int
prove_repair(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *orig, const struct parity_geom *g, uint8_t *out)
{
	size_t n = (size_t)g->k + (size_t)g->G * g->p;
	uint8_t *E, *T;
	uint64_t round, ord, lo, hi;
	int r, ret = -1;

	E = calloc(n, 1);
	T = malloc(n);
	if (E == NULL || T == NULL) {
		errno = ENOMEM;
		goto out;
	}
	memcpy(out, orig, (size_t)g->P);
	/* Each round adds at least one shard to E: at most n. */
	for (round = 0; round <= n; round++) {
		if ((r = first_bad(pv, kind, id, out, g->L, &ord, &lo, &hi)) <
		    0)
			goto out;
		if (r == 0) {
			if (parity_encode(out, g) != 0)
				goto out;
			ret = 0;
			goto out;
		}
		if (r == 2)
			break;
		if ((r = extend(pv, kind, id, orig, g, E, T, out, ord, lo,
		    hi)) < 0)
			goto out;
		if (r > 0)
			break;
	}
	ret = 1;
out:
	free(T);
	free(E);
	return ret;
}
