/*
 * repo.c: create, open and unlock a repository.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "fsio.h"
#include "lock.h"
#include "log.h"
#include "pwfile.h"
#include "parity.h"
#include "repo.h"

#define CONFIG_FILE_MAX	4096

static const uint8_t config_id[ENV_ID_BYTES];	/* the config's id: zero */

static struct repo *
repo_alloc(const char *path)
{
	struct repo *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->path = strdup(path)) == NULL) {
		free(r);
		return NULL;
	}
	r->dirfd = r->keysfd = r->lockfd = r->copyfd = r->ckeysfd = -1;
	r->version = REPO_FORMAT;
	return r;
}

void
repo_close(struct repo *r)
{
	size_t i;

	if (r == NULL)
		return;
	lock_release(r->lockfd);
	kh_free(r->kh);
	for (i = 0; i < r->nslots; i++) {
		free((void *)(uintptr_t)r->slots[i].bytes);
		free((void *)(uintptr_t)r->alt[i].bytes);
	}
	free(r->cfgsealed);
	if (r->keysfd >= 0)
		(void)close(r->keysfd);
	if (r->ckeysfd >= 0)
		(void)close(r->ckeysfd);
	if (r->copyfd >= 0)
		(void)close(r->copyfd);
	if (r->dirfd >= 0)
		(void)close(r->dirfd);
	free(r->path);
	sodium_memzero(&r->cfg, sizeof(r->cfg));	/* a chunker key */
	free(r);
}

static void
header_check(const uint8_t *p, uint8_t out[REPO_CHECK_BYTES])
{
	crypto_generichash(out, REPO_CHECK_BYTES, p,
	    REPO_HEADER_BYTES - REPO_CHECK_BYTES, NULL, 0);
}

static int clear_keys(int, int);
static int is_repo(int);
static int heal_dir(struct repo *, int, const char *, int *);
static void locked(const char *, const struct lock_holder *);

/* Is the directory ${fd} empty?  1 yes, 0 no, -1 error. */
static int
dir_is_empty(int fd)
{
	struct dirent *de;
	DIR *d;
	int dfd, r = 1;

	if ((dfd = dup(fd)) < 0)
		return -1;
	if ((d = fdopendir(dfd)) == NULL) {
		(void)close(dfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			r = 0;
			break;
		}
	(void)closedir(d);
	return r;
}

/* fsync the directory that holds ${path}, so a new entry in it is durable. */
static int
fsync_parent(const char *path)
{
	char *copy, *slash;
	int fd, r;

	if ((copy = strdup(path)) == NULL)
		return -1;
	while ((slash = strrchr(copy, '/')) != NULL && slash[1] == '\0' &&
	    slash != copy)
		*slash = '\0';		/* trailing slashes */
	slash = strrchr(copy, '/');
	if (slash == NULL)
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else {
		slash[slash == copy ? 1 : 0] = '\0';
		fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	free(copy);
	if (fd < 0)
		return -1;
	r = fsio_dirsync(fd);
	(void)close(fd);
	return r;
}

/* Does ${name} belong to an interrupted init (ours to remove)? */
static int
init_leftover(const char *name, int in_keys)
{
	uint8_t id[SLOT_ID_BYTES];

	if (strncmp(name, FSIO_TMP_PREFIX, strlen(FSIO_TMP_PREFIX)) == 0)
		return 1;
	if (in_keys)
		return keyslot_id_parse(name, id) == 0;
	return strcmp(name, REPO_KEYS_DIR) == 0 ||
	    strcmp(name, REPO_COPY_DIR) == 0 ||
	    strcmp(name, REPO_CONFIG_NAME) == 0 || strcmp(name, LOCK_NAME) == 0;
}

/*
 * Check (and with ${doit}, remove) what an interrupted init left in copy/
 * (${fd}): copy/keys/ with slot files, copy/config and temporaries.  A
 * copy/header means init got that far: a repository (section 2.1), -1.
 */
static int
clear_copy(int fd, int doit)
{
	struct dirent *de;
	DIR *d;
	int dfd, kfd, r = 0;

	if ((dfd = dup(fd)) < 0 || (d = fdopendir(dfd)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && r == 0) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, REPO_KEYS_DIR) == 0) {
			kfd = openat(fd, REPO_KEYS_DIR, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = kfd >= 0 && clear_keys(kfd, doit) == 0 ? 0 : -1;
			if (kfd >= 0)
				(void)close(kfd);
			if (r == 0 && doit)
				(void)unlinkat(fd, REPO_KEYS_DIR,
				    AT_REMOVEDIR);
		} else if (strcmp(de->d_name, REPO_CONFIG_NAME) == 0 ||
		    strncmp(de->d_name, FSIO_TMP_PREFIX,
		    strlen(FSIO_TMP_PREFIX)) == 0) {
			if (doit)
				(void)unlinkat(fd, de->d_name, 0);
		} else
			r = -1;
	}
	(void)closedir(d);
	return r;
}

/*
 * A directory holding only what an interrupted init writes before its
 * header (keys/ with slot files, an empty lock file, config, temporaries)
 * is cleared so init can start again.  The keys directory and the empty
 * lock file must both be there, so a user's directory that merely holds a
 * file named "config" is never touched.  An init still at work holds the
 * lock on these very files (repo_create): the lock is taken, without
 * waiting, before anything is looked at or removed.  0 if cleared; -1
 * if they are not leftovers; -2 after a message if another process
 * holds the lock (${path} names the directory).
 */
static int
clear_leftovers(int dirfd, const char *path)
{
	struct lock_holder who;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, kfd, lfd, pass, ok = 1;

	if (fstatat(dirfd, LOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_size != 0 ||
	    fstatat(dirfd, REPO_KEYS_DIR, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISDIR(st.st_mode))
		return -1;
	switch (lock_take(dirfd, REPO_LOCK_EXCL, 0, &lfd, &who)) {
	case LOCK_OK:
		break;
	case LOCK_BUSY:
		locked(path, &who);
		return -2;
	default:
		return -1;
	}
	for (pass = 0; pass < 2 && ok; pass++) {
		if ((fd = dup(dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
			lock_release(lfd);
			return -1;
		}
		rewinddir(d);
		while ((de = readdir(d)) != NULL && ok) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (!init_leftover(de->d_name, 0)) {
				ok = 0;
				break;
			}
			if (strcmp(de->d_name, REPO_COPY_DIR) == 0) {
				kfd = openat(dirfd, REPO_COPY_DIR, O_RDONLY |
				    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				ok = kfd >= 0 && clear_copy(kfd, pass == 1) ==
				    0;
				if (kfd >= 0)
					(void)close(kfd);
				if (ok && pass == 1)
					(void)unlinkat(dirfd, REPO_COPY_DIR,
					    AT_REMOVEDIR);
				continue;
			}
			if (strcmp(de->d_name, REPO_KEYS_DIR) != 0) {
				if (pass == 1)
					(void)unlinkat(dirfd, de->d_name, 0);
				continue;
			}
			kfd = openat(dirfd, REPO_KEYS_DIR, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			ok = kfd >= 0 && clear_keys(kfd, pass == 1) == 0;
			if (kfd >= 0)
				(void)close(kfd);
			if (ok && pass == 1)
				(void)unlinkat(dirfd, REPO_KEYS_DIR,
				    AT_REMOVEDIR);
		}
		(void)closedir(d);
	}
	/* Dropped only now: the lock file is gone, so is what it guarded. */
	lock_release(lfd);
	if (!ok)
		return -1;
	warnx("removed the leftovers of an interrupted 'tacit init'");
	return fsio_dirsync(dirfd);
}

/* Check (and with ${doit}, remove) the slot files of an unfinished init. */
static int
clear_keys(int kfd, int doit)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if ((fd = dup(kfd)) < 0 || (d = fdopendir(fd)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!init_leftover(de->d_name, 1)) {
			r = -1;
			break;
		}
		if (doit)
			(void)unlinkat(kfd, de->d_name, 0);
	}
	(void)closedir(d);
	return r;
}

int
repo_prepare_dir(const char *path)
{
	if (mkdir(path, 0700) == 0) {
		if (fsync_parent(path) != 0) {
			errorx("cannot sync the directory holding %s: %s",
			    path, strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		errorx("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
repo_check_new(const char *path)
{
	struct dirent *de;
	DIR *d;
	int fd, e = EXIT_OK;

	/* Missing, or no directory: repo_create makes it or says why not. */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return EXIT_OK;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return EXIT_OK;
	}
	while ((de = readdir(d)) != NULL && e == EXIT_OK) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, REPO_HEADER_NAME) == 0 ||
		    (strcmp(de->d_name, REPO_COPY_DIR) == 0 && is_repo(fd))) {
			errorx("%s is already a tacit repository", path);
			e = EXIT_ERR;
		} else if (!init_leftover(de->d_name, 0)) {
			errorx("%s is not empty and is not a tacit repository; "
			    "choose an empty or new directory", path);
			e = EXIT_ERR;
		}
	}
	(void)closedir(d);
	return e;
}

/* Has the directory ${fd} a header, or the header's copy? */
static int
is_repo(int fd)
{
	struct stat st;

	return fstatat(fd, REPO_HEADER_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    fstatat(fd, REPO_COPY_DIR "/" REPO_HEADER_NAME, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
}

/* A failed repo_create, which holds the lock: remove the lock file and
 * keys/ it made (keys/ first: a lock file alone is no leftover). */
static void
create_undo(int dirfd)
{
	(void)unlinkat(dirfd, REPO_COPY_DIR "/" REPO_KEYS_DIR, AT_REMOVEDIR);
	(void)unlinkat(dirfd, REPO_COPY_DIR, AT_REMOVEDIR);
	(void)unlinkat(dirfd, REPO_KEYS_DIR, AT_REMOVEDIR);
	(void)unlinkat(dirfd, LOCK_NAME, 0);
}

int
repo_create(const char *path, struct repo **rp)
{
	struct lock_holder who;
	struct repo *r;
	int e, c = -1, ret = EXIT_ERR;

	*rp = NULL;
	if ((r = repo_alloc(path)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	if (repo_prepare_dir(path) != 0)
		goto fail;
	if ((r->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		errorx("cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((e = dir_is_empty(r->dirfd)) == 0 &&
	    (c = clear_leftovers(r->dirfd, path)) == 0)
		e = 1;
	if (c == -2) {
		ret = EXIT_LOCKED;	/* another init is making it */
		goto fail;
	}
	if (e != 1) {
		if (e < 0)
			errorx("cannot read %s: %s", path, strerror(errno));
		else if (is_repo(r->dirfd))
			errorx("%s is already a tacit repository", path);
		else
			errorx("%s is not empty and is not a tacit repository; "
			    "choose an empty or new directory", path);
		goto fail;
	}
	randombytes_buf(r->id, sizeof(r->id));
	/* keys/ exists already: another init made it a moment ago (it is
	 * not ours to remove). */
	if (mkdirat(r->dirfd, REPO_KEYS_DIR, 0700) != 0) {
		errorx("cannot create %s/%s: %s", path, REPO_KEYS_DIR,
		    strerror(errno));
		goto fail;
	}
	if ((r->keysfd = openat(r->dirfd, REPO_KEYS_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		errorx("cannot open %s/%s: %s", path, REPO_KEYS_DIR,
		    strerror(errno));
		(void)unlinkat(r->dirfd, REPO_KEYS_DIR, AT_REMOVEDIR);
		goto fail;
	}
	/* The lock file is made and locked at once, and held to the end:
	 * what we make from here on is ours alone (clear_leftovers). */
	switch (lock_create(r->dirfd, &r->lockfd, &who)) {
	case LOCK_OK:
		break;
	case LOCK_BUSY:
		/* Another init took it as leftovers: it clears them. */
		locked(path, &who);
		ret = EXIT_LOCKED;
		goto fail;
	default:
		e = errno;
		if (lock_unsupported(e))
			errorx("cannot create %s: its file system offers no "
			    "locks (%s), so tacit could not keep a second "
			    "writer out", path, strerror(e));
		else
			errorx("cannot create %s/%s: %s", path, LOCK_NAME,
			    strerror(e));
		if (e != EEXIST)
			(void)unlinkat(r->dirfd, REPO_KEYS_DIR, AT_REMOVEDIR);
		goto fail;
	}
	if (fsync(r->lockfd) != 0) {
		errorx("cannot create %s/%s: %s", path, LOCK_NAME,
		    strerror(errno));
		create_undo(r->dirfd);
		goto fail;
	}
	/* The second copies' directories (section 2.1), under the lock. */
	if (mkdirat(r->dirfd, REPO_COPY_DIR, 0700) != 0 ||
	    (r->copyfd = openat(r->dirfd, REPO_COPY_DIR, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    mkdirat(r->copyfd, REPO_KEYS_DIR, 0700) != 0 ||
	    (r->ckeysfd = openat(r->copyfd, REPO_KEYS_DIR, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		errorx("cannot create %s/%s/%s: %s", path, REPO_COPY_DIR,
		    REPO_KEYS_DIR, strerror(errno));
		create_undo(r->dirfd);
		goto fail;
	}
	if ((r->kh = kh_new(r->id)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	config_default(&r->cfg);
	*rp = r;
	return EXIT_OK;
fail:
	repo_close(r);
	return ret;
}

/* The header of ${r}: its format ${r->version}, its id, the checksum. */
static void
header_build(const struct repo *r, uint8_t hdr[REPO_HEADER_BYTES])
{
	struct wbuf w;

	wbuf_init(&w, hdr, REPO_HEADER_BYTES);
	wbuf_put_bytes(&w, REPO_MAGIC, REPO_MAGIC_BYTES);
	wbuf_put_u32(&w, r->version);
	wbuf_put_bytes(&w, r->id, ENV_REPOID_BYTES);
	header_check(hdr, hdr + REPO_HEADER_BYTES - REPO_CHECK_BYTES);
}

/*
 * Write ${len} bytes of ${p} as ${name} in ${fd} (the directory ${dname}
 * of the repository: "" or "copy/..."), replacing a file there with
 * ${replace}.  EXIT_*, after a message.
 */
static int
put_file(struct repo *r, int fd, const char *dname, const char *name,
    const uint8_t *p, size_t len, int replace)
{
	if ((replace ? fsio_replace_atomic(fd, name, p, len) :
	    fsio_write_atomic(fd, name, p, len)) != 0) {
		errorx("cannot write %s/%s%s: %s", r->path, dname, name,
		    strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/*
 * The order is the commit (doc/format.md section 2.1): config, its copy,
 * the header's copy, the header.  Killed before copy/header, the directory
 * is an interrupted init's; after it, a repository whose header is
 * missing, which opens from the copy.
 */
int
repo_commit_init(struct repo *r)
{
	uint8_t pt[CONFIG_BYTES], sealed[256], hdr[REPO_HEADER_BYTES];
	size_t slen, ptlen;
	int e;

	ptlen = config_encode(&r->cfg, pt);
	if (kh_seal(r->kh, OBJ_CONFIG, config_id, pt, ptlen, sealed,
	    sizeof(sealed), &slen) != 0) {
		sodium_memzero(pt, sizeof(pt));
		errorx("cannot seal the config");
		return EXIT_ERR;
	}
	sodium_memzero(pt, sizeof(pt));	/* it may hold a chunker key */
	header_build(r, hdr);
	if ((e = put_file(r, r->dirfd, "", REPO_CONFIG_NAME, sealed, slen,
	    0)) != EXIT_OK ||
	    (e = put_file(r, r->copyfd, REPO_COPY_DIR "/", REPO_CONFIG_NAME,
	    sealed, slen, 0)) != EXIT_OK ||
	    (e = put_file(r, r->copyfd, REPO_COPY_DIR "/", REPO_HEADER_NAME,
	    hdr, sizeof(hdr), 0)) != EXIT_OK)
		return e;
	return put_file(r, r->dirfd, "", REPO_HEADER_NAME, hdr, sizeof(hdr),
	    0);
}

/*
 * Check the header bytes ${p} of the file ${name}; fills ${id} and
 * ${version}.  Returns EXIT_*, after a message if ${say}.
 */
static int
header_parse(const struct repo *r, const char *name, const uint8_t *p,
    size_t len, int say, uint8_t id[ENV_REPOID_BYTES], uint32_t *version)
{
	uint8_t check[REPO_CHECK_BYTES];

	if (len < REPO_MAGIC_BYTES ||
	    memcmp(p, REPO_MAGIC, REPO_MAGIC_BYTES) != 0) {
		if (say)
			errorx("%s is not a tacit repository (its header is "
			    "not a tacit header)", r->path);
		return EXIT_NOREPO;
	}
	if (len != REPO_HEADER_BYTES) {
		if (say)
			errorx("%s/%s is damaged (%zu bytes, not %d); restore "
			    "it from another copy of this repository", r->path,
			    name, len, REPO_HEADER_BYTES);
		return EXIT_DAMAGED;
	}
	header_check(p, check);
	if (memcmp(check, p + REPO_HEADER_BYTES - REPO_CHECK_BYTES,
	    REPO_CHECK_BYTES) != 0) {
		if (say)
			errorx("%s/%s is damaged (checksum mismatch); restore "
			    "it from another copy of this repository", r->path,
			    name);
		return EXIT_DAMAGED;
	}
	*version = le32dec(p + REPO_MAGIC_BYTES);
	if (*version != REPO_FORMAT && *version != REPO_FORMAT_V1) {
		if (say)
			errorx("%s uses repository format %u; this tacit reads "
			    "formats %u and %u only: use a tacit release that "
			    "supports format %u", r->path, *version,
			    REPO_FORMAT_V1, REPO_FORMAT, *version);
		return EXIT_VERSION;
	}
	memcpy(id, p + REPO_MAGIC_BYTES + 4, ENV_REPOID_BYTES);
	return EXIT_OK;
}

/* "permission denied": whose the repository ${path} is, if we can see. */
static void
denied(const char *path)
{
	struct stat st;
	char uid[24];
	const char *who = uid;
#ifdef TACIT_STATIC
	char name[256];
#else
	struct passwd *pw;
#endif

	if (stat(path, &st) != 0) {
		errorx("permission denied: %s: a directory above the "
		    "repository is closed to this user", path);
		return;
	}
#ifdef TACIT_STATIC
	/* No NSS in the static binary: the file itself (pwfile.h). */
	if (pwfile_name(PWFILE_PASSWD, (uint32_t)st.st_uid, name,
	    sizeof(name)) == 1 && name[0] != '\0')
		who = name;
	else
#else
	if ((pw = getpwuid(st.st_uid)) != NULL)
		who = pw->pw_name;
	else
#endif
		(void)snprintf(uid, sizeof(uid), "uid %u",
		    (unsigned)st.st_uid);
	errorx("permission denied: the repository belongs to %s (mode %04o); "
	    "run tacit as %s", who, (unsigned)(st.st_mode & 07777), who);
}

/* repo_check_access(path, write): see repo.h. */
int
repo_check_access(const char *path, int write)
{
	if (access(path, R_OK | X_OK | (write ? W_OK : 0)) == 0 ||
	    errno != EACCES)
		return EXIT_OK;
	denied(path);
	return EXIT_ERR;
}

/*
 * Read and check the header in the directory ${fd} (-1: missing), shown
 * as ${dname}header; fills ${id} and ${version}.  EXIT_*, after a message
 * if ${say}; errno as the read left it.
 */
static int
header_read(struct repo *r, int fd, const char *dname, int say,
    uint8_t id[ENV_REPOID_BYTES], uint32_t *version)
{
	char name[64];
	uint8_t *hdr = NULL;
	size_t len;
	int e;

	(void)snprintf(name, sizeof(name), "%s%s", dname, REPO_HEADER_NAME);
	if (fd < 0)
		return EXIT_NOREPO;
	if (fsio_read(fd, REPO_HEADER_NAME, 4096, &hdr, &len) != 0) {
		e = errno;
		if (e == ENOENT) {
			if (say)
				errorx("%s is not a tacit repository (no %s "
				    "file); create one with 'tacit init -r "
				    "%s'", r->path, name, r->path);
			errno = e;
			return EXIT_NOREPO;
		}
		if (say && e == EACCES)
			denied(r->path);
		else if (say && (e == EFBIG || e == EINVAL))
			errorx("%s/%s is damaged (not a %d-byte file)",
			    r->path, name, REPO_HEADER_BYTES);
		else if (say)
			errorx("cannot read %s/%s: %s", r->path, name,
			    strerror(e));
		errno = e;
		return e == EFBIG || e == EINVAL ? EXIT_DAMAGED : EXIT_ERR;
	}
	e = header_parse(r, name, hdr, len, say, id, version);
	free(hdr);
	return e;
}

/* ${bad} of the repository is missing or damaged, ${good} is not. */
static void
copy_lost(const struct repo *r, const char *bad, const char *good)
{
	alertx("%s/%s is missing or damaged; its copy %s/%s is intact "
	    "('tacit repair metadata -r %s' rewrites it)", r->path, bad,
	    r->path, good, r->path);
}

/*
 * The header of a format 2 repository, whose first copy gave ${e}: the
 * copy in copy/ stands in for a missing or damaged header, and is
 * compared with a good one.  A header of a format this tacit does not
 * read is obeyed (exit 13), never overruled by its copy.
 */
static int
header_copy(struct repo *r, int e)
{
	uint8_t id[ENV_REPOID_BYTES];
	uint32_t v = 0;
	int saved = errno, e2;

	if (e == EXIT_VERSION || (e == EXIT_ERR && saved == EACCES))
		return e;
	r->copyfd = fsio_open(r->dirfd, REPO_COPY_DIR, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	e2 = header_read(r, r->copyfd, REPO_COPY_DIR "/", 0, id, &v);
	if (e == EXIT_OK) {
		if (e2 != EXIT_OK || v != r->version ||
		    memcmp(id, r->id, sizeof(id)) != 0) {
			r->hdrbad |= REPO_BAD_COPY;
			copy_lost(r, REPO_COPY_DIR "/" REPO_HEADER_NAME,
			    REPO_HEADER_NAME);
		}
		return EXIT_OK;
	}
	if (e2 != EXIT_OK || v != REPO_FORMAT) {
		errno = saved;
		return e;
	}
	r->version = v;
	memcpy(r->id, id, sizeof(id));
	r->hdrbad |= REPO_BAD_FIRST;
	copy_lost(r, REPO_HEADER_NAME, REPO_COPY_DIR "/" REPO_HEADER_NAME);
	return EXIT_OK;
}

int
repo_open(const char *path, struct repo **rp)
{
	struct repo *r;
	uint8_t id[ENV_REPOID_BYTES];
	uint32_t v;
	int e = EXIT_NOREPO;

	*rp = NULL;
	if ((r = repo_alloc(path)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	if ((r->dirfd = fsio_open(AT_FDCWD, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		if (errno == EACCES) {
			denied(path);
			e = EXIT_ERR;
		} else
			errorx("no repository at %s: %s", path,
			    strerror(errno));
		goto fail;
	}
	e = header_read(r, r->dirfd, "", 0, r->id, &r->version);
	if (!(e == EXIT_OK && r->version == REPO_FORMAT_V1) &&
	    (e = header_copy(r, e)) != EXIT_OK) {
		/* No good copy: the first one's fault, as format 1 says. */
		(void)header_read(r, r->dirfd, "", 1, id, &v);
		goto fail;
	}
	r->keysfd = fsio_open(r->dirfd, REPO_KEYS_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->copyfd >= 0)
		r->ckeysfd = fsio_open(r->copyfd, REPO_KEYS_DIR,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->keysfd < 0 && r->ckeysfd < 0) {
		errorx("%s/%s: %s", path, REPO_KEYS_DIR, strerror(errno));
		e = EXIT_DAMAGED;
		goto fail;
	}
	if ((r->kh = kh_new(r->id)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	*rp = r;
	return EXIT_OK;
fail:
	repo_close(r);
	return e;
}

/* "locked": by whom, and what to do. */
static void
locked(const char *path, const struct lock_holder *who)
{
	char desc[160];

	errorx("%s is locked by %s; wait for it to finish, or use "
	    "--lock-wait SECONDS", path,
	    lock_describe(who, desc, sizeof(desc)));
}

int
repo_lock(struct repo *r, int mode, unsigned wait)
{
	struct lock_holder who;

	switch (lock_take(r->dirfd, mode, wait, &r->lockfd, &who)) {
	case LOCK_OK:
		return EXIT_OK;
	case LOCK_BUSY:
		locked(r->path, &who);
		return EXIT_LOCKED;
	default:
		break;
	}
	if (errno == EINVAL) {
		errorx("cannot lock %s: %s/%s is not a regular file",
		    r->path, r->path, LOCK_NAME);
		return EXIT_ERR;
	}
	if (!lock_unsupported(errno)) {
		errorx("cannot lock %s: %s", r->path, strerror(errno));
		return EXIT_ERR;
	}
	/* A file system without record locks (NFS mounted nolock or
	 * without its lock daemon, some FUSE file systems): a reader goes
	 * on unlocked; a writer could not keep another one out, and
	 * refuses. */
	if (mode == REPO_LOCK_SHARED) {
		alertx("%s: its file system offers no locks (%s): reading "
		    "without one; a prune or forget running at the same "
		    "time could remove files as they are read", r->path,
		    strerror(errno));
		return EXIT_OK;
	}
	errorx("cannot lock %s: its file system offers no locks (%s), so "
	    "tacit cannot keep a second writer out, and changes nothing; "
	    "use a file system with POSIX locks (NFS: not mounted nolock, "
	    "with its lock daemon)", r->path, strerror(errno));
	return EXIT_ERR;
}

/* repo_lock_early(path, mode, wait): see repo.h. */
int
repo_lock_early(const char *path, int mode, unsigned wait)
{
	struct lock_holder who;
	int dfd, fd, r;

	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return EXIT_OK;		/* repo_open says why */
	r = lock_take(dfd, mode, wait, &fd, &who);
	(void)close(dfd);
	if (r == LOCK_BUSY) {
		locked(path, &who);
		return EXIT_LOCKED;
	}
	/* Taken: ${fd} stays open to the end of the process (closing it
	 * would drop the lock); repo_lock then takes it again at once. */
	return EXIT_OK;
}

/* The slot files of one directory (keys/ or copy/keys/). */
struct slotdir {
	size_t	 n;
	uint8_t	 id[REPO_SLOTS_MAX][SLOT_ID_BYTES];
	uint8_t	*bytes[REPO_SLOTS_MAX];		/* NULL: unreadable */
	size_t	 len[REPO_SLOTS_MAX];
};

static void
slotdir_free(struct slotdir *sd)
{
	size_t i;

	for (i = 0; i < sd->n; i++)
		free(sd->bytes[i]);
	sd->n = 0;
}

/* The index of ${id} in ${sd}, or -1. */
static ssize_t
slotdir_find(const struct slotdir *sd, const uint8_t id[SLOT_ID_BYTES])
{
	size_t i;

	for (i = 0; i < sd->n; i++)
		if (memcmp(sd->id[i], id, SLOT_ID_BYTES) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * Read every <16hex> file of the directory ${fd} (shown as ${dname});
 * anything else is reported and ignored, an unreadable slot is kept with
 * no bytes (it exists: it was not removed).  EXIT_OK, or EXIT_ERR after
 * a message.
 */
static int
slotdir_read(struct repo *r, int fd, const char *dname, struct slotdir *sd)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	sd->n = 0;
	if ((dfd = dup(fd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		errorx("cannot read %s/%s: %s", r->path, dname,
		    strerror(errno));
		if (dfd >= 0)
			(void)close(dfd);
		return EXIT_ERR;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;	/* ., .. and leftover temporaries */
		if (sd->n == REPO_SLOTS_MAX) {
			warnx("more than %d key slots in %s/%s; the rest are "
			    "ignored", REPO_SLOTS_MAX, r->path, dname);
			break;
		}
		if (keyslot_id_parse(de->d_name, sd->id[sd->n]) != 0) {
			warnx("%s/%s/%s: not a key slot name, ignored",
			    r->path, dname, de->d_name);
			continue;
		}
		sd->bytes[sd->n] = NULL;
		if (fsio_read(fd, de->d_name, SLOT_FILE_MAX, &sd->bytes[sd->n],
		    &sd->len[sd->n]) != 0) {
			warnx("key slot %s/%s/%s unreadable: %s", r->path,
			    dname, de->d_name, strerror(errno));
			sd->bytes[sd->n] = NULL;
		}
		sd->n++;
	}
	(void)closedir(d);
	return EXIT_OK;
}

/* Add a slot ${id} with ${p}, ${len} (taken) to ${r}, and its state. */
static void
slot_add(struct repo *r, const uint8_t id[SLOT_ID_BYTES], uint8_t *p,
    size_t len, unsigned bad)
{
	struct kh_slotfile *s = &r->slots[r->nslots];

	memcpy(s->id, id, SLOT_ID_BYTES);
	s->bytes = p;
	s->len = len;
	r->slotbad[r->nslots++] = bad;
}

/*
 * Format 2: keys/<id> and copy/keys/<id> make one slot.  Equal copies are
 * one; where one is unreadable or missing the other is used; where both
 * read but differ, keys/<id> is tried first and the copy after it
 * (slots_resolve decides).  A copy/keys/<id> whose keys/<id> is gone is
 * what an unfinished 'key remove' leaves (it removes keys/<id> first):
 * never used.  Only when keys/ cannot be read at all are the copies used.
 */
static void
slots_merge(struct repo *r, struct slotdir *p, int pok, struct slotdir *c)
{
	size_t i, n;
	ssize_t j;
	uint8_t *cb;

	for (i = 0; i < p->n && r->nslots < REPO_SLOTS_MAX; i++) {
		j = slotdir_find(c, p->id[i]);
		cb = j >= 0 ? c->bytes[j] : NULL;
		if (j >= 0)
			c->bytes[j] = NULL;
		n = r->nslots;
		if (p->bytes[i] != NULL && cb != NULL &&
		    (p->len[i] != c->len[j] ||
		    memcmp(p->bytes[i], cb, p->len[i]) != 0)) {
			r->alt[n].bytes = cb;
			r->alt[n].len = c->len[j];
			memcpy(r->alt[n].id, p->id[i], SLOT_ID_BYTES);
			slot_add(r, p->id[i], p->bytes[i], p->len[i],
			    REPO_BAD_DIFFER);
		} else if (p->bytes[i] != NULL) {
			slot_add(r, p->id[i], p->bytes[i], p->len[i],
			    cb != NULL ? 0 : REPO_BAD_COPY);
			free(cb);
		} else if (cb != NULL)
			slot_add(r, p->id[i], cb, c->len[j], REPO_BAD_FIRST);
		else
			continue;	/* both unreadable: said */
		p->bytes[i] = NULL;
	}
	for (i = 0; i < c->n; i++) {
		if (c->bytes[i] == NULL || slotdir_find(p, c->id[i]) >= 0)
			continue;
		if (pok && r->nstale < REPO_SLOTS_MAX)
			memcpy(r->stale[r->nstale++], c->id[i], SLOT_ID_BYTES);
		else if (!pok && r->nslots < REPO_SLOTS_MAX) {
			slot_add(r, c->id[i], c->bytes[i], c->len[i],
			    REPO_BAD_FIRST);
			c->bytes[i] = NULL;
		}
	}
}

/* Read the key slots: keys/ (format 1), or both copies (format 2). */
static int
load_slots(struct repo *r)
{
	struct slotdir *p, *c;
	int pok, cok, e = EXIT_OK;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	pok = r->keysfd >= 0 && slotdir_read(r, r->keysfd, REPO_KEYS_DIR, p) ==
	    EXIT_OK;
	cok = r->version == REPO_FORMAT && r->ckeysfd >= 0 &&
	    slotdir_read(r, r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR, c) ==
	    EXIT_OK;
	if (r->version == REPO_FORMAT_V1 && !pok)
		e = EXIT_ERR;
	else if (r->version == REPO_FORMAT_V1)
		slots_merge(r, p, 1, c);	/* c is empty */
	else
		slots_merge(r, p, pok, c);
	if (r->version == REPO_FORMAT_V1) {
		size_t i;

		for (i = 0; i < r->nslots; i++)
			r->slotbad[i] = 0;	/* format 1 has no copies */
	} else if (!cok)
		alertx("%s/%s/%s cannot be read: no key slot has its second "
		    "copy ('tacit repair metadata -r %s' makes them)", r->path,
		    REPO_COPY_DIR, REPO_KEYS_DIR, r->path);
	slotdir_free(p);
	slotdir_free(c);
	free(p);
	free(c);
	return e;
}

/*
 * After the unlock: which copy of each slot whose copies differ is good.
 * The one that opened is; otherwise one that does not decode, or whose
 * sealed metadata does not open, is not; if both pass, only the slot's
 * passphrase could tell (REPO_BAD_DIFFER stays).  The good bytes become
 * the slot's.  Each bad copy is then named.
 */
static void
slots_resolve(struct repo *r, size_t opened)
{
	struct kh_slotinfo info;
	struct keyslot ks;
	char why[160], hex[2 * SLOT_ID_BYTES + 1], a[64], b[64];
	const uint8_t *tmp;
	size_t i, tl;
	int pbad, cbad;

	for (i = 0; i < r->nslots; i++) {
		if (r->slotbad[i] == REPO_BAD_DIFFER) {
			if (opened == i)
				pbad = 0, cbad = 1;
			else if (opened == r->nslots + i)
				pbad = 1, cbad = 0;
			else {
				pbad = keyslot_decode(r->slots[i].bytes,
				    r->slots[i].len, &ks, why, sizeof(why)) !=
				    0 || kh_slot_info(r->kh, &r->slots[i],
				    &info) != 0;
				cbad = keyslot_decode(r->alt[i].bytes,
				    r->alt[i].len, &ks, why, sizeof(why)) !=
				    0 || kh_slot_info(r->kh, &r->alt[i],
				    &info) != 0;
			}
			if (pbad != cbad) {
				r->slotbad[i] = pbad ? REPO_BAD_FIRST :
				    REPO_BAD_COPY;
				if (pbad) {	/* the copy's bytes are good */
					tmp = r->slots[i].bytes;
					tl = r->slots[i].len;
					r->slots[i].bytes = r->alt[i].bytes;
					r->slots[i].len = r->alt[i].len;
					r->alt[i].bytes = tmp;
					r->alt[i].len = tl;
				}
				free((void *)(uintptr_t)r->alt[i].bytes);
				r->alt[i].bytes = NULL;
				r->alt[i].len = 0;
			}
		}
		keyslot_id_hex(r->slots[i].id, hex);
		(void)snprintf(a, sizeof(a), "%s/%s", REPO_KEYS_DIR, hex);
		(void)snprintf(b, sizeof(b), "%s/%s/%s", REPO_COPY_DIR,
		    REPO_KEYS_DIR, hex);
		if (r->slotbad[i] == REPO_BAD_FIRST)
			copy_lost(r, a, b);
		else if (r->slotbad[i] == REPO_BAD_COPY)
			copy_lost(r, b, a);
		else if (r->slotbad[i] == REPO_BAD_DIFFER)
			alertx("%s/%s and %s/%s differ and both look intact: "
			    "only the passphrase of key slot %s tells which "
			    "is good; unlock with it and run 'tacit repair "
			    "metadata -r %s'", r->path, a, r->path, b, hex,
			    r->path);
	}
	explicit_bzero(&ks, sizeof(ks));
	for (i = 0; i < r->nstale; i++) {
		keyslot_id_hex(r->stale[i], hex);
		alertx("%s/%s/%s/%s has no %s/%s: the rest of an unfinished "
		    "'tacit key remove', never used ('tacit repair metadata "
		    "-r %s' removes it)", r->path, REPO_COPY_DIR,
		    REPO_KEYS_DIR, hex, REPO_KEYS_DIR, hex, r->path);
	}
}

/* Open the sealed config ${p}, ${len} (the file ${name}) into r->cfg. */
static int
config_parse(struct repo *r, const char *name, const uint8_t *p,
    size_t len, int say)
{
	uint8_t pt[CONFIG_FILE_MAX];
	size_t plen;
	int e = EXIT_DAMAGED;

	if (kh_open(r->kh, OBJ_CONFIG, config_id, p, len, pt, sizeof(pt),
	    &plen) != 0) {
		if (say)
			errorx("%s/%s: authentication failed: the file is "
			    "damaged or was tampered with", r->path, name);
	} else if (config_decode(pt, plen, &r->cfg) != 0) {
		if (say)
			errorx("%s/%s: authentic but not a valid config",
			    r->path, name);
	} else {
		parity_use(r->cfg.parity_pct);
		e = EXIT_OK;
	}
	sodium_memzero(pt, sizeof(pt));	/* it may hold a chunker key */
	return e;
}

/* Read and open the config in ${fd} (-1: missing); the bytes to *${pp}. */
static int
config_load(struct repo *r, int fd, const char *name, int say,
    uint8_t **pp, size_t *lenp)
{
	int saved, e;

	*pp = NULL;
	if (fd < 0)
		return EXIT_DAMAGED;
	if (fsio_read(fd, REPO_CONFIG_NAME, CONFIG_FILE_MAX, pp, lenp) != 0) {
		saved = errno;
		*pp = NULL;
		if (say)
			errorx("cannot read %s/%s: %s", r->path, name,
			    strerror(saved));
		return saved == ENOENT || saved == EFBIG || saved == EINVAL ?
		    EXIT_DAMAGED : EXIT_ERR;
	}
	if ((e = config_parse(r, name, *pp, *lenp, say)) != EXIT_OK) {
		free(*pp);
		*pp = NULL;
	}
	return e;
}

/*
 * The config, from whichever copy opens (format 2: config first, then
 * copy/config); the one that does not is named.  With neither, the first
 * copy's fault is reported, as in format 1.
 */
static int
load_config(struct repo *r)
{
	uint8_t *p, *c = NULL;
	size_t plen, clen;
	int e, e2;

	e = config_load(r, r->dirfd, REPO_CONFIG_NAME,
	    r->version == REPO_FORMAT_V1, &p, &plen);
	if (r->version == REPO_FORMAT_V1) {
		r->cfgsealed = p;	/* repo_meta_upgrade copies it */
		r->cfglen = plen;
		return e;
	}
	e2 = config_load(r, r->copyfd, REPO_COPY_DIR "/" REPO_CONFIG_NAME, 0,
	    &c, &clen);
	if (e == EXIT_OK) {
		r->cfgsealed = p;
		r->cfglen = plen;
		if (e2 != EXIT_OK) {
			r->cfgbad = REPO_BAD_COPY;
			copy_lost(r, REPO_COPY_DIR "/" REPO_CONFIG_NAME,
			    REPO_CONFIG_NAME);
		}
		free(c);
		return EXIT_OK;
	}
	if (e2 == EXIT_OK) {
		r->cfgsealed = c;
		r->cfglen = clen;
		r->cfgbad = REPO_BAD_FIRST;
		copy_lost(r, REPO_CONFIG_NAME, REPO_COPY_DIR "/"
		    REPO_CONFIG_NAME);
		return EXIT_OK;
	}
	e = config_load(r, r->dirfd, REPO_CONFIG_NAME, 1, &p, &plen);
	free(p);
	return e == EXIT_OK ? EXIT_DAMAGED : e;
}

int
repo_unlock(struct repo *r, const struct pass_src *src)
{
	struct kh_slotfile try[REPO_SLOTS_MAX];
	char prompt[512];
	size_t i, n, opened = 0;
	int e;

	if ((e = load_slots(r)) != EXIT_OK)
		return e;
	if (r->nslots == 0) {
		errorx("%s has no key slots: it cannot be opened", r->path);
		return EXIT_DAMAGED;
	}
	/* Each slot once; then the other copy of those whose copies differ
	 * (the keyholder takes at most REPO_SLOTS_MAX). */
	memcpy(try, r->slots, r->nslots * sizeof(try[0]));
	n = r->nslots;
	for (i = 0; i < r->nslots; i++)
		if (r->alt[i].bytes != NULL && n < REPO_SLOTS_MAX)
			try[n++] = r->alt[i];
	(void)snprintf(prompt, sizeof(prompt),
	    "Passphrase for repository %s: ", r->path);
	switch (kh_unlock(r->kh, src, prompt, try, n, &opened)) {
	case KH_OK:
		break;
	case KH_EPASS:
		errorx("wrong passphrase: no key slot of %s opens with it",
		    r->path);
		return EXIT_PASS;
	case KH_ENOSLOT:
		errorx("no usable key slot in %s", r->path);
		return EXIT_DAMAGED;
	default:
		return EXIT_ERR;
	}
	/* An alternative copy stands for its slot. */
	r->current = opened;
	if (opened >= r->nslots)
		for (i = 0; i < r->nslots; i++)
			if (r->alt[i].bytes == try[opened].bytes) {
				r->current = i;
				opened = r->nslots + i;
				break;
			}
	slots_resolve(r, opened);
	return load_config(r);
}

int
repo_slot_write(struct repo *r, const uint8_t id[SLOT_ID_BYTES],
    const uint8_t *p, size_t len)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	int e;

	keyslot_id_hex(id, hex);
	if ((r->keysfd < 0 && (e = heal_dir(r, r->dirfd, REPO_KEYS_DIR,
	    &r->keysfd)) != EXIT_OK) ||
	    (e = put_file(r, r->keysfd, REPO_KEYS_DIR "/", hex, p, len, 0)) !=
	    EXIT_OK || r->version == REPO_FORMAT_V1)
		return e;
	/* A lost copy/ or copy/keys/ is made again: a new directory only. */
	if ((e = heal_dir(r, r->dirfd, REPO_COPY_DIR, &r->copyfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->copyfd, REPO_KEYS_DIR, &r->ckeysfd)) !=
	    EXIT_OK)
		return e;
	return put_file(r, r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR "/",
	    hex, p, len, 0);
}

/*
 * keys/<id> first: killed between the two, copy/keys/<id> is left alone,
 * which no reader uses (slots_merge) and the next key command or repair
 * removes.  The other order would leave keys/<id> alone, which looks like
 * a slot whose copy was lost, and would be copied back.
 */
int
repo_slot_remove(struct repo *r, size_t i)
{
	char hex[2 * SLOT_ID_BYTES + 1];

	keyslot_id_hex(r->slots[i].id, hex);
	if (r->keysfd >= 0 && fsio_unlink(r->keysfd, hex) != 0 &&
	    errno != ENOENT) {
		errorx("cannot remove key slot %s: %s", hex, strerror(errno));
		return EXIT_ERR;
	}
	if (r->version == REPO_FORMAT && r->ckeysfd >= 0 &&
	    fsio_unlink(r->ckeysfd, hex) != 0 && errno != ENOENT) {
		errorx("cannot remove the copy of key slot %s (%s/%s/%s/%s): %s; "
		    "it is never used, and 'tacit repair metadata -r %s' "
		    "removes it", hex, r->path, REPO_COPY_DIR, REPO_KEYS_DIR,
		    hex, strerror(errno), r->path);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

size_t
repo_meta_damage(const struct repo *r)
{
	size_t i, n = r->nstale;

	if (r->version == REPO_FORMAT_V1)
		return 0;
	n += (r->hdrbad != 0) + (r->cfgbad != 0);
	for (i = 0; i < r->nslots; i++)
		n += r->slotbad[i] != 0;
	return n;
}

/* Make (or open) the directory ${name} in ${fd} into *${fdp}. */
static int
heal_dir(struct repo *r, int fd, const char *name, int *fdp)
{
	if (*fdp >= 0)
		return EXIT_OK;
	if (fd < 0 || (*fdp = fsio_subdir(fd, name)) < 0) {
		errorx("cannot make %s/%s: %s", r->path, name,
		    strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/* Rewrite the bad copies of slot ${i} (or both, with ${all}). */
static int
heal_slot(struct repo *r, size_t i, int all)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	const struct kh_slotfile *s = &r->slots[i];
	int e = EXIT_OK;

	keyslot_id_hex(s->id, hex);
	if ((all || r->slotbad[i] == REPO_BAD_FIRST) && (e = put_file(r,
	    r->keysfd, REPO_KEYS_DIR "/", hex, s->bytes, s->len, 1)) !=
	    EXIT_OK)
		return e;
	if ((all || r->slotbad[i] == REPO_BAD_COPY) && (e = put_file(r,
	    r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR "/", hex, s->bytes,
	    s->len, 1)) != EXIT_OK)
		return e;
	if (r->slotbad[i] == REPO_BAD_FIRST || r->slotbad[i] == REPO_BAD_COPY)
		r->slotbad[i] = 0;
	return EXIT_OK;
}

/* Remove from copy/keys/ every slot that keys/ does not hold. */
static int
heal_stale(struct repo *r)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	size_t i;

	for (i = 0; i < r->nstale; i++) {
		keyslot_id_hex(r->stale[i], hex);
		if (fsio_unlink(r->ckeysfd, hex) != 0 && errno != ENOENT) {
			errorx("cannot remove %s/%s/%s/%s: %s", r->path,
			    REPO_COPY_DIR, REPO_KEYS_DIR, hex,
			    strerror(errno));
			return EXIT_ERR;
		}
	}
	r->nstale = 0;
	return EXIT_OK;
}

/* repo_meta_heal(r): see repo.h. */
int
repo_meta_heal(struct repo *r)
{
	uint8_t hdr[REPO_HEADER_BYTES];
	size_t i;
	int e;

	if (r->version == REPO_FORMAT_V1 || repo_meta_damage(r) == 0)
		return EXIT_OK;
	if ((e = heal_dir(r, r->dirfd, REPO_KEYS_DIR, &r->keysfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->dirfd, REPO_COPY_DIR, &r->copyfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->copyfd, REPO_KEYS_DIR, &r->ckeysfd)) !=
	    EXIT_OK || (e = heal_stale(r)) != EXIT_OK)
		return e;
	for (i = 0; i < r->nslots; i++)
		if (r->slotbad[i] != REPO_BAD_DIFFER &&
		    (e = heal_slot(r, i, 0)) != EXIT_OK)
			return e;
	if ((r->cfgbad & REPO_BAD_FIRST) && (e = put_file(r, r->dirfd, "",
	    REPO_CONFIG_NAME, r->cfgsealed, r->cfglen, 1)) != EXIT_OK)
		return e;
	if ((r->cfgbad & REPO_BAD_COPY) && (e = put_file(r, r->copyfd,
	    REPO_COPY_DIR "/", REPO_CONFIG_NAME, r->cfgsealed, r->cfglen, 1)) !=
	    EXIT_OK)
		return e;
	r->cfgbad = 0;
	header_build(r, hdr);
	if ((r->hdrbad & REPO_BAD_COPY) && (e = put_file(r, r->copyfd,
	    REPO_COPY_DIR "/", REPO_HEADER_NAME, hdr, sizeof(hdr), 1)) !=
	    EXIT_OK)
		return e;
	if ((r->hdrbad & REPO_BAD_FIRST) && (e = put_file(r, r->dirfd, "",
	    REPO_HEADER_NAME, hdr, sizeof(hdr), 1)) != EXIT_OK)
		return e;
	r->hdrbad = 0;
	return EXIT_OK;
}

/*
 * A format 1 repository made format 2: its slots and config read (by
 * repo_unlock), the copies are written, the header's copy and then the
 * header in format 2.  Until the header is written, a reader sees format
 * 1 and ignores copy/; a second run starts copy/keys/ afresh, so what an
 * older tacit's 'key remove' did meanwhile is not undone.
 */
int
repo_meta_upgrade(struct repo *r)
{
	struct slotdir *c;
	size_t i;
	int e;

	if (r->version != REPO_FORMAT_V1)
		return EXIT_OK;
	r->version = REPO_FORMAT;
	if ((e = heal_dir(r, r->dirfd, REPO_COPY_DIR, &r->copyfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->copyfd, REPO_KEYS_DIR, &r->ckeysfd)) !=
	    EXIT_OK)
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	e = slotdir_read(r, r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR, c);
	for (i = 0; e == EXIT_OK && i < c->n; i++)
		if (r->nstale < REPO_SLOTS_MAX)
			memcpy(r->stale[r->nstale++], c->id[i], SLOT_ID_BYTES);
	slotdir_free(c);
	free(c);
	if (e != EXIT_OK)
		goto out;
	for (i = 0; i < r->nslots; i++)
		r->slotbad[i] = REPO_BAD_COPY;
	r->hdrbad = REPO_BAD_FIRST | REPO_BAD_COPY;
	r->cfgbad = REPO_BAD_COPY;
	e = repo_meta_heal(r);
out:
	if (e != EXIT_OK)
		r->version = REPO_FORMAT_V1;
	return e;
}
