/*
 * test_lock.c: the repository lock.  Exclusive (a remover) excludes
 * everyone; an adder excludes writers but not readers; shared excludes
 * removers only; a refusal names the holder's pid and mode; a bounded wait
 * gives up, and the lock of a process killed with SIGKILL (a stale lock)
 * is free again at once.  The parent holds no lock while it tries
 * another: record locks belong to the process, and closing a refused
 * descriptor would drop them.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
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
		if (lock_take(dirfd, mode, 0, &fd, NULL) != LOCK_OK)
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

/* Can we take ${mode} now?  Released again at once. */
static int
can(int dfd, int mode, struct lock_holder *who)
{
	int fd, r = lock_take(dfd, mode, 0, &fd, who);

	lock_release(fd);
	return r;
}

int
main(void)
{
	char dir[] = "/dev/shm/tacit-lock-XXXXXX", buf[160], want[96], comm[32];
	struct lock_holder who;
	struct timespec t0, t1;
	int dfd, fd, r;
	pid_t pid;
	FILE *cf;

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
	T(can(dfd, REPO_LOCK_EXCL, &who) == LOCK_BUSY && who.pid == pid &&
	    who.mode == REPO_LOCK_EXCL, "second remover: busy, names the "
	    "holder and its mode");
	T(can(dfd, REPO_LOCK_ADD, &who) == LOCK_BUSY && who.pid == pid,
	    "adder while a remover holds it: busy");
	T(can(dfd, REPO_LOCK_SHARED, &who) == LOCK_BUSY && who.pid == pid,
	    "reader while a remover holds it: busy");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = lock_take(dfd, REPO_LOCK_EXCL, 1, &fd, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T(r == LOCK_BUSY && t1.tv_sec - t0.tv_sec >= 1 &&
	    t1.tv_sec - t0.tv_sec < 5, "--lock-wait 1 waits about a second");
	kill_holder(pid);
	T(can(dfd, REPO_LOCK_EXCL, NULL) == LOCK_OK,
	    "lock of a SIGKILLed holder is free at once (stale lock)");

	pid = holder(dfd, REPO_LOCK_ADD);
	T(pid > 0, "child holds the adder's lock");
	T(can(dfd, REPO_LOCK_SHARED, NULL) == LOCK_OK,
	    "a reader beside an adder (a backup)");
	T(can(dfd, REPO_LOCK_ADD, &who) == LOCK_BUSY && who.pid == pid &&
	    who.mode == REPO_LOCK_ADD, "second adder: busy, names it an adder");
	T(can(dfd, REPO_LOCK_EXCL, &who) == LOCK_BUSY && who.pid == pid &&
	    who.mode == REPO_LOCK_ADD, "remover while an adder holds it: busy");
	kill_holder(pid);

	pid = holder(dfd, REPO_LOCK_SHARED);
	T(can(dfd, REPO_LOCK_SHARED, NULL) == LOCK_OK,
	    "two readers share the lock");
	T(can(dfd, REPO_LOCK_ADD, NULL) == LOCK_OK,
	    "an adder beside a reader");
	T(can(dfd, REPO_LOCK_EXCL, &who) == LOCK_BUSY && who.pid == pid &&
	    who.mode == REPO_LOCK_SHARED, "remover while a reader holds it: "
	    "busy, names it a reader");
	kill_holder(pid);
	T(can(dfd, REPO_LOCK_EXCL, NULL) == LOCK_OK,
	    "remover after the readers left");

	/* Taken again in this process (the worker, after its early lock):
	 * a copy of the descriptor that holds it (one open file
	 * description: the offset is shared), not a new open, so a worker
	 * that may not open for writing (forget) can; a stronger mode than
	 * the one held opens anew. */
	{
		int a, b, c;

		T(lock_take(dfd, REPO_LOCK_EXCL, 0, &a, NULL) == LOCK_OK &&
		    lock_take(dfd, REPO_LOCK_EXCL, 0, &b, NULL) == LOCK_OK &&
		    lseek(a, 7, SEEK_SET) == 7 && lseek(b, 0, SEEK_CUR) == 7 &&
		    (fcntl(b, F_GETFD) & FD_CLOEXEC),
		    "the lock taken again: a copy of the holding descriptor");
		T(lock_take(dfd, REPO_LOCK_SHARED, 0, &c, NULL) == LOCK_OK &&
		    lseek(c, 0, SEEK_CUR) == 7, "a weaker mode: a copy too");
		lock_release(c);
		lock_release(b);
		lock_release(a);
		T(lock_take(dfd, REPO_LOCK_SHARED, 0, &a, NULL) == LOCK_OK &&
		    lock_take(dfd, REPO_LOCK_EXCL, 0, &b, NULL) == LOCK_OK &&
		    lseek(a, 3, SEEK_SET) == 3 && lseek(b, 0, SEEK_CUR) == 0,
		    "a stronger mode than the one held: a new open");
		lock_release(b);
		lock_release(a);
	}

	who.pid = getpid();
	who.mode = REPO_LOCK_ADD;
	/* Our own name, as the kernel has it (under valgrind it is not
	 * test_lock but the tool's). */
	comm[0] = '\0';
	if ((cf = fopen("/proc/self/comm", "r")) != NULL) {
		if (fgets(comm, sizeof(comm), cf) == NULL)
			comm[0] = '\0';
		(void)fclose(cf);
	}
	comm[strcspn(comm, "\n")] = '\0';
	(void)snprintf(want, sizeof(want), "pid %ld (%s), which is "
	    "adding", (long)getpid(), comm);
	T(strstr(lock_describe(&who, buf, sizeof(buf)), want) != NULL,
	    "the description names pid and command (/proc/PID/comm)");
	who.pid = 0;
	T(strstr(lock_describe(&who, buf, sizeof(buf)), "not visible") !=
	    NULL, "a pid not visible here is said to be so");

	unlinkat(dfd, LOCK_NAME, 0);
	T(lock_take(dfd, REPO_LOCK_EXCL, 0, &fd, NULL) == LOCK_ERR,
	    "missing lock file is an error, not a silent success");
	T(mkfifoat(dfd, LOCK_NAME, 0600) == 0 &&
	    lock_take(dfd, REPO_LOCK_SHARED, 0, &fd, NULL) == LOCK_ERR &&
	    errno == EINVAL, "a FIFO as the lock is refused (EINVAL), not "
	    "opened");
	unlinkat(dfd, LOCK_NAME, 0);
	close(dfd);
	rmdir(dir);
	return t_exit();
}
