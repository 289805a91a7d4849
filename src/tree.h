/*
 * tree.h: a directory's entries as one tree object (sealed as OBJ_TREE in
 * a pack; its id is the keyed hash of the plaintext, so identical
 * directories are stored once).
 *
 *   u32 format (1) | u32 count | count × node, sorted by name bytes
 *   node: u8 type | u8 flags | u16 namelen | name
 *         | u32 mode | u32 uid | u32 gid | u8 len | user | u8 len | group
 *         | u64 size | u64 mtime_sec | u32 mtime_nsec | u64 ctime_sec
 *         | u32 ctime_nsec | u64 dev | u64 ino | u32 nlink | u64 rdev
 *         | u64 link_id | u16 targetlen | target
 *         | u32 nxattrs | nxattrs × (u8 namelen | name | u32 len | value)
 *         | FILE: u32 nextents | (u64 off | u64 len)... | u32 nchunks | ids
 *         | DIR:  subtree id[32]
 */
#ifndef TACIT_TREE_H
#define TACIT_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "node.h"

#define TREE_FORMAT		1
#define TREE_NODES_MAX		(1u << 22)	/* entries in one directory */
#define TREE_CHUNKS_MAX		(1u << 24)	/* chunks of one file */
#define TREE_EXTENTS_MAX	(1u << 20)
#define TREE_BYTES_MAX		(1u << 27)	/* a tree's plaintext (128 MiB) */

struct tree {
	struct node	*nodes;
	size_t		 count;
	size_t		 cap;
};

/* tree_add(t, n): move *${n} into ${t} (n is zeroed).  0, or -1 ENOMEM. */
int tree_add(struct tree *, struct node *) __attribute__((warn_unused_result));

/* tree_sort(t): order the nodes by name bytes (the encoded order). */
void tree_sort(struct tree *);

/* tree_free(t): free every node; ${t} is empty again. */
void tree_free(struct tree *);

/*
 * tree_encode(t, out): the plaintext of ${t} (sorted first) into ${out}, a
 * fresh dbuf the caller frees.  Names are written as they are: the
 * decoder is the one that refuses bad ones.  0, or -1.
 */
int tree_encode(struct tree *, struct dbuf *) __attribute__((warn_unused_result));

/*
 * tree_decode(p, len, t): parse a tree plaintext (untrusted) into ${t}.
 * Refuses unknown types and flags, unsafe names (node_name_ok), names not
 * in strictly increasing order (so no duplicates), nanoseconds >= 10^9,
 * extents out of order or beyond the size, counts past the caps, and any
 * trailing byte.  Returns 0, or -1 with ${t} empty.
 */
int tree_decode(const uint8_t *, size_t, struct tree *)
    __attribute__((warn_unused_result));

/* tree_find(t, name, len): the node named ${name}, or NULL (binary search). */
struct node *tree_find(struct tree *, const uint8_t *, size_t);

#endif
