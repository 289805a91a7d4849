/*
 * treepath.c: the trees on a walker's path (see treepath.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "treepath.h"

int
treepath_push(struct treepath *tp, const uint8_t id[NODE_ID_BYTES])
{
	size_t i;

	if (tp->above >= TREE_DEPTH_MAX ||
	    tp->n >= TREE_DEPTH_MAX - tp->above) {
		errno = EMLINK;
		return -1;
	}
	/* Linear: at most TREE_DEPTH_MAX ids of 32 bytes, once a directory. */
	for (i = 0; i < tp->n; i++)
		if (memcmp(tp->ids[i], id, NODE_ID_BYTES) == 0) {
			errno = ELOOP;
			return -1;
		}
	if (tp->ids == NULL && (tp->ids = calloc(TREE_DEPTH_MAX,
	    sizeof(*tp->ids))) == NULL)
		return -1;
	memcpy(tp->ids[tp->n++], id, NODE_ID_BYTES);
	return 0;
}

void
treepath_pop(struct treepath *tp)
{
	if (tp->n > 0)
		tp->n--;
}

void
treepath_free(struct treepath *tp)
{
	free(tp->ids);
	memset(tp, 0, sizeof(*tp));
}

const char *
treepath_why(int e)
{
	if (e == ELOOP)
		return "directory listing contains itself (a cycle of trees: "
		    "the repository is forged)";
	if (e == EMLINK)
		return "more than 1024 directory levels deep (the limit of "
		    "the format); not entered";
	return "out of memory";
}
