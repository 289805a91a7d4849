/*
 * lock.c: flock-based repository lock with a bounded wait.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

int
lock_take(int dirfd, int mode, unsigned wait, int *fdp)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	unsigned tries = wait * 10;
	int fd, op;

	*fdp = -1;
	/* Read-only media: a reader may open the lock file read-only. */
	fd = openat(dirfd, LOCK_NAME, (mode == REPO_LOCK_EXCL ? O_RDWR : O_RDONLY) |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return LOCK_ERR;
	op = (mode == REPO_LOCK_EXCL ? LOCK_EX : LOCK_SH) | LOCK_NB;
	for (;;) {
		if (flock(fd, op) == 0) {
			*fdp = fd;
			return LOCK_OK;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			(void)close(fd);
			return LOCK_ERR;
		}
		if (tries-- == 0)
			break;
		(void)nanosleep(&nap, NULL);
	}
	(void)close(fd);
	return LOCK_BUSY;
}

void
lock_release(int fd)
{
	if (fd >= 0)
		(void)close(fd);	/* closing drops the flock */
}
