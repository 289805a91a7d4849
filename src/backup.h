/*
 * backup.h: the backup engine: walk the sources, chunk, deduplicate,
 * compress, seal into packs, and commit a snapshot.
 */
#ifndef TACIT_BACKUP_H
#define TACIT_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "repo.h"

struct backup_stats {
	uint64_t	files_new, files_changed, files_unchanged;
	uint64_t	dirs, others, skipped, excluded;
	uint64_t	bytes;		/* size of every file backed up */
	uint64_t	bytes_read;	/* content actually read */
	uint64_t	files_read;	/* files whose content was read */
	uint64_t	bytes_reused;	/* unchanged files, not read */
	uint64_t	added_raw;	/* new data, before compression */
	uint64_t	added_stored;	/* new data as stored (sealed) */
	uint64_t	packs, pack_bytes;
	uint64_t	noatime_refused;	/* opened without O_NOATIME */
};

/*
 * backup_run(r, o, paths, n, snapid, st): back up the ${n} ${paths} into
 * the unlocked, write-locked repository ${r} following the options ${o}.
 * Writes the new snapshot's id to ${snapid} and the counts to ${st}.
 * Returns EXIT_OK, EXIT_PARTIAL (some files skipped or changed while
 * read; the snapshot says so), or an error code after a message.
 */
int backup_run(struct repo *, const struct opts *, char **, size_t,
    uint8_t[16], struct backup_stats *) __attribute__((warn_unused_result));

#endif
