/*
 * death.c: seccomp and Landlock death tests.  For each role, a child puts
 * on the production policy (the very functions tacit calls; no test hook
 * exists in tacit) and then attempts one forbidden operation.  The test
 * passes when the child is killed by SIGSYS, or when the operation is
 * refused with the errno the policy documents (EACCES from Landlock, or a
 * soft deny).  A permitted control operation in each role shows the policy
 * is not simply killing everything.  ENOENT and EROFS count as denials
 * too: in the restore worker's private root (sandbox/mountns.c) nothing
 * outside the target and the repository exists, and only the target is
 * writable.
 *
 * The restore role's metadata cases run as the caller and, when that is
 * root, again as nobody (the child drops to 65534 before it confines
 * itself), each with and without a private root (a pre-filter makes
 * unshare fail, as a sysctl would).
 *
 *   death SCRATCHDIR
 */
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keyholder.h"
#include "sandbox.h"
#include "worker.h"
#include "sysnr.h"

static int failed;
/* dir/src: sources (read-only); dir/repo: repository or target. */
static char dir[4096], allowed[4400], outside[4200], srcdir[4200];
static char repodir[4200];
static int as_nobody;		/* the child drops to 65534 first */
static int no_userns;		/* the child cannot unshare (EPERM) */

enum expect { KILLED, DENIED, ALLOWED };

static const char *const ename[] = { "killed (SIGSYS)", "denied", "allowed" };

/* The operations; each returns 0 if it succeeded, -1 with errno if not. */
typedef int op_fn(void);

static int op_socket(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0 ? -1 : 0; }
static int op_unix(void) { return socket(AF_UNIX, SOCK_STREAM, 0) < 0 ? -1 : 0; }
static int
op_connect(void)
{
	struct sockaddr sa = { AF_UNIX, "" };

	return connect(5, &sa, sizeof(sa));	/* the call itself is judged */
}
static int
op_execve(void)
{
	char *argv[] = { (char *)(uintptr_t)"/bin/true", NULL };

	return execve("/bin/true", argv, argv + 1);
}
static int op_ptrace(void) { return (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL); }
static int
op_fork(void)
{
	pid_t p = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);

	if (p == 0)
		_exit(0);
	return p < 0 ? -1 : 0;
}
static void *thread_main(void *arg) { return arg; }
static int
op_thread(void)
{
	pthread_t t;
	int e;

	if ((e = pthread_create(&t, NULL, thread_main, NULL)) != 0) {
		errno = e;
		return -1;
	}
	return pthread_join(t, NULL) == 0 ? 0 : -1;
}
static int op_open(void) { return open("/etc/hostname", O_RDONLY) < 0 ? -1 : 0; }
static int op_shadow(void) { return open("/etc/shadow", O_RDONLY) < 0 ? -1 : 0; }
static int op_passwd(void) { return open("/etc/passwd", O_RDONLY) < 0 ? -1 : 0; }
static int
op_devfuse(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -1 : close(fd);
}
static int
op_mount(void)
{
	return mount("none", "/mnt", "tmpfs", 0, NULL);
}
static int op_bpf(void) { return (int)syscall(SYS_bpf, 0, NULL, 0); }
static int op_keyctl(void) { return (int)syscall(SYS_keyctl, 0, 0, 0, 0, 0); }
static int
op_vmread(void)
{
	char buf[8];
	struct iovec l = { buf, 8 }, r = { buf, 8 };

	return (int)syscall(SYS_process_vm_readv, getppid(), &l, 1, &r, 1, 0);
}
static int
op_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? -1 : mprotect(p, 4096, PROT_READ | PROT_EXEC);
}
static int
op_x32(void)
{
	return (int)syscall(0x40000000 | SYS_getpid);
}
static int
op_write_outside(void)
{
	int fd = open(outside, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	return fd < 0 ? -1 : 0;
}
static int
op_read_outside(void)
{
	int fd = open("/etc/hostname", O_RDONLY);

	return fd < 0 ? -1 : 0;
}
static int
op_read_allowed(void)
{
	int fd = open(srcdir, O_RDONLY | O_DIRECTORY);

	return fd < 0 ? -1 : 0;
}
static int
op_write_allowed(void)
{
	int fd = open(allowed, O_WRONLY | O_CREAT | O_EXCL, 0600);

	return fd < 0 ? -1 : 0;
}
/* Restore: a file made under one name in the target, renamed to another
 * without replacing (how every restored file gets its name). */
static int
op_rename_allowed(void)
{
	char to[4500];
	int fd = open(allowed, O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		return -1;
	(void)close(fd);
	(void)snprintf(to, sizeof(to), "%s.named", allowed);
	if (syscall(SYS_renameat2, AT_FDCWD, allowed, AT_FDCWD, to,
	    RENAME_NOREPLACE) != 0)
		return -1;
	return unlinkat(AT_FDCWD, to, 0);
}

/* Restore: a file of the target renamed over the file outside.  A
 * refusal as EXDEV (Landlock, or another mount) is a denial too. */
static int
op_rename_over_outside(void)
{
	int fd = open(allowed, O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		return -1;
	(void)close(fd);
	if (syscall(SYS_renameat2, AT_FDCWD, allowed, AT_FDCWD, outside,
	    0) == 0)
		return 0;
	if (errno == EXDEV)
		errno = EACCES;
	return -1;
}

/* Repair: an old object of the repository (outside the directories the
 * subcommand rewrites) removed, or renamed, with the calls tacit makes
 * (unlinkat, renameat2): Landlock refuses them. */
static int
op_unlink_source(void)
{
	char p[4300];

	(void)snprintf(p, sizeof(p), "%s/victim", srcdir);
	return unlinkat(AT_FDCWD, p, 0);
}
static int
op_rename_source(void)
{
	char p[4300], q[4300];

	(void)snprintf(p, sizeof(p), "%s/victim", srcdir);
	(void)snprintf(q, sizeof(q), "%s/victim2", srcdir);
	return (int)syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, q, 0);
}
static int
op_unlink_allowed(void)
{
	int fd = open(allowed, O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		return -1;
	(void)close(fd);
	return unlinkat(AT_FDCWD, allowed, 0);
}
static int
op_mkdir_allowed(void)
{
	return (int)syscall(SYS_mkdir, allowed, 0700);
}

/* check --same-as: the mirror read (control), changed. */
static int
op_read_mirror(void)
{
	char p[4300];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/mirrored", repodir);
	fd = open(p, O_RDONLY);
	return fd < 0 ? -1 : 0;
}
static int
op_write_mirror(void)
{
	char p[4300];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/mirrored", repodir);
	fd = open(p, O_WRONLY);
	return fd < 0 ? -1 : 0;
}
static int
op_unlink_mirror(void)
{
	char p[4300];

	(void)snprintf(p, sizeof(p), "%s/mirrored", repodir);
	return unlinkat(AT_FDCWD, p, 0);
}
static int
op_rename_mirror(void)
{
	char p[4300], q[4300];

	(void)snprintf(p, sizeof(p), "%s/mirrored", repodir);
	(void)snprintf(q, sizeof(q), "%s/mirrored2", repodir);
	return (int)syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, q, 0);
}

static int
op_write_in_read_role(void)
{
	int fd = open(allowed, O_WRONLY | O_CREAT, 0600);

	return fd < 0 ? -1 : 0;
}
static int
op_write_source(void)
{
	char p[4300];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/new", srcdir);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	return fd < 0 ? -1 : 0;
}

/*
 * forget (its repository is srcdir): snapshots/victim may go; a pack
 * (data/00/pack), an index segment (index/seg) may not; nothing may be
 * created, opened for writing or renamed, nor snapshots/sub removed.
 */
static char fsnapdir[4300], fvictim[4400], fpack[4400], fseg[4400],
    fsub[4400];
static int op_forget_unlink(void) { return unlinkat(AT_FDCWD, fvictim, 0); }
static int op_forget_pack(void) { return unlinkat(AT_FDCWD, fpack, 0); }
static int op_forget_seg(void) { return unlinkat(AT_FDCWD, fseg, 0); }
static int op_forget_rmdir(void) { return unlinkat(AT_FDCWD, fsub, AT_REMOVEDIR); }
static int
op_forget_create(void)
{
	char p[4500];

	(void)snprintf(p, sizeof(p), "%s/new", fsnapdir);
	return open(p, O_WRONLY | O_CREAT | O_EXCL, 0600) < 0 ? -1 : 0;
}
static int
op_forget_write(void)
{
	return open(fvictim, O_WRONLY) < 0 ? -1 : 0;
}
static int
op_forget_rename(void)
{
	char to[4500];

	(void)snprintf(to, sizeof(to), "%s.renamed", fvictim);
	return (int)syscall(SYS_renameat2, AT_FDCWD, fvictim, AT_FDCWD, to,
	    RENAME_NOREPLACE);
}
static int
op_forget_read_pack(void)
{
	return open(fpack, O_RDONLY) < 0 ? -1 : 0;
}

/* Put the forget role's files back (a control removed the victim). */
static void
forget_files(void)
{
	char d[4400];
	int fd;

	(void)snprintf(d, sizeof(d), "%s/data", srcdir);
	(void)mkdir(d, 0700);
	(void)snprintf(d, sizeof(d), "%s/data/00", srcdir);
	(void)mkdir(d, 0700);
	(void)snprintf(d, sizeof(d), "%s/index", srcdir);
	(void)mkdir(d, 0700);
	(void)mkdir(fsnapdir, 0700);
	(void)mkdir(fsub, 0700);
	if ((fd = open(fvictim, O_WRONLY | O_CREAT, 0600)) >= 0)
		(void)close(fd);
	if ((fd = open(fpack, O_WRONLY | O_CREAT, 0600)) >= 0)
		(void)close(fd);
	if ((fd = open(fseg, O_WRONLY | O_CREAT, 0600)) >= 0)
		(void)close(fd);
}

/*
 * Prune (its repository is srcdir): new packs and index segments made,
 * renamed into place and removed in packs/ and index/; nothing written,
 * removed or renamed in snapshots/ or keys/.
 */
static int
op_prune_pack(void)
{
	char p[4400], q[4400];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/packs/.tmp-new", srcdir);
	(void)snprintf(q, sizeof(q), "%s/packs/new", srcdir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return -1;
	(void)close(fd);
	if (syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, q,
	    RENAME_NOREPLACE) != 0)
		return -1;
	return unlinkat(AT_FDCWD, q, 0);
}
static int
op_prune_index(void)
{
	char p[4400];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/index/seg", srcdir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return -1;
	(void)close(fd);
	return unlinkat(AT_FDCWD, p, 0);
}
static int
op_prune_unlink_snapshot(void)
{
	char p[4400];

	(void)snprintf(p, sizeof(p), "%s/snapshots/snap", srcdir);
	return unlinkat(AT_FDCWD, p, 0);
}
static int
op_prune_write_keys(void)
{
	char p[4400];

	(void)snprintf(p, sizeof(p), "%s/keys/new", srcdir);
	return open(p, O_WRONLY | O_CREAT | O_EXCL, 0600) < 0 ? -1 : 0;
}
static int
op_prune_write_snapshot(void)
{
	char p[4400];

	(void)snprintf(p, sizeof(p), "%s/snapshots/.tmp-new", srcdir);
	return open(p, O_WRONLY | O_CREAT | O_EXCL, 0600) < 0 ? -1 : 0;
}
/* A snapshot moved into packs/, where it could then be removed. */
static int
op_prune_move_snapshot(void)
{
	char p[4400], q[4400];

	(void)snprintf(p, sizeof(p), "%s/snapshots/snap", srcdir);
	(void)snprintf(q, sizeof(q), "%s/packs/snap", srcdir);
	if (syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, q,
	    RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EXDEV)
		errno = EACCES;
	return -1;
}
static int
op_prune_unlink_key(void)
{
	char p[4400];

	(void)snprintf(p, sizeof(p), "%s/keys/slot", srcdir);
	return unlinkat(AT_FDCWD, p, 0);
}

/* Metadata of ${outside}, a file outside the target, by path. */
static const struct timespec t0[2] = { { 0, 0 }, { 0, 0 } };
static int op_chmod(void) { return chmod(outside, 04777); }
static int op_fchmodat(void) { return fchmodat(AT_FDCWD, outside, 0666, 0); }
static int
op_fchmodat2(void)
{
	return (int)syscall(__NR_fchmodat2, AT_FDCWD, outside, 04777,
	    AT_EMPTY_PATH);
}
static int op_chown(void) { return chown(outside, 1234, 1234); }
static int op_lchown(void) { return lchown(outside, 1234, 1234); }
static int
op_fchownat(void)
{
	return fchownat(AT_FDCWD, outside, 1234, 1234, AT_SYMLINK_NOFOLLOW);
}
static int
op_fchownat_empty(void)	/* the flag the worker may use, with a path */
{
	return fchownat(AT_FDCWD, outside, 1234, 1234, AT_EMPTY_PATH);
}
static int
op_opath_chown(void)	/* Landlock never sees an O_PATH open */
{
	int fd = open(outside, O_PATH | O_NOFOLLOW);

	return fd < 0 ? -1 : fchownat(fd, "", 1234, 1234, AT_EMPTY_PATH);
}
static int op_utimensat(void) { return utimensat(AT_FDCWD, outside, t0, 0); }
static int
op_utimensat_empty(void)
{
	return utimensat(AT_FDCWD, outside, t0, AT_EMPTY_PATH);
}
static int
op_setxattr(void)
{
	return setxattr(outside, "user.tacit", "x", 1, 0);
}
static int
op_setcap(void)		/* cap_setuid+ep */
{
	static const uint8_t cap[20] = { 1, 0, 0, 2, 0x80 };

	return setxattr(outside, "security.capability", cap, sizeof(cap), 0);
}
static int
op_lsetxattr(void)
{
	return lsetxattr(outside, "trusted.tacit", "x", 1, 0);
}
static int op_removexattr(void) { return removexattr(outside, "user.keep"); }
static int
op_lremovexattr(void)
{
	return lremovexattr(outside, "user.keep");
}

/* "Succeeds" in the private root, fails (EPERM) without one. */
static int
op_private_root(void)
{
	if (sandbox_private_root() == 1)
		return 0;
	errno = EPERM;
	return -1;
}

/* A device node made in the target, then opened. */
static int
op_mknod_open(const char *name, mode_t type, dev_t dev, int flags)
{
	char p[4400];

	(void)snprintf(p, sizeof(p), "%s/%s", repodir, name);
	if (mknod(p, type | 0600, dev) != 0)
		return -1;
	return open(p, flags) < 0 ? -1 : 0;
}
static int
op_null(void)
{
	return op_mknod_open("null", S_IFCHR, makedev(1, 3), O_RDWR);
}
static int
op_loop(void)
{
	return op_mknod_open("loop0", S_IFBLK, makedev(7, 0), O_RDONLY);
}

/* Ways out of a mount namespace. */
static int op_umount(void) { return umount2("/", MNT_DETACH); }
static int
op_pivot(void)
{
	return (int)syscall(SYS_pivot_root, ".", ".");
}
static int op_chroot(void) { return chroot("/"); }
static int op_unshare(void) { return unshare(CLONE_NEWNS); }
static int op_setns(void) { return setns(0, CLONE_NEWNS); }
static int
op_handle(void)
{
	uint8_t h[128 + 8] = { 128 };

	return (int)syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY);
}
static int
op_name_handle(void)
{
	uint8_t h[128 + 8] = { 128 };
	int mnt;

	return (int)syscall(SYS_name_to_handle_at, AT_FDCWD, "/", h, &mnt, 0);
}

static int
op_getpid(void)
{
	return getpid() > 0 ? 0 : -1;
}

/*
 * What CAP_SYS_ADMIN would allow the backup worker (it keeps it as root to
 * read trusted.* attributes), beyond the ways out above.
 */
static char trusted[4300];	/* a file of srcdir with trusted.tacit */
static int
op_trusted(void)
{
	char v[16];

	if (lgetxattr(trusted, "trusted.tacit", v, sizeof(v)) == 2)
		return 0;
	errno = EPERM;		/* hidden (ENODATA) counts as refused */
	return -1;
}
static int
thread_ns_main(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 0);
	return 0;
}
/* A thread (CLONE_THREAD) in a new UTS and mount namespace. */
static int
op_thread_ns(void)
{
	static char stack[65536] __attribute__((aligned(16)));

	return clone(thread_ns_main, stack + sizeof(stack), CLONE_VM |
	    CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWUTS | CLONE_NEWNS,
	    NULL) < 0 ? -1 : 0;
}
static int op_swapon(void) { return (int)syscall(SYS_swapon, "/nonexistent", 0); }
static int op_sethostname(void) { return sethostname("x", 1); }
static int
op_hwpoison(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? -1 : madvise(p, 4096, 101);	/* MADV_SOFT_OFFLINE */
}
static int op_syslog(void) { return (int)syscall(SYS_syslog, 10, NULL, 0); }
static int op_fanotify(void) { return (int)syscall(SYS_fanotify_init, 0, 0); }
static int op_quotactl(void) { return (int)syscall(SYS_quotactl, 0, "/", 0, NULL); }
static int
op_perf(void)
{
	uint8_t attr[128] = { 0 };

	return (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
}
static int
op_fifreeze(void)
{
	int fd = open(srcdir, O_RDONLY | O_DIRECTORY);

	return fd < 0 ? -1 : ioctl(fd, _IOWR('X', 119, int), 0);
}

/*
 * Signals through SIGIO (issue 13, item 4): F_SETOWN records the caller's
 * euid, and an euid-0 owner may signal anyone with no capability.  Each
 * call is judged on a pipe of our own; the owner is a child of the test
 * (victim), never the test itself.
 */
static pid_t victim;
static int sio[2] = { -1, -1 };	/* a pipe made before the filter */
static int sigio_fd(void) { return sio[0]; }
static int op_setown(void) { return fcntl(sigio_fd(), F_SETOWN, victim); }
static int
op_setown_ex(void)
{
	struct f_owner_ex o = { F_OWNER_PID, 0 };

	o.pid = victim;
	return fcntl(sigio_fd(), F_SETOWN_EX, &o);
}
static int op_setsig(void) { return fcntl(sigio_fd(), F_SETSIG, SIGKILL); }
static int op_async(void) { return fcntl(sigio_fd(), F_SETFL, O_ASYNC); }
static int
op_nonblock(void)
{
	int fd = sigio_fd(), fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
static int
op_setlease(void)
{
	char p[4300];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/lease", srcdir);
	if ((fd = open(p, O_RDONLY)) < 0)
		return -1;
	return fcntl(fd, F_SETLEASE, F_RDLCK);
}
/* The repository lock: a record lock with F_SETLK, never a waiting
 * F_SETLKW, an OFD lock or flock (a lock the policy did not weigh). */
static int
op_lock(int cmd)
{
	char p[4300];
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
	    .l_start = 1, .l_len = 1 };
	int fd;

	(void)snprintf(p, sizeof(p), "%s/lease", srcdir);
	if ((fd = open(p, O_RDONLY)) < 0)
		return -1;
	return cmd == -1 ? flock(fd, LOCK_SH | LOCK_NB) : fcntl(fd, cmd, &fl);
}
/* Read-ahead advice on a file of its own: the restore role only. */
static int
op_fadvise_of(int advice)
{
	char p[4300];
	int fd, e;

	(void)snprintf(p, sizeof(p), "%s/lease", srcdir);
	if ((fd = open(p, O_RDONLY)) < 0)
		return -1;
	e = posix_fadvise(fd, 0, 0, advice);
	(void)close(fd);
	errno = e;
	return e != 0 ? -1 : 0;
}
static int op_fadvise(void) { return op_fadvise_of(POSIX_FADV_WILLNEED); }
static int op_fadvise_dontneed(void) { return op_fadvise_of(POSIX_FADV_DONTNEED); }
static int op_setlk(void) { return op_lock(F_SETLK); }
static int op_getlk(void) { return op_lock(F_GETLK); }
static int op_setlkw(void) { return op_lock(F_SETLKW); }
static int op_ofd_setlk(void) { return op_lock(F_OFD_SETLK); }
static int op_flock(void) { return op_lock(-1); }
static int
op_notify(void)
{
	int fd = open(srcdir, O_RDONLY | O_DIRECTORY);

	return fd < 0 ? -1 : fcntl(fd, F_NOTIFY, DN_CREATE);
}
static int
op_fioasync(void)
{
	int on = 1;

	return ioctl(sigio_fd(), FIOASYNC, &on);
}
static int op_fiosetown(void) { return ioctl(sigio_fd(), FIOSETOWN, &victim); }
static int
op_tiocsti(void)
{
	char c = 'x';

	return ioctl(STDERR_FILENO, TIOCSTI, &c);
}
/* The whole attack: SIGKILL to the victim if any step passes. */
static int
op_sigio_kill(void)
{
	if (fcntl(sio[0], F_SETOWN, victim) != 0 ||
	    fcntl(sio[0], F_SETSIG, SIGKILL) != 0 ||
	    fcntl(sio[0], F_SETFL, O_ASYNC) != 0)
		return -1;
	return write(sio[1], "x", 1) == 1 ? 0 : -1;
}

/* Regaining root: each call is judged, whatever the ids are now. */
static int op_setuid(void) { return (int)syscall(SYS_setuid, 0); }
static int op_setresuid(void) { return (int)syscall(SYS_setresuid, 0, 0, 0); }
static int op_setgid(void) { return (int)syscall(SYS_setgid, 0); }
static int op_setgroups(void) { return (int)syscall(SYS_setgroups, 0, NULL); }
static int op_setfsuid(void) { return (int)syscall(SYS_setfsuid, 0); }
static int
op_capset(void)
{
	struct { uint32_t version; int pid; } h = { 0x20080522, 0 };
	uint32_t d[6] = { ~0U, ~0U, 0, ~0U, ~0U, 0 };	/* everything */

	return (int)syscall(SYS_capset, &h, d);
}

/* Succeeds (0) while any of the ids is root's. */
static int
op_still_root(void)
{
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0)
		return 0;
	errno = EPERM;
	return -1;
}

/* The mount keeper's calls (src/mountpt.c); one byte waits on its
 * socket keeper_sock[0]. */
static int keeper_sock[2] = { -1, -1 };
static int
op_keeper_read(void)
{
	char c;

	return read(keeper_sock[0], &c, 1) == 1 ? 0 : -1;
}
static int op_read_stdin(void) { char c; return (int)read(0, &c, 0); }
static int op_write_stderr(void) { return (int)write(2, "", 0); }
static int op_stat(void) { struct stat st; return stat("/", &st); }
static int op_kill(void) { return kill(getppid(), 0); }
static int op_dup(void) { return dup(2) < 0 ? -1 : 0; }
static int
op_mmap(void)
{
	return mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0;
}
/* umount2 of a directory that is no mount point: EINVAL, so the call
 * was made and not refused (allowed). */
static char keeper_dir[4300];
static int
umount_of(int flags)
{
	if (umount2(keeper_dir, flags) == 0 || errno == EINVAL)
		return 0;
	return -1;
}
static int op_keeper_umount(void) { return umount_of(UMOUNT_NOFOLLOW); }
static int
op_keeper_detach(void)
{
	return umount_of(MNT_DETACH | UMOUNT_NOFOLLOW);
}
static int op_umount_force(void) { return umount_of(MNT_FORCE | UMOUNT_NOFOLLOW); }
static int op_umount_follow(void) { return umount_of(MNT_DETACH); }

/*
 * The tag role (SBX_TAG): srcdir is its repository, read-only but for
 * files in snapshots/ (and the lock file, opened for writing).
 */
static char tagsnaps[4300], taglock[4300], tagpack[4300];

enum role { KH, KH_KEYCMD, W_BACKUP, W_READ, W_RESTORE, W_FORGET,
    W_TAG, W_PRUNE, W_REPAIR, W_MOUNT, W_SAMEAS, KEEPER, W_REPAIR_DATA,
    W_COPY };
static const char *const rname[] = { "keyholder", "keyholder (key "
    "command)", "worker (backup)", "worker (ls)", "worker (restore)",
    "worker (forget)", "worker (tag)", "worker (prune)", "worker (repair)",
    "worker (mount)", "worker (check --same-as)", "mount keeper (root)",
    "worker (repair data)", "worker (copy)" };

/* 1: the worker roles put on their seccomp filter only (no Landlock, as
 * on a kernel without Landlock signal scoping). */
static int seccomp_only;

static void
confine(enum role role)
{
	static const enum sandbox_role sbx[] = { SBX_REPO, SBX_REPO,
	    SBX_BACKUP, SBX_READ, SBX_RESTORE, SBX_FORGET, SBX_TAG, SBX_PRUNE,
	    SBX_REPAIR, SBX_MOUNT, SBX_READ, SBX_READ /* KEEPER: unused */,
	    SBX_REPAIR_DATA, SBX_COPY };
	struct sandbox_path p[3];
	char pk[4300], ix[4300];
	int sv[2];

	if (seccomp_only && role != KH && role != KH_KEYCMD &&
	    role != KEEPER) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			_exit(90);
		sandbox_worker_seccomp(sbx[role], 0);
		return;
	}
	switch (role) {
	case KEEPER:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, keeper_sock) != 0 ||
		    write(keeper_sock[1], "u", 1) != 1)
			_exit(90);
		sandbox_keeper(keeper_sock[0], STDERR_FILENO, -1);
		break;
	case KH:
	case KH_KEYCMD:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			_exit(90);
		sandbox_keyholder(sv[0], role == KH_KEYCMD, -1, -1);
		break;
	case W_BACKUP:
		p[0].path = srcdir;
		p[0].access = SBX_R;
		p[1].path = repodir;	/* the repository: read-write */
		p[1].access = SBX_RW;
		sandbox_worker(SBX_BACKUP, p, 2, 1);
		break;
	case W_READ:
	case W_MOUNT:
		p[0].path = srcdir;	/* the repository, read-only */
		p[0].access = SBX_R;
		sandbox_worker(sbx[role], p, 1, 1);
		break;
	case W_SAMEAS:
		/* As worker_run grants check --same-as: the repository
		 * (srcdir) and the mirror (repodir), both read-only. */
		p[0].path = repodir;
		p[0].access = SBX_R;
		p[1].path = srcdir;
		p[1].access = SBX_R;
		sandbox_worker(SBX_READ, p, 2, 1);
		break;
	case W_RESTORE:
		p[0].path = srcdir;	/* the repository: read-only */
		p[0].access = SBX_R | SBX_NSBIND;
		p[1].path = repodir;	/* the target */
		p[1].access = SBX_MAKE | SBX_NSBIND;
		sandbox_worker(SBX_RESTORE, p, 2, 1);
		break;
	case W_FORGET:
		p[0].path = srcdir;	/* the repository: read-only, */
		p[0].access = SBX_R;
		p[1].path = fsnapdir;	/* but for removing in snapshots/ */
		p[1].access = SBX_RM;
		sandbox_worker(SBX_FORGET, p, 2, 1);
		break;
	case W_TAG:
		/* As src/worker.c grants it: srcdir is the repository. */
		p[0].path = srcdir;
		p[0].access = SBX_R;
		p[1].path = tagsnaps;
		p[1].access = SBX_FILES;
		p[2].path = taglock;
		p[2].access = SBX_RW | SBX_NOFOLLOW;
		sandbox_worker(SBX_TAG, p, 3, 1);
		break;
	case W_PRUNE:
		/* As worker_run: the repository (srcdir here) read, its
		 * packs/ and index/ read-write. */
		(void)snprintf(pk, sizeof(pk), "%s/packs", srcdir);
		(void)snprintf(ix, sizeof(ix), "%s/index", srcdir);
		p[0].path = srcdir;
		p[0].access = SBX_R;
		p[1].path = pk;
		p[1].access = SBX_RW;
		p[2].path = ix;
		p[2].access = SBX_RW;
		sandbox_worker(SBX_PRUNE, p, 3, 1);
		break;
	case W_REPAIR:
	case W_REPAIR_DATA:
		p[0].path = srcdir;	/* the repository: read-only */
		p[0].access = SBX_R;
		p[1].path = repodir;	/* the directory it rewrites */
		p[1].access = SBX_RW;
		sandbox_worker(sbx[role], p, 2, 1);
		break;
	case W_COPY:
		p[0].path = srcdir;	/* SRC: read-only */
		p[0].access = SBX_R;
		p[1].path = repodir;	/* DST: read-write */
		p[1].access = SBX_RW;
		sandbox_worker(SBX_COPY, p, 2, 1);
		break;
	}
}

/* As nobody, and/or with unshare refused, per the flags. */
static void
child_setup(void)
{
	scmp_filter_ctx ctx;

	if (as_nobody && (setgroups(0, NULL) != 0 ||
	    setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0))
		_exit(91);
	if (no_userns) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    (ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(unshare), 0) != 0 || seccomp_load(ctx) != 0)
			_exit(92);
		seccomp_release(ctx);
	}
}

static const char *
who(void)
{
	if (as_nobody)
		return no_userns ? " as nobody, no user namespaces" :
		    " as nobody";
	return no_userns ? ", no namespaces" : "";
}

static void
attempt(enum role role, const char *what, op_fn *op, enum expect want)
{
	enum expect got;
	int status;
	pid_t pid;

	(void)unlink(allowed);
	if ((pid = fork()) == 0) {
		child_setup();
		confine(role);
		if (op() == 0)
			_exit(0);
		_exit(errno == EACCES || errno == EPERM || errno == ENOENT ||
		    errno == EROFS ? 1 : 2);
	}
	(void)waitpid(pid, &status, 0);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		got = KILLED;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		got = DENIED;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		got = ALLOWED;
	else {
		printf("not ok - %s%s: %s: child ended with status %#x\n",
		    rname[role], who(), what, status);
		failed++;
		return;
	}
	/* A kill is as good as a denial where a denial is expected. */
	if (got == want || (want == DENIED && got == KILLED))
		printf("ok - %s%s: %s is %s\n", rname[role], who(), what,
		    ename[got]);
	else {
		printf("not ok - %s%s: %s is %s, wanted %s\n", rname[role],
		    who(), what, ename[got], ename[want]);
		failed++;
	}
}

/*
 * Issue 13, item 6: the paths tacit itself grants (src/worker.c), not the
 * test's own: worker_run confines exactly as in tacit and then runs, as
 * its command, the operation under test.
 */
static op_fn *prod_op;

static int
prod_cmd(struct opts *o)
{
	(void)o;
	if (prod_op() == 0)
		_exit(0);
	_exit(errno == EACCES || errno == EPERM ? 1 : 2);
}

static void
attempt_prod(const char *what, op_fn *op, enum expect want)
{
	static struct opts o;
	enum expect got;
	int status;
	pid_t pid;

	o.repo = repodir;
	prod_op = op;
	if ((pid = fork()) == 0)
		_exit(worker_run(prod_cmd, &o) == 0 ? 3 : 4);
	(void)waitpid(pid, &status, 0);
	got = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS ? KILLED :
	    WIFEXITED(status) && WEXITSTATUS(status) == 1 ? DENIED :
	    WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ALLOWED : 3;
	if (got == want || (want == DENIED && got == KILLED))
		printf("ok - worker (tacit's own paths): %s is %s\n", what,
		    ename[got]);
	else {
		printf("not ok - worker (tacit's own paths): %s: status %#x, "
		    "wanted %s\n", what, status, ename[want]);
		failed++;
	}
}

/*
 * Issue 13, item 3: the worker that tacit starts (keyholder_run, the very
 * function tacit calls) on a terminal holds no descriptor of it.  The
 * keyholder re-executes this program as "-x worker ttyprobe REPO"; that
 * worker confines itself through worker_run, like tacit's, then tries what
 * a compromised worker would: dup each descriptor and read from the copy
 * (the filter refuses read on 0-2 only), and open /dev/tty.  A line was
 * typed on the terminal before; reading any of it fails the test.
 */
static int
tty_cmd(struct opts *o)
{
	char buf[64];
	int fd, d;

	(void)o;
	for (fd = 0; fd < 16; fd++) {
		if ((d = dup(fd)) < 0)
			continue;
		(void)fcntl(d, F_SETFL, O_NONBLOCK);
		if (read(d, buf, sizeof(buf)) > 0)
			return 0;
		(void)close(d);
	}
	return open("/dev/tty", O_RDONLY) >= 0 ? 0 : 1;
}

static void
tty_case(const char *argv0)
{
	static char *args[4];
	static struct opts o;
	int m, s, status;
	pid_t pid;

	args[0] = (char *)(uintptr_t)argv0;
	args[1] = (char *)(uintptr_t)"ttyprobe";
	args[2] = repodir;
	o.repo = repodir;
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) != 0 ||
	    unlockpt(m) != 0) {
		printf("ok - # SKIP no pseudo-terminal here\n");
		return;
	}
	if ((pid = fork()) == 0) {
		/* The user's terminal: controlling tty, and 0-2. */
		if (setsid() < 0 || (s = open(ptsname(m), O_RDWR)) < 0 ||
		    write(m, "typed secret\n", 13) != 13)
			_exit(90);
		(void)close(m);
		(void)dup2(s, 0);
		(void)dup2(s, 1);
		(void)dup2(s, 2);
		_exit(keyholder_run(3, args, &o, 0));
	}
	(void)waitpid(pid, &status, 0);
	(void)close(m);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		printf("ok - worker started by the keyholder on a terminal: "
		    "dup and read, and /dev/tty, reach no terminal\n");
	else {
		printf("not ok - worker started by the keyholder on a "
		    "terminal: it read the terminal (status %#x)\n", status);
		failed++;
	}
}

/*
 * Issue 13, item 4: in each worker role, under its seccomp filter alone,
 * no descriptor can be made to send a signal, and the full F_SETOWN +
 * F_SETSIG(SIGKILL) + O_ASYNC attack leaves the victim alive.
 */
static void
forget_cases(void)
{
	struct stat st;
	char d[4400];

	forget_files();
	attempt(W_FORGET, "removing a snapshot file (control)",
	    op_forget_unlink, ALLOWED);
	forget_files();
	attempt(W_FORGET, "reading a pack (control)", op_forget_read_pack,
	    ALLOWED);
	attempt(W_FORGET, "removing a pack", op_forget_pack, DENIED);
	attempt(W_FORGET, "removing an index segment", op_forget_seg, DENIED);
	attempt(W_FORGET, "removing a directory in snapshots/",
	    op_forget_rmdir, KILLED);
	attempt(W_FORGET, "creating a file in snapshots/", op_forget_create,
	    KILLED);
	attempt(W_FORGET, "opening a snapshot for writing", op_forget_write,
	    KILLED);
	attempt(W_FORGET, "renaming a snapshot", op_forget_rename, KILLED);
	attempt(W_FORGET, "a thread", op_thread, KILLED);
	if (stat(fpack, &st) != 0 || stat(fseg, &st) != 0 ||
	    stat(fsub, &st) != 0) {
		printf("not ok - worker (forget): a denied removal removed\n");
		failed++;
	} else
		printf("ok - worker (forget): the pack, the segment and the "
		    "directory are still there\n");
	(void)unlink(fvictim);
	(void)unlink(fpack);
	(void)unlink(fseg);
	(void)rmdir(fsub);
	(void)rmdir(fsnapdir);
	(void)snprintf(d, sizeof(d), "%s/data/00", srcdir);
	(void)rmdir(d);
	(void)snprintf(d, sizeof(d), "%s/data", srcdir);
	(void)rmdir(d);
	(void)snprintf(d, sizeof(d), "%s/index", srcdir);
	(void)rmdir(d);
}

static void
sigio_cases(void)
{
	static const enum role workers[] = { W_BACKUP, W_READ, W_RESTORE,
	    W_FORGET, W_TAG, W_PRUNE, W_REPAIR, W_MOUNT, W_REPAIR_DATA,
	    W_COPY };
	char p[4300];
	size_t i;
	int fd, status;

	(void)snprintf(p, sizeof(p), "%s/lease", srcdir);
	if ((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0)
		(void)close(fd);
	if ((victim = fork()) == 0) {
		for (;;)
			(void)pause();
	}
	if (pipe(sio) != 0)
		sio[0] = sio[1] = -1;
	seccomp_only = 1;
	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		enum role w = workers[i];

		attempt(w, "seccomp alone: fcntl F_GETFL, F_SETFL O_NONBLOCK "
		    "(control)", op_nonblock, ALLOWED);
		attempt(w, "seccomp alone: fcntl F_SETOWN", op_setown, DENIED);
		attempt(w, "seccomp alone: fcntl F_SETOWN_EX", op_setown_ex,
		    DENIED);
		attempt(w, "seccomp alone: fcntl F_SETSIG", op_setsig, DENIED);
		attempt(w, "seccomp alone: fcntl F_SETFL O_ASYNC", op_async,
		    DENIED);
		attempt(w, "seccomp alone: fcntl F_SETLEASE", op_setlease,
		    DENIED);
		attempt(w, "seccomp alone: fcntl F_NOTIFY", op_notify, DENIED);
		attempt(w, "seccomp alone: fcntl F_SETLK (the repository "
		    "lock: control)", op_setlk, ALLOWED);
		attempt(w, "seccomp alone: fcntl F_GETLK (its holder: "
		    "control)", op_getlk, ALLOWED);
		attempt(w, "seccomp alone: fcntl F_SETLKW", op_setlkw, KILLED);
		attempt(w, "seccomp alone: fcntl F_OFD_SETLK", op_ofd_setlk,
		    KILLED);
		attempt(w, "seccomp alone: flock", op_flock, KILLED);
		attempt(w, w == W_RESTORE ? "seccomp alone: fadvise64 "
		    "WILLNEED (read-ahead of packs: control)" :
		    "seccomp alone: fadvise64", op_fadvise,
		    w == W_RESTORE ? ALLOWED : KILLED);
		attempt(w, "seccomp alone: fadvise64 DONTNEED",
		    op_fadvise_dontneed, KILLED);
		attempt(w, "seccomp alone: ioctl FIOASYNC", op_fioasync,
		    DENIED);
		attempt(w, "seccomp alone: ioctl FIOSETOWN", op_fiosetown,
		    DENIED);
		attempt(w, "seccomp alone: ioctl TIOCSTI", op_tiocsti, DENIED);
		/* Whatever the calls return: does the victim live? */
		attempt(w, "seccomp alone: F_SETOWN, F_SETSIG(SIGKILL), "
		    "O_ASYNC, write", op_sigio_kill, DENIED);
		if (waitpid(victim, &status, WNOHANG) == 0)
			printf("ok - %s: seccomp alone: SIGIO's SIGKILL leaves "
			    "the victim alive\n", rname[w]);
		else {
			printf("not ok - %s: seccomp alone: SIGIO's SIGKILL "
			    "killed the victim\n", rname[w]);
			failed++;
			if ((victim = fork()) == 0)
				for (;;)
					(void)pause();
		}
	}
	seccomp_only = 0;
	(void)kill(victim, SIGKILL);
	(void)waitpid(victim, &status, 0);
	(void)close(sio[0]);
	(void)close(sio[1]);
	(void)unlink(p);
}

/*
 * Issue 14: the backup worker keeps CAP_SYS_ADMIN as root, or trusted.*
 * attributes would be invisible to it.  It does read them (control; the
 * read-only role, without the capability, does not), and every call that
 * the capability would open stays killed by its filter: threat-model.md,
 * P3, lists them with the reason each one is out of reach.
 */
static void
backup_admin_cases(void)
{
	static const struct { const char *what; op_fn *op; } ops[] = {
		{ "mount", op_mount },
		{ "umount2", op_umount },
		{ "pivot_root", op_pivot },
		{ "chroot", op_chroot },
		{ "unshare(CLONE_NEWNS)", op_unshare },
		{ "setns", op_setns },
		{ "a thread in new namespaces (clone CLONE_THREAD|CLONE_NEWNS)",
		    op_thread_ns },
		{ "swapon", op_swapon },
		{ "sethostname", op_sethostname },
		{ "madvise(MADV_SOFT_OFFLINE)", op_hwpoison },
		{ "syslog", op_syslog },
		{ "fanotify_init", op_fanotify },
		{ "quotactl", op_quotactl },
		{ "perf_event_open", op_perf },
		{ "open_by_handle_at", op_handle },
		{ "name_to_handle_at", op_name_handle },
		{ "bpf", op_bpf },
		{ "keyctl", op_keyctl },
		{ "ioctl(FIFREEZE)", op_fifreeze },
	};
	size_t i;
	int fd;

	(void)snprintf(trusted, sizeof(trusted), "%s/trusted", srcdir);
	if ((fd = open(trusted, O_WRONLY | O_CREAT, 0600)) < 0 ||
	    close(fd) != 0 ||
	    lsetxattr(trusted, "trusted.tacit", "ok", 2, 0) != 0) {
		printf("ok - # SKIP no trusted.* attribute here: %s\n",
		    strerror(errno));
		(void)unlink(trusted);
		return;
	}
	attempt(W_BACKUP, "reading a trusted.* attribute (control: "
	    "CAP_SYS_ADMIN kept as root)", op_trusted, ALLOWED);
	attempt(W_READ, "reading a trusted.* attribute (no CAP_SYS_ADMIN)",
	    op_trusted, DENIED);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		attempt(W_BACKUP, ops[i].what, ops[i].op, KILLED);
		attempt(W_RESTORE, ops[i].what, ops[i].op, KILLED);
	}
	(void)unlink(trusted);
}

/* ${outside} as it was made, or a failure. */
static void
outside_same(const char *when)
{
	struct stat st;
	char v[8];

	if (stat(outside, &st) != 0 || (st.st_mode & 07777) != 0640 ||
	    st.st_uid != (as_nobody ? 65534 : getuid()) ||
	    st.st_mtim.tv_sec != 1000000000 ||
	    getxattr(outside, "user.tacit", v, sizeof(v)) >= 0 ||
	    lgetxattr(outside, "trusted.tacit", v, sizeof(v)) >= 0 ||
	    getxattr(outside, "security.capability", v, sizeof(v)) >= 0) {
		printf("not ok - the file outside the target changed (%s)\n",
		    when);
		failed++;
	} else
		printf("ok - the file outside the target is unchanged (%s)\n",
		    when);
}

/*
 * A directory descriptor open when the restore worker enters its private
 * root, a way back to the old root, stops it (sandbox/mountns.c, which
 * finds the open descriptors with poll): one numbered past the first
 * polled 256, as high as RLIMIT_NOFILE allows below 4,096.
 */
static void
restore_dir_fd(void)
{
	struct rlimit rl;
	int status, fd, hi;
	pid_t pid;

	if (no_userns)
		return;
	hi = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 ?
	    (int)rl.rlim_cur - 1 : 4095;
	if ((pid = fork()) == 0) {
		child_setup();
		if ((fd = open("/", O_RDONLY | O_DIRECTORY)) < 0 ||
		    dup2(fd, hi) != hi || close(fd) != 0 ||
		    (fd = open("/dev/null", O_WRONLY)) < 0 ||
		    dup2(fd, STDERR_FILENO) != STDERR_FILENO)
			_exit(90);
		confine(W_RESTORE);
		_exit(sandbox_private_root() == 1 ? 0 : 5);
	}
	(void)waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 5)
		printf("ok - # SKIP restore%s: no private root here\n", who());
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		printf("ok - restore%s: a directory descriptor (%d) left open "
		    "stops the worker\n", who(), hi);
	else {
		printf("not ok - restore%s: a directory descriptor (%d) left "
		    "open: status %#x, wanted exit 1\n", who(), hi, status);
		failed++;
	}
}

/* One set of the restore role's metadata and device cases. */
static void
restore_meta(void)
{
	static const struct { const char *what; op_fn *op; } ops[] = {
		{ "chmod(outside, 04777)", op_chmod },
		{ "fchmodat(AT_FDCWD, outside)", op_fchmodat },
		{ "fchmodat2(AT_FDCWD, outside, AT_EMPTY_PATH)", op_fchmodat2 },
		{ "chown(outside)", op_chown },
		{ "lchown(outside)", op_lchown },
		{ "fchownat(AT_FDCWD, outside)", op_fchownat },
		{ "fchownat(AT_FDCWD, outside, AT_EMPTY_PATH)",
		    op_fchownat_empty },
		{ "fchownat(O_PATH fd of outside, \"\", AT_EMPTY_PATH)",
		    op_opath_chown },
		{ "utimensat(AT_FDCWD, outside)", op_utimensat },
		{ "utimensat(AT_FDCWD, outside, AT_EMPTY_PATH)",
		    op_utimensat_empty },
		{ "setxattr(outside, user.*)", op_setxattr },
		{ "setxattr(outside, security.capability)", op_setcap },
		{ "lsetxattr(outside, trusted.*)", op_lsetxattr },
		{ "removexattr(outside)", op_removexattr },
		{ "lremovexattr(outside)", op_lremovexattr },
		{ "renameat2(a file of the target, over outside)",
		    op_rename_over_outside },
	};
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char v[4400];
	size_t i;

	(void)unlink(outside);
	if (close(open(outside, O_WRONLY | O_CREAT, 0640)) != 0 ||
	    chmod(outside, 0640) != 0 ||
	    (as_nobody && chown(outside, 65534, 65534) != 0) ||
	    setxattr(outside, "user.keep", "k", 1, 0) != 0 ||
	    utimensat(AT_FDCWD, outside, ts, 0) != 0) {
		printf("not ok - setup of the file outside: %s\n",
		    strerror(errno));
		failed++;
		return;
	}
	attempt(W_RESTORE, "creating a file in the target (control)",
	    op_write_allowed, ALLOWED);
	attempt(W_RESTORE, "being in a private root (control)",
	    op_private_root, no_userns ? DENIED : ALLOWED);
	restore_dir_fd();
	attempt(W_RESTORE, "renaming a file within the target, "
	    "RENAME_NOREPLACE (control)", op_rename_allowed, ALLOWED);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		attempt(W_RESTORE, ops[i].what, ops[i].op, DENIED);
	outside_same(who()[0] ? who() + (who()[0] == ',' ? 2 : 1) :
	    "as the caller");
	if (getxattr(outside, "user.keep", ts, 1) != 1) {
		printf("not ok - user.keep removed from the file outside\n");
		failed++;
	}
	if (as_nobody)
		return;
	/* Root: the nodes it makes in the target are never openable. */
	if (geteuid() == 0) {
		(void)snprintf(v, sizeof(v), "%s/null", repodir);
		(void)unlink(v);
		(void)snprintf(v, sizeof(v), "%s/loop0", repodir);
		(void)unlink(v);
		attempt(W_RESTORE, "opening a char device (1,3) it made in the "
		    "target", op_null, DENIED);
		attempt(W_RESTORE, "opening a block device (7,0) it made in "
		    "the target", op_loop, DENIED);
		/* In the private root the nodes are made: open is refused. */
		if (!no_userns) {
			struct stat st;

			(void)snprintf(v, sizeof(v), "%s/loop0", repodir);
			if (stat(v, &st) == 0 && S_ISBLK(st.st_mode))
				printf("ok - the block device was made, and "
				    "only its open refused\n");
			else {
				printf("not ok - the block device was not "
				    "made\n");
				failed++;
			}
		}
		(void)snprintf(v, sizeof(v), "%s/null", repodir);
		(void)unlink(v);
		(void)snprintf(v, sizeof(v), "%s/loop0", repodir);
		(void)unlink(v);
	}
	attempt(W_RESTORE, "umount2", op_umount, KILLED);
	attempt(W_RESTORE, "pivot_root", op_pivot, KILLED);
	attempt(W_RESTORE, "chroot", op_chroot, KILLED);
	attempt(W_RESTORE, "unshare", op_unshare, KILLED);
	attempt(W_RESTORE, "setns", op_setns, KILLED);
	attempt(W_RESTORE, "open_by_handle_at", op_handle, KILLED);
	attempt(W_RESTORE, "name_to_handle_at", op_name_handle, KILLED);
}

/*
 * Every restore metadata set: as the caller, as nobody (root only, in a
 * tree nobody owns), each with and without namespaces.
 */
static void
restore_meta_all(void)
{
	char tmpl[] = "/tmp/tacit-death.XXXXXX", sdir[4096], sout[4200];

	for (no_userns = 0; no_userns < 2; no_userns++)
		restore_meta();
	no_userns = 0;
	if (geteuid() != 0 || mkdtemp(tmpl) == NULL)
		return;
	(void)snprintf(sdir, sizeof(sdir), "%s", dir);
	(void)snprintf(sout, sizeof(sout), "%s", outside);
	(void)snprintf(dir, sizeof(dir), "%s", tmpl);
	(void)snprintf(srcdir, sizeof(srcdir), "%s/src", dir);
	(void)snprintf(repodir, sizeof(repodir), "%s/repo", dir);
	(void)snprintf(allowed, sizeof(allowed), "%s/allowed", repodir);
	(void)snprintf(outside, sizeof(outside), "%s/outside", dir);
	if (mkdir(srcdir, 0700) != 0 || mkdir(repodir, 0700) != 0 ||
	    chown(dir, 65534, 65534) != 0 || chown(srcdir, 65534, 65534) != 0 ||
	    chown(repodir, 65534, 65534) != 0) {
		printf("not ok - setup of nobody's tree\n");
		failed++;
	} else {
		as_nobody = 1;
		for (no_userns = 0; no_userns < 2; no_userns++)
			restore_meta();
		as_nobody = no_userns = 0;
	}
	(void)unlink(allowed);
	(void)unlink(outside);
	(void)rmdir(srcdir);
	(void)rmdir(repodir);
	(void)rmdir(dir);
	(void)snprintf(dir, sizeof(dir), "%s", sdir);
	(void)snprintf(srcdir, sizeof(srcdir), "%s/src", dir);
	(void)snprintf(repodir, sizeof(repodir), "%s/repo", dir);
	(void)snprintf(allowed, sizeof(allowed), "%s/allowed", repodir);
	(void)snprintf(outside, sizeof(outside), "%s", sout);
}


/* Control: what tag does: a temporary written and synced, renamed to
 * its name without replacing, the directory synced, a snapshot removed. */
static int
op_tag_snapshot(void)
{
	char tmp[4400], name[4400];
	int fd, dfd;

	(void)snprintf(tmp, sizeof(tmp), "%s/.tmp-death", tagsnaps);
	(void)snprintf(name, sizeof(name), "%s/0123456789abcdef", tagsnaps);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    write(fd, "s", 1) != 1 || fsync(fd) != 0 || close(fd) != 0 ||
	    syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, name,
	    RENAME_NOREPLACE) != 0 ||
	    (dfd = open(tagsnaps, O_RDONLY | O_DIRECTORY)) < 0 ||
	    fsync(dfd) != 0 || unlinkat(AT_FDCWD, name, 0) != 0)
		return -1;
	return 0;
}
/* Control: the write lock tag takes (the lock file opened read-write). */
static int
op_tag_lock(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 2 };
	int fd = open(taglock, O_RDWR | O_NOFOLLOW);

	return fd < 0 ? -1 : fcntl(fd, F_SETLK, &fl);
}
/* Control: snapshot_write's fsio_subdir finds snapshots/ (EEXIST). */
static int
op_tag_mkdir_existing(void)
{
	if (mkdirat(AT_FDCWD, tagsnaps, 0700) == 0 || errno != EEXIST)
		return -1;
	return 0;
}
static int
op_tag_in(const char *sub)
{
	char p[4400];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/%s", srcdir, sub);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	return fd < 0 ? -1 : 0;
}
static int op_tag_pack(void) { return op_tag_in("packs/new"); }
static int op_tag_index(void) { return op_tag_in("index/new"); }
static int op_tag_root(void) { return op_tag_in("new"); }
static int op_tag_keys(void) { return op_tag_in("keys/new"); }
static int
op_tag_pack_write(void)
{
	int fd = open(tagpack, O_WRONLY);

	return fd < 0 ? -1 : 0;
}
static int
op_tag_pack_unlink(void)
{
	return unlinkat(AT_FDCWD, tagpack, 0);
}
static int
op_tag_mkdir(void)
{
	char p[4400];

	(void)snprintf(p, sizeof(p), "%s/sub", tagsnaps);
	return mkdirat(AT_FDCWD, p, 0700);
}
/* A snapshot moved out of snapshots/ (EXDEV from Landlock: a denial). */
static int
op_tag_rename_out(void)
{
	char from[4400], to[4400];
	int fd;

	(void)snprintf(from, sizeof(from), "%s/s", tagsnaps);
	(void)snprintf(to, sizeof(to), "%s/s", srcdir);
	if ((fd = open(from, O_WRONLY | O_CREAT, 0600)) < 0 || close(fd) != 0)
		return -1;
	if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to,
	    RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EXDEV)
		errno = EACCES;
	return -1;
}
/* A second name for a snapshot: linkat is not in the policy. */
static int
op_tag_link(void)
{
	char a[4400], b[4400];
	int fd;

	(void)snprintf(a, sizeof(a), "%s/a", tagsnaps);
	(void)snprintf(b, sizeof(b), "%s/b", tagsnaps);
	if ((fd = open(a, O_WRONLY | O_CREAT, 0600)) < 0 || close(fd) != 0 ||
	    (fd = open(b, O_WRONLY | O_CREAT, 0600)) < 0 || close(fd) != 0)
		return -1;
	return linkat(AT_FDCWD, a, AT_FDCWD, b, 0);
}

static void
tag_cases(void)
{
	char d[4400];
	int fd;

	(void)snprintf(tagsnaps, sizeof(tagsnaps), "%s/snapshots", srcdir);
	(void)snprintf(taglock, sizeof(taglock), "%s/lock", srcdir);
	(void)snprintf(tagpack, sizeof(tagpack), "%s/packs/p", srcdir);
	(void)mkdir(tagsnaps, 0700);
	(void)snprintf(d, sizeof(d), "%s/packs", srcdir);
	(void)mkdir(d, 0700);
	(void)snprintf(d, sizeof(d), "%s/index", srcdir);
	(void)mkdir(d, 0700);
	(void)snprintf(d, sizeof(d), "%s/keys", srcdir);
	(void)mkdir(d, 0700);
	if ((fd = open(tagpack, O_WRONLY | O_CREAT, 0600)) >= 0)
		(void)close(fd);
	if ((fd = open(taglock, O_WRONLY | O_CREAT, 0600)) >= 0)
		(void)close(fd);
	attempt(W_TAG, "writing, renaming and removing a snapshot file "
	    "(control)", op_tag_snapshot, ALLOWED);
	attempt(W_TAG, "mkdirat of the existing snapshots/ gives EEXIST "
	    "(control)", op_tag_mkdir_existing, ALLOWED);
	attempt(W_TAG, "taking the repository's write lock (control)",
	    op_tag_lock, ALLOWED);
	attempt(W_TAG, "creating a file in packs/", op_tag_pack, DENIED);
	attempt(W_TAG, "creating a file in index/", op_tag_index, DENIED);
	attempt(W_TAG, "creating a file in keys/", op_tag_keys, DENIED);
	attempt(W_TAG, "creating a file in the repository's top directory",
	    op_tag_root, DENIED);
	attempt(W_TAG, "opening a pack for writing", op_tag_pack_write,
	    DENIED);
	attempt(W_TAG, "removing a pack", op_tag_pack_unlink, DENIED);
	attempt(W_TAG, "making a directory in snapshots/", op_tag_mkdir,
	    DENIED);
	attempt(W_TAG, "moving a snapshot out of snapshots/",
	    op_tag_rename_out, DENIED);
	attempt(W_TAG, "a hard link in snapshots/", op_tag_link, KILLED);
	attempt(W_TAG, "a thread", op_thread, KILLED);
	(void)snprintf(d, sizeof(d), "%s/a", tagsnaps);
	(void)unlink(d);
	(void)snprintf(d, sizeof(d), "%s/b", tagsnaps);
	(void)unlink(d);
	(void)snprintf(d, sizeof(d), "%s/s", tagsnaps);
	(void)unlink(d);
	(void)unlink(tagpack);
	(void)unlink(taglock);
	(void)rmdir(tagsnaps);
	(void)snprintf(d, sizeof(d), "%s/packs", srcdir);
	(void)rmdir(d);
	(void)snprintf(d, sizeof(d), "%s/index", srcdir);
	(void)rmdir(d);
	(void)snprintf(d, sizeof(d), "%s/keys", srcdir);
	(void)rmdir(d);
}

/*
 * A process stopped (SIGSTOP, Ctrl-Z, a debugger) and continued in the
 * middle of poll or a sleep resumes the call through restart_syscall: the
 * keyholder waiting in poll and a worker sleeping (--lock-wait) must live
 * through it.  (32-passcmd stops both to scan their memory; the keyholder
 * died there with SIGSYS, exit 159.)  The child says it is confined, then
 * waits 1.5 s while it is stopped and continued ten times.
 */
static int
op_poll(void)
{
	return poll(NULL, 0, 1500) < 0 ? -1 : 0;
}

static int
op_sleep(void)
{
	struct timespec t = { 1, 500 * 1000 * 1000 };

	return nanosleep(&t, NULL);
}

static void
stop_cont(enum role role, const char *what, op_fn *op)
{
	int p[2], status, i;
	char c;
	pid_t pid;

	if (pipe(p) != 0 || (pid = fork()) < 0) {
		printf("not ok - %s: pipe or fork\n", what);
		failed++;
		return;
	}
	if (pid == 0) {
		(void)close(p[0]);
		child_setup();
		/* Before the filter: the keyholder may write only its own. */
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		confine(role);
		_exit(op() == 0 ? 0 : 2);
	}
	(void)close(p[1]);
	if (read(p[0], &c, 1) == 1)
		for (i = 0; i < 10; i++) {
			(void)usleep(30 * 1000);
			(void)kill(pid, SIGSTOP);
			(void)usleep(10 * 1000);
			(void)kill(pid, SIGCONT);
		}
	(void)close(p[0]);
	(void)waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("ok - %s%s: %s, stopped and continued ten times, "
		    "goes on\n", rname[role], who(), what);
	else {
		printf("not ok - %s%s: %s, stopped and continued: status "
		    "%#x%s\n", rname[role], who(), what, status,
		    WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS ?
		    " (SIGSYS: restart_syscall)" : "");
		failed++;
	}
}

/*
 * The root mount keeper: its socket, stderr, poll, close, exit, and
 * umount2 (UMOUNT_NOFOLLOW, maybe MNT_DETACH).  Every other class kills
 * it: no open (for reading or writing), no stat, no memory call, no
 * fork, thread, exec, signal, socket or mount.  (The user's keeper is
 * not confined: it execs the setuid fusermount3.)
 */
static void
keeper_cases(void)
{
	static const struct {
		const char	*what;
		op_fn		*op;
	} killed[] = {
		{ "reading standard input", op_read_stdin },
		{ "open", op_open },
		{ "opening for writing", op_write_outside },
		{ "opening /dev/fuse", op_devfuse },
		{ "execve", op_execve },
		{ "fork", op_fork },
		{ "a thread", op_thread },
		{ "kill", op_kill },
		{ "ptrace", op_ptrace },
		{ "socket(AF_INET)", op_socket },
		{ "socket(AF_UNIX)", op_unix },
		{ "connect", op_connect },
		{ "mount", op_mount },
		{ "umount2 with MNT_FORCE", op_umount_force },
		{ "umount2 following a symlink", op_umount_follow },
		{ "mmap", op_mmap },
		{ "mprotect(PROT_EXEC)", op_mprotect_exec },
		{ "dup", op_dup },
		{ "setuid(0)", op_setuid },
		{ "capset (every capability)", op_capset },
		{ "bpf", op_bpf },
		{ "an x32 system call", op_x32 },
	};
	size_t i;

	(void)snprintf(keeper_dir, sizeof(keeper_dir), "%s", srcdir);
	attempt(KEEPER, "reading its socket (control)", op_keeper_read,
	    ALLOWED);
	attempt(KEEPER, "writing stderr (control)", op_write_stderr, ALLOWED);
	stop_cont(KEEPER, "poll", op_poll);
	for (i = 0; i < sizeof(killed) / sizeof(killed[0]); i++)
		attempt(KEEPER, killed[i].what, killed[i].op, KILLED);
	attempt(KEEPER, "stat", op_stat, KILLED);
	/* umount2 needs CAP_SYS_ADMIN: as a user EPERM (denied). */
	attempt(KEEPER, "umount2 (control)", op_keeper_umount,
	    getuid() == 0 ? ALLOWED : DENIED);
	attempt(KEEPER, "umount2 MNT_DETACH (control)", op_keeper_detach,
	    getuid() == 0 ? ALLOWED : DENIED);
}

int
main(int argc, char **argv)
{
	static const enum role workers[] = { W_BACKUP, W_READ, W_RESTORE,
	    W_FORGET, W_TAG, W_PRUNE, W_REPAIR, W_MOUNT, W_REPAIR_DATA,
	    W_COPY };
	static const char *const prunedirs[] = { "packs", "index",
	    "snapshots", "keys", "snapshots/snap", "keys/slot" };
	char pd[4400];
	char victimf[4300];
	size_t i;
	int fd;

	/* The worker of tty_case, started by keyholder_run. */
	if (argc == 5 && strcmp(argv[1], "-x") == 0 &&
	    strcmp(argv[3], "ttyprobe") == 0) {
		static struct opts o;

		o.repo = argv[4];
		return worker_run(tty_cmd, &o);
	}
	if (argc != 2)
		return 2;
#ifdef SANDBOX_OFF
	printf("ok - # SKIP sandbox compiled out in this build (ASan)\n");
	return 0;
#endif
	if (sandbox_landlock_abi() == 0) {
		printf("ok - # SKIP no Landlock in this kernel\n");
		return 0;
	}
	(void)snprintf(dir, sizeof(dir), "%s", argv[1]);
	(void)snprintf(srcdir, sizeof(srcdir), "%s/src", dir);
	(void)snprintf(repodir, sizeof(repodir), "%s/repo", dir);
	(void)snprintf(allowed, sizeof(allowed), "%s/allowed", repodir);
	(void)snprintf(outside, sizeof(outside), "%s.outside", dir);
	(void)mkdir(srcdir, 0700);
	(void)mkdir(repodir, 0700);
	(void)snprintf(fsnapdir, sizeof(fsnapdir), "%s/snapshots", srcdir);
	(void)snprintf(fvictim, sizeof(fvictim), "%s/victim", fsnapdir);
	(void)snprintf(fsub, sizeof(fsub), "%s/sub", fsnapdir);
	(void)snprintf(fpack, sizeof(fpack), "%s/data/00/pack", srcdir);
	(void)snprintf(fseg, sizeof(fseg), "%s/index/seg", srcdir);
	forget_files();
	(void)snprintf(victimf, sizeof(victimf), "%s/victim", srcdir);
	(void)close(open(victimf, O_WRONLY | O_CREAT, 0600));

	/* The keyholder: nothing but its socket, memory and exit. */
	attempt(KH, "getpid (control)", op_getpid, ALLOWED);
	stop_cont(KH, "poll", op_poll);
	attempt(KH, "socket(AF_INET)", op_socket, KILLED);
	attempt(KH, "socket(AF_UNIX)", op_unix, KILLED);
	attempt(KH, "connect", op_connect, KILLED);
	attempt(KH, "execve", op_execve, KILLED);
	attempt(KH, "ptrace", op_ptrace, KILLED);
	attempt(KH, "fork", op_fork, KILLED);
	attempt(KH, "open", op_open, KILLED);
	attempt(KH, "mprotect(PROT_EXEC)", op_mprotect_exec, KILLED);
	attempt(KH, "an x32 system call", op_x32, KILLED);
	attempt(KH_KEYCMD, "fork", op_fork, KILLED);
	attempt(KH_KEYCMD, "open", op_open, KILLED);
	attempt(KH_KEYCMD, "execve", op_execve, KILLED);

	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		enum role w = workers[i];

		attempt(w, "reading its allowed tree (control)",
		    op_read_allowed, ALLOWED);
		stop_cont(w, "nanosleep", op_sleep);
		attempt(w, "socket(AF_INET)", op_socket, DENIED);
		attempt(w, "connect", op_connect, KILLED);
		attempt(w, "execve", op_execve, KILLED);
		attempt(w, "ptrace", op_ptrace, KILLED);
		attempt(w, "fork", op_fork, KILLED);
		attempt(w, "mount", op_mount, KILLED);
		attempt(w, "bpf", op_bpf, KILLED);
		attempt(w, "keyctl", op_keyctl, KILLED);
		attempt(w, "process_vm_readv", op_vmread, KILLED);
		attempt(w, "mprotect(PROT_EXEC)", op_mprotect_exec, KILLED);
		attempt(w, "an x32 system call", op_x32, KILLED);
		attempt(w, "writing outside its tree", op_write_outside, DENIED);
		attempt(w, "reading outside its tree", op_read_outside, DENIED);
		attempt(w, "setuid(0)", op_setuid, KILLED);
		attempt(w, "setresuid(0, 0, 0)", op_setresuid, KILLED);
		attempt(w, "setgid(0)", op_setgid, KILLED);
		attempt(w, "setgroups", op_setgroups, KILLED);
		attempt(w, "setfsuid(0)", op_setfsuid, KILLED);
		attempt(w, "capset (every capability)", op_capset, KILLED);
	}
	/* Started by root, the read-only worker is nobody; the writing roles
	 * stay uid 0 by design (threat-model.md, P3). */
	if (getuid() == 0) {
		attempt(W_READ, "keeping a root id", op_still_root, DENIED);
		attempt(W_MOUNT, "keeping a root id", op_still_root, DENIED);
		attempt(W_BACKUP, "keeping uid 0 (repository files stay "
		    "root's)", op_still_root, ALLOWED);
		attempt(W_RESTORE, "keeping uid 0 (restored files are created "
		    "root's)", op_still_root, ALLOWED);
	}
	if (getuid() == 0)
		backup_admin_cases();
	sigio_cases();
	tty_case(argv[0]);
	/* Least access: of /etc, only what NSS and the time zone read. */
	attempt_prod("reading /etc/passwd (control)", op_passwd, ALLOWED);
	attempt_prod("reading /etc/shadow", op_shadow, DENIED);
	attempt_prod("reading /etc/hostname", op_read_outside, DENIED);
	attempt(W_BACKUP, "creating a file in the repository (control)",
	    op_write_allowed, ALLOWED);
	attempt(W_RESTORE, "creating a file in the target (control)",
	    op_write_allowed, ALLOWED);
	attempt(W_BACKUP, "creating a file among the sources", op_write_source,
	    DENIED);
	attempt(W_RESTORE, "creating a file in the repository",
	    op_write_source, DENIED);
	attempt(W_READ, "opening for writing in a read-only role",
	    op_write_in_read_role, KILLED);
	/* check --same-as B: B is read, never changed. */
	(void)snprintf(victimf, sizeof(victimf), "%s/mirrored", repodir);
	(void)close(open(victimf, O_WRONLY | O_CREAT, 0600));
	attempt(W_SAMEAS, "reading a file of the mirror (control)",
	    op_read_mirror, ALLOWED);
	attempt(W_SAMEAS, "opening a file of the mirror for writing",
	    op_write_mirror, KILLED);
	attempt(W_SAMEAS, "removing a file of the mirror", op_unlink_mirror,
	    DENIED);
	attempt(W_SAMEAS, "renaming a file of the mirror", op_rename_mirror,
	    DENIED);
	attempt(W_SAMEAS, "reading /etc/hostname", op_read_outside, DENIED);
	(void)unlink(victimf);
	(void)snprintf(victimf, sizeof(victimf), "%s/victim", srcdir);
	/* Backup's store threads and restore's writer: threads, not forks. */
	attempt(W_BACKUP, "a thread (control)", op_thread, ALLOWED);
	attempt(W_RESTORE, "a thread (control)", op_thread, ALLOWED);
	attempt(W_READ, "a thread in a read-only role", op_thread, KILLED);
	/* mount: the FUSE loop's threads, never a fork (above); the keeper
	 * unmounts. */
	attempt(W_MOUNT, "opening for writing", op_write_in_read_role, KILLED);
	attempt(W_MOUNT, "a thread (control: the FUSE loop's)", op_thread,
	    ALLOWED);
	attempt(W_MOUNT, "a thread in new namespaces", op_thread_ns, KILLED);
	attempt(W_MOUNT, "poll (the FUSE loop: control)", op_poll, ALLOWED);
	attempt(W_MOUNT, "umount2", op_umount, KILLED);
	attempt(W_MOUNT, "opening /dev/fuse", op_devfuse, DENIED);
	attempt(KH, "a thread", op_thread, KILLED);
	keeper_cases();
	forget_cases();
	tag_cases();
	/* Prune: only packs/ and index/ change; no thread.  Its tree is
	 * made here: the forget and tag cases clean theirs up. */
	for (i = 0; i < sizeof(prunedirs) / sizeof(prunedirs[0]); i++) {
		(void)snprintf(pd, sizeof(pd), "%s/%s", srcdir, prunedirs[i]);
		if (i < 4)
			(void)mkdir(pd, 0700);
		else if ((fd = open(pd, O_WRONLY | O_CREAT, 0600)) >= 0)
			(void)close(fd);
	}
	attempt(W_PRUNE, "a new pack renamed into place and removed (control)",
	    op_prune_pack, ALLOWED);
	attempt(W_PRUNE, "an index segment made and removed (control)",
	    op_prune_index, ALLOWED);
	attempt(W_PRUNE, "removing a snapshot", op_prune_unlink_snapshot,
	    DENIED);
	attempt(W_PRUNE, "writing a snapshot", op_prune_write_snapshot,
	    DENIED);
	attempt(W_PRUNE, "moving a snapshot into packs/",
	    op_prune_move_snapshot, DENIED);
	attempt(W_PRUNE, "writing in keys/", op_prune_write_keys, DENIED);
	attempt(W_PRUNE, "removing a key slot", op_prune_unlink_key, DENIED);
	attempt(W_PRUNE, "creating a file in the repository's top",
	    op_write_source, DENIED);
	attempt(W_PRUNE, "a thread", op_thread, KILLED);
	for (i = sizeof(prunedirs) / sizeof(prunedirs[0]); i-- > 0;) {
		(void)snprintf(pd, sizeof(pd), "%s/%s", srcdir, prunedirs[i]);
		if (i < 4)
			(void)rmdir(pd);
		else
			(void)unlink(pd);
	}
	/* Repair: write and remove only in the directory it rewrites. */
	attempt(W_REPAIR, "creating and removing a file where it rewrites "
	    "(control)", op_unlink_allowed, ALLOWED);
	attempt(W_REPAIR, "creating a file elsewhere in the repository",
	    op_write_source, DENIED);
	attempt(W_REPAIR, "removing an object elsewhere in the repository",
	    op_unlink_source, DENIED);
	attempt(W_REPAIR, "renaming an object elsewhere in the repository",
	    op_rename_source, DENIED);
	attempt(W_REPAIR, "a thread", op_thread, KILLED);
	attempt(W_REPAIR, "mkdir (only mkdirat: a pack shard)",
	    op_mkdir_allowed, KILLED);
	if (getuid() == 0)
		attempt(W_REPAIR, "keeping uid 0 (repository files stay "
		    "root's)", op_still_root, ALLOWED);
	/* Repair data (no key): the same places; no mkdir, no thread. */
	attempt(W_REPAIR_DATA, "creating and removing a file where it "
	    "rewrites (control)", op_unlink_allowed, ALLOWED);
	attempt(W_REPAIR_DATA, "creating a file elsewhere in the repository",
	    op_write_source, DENIED);
	attempt(W_REPAIR_DATA, "removing an object elsewhere in the "
	    "repository", op_unlink_source, DENIED);
	attempt(W_REPAIR_DATA, "a thread", op_thread, KILLED);
	attempt(W_REPAIR_DATA, "mkdir", op_mkdir_allowed, KILLED);
	attempt(W_REPAIR_DATA, "renameat2 (it renames over, with renameat)",
	    op_rename_source, KILLED);

	/* Copy: SRC (srcdir) read-only, DST (repodir) written. */
	attempt(W_COPY, "writing a new file in DST (control)",
	    op_unlink_allowed, ALLOWED);
	attempt(W_COPY, "a file renamed into place in DST (control)",
	    op_rename_allowed, ALLOWED);
	attempt(W_COPY, "a thread (the store threads; control)", op_thread,
	    ALLOWED);
	attempt(W_COPY, "creating a file in SRC", op_write_source, DENIED);
	attempt(W_COPY, "removing an object of SRC", op_unlink_source,
	    DENIED);
	attempt(W_COPY, "renaming an object of SRC", op_rename_source,
	    DENIED);
	attempt(W_COPY, "mkdir (only mkdirat: a pack shard)",
	    op_mkdir_allowed, KILLED);
	attempt(W_COPY, "a file of DST renamed over one outside",
	    op_rename_over_outside, DENIED);
	if (getuid() == 0)
		attempt(W_COPY, "keeping uid 0 (DST's files stay root's)",
		    op_still_root, ALLOWED);
	restore_meta_all();
	(void)unlink(allowed);
	(void)unlink(outside);
	(void)unlink(victimf);
	(void)rmdir(srcdir);
	(void)rmdir(repodir);
	return failed ? 1 : 0;
}
