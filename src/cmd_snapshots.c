/*
 * cmd_snapshots.c: tacit snapshots.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "reader.h"
#include "show.h"

int
cmd_snapshots(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	char hex[2 * SNAP_ID_BYTES + 1], when[32];
	size_t i, j, shown = 0;
	int e;

	if (o->argc != 0)
		fatal(EXIT_USAGE, "usage: tacit snapshots -r DIR [--tag T]... "
		    "[--path P]... [--json]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if (o->json)
		putchar('[');
	for (i = 0; i < rd.nsnaps; i++) {
		s = &rd.snaps[i];
		if (!snap_selected(o, s))
			continue;
		snapshot_hex(s->id, hex);
		time_str(s->time_sec, when);
		if (o->json) {
			struct tm tm;
			time_t t = (time_t)s->time_sec;
			char iso[40];

			(void)gmtime_r(&t, &tm);
			(void)strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S",
			    &tm);
			printf("%s{\"id\":\"%s\",\"time\":\"%s.%09uZ\","
			    "\"paths\":[", shown++ ? "," : "", hex, iso,
			    s->time_nsec);
			for (j = 0; j < s->npaths; j++) {
				if (j)
					putchar(',');
				json_str((const uint8_t *)s->paths[j],
				    strlen(s->paths[j]));
			}
			printf("],\"tags\":[");
			for (j = 0; j < s->ntags; j++) {
				if (j)
					putchar(',');
				json_str((const uint8_t *)s->tags[j],
				    strlen(s->tags[j]));
			}
			printf("],\"partial\":%s,\"files\":%llu,\"dirs\":%llu,"
			    "\"bytes\":%llu,\"added\":%llu,\"version\":",
			    s->flags & SNAP_F_PARTIAL ? "true" : "false",
			    (unsigned long long)s->files,
			    (unsigned long long)s->dirs,
			    (unsigned long long)s->bytes,
			    (unsigned long long)s->added);
			json_str((const uint8_t *)s->version,
			    strlen(s->version));
			if (s->has_parent) {
				snapshot_hex(s->parent, hex);
				printf(",\"parent\":\"%s\"", hex);
			}
			putchar('}');
			continue;
		}
		printf("%.8s  %s  %s%s", hex, when,
		    s->flags & SNAP_F_PARTIAL ? "(partial) " : "",
		    s->npaths ? "" : "-");
		for (j = 0; j < s->npaths; j++) {
			if (j)
				putchar(' ');
			text_str((const uint8_t *)s->paths[j],
			    strlen(s->paths[j]));
		}
		for (j = 0; j < s->ntags; j++) {
			printf(j ? "," : "  [");
			text_str((const uint8_t *)s->tags[j],
			    strlen(s->tags[j]));
		}
		printf("%s\n", s->ntags ? "]" : "");
		shown++;
	}
	if (o->json)
		printf("]\n");
	else if (log_verbosity > 0)
		printf("%zu snapshot%s\n", shown, PLURAL(shown));
	/* The intact ones are listed; the exit code still tells of damage. */
	e = rd.badsnaps > 0 ? EXIT_DAMAGED : EXIT_OK;
	reader_close(&rd);
	cmd_close(r);
	return e;
}
