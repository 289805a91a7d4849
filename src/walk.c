/*
 * walk.c: the backup walk, on its own thread (walk_main): the sources,
 * their directories and entries; backup.c does each file's content.
 *
 * No recursion: the directories on the path being walked are a stack on
 * the heap, a frame a level, so a source as deep as the format allows
 * (TREE_DEPTH_MAX levels) needs no more C stack than a flat one.
 *
 * Descriptors: a frame keeps its directory open only while it is among
 * the WALK_FDS deepest on the path.  Going deeper closes the one above
 * them; coming back up reopens a closed directory as ".." of its child,
 * and it must be the very directory (device and inode) the walk entered,
 * or the run stops with an error.  So the walk holds at most WALK_FDS + 1
 * directories open, at any depth (RLIMIT_NOFILE may be 1024).
 *
 * The walk never leaves the source tree: a directory is entered by its
 * name in its parent with O_NOFOLLOW | O_DIRECTORY and must be the inode
 * lstat saw there (open_entry), so a directory swapped for a symlink is
 * refused, never followed; and ".." is the directory the kernel has
 * above the child now, so if the child was moved elsewhere meanwhile,
 * that is not the directory recorded, and nothing of it is read.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "meta.h"
#include "pattern.h"
#include "source.h"
#include "treepath.h"
#include "walk.h"
#include "walkpath.h"

#define WALK_FDS	64	/* directories kept open: the deepest ones */
#define WALK_TP_LEVELS	64	/* levels that prefetch their subtrees */

/* A directory on the path being walked. */
struct frame {
	int		 fd;		/* the directory, or -1 (closed) */
	dev_t		 dev;		/* what it is, to reopen it */
	ino_t		 ino;
	struct node	 dn;		/* its node: subtree id at the end */
	const struct node *pdn;		/* its parent-snapshot twin, or NULL */
	size_t		 saved;		/* b->pathlen before its name */
	struct wdir	*w;		/* its entries so far (dirq.h) */
	struct tree	 pt;		/* its twin's entries */
	int		 have_pt;
	uint8_t		*praw;		/* its twin's tree, plaintext */
	size_t		 prawlen;
	char		**names;	/* its entries' names, sorted */
	size_t		 nnames, i;	/* i: the next one to walk */
	struct tpre	*tp;		/* its subdirectories' twins, ahead */
};

/* --- paths for messages and exclusion -------------------------------- */

static int
path_push(struct bk *b, const char *name, size_t *saved)
{
	*saved = b->pathlen;
	return walkpath_push(&b->path, &b->pathlen, &b->pathcap, name,
	    strlen(name));
}

static void
path_pop(struct bk *b, size_t saved)
{
	walkpath_cut(b->path, &b->pathlen, saved);
}

/* --- the walk --------------------------------------------------------- */

/*
 * Hard links: one group id per (dev, inode) in this snapshot, found in an
 * open-addressing table (ids start at 1; 0 marks a free slot).
 */
static size_t
link_slot(const struct linkent *t, size_t cap, uint64_t dev, uint64_t ino)
{
	size_t i = (size_t)((ino * 0x9e3779b97f4a7c15ull) ^ dev) & (cap - 1);

	while (t[i].id != 0 && (t[i].dev != dev || t[i].ino != ino))
		i = (i + 1) & (cap - 1);
	return i;
}

static int
link_id(struct bk *b, const struct stat *st, uint64_t *id)
{
	struct linkent *t;
	size_t i, ncap;

	if ((b->nlinks + 1) * 2 > b->linkcap) {
		ncap = b->linkcap ? b->linkcap * 2 : 256;
		if ((t = calloc(ncap, sizeof(*t))) == NULL)
			return -1;
		for (i = 0; i < b->linkcap; i++)
			if (b->links[i].id != 0)
				t[link_slot(t, ncap, b->links[i].dev,
				    b->links[i].ino)] = b->links[i];
		free(b->links);
		b->links = t;
		b->linkcap = ncap;
	}
	i = link_slot(b->links, b->linkcap, st->st_dev, st->st_ino);
	if (b->links[i].id == 0) {
		b->links[i].dev = st->st_dev;
		b->links[i].ino = st->st_ino;
		b->links[i].id = ++b->nlinks;
	}
	*id = b->links[i].id;
	return 0;
}

/* Open an entry lstat saw, read-only, without following, without atime. */
static int
open_entry(struct bk *b, int dfd, const char *name, const struct stat *st)
{
	struct stat now;
	int fl = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, fd;

	if (S_ISDIR(st->st_mode))
		fl |= O_DIRECTORY;
	fd = openat(dfd, name, fl | O_NOATIME);
	if (fd < 0 && errno == EPERM) {
		fd = openat(dfd, name, fl);	/* not our file: atime moves */
		if (fd >= 0)
			b->st->noatime_refused++;
	}
	if (fd < 0)
		return -1;
	/* Replaced between lstat and open (say by a FIFO): not ours. */
	if (fstat(fd, &now) != 0 || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev ||
	    (now.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		(void)close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static void
skip(struct bk *b, const char *why)
{
	alertx("%s: %s; skipped", log_shown(b->path), why);
	b->st->skipped++;
	b->partial = 1;
}

/*
 * One entry ${name} of the directory ${dfd}: fill ${n}.  Returns 0 (n
 * filled), 1 (skipped or excluded: n empty), 2 (a directory to walk: n
 * has its metadata, *${dirfd} is the directory, open) or -1 (fatal,
 * errno).
 */
static int
walk_entry(struct bk *b, int dfd, const char *name, struct node *n,
    const struct node *p, dev_t root_dev, int *dirfd)
{
	struct stat st;
	int fd = -1, r = -1, quick = 0;

	memset(n, 0, sizeof(*n));
	if (pattern_excluded(&b->sel, b->path, NULL)) {
		b->st->excluded++;
		return 1;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		skip(b, strerror(errno));
		return 1;
	}
	if (pattern_excluded(&b->sel, NULL, &st)) {	/* too large */
		b->st->excluded++;
		return 1;
	}
	if (S_ISSOCK(st.st_mode)) {
		warnx("%s: socket not backed up", log_shown(b->path));
		return 1;
	}
	/* Readers refuse a deeper tree (treepath.h): do not write one. */
	if (S_ISDIR(st.st_mode) && b->depth + 1 >= TREE_DEPTH_MAX) {
		skip(b, "more than 65536 directory levels deep (the limit of "
		    "the repository format)");
		return 1;
	}
	if (st.st_dev == b->repo_dev && st.st_ino == b->repo_ino) {
		warnx("%s: the repository itself, not backed up",
		    log_shown(b->path));
		return 1;
	}
	/* The repository's lock (named as a source, or a hard link to it):
	 * closing a descriptor of it would drop the run's locks (lock.h). */
	if (S_ISREG(st.st_mode) && lock_held_is(st.st_dev, st.st_ino)) {
		warnx("%s: the repository's lock file, not backed up",
		    log_shown(b->path));
		return 1;
	}
	/*
	 * A file its parent snapshot has with the same inode, size, mtime
	 * and ctime is not opened at all: its metadata comes from lstat and
	 * the parent (nothing else changes without changing ctime), its
	 * content from the parent's chunks.
	 */
	if (S_ISREG(st.st_mode) && p != NULL && p->type == NODE_FILE) {
		struct node probe;

		memset(&probe, 0, sizeof(probe));
		probe.type = NODE_FILE;
		meta_stat_fill(&probe, &st);
		if (bk_unchanged(b, &probe, p))
			quick = 1;
	}
	if (((S_ISREG(st.st_mode) && !quick) || S_ISDIR(st.st_mode)) &&
	    (fd = open_entry(b, dfd, name, &st)) < 0) {
		skip(b, strerror(errno));
		return 1;
	}
	if ((quick ? meta_read_like(&st, p, n) : meta_read(dfd,
	    (const uint8_t *)name, strlen(name), fd, &st, n)) != 0) {
		if (errno == ENOMEM)
			goto out;
		skip(b, strerror(errno));
		node_free_fields(n);
		r = 1;
		goto out;
	}
	if (p != NULL && p->type != n->type)
		p = NULL;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
	    link_id(b, &st, &n->link_id) != 0)
		goto out;
	if (S_ISREG(st.st_mode))
		r = bk_file(b, fd, n, p);
	else if (S_ISDIR(st.st_mode)) {
		b->st->dirs++;
		/* root_dev 0: a source itself, never a mount point to skip */
		if (b->o->one_fs && root_dev != 0 && st.st_dev != root_dev) {
			struct tree empty = { 0 };
			struct dbuf enc;

			/* A mount point: the directory, not its contents. */
			r = tree_encode(&empty, &enc);
			if (r == 0)
				r = bk_put_blob(b, BLOB_TREE, enc.p, enc.len,
				    n->subtree);
			dbuf_free(&enc);
		} else {
			*dirfd = fd;	/* walked by walk_dir */
			fd = -1;
			r = 2;
		}
	} else {
		b->st->others++;
		r = 0;
	}
out:
	if (fd >= 0)
		(void)close(fd);
	if (r < 0)
		node_free_fields(n);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in ${fd}, sorted by bytes (strcmp compares unsigned chars). */
static int
read_names(int fd, char ***vp, size_t *np)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	DIR *d;
	int dfd;

	if ((dfd = dup(fd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			(void)close(dfd);
		return -1;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
		errno = 0;
	}
	if (errno != 0) {
		while (n > 0)
			free(v[--n]);
		free(v);
		(void)closedir(d);
		return -1;
	}
	(void)closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), name_cmp);
	*vp = v;
	*np = n;
	return 0;
}

/*
 * Start walking the directory f->fd: what it is, its names, its twin's
 * tree (from the window ${up} of the directory above, if it has it).
 */
static int
frame_open(struct bk *b, struct frame *f, const struct tpre *up)
{
	struct stat st;

	if ((f->w = dirq_new(b)) == NULL || fstat(f->fd, &st) != 0)
		return -1;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (read_names(f->fd, &f->names, &f->nnames) != 0) {
		skip(b, strerror(errno));
		f->nnames = 0;
	}
	f->nnames = pattern_dir_filter(&b->sel, f->fd, f->names, f->nnames,
	    &b->st->excluded);
	if (f->pdn != NULL && f->pdn->type == NODE_DIR) {
		if (bk_load_tree(b, f->pdn->subtree, up, &f->pt, &f->praw,
		    &f->prawlen) == 0)
			f->have_pt = 1;
		else
			warnx("%s: parent snapshot's tree unreadable; reading "
			    "everything below", log_shown(b->path));
	}
	return 0;
}

/*
 * Every entry walked: the directory's tree waits in dirq for its ids,
 * with its twin's, the tree it is likely to be.  Its node goes into the
 * tree of ${up} (NULL: the top; its node stays in f->dn).
 */
static int
frame_walked(struct bk *b, struct frame *f, struct frame *up)
{
	struct wdir *w = f->w;
	struct node n;

	if (f->have_pt) {
		w->have_twin = 1;
		memcpy(w->twin, f->pdn->subtree, NODE_ID_BYTES);
		w->praw = f->praw;
		w->prawlen = f->prawlen;
		f->praw = NULL;
	}
	if (up == NULL)
		return dirq_walked(b, w, NULL, NULL);
	n = f->dn;
	memset(&f->dn, 0, sizeof(f->dn));
	return dirq_walked(b, w, up->w, &n);
}

/* Release what frame ${f} holds but its node. */
static void
frame_close(struct frame *f)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	free(f->praw);
	bk_tpre_free(f->tp);
	tree_free(&f->pt);
	if (f->fd >= 0)
		(void)close(f->fd);
	f->fd = -1;
}

/*
 * The directory ${up} again, closed since the walk went deeper: ".." of
 * its child ${fd}, which must be the directory ${up} was.  -1 reported.
 */
static int
reopen_up(struct bk *b, int fd, const struct frame *up)
{
	int pfd;

	if ((pfd = walkpath_up(fd, up->dev, up->ino)) < 0)
		errorx("%s: cannot go back to the directory above it (moved "
		    "during the backup?): %s", log_shown(b->path),
		    strerror(errno));
	return pfd;
}

/* One more frame on ${fs}; NULL (ENOMEM) if there is no room. */
static struct frame *
frame_push(struct frame **fs, size_t *n, size_t *cap)
{
	struct frame *v;

	if (*n == *cap) {
		if ((v = reallocarray(*fs, *cap ? *cap * 2 : 64,
		    sizeof(*v))) == NULL)
			return NULL;
		*fs = v;
		*cap = *cap ? *cap * 2 : 64;
	}
	memset(&(*fs)[*n], 0, sizeof(**fs));
	(*fs)[*n].fd = -1;
	return &(*fs)[(*n)++];
}

/*
 * Walk the directory ${fd} (closed here) whose node ${dn} has its
 * metadata and whose parent-snapshot twin is ${pdn}: store its tree and
 * every one below, its id in dn->subtree.  0, or -1 (fatal; dn's fields
 * freed).  The loop takes the next entry of the deepest directory; a
 * subdirectory becomes a frame, and a directory with no entries left
 * goes to the one above, its tree to dirq (which fills in its id there
 * later); the top's id is there once dirq is drained.
 */
static int
walk_dir(struct bk *b, int fd, struct node *dn, const struct node *pdn)
{
	struct frame *fs = NULL, *f, *up;
	struct node n;
	const struct node *p;
	const char *name;
	size_t nf = 0, cap = 0, saved, k;
	int e, cfd = -1, r = -1;

	if ((f = frame_push(&fs, &nf, &cap)) == NULL) {
		(void)close(fd);
		node_free_fields(dn);
		return -1;
	}
	f->fd = fd;
	f->dn = *dn;
	f->pdn = pdn;
	f->saved = b->pathlen;
	b->depth++;
	if (frame_open(b, f, NULL) != 0)
		goto out;
	while (nf > 0) {
		f = &fs[nf - 1];
		if (f->i < f->nnames) {
			name = f->names[f->i++];
			if (path_push(b, name, &saved) != 0)
				goto out;
			p = f->have_pt ? tree_find(&f->pt,
			    (const uint8_t *)name, strlen(name)) : NULL;
			/* Windows near the top only: memory, not depth. */
			if (p != NULL && p->type == NODE_DIR &&
			    b->depth < WALK_TP_LEVELS)
				bk_tpre_fill(b, &f->tp, &f->pt, p);
			e = walk_entry(b, f->fd, name, &n, p, f->dev, &cfd);
			if (e == 2) {
				if ((f = frame_push(&fs, &nf, &cap)) == NULL) {
					(void)close(cfd);
					node_free_fields(&n);
					goto out;
				}
				f->fd = cfd;
				f->dn = n;
				f->pdn = p;
				f->saved = saved;
				b->depth++;
				/* Only the deepest WALK_FDS stay open. */
				if (nf > WALK_FDS && fs[nf - 1 - WALK_FDS].fd >=
				    0) {
					(void)close(fs[nf - 1 - WALK_FDS].fd);
					fs[nf - 1 - WALK_FDS].fd = -1;
				}
				if (frame_open(b, f, fs[nf - 2].tp) != 0)
					goto out;
				continue;
			}
			path_pop(b, saved);
			if (e < 0)
				goto out;
			if (e == 0 && tree_add(&f->w->t, &n) != 0) {
				node_free_fields(&n);
				goto out;
			}
			continue;
		}
		if (nf == 1) {
			/* The top: everything below has its id once drained. */
			if (frame_walked(b, f, NULL) != 0 || dirq_drain(b) != 0)
				goto out;
			if (!f->w->done) {
				errno = EPROTO;
				goto out;
			}
			memcpy(f->dn.subtree, f->w->id, NODE_ID_BYTES);
			dirq_release(b, f->w);
			f->w = NULL;
			break;
		}
		up = &fs[nf - 2];
		if (up->fd < 0 && (up->fd = reopen_up(b, f->fd, up)) < 0)
			goto out;
		if (frame_walked(b, f, up) != 0)
			goto out;
		path_pop(b, f->saved);
		frame_close(f);
		nf--;
		b->depth--;
	}
	r = 0;
out:
	if (r != 0)
		dirq_drop(b);	/* every frame's wdir too */
	if (nf > 1)
		path_pop(b, fs[1].saved);
	*dn = fs[0].dn;
	for (k = nf; k-- > 0;) {
		if (k > 0)
			node_free_fields(&fs[k].dn);
		frame_close(&fs[k]);
	}
	b->depth -= nf;
	free(fs);
	if (r != 0)
		node_free_fields(dn);
	return r;
}

/* A source (its name ${name} in ${dfd}): its node in ${n}.  As walk_entry. */
static int
walk_source(struct bk *b, int dfd, const char *name, struct node *n,
    const struct node *p)
{
	int e, fd = -1;

	/* root_dev 0: a source itself, never a mount point to skip */
	if ((e = walk_entry(b, dfd, name, n, p, 0, &fd)) != 2)
		return e;
	if (p != NULL && p->type != NODE_DIR)
		p = NULL;
	return walk_dir(b, fd, n, p);
}

/* --- sources ------------------------------------------------------------ */

static int
backup_source(struct bk *b, const char *abs, struct tree *root,
    struct tree *proot)
{
	const char *base = source_name(abs);
	char *dir;
	struct node n;
	size_t saved;
	int dfd, e;

	if (tree_find(root, (const uint8_t *)base, strlen(base)) != NULL) {
		errorx("%s: another source has the same name '%s'", abs, base);
		return -1;
	}
	if ((dir = strndup(abs, (size_t)(base - abs))) == NULL)
		return -1;
	if (base - abs > 1)
		dir[base - abs - 1] = '\0';	/* "/a/b" -> "/a", "/b" -> "/" */
	/* O_PATH: the sandbox lets us into the source, not its parent. */
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		errorx("%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	b->pathlen = 0;
	if (path_push(b, abs, &saved) != 0)
		e = -1;
	else
		e = walk_source(b, dfd, base, &n, proot ? tree_find(proot,
		    (const uint8_t *)base, strlen(base)) : NULL);
	(void)close(dfd);
	if (e == 0 && tree_add(root, &n) != 0) {
		node_free_fields(&n);
		e = -1;
	}
	return e < 0 ? -1 : 0;
}

/*
 * The source "/": its entries are the snapshot's root (as restic users
 * expect: "restore --target T" makes T/etc, T/usr, ...), so the root tree
 * is the directory's own; its parent is the parent snapshot's root.
 */
static int
backup_slash(struct bk *b, const uint8_t *proot_id, uint8_t *rootid)
{
	struct node dn, pdn;
	size_t saved;
	int fd, e;

	memset(&dn, 0, sizeof(dn));
	memset(&pdn, 0, sizeof(pdn));
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		errorx("/: %s", strerror(errno));
		return -1;
	}
	pdn.type = NODE_DIR;
	if (proot_id != NULL)
		memcpy(pdn.subtree, proot_id, NODE_ID_BYTES);
	b->pathlen = 0;
	b->st->dirs++;
	if ((e = path_push(b, "/", &saved)) == 0)
		e = walk_dir(b, fd, &dn, proot_id != NULL ? &pdn : NULL);
	else
		(void)close(fd);
	if (e == 0)
		memcpy(rootid, dn.subtree, NODE_ID_BYTES);
	return e;
}


void *
walk_main(void *arg)
{
	struct walk *w = arg;
	struct bk *b = w->b;
	struct dbuf enc = { 0 };
	size_t i;

	w->rc = -1;
	if (w->nsrc == 1 && strcmp(w->srcs[0], "/") == 0) {
		if (backup_slash(b, w->proot_id, w->rootid) != 0) {
			errorx("cannot store the root tree: %s",
			    strerror(errno));
			goto out;
		}
		goto submit;
	}
	for (i = 0; i < w->nsrc; i++)
		if (backup_source(b, w->srcs[i], w->root, w->proot) != 0)
			goto out;
	if (bk_sb_drain(b) != 0 || tree_encode(w->root, &enc) != 0 ||
	    bk_put_blob(b, BLOB_TREE, enc.p, enc.len, w->rootid) != 0) {
		errorx("cannot store the root tree: %s", strerror(errno));
		goto out;
	}
submit:
	if (store_submit(&b->sto, 0) != 0) {
		errorx("cannot store: %s", strerror(errno));
		goto out;
	}
	w->rc = 0;
out:
	dbuf_free(&enc);
	store_walked(&b->sto);
	return NULL;
}
