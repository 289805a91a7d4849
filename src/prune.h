/*
 * prune.h: tacit prune's engine: find every blob the snapshots reach,
 * delete the packs that hold none, repack the packs that are mostly
 * unused or not full, write a compacted index, then delete what it no
 * longer names (doc/format.md, section 18.4).  forget --prune calls it too.
 */
#ifndef TACIT_PRUNE_H
#define TACIT_PRUNE_H

struct opts;
struct repo;

/* The unused share above which a pack is repacked (restic's default). */
#define PRUNE_MAX_UNUSED_DEFAULT	5.0

/*
 * prune_run(o, r): prune the repository ${r}, unlocked and held under the
 * exclusive lock, with o->dry_run (report only), o->max_unused (percent,
 * when o->max_unused_set) and o->json.  Nothing is deleted before the new
 * packs and the new index that replace it are durable; a damaged or
 * incomplete repository is refused before anything changes.  Returns
 * EXIT_OK, EXIT_DAMAGED (refused: a snapshot reaches missing or damaged
 * data; each is named) or EXIT_ERR (after a message; what is on disk is
 * complete, at most with leftovers the next prune removes).
 */
int prune_run(struct opts *, struct repo *)
    __attribute__((warn_unused_result));

#endif
