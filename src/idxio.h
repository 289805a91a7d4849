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

#endif
