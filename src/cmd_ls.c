/*
 * cmd_ls.c: tacit ls.
 */
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "log.h"
#include "reader.h"
#include "show.h"
#include "treepath.h"
#include "twalk.h"

/*
 * The modification time as "mtime": seconds since 1970 with nine
 * decimals (exact as text, whatever a parser makes of it), and as the two
 * integers "mtime_sec" and "mtime_nsec".
 */
static void
json_mtime(const struct node *n)
{
	long long sec = (long long)n->mtime_sec;
	unsigned nsec = n->mtime_nsec;

	/* -1 s + 0.25 s is -0.75 s: the fraction counts up from sec. */
	if (sec < 0 && nsec > 0)
		printf("\"mtime\":-%lld.%09u", -(sec + 1), 1000000000u - nsec);
	else
		printf("\"mtime\":%lld.%09u", sec, nsec);
	printf(",\"mtime_sec\":%lld,\"mtime_nsec\":%u", sec, nsec);
}

static void
ls_one(const struct opts *o, const uint8_t *path, size_t plen,
    const struct node *n)
{
	static const char *const tname[] = { "?", "file", "dir", "symlink",
	    "fifo", "chardev", "blockdev" };
	char mode[11], when[32], ids[32];

	if (o->json) {
		printf("{\"path\":");
		json_str(path, plen);
		printf(",\"type\":\"%s\",\"mode\":%u,\"uid\":%u,\"gid\":%u,",
		    tname[n->type < NODE__MAX ? n->type : 0], n->mode, n->uid,
		    n->gid);
		if (n->user != NULL) {
			printf("\"user\":");
			json_str((const uint8_t *)n->user, strlen(n->user));
			putchar(',');
		}
		if (n->group != NULL) {
			printf("\"group\":");
			json_str((const uint8_t *)n->group, strlen(n->group));
			putchar(',');
		}
		printf("\"size\":%llu,", (unsigned long long)n->size);
		if (n->type == NODE_CHR || n->type == NODE_BLK)
			printf("\"major\":%u,\"minor\":%u,",
			    major((dev_t)n->rdev), minor((dev_t)n->rdev));
		json_mtime(n);
		printf(",\"changed\":%s,\"unreadable\":%s,\"short\":%s",
		    n->flags & NODE_F_CHANGED ? "true" : "false",
		    n->flags & NODE_F_UNREADABLE ? "true" : "false",
		    n->flags & NODE_F_SHORT ? "true" : "false");
		if (n->type == NODE_SYMLINK) {
			printf(",\"target\":");
			json_str(n->target, n->targetlen);
		}
		printf("}\n");
		return;
	}
	show_mode(n, mode);
	time_str(n->mtime_sec, when);
	printf("%s ", mode);
	if (n->user != NULL)
		text_str((const uint8_t *)n->user, strlen(n->user));
	else {
		(void)snprintf(ids, sizeof(ids), "%u", n->uid);
		printf("%s", ids);
	}
	putchar(' ');
	if (n->group != NULL)
		text_str((const uint8_t *)n->group, strlen(n->group));
	else
		printf("%u", n->gid);
	/* A device node's numbers where a file has its size, as ls -l. */
	if (n->type == NODE_CHR || n->type == NODE_BLK)
		printf(" %5u, %3u %s ", major((dev_t)n->rdev),
		    minor((dev_t)n->rdev), when);
	else
		printf(" %10llu %s ", (unsigned long long)n->size, when);
	text_str(path, plen);
	if (n->type == NODE_SYMLINK) {
		printf(" -> ");
		text_str(n->target, n->targetlen);
	}
	if (n->flags & NODE_F_CHANGED)
		printf("  (changed while read)");
	if (n->flags & NODE_F_UNREADABLE)
		printf("  (unreadable at backup)");
	if (n->flags & NODE_F_SHORT)
		printf("  (shorter than its stat size)");
	putchar('\n');
}

static int
ls_visit(struct twalk *w, const struct node *n)
{
	ls_one(w->arg, w->path.p, w->path.len, n);
	return 0;
}

int
ls_run(const struct opts *o, struct reader *rd, const struct snapshot *s,
    const char *path)
{
	struct twalk w;
	struct tree t;
	struct node *n;
	int r, e;

	twalk_init(&w, rd, ls_visit, (void *)(uintptr_t)o);
	if ((e = twalk_open(&w, s->root, path, &t, &n)) != EXIT_OK) {
		twalk_free(&w);
		return e;
	}
	if (n == NULL)
		r = twalk_tree(&w, &t);
	else {
		ls_one(o, w.path.p, w.path.len, n);
		r = n->type == NODE_DIR ?
		    twalk_dir(&w, &t, (size_t)(n - t.nodes)) : 0;
	}
	tree_free(&t);
	twalk_free(&w);
	return r != 0 ? EXIT_DAMAGED : EXIT_OK;
}

int
cmd_ls(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	int e;

	if (o->argc < 1 || o->argc > 2)
		fatal(EXIT_USAGE, "usage: tacit ls -r DIR SNAP [PATH]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if ((s = snap_pick(o, &rd, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else
		e = ls_run(o, &rd, s, o->argc == 2 ?
		    log_unescape(o->argv[1]) : "");
	reader_close(&rd);
	cmd_close(r);
	return e;
}
