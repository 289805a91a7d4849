/*
 * idxio.h: loading and saving the sealed index segments,
 * REPO/index/<32 hex>, each an envelope (OBJ_INDEX, id = segment id).
 */
#ifndef TACIT_IDXIO_H
#define TACIT_IDXIO_H

#include "index.h"
#include "kh.h"

#define INDEX_DIR		"index"
#define INDEX_FILE_MAX		(64u << 20)

/*
 * idxio_load(kh, repofd, ix, bad): add every segment to ${ix}.  A segment
 * that fails authentication or decoding is reported by name and skipped;
 * *${bad} counts them.  Returns 0, or -1 with errno.
 */
int idxio_load(struct kh *, int, struct index *, size_t *)
    __attribute__((warn_unused_result));

/*
 * idxio_save(kh, repofd, ix, nseg): write the blobs added since the last
 * save as durable segments of at most INDEX_SEGMENT_MAX blobs; *${nseg}
 * counts the files.  Returns 0, or -1 with errno.
 */
int idxio_save(struct kh *, int, struct index *, size_t *)
    __attribute__((warn_unused_result));

/*
 * idxio_replace(kh, repofd, ix, nseg, nold): make the blobs added to ${ix}
 * since its last save the whole index (prune, repair index).  It lists
 * the segments there are now, writes the new ones durably (idxio_save,
 * *${nseg} of them), and only then removes each listed segment (unlinkat,
 * then an fsync of index/), *${nold} of them.  Names that are not 32
 * lowercase hex digits are left alone.  Interrupted anywhere, the index
 * holds the old segments, the new ones or both: a blob both list is
 * found whichever loads first, as long as the packs of both still exist,
 * so the caller removes packs only after this returns 0.  Returns 0, or
 * -1 with errno (the message is the caller's; segments not yet removed
 * stay, and are harmless duplicates).
 */
int idxio_replace(struct kh *, int, struct index *, size_t *, size_t *)
    __attribute__((warn_unused_result));

#endif
