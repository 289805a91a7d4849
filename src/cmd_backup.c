/*
 * cmd_backup.c: tacit backup -r REPO PATH...
 */
#include <stdio.h>
#include <time.h>

#include "backup.h"
#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "progress.h"
#include "snapshot.h"

/* Human-readable bytes, as every summary shows them: "1.2 MiB". */
static const char *
human(uint64_t v, char buf[32])
{
	return progress_size(v, buf);
}

static void
summary(const struct opts *o, const uint8_t id[16],
    const struct backup_stats *s, double secs)
{
	char hex[2 * SNAP_ID_BYTES + 1], a[32], b[32], c[32], d[32], e[32];

	snapshot_hex(id, hex);
	if (o->json) {
		printf("{\"snapshot\":\"%s\",\"dry_run\":%s,\"files_new\":%llu,"
		    "\"files_changed\":%llu,\"files_unchanged\":%llu,"
		    "\"dirs\":%llu,\"skipped\":%llu,\"bytes\":%llu,"
		    "\"bytes_read\":%llu,\"files_read\":%llu,"
		    "\"added_raw\":%llu,\"added_stored\":%llu,"
		    "\"bytes_reused\":%llu,\"noatime_refused\":%llu,"
		    "\"packs\":%llu,\"seconds\":%.3f}\n", o->dry_run ? "" : hex,
		    o->dry_run ? "true" : "false",
		    (unsigned long long)s->files_new,
		    (unsigned long long)s->files_changed,
		    (unsigned long long)s->files_unchanged,
		    (unsigned long long)s->dirs,
		    (unsigned long long)s->skipped,
		    (unsigned long long)s->bytes,
		    (unsigned long long)s->bytes_read,
		    (unsigned long long)s->files_read,
		    (unsigned long long)s->added_raw,
		    (unsigned long long)s->added_stored,
		    (unsigned long long)s->bytes_reused,
		    (unsigned long long)s->noatime_refused,
		    (unsigned long long)s->packs, secs);
		return;
	}
	if (log_verbosity < 1)
		return;
	printf("files: %llu new, %llu changed, %llu unchanged; "
	    "%llu directories; %llu skipped\n",
	    (unsigned long long)s->files_new,
	    (unsigned long long)s->files_changed,
	    (unsigned long long)s->files_unchanged,
	    (unsigned long long)s->dirs, (unsigned long long)s->skipped);
	printf("data: %s in the files, %s read, %s new (%s stored), "
	    "%s deduplicated\n", human(s->bytes, a), human(s->bytes_read, b),
	    human(s->added_raw, c), human(s->added_stored, d),
	    human(s->bytes_read > s->added_raw ? s->bytes_read - s->added_raw :
	    0, e));
	if (s->noatime_refused > 0)
		printf("note: %llu files of other users were read without "
		    "O_NOATIME: their access times changed\n",
		    (unsigned long long)s->noatime_refused);
	if (o->dry_run)
		printf("dry run: nothing was written; took %s\n",
		    progress_time(secs, a));
	else
		printf("snapshot %.8s saved (%llu packs, %s) in %s\n", hex,
		    (unsigned long long)s->packs, human(s->pack_bytes, b),
		    progress_time(secs, c));
}

int
cmd_backup(struct opts *o)
{
	struct backup_stats st;
	struct timespec t0, t1;
	struct repo *r;
	uint8_t id[16];
	int e;

	if (o->argc < 1)
		fatal(EXIT_USAGE, "usage: tacit backup -r DIR PATH...");
	if ((e = cmd_open(o, REPO_LOCK_ADD, &r)) != EXIT_OK)
		return e;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	e = backup_run(r, o, o->argv, (size_t)o->argc, id, &st);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	if (e == EXIT_OK || e == EXIT_PARTIAL)
		summary(o, id, &st, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (e == EXIT_PARTIAL)
		alertx("some files were skipped or changed while read; the "
		    "snapshot is marked partial");
	cmd_close(r);
	return e;
}
