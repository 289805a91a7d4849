/*
 * treepath.h: the trees on the path a walker is in, to stop walks that
 * would not end.  Nothing in a repository is trusted to be a tree (a
 * forged tree can name itself, or an ancestor, as a subdirectory), so
 * every walker of trees (ls, restore, check) enters each subtree through
 * treepath_push, which refuses a tree already on the path (a cycle) and
 * a path of more than TREE_DEPTH_MAX trees.  Memory: about 48 bytes a
 * level of the deepest path so far (3 MiB at TREE_DEPTH_MAX); a tree is
 * found on the path through a hash table, so a deep path costs no more
 * per level than a shallow one.
 */
#ifndef TACIT_TREEPATH_H
#define TACIT_TREEPATH_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"

/*
 * Trees on one path, the snapshot's root tree included: a directory at
 * most TREE_DEPTH_MAX - 2 levels below a source.  backup refuses to go
 * deeper, and readers refuse deeper trees (doc/format.md, section 16.3).
 */
#define TREE_DEPTH_MAX		65536

struct treepath {
	uint8_t		(*ids)[NODE_ID_BYTES];
	size_t		  n;		/* trees on the path */
	size_t		  cap;		/* ids allocated */
	uint32_t	 *slot;		/* hash table: 1 + an index in ids, or 0 */
	size_t		  nslot;	/* 2 * cap, a power of two */
	size_t		  above;	/* levels above the first one pushed */
};

/*
 * treepath_push(tp, id): enter tree ${id}.  Returns 0; or -1 with errno
 * ELOOP (${id} is already on the path: the tree contains itself), EMLINK
 * (the path would hold more than TREE_DEPTH_MAX trees) or ENOMEM.
 */
int treepath_push(struct treepath *, const uint8_t[NODE_ID_BYTES])
    __attribute__((warn_unused_result));

/* treepath_pop(tp): leave the tree entered last. */
void treepath_pop(struct treepath *);

/* treepath_free(tp): release ${tp}; it is empty again. */
void treepath_free(struct treepath *);

/*
 * treepath_why(e): what a refusal with errno ${e} from treepath_push
 * means, for a message that names the path and the blob.
 */
const char *treepath_why(int);

#endif
