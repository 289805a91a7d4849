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
	r->dirfd = r->keysfd = r->lockfd = -1;
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
	for (i = 0; i < r->nslots; i++)
		free((void *)(uintptr_t)r->slots[i].bytes);
	if (r->keysfd >= 0)
		(void)close(r->keysfd);
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
	r = fsync(fd);
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
	    strcmp(name, REPO_CONFIG_NAME) == 0 || strcmp(name, LOCK_NAME) == 0;
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
	return fsync(dirfd);
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
		if (strcmp(de->d_name, REPO_HEADER_NAME) == 0) {
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

/* A failed repo_create, which holds the lock: remove the lock file and
 * keys/ it made (keys/ first: a lock file alone is no leftover). */
static void
create_undo(int dirfd)
{
	(void)unlinkat(dirfd, REPO_KEYS_DIR, AT_REMOVEDIR);
	(void)unlinkat(dirfd, LOCK_NAME, 0);
}

int
repo_create(const char *path, struct repo **rp)
{
	struct lock_holder who;
	struct repo *r;
	struct stat st;
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
		else if (fstatat(r->dirfd, REPO_HEADER_NAME, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
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
	if ((r->kh = kh_new(r->id)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	config_default(&r->cfg);
	*rp = r;
	return EXIT_OK;
fail:
	repo_close(r);
	return ret;
}

int
repo_commit_init(struct repo *r)
{
	uint8_t pt[CONFIG_BYTES_MAX], sealed[256], hdr[REPO_HEADER_BYTES];
	size_t slen, n;
	struct wbuf w;

	n = config_encode(&r->cfg, pt);
	if (kh_seal(r->kh, OBJ_CONFIG, config_id, pt, n, sealed,
	    sizeof(sealed), &slen) != 0) {
		sodium_memzero(pt, sizeof(pt));
		errorx("cannot seal the config");
		return EXIT_ERR;
	}
	sodium_memzero(pt, sizeof(pt));	/* it may hold a chunker key */
	if (fsio_write_atomic(r->dirfd, REPO_CONFIG_NAME, sealed, slen) != 0) {
		errorx("cannot write %s/%s: %s", r->path, REPO_CONFIG_NAME,
		    strerror(errno));
		return EXIT_ERR;
	}
	wbuf_init(&w, hdr, sizeof(hdr));
	wbuf_put_bytes(&w, REPO_MAGIC, REPO_MAGIC_BYTES);
	wbuf_put_u32(&w, ENV_FORMAT);
	wbuf_put_bytes(&w, r->id, ENV_REPOID_BYTES);
	header_check(hdr, hdr + REPO_HEADER_BYTES - REPO_CHECK_BYTES);
	if (fsio_write_atomic(r->dirfd, REPO_HEADER_NAME, hdr, sizeof(hdr))
	    != 0) {
		errorx("cannot write %s/%s: %s", r->path, REPO_HEADER_NAME,
		    strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/* Check the header bytes; fills r->id.  Returns EXIT_* after a message. */
static int
header_parse(struct repo *r, const uint8_t *p, size_t len)
{
	uint8_t check[REPO_CHECK_BYTES];
	uint32_t version;

	if (len < REPO_MAGIC_BYTES ||
	    memcmp(p, REPO_MAGIC, REPO_MAGIC_BYTES) != 0) {
		errorx("%s is not a tacit repository (its header is not a "
		    "tacit header)", r->path);
		return EXIT_NOREPO;
	}
	if (len != REPO_HEADER_BYTES) {
		errorx("%s/%s is damaged (%zu bytes, not %d); restore it from "
		    "another copy of this repository", r->path,
		    REPO_HEADER_NAME, len, REPO_HEADER_BYTES);
		return EXIT_DAMAGED;
	}
	header_check(p, check);
	if (memcmp(check, p + REPO_HEADER_BYTES - REPO_CHECK_BYTES,
	    REPO_CHECK_BYTES) != 0) {
		errorx("%s/%s is damaged (checksum mismatch); restore it from "
		    "another copy of this repository", r->path,
		    REPO_HEADER_NAME);
		return EXIT_DAMAGED;
	}
	version = le32dec(p + REPO_MAGIC_BYTES);
	if (version != ENV_FORMAT) {
		errorx("%s uses repository format %u; this tacit reads format "
		    "%u only: use a tacit release that supports format %u",
		    r->path, version, ENV_FORMAT, version);
		return EXIT_VERSION;
	}
	memcpy(r->id, p + REPO_MAGIC_BYTES + 4, ENV_REPOID_BYTES);
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

int
repo_open(const char *path, struct repo **rp)
{
	struct repo *r;
	uint8_t *hdr = NULL;
	size_t len;
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
	if (fsio_read(r->dirfd, REPO_HEADER_NAME, 4096, &hdr, &len) != 0) {
		if (errno == ENOENT)
			errorx("%s is not a tacit repository (no %s file); "
			    "create one with 'tacit init -r %s'", path,
			    REPO_HEADER_NAME, path);
		else if (errno == EACCES) {
			denied(path);
			e = EXIT_ERR;
		} else if (errno == EFBIG || errno == EINVAL) {
			errorx("%s/%s is damaged (not a %d-byte file)", path,
			    REPO_HEADER_NAME, REPO_HEADER_BYTES);
			e = EXIT_DAMAGED;
		} else {
			errorx("cannot read %s/%s: %s", path,
			    REPO_HEADER_NAME, strerror(errno));
			e = EXIT_ERR;
		}
		goto fail;
	}
	if ((e = header_parse(r, hdr, len)) != EXIT_OK)
		goto fail;
	if ((r->keysfd = fsio_open(r->dirfd, REPO_KEYS_DIR,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		errorx("%s/%s: %s", path, REPO_KEYS_DIR, strerror(errno));
		e = EXIT_DAMAGED;
		goto fail;
	}
	if ((r->kh = kh_new(r->id)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	free(hdr);
	*rp = r;
	return EXIT_OK;
fail:
	free(hdr);
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
		if (errno == EINVAL)
			errorx("cannot lock %s: %s/%s is not a regular file",
			    r->path, r->path, LOCK_NAME);
		else
			errorx("cannot lock %s: %s", r->path, strerror(errno));
		return EXIT_ERR;
	}
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

/* Read every keys/<16hex> file; anything else is reported and ignored. */
static int
load_slots(struct repo *r)
{
	struct dirent *de;
	struct kh_slotfile *s;
	uint8_t *p;
	size_t len;
	DIR *d;
	int dfd;

	if ((dfd = dup(r->keysfd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		errorx("cannot read %s/%s: %s", r->path, REPO_KEYS_DIR,
		    strerror(errno));
		return EXIT_ERR;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;	/* ., .. and leftover temporaries */
		if (r->nslots == REPO_SLOTS_MAX) {
			warnx("more than %d key slots; the rest are ignored",
			    REPO_SLOTS_MAX);
			break;
		}
		s = &r->slots[r->nslots];
		if (keyslot_id_parse(de->d_name, s->id) != 0) {
			warnx("%s/%s/%s: not a key slot name, ignored",
			    r->path, REPO_KEYS_DIR, de->d_name);
			continue;
		}
		if (fsio_read(r->keysfd, de->d_name, SLOT_FILE_MAX, &p,
		    &len) != 0) {
			warnx("key slot %s unreadable: %s", de->d_name,
			    strerror(errno));
			continue;
		}
		s->bytes = p;
		s->len = len;
		r->nslots++;
	}
	(void)closedir(d);
	return EXIT_OK;
}

static int
load_config(struct repo *r)
{
	uint8_t *sealed = NULL, pt[CONFIG_FILE_MAX];
	size_t slen, len;
	int e = EXIT_DAMAGED;

	if (fsio_read(r->dirfd, REPO_CONFIG_NAME, CONFIG_FILE_MAX, &sealed,
	    &slen) != 0) {
		int saved = errno;

		errorx("cannot read %s/%s: %s", r->path, REPO_CONFIG_NAME,
		    strerror(saved));
		return saved == ENOENT || saved == EFBIG || saved == EINVAL ?
		    EXIT_DAMAGED : EXIT_ERR;
	}
	if (kh_open(r->kh, OBJ_CONFIG, config_id, sealed, slen, pt,
	    sizeof(pt), &len) != 0)
		errorx("%s/%s: authentication failed: the file is damaged or "
		    "was tampered with", r->path, REPO_CONFIG_NAME);
	else if (config_decode(pt, len, &r->cfg) != 0)
		errorx("%s/%s: authentic but not a valid config", r->path,
		    REPO_CONFIG_NAME);
	else
		e = EXIT_OK;
	sodium_memzero(pt, sizeof(pt));
	free(sealed);
	return e;
}

int
repo_unlock(struct repo *r, const struct pass_src *src)
{
	char prompt[512];
	int e;

	if ((e = load_slots(r)) != EXIT_OK)
		return e;
	if (r->nslots == 0) {
		errorx("%s has no key slots: it cannot be opened", r->path);
		return EXIT_DAMAGED;
	}
	(void)snprintf(prompt, sizeof(prompt),
	    "Passphrase for repository %s: ", r->path);
	switch (kh_unlock(r->kh, src, prompt, r->slots, r->nslots,
	    &r->current)) {
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
	return load_config(r);
}

int
repo_slot_write(struct repo *r, const uint8_t id[SLOT_ID_BYTES],
    const uint8_t *p, size_t len)
{
	char hex[2 * SLOT_ID_BYTES + 1];

	keyslot_id_hex(id, hex);
	if (fsio_write_atomic(r->keysfd, hex, p, len) != 0) {
		errorx("cannot write key slot %s/%s/%s: %s", r->path,
		    REPO_KEYS_DIR, hex, strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int
repo_slot_remove(struct repo *r, size_t i)
{
	char hex[2 * SLOT_ID_BYTES + 1];

	keyslot_id_hex(r->slots[i].id, hex);
	if (fsio_unlink(r->keysfd, hex) != 0) {
		errorx("cannot remove key slot %s: %s", hex, strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}
