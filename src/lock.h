/*
 * lock.h: the repository lock.
 *
 * flock(2) on REPO/lock: shared for readers, exclusive for writers.  The
 * kernel drops the lock when its holder dies, so a stale lock from a killed
 * process is recognised by construction and never needs manual removal.
 * The lock file holds no bytes: no host name, no pid, nothing to read.
 */
#ifndef TACIT_LOCK_H
#define TACIT_LOCK_H

#define LOCK_NAME	"lock"

#define REPO_LOCK_SHARED	0
#define REPO_LOCK_EXCL	1

#define LOCK_OK		0
#define LOCK_ERR	-1	/* errno set */
#define LOCK_BUSY	-2	/* held by another process past the wait */

/*
 * lock_take(dirfd, mode, wait, fdp): take the lock of the repository open
 * at ${dirfd} in ${mode}, waiting up to ${wait} seconds; *${fdp} holds it
 * until lock_release.  Returns LOCK_OK, LOCK_BUSY or LOCK_ERR.
 */
int lock_take(int, int, unsigned, int *) __attribute__((warn_unused_result));

/* lock_release(fd): drop the lock held by ${fd}; -1 is a no-op. */
void lock_release(int);

#endif
