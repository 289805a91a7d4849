/*
 * show.c: what snapshots, ls and restore share: printing names for JSON
 * and for a terminal, times, and opening the repository to read.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "reader.h"
#include "show.h"

/*
 * Print bytes as a JSON string: valid UTF-8 kept but for C1 controls, the
 * rest escaped.
 */
void
json_str(const uint8_t *p, size_t n)
{
	size_t i, len;
	int ctl;

	putchar('"');
	for (i = 0; i < n; i += len) {
		uint8_t c = p[i];

		len = log_char(p + i, n - i, &ctl);
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x80 && ctl)
			printf("\\u%04x", c);
		else if (c < 0x80)
			putchar(c);
		else if (len == 1)	/* surrogate escape, as Python does */
			printf("\\udc%02x", c);
		else if (ctl)		/* C1: U+0080-U+009F */
			printf("\\u%04x", p[i + 1]);
		else
			fwrite(p + i, 1, len, stdout);
	}
	putchar('"');
}

/* Print bytes for a terminal: controls (log_char) and backslash escaped. */
void
text_str(const uint8_t *p, size_t n)
{
	size_t i, k, len;
	int ctl;

	for (i = 0; i < n; i += len) {
		len = log_char(p + i, n - i, &ctl);
		for (k = i; k < i + len; k++) {
			if (ctl || p[k] == '\\')
				printf("\\x%02x", p[k]);
			else
				putchar(p[k]);
		}
	}
}

/* Format ${sec} as local time, "YYYY-MM-DD HH:MM:SS" (or the number). */
void
time_str(int64_t sec, char out[32])
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(out, 32, "%lld", (long long)sec);
}

void
show_mode(const struct node *n, char out[11])
{
	static const char types[] = "?-dlpcb";
	uint32_t m = n->mode;

	out[0] = types[n->type < NODE__MAX ? n->type : 0];
	out[1] = m & 0400 ? 'r' : '-';
	out[2] = m & 0200 ? 'w' : '-';
	out[3] = m & 04000 ? (m & 0100 ? 's' : 'S') : (m & 0100 ? 'x' : '-');
	out[4] = m & 040 ? 'r' : '-';
	out[5] = m & 020 ? 'w' : '-';
	out[6] = m & 02000 ? (m & 010 ? 's' : 'S') : (m & 010 ? 'x' : '-');
	out[7] = m & 04 ? 'r' : '-';
	out[8] = m & 02 ? 'w' : '-';
	out[9] = m & 01000 ? (m & 01 ? 't' : 'T') : (m & 01 ? 'x' : '-');
	out[10] = '\0';
}

/*
 * Open, lock shared and unlock the repository of ${o} and its reader;
 * on error nothing stays open.
 */
int
open_reader(struct opts *o, struct repo **rp, struct reader *rd)
{
	int e;

	if ((e = cmd_open(o, REPO_LOCK_SHARED, rp)) != EXIT_OK)
		return e;
	if ((e = reader_open(rd, *rp)) != EXIT_OK) {
		reader_close(rd);
		cmd_close(*rp);
	}
	return e;
}

/* Has ${s} every tag of the comma-separated ${list} ("": no tag at all)? */
static int
has_tags(const struct snapshot *s, const char *list)
{
	const char *p = list, *end;
	size_t j, len, parts = 0;

	for (; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		if ((len = (size_t)(end - p)) == 0)
			continue;
		parts++;
		for (j = 0; j < s->ntags; j++)
			if (strlen(s->tags[j]) == len &&
			    memcmp(s->tags[j], p, len) == 0)
				break;
		if (j == s->ntags)
			return 0;
	}
	return parts > 0 || s->ntags == 0;
}

int
snap_selected(const struct opts *o, const struct snapshot *s)
{
	size_t i, j;
	int any = o->tags.n == 0;

	for (i = 0; i < o->tags.n && !any; i++)
		any = has_tags(s, o->tags.v[i]);
	if (!any)
		return 0;
	for (i = 0; i < o->paths.n; i++) {
		for (j = 0; j < s->npaths; j++)
			if (strcmp(s->paths[j], o->paths.v[i]) == 0)
				break;
		if (j == s->npaths)
			return 0;
	}
	return 1;
}

/* The most candidates an ambiguous prefix lists. */
#define SHOW_CANDIDATES_MAX	20

/* Name on stderr the snapshots of ${rd} selected whose id starts ${spec}. */
static void
list_candidates(const struct opts *o, struct reader *rd, const char *spec)
{
	char hex[2 * SNAP_ID_BYTES + 1], when[32];
	size_t i, j, shown = 0, len = strlen(spec);
	const struct snapshot *s;

	for (i = 0; i < rd->nsnaps; i++) {
		s = &rd->snaps[i];
		snapshot_hex(s->id, hex);
		if (strncmp(hex, spec, len) != 0 || !snap_selected(o, s))
			continue;
		if (shown++ == SHOW_CANDIDATES_MAX) {
			fprintf(stderr, "  ...\n");
			break;
		}
		time_str(s->time_sec, when);
		fprintf(stderr, "  %s  %s ", hex, when);
		for (j = 0; j < s->npaths; j++)
			fprintf(stderr, " %s", log_shown(s->paths[j]));
		fputc('\n', stderr);
	}
}

struct snapshot *
snap_pick(const struct opts *o, struct reader *rd, const char *spec)
{
	char hex[2 * SNAP_ID_BYTES + 1];
	struct snapshot *hit = NULL;
	size_t i, len = strlen(spec), count = 0;
	int latest = strcmp(spec, "latest") == 0;
	int filtered = o->tags.n > 0 || o->paths.n > 0;

	for (i = 0; i < rd->nsnaps && (latest || len > 0); i++) {
		if (!snap_selected(o, &rd->snaps[i]))
			continue;
		snapshot_hex(rd->snaps[i].id, hex);
		if (latest || strncmp(hex, spec, len) == 0) {
			hit = &rd->snaps[i];	/* oldest first: the last wins */
			count++;
		}
	}
	if (count == 1 || (latest && count > 0))
		return hit;
	if (count > 1) {
		errorx("snapshot id prefix '%s' is ambiguous: it names %zu "
		    "snapshots%s:", log_shown(spec), count, filtered ?
		    " with --tag and --path" : "");
		list_candidates(o, rd, spec);
	} else if (latest)
		errorx(filtered ? "no snapshot matches --tag and --path" :
		    "the repository has no snapshots");
	else
		errorx("no snapshot '%s'%s", log_shown(spec), filtered ?
		    " matches --tag and --path" : "");
	return NULL;
}
