/*
 * mountpt.c: mounting and unmounting for tacit mount (see mountpt.h).
 */
#define FUSE_USE_VERSION 35

#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "log.h"
#include "mountpt.h"
#include "sandbox.h"

#define FUSERMOUNT	"/usr/bin/fusermount3"

/* Run fusermount3 -u (-z with ${lazy}) on ${path}; 0 if it exits 0. */
static int
fusermount_u(const char *path, int lazy)
{
	char *argv[] = { (char *)(uintptr_t)"fusermount3",
	    (char *)(uintptr_t)(lazy ? "-uqz" : "-uq"),
	    (char *)(uintptr_t)"--", (char *)(uintptr_t)path, NULL };
	char *envp[] = { NULL };
	int status;
	pid_t pid;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execve(FUSERMOUNT, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Unmount ${path}: plainly, or lazily when busy or ${lazy}. */
static int
unmount(const char *path, int user, int lazy)
{
	if (user)
		return fusermount_u(path, 0) == 0 && !lazy ? 0 :
		    fusermount_u(path, 1);
	if (!lazy && umount2(path, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ||
	    errno == EINVAL)		/* already gone */
		return 0;
	return -1;
}

/* Say ${msg} on stderr, or on the terminal ${tty} when stderr is gone. */
static void
keeper_say(const char *msg, int tty)
{
	size_t n = strlen(msg);

	if (write(STDERR_FILENO, msg, n) == (ssize_t)n)
		return;
	if (tty >= 0)
		(void)!write(tty, msg, n);
}

/*
 * The keeper: waits for 'u' (unmount: the worker still serves, so a
 * plain unmount can finish), 'g' (already unmounted from outside: nothing
 * to do), or the end of the socket (the worker died, or was killed with
 * its keyholder): then it detaches the mount and says which one died.
 * As root it is confined before it waits (sandbox_keeper: umount2 with
 * CAP_SYS_ADMIN, its socket, stderr, poll, exit).  As a user it must exec
 * the setuid fusermount3, which no_new_privs (and so any filter a user
 * may load) would defeat: it stays unconfined, in /, holding only its
 * socket, stdout, stderr, the terminal and a pidfd, and gives fusermount3
 * an empty environment.
 */
static void __attribute__((noreturn))
keeper(const char *path, int sock, int user, pid_t kh)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct pollfd p;
	char c = 0, msg[4400];
	ssize_t n;
	size_t i;
	int pidfd, tty, khdead;

	/* Ctrl-C reaches the whole group: the worker decides, not us. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)signal(sigs[i], SIG_IGN);
	pidfd = (int)syscall(SYS_pidfd_open, kh, 0);
	/* Where to speak when the keyholder's stderr relay is gone. */
	tty = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (chdir("/") != 0)
		_exit(1);
	if (!user)
		sandbox_keeper(sock, STDERR_FILENO, tty);
	while ((n = read(sock, &c, 1)) < 0 && errno == EINTR)
		;
	if (n == 1 && c == 'g')
		_exit(0);
	if (n == 1 && c == 'u')
		_exit(unmount(path, user, 0) == 0 ? 0 : 1);
	/* The worker is gone: the connection is dead, readers would get
	 * ENOTCONN from now on.  Detach it (lazily: a reader may hold a
	 * file open there). */
	p.fd = pidfd;
	p.events = POLLIN;
	p.revents = 0;
	khdead = pidfd >= 0 && poll(&p, 1, 200) == 1;
	i = unmount(path, user, 1) == 0;
	(void)snprintf(msg, sizeof(msg), "tacit: %s died: %s %s\n", khdead ?
	    "the keyholder" : "the mount worker", path, i ? "detached" :
	    "could not be detached; run: fusermount3 -uz MOUNTPOINT");
	keeper_say(msg, tty);
	_exit(i ? 0 : 1);
}

/* The mount options for mount(2) as root, or 0 after a message. */
static int
root_mount(struct mountpt *mp, int allow_other)
{
	char opts[256];

	if ((mp->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)) < 0) {
		errorx("cannot open /dev/fuse: %s (modprobe fuse?)",
		    strerror(errno));
		return -1;
	}
	(void)snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,"
	    "group_id=%u,default_permissions%s", mp->fd, (unsigned)getuid(),
	    (unsigned)getgid(), allow_other ? ",allow_other" : "");
	if (mount("tacit", mp->path, "fuse.tacit", MS_NOSUID | MS_NODEV |
	    MS_RDONLY, opts) != 0) {
		errorx("cannot mount on %s: %s", log_shown(mp->path),
		    strerror(errno));
		(void)close(mp->fd);
		mp->fd = -1;
		return -1;
	}
	return 0;
}

/*
 * As a user: fusermount3 mounts and hands back the /dev/fuse descriptor
 * over a socket (_FUSE_COMMFD), as libfuse does when it cannot open
 * /dev/fuse itself (libfuse 3.14 tries /dev/fuse first and gives up when
 * it is there but not ours to open).  0, or -1 after a message.
 */
static int
user_mount(struct mountpt *mp, int allow_other)
{
	char opts[160], env[32], data;
	char *argv[] = { (char *)(uintptr_t)"fusermount3",
	    (char *)(uintptr_t)"-o", opts, (char *)(uintptr_t)"--", mp->path,
	    NULL };
	char *envp[] = { env, NULL };
	union {
		struct cmsghdr	c;
		char		b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { &data, 1 };
	struct msghdr msg;
	struct cmsghdr *c;
	int sv[2], status;
	pid_t pid;

	(void)snprintf(opts, sizeof(opts), "ro,nosuid,nodev,"
	    "default_permissions,fsname=tacit,subtype=tacit%s",
	    allow_other ? ",allow_other" : "");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 ||
	    (pid = fork()) < 0) {
		errorx("fusermount3: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		(void)close(sv[0]);
		(void)snprintf(env, sizeof(env), "_FUSE_COMMFD=%d", sv[1]);
		execve(FUSERMOUNT, argv, envp);
		_exit(127);
	}
	(void)close(sv[1]);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.b;
	msg.msg_controllen = sizeof(u.b);
	while (recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC) < 0 && errno == EINTR)
		;
	(void)close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if ((c = CMSG_FIRSTHDR(&msg)) != NULL && c->cmsg_level == SOL_SOCKET &&
	    c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&mp->fd, CMSG_DATA(c), sizeof(int));
	if (mp->fd < 0) {
		errorx("cannot mount on %s through fusermount3 (fuse3 "
		    "installed? a directory of yours?)", log_shown(mp->path));
		return -1;
	}
	return 0;
}

/* Hand the mounted descriptor to libfuse. */
static int
session_mount(struct mountpt *mp)
{
	char dev[32];

	(void)snprintf(dev, sizeof(dev), "/dev/fd/%d", mp->fd);
	if (fuse_session_mount(mp->se, dev) != 0) {
		errorx("libfuse refused the mounted descriptor");
		return -1;
	}
	return 0;
}

int
mountpt_setup(struct mountpt *mp, const char *path, int allow_other,
    struct fuse_session *se)
{
	struct stat st;
	int sv[2];
	pid_t pid, kh = getppid();

	memset(mp, 0, sizeof(*mp));
	mp->fd = mp->keeper = -1;
	mp->se = se;
	mp->user = geteuid() != 0;
	if ((mp->path = realpath(path, NULL)) == NULL ||
	    stat(mp->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		errorx("%s: %s", log_shown(path), mp->path == NULL ?
		    strerror(errno) : "not a directory");
		return -1;
	}
	if (mp->user ? user_mount(mp, allow_other) != 0 :
	    root_mount(mp, allow_other) != 0)
		return -1;
	if (session_mount(mp) != 0) {
		(void)unmount(mp->path, mp->user, 1);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    (pid = fork()) < 0) {
		errorx("cannot start the mount keeper: %s", strerror(errno));
		(void)unmount(mp->path, mp->user, 1);
		return -1;
	}
	if (pid == 0) {
		/* No descriptor of the connection, the keyholder or the
		 * repository: only the socket and stderr. */
		if (dup2(sv[1], 3) != 3)
			_exit(1);
		(void)close_range(4, ~0U, 0);
		(void)close(STDIN_FILENO);
		keeper(mp->path, 3, mp->user, kh);
	}
	(void)close(sv[1]);
	mp->keeper = sv[0];
	mp->keeper_pid = pid;
	return 0;
}

int
mountpt_request(struct mountpt *mp, int gone)
{
	char c = gone ? 'g' : 'u';

	if (mp->keeper < 0 || mp->asked)
		return 0;
	mp->asked = 1;
	return write(mp->keeper, &c, 1) == 1 ? 0 : -1;
}

int
mountpt_finish(struct mountpt *mp)
{
	int status;

	if (mp->keeper < 0)
		return 0;
	if (mountpt_request(mp, 0) != 0)
		errorx("the mount keeper is gone: %s stays mounted; run: "
		    "fusermount3 -uz %s", log_shown(mp->path),
		    log_shown(mp->path));
	(void)close(mp->keeper);
	mp->keeper = -1;
	while (waitpid(mp->keeper_pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errorx("could not unmount %s; run: fusermount3 -uz %s",
		    log_shown(mp->path), log_shown(mp->path));
		return -1;
	}
	return 0;
}
