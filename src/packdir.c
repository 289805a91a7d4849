/*
 * packdir.c: list the pack files and temporaries of a repository (see
 * packdir.h).  Names come from readdir and are checked before use; sizes
 * come from fstatat without following symlinks.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsio.h"
#include "log.h"
#include "packdir.h"
#include "parity.h"

/* is_hex(s, n): ${s} is exactly ${n} lowercase hex digits. */
static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static int
ent_cmp(const void *a, const void *b)
{
	return memcmp(((const struct packent *)a)->id,
	    ((const struct packent *)b)->id, PACK_ID_BYTES);
}

/* opendir_at(dirfd, name): the directory ${name} as a DIR, or NULL. */
static DIR *
opendir_at(int dirfd, const char *name)
{
	DIR *d;
	int fd;

	if ((fd = fsio_open(dirfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		(void)close(fd);
	return d;
}

/* shard_list(d, shard, v, n, cap): add the packs of one shard. 0 or -1. */
static int
shard_list(DIR *d, const char *shard, struct packent **v, size_t *n,
    size_t *cap)
{
	struct packent *nv;
	struct dirent *de;
	struct stat st;
	size_t len;

	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !is_hex(de->d_name,
		    2 * PACK_ID_BYTES))
			continue;
		if (memcmp(de->d_name, shard, 2) != 0) {
			alertx("packs/%s/%s is in the wrong shard directory; "
			    "left alone", shard, de->d_name);
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0) {
			errorx("packs/%s/%s: %s", shard, de->d_name,
			    strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			alertx("packs/%s/%s is not a regular file; left alone",
			    shard, de->d_name);
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 256;
			if ((nv = reallocarray(*v, *cap, sizeof(**v))) ==
			    NULL) {
				errorx("out of memory listing packs");
				return -1;
			}
			*v = nv;
		}
		if (sodium_hex2bin((*v)[*n].id, PACK_ID_BYTES, de->d_name,
		    2 * PACK_ID_BYTES, NULL, &len, NULL) != 0 ||
		    len != PACK_ID_BYTES)
			continue;
		/* A pack's size is its data's: parity is not "unused". */
		(*v)[*n].size = parity_data_len((uint64_t)st.st_size);
		(*n)++;
	}
	if (errno != 0) {
		errorx("packs/%s: %s", shard, strerror(errno));
		return -1;
	}
	return 0;
}

int
packdir_list(int repofd, struct packent **v, size_t *n)
{
	struct dirent *de;
	DIR *top, *d;
	size_t cap = 0;
	int rc = 0;

	*v = NULL;
	*n = 0;
	if ((top = opendir_at(repofd, PACK_DIR)) == NULL) {
		if (errno == ENOENT)
			return 0;
		errorx("%s: %s", PACK_DIR, strerror(errno));
		return -1;
	}
	while (rc == 0 && (errno = 0, de = readdir(top)) != NULL) {
		if (de->d_name[0] == '.' || !is_hex(de->d_name, 2))
			continue;
		if ((d = opendir_at(dirfd(top), de->d_name)) == NULL) {
			if (errno == ENOTDIR || errno == ELOOP)
				continue;
			errorx("packs/%s: %s", de->d_name, strerror(errno));
			rc = -1;
			break;
		}
		rc = shard_list(d, de->d_name, v, n, &cap);
		(void)closedir(d);
	}
	if (rc == 0 && errno != 0) {
		errorx("%s: %s", PACK_DIR, strerror(errno));
		rc = -1;
	}
	(void)closedir(top);
	if (rc != 0) {
		free(*v);
		*v = NULL;
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), ent_cmp);
	return 0;
}

const struct packent *
packdir_find(const struct packent *v, size_t n,
    const uint8_t id[PACK_ID_BYTES])
{
	struct packent key;

	if (n == 0)
		return NULL;
	memcpy(key.id, id, PACK_ID_BYTES);
	return bsearch(&key, v, n, sizeof(*v), ent_cmp);
}

/* temps_in(d, fn, arg): ${fn} for each temporary in ${d}. */
static int
temps_in(DIR *d, int (*fn)(void *, int, const char *, uint64_t), void *arg)
{
	struct dirent *de;
	struct stat st;
	int rc;

	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, FSIO_TMP_PREFIX,
		    strlen(FSIO_TMP_PREFIX)) != 0 || fstatat(dirfd(d),
		    de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if ((rc = fn(arg, dirfd(d), de->d_name,
		    (uint64_t)st.st_size)) != 0)
			return rc;
	}
	return 0;
}

int
packdir_temps(int repofd, int (*fn)(void *, int, const char *, uint64_t),
    void *arg)
{
	static const char *const dirs[] = { ".", "keys", "index",
	    "snapshots" };
	struct dirent *de;
	DIR *top, *d;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((d = opendir_at(repofd, dirs[i])) == NULL)
			continue;
		rc = temps_in(d, fn, arg);
		(void)closedir(d);
	}
	if (rc != 0 || (top = opendir_at(repofd, PACK_DIR)) == NULL)
		return rc;
	while (rc == 0 && (de = readdir(top)) != NULL) {
		if (de->d_name[0] == '.' || !is_hex(de->d_name, 2))
			continue;
		if ((d = opendir_at(dirfd(top), de->d_name)) == NULL)
			continue;
		rc = temps_in(d, fn, arg);
		(void)closedir(d);
	}
	(void)closedir(top);
	return rc;
}
