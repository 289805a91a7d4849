/*
 * cmd_find.c: tacit find.  Every entry of the chosen snapshots whose name
 * (or path, for a pattern with a '/') matches one of the patterns, with
 * its type, size and modification time, grouped by snapshot, newest
 * snapshot first (as restic).  A damaged or missing directory listing is
 * reported and the exit status says so; the walk goes on beside it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "reader.h"
#include "show.h"
#include "twalk.h"

struct fnd {
	const struct opts	*o;
	const struct snapshot	*s;
	int			 shown;		/* s's heading printed */
	int			 any;		/* a heading printed at all */
	size_t			 hits;
};

int
find_time(const char *s, int end, int64_t *out)
{
	struct tm tm;
	const char *p;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*p == '\0') {
		tm.tm_hour = end ? 23 : 0;
		tm.tm_min = end ? 59 : 0;
		tm.tm_sec = end ? 59 : 0;
	} else if ((p = strptime(p, " %H:%M:%S", &tm)) == NULL || *p != '\0')
		return -1;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Does the pattern ${pat} match ${path} ("/a/b", NUL-terminated)? */
static int
matches(const char *pat, const char *path, const struct node *n, int icase)
{
	char name[NODE_NAME_MAX + 1];
	int fl = FNM_PATHNAME | (icase ? FNM_CASEFOLD : 0);
	const char *p;

	if (strchr(pat, '/') == NULL) {
		memcpy(name, n->name, n->namelen);
		name[n->namelen] = '\0';
		return fnmatch(pat, name, fl) == 0;
	}
	if (pat[0] == '/')
		return fnmatch(pat, path, fl) == 0;
	/* "d3/f*": the path's tails that start at a component. */
	for (p = path; p != NULL; p = strchr(p + 1, '/'))
		if (fnmatch(pat, p + 1, fl) == 0)
			return 1;
	return 0;
}

static void
print_hit(struct fnd *f, const uint8_t *path, size_t plen,
    const struct node *n)
{
	static const char *const tname[] = { "?", "file", "dir", "symlink",
	    "fifo", "chardev", "blockdev" };
	char hex[2 * SNAP_ID_BYTES + 1], when[32], mode[11];

	snapshot_hex(f->s->id, hex);
	if (f->o->json) {
		printf("{\"snapshot\":\"%s\",\"path\":", hex);
		json_str(path, plen);
		printf(",\"type\":\"%s\",\"mode\":%u,\"size\":%llu,"
		    "\"mtime_sec\":%lld,\"mtime_nsec\":%u}\n",
		    tname[n->type < NODE__MAX ? n->type : 0], n->mode,
		    (unsigned long long)n->size, (long long)n->mtime_sec,
		    n->mtime_nsec);
		return;
	}
	if (!f->shown) {
		time_str(f->s->time_sec, when);
		hex[8] = '\0';
		printf("%sFound matching entries in snapshot %s from %s\n",
		    f->any ? "\n" : "", hex, when);
		f->shown = f->any = 1;
	}
	show_mode(n, mode);
	time_str(n->mtime_sec, when);
	printf("%s %10llu %s ", mode, (unsigned long long)n->size, when);
	text_str(path, plen);
	if (n->type == NODE_SYMLINK) {
		printf(" -> ");
		text_str(n->target, n->targetlen);
	}
	putchar('\n');
}

static int
find_visit(struct twalk *w, const struct node *n)
{
	struct fnd *f = w->arg;
	const struct opts *o = f->o;
	int i;

	if ((o->newest_set && n->mtime_sec > o->newest) ||
	    (o->oldest_set && n->mtime_sec < o->oldest))
		return 0;
	dbuf_put_u8(&w->path, '\0');
	if (w->path.err)
		return -1;
	w->path.len--;
	for (i = 0; i < o->argc; i++)
		if (matches(o->argv[i], (const char *)w->path.p, n, o->icase)) {
			print_hit(f, w->path.p, w->path.len, n);
			f->hits++;
			break;
		}
	return 0;
}

/* Search snapshot ${s}: 0, 1 if something was damaged, -1 out of memory. */
static int
find_snap(struct fnd *f, struct reader *rd, const struct snapshot *s)
{
	struct twalk w;
	struct tree t;
	char hex[2 * SNAP_ID_BYTES + 1];
	int r;

	f->s = s;
	f->shown = 0;
	if (reader_tree(rd, s->root, &t) != 0) {
		snapshot_hex(s->id, hex);
		hex[8] = '\0';
		alertx("snapshot %s: its root tree is %s", hex,
		    reader_strerror(errno));
		return 1;
	}
	twalk_init(&w, rd, find_visit, f);
	r = treepath_push(&w.tp, s->root) != 0 ? -1 : twalk_tree(&w, &t);
	twalk_free(&w);
	tree_free(&t);
	return r;
}

int
find_run(const struct opts *o, struct reader *rd, const struct snapshot *s)
{
	struct fnd f;

	memset(&f, 0, sizeof(f));
	f.o = o;
	return find_snap(&f, rd, s);
}

int
cmd_find(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	struct fnd f;
	size_t i;
	int e, bad = 0, k = 0;

	if (o->argc < 1)
		fatal(EXIT_USAGE, "usage: tacit find -r DIR PATTERN... "
		    "[--snapshot SNAP]...");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	memset(&f, 0, sizeof(f));
	f.o = o;
	if (o->snaps.n > 0) {
		for (i = 0; i < o->snaps.n && k >= 0; i++) {
			if ((s = snap_pick(o, &rd, o->snaps.v[i])) == NULL) {
				e = EXIT_ERR;
				break;
			}
			if ((k = find_snap(&f, &rd, s)) > 0)
				bad = 1;
		}
	} else
		for (i = rd.nsnaps; i > 0 && k >= 0; i--)	/* newest first */
			if (snap_selected(o, &rd.snaps[i - 1]) &&
			    (k = find_snap(&f, &rd, &rd.snaps[i - 1])) > 0)
				bad = 1;
	if (k < 0) {
		errorx("find stopped: %s", strerror(ENOMEM));
		e = EXIT_ERR;
	}
	if (e == EXIT_OK && (bad || rd.badsnaps > 0))
		e = EXIT_DAMAGED;
	if (fflush(stdout) != 0 && e == EXIT_OK)
		e = EXIT_ERR;
	reader_close(&rd);
	cmd_close(r);
	return e;
}
