/*
 * lock.h: the repository lock.
 *
 * POSIX record locks (fcntl F_SETLK) on two bytes of REPO/lock, which
 * stays empty (a lock may lie past the end of a file):
 *
 *   readers (REPO_LOCK_SHARED)          byte 1 shared
 *   writers that only add (REPO_LOCK_ADD)  byte 0 exclusive, byte 1 shared
 *   writers that remove or rewrite (REPO_LOCK_EXCL)  bytes 0-1 exclusive
 *
 * so readers run beside one adder (a backup only adds files and commits
 * with its snapshot), adders exclude each other, and a remover excludes
 * everyone.  Record locks rather than flock: F_GETLK (and /proc/locks)
 * name the holding process, which the lock message shows.  Not open file
 * description (OFD) locks: the kernel shows them with pid -1.  Record
 * locks belong to the process: closing any descriptor of the lock file
 * drops them all, so a process opens it only through lock_take and
 * lock_create (and closes it only through lock_release), and the
 * kernel drops them when the process dies: a stale lock is recognised by
 * construction and never needs manual removal.  The file holds no bytes:
 * no host name, no pid, nothing to read.
 */
#ifndef TACIT_LOCK_H
#define TACIT_LOCK_H

#include <sys/types.h>

#define LOCK_NAME	"lock"

#define REPO_LOCK_SHARED	0	/* snapshots, ls, log, restore, check */
#define REPO_LOCK_ADD	1	/* backup, key add, key recovery */
#define REPO_LOCK_EXCL	2	/* init, key remove, key passwd */

#define LOCK_OK		0
#define LOCK_ERR	-1	/* errno set */
#define LOCK_BUSY	-2	/* held by another process past the wait */

/* Who holds the lock that refused us (F_GETLK). */
struct lock_holder {
	pid_t		pid;	/* > 0 in our pid namespace; else unknown */
	int		mode;	/* REPO_LOCK_* it holds; -1 unknown */
};

/*
 * lock_take(dirfd, mode, wait, fdp, who): take the lock of the repository
 * open at ${dirfd} in ${mode}, waiting up to ${wait} seconds; *${fdp}
 * holds it until lock_release.  Returns LOCK_OK, LOCK_BUSY (then
 * *${who}, if not NULL, says who holds it) or LOCK_ERR (EINVAL: the lock
 * is not a regular file; it is then not opened, or not used).
 */
int lock_take(int, int, unsigned, int *, struct lock_holder *)
    __attribute__((warn_unused_result));

/*
 * lock_create(dirfd, fdp, who): create the lock file of a new repository
 * in ${dirfd} (it must not exist: EEXIST) and take it in REPO_LOCK_EXCL
 * mode on the descriptor that created it, without waiting; *${fdp} holds
 * it until lock_release.  Returns LOCK_OK, LOCK_BUSY (another process
 * locked the new file between the open and the lock; *${who} says who)
 * or LOCK_ERR with errno.  The file is not synced: the caller does.
 */
int lock_create(int, int *, struct lock_holder *)
    __attribute__((warn_unused_result));

/*
 * lock_describe(who, buf, size): "pid N (COMM), which is adding to it"
 * and the like for the holder ${who}, in ${buf}; COMM from /proc/N/comm
 * when it can be read.  Returns ${buf}.
 */
const char *lock_describe(const struct lock_holder *, char *, size_t);

/*
 * lock_held_is(dev, ino): 1 if (${dev}, ${ino}) is the lock file this
 * process took a lock on, else 0.  Whatever else would open a file (the
 * backup walk, a CACHEDIR.TAG, an --exclude-file) asks first: a source
 * that is, or is a hard link to, the repository's lock must not be opened,
 * since closing it would drop the locks.
 */
int lock_held_is(dev_t, ino_t);

/*
 * lock_unsupported(err): 1 if ${err}, from lock_take, says the file system
 * has no record locks at all (ENOLCK: NFS mounted nolock or without its
 * lock daemon; EOPNOTSUPP, ENOSYS: some FUSE file systems), else 0.
 */
int lock_unsupported(int);

/* lock_release(fd): drop the lock held by ${fd}; -1 is a no-op. */
void lock_release(int);

#endif
