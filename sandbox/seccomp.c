/*
 * seccomp.c: the system-call policies of the two roles, as tables.
 *
 * Order in each table: soft denies (an errno libc handles), then allows,
 * one per line, with the reason where it is not obvious.  Everything not
 * listed kills the whole process (SCMP_ACT_KILL_PROCESS), as does a call
 * from another architecture (the x32 and i386 entry points).  Argument
 * checks pin flags that seccomp can see; paths are Landlock's job.
 *
 * SANDBOX_TRAP (test builds only, never release): the default action
 * becomes SIGSYS to a handler that names the call, for debugging.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"
#include "sysnr.h"

enum arg {
	A_NONE,		/* no argument check */
	A_FD,		/* arg 0 is one of the allowed descriptors */
	A_NOEXEC,	/* arg 2 (prot) has no PROT_EXEC */
	A_THREAD,	/* arg 0 (clone flags) has CLONE_THREAD, no CLONE_NEW* */
	A_CMD,		/* arg 1 (fcntl or ioctl command) is the rule's cmd */
	A_NOASYNC,	/* fcntl: arg 1 is F_SETFL, arg 2 has no O_ASYNC */
	A_EMPTYPATH,	/* arg 3 (flags) is AT_EMPTY_PATH: fstat */
	A_RDONLY,	/* openat arg 2: no write access, no create */
	A_GETONLY,	/* prlimit64 arg 2 (new limit) is NULL: read only */
	A_NOSTDIO,	/* arg 0 >= 3: never read the terminal on 0-2 */
	A_SELF,		/* arg 0 is our own pid: signals to ourselves only */
	A_ADVICE,	/* madvise arg 2 < MADV_HWPOISON (root-only ones) */
	A_WILLNEED,	/* fadvise64 arg 3 (advice) is POSIX_FADV_WILLNEED */
	A_NOPATH,	/* arg 1 (path) is NULL: utimensat as futimens */
	A_PATH,		/* arg 1 (path) is not NULL */
	A_EMPTY3,	/* arg 3 (flags) has AT_EMPTY_PATH: utimensat, fchmodat2 */
	A_EMPTY4,	/* arg 4 (flags) has AT_EMPTY_PATH: fchownat */
	A_FLAGS0,	/* arg 2 (flags) is 0: unlinkat of a file, no rmdir */
	A_UMOUNT,	/* umount2 arg 1: UMOUNT_NOFOLLOW, maybe MNT_DETACH */
};

/* Every namespace flag clone(2) takes (CLONE_NEWTIME only clone3's). */
#define CLONE_NS_ALL	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
	CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

struct rule {
	int		 nr;
	int		 action;	/* SCMP_ACT_ALLOW, or an errno to return */
	enum arg	 arg;
	uint32_t	 cmd;		/* A_CMD: the command allowed or denied */
};

#define ALLOW(name, arg)	{ SCMP_SYS(name), -1, arg, 0 }
#define DENY(name, err)		{ SCMP_SYS(name), err, A_NONE, 0 }
#define ALLOW_CMD(name, cmd)	{ SCMP_SYS(name), -1, A_CMD, cmd }
#define DENY_CMD(name, cmd, err) { SCMP_SYS(name), err, A_CMD, cmd }
/* Calls newer than libseccomp 2.5.4 and the 6.1 headers: by number. */
#define ALLOW_NR(nr, arg)	{ nr, -1, arg, 0 }
#define DENY_NR(nr, err)	{ nr, err, A_NONE, 0 }

/* The keyholder after unlock: its socket, memory, time, exit. */
static const struct rule keyholder_rules[] = {
	/* glibc tries clone3 first and falls back to clone on ENOSYS. */
	DENY(clone3, ENOSYS),
	/* Every passphrase was read before this filter: the socket and
	 * the worker's stdout and stderr pipes only. */
	ALLOW(read, A_FD),
	ALLOW(write, A_FD),		/* socket, stdout, stderr */
	ALLOW(writev, A_FD),		/* the relay of the worker's output */
	ALLOW(poll, A_NONE),		/* the socket and the pipes */
	ALLOW(ppoll, A_NONE),
	/* A poll interrupted by SIGSTOP/SIGCONT (Ctrl-Z, a debugger)
	 * resumes through it, with the arguments already checked. */
	ALLOW(restart_syscall, A_NONE),
	ALLOW(sendmsg, A_FD),		/* ipc_send (MSG_NOSIGNAL) */
	ALLOW(close, A_NONE),
	ALLOW(newfstatat, A_EMPTYPATH),	/* fstat() from stdio */
	ALLOW(brk, A_NONE),
	ALLOW(mmap, A_NOEXEC),
	ALLOW(munmap, A_NONE),
	ALLOW(mremap, A_NONE),
	ALLOW(mprotect, A_NOEXEC),	/* sodium_mprotect_* on key memory */
	ALLOW(madvise, A_NONE),		/* MADV_DONTDUMP, DONTNEED */
	ALLOW(mlock, A_NONE),		/* secret memory */
	ALLOW(munlock, A_NONE),
	ALLOW(prlimit64, A_GETONLY),	/* RLIMIT_MEMLOCK for the mlock warning */
	ALLOW(getrandom, A_NONE),
	ALLOW(clock_gettime, A_NONE),
	ALLOW(futex, A_NONE),
	ALLOW(rt_sigprocmask, A_NONE),
	ALLOW(rt_sigreturn, A_NONE),
	ALLOW(getpid, A_NONE),		/* abort() */
	ALLOW(gettid, A_NONE),
	ALLOW(tgkill, A_SELF),		/* abort(): only to itself */
	ALLOW(wait4, A_NONE),		/* collect the worker's exit status */
	ALLOW(exit, A_NONE),
	ALLOW(exit_group, A_NONE),
};

/* Extra for init and key commands: Argon2id threads for a new slot. */
static const struct rule keyholder_keycmd_rules[] = {
	ALLOW(clone, A_THREAD),		/* threads only: never a new process */
	ALLOW(set_robust_list, A_NONE),
	ALLOW(rseq, A_NONE),
	ALLOW(sched_yield, A_NONE),
	/* glibc installs its thread-cancel handler at the first thread. */
	ALLOW(rt_sigaction, A_NONE),
};

/*
 * The root mount keeper (src/mountpt.c): it waits for one byte on its
 * socket and on the keyholder's pidfd, unmounts, says which process died,
 * and exits.  No open, no memory calls (it allocates nothing), no stat,
 * no fork, exec or signal.
 */
static const struct rule keeper_rules[] = {
	ALLOW(read, A_FD),		/* its socket to the worker */
	ALLOW(write, A_FD),		/* stderr, or the terminal */
	ALLOW(poll, A_NONE),		/* the pidfds */
	ALLOW(ppoll, A_NONE),
	ALLOW(restart_syscall, A_NONE),	/* a wait after SIGSTOP/SIGCONT */
	ALLOW(close, A_NONE),
	ALLOW(rt_sigreturn, A_NONE),
	ALLOW(exit, A_NONE),
	ALLOW(exit_group, A_NONE),
	/* The mount point: seccomp cannot see the path, and a Landlock
	 * domain that handles the file system forbids umount2. */
	{ SCMP_SYS(umount2), -1, A_UMOUNT, 0 },	/* never MNT_FORCE */
};

/* The worker: files (paths confined by Landlock), memory, time, exit. */
static const struct rule worker_rules[] = {
	DENY(clone3, ENOSYS),
	/* glibc's NSS may try nscd's socket for user names: refuse it. */
	DENY(socket, EACCES),
	/* 0-2 may be the terminal the passphrase is typed on: no reading. */
	ALLOW(read, A_NOSTDIO),
	ALLOW(write, A_NONE),
	ALLOW(writev, A_NONE),
	ALLOW(sendmsg, A_NONE),		/* ipc_send: a socket exists only fd 3 */
	ALLOW(pread64, A_NOSTDIO),
	ALLOW(lseek, A_NONE),
	ALLOW(close, A_NONE),
	ALLOW(dup, A_NONE),		/* fdopendir on a copy */
	/*
	 * fcntl by command.  A root worker could otherwise signal any
	 * process, even with no capability: F_SETOWN to the victim,
	 * F_SETSIG to SIGKILL, O_ASYNC on a descriptor, then make it
	 * readable (the kernel checks the owner's recorded euid 0, not
	 * CAP_KILL).  Landlock scopes signals only from ABI 6 (Linux
	 * 6.12).  The signal commands, leases and directory notification
	 * fail with EPERM; F_SETFL with O_ASYNC and any command not listed
	 * kill.
	 */
	DENY_CMD(fcntl, F_SETOWN, EPERM),
	DENY_CMD(fcntl, F_SETOWN_EX, EPERM),
	DENY_CMD(fcntl, F_SETSIG, EPERM),
	DENY_CMD(fcntl, F_SETLEASE, EPERM),	/* root may lease any file */
	DENY_CMD(fcntl, F_NOTIFY, EPERM),	/* SIGIO again */
	ALLOW_CMD(fcntl, F_GETFD),
	ALLOW_CMD(fcntl, F_SETFD),		/* fdopendir: FD_CLOEXEC */
	ALLOW_CMD(fcntl, F_GETFL),		/* fdopendir, fsio */
	ALLOW(fcntl, A_NOASYNC),		/* fsio: clear O_DIRECT */
	ALLOW_CMD(fcntl, F_DUPFD_CLOEXEC),
	ALLOW_CMD(fcntl, F_SETLK),		/* the repository lock (lock.c) */
	ALLOW_CMD(fcntl, F_GETLK),		/* and who holds it */
	ALLOW(newfstatat, A_NONE),
	ALLOW(statx, A_NONE),
	ALLOW(getdents64, A_NONE),
	ALLOW(readlinkat, A_NONE),	/* symlink targets */
	ALLOW(readlink, A_NONE),
	ALLOW(faccessat, A_NONE),
	ALLOW(faccessat2, A_NONE),
	ALLOW(flistxattr, A_NONE),
	ALLOW(fgetxattr, A_NONE),
	ALLOW(llistxattr, A_NONE),	/* symlinks, via /proc/self/fd */
	ALLOW(lgetxattr, A_NONE),
	ALLOW(listxattr, A_NONE),
	ALLOW(getxattr, A_NONE),
	/* isatty() (glibc's stdio, the progress line), which holds no
	 * terminal (the keyholder relays 1 and 2); never FIOSETOWN,
	 * FIOASYNC, TIOCSTI or a terminal setting. */
	ALLOW_CMD(ioctl, TCGETS),
	ALLOW(sysinfo, A_NONE),		/* glibc qsort sizes its buffer */
	ALLOW(getcwd, A_NONE),		/* realpath() of a relative source */
	ALLOW(uname, A_NONE),
	ALLOW(getuid, A_NONE),
	ALLOW(geteuid, A_NONE),
	ALLOW(getgid, A_NONE),
	ALLOW(getegid, A_NONE),
	ALLOW(brk, A_NONE),
	ALLOW(mmap, A_NOEXEC),
	ALLOW(munmap, A_NONE),
	ALLOW(mremap, A_NONE),
	ALLOW(mprotect, A_NOEXEC),
	/* Not MADV_HWPOISON or MADV_SOFT_OFFLINE: with CAP_SYS_ADMIN (the
	 * restore role) they could poison a page of a shared library. */
	ALLOW(madvise, A_ADVICE),
	ALLOW(mlock, A_NONE),		/* the chunker key's locked memory */
	ALLOW(munlock, A_NONE),
	ALLOW(prlimit64, A_GETONLY),	/* RLIMIT_MEMLOCK for the warning */
	ALLOW(getrandom, A_NONE),
	ALLOW(clock_gettime, A_NONE),
	ALLOW(clock_nanosleep, A_NONE),	/* --lock-wait */
	ALLOW(nanosleep, A_NONE),
	ALLOW(restart_syscall, A_NONE),	/* a sleep after SIGSTOP/SIGCONT */
	ALLOW(futex, A_NONE),
	ALLOW(rt_sigprocmask, A_NONE),
	ALLOW(rt_sigreturn, A_NONE),
	ALLOW(getpid, A_NONE),
	ALLOW(gettid, A_NONE),
	ALLOW(tgkill, A_SELF),		/* abort(): only to itself */
	ALLOW(exit, A_NONE),
	ALLOW(exit_group, A_NONE),
};

/*
 * Writing and restoring workers run a second thread (backup: compression,
 * sealing and pack writes; restore: decompression and file writes) so
 * both cores work.  Threads only: the clone flags must carry CLONE_THREAD,
 * so a new process (fork) is still killed.
 */
static const struct rule worker_thread_rules[] = {
	ALLOW(clone, A_THREAD),
	ALLOW(set_robust_list, A_NONE),	/* glibc, at thread start */
	ALLOW(rseq, A_NONE),		/* glibc registers each thread */
	ALLOW(sched_yield, A_NONE),
	/* glibc installs its thread-cancel handler at the first thread. */
	ALLOW(rt_sigaction, A_NONE),
};

/* Reading only (snapshots, ls): opens may not write or create. */
static const struct rule worker_read_rules[] = {
	ALLOW(openat, A_RDONLY),
};

/*
 * mount: SBX_READ's, and the FUSE loop: poll on /dev/fuse (read, and
 * writev for the replies, are in worker_rules), the keyholder's socket
 * and the keeper's; wait4 for the keeper at the end.  No open for
 * writing, no mount or umount2 (the keeper unmounts), no exec.  Threads
 * (worker_thread_rules): the loop runs in a few threads that read the
 * same /dev/fuse descriptor (no clone_fd, so no open of /dev/fuse and no
 * ioctl); a fork is still killed.
 */
static const struct rule worker_mount_rules[] = {
	ALLOW(openat, A_RDONLY),
	ALLOW(poll, A_NONE),
	ALLOW(ppoll, A_NONE),
	ALLOW(wait4, A_NONE),		/* the keeper, our child */
};

/* Writing the repository (init, key, backup). */
static const struct rule worker_repo_rules[] = {
	ALLOW(openat, A_NONE),		/* O_CREAT|O_EXCL; Landlock: where */
	ALLOW(mkdir, A_NONE),		/* init: the repository itself */
	ALLOW(mkdirat, A_NONE),
	ALLOW(renameat2, A_NONE),	/* RENAME_NOREPLACE */
	ALLOW(renameat, A_NONE),	/* its fallback on old FAT drivers */
	ALLOW(unlinkat, A_NONE),	/* temporaries, replaced key slots */
	ALLOW(fsync, A_NONE),
	ALLOW(fdatasync, A_NONE),
	ALLOW(fstatfs, A_NONE),		/* free space, for a full disk */
};

/*
 * copy: SRC read (Landlock: read-only there), DST written as a backup
 * writes it (packs, index segment, snapshot last; Landlock: DST only).
 * No mkdir of a repository (DST exists), no unlink but of its own
 * temporaries, store threads as backup's.
 */
static const struct rule worker_copy_rules[] = {
	ALLOW(openat, A_NONE),		/* O_CREAT|O_EXCL; Landlock: where */
	ALLOW(mkdirat, A_NONE),		/* packs/<2 hex>, index/, snapshots/ */
	ALLOW(renameat2, A_NONE),	/* RENAME_NOREPLACE */
	ALLOW(renameat, A_NONE),	/* its fallback on old FAT drivers */
	ALLOW(unlinkat, A_FLAGS0),	/* temporaries; never AT_REMOVEDIR */
	ALLOW(fsync, A_NONE),
	ALLOW(fdatasync, A_NONE),
	ALLOW(fstatfs, A_NONE),		/* free space, for a full disk */
};

/*
 * forget: reading as SBX_READ; the only change it can make is removing a
 * file (Landlock: in snapshots/ only), then syncing the directory.  No
 * open that writes or creates, no rename, no rmdir, no thread.
 */
static const struct rule worker_forget_rules[] = {
	ALLOW(openat, A_RDONLY),
	ALLOW(unlinkat, A_FLAGS0),	/* never AT_REMOVEDIR */
	ALLOW(fsync, A_NONE),		/* of snapshots/, after each unlink */
};

/*
 * tag: a new snapshot file, then the old one removed (Landlock: only in
 * snapshots/; the rest of the repository is read-only to it).
 */
static const struct rule worker_tag_rules[] = {
	ALLOW(openat, A_NONE),		/* O_CREAT|O_EXCL; Landlock: where */
	/* snapshot_write's fsio_subdir: snapshots/ exists (EEXIST), and
	 * Landlock refuses making any directory. */
	ALLOW(mkdirat, A_NONE),
	ALLOW(renameat2, A_NONE),	/* RENAME_NOREPLACE, in snapshots/ */
	ALLOW(renameat, A_NONE),	/* its fallback on old FAT drivers */
	ALLOW(unlinkat, A_NONE),	/* the old snapshot, a temporary */
	ALLOW(fsync, A_NONE),
	ALLOW(fstatfs, A_NONE),		/* free space, for a full disk */
};

/*
 * Pruning: new packs and index segments (created, renamed into place),
 * the old ones and leftovers removed.  Where: packs/ and index/ only
 * (Landlock); no mkdir but a new pack shard (mkdirat), no thread.
 */
static const struct rule worker_prune_rules[] = {
	ALLOW(openat, A_NONE),		/* O_CREAT|O_EXCL; Landlock: where */
	ALLOW(mkdirat, A_NONE),		/* packs/<2 hex> */
	ALLOW(renameat2, A_NONE),	/* RENAME_NOREPLACE */
	ALLOW(renameat, A_NONE),	/* its fallback on old FAT drivers */
	ALLOW(unlinkat, A_NONE),	/* old packs, segments, leftovers */
	ALLOW(fsync, A_NONE),
	ALLOW(fdatasync, A_NONE),
	ALLOW(fstatfs, A_NONE),		/* free space, for a full disk */
};

/*
 * Repairing (repair index, repair snapshots): new packs, segments and
 * snapshots are made and named as a backup makes them, and old segments
 * and snapshots removed.  Landlock limits where: index/ (and for repair
 * snapshots packs/ and snapshots/) only.  No mkdir (the repository is
 * there), no thread.
 */
static const struct rule worker_repair_rules[] = {
	ALLOW(openat, A_NONE),		/* O_CREAT|O_EXCL; Landlock: where */
	ALLOW(mkdirat, A_NONE),		/* a packs/<2 hex> shard */
	ALLOW(renameat2, A_NONE),	/* RENAME_NOREPLACE */
	ALLOW(renameat, A_NONE),	/* its fallback on old FAT drivers */
	ALLOW(unlinkat, A_NONE),	/* old segments, --forget, temporaries */
	ALLOW(fsync, A_NONE),
	ALLOW(fdatasync, A_NONE),
	ALLOW(fstatfs, A_NONE),		/* free space, for a full disk */
};

/*
 * repair data (no key): a repaired file is written under a temporary
 * name, fsynced and renamed over the damaged one (renameat: the one call
 * that replaces); a failed one's temporary removed.  Landlock: packs/,
 * index/ and snapshots/ only.  No mkdir, no renameat2, no thread.
 */
static const struct rule worker_repair_data_rules[] = {
	ALLOW(openat, A_NONE),		/* O_CREAT|O_EXCL; Landlock: where */
	ALLOW(renameat, A_NONE),	/* over the damaged file */
	ALLOW(unlinkat, A_NONE),	/* a failed rewrite's temporary */
	ALLOW(fsync, A_NONE),
	ALLOW(fstatfs, A_NONE),		/* free space, for a full disk */
};

/*
 * Restoring into the target.  Metadata is set through descriptors only:
 * the file written, the directory or FIFO opened (Landlock checked those
 * opens).  chmod, fchmodat, chown, lchown, setxattr, removexattr and the
 * utime family take a path that could name anything, so they are not
 * allowed (they kill); lsetxattr only in the private root, below.
 */
static const struct rule worker_restore_rules[] = {
	/* openat2's flags are in a struct seccomp cannot read; Landlock. */
	ALLOW(openat, A_NONE),
	ALLOW(openat2, A_NONE),
	ALLOW(mkdir, A_NONE),		/* the target itself */
	ALLOW(mkdirat, A_NONE),
	ALLOW(mknodat, A_NONE),		/* FIFOs, devices (as root) */
	ALLOW(umask, A_NONE),		/* devices are made with their mode */
	ALLOW(symlinkat, A_NONE),
	ALLOW(linkat, A_NONE),		/* hard links, by name in the target */
	ALLOW(unlinkat, A_NONE),	/* temporaries of failed files, leftovers */
	/* A file gets its name once complete: RENAME_NOREPLACE, or over
	 * an entry found different (--overwrite).  Landlock: the target. */
	ALLOW(renameat2, A_NONE),	/* by syscall(): never renameat */
	ALLOW(pwrite64, A_NONE),
	ALLOW(ftruncate, A_NONE),	/* holes at the end of sparse files */
	ALLOW(fchmod, A_NONE),
	ALLOW(fchown, A_NONE),
	ALLOW(utimensat, A_NOPATH),	/* futimens */
	ALLOW(fsetxattr, A_NONE),
	ALLOW(fremovexattr, A_NONE),	/* ACLs inherited from the target */
	ALLOW(fsync, A_NONE),
	/* Read-ahead of the next chunks' packs (reader_willneed): advice
	 * about the page cache of a file it has open, WILLNEED only (not
	 * DONTNEED: no evicting). */
	ALLOW(fadvise64, A_WILLNEED),
};

/*
 * In the private root (sandbox_mountns): symlinks and device nodes are
 * reached through O_PATH descriptors and AT_EMPTY_PATH.  seccomp cannot
 * see that the path is empty; a non-empty one resolves too, but only to
 * the target or the read-only repository, which is all there is.  Their
 * xattrs have no descriptor call at all (setxattrat refuses O_PATH): by
 * name, from their directory (fchdir), in the same private root.
 */
static const struct rule worker_restore_private_rules[] = {
	ALLOW(fchownat, A_EMPTY4),	/* owner of a symlink or device */
	ALLOW(utimensat, A_EMPTY3),	/* its times */
	ALLOW_NR(__NR_fchmodat2, A_EMPTY3),	/* a device's mode */
	ALLOW(fchdir, A_NONE),		/* to the directory of ... */
	ALLOW(lsetxattr, A_NONE),	/* ... a symlink's or device's xattrs */
	ALLOW(lremovexattr, A_NONE),	/* ... a device's inherited ACLs */
};

/*
 * Without a private root a path could name any file: those calls fail
 * (EPERM), and a symlink keeps the owner, times and xattrs it was made
 * with.  (No device nodes there: CAP_MKNOD is gone.)
 */
static const struct rule worker_restore_bare_rules[] = {
	DENY(fchownat, EPERM),
	{ SCMP_SYS(utimensat), EPERM, A_PATH, 0 },
	DENY_NR(__NR_fchmodat2, EPERM),
	DENY(fchdir, EPERM),
	DENY(lsetxattr, EPERM),
	DENY(lremovexattr, EPERM),
};

static void
add(scmp_filter_ctx ctx, const struct rule *r, const int *fds, int nfds)
{
	uint32_t act = r->action < 0 ? SCMP_ACT_ALLOW :
	    SCMP_ACT_ERRNO((uint32_t)r->action);
	int rc = 0, i;

	switch (r->arg) {
	case A_NONE:
		rc = seccomp_rule_add(ctx, act, r->nr, 0);
		break;
	case A_FD:
		for (i = 0; i < nfds && rc == 0; i++)
			if (fds[i] >= 0)
				rc = seccomp_rule_add(ctx, act, r->nr, 1,
				    SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)fds[i]));
		break;
	case A_NOEXEC:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A2_32(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		break;
	case A_THREAD:
		/* A thread in new namespaces is allowed by the kernel with
		 * CAP_SYS_ADMIN (backup and restore as root keep it): a new
		 * namespace is never ours to make. */
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A0_64(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_NS_ALL,
		    CLONE_THREAD));
		break;
	case A_CMD:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A1_32(SCMP_CMP_EQ, r->cmd));
		break;
	case A_NOASYNC:
		rc = seccomp_rule_add(ctx, act, r->nr, 2,
		    SCMP_A1_32(SCMP_CMP_EQ, F_SETFL),
		    SCMP_A2_32(SCMP_CMP_MASKED_EQ, O_ASYNC, 0));
		break;
	case A_EMPTYPATH:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A3_32(SCMP_CMP_EQ, AT_EMPTY_PATH));
		break;
	case A_GETONLY:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A2_64(SCMP_CMP_EQ, 0));
		break;
	case A_NOSTDIO:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A0_32(SCMP_CMP_GE, 3));
		break;
	case A_SELF:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)getpid()));
		break;
	case A_ADVICE:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A2_32(SCMP_CMP_LT, MADV_HWPOISON));
		break;
	case A_WILLNEED:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A3_32(SCMP_CMP_EQ, POSIX_FADV_WILLNEED));
		break;
	case A_NOPATH:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A1_64(SCMP_CMP_EQ, 0));
		break;
	case A_PATH:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A1_64(SCMP_CMP_NE, 0));
		break;
	case A_EMPTY3:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A3_32(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
		    AT_EMPTY_PATH));
		break;
	case A_EMPTY4:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A4_32(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
		    AT_EMPTY_PATH));
		break;
	case A_FLAGS0:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A2_32(SCMP_CMP_EQ, 0));
		break;
	case A_UMOUNT:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A1_32(SCMP_CMP_MASKED_EQ, ~(uint32_t)MNT_DETACH,
		    UMOUNT_NOFOLLOW));
		break;
	case A_RDONLY:
		rc = seccomp_rule_add(ctx, act, r->nr, 1,
		    SCMP_A2_32(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT |
		    O_TRUNC | O_APPEND, O_RDONLY));
		break;
	}
	if (rc < 0)
		fatal(EXIT_ERR, "seccomp rule for system call %d: %s", r->nr,
		    strerror(-rc));
}

#define NRULES(t)	(sizeof(t) / sizeof((t)[0]))

static scmp_filter_ctx
start(void)
{
	scmp_filter_ctx ctx;
	uint32_t def = SCMP_ACT_KILL_PROCESS;

#ifdef SANDBOX_TRAP
	def = SCMP_ACT_TRAP;
#endif
	if ((ctx = seccomp_init(def)) == NULL)
		fatal(EXIT_ERR, "seccomp_init failed");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0)
		fatal(EXIT_ERR, "seccomp attributes");
	return ctx;
}

static void
load(scmp_filter_ctx ctx)
{
	int rc = seccomp_load(ctx);

	seccomp_release(ctx);
	if (rc == -EINVAL || rc == -ENOSYS)
		fatal(EXIT_ERR, "cannot load the seccomp filter: this kernel "
		    "has no seccomp filters (CONFIG_SECCOMP_FILTER), so the "
		    "worker cannot be confined: refusing to run; boot a kernel "
		    "with seccomp (Linux 4.14 or newer, as Debian and Tails "
		    "ship)");
	if (rc < 0)
		fatal(EXIT_ERR, "cannot load the seccomp filter: %s",
		    strerror(-rc));
}

/*
 * libargon2's threads end with pthread_exit, and glibc loads libgcc_s the
 * first time a thread exits that way (an open and an executable mmap that
 * the filter forbids).  One thread ending the same way before the filter
 * loads it while that is still allowed.
 */
static void *
warm_exit(void *arg)
{
	pthread_exit(arg);
}

static void
warm_threads(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, warm_exit, NULL) == 0)
		(void)pthread_join(t, NULL);
}

void
sandbox_keyholder(int sock, int keycmd, int out, int err)
{
#ifdef SANDBOX_OFF
	(void)sock; (void)keycmd; (void)out; (void)err;
	return;
#endif
	int rfds[3] = { sock, out, err };
	int wfds[3] = { sock, 1, 2 };
	scmp_filter_ctx ctx;
	size_t i;

	if (keycmd)
		warm_threads();
	sandbox_cut_caps(0);	/* the keyholder needs no capability at all */
	ctx = start();
	for (i = 0; i < NRULES(keyholder_rules); i++) {
		const struct rule *r = &keyholder_rules[i];

		if (r->nr == SCMP_SYS(read))
			add(ctx, r, rfds, 3);
		else
			add(ctx, r, wfds, 3);
	}
	if (keycmd)
		for (i = 0; i < NRULES(keyholder_keycmd_rules); i++)
			add(ctx, &keyholder_keycmd_rules[i], NULL, 0);
	load(ctx);
}

/* sandbox_keeper(sock, out, tty): see sandbox.h. */
void
sandbox_keeper(int sock, int out, int tty)
{
#ifdef SANDBOX_OFF
	(void)sock; (void)out; (void)tty;
	return;
#endif
	int rfds[1] = { sock };
	int wfds[2] = { out, tty };
	scmp_filter_ctx ctx;
	size_t i;

	sandbox_cut_caps(1ULL << CAP_SYS_ADMIN);
	(void)sandbox_landlock_scope();
	ctx = start();
	for (i = 0; i < NRULES(keeper_rules); i++) {
		const struct rule *r = &keeper_rules[i];

		if (r->nr == SCMP_SYS(read))
			add(ctx, r, rfds, 1);
		else
			add(ctx, r, wfds, 2);
	}
	load(ctx);
}

void
sandbox_worker_seccomp(enum sandbox_role role, int priv)
{
	scmp_filter_ctx ctx;
	size_t i;

	/* No warm_threads(): the worker's threads return, never exit. */
	ctx = start();
	for (i = 0; i < NRULES(worker_rules); i++)
		add(ctx, &worker_rules[i], NULL, 0);
	if (role != SBX_READ && role != SBX_FORGET && role != SBX_TAG &&
	    role != SBX_PRUNE && role != SBX_REPAIR &&
	    role != SBX_REPAIR_DATA)
		for (i = 0; i < NRULES(worker_thread_rules); i++)
			add(ctx, &worker_thread_rules[i], NULL, 0);
	switch (role) {
	case SBX_READ:
		for (i = 0; i < NRULES(worker_read_rules); i++)
			add(ctx, &worker_read_rules[i], NULL, 0);
		break;
	case SBX_MOUNT:
		for (i = 0; i < NRULES(worker_mount_rules); i++)
			add(ctx, &worker_mount_rules[i], NULL, 0);
		break;
	case SBX_REPO:
	case SBX_BACKUP:	/* reading the sources needs nothing more */
		for (i = 0; i < NRULES(worker_repo_rules); i++)
			add(ctx, &worker_repo_rules[i], NULL, 0);
		break;
	case SBX_FORGET:
		for (i = 0; i < NRULES(worker_forget_rules); i++)
			add(ctx, &worker_forget_rules[i], NULL, 0);
		break;
	case SBX_TAG:
		for (i = 0; i < NRULES(worker_tag_rules); i++)
			add(ctx, &worker_tag_rules[i], NULL, 0);
		break;
	case SBX_PRUNE:
		for (i = 0; i < NRULES(worker_prune_rules); i++)
			add(ctx, &worker_prune_rules[i], NULL, 0);
		break;
	case SBX_REPAIR:
		for (i = 0; i < NRULES(worker_repair_rules); i++)
			add(ctx, &worker_repair_rules[i], NULL, 0);
		break;
	case SBX_REPAIR_DATA:
		for (i = 0; i < NRULES(worker_repair_data_rules); i++)
			add(ctx, &worker_repair_data_rules[i], NULL, 0);
		break;
	case SBX_COPY:
		for (i = 0; i < NRULES(worker_copy_rules); i++)
			add(ctx, &worker_copy_rules[i], NULL, 0);
		break;
	case SBX_RESTORE:
		for (i = 0; i < NRULES(worker_restore_rules); i++)
			add(ctx, &worker_restore_rules[i], NULL, 0);
		if (priv == 1)
			for (i = 0; i < NRULES(worker_restore_private_rules);
			    i++)
				add(ctx, &worker_restore_private_rules[i],
				    NULL, 0);
		else
			for (i = 0; i < NRULES(worker_restore_bare_rules); i++)
				add(ctx, &worker_restore_bare_rules[i], NULL,
				    0);
		break;
	}
	load(ctx);
}
