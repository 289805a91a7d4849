/*
 * fsio.h: repository file I/O.  Objects are written once, atomically:
 * a temporary name in the same directory, fsync, rename without replacing,
 * fsync of the directory.  Nothing is ever rewritten in place.
 */
#ifndef TACIT_FSIO_H
#define TACIT_FSIO_H

#include <stddef.h>
#include <stdint.h>

#define FSIO_TMP_PREFIX	".tmp-"

/*
 * fsio_write_atomic(dirfd, name, p, len): create ${name} in ${dirfd} holding
 * ${len} bytes of ${p}, durably.  Fails with EEXIST if ${name} exists.  On
 * any failure the temporary file is removed and errno says why; -1.
 */
int fsio_write_atomic(int, const char *, const void *, size_t)
    __attribute__((warn_unused_result));

/*
 * fsio_replace_atomic(dirfd, name, p, len): the same, but a ${name} that
 * exists is replaced by the rename, atomically: a crash leaves the old
 * file or the new one, never a mix, and nothing is written in place.  For
 * the copies of the header, config and key slots (repo.h), whose other
 * copy is good, and for repair data, whose old file stays whole until
 * the new one is durable.
 */
int fsio_replace_atomic(int, const char *, const void *, size_t)
    __attribute__((warn_unused_result));

/*
 * fsio_write_atomic_direct(dirfd, name, p, len): the same, written with
 * O_DIRECT where the file system allows it, so the bytes are not copied
 * into the page cache (packs: the copy was a sixth of a backup's CPU, and
 * a large backup no longer pushes the live system's own files, on a live
 * USB system its RAM disk, out of memory).  ${p} should be aligned to
 * FSIO_DIRECT_ALIGN; otherwise, or where O_DIRECT is refused, the write
 * is the usual one.
 */
#define FSIO_DIRECT_ALIGN	4096
int fsio_write_atomic_direct(int, const char *, const void *, size_t)
    __attribute__((warn_unused_result));

/*
 * What a file system lacked, and what fsio did instead (fsio_fallbacks):
 * RENAME_NOREPLACE refused (FUSE file systems such as bindfs and sshfs,
 * older FAT drivers): the name is checked free first, and the repository
 * lock keeps writers apart; O_DIRECT refused: the usual write; a
 * directory's fsync refused (EINVAL, EOPNOTSUPP, ENOSYS: some network
 * and FUSE file systems): a new or removed entry is as durable as that
 * file system makes it.
 */
#define FSIO_FB_NOREPLACE	1
#define FSIO_FB_NODIRECT	2
#define FSIO_FB_DIRSYNC		4
unsigned fsio_fallbacks(void);

/*
 * fsio_dirsync(dirfd): fsync the directory ${dirfd}; a file system that
 * cannot (EINVAL, EOPNOTSUPP, ENOSYS) counts as done (FSIO_FB_DIRSYNC).
 * Returns 0, or -1 with errno.
 */
int fsio_dirsync(int);

/*
 * fsio_read(dirfd, name, max, p, lenp): read all of ${name} (at most ${max}
 * bytes, else EFBIG) into new memory *${p}, length *${lenp}.  Does not follow
 * a symlink in the last component.  Returns 0, or -1 with errno set.
 */
int fsio_read(int, const char *, size_t, uint8_t **, size_t *)
    __attribute__((warn_unused_result));

/*
 * fsio_open_reg(dirfd, name, max, sizep): open ${name} in ${dirfd} for
 * reading (not following a symlink, not blocking on a FIFO), a regular
 * file (else EINVAL) of at most ${max} bytes (else EFBIG), its size into
 * *${sizep}.  The descriptor, or -1 with errno.
 */
int fsio_open_reg(int, const char *, size_t, size_t *)
    __attribute__((warn_unused_result));

/*
 * fsio_subdir(dirfd, name): open the directory ${name} in ${dirfd}, made
 * (mode 0700) if missing, after an fsync of ${dirfd}.  The fsync comes
 * whether or not this call made it: a run that made it and then failed or
 * lost power before the fsync leaves a directory entry that nothing else
 * would make durable.  Returns the descriptor, or -1 with errno set.
 */
int fsio_subdir(int, const char *) __attribute__((warn_unused_result));

/*
 * fsio_open(dirfd, path, flags): openat(${dirfd}, ${path}, ${flags}) with
 * O_NOATIME, so reading the repository leaves its access times as they
 * were (they would tell when it was read, and which packs a restore
 * needed).  O_NOATIME needs the file's owner or CAP_FOWNER; on EPERM the
 * file is opened without it and its access time moves.  Only for reading.
 */
int fsio_open(int, const char *, int);

/* fsio_unlink(dirfd, name): remove ${name} and fsync ${dirfd}. 0 or -1. */
int fsio_unlink(int, const char *) __attribute__((warn_unused_result));

/*
 * The first write to the repository that failed in this process, for the
 * one message that explains a failed run (a full disk is not a source
 * file's fault): its errno, the call ("write", "fsync", "rename",
 * "mkdir", "create"), whether the object was already in place (only its
 * directory's fsync failed), and the space left for an unprivileged
 * writer then (UINT64_MAX if fstatfs failed).  Set by the calls above.
 */
struct fsio_failure {
	int		 err;		/* 0: nothing failed */
	int		 placed;
	const char	*call;
	uint64_t	 avail;
};

/* fsio_failed(f): copy the first failure into ${f}; 1 if there was one. */
int fsio_failed(struct fsio_failure *);

/*
 * fsio_written_bytes(): bytes of the objects this process wrote and did
 * not remove again: in place, or in a temporary file that an interrupted
 * run leaves.  Async-signal-safe: an interrupted or failed backup says
 * how much it leaves behind.
 */
uint64_t fsio_written_bytes(void);

/* fsio_write_all(fd, p, len): write every byte, retrying on EINTR. 0/-1. */
int fsio_write_all(int, const void *, size_t)
    __attribute__((warn_unused_result));

#endif
