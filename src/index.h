/*
 * index.h: where every blob lives.  In memory an open-addressing hash table
 * keyed by blob id (ids are keyed hashes, so their first bytes are already
 * uniform); on disk sealed index segments, REPO/index/<32 hex>, one or more
 * per backup run, written after the packs they describe are durable.
 *
 * Segment plaintext: u32 format (1) | u32 npacks | npacks × pack id[16]
 *   | u32 count | count × (id[32] | u8 type | u32 pack | u32 offset
 *   | u32 length | u32 raw length)
 * Memory: 52 bytes per slot, the table between a quarter and half full
 * (it doubles), so 104 to 208 bytes per blob; a million blobs (a 1 TiB
 * repository of 1 MiB chunks) take 104 or 208 MiB.  A backup has two
 * tables: the repository's and its own new blobs'.
 */
#ifndef TACIT_INDEX_H
#define TACIT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define INDEX_FORMAT		1
#define INDEX_ID_BYTES		32
#define PACK_ID_BYTES		16
#define INDEX_SEGMENT_MAX	(1u << 16)	/* entries per segment */

#define BLOB_DATA		1
#define BLOB_TREE		2

#define INDEX_UNPLACED		UINT32_MAX	/* reserved, not in a pack yet */

struct blobloc {
	uint8_t		id[INDEX_ID_BYTES];
	uint32_t	pack;		/* index into index->packs */
	uint32_t	off;
	uint32_t	len;		/* sealed length in the pack */
	uint32_t	rawlen;		/* plaintext length (before zstd) */
	uint8_t		type;		/* BLOB_* ; 0 = empty slot */
};

struct index {
	struct blobloc	 *slots;
	size_t		  cap;		/* power of two */
	size_t		  count;
	uint8_t		(*packs)[PACK_ID_BYTES];
	size_t		  npacks;
	size_t		  packcap;
	struct blobloc	**fresh;	/* added since index_take_fresh */
	size_t		  nfresh;
	size_t		  freshcap;
};

/* index_init(ix): an empty index. */
void index_init(struct index *);

/* index_free(ix): release everything. */
void index_free(struct index *);

/* index_get(ix, id): the location of blob ${id}, or NULL. */
const struct blobloc *index_get(const struct index *, const uint8_t *);

/*
 * index_add(ix, id, type, pack, off, len, rawlen): record a new blob
 * (a known id is left as it is).  Returns 0, or -1 on ENOMEM.
 */
int index_add(struct index *, const uint8_t *, uint8_t,
    const uint8_t[PACK_ID_BYTES], uint32_t, uint32_t, uint32_t)
    __attribute__((warn_unused_result));

/*
 * index_reserve(ix, id, type, rawlen): record that blob ${id} will be
 * stored (pack INDEX_UNPLACED) unless ${ix} knows it.  Returns 1 when it
 * was new, 0 when known, -1 on ENOMEM.
 */
int index_reserve(struct index *, const uint8_t *, uint8_t, uint32_t)
    __attribute__((warn_unused_result));

/*
 * index_place(ix, id, pack, off, len): where reserved blob ${id} went.
 * Returns 0, or -1 with errno (ENOENT: not reserved; EEXIST: already
 * placed; ENOMEM).
 */
int index_place(struct index *, const uint8_t *, const uint8_t[PACK_ID_BYTES],
    uint32_t, uint32_t) __attribute__((warn_unused_result));

/*
 * index_refresh(ix, id): count the known blob ${id} among those added
 * since the last save, so that the next save writes it again (prune
 * writes a whole new index from the index it loaded).  Returns 0, or -1
 * (ENOENT: unknown; ENOMEM).
 */
int index_refresh(struct index *, const uint8_t *)
    __attribute__((warn_unused_result));

/*
 * index_merge_packs(ix): give each pack id one number.  Loading segments
 * one after another can list a pack twice in ix->packs (pack_number
 * matches only the last one, to stay linear), so the blobs of one pack
 * could carry two numbers, and a caller that decides per number (prune)
 * would take one of them for a pack of its own.  Sorts the ids, maps every
 * duplicate to the first number, rewrites each blob's number and
 * compacts the list.  O(n log n).  0, or -1 (ENOMEM; nothing changed).
 */
int index_merge_packs(struct index *) __attribute__((warn_unused_result));

/*
 * index_merge_packs(ix): give each pack id one number.  Loading segments
 * one after another can list a pack twice in ix->packs (pack_number
 * matches only the last one, to stay linear), so the blobs of one pack
 * could carry two numbers, and a caller that decides per number (prune)
 * took one of them for a pack of its own and deleted the file under the
 * other's used blobs.  Maps every duplicate to the first number, rewrites
 * each blob's number and compacts the list; O(n log n).  0, or -1
 * (ENOMEM; nothing changed).
 */
int index_merge_packs(struct index *) __attribute__((warn_unused_result));

/* index_pack_id(ix, i): the id of pack number ${i}. */
const uint8_t *index_pack_id(const struct index *, uint32_t);

/*
 * index_encode_fresh(ix, max, out): encode up to ${max} blobs added since
 * the last call into a segment plaintext in ${out} (a fresh dbuf) and
 * forget them.  Returns the number encoded (0: none left), or -1 (EINVAL:
 * a reserved blob was never placed; ENOMEM).
 */
int index_encode_fresh(struct index *, size_t, struct dbuf *)
    __attribute__((warn_unused_result));

/*
 * index_decode(ix, p, len): add the blobs of a segment plaintext
 * (untrusted) to ${ix} without marking them fresh.  Refuses unknown types,
 * pack numbers out of range, offsets past 4 GiB and trailing bytes.
 * Returns 0, or -1.
 */
int index_decode(struct index *, const uint8_t *, size_t)
    __attribute__((warn_unused_result));

#endif
