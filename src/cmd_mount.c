/*
 * cmd_mount.c: tacit mount: the repository's snapshots as a read-only FUSE
 * file system, served by the sandboxed worker (low-level libfuse API,
 * MNT_THREADS threads: see mu and io below).
 *
 *   /snapshots/<YYYY-MM-DDTHH:MM:SS>-<id8>/   the snapshot's tree
 *   /latest -> snapshots/<newest>
 *   /ids/<id8> -> ../snapshots/<name>
 *   /tags/<tag>/<name> -> ../../snapshots/<name>
 *
 * Lazy and bounded: a directory's tree is read on its first lookup or
 * readdir and kept in a cache of --cache-mib (half trees, half file
 * data, least recently used out first); an inode lives while the kernel
 * holds a lookup of it.  Nothing is written anywhere.  A sequential read
 * that misses the cache reads ahead: the chunks that follow come in one
 * keyholder request (ra_fetch), and a read within one cached chunk is
 * answered from the cache without a copy.
 */
#define FUSE_USE_VERSION 35

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "cmd.h"
#include "ipc.h"
#include "log.h"
#include "mountpt.h"
#include "reader.h"
#include "repo.h"
#include "show.h"

#define MNT_TIMEOUT	86400.0		/* an immutable snapshot */
#define MNT_HASH	4096		/* buckets of hard-link groups */
#define MNT_CHUNKS_MAX	256		/* decoded chunks kept */
#define MNT_RA_BYTES	(32u << 20)	/* read ahead at most (and cmax / 2) */
#define MNT_VNAME_MAX	64
#define MNT_BLK		1024		/* inodes per block (no big realloc) */
#define MNT_THREADS	4		/* threads serving requests */

enum kind { K_VDIR, K_VLINK, K_SNAP, K_TREE };

/* A directory inode's tree (K_SNAP, and K_TREE directories). */
struct mdir {
	uint8_t		 id[NODE_ID_BYTES];	/* its tree */
	struct tree	*t;		/* when cached */
	size_t		 tbytes;
	fuse_ino_t	 lprev, lnext;	/* the tree cache's LRU list */
};

/* A file inode that was read: its content and the offsets in it. */
struct mfile {
	uint8_t		(*chunks)[NODE_ID_BYTES];
	size_t		 nchunks;
	struct extent	*extents;
	size_t		 nextents;
	uint64_t	*cum;		/* data offset of each chunk */
	uint64_t	*ecum;		/* data offset of each extent */
	size_t		 lastchunk;	/* the chunk read last */
};

/*
 * One inode: virtual (never freed) or an entry of a snapshot's tree.  An
 * entry keeps only what getattr says (about 130 bytes an inode the
 * kernel holds); its name, xattrs, symlink target and content are read
 * from its parent's tree (entry ${idx} there) when asked for, and the
 * parent stays while it has such children (pins).
 */
struct mino {
	uint64_t	 nlookup;
	fuse_ino_t	 parent;	/* K_TREE: the directory holding it */
	fuse_ino_t	 hnext;
	uint64_t	 lkey;		/* hard-link group, 0 none */
	uint32_t	 snap;		/* index in the reader's snapshots */
	uint32_t	 idx;		/* K_TREE: its entry in parent's tree */
	uint32_t	 pins;		/* K_TREE entries whose parent it is */
	uint8_t		 kind;		/* enum kind */
	uint8_t		 used;
	uint8_t		 warned;	/* its damage was reported */
	uint8_t		 type;		/* K_TREE: enum node_type */
	uint8_t		 nflags;	/* K_TREE: NODE_F_* */
	uint8_t		 xattrs;	/* K_TREE: it has some */
	uint32_t	 mode, nlink, uid, gid;
	uint32_t	 mtime_nsec, ctime_nsec;
	int64_t		 mtime_sec, ctime_sec;
	uint64_t	 size;		/* st_size as shown */
	uint64_t	 rdev;		/* devices: st_rdev; files: data bytes */
	char		*vname;		/* K_VDIR, K_VLINK, K_SNAP: its name */
	union {
		char		*vtarget;	/* K_VLINK */
		struct mdir	*d;		/* directories */
		struct mfile	*f;		/* files, once read */
	} u;
};

struct mchunk {
	uint8_t		 id[NODE_ID_BYTES];
	uint8_t		*p;
	size_t		 len;
	uint64_t	 used;
};

struct mfs {
	struct reader	*rd;
	int		 ready;
	struct mino	**blk;		/* ino i: blk[(i-1) / MNT_BLK][...] */
	size_t		 n, cap;	/* inodes made; room for */
	fuse_ino_t	 freelist;	/* free K_TREE slots, through hnext */
	fuse_ino_t	 hash[MNT_HASH];
	fuse_ino_t	 lhead, ltail;	/* trees: most recent first */
	size_t		 tbytes, tmax;
	struct mchunk	 ch[MNT_CHUNKS_MAX];
	size_t		 cbytes, cmax;
	uint64_t	 clock;
	uint64_t	 nchunks, nreqs;	/* data chunks read; requests */
	uint64_t	 nlookups, nplus;	/* lookups; readdirplus entries */
	fuse_ino_t	 snapdir, tagsdir, idsdir, latest;
	size_t		 nvirt;		/* inodes 1..nvirt are virtual */
	size_t		 ninodes, peak;	/* live tree inodes */
	size_t		 hidden;	/* damaged directories reported */
	uid_t		 uid;
	gid_t		 gid;
	int64_t		 newest;
};

static struct mfs fs;
static volatile sig_atomic_t stop_sig;

/*
 * Threads: MNT_THREADS read requests from /dev/fuse (no clone_fd) and
 * each answers one under mu, which guards everything in fs.  What reads
 * the repository (trees, data: a pread and a keyholder request, or a
 * keyholder that is slow) lets go of mu and holds io, which guards the
 * reader; io is never taken while mu is held.  So a slow read blocks
 * other reads of uncached data, never a stat, a lookup or a readdir of
 * what is cached.  Pointers into fs stay valid across that gap: inodes
 * live in blocks that never move and are held by the kernel while a
 * request names them; a tree or chunk got before the gap is not used
 * after it.
 */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t io = PTHREAD_MUTEX_INITIALIZER;

/*
 * Before a read of the repository: take io (letting go of mu while it
 * waits), then mu again, so the caller can see whether another thread
 * read it meanwhile; io_read then lets go of mu, io_end takes mu and
 * lets go of io.  The order is always io, then mu.
 */
static void
io_begin(void)
{
	(void)pthread_mutex_unlock(&mu);
	(void)pthread_mutex_lock(&io);
	(void)pthread_mutex_lock(&mu);
}

static void
io_read(void)
{
	(void)pthread_mutex_unlock(&mu);
}

/* mu before io goes: what was read is cached before another looks. */
static void
io_end(void)
{
	(void)pthread_mutex_lock(&mu);
	(void)pthread_mutex_unlock(&io);
}

/* io_begin with nothing left to read. */
static void
io_cancel(void)
{
	(void)pthread_mutex_unlock(&io);
}

/* mount_interrupt(sig): see cmd.h. */
void
mount_interrupt(int sig)
{
	stop_sig = sig;
}

/* Inode ${ino} (1..fs.n), used or not. */
static struct mino *
mino(fuse_ino_t ino)
{
	return &fs.blk[(ino - 1) / MNT_BLK][(ino - 1) % MNT_BLK];
}

static struct mino *
ino_get(fuse_ino_t ino)
{
	if (ino < 1 || ino > fs.n || !mino(ino)->used)
		return NULL;
	return mino(ino);
}

/* A new inode; 0 when out of memory. */
static fuse_ino_t
ino_new(uint8_t kind)
{
	struct mino *v, **b;
	fuse_ino_t ino;

	if (fs.freelist != 0) {
		ino = fs.freelist;
		fs.freelist = mino(ino)->hnext;
	} else {
		if (fs.n == fs.cap) {
			size_t nb = fs.cap / MNT_BLK;

			if ((b = reallocarray(fs.blk, nb + 1, sizeof(*b))) ==
			    NULL)
				return 0;
			fs.blk = b;
			if ((b[nb] = calloc(MNT_BLK, sizeof(**b))) == NULL)
				return 0;
			fs.cap += MNT_BLK;
		}
		ino = ++fs.n;
	}
	v = mino(ino);
	memset(v, 0, sizeof(*v));
	v->used = 1;
	v->kind = kind;
	return ino;
}

/* ---- the tree cache -------------------------------------------------- */

/* The tree cache of directory inode ${ino}. */
static struct mdir *
mdir(fuse_ino_t ino)
{
	return mino(ino)->u.d;
}

static void
lru_unlink(fuse_ino_t ino)
{
	struct mdir *m = mdir(ino);

	if (m->lprev)
		mdir(m->lprev)->lnext = m->lnext;
	else if (fs.lhead == ino)
		fs.lhead = m->lnext;
	if (m->lnext)
		mdir(m->lnext)->lprev = m->lprev;
	else if (fs.ltail == ino)
		fs.ltail = m->lprev;
	m->lprev = m->lnext = 0;
}

static void
lru_front(fuse_ino_t ino)
{
	struct mdir *m = mdir(ino);

	lru_unlink(ino);
	m->lnext = fs.lhead;
	if (fs.lhead)
		mdir(fs.lhead)->lprev = ino;
	fs.lhead = ino;
	if (fs.ltail == 0)
		fs.ltail = ino;
}

static void
tree_drop(fuse_ino_t ino)
{
	struct mdir *m = mdir(ino);

	if (m == NULL || m->t == NULL)
		return;
	lru_unlink(ino);
	tree_free(m->t);
	free(m->t);
	m->t = NULL;
	fs.tbytes -= m->tbytes;
	m->tbytes = 0;
}

/* The subtree id of directory inode ${m}. */
static const uint8_t *
dir_id(const struct mino *m)
{
	return m->u.d->id;
}

/* The size a decoded tree takes here, roughly. */
static size_t
tree_bytes(const struct tree *t)
{
	size_t b = sizeof(*t) + t->cap * sizeof(struct node), i, k;

	for (i = 0; i < t->count; i++) {
		const struct node *n = &t->nodes[i];

		b += n->namelen + n->targetlen + 64 + n->nchunks *
		    NODE_ID_BYTES + n->nextents * sizeof(struct extent);
		for (k = 0; k < n->nxattrs; k++)
			b += n->xattrs[k].len + 64;
	}
	return b;
}

/*
 * What the mount never shows goes from a decoded tree: owner names (the
 * numbers are shown) and the room past its last node.
 */
static void
tree_slim(struct tree *t)
{
	struct node *p;
	size_t i;

	for (i = 0; i < t->count; i++) {
		free(t->nodes[i].user);
		free(t->nodes[i].group);
		t->nodes[i].user = t->nodes[i].group = NULL;
	}
	if (t->count > 0 && t->count < t->cap && (p = reallocarray(t->nodes,
	    t->count, sizeof(*p))) != NULL) {
		t->nodes = p;
		t->cap = t->count;
	}
}

/*
 * The tree of directory ${ino}, read if not cached.  NULL with errno EIO
 * when damaged or missing (reported once per directory).
 */
static struct tree *
dir_tree(fuse_ino_t ino)
{
	struct mino *m = &(*mino(ino));
	struct mdir *d = m->u.d;
	struct tree *t;
	char h[9], hex[2 * SNAP_ID_BYTES + 1];
	int e;

	if (d->t != NULL) {
		lru_front(ino);
		return d->t;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	io_begin();
	if (d->t != NULL) {		/* read by another thread meanwhile */
		io_cancel();
		free(t);
		lru_front(ino);
		return d->t;
	}
	io_read();
	e = reader_tree(fs.rd, dir_id(m), t);
	io_end();
	if (e != 0) {
		if (!m->warned) {
			reader_hex8(dir_id(m), h);
			snapshot_hex(fs.rd->snaps[m->snap].id, hex);
			alertx("a directory of snapshot %.8s is %s (tree %s): "
			    "shown empty, reads fail with EIO", hex,
			    errno == ENODATA ?
			    "missing" : errno == EILSEQ ? "forged" :
			    "damaged or holds names that are not one path "
			    "component", h);
			m->warned = 1;
			fs.hidden++;
		}
		free(t);
		errno = EIO;
		return NULL;
	}
	tree_slim(t);
	d->t = t;
	d->tbytes = tree_bytes(t);
	fs.tbytes += d->tbytes;
	lru_front(ino);
	/* Over the budget: the least recently used others go. */
	while (fs.tbytes > fs.tmax && fs.ltail != 0 && fs.ltail != ino)
		tree_drop(fs.ltail);
	return t;
}

/* ---- inodes of tree entries ------------------------------------------ */

static size_t
hslot(uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(key >> 40) % MNT_HASH;
}

/* Release the file state ${f}. */
static void
mfile_free(struct mfile *f)
{
	if (f == NULL)
		return;
	free(f->chunks);
	free(f->extents);
	free(f->cum);
	free(f->ecum);
	free(f);
}

/*
 * Free inode ${ino} (a tree entry the kernel no longer holds), and then
 * its parent if that was held only for it.
 */
static void
ino_free(fuse_ino_t ino)
{
	struct mino *m;
	fuse_ino_t *pp, parent;

	while (ino != 0 && (m = mino(ino))->kind == K_TREE &&
	    m->nlookup == 0 && m->pins == 0) {
		if (m->type == NODE_DIR) {
			tree_drop(ino);
			free(m->u.d);
		} else
			mfile_free(m->u.f);
		if (m->lkey != 0)
			for (pp = &fs.hash[hslot(m->lkey)]; *pp != 0;
			    pp = &(*mino(*pp)).hnext)
				if (*pp == ino) {
					*pp = m->hnext;
					break;
				}
		parent = m->parent;
		memset(m, 0, sizeof(*m));
		m->hnext = fs.freelist;
		fs.freelist = ino;
		fs.ninodes--;
		ino = 0;
		if (parent != 0 && mino(parent)->pins > 0 &&
		    --mino(parent)->pins == 0)
			ino = parent;
	}
}

/*
 * The inode of entry ${k} of the tree ${t} of directory ${parent} (of
 * snapshot ${snap}): the one of its hard-link group if it has one, else
 * a new one.
 */
static fuse_ino_t
ino_of(uint32_t snap, fuse_ino_t parent, const struct tree *t, size_t k)
{
	const struct node *n = &t->nodes[k];
	uint64_t key = 0, bytes = 0;
	fuse_ino_t ino;
	struct mino *m;
	size_t e;

	if (n->link_id != 0 && n->type != NODE_DIR) {
		key = ((uint64_t)snap << 48 ^ n->link_id) | 1ULL << 63;
		for (ino = fs.hash[hslot(key)]; ino != 0;
		    ino = (*mino(ino)).hnext)
			if ((*mino(ino)).lkey == key)
				return ino;
	}
	if (k > UINT32_MAX || (ino = ino_new(K_TREE)) == 0)
		return 0;
	m = &(*mino(ino));
	if (n->type == NODE_DIR) {
		if ((m->u.d = calloc(1, sizeof(*m->u.d))) == NULL) {
			m->used = 0;
			m->hnext = fs.freelist;
			fs.freelist = ino;
			return 0;
		}
		memcpy(m->u.d->id, n->subtree, NODE_ID_BYTES);
	}
	m->type = n->type;
	m->nflags = n->flags;
	m->xattrs = n->nxattrs > 0;
	m->mode = n->mode;
	m->nlink = n->nlink;
	m->uid = n->uid;
	m->gid = n->gid;
	m->mtime_sec = n->mtime_sec;
	m->mtime_nsec = n->mtime_nsec;
	m->ctime_sec = n->ctime_sec;
	m->ctime_nsec = n->ctime_nsec;
	m->size = n->type == NODE_SYMLINK ? n->targetlen : n->type ==
	    NODE_FILE && (n->flags & NODE_F_UNREADABLE) ? 0 : n->size;
	for (e = 0; e < n->nextents; e++)
		bytes += n->extents[e].len;
	m->rdev = n->type == NODE_CHR || n->type == NODE_BLK ? n->rdev :
	    bytes;
	m->snap = snap;
	m->parent = parent;
	m->idx = (uint32_t)k;
	mino(parent)->pins++;
	if (key != 0) {
		m->lkey = key;
		m->hnext = fs.hash[hslot(key)];
		fs.hash[hslot(key)] = ino;
	}
	if (++fs.ninodes > fs.peak)
		fs.peak = fs.ninodes;
	return ino;
}

/*
 * The entry of tree inode ${m} in its parent's tree (read again if it
 * left the cache), valid until the next dir_tree.  NULL with errno EIO.
 */
static const struct node *
ino_node(const struct mino *m)
{
	const struct tree *t;

	if ((t = dir_tree(m->parent)) == NULL || m->idx >= t->count) {
		errno = EIO;
		return NULL;
	}
	return &t->nodes[m->idx];
}

/* ---- attributes --------------------------------------------------------- */

static void
vattr(struct stat *st, mode_t type)
{
	st->st_mode = type | (type == S_IFDIR ? 0555 : 0777);
	st->st_nlink = type == S_IFDIR ? 2 : 1;
	st->st_uid = fs.uid;
	st->st_gid = fs.gid;
	st->st_mtim.tv_sec = st->st_ctim.tv_sec = st->st_atim.tv_sec =
	    (time_t)fs.newest;
}

static void
getattr_of(fuse_ino_t ino, struct stat *st)
{
	static const mode_t types[] = { 0, S_IFREG, S_IFDIR, S_IFLNK,
	    S_IFIFO, S_IFCHR, S_IFBLK };
	const struct mino *m = &(*mino(ino));

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_blksize = 4096;
	switch ((enum kind)m->kind) {
	case K_VDIR:
		vattr(st, S_IFDIR);
		return;
	case K_VLINK:
		vattr(st, S_IFLNK);
		st->st_size = (off_t)strlen(m->u.vtarget);
		return;
	case K_SNAP:
		vattr(st, S_IFDIR);
		st->st_mtim.tv_sec = st->st_ctim.tv_sec = st->st_atim.tv_sec =
		    (time_t)fs.rd->snaps[m->snap].time_sec;
		return;
	case K_TREE:
		break;
	}
	st->st_mode = types[m->type < NODE__MAX ? m->type : 0] |
	    (m->mode & 07777);
	st->st_nlink = m->nlink ? m->nlink : 1;
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_size = (off_t)m->size;
	if (m->type == NODE_CHR || m->type == NODE_BLK)
		st->st_rdev = (dev_t)m->rdev;
	else if (m->type == NODE_FILE)
		st->st_blocks = (blkcnt_t)((m->rdev + 511) / 512);
	st->st_mtim.tv_sec = st->st_atim.tv_sec = (time_t)m->mtime_sec;
	st->st_mtim.tv_nsec = st->st_atim.tv_nsec = m->mtime_nsec;
	st->st_ctim.tv_sec = (time_t)m->ctime_sec;
	st->st_ctim.tv_nsec = m->ctime_nsec;
}

static void
entry_of(fuse_ino_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->generation = 1;
	e->attr_timeout = e->entry_timeout = MNT_TIMEOUT;
	getattr_of(ino, &e->attr);
}

/* ---- virtual directories ------------------------------------------------- */

/* The ${i}th child of virtual directory ${dir}, or 0 past the end. */
static fuse_ino_t
vchild(fuse_ino_t dir, size_t i)
{
	size_t k;

	for (k = 0; k < fs.nvirt && k < fs.n; k++)
		if (mino(k + 1)->used && mino(k + 1)->kind != K_TREE &&
		    mino(k + 1)->parent == dir && k + 1 != dir && i-- == 0)
			return k + 1;
	return 0;
}

static fuse_ino_t
vadd(fuse_ino_t parent, uint8_t kind, const char *name, const char *target,
    uint32_t snap)
{
	fuse_ino_t ino = ino_new(kind);
	struct mino *m;

	if (ino == 0)
		return 0;
	m = &(*mino(ino));
	m->parent = parent;
	m->snap = snap;
	m->nlookup = 0;
	if ((m->vname = strdup(name)) == NULL ||
	    (target != NULL && (m->u.vtarget = strdup(target)) == NULL))
		return 0;
	if (kind == K_SNAP) {
		if ((m->u.d = calloc(1, sizeof(*m->u.d))) == NULL)
			return 0;
		memcpy(m->u.d->id, fs.rd->snaps[snap].root, NODE_ID_BYTES);
	}
	return ino;
}

/* The snapshot directory names: local time and the first 8 hex digits. */
static void
snap_name(const struct snapshot *s, char out[MNT_VNAME_MAX])
{
	char hex[2 * SNAP_ID_BYTES + 1];
	time_t t = (time_t)s->time_sec;
	struct tm tm;

	snapshot_hex(s->id, hex);
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	(void)snprintf(out, MNT_VNAME_MAX,
	    "%04d-%02d-%02dT%02d:%02d:%02d-%.8s", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, hex);
}

/* A tag is shown if it is one path component. */
static int
tag_ok(const char *t)
{
	return node_name_ok((const uint8_t *)t, strlen(t));
}

/* The virtual tree for the snapshots of ${o}; 0, or -1 (ENOMEM). */
static int
vtree_build(const struct opts *o)
{
	char name[MNT_VNAME_MAX], target[MNT_VNAME_MAX + 16];
	fuse_ino_t root, ino, td;
	const struct snapshot *s;
	size_t i, j, k, shown = 0;
	int last = -1;

	fs.nvirt = SIZE_MAX;	/* vchild sees every one made so far */
	if ((root = vadd(0, K_VDIR, "", NULL, 0)) != FUSE_ROOT_ID ||
	    (fs.snapdir = vadd(root, K_VDIR, "snapshots", NULL, 0)) == 0 ||
	    (fs.tagsdir = vadd(root, K_VDIR, "tags", NULL, 0)) == 0 ||
	    (fs.idsdir = vadd(root, K_VDIR, "ids", NULL, 0)) == 0)
		return -1;
	for (i = 0; i < fs.rd->nsnaps; i++) {
		s = &fs.rd->snaps[i];
		if (!snap_selected(o, s))
			continue;
		for (j = 0; j < o->snaps.n; j++) {
			char hex[2 * SNAP_ID_BYTES + 1];

			snapshot_hex(s->id, hex);
			if (strncmp(hex, o->snaps.v[j], strlen(o->snaps.v[j]))
			    == 0)
				break;
		}
		if (o->snaps.n > 0 && j == o->snaps.n)
			continue;
		snap_name(s, name);
		if (vadd(fs.snapdir, K_SNAP, name, NULL, (uint32_t)i) == 0)
			return -1;
		(void)snprintf(target, sizeof(target), "../snapshots/%s", name);
		if (vadd(fs.idsdir, K_VLINK, name + 20, target, (uint32_t)i)
		    == 0)
			return -1;
		(void)snprintf(target, sizeof(target), "../../snapshots/%s",
		    name);
		for (k = 0; k < s->ntags; k++) {
			if (!tag_ok(s->tags[k]))
				continue;
			for (td = vchild(fs.tagsdir, 0), j = 1; td != 0 &&
			    strcmp((*mino(td)).vname, s->tags[k]) != 0; j++)
				td = vchild(fs.tagsdir, j);
			if (td == 0 && (td = vadd(fs.tagsdir, K_VDIR,
			    s->tags[k], NULL, 0)) == 0)
				return -1;
			if (vadd(td, K_VLINK, name, target, (uint32_t)i) == 0)
				return -1;
		}
		if (s->time_sec > fs.newest)
			fs.newest = s->time_sec;
		last = (int)i;
		shown++;
	}
	if (last >= 0) {
		snap_name(&fs.rd->snaps[last], name);
		(void)snprintf(target, sizeof(target), "snapshots/%s", name);
		if ((ino = vadd(root, K_VLINK, "latest", target,
		    (uint32_t)last)) == 0)
			return -1;
		fs.latest = ino;
	}
	fs.nvirt = fs.n;
	infox("%zu snapshots mounted", shown);
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

/* The inode ${ino} if the file system is ready, else an error reply. */
static struct mino *
req_ino(fuse_req_t req, fuse_ino_t ino)
{
	struct mino *m;

	if (!fs.ready || (m = ino_get(ino)) == NULL) {
		(void)fuse_reply_err(req, fs.ready ? ESTALE : EIO);
		return NULL;
	}
	return m;
}

static int
is_dir(const struct mino *m)
{
	return m->kind == K_VDIR || m->kind == K_SNAP ||
	    (m->kind == K_TREE && m->type == NODE_DIR);
}

static void
op_init(void *ud, struct fuse_conn_info *conn)
{
	(void)ud;
	/* Never splice: the filter has no pipe or splice call. */
	conn->want &= ~(unsigned)(FUSE_CAP_SPLICE_READ |
	    FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	/* ACLs enforced by the kernel as the source had them. */
	if (conn->capable & FUSE_CAP_POSIX_ACL)
		conn->want |= FUSE_CAP_POSIX_ACL;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct mino *m;
	struct tree *t;
	struct node *n;
	fuse_ino_t ino = 0;
	size_t i;

	if ((m = req_ino(req, parent)) == NULL)
		return;
	if (m->kind == K_VDIR) {
		for (i = 0; (ino = vchild(parent, i)) != 0; i++)
			if (strcmp((*mino(ino)).vname, name) == 0)
				break;
	} else if (is_dir(m)) {
		if ((t = dir_tree(parent)) == NULL) {
			(void)fuse_reply_err(req, errno == EIO ? ENOENT :
			    ENOMEM);
			return;
		}
		if ((n = tree_find(t, (const uint8_t *)name, strlen(name))) !=
		    NULL && (ino = ino_of(m->snap, parent, t,
		    (size_t)(n - t->nodes))) == 0) {
			(void)fuse_reply_err(req, ENOMEM);
			return;
		}
	} else {
		(void)fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (ino == 0) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	(*mino(ino)).nlookup++;
	fs.nlookups++;
	entry_of(ino, &e);
	(void)fuse_reply_entry(req, &e);
}

static void
forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	struct mino *m = ino_get(ino);

	if (m == NULL)
		return;
	m->nlookup = nlookup > m->nlookup ? 0 : m->nlookup - nlookup;
	ino_free(ino);		/* if no longer held, nor pinned */
}

static void
op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(ino, nlookup);
	fuse_reply_none(req);
}

static void
op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < count; i++)
		forget_one(f[i].ino, f[i].nlookup);
	fuse_reply_none(req);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (req_ino(req, ino) == NULL)
		return;
	getattr_of(ino, &st);
	(void)fuse_reply_attr(req, &st, MNT_TIMEOUT);
}

static void
op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct mino *m;
	const struct node *n;
	char *s;

	if ((m = req_ino(req, ino)) == NULL)
		return;
	if (m->kind == K_VLINK) {
		(void)fuse_reply_readlink(req, m->u.vtarget);
		return;
	}
	if (m->kind != K_TREE || m->type != NODE_SYMLINK) {
		(void)fuse_reply_err(req, EINVAL);
		return;
	}
	if ((n = ino_node(m)) == NULL || n->type != NODE_SYMLINK) {
		(void)fuse_reply_err(req, EIO);
		return;
	}
	if ((s = malloc(n->targetlen + 1)) == NULL) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(s, n->target, n->targetlen);
	s[n->targetlen] = '\0';
	(void)fuse_reply_readlink(req, s);
	free(s);
}

static void
op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mino *m;

	if ((m = req_ino(req, ino)) == NULL)
		return;
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		(void)fuse_reply_err(req, EROFS);
		return;
	}
	if (is_dir(m)) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	fi->keep_cache = 1;	/* the content never changes */
	(void)fuse_reply_open(req, fi);
}

/*
 * The content of file ${m} (a copy from its parent's tree, kept while
 * the inode lives) with the data offsets of its chunks (from the index's
 * raw lengths) and of its extents.  NULL when they do not add up or the
 * tree cannot be read (damage, said once) or on ENOMEM.
 */
static struct mfile *
file_map(struct mino *m)
{
	const struct node *n;
	const struct blobloc *loc;
	struct mfile *f;
	uint64_t sum = 0, esum = 0;
	size_t i;

	if (m->u.f != NULL)
		return m->u.f;
	if ((n = ino_node(m)) == NULL)
		return NULL;
	if (m->u.f != NULL)		/* mapped by another thread meanwhile */
		return m->u.f;
	if (n->type != NODE_FILE || (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->cum = calloc(n->nchunks + 1, sizeof(*f->cum))) == NULL ||
	    (f->ecum = calloc(n->nextents + 1, sizeof(*f->ecum))) == NULL ||
	    (n->nchunks > 0 && (f->chunks = reallocarray(NULL, n->nchunks,
	    sizeof(*f->chunks))) == NULL) ||
	    (n->nextents > 0 && (f->extents = reallocarray(NULL,
	    n->nextents, sizeof(*f->extents))) == NULL))
		goto bad;
	f->nchunks = n->nchunks;
	f->nextents = n->nextents;
	if (n->nchunks > 0)
		memcpy(f->chunks, n->chunks, n->nchunks * sizeof(*f->chunks));
	if (n->nextents > 0)
		memcpy(f->extents, n->extents, n->nextents *
		    sizeof(*f->extents));
	for (i = 0; i < f->nchunks; i++) {
		if ((loc = index_get(&fs.rd->ix, f->chunks[i])) == NULL ||
		    loc->type != BLOB_DATA)
			goto bad;
		f->cum[i] = sum;
		sum += loc->rawlen;
	}
	f->cum[f->nchunks] = sum;
	for (i = 0; i < f->nextents; i++) {
		f->ecum[i] = esum;
		esum += f->extents[i].len;
	}
	f->ecum[f->nextents] = esum;
	if (sum == esum) {
		m->u.f = f;
		return f;
	}
bad:
	mfile_free(f);
	return NULL;
}

/* The least recently used cached chunk (an empty slot with ${empty}). */
static struct mchunk *
chunk_oldest(int empty)
{
	struct mchunk *v = NULL;
	size_t i;

	for (i = 0; i < MNT_CHUNKS_MAX; i++) {
		if (fs.ch[i].p == NULL) {
			if (empty)
				return &fs.ch[i];
			continue;
		}
		if (v == NULL || fs.ch[i].used < v->used)
			v = &fs.ch[i];
	}
	return v;
}

static void
chunk_evict(struct mchunk *c)
{
	free(c->p);
	fs.cbytes -= c->len;
	c->p = NULL;
	c->len = 0;
}

/* Chunk ${id} if it is cached (and now the most recent), else NULL. */
static const uint8_t *
chunk_find(const uint8_t *id, size_t *lenp)
{
	struct mchunk *c;
	size_t i;

	for (i = 0; i < MNT_CHUNKS_MAX; i++) {
		c = &fs.ch[i];
		if (c->p != NULL && memcmp(c->id, id, NODE_ID_BYTES) == 0) {
			c->used = ++fs.clock;
			*lenp = c->len;
			return c->p;
		}
	}
	return NULL;
}

/* A copy of chunk ${id}'s ${len} bytes at ${p} into the cache; NULL. */
static const uint8_t *
chunk_put(const uint8_t *id, const uint8_t *p, size_t len)
{
	struct mchunk *c;

	/* Room for it: the least recently used ones go. */
	while (fs.cbytes > 0 && fs.cbytes + len > fs.cmax &&
	    (c = chunk_oldest(0)) != NULL)
		chunk_evict(c);
	if ((c = chunk_oldest(1)) == NULL)
		return NULL;
	chunk_evict(c);
	if ((c->p = malloc(len ? len : 1)) == NULL)
		return NULL;
	memcpy(c->p, p, len);
	memcpy(c->id, id, NODE_ID_BYTES);
	c->len = len;
	c->used = ++fs.clock;
	fs.cbytes += len;
	return c->p;
}

/* Chunk ${id}'s plaintext, through the chunk cache.  NULL with errno. */
static const uint8_t *
chunk_get(const uint8_t *id, size_t *lenp)
{
	const uint8_t *p, *c;
	uint8_t *q = NULL, got[NODE_ID_BYTES];
	size_t len = 0;
	int e = 0;

	if ((p = chunk_find(id, lenp)) != NULL)
		return p;
	memcpy(got, id, sizeof(got));	/* ${id} may be in a tree */
	io_begin();
	if ((p = chunk_find(got, lenp)) != NULL) {
		io_cancel();		/* read by another thread meanwhile */
		return p;
	}
	io_read();
	if ((p = reader_blob(fs.rd, got, BLOB_DATA, fs.rd->r->cfg.chunk_max,
	    &len)) == NULL || (q = malloc(len ? len : 1)) == NULL)
		e = errno;
	else
		memcpy(q, p, len);
	io_end();
	if (q == NULL) {
		errno = e;
		return NULL;
	}
	fs.nchunks++;
	fs.nreqs++;
	*lenp = len;
	if ((c = chunk_find(got, lenp)) == NULL)
		c = chunk_put(got, q, len);
	free(q);
	return c;
}

/*
 * The read-ahead's buffers, kept from one batch to the next (no new pages
 * to map and fault in each time): used between io_read and the release
 * of mu after io_end, when no other thread can be in reader_prefetch (it
 * needs io, then mu).
 */
static struct prefetch ra_pf;

/*
 * Read ahead: the chunks of file ${m} from chunk ${lo} on that are not
 * cached, up to half the data cache (at most MNT_RA_BYTES) and half its
 * slots, fetched with one keyholder request (reader_prefetch: the chunks
 * back to back in one pack come in with one pread) instead of one each,
 * and cached.  Nothing is said on failure: chunk_get meets it again.
 */
static void
ra_fetch(const struct mfile *n, size_t lo)
{
	uint8_t (*ids)[32];
	struct prefetch *pf = &ra_pf;
	size_t k, i, cnt = 0, raw = 0, win, len;
	int r;

	win = fs.cmax / 2 < MNT_RA_BYTES ? fs.cmax / 2 : MNT_RA_BYTES;
	if ((ids = calloc(MNT_CHUNKS_MAX / 2, sizeof(*ids))) == NULL)
		return;
	for (k = lo; k < n->nchunks && cnt < MNT_CHUNKS_MAX / 2; k++) {
		if (chunk_find(n->chunks[k], &len) != NULL)
			continue;
		for (i = 0; i < cnt; i++)
			if (memcmp(ids[i], n->chunks[k], 32) == 0)
				break;
		if (i < cnt)
			continue;	/* the same chunk twice */
		if ((raw += n->cum[k + 1] - n->cum[k]) > win && cnt > 0)
			break;
		memcpy(ids[cnt++], n->chunks[k], 32);
	}
	if (cnt > 1) {
		io_begin();
		/* What another thread read meanwhile is not read again. */
		for (i = k = 0; i < cnt; i++)
			if (chunk_find(ids[i], &len) == NULL)
				memmove(ids[k++], ids[i], sizeof(*ids));
		cnt = k;
		if (cnt < 2) {
			io_cancel();
			goto out;
		}
		io_read();
		r = reader_prefetch(fs.rd, (const uint8_t (*)[32])ids, cnt,
		    pf);
		io_end();
		if (r == 0)
			fs.nreqs++;
		for (i = 0; r == 0 && i < cnt; i++)
			if (pf->err[i] == 0) {
				fs.nchunks++;
				if (chunk_find(ids[i], &len) == NULL)
					(void)chunk_put(ids[i], pf->buf +
					    pf->off[i], pf->len[i]);
			}
	}
out:
	free(ids);
}

/*
 * The data of file ${m} at data offset ${dp}, in the cached chunk that
 * holds it; *${availp} bytes from there are in that chunk.  NULL when
 * the chunk cannot be read.
 */
static const uint8_t *
data_at(struct mfile *m, uint64_t dp, size_t *availp)
{
	const struct mfile *n = m;
	size_t lo = 0, hi = n->nchunks, mid, clen;
	const uint8_t *p;

	/* The chunk holding dp: the last with cum <= dp. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (m->cum[mid] <= dp)
			lo = mid;
		else
			hi = mid;
	}
	if (lo >= n->nchunks || dp >= m->cum[lo + 1])
		return NULL;
	/* A miss on a sequential read fetches the run ahead. */
	if ((lo == 0 || lo == m->lastchunk || lo == m->lastchunk + 1) &&
	    chunk_find(n->chunks[lo], &clen) == NULL)
		ra_fetch(n, lo);
	m->lastchunk = lo;
	if ((p = chunk_get(n->chunks[lo], &clen)) == NULL ||
	    clen != m->cum[lo + 1] - m->cum[lo])
		return NULL;
	*availp = (size_t)(m->cum[lo + 1] - dp);
	return p + (dp - m->cum[lo]);
}

/* Data bytes [dp, dp + len) of file ${m} into ${out}: 0, or -1. */
static int
data_copy(struct mfile *m, uint64_t dp, uint8_t *out, size_t len)
{
	const uint8_t *p;
	size_t part;

	while (len > 0) {
		if ((p = data_at(m, dp, &part)) == NULL)
			return -1;
		if (part > len)
			part = len;
		memcpy(out, p, part);
		out += part;
		dp += part;
		len -= part;
	}
	return 0;
}

static void
op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mino *m;
	struct mfile *n = NULL;
	uint64_t end, s, e, fsz;
	uint8_t *buf;
	size_t i, k, nx = 0;

	(void)fi;
	if ((m = req_ino(req, ino)) == NULL)
		return;
	fsz = m->size;
	if (m->kind != K_TREE || m->type != NODE_FILE || off < 0) {
		(void)fuse_reply_err(req, EINVAL);
		return;
	}
	if ((uint64_t)off >= fsz || size == 0) {
		(void)fuse_reply_buf(req, NULL, 0);
		return;
	}
	end = (uint64_t)off + size < fsz ? (uint64_t)off + size : fsz;
	if (!(m->nflags & NODE_F_UNREADABLE)) {
		if ((n = file_map(m)) == NULL)
			goto damaged;
		nx = n->nextents;
	}
	/* Within one extent and one chunk: the reply is the cached bytes. */
	for (i = 0; i < nx; i++) {
		s = n->extents[i].off;
		e = s + n->extents[i].len;
		if (s <= (uint64_t)off && end <= e) {
			const uint8_t *p = data_at(n, n->ecum[i] +
			    ((uint64_t)off - s), &k);

			if (p == NULL)
				goto damaged;
			if (k >= end - (uint64_t)off) {
				(void)fuse_reply_buf(req, (const char *)p,
				    (size_t)(end - (uint64_t)off));
				return;
			}
		}
		if (s >= end)
			break;
	}
	if ((buf = calloc(1, (size_t)(end - (uint64_t)off))) == NULL) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Holes stay zeros; each extent's overlap comes from the data. */
	for (i = 0; i < nx; i++) {
		s = n->extents[i].off;
		e = s + n->extents[i].len;
		if (e <= (uint64_t)off || s >= end)
			continue;
		if (s < (uint64_t)off)
			s = (uint64_t)off;
		if (e > end)
			e = end;
		if (data_copy(n, n->ecum[i] + (s - n->extents[i].off),
		    buf + (s - (uint64_t)off), (size_t)(e - s)) != 0) {
			free(buf);
			goto damaged;
		}
	}
	(void)fuse_reply_buf(req, (const char *)buf, (size_t)(end -
	    (uint64_t)off));
	free(buf);
	return;
damaged:
	if (!m->warned) {
		m->warned = 1;
		alertx("a file of a mounted snapshot has missing or damaged "
		    "data: reads fail with EIO");
	}
	(void)fuse_reply_err(req, EIO);
}

static void
op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	struct mino *m;
	const struct mfile *n = NULL;
	uint64_t o = (uint64_t)off, fsz;
	size_t i, nx = 0;

	(void)fi;
	if ((m = req_ino(req, ino)) == NULL)
		return;
	fsz = m->size;
	if (m->kind != K_TREE || m->type != NODE_FILE || off < 0 ||
	    (whence != SEEK_DATA && whence != SEEK_HOLE)) {
		(void)fuse_reply_err(req, EINVAL);
		return;
	}
	if (o >= fsz) {
		(void)fuse_reply_err(req, ENXIO);
		return;
	}
	if (!(m->nflags & NODE_F_UNREADABLE)) {
		if ((n = file_map(m)) == NULL) {
			(void)fuse_reply_err(req, EIO);
			return;
		}
		nx = n->nextents;
	}
	for (i = 0; i < nx; i++) {
		uint64_t s = n->extents[i].off, e = s + n->extents[i].len;

		if (e <= o)
			continue;
		if (whence == SEEK_DATA) {
			(void)fuse_reply_lseek(req, (off_t)(s > o ? s : o));
			return;
		}
		if (s > o)
			break;		/* o is in a hole */
		o = e;			/* the data runs to e */
	}
	if (whence == SEEK_DATA)
		(void)fuse_reply_err(req, ENXIO);
	else
		(void)fuse_reply_lseek(req, (off_t)(o < fsz ? o : fsz));
}

static void
op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mino *m;

	if ((m = req_ino(req, ino)) == NULL)
		return;
	if (!is_dir(m)) {
		(void)fuse_reply_err(req, ENOTDIR);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	(void)fuse_reply_open(req, fi);
}

/*
 * Entries from offset ${off} ("." 0, ".." 1, then the entries) as many as
 * fit in ${size}: one reply, never the whole directory.
 */
static void
readdir_any(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    int plus)
{
	static const mode_t types[] = { 0, S_IFREG, S_IFDIR, S_IFLNK,
	    S_IFIFO, S_IFCHR, S_IFBLK };
	struct fuse_entry_param e;
	struct mino *m;
	struct tree *t = NULL;
	struct stat st;
	char *buf, name[NODE_NAME_MAX + 1];
	size_t used = 0, k, i;
	fuse_ino_t c;

	if ((m = req_ino(req, ino)) == NULL)
		return;
	if (size > (1u << 20))
		size = 1u << 20;
	if ((buf = malloc(size)) == NULL) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	if (m->kind != K_VDIR && (t = dir_tree(ino)) == NULL &&
	    errno != EIO) {
		free(buf);
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	memset(&st, 0, sizeof(st));
	for (i = off < 0 ? 0 : (size_t)off;; i++) {
		if (plus && i >= 2) {
			/* Each entry sent is a lookup (not "." and ".."). */
			if (m->kind == K_VDIR)
				c = vchild(ino, i - 2);
			else if (t == NULL || i - 2 >= t->count)
				c = 0;
			else if ((c = ino_of(m->snap, ino, t, i - 2)) == 0)
				break;		/* ENOMEM: what fits so far */
			if (c == 0)
				break;
			if (m->kind == K_VDIR)
				(void)snprintf(name, sizeof(name), "%s",
				    (*mino(c)).vname);
			else {
				memcpy(name, t->nodes[i - 2].name,
				    t->nodes[i - 2].namelen);
				name[t->nodes[i - 2].namelen] = '\0';
			}
			entry_of(c, &e);
			k = fuse_add_direntry_plus(req, buf + used, size -
			    used, name, &e, (off_t)i + 1);
			if (k > size - used) {
				ino_free(c);	/* not sent: freed if new */
				break;
			}
			(*mino(c)).nlookup++;
			fs.nplus++;
		} else if (plus) {
			memset(&e, 0, sizeof(e));	/* ino 0: no lookup */
			e.attr.st_ino = i == 0 ? ino : m->parent ? m->parent :
			    ino;
			e.attr.st_mode = S_IFDIR;
			k = fuse_add_direntry_plus(req, buf + used, size -
			    used, i == 0 ? "." : "..", &e, (off_t)i + 1);
		} else if (i < 2) {
			st.st_ino = i == 0 ? ino : m->parent ? m->parent : ino;
			st.st_mode = S_IFDIR;
			k = fuse_add_direntry(req, buf + used, size - used,
			    i == 0 ? "." : "..", &st, (off_t)i + 1);
		} else if (m->kind == K_VDIR) {
			if ((c = vchild(ino, i - 2)) == 0)
				break;
			getattr_of(c, &st);
			k = fuse_add_direntry(req, buf + used, size - used,
			    (*mino(c)).vname, &st, (off_t)i + 1);
		} else {
			if (t == NULL || i - 2 >= t->count)
				break;
			memcpy(name, t->nodes[i - 2].name,
			    t->nodes[i - 2].namelen);
			name[t->nodes[i - 2].namelen] = '\0';
			st.st_ino = 0xffffffffu;	/* lookup gives it */
			st.st_mode = types[t->nodes[i - 2].type < NODE__MAX ?
			    t->nodes[i - 2].type : 0];
			k = fuse_add_direntry(req, buf + used, size - used,
			    name, &st, (off_t)i + 1);
		}
		if (k > size - used)
			break;
		used += k;
	}
	(void)fuse_reply_buf(req, buf, used);
	free(buf);
}

static void
op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	(void)fi;
	readdir_any(req, ino, size, off, 0);
}

/*
 * readdirplus: the entries with their attributes, so ls -l needs no
 * lookup each (the kernel asks for it when it sees one follow a readdir:
 * READDIRPLUS_AUTO).
 */
static void
op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	(void)fi;
	readdir_any(req, ino, size, off, 1);
}

static void
op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = 4096;
	sv.f_namemax = NODE_NAME_MAX;
	sv.f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV;
	(void)fuse_reply_statfs(req, &sv);
}

/* Answer a getxattr/listxattr of ${len} bytes at ${p} for ${size}. */
static void
xattr_reply(fuse_req_t req, const void *p, size_t len, size_t size)
{
	if (size == 0)
		(void)fuse_reply_xattr(req, len);
	else if (len > size)
		(void)fuse_reply_err(req, ERANGE);
	else
		(void)fuse_reply_buf(req, p, len);
}

static void
op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct mino *m;
	const struct node *n = NULL;
	size_t i;

	if ((m = req_ino(req, ino)) == NULL)
		return;
	/* The entry is read again only if it has xattrs. */
	if (m->kind == K_TREE && m->xattrs && (n = ino_node(m)) == NULL) {
		(void)fuse_reply_err(req, EIO);
		return;
	}
	for (i = 0; n != NULL && i < n->nxattrs; i++)
		if (strcmp(n->xattrs[i].name, name) == 0) {
			xattr_reply(req, n->xattrs[i].value,
			    n->xattrs[i].len, size);
			return;
		}
	(void)fuse_reply_err(req, ENODATA);	/* never ENOSYS: permanent */
}

static void
op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct mino *m;
	const struct node *n = NULL;
	char *buf;
	size_t i, len = 0, k, nx;

	if ((m = req_ino(req, ino)) == NULL)
		return;
	if (m->kind == K_TREE && m->xattrs && (n = ino_node(m)) == NULL) {
		(void)fuse_reply_err(req, EIO);
		return;
	}
	nx = n != NULL ? n->nxattrs : 0;
	for (i = 0; i < nx; i++)
		len += strlen(n->xattrs[i].name) + 1;
	if ((buf = malloc(len ? len : 1)) == NULL) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = 0, len = 0; i < nx; i++) {
		k = strlen(n->xattrs[i].name) + 1;
		memcpy(buf + len, n->xattrs[i].name, k);
		len += k;
	}
	xattr_reply(req, buf, len, size);
	free(buf);
}

/* Every call that would change something: a read-only file system. */
static void
rofs(fuse_req_t req)
{
	(void)fuse_reply_err(req, EROFS);
}

static void
op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a, int set,
    struct fuse_file_info *fi)
{
	(void)ino, (void)a, (void)set, (void)fi;
	rofs(req);
}

static void
op_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, dev_t d)
{
	(void)p, (void)n, (void)m, (void)d;
	rofs(req);
}

static void
op_mkdir(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m)
{
	(void)p, (void)n, (void)m;
	rofs(req);
}

static void
op_unlink(fuse_req_t req, fuse_ino_t p, const char *n)
{
	(void)p, (void)n;
	rofs(req);
}

static void
op_symlink(fuse_req_t req, const char *l, fuse_ino_t p, const char *n)
{
	(void)l, (void)p, (void)n;
	rofs(req);
}

static void
op_rename(fuse_req_t req, fuse_ino_t p, const char *n, fuse_ino_t np,
    const char *nn, unsigned int f)
{
	(void)p, (void)n, (void)np, (void)nn, (void)f;
	rofs(req);
}

static void
op_link(fuse_req_t req, fuse_ino_t i, fuse_ino_t np, const char *nn)
{
	(void)i, (void)np, (void)nn;
	rofs(req);
}

static void
op_write(fuse_req_t req, fuse_ino_t i, const char *b, size_t s, off_t o,
    struct fuse_file_info *fi)
{
	(void)i, (void)b, (void)s, (void)o, (void)fi;
	rofs(req);
}

static void
op_create(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m,
    struct fuse_file_info *fi)
{
	(void)p, (void)n, (void)m, (void)fi;
	rofs(req);
}

static void
op_setxattr(fuse_req_t req, fuse_ino_t i, const char *n, const char *v,
    size_t s, int f)
{
	(void)i, (void)n, (void)v, (void)s, (void)f;
	rofs(req);
}

static void
op_removexattr(fuse_req_t req, fuse_ino_t i, const char *n)
{
	(void)i, (void)n;
	rofs(req);
}

static void
op_fallocate(fuse_req_t req, fuse_ino_t i, int m, off_t o, off_t l,
    struct fuse_file_info *fi)
{
	(void)i, (void)m, (void)o, (void)l, (void)fi;
	rofs(req);
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.open = op_open,
	.read = op_read,
	.lseek = op_lseek,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.statfs = op_statfs,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.setattr = op_setattr,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_unlink,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.write = op_write,
	.create = op_create,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
	.fallocate = op_fallocate,
};

/* ---- the session and the loop ------------------------------------------- */

static struct mountpt mp;
static struct fuse_session *se;

/* mount_prepare(o): see cmd.h. */
int
mount_prepare(struct opts *o)
{
	char *argv[] = { (char *)(uintptr_t)"tacit", (char *)(uintptr_t)"-o",
	    NULL, NULL };
	struct fuse_args args;

	if (o->argc != 1) {
		errorx("usage: tacit mount -r DIR MOUNTPOINT");
		return EXIT_USAGE;
	}
	/* The virtual directories belong to who mounts (before the drop). */
	fs.uid = getuid();
	fs.gid = getgid();
	argv[2] = (char *)(uintptr_t)(o->allow_other ?
	    "ro,nosuid,nodev,default_permissions,allow_other,fsname=tacit,"
	    "subtype=tacit" : "ro,nosuid,nodev,default_permissions,"
	    "fsname=tacit,subtype=tacit");
	args.argc = 3;
	args.argv = argv;
	args.allocated = 0;
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	fuse_opt_free_args(&args);	/* libfuse may have copied them */
	if (se == NULL) {
		errorx("libfuse: cannot make a session");
		return EXIT_ERR;
	}
	if (mountpt_setup(&mp, o->argv[0], o->allow_other, se) != 0) {
		fuse_session_destroy(se);
		se = NULL;
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/*
 * Serve requests until a signal, the keyholder's end (its socket hangs
 * up: it was interrupted or died), or the unmount (ENODEV).  With
 * ${draining}, the keeper was asked to unmount: serve until the
 * connection ends or the keeper is done.  With ${threads}, the threads
 * serve the requests and this one only watches (the end of the
 * connection shows as POLLERR on /dev/fuse).  Returns 1 when unmounted
 * from outside, 0 otherwise.
 */
static int
serve(int draining, int threads)
{
	struct fuse_buf fb;
	struct pollfd p[3];
	int r, gone = 0;

	memset(&fb, 0, sizeof(fb));
	for (;;) {
		if (!draining && stop_sig != 0)
			break;
		p[0].fd = mp.fd;
		p[0].events = threads ? 0 : POLLIN;
		p[1].fd = IPC_WORKER_FD;	/* the keyholder */
		p[1].events = 0;
		p[2].fd = mp.keeper;
		p[2].events = 0;
		p[0].revents = p[1].revents = p[2].revents = 0;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal(EXIT_ERR, "poll: %s", strerror(errno));
		}
		if (p[2].revents != 0) {
			if (!draining)
				alertx("the mount keeper died: %s may stay "
				    "mounted; run: fusermount3 -uz %s",
				    log_shown(mp.path), log_shown(mp.path));
			break;
		}
		if (!draining && p[1].revents != 0)
			break;
		if (p[0].revents == 0)
			continue;
		if (threads) {
			gone = 1;	/* POLLERR: the connection ended */
			break;
		}
		r = fuse_session_receive_buf(se, &fb);
		if (r == -EINTR || r == -EAGAIN || r == -ENOENT)
			continue;
		if (r == -ENODEV || r == 0 || fuse_session_exited(se)) {
			gone = 1;
			break;
		}
		if (r < 0) {
			alertx("reading /dev/fuse: %s", strerror(-r));
			break;
		}
		(void)pthread_mutex_lock(&mu);
		fuse_session_process_buf(se, &fb);
		(void)pthread_mutex_unlock(&mu);
	}
	free(fb.mem);
	return gone;
}

/*
 * The threads: serve requests until the connection ends (ENODEV after
 * the unmount).  The main thread (serve) watches the signals, the
 * keyholder and the keeper; it never reads /dev/fuse itself, where it
 * could wait for a request another thread took.
 */
static void *
serve_thread(void *arg)
{
	struct fuse_buf fb;
	int r;

	(void)arg;
	memset(&fb, 0, sizeof(fb));
	while (!fuse_session_exited(se)) {
		r = fuse_session_receive_buf(se, &fb);
		if (r == -EINTR || r == -EAGAIN || r == -ENOENT)
			continue;
		if (r <= 0)
			break;
		(void)pthread_mutex_lock(&mu);
		fuse_session_process_buf(se, &fb);
		(void)pthread_mutex_unlock(&mu);
	}
	free(fb.mem);
	return NULL;
}

/* Start up to MNT_THREADS threads, signals blocked; how many. */
static size_t
threads_start(pthread_t *t)
{
	sigset_t all, old;
	size_t n;

	/* They run one at a time (mu): one malloc arena, not one each. */
	(void)mallopt(M_ARENA_MAX, 1);
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	for (n = 0; n < MNT_THREADS; n++)
		if (pthread_create(&t[n], NULL, serve_thread, NULL) != 0)
			break;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	return n;
}

/*
 * Wait (a few seconds at most) for the threads to end, as they do once
 * the connection is gone: 0 when all did, -1 if some still wait.
 */
static int
threads_join(pthread_t *t, size_t n)
{
	struct timespec ts;
	size_t i;
	int r = 0;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	for (i = 0; i < n; i++)
		if (pthread_timedjoin_np(t[i], NULL, &ts) != 0)
			r = -1;
	return r;
}

/* Release every cache: a clean end (and a valgrind run) frees it all. */
static void
fs_free(void)
{
	size_t i;

	struct mino *m;

	for (i = 0; i < fs.n; i++) {
		if (!(m = mino(i + 1))->used)
			continue;
		free(m->vname);
		if (m->kind == K_VLINK)
			free(m->u.vtarget);
		else if (m->kind == K_SNAP || (m->kind == K_TREE &&
		    m->type == NODE_DIR)) {
			tree_drop(i + 1);
			free(m->u.d);
		} else if (m->kind == K_TREE)
			mfile_free(m->u.f);
	}
	for (i = 0; i < fs.cap / MNT_BLK; i++)
		free(fs.blk[i]);
	free(fs.blk);
	for (i = 0; i < MNT_CHUNKS_MAX; i++)
		free(fs.ch[i].p);
	memset(&fs, 0, sizeof(fs));
	prefetch_free(&ra_pf);
}

int
cmd_mount(struct opts *o)
{
	pthread_t th[MNT_THREADS];
	struct reader rd;
	struct repo *r;
	size_t nth = 0;
	int e, gone = 0, joined = 1;

	if (se == NULL)
		fatal(EXIT_ERR, "mount: no session (not the worker?)");
	fs.tmax = fs.cmax = (size_t)o->cache_mib << 19;	/* half each */
	if ((e = open_reader(o, &r, &rd)) == EXIT_OK) {
		fs.rd = &rd;
		if (vtree_build(o) != 0) {
			errorx("out of memory");
			e = EXIT_ERR;
		} else {
			fs.ready = 1;
			infox("mounted on %s; unmount with Ctrl-C or "
			    "fusermount3 -u %s", log_shown(mp.path),
			    log_shown(mp.path));
			nth = threads_start(th);
			gone = serve(0, nth > 0);
		}
	}
	/* Unmount: the keeper does it while we answer what comes. */
	(void)pthread_mutex_lock(&mu);
	fs.ready = 0;
	(void)pthread_mutex_unlock(&mu);
	if (mountpt_request(&mp, gone) == 0 && !gone)
		(void)serve(1, nth > 0);
	if (mountpt_finish(&mp) != 0 && e == EXIT_OK)
		e = EXIT_ERR;
	/*
	 * Threads still waiting on a connection that was not ended (the
	 * keeper died) would touch what is freed: mu stays held, so they
	 * never answer again, and the exit frees it all.
	 */
	if (nth > 0 && threads_join(th, nth) != 0)
		joined = 0;
	(void)pthread_mutex_lock(&mu);
	if (fs.rd != NULL) {
		infox("most inodes at once: %zu; directories damaged: %zu",
		    fs.peak, fs.hidden);
		infox("file data: %llu chunks read in %llu keyholder requests",
		    (unsigned long long)fs.nchunks,
		    (unsigned long long)fs.nreqs);
		infox("entries: %llu looked up, %llu by readdirplus",
		    (unsigned long long)fs.nlookups,
		    (unsigned long long)fs.nplus);
		if (fs.hidden > 0 && e == EXIT_OK)
			e = EXIT_DAMAGED;
	}
	if (!joined)
		return e;
	if (fs.rd != NULL) {
		fs_free();
		reader_close(&rd);
		cmd_close(r);
	}
	(void)pthread_mutex_unlock(&mu);
	fuse_session_destroy(se);
	se = NULL;
	free(mp.path);
	return e;
}
