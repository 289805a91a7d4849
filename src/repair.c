/*
 * repair.c: rebuilding the index from the packs, and rewriting snapshots
 * around the blobs a repository has lost.
 *
 * The order of the writes (doc/format.md, section 14.2): repair index
 * writes the new segments durably before it removes the old ones
 * (idxio_replace), and touches no pack.  repair snapshots writes the
 * rewritten trees into new packs, then the index (the new blobs; or, when
 * it found blobs gone, the whole index without them), then the new
 * snapshots, and only then (--forget) removes the old snapshots.  Cut
 * anywhere, every snapshot that was whole is still whole, and a re-run
 * finishes the work.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "fsio.h"
#include "idxio.h"
#include "log.h"
#include "pack.h"
#include "packdir.h"
#include "reader.h"
#include "repair.h"
#include "show.h"
#include "treepath.h"

#define REPAIR_TAG	"repaired"
#define BATCH_BYTES	(8u << 20)	/* --read-data: sealed bytes a batch */

/* The most a data blob may hold when its use is not known (section 13). */
static size_t
data_max(const struct repo *r)
{
	return r->cfg.chunk_max > LOG_RING_BYTES ? r->cfg.chunk_max :
	    LOG_RING_BYTES;
}

static void
hex8(const uint8_t *id, char out[9])
{
	sodium_bin2hex(out, 9, id, 4);
}

/* --- repair index ------------------------------------------------------ */

/* One pack as its header lists it. */
struct rpack {
	struct packhdr_ent *v;
	uint8_t		*ok;		/* by entry: 1 whole (or not read) */
	size_t		 n;
	int		 bad;		/* header unreadable: left out */
	int		 kept;		/* header unreadable: v from the old
					   index */
};

struct ri {
	const struct opts *o;
	struct repo	*r;
	struct index	 old;		/* the segments that still load */
	struct index	 ix;		/* the new index */
	struct packr	*pr;
	ZSTD_DCtx	*dz;
	struct prefetch	 pf;
	uint64_t	 packs, blobs, dups, badpacks, badblobs;
	uint64_t	 keptpacks, keptblobs;
};

/*
 * --read-data: authenticate (and decompress) the blobs of pack ${pid},
 * ${p}->v, in batches of one keyholder request; p->ok[i] is 1 for each
 * that is whole.  0, or -1 (a request failed: the caller stops).
 */
static int
ri_read(struct ri *c, const uint8_t pid[PACK_ID_BYTES], struct rpack *p)
{
	uint8_t (*ids)[32];
	struct index tix;
	size_t map[KH_BATCH_MAX], i, j, k, m, bytes;
	uint8_t type;
	int r = -1;

	index_init(&tix);
	if ((ids = calloc(KH_BATCH_MAX, 32)) == NULL)
		return -1;
	for (i = 0; i < p->n; i++)
		if (index_add(&tix, p->v[i].id, p->v[i].type, pid,
		    p->v[i].off, p->v[i].len, p->v[i].rawlen) != 0)
			goto out;
	for (type = BLOB_DATA; type <= BLOB_TREE; type++)
		for (i = 0; i < p->n; i = j) {
			for (j = i, m = 0, bytes = 0; j < p->n &&
			    m < KH_BATCH_MAX; j++) {
				if (p->v[j].type != type)
					continue;
				if (m > 0 && bytes + p->v[j].len > BATCH_BYTES)
					break;
				bytes += p->v[j].len;
				memcpy(ids[m], p->v[j].id, 32);
				map[m++] = j;
			}
			if (m == 0)
				continue;
			if (prefetch_blobs(c->r->kh, c->pr, &tix, c->dz, type,
			    type == BLOB_TREE ? TREE_BYTES_MAX :
			    data_max(c->r), (const uint8_t (*)[32])ids, m,
			    &c->pf) != 0)
				goto out;
			/* A copy twice in one pack: the first one is read. */
			for (k = 0; k < m; k++)
				p->ok[map[k]] = c->pf.err[k] == 0 &&
				    index_get(&tix, ids[k])->off ==
				    p->v[map[k]].off;
		}
	r = 0;
out:
	index_free(&tix);
	free(ids);
	return r;
}

/*
 * Pack ${pid}, ${size} bytes, has a header that cannot be read: its
 * entries in the old index that fit inside the file, into ${p}->v (the
 * header's blobs are still in the pack, and the surviving segments list
 * them; dropping them would let the next prune delete the pack).  With
 * --read-data the caller authenticates each.  0, or -1 (ENOMEM).
 */
static int
ri_keep_old(struct ri *c, const uint8_t pid[PACK_ID_BYTES], uint64_t size,
    struct rpack *p)
{
	const struct blobloc *b;
	const uint8_t *opid;
	size_t i, n = 0;

	for (i = 0; i < c->old.cap; i++) {
		b = &c->old.slots[i];
		if (b->type == 0 || b->pack == INDEX_UNPLACED ||
		    (opid = index_pack_id(&c->old, b->pack)) == NULL ||
		    memcmp(opid, pid, PACK_ID_BYTES) != 0 ||
		    (uint64_t)b->off + b->len > size)
			continue;
		n++;
	}
	p->n = 0;
	if (n == 0)
		return 0;
	if ((p->v = calloc(n, sizeof(*p->v))) == NULL)
		return -1;
	for (i = 0; i < c->old.cap && p->n < n; i++) {
		b = &c->old.slots[i];
		if (b->type == 0 || b->pack == INDEX_UNPLACED ||
		    (opid = index_pack_id(&c->old, b->pack)) == NULL ||
		    memcmp(opid, pid, PACK_ID_BYTES) != 0 ||
		    (uint64_t)b->off + b->len > size)
			continue;
		p->v[p->n].type = b->type;
		memcpy(p->v[p->n].id, b->id, INDEX_ID_BYTES);
		p->v[p->n].off = b->off;
		p->v[p->n].len = b->len;
		p->v[p->n].rawlen = b->rawlen;
		p->n++;
	}
	return 0;
}

/*
 * Pack ${pe}: read its header into ${p} (and with --read-data its
 * blobs).  A pack whose header cannot be read is reported and marked
 * bad.  0, or -1 (fatal, after a message).
 */
static int
ri_header(struct ri *c, const struct packent *pe, struct rpack *p)
{
	char shard[3], name[2 * PACK_ID_BYTES + 1], path[64], h[9];
	struct stat st;
	size_t i, kept;
	int fd, r = -1;

	pack_name(pe->id, shard, name);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", PACK_DIR, shard, name);
	fd = fsio_open(c->r->dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	/* Only what the pack's bytes say makes it damaged: an open that
	 * failed (EIO, EMFILE, EACCES) says nothing about them, and taking
	 * it for damage would drop every blob of the pack from the index
	 * (and the next prune would delete the pack as unnamed). */
	if (fd < 0 && errno != ENOENT) {
		errorx("pack %s: cannot open: %s", name, strerror(errno));
		goto out;
	}
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    packr_header(c->r->kh, fd, (uint64_t)st.st_size, pe->id,
	    data_max(c->r), &p->v, &p->n) != 0) {
		if (fd >= 0 && errno != EBADMSG && errno != ENOENT) {
			errorx("pack %s: cannot read: %s", name,
			    strerror(errno));
			goto out;
		}
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    ri_keep_old(c, pe->id, (uint64_t)st.st_size, p) != 0) {
			errorx("out of memory");
			goto out;
		}
		if (p->n == 0) {
			alertx("pack %s: header or trailer damaged, truncated "
			    "or forged: left out (its blobs count as "
			    "missing)", name);
			c->badpacks++;
			p->bad = 1;
			r = 0;
			goto out;
		}
		p->kept = 1;
	}
	if (!p->kept)
		c->packs++;
	if ((p->ok = malloc(p->n ? p->n : 1)) == NULL) {
		errorx("out of memory");
		goto out;
	}
	memset(p->ok, !c->o->read_data, p->n ? p->n : 1);
	if (c->o->read_data && ri_read(c, pe->id, p) != 0) {
		errorx("pack %s: cannot read its blobs: %s", name,
		    strerror(errno));
		goto out;
	}
	for (i = 0, kept = 0; i < p->n; i++)
		if (!p->ok[i]) {
			hex8(p->v[i].id, h);
			alertx("pack %s: blob %s damaged (authentication or "
			    "decompression failed): left out", name, h);
			c->badblobs++;
		} else
			kept++;
	if (p->kept) {
		alertx("pack %s: header damaged: %zu blob%s kept from the old "
		    "index%s", name, kept, PLURAL(kept), c->o->read_data ?
		    " (each authenticated)" : " (not read: 'tacit check "
		    "--read-data' or 'repair index --read-data' reads them)");
		c->keptpacks++;
		c->keptblobs += kept;
	}
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	return r;
}

/*
 * Entry ${i} of pack ${pe} into the new index, unless a copy is there
 * already or it is damaged.  ${pass} 1: only the copy the old index
 * names.  0, or -1 (ENOMEM).
 */
static int
ri_add(struct ri *c, const struct packent *pe, const struct rpack *p,
    size_t i, int pass)
{
	const struct packhdr_ent *e = &p->v[i];
	const struct blobloc *o;
	const uint8_t *opid;

	if (!p->ok[i] || index_get(&c->ix, e->id) != NULL)
		return 0;
	if (pass == 1) {
		if ((o = index_get(&c->old, e->id)) == NULL ||
		    (opid = index_pack_id(&c->old, o->pack)) == NULL ||
		    memcmp(opid, pe->id, PACK_ID_BYTES) != 0 || o->off != e->off)
			return 0;
	}
	if (index_add(&c->ix, e->id, e->type, pe->id, e->off, e->len,
	    e->rawlen) != 0) {
		errorx("out of memory");
		return -1;
	}
	c->blobs++;
	return 0;
}

int
repair_index(const struct opts *o, struct repo *r)
{
	struct packent *pv = NULL;
	struct rpack *ps = NULL;
	struct ri c;
	size_t npv = 0, i, k, nseg = 0, nold = 0, nbad = 0, total = 0;
	int e = EXIT_ERR, pass;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.r = r;
	index_init(&c.ix);
	index_init(&c.old);
	c.pf.opened = 0;
	if ((c.pr = packr_new(r->dirfd)) == NULL ||
	    (c.dz = ZSTD_createDCtx()) == NULL) {
		errorx("out of memory");
		goto out;
	}
	/* What is left of the index decides between two copies of a blob. */
	if (idxio_load(r->kh, r->dirfd, &c.old, &nbad) != 0) {
		errorx("cannot read the index: %s", strerror(errno));
		goto out;
	}
	if (packdir_list(r->dirfd, &pv, &npv) != 0)
		goto out;
	if ((ps = calloc(npv ? npv : 1, sizeof(*ps))) == NULL) {
		errorx("out of memory");
		goto out;
	}
	for (i = 0; i < npv; i++)
		if (ri_header(&c, &pv[i], &ps[i]) != 0)
			goto out;
	/*
	 * A blob in two packs (a backup stored again what a damaged or lost
	 * segment no longer listed): the copy the surviving index names,
	 * else the first whole copy in the order of pack ids.
	 */
	for (pass = 1; pass <= 2; pass++)
		for (i = 0; i < npv; i++)
			for (k = 0; !ps[i].bad && k < ps[i].n; k++)
				if (ri_add(&c, &pv[i], &ps[i], k, pass) != 0)
					goto out;
	for (i = 0; i < npv; i++)
		total += ps[i].n;
	c.dups = total - c.blobs - c.badblobs;
	if (!o->dry_run && idxio_replace(r->kh, r->dirfd, &c.ix, &nseg,
	    &nold) != 0) {
		errorx("cannot write the index: %s (the old segments that are "
		    "still there stay valid)", strerror(errno));
		goto out;
	}
	if (log_verbosity > 0)
		printf("%s%llu pack%s read, %llu blob%s indexed (%llu more "
		    "copies left out), %llu pack%s and %llu blob%s left out "
		    "as damaged; %zu index segment%s written, %zu removed\n",
		    o->dry_run ? "dry run: " : "",
		    (unsigned long long)c.packs, PLURAL(c.packs),
		    (unsigned long long)c.blobs, PLURAL(c.blobs),
		    (unsigned long long)c.dups,
		    (unsigned long long)c.badpacks, PLURAL(c.badpacks),
		    (unsigned long long)c.badblobs, PLURAL(c.badblobs),
		    nseg, PLURAL(nseg), nold);
	if (c.badpacks + c.badblobs > 0)
		alertx("blobs of damaged packs are not in the index: the next "
		    "backup stores them again; 'tacit repair snapshots' "
		    "rewrites the snapshots that lost them");
	e = EXIT_OK;
out:
	for (i = 0; ps != NULL && i < npv; i++) {
		free(ps[i].v);
		free(ps[i].ok);
	}
	free(ps);
	prefetch_free(&c.pf);
	ZSTD_freeDCtx(c.dz);
	packr_free(c.pr);
	index_free(&c.ix);
	index_free(&c.old);
	free(pv);
	return e;
}

/* --- repair snapshots -------------------------------------------------- */

/* Per slot of the loaded index. */
#define GONE	1	/* missing (its pack) or damaged: dropped */
#define WHOLE	2	/* read and authenticated (--read-data) */

struct rs {
	const struct opts *o;
	struct repo	*r;
	struct reader	*rd;
	struct packent	*pv;		/* the packs as listed */
	size_t		 npv;
	uint8_t		*state;		/* by rd->ix slot */
	size_t		 ngone;
	uint64_t	 nmissing;	/* referenced, not in the index */
	struct index	 nix;		/* the blobs this run adds */
	struct index	 clean;		/* trees with nothing missing below */
	struct packw	*pw;
	ZSTD_CCtx	*zc;
	uint8_t		*zbuf;
	size_t		 zcap;
	struct treepath	 tp;
	struct dbuf	 path;		/* the path walked, NUL-terminated */
	struct dbuf	 rep;		/* this snapshot's report */
	char		 snap[9];
	uint64_t	 lostfiles, lostdirs, lostbytes;
	int		 have_empty;
	uint8_t		 empty[NODE_ID_BYTES];	/* the empty tree's id */
};

/* One line of the report: stderr (a warning) and the new snapshot's log. */
static void __attribute__((format(printf, 2, 3)))
report(struct rs *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	alertx("snapshot %s: %s", c->snap, line);
	dbuf_put_bytes(&c->rep, line, strlen(line));
	dbuf_put_u8(&c->rep, '\n');
}

/* Is blob ${loc}'s pack listed, and long enough to hold it? */
static int
pack_holds(const struct rs *c, const struct blobloc *loc)
{
	const uint8_t *pid = index_pack_id(&c->rd->ix, loc->pack);
	const struct packent *pe;

	if (pid == NULL || (pe = packdir_find(c->pv, c->npv, pid)) == NULL)
		return 0;
	return pe->size >= PACK_TRAILER_BYTES &&
	    (uint64_t)loc->off + loc->len <= pe->size - PACK_TRAILER_BYTES;
}

/* Whether ${e} (a reader's errno) means the blob is missing or damaged. */
static int
is_damage(int e)
{
	return e == ENODATA || e == EBADMSG || e == ENOENT || e == EFBIG ||
	    e == EILSEQ || e == ELOOP || e == EMLINK;
}

/*
 * Data blob ${id} of a file: 1 there (and with --read-data authentic), 0
 * missing or damaged (marked GONE when the index lists it), -1 a read
 * failed otherwise (errno; the caller stops).
 */
static int
data_there(struct rs *c, const uint8_t *id, size_t rawmax)
{
	const struct blobloc *loc = index_get(&c->rd->ix, id);
	size_t s, len;

	if (loc == NULL) {
		c->nmissing++;
		return 0;
	}
	s = (size_t)(loc - c->rd->ix.slots);
	if (c->state[s] & GONE)
		return 0;
	if (c->state[s] & WHOLE || !c->o->read_data) {
		if (loc->type == BLOB_DATA && packr_loc_ok(loc, rawmax) == 0)
			return 1;
	} else if (reader_blob(c->rd, id, BLOB_DATA, rawmax, &len) != NULL) {
		c->state[s] |= WHOLE;
		return 1;
	} else if (!is_damage(errno))
		return -1;
	c->state[s] |= GONE;
	c->ngone++;
	return 0;
}

/*
 * Whether blob ${id} (of ${type}) need not be stored: this run stored it,
 * or the index lists it and it reads whole (a copy found damaged is
 * marked GONE: it leaves the index, and the new copy takes its place).
 * 1 yes, 0 no, -1 a read failed otherwise (errno).
 */
static int
have_blob(struct rs *c, const uint8_t *id, uint8_t type)
{
	const struct blobloc *loc = index_get(&c->rd->ix, id);
	size_t s, len;

	if (index_get(&c->nix, id) != NULL)
		return 1;
	if (loc == NULL)
		return 0;
	s = (size_t)(loc - c->rd->ix.slots);
	if (c->state[s] & GONE)
		return 0;
	if (c->state[s] & WHOLE)
		return 1;
	if (loc->type == type && reader_blob(c->rd, id, type, type ==
	    BLOB_TREE ? TREE_BYTES_MAX : LOG_RING_BYTES, &len) != NULL) {
		c->state[s] |= WHOLE;
		return 1;
	}
	if (loc->type == type && !is_damage(errno))
		return -1;
	c->state[s] |= GONE;
	c->ngone++;
	return 0;
}

/*
 * Store tree ${t} (encoded) unless the repository has it; its id in
 * ${id}.  With --dry-run only the id.  0, or -1 with errno.
 */
static int
put_tree(struct rs *c, struct tree *t, uint8_t id[NODE_ID_BYTES])
{
	struct dbuf b;
	size_t z;
	int r = -1, x;

	if (tree_encode(t, &b) != 0) {
		errno = ENOMEM;
		return -1;
	}
	if (kh_id(c->r->kh, KH_ID_TREE, b.p, b.len, id) != 0) {
		errno = EPROTO;
		goto out;
	}
	if (c->o->dry_run || (x = have_blob(c, id, BLOB_TREE)) == 1) {
		r = 0;
		goto out;
	}
	if (x < 0)
		goto out;
	/* zstd when it is shorter, as a backup stores it (section 13). */
	if (mem_grow(&c->zbuf, &c->zcap, 1 + ZSTD_compressBound(b.len)) != 0)
		goto out;
	z = ZSTD_compressCCtx(c->zc, c->zbuf + 1, c->zcap - 1, b.p, b.len,
	    c->r->cfg.zstd_level);
	if (!ZSTD_isError(z) && z < b.len)
		c->zbuf[0] = BLOB_ZSTD;
	else {
		c->zbuf[0] = BLOB_RAW;
		memcpy(c->zbuf + 1, b.p, b.len);
		z = b.len;
	}
	r = packw_add(c->pw, &c->nix, BLOB_TREE, id, c->zbuf, z + 1,
	    (uint32_t)b.len);
out:
	dbuf_free(&b);
	return r;
}

/* The id of the empty tree, stored once. */
static int
empty_tree(struct rs *c, uint8_t id[NODE_ID_BYTES])
{
	struct tree t;

	if (!c->have_empty) {
		memset(&t, 0, sizeof(t));
		if (put_tree(c, &t, c->empty) != 0)
			return -1;
		c->have_empty = 1;
	}
	memcpy(id, c->empty, NODE_ID_BYTES);
	return 0;
}

/*
 * Enter tree ${id}: the subtree of pt->nodes[k], or with ${pt} NULL a
 * root.  1: entered, in ${t}, on the path.  0: missing or damaged (marked
 * GONE when the index lists it).  -1: a read failed otherwise (errno).
 */
static int
rs_enter(struct rs *c, const uint8_t *id, const struct tree *pt, size_t k,
    struct treewin **win, struct tree *t)
{
	const struct blobloc *loc = index_get(&c->rd->ix, id);
	int r;

	memset(t, 0, sizeof(*t));
	if (treepath_push(&c->tp, id) != 0)
		return errno == ENOMEM ? -1 : 0;
	if (loc != NULL && (c->state[loc - c->rd->ix.slots] & GONE)) {
		treepath_pop(&c->tp);
		return 0;
	}
	r = pt != NULL ? reader_subtree(c->rd, win, pt, k, t) :
	    reader_tree(c->rd, id, t);
	if (r == 0)
		return 1;
	treepath_pop(&c->tp);
	if (!is_damage(errno))
		return -1;
	if (loc != NULL && errno != ELOOP && errno != EMLINK) {
		c->state[loc - c->rd->ix.slots] |= GONE;
		c->ngone++;
	}
	return 0;
}

/* A tree being rewritten: the next node, whether anything changed. */
/* The clean set's "pack": it is a set of tree ids, nothing is placed. */
static const uint8_t nopack[PACK_ID_BYTES];

struct rsframe {
	struct tree	 t;
	struct treewin	*win;
	uint8_t		 id[NODE_ID_BYTES];
	size_t		 i, saved;
	int		 changed;
};

static int
rs_push(struct rsframe **fs, size_t *n, size_t *cap, const struct tree *t,
    const uint8_t *id, size_t saved)
{
	struct rsframe *v;

	if (*n == *cap) {
		if ((v = reallocarray(*fs, *cap ? *cap * 2 : 64,
		    sizeof(*v))) == NULL)
			return -1;
		*fs = v;
		*cap = *cap ? *cap * 2 : 64;
	}
	v = &(*fs)[(*n)++];
	memset(v, 0, sizeof(*v));
	v->t = *t;
	memcpy(v->id, id, NODE_ID_BYTES);
	v->saved = saved;
	return 0;
}

/* The file ${n} lost data: keep it, empty, with its metadata. */
static void
empty_file(struct rs *c, struct node *n)
{
	report(c, "%s: data missing or damaged: kept as an empty file "
	    "(was %llu bytes)", log_shown((const char *)c->path.p),
	    (unsigned long long)n->size);
	c->lostfiles++;
	c->lostbytes += n->size;
	free(n->chunks);
	n->chunks = NULL;
	n->nchunks = 0;
	free(n->extents);
	n->extents = NULL;
	n->nextents = 0;
	n->size = 0;
	n->flags |= NODE_F_UNREADABLE;
}

/*
 * Walk the tree ${root} and rewrite it without what is missing; the new
 * root in ${out}, *${changed} whether it differs.  No recursion: the
 * trees on the path are frames on the heap.  0, or -1 with errno.
 */
static int
rs_tree(struct rs *c, const uint8_t *root, uint8_t out[NODE_ID_BYTES],
    int *changed)
{
	struct rsframe *fs = NULL, *f;
	struct node *n;
	struct tree t;
	uint8_t nid[NODE_ID_BYTES];
	size_t nf = 0, cap = 0, i, k;
	int r = -1, x, ch;

	*changed = 0;
	memcpy(out, root, NODE_ID_BYTES);
	c->path.len = 0;
	dbuf_put_u8(&c->path, '\0');
	c->path.len = 0;
	if (c->path.err)
		goto nomem;
	if (index_get(&c->clean, root) != NULL)
		return 0;	/* the same root as a snapshot walked before */
	if ((x = rs_enter(c, root, NULL, 0, NULL, &t)) < 0)
		return -1;
	if (x == 0) {
		report(c, "/: the root directory listing is missing or "
		    "damaged: the snapshot is now empty");
		c->lostdirs++;
		*changed = 1;
		return empty_tree(c, out);
	}
	if (rs_push(&fs, &nf, &cap, &t, root, 0) != 0) {
		tree_free(&t);
		goto nomem;
	}
	while (nf > 0) {
		f = &fs[nf - 1];
		if (f->i == f->t.count) {
			ch = f->changed;
			if (ch ? put_tree(c, &f->t, nid) != 0 :
			    index_add(&c->clean, f->id, BLOB_TREE, nopack, 0,
			    0, 0) != 0)
				goto out;
			if (!ch)
				memcpy(nid, f->id, NODE_ID_BYTES);
			c->path.len = f->saved;
			c->path.p[f->saved] = '\0';
			treewin_free(f->win);
			tree_free(&f->t);
			treepath_pop(&c->tp);
			if (--nf == 0) {
				memcpy(out, nid, NODE_ID_BYTES);
				*changed = ch;
				break;
			}
			if (ch) {
				f = &fs[nf - 1];
				memcpy(f->t.nodes[f->i - 1].subtree, nid,
				    NODE_ID_BYTES);
				f->changed = 1;
			}
			continue;
		}
		k = f->i++;
		n = &f->t.nodes[k];
		c->path.len = f->saved;
		dbuf_put_u8(&c->path, '/');
		dbuf_put_bytes(&c->path, n->name, n->namelen);
		dbuf_put_u8(&c->path, '\0');
		if (c->path.err)
			goto nomem;
		c->path.len--;
		if (n->type == NODE_FILE) {
			for (i = 0, x = 1; i < n->nchunks && x == 1; i++)
				x = data_there(c, n->chunks[i],
				    c->r->cfg.chunk_max);
			if (x < 0)
				goto out;
			if (x == 0) {
				empty_file(c, n);
				f->changed = 1;
			}
		} else if (n->type == NODE_DIR &&
		    index_get(&c->clean, n->subtree) == NULL) {
			x = rs_enter(c, n->subtree, &f->t, k, &f->win, &t);
			if (x < 0)
				goto out;
			if (x == 1) {
				if (rs_push(&fs, &nf, &cap, &t, n->subtree,
				    c->path.len) != 0) {
					tree_free(&t);
					goto nomem;
				}
				continue;	/* the path stays */
			}
			report(c, "%s/: directory listing missing or damaged: "
			    "kept as an empty directory",
			    log_shown((const char *)c->path.p));
			c->lostdirs++;
			if (empty_tree(c, n->subtree) != 0)
				goto out;
			f = &fs[nf - 1];
			f->changed = 1;
		}
		c->path.len = f->saved;
		c->path.p[f->saved] = '\0';
	}
	r = 0;
	goto out;
nomem:
	errno = ENOMEM;
out:
	while (nf > 0) {
		f = &fs[--nf];
		treewin_free(f->win);
		tree_free(&f->t);
		treepath_pop(&c->tp);
	}
	free(fs);
	return r;
}

/* A new snapshot of the repaired one, ${s}, written by rs_commit. */
struct fixed {
	struct snapshot	*old;
	struct snapshot	 s;		/* shares old's strings */
	char		**tags;		/* old's and "repaired" */
	int		 exists;	/* an earlier run wrote it already */
};

/*
 * The new snapshot's log: the report, then the old log if it can be read,
 * together at most a log's size; stored as a data blob.  0, or -1.
 */
static int
put_log(struct rs *c, const struct snapshot *old, uint8_t id[NODE_ID_BYTES])
{
	static const char sep[] = "--- the log of the snapshot as it was "
	    "before the repair ---\n";
	const uint8_t *p = NULL;
	size_t len = 0, room;
	struct dbuf b;
	int r = -1, x;

	dbuf_init(&b, LOG_RING_BYTES + 1);
	dbuf_put_u8(&b, BLOB_RAW);
	room = c->rep.len < LOG_RING_BYTES ? c->rep.len : LOG_RING_BYTES;
	dbuf_put_bytes(&b, c->rep.p, room);
	if (old->has_log && (p = reader_blob(c->rd, old->log, BLOB_DATA,
	    LOG_RING_BYTES, &len)) != NULL &&
	    b.len - 1 + sizeof(sep) - 1 < LOG_RING_BYTES) {
		dbuf_put_bytes(&b, sep, sizeof(sep) - 1);
		room = LOG_RING_BYTES - (b.len - 1);
		dbuf_put_bytes(&b, p, len < room ? len : room);
	}
	if (b.err) {
		errno = ENOMEM;
		goto out;
	}
	if (kh_id(c->r->kh, KH_ID_DATA, b.p + 1, b.len - 1, id) != 0) {
		errno = EPROTO;
		goto out;
	}
	if (c->o->dry_run || (x = have_blob(c, id, BLOB_DATA)) == 1)
		r = 0;
	else if (x == 0)
		r = packw_add(c->pw, &c->nix, BLOB_DATA, id, b.p, b.len,
		    (uint32_t)(b.len - 1));
out:
	dbuf_free(&b);
	return r;
}

/* Does ${s} have the tag ${t}? */
static int
has_tag(const struct snapshot *s, const char *t)
{
	size_t i;

	for (i = 0; i < s->ntags; i++)
		if (strcmp(s->tags[i], t) == 0)
			return 1;
	return 0;
}

/*
 * Snapshot ${s}: walk it; when something is missing, make its new
 * snapshot in ${fx} (its trees and log stored).  1: repaired, 0: whole,
 * -1: failed (errno).
 */
static int
rs_snapshot(struct rs *c, struct snapshot *s, struct fixed *fx)
{
	uint8_t root[NODE_ID_BYTES];
	size_t i;
	int changed, x;

	c->rep.len = 0;
	c->lostfiles = c->lostdirs = c->lostbytes = 0;
	if (rs_tree(c, s->root, root, &changed) != 0)
		return -1;
	/* The backup's log is part of the snapshot too. */
	if (s->has_log && (x = data_there(c, s->log, LOG_RING_BYTES)) <= 0) {
		if (x < 0)
			return -1;
		report(c, "the log of the backup is missing or damaged: the "
		    "new snapshot's log is this report");
		changed = 1;
	}
	if (!changed)
		return 0;
	memset(fx, 0, sizeof(*fx));
	fx->old = s;
	fx->s = *s;
	randombytes_buf(fx->s.id, SNAP_ID_BYTES);
	memcpy(fx->s.root, root, NODE_ID_BYTES);
	fx->s.bytes = s->bytes >= c->lostbytes ? s->bytes - c->lostbytes : 0;
	if ((fx->tags = calloc(s->ntags + 1, sizeof(*fx->tags))) == NULL)
		return -1;
	for (i = 0; i < s->ntags; i++)
		fx->tags[i] = s->tags[i];
	fx->s.tags = fx->tags;
	if (!has_tag(s, REPAIR_TAG))
		fx->tags[fx->s.ntags++] = (char *)(uintptr_t)REPAIR_TAG;
	/* Cut after the snapshot was written, before --forget: reuse it. */
	for (i = 0; i < c->rd->nsnaps; i++)
		if (&c->rd->snaps[i] != s &&
		    c->rd->snaps[i].time_sec == s->time_sec &&
		    c->rd->snaps[i].time_nsec == s->time_nsec &&
		    memcmp(c->rd->snaps[i].root, root, NODE_ID_BYTES) == 0 &&
		    has_tag(&c->rd->snaps[i], REPAIR_TAG)) {
			memcpy(fx->s.id, c->rd->snaps[i].id, SNAP_ID_BYTES);
			fx->exists = 1;
		}
	report(c, "repaired: %llu file%s emptied (%llu bytes), %llu "
	    "director%s emptied", (unsigned long long)c->lostfiles,
	    PLURAL(c->lostfiles), (unsigned long long)c->lostbytes,
	    (unsigned long long)c->lostdirs, c->lostdirs == 1 ? "y" : "ies");
	if (c->rep.err) {
		errno = ENOMEM;
		return -1;
	}
	if (!fx->exists) {
		if (put_log(c, s, fx->s.log) != 0)
			return -1;
		fx->s.has_log = 1;
	}
	return 1;
}

/*
 * Write the index: with blobs gone, the whole index without them and
 * with this run's blobs (idxio_replace); else this run's blobs only.
 * 0, or -1 with errno.
 */
static int
rs_index(struct rs *c)
{
	const struct index *ix = &c->rd->ix;
	const struct blobloc *b;
	struct index fin;
	size_t i, nseg, nold;
	int r = -1;

	if (c->ngone == 0)
		return idxio_save(c->r->kh, c->r->dirfd, &c->nix, &nseg);
	index_init(&fin);
	for (i = 0; i < ix->cap; i++) {
		b = &ix->slots[i];
		if (b->type == 0 || (c->state[i] & GONE) ||
		    b->pack == INDEX_UNPLACED)
			continue;
		if (index_add(&fin, b->id, b->type, index_pack_id(ix, b->pack),
		    b->off, b->len, b->rawlen) != 0)
			goto out;
	}
	for (i = 0; i < c->nix.cap; i++) {
		b = &c->nix.slots[i];
		if (b->type != 0 && index_add(&fin, b->id, b->type,
		    index_pack_id(&c->nix, b->pack), b->off, b->len,
		    b->rawlen) != 0)
			goto out;
	}
	r = idxio_replace(c->r->kh, c->r->dirfd, &fin, &nseg, &nold);
out:
	index_free(&fin);
	return r;
}

/* --forget: remove the old snapshot of ${fx}. 0, or -1 with errno. */
static int
rs_forget(struct rs *c, const struct fixed *fx)
{
	char hex[2 * SNAP_ID_BYTES + 1];
	int dfd, r;

	if ((dfd = fsio_open(c->r->dirfd, SNAP_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	snapshot_hex(fx->old->id, hex);
	r = fsio_unlink(dfd, hex);
	(void)close(dfd);
	return r;
}

/*
 * Whether repair index could index pack ${pe}: its header reads (a pack
 * whose trailer or header is damaged it leaves out).  A pack that cannot
 * be opened or read for another reason counts as readable: nothing is
 * known about its bytes.
 */
static int
pack_readable(const struct rs *c, const struct packent *pe)
{
	char shard[3], name[2 * PACK_ID_BYTES + 1], path[64];
	struct packhdr_ent *v = NULL;
	struct stat st;
	size_t n = 0;
	int fd, r;

	pack_name(pe->id, shard, name);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", PACK_DIR, shard, name);
	if ((fd = fsio_open(c->r->dirfd, path, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) < 0)
		return errno != ENOENT;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		r = 0;
	else if (packr_header(c->r->kh, fd, (uint64_t)st.st_size, pe->id,
	    data_max(c->r), &v, &n) == 0)
		r = 1;
	else
		r = errno != EBADMSG;
	free(v);
	(void)close(fd);
	return r;
}

/*
 * How many listed packs the index names no blob in and repair index
 * could index (their blobs may be the missing ones).
 */
static size_t
unnamed_packs(const struct rs *c)
{
	const struct index *ix = &c->rd->ix;
	const struct packent *pe;
	uint8_t *named;
	size_t i, n = 0;

	if ((named = calloc(c->npv ? c->npv : 1, 1)) == NULL)
		return c->npv;	/* not known: as if none were named */
	for (i = 0; i < ix->npacks; i++)
		if ((pe = packdir_find(c->pv, c->npv, ix->packs[i])) != NULL)
			named[pe - c->pv] = 1;
	for (i = 0; i < c->npv; i++)
		n += !named[i] && pack_readable(c, &c->pv[i]);
	free(named);
	return n;
}

/* Mark every blob the index places beyond its pack's end, or in none. */
static void
mark_gone(struct rs *c)
{
	const struct index *ix = &c->rd->ix;
	size_t i;

	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type != 0 && !pack_holds(c, &ix->slots[i])) {
			c->state[i] |= GONE;
			c->ngone++;
		}
}

int
repair_snapshots(const struct opts *o, struct repo *r)
{
	char hex[2 * SNAP_ID_BYTES + 1], nhex[2 * SNAP_ID_BYTES + 1];
	struct snapshot **sel = NULL, *s;
	struct fixed *fx = NULL;
	struct reader rd;
	struct rs c;
	size_t nsel = 0, nfx = 0, nun = 0, i, j;
	uint64_t ngone0;
	int e = EXIT_ERR, x;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.r = r;
	c.rd = &rd;
	index_init(&c.nix);
	index_init(&c.clean);
	dbuf_init(&c.path, 1u << 24);
	dbuf_init(&c.rep, 1u << 24);
	if ((e = reader_open(&rd, r)) != EXIT_OK) {
		reader_close(&rd);
		goto done;
	}
	e = EXIT_ERR;
	/* Blobs a damaged segment lists are in their packs, not lost. */
	if (rd.badsegs > 0) {
		errorx("%zu index segment%s damaged: run 'tacit repair index' "
		    "first (the blobs %s listed would count as lost)",
		    rd.badsegs, rd.badsegs == 1 ? " is" : "s are",
		    rd.badsegs == 1 ? "it" : "they");
		goto out;
	}
	if (packdir_list(r->dirfd, &c.pv, &c.npv) != 0)
		goto out;
	if ((c.state = calloc(rd.ix.cap ? rd.ix.cap : 1, 1)) == NULL ||
	    (sel = calloc(rd.nsnaps ? rd.nsnaps : 1, sizeof(*sel))) == NULL ||
	    (fx = calloc(rd.nsnaps ? rd.nsnaps : 1, sizeof(*fx))) == NULL ||
	    (c.zc = ZSTD_createCCtx()) == NULL ||
	    (c.pw = packw_new(r->kh, r->dirfd, r->cfg.pack_bytes)) == NULL) {
		errorx("out of memory");
		goto out;
	}
	/* The snapshots named (argv[0] is "snapshots"), or all. */
	for (i = 1; i < (size_t)o->argc; i++) {
		if ((s = snap_pick(o, &rd, o->argv[i])) == NULL) {
			e = EXIT_ERR;
			goto out;
		}
		for (j = 0; j < nsel && sel[j] != s; j++)
			;
		if (j == nsel)
			sel[nsel++] = s;
	}
	for (i = 0; o->argc <= 1 && i < rd.nsnaps; i++)
		if (snap_selected(o, &rd.snaps[i]))
			sel[nsel++] = &rd.snaps[i];
	mark_gone(&c);
	ngone0 = c.ngone;
	for (i = 0; i < nsel; i++) {
		snapshot_hex(sel[i]->id, hex);
		memcpy(c.snap, hex, 8);
		c.snap[8] = '\0';
		x = rs_snapshot(&c, sel[i], &fx[nfx]);
		if (x < 0) {
			errorx("snapshot %s: cannot repair: %s (nothing "
			    "written)", c.snap, strerror(errno));
			goto out;
		}
		if (x == 1)
			nfx++;
		else
			infox("snapshot %s: nothing missing, left alone",
			    c.snap);
	}
	/* The blobs may be in those packs: removing the old snapshots would
	 * lose what repair index could still recover. */
	if (c.nmissing > 0 && (nun = unnamed_packs(&c)) > 0 && o->forget) {
		errorx("%llu blob%s not in the index while the repository "
		    "holds packs the index does not name: run 'tacit repair "
		    "index' first (and this again); --forget refused, nothing "
		    "written or removed", (unsigned long long)c.nmissing,
		    PLURAL(c.nmissing));
		goto out;
	}
	if (nun > 0)
		alertx("%llu blob%s not in the index while the repository holds "
		    "packs the index does not name: if index segments were "
		    "lost, run 'tacit repair index' first (and this again)",
		    (unsigned long long)c.nmissing, PLURAL(c.nmissing));
	if (o->dry_run)
		goto report;
	/* Commit: packs, the index, the new snapshots, then --forget. */
	if (packw_finish(c.pw) != 0) {
		errorx("cannot write a pack: %s (nothing changed)",
		    strerror(errno));
		goto out;
	}
	if ((nfx > 0 || c.ngone > 0) && rs_index(&c) != 0) {
		errorx("cannot write the index: %s (no snapshot changed)",
		    strerror(errno));
		goto out;
	}
	for (i = 0; i < nfx; i++)
		if (!fx[i].exists && snapshot_write(r->kh, r->dirfd,
		    &fx[i].s) != 0) {
			errorx("cannot write a snapshot: %s (the old ones "
			    "stay)", strerror(errno));
			goto out;
		}
	for (i = 0; o->forget && i < nfx; i++)
		if (rs_forget(&c, &fx[i]) != 0) {
			errorx("cannot remove a repaired snapshot: %s",
			    strerror(errno));
			goto out;
		}
report:
	for (i = 0; i < nfx; i++) {
		snapshot_hex(fx[i].old->id, hex);
		snapshot_hex(fx[i].s.id, nhex);
		if (o->dry_run)
			printf("dry run: snapshot %.8s would be repaired\n",
			    hex);
		else
			printf("snapshot %.8s repaired as %.8s%s\n", hex, nhex,
			    o->forget ? " (the old one removed)" : "");
	}
	if (log_verbosity > 0)
		printf("%s%zu snapshot%s checked, %zu repaired; %llu blob%s "
		    "%sdropped from the index (%llu of them in packs that are "
		    "missing or too short)\n", o->dry_run ? "dry run: " : "",
		    nsel, PLURAL(nsel), nfx, (unsigned long long)c.ngone,
		    PLURAL(c.ngone), o->dry_run ? "would be " : "",
		    (unsigned long long)ngone0);
	if (nfx > 0 && !o->forget && !o->dry_run)
		alertx("the damaged snapshots stay until 'tacit repair "
		    "snapshots --forget' (or forget) removes them");
	e = EXIT_OK;
out:
	for (i = 0; i < nfx; i++)
		free(fx[i].tags);
	reader_close(&rd);
done:
	packw_free(c.pw);
	ZSTD_freeCCtx(c.zc);
	free(c.zbuf);
	free(c.state);
	free(c.pv);
	free(sel);
	free(fx);
	treepath_free(&c.tp);
	index_free(&c.nix);
	index_free(&c.clean);
	dbuf_free(&c.path);
	dbuf_free(&c.rep);
	return e;
}
