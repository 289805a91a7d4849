/*
 * sameas.c: tacit check -r A --same-as B (see sameas.h).
 *
 * tacit never rewrites a file in place: every file of a repository is
 * written once under a new random name (fsio_write_atomic) and later
 * only removed.  So two repositories with the same header hold the same
 * data exactly when they hold the same names with the same sizes, but
 * for damage, which the names cannot tell: check --read-data of each
 * finds that.  Nothing here reads a file's contents but the two headers,
 * and nothing needs a key.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fsio.h"
#include "idxio.h"
#include "lock.h"
#include "log.h"
#include "pack.h"
#include "packdir.h"
#include "progress.h"
#include "repo.h"
#include "sameas.h"
#include "show.h"
#include "snapshot.h"

/* At most this many files in one listing (64 TiB of 16 MiB packs), a
 * bound on what a hostile directory costs (about 1 GiB here). */
#define LIST_MAX	(1u << 22)
#define NAME_MAX_SHOWN	(16 + 256)	/* "snapshots/" and a NAME_MAX name */

/* One file of a repository: its path under the repository and size. */
struct sfile {
	char		 path[NAME_MAX_SHOWN];
	uint64_t	 size;
};

struct slist {
	struct sfile	*v;
	size_t		 n, cap;
	uint64_t	 temps;		/* .tmp-* files, not compared */
	uint64_t	 bytes;
};

int
sameas_lock_early(const struct opts *o)
{
	struct stat st;

	errno = 0;
	/* Landlock must find B; a missing B is no repository. */
	if (stat(o->same_as, &st) != 0 || !S_ISDIR(st.st_mode)) {
		errorx("--same-as %s: %s", log_shown(o->same_as),
		    strerror(errno = errno == 0 ? ENOTDIR : errno));
		return EXIT_NOREPO;
	}
	return repo_lock_early(o->same_as, REPO_LOCK_SHARED, o->lock_wait);
}

/* Append "${dir}/${name}" (or ${name} alone) of ${size}.  0, or -1. */
static int
add(struct slist *l, const char *dir, const char *name, uint64_t size)
{
	struct sfile *nv;

	if (l->n == LIST_MAX) {
		errorx("more than %u files in one repository", LIST_MAX);
		return -1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		if ((nv = reallocarray(l->v, l->cap, sizeof(*nv))) == NULL) {
			errorx("out of memory");
			return -1;
		}
		l->v = nv;
	}
	(void)snprintf(l->v[l->n].path, sizeof(l->v[l->n].path), "%s%s%s",
	    dir != NULL ? dir : "", dir != NULL ? "/" : "", name);
	l->v[l->n].size = size;
	l->bytes += size;
	l->n++;
	return 0;
}

/*
 * Every regular file of ${dir} in the repository ${fd} (${repo} names it
 * in messages) but the temporaries, which are counted.  A missing ${dir}
 * is empty.  0, or -1 after a message.
 */
static int
list_dir(struct slist *l, int fd, const char *repo, const char *dir)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd, r = -1;

	if ((dfd = fsio_open(fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		errorx("cannot read %s/%s: %s", log_shown(repo), dir,
		    strerror(errno));
		return -1;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		errorx("cannot read %s/%s: %s", log_shown(repo), dir,
		    strerror(errno));
		(void)close(dfd);
		return -1;
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0) {
			errorx("%s/%s/%s: %s", log_shown(repo), dir,
			    log_shown(de->d_name), strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode))
			continue;	/* tacit writes only regular files */
		if (strncmp(de->d_name, FSIO_TMP_PREFIX,
		    strlen(FSIO_TMP_PREFIX)) == 0)
			continue;	/* count_temp counts it */
		if (add(l, dir, de->d_name, (uint64_t)st.st_size) != 0)
			goto out;
	}
	if (errno != 0) {
		errorx("cannot read %s/%s: %s", log_shown(repo), dir,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	(void)closedir(d);
	return r;
}

/* packdir_temps callback: one temporary of an interrupted run. */
static int
count_temp(void *arg, int dirfd, const char *name, uint64_t size)
{
	struct slist *l = arg;

	(void)dirfd;
	(void)name;
	(void)size;
	l->temps++;
	return 0;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct sfile *)a)->path,
	    ((const struct sfile *)b)->path);
}

/*
 * The files of the repository at ${fd}: config, keys/, snapshots/,
 * index/ and every pack, sorted by path.  0, or -1 after a message.
 */
static int
sameas_list(struct slist *l, int fd, const char *repo)
{
	static const char *const dirs[] = { REPO_KEYS_DIR, SNAP_DIR,
	    INDEX_DIR };
	struct packent *pv = NULL;
	char shard[3], name[2 * PACK_ID_BYTES + 1], dir[16];
	struct stat st;
	size_t i, np;

	if (packdir_temps(fd, count_temp, l) != 0)
		return -1;
	if (fstatat(fd, REPO_CONFIG_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) &&
	    add(l, NULL, REPO_CONFIG_NAME, (uint64_t)st.st_size) != 0)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (list_dir(l, fd, repo, dirs[i]) != 0)
			return -1;
	if (packdir_list(fd, &pv, &np) != 0)
		return -1;
	for (i = 0; i < np; i++) {
		pack_name(pv[i].id, shard, name);
		(void)snprintf(dir, sizeof(dir), "%s/%s", PACK_DIR, shard);
		if (add(l, dir, name, pv[i].size) != 0) {
			free(pv);
			return -1;
		}
	}
	free(pv);
	qsort(l->v, l->n, sizeof(*l->v), cmp_path);
	return 0;
}

/* The header of the repository at ${fd}, exactly.  0, or -1 (errno). */
static int
read_header(int fd, uint8_t **p, size_t *len)
{
	return fsio_read(fd, REPO_HEADER_NAME, 4096, p, len);
}

/* One file in the text report: "  PATH (SIZE bytes)". */
static void
text_file(const char *tag, const struct sfile *f)
{
	printf("%s ", tag);
	text_str((const uint8_t *)f->path, strlen(f->path));
	printf(" (%llu bytes)\n", (unsigned long long)f->size);
}

/* One file in a JSON list: {"name":PATH,"size":N}. */
static void
json_file(const struct sfile *f, int *first)
{
	printf("%s{\"name\":", *first ? "" : ",");
	json_str((const uint8_t *)f->path, strlen(f->path));
	printf(",\"size\":%llu}", (unsigned long long)f->size);
	*first = 0;
}

/*
 * Walk the two sorted lists: pass 0 counts, 1 prints those only in A,
 * 2 only in B, 3 of another size.
 */
static uint64_t
merge(const struct slist *a, const struct slist *b, int pass, int json,
    int *first)
{
	size_t i = 0, j = 0;
	uint64_t n = 0;
	int c;

	while (i < a->n || j < b->n) {
		c = i == a->n ? 1 : j == b->n ? -1 :
		    strcmp(a->v[i].path, b->v[j].path);
		if (c < 0) {
			if (pass == 0 || pass == 1) {
				n++;
				if (pass == 1 && json)
					json_file(&a->v[i], first);
				else if (pass == 1)
					text_file("only in A:", &a->v[i]);
			}
			i++;
		} else if (c > 0) {
			if (pass == 0 || pass == 2) {
				n++;
				if (pass == 2 && json)
					json_file(&b->v[j], first);
				else if (pass == 2)
					text_file("only in B:", &b->v[j]);
			}
			j++;
		} else {
			if (a->v[i].size != b->v[j].size &&
			    (pass == 0 || pass == 3)) {
				n++;
				if (pass == 3 && json) {
					printf("%s{\"name\":", *first ? "" :
					    ",");
					json_str((const uint8_t *)a->v[i].path,
					    strlen(a->v[i].path));
					printf(",\"size_a\":%llu,\"size_b\":"
					    "%llu}", (unsigned long long)
					    a->v[i].size, (unsigned long long)
					    b->v[j].size);
					*first = 0;
				} else if (pass == 3) {
					printf("other size: ");
					text_str((const uint8_t *)a->v[i].path,
					    strlen(a->v[i].path));
					printf(" (A %llu bytes, B %llu bytes)\n",
					    (unsigned long long)a->v[i].size,
					    (unsigned long long)b->v[j].size);
				}
			}
			i++;
			j++;
		}
	}
	return n;
}

int
sameas_compare(const struct opts *o, int afd, const char *apath,
    int damaged)
{
	struct slist a, b;
	struct stat sa, sb;
	uint8_t *ha = NULL, *hb = NULL;
	size_t la = 0, lb = 0;
	uint64_t ndiff = 0;
	int bfd = -1, e = EXIT_ERR, same_hdr, first;
	char sz[32];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if ((bfd = fsio_open(AT_FDCWD, o->same_as, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		errorx("--same-as %s: %s", log_shown(o->same_as),
		    strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? EXIT_NOREPO :
		    EXIT_ERR;
	}
	if (fstat(afd, &sa) == 0 && fstat(bfd, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) {
		errorx("--same-as %s is the repository itself",
		    log_shown(o->same_as));
		e = EXIT_USAGE;
		goto out;
	}
	if (read_header(afd, &ha, &la) != 0) {
		errorx("%s/%s: %s", log_shown(apath), REPO_HEADER_NAME,
		    strerror(errno));
		goto out;
	}
	if (read_header(bfd, &hb, &lb) != 0) {
		errorx("%s is not a tacit repository (%s: %s)",
		    log_shown(o->same_as), REPO_HEADER_NAME, strerror(errno));
		e = EXIT_NOREPO;
		goto out;
	}
	/* The header is the same bytes in every copy (magic, version,
	 * repository id, checksum): any difference is another repository
	 * (or a damaged header, which check -r B names). */
	same_hdr = la == lb && memcmp(ha, hb, la) == 0;
	if (!same_hdr) {
		if (o->json) {
			printf("{\"same\":false,\"same_repository\":false,"
			    "\"damaged\":%s}\n", damaged ? "true" : "false");
		} else
			printf("%s is not a copy of this repository: its "
			    "header (the repository id) differs\n",
			    log_shown(o->same_as));
		e = EXIT_DIFFER;
		goto out;
	}
	if (sameas_list(&a, afd, apath) != 0 ||
	    sameas_list(&b, bfd, o->same_as) != 0)
		goto out;
	ndiff = merge(&a, &b, 0, 0, &first);
	if (o->json) {
		printf("{\"same\":%s,\"same_repository\":true,\"damaged\":%s,"
		    "\"files\":%zu,\"bytes\":%llu,\"temporaries_a\":%llu,"
		    "\"temporaries_b\":%llu,\"only_in_a\":[",
		    ndiff == 0 ? "true" : "false", damaged ? "true" : "false",
		    a.n, (unsigned long long)a.bytes,
		    (unsigned long long)a.temps, (unsigned long long)b.temps);
		first = 1;
		(void)merge(&a, &b, 1, 1, &first);
		printf("],\"only_in_b\":[");
		first = 1;
		(void)merge(&a, &b, 2, 1, &first);
		printf("],\"other_size\":[");
		first = 1;
		(void)merge(&a, &b, 3, 1, &first);
		printf("]}\n");
	} else {
		first = 0;
		(void)merge(&a, &b, 1, 0, &first);
		(void)merge(&a, &b, 2, 0, &first);
		(void)merge(&a, &b, 3, 0, &first);
		if (ndiff == 0)
			printf("%s holds the same %zu files (%s) as this "
			    "repository, by name and size (contents not "
			    "compared)\n", log_shown(o->same_as), a.n,
			    progress_size(a.bytes, sz));
		else
			printf("%s (B) differs from this repository (A) in "
			    "%llu file%s\n", log_shown(o->same_as),
			    (unsigned long long)ndiff, PLURAL(ndiff));
		if (a.temps + b.temps > 0 && log_verbosity > 0)
			printf("temporaries of interrupted runs, not compared: "
			    "%llu in A, %llu in B (tacit prune removes them)\n",
			    (unsigned long long)a.temps,
			    (unsigned long long)b.temps);
	}
	e = ndiff == 0 ? EXIT_OK : EXIT_DIFFER;
out:
	free(a.v);
	free(b.v);
	free(ha);
	free(hb);
	(void)close(bfd);
	return e;
}
