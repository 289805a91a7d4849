/*
 * lock.c: the repository lock (see lock.h): POSIX record locks on bytes 0
 * and 1 of REPO/lock, with a bounded wait.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

/* The lock file this process holds a lock on (lock_held_is), else 0;
 * the descriptor that took it and in which mode. */
static dev_t held_dev;
static ino_t held_ino;
static int held_fd = -1, held_mode;

/* ${fd} now holds this process's lock in ${mode}: remember its inode. */
static void
held(int fd, int mode)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		held_dev = st.st_dev;
		held_ino = st.st_ino;
		held_fd = fd;
		held_mode = mode;
	}
}

int
lock_held_is(dev_t dev, ino_t ino)
{
	return held_ino != 0 && dev == held_dev && ino == held_ino;
}

#define BYTE_ADD	0	/* exclusive: one writer that adds */
#define BYTE_READ	1	/* shared: everyone but a remover */

/* A record lock of ${type} on ${len} bytes from ${start}, no waiting. */
static int
setlk(int fd, short type, off_t start, off_t len, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = start;
	fl->l_len = len;
	return fcntl(fd, F_SETLK, fl);
}

/*
 * One try at ${mode}.  0 taken; -1 with errno (EAGAIN or EACCES: held)
 * and *${fl} the range refused.  An adder that gets byte 0 but not byte 1
 * (a remover holds it) lets byte 0 go again.
 */
static int
try_once(int fd, int mode, struct flock *fl)
{
	struct flock un;
	int e;

	switch (mode) {
	case REPO_LOCK_SHARED:
		return setlk(fd, F_RDLCK, BYTE_READ, 1, fl);
	case REPO_LOCK_ADD:
		if (setlk(fd, F_WRLCK, BYTE_ADD, 1, fl) != 0)
			return -1;
		if (setlk(fd, F_RDLCK, BYTE_READ, 1, fl) == 0)
			return 0;
		e = errno;
		(void)setlk(fd, F_UNLCK, BYTE_ADD, 1, &un);
		errno = e;
		return -1;
	default:
		return setlk(fd, F_WRLCK, BYTE_ADD, 2, fl);
	}
}

/*
 * Who holds the lock that refused ${fl}: F_GETLK gives the pid in our
 * pid namespace (0 if it is not visible here) and the range, which says
 * what the holder does.  A read lock on byte 1 is a reader's or an
 * adder's: an adder also holds byte 0.
 */
static void
holder(int fd, const struct flock *fl, struct lock_holder *who)
{
	struct flock q = *fl, q0;

	who->pid = 0;
	who->mode = -1;
	if (fcntl(fd, F_GETLK, &q) != 0 || q.l_type == F_UNLCK)
		return;
	who->pid = q.l_pid;
	if (q.l_type == F_WRLCK)
		who->mode = q.l_start <= BYTE_READ && (q.l_len == 0 ||
		    q.l_start + q.l_len > BYTE_READ) ? REPO_LOCK_EXCL :
		    REPO_LOCK_ADD;
	else {
		memset(&q0, 0, sizeof(q0));
		q0.l_type = F_WRLCK;
		q0.l_whence = SEEK_SET;
		q0.l_start = BYTE_ADD;
		q0.l_len = 1;
		who->mode = fcntl(fd, F_GETLK, &q0) == 0 &&
		    q0.l_type == F_WRLCK && q0.l_pid == q.l_pid ?
		    REPO_LOCK_ADD : REPO_LOCK_SHARED;
	}
}

int
lock_take(int dirfd, int mode, unsigned wait, int *fdp,
    struct lock_holder *who)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	unsigned tries = wait * 10;
	struct flock fl;
	struct stat st;
	int fd;

	*fdp = -1;
	/* A device node planted as the lock is not even opened (the worker
	 * opens it before its sandbox); the fstat after the open catches a
	 * swap in between. */
	if (fstatat(dirfd, LOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return LOCK_ERR;
	}
	/* Already ours in this mode or a stronger one (the worker took it
	 * before its sandbox): a copy of that descriptor, no new open, so
	 * a worker that may not open files for writing (forget) can take
	 * it again.  The locks are the process's either way. */
	if (held_fd >= 0 && held_mode >= mode &&
	    lock_held_is(st.st_dev, st.st_ino) &&
	    (fd = fcntl(held_fd, F_DUPFD_CLOEXEC, 0)) >= 0) {
		*fdp = fd;
		return LOCK_OK;
	}
	/* Read-only media: a reader may open the lock file read-only (a
	 * read lock needs read access, a write lock write access). */
	fd = openat(dirfd, LOCK_NAME, (mode == REPO_LOCK_SHARED ? O_RDONLY :
	    O_RDWR) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return LOCK_ERR;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		errno = EINVAL;
		return LOCK_ERR;
	}
	for (;;) {
		if (try_once(fd, mode, &fl) == 0) {
			held(fd, mode);
			*fdp = fd;
			return LOCK_OK;
		}
		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			(void)close(fd);
			return LOCK_ERR;
		}
		if (tries-- == 0)
			break;
		(void)nanosleep(&nap, NULL);
	}
	if (who != NULL)
		holder(fd, &fl, who);
	(void)close(fd);
	return LOCK_BUSY;
}

/* lock_create(dirfd, fdp, who): see lock.h. */
int
lock_create(int dirfd, int *fdp, struct lock_holder *who)
{
	struct flock fl;
	int fd, e;

	*fdp = -1;
	if ((fd = openat(dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600)) < 0)
		return LOCK_ERR;
	if (try_once(fd, REPO_LOCK_EXCL, &fl) == 0) {
		held(fd, REPO_LOCK_EXCL);
		*fdp = fd;
		return LOCK_OK;
	}
	e = errno;
	if (e == EAGAIN || e == EACCES) {
		/* Taken between our open and our lock (clear_leftovers of
		 * another init). */
		if (who != NULL)
			holder(fd, &fl, who);
		(void)close(fd);
		return LOCK_BUSY;
	}
	(void)close(fd);
	errno = e;
	return LOCK_ERR;
}

/* The command name of ${pid} (/proc/PID/comm), printable, or "". */
static void
comm_of(pid_t pid, char *out, size_t size)
{
	char path[40], buf[32];
	ssize_t n, i;
	size_t k = 0;
	int fd;

	out[0] = '\0';
	(void)snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	/* Any process may name itself: only printable ASCII is shown. */
	for (i = 0; i < n && buf[i] != '\n' && k + 1 < size; i++)
		out[k++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	out[k] = '\0';
}

const char *
lock_describe(const struct lock_holder *who, char *buf, size_t size)
{
	static const char *const doing[] = {
		[REPO_LOCK_SHARED] = "reading it",
		[REPO_LOCK_ADD] = "adding to it (a backup or a new key)",
		[REPO_LOCK_EXCL] = "removing or rewriting files in it",
	};
	const char *what = who->mode >= 0 && who->mode <= REPO_LOCK_EXCL ?
	    doing[who->mode] : "using it";
	char comm[32];

	if (who->pid <= 0) {
		/* Another pid namespace (a container), another host (NFS),
		 * or it let go as we looked. */
		(void)snprintf(buf, size, "a process whose pid is not "
		    "visible here, which is %s", what);
		return buf;
	}
	comm_of(who->pid, comm, sizeof(comm));
	if (comm[0] != '\0')
		(void)snprintf(buf, size, "pid %ld (%s), which is %s",
		    (long)who->pid, comm, what);
	else
		(void)snprintf(buf, size, "pid %ld, which is %s",
		    (long)who->pid, what);
	return buf;
}

int
lock_unsupported(int err)
{
	return err == ENOLCK || err == EOPNOTSUPP || err == ENOSYS;
}

void
lock_release(int fd)
{
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && lock_held_is(st.st_dev, st.st_ino))
		held_dev = 0, held_ino = 0, held_fd = -1; /* inode reusable */
	(void)close(fd);	/* closing drops the process's locks */
}
