/*
 * prune.c: the engine of tacit prune (and of forget --prune).
 *
 * 1. Load the snapshots and the index; refuse if any of either is damaged
 *    (what only they reference would look unused).
 * 2. Mark every blob the snapshots reach: their trees (walked with frames
 *    on the heap, never the C stack), data blobs and logs.  A blob missing
 *    from the index, a tree that cannot be read, or a used blob in a pack
 *    that is missing or shorter than its blobs need: refuse, delete
 *    nothing, name the snapshots that need `tacit repair snapshots`.
 * 3. Per pack: used and unused sealed bytes.  No used blob: delete.  An
 *    unused share above --max-unused, or not full (two or more packs not
 *    of the pack size, where a fresh repository has one): repack, copying
 *    each used blob's sealed bytes after the keyholder authenticated them.
 * 4. New packs durable, then the new whole index (idxio_replace), then the
 *    packs it no longer names are unlinked.  Leftovers of interrupted runs
 *    (packs no segment names, temporaries in packs/ and index/) are
 *    referenced by nothing and go first.
 * Memory: the loaded index (it becomes the new one), a byte per index
 * slot, a few words per pack, a pointer per kept blob and 12 bytes per
 * copied one.  doc/format.md section 18.4 says why an interruption anywhere
 * leaves a complete repository.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fsio.h"
#include "idxio.h"
#include "log.h"
#include "pack.h"
#include "packdir.h"
#include "padme.h"
#include "progress.h"
#include "prune.h"
#include "reader.h"

/* Per index slot. */
#define P_USED		0x01	/* reached from a snapshot (walk 1) */
#define P_TAINT		0x02	/* a tree whose subtree reaches damage (1) */
#define P_BAD		0x04	/* could not be copied while repacking */
#define P_SEEN		0x08	/* walk 2, naming the snapshots */
#define P_TAINT2	0x10	/* walk 2's P_TAINT */

/* What becomes of each pack the index names. */
#define F_KEEP		0
#define F_DROP		1	/* no used blob: unlinked after the index */
#define F_REPACK	2	/* used blobs copied, then unlinked */
#define F_GONE		3	/* not on disk, no used blob: forgotten */

/* The most sealed bytes one keyholder request authenticates. */
#define BATCH_BYTES	(8u << 20)

struct pr {
	struct reader	 rd;
	struct repo	*r;
	const struct opts *o;
	uint8_t		*state;		/* by index slot */
	struct packent	*dir;		/* packs/ as listed */
	size_t		 ndir;
	uint8_t		*named;		/* by dir entry: an index names it */
	uint8_t		*pbad;		/* by index pack: missing or short */
	uint8_t		*fate;		/* by index pack: F_* */
	uint64_t	*used, *unused, *need, *size;	/* by index pack */
	uint32_t	*nblobs;
	uint8_t		*snapbad;	/* by snapshot */
	struct stat	 keep[3];	/* repository, keys/, snapshots/ */
	/* The report. */
	uint64_t	 ndrop, dropbytes, nrepack, repackbytes, copybytes;
	uint64_t	 copyblobs, unusedkept, nleft, leftbytes;
	uint64_t	 ntemps, tempbytes, ntempskept, ngone;
	uint64_t	 wpacks, wbytes, nseg, nold;
	int		 wfail;		/* a new pack could not be written */
	/* Where the copied blobs went, applied once the new packs are all
	 * durable (until then the index must keep their old places). */
	struct moved {
		uint32_t	 slot, pack, off;	/* pack: in newids */
	}		*moved;
	size_t		 nmoved;
	uint8_t		(*newids)[PACK_ID_BYTES];
	size_t		 nnew, newcap;
	size_t		 npacks;	/* the index's packs before the prune */
};

/* The index slot of ${loc}. */
static size_t
slot(const struct pr *p, const struct blobloc *loc)
{
	return (size_t)(loc - p->rd.ix.slots);
}

/* Whether blob ${loc} is unusable: in a pack not there, or not copied. */
static int
blob_bad(const struct pr *p, const struct blobloc *loc)
{
	return p->pbad[loc->pack] || (p->state[slot(p, loc)] & P_BAD);
}

/*
 * Data blob ${id} reached: marked with ${seen}.  1 if it is missing,
 * recorded with lengths that cannot be true (a raw length of at most
 * ${rawmax}), or unusable; else 0.
 */
static int
mark_data(struct pr *p, const uint8_t *id, size_t rawmax, uint8_t seen)
{
	const struct blobloc *loc = index_get(&p->rd.ix, id);

	if (loc == NULL || loc->type != BLOB_DATA ||
	    packr_loc_ok(loc, rawmax) != 0)
		return 1;
	p->state[slot(p, loc)] |= seen;
	return blob_bad(p, loc);
}

/*
 * Enter tree ${id}: the subtree of pt->nodes[k] (window *${win}), or a
 * snapshot's root with ${pt} NULL.  1: entered, decoded into ${t}.  0:
 * not entered, *${hit} 1 when it or its subtree reaches damage.
 */
static int
enter(struct pr *p, const uint8_t *id, const struct tree *pt, size_t k,
    struct treewin **win, struct tree *t, uint8_t seen, uint8_t taint,
    int *hit)
{
	const struct blobloc *loc = index_get(&p->rd.ix, id);
	uint8_t *st;
	int rc;

	*hit = 1;
	if (loc == NULL || loc->type != BLOB_TREE)
		return 0;
	st = &p->state[slot(p, loc)];
	if (*st & seen) {
		/* Walked before (a tree is never its own subtree: its id
		 * is the keyed hash of its contents, tree_id_ok). */
		*hit = (*st & taint) != 0 || blob_bad(p, loc);
		return 0;
	}
	*st |= seen;
	if (blob_bad(p, loc)) {
		*st |= taint;
		return 0;
	}
	rc = pt != NULL ? reader_subtree(&p->rd, win, pt, k, t) :
	    reader_tree(&p->rd, id, t);
	if (rc != 0) {
		*st |= taint;
		return 0;
	}
	*hit = 0;
	return 1;
}

/* A tree being walked. */
struct pframe {
	struct tree		 t;
	struct treewin		*win;
	const struct blobloc	*loc;
	size_t			 i;
	int			 hit;
};

static void
push(struct pr *p, struct pframe **fs, size_t *n, size_t *cap,
    const struct tree *t, const uint8_t *id)
{
	struct pframe *v;

	if (*n == *cap) {
		if ((v = reallocarray(*fs, *cap ? *cap * 2 : 64,
		    sizeof(*v))) == NULL)
			fatal(EXIT_ERR, "out of memory");
		*fs = v;
		*cap = *cap ? *cap * 2 : 64;
	}
	v = &(*fs)[(*n)++];
	memset(v, 0, sizeof(*v));
	v->t = *t;
	v->loc = index_get(&p->rd.ix, id);
}

/*
 * Walk snapshot ${s}: mark what it reaches with ${seen} (a tree whose
 * subtree reaches damage with ${taint}).  1 if it reaches damage.
 */
static int
walk(struct pr *p, const struct snapshot *s, uint8_t seen, uint8_t taint)
{
	struct pframe *fs = NULL, *f;
	const struct node *n;
	struct tree t;
	size_t nf = 0, cap = 0, i, k;
	int hit = 0, h;

	if (s->has_log)
		hit |= mark_data(p, s->log, LOG_RING_BYTES, seen);
	if (!enter(p, s->root, NULL, 0, NULL, &t, seen, taint, &h))
		return hit | h;
	push(p, &fs, &nf, &cap, &t, s->root);
	while (nf > 0) {
		f = &fs[nf - 1];
		if (f->i == f->t.count) {
			h = f->hit;
			if (h && f->loc != NULL)
				p->state[slot(p, f->loc)] |= taint;
			treewin_free(f->win);
			tree_free(&f->t);
			if (--nf > 0)
				fs[nf - 1].hit |= h;
			else
				hit |= h;
			continue;
		}
		k = f->i++;
		n = &f->t.nodes[k];
		if (n->type == NODE_FILE)
			for (i = 0; i < n->nchunks; i++)
				f->hit |= mark_data(p, n->chunks[i],
				    p->r->cfg.chunk_max, seen);
		else if (n->type == NODE_DIR) {
			if (enter(p, n->subtree, &f->t, k, &f->win, &t, seen,
			    taint, &h))
				push(p, &fs, &nf, &cap, &t, n->subtree);
			else
				f->hit |= h;
		}
	}
	free(fs);
	return hit;
}

/*
 * forget --prune --dry-run: leave out the snapshots forget would have
 * removed (o->prune_ignore), so the report is what the real run frees.
 */
static void
ignore_snapshots(struct pr *p)
{
	size_t i, j, k = 0;

	for (i = 0; i < p->rd.nsnaps; i++) {
		for (j = 0; j < p->o->nprune_ignore; j++)
			if (memcmp(p->rd.snaps[i].id, p->o->prune_ignore[j],
			    SNAP_ID_BYTES) == 0)
				break;
		if (j < p->o->nprune_ignore) {
			snapshot_free_fields(&p->rd.snaps[i]);
			continue;
		}
		if (k != i)
			p->rd.snaps[k] = p->rd.snaps[i];
		k++;
	}
	p->rd.nsnaps = k;
}

/* The snapshots that reach damage: named, with what to do.  Their count. */
static size_t
name_snapshots(struct pr *p, uint8_t seen, uint8_t taint)
{
	char hex[2 * SNAP_ID_BYTES + 1];
	size_t i, n = 0;

	for (i = 0; i < p->rd.nsnaps; i++) {
		if (!walk(p, &p->rd.snaps[i], seen, taint))
			continue;
		snapshot_hex(p->rd.snaps[i].id, hex);
		hex[8] = '\0';
		errorx("snapshot %s reaches data that is missing or damaged: "
		    "run 'tacit repair snapshots %s' first", hex, hex);
		n++;
	}
	return n;
}

/* Whether dirfd ${fd} is one where prune may not remove a temporary. */
static int
temp_kept_dir(const struct pr *p, int fd)
{
	struct stat st;
	size_t i;

	if (fstat(fd, &st) != 0)
		return 1;
	for (i = 0; i < 3; i++)
		if (st.st_dev == p->keep[i].st_dev &&
		    st.st_ino == p->keep[i].st_ino)
			return 1;
	return 0;
}

/* packdir_temps callback: count a temporary. */
static int
temp_count(void *arg, int dirfd, const char *name, uint64_t size)
{
	struct pr *p = arg;

	(void)name;
	if (temp_kept_dir(p, dirfd)) {
		p->ntempskept++;
		return 0;
	}
	p->ntemps++;
	p->tempbytes += size;
	return 0;
}

/* packdir_temps callback: remove a temporary of packs/ or index/. */
static int
temp_remove(void *arg, int dirfd, const char *name, uint64_t size)
{
	struct pr *p = arg;

	(void)size;
	if (temp_kept_dir(p, dirfd))
		return 0;
	if (fsio_unlink(dirfd, name) != 0 && errno != ENOENT) {
		errorx("cannot remove the temporary %s: %s", log_shown(name),
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* What a prune that stops after removing the leftovers has deleted. */
static const char *
deleted(const struct pr *p)
{
	return p->nleft + p->ntemps > 0 ? "nothing was deleted but the "
	    "leftovers of interrupted runs" : "nothing was deleted";
}

/* Unlink pack ${id}.  0, or -1 after a message. */
static int
pack_remove(struct pr *p, const uint8_t *id)
{
	char shard[3], name[2 * PACK_ID_BYTES + 1], path[64];
	int dfd, rc;

	pack_name(id, shard, name);
	(void)snprintf(path, sizeof(path), "%s/%s", PACK_DIR, shard);
	if ((dfd = fsio_open(p->r->dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		errorx("packs/%s: %s", shard, strerror(errno));
		return -1;
	}
	rc = fsio_unlink(dfd, name);
	if (rc != 0 && errno == ENOENT)
		rc = 0;
	if (rc != 0)
		errorx("cannot remove pack %s: %s", name, strerror(errno));
	(void)close(dfd);
	return rc;
}

/* Pass 1 over the packs: sizes on disk, used and unused bytes. */
static void
account(struct pr *p)
{
	const struct index *ix = &p->rd.ix;
	const struct blobloc *b;
	const struct packent *e;
	size_t i;

	for (i = 0; i < ix->cap; i++) {
		b = &ix->slots[i];
		if (b->type == 0)
			continue;
		p->nblobs[b->pack]++;
		if ((uint64_t)b->off + b->len > p->need[b->pack])
			p->need[b->pack] = (uint64_t)b->off + b->len;
	}
	for (i = 0; i < ix->npacks; i++) {
		p->size[i] = UINT64_MAX;	/* not on disk */
		if ((e = packdir_find(p->dir, p->ndir, ix->packs[i])) != NULL) {
			p->named[e - p->dir] = 1;
			p->size[i] = e->size;
		}
		p->pbad[i] = e == NULL ||
		    e->size < p->need[i] + PACK_TRAILER_BYTES;
	}
	for (i = 0; i < p->ndir; i++)
		if (!p->named[i]) {
			p->nleft++;
			p->leftbytes += p->dir[i].size;
		}
}

/* Pass 2 over the packs, after the walk: what becomes of each. */
static void
decide(struct pr *p, double max_unused)
{
	const struct index *ix = &p->rd.ix;
	const struct blobloc *b;
	uint64_t pb = p->r->cfg.pack_bytes, tot;
	size_t i, nsmall = 0, nover = 0;
	uint8_t *small;

	for (i = 0; i < ix->cap; i++) {
		b = &ix->slots[i];
		if (b->type == 0)
			continue;
		if (p->state[i] & P_USED)
			p->used[b->pack] += b->len;
		else
			p->unused[b->pack] += b->len;
	}
	if ((small = calloc(ix->npacks ? ix->npacks : 1, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < ix->npacks; i++) {
		tot = p->used[i] + p->unused[i];
		if (p->used[i] == 0) {
			p->fate[i] = p->size[i] == UINT64_MAX ? F_GONE : F_DROP;
			continue;
		}
		if ((double)p->unused[i] * 100.0 > max_unused * (double)tot) {
			p->fate[i] = F_REPACK;
			nover++;
		}
		/* An oversized pack holds one blob larger than a pack. */
		if (p->size[i] != pb && !(p->size[i] > pb &&
		    p->nblobs[i] == 1)) {
			small[i] = 1;
			nsmall++;
		}
	}
	/* A fresh repository has at most one pack not full: the last. */
	if (nsmall >= 2 || (nover > 0 && nsmall > 0))
		for (i = 0; i < ix->npacks; i++)
			if (small[i])
				p->fate[i] = F_REPACK;
	free(small);
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type != 0 && (p->state[i] & P_USED) &&
		    p->fate[ix->slots[i].pack] == F_REPACK)
			p->copyblobs++;
	for (i = 0; i < ix->npacks; i++)
		switch (p->fate[i]) {
		case F_DROP:
			p->ndrop++;
			p->dropbytes += p->size[i];
			break;
		case F_REPACK:
			p->nrepack++;
			p->repackbytes += p->size[i];
			p->copybytes += p->used[i];
			break;
		case F_GONE:
			p->ngone++;
			break;
		default:
			p->unusedkept += p->unused[i];
		}
}

/* Index slots sorted by pack, then offset (qsort over one pack's run). */
static const struct index *sort_ix;

static int
by_off(const void *a, const void *b)
{
	uint32_t x = sort_ix->slots[*(const uint32_t *)a].off;
	uint32_t y = sort_ix->slots[*(const uint32_t *)b].off;

	return x < y ? -1 : x > y;
}

/*
 * The slots of the blobs of the packs of fate ${fate} (with ${used}: only
 * the used ones), grouped by pack and in pack order: new memory *${vp}
 * (free() it), *${np} of them.  A counting sort: linear in the index.
 */
static void
slots_of(struct pr *p, uint8_t fate, int used, uint32_t **vp, size_t *np)
{
	const struct index *ix = &p->rd.ix;
	size_t *start, i, n = 0, k;
	uint32_t *v;

	if ((start = calloc(ix->npacks + 1, sizeof(*start))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type != 0 &&
		    p->fate[ix->slots[i].pack] == fate &&
		    (!used || (p->state[i] & P_USED))) {
			start[ix->slots[i].pack + 1]++;
			n++;
		}
	for (i = 0; i < ix->npacks; i++)
		start[i + 1] += start[i];
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type != 0 &&
		    p->fate[ix->slots[i].pack] == fate &&
		    (!used || (p->state[i] & P_USED)))
			v[start[ix->slots[i].pack]++] = (uint32_t)i;
	/* start[i] is now the end of pack i's run. */
	sort_ix = ix;
	for (i = 0, k = 0; i < ix->npacks; k = start[i++])
		if (start[i] - k > 1)
			qsort(v + k, start[i] - k, sizeof(*v), by_off);
	free(start);
	*vp = v;
	*np = n;
}

/* A new pack could not be written: say why, once. */
static void
write_failed(struct pr *p)
{
	struct fsio_failure f;
	char sz[32];
	int e = errno;

	p->wfail = 1;
	if (fsio_failed(&f) && f.err == ENOSPC)
		errorx("the repository's disk is full (%llu MiB free): no "
		    "room for the %s of used blobs that repacking copies "
		    "into new packs",
		    f.avail == UINT64_MAX ? 0ULL :
		    (unsigned long long)(f.avail >> 20),
		    progress_size(p->copybytes, sz));
	else
		errorx("cannot write a new pack: %s",
		    strerror(f.err ? f.err : e));
}

/* Whether the lengths recorded for ${loc} can be true (packr_loc_ok). */
static int
blob_len_ok(const struct pr *p, const struct blobloc *loc)
{
	size_t dmax = p->r->cfg.chunk_max > LOG_RING_BYTES ?
	    p->r->cfg.chunk_max : LOG_RING_BYTES;

	return packr_loc_ok(loc, loc->type == BLOB_TREE ? TREE_BYTES_MAX :
	    dmax) == 0;
}

/*
 * The sealed bytes of the blob in index slot ${s} into ${out} (a read
 * that fails is tried again from its pack repaired in memory from its
 * parity, packr_heal).  EXIT_OK; or, after a message naming its pack,
 * EXIT_DAMAGED (lengths that cannot be true, a short pack) or EXIT_ERR
 * (a read error), the blob P_BAD.
 */
static int
read_sealed(struct pr *p, size_t s, uint8_t *out)
{
	const struct index *ix = &p->rd.ix;
	const struct blobloc *loc = &ix->slots[s];
	char name[2 * PACK_ID_BYTES + 1], shard[3], h[9];
	int e;

	if (!blob_len_ok(p, loc))
		e = EBADMSG;
	else if (packr_read_sealed(p->rd.pr, ix, loc, out) == 0)
		return EXIT_OK;
	else if ((e = errno) != ENOENT && packr_heal(p->rd.pr, ix, loc) &&
	    packr_read_sealed(p->rd.pr, ix, loc, out) == 0)
		return EXIT_OK;	/* a bad sector, repaired from parity */
	pack_name(index_pack_id(ix, loc->pack), shard, name);
	reader_hex8(loc->id, h);
	errorx("pack %s: cannot read blob %s: %s", name, h, e == EBADMSG ?
	    "damaged (its recorded length cannot be true, or the pack is "
	    "short)" : strerror(e));
	p->state[s] |= P_BAD;
	return e == EBADMSG ? EXIT_DAMAGED : EXIT_ERR;
}

/*
 * Of the batch of slots ${v}[0 .. ${n}), read into ${sealed} at ${ins},
 * the blobs that failed authentication (${outlens} SIZE_MAX): repair
 * their packs in memory from their parity (packr_heal: one pack at a
 * time, never written) and read them again.  1 when any was read again
 * (authenticate the batch again), else 0.
 */
static int
reread_healed(struct pr *p, const uint32_t *v, size_t n,
    const size_t *outlens, uint8_t *sealed, const uint8_t *const *ins)
{
	const struct index *ix = &p->rd.ix;
	const struct blobloc *loc;
	size_t k;
	int again = 0;

	for (k = 0; k < n; k++) {
		if (outlens[k] != SIZE_MAX)
			continue;
		loc = &ix->slots[v[k]];
		if (packr_heal(p->rd.pr, ix, loc) &&
		    packr_read_sealed(p->rd.pr, ix, loc,
		    sealed + (ins[k] - sealed)) == 0)
			again = 1;
	}
	return again;
}

/* The blob of slot ${s} was just added to ${w}: remember where. */
static void
moved(struct pr *p, struct packw *w, uint32_t s)
{
	uint8_t pid[PACK_ID_BYTES];
	struct moved *m;
	uint32_t off;
	void *v;

	packw_last(w, pid, &off);
	if (p->nnew == 0 || memcmp(p->newids[p->nnew - 1], pid,
	    PACK_ID_BYTES) != 0) {
		if (p->nnew == p->newcap) {
			p->newcap = p->newcap ? 2 * p->newcap : 64;
			if ((v = reallocarray(p->newids, p->newcap,
			    PACK_ID_BYTES)) == NULL)
				fatal(EXIT_ERR, "out of memory");
			p->newids = v;
		}
		memcpy(p->newids[p->nnew++], pid, PACK_ID_BYTES);
	}
	m = &p->moved[p->nmoved++];
	m->slot = s;
	m->pack = (uint32_t)(p->nnew - 1);
	m->off = off;
}

/*
 * Copy the used blobs of the packs to repack into new packs written by
 * ${w}, their new places in p->moved.  Each batch is read, authenticated by the
 * keyholder (not a byte of damage is carried over) and only then added.
 * Returns EXIT_OK; EXIT_DAMAGED or EXIT_ERR after a message (a blob that
 * failed is marked P_BAD).
 */
static int
repack(struct pr *p, struct packw *w)
{
	const struct index *ix = &p->rd.ix;
	const struct blobloc *loc;
	char name[2 * PACK_ID_BYTES + 1], shard[3], h[9];
	uint32_t *v, types[KH_BATCH_MAX];
	uint8_t (*ids)[ENV_ID_BYTES] = NULL, *sealed = NULL, *plain = NULL;
	const uint8_t *ins[KH_BATCH_MAX];
	size_t inlens[KH_BATCH_MAX], outlens[KH_BATCH_MAX], n, i, j, k, off;
	size_t cap;
	struct progress prog;
	uint64_t done = 0, dbytes = 0;
	int e = EXIT_OK, bad, healed;

	slots_of(p, F_REPACK, 1, &v, &n);
	if ((p->moved = calloc(n ? n : 1, sizeof(*p->moved))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	/* A batch holds BATCH_BYTES, or one larger blob (a large tree). */
	for (i = 0, cap = BATCH_BYTES; i < n; i++)
		if (ix->slots[v[i]].len > cap && blob_len_ok(p,
		    &ix->slots[v[i]]))
			cap = ix->slots[v[i]].len;
	if ((ids = calloc(KH_BATCH_MAX, ENV_ID_BYTES)) == NULL ||
	    (sealed = malloc(cap)) == NULL || (plain = malloc(cap)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	progress_init(&prog, "prune", "blobs", p->o->json);
	progress_total(&prog, n, p->copybytes);
	for (i = 0; i < n && e == EXIT_OK; i = j) {
		/* A batch: up to KH_BATCH_MAX blobs, BATCH_BYTES (or one). */
		for (j = i, off = 0; j < n && j - i < KH_BATCH_MAX; j++) {
			loc = &ix->slots[v[j]];
			if (j > i && off + loc->len > BATCH_BYTES)
				break;
			if ((e = read_sealed(p, v[j], sealed + off)) !=
			    EXIT_OK)
				break;
			types[j - i] = loc->type == BLOB_TREE ? OBJ_TREE :
			    OBJ_BLOB;
			memcpy(ids[j - i], loc->id, ENV_ID_BYTES);
			ins[j - i] = sealed + off;
			inlens[j - i] = loc->len;
			off += loc->len;
		}
		if (e != EXIT_OK)
			break;
		healed = 0;
again:
		if (kh_open_batch(p->r->kh, j - i, types,
		    (const uint8_t (*)[ENV_ID_BYTES])ids, ins, inlens, plain,
		    cap, outlens) != 0) {
			errorx("the keyholder could not authenticate the "
			    "blobs to copy");
			e = EXIT_ERR;
			break;
		}
		/* Damaged blobs: once more from their packs' parity. */
		if (!healed && reread_healed(p, v + i, j - i, outlens, sealed,
		    ins)) {
			healed = 1;
			goto again;
		}
		for (k = i, bad = 0; k < j; k++)
			if (outlens[k - i] == SIZE_MAX) {
				loc = &ix->slots[v[k]];
				pack_name(index_pack_id(ix, loc->pack), shard,
				    name);
				reader_hex8(loc->id, h);
				errorx("pack %s: blob %s is damaged (it fails "
				    "authentication)", name, h);
				p->state[v[k]] |= P_BAD;
				bad = 1;
			}
		if (bad) {
			e = EXIT_DAMAGED;
			break;
		}
		for (k = i; k < j; k++) {
			loc = &ix->slots[v[k]];
			if (packw_add_sealed(w, NULL, loc->type, loc->id,
			    ins[k - i], inlens[k - i], loc->rawlen) != 0) {
				write_failed(p);
				e = EXIT_ERR;
				break;
			}
			moved(p, w, v[k]);
			done++;
			dbytes += loc->len;
		}
		progress_tick(&prog, done, dbytes);
	}
	if (e == EXIT_OK && packw_finish(w) != 0) {
		write_failed(p);
		e = EXIT_ERR;
	}
	progress_done(&prog, done, dbytes);
	free(plain);
	free(sealed);
	free(ids);
	free(v);
	return e;
}

/*
 * About what the repacked blobs take in new packs: full packs, then one
 * Padmé-sized last pack (header entries and trailer counted).
 */
static uint64_t
new_bytes(const struct pr *p)
{
	uint64_t pb = p->r->cfg.pack_bytes, n, rest;

	if (p->copybytes == 0)
		return 0;
	n = p->copybytes / pb;
	rest = p->copybytes - n * pb;
	return n * pb + (rest > 0 ? padme(rest + p->copyblobs *
	    PACK_HDR_ENTRY_BYTES + 2 * ENV_OVERHEAD + PACK_TRAILER_BYTES) : 0);
}

/* What the prune frees, about: what goes, less what the copies take. */
static uint64_t
frees(const struct pr *p)
{
	uint64_t gone = p->dropbytes + p->leftbytes + p->tempbytes +
	    p->repackbytes, made = new_bytes(p);

	return gone > made ? gone - made : 0;
}

/* The plan, before anything changes. */
static void
report(struct pr *p)
{
	char a[32], b[32], c[32], d[32], f[32], g[32];

	if (p->o->json || log_verbosity == 0)
		return;
	printf("%s%zu snapshot%s, %zu pack%s; "
	    "to delete: %llu unused pack%s (%s); "
	    "to repack: %llu pack%s (%s, %s of it used); "
	    "unused kept: %s; "
	    "leftovers of interrupted runs: %llu pack%s and %llu "
	    "temporar%s (%s); frees about %s\n",
	    p->o->dry_run ? "would prune (dry run): " : "",
	    p->rd.nsnaps, PLURAL(p->rd.nsnaps),
	    p->npacks, PLURAL(p->npacks),
	    (unsigned long long)p->ndrop, PLURAL(p->ndrop),
	    progress_size(p->dropbytes, a),
	    (unsigned long long)p->nrepack, PLURAL(p->nrepack),
	    progress_size(p->repackbytes, b), progress_size(p->copybytes, c),
	    progress_size(p->unusedkept, d),
	    (unsigned long long)p->nleft, PLURAL(p->nleft),
	    (unsigned long long)p->ntemps, p->ntemps == 1 ? "y" : "ies",
	    progress_size(p->leftbytes + p->tempbytes, f),
	    progress_size(frees(p), g));
	if (p->ntempskept > 0)
		printf("%llu temporar%s outside packs/ and index/ left as "
		    "they are (prune may not write there)\n",
		    (unsigned long long)p->ntempskept,
		    p->ntempskept == 1 ? "y" : "ies");
	(void)fflush(stdout);
}

static void
report_json(struct pr *p, int e)
{
	if (!p->o->json)
		return;
	printf("{\"dry_run\":%s,\"ok\":%s,\"snapshots\":%zu,\"packs\":%zu,"
	    "\"delete_packs\":%llu,\"delete_bytes\":%llu,"
	    "\"repack_packs\":%llu,\"repack_bytes\":%llu,"
	    "\"repack_used_bytes\":%llu,\"unused_kept_bytes\":%llu,"
	    "\"leftover_packs\":%llu,\"leftover_pack_bytes\":%llu,"
	    "\"temporaries\":%llu,\"temporary_bytes\":%llu,"
	    "\"frees_bytes\":%llu,"
	    "\"written_packs\":%llu,\"written_bytes\":%llu,"
	    "\"index_segments\":%llu,\"index_segments_removed\":%llu}\n",
	    p->o->dry_run ? "true" : "false", e == EXIT_OK ? "true" : "false",
	    p->rd.nsnaps, p->npacks,
	    (unsigned long long)p->ndrop, (unsigned long long)p->dropbytes,
	    (unsigned long long)p->nrepack,
	    (unsigned long long)p->repackbytes,
	    (unsigned long long)p->copybytes,
	    (unsigned long long)p->unusedkept,
	    (unsigned long long)p->nleft, (unsigned long long)p->leftbytes,
	    (unsigned long long)p->ntemps, (unsigned long long)p->tempbytes,
	    (unsigned long long)frees(p), (unsigned long long)p->wpacks,
	    (unsigned long long)p->wbytes,
	    (unsigned long long)p->nseg, (unsigned long long)p->nold);
}

/* Remove the leftovers: packs no index names, temporaries. 0 or -1. */
static int
remove_leftovers(struct pr *p)
{
	size_t i;

	for (i = 0; i < p->ndir; i++)
		if (!p->named[i] && pack_remove(p, p->dir[i].id) != 0)
			return -1;
	return packdir_temps(p->r->dirfd, temp_remove, p) != 0 ? -1 : 0;
}

/*
 * The new whole index, made from the loaded one (no second table): the
 * copied blobs at their new places, and every blob of the kept packs,
 * used or not (the next prune still sees their unused share), in pack
 * order.  Then durable, replacing every old segment.
 */
static int
write_index(struct pr *p)
{
	struct index *ix = &p->rd.ix;
	struct blobloc *b;
	uint32_t *v;
	size_t n, i, nseg, nold;
	int rc = -1;

	slots_of(p, F_KEEP, 0, &v, &n);
	for (i = 0; i < n; i++)
		if (index_refresh(ix, ix->slots[v[i]].id) != 0)
			fatal(EXIT_ERR, "out of memory");
	free(v);
	/* The new packs are durable: the copies' places replace the old. */
	for (i = 0; i < p->nmoved; i++) {
		b = &ix->slots[p->moved[i].slot];
		b->pack = INDEX_UNPLACED;
		if (index_place(ix, b->id, p->newids[p->moved[i].pack],
		    p->moved[i].off, b->len) != 0 ||
		    index_refresh(ix, b->id) != 0)
			fatal(EXIT_ERR, "out of memory");
	}
	if (idxio_replace(p->r->kh, p->r->dirfd, ix, &nseg, &nold) != 0)
		errorx("cannot write the new index: %s; %s (the old index, "
		    "or the new one, is whole)", strerror(errno),
		    deleted(p));
	else
		rc = 0;
	p->nseg = nseg;
	p->nold = nold;
	return rc;
}

/* The packs the new index no longer names.  0, or -1 after a message. */
static int
remove_packs(struct pr *p)
{
	size_t i;

	for (i = 0; i < p->npacks; i++)
		if ((p->fate[i] == F_DROP || p->fate[i] == F_REPACK) &&
		    pack_remove(p, p->rd.ix.packs[i]) != 0) {
			errorx("the new index is in place; the packs not "
			    "removed are leftovers the next prune removes");
			return -1;
		}
	return 0;
}

/*
 * A new pack could not be written (a full disk): the packs to repack stay
 * as they are, the new packs written so far go (nothing names them), and
 * the packs no snapshot uses are deleted in the usual order, which frees
 * room for the next prune.  EXIT_ERR, after saying what was done.
 */
static int
drop_only(struct pr *p)
{
	char sz[32];
	size_t i;

	for (i = 0; i < p->nnew; i++)
		(void)pack_remove(p, p->newids[i]);
	for (i = 0; i < p->npacks; i++)
		if (p->fate[i] == F_REPACK)
			p->fate[i] = F_KEEP;
	p->nmoved = 0;
	if (p->ndrop + p->ngone == 0) {
		errorx("%s (no pack is wholly unused); make room and run "
		    "prune again", deleted(p));
		return EXIT_ERR;
	}
	if (write_index(p) != 0 || remove_packs(p) != 0)
		return EXIT_ERR;
	errorx("deleted only the %llu pack%s no snapshot uses (%s); the "
	    "packs to repack were kept as they were: run prune again to "
	    "repack them", (unsigned long long)p->ndrop, PLURAL(p->ndrop),
	    progress_size(p->dropbytes, sz));
	return EXIT_ERR;
}

static void
pr_free(struct pr *p)
{
	free(p->state);
	free(p->dir);
	free(p->named);
	free(p->pbad);
	free(p->fate);
	free(p->used);
	free(p->unused);
	free(p->need);
	free(p->size);
	free(p->nblobs);
	free(p->snapbad);
	free(p->moved);
	free(p->newids);
	reader_close(&p->rd);
}

int
prune_run(struct opts *o, struct repo *r)
{
	static const char *const keep[3] = { ".", REPO_KEYS_DIR, SNAP_DIR };
	struct pr p;
	struct packw *w = NULL;
	size_t np, i, nbad;
	int e;

	memset(&p, 0, sizeof(p));
	p.r = r;
	p.o = o;
	if ((e = reader_open(&p.rd, r)) != EXIT_OK)
		goto out;
	ignore_snapshots(&p);
	if (p.rd.badsnaps > 0 || p.rd.badsegs > 0) {
		errorx("%s damaged: the packs %s would look unused; will "
		    "not prune, to prevent (additional) data loss: run "
		    "'tacit repair %s' first",
		    p.rd.badsegs > 0 ? "index segments are" : "snapshots are",
		    p.rd.badsegs > 0 ? "only they name" : "only they reach",
		    p.rd.badsegs > 0 ? "index" : "snapshots");
		e = EXIT_DAMAGED;
		goto out;
	}
	for (i = 0; i < 3; i++)
		if (fstatat(r->dirfd, keep[i], &p.keep[i], 0) != 0)
			memset(&p.keep[i], 0, sizeof(p.keep[i]));
	p.npacks = p.rd.ix.npacks;
	np = p.npacks ? p.npacks : 1;
	if (packdir_list(r->dirfd, &p.dir, &p.ndir) != 0) {
		e = EXIT_ERR;
		goto out;
	}
	if ((p.state = calloc(p.rd.ix.cap ? p.rd.ix.cap : 1, 1)) == NULL ||
	    (p.named = calloc(p.ndir ? p.ndir : 1, 1)) == NULL ||
	    (p.pbad = calloc(np, 1)) == NULL ||
	    (p.fate = calloc(np, 1)) == NULL ||
	    (p.used = calloc(np, sizeof(*p.used))) == NULL ||
	    (p.unused = calloc(np, sizeof(*p.unused))) == NULL ||
	    (p.need = calloc(np, sizeof(*p.need))) == NULL ||
	    (p.size = calloc(np, sizeof(*p.size))) == NULL ||
	    (p.nblobs = calloc(np, sizeof(*p.nblobs))) == NULL ||
	    (p.snapbad = calloc(p.rd.nsnaps ? p.rd.nsnaps : 1, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	account(&p);
	if (packdir_temps(r->dirfd, temp_count, &p) != 0) {
		e = EXIT_ERR;
		goto out;
	}
	/* Mark; a snapshot that reaches damage stops everything. */
	for (i = 0, nbad = 0; i < p.rd.nsnaps; i++)
		if (walk(&p, &p.rd.snaps[i], P_USED, P_TAINT))
			p.snapbad[i] = 1;
	for (i = 0; i < p.rd.nsnaps; i++) {
		char hex[2 * SNAP_ID_BYTES + 1];

		if (!p.snapbad[i])
			continue;
		snapshot_hex(p.rd.snaps[i].id, hex);
		hex[8] = '\0';
		errorx("snapshot %s reaches data that is missing from the "
		    "index, damaged, or in a pack that is missing or "
		    "truncated: run 'tacit repair snapshots %s' first", hex,
		    hex);
		nbad++;
	}
	if (nbad > 0) {
		errorx("will not prune, to prevent (additional) data loss: "
		    "%zu snapshot%s need%s repair; nothing was deleted", nbad,
		    PLURAL(nbad), nbad == 1 ? "s" : "");
		e = EXIT_DAMAGED;
		goto out;
	}
	decide(&p, o->max_unused_set ? o->max_unused :
	    PRUNE_MAX_UNUSED_DEFAULT);
	report(&p);
	if (o->dry_run) {
		e = EXIT_OK;
		goto out;
	}
	/* Referenced by nothing: they go first, to free space. */
	if (remove_leftovers(&p) != 0) {
		e = EXIT_ERR;
		goto out;
	}
	if (p.ndrop + p.nrepack + p.ngone == 0) {
		e = EXIT_OK;
		goto out;
	}
	if (p.nrepack > 0) {
		if ((w = packw_new(r->kh, r->dirfd, r->cfg.pack_bytes)) ==
		    NULL)
			fatal(EXIT_ERR, "out of memory");
		e = repack(&p, w);
		packw_stats(w, &p.wpacks, &p.wbytes);
		if (e != EXIT_OK && p.wfail) {
			e = drop_only(&p);
			goto out;
		}
		if (e != EXIT_OK) {
			if (p.wpacks > 0)
				errorx("the %llu new pack%s written so far "
				    "are leftovers the next prune removes",
				    (unsigned long long)p.wpacks,
				    PLURAL(p.wpacks));
			nbad = name_snapshots(&p, P_SEEN, P_TAINT2);
			errorx("prune stopped; %s%s", deleted(&p),
			    nbad > 0 ? "" : " (no snapshot reaches what "
			    "failed)");
			goto out;
		}
	}
	if (write_index(&p) != 0 || remove_packs(&p) != 0) {
		e = EXIT_ERR;
		goto out;
	}
	e = EXIT_OK;
out:
	if (e == EXIT_OK && !o->dry_run && !o->json && log_verbosity > 0 &&
	    p.ndrop + p.nrepack + p.ngone == 0)
		printf("nothing to prune%s\n", p.nleft + p.ntemps > 0 ?
		    " but the leftovers, removed" : "");
	else if (e == EXIT_OK && !o->dry_run && !o->json &&
	    log_verbosity > 0) {
		char a[32];

		printf("pruned: %llu pack%s deleted, %llu repacked into %llu "
		    "new (%s), index of %llu segment%s\n",
		    (unsigned long long)p.ndrop, PLURAL(p.ndrop),
		    (unsigned long long)p.nrepack,
		    (unsigned long long)p.wpacks, progress_size(p.wbytes, a),
		    (unsigned long long)p.nseg, PLURAL(p.nseg));
	}
	report_json(&p, e);
	packw_free(w);
	pr_free(&p);
	return e;
}
