/*
 * repair.h: tacit repair index and tacit repair snapshots (cmd_repair.c
 * parses, these do the work).
 *
 * repair index rebuilds the index from the pack headers (packr_header) of
 * every pack the packs/ directory holds; repair snapshots rewrites each
 * snapshot whose trees reference missing or damaged blobs into a new one
 * without them.  Both leave every file they did not write as it was until
 * what replaces it is durable (doc/format.md, section 14.2).
 */
#ifndef TACIT_REPAIR_H
#define TACIT_REPAIR_H

#include "cmd.h"
#include "repo.h"

/*
 * repair_index(o, r): rebuild the index of ${r} from its pack headers
 * (o->read_data: and only the blobs that authenticate; o->dry_run: write
 * nothing).  A damaged pack is reported and left out.  Returns EXIT_OK, or
 * EXIT_ERR after a message (the index is then as it was, or holds the
 * old and the new segments: both complete).
 */
int repair_index(const struct opts *, struct repo *);

/*
 * repair_snapshots(o, r): rewrite the snapshots named by o->argv[1..]
 * (all when none) that reference missing or damaged blobs (o->read_data:
 * data blobs are authenticated too) into new snapshots tagged "repaired";
 * o->forget: then remove the old ones.  Returns EXIT_OK, or an exit code
 * after a message.
 */
int repair_snapshots(const struct opts *, struct repo *);

#endif
