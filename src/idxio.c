/*
 * idxio.c: index segments on disk.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsio.h"
#include "idxio.h"
#include "parity.h"
#include "log.h"

/*
 * seg_name_ok(name): ${name} is a segment name: 32 hex digits, of either
 * case, as load_one decodes them.  What idxio_load loaded, idxio_replace
 * must remove: a segment left behind would still name the packs prune
 * then deletes, and could win over the new index's entry for a blob.
 */
static int
seg_name_ok(const char *name)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f') ||
		    (name[i] >= 'A' && name[i] <= 'F')))
			return 0;
	return name[32] == '\0';
}

static int
load_one(struct kh *kh, int dfd, const char *name, struct index *ix)
{
	uint8_t id[ENV_ID_BYTES], *sealed = NULL, *pt = NULL;
	char what[300];	/* "index " and a name of up to 255 bytes */
	size_t slen, len, n;
	int r = -1;

	memset(id, 0, sizeof(id));
	if (sodium_hex2bin(id, 16, name, 32, NULL, &n, NULL) != 0 || n != 16 ||
	    strlen(name) != 32) {
		warnx("index/%s: not an index name, ignored", name);
		return -1;
	}
	(void)snprintf(what, sizeof(what), "index %s", name);
	if (parity_read_file(dfd, name, parity_read_max(INDEX_FILE_MAX),
	    &sealed, &slen, what) < 0) {
		errorx("index %s: cannot read: %s", name, strerror(errno));
		return -1;
	}
	if (parity_strip(sealed, &slen, what) != 0)
		goto out;
	if ((pt = malloc(slen)) == NULL)
		goto out;
	if (kh_open(kh, OBJ_INDEX, id, sealed, slen, pt, slen, &len) != 0)
		errorx("index %s: authentication failed: damaged or tampered "
		    "with", name);
	else if (index_decode(ix, pt, len) != 0)
		errorx("index %s: authentic but malformed", name);
	else
		r = 0;
out:
	free(pt);
	free(sealed);
	return r;
}

int
idxio_load(struct kh *kh, int repofd, struct index *ix, size_t *bad)
{
	struct dirent *de;
	DIR *d;
	int dfd, e;

	*bad = 0;
	if ((dfd = fsio_open(repofd, INDEX_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(dfd)) == NULL) {
		(void)close(dfd);
		return -1;
	}
	/* A listing cut short by an error is no index: what the segments
	 * not listed name would look unindexed to prune. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* Not a segment's name (format.md, section 2): reported and
		 * ignored, not a damaged segment (prune would refuse for
		 * ever, and repair index removes only segments). */
		if (!seg_name_ok(de->d_name)) {
			warnx("index/%s: not an index segment name, ignored",
			    log_shown(de->d_name));
			continue;
		}
		if (load_one(kh, dirfd(d), de->d_name, ix) != 0)
			(*bad)++;
	}
	e = errno;
	(void)closedir(d);
	if (e != 0) {
		errno = e;
		return -1;
	}
	/* One number per pack, whatever order the segments came in. */
	return index_merge_packs(ix);
}

int
idxio_save(struct kh *kh, int repofd, struct index *ix, size_t *nseg)
{
	uint8_t id[ENV_ID_BYTES], *sealed;
	char hex[33];
	struct dbuf b;
	size_t cap, len;
	int dfd, n, r = -1;

	*nseg = 0;
	if ((dfd = fsio_subdir(repofd, INDEX_DIR)) < 0)
		return -1;
	for (;;) {
		if ((n = index_encode_fresh(ix, INDEX_SEGMENT_MAX, &b)) < 0)
			goto out;
		if (n == 0)
			break;
		memset(id, 0, sizeof(id));
		randombytes_buf(id, 16);
		sodium_bin2hex(hex, sizeof(hex), id, 16);
		cap = envelope_sealed_len(OBJ_INDEX, b.len);
		if ((sealed = malloc(cap)) == NULL) {
			dbuf_free(&b);
			goto out;
		}
		if (kh_seal(kh, OBJ_INDEX, id, b.p, b.len, sealed, cap,
		    &len) != 0 || parity_write_atomic(dfd, hex, sealed, len) != 0) {
			free(sealed);
			dbuf_free(&b);
			goto out;
		}
		free(sealed);
		dbuf_free(&b);
		(*nseg)++;
	}
	r = 0;
out:
	(void)close(dfd);
	return r;
}

int
idxio_replace(struct kh *kh, int repofd, struct index *ix, size_t *nseg,
    size_t *nold)
{
	char (*old)[33] = NULL, (*nv)[33];
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	DIR *d;
	int dfd, r = -1, e;

	*nseg = *nold = 0;
	if ((dfd = fsio_open(repofd, INDEX_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		if ((d = fdopendir(dfd)) == NULL) {
			(void)close(dfd);
			return -1;
		}
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (!seg_name_ok(de->d_name))
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				if ((nv = reallocarray(old, cap,
				    sizeof(*old))) == NULL)
					break;
				old = nv;
			}
			memcpy(old[n++], de->d_name, 33);
		}
		e = errno;
		(void)closedir(d);
		if (e != 0) {
			errno = e;
			goto out;
		}
	} else if (errno != ENOENT)
		return -1;
	if (idxio_save(kh, repofd, ix, nseg) != 0)
		goto out;
	if ((dfd = fsio_open(repofd, INDEX_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (fsio_unlink(dfd, old[i]) != 0 && errno != ENOENT) {
			e = errno;
			(void)close(dfd);
			errno = e;
			goto out;
		}
		(*nold)++;
	}
	(void)close(dfd);
	r = 0;
out:
	free(old);
	return r;
}
