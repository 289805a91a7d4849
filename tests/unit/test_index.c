/*
 * test_index.c: the blob index in memory.  Lookups across growth, the
 * reserve-then-place path a backup uses for the blobs it stores (one
 * table is both the run's "already queued" set and its new index), and
 * the segment encoding: an unplaced blob is refused, placed ones survive
 * an encode and decode with their pack, offset and lengths; a loaded
 * index refreshed whole (prune) encodes whole again.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "index.h"
#include "t.h"

#define N	5000
#define PACK_OF(i)	((i) * 4 / N)	/* blobs come in runs per pack */

static uint8_t ids[N][INDEX_ID_BYTES];
static uint8_t pids[4][PACK_ID_BYTES];

/* Every blob i is where add or place put it: pack PACK_OF(i), offset 10 i. */
static int
all_where(const struct index *ix, size_t n)
{
	const struct blobloc *b;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((b = index_get(ix, ids[i])) == NULL ||
		    b->off != 10 * i || b->len != i + 1 || b->rawlen != i ||
		    b->type != (i % 3 ? BLOB_DATA : BLOB_TREE) ||
		    memcmp(index_pack_id(ix, b->pack), pids[PACK_OF(i)],
		    PACK_ID_BYTES) != 0)
			return 0;
	}
	return 1;
}

int
main(void)
{
	struct index ix, rx, dx;
	struct dbuf seg;
	uint8_t unknown[INDEX_ID_BYTES];
	size_t i, total;
	int n, ok, r;

	t_init();
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(ids, sizeof(ids));
	randombytes_buf(pids, sizeof(pids));
	randombytes_buf(unknown, sizeof(unknown));

	/* index_add and index_get across several doublings. */
	index_init(&ix);
	T(index_get(&ix, ids[0]) == NULL, "an empty index knows nothing");
	ok = 1;
	for (i = 0; i < N; i++)
		if (index_add(&ix, ids[i], i % 3 ? BLOB_DATA : BLOB_TREE,
		    pids[PACK_OF(i)], (uint32_t)(10 * i), (uint32_t)(i + 1),
		    (uint32_t)i) != 0)
			ok = 0;
	T(ok && ix.count == N && ix.cap >= 2 * N, "%d blobs added, load <= 1/2 "
	    "(count %zu, cap %zu)", N, ix.count, ix.cap);
	T(all_where(&ix, N), "every blob found where it was put after growth");
	T(index_get(&ix, unknown) == NULL, "an unknown id is not found");
	T(index_add(&ix, ids[7], BLOB_DATA, pids[0], 999, 999, 999) == 0 &&
	    index_get(&ix, ids[7])->off == 70, "adding a known id changes "
	    "nothing");
	T(ix.nfresh == N, "each new blob is fresh once (%zu)", ix.nfresh);
	index_free(&ix);

	/* Reserve all first (the table grows meanwhile), then place. */
	index_init(&rx);
	ok = 1;
	for (i = 0; i < N; i++)
		if (index_reserve(&rx, ids[i], i % 3 ? BLOB_DATA : BLOB_TREE,
		    (uint32_t)i) != 1)
			ok = 0;
	T(ok, "index_reserve: 1 for each new id");
	T(index_reserve(&rx, ids[3], BLOB_DATA, 3) == 0 && rx.count == N,
	    "index_reserve: 0 for a reserved id, nothing added");
	T(index_get(&rx, ids[5]) != NULL &&
	    index_get(&rx, ids[5])->pack == INDEX_UNPLACED,
	    "a reserved blob is known and unplaced");
	T(rx.npacks == 0, "reserving adds no pack");
	errno = 0;
	r = index_encode_fresh(&rx, INDEX_SEGMENT_MAX, &seg);
	T(r == -1 && errno == EINVAL, "encoding an unplaced blob is refused "
	    "(%d, %s)", r, strerror(errno));
	dbuf_free(&seg);
	ok = 1;
	for (i = 0; i < N; i++)
		if (index_place(&rx, ids[i], pids[PACK_OF(i)], (uint32_t)(10 * i),
		    (uint32_t)(i + 1)) != 0)
			ok = 0;
	T(ok && all_where(&rx, N) && rx.npacks == 4, "every reserved blob "
	    "placed: pack, offset, lengths, type all as given");
	errno = 0;
	T(index_place(&rx, ids[0], pids[1], 1, 1) == -1 && errno == EEXIST &&
	    index_get(&rx, ids[0])->off == 0, "placing twice: EEXIST, the "
	    "first place stands");
	errno = 0;
	T(index_place(&rx, unknown, pids[1], 1, 1) == -1 && errno == ENOENT,
	    "placing an unreserved id: ENOENT");
	T(index_reserve(&rx, ids[9], BLOB_DATA, 9) == 0 &&
	    index_get(&rx, ids[9])->off == 90, "reserving a placed id: 0, "
	    "unchanged");

	/* Encode in segments of 1000, decode into a fresh index. */
	index_init(&dx);
	total = 0;
	ok = 1;
	while ((n = index_encode_fresh(&rx, 1000, &seg)) > 0) {
		total += (size_t)n;
		if (n > 1000 || index_decode(&dx, seg.p, seg.len) != 0)
			ok = 0;
		dbuf_free(&seg);
	}
	T(n == 0 && ok && total == N, "encoded in segments of at most 1000, "
	    "%zu blobs, each decoded", total);
	T(all_where(&dx, N) && dx.nfresh == 0, "decoded: every blob where "
	    "it was placed, none fresh");
	T(rx.nfresh == 0 && index_encode_fresh(&rx, 10, &seg) == 0,
	    "nothing fresh is left to encode");
	dbuf_free(&seg);

	/* prune's path: the loaded (decoded) index, every blob refreshed,
	 * encoded again whole. */
	ok = 1;
	for (i = 0; i < N; i++)
		if (index_refresh(&dx, ids[i]) != 0)
			ok = 0;
	errno = 0;
	T(ok && dx.nfresh == N && index_refresh(&dx, unknown) == -1 &&
	    errno == ENOENT, "index_refresh: every known blob fresh again; an "
	    "unknown one ENOENT");
	index_free(&rx);
	index_init(&rx);
	total = 0;
	while ((n = index_encode_fresh(&dx, 4096, &seg)) > 0) {
		total += (size_t)n;
		if (index_decode(&rx, seg.p, seg.len) != 0)
			ok = 0;
		dbuf_free(&seg);
	}
	dbuf_free(&seg);
	T(ok && total == N && all_where(&rx, N), "the refreshed index "
	    "encodes whole again: every blob where it was");
	index_free(&rx);
	index_free(&dx);

	/*
	 * Three segments naming packs A, B, then A again (a new index and
	 * an old one beside it, after a prune was cut short): A must keep
	 * one number, or prune took it for two packs and deleted the file
	 * under the used blobs of one of them.
	 */
	{
		struct index a, b, c, all;
		struct dbuf sa, sb, sc;
		const struct blobloc *x, *y, *z;

		index_init(&a);
		index_init(&b);
		index_init(&c);
		index_init(&all);
		ok = index_add(&a, ids[0], BLOB_DATA, pids[0], 0, 50, 40) == 0 &&
		    index_add(&b, ids[1], BLOB_DATA, pids[1], 0, 50, 40) == 0 &&
		    index_add(&c, ids[2], BLOB_DATA, pids[0], 50, 50, 40) == 0 &&
		    index_add(&c, ids[0], BLOB_DATA, pids[0], 0, 50, 40) == 0 &&
		    index_encode_fresh(&a, 10, &sa) == 1 &&
		    index_encode_fresh(&b, 10, &sb) == 1 &&
		    index_encode_fresh(&c, 10, &sc) == 2 &&
		    index_decode(&all, sa.p, sa.len) == 0 &&
		    index_decode(&all, sb.p, sb.len) == 0 &&
		    index_decode(&all, sc.p, sc.len) == 0;
		T(ok && all.npacks == 3, "loading A, B, A lists pack A twice "
		    "(the control)");
		ok = ok && index_merge_packs(&all) == 0;
		x = index_get(&all, ids[0]);
		y = index_get(&all, ids[1]);
		z = index_get(&all, ids[2]);
		T(ok && all.npacks == 2 && x != NULL && y != NULL && z != NULL &&
		    x->pack == z->pack && x->pack != y->pack &&
		    memcmp(index_pack_id(&all, x->pack), pids[0],
		    PACK_ID_BYTES) == 0 && memcmp(index_pack_id(&all, y->pack),
		    pids[1], PACK_ID_BYTES) == 0, "index_merge_packs: one "
		    "number per pack, every blob still in its own pack");
		dbuf_free(&sa);
		dbuf_free(&sb);
		dbuf_free(&sc);
		index_free(&a);
		index_free(&b);
		index_free(&c);
		index_free(&all);
	}
	return t_exit();
}
