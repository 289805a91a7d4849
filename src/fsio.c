/*
 * fsio.c: atomic, durable writes and bounded reads.
 */
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsio.h"

static struct fsio_failure first;	/* guarded by first_set */
static int first_set;
static uint64_t written_bytes;		/* atomic */
static unsigned fallbacks;		/* atomic: FSIO_FB_* used */

/* Remember that the fallback ${fb} was taken (fsio_fallbacks). */
static void
fell_back(unsigned fb)
{
	__atomic_or_fetch(&fallbacks, fb, __ATOMIC_RELAXED);
}

unsigned
fsio_fallbacks(void)
{
	return __atomic_load_n(&fallbacks, __ATOMIC_RELAXED);
}

int
fsio_dirsync(int dirfd)
{
	if (fsync(dirfd) == 0)
		return 0;
	/* Some network and FUSE file systems cannot sync a directory
	 * (EINVAL, EOPNOTSUPP, ENOSYS): the entry's durability is theirs. */
	if (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS) {
		fell_back(FSIO_FB_DIRSYNC);
		return 0;
	}
	return -1;
}

/*
 * Remember the first failed write (the store threads and the packer may
 * fail at once; the first one is the cause) and the free space then.
 * Keeps errno.
 */
static void
failed(int dirfd, const char *call, int placed)
{
	struct statfs sf;
	int e = errno;

	if (__atomic_exchange_n(&first_set, 1, __ATOMIC_ACQ_REL) == 0) {
		first.call = call;
		first.placed = placed;
		first.avail = fstatfs(dirfd, &sf) == 0 ?
		    (uint64_t)sf.f_bavail * (uint64_t)sf.f_bsize : UINT64_MAX;
		__atomic_store_n(&first.err, e, __ATOMIC_RELEASE);
	}
	errno = e;
}

int
fsio_failed(struct fsio_failure *f)
{
	if (__atomic_load_n(&first.err, __ATOMIC_ACQUIRE) == 0)
		return 0;
	*f = first;
	return 1;
}

uint64_t
fsio_written_bytes(void)
{
	return __atomic_load_n(&written_bytes, __ATOMIC_RELAXED);
}

int
fsio_subdir(int dirfd, const char *name)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST) {
		failed(dirfd, "mkdir", 0);
		return -1;
	}
	if (fsio_dirsync(dirfd) != 0) {
		failed(dirfd, "fsync", 0);
		return -1;
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		failed(dirfd, "open", 0);
	return fd;
}

int
fsio_write_all(int fd, const void *p, size_t len)
{
	const uint8_t *q = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, q, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		q += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Move ${tmp} to ${name} without replacing an existing ${name}.  Some file
 * systems (older FAT drivers) lack RENAME_NOREPLACE; there a check first is
 * the best we can do, and the repository lock keeps writers apart.
 */
static int
rename_noreplace(int dirfd, const char *tmp, const char *name)
{
	struct stat st;

	if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	fell_back(FSIO_FB_NOREPLACE);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dirfd, tmp, dirfd, name);
}

/*
 * Write ${len} bytes of ${p} (aligned to FSIO_DIRECT_ALIGN) to the new file
 * ${fd}, opened with O_DIRECT: the whole blocks straight from ${p}, the
 * rest after O_DIRECT is cleared.  A file system that takes O_DIRECT at
 * open but not at write (EINVAL) gets everything written the usual way.
 */
static int
write_direct(int fd, const uint8_t *p, size_t len)
{
	size_t head = len & ~(size_t)(FSIO_DIRECT_ALIGN - 1), off = 0;
	ssize_t n;
	int fl;

	while (off < head) {
		n = write(fd, p + off, head - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && off == 0) {
			head = 0;	/* not here after all: nothing written */
			fell_back(FSIO_FB_NODIRECT);
			break;
		}
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)n;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_DIRECT) != 0)
		return -1;
	return fsio_write_all(fd, p + head, len - head);
}

/*
 * Write ${p} to a new temporary file in ${dirfd} (with O_DIRECT if
 * ${direct} and the file system takes it), fsync it, rename it to
 * ${name} without replacing anything, and fsync the directory.
 */
static int
write_atomic(int dirfd, const char *name, const void *p, size_t len,
    int direct, int replace)
{
	uint8_t rnd[8];
	char tmp[64], hex[17];
	const char *call = "write";
	int fd, saved, r, counted = 0;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	(void)snprintf(tmp, sizeof(tmp), "%s%s", FSIO_TMP_PREFIX, hex);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
	if (fd < 0 && direct && errno == EINVAL) {
		direct = 0;		/* no O_DIRECT here (older tmpfs) */
		fell_back(FSIO_FB_NODIRECT);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		failed(dirfd, "create", 0);
		return -1;
	}
	r = direct ? write_direct(fd, p, len) : fsio_write_all(fd, p, len);
	if (r != 0)
		goto fail;
	__atomic_add_fetch(&written_bytes, len, __ATOMIC_RELAXED);
	counted = 1;
	if ((call = "fsync", fsync(fd)) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	call = "rename";
	if ((replace ? renameat(dirfd, tmp, dirfd, name) :
	    rename_noreplace(dirfd, tmp, name)) != 0)
		goto fail;
	if (fsio_dirsync(dirfd) != 0) {
		/* renamed: the object exists, not yet durable */
		failed(dirfd, "fsync", 1);
		return -1;
	}
	return 0;
fail:
	if (errno != EEXIST)	/* a name taken is no write failure */
		failed(dirfd, call, 0);
	saved = errno;
	if (fd >= 0)
		(void)close(fd);
	if (unlinkat(dirfd, tmp, 0) == 0 && counted)
		__atomic_sub_fetch(&written_bytes, len, __ATOMIC_RELAXED);
	errno = saved;
	return -1;
}

int
fsio_write_atomic(int dirfd, const char *name, const void *p, size_t len)
{
	return write_atomic(dirfd, name, p, len, 0, 0);
}

int
fsio_replace_atomic(int dirfd, const char *name, const void *p, size_t len)
{
	return write_atomic(dirfd, name, p, len, 0, 1);
}

int
fsio_write_atomic_direct(int dirfd, const char *name, const void *p,
    size_t len)
{
	return write_atomic(dirfd, name, p, len,
	    ((uintptr_t)p & (FSIO_DIRECT_ALIGN - 1)) == 0, 0);
}

int
fsio_open(int dirfd, const char *path, int flags)
{
	int fd;

	fd = openat(dirfd, path, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, path, flags);	/* not ours: atime moves */
	return fd;
}

int
fsio_open_reg(int dirfd, const char *name, size_t max, size_t *sizep)
{
	struct stat st;
	int fd, saved;

	/* O_NONBLOCK: a FIFO planted in the repository must not hang us. */
	if ((fd = fsio_open(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		errno = EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	*sizep = (size_t)st.st_size;
	return fd;
fail:
	saved = errno;
	(void)close(fd);
	errno = saved;
	return -1;
}

int
fsio_read(int dirfd, const char *name, size_t max, uint8_t **pp,
    size_t *lenp)
{
	uint8_t *p = NULL;
	size_t off = 0, size;
	ssize_t n;
	int fd, saved;

	if ((fd = fsio_open_reg(dirfd, name, max, &size)) < 0)
		return -1;
	if ((p = malloc(size + 1)) == NULL)
		goto fail;
	while (off < size) {
		n = read(fd, p + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0) {		/* shrank under us */
			errno = EIO;
			goto fail;
		}
		off += (size_t)n;
	}
	(void)close(fd);
	*pp = p;
	*lenp = off;
	return 0;
fail:
	saved = errno;
	free(p);
	(void)close(fd);
	errno = saved;
	return -1;
}

int
fsio_unlink(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) != 0)
		return -1;
	if (fsio_dirsync(dirfd) != 0) {
		failed(dirfd, "fsync", 0);
		return -1;
	}
	return 0;
}
