/*
 * twalk.h: a pre-order walk of a snapshot's trees for find and dump.  The
 * directories on the path are frames on the heap (no C recursion), every
 * subtree is entered through treepath_push (cycles, depth), and a
 * directory whose listing is missing or damaged is reported by path and
 * blob, never skipped silently.
 */
#ifndef TACIT_TWALK_H
#define TACIT_TWALK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "treepath.h"

struct reader;
struct tree;
struct node;

struct twalk {
	struct reader	*rd;
	struct dbuf	 path;		/* "/a/b" of the node visited */
	struct treepath	 tp;
	/* Each node below the top, its path in path; 0, or -1 to stop. */
	int		(*visit)(struct twalk *, const struct node *);
	void		*arg;
};

/* twalk_init(w, rd, visit, arg): a walker with an empty path. */
void twalk_init(struct twalk *, struct reader *,
    int (*)(struct twalk *, const struct node *), void *);

/* twalk_free(w): release ${w}. */
void twalk_free(struct twalk *);

/*
 * twalk_tree(w, top): visit every node of ${top} and below, w->path
 * holding the prefix.  0, 1 when something was damaged (each reported),
 * or -1 (out of memory, or visit said stop).
 */
int twalk_tree(struct twalk *, const struct tree *);

/*
 * twalk_dir(w, t, k): twalk_tree of the directory t->nodes[k] (its path
 * in w->path, w->tp holding the trees above it).  0, 1 or -1 as above.
 */
int twalk_dir(struct twalk *, const struct tree *, size_t);

/*
 * twalk_path(w, path): the components of ${path} ("a//b/", "/a/b") as
 * "/a/b" into w->path, each one a safe name (node_name_ok).  The number
 * of components, or -1 (a name that is not one, out of memory).
 */
int twalk_path(struct twalk *, const char *);

/*
 * twalk_open(w, root, path, t, n): twalk_path of ${path}, and the node it
 * names below the root tree ${root}: *${t} the tree holding it, *${n} the
 * node (NULL: the path is the root, *${t} the root tree, put on w->tp).
 * EXIT_OK, or an exit code after a message (*${t} then holds nothing).
 */
int twalk_open(struct twalk *, const uint8_t *, const char *, struct tree *,
    struct node **);

/* twalk_shown(w): w->path for a message (log_shown). */
const char *twalk_shown(struct twalk *);

#endif
