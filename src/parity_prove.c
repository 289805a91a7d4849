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

/* Where the first object that fails lies, and what was sent to open. */
struct where {
	uint64_t	 ord, lo, hi;	/* its ordinal and bytes */
	uint64_t	 sent;		/* bytes sent to the keyholder, summed */
};

/* Open the ${len} sealed bytes ${c} (object ${oid}) into ${pt}. */
static int
opens(const struct prover *pv, int type, const uint8_t *oid,
    const uint8_t *c, size_t len, uint8_t *pt, size_t cap, size_t *lenp,
    struct where *b)
{
	b->sent += len;
	return kh_open(pv->kh, type, oid, c, len, pt, cap, lenp) == 0;
}

/*
 * The blobs ${v} (${n}) of the pack data ${w}, in header order: 0 (all
 * open), 1 (one does not: ${b} says which), -1 ENOMEM.
 */
static int
blobs_bad(const struct prover *pv, const uint8_t *w,
    const struct packhdr_ent *v, size_t n, struct where *b)
{
	uint8_t *pt = NULL;
	size_t len, i, cap = 0;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		b->ord = 2 + i;
		b->lo = v[i].off;
		b->hi = (uint64_t)v[i].off + v[i].len;
		if (v[i].len > cap) {
			free(pt);
			cap = v[i].len;
			if ((pt = malloc(cap)) == NULL)
				return -1;
		}
		if (!opens(pv, v[i].type == BLOB_TREE ? OBJ_TREE : OBJ_BLOB,
		    v[i].id, w + v[i].off, v[i].len, pt, cap, &len, b) ||
		    len < 1)
			r = 1;
	}
	free(pt);
	return r;
}

/*
 * The first object of the data ${w} (${L} bytes) that does not open, in
 * the order a reader needs them: a pack's trailer (ordinal 0), its header
 * (1), then blob i (2 + i); an index segment's or snapshot's envelope
 * (0).  0: every one opens.  1: the object ${b}->ord at [${b}->lo,
 * ${b}->hi) does not.  2: an authentic trailer or header says what no
 * writer does (beyond repair here).  -1 with errno ENOMEM.
 */
static int
first_bad(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *w, uint64_t L, struct where *b)
{
	uint8_t oid[ENV_ID_BYTES], tl[64], *pt = NULL;
	struct packhdr_ent *v = NULL;
	uint64_t hlen;
	size_t len, n = 0;
	int r;

	memset(oid, 0, sizeof(oid));
	memcpy(oid, id, 16);
	b->ord = 0;
	b->lo = 0;
	b->hi = L;
	if (kind != PROVE_PACK) {
		if ((pt = malloc((size_t)L)) == NULL)
			return -1;
		r = !opens(pv, kind == PROVE_INDEX ? OBJ_INDEX : OBJ_SNAPSHOT,
		    oid, w, (size_t)L, pt, (size_t)L, &len, b);
		free(pt);
		return r;
	}
	if (L < PACK_TRAILER_BYTES + ENV_OVERHEAD)
		return 2;
	b->lo = L - PACK_TRAILER_BYTES;
	oid[PACK_ID_BYTES] = 1;
	if (!opens(pv, OBJ_PACKHDR, oid, w + b->lo, PACK_TRAILER_BYTES, tl,
	    sizeof(tl), &len, b) || len != 8)
		return 1;
	/* Authentic, but bounded before it sizes anything. */
	hlen = le64dec(tl);
	if (hlen < ENV_OVERHEAD || hlen > L - PACK_TRAILER_BYTES ||
	    hlen > PACK_HDR_SEALED_MAX)
		return 2;
	b->ord = 1;
	b->hi = L - PACK_TRAILER_BYTES;
	b->lo = b->hi - hlen;
	oid[PACK_ID_BYTES] = 0;
	if ((pt = malloc((size_t)hlen)) == NULL)
		return -1;
	if (!opens(pv, OBJ_PACKHDR, oid, w + b->lo, (size_t)hlen, pt,
	    (size_t)hlen, &len, b))
		r = 1;
	else if (packhdr_decode(pt, len, b->lo, pv->datamax, &v, &n) != 0)
		r = errno == ENOMEM ? -1 : 2;
	else
		r = blobs_bad(pv, w, v, n, b);
	free(v);
	free(pt);
	return r;
}

int
prove_data(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *f, uint64_t L)
{
	struct where b = { 0, 0, 0, 0 };
	int r;

	if ((r = first_bad(pv, kind, id, f, L, &b)) < 0)
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

/* What a file's search may spend (doc/format.md section 23.8). */
struct budget {
	uint64_t	 trials;	/* decodes left */
	struct where	 b;		/* .sent: bytes sent so far */
};

/*
 * One erasure set ${T}: ${out} is ${orig} decoded with it.  0 (the object
 * ${ord} opens now, and nothing before it broke), 1 (not), -1 ENOMEM.
 */
static int
trial(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *orig, const struct parity_geom *g, const uint8_t *T,
    uint8_t *out, uint64_t ord, struct budget *bu)
{
	int r;

	bu->trials--;
	memcpy(out, orig, (size_t)g->P);
	if ((r = parity_decode(out, g, T)) != 0)
		return r < 0 ? -1 : 1;
	if ((r = first_bad(pv, kind, id, out, g->L, &bu->b)) < 0)
		return -1;
	return r == 0 || (r == 1 && bu->b.ord > ord) ? 0 : 1;
}

/*
 * The object ${ord} at [${lo}, ${hi}) of ${out} fails: find erasures to
 * add to ${E} (in ${T}, scratch) that make it open, trying the sets of
 * candidate() in turn (without the tables, a damaged parity shard is
 * found only by leaving it out).  ${out} is then the file decoded with
 * the new ${E}.  0, 1 (none works), 2 (the budget ${bu} is spent), -1
 * ENOMEM.  Each trial is one decode and one pass of the AEAD over the
 * data up to the object.
 */
static int
extend(const struct prover *pv, int kind, const uint8_t id[16],
    const uint8_t *orig, const struct parity_geom *g, uint8_t *E,
    uint8_t *T, uint8_t *out, uint64_t ord, uint64_t lo, uint64_t hi,
    struct budget *bu)
{
	size_t n = (size_t)g->k + (size_t)g->G * g->p;
	uint64_t a = lo / g->S, b = (hi - 1) / g->S, c, nc, x;
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
			if (bu->trials == 0 || bu->b.sent >= PROVE_SEND_MAX)
				return 2;
			if ((r = trial(pv, kind, id, orig, g, T, out, ord,
			    bu)) <= 0) {
				if (r == 0)
					memcpy(E, T, n);
				return r;
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
	struct budget bu;
	uint8_t *E, *T;
	uint64_t round;
	int r, ret = -1;

	memset(&bu, 0, sizeof(bu));
	bu.trials = PROVE_TRIALS(g);
	E = calloc(n, 1);
	T = malloc(n);
	if (E == NULL || T == NULL) {
		errno = ENOMEM;
		goto out;
	}
	memcpy(out, orig, (size_t)g->P);
	/* Each round adds at least one shard to E: at most n. */
	for (round = 0; round <= n; round++) {
		if ((r = first_bad(pv, kind, id, out, g->L, &bu.b)) < 0)
			goto out;
		if (r == 0) {
			ret = parity_encode(out, g) != 0 ? -1 : 0;
			goto out;
		}
		if (r == 2)
			break;
		if ((r = extend(pv, kind, id, orig, g, E, T, out, bu.b.ord,
		    bu.b.lo, bu.b.hi, &bu)) < 0)
			goto out;
		if (r == 2) {
			ret = 2;
			goto out;
		}
		if (r == 1)
			break;
	}
	ret = 1;
out:
	free(T);
	free(E);
	return ret;
}
