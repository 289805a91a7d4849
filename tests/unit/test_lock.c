/*
 * test_lock.c: the repository lock.  Exclusive excludes everyone, shared
 * excludes writers only, a bounded wait gives up, and the lock of a process
 * killed with SIGKILL (a stale lock) is free again at once.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "t.h"

/* Fork a child that takes the lock in ${mode} and sleeps; wait for it. */
static pid_t
holder(int dirfd, int mode)
{
	int p[2], fd;
	pid_t pid;
	char c;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		if (lock_take(dirfd, mode, 0, &fd) != LOCK_OK)
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static void
kill_holder(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	char dir[] = "/dev/shm/tacit-lock-XXXXXX";
	struct timespec t0, t1;
	int dfd, fd, fd2, r;
	pid_t pid;

	t_init();
	/* Test scratch on a tmpfs the test removes; tacit itself never does. */
	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY))
	    < 0 || (fd = openat(dfd, LOCK_NAME, O_CREAT | O_RDWR, 0600)) < 0) {
		printf("not ok - scratch directory\n");
		return 1;
	}
	close(fd);

	pid = holder(dfd, REPO_LOCK_EXCL);
	T(pid > 0, "child holds the exclusive lock");
	T(lock_take(dfd, REPO_LOCK_EXCL, 0, &fd) == LOCK_BUSY,
	    "second writer: busy");
	T(lock_take(dfd, REPO_LOCK_SHARED, 0, &fd) == LOCK_BUSY,
	    "reader while a writer holds it: busy");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = lock_take(dfd, REPO_LOCK_EXCL, 1, &fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T(r == LOCK_BUSY && t1.tv_sec - t0.tv_sec >= 1 &&
	    t1.tv_sec - t0.tv_sec < 5, "--lock-wait 1 waits about a second");
	kill_holder(pid);
	T(lock_take(dfd, REPO_LOCK_EXCL, 0, &fd) == LOCK_OK,
	    "lock of a SIGKILLed holder is free at once (stale lock)");
	lock_release(fd);

	pid = holder(dfd, REPO_LOCK_SHARED);
	T(lock_take(dfd, REPO_LOCK_SHARED, 0, &fd) == LOCK_OK,
	    "two readers share the lock");
	T(lock_take(dfd, REPO_LOCK_EXCL, 0, &fd2) == LOCK_BUSY,
	    "writer while readers hold it: busy");
	lock_release(fd);
	kill_holder(pid);
	T(lock_take(dfd, REPO_LOCK_EXCL, 0, &fd) == LOCK_OK,
	    "writer after the readers left");
	lock_release(fd);
	unlinkat(dfd, LOCK_NAME, 0);
	T(lock_take(dfd, REPO_LOCK_EXCL, 0, &fd) == LOCK_ERR,
	    "missing lock file is an error, not a silent success");
	close(dfd);
	rmdir(dir);
	return t_exit();
}
