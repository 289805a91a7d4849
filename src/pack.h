/*
 * pack.h: packs, the files that hold blobs (chunks of file data, trees).
 *
 *   pack = blob... || padding || sealed header || sealed trailer
 *   blob     envelope (OBJ_BLOB or OBJ_TREE, id = blob id) of
 *            u8 compression (0 raw, 1 zstd) || data
 *   header   envelope (OBJ_PACKHDR, id = pack id || 0x00...) of
 *            u32 format | u32 count | count × (u8 type | id[32] | u32 off
 *            | u32 len | u32 rawlen)
 *   trailer  envelope (OBJ_PACKHDR, id = pack id || 0x01 || 0...) of
 *            u64 sealed header length: PACK_TRAILER_BYTES, always
 *
 * Every full pack is exactly the configured pack size; the last pack of a
 * run is padded to a Padmé length.  Padding is random bytes, and blob
 * boundaries, ids and lengths are only in the sealed header and index, so
 * nothing in a pack is readable without the key.  Names are random:
 * REPO/packs/<2 hex>/<32 hex>.
 */
#ifndef TACIT_PACK_H
#define TACIT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "kh.h"

#define PACK_DIR		"packs"
#define PACK_FORMAT		1
#define PACK_HDR_ENTRY_BYTES	(1 + INDEX_ID_BYTES + 12)
#define PACK_TRAILER_BYTES	(ENV_OVERHEAD + 12)	/* padme(4 + 8) = 12 */
/* The largest pack file a reader loads whole (parity repair). */
#define PACK_FILE_MAX		((uint64_t)160 << 20)

#define BLOB_RAW		0
#define BLOB_ZSTD		1
/* A sealed blob's bytes beyond its data: envelope, length, compression. */
#define BLOB_OVERHEAD		(ENV_OVERHEAD + ENV_LEN_BYTES + 1)

struct packw;

/*
 * packw_new(kh, repofd, pack_bytes): a pack writer for the repository open
 * at ${repofd}.  NULL on ENOMEM.
 */
struct packw *packw_new(struct kh *, int, size_t);

/*
 * packw_async(w): hand each full pack over to the thread in packw_serve
 * instead of writing it, and fill the next one in a second buffer; a
 * write that failed there is returned by a later packw_add,
 * packw_add_sealed or packw_finish.  0, or -1 with errno.
 */
int packw_async(struct packw *) __attribute__((warn_unused_result));

/*
 * packw_serve(w): write each pack handed over (parity, write, fsync,
 * rename) until packw_close; then packs are written by whoever fills them
 * again.  One thread makes every write, as without packw_async.
 */
void packw_serve(struct packw *);

/* packw_close(w): the filler hands over no more: packw_serve returns. */
void packw_close(struct packw *);

/*
 * packw_add(w, ix, type, id, data, len, rawlen): seal one blob (data is
 * the compression byte and the payload) into the current pack, writing
 * out the pack first when the blob does not fit, and record it in ${ix}
 * (NULL: the caller records it, see packw_last).
 * Returns 0, or -1 with errno (the message is the caller's).
 */
int packw_add(struct packw *, struct index *, uint8_t, const uint8_t *,
    const uint8_t *, size_t, uint32_t) __attribute__((warn_unused_result));

/*
 * packw_add_sealed(w, ix, type, id, sealed, slen, rawlen): the same for a
 * blob the keyholder has already sealed (a batch).  0, or -1 with errno.
 */
int packw_add_sealed(struct packw *, struct index *, uint8_t, const uint8_t *,
    const uint8_t *, size_t, uint32_t) __attribute__((warn_unused_result));

/* packw_last(w, pack, off): the pack and offset of the blob added last. */
void packw_last(const struct packw *, uint8_t[PACK_ID_BYTES], uint32_t *);

/* packw_finish(w): write the last pack of the run (Padmé-padded). 0/-1. */
int packw_finish(struct packw *) __attribute__((warn_unused_result));

/* packw_stats(w, packs, bytes): packs and bytes written so far. */
void packw_stats(const struct packw *, uint64_t *, uint64_t *);

/* packw_free(w): release ${w}; an unfinished pack is dropped. */
void packw_free(struct packw *);

/* pack_name(id, shard, name): "xx" and the 32-hex file name of pack ${id}. */
void pack_name(const uint8_t[PACK_ID_BYTES], char[3], char[2 * PACK_ID_BYTES + 1]);

struct packr;

/*
 * packr_loc_ok(loc, rawmax): whether the lengths the index records for
 * blob ${loc} can be true: a raw length of at most ${rawmax} (what the
 * blob is for allows: chunk_max for file data), and a sealed length of at
 * least BLOB_OVERHEAD and at most the raw length plus BLOB_OVERHEAD (a
 * writer keeps a zstd frame only when it is shorter than the raw bytes).
 * Every reader checks this before it allocates by either length.  0; or
 * -1 with errno EFBIG (raw length over ${rawmax}) or EBADMSG.
 */
int packr_loc_ok(const struct blobloc *, size_t)
    __attribute__((warn_unused_result));

/*
 * packr_new(repofd): a reader that keeps the 16 packs it used last open
 * (read-only; closed by packr_free).
 */
struct packr *packr_new(int);

/*
 * packr_open(r, kh, ix, loc, plainp, plenp): read and authenticate blob
 * ${loc}; *plainp is its opened plaintext (compression byte, then raw or
 * zstd data), valid until the next call.  0, or -1 errno (EBADMSG).
 */
int packr_open(struct packr *, struct kh *, const struct index *,
    const struct blobloc *, const uint8_t **, size_t *)
    __attribute__((warn_unused_result));

/*
 * packr_read(r, kh, loc, ix, out, cap, len): read, authenticate and
 * decompress blob ${loc} into ${out} (at least loc->rawlen bytes).
 * Returns 0; -1 with errno EBADMSG when the blob is damaged (not
 * authentic, or its length or compression is wrong), or another errno
 * from the file system.
 */
int packr_read(struct packr *, struct kh *, const struct index *,
    const struct blobloc *, uint8_t *, size_t) __attribute__((warn_unused_result));

/*
 * packr_read_sealed(r, ix, loc, out): the sealed bytes of blob ${loc}
 * (loc->len of them) into ${out}, unopened.  0, or -1 with errno.
 */
int packr_read_sealed(struct packr *, const struct index *,
    const struct blobloc *, uint8_t *) __attribute__((warn_unused_result));

/*
 * packr_willneed(r, ix, loc): have the kernel start reading blob ${loc}'s
 * bytes into the page cache (posix_fadvise WILLNEED) and return at once,
 * so that a cold pack is read while the blob before is opened.  Advice:
 * nothing is reported, nothing is read here.
 */
void packr_willneed(struct packr *, const struct index *,
    const struct blobloc *);

/*
 * packr_heal(r, ix, loc): blob ${loc} read with packr_read_sealed was
 * damaged or unreadable: repair its pack in memory from its parity (one
 * pack at a time, saying so on stderr, never written back; 4 KiB that
 * give EIO are an erasure), so that the next reads of that pack read the
 * repaired copy.  1 when such a copy is
 * in use (read the blob again), 0 when not (no parity, damage beyond it,
 * or tried already).
 */
int packr_heal(struct packr *, const struct index *, const struct blobloc *);

/* packr_free(r): close and release ${r}; NULL is a no-op. */
void packr_free(struct packr *);

/* One entry of a pack header, decoded and checked. */
struct packhdr_ent {
	uint8_t		type;		/* BLOB_DATA or BLOB_TREE */
	uint8_t		id[INDEX_ID_BYTES];
	uint32_t	off, len, rawlen;
};

/* The largest sealed header a reader accepts (128 MiB of entries). */
#define PACK_HDR_SEALED_MAX	((uint64_t)ENV_PLAIN_MAX + ENV_OVERHEAD + 4096)

/*
 * packhdr_decode(pt, len, end, datamax, v, n): decode the (opened,
 * untrusted) header plaintext ${pt} of a pack whose header starts at
 * ${end}.  Refuses a format other than PACK_FORMAT, a count larger than
 * the bytes can hold (checked before anything is allocated), a type other
 * than BLOB_DATA or BLOB_TREE, a raw length over its cap (${datamax} for
 * data, TREE_BYTES_MAX for trees), a sealed length under BLOB_OVERHEAD or
 * over the raw length plus BLOB_OVERHEAD, a blob that does not lie before
 * ${end} or overlaps the one before it, and bytes left over.  *${v} is
 * new memory (free() it; NULL when the count is 0), *${n} entries.
 * Returns 0, or -1 with errno EBADMSG (or ENOMEM).
 */
int packhdr_decode(const uint8_t *, size_t, uint64_t, size_t,
    struct packhdr_ent **, size_t *) __attribute__((warn_unused_result));

/*
 * packr_header(kh, fd, size, pid, datamax, v, n): read the header of the
 * pack ${pid} open at ${fd} (a regular file of ${size} bytes) from the
 * pack alone: open its 52-byte trailer (OBJ_PACKHDR, the trailer id),
 * check the header length it gives against the pack size and
 * PACK_HDR_SEALED_MAX, read and open the header, and decode it with
 * packhdr_decode.  A header that is damaged or cannot be read is read
 * again from the whole pack repaired in memory from its parity (saying so
 * on stderr; never written back).  0; or -1 with errno EBADMSG
 * (truncated, not authentic or malformed, beyond the parity: the message
 * is the caller's), or another errno.
 */
int packr_header(struct kh *, int, uint64_t, const uint8_t[PACK_ID_BYTES],
    size_t, struct packhdr_ent **, size_t *)
    __attribute__((warn_unused_result));

#endif
