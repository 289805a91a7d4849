/*
 * meta.h: file metadata between the file system and struct node.
 *
 * meta_read fills a node from an entry being backed up; meta_apply and
 * meta_apply_at put a node's metadata back on a restored entry, and
 * meta_make_special creates the entries that have no content (FIFOs,
 * devices, symlinks).  Nothing here follows a symlink in the last
 * component: entries that are not opened normally are reached through an
 * O_PATH | O_NOFOLLOW descriptor checked against the expected inode.
 */
#ifndef TACIT_META_H
#define TACIT_META_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "node.h"

/* meta_apply flags. */
#define META_OWNER		0x1	/* restore uid/gid (needs root) */
#define META_NOSETID		0x2	/* no set-uid/set-gid bit, no
					   security.capability xattr */
/*
 * What the caller knows, so meta_apply can leave out a system call whose
 * result is known (restore's writer, which made the file itself):
 * META_NO_INHERIT, the file was created in a directory without a default
 * ACL, so it inherited no access ACL to remove; META_MODE_KEPT, chmod was
 * seen to take effect on this directory's file system, so the mode is not
 * read back to check it (exfat, vfat keep one mode for all).
 */
#define META_NO_INHERIT		0x4
#define META_MODE_KEPT		0x8
/* META_FRESH: a regular file the caller created itself (O_CREAT |
 * O_EXCL): its type is not checked, its owner read only if not set. */
#define META_FRESH		0x10

/*
 * Data extents recorded per file.  A file with more holes than this keeps
 * its first META_EXTENTS_MAX - 1 extents and one last extent that runs to
 * the end of the file: the holes in it are restored as written zeros, so
 * no content is lost, only sparseness.  XXX belongs in node.h (as
 * NODE_EXTENTS_MAX) once tree.c caps extents on decode.
 */
#define META_EXTENTS_MAX	4096

/*
 * meta_read(dirfd, name, namelen, fd, st, n): fill *${n} from the entry
 * ${name} (${namelen} raw bytes, one path component) in ${dirfd} whose
 * lstat is ${st}.  ${fd} is an open O_RDONLY (ideally O_NOATIME)
 * descriptor of it for regular files and directories, or -1.  Fills type,
 * name, mode (st_mode & 07777), uid, gid, user and group names (NULL when
 * unknown), size, mtime, ctime, dev, ino, nlink, rdev (devices), the
 * symlink target (raw bytes), every extended attribute the kernel lists
 * (user, trusted, security, system.posix_acl_*: raw values, sorted by
 * name) and, for a regular file read through ${fd}, its data extents.
 * Not chunks, subtree, link_id or flags.  Never follows a symlink and
 * never reads file content, so atime is untouched.  *${n} is overwritten,
 * not freed first; on error it is left zeroed.  Returns 0, or -1 with
 * errno: ENOTSUP for a socket or other type tacit does not store (skip it
 * with a note), ESTALE if the entry is no longer the inode of ${st} or
 * ${fd} (it was replaced meanwhile), E2BIG beyond NODE_XATTRS_MAX,
 * NODE_XATTR_NAME_MAX, NODE_XATTR_VALUE_MAX or NODE_TARGET_MAX, EINVAL
 * for a name that is not one safe path component.
 */
int meta_read(int, const uint8_t *, size_t, int, const struct stat *,
    struct node *) __attribute__((warn_unused_result));

/*
 * meta_stat_fill(n, st): mode, owner ids, size, mtime, ctime, dev, ino,
 * nlink (and rdev for a device ${n}->type) from lstat's ${st}.
 */
void meta_stat_fill(struct node *, const struct stat *);

/*
 * meta_read_like(st, p, n): fill *${n} for a regular file whose lstat
 * ${st} has the inode, size, mtime and ctime of its parent-snapshot node
 * ${p}, without opening it: everything lstat says and the owner names
 * anew, the extended attributes (ACLs included) from ${p}, since setting
 * or removing one changes ctime.  Not extents, chunks or link_id.  0, or
 * -1 with errno (ENOMEM) and ${n} zeroed.
 */
int meta_read_like(const struct stat *, const struct node *, struct node *)
    __attribute__((warn_unused_result));

/*
 * meta_names_reset(): forget the cached uid -> user and gid -> group
 * names, e.g. between snapshots or after /etc/passwd changed.
 */
void meta_names_reset(void);

/*
 * What meta_apply could not set, for the message that names it: each
 * thing ("owner 1000:1000", "xattr user.x", "mode 4755", "times") with
 * its error and, where one is known, why ("too large for the target file
 * system", "needs root"), as "THING: ERROR (WHY)", joined by "; " while
 * they fit in text (names shown as log_shown shows them).
 */
#define META_FAIL_TEXT_BYTES	384
struct meta_fail {
	size_t	n;				/* things not set */
	size_t	shown;				/* of them, in text */
	char	text[META_FAIL_TEXT_BYTES];
};

/*
 * meta_apply(fd, n, flags, fail): set the metadata of ${n} on the
 * restored regular file or directory open at ${fd} (its type must match
 * ${n}): owner (numeric uid/gid, only with META_OWNER in ${flags}), every
 * extended attribute, mode (all 07777 bits), and times (atime = mtime =
 * the stored mtime; ctime cannot be set by anyone).  Call it after the
 * content is written (a write clears setuid bits and file capabilities)
 * and, for a directory, after its entries are restored.  Set-user-ID and
 * set-group-ID bits are dropped unless the file ends up owned by the
 * stored uid (resp. gid), so a restore never makes a file set-id to the
 * wrong user.  With META_NOSETID in ${flags} (restore --no-setid) both
 * bits are always dropped and a security.capability attribute is not set.
 * Existing extended attributes not in ${n} are left alone.
 * META_NO_INHERIT, META_MODE_KEPT and META_FRESH (above) only leave out
 * calls.
 * If ${fail} is not NULL, it is reset, and anything that cannot be set
 * (the owner, an extended attribute, the mode, the times) does not stop
 * the rest: each is counted and described in *${fail}; a set-id bit is
 * still dropped when the owner could not be set.  If ${fail} is NULL,
 * any such failure makes the result -1 with its errno (after the rest of
 * the extended attributes were tried).  Returns 0, or -1 with errno
 * (EINVAL for a node that is not a file or directory, a type mismatch,
 * mode bits beyond 07777 or nanoseconds >= 1e9; or the failure above).
 */
int meta_apply(int, const struct node *, int, struct meta_fail *)
    __attribute__((warn_unused_result));

/*
 * meta_apply_at(dirfd, name, n, flags, fail): the same as meta_apply
 * for the entry ${name} in ${dirfd}, for symlinks, FIFOs and device nodes
 * that cannot be opened safely.  The entry is reached through an O_PATH |
 * O_NOFOLLOW descriptor and must have ${n}'s type (else EINVAL); a
 * symlink's mode is not set (Linux has no symlink modes).  Returns as
 * meta_apply does.
 */
int meta_apply_at(int, const char *, const struct node *, int,
    struct meta_fail *) __attribute__((warn_unused_result));

/*
 * meta_make_special(dirfd, name, n): create ${name} in ${dirfd} as the
 * FIFO, character or block device (rdev of ${n}) or symlink (raw target
 * of ${n}) that ${n} describes, mode 0600 until meta_apply_at sets it.
 * Never follows or replaces an existing entry, not even a dangling
 * symlink.  Returns 0, or -1 with errno: EEXIST if ${name} exists,
 * EINVAL for another node type, a bad name or a target holding NUL.
 */
int meta_make_special(int, const char *, const struct node *)
    __attribute__((warn_unused_result));

#endif
