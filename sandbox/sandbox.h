/*
 * sandbox.h: confinement of the two roles: seccomp (seccomp.c), Landlock
 * (landlock.c) and the order they go on in (worker.c).
 */
#ifndef TACIT_SANDBOX_H
#define TACIT_SANDBOX_H

#include <stdint.h>

enum sandbox_role {
	SBX_READ,	/* snapshots, ls: the repository read-only */
	SBX_REPO,	/* init, key, backup: the repository read-write */
	SBX_RESTORE,	/* restore: repository read-only, target read-write */
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

/* sandbox_worker_seccomp(role): the worker's filter for ${role}. */
void sandbox_worker_seccomp(enum sandbox_role);

/* A path the worker may use, and how (SBX_R: read, SBX_RW, SBX_RWX...). */
struct sandbox_path {
	const char	*path;
	int		 access;
};
#define SBX_R		1	/* read files and list directories */
#define SBX_RW		2	/* and create, write, remove, rename */
#define SBX_MAKE	3	/* and also symlinks, FIFOs, device nodes */
#define SBX_NOFOLLOW	0x10	/* or'ed in: a symlink grants nothing beyond */

/*
 * sandbox_landlock(paths, n, required): confine the file system to
 * ${paths}.  Returns the Landlock ABI in use, or 0 when the kernel has no
 * Landlock and ${required} is 0 (a warning says so).  Fatal when Landlock
 * is missing and ${required}, or on any error.
 */
int sandbox_landlock(const struct sandbox_path *, size_t, int);

/* sandbox_landlock_abi(): the kernel's Landlock ABI, or 0 without one. */
int sandbox_landlock_abi(void);

/*
 * sandbox_worker(role, paths, n, landlock_required): the worker's whole
 * confinement, in order: no_new_privs, capabilities cut to what ${role}
 * needs, Landlock on ${paths}, then seccomp.  Call it after libc, NSS,
 * libsodium and zstd are initialised and before the first untrusted byte.
 */
void sandbox_worker(enum sandbox_role, const struct sandbox_path *, size_t,
    int);

#endif
