/*
 * repo.c: create, open and lock a repository (its metadata copies, the
 * key slots and the unlock: repo_meta.c).
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
#include "repo.h"
#include "repo_meta.h"


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
void
repo_header_build(const struct repo *r, uint8_t hdr[REPO_HEADER_BYTES])
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
int
repo_put_file(struct repo *r, int fd, const char *dname, const char *name,
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
	if (kh_seal(r->kh, OBJ_CONFIG, repo_config_id, pt, ptlen, sealed,
	    sizeof(sealed), &slen) != 0) {
		sodium_memzero(pt, sizeof(pt));
		errorx("cannot seal the config");
		return EXIT_ERR;
	}
	sodium_memzero(pt, sizeof(pt));	/* it may hold a chunker key */
	repo_header_build(r, hdr);
	if ((e = repo_put_file(r, r->dirfd, "", REPO_CONFIG_NAME, sealed,
	    slen, 0)) != EXIT_OK ||
	    (e = repo_put_file(r, r->copyfd, REPO_COPY_DIR "/",
	    REPO_CONFIG_NAME, sealed, slen, 0)) != EXIT_OK ||
	    (e = repo_put_file(r, r->copyfd, REPO_COPY_DIR "/",
	    REPO_HEADER_NAME, hdr, sizeof(hdr), 0)) != EXIT_OK)
		return e;
	return repo_put_file(r, r->dirfd, "", REPO_HEADER_NAME, hdr,
	    sizeof(hdr), 0);
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
int
repo_header_read(struct repo *r, int fd, const char *dname, int say,
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
	e = repo_header_read(r, r->dirfd, "", 0, r->id, &r->version);
	if (!(e == EXIT_OK && r->version == REPO_FORMAT_V1) &&
	    (e = repo_header_copy(r, e)) != EXIT_OK) {
		/* No good copy: the first one's fault, as format 1 says. */
		(void)repo_header_read(r, r->dirfd, "", 1, id, &v);
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
