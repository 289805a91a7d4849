/*
 * snapshot.c: sealed snapshot objects.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "fsio.h"
#include "log.h"
#include "parity.h"
#include "snapshot.h"

void
snapshot_hex(const uint8_t id[SNAP_ID_BYTES], char out[2 * SNAP_ID_BYTES + 1])
{
	sodium_bin2hex(out, 2 * SNAP_ID_BYTES + 1, id, SNAP_ID_BYTES);
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
snapshot_free_fields(struct snapshot *s)
{
	free_strv(s->paths, s->npaths);
	free_strv(s->tags, s->ntags);
	free(s->version);
	memset(s, 0, sizeof(*s));
}

static void
put_str(struct dbuf *b, const char *s)
{
	size_t n = strlen(s);

	dbuf_put_u16(b, (uint16_t)n);
	dbuf_put_bytes(b, s, n);
}

static int
encode(const struct snapshot *s, struct dbuf *b)
{
	size_t i;

	dbuf_init(b, SNAP_FILE_MAX / 2);
	dbuf_put_u32(b, s->has_orig ? SNAP_FORMAT_COPY : SNAP_FORMAT);
	dbuf_put_u64(b, (uint64_t)s->time_sec);
	dbuf_put_u32(b, s->time_nsec);
	dbuf_put_u32(b, s->flags);
	dbuf_put_bytes(b, s->root, 32);
	dbuf_put_u8(b, (uint8_t)(s->has_parent != 0));
	dbuf_put_bytes(b, s->parent, SNAP_ID_BYTES);
	dbuf_put_u32(b, (uint32_t)s->npaths);
	for (i = 0; i < s->npaths; i++)
		put_str(b, s->paths[i]);
	dbuf_put_u32(b, (uint32_t)s->ntags);
	for (i = 0; i < s->ntags; i++)
		put_str(b, s->tags[i]);
	dbuf_put_u64(b, s->files);
	dbuf_put_u64(b, s->dirs);
	dbuf_put_u64(b, s->bytes);
	dbuf_put_u64(b, s->added);
	dbuf_put_u64(b, s->packs);
	put_str(b, s->version ? s->version : "");
	dbuf_put_u8(b, (uint8_t)(s->has_log != 0));
	dbuf_put_bytes(b, s->log, 32);
	if (s->has_orig)
		dbuf_put_bytes(b, s->orig, SNAP_ID_BYTES);
	/* Write only what decode() will accept back. */
	if (s->npaths > SNAP_PATHS_MAX || s->ntags > SNAP_TAGS_MAX ||
	    (s->version && strlen(s->version) > SNAP_STR_MAX))
		b->err = 1;
	for (i = 0; i < s->npaths; i++)
		if (strlen(s->paths[i]) > SNAP_STR_MAX)
			b->err = 1;
	for (i = 0; i < s->ntags; i++)
		if (strlen(s->tags[i]) > SNAP_STR_MAX)
			b->err = 1;
	if (b->err)
		errno = EINVAL;
	return b->err ? -1 : 0;
}

static int
get_str(struct rbuf *r, char **out)
{
	const uint8_t *p;
	uint16_t n;

	if (rbuf_get_u16(r, &n) != 0 || n > SNAP_STR_MAX ||
	    rbuf_get_ref(r, &p, n) != 0 || memchr(p, '\0', n) != NULL ||
	    (*out = malloc((size_t)n + 1)) == NULL)
		return -1;
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	return 0;
}

static int
get_strv(struct rbuf *r, size_t max, char ***vp, size_t *np)
{
	uint32_t n, i;

	if (rbuf_get_u32(r, &n) != 0 || n > max || n > rbuf_left(r) / 2)
		return -1;
	if ((*vp = calloc(n ? n : 1, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (get_str(r, &(*vp)[i]) != 0)
			return -1;
		*np = i + 1;
	}
	return 0;
}

static int
decode(const uint8_t *p, size_t len, struct snapshot *s)
{
	uint64_t t;
	uint32_t fmt;
	uint8_t hp, hl;
	struct rbuf r;

	rbuf_init(&r, p, len);
	if (rbuf_get_u32(&r, &fmt) != 0 || (fmt != SNAP_FORMAT &&
	    fmt != SNAP_FORMAT_COPY) || rbuf_get_u64(&r, &t) != 0 || rbuf_get_u32(&r, &s->time_nsec) != 0 ||
	    s->time_nsec >= 1000000000u || rbuf_get_u32(&r, &s->flags) != 0 ||
	    rbuf_get_bytes(&r, s->root, 32) != 0 ||
	    rbuf_get_u8(&r, &hp) != 0 || hp > 1 ||
	    rbuf_get_bytes(&r, s->parent, SNAP_ID_BYTES) != 0 ||
	    get_strv(&r, SNAP_PATHS_MAX, &s->paths, &s->npaths) != 0 ||
	    get_strv(&r, SNAP_TAGS_MAX, &s->tags, &s->ntags) != 0 ||
	    rbuf_get_u64(&r, &s->files) != 0 || rbuf_get_u64(&r, &s->dirs) != 0 ||
	    rbuf_get_u64(&r, &s->bytes) != 0 ||
	    rbuf_get_u64(&r, &s->added) != 0 ||
	    rbuf_get_u64(&r, &s->packs) != 0 ||
	    get_str(&r, &s->version) != 0 ||
	    rbuf_get_u8(&r, &hl) != 0 || hl > 1 ||
	    rbuf_get_bytes(&r, s->log, 32) != 0 ||
	    (fmt == SNAP_FORMAT_COPY && rbuf_get_bytes(&r, s->orig,
	    SNAP_ID_BYTES) != 0) || rbuf_end(&r) != 0)
		return -1;
	s->has_orig = fmt == SNAP_FORMAT_COPY;
	s->time_sec = (int64_t)t;
	s->has_parent = hp;
	s->has_log = hl;
	return 0;
}

int
snapshot_encode_plain(const struct snapshot *s, struct dbuf *b)
{
	if (encode(s, b) != 0) {
		dbuf_free(b);
		return -1;
	}
	return 0;
}

int
snapshot_decode(const uint8_t *p, size_t len, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (decode(p, len, s) != 0) {
		snapshot_free_fields(s);
		return -1;
	}
	return 0;
}

static int
snapdir(int repofd, int create)
{
	if (create)
		return fsio_subdir(repofd, SNAP_DIR);
	return fsio_open(repofd, SNAP_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
}

int
snapshot_write(struct kh *kh, int repofd, const struct snapshot *s)
{
	uint8_t id[ENV_ID_BYTES], *sealed = NULL;
	char hex[2 * SNAP_ID_BYTES + 1];
	struct dbuf b;
	size_t cap, len;
	int dfd = -1, r = -1;

	if (encode(s, &b) != 0)
		goto out;
	memset(id, 0, sizeof(id));
	memcpy(id, s->id, SNAP_ID_BYTES);
	cap = envelope_sealed_len(OBJ_SNAPSHOT, b.len);
	if ((sealed = malloc(cap)) == NULL ||
	    kh_seal(kh, OBJ_SNAPSHOT, id, b.p, b.len, sealed, cap, &len) != 0)
		goto out;
	snapshot_hex(s->id, hex);
	if ((dfd = snapdir(repofd, 1)) < 0)
		goto out;
	r = parity_write_atomic(dfd, hex, sealed, len);
out:
	if (dfd >= 0)
		(void)close(dfd);
	free(sealed);
	dbuf_free(&b);
	return r;
}

static int
snap_cmp(const void *a, const void *b)
{
	const struct snapshot *x = a, *y = b;

	if (x->time_sec != y->time_sec)
		return x->time_sec < y->time_sec ? -1 : 1;
	if (x->time_nsec != y->time_nsec)
		return x->time_nsec < y->time_nsec ? -1 : 1;
	return memcmp(x->id, y->id, SNAP_ID_BYTES);
}

/* Load one snapshot file; 0, -1 damaged (reported), -2 ENOMEM. */
static int
load_one(struct kh *kh, int dfd, const char *name, struct snapshot *s)
{
	uint8_t id[ENV_ID_BYTES], *sealed = NULL, *pt = NULL;
	char what[300];
	size_t slen, len, n;
	int r = -1;

	memset(s, 0, sizeof(*s));
	memset(id, 0, sizeof(id));
	if (strlen(name) != 2 * SNAP_ID_BYTES || sodium_hex2bin(id,
	    SNAP_ID_BYTES, name, 2 * SNAP_ID_BYTES, NULL, &n, NULL) != 0 ||
	    n != SNAP_ID_BYTES) {
		warnx("snapshots/%s: not a snapshot name, ignored", name);
		return -1;
	}
	(void)snprintf(what, sizeof(what), "snapshot %s", name);
	if (parity_read_file(dfd, name, parity_read_max(SNAP_FILE_MAX),
	    &sealed, &slen, what) < 0) {
		errorx("snapshot %s: cannot read: %s", name, strerror(errno));
		return -1;
	}
	if (parity_strip(sealed, &slen, what) != 0 || slen > SNAP_FILE_MAX) {
		errorx("snapshot %s: cannot read: %s", name, strerror(EFBIG));
		free(sealed);
		return -1;
	}
	if ((pt = malloc(slen)) == NULL) {
		free(sealed);
		return -2;
	}
	if (kh_open(kh, OBJ_SNAPSHOT, id, sealed, slen, pt, slen, &len) != 0)
		errorx("snapshot %s: authentication failed: damaged or "
		    "tampered with", name);
	else if (decode(pt, len, s) != 0) {
		errorx("snapshot %s: authentic but malformed", name);
		snapshot_free_fields(s);
	} else {
		memcpy(s->id, id, SNAP_ID_BYTES);
		r = 0;
	}
	free(pt);
	free(sealed);
	return r;
}

int
snapshot_load_all(struct kh *kh, int repofd, struct snapshot **out,
    size_t *np, size_t *bad)
{
	struct snapshot *v = NULL, *nv;
	struct dirent *de;
	size_t n = 0, cap = 0;
	DIR *d;
	int dfd, rc;

	*out = NULL;
	*np = 0;
	*bad = 0;
	if ((dfd = snapdir(repofd, 0)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(dfd)) == NULL) {
		(void)close(dfd);
		return -1;
	}
	/* errno set before each readdir: a listing cut short by an error
	 * is no list of the snapshots (prune would take what only the
	 * others reach for unused and delete it). */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		rc = load_one(kh, dirfd(d), de->d_name, &v[n]);
		if (rc == -2)
			goto nomem;
		if (rc == 0)
			n++;
		else
			(*bad)++;
	}
	if (errno != 0) {
		rc = errno;
		(void)closedir(d);
		snapshot_list_free(v, n);
		errno = rc;
		return -1;
	}
	(void)closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), snap_cmp);
	*out = v;
	*np = n;
	return 0;
nomem:
	(void)closedir(d);
	snapshot_list_free(v, n);
	errno = ENOMEM;
	return -1;
}

void
snapshot_list_free(struct snapshot *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		snapshot_free_fields(&v[i]);
	free(v);
}

struct snapshot *
snapshot_find(struct snapshot *v, size_t n, const char *spec)
{
	char hex[2 * SNAP_ID_BYTES + 1];
	struct snapshot *hit = NULL;
	size_t i, len = strlen(spec), count = 0;

	if (strcmp(spec, "latest") == 0) {
		if (n == 0)
			errorx("the repository has no snapshots");
		return n ? &v[n - 1] : NULL;
	}
	for (i = 0; i < n && len > 0; i++) {
		snapshot_hex(v[i].id, hex);
		if (strncmp(hex, spec, len) == 0) {
			hit = &v[i];
			count++;
		}
	}
	if (count == 1)
		return hit;
	errorx(count ? "snapshot id prefix '%s' is ambiguous" :
	    "no snapshot '%s'", spec);
	return NULL;
}
