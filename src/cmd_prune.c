/*
 * cmd_prune.c: tacit prune -r REPO [--dry-run] [--max-unused PERCENT]
 * [--json].  The engine is prune.c; this is the command around it: the
 * exclusive lock, the keys, the exit code.
 */
#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "prune.h"
#include "repo.h"

int
cmd_prune(struct opts *o)
{
	struct repo *r;
	int e;

	if (o->argc != 0)
		fatal(EXIT_USAGE, "usage: tacit prune -r DIR [--dry-run] "
		    "[--max-unused PERCENT] [--json]");
	if ((e = cmd_open(o, REPO_LOCK_EXCL, &r)) != EXIT_OK)
		return e;
	e = prune_run(o, r);
	cmd_close(r);
	return e;
}
