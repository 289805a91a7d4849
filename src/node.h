/*
 * node.h: one file-system entry as stored in a tree object.
 *
 * Everything tacit records about a file lives here; tree.c encodes a
 * directory's nodes into a tree object, meta.c reads them from and applies
 * them to the file system.  Names are raw bytes (anything but '/' and NUL).
 */
#ifndef TACIT_NODE_H
#define TACIT_NODE_H

#include <stddef.h>
#include <stdint.h>

#define NODE_ID_BYTES		32
#define NODE_NAME_MAX		255		/* NAME_MAX */
#define NODE_TARGET_MAX		4096		/* PATH_MAX: symlink target */
#define NODE_XATTR_NAME_MAX	255		/* XATTR_NAME_MAX */
#define NODE_XATTR_VALUE_MAX	65536		/* XATTR_SIZE_MAX */
#define NODE_XATTRS_MAX		1024
#define NODE_USER_MAX		256

/* Node types.  Numbers are on disk: never reuse. */
enum node_type {
	NODE_FILE = 1,
	NODE_DIR = 2,
	NODE_SYMLINK = 3,
	NODE_FIFO = 4,
	NODE_CHR = 5,
	NODE_BLK = 6,
	NODE__MAX
};

/* Flags.  On disk. */
#define NODE_F_CHANGED		0x01	/* the file changed while it was read */
#define NODE_F_UNREADABLE	0x02	/* content could not be read: empty */
#define NODE_F_SHORT		0x04	/* ended before its stat size: size is
					   the bytes read to its end */

struct xattr {
	char		*name;			/* NUL-terminated */
	uint8_t		*value;
	size_t		 len;
};

/* A data extent of a sparse file: bytes [off, off + len) hold data. */
struct extent {
	uint64_t	off;
	uint64_t	len;
};

struct node {
	uint8_t		 type;			/* enum node_type */
	uint8_t		 flags;			/* NODE_F_* */
	uint8_t		*name;			/* raw bytes, not NUL-terminated */
	size_t		 namelen;
	uint32_t	 mode;			/* st_mode & 07777 */
	uint32_t	 uid, gid;
	char		*user, *group;		/* NULL when unknown */
	uint64_t	 size;			/* st_size; files: the bytes read */
	int64_t		 mtime_sec;
	uint32_t	 mtime_nsec;
	int64_t		 ctime_sec;
	uint32_t	 ctime_nsec;
	uint64_t	 dev, ino;		/* change detection and hard links */
	uint32_t	 nlink;
	uint64_t	 rdev;			/* NODE_CHR, NODE_BLK */
	uint64_t	 link_id;		/* hard-link group in this snapshot; 0 none */
	uint8_t		*target;		/* NODE_SYMLINK: raw bytes */
	size_t		 targetlen;
	struct xattr	*xattrs;		/* sorted by name; includes ACLs */
	size_t		 nxattrs;
	struct extent	*extents;		/* NODE_FILE: data extents, sorted */
	size_t		 nextents;
	uint8_t		(*chunks)[NODE_ID_BYTES];	/* NODE_FILE: content */
	size_t		 nchunks;
	uint8_t		 subtree[NODE_ID_BYTES];	/* NODE_DIR: its tree */
};

/* node_free_fields(n): free everything ${n} points to; zero it. */
void node_free_fields(struct node *);

/*
 * node_copy_meta(dst, src): a deep copy of everything in ${src} but its
 * content (chunks, extents).  0, or -1 on ENOMEM with ${dst} empty.
 */
int node_copy_meta(struct node *, const struct node *)
    __attribute__((warn_unused_result));

/*
 * node_name_ok(name, len): 1 if ${name} is one safe path component: 1..255
 * bytes, no '/', no NUL, not "." or "..".  Every name read from a
 * repository is checked with this before it touches the file system.
 */
int node_name_ok(const uint8_t *, size_t);

#endif
