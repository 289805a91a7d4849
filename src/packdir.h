/*
 * packdir.h: what the repository's directories hold, as listed (not as
 * the index says): every pack file under packs/<2 hex>/, and the
 * temporaries that interrupted runs leave.  prune, repair index and check
 * use it; no reader of blobs does (they go through the index).
 */
#ifndef TACIT_PACKDIR_H
#define TACIT_PACKDIR_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"

/* One pack file as listed. */
struct packent {
	uint8_t		id[PACK_ID_BYTES];
	uint64_t	size;		/* st_size */
};

/*
 * packdir_list(repofd, v, n): every regular file packs/<2 hex>/<32 hex>
 * whose name is lowercase hex and starts with its shard's two digits,
 * sorted by id, in new memory *${v} (free() it), *${n} of them.  Other
 * names (temporaries, anything else) are skipped; a pack in the wrong
 * shard or that is not a regular file is reported and skipped.  A missing
 * packs/ is an empty list.  Returns 0, or -1 after a message.
 */
int packdir_list(int, struct packent **, size_t *)
    __attribute__((warn_unused_result));

/* packdir_find(v, n, id): the entry of ${id} in a sorted list, or NULL. */
const struct packent *packdir_find(const struct packent *, size_t,
    const uint8_t[PACK_ID_BYTES]);

/*
 * packdir_temps(repofd, fn, arg): call ${fn}(arg, dirfd, name, size) for
 * every temporary (.tmp-*) regular file in the repository directory,
 * keys/, index/, snapshots/ and each packs/<2 hex>/.  ${dirfd} is open
 * only during the call.  A nonzero return of ${fn} stops the scan and is
 * returned.  Returns 0, or -1 after a message.
 */
int packdir_temps(int, int (*)(void *, int, const char *, uint64_t), void *)
    __attribute__((warn_unused_result));

#endif
