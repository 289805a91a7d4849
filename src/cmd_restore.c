/*
 * cmd_restore.c: tacit restore.
 */
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "progress.h"
#include "reader.h"
#include "restore.h"
#include "show.h"

/*
 * ", N hard links as copies" and ", N differ from the snapshot"
 * (--verify) where not 0, else "" (static buffer).
 */
static const char *
differ_str(const struct restore_stats *st)
{
	static char buf[128];
	int len = 0;

	buf[0] = '\0';
	if (st->link_copies > 0)
		len = snprintf(buf, sizeof(buf), ", %llu hard links as copies",
		    (unsigned long long)st->link_copies);
	if (st->differ > 0 && len >= 0 && (size_t)len < sizeof(buf))
		(void)snprintf(buf + len, sizeof(buf) - (size_t)len,
		    ", %llu differ from the snapshot",
		    (unsigned long long)st->differ);
	return buf;
}

/*
 * What the restore did; on a rerun into the same target, also what was
 * already there (complete, left alone), what was written over a
 * different entry (--overwrite) and the unfinished files of an
 * interrupted restore that were removed.
 */
static void
summary(const struct opts *o, const struct restore_stats *st, double secs)
{
	char a[32], b[32];

	printf("restored %llu files, %llu directories, %llu other entries, "
	    "%llu hard links, %s to %s in %s\n",
	    (unsigned long long)(st->files + st->replaced),
	    (unsigned long long)st->dirs, (unsigned long long)st->others,
	    (unsigned long long)st->links, progress_size(st->bytes, a),
	    o->target, progress_time(secs, b));
	if (st->link_copies > 0)
		printf("hard links: %llu restored as copies (each named above)\n",
		    (unsigned long long)st->link_copies);
	if (st->complete > 0 || st->replaced > 0 || st->leftovers > 0)
		printf("entries: %llu new, %llu already complete, %llu "
		    "replaced; %llu unfinished files of an earlier restore "
		    "removed\n",
		    (unsigned long long)(st->files + st->others + st->links),
		    (unsigned long long)st->complete,
		    (unsigned long long)st->replaced,
		    (unsigned long long)st->leftovers);
	if (o->verify)
		printf("verified: %llu files differ from the snapshot\n",
		    (unsigned long long)st->differ);
}

int
cmd_restore(struct opts *o)
{
	struct restore_stats st;
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	struct timespec t0, t1;
	int e;

	if (o->argc != 1 || o->target == NULL)
		fatal(EXIT_USAGE, "usage: tacit restore -r DIR SNAP --target "
		    "DIR [--include PATTERN]... [--exclude PATTERN]... "
		    "[--overwrite] [--no-devices] [--no-setid] [--verify]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if ((s = snap_pick(o, &rd, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else {
		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		e = restore_run(&rd, s, o, &st);
		(void)clock_gettime(CLOCK_MONOTONIC, &t1);
		if (st.devices > 0)
			alertx("%llu device nodes not restored (--no-devices)",
			    (unsigned long long)st.devices);
		if ((e == EXIT_OK || e == EXIT_PARTIAL) && log_verbosity > 0)
			summary(o, &st, (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (e == EXIT_PARTIAL)
			alertx("incomplete: %llu damaged, %llu existing, "
			    "%llu failed, %llu with metadata not set%s",
			    (unsigned long long)st.damaged,
			    (unsigned long long)st.existing,
			    (unsigned long long)st.failed,
			    (unsigned long long)st.meta_failed,
			    differ_str(&st));
	}
	reader_close(&rd);
	cmd_close(r);
	return e;
}
