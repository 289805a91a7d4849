/*
 * cmd.c: what every command that needs keys does first and last.
 */
#include <string.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "repo.h"

static struct repo *live;

/* fatal() path: wipe the keys of the open repository. */
static void
cleanup(void)
{
	repo_close(live);
	live = NULL;
}

int
cmd_open(struct opts *o, int mode, struct repo **rp)
{
	struct repo *r;
	int e;

	*rp = NULL;
	if ((e = repo_open(o->repo, &r)) != EXIT_OK)
		return e;
	live = r;
	log_set_cleanup(cleanup);
	if ((e = repo_lock(r, mode, o->lock_wait)) != EXIT_OK ||
	    (e = repo_unlock(r, &o->pass)) != EXIT_OK) {
		cmd_close(r);
		return e;
	}
	*rp = r;
	return EXIT_OK;
}

int
cmd_lock_mode(int (*fn)(struct opts *), const struct opts *o)
{
	if (fn == cmd_backup)
		return REPO_LOCK_ADD;
	if (fn == cmd_key)
		return o->argc >= 1 ? cmd_key_lock_mode(o->argv[0]) : -1;
	if (fn == cmd_forget || fn == cmd_prune || fn == cmd_repair)
		return REPO_LOCK_EXCL;
	if (fn == cmd_snapshots || fn == cmd_ls || fn == cmd_log ||
	    fn == cmd_restore || fn == cmd_check || fn == cmd_mount)
		return REPO_LOCK_SHARED;
	if (fn == cmd_dump || fn == cmd_find || fn == cmd_diff ||
	    fn == cmd_stats)
		return REPO_LOCK_SHARED;
	if (fn == cmd_tag)
		return REPO_LOCK_EXCL;
	if (fn == cmd_copy)
		return REPO_LOCK_SHARED;	/* SRC; DST: REPO_LOCK_ADD */
	return -1;
}

const char *
cmd_other_repo(const struct opts *o)
{
	if (o->cmd != NULL && strcmp(o->cmd, "copy") == 0)
		return o->to;
	if (o->cmd != NULL && strcmp(o->cmd, "init") == 0)
		return o->chunker_from;
	return NULL;
}

void
cmd_close(struct repo *r)
{
	if (r == live)
		live = NULL;
	repo_close(r);
}
