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
	uint64_t	complete;	/* already there, the same: skipped */
	uint64_t	replaced;	/* files written over a different entry */
	uint64_t	leftovers;	/* unfinished files of an earlier run,
					   removed */
	uint64_t	differ;		/* --verify: not the snapshot's bytes */
	uint64_t	existing;	/* not overwritten */
	uint64_t	damaged;	/* files hit by damage */
	uint64_t	failed;		/* could not be created */
	uint64_t	meta_failed;	/* metadata that could not be set */
	uint64_t	devices;	/* device nodes left out (--no-devices) */
	uint64_t	link_copies;	/* hard links written as copies */
};

struct meta_fail;

/*
 * restore_meta_report(path, err, f): name ${path} and what meta_apply
 * could not set on it: ${err} (its errno, when it returned -1) or the
 * things in ${f}.  1 if there was anything (count it), else 0.
 */
int restore_meta_report(const char *, int, const struct meta_fail *);

/*
 * restore_run(rd, snap, o, st): restore ${snap} into o->target following
 * o->includes, o->overwrite, o->no_devices, o->no_setid and o->verify.
 * Each file appears under its name only once complete; entries already
 * there and complete (same type, and for a file size and mtime) are
 * skipped, so a rerun after an interruption finishes the job.  Returns
 * EXIT_OK, EXIT_PARTIAL (something was damaged, existed, differed or
 * failed; each is reported by path) or an error.
 */
int restore_run(struct reader *, const struct snapshot *, const struct opts *,
    struct restore_stats *) __attribute__((warn_unused_result));

#endif
