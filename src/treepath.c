/*
 * treepath.c: the trees on a walker's path (see treepath.h).
 *
 * The ids on the path are a stack; a linear-probing hash table over them
 * finds a tree already on the path in constant time.  Entries leave the
 * table in the reverse order they came in (a walk pops what it pushed
 * last), and the entry inserted last ends every probe sequence it is on,
 * so emptying its slot breaks no other entry's sequence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "treepath.h"

static size_t
hash(const uint8_t id[NODE_ID_BYTES], size_t nslot)
{
	uint64_t h;

	/* Tree ids are keyed hashes; forged ones only slow the probe. */
	memcpy(&h, id, sizeof(h));
	return (size_t)(h * 0x9e3779b97f4a7c15ull >> 17) & (nslot - 1);
}

/* The slot of ${id}, or the empty slot where it would go. */
static size_t
find(const struct treepath *tp, const uint8_t id[NODE_ID_BYTES])
{
	size_t i = hash(id, tp->nslot);

	while (tp->slot[i] != 0 &&
	    memcmp(tp->ids[tp->slot[i] - 1], id, NODE_ID_BYTES) != 0)
		i = (i + 1) & (tp->nslot - 1);
	return i;
}

/* Room for one more id: double the stack and rebuild the table. */
static int
grow(struct treepath *tp)
{
	uint8_t (*ids)[NODE_ID_BYTES];
	uint32_t *slot;
	size_t cap = tp->cap ? tp->cap * 2 : 64, i;

	if (cap > TREE_DEPTH_MAX)
		cap = TREE_DEPTH_MAX;
	if ((ids = reallocarray(tp->ids, cap, NODE_ID_BYTES)) == NULL)
		return -1;
	tp->ids = ids;
	if ((slot = calloc(cap * 2, sizeof(*slot))) == NULL)
		return -1;
	free(tp->slot);
	tp->slot = slot;
	tp->nslot = cap * 2;
	tp->cap = cap;
	for (i = 0; i < tp->n; i++)
		tp->slot[find(tp, tp->ids[i])] = (uint32_t)i + 1;
	return 0;
}

int
treepath_push(struct treepath *tp, const uint8_t id[NODE_ID_BYTES])
{
	if (tp->above >= TREE_DEPTH_MAX ||
	    tp->n >= TREE_DEPTH_MAX - tp->above) {
		errno = EMLINK;
		return -1;
	}
	if (tp->n == tp->cap && grow(tp) != 0)
		return -1;
	if (tp->slot[find(tp, id)] != 0) {
		errno = ELOOP;
		return -1;
	}
	memcpy(tp->ids[tp->n], id, NODE_ID_BYTES);
	tp->slot[find(tp, id)] = (uint32_t)++tp->n;
	return 0;
}

void
treepath_pop(struct treepath *tp)
{
	if (tp->n > 0)
		tp->slot[find(tp, tp->ids[--tp->n])] = 0;
}

void
treepath_free(struct treepath *tp)
{
	free(tp->ids);
	free(tp->slot);
	memset(tp, 0, sizeof(*tp));
}

const char *
treepath_why(int e)
{
	if (e == ELOOP)
		return "directory listing contains itself (a cycle of trees: "
		    "the repository is forged)";
	if (e == EMLINK)
		return "more than 65536 directory levels deep (the limit of "
		    "the format); not entered";
	return "out of memory";
}
