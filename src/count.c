/*
 * count.c: the backup's totals, counted beside the walk (count.h).
 *
 * Not recursive: one level per directory on the path being counted, each
 * with the names of its subdirectories still to enter, and one descriptor,
 * the directory being counted.  Going down opens a subdirectory by name;
 * going up opens ".." and checks that it is the directory we came from
 * (same device and inode), else the count gives up (totals stay unknown)
 * rather than count a tree that moved.  Only numbers leave this thread.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count.h"
#include "pattern.h"
#include "treepath.h"
#include "walkpath.h"

struct level {
	char		**subs;		/* subdirectories to enter */
	size_t		 nsubs, next;
	size_t		 pathlen;	/* the path's length at this level */
	dev_t		 dev;
	ino_t		 ino;
};

struct count {
	pthread_t		 th;
	char			**srcs;
	size_t			 nsrc;
	const struct count_rules *ru;
	struct pattern_sel	 sel;		/* its own: matching marks hits */
	struct progress		*p;
	atomic_int		 stop;
	uint64_t		 files, bytes;
	char			*path;		/* for the exclusion patterns */
	size_t			 pathlen, pathcap;
	struct level		*lv;
	size_t			 nlv, lvcap;
};

/* The path as walk.c builds it: its first ${at} bytes, then ${name}. */
static int
path_set(struct count *c, size_t at, const char *name)
{
	walkpath_cut(c->path, &c->pathlen, at);
	return walkpath_push(&c->path, &c->pathlen, &c->pathcap, name,
	    strlen(name));
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory, read-only, not followed, without moving its atime. */
static int
open_dir(int dfd, const char *name)
{
	int fl = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, fd;

	fd = openat(dfd, name, fl | O_NOATIME);
	if (fd < 0 && errno == EPERM)	/* not ours: the walk does the same */
		fd = openat(dfd, name, fl);
	return fd;
}

static void
level_free(struct level *l)
{
	while (l->next < l->nsubs)
		free(l->subs[l->next++]);
	free(l->subs);
	l->subs = NULL;
}

/* An entry the walk would back up: count it; 1 if it is a dir to enter. */
static int
entry(struct count *c, const struct stat *st, dev_t dirdev, size_t depth)
{
	if (S_ISREG(st->st_mode)) {
		c->files++;
		c->bytes += (uint64_t)st->st_size;
		return 0;
	}
	return S_ISDIR(st->st_mode) && depth + 1 < TREE_DEPTH_MAX &&
	    !(st->st_dev == c->ru->repo_dev && st->st_ino == c->ru->repo_ino) &&
	    !(c->ru->one_fs && dirdev != 0 && st->st_dev != dirdev);
}

/*
 * Count the entries of the directory ${fd} (at ${depth}) and push a level
 * with its subdirectories.  0, or -1: give up.
 */
static int
scan(struct count *c, int fd, size_t depth)
{
	struct level *l;
	struct dirent *de;
	struct stat st, dst;
	size_t at = c->pathlen, cap = 0, n = 0, ncap = 0, i;
	uint64_t nexcl = 0;
	char **v, **names = NULL;
	DIR *d;
	int dfd;

	if (c->nlv == c->lvcap) {
		c->lvcap = c->lvcap ? c->lvcap * 2 : 16;
		if ((l = reallocarray(c->lv, c->lvcap, sizeof(*l))) == NULL)
			return -1;
		c->lv = l;
	}
	if (fstat(fd, &dst) != 0)
		return -1;
	l = &c->lv[c->nlv++];
	memset(l, 0, sizeof(*l));
	l->pathlen = at;
	l->dev = dst.st_dev;
	l->ino = dst.st_ino;
	if ((dfd = dup(fd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			(void)close(dfd);
		return 0;		/* unreadable: the walk skips it too */
	}
	/* The names first, so --exclude-caches and --exclude-if-present
	 * (pattern_dir_filter) drop what the walk drops. */
	while (!atomic_load(&c->stop) && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 64;
			if ((v = reallocarray(names, ncap, sizeof(*v))) == NULL)
				break;
			names = v;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	(void)closedir(d);
	if (n > 1)		/* names is NULL when there are none */
		qsort(names, n, sizeof(*names), name_cmp);
	n = pattern_dir_filter(&c->sel, fd, names, n, &nexcl);
	for (i = 0; i < n && !atomic_load(&c->stop); i++) {
		if (path_set(c, at, names[i]) != 0)
			break;
		if (pattern_excluded(&c->sel, c->path, NULL) ||
		    fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    pattern_excluded(&c->sel, NULL, &st) ||
		    !entry(c, &st, dst.st_dev, depth))
			continue;
		if (l->nsubs == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = reallocarray(l->subs, cap, sizeof(*v))) == NULL)
				break;
			l->subs = v;
		}
		l->subs[l->nsubs++] = names[i];
		names[i] = NULL;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	c->pathlen = at;
	return 0;
}

/* Every directory below the source directory ${fd}; closes ${fd}. */
static int
walk(struct count *c, int fd)
{
	struct level *l;
	struct stat st;
	int nfd, r = -1;

	c->nlv = 0;
	if (scan(c, fd, 0) != 0)
		goto out;
	while (c->nlv > 0 && !atomic_load(&c->stop)) {
		l = &c->lv[c->nlv - 1];
		if (l->next < l->nsubs) {
			char *name = l->subs[l->next++];

			nfd = -1;
			if (path_set(c, l->pathlen, name) == 0 &&
			    (nfd = open_dir(fd, name)) >= 0) {
				(void)close(fd);
				fd = nfd;
			}
			free(name);
			if (nfd >= 0 && scan(c, fd, c->nlv) != 0)
				goto out;
			continue;
		}
		level_free(l);
		if (--c->nlv == 0)
			break;
		/* Up, to the very directory we came down from. */
		l = &c->lv[c->nlv - 1];
		if ((nfd = open_dir(fd, "..")) < 0)
			goto out;
		(void)close(fd);
		fd = nfd;
		if (fstat(fd, &st) != 0 || st.st_dev != l->dev ||
		    st.st_ino != l->ino)
			goto out;
	}
	r = atomic_load(&c->stop) ? -1 : 0;
out:
	while (c->nlv > 0)
		level_free(&c->lv[--c->nlv]);
	(void)close(fd);
	return r;
}

/* One source, by its absolute path; 0, or -1: give up. */
static int
source(struct count *c, const char *abs)
{
	struct stat st;
	int fd;

	if (path_set(c, 0, abs) != 0)
		return -1;
	if (strcmp(abs, "/") != 0 && pattern_excluded(&c->sel, c->path, NULL))
		return 0;
	if (fstatat(AT_FDCWD, abs, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    pattern_excluded(&c->sel, NULL, &st) || !entry(c, &st, 0, 0))
		return 0;
	if ((fd = open_dir(AT_FDCWD, abs)) < 0)
		return 0;
	return walk(c, fd);
}

static void *
count_main(void *arg)
{
	struct count *c = arg;
	size_t i;

	for (i = 0; i < c->nsrc; i++)
		if (atomic_load(&c->stop) || source(c, c->srcs[i]) != 0)
			break;
	if (i == c->nsrc)
		progress_total(c->p, c->files, c->bytes);
	/* Done, or given up (the tree moved, out of memory): the line no
	 * longer says "(counting)". */
	atomic_store(&c->p->counting, 0);
	return NULL;
}

struct count *
count_start_sel(char **srcs, size_t nsrc, const struct count_rules *ru,
    const struct pattern_sel *sel, struct progress *p)
{
	struct count *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->srcs = srcs;
	c->nsrc = nsrc;
	c->ru = ru;
	c->p = p;
	/* The walk's own selection, copied: no file is read again (in the
	 * sandbox), and matching here marks no hit of the walk's. */
	if ((sel != NULL ? pattern_sel_copy(&c->sel, sel) :
	    pattern_sel_init(&c->sel, ru->o)) != 0) {
		free(c);
		return NULL;
	}
	/* Before the thread: the walk reads it. */
	atomic_store(&p->counting, 1);
	if (pthread_create(&c->th, NULL, count_main, c) != 0) {
		atomic_store(&p->counting, 0);
		pattern_sel_free(&c->sel);
		free(c);
		return NULL;
	}
	return c;
}

struct count *
count_start(char **srcs, size_t nsrc, const struct count_rules *ru,
    struct progress *p)
{
	return count_start_sel(srcs, nsrc, ru, NULL, p);
}

void
count_stop(struct count *c)
{
	if (c == NULL)
		return;
	atomic_store(&c->stop, 1);
	(void)pthread_join(c->th, NULL);
	pattern_sel_free(&c->sel);
	free(c->path);
	free(c->lv);
	free(c);
}
