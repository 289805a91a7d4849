/*
 * mountns.c: the restore worker's private root.  Landlock does not govern
 * chmod, chown, utimes or xattrs, and a node made with CAP_MKNOD can be
 * opened wherever Landlock allows reading; so the restore worker gets a
 * mount namespace whose root is an empty read-only tmpfs holding only the
 * target (nodev, nosuid, noexec) and the repository (read-only too), each
 * at its own absolute path, so the paths on the command line still work.
 * Nothing else of the host's file system is reachable from there by any
 * path, /proc included.  The mounts vanish with the worker.
 *
 * Root does this in a new mount namespace; an ordinary user in a new user
 * namespace too, with its uid and gid mapped to themselves.  Everything
 * happens before Landlock (which forbids mount and pivot_root) and before
 * the seccomp filter (which then kills every mount-family call).
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* Where the new root's tmpfs is mounted (in the private namespace only). */
static const char *const newroots[] = { "/tmp", "/mnt", "/run" };

#define NS_BINDS_MAX	8
#define NS_FDS_MAX	4096	/* descriptors checked for directories */
#define NS_POLL_FDS	256	/* of them asked in one poll */

struct bind {
	char	*path;		/* absolute, no symlinks */
	int	 fd;		/* O_PATH, opened before the tmpfs hides it
				 * (and after unshare: a descriptor of the
				 * old namespace's mount cannot be bound) */
	int	 rw;		/* the target: writable */
};

/* Write ${s} to ${path}: 0 or -1. */
static int
put_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd, r = -1;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, s, len) == (ssize_t)len)
		r = 0;
	(void)close(fd);
	return r;
}

/*
 * A new user namespace where our uid and gid are themselves.  The maps
 * are /proc/self files, which belong to root while we are not dumpable
 * (harden.c): dumpable for these few calls, before the worker holds
 * anything (no key, no untrusted byte yet), then not again.
 */
static int
userns_enter(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r = -1;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
		goto out;
	(void)snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid,
	    (unsigned)gid);
	if (put_file("/proc/self/setgroups", "deny") != 0 ||
	    put_file("/proc/self/gid_map", map) != 0)
		goto out;
	(void)snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid,
	    (unsigned)uid);
	r = put_file("/proc/self/uid_map", map);
out:
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal(EXIT_ERR, "PR_SET_DUMPABLE: %s", strerror(errno));
	return r;
}

/* The per-mount flags of ${fd} that a remount must keep (locked ones). */
static unsigned long
kept_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) != 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* mkdir -p ${path} (absolute); existing components are fine. */
static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST) {
				*p = c;
				return -1;
			}
			*p = c;
		}
		if (*p == '\0')
			return 0;
	}
}

/* Bind ${b} at its own path below ${root}, then remount it nodev etc. */
static int
bind_one(const char *root, const struct bind *b)
{
	char dst[PATH_MAX + 16], src[32];
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_NODEV | MS_NOSUID |
	    MS_NOEXEC | kept_flags(b->fd);

	if (!b->rw)
		fl |= MS_RDONLY;
	if ((size_t)snprintf(dst, sizeof(dst), "%s%s", root, b->path) >=
	    sizeof(dst) || mkdirs(dst) != 0)
		return -1;
	/* The descriptor, not the path: the tmpfs may hide the path. */
	(void)snprintf(src, sizeof(src), "/proc/self/fd/%d", b->fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) != 0)
		return -1;
	/* MS_BIND with MS_NODEV in one call ignores MS_NODEV: remount. */
	return mount(NULL, dst, NULL, fl, NULL);
}

static int
bind_cmp(const void *a, const void *b)
{
	const struct bind *x = a, *y = b;
	size_t lx = strlen(x->path), ly = strlen(y->path);

	return lx < ly ? -1 : lx > ly;
}

/*
 * Fatal if a directory descriptor is open: a way back to the old root.
 * poll marks each descriptor that is not open POLLNVAL, so 16 calls find
 * the few open ones among NS_FDS_MAX, and only those are asked their type
 * (an fstat of each was 4,096 calls at every restore's start).  When poll
 * fails (RLIMIT_NOFILE under NS_POLL_FDS: EINVAL), every one is asked.
 */
static void
no_dir_fds(void)
{
	struct pollfd pf[NS_POLL_FDS];
	struct stat st;
	int fd, k, polled;

	for (fd = 0; fd < NS_FDS_MAX; fd += NS_POLL_FDS) {
		for (k = 0; k < NS_POLL_FDS; k++) {
			pf[k].fd = fd + k;
			pf[k].events = 0;
			pf[k].revents = 0;
		}
		polled = poll(pf, NS_POLL_FDS, 0) >= 0;
		for (k = 0; k < NS_POLL_FDS; k++) {
			if (polled && (pf[k].revents & POLLNVAL))
				continue;
			if (fstat(fd + k, &st) == 0 && S_ISDIR(st.st_mode))
				fatal(EXIT_ERR, "descriptor %d is a directory "
				    "outside the private root", fd + k);
		}
	}
}

/*
 * The new root: a tmpfs on one of newroots[] (private to us), the binds,
 * pivot_root into it, the old root detached, the tmpfs made read-only.
 */
static int
pivot(struct bind *b, size_t nb)
{
	const char *root = NULL;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(newroots) / sizeof(newroots[0]); i++)
		if (lstat(newroots[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			root = newroots[i];
			break;
		}
	if (root == NULL) {
		errno = ENOENT;
		return -1;
	}
	/* No propagation either way between the host and us. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	for (i = 0; i < nb; i++)
		if ((b[i].fd = open(b[i].path, O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) < 0)
			return -1;
	if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=0755,size=64k") != 0)
		return -1;
	/* An ancestor first, so a nested bind lands on top of it. */
	qsort(b, nb, sizeof(*b), bind_cmp);
	for (i = 0; i < nb; i++)
		if (bind_one(root, &b[i]) != 0)
			return -1;
	for (i = 0; i < nb; i++) {
		(void)close(b[i].fd);
		b[i].fd = -1;
	}
	if (chdir(root) != 0 ||
	    syscall(SYS_pivot_root, ".", ".") != 0 ||
	    umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* The paths to bind, resolved now (the private root mirrors them). */
static size_t
binds_of(const struct sandbox_path *paths, size_t n, struct bind *b)
{
	size_t i, nb = 0;

	for (i = 0; i < n; i++) {
		if (!(paths[i].access & SBX_NSBIND))
			continue;
		if (nb == NS_BINDS_MAX)
			fatal(EXIT_ERR, "too many paths for the private root");
		b[nb].fd = -1;
		if ((b[nb].path = realpath(paths[i].path, NULL)) == NULL)
			fatal(EXIT_ERR, "%s: %s", paths[i].path,
			    strerror(errno));
		b[nb].rw = (paths[i].access & 0xf) != SBX_R;
		nb++;
	}
	return nb;
}

static void
binds_free(struct bind *b, size_t nb)
{
	size_t i;

	for (i = 0; i < nb; i++) {
		if (b[i].fd >= 0)
			(void)close(b[i].fd);
		free(b[i].path);
	}
}

/*
 * Whether an ordinary user may make a user namespace and mount in it:
 * tried in a child, since a half-made namespace cannot be left again
 * (a sysctl, an AppArmor rule or a seccomp filter may refuse any step).
 */
static int
userns_works(void)
{
	int status;
	pid_t pid;

	if ((pid = fork()) < 0)
		return 0;
	if (pid == 0)
		_exit(userns_enter() == 0 && mount(NULL, "/", NULL,
		    MS_REC | MS_PRIVATE, NULL) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
sandbox_mountns(const struct sandbox_path *paths, size_t n, int admin)
{
	struct bind b[NS_BINDS_MAX];
	size_t nb;
	int r;

	if (!admin && !userns_works())
		return 0;
	nb = binds_of(paths, n, b);
	if (admin)
		r = unshare(CLONE_NEWNS);
	else
		r = userns_enter();
	if (r != 0 && admin) {
		/* Nothing changed yet: the caller falls back, and warns. */
		binds_free(b, nb);
		return 0;
	}
	if (r != 0)
		fatal(EXIT_ERR, "cannot make a private mount namespace: %s",
		    strerror(errno));
	if (pivot(b, nb) != 0)
		fatal(EXIT_ERR, "cannot make the private root: %s",
		    strerror(errno));
	binds_free(b, nb);
	no_dir_fds();
	return 1;
}
