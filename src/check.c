/*
 * check.c: tacit check -r REPO [--read-data | --read-data-subset N/M].
 *
 * Structure first: every snapshot's trees are reachable and decode, every
 * blob they reference is in the index, every indexed pack exists, is large
 * enough for its blobs and has an authentic trailer and header, and the
 * header agrees with the index.  With
 * --read-data every referenced blob is read, authenticated and
 * decompressed too (a subset of the packs with N/M).  Damage is reported by
 * object and by the snapshots and paths it affects; leftovers of
 * interrupted runs (temporary files, packs no index names) are reported as
 * harmless.  With parity, --read-data also checks every pack, index
 * segment and snapshot against its parity.  With --same-as B, then B's
 * files are compared with A's by name and size (sameas.c).  Exit: 0
 * clean, 14 damaged, 15 damaged but all within the parity (repairable),
 * 16 B differs, 1 could not check.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "lock.h"
#include "log.h"
#include "pack.h"
#include "packdir.h"
#include "parity.h"
#include "parity_scan.h"
#include "progress.h"
#include "reader.h"
#include "sameas.h"
#include "treepath.h"

/* Per index slot: what we learned of that blob. */
#define SEEN	1	/* a tree already walked, or a blob already counted */
#define READOK	2	/* read and authenticated */
#define READBAD	4	/* read and found damaged */
#define BADLEN	8	/* its recorded lengths cannot be true */

struct ck {
	struct reader	*rd;
	const struct opts *o;
	uint8_t		*state;		/* by index slot */
	uint32_t	*height;	/* by slot: trees below a SEEN tree, + 1 */
	struct dbuf	 path;		/* the path walked, NUL-terminated */
	struct treepath	 tp;		/* the trees on it */
	int		 readdata;
	unsigned	 subn, subm;	/* --read-data-subset N/M */
	struct prefetch	*pf;		/* --read-data batches */
	uint64_t	 trees, blobs, bytes, damaged, leftovers;
	uint64_t	 repairable;	/* files damaged within their parity */
	uint64_t	 prepair;	/* of those, packs found by check_packs */
	uint64_t	 leftbytes;	/* their size on disk */
	char		 snap[9];
	struct progress	 prog;		/* --read-data: blobs read */
	uint64_t	 rblobs, rbytes;
};

/* --read-data: ${loc} was read; the progress line says so. */
static void
read_one(struct ck *c, const struct blobloc *loc)
{
	c->rblobs++;
	c->rbytes += loc->len;
	progress_tick(&c->prog, c->rblobs, c->rbytes);
}

static int in_subset(struct ck *, const struct blobloc *);

/* --read-data: the progress line's totals, the data blobs to read. */
static void
read_totals(struct ck *c)
{
	const struct index *ix = &c->rd->ix;
	uint64_t n = 0, bytes = 0;
	size_t i;

	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type == BLOB_DATA &&
		    in_subset(c, &ix->slots[i])) {
			n++;
			bytes += ix->slots[i].len;
		}
	progress_total(&c->prog, n, bytes);
}

static size_t
slot(struct ck *c, const struct blobloc *loc)
{
	return (size_t)(loc - c->rd->ix.slots);
}

static void
hex8(const uint8_t *id, char out[9])
{
	sodium_bin2hex(out, 9, id, 4);
}

static void
damage(struct ck *c, const char *path, const char *what, const uint8_t *id)
{
	char h[9];

	hex8(id, h);
	alertx("snapshot %s: %s: %s (blob %s)", c->snap,
	    log_shown(path[0] ? path : "/"), what, h);
	c->damaged++;
}

/* Is this blob's pack in the --read-data subset? */
static int
in_subset(struct ck *c, const struct blobloc *loc)
{
	const uint8_t *pid = index_pack_id(&c->rd->ix, loc->pack);

	if (!c->readdata)
		return 0;
	if (c->subm == 0)
		return 1;
	return pid != NULL && (pid[0] % c->subm) == c->subn - 1;
}

/*
 * Data blob ${id} of the file at ${path}: in the index, with lengths that
 * can be true (a raw length of at most ${rawmax}: chunk_max for a file,
 * LOG_RING_BYTES for a log), and with --read-data authentic.
 */
static void
check_data(struct ck *c, const char *path, const uint8_t *id, size_t rawmax)
{
	const struct blobloc *loc = index_get(&c->rd->ix, id);
	size_t len, s;

	if (loc == NULL) {
		damage(c, path, "data missing from the index", id);
		return;
	}
	s = slot(c, loc);
	if (loc->type != BLOB_DATA || packr_loc_ok(loc, rawmax) != 0) {
		damage(c, path, loc->type != BLOB_DATA ? "data blob recorded "
		    "as a tree" : errno == EFBIG ? "data blob claims to be "
		    "larger than the repository allows (chunk_max, or 1 MiB "
		    "for a log): damaged or forged" : "data blob's sealed "
		    "length cannot be true: damaged or forged", id);
		c->state[s] |= BADLEN;
		return;
	}
	if (!(c->state[s] & SEEN)) {
		c->state[s] |= SEEN;
		c->blobs++;
		c->bytes += loc->rawlen;
	}
	if (in_subset(c, loc) && !(c->state[s] & (READOK | READBAD))) {
		c->state[s] |= reader_blob(c->rd, id, BLOB_DATA, rawmax,
		    &len) != NULL ? READOK : READBAD;
		read_one(c, loc);
	}
	if (c->state[s] & READBAD)
		damage(c, path, "data damaged (authentication or "
		    "decompression failed)", id);
}

/*
 * --read-data: read the one-chunk files of tree ${t} not read yet in
 * batches of one keyholder request each (KH_BATCH_MAX blobs, 8 MiB)
 * instead of one request per blob.  Marks them READOK or READBAD; a batch
 * that fails as a whole leaves them to check_data, one by one.
 */
static void
read_batched(struct ck *c, const struct tree *t)
{
	const struct blobloc *loc, *locs[KH_BATCH_MAX];
	uint8_t (*ids)[32];
	size_t i = 0, n, k, raw;

	if (!c->readdata || c->pf == NULL ||
	    (ids = calloc(KH_BATCH_MAX, 32)) == NULL)
		return;
	while (i < t->count) {
		for (n = raw = 0; i < t->count && n < KH_BATCH_MAX; i++) {
			const struct node *nd = &t->nodes[i];

			if (nd->type != NODE_FILE || nd->nchunks != 1 ||
			    (loc = index_get(&c->rd->ix, nd->chunks[0])) ==
			    NULL || loc->type != BLOB_DATA ||
			    !in_subset(c, loc) ||
			    (c->state[slot(c, loc)] & (READOK | READBAD)))
				continue;
			for (k = 0; k < n; k++)		/* twice in this tree */
				if (locs[k] == loc)
					break;
			if (k < n)
				continue;
			if (n > 0 && raw + loc->rawlen > (8u << 20))
				break;
			raw += loc->rawlen;
			memcpy(ids[n], nd->chunks[0], 32);
			locs[n++] = loc;
		}
		if (n < 2 || reader_prefetch(c->rd,
		    (const uint8_t (*)[32])ids, n, c->pf) != 0)
			continue;
		for (k = 0; k < n; k++) {
			c->state[slot(c, locs[k])] |= c->pf->err[k] == 0 ?
			    READOK : READBAD;
			read_one(c, locs[k]);
		}
	}
	free(ids);
}

/*
 * Enter tree ${id} at the end of the path walked: the subtree of
 * pt->nodes[k] (from the window *${win}), or with ${pt} NULL a
 * snapshot's root.  1: entered, its tree in ${t}, on the path.  0: not
 * entered, *${h} its height (a tree seen before: its height then; one
 * that could not be read: 0, reported as damage).
 */
static int
ck_enter(struct ck *c, const uint8_t *id, const struct tree *pt, size_t k,
    struct treewin **win, struct tree *t, size_t *h)
{
	const struct blobloc *loc = index_get(&c->rd->ix, id);
	const char *path = (const char *)c->path.p;
	char what[160];
	int r;

	*h = 0;
	/* Before SEEN: a tree on its own path is SEEN, and a cycle. */
	if (treepath_push(&c->tp, id) != 0) {
		damage(c, path, reader_strerror(errno), id);
		return 0;
	}
	if (loc != NULL && (c->state[slot(c, loc)] & SEEN)) {
		/* The same tree in another place: deep enough here too? */
		*h = c->height[slot(c, loc)];
		if (c->tp.above + c->tp.n - 1 + *h > TREE_DEPTH_MAX)
			damage(c, path, treepath_why(EMLINK), id);
		treepath_pop(&c->tp);
		return 0;
	}
	if (loc != NULL)
		c->state[slot(c, loc)] |= SEEN;
	r = pt != NULL ? reader_subtree(c->rd, win, pt, k, t) :
	    reader_tree(c->rd, id, t);
	if (r != 0) {
		(void)snprintf(what, sizeof(what), "directory listing %s",
		    errno == ENODATA ? "missing from the index" :
		    errno == EBADMSG ? "damaged" : reader_strerror(errno));
		damage(c, path, what, id);
		treepath_pop(&c->tp);
		return 0;
	}
	c->trees++;
	read_batched(c, t);
	return 1;
}

/* A tree being checked: the next node, the height so far. */
struct ckframe {
	struct tree		 t;
	struct treewin		*win;	/* its subdirectories' trees */
	const struct blobloc	*loc;
	size_t			 i, height, saved;
};

/* One more frame, for the tree ${t} (id ${id}) entered at c->path. */
static struct ckframe *
ck_push(struct ck *c, struct ckframe **fs, size_t *n, size_t *cap,
    const struct tree *t, const uint8_t *id)
{
	struct ckframe *v;

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
	v->loc = index_get(&c->rd->ix, id);
	v->height = 1;
	v->saved = c->path.len;
	return v;
}

/*
 * The snapshot root ${id} and everything below it.  Returns its height:
 * 1 for a tree without subdirectories, 0 when it could not be read
 * (reported as damage).  No recursion: the trees on the path are frames
 * on the heap, so a tree as deep as the format allows needs no C stack.
 */
static size_t
check_tree(struct ck *c, const uint8_t *id)
{
	struct ckframe *fs = NULL, *f;
	const struct node *n;
	struct tree t;
	size_t nf = 0, cap = 0, i, k, h;

	if (!ck_enter(c, id, NULL, 0, NULL, &t, &h))
		return h;
	(void)ck_push(c, &fs, &nf, &cap, &t, id);
	for (;;) {
		f = &fs[nf - 1];
		if (f->i == f->t.count) {
			h = f->height;
			c->path.len = f->saved;
			c->path.p[f->saved] = '\0';
			treewin_free(f->win);
			tree_free(&f->t);
			if (f->loc != NULL)
				c->height[slot(c, f->loc)] = h > UINT32_MAX ?
				    UINT32_MAX : (uint32_t)h;
			treepath_pop(&c->tp);
			if (--nf == 0)
				break;
			if (h + 1 > fs[nf - 1].height)
				fs[nf - 1].height = h + 1;
			continue;
		}
		k = f->i++;
		n = &f->t.nodes[k];
		/* The path grows as deep as the trees go: no fixed buffer. */
		c->path.len = f->saved;
		dbuf_put_u8(&c->path, '/');
		dbuf_put_bytes(&c->path, n->name, n->namelen);
		dbuf_put_u8(&c->path, '\0');
		if (c->path.err)
			fatal(EXIT_ERR, "out of memory");
		c->path.len--;
		if (n->type == NODE_FILE)
			for (i = 0; i < n->nchunks; i++)
				check_data(c, (const char *)c->path.p,
				    n->chunks[i], c->rd->r->cfg.chunk_max);
		else if (n->type == NODE_DIR) {
			if (ck_enter(c, n->subtree, &f->t, k, &f->win, &t, &h)) {
				/* Below it now; the path stays. */
				(void)ck_push(c, &fs, &nf, &cap, &t,
				    n->subtree);
				continue;
			}
			if (h + 1 > f->height)
				f->height = h + 1;
		}
		c->path.len = f->saved;
		c->path.p[f->saved] = '\0';
	}
	free(fs);
	return h;
}

/* The most a data blob may hold: a chunk, or a backup's log. */
static size_t
data_max(const struct ck *c)
{
	return c->rd->r->cfg.chunk_max > LOG_RING_BYTES ?
	    c->rd->r->cfg.chunk_max : LOG_RING_BYTES;
}

/*
 * The sealed header of pack ${i} (${fd}, ${size} bytes; its trailer says
 * the header is ${hlen} bytes): authentic, well formed, every blob inside
 * the pack, and in agreement with the index about each blob the index
 * places in this pack.  0, or -1 if not.
 */
static int
check_header(struct ck *c, int fd, uint64_t size, uint32_t i, uint64_t hlen)
{
	const struct blobloc *loc;
	uint8_t hid[ENV_ID_BYTES], *sealed = NULL, *pt = NULL, type;
	const uint8_t *id;
	uint32_t fmt, count, off, len, raw, k;
	uint64_t end;
	struct rbuf b;
	size_t ptlen;
	int r = -1;

	/* The trailer is authentic, but cap what it makes us allocate. */
	if (hlen < ENV_OVERHEAD || hlen > size - PACK_TRAILER_BYTES ||
	    hlen > (uint64_t)ENV_PLAIN_MAX + ENV_OVERHEAD + 4096)
		return -1;
	end = size - PACK_TRAILER_BYTES - hlen;	/* where the header starts */
	if ((sealed = malloc(hlen)) == NULL || (pt = malloc(hlen)) == NULL ||
	    pread(fd, sealed, hlen, (off_t)end) != (ssize_t)hlen)
		goto out;
	memset(hid, 0, sizeof(hid));
	memcpy(hid, c->rd->ix.packs[i], PACK_ID_BYTES);
	if (kh_open(c->rd->r->kh, OBJ_PACKHDR, hid, sealed, hlen, pt, hlen,
	    &ptlen) != 0)
		goto out;
	rbuf_init(&b, pt, ptlen);
	if (rbuf_get_u32(&b, &fmt) != 0 || fmt != PACK_FORMAT ||
	    rbuf_get_u32(&b, &count) != 0)
		goto out;
	for (k = 0; k < count; k++) {
		if (rbuf_get_u8(&b, &type) != 0 ||
		    rbuf_get_ref(&b, &id, INDEX_ID_BYTES) != 0 ||
		    rbuf_get_u32(&b, &off) != 0 || rbuf_get_u32(&b, &len) != 0 ||
		    rbuf_get_u32(&b, &raw) != 0 || (uint64_t)off + len > end)
			goto out;
		/* Lengths as an index entry's (packr_loc_ok, section 13). */
		if ((type != BLOB_DATA && type != BLOB_TREE) ||
		    raw > (type == BLOB_TREE ? TREE_BYTES_MAX : data_max(c)) ||
		    len < BLOB_OVERHEAD || len - BLOB_OVERHEAD > raw)
			goto out;
		loc = index_get(&c->rd->ix, id);
		if (loc != NULL && loc->pack == i && (loc->off != off ||
		    loc->len != len || loc->type != type))
			goto out;
	}
	r = rbuf_end(&b);
out:
	free(pt);
	free(sealed);
	return r;
}

/*
 * The trailer or header of the pack at ${fd} failed: damage, unless the
 * pack is damaged within its parity (then it reads back as written).
 */
static void
pack_damaged(struct ck *c, int fd, const char *name, const char *what)
{
	struct parity_geom g;
	struct stat st;
	char pname[8 + 2 * PACK_ID_BYTES + 1];
	uint8_t *f = NULL;
	unsigned nbad;

	(void)snprintf(pname, sizeof(pname), "pack %s", name);
	if (parity_in_use() && fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size <= PACK_FILE_MAX &&
	    (f = malloc((size_t)st.st_size)) != NULL &&
	    parity_read_whole(fd, f, (size_t)st.st_size, pname) >= 0 &&
	    parity_fix(f, (uint64_t)st.st_size, &g, &nbad) ==
	    PARITY_REPAIRED) {
		alertx("pack %s: %s damaged, repairable from its parity",
		    name, what);
		c->prepair++;
	} else {
		alertx("pack %s: %s damaged", name, what);
		c->damaged++;
	}
	free(f);
}

/* Each indexed pack: present, large enough, authentic trailer and header. */
static void
check_packs(struct ck *c, int repofd)
{
	struct index *ix = &c->rd->ix;
	uint64_t *need;
	uint8_t tid[ENV_ID_BYTES], tr[PACK_TRAILER_BYTES], out[64];
	char shard[3], name[2 * PACK_ID_BYTES + 1], path[64];
	struct stat st;
	uint64_t lsz;
	size_t i, len;
	int fd;

	if ((need = calloc(ix->npacks ? ix->npacks : 1, sizeof(*need))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].type != 0 && (uint64_t)ix->slots[i].off +
		    ix->slots[i].len > need[ix->slots[i].pack])
			need[ix->slots[i].pack] = (uint64_t)ix->slots[i].off +
			    ix->slots[i].len;
	for (i = 0; i < ix->npacks; i++) {
		pack_name(ix->packs[i], shard, name);
		(void)snprintf(path, sizeof(path), "%s/%s/%s", PACK_DIR, shard,
		    name);
		fd = fsio_open(repofd, path, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			alertx("pack %s: missing or not a file", name);
			c->damaged++;
		} else if (parity_logical_fd(fd, (uint64_t)st.st_size, &lsz) !=
		    0 || (st.st_size = (off_t)lsz, lsz < need[i] +
		    PACK_TRAILER_BYTES)) {
			/* With parity, the pack proper is the file's start. */
			alertx("pack %s: truncated (%lld bytes, its blobs need "
			    "%llu)", name, (long long)st.st_size,
			    (unsigned long long)need[i]);
			c->damaged++;
		} else {
			memset(tid, 0, sizeof(tid));
			memcpy(tid, ix->packs[i], PACK_ID_BYTES);
			tid[PACK_ID_BYTES] = 1;
			if (pread(fd, tr, sizeof(tr), st.st_size -
			    PACK_TRAILER_BYTES) != PACK_TRAILER_BYTES ||
			    kh_open(c->rd->r->kh, OBJ_PACKHDR, tid, tr,
			    sizeof(tr), out, sizeof(out), &len) != 0 ||
			    len != 8) {
				pack_damaged(c, fd, name, "trailer");
			} else if (check_header(c, fd, (uint64_t)st.st_size,
			    (uint32_t)i, le64dec(out)) != 0) {
				pack_damaged(c, fd, name, "header");
			}
		}
		if (fd >= 0)
			(void)close(fd);
	}
	free(need);
}

/*
 * --read-data with parity: every file against its parity (the blobs read
 * next are repaired in memory where needed, and say so).
 */
static void
check_parity(struct ck *c)
{
	struct parity_tally t;

	if (!parity_in_use())
		return;
	if (parity_scan(c->rd->r->dirfd, PSCAN_EXPECT, &t) != 0)
		fatal(EXIT_ERR, "reading the repository: %s", strerror(errno));
	c->repairable = t.repairable;
	c->damaged += t.lost + t.failed;
}

/* leftover_tmp(c, dirfd, name, size): packdir_temps callback: count one. */
static int
leftover_tmp(void *arg, int dirfd, const char *name, uint64_t size)
{
	struct ck *c = arg;

	(void)dirfd;
	(void)name;
	c->leftovers++;
	c->leftbytes += size;
	return 0;
}

/*
 * Leftovers of interrupted runs: temporaries, and packs no index names
 * (prune removes both; the summary says so).  Packs the index names but
 * the directory lacks were reported as missing when their blobs were
 * read or checked.
 */
static void
leftovers(struct ck *c, int repofd)
{
	struct packent *v;
	uint8_t *named;
	const struct packent *e;
	size_t i, n;

	if (packdir_temps(repofd, leftover_tmp, c) != 0 ||
	    packdir_list(repofd, &v, &n) != 0)
		return;
	if ((named = calloc(n ? n : 1, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < c->rd->ix.npacks; i++)
		if ((e = packdir_find(v, n, c->rd->ix.packs[i])) != NULL)
			named[e - v] = 1;
	for (i = 0; i < n; i++)
		if (!named[i]) {
			c->leftovers++;
			c->leftbytes += v[i].size;
		}
	free(named);
	free(v);
}

int
check_run(const struct opts *o, struct reader *rd)
{
	struct ck c;
	char hex[2 * SNAP_ID_BYTES + 1], sz[32], lsz[32], el[32];
	size_t i;
	int e;

	memset(&c, 0, sizeof(c));
	c.rd = rd;
	c.o = o;
	c.readdata = o->read_data || o->subset_m > 0;
	c.subn = o->subset_n;
	c.subm = o->subset_m;
	c.damaged = c.rd->badsegs + c.rd->badsnaps;
	/* Lost copies of the header, config and key slots (format 2): each
	 * was named when it was read. */
	if ((i = repo_meta_damage(c.rd->r)) > 0) {
		errorx("%zu cop%s of the header, config or key slots missing or "
		    "damaged (named above): 'tacit repair metadata -r %s' "
		    "rewrites %s from the good cop%s", i, i == 1 ? "y" : "ies",
		    c.rd->r->path, i == 1 ? "it" : "them", i == 1 ? "y" : "ies");
		c.damaged += i;
	}
	if ((c.state = calloc(c.rd->ix.cap ? c.rd->ix.cap : 1, 1)) == NULL ||
	    (c.height = calloc(c.rd->ix.cap ? c.rd->ix.cap : 1,
	    sizeof(*c.height))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	dbuf_init(&c.path, 1u << 24);
	progress_init(&c.prog, "check", "blobs", !c.readdata || o->json);
	check_packs(&c, c.rd->r->dirfd);
	if (c.readdata)
		check_parity(&c);
	if (c.readdata) {
		c.pf = calloc(1, sizeof(*c.pf));	/* none: one by one */
		read_totals(&c);
	}
	for (i = 0; i < c.rd->nsnaps; i++) {
		snapshot_hex(c.rd->snaps[i].id, hex);
		memcpy(c.snap, hex, 8);
		c.snap[8] = '\0';
		c.path.len = 0;
		dbuf_put_u8(&c.path, '\0');
		if (c.path.err)
			fatal(EXIT_ERR, "out of memory");
		c.path.len = 0;
		(void)check_tree(&c, c.rd->snaps[i].root);
		if (c.rd->snaps[i].has_log)
			check_data(&c, "(the backup's log)", c.rd->snaps[i].log,
			    LOG_RING_BYTES);
	}
	if (c.pf != NULL)
		prefetch_free(c.pf);
	free(c.pf);
	progress_done(&c.prog, c.rblobs, c.rbytes);
	leftovers(&c, c.rd->r->dirfd);
	if (log_verbosity > 0 && !o->json)
		printf("%zu snapshot%s, %llu tree%s, %llu data blob%s (%s)"
		    "%s; %llu problem%s; %llu harmless leftover%s (%s) of "
		    "interrupted runs or of a backup still running%s; "
		    "took %s\n",
		    c.rd->nsnaps, PLURAL(c.rd->nsnaps),
		    (unsigned long long)c.trees, PLURAL(c.trees),
		    (unsigned long long)c.blobs, PLURAL(c.blobs),
		    progress_size(c.bytes, sz),
		    c.readdata ? ", data read" : "",
		    (unsigned long long)c.damaged, PLURAL(c.damaged),
		    (unsigned long long)c.leftovers, PLURAL(c.leftovers),
		    progress_size(c.leftbytes, lsz),
		    c.leftovers > 0 ? " (tacit prune removes them)" : "",
		    progress_time(progress_elapsed(&c.prog), el));
	if (!c.readdata)	/* else check_parity counted them too */
		c.repairable += c.prepair;
	if (c.repairable > 0)
		alertx("%llu file%s damaged within %s parity: 'tacit repair "
		    "data' rewrites %s", (unsigned long long)c.repairable,
		    PLURAL(c.repairable), c.repairable == 1 ? "its" : "their",
		    c.repairable == 1 ? "it" : "them");
	e = c.damaged ? EXIT_DAMAGED : c.repairable ? EXIT_REPAIRABLE :
	    EXIT_OK;
	treepath_free(&c.tp);
	dbuf_free(&c.path);
	free(c.height);
	free(c.state);
	return e;
}

int
cmd_check(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	int e, s;

	if (o->argc != 0)
		fatal(EXIT_USAGE, "usage: tacit check -r DIR [--read-data | "
		    "--read-data-subset N/M] [--same-as DIR [--json]]");
	if (o->json && o->same_as == NULL)
		fatal(EXIT_USAGE, "--json applies to check --same-as only");
	if ((e = cmd_open(o, REPO_LOCK_SHARED, &r)) != EXIT_OK)
		return e;
	if ((e = reader_open(&rd, r)) == EXIT_OK)
		e = check_run(o, &rd);
	/* --same-as: A damaged (14) says more than B's lists (15). */
	if ((e == EXIT_OK || e == EXIT_DAMAGED) && o->same_as != NULL) {
		s = sameas_compare(o, r->dirfd, r->path, e == EXIT_DAMAGED);
		if (e == EXIT_OK || (s != EXIT_OK && s != EXIT_DIFFER))
			e = s;
	}
	reader_close(&rd);
	cmd_close(r);
	return e;
}
