/*
 * show.c: what snapshots, ls and restore share: printing names for JSON
 * and for a terminal, times, and opening the repository to read.
 */
#include <stdio.h>
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
