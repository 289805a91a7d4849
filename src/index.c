/*
 * index.c: the blob index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

void
index_init(struct index *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void
index_free(struct index *ix)
{
	free(ix->slots);
	free(ix->packs);
	free(ix->fresh);
	memset(ix, 0, sizeof(*ix));
}

static size_t
slot_of(const uint8_t *id, size_t cap)
{
	return (size_t)le64dec(id) & (cap - 1);
}

static struct blobloc *
find(const struct index *ix, const uint8_t *id)
{
	size_t i;

	if (ix->cap == 0)
		return NULL;
	for (i = slot_of(id, ix->cap); ix->slots[i].type != 0;
	    i = (i + 1) & (ix->cap - 1))
		if (memcmp(ix->slots[i].id, id, INDEX_ID_BYTES) == 0)
			return &ix->slots[i];
	return NULL;
}

const struct blobloc *
index_get(const struct index *ix, const uint8_t *id)
{
	return find(ix, id);
}

/* Insert without growing; returns the slot. */
static struct blobloc *
put(struct index *ix, const struct blobloc *b)
{
	size_t i;

	for (i = slot_of(b->id, ix->cap); ix->slots[i].type != 0;
	    i = (i + 1) & (ix->cap - 1))
		;
	ix->slots[i] = *b;
	ix->count++;
	return &ix->slots[i];
}

/* Double the table; fresh pointers are rebuilt. */
static int
grow(struct index *ix)
{
	struct blobloc *old = ix->slots, *b;
	size_t oldcap = ix->cap, i, j, nf = 0;
	uint8_t (*fids)[INDEX_ID_BYTES] = NULL;

	if (ix->nfresh > 0) {
		if ((fids = calloc(ix->nfresh, INDEX_ID_BYTES)) == NULL)
			return -1;
		for (i = 0; i < ix->nfresh; i++)
			memcpy(fids[i], ix->fresh[i]->id, INDEX_ID_BYTES);
	}
	ix->cap = oldcap ? oldcap * 2 : 1024;
	if ((ix->slots = calloc(ix->cap, sizeof(*ix->slots))) == NULL) {
		ix->slots = old;
		ix->cap = oldcap;
		free(fids);
		return -1;
	}
	ix->count = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].type != 0)
			(void)put(ix, &old[i]);
	for (j = 0; j < ix->nfresh; j++) {
		b = (struct blobloc *)(uintptr_t)index_get(ix, fids[j]);
		ix->fresh[nf++] = b;
	}
	free(fids);
	free(old);
	return 0;
}

/* The number of pack ${pid}, added if new. */
static int
pack_number(struct index *ix, const uint8_t pid[PACK_ID_BYTES], uint32_t *np)
{
	uint8_t (*p)[PACK_ID_BYTES];
	size_t ncap;

	/* Packs arrive in runs: the last one is almost always the match. */
	if (ix->npacks > 0 && memcmp(ix->packs[ix->npacks - 1], pid,
	    PACK_ID_BYTES) == 0) {
		*np = (uint32_t)(ix->npacks - 1);
		return 0;
	}
	if (ix->npacks == ix->packcap) {
		ncap = ix->packcap ? ix->packcap * 2 : 64;
		if (ncap > UINT32_MAX ||
		    (p = reallocarray(ix->packs, ncap, PACK_ID_BYTES)) == NULL)
			return -1;
		ix->packs = p;
		ix->packcap = ncap;
	}
	memcpy(ix->packs[ix->npacks], pid, PACK_ID_BYTES);
	*np = (uint32_t)ix->npacks++;
	return 0;
}

static int
add(struct index *ix, const struct blobloc *b, int fresh)
{
	struct blobloc *s, **f;
	size_t ncap;

	if (index_get(ix, b->id) != NULL)
		return 0;
	if ((ix->count + 1) * 2 > ix->cap && grow(ix) != 0)
		return -1;
	if (fresh && ix->nfresh == ix->freshcap) {
		ncap = ix->freshcap ? ix->freshcap * 2 : 256;
		if ((f = reallocarray(ix->fresh, ncap, sizeof(*f))) == NULL)
			return -1;
		ix->fresh = f;
		ix->freshcap = ncap;
	}
	s = put(ix, b);
	if (fresh)
		ix->fresh[ix->nfresh++] = s;
	return 0;
}

int
index_add(struct index *ix, const uint8_t *id, uint8_t type,
    const uint8_t pid[PACK_ID_BYTES], uint32_t off, uint32_t len,
    uint32_t rawlen)
{
	struct blobloc b;

	memcpy(b.id, id, INDEX_ID_BYTES);
	b.type = type;
	b.off = off;
	b.len = len;
	b.rawlen = rawlen;
	if (pack_number(ix, pid, &b.pack) != 0)
		return -1;
	return add(ix, &b, 1);
}

int
index_reserve(struct index *ix, const uint8_t *id, uint8_t type,
    uint32_t rawlen)
{
	struct blobloc b;
	size_t before = ix->count;

	memset(&b, 0, sizeof(b));
	memcpy(b.id, id, INDEX_ID_BYTES);
	b.type = type;
	b.pack = INDEX_UNPLACED;
	b.rawlen = rawlen;
	if (add(ix, &b, 1) != 0)	/* add leaves a known id as it is */
		return -1;
	return ix->count > before;
}

int
index_place(struct index *ix, const uint8_t *id,
    const uint8_t pid[PACK_ID_BYTES], uint32_t off, uint32_t len)
{
	struct blobloc *b = find(ix, id);
	uint32_t np;

	if (b == NULL || b->pack != INDEX_UNPLACED) {
		errno = b == NULL ? ENOENT : EEXIST;
		return -1;
	}
	if (pack_number(ix, pid, &np) != 0)
		return -1;
	b->pack = np;
	b->off = off;
	b->len = len;
	return 0;
}

int
index_refresh(struct index *ix, const uint8_t *id)
{
	struct blobloc *b = find(ix, id), **f;
	size_t ncap;

	if (b == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (ix->nfresh == ix->freshcap) {
		ncap = ix->freshcap ? ix->freshcap * 2 : 256;
		if ((f = reallocarray(ix->fresh, ncap, sizeof(*f))) == NULL)
			return -1;
		ix->fresh = f;
		ix->freshcap = ncap;
	}
	ix->fresh[ix->nfresh++] = b;
	return 0;
}

const uint8_t *
index_pack_id(const struct index *ix, uint32_t i)
{
	return i < ix->npacks ? ix->packs[i] : NULL;
}

int
index_encode_fresh(struct index *ix, size_t max, struct dbuf *out)
{
	uint32_t *map = NULL, *order = NULL, np = 0;
	size_t n = ix->nfresh < max ? ix->nfresh : max, i, j;
	struct blobloc *b;

	dbuf_init(out, 1u << 27);
	if (n == 0)
		return 0;
	/* Local pack numbering: only the packs this segment mentions, in
	 * the order they first appear (order[]: linear, also for a whole
	 * index that prune writes at once). */
	if ((map = malloc((ix->npacks + 1) * sizeof(*map))) == NULL ||
	    (order = malloc(n * sizeof(*order))) == NULL) {
		free(map);
		return -1;
	}
	memset(map, 0xff, ix->npacks * sizeof(*map));
	for (i = 0; i < n; i++) {
		if (ix->fresh[i]->pack >= ix->npacks) {	/* never placed */
			free(order);
			free(map);
			errno = EINVAL;
			return -1;
		}
		if (map[ix->fresh[i]->pack] == UINT32_MAX) {
			order[np] = ix->fresh[i]->pack;
			map[ix->fresh[i]->pack] = np++;
		}
	}
	dbuf_put_u32(out, INDEX_FORMAT);
	dbuf_put_u32(out, np);
	for (j = 0; j < np; j++)
		dbuf_put_bytes(out, ix->packs[order[j]], PACK_ID_BYTES);
	free(order);
	dbuf_put_u32(out, (uint32_t)n);
	for (i = 0; i < n; i++) {
		b = ix->fresh[i];
		dbuf_put_bytes(out, b->id, INDEX_ID_BYTES);
		dbuf_put_u8(out, b->type);
		dbuf_put_u32(out, map[b->pack]);
		dbuf_put_u32(out, b->off);
		dbuf_put_u32(out, b->len);
		dbuf_put_u32(out, b->rawlen);
	}
	free(map);
	if (out->err) {
		dbuf_free(out);
		return -1;
	}
	memmove(ix->fresh, ix->fresh + n, (ix->nfresh - n) * sizeof(*ix->fresh));
	ix->nfresh -= n;
	return (int)n;
}

int
index_decode(struct index *ix, const uint8_t *p, size_t len)
{
	uint8_t (*pids)[PACK_ID_BYTES] = NULL;
	uint32_t fmt, np, cnt, i, lp;
	struct blobloc b;
	struct rbuf r;
	int rc = -1;

	rbuf_init(&r, p, len);
	if (rbuf_get_u32(&r, &fmt) != 0 || fmt != INDEX_FORMAT ||
	    rbuf_get_u32(&r, &np) != 0 || np > rbuf_left(&r) / PACK_ID_BYTES)
		return -1;
	if (np > 0 && (pids = malloc((size_t)np * PACK_ID_BYTES)) == NULL)
		return -1;
	if (rbuf_get_bytes(&r, pids, (size_t)np * PACK_ID_BYTES) != 0 ||
	    rbuf_get_u32(&r, &cnt) != 0 || cnt > rbuf_left(&r) / 49)
		goto out;
	for (i = 0; i < cnt; i++) {
		if (rbuf_get_bytes(&r, b.id, INDEX_ID_BYTES) != 0 ||
		    rbuf_get_u8(&r, &b.type) != 0 ||
		    (b.type != BLOB_DATA && b.type != BLOB_TREE) ||
		    rbuf_get_u32(&r, &lp) != 0 || lp >= np ||
		    rbuf_get_u32(&r, &b.off) != 0 ||
		    rbuf_get_u32(&r, &b.len) != 0 ||
		    rbuf_get_u32(&r, &b.rawlen) != 0 ||
		    b.len > UINT32_MAX - b.off)
			goto out;
		if (pack_number(ix, pids[lp], &b.pack) != 0 ||
		    add(ix, &b, 0) != 0)
			goto out;
	}
	if (rbuf_end(&r) == 0)
		rc = 0;
out:
	free(pids);
	return rc;
}

/* For index_merge_packs: sort pack numbers by their ids, then number. */
static const struct index *merge_ix;

static int
merge_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = memcmp(merge_ix->packs[x], merge_ix->packs[y], PACK_ID_BYTES);

	return c != 0 ? c : x < y ? -1 : x > y;
}

int
index_merge_packs(struct index *ix)
{
	uint32_t *ord, *map, *keep, k, n = 0;
	size_t i;

	if (ix->npacks < 2)
		return 0;
	ord = calloc(ix->npacks, sizeof(*ord));
	map = calloc(ix->npacks, sizeof(*map));
	keep = calloc(ix->npacks, sizeof(*keep));
	if (ord == NULL || map == NULL || keep == NULL) {
		free(ord);
		free(map);
		free(keep);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < ix->npacks; i++)
		ord[i] = (uint32_t)i;
	merge_ix = ix;
	qsort(ord, ix->npacks, sizeof(*ord), merge_cmp);
	/* map[old] = the first (lowest) number of the same id. */
	for (i = 0; i < ix->npacks; i++)
		map[ord[i]] = i > 0 && memcmp(ix->packs[ord[i]],
		    ix->packs[ord[i - 1]], PACK_ID_BYTES) == 0 ?
		    map[ord[i - 1]] : ord[i];
	/* Compact, keeping the first-seen order: new numbers. */
	for (i = 0; i < ix->npacks; i++)
		if (map[i] == i) {
			keep[i] = n;
			if (n != i)
				memcpy(ix->packs[n], ix->packs[i],
				    PACK_ID_BYTES);
			n++;
		}
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type != 0 &&
		    ix->slots[i].pack != INDEX_UNPLACED) {
			k = map[ix->slots[i].pack];
			ix->slots[i].pack = keep[k];
		}
	ix->npacks = n;
	free(ord);
	free(map);
	free(keep);
	return 0;
}
