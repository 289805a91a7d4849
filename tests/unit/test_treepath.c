/*
 * test_treepath.c: the walkers' guard against trees that do not end
 * (treepath.c): a tree already on the path is refused (ELOOP), so is a
 * path of more than TREE_DEPTH_MAX trees (EMLINK), counting the levels
 * above the first push; leaving a tree makes room again, also in the
 * hash table that finds a tree on the path (popped ids may come back,
 * ids still on the path stay found after the table grows); and
 * packr_loc_ok, the length caps every reader checks before it allocates.
 */
#include <errno.h>
#include <string.h>

#include "pack.h"
#include "t.h"
#include "treepath.h"

static void
mkid(uint8_t id[NODE_ID_BYTES], size_t i)
{
	memset(id, 0, NODE_ID_BYTES);
	memcpy(id, &i, sizeof(i));
}

int
main(void)
{
	struct treepath tp;
	struct blobloc loc;
	uint8_t id[NODE_ID_BYTES];
	size_t i;
	int all = 1, r;

	t_init();
	memset(&tp, 0, sizeof(tp));
	for (i = 0; i < TREE_DEPTH_MAX; i++) {
		mkid(id, i);
		if (treepath_push(&tp, id) != 0)
			all = 0;
	}
	T(all, "%d distinct trees on one path are accepted", TREE_DEPTH_MAX);
	mkid(id, TREE_DEPTH_MAX);
	errno = 0;
	r = treepath_push(&tp, id);
	T(r == -1 && errno == EMLINK, "tree %d on the path: EMLINK",
	    TREE_DEPTH_MAX + 1);
	treepath_pop(&tp);
	mkid(id, 7);
	errno = 0;
	r = treepath_push(&tp, id);
	T(r == -1 && errno == ELOOP, "a tree already on the path: ELOOP");
	mkid(id, TREE_DEPTH_MAX - 1);
	r = treepath_push(&tp, id);
	T(r == 0, "after a pop, the tree popped may come back");
	treepath_free(&tp);
	T(tp.ids == NULL && tp.n == 0, "treepath_free empties it");

	/* Pops and pushes across growths of the table. */
	for (i = 0; i < 300; i++) {
		mkid(id, i);
		if (treepath_push(&tp, id) != 0)
			all = 0;
	}
	for (i = 0; i < 250; i++)
		treepath_pop(&tp);
	for (i = 50; i < 300; i++) {
		mkid(id, i);
		if (treepath_push(&tp, id) != 0)
			all = 0;
	}
	T(all, "300 ids, 250 popped, pushed again: accepted");
	mkid(id, 49);
	errno = 0;
	r = treepath_push(&tp, id);
	T(r == -1 && errno == ELOOP, "an id below the pops is still found");
	mkid(id, 299);
	errno = 0;
	r = treepath_push(&tp, id);
	T(r == -1 && errno == ELOOP, "an id pushed again is found");
	treepath_free(&tp);

	tp.above = TREE_DEPTH_MAX - 1;
	mkid(id, 1);
	T(treepath_push(&tp, id) == 0, "one tree below %d levels: accepted",
	    TREE_DEPTH_MAX - 1);
	mkid(id, 2);
	errno = 0;
	r = treepath_push(&tp, id);
	T(r == -1 && errno == EMLINK, "and a second one is too deep");
	treepath_free(&tp);
	mkid(id, 3);
	r = treepath_push(&tp, id);
	T(r == 0, "the same id on another (empty) path: accepted");
	r = treepath_push(&tp, id);
	T(r == -1 && errno == ELOOP, "a tree that contains itself: ELOOP");
	treepath_free(&tp);

	memset(&loc, 0, sizeof(loc));
	loc.rawlen = 100;
	loc.len = 100 + BLOB_OVERHEAD;
	T(packr_loc_ok(&loc, 100) == 0, "raw 100, sealed 145: fits a cap of 100");
	errno = 0;
	T(packr_loc_ok(&loc, 99) == -1 && errno == EFBIG,
	    "raw 100 over a cap of 99: EFBIG");
	loc.rawlen = UINT32_MAX;
	errno = 0;
	T(packr_loc_ok(&loc, 4u << 20) == -1 && errno == EFBIG,
	    "4 GiB raw over chunk_max: EFBIG, before anything is allocated");
	loc.rawlen = 100;
	loc.len = 101 + BLOB_OVERHEAD;
	errno = 0;
	T(packr_loc_ok(&loc, 1000) == -1 && errno == EBADMSG,
	    "sealed longer than raw + 45: EBADMSG");
	loc.len = BLOB_OVERHEAD - 1;
	errno = 0;
	T(packr_loc_ok(&loc, 1000) == -1 && errno == EBADMSG,
	    "sealed shorter than 45: EBADMSG");
	return t_exit();
}
