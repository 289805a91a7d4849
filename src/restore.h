/*
 * restore.h: writing a snapshot's files into a target directory, safely
 * against a malicious repository and a hostile target.
 */
#ifndef TACIT_RESTORE_H
#define TACIT_RESTORE_H

#include <stdint.h>

#include "cmd.h"
#include "reader.h"

struct restore_stats {
	uint64_t	files, dirs, others, links, bytes;
	uint64_t	existing;	/* not overwritten */
	uint64_t	damaged;	/* files hit by damage */
	uint64_t	failed;		/* could not be created */
	uint64_t	meta_failed;	/* metadata that could not be set */
	uint64_t	devices;	/* device nodes left out (--no-devices) */
};

/*
 * restore_run(rd, snap, o, st): restore ${snap} into o->target following
 * o->includes, o->overwrite, o->no_devices and o->no_setid.  Returns EXIT_OK, EXIT_PARTIAL (something
 * was damaged, existed or failed; each is reported by path) or an error.
 */
int restore_run(struct reader *, const struct snapshot *, const struct opts *,
    struct restore_stats *) __attribute__((warn_unused_result));

#endif
