/*
 * cmd_repair.c: tacit repair index -r REPO [--read-data] [--dry-run] and
 * tacit repair snapshots -r REPO [SNAP...] [--forget] [--read-data]
 * [--dry-run].  Both take the exclusive lock: they remove index segments
 * (and with --forget snapshots) that no other run may be reading.
 */
#include <string.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "repair.h"

int
cmd_repair(struct opts *o)
{
	struct repo *r;
	int e, snaps;

	if (o->argc < 1 || (strcmp(o->argv[0], "index") != 0 &&
	    strcmp(o->argv[0], "snapshots") != 0))
		fatal(EXIT_USAGE, "usage: tacit repair index|snapshots -r DIR");
	snaps = strcmp(o->argv[0], "snapshots") == 0;
	if (!snaps && o->argc != 1)
		fatal(EXIT_USAGE, "usage: tacit repair index -r DIR "
		    "[--read-data] [--dry-run]");
	if ((e = cmd_open(o, REPO_LOCK_EXCL, &r)) != EXIT_OK)
		return e;
	e = snaps ? repair_snapshots(o, r) : repair_index(o, r);
	cmd_close(r);
	return e;
}
