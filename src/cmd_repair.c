/*
 * cmd_repair.c: tacit repair index -r REPO [--read-data] [--dry-run],
 * tacit repair snapshots -r REPO [SNAP...] [--forget] [--read-data]
 * [--dry-run] and tacit repair metadata -r REPO.  All take the exclusive
 * lock: they remove index segments (and with --forget snapshots), or
 * replace the header, config and key slot files, that no other run may be
 * reading.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "repair.h"

/*
 * repair metadata: every copy of the header, config and key slots made
 * whole from its good copy (repo_meta_heal); a format 1 repository gets
 * its copies and becomes format 2 (repo_meta_upgrade).
 */
static int
repair_metadata(struct repo *r)
{
	size_t n = repo_meta_damage(r);
	int e, v1 = r->version == REPO_FORMAT_V1;

	if ((e = v1 ? repo_meta_upgrade(r) : repo_meta_heal(r)) != EXIT_OK)
		return e;
	if (repo_meta_damage(r) > 0) {
		errorx("%s: some key slot copies differ and could not be told "
		    "apart (named above); unlock with that slot's passphrase "
		    "and run 'tacit repair metadata' again", r->path);
		return EXIT_DAMAGED;
	}
	if (v1)
		printf("%s is now repository format %d: the header, the config "
		    "and every key slot exist twice; tacit releases that read "
		    "format %d only no longer open it\n", r->path, REPO_FORMAT,
		    REPO_FORMAT_V1);
	else if (n > 0)
		printf("rewrote %zu missing or damaged cop%s of the header, "
		    "config and key slots of %s\n", n, n == 1 ? "y" : "ies",
		    r->path);
	else
		printf("every copy of the header, config and key slots of %s "
		    "is whole\n", r->path);
	return EXIT_OK;
}

int
cmd_repair(struct opts *o)
{
	struct repo *r;
	int e, snaps;

	if (o->argc < 1 || (strcmp(o->argv[0], "index") != 0 &&
	    strcmp(o->argv[0], "snapshots") != 0 &&
	    strcmp(o->argv[0], "metadata") != 0))
		fatal(EXIT_USAGE, "usage: tacit repair index|snapshots|metadata "
		    "-r DIR");
	if (strcmp(o->argv[0], "metadata") == 0) {
		if (o->argc != 1)
			fatal(EXIT_USAGE, "usage: tacit repair metadata -r DIR");
		if ((e = cmd_open(o, REPO_LOCK_EXCL, &r)) != EXIT_OK)
			return e;
		e = repair_metadata(r);
		cmd_close(r);
		return e;
	}
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
