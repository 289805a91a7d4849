/*
 * sandbox.h: confinement of the two roles: seccomp (seccomp.c), Landlock
 * (landlock.c) and the order they go on in (worker.c).
 */
#ifndef TACIT_SANDBOX_H
#define TACIT_SANDBOX_H

#include <stdint.h>

enum sandbox_role {
	SBX_READ,	/* snapshots, ls: the repository read-only */
	SBX_REPO,	/* init, key...: the repository read-write */
	SBX_RESTORE,	/* restore: repository read-only, target read-write */
	SBX_BACKUP,	/* backup: SBX_REPO, and the sources read-only */
	SBX_FORGET,	/* forget: repository read-only, but for removing
			 * files in snapshots/ (SBX_RM) */
	SBX_TAG,	/* tag: read-only but for files in snapshots/ */
	SBX_PRUNE,	/* prune: read all; write, remove in packs/, index/ */
	SBX_REPAIR,	/* repair: the repository read-only, and read-write
			   only the directories the subcommand rewrites */
	SBX_MOUNT,	/* mount: SBX_READ, and its /dev/fuse descriptor */
	SBX_REPAIR_DATA, /* repair data: no key; rewrite files of packs/,
			  * index/, snapshots/ by a rename over them (with
			  * --verify-data the keyholder opens objects for
			  * it; the worker still holds no key) */
	SBX_COPY,	/* copy: SRC read-only, DST read-write (add only) */
};

/*
 * sandbox_keyholder(sock, keycmd, out, err): after the unlock, the
 * keyholder may read only its socket and the worker's stdout and stderr
 * pipes ${out} and ${err} (every passphrase is read before the filter),
 * poll them, write only its socket, stdout and stderr, manage memory and
 * exit.
 * With ${keycmd} (init and key commands) it may also start threads (never
 * processes) for Argon2id.  Anything else kills it.  -1 fds are unused.
 */
void sandbox_keyholder(int, int, int, int);

/*
 * sandbox_cut_caps(keep): when running with capabilities (as root), keep
 * only the bits of ${keep} in the effective and permitted sets and drop
 * the rest from the bounding set; clear the ambient and inheritable sets.
 */
void sandbox_cut_caps(uint64_t);

/*
 * sandbox_worker_seccomp(role, private_root): the worker's filter for
 * ${role}.  For restore, ${private_root} (sandbox_mountns done) allows
 * fchownat, utimensat and fchmodat2 with AT_EMPTY_PATH (on O_PATH
 * descriptors of symlinks and device nodes), and fchdir, lsetxattr and
 * lremovexattr (their xattrs): any path they name can only lie in the
 * private root; without it they fail with EPERM.  chmod, fchmodat,
 * chown, lchown, setxattr, removexattr and the utime family kill the
 * worker in every role.
 */
void sandbox_worker_seccomp(enum sandbox_role, int);

/* A path the worker may use, and how (SBX_R: read, SBX_RW, SBX_RWX...). */
struct sandbox_path {
	const char	*path;
	int		 access;
};
#define SBX_R		1	/* read files and list directories */
#define SBX_RW		2	/* and create, write, remove, rename */
#define SBX_MAKE	3	/* and also symlinks, FIFOs, device nodes */
#define SBX_RM		4	/* read, and remove files (no directories) */
#define SBX_FILES	5	/* SBX_R, and create, write and remove regular
				 * files (no directory, no rename out) */
#define SBX_NOFOLLOW	0x10	/* or'ed in: a symlink grants nothing beyond */
#define SBX_NSBIND	0x20	/* or'ed in: bound into restore's private root */

/*
 * sandbox_landlock(paths, n, required): confine the file system to
 * ${paths}.  Returns the Landlock ABI in use, or 0 when the kernel has no
 * Landlock and ${required} is 0 (a warning says so).  Fatal when Landlock
 * is missing and ${required}, or on any error.
 */
int sandbox_landlock(const struct sandbox_path *, size_t, int);

/*
 * sandbox_mountns(paths, n, admin): move into a new mount namespace (with
 * ${admin}, i.e. CAP_SYS_ADMIN; else also a new user namespace mapping our
 * uid and gid to themselves) whose root is an empty read-only tmpfs
 * holding only the ${paths} marked SBX_NSBIND, each at its real absolute
 * path: SBX_R ones read-only, the others writable, all nodev, nosuid and
 * noexec.  No /proc, no /etc inside.  Returns 1 when done, 0 when the
 * system refuses a namespace (nothing was changed); fatal when it fails
 * half-way, or when a directory descriptor to the old root is open.
 */
int sandbox_mountns(const struct sandbox_path *, size_t, int);

/*
 * sandbox_private_root(): 1 if this (restore) worker runs in its private
 * root (sandbox_mountns), 0 if it is confined without one (path-based
 * metadata calls are then refused by seccomp: symlink owners, times and
 * xattrs cannot be set), -1 if unconfined (SANDBOX_OFF builds, and every
 * process that never called sandbox_worker).
 */
int sandbox_private_root(void);

/*
 * sandbox_landlock_scope(): a Landlock domain that handles no file access
 * (one that does forbids umount2, which the root keeper needs) but denies
 * every TCP bind and connect (ABI 4) and, from ABI 6, signals to and
 * abstract sockets of other domains.  Returns the ABI in use, 0 when the
 * kernel has no such rights (below ABI 4); fatal on error.
 */
int sandbox_landlock_scope(void);

/*
 * sandbox_keeper(sock, out, tty): the root mount keeper's confinement
 * (src/mountpt.c), once its descriptors are open: no_new_privs;
 * CAP_SYS_ADMIN its only capability, for umount2; sandbox_landlock_scope;
 * then a filter that allows reading ${sock}, writing ${out} (stderr) and
 * ${tty} (-1: none), poll, close, exit, and umount2 with UMOUNT_NOFOLLOW
 * (plain or MNT_DETACH; seccomp cannot see which path).  Anything else
 * kills it.  (As a user the keeper execs the setuid fusermount3, which
 * no_new_privs forbids: it is not confined; see threat-model.md.)
 */
void sandbox_keeper(int, int, int);

/* sandbox_landlock_abi(): the kernel's Landlock ABI, or 0 without one. */
int sandbox_landlock_abi(void);

/*
 * sandbox_keep_ids(): before sandbox_worker, for a repository on a FUSE
 * file system (f_type FUSE_SUPER_MAGIC).  Mounted without allow_other
 * (fusefat, ntfs-3g, sshfs), FUSE admits no process but those with its
 * mounter's uid and gid, whatever their capabilities: a root SBX_READ
 * worker then keeps uid and gid 0 instead of becoming nobody, with the
 * same capabilities, Landlock and seccomp filter (threat-model.md, P3).
 */
void sandbox_keep_ids(void);

/*
 * sandbox_worker(role, paths, n, landlock_required): the worker's whole
 * confinement, in order: no_new_privs, capabilities cut to what ${role}
 * needs, Landlock on ${paths}, then seccomp.  Call it after libc, NSS,
 * libsodium and zstd are initialised and before the first untrusted byte.
 */
void sandbox_worker(enum sandbox_role, const struct sandbox_path *, size_t,
    int);

#endif
