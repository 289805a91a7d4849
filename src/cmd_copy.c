/*
 * cmd_copy.c: tacit copy -r SRC --to DST [SNAP...]: the chosen snapshots
 * of SRC that DST does not hold yet, with only the blobs DST lacks.
 *
 * SRC is unlocked by the keyholder, DST by a second keyholder of its own
 * (keyholder.c other_start); this worker holds neither repository's keys.
 * Every blob is read from SRC (opened by SRC's keyholder), identified with
 * DST's id key (DST's keyholder), and stored in DST (sealed by DST's
 * keyholder) unless DST has that id.  Trees are re-encoded bottom-up with
 * DST's ids.  Each snapshot is committed as a backup commits one: its
 * packs, then an index segment, then the snapshot, which records its
 * original's id (doc/format.md, section 17), so a second run copies
 * nothing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "idxio.h"
#include "lock.h"
#include "log.h"
#include "progress.h"
#include "reader.h"
#include "repo.h"
#include "show.h"
#include "snapshot.h"
#include "store.h"
#include "tree.h"
#include "treepath.h"

#define COPY_BATCH_BYTES	(8u << 20)	/* plaintext a batch */
#define COPY_STACK_BYTES	((size_t)256 << 20) /* TREE_DEPTH_MAX levels */

/* SRC id -> DST id, open addressing (ids are keyed hashes: uniform). */
struct idmap {
	uint8_t		(*kv)[2][32];	/* key, value; key[0..31] 0: empty */
	uint8_t		*used;
	size_t		 cap, n;
};

/* A chunk slot of a tree being copied, waiting for its DST id. */
struct pend {
	uint8_t		 src[32];
	uint8_t		*slot;
};

struct cp {
	const struct opts *o;
	struct reader	*rd;		/* SRC */
	struct repo	*dst;
	struct index	 ix;		/* DST's index, and what we committed */
	struct store	 sto;		/* DST's new blobs of this snapshot */
	int		 sto_on;
	struct idmap	 data, trees;
	struct pend	 pend[KH_BATCH_MAX];
	size_t		 npend, pendraw;
	struct prefetch	 pf;
	size_t		 depth;
	int		 damaged;	/* a blob of SRC could not be read */
	uint64_t	 blobs, stored, packs;	/* this run, all snapshots */
};

/* --- the id map ------------------------------------------------------- */

static int
idmap_grow(struct idmap *m)
{
	struct idmap g = { 0 };
	size_t i, j;

	g.cap = m->cap ? m->cap * 2 : 4096;
	if ((g.kv = calloc(g.cap, sizeof(*g.kv))) == NULL ||
	    (g.used = calloc(g.cap, 1)) == NULL) {
		free(g.kv);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		j = (size_t)le32dec(m->kv[i][0]) & (g.cap - 1);
		while (g.used[j])
			j = (j + 1) & (g.cap - 1);
		memcpy(g.kv[j], m->kv[i], sizeof(g.kv[j]));
		g.used[j] = 1;
	}
	g.n = m->n;
	free(m->kv);
	free(m->used);
	*m = g;
	return 0;
}

static const uint8_t *
idmap_get(const struct idmap *m, const uint8_t *k)
{
	size_t j;

	if (m->cap == 0)
		return NULL;
	for (j = (size_t)le32dec(k) & (m->cap - 1); m->used[j];
	    j = (j + 1) & (m->cap - 1))
		if (memcmp(m->kv[j][0], k, 32) == 0)
			return m->kv[j][1];
	return NULL;
}

static int
idmap_put(struct idmap *m, const uint8_t *k, const uint8_t *v)
{
	size_t j;

	if (idmap_get(m, k) != NULL)
		return 0;
	if ((m->n + 1) * 2 > m->cap && idmap_grow(m) != 0)
		return -1;
	for (j = (size_t)le32dec(k) & (m->cap - 1); m->used[j];
	    j = (j + 1) & (m->cap - 1))
		;
	memcpy(m->kv[j][0], k, 32);
	memcpy(m->kv[j][1], v, 32);
	m->used[j] = 1;
	m->n++;
	return 0;
}

static void
idmap_free(struct idmap *m)
{
	free(m->kv);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

/* --- blobs ------------------------------------------------------------ */

/* Store blob ${id} of DST unless DST or this snapshot has it. */
static int
put(struct cp *c, uint8_t type, const uint8_t *id, const uint8_t *p,
    size_t len)
{
	int r;

	if (index_get(&c->ix, id) != NULL)
		return 0;
	if ((r = store_queue(&c->sto, type, id, p, len)) < 0) {
		errorx("cannot store in %s: %s", c->dst->path, strerror(errno));
		return -1;
	}
	c->blobs += (uint64_t)r;
	return 0;
}

/*
 * The waiting data chunks: read from SRC in one batch, identified with
 * DST's key in one more, stored, and their slots given DST's ids.
 * 0, or -1 (a message was printed; c->damaged when SRC's data was bad).
 */
static int
flush(struct cp *c)
{
	const uint8_t *ptr[KH_BATCH_MAX];
	uint8_t (*src)[32] = NULL, (*ids)[32] = NULL;
	size_t len[KH_BATCH_MAX], i, n = c->npend;
	char hex[9];
	int r = -1;

	if (n == 0)
		return 0;
	if ((src = calloc(n, 32)) == NULL || (ids = calloc(n, 32)) == NULL) {
		errorx("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		memcpy(src[i], c->pend[i].src, 32);
	if (reader_prefetch(c->rd, (const uint8_t (*)[32])src, n, &c->pf) !=
	    0) {
		errorx("cannot read the data of %s", c->rd->r->path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (c->pf.err[i] != 0) {
			reader_hex8(src[i], hex);
			errorx("%s: data blob %s: %s", c->rd->r->path, hex,
			    reader_strerror(c->pf.err[i]));
			c->damaged = 1;
			goto out;
		}
		ptr[i] = c->pf.buf + c->pf.off[i];
		len[i] = c->pf.len[i];
	}
	if (kh_id_batch(c->dst->kh, KH_ID_DATA, n, ptr, len, ids) != 0) {
		errorx("the keyholder of %s gave no ids", c->dst->path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (idmap_put(&c->data, src[i], ids[i]) != 0 ||
		    put(c, BLOB_DATA, ids[i], ptr[i], len[i]) != 0)
			goto out;
		memcpy(c->pend[i].slot, ids[i], 32);
	}
	r = 0;
out:
	c->npend = 0;
	c->pendraw = 0;
	free(src);
	free(ids);
	return r;
}

/* Give the chunk slot ${slot} (a SRC id) its DST id, now or at a flush. */
static int
map_chunk(struct cp *c, uint8_t *slot)
{
	const struct blobloc *loc;
	const uint8_t *d;

	if ((d = idmap_get(&c->data, slot)) != NULL) {
		memcpy(slot, d, 32);
		return 0;
	}
	loc = index_get(&c->rd->ix, slot);
	if (c->npend == KH_BATCH_MAX || (c->npend > 0 && loc != NULL &&
	    c->pendraw + loc->rawlen > COPY_BATCH_BYTES))
		if (flush(c) != 0)
			return -1;
	memcpy(c->pend[c->npend].src, slot, 32);
	c->pend[c->npend++].slot = slot;
	c->pendraw += loc != NULL ? loc->rawlen : 0;
	return 0;
}

/*
 * Tree ${id} of SRC, and everything below it, into DST; its DST id into
 * ${out}.  0, or -1 after a message.
 */
static int
copy_tree(struct cp *c, const uint8_t *id, uint8_t out[32])
{
	struct tree *t;
	struct dbuf b;
	const uint8_t *d;
	uint8_t nid[32];
	char hex[9];
	size_t i, j;
	int r = -1;

	if ((d = idmap_get(&c->trees, id)) != NULL) {
		memcpy(out, d, 32);
		return 0;
	}
	if (c->depth >= TREE_DEPTH_MAX) {
		errorx("%s: the trees are nested more than %d deep",
		    c->rd->r->path, TREE_DEPTH_MAX);
		c->damaged = 1;
		return -1;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		errorx("out of memory");
		return -1;
	}
	if (reader_tree(c->rd, id, t) != 0) {
		reader_hex8(id, hex);
		errorx("%s: tree %s: %s", c->rd->r->path, hex,
		    reader_strerror(errno));
		c->damaged = 1;
		free(t);
		return -1;
	}
	c->depth++;
	for (i = 0; i < t->count; i++) {
		struct node *n = &t->nodes[i];

		if (n->type == NODE_DIR) {
			if (copy_tree(c, n->subtree, nid) != 0)
				goto out;
			memcpy(n->subtree, nid, 32);
		} else if (n->type == NODE_FILE)
			for (j = 0; j < n->nchunks; j++)
				if (map_chunk(c, n->chunks[j]) != 0)
					goto out;
	}
	/* Every slot of this tree has its DST id before it is encoded. */
	if (flush(c) != 0)
		goto out;
	if (tree_encode(t, &b) != 0) {
		errorx("out of memory");
		goto out;
	}
	if (kh_id(c->dst->kh, KH_ID_TREE, b.p, b.len, out) != 0)
		errorx("the keyholder of %s gave no id", c->dst->path);
	else if (idmap_put(&c->trees, id, out) == 0 &&
	    put(c, BLOB_TREE, out, b.p, b.len) == 0)
		r = 0;
	dbuf_free(&b);
out:
	c->depth--;
	tree_free(t);
	free(t);
	return r;
}

/* The log blob of a snapshot (a data blob of at most LOG_RING_BYTES). */
static int
copy_log(struct cp *c, const uint8_t *id, uint8_t out[32])
{
	const uint8_t *p, *d;
	size_t len;

	if ((d = idmap_get(&c->data, id)) != NULL) {
		memcpy(out, d, 32);
		return 0;
	}
	if ((p = reader_blob(c->rd, id, BLOB_DATA, LOG_RING_BYTES, &len)) ==
	    NULL)
		return -1;	/* the copy goes without it */
	if (kh_id(c->dst->kh, KH_ID_DATA, p, len, out) != 0 ||
	    idmap_put(&c->data, id, out) != 0)
		return -1;
	return put(c, BLOB_DATA, out, p, len);
}

/* --- commit ----------------------------------------------------------- */

/* What this snapshot stored is now DST's: known to the next ones. */
static int
adopt(struct cp *c)
{
	const struct index *s = &c->sto.ix;
	const struct blobloc *b;
	size_t i;

	for (i = 0; i < s->cap; i++) {
		b = &s->slots[i];
		if (b->type == 0 || b->pack == INDEX_UNPLACED)
			continue;
		if (index_add(&c->ix, b->id, b->type, s->packs[b->pack],
		    b->off, b->len, b->rawlen) != 0)
			return -1;
	}
	return 0;
}

static void
store_end(struct cp *c)
{
	if (c->sto_on)
		store_free(&c->sto);
	memset(&c->sto, 0, sizeof(c->sto));
	c->sto_on = 0;
}

/*
 * SRC's snapshot ${s} into DST, under a new id written to ${newid};
 * ${v}, ${nv}: DST's snapshots (for the parent).  An exit code.
 */
static int
copy_one(struct cp *c, const struct snapshot *s, const struct snapshot *v,
    size_t nv, uint8_t newid[SNAP_ID_BYTES])
{
	struct snapshot n;
	uint64_t packs, bytes;
	size_t nseg, i;
	uint8_t root[32];

	memset(&c->sto, 0, sizeof(c->sto));
	c->sto_on = 1;
	if (store_start(&c->sto, c->dst, 0) != 0) {
		errorx("cannot set up the copy: %s", strerror(errno));
		return EXIT_ERR;
	}
	n = *s;
	if (copy_tree(c, s->root, root) != 0)
		return c->damaged ? EXIT_DAMAGED : EXIT_ERR;
	memcpy(n.root, root, 32);
	if (s->has_log && copy_log(c, s->log, n.log) != 0) {
		n.has_log = 0;
		memset(n.log, 0, sizeof(n.log));
	}
	/* Commit: packs, then the index, then the snapshot. */
	if (store_stop(&c->sto) != 0 || packw_finish(c->sto.pw) != 0) {
		errorx("cannot write a pack to %s: %s", c->dst->path,
		    strerror(errno));
		return EXIT_ERR;
	}
	if (idxio_save(c->dst->kh, c->dst->dirfd, &c->sto.ix, &nseg) != 0) {
		errorx("cannot write the index of %s: %s", c->dst->path,
		    strerror(errno));
		return EXIT_ERR;
	}
	packw_stats(c->sto.pw, &packs, &bytes);
	c->packs += packs;
	c->stored += c->sto.stored;
	if (adopt(c) != 0) {
		errorx("out of memory");
		return EXIT_ERR;
	}
	/* Its parent is the copy of SRC's parent, if DST holds one. */
	n.has_parent = 0;
	memset(n.parent, 0, sizeof(n.parent));
	for (i = 0; s->has_parent && i < nv; i++)
		if (v[i].has_orig && sodium_memcmp(v[i].orig, s->parent,
		    SNAP_ID_BYTES) == 0) {
			n.has_parent = 1;
			memcpy(n.parent, v[i].id, SNAP_ID_BYTES);
		}
	n.has_orig = 1;
	memcpy(n.orig, s->id, SNAP_ID_BYTES);
	randombytes_buf(n.id, sizeof(n.id));
	if (snapshot_write(c->dst->kh, c->dst->dirfd, &n) != 0) {
		errorx("cannot write the snapshot to %s: %s", c->dst->path,
		    strerror(errno));
		return EXIT_ERR;
	}
	memcpy(newid, n.id, SNAP_ID_BYTES);
	store_end(c);
	return EXIT_OK;
}

/* Does DST (${v}, ${nv}) hold SRC's snapshot ${s}: a copy, or the
 * original of ${s} itself?  Its DST id into ${id}. */
static int
held(const struct snapshot *v, size_t nv, const struct snapshot *s,
    uint8_t id[SNAP_ID_BYTES])
{
	size_t i;

	for (i = 0; i < nv; i++)
		if ((v[i].has_orig && memcmp(v[i].orig, s->id,
		    SNAP_ID_BYTES) == 0) || (s->has_orig &&
		    memcmp(v[i].id, s->orig, SNAP_ID_BYTES) == 0)) {
			memcpy(id, v[i].id, SNAP_ID_BYTES);
			return 1;
		}
	return 0;
}

/* The one message of a copy stopped by a failed write to DST. */
static void
dst_write_error(const char *dst, size_t done)
{
	struct fsio_failure f;
	char a[32];

	if (!fsio_failed(&f))
		return;
	if (f.err == ENOSPC || f.err == EDQUOT) {
		if (f.avail == UINT64_MAX)
			(void)snprintf(a, sizeof(a), "unknown");
		else
			(void)snprintf(a, sizeof(a), "%llu MiB",
			    (unsigned long long)(f.avail >> 20));
		errorx("the disk of %s is full (%s free); the %zu snapshot%s "
		    "copied before are whole there; free some space or use a "
		    "larger disk, then run the same copy again", dst, a, done,
		    PLURAL(done));
	} else
		errorx("cannot write to %s (%s: %s); the %zu snapshot%s copied "
		    "before are whole there; check the disk, then run the same "
		    "copy again", dst, f.call, strerror(f.err), done,
		    PLURAL(done));
}

/* Set once a write to DST failed: the errors that follow are its. */
static int
dst_failed(void)
{
	struct fsio_failure f;

	return fsio_failed(&f);
}

/* --- the command ------------------------------------------------------ */

struct run {
	struct cp	 c;
	struct opts	*o;
	struct snapshot	*v;		/* DST's snapshots */
	size_t		 nv;
	const struct snapshot **want;	/* SRC's, to copy, oldest first */
	size_t		 nwant;
	int		 e;
};

/* Choose SRC's snapshots: those named, or all that pass the filters. */
static int
choose(struct run *u)
{
	struct reader *rd = u->c.rd;
	const struct snapshot *s;
	size_t i, j;

	if ((u->want = calloc(rd->nsnaps + (size_t)u->o->argc + 1,
	    sizeof(*u->want))) == NULL)
		return EXIT_ERR;
	if (u->o->argc == 0) {
		for (i = 0; i < rd->nsnaps; i++)
			if (snap_selected(u->o, &rd->snaps[i]))
				u->want[u->nwant++] = &rd->snaps[i];
		return EXIT_OK;
	}
	for (i = 0; i < (size_t)u->o->argc; i++) {
		if ((s = snap_pick(u->o, rd, u->o->argv[i])) == NULL)
			return EXIT_ERR;
		for (j = 0; j < u->nwant && u->want[j] != s; j++)
			;
		if (j == u->nwant)
			u->want[u->nwant++] = s;
	}
	/* Oldest first, so parents are copied before their children. */
	for (i = 1; i < u->nwant; i++)
		for (j = i; j > 0 && u->want[j - 1] > u->want[j]; j--) {
			s = u->want[j - 1];
			u->want[j - 1] = u->want[j];
			u->want[j] = s;
		}
	return EXIT_OK;
}

static void
say(const struct opts *o, const char *src, const char *dst, int first)
{
	if (o->json)
		printf("%s{\"source\":\"%s\",\"copy\":\"%s\"}", first ? "" :
		    ",", src, dst);
	else if (log_verbosity >= 1)
		printf("snapshot %.8s copied as %.8s\n", src, dst);
}

/* The copy itself; on a thread with room for TREE_DEPTH_MAX levels. */
static void *
copy_main(void *arg)
{
	struct run *u = arg;
	struct cp *c = &u->c;
	struct timespec t0, t1;
	char a[2 * SNAP_ID_BYTES + 1], b[2 * SNAP_ID_BYTES + 1], h[32];
	uint8_t id[SNAP_ID_BYTES];
	size_t i, copied = 0, skipped = 0;
	struct snapshot *nv;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	u->e = EXIT_OK;
	if (u->o->json)
		printf("{\"copied\":[");
	for (i = 0; i < u->nwant; i++) {
		if (held(u->v, u->nv, u->want[i], id)) {
			skipped++;
			continue;
		}
		log_hold_errors(dst_failed);
		u->e = copy_one(c, u->want[i], u->v, u->nv, id);
		log_hold_errors(NULL);
		if (u->e != EXIT_OK) {
			store_end(c);
			dst_write_error(c->dst->path, copied);
			break;
		}
		snapshot_hex(u->want[i]->id, a);
		snapshot_hex(id, b);
		say(u->o, a, b, copied == 0);
		copied++;
		/* DST holds it now: a later child's parent. */
		if ((nv = reallocarray(u->v, u->nv + 1, sizeof(*nv))) == NULL) {
			u->e = EXIT_ERR;
			break;
		}
		u->v = nv;
		memset(&nv[u->nv], 0, sizeof(nv[u->nv]));
		memcpy(nv[u->nv].id, id, SNAP_ID_BYTES);
		nv[u->nv].has_orig = 1;
		memcpy(nv[u->nv++].orig, u->want[i]->id, SNAP_ID_BYTES);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	if (u->o->json) {
		printf("],\"skipped\":%zu,\"blobs_added\":%llu,"
		    "\"bytes_added\":%llu,\"packs\":%llu,\"seconds\":%.3f}\n",
		    skipped, (unsigned long long)c->blobs,
		    (unsigned long long)c->stored, (unsigned long long)c->packs,
		    (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else if (u->e == EXIT_OK && u->nwant == 0)
		printf("nothing to copy: no snapshot of %s is chosen\n",
		    c->rd->r->path);
	else if (u->e == EXIT_OK && copied == 0)
		printf("nothing to copy: %s holds all %zu chosen snapshot%s\n",
		    c->dst->path, skipped, PLURAL(skipped));
	else if (u->e == EXIT_OK && log_verbosity >= 1)
		printf("copied %zu snapshot%s (%zu already there): %llu new "
		    "blobs, %s stored\n", copied, PLURAL(copied), skipped,
		    (unsigned long long)c->blobs,
		    progress_size(c->stored, h));
	return NULL;
}

/* copy_check(o): see cmd.h. */
int
copy_check(const struct opts *o)
{
	struct stat a, b;

	if (o->to == NULL) {
		errorx("copy needs --to DIR, the repository to copy into; try "
		    "'tacit copy --help'");
		return EXIT_USAGE;
	}
	if (stat(o->repo, &a) == 0 && stat(o->to, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		errorx("%s and %s are the same repository: nothing to copy",
		    o->repo, o->to);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int
cmd_copy(struct opts *o)
{
	struct run u;
	struct repo *src = NULL;
	struct reader rd;
	pthread_attr_t at;
	pthread_t th;
	size_t bad;
	int e;

	memset(&u, 0, sizeof(u));
	memset(&rd, 0, sizeof(rd));
	u.o = o;
	u.c.o = o;
	u.c.rd = &rd;
	index_init(&u.c.ix);
	if ((e = copy_check(o)) != EXIT_OK)
		return e;
	if ((e = open_reader(o, &src, &rd)) != EXIT_OK)
		return e;
	if ((e = repo_open(o->to, &u.c.dst)) != EXIT_OK)
		goto out;
	e = EXIT_ERR;
	if (memcmp(u.c.dst->id, src->id, ENV_REPOID_BYTES) == 0) {
		errorx("%s and %s are one repository (the same repository id: "
		    "a mirror of it?): nothing to copy", o->repo, o->to);
		e = EXIT_USAGE;
		goto out;
	}
	if (kh_other(u.c.dst->kh) != 0) {
		errorx("no keyholder for %s", o->to);
		goto out;
	}
	if ((e = repo_lock(u.c.dst, REPO_LOCK_ADD, o->lock_wait)) != EXIT_OK ||
	    (e = repo_unlock(u.c.dst, &o->other)) != EXIT_OK)
		goto out;
	e = EXIT_ERR;
	if (idxio_load(u.c.dst->kh, u.c.dst->dirfd, &u.c.ix, &bad) != 0) {
		errorx("cannot read the index of %s: %s", o->to,
		    strerror(errno));
		goto out;
	}
	if (bad > 0)
		alertx("%zu index segments of %s are damaged; their blobs will "
		    "be stored again", bad, o->to);
	if (snapshot_load_all(u.c.dst->kh, u.c.dst->dirfd, &u.v, &u.nv,
	    &bad) != 0) {
		errorx("cannot read the snapshots of %s: %s", o->to,
		    strerror(errno));
		goto out;
	}
	if ((e = choose(&u)) != EXIT_OK)
		goto out;
	if (pthread_attr_init(&at) != 0 ||
	    pthread_attr_setstacksize(&at, COPY_STACK_BYTES) != 0 ||
	    pthread_create(&th, &at, copy_main, &u) != 0) {
		errorx("cannot start the copy");
		e = EXIT_ERR;
		goto out;
	}
	(void)pthread_attr_destroy(&at);
	(void)pthread_join(th, NULL);
	e = u.e;
out:
	store_end(&u.c);
	free(u.want);
	prefetch_free(&u.c.pf);
	idmap_free(&u.c.data);
	idmap_free(&u.c.trees);
	index_free(&u.c.ix);
	snapshot_list_free(u.v, u.nv);
	repo_close(u.c.dst);
	reader_close(&rd);
	if (src != NULL)
		cmd_close(src);
	return e;
}
