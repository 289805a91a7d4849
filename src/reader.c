/*
 * reader.c: the read side shared by snapshots, ls and restore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include "idxio.h"
#include "log.h"
#include "reader.h"
#include "treepath.h"

int
reader_blob_plain(ZSTD_DCtx *dz, const uint8_t *p, size_t len, size_t rawlen,
    uint8_t *out)
{
	size_t n;

	if (len < 1)
		return -1;
	if (p[0] == BLOB_RAW) {
		if (len - 1 != rawlen)
			return -1;
		memcpy(out, p + 1, rawlen);
		return 0;
	}
	if (p[0] != BLOB_ZSTD)
		return -1;
	n = ZSTD_decompressDCtx(dz, out, rawlen, p + 1, len - 1);
	return ZSTD_isError(n) || n != rawlen ? -1 : 0;
}

int
reader_open(struct reader *rd, struct repo *r)
{
	size_t bad;

	memset(rd, 0, sizeof(*rd));
	rd->r = r;
	index_init(&rd->ix);
	/*
	 * The snapshots before the index: a backup may run beside us (it
	 * only adds files), and each snapshot is written after the index
	 * segments and packs it needs, so an index read later holds all
	 * that the snapshots read earlier need.  The other order could
	 * see a snapshot committed in between without its index.
	 */
	if (snapshot_load_all(r->kh, r->dirfd, &rd->snaps, &rd->nsnaps, &bad)
	    != 0) {
		errorx("cannot read the snapshots: %s", strerror(errno));
		return EXIT_ERR;
	}
	if ((rd->badsnaps = bad) > 0)
		alertx("%zu damaged snapshots left out", bad);
	if (idxio_load(r->kh, r->dirfd, &rd->ix, &bad) != 0) {
		errorx("cannot read the index: %s", strerror(errno));
		return EXIT_ERR;
	}
	if ((rd->badsegs = bad) > 0)
		alertx("%zu damaged index segments left out", bad);
	if ((rd->pr = packr_new(r->dirfd)) == NULL ||
	    (rd->dz = ZSTD_createDCtx()) == NULL)
		return EXIT_ERR;
	return EXIT_OK;
}

void
reader_close(struct reader *rd)
{
	index_free(&rd->ix);
	packr_free(rd->pr);
	ZSTD_freeDCtx(rd->dz);
	snapshot_list_free(rd->snaps, rd->nsnaps);
	free(rd->buf);
	memset(rd, 0, sizeof(*rd));
}

const uint8_t *
reader_blob(struct reader *rd, const uint8_t *id, uint8_t type, size_t rawmax,
    size_t *lenp)
{
	const struct blobloc *loc = index_get(&rd->ix, id);
	uint8_t *p;

	if (loc == NULL) {
		errno = ENODATA;	/* not in the index: damage, not a path */
		return NULL;
	}
	if (loc->type != type) {
		errno = EBADMSG;
		return NULL;
	}
	/* Before the buffer grows to what the index claims. */
	if (packr_loc_ok(loc, rawmax) != 0)
		return NULL;
	if (loc->rawlen > rd->cap || rd->buf == NULL) {
		if ((p = realloc(rd->buf, loc->rawlen ? loc->rawlen : 1)) ==
		    NULL)
			return NULL;
		rd->buf = p;
		rd->cap = loc->rawlen ? loc->rawlen : 1;
	}
	if (packr_read(rd->pr, rd->r->kh, &rd->ix, loc, rd->buf, rd->cap) != 0)
		return NULL;
	*lenp = loc->rawlen;
	return rd->buf;
}

const uint8_t *
reader_blob_opened(struct reader *rd, const uint8_t *id, size_t *lenp,
    size_t *rawlenp)
{
	const struct blobloc *loc = index_get(&rd->ix, id);
	const uint8_t *p;

	if (loc == NULL) {
		errno = ENODATA;
		return NULL;
	}
	if (loc->type != BLOB_DATA) {
		errno = EBADMSG;
		return NULL;
	}
	/* The writer thread allocates rawlen bytes to decompress into. */
	if (packr_loc_ok(loc, rd->r->cfg.chunk_max) != 0)
		return NULL;
	if (packr_open(rd->pr, rd->r->kh, &rd->ix, loc, &p, lenp) != 0)
		return NULL;
	*rawlenp = loc->rawlen;
	return p;
}

void
reader_willneed(struct reader *rd, const uint8_t *id)
{
	const struct blobloc *loc = index_get(&rd->ix, id);

	if (loc != NULL && loc->type == BLOB_DATA &&
	    packr_loc_ok(loc, rd->r->cfg.chunk_max) == 0)
		packr_willneed(rd->pr, &rd->ix, loc);
}

int
reader_prefetch(struct reader *rd, const uint8_t (*ids)[32], size_t n,
    struct prefetch *pf)
{
	return prefetch_blobs(rd->r->kh, rd->pr, &rd->ix, rd->dz, BLOB_DATA,
	    rd->r->cfg.chunk_max, ids, n, pf);
}

int
tree_id_ok(struct kh *kh, const uint8_t *id, const uint8_t *p, size_t len)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* The walkers' fuzz target forges trees under ids of its choosing. */
	(void)kh, (void)id, (void)p, (void)len;
	return 1;
#else
	uint8_t got[KH_ID_BYTES];

	return kh_id(kh, KH_ID_TREE, p, len, got) == 0 &&
	    sodium_memcmp(got, id, KH_ID_BYTES) == 0;
#endif
}

/* Blob ${i}'s opened plaintext ${q}, ${ql} into pf->buf at *${poff}. */
static void
pf_put(struct prefetch *pf, ZSTD_DCtx *dz, size_t i, size_t rawlen,
    const uint8_t *q, size_t ql, size_t *poff)
{
	pf->off[i] = *poff;
	pf->rawlen[i] = rawlen;
	if (pf->opened) {
		memcpy(pf->buf + *poff, q, ql);
		pf->len[i] = ql;
		*poff += ql;
	} else if (reader_blob_plain(dz, q, ql, rawlen, pf->buf + *poff) != 0)
		pf->err[i] = EBADMSG;
	else {
		pf->len[i] = rawlen;
		*poff += rawlen;
	}
}

int
prefetch_blobs(struct kh *kh, struct packr *pr, const struct index *ix,
    ZSTD_DCtx *dz, uint8_t type, size_t rawmax, const uint8_t (*ids)[32],
    size_t n, struct prefetch *pf)
{
	const struct blobloc *loc[KH_BATCH_MAX];
	const uint8_t *in[KH_BATCH_MAX];
	uint8_t (*oid)[ENV_ID_BYTES] = NULL;
	uint32_t types[KH_BATCH_MAX];
	size_t inlen[KH_BATCH_MAX], plen[KH_BATCH_MAX], map[KH_BATCH_MAX];
	uint8_t *sealed = NULL, *plain = NULL, *p;
	const uint8_t *q;
	struct blobloc run;
	size_t i, j, m = 0, sl = 0, raw = 0, off = 0, poff = 0, k, rl, ql;
	int r = -1, whole;

	if (n > KH_BATCH_MAX)
		return -1;
	pf->n = n;
	for (i = 0; i < n; i++) {
		pf->err[i] = 0;
		pf->len[i] = 0;
		if ((loc[i] = index_get(ix, ids[i])) == NULL ||
		    loc[i]->type != type) {
			pf->err[i] = loc[i] == NULL ? ENODATA : EBADMSG;
			continue;
		}
		/* Before the batch's buffers grow by these lengths. */
		if (packr_loc_ok(loc[i], rawmax) != 0) {
			pf->err[i] = errno;
			continue;
		}
		sl += loc[i]->len;
		raw += pf->opened ? loc[i]->len : loc[i]->rawlen;
	}
	/* The sealed batch and its plaintexts: one buffer kept in ${pf},
	 * so a read-ahead does not map and fault in new pages each time. */
	if (sl > (SIZE_MAX - 2) / 2)
		goto out;
	if (2 * sl + 2 > pf->iocap) {
		free(pf->io);
		pf->iocap = 0;
		if ((pf->io = malloc(2 * sl + 2)) == NULL)
			goto out;
		pf->iocap = 2 * sl + 2;
	}
	sealed = pf->io;
	plain = pf->io + sl + 1;
	if ((oid = calloc(n ? n : 1, ENV_ID_BYTES)) == NULL)
		goto out;
	if (raw > pf->cap) {
		if ((p = realloc(pf->buf, raw)) == NULL)
			goto out;
		pf->buf = p;
		pf->cap = raw;
	}
	for (i = 0; i < n; i = j) {
		if (pf->err[i] != 0) {
			j = i + 1;
			continue;
		}
		/* Blobs back to back in one pack come in with one read. */
		for (j = i + 1, rl = loc[i]->len; j < n && pf->err[j] == 0 &&
		    loc[j]->pack == loc[i]->pack &&
		    loc[j]->off == (size_t)loc[i]->off + rl &&
		    rl + loc[j]->len <= (64u << 20); j++)
			rl += loc[j]->len;
		run = *loc[i];
		run.len = (uint32_t)rl;
		whole = j - i > 1 &&
		    packr_read_sealed(pr, ix, &run, sealed + off) == 0;
		for (k = i; k < j; k++) {
			if (!whole && packr_read_sealed(pr, ix, loc[k],
			    sealed + off) != 0) {
				pf->err[k] = errno;
				continue;
			}
			in[m] = sealed + off;
			inlen[m] = loc[k]->len;
			types[m] = type == BLOB_TREE ? OBJ_TREE : OBJ_BLOB;
			memcpy(oid[m], ids[k], 32);
			map[m++] = k;
			off += loc[k]->len;
		}
	}
	if (kh_open_batch(kh, m, types,
	    (const uint8_t (*)[ENV_ID_BYTES])oid, in, inlen, plain, sl ? sl : 1,
	    plen) != 0)
		goto out;
	for (k = 0, off = 0; k < m; k++) {
		i = map[k];
		q = plain + off;
		ql = plen[k];
		if (ql == SIZE_MAX) {
			/* Damaged on disk: read alone, packr_open repairs
			 * the pack in memory when it has parity. */
			if (pf->noheal ||
			    packr_open(pr, kh, ix, loc[i], &q, &ql) != 0) {
				pf->err[i] = EBADMSG;
				continue;
			}
		} else
			off += ql;
		pf_put(pf, dz, i, loc[i]->rawlen, q, ql, &poff);
	}
	/* A read error (a bad sector): alone again, repaired as above. */
	for (i = 0; i < n && !pf->noheal; i++) {
		if (pf->err[i] != EIO)
			continue;
		if (packr_open(pr, kh, ix, loc[i], &q, &ql) != 0)
			continue;
		pf->err[i] = 0;
		pf_put(pf, dz, i, loc[i]->rawlen, q, ql, &poff);
	}
	r = 0;
out:
	free(oid);
	return r;
}

void
prefetch_free(struct prefetch *pf)
{
	free(pf->buf);
	free(pf->io);
	pf->buf = pf->io = NULL;
	pf->cap = pf->iocap = 0;
}

int
reader_tree(struct reader *rd, const uint8_t *id, struct tree *t)
{
	const uint8_t *p;
	size_t len;

	memset(t, 0, sizeof(*t));
	if ((p = reader_blob(rd, id, BLOB_TREE, TREE_BYTES_MAX, &len)) == NULL)
		return -1;
	if (!tree_id_ok(rd->r->kh, id, p, len)) {
		errno = EILSEQ;
		return -1;
	}
	if (tree_decode(p, len, t) != 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* Can the tree blob ${id} go into a window?  1 yes, 0 no, -1 too large. */
static int
treewin_fits(struct reader *rd, const uint8_t *id, size_t *raw)
{
	const struct blobloc *loc = index_get(&rd->ix, id);

	if (loc == NULL || loc->type != BLOB_TREE ||
	    packr_loc_ok(loc, TREE_BYTES_MAX) != 0)
		return 0;		/* reader_tree reports it */
	if (loc->rawlen > TREEWIN_BYTES - *raw)
		return loc->rawlen > TREEWIN_BYTES / 4 ? 0 : -1;
	*raw += loc->rawlen;
	return 1;
}

/* Open the w->n trees of w->ids with one request; ids checked with one. */
static void
treewin_load(struct reader *rd, struct treewin *w)
{
	const uint8_t *p[TREEWIN_MAX];
	uint8_t (*got)[KH_ID_BYTES] = NULL;
	size_t len[TREEWIN_MAX], i;

	if (w->n < 2 || prefetch_blobs(rd->r->kh, rd->pr, &rd->ix, rd->dz,
	    BLOB_TREE, TREE_BYTES_MAX, (const uint8_t (*)[32])w->ids, w->n,
	    &w->pf) != 0) {
		w->n = 0;
		return;
	}
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* Every tree against its id (tree_id_ok), in one request. */
	for (i = 0; i < w->n; i++) {
		p[i] = w->pf.buf + w->pf.off[i];
		len[i] = w->pf.err[i] == 0 ? w->pf.len[i] : 0;
	}
	if ((got = calloc(w->n, KH_ID_BYTES)) == NULL ||
	    kh_id_batch(rd->r->kh, KH_ID_TREE, w->n, p, len, got) != 0) {
		free(got);
		w->n = 0;		/* unchecked: one by one after all */
		return;
	}
	for (i = 0; i < w->n; i++)
		if (w->pf.err[i] == 0 &&
		    sodium_memcmp(got[i], w->ids[i], KH_ID_BYTES) != 0)
			w->pf.err[i] = EILSEQ;
	free(got);
#else
	(void)p, (void)len, (void)got, (void)i;
#endif
}

/* Fill ${w} with the subtrees of t->nodes[k..] that fit; ids checked. */
static void
treewin_fill(struct reader *rd, struct treewin *w, const struct tree *t,
    size_t k)
{
	size_t raw = 0;
	int fit;

	for (w->n = 0; k < t->count && w->n < TREEWIN_MAX; k++) {
		if (t->nodes[k].type != NODE_DIR ||
		    (fit = treewin_fits(rd, t->nodes[k].subtree, &raw)) == 0)
			continue;
		if (fit < 0)
			break;
		memcpy(w->ids[w->n++], t->nodes[k].subtree, NODE_ID_BYTES);
	}
	w->end = k;
	treewin_load(rd, w);
}

size_t
treewin_ids(struct reader *rd, struct treewin **wp,
    const uint8_t (*ids)[NODE_ID_BYTES], size_t n)
{
	struct treewin *w = *wp;
	size_t raw = 0, k;
	int fit;

	if (w == NULL && (w = *wp = calloc(1, sizeof(*w))) == NULL)
		return n < TREEWIN_MAX ? n : TREEWIN_MAX;
	for (w->n = 0, k = 0; k < n && w->n < TREEWIN_MAX; k++) {
		if ((fit = treewin_fits(rd, ids[k], &raw)) < 0)
			break;
		if (fit)
			memcpy(w->ids[w->n++], ids[k], NODE_ID_BYTES);
	}
	w->end = 0;
	treewin_load(rd, w);
	return k;
}

/* The tree ${id} from ${w} if it holds it, else read alone. */
static int
treewin_take(struct reader *rd, const struct treewin *w, const uint8_t *id,
    struct tree *out)
{
	size_t i;

	for (i = 0; w != NULL && i < w->n; i++)
		if (memcmp(w->ids[i], id, NODE_ID_BYTES) == 0)
			break;
	if (w == NULL || i == w->n || w->pf.err[i] == EIO)
		return reader_tree(rd, id, out);
	if (w->pf.err[i] != 0) {
		errno = w->pf.err[i];
		return -1;
	}
	if (tree_decode(w->pf.buf + w->pf.off[i], w->pf.len[i], out) != 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

int
reader_subtree(struct reader *rd, struct treewin **wp, const struct tree *t,
    size_t k, struct tree *out)
{
	struct treewin *w = *wp;

	memset(out, 0, sizeof(*out));
	if (w == NULL && (w = *wp = calloc(1, sizeof(*w))) == NULL)
		return reader_tree(rd, t->nodes[k].subtree, out);
	if (k >= w->end)
		treewin_fill(rd, w, t, k);
	return treewin_take(rd, w, t->nodes[k].subtree, out);
}

int
reader_wintree(struct reader *rd, const struct treewin *w,
    const uint8_t *id, struct tree *out)
{
	memset(out, 0, sizeof(*out));
	return treewin_take(rd, w, id, out);
}

void
treewin_free(struct treewin *w)
{
	if (w != NULL)
		prefetch_free(&w->pf);
	free(w);
}

int
reader_walk(struct reader *rd, const uint8_t *root, const char *path,
    struct tree *t, struct node **np)
{
	const char *p = path, *slash;
	uint8_t id[NODE_ID_BYTES];
	struct node *n = NULL;
	size_t len;

	*np = NULL;
	if (reader_tree(rd, root, t) != 0)
		return -1;
	while (*p == '/')
		p++;
	while (*p != '\0') {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (n != NULL) {	/* descend into the node found before */
			if (n->type != NODE_DIR) {
				errno = ENOTDIR;
				return -1;
			}
			memcpy(id, n->subtree, sizeof(id));
			tree_free(t);
			if (reader_tree(rd, id, t) != 0)
				return -1;
		}
		if ((n = tree_find(t, (const uint8_t *)p, len)) == NULL) {
			errno = ENOENT;
			return -1;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	*np = n;
	return 0;
}

const char *
reader_strerror(int e)
{
	switch (e) {
	case ENODATA:
		return "missing from the index";
	case EBADMSG:
		return "damaged (authentication or decoding failed)";
	case EFBIG:
		return "claims a raw length over the format's limit for it "
		    "(damaged or forged; not read)";
	case EILSEQ:
		return "does not match its id (forged)";
	case ELOOP:
	case EMLINK:
		return treepath_why(e);
	default:
		return strerror(e);
	}
}

void
reader_hex8(const uint8_t *id, char out[9])
{
	sodium_bin2hex(out, 9, id, 4);
}
