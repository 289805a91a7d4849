/*
 * cmd_log.c: tacit log -r REPO SNAP: print the log a backup sealed into
 * the repository with its snapshot (its warnings, skipped files, totals
 * and timings).  The log never existed anywhere on the host but in memory.
 */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "reader.h"
#include "show.h"

int
cmd_log(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	const uint8_t *p;
	size_t len, i, j, k;
	int e, ctl;

	if (o->argc != 1)
		fatal(EXIT_USAGE, "usage: tacit log -r DIR SNAP");
	if ((e = cmd_open(o, REPO_LOCK_SHARED, &r)) != EXIT_OK)
		return e;
	if ((e = reader_open(&rd, r)) != EXIT_OK)
		goto out;
	/* (log takes no --tag or --path: every snapshot counts.) */
	if ((s = snap_pick(o, &rd, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else if (!s->has_log) {
		errorx("this snapshot has no log");
		e = EXIT_ERR;
	} else if ((p = reader_blob(&rd, s->log, BLOB_DATA, LOG_RING_BYTES,
	    &len)) == NULL) {
		/* A log is at most the run's ring of LOG_RING_BYTES. */
		errorx("the log of this snapshot is %s", errno == ENODATA ?
		    "missing from the repository" : errno == EFBIG ? "larger "
		    "than a log can be (damaged or forged; not read)" :
		    "damaged");
		e = EXIT_DAMAGED;
	} else {
		/* Names in the log are bytes from the source: escape them. */
		for (i = 0; i < len; i += k) {
			k = log_char(p + i, len - i, &ctl);
			if (p[i] == '\n' || p[i] == '\t')
				ctl = 0;
			for (j = i; j < i + k; j++) {
				if (ctl)
					printf("\\x%02x", p[j]);
				else
					putchar(p[j]);
			}
		}
		e = EXIT_OK;
	}
out:
	reader_close(&rd);
	cmd_close(r);
	return e;
}
