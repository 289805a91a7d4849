/*
 * test_policy.c: the forget policy engine on hand-written histories.
 *
 * Each case names a time zone, a policy, a history (a list of UTC times,
 * or a regular series generated from a start, a step and a count) and the
 * snapshots it must keep, each with the rules that keep it, worked out by
 * hand from restic's documented semantics (the comments show the work),
 * never computed by the code under test.  Every snapshot not listed must
 * be removed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "t.h"

#define L	POL_LAST
#define H	POL_HOURLY
#define D	POL_DAILY
#define W	POL_WEEKLY
#define M	POL_MONTHLY
#define Y	POL_YEARLY
#define WI	POL_WITHIN
#define TG	POL_TAG
#define OLD	0x100		/* in an expectation: kept as the oldest */

#define MAXS	8
#define MAXK	12

struct snapdef {
	const char	*t;		/* "YYYY-MM-DD HH:MM:SS" UTC */
	uint32_t	 ns;
	const char	*tags;		/* "a,b" or NULL */
};

struct expect {
	const char	*t;
	uint32_t	 ns;
	unsigned	 why;		/* POL_* bits, | OLD */
};

struct tcase {
	const char	*name;
	const char	*tz;
	long		 keep[POL_NBUCKETS];	/* last hourly daily weekly monthly yearly */
	const char	*within;
	const char	*keeptags[2];
	const char	*now;		/* NULL: far future */
	const char	*series;	/* a regular history: its first time, */
	int64_t		 step;		/* ... seconds between, */
	size_t		 count;		/* ... and how many */
	struct snapdef	 s[MAXS];	/* or these, oldest first */
	struct expect	 k[MAXK];	/* what is kept, any order */
};

static const struct tcase cases[] = {
{ "keep-last 3 of 5", "UTC", { 3, 0, 0, 0, 0, 0 }, NULL, { NULL, NULL }, NULL,
  NULL, 0, 0,
  { { "2023-01-01 10:00:00", 0, NULL }, { "2023-01-02 10:00:00", 0, NULL },
    { "2023-01-03 10:00:00", 0, NULL }, { "2023-01-04 10:00:00", 0, NULL },
    { "2023-01-05 10:00:00", 0, NULL } },
  { { "2023-01-03 10:00:00", 0, L }, { "2023-01-04 10:00:00", 0, L },
    { "2023-01-05 10:00:00", 0, L } } },
/* Jan 2023: the 1st is a Sunday (2022-W52); 2-8 W1, 9-15 W2, 16-22 W3. */
{ "daily 20 days: keep-daily 5 keep-weekly 2", "UTC", { 0, 0, 5, 2, 0, 0 },
  NULL, { NULL, NULL }, NULL, "2023-01-01 12:00:00", 86400, 20, { { 0 } },
  { { "2023-01-20 12:00:00", 0, D | W }, { "2023-01-19 12:00:00", 0, D },
    { "2023-01-18 12:00:00", 0, D }, { "2023-01-17 12:00:00", 0, D },
    { "2023-01-16 12:00:00", 0, D }, { "2023-01-15 12:00:00", 0, W } } },
/*
 * Three years of hourly snapshots.  hourly: the last three hours;
 * daily 2: Dec 31 and Dec 30 (its 23:00); monthly 3: Dec, Nov, Oct (each
 * month's last hour); yearly 5: 2023, 2022, 2021, and two counts left at
 * the oldest (2021-01-01 00:00, same year as the last kept: "oldest").
 */
{ "3 years hourly: H3 D2 M3 Y5", "UTC", { 0, 3, 2, 0, 3, 5 }, NULL,
  { NULL, NULL }, NULL, "2021-01-01 00:00:00", 3600, 3 * 365 * 24, { { 0 } },
  { { "2023-12-31 23:00:00", 0, H | D | M | Y },
    { "2023-12-31 22:00:00", 0, H }, { "2023-12-31 21:00:00", 0, H },
    { "2023-12-30 23:00:00", 0, D }, { "2023-11-30 23:00:00", 0, M },
    { "2023-10-31 23:00:00", 0, M }, { "2022-12-31 23:00:00", 0, Y },
    { "2021-12-31 23:00:00", 0, Y },
    { "2021-01-01 00:00:00", 0, Y | OLD } } },
/*
 * The same history in Berlin (CET, +1 in winter): the last snapshot,
 * 23:00Z, is 2024-01-01 00:00 there.  daily 3: Jan 1 (23:00Z), Dec 31
 * (its last local hour, 22:00Z), Dec 30 (22:00Z); yearly 2: 2024 and
 * 2023 (22:00Z is 23:00 on Dec 31).
 */
{ "3 years hourly in Europe/Berlin: D3 Y2", "Europe/Berlin",
  { 0, 0, 3, 0, 0, 2 }, NULL, { NULL, NULL }, NULL, "2021-01-01 00:00:00",
  3600, 3 * 365 * 24, { { 0 } },
  { { "2023-12-31 23:00:00", 0, D | Y }, { "2023-12-31 22:00:00", 0, D | Y },
    { "2023-12-30 22:00:00", 0, D } } },
/*
 * Daily 2020-12-19 (Sat, W51) .. 2021-01-10: 2020 has 53 ISO weeks;
 * 12-28..01-03 is 2020-W53, 01-04..01-10 2021-W01.  weekly 5: 01-10,
 * 01-03, 12-27, 12-20, and one count left at the oldest, 12-19 (W51,
 * like 12-20).
 */
{ "ISO week 53, across the year: W5", "UTC", { 0, 0, 0, 5, 0, 0 }, NULL,
  { NULL, NULL }, NULL, "2020-12-19 10:00:00", 86400, 23, { { 0 } },
  { { "2021-01-10 10:00:00", 0, W }, { "2021-01-03 10:00:00", 0, W },
    { "2020-12-27 10:00:00", 0, W }, { "2020-12-20 10:00:00", 0, W },
    { "2020-12-19 10:00:00", 0, W | OLD } } },
/* 2021-01-01 (Fri) and 01-03 (Sun) are in 2020-W53 with 12-28 (Mon). */
{ "ISO week: Jan 1-3 2021 belong to 2020-W53: W2", "UTC",
  { 0, 0, 0, 2, 0, 0 }, NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2020-12-28 10:00:00", 0, NULL }, { "2021-01-01 10:00:00", 0, NULL },
    { "2021-01-03 10:00:00", 0, NULL }, { "2021-01-04 10:00:00", 0, NULL } },
  { { "2021-01-04 10:00:00", 0, W }, { "2021-01-03 10:00:00", 0, W } } },
/* 2026 has 53 weeks: 12-28 (Mon) .. 2027-01-03 is 2026-W53. */
{ "ISO week 53 of 2026 runs into 2027: W3", "UTC", { 0, 0, 0, 3, 0, 0 },
  NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2026-12-27 10:00:00", 0, NULL }, { "2026-12-28 10:00:00", 0, NULL },
    { "2027-01-02 10:00:00", 0, NULL }, { "2027-01-05 10:00:00", 0, NULL } },
  { { "2027-01-05 10:00:00", 0, W }, { "2027-01-02 10:00:00", 0, W },
    { "2026-12-27 10:00:00", 0, W } } },
/* 2024-12-30 (Mon) is 2025-W01, with 2025-01-05; 12-29 is 2024-W52. */
{ "ISO week: Dec 30 2024 is in 2025-W01: W2", "UTC", { 0, 0, 0, 2, 0, 0 },
  NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2024-12-29 10:00:00", 0, NULL }, { "2024-12-30 10:00:00", 0, NULL },
    { "2025-01-05 10:00:00", 0, NULL } },
  { { "2025-01-05 10:00:00", 0, W }, { "2024-12-29 10:00:00", 0, W } } },
/* Same second, sorted by ns then id: the last in order is the newest;
 * daily 2: it, then one count left at the oldest. */
{ "same second: D2 keeps the newest and the oldest", "UTC",
  { 0, 0, 2, 0, 0, 0 }, NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-05-05 05:05:05", 0, NULL }, { "2023-05-05 05:05:05", 0, NULL },
    { "2023-05-05 05:05:05", 7, NULL } },
  { { "2023-05-05 05:05:05", 7, D }, { "2023-05-05 05:05:05", 0, D | OLD } } },
{ "same second: last 2 keeps the two newest in order", "UTC",
  { 2, 0, 0, 0, 0, 0 }, NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-05-05 05:05:05", 3, NULL }, { "2023-05-05 05:05:05", 3, NULL },
    { "2023-05-05 05:05:05", 3, NULL } },
  { { "2023-05-05 05:05:05", 3, L }, { "2023-05-05 05:05:05", 3, L } } },
/*
 * Berlin, end of summer time 2023-10-29 01:00Z (03:00 CEST -> 02:00
 * CET).  Local days: 21:30Z Oct 28 is 23:30 on the 28th; 22:30Z is 00:30
 * on the 29th; 00:30Z and 01:30Z are 02:30 CEST and 02:30 CET; 22:30Z Oct
 * 29 is 23:30 on the 29th; 23:30Z is 00:30 on the 30th.  daily 10: 30th
 * (23:30Z), 29th (22:30Z), 28th (21:30Z).
 */
{ "Berlin DST end: D10", "Europe/Berlin", { 0, 0, 10, 0, 0, 0 }, NULL,
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-10-28 21:30:00", 0, NULL }, { "2023-10-28 22:30:00", 0, NULL },
    { "2023-10-29 00:30:00", 0, NULL }, { "2023-10-29 01:30:00", 0, NULL },
    { "2023-10-29 22:30:00", 0, NULL }, { "2023-10-29 23:30:00", 0, NULL } },
  { { "2023-10-29 23:30:00", 0, D }, { "2023-10-29 22:30:00", 0, D },
    { "2023-10-28 21:30:00", 0, D } } },
/* The same in UTC: days 28 (21:30, 22:30) and 29 (the rest); daily 10:
 * 29th's 23:30, 28th's 22:30, and 21:30 as the oldest. */
{ "the same history in UTC: D10", "UTC", { 0, 0, 10, 0, 0, 0 }, NULL,
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-10-28 21:30:00", 0, NULL }, { "2023-10-28 22:30:00", 0, NULL },
    { "2023-10-29 00:30:00", 0, NULL }, { "2023-10-29 01:30:00", 0, NULL },
    { "2023-10-29 22:30:00", 0, NULL }, { "2023-10-29 23:30:00", 0, NULL } },
  { { "2023-10-29 23:30:00", 0, D }, { "2023-10-28 22:30:00", 0, D },
    { "2023-10-28 21:30:00", 0, D | OLD } } },
/* Berlin hours: 02:30 CEST and 02:30 CET are the same local hour (02 of
 * Oct 29): the later one (01:30Z) keeps it, 00:30Z goes. */
{ "Berlin DST end: the repeated hour, H10", "Europe/Berlin",
  { 0, 10, 0, 0, 0, 0 }, NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-10-28 21:30:00", 0, NULL }, { "2023-10-28 22:30:00", 0, NULL },
    { "2023-10-29 00:30:00", 0, NULL }, { "2023-10-29 01:30:00", 0, NULL },
    { "2023-10-29 22:30:00", 0, NULL }, { "2023-10-29 23:30:00", 0, NULL } },
  { { "2023-10-29 23:30:00", 0, H }, { "2023-10-29 22:30:00", 0, H },
    { "2023-10-29 01:30:00", 0, H }, { "2023-10-28 22:30:00", 0, H },
    { "2023-10-28 21:30:00", 0, H } } },
/*
 * New York, spring forward 2024-03-10 (EST -5, EDT -4 from 07:00Z).
 * 04:59:59Z Mar 10 is 23:59:59 Mar 9; 05:00Z is 00:00 Mar 10; 03:59:59Z
 * Mar 11 is 23:59:59 EDT Mar 10; 04:00Z Mar 11 is 00:00 Mar 11.  daily
 * 2: Mar 11 (04:00Z), Mar 10 (03:59:59Z).
 */
{ "New York DST start: D2", "America/New_York", { 0, 0, 2, 0, 0, 0 }, NULL,
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2024-03-10 04:59:59", 0, NULL }, { "2024-03-10 05:00:00", 0, NULL },
    { "2024-03-11 03:59:59", 0, NULL }, { "2024-03-11 04:00:00", 0, NULL } },
  { { "2024-03-11 04:00:00", 0, D }, { "2024-03-11 03:59:59", 0, D } } },
/* keep-within 1d in New York across the change: the latest, 12:00Z Mar
 * 10 (08:00 EDT), minus a calendar day is 08:00 EST Mar 9 = 13:00Z. */
{ "New York DST: within 1d is a calendar day (23 h)", "America/New_York",
  { 0, 0, 0, 0, 0, 0 }, "1d", { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2024-03-09 12:30:00", 0, NULL }, { "2024-03-09 13:00:00", 0, NULL },
    { "2024-03-09 13:00:01", 0, NULL }, { "2024-03-10 12:00:00", 0, NULL } },
  { { "2024-03-09 13:00:01", 0, WI }, { "2024-03-10 12:00:00", 0, WI } } },
/* ... while 24h is 12:00Z Mar 9. */
{ "New York DST: within 24h is 24 hours", "America/New_York",
  { 0, 0, 0, 0, 0, 0 }, "24h", { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2024-03-09 11:59:59", 0, NULL }, { "2024-03-09 12:30:00", 0, NULL },
    { "2024-03-09 13:00:00", 0, NULL }, { "2024-03-10 12:00:00", 0, NULL } },
  { { "2024-03-09 12:30:00", 0, WI }, { "2024-03-09 13:00:00", 0, WI },
    { "2024-03-10 12:00:00", 0, WI } } },
/* 2024-03-31 12:00 minus a month is "Feb 31" = 2024-03-02 12:00; only
 * strictly later ones stay (12:00:00.000000001 is later). */
{ "within 1m from March 31", "UTC", { 0, 0, 0, 0, 0, 0 }, "1m",
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2024-02-29 12:00:00", 0, NULL }, { "2024-03-02 12:00:00", 0, NULL },
    { "2024-03-02 12:00:00", 1, NULL }, { "2024-03-02 12:00:01", 0, NULL },
    { "2024-03-31 12:00:00", 0, NULL } },
  { { "2024-03-02 12:00:00", 1, WI }, { "2024-03-02 12:00:01", 0, WI },
    { "2024-03-31 12:00:00", 0, WI } } },
/* 2024-02-29 minus a year is "2023-02-29" = 2023-03-01. */
{ "within 1y from Feb 29", "UTC", { 0, 0, 0, 0, 0, 0 }, "1y",
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-02-28 23:00:00", 0, NULL }, { "2023-03-01 00:00:00", 0, NULL },
    { "2023-03-01 00:00:01", 0, NULL }, { "2024-02-29 00:00:00", 0, NULL } },
  { { "2023-03-01 00:00:01", 0, WI }, { "2024-02-29 00:00:00", 0, WI } } },
/* 2025-05-10 10:00 minus 1y2m3d is 2024-03-07 10:00, minus 4h 06:00. */
{ "within 4h3d2m1y, any order", "UTC", { 0, 0, 0, 0, 0, 0 }, "4h3d2m1y",
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2024-03-07 05:59:59", 0, NULL }, { "2024-03-07 06:00:00", 0, NULL },
    { "2024-03-07 06:00:01", 0, NULL }, { "2025-05-10 10:00:00", 0, NULL } },
  { { "2024-03-07 06:00:01", 0, WI }, { "2025-05-10 10:00:00", 0, WI } } },
/* A snapshot in the future (now is 2024-06-01) is ignored when finding
 * the latest (05-20) and is never removed by a duration. */
{ "within 10d with a snapshot in the future", "UTC", { 0, 0, 0, 0, 0, 0 },
  "10d", { NULL, NULL }, "2024-06-01 00:00:00", NULL, 0, 0,
  { { "2024-05-01 00:00:00", 0, NULL }, { "2024-05-10 00:00:00", 0, NULL },
    { "2024-05-20 00:00:00", 0, NULL }, { "2030-01-01 00:00:00", 0, NULL } },
  { { "2024-05-20 00:00:00", 0, WI }, { "2030-01-01 00:00:00", 0, WI } } },
/* Tags: "a,b" needs both; several lists are ORed; a tag-kept snapshot
 * still counts for last (restic). */
{ "keep-tag a,b and c with last 2", "UTC", { 2, 0, 0, 0, 0, 0 }, NULL,
  { "a,b", "c" }, NULL, NULL, 0, 0,
  { { "2023-01-01 00:00:00", 0, "a,b,z" }, { "2023-01-02 00:00:00", 0, "a" },
    { "2023-01-03 00:00:00", 0, "b" }, { "2023-01-04 00:00:00", 0, "c" },
    { "2023-01-05 00:00:00", 0, NULL } },
  { { "2023-01-05 00:00:00", 0, L }, { "2023-01-04 00:00:00", 0, L | TG },
    { "2023-01-01 00:00:00", 0, TG } } },
/*
 * Irregular, several years.  monthly 4 newest first: 2021-03 (03-15),
 * 2021-02 (02-28 23:59:59), 2020-07, 2020-01 (01-25); yearly 4: 2021
 * (03-15), 2020 (07-04), 2019 (11-02), one left at the oldest (06-15).
 */
{ "irregular years: M4 Y4", "UTC", { 0, 0, 0, 0, 4, 4 }, NULL,
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2019-06-15 08:00:00", 0, NULL }, { "2019-11-02 09:00:00", 0, NULL },
    { "2020-01-10 10:00:00", 0, NULL }, { "2020-01-25 10:00:00", 0, NULL },
    { "2020-07-04 12:00:00", 0, NULL }, { "2021-02-01 00:00:00", 0, NULL },
    { "2021-02-28 23:59:59", 0, NULL }, { "2021-03-15 00:00:00", 0, NULL } },
  { { "2021-03-15 00:00:00", 0, M | Y }, { "2021-02-28 23:59:59", 0, M },
    { "2020-07-04 12:00:00", 0, M | Y }, { "2020-01-25 10:00:00", 0, M },
    { "2019-11-02 09:00:00", 0, Y }, { "2019-06-15 08:00:00", 0, Y | OLD } } },
/* ... with yearly 2 nothing is left at the oldest. */
{ "irregular years: M4 Y2", "UTC", { 0, 0, 0, 0, 4, 2 }, NULL,
  { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2019-06-15 08:00:00", 0, NULL }, { "2019-11-02 09:00:00", 0, NULL },
    { "2020-01-10 10:00:00", 0, NULL }, { "2020-01-25 10:00:00", 0, NULL },
    { "2020-07-04 12:00:00", 0, NULL }, { "2021-02-01 00:00:00", 0, NULL },
    { "2021-02-28 23:59:59", 0, NULL }, { "2021-03-15 00:00:00", 0, NULL } },
  { { "2021-03-15 00:00:00", 0, M | Y }, { "2021-02-28 23:59:59", 0, M },
    { "2020-07-04 12:00:00", 0, M | Y }, { "2020-01-25 10:00:00", 0, M } } },
/* Unlimited daily on three days of hourly snapshots: each day's last
 * hour, and the oldest (the count never runs out). */
{ "daily unlimited on hourly snapshots", "UTC", { 0, 0, -1, 0, 0, 0 }, NULL,
  { NULL, NULL }, NULL, "2023-01-01 00:00:00", 3600, 72, { { 0 } },
  { { "2023-01-03 23:00:00", 0, D }, { "2023-01-02 23:00:00", 0, D },
    { "2023-01-01 23:00:00", 0, D }, { "2023-01-01 00:00:00", 0, D | OLD } } },
/* Weekly backups (Mondays): daily 3 keeps three Mondays, three weeks. */
{ "Mondays only: D3 spans three weeks", "UTC", { 0, 0, 3, 0, 0, 0 }, NULL,
  { NULL, NULL }, NULL, "2023-01-02 09:00:00", 7 * 86400, 6, { { 0 } },
  { { "2023-02-06 09:00:00", 0, D }, { "2023-01-30 09:00:00", 0, D },
    { "2023-01-23 09:00:00", 0, D } } },
/* Hourly 2 and last 1 at once: the newest uses both. */
{ "one snapshot: every bucket keeps it (not as the oldest)", "UTC",
  { 1, 1, 1, 1, 1, 1 }, NULL, { NULL, NULL }, NULL, NULL, 0, 0,
  { { "2023-07-07 07:07:07", 0, NULL } },
  { { "2023-07-07 07:07:07", 0, L | H | D | W | M | Y } } },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* "YYYY-MM-DD HH:MM:SS" in UTC, by the test's own arithmetic. */
static int64_t
utc(const char *s)
{
	int y, mo, d, h, mi, se;
	int64_t days;

	if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6)
		abort();
	/* Days from the civil date (Howard Hinnant's algorithm). */
	y -= mo <= 2;
	{
		int64_t era = (y >= 0 ? y : y - 399) / 400;
		int64_t yoe = y - era * 400;
		int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	return days * 86400 + h * 3600 + mi * 60 + se;
}

/* Split "a,b" into ${out} (static storage per snapshot). */
static size_t
split_tags(const char *s, char buf[64], const char *out[4])
{
	size_t n = 0;
	char *p, *save = NULL;

	if (s == NULL)
		return 0;
	(void)snprintf(buf, 64, "%s", s);
	for (p = strtok_r(buf, ",", &save); p != NULL && n < 4;
	    p = strtok_r(NULL, ",", &save))
		out[n++] = p;
	return n;
}

static void
run_case(const struct tcase *c)
{
	static char tagbuf[MAXS][64];
	static const char *tagv[MAXS][4];
	struct policy p;
	struct policy_snap *v;
	size_t n, i, j, nk = 0, bad = 0;
	int64_t now = c->now != NULL ? utc(c->now) : INT64_C(4102444800);
	int *matched;

	if (setenv("TZ", c->tz, 1) != 0)
		abort();
	tzset();
	memset(&p, 0, sizeof(p));
	memcpy(p.keep, c->keep, sizeof(p.keep));
	if (c->within != NULL && policy_within_parse(c->within, &p) != 0) {
		T(0, "%s: within %s parses", c->name, c->within);
		return;
	}
	p.keep_tags = c->keeptags;
	p.nkeep_tags = c->keeptags[1] ? 2 : c->keeptags[0] ? 1 : 0;
	n = c->series != NULL ? c->count : 0;
	if (n == 0)
		while (n < MAXS && c->s[n].t != NULL)
			n++;
	if ((v = calloc(n, sizeof(*v))) == NULL || (matched = calloc(n,
	    sizeof(*matched))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (c->series != NULL) {
			v[i].sec = utc(c->series) + (int64_t)i * c->step;
			continue;
		}
		v[i].sec = utc(c->s[i].t);
		v[i].nsec = c->s[i].ns;
		v[i].ntags = split_tags(c->s[i].tags, tagbuf[i], tagv[i]);
		v[i].tags = tagv[i];
	}
	T(policy_apply(&p, v, n, now) == 0, "%s: applies", c->name);
	/* Each expected one: some kept snapshot at that time with exactly
	 * those reasons, each snapshot matched once. */
	for (j = 0; j < MAXK && c->k[j].t != NULL; j++) {
		int64_t t = utc(c->k[j].t);
		unsigned why = c->k[j].why & 0xff;
		unsigned old = c->k[j].why & OLD ? why & 0x3f : 0;	/* as the oldest */
		int found = 0;

		nk++;
		for (i = n; i-- > 0 && !found;)
			if (!matched[i] && v[i].sec == t &&
			    v[i].nsec == c->k[j].ns && v[i].kept == why &&
			    v[i].oldest == old) {
				matched[i] = found = 1;
			}
		if (!found) {
			bad++;
			printf("# %s: expected %s.%u kept for 0x%x\n", c->name,
			    c->k[j].t, c->k[j].ns, c->k[j].why);
		}
	}
	for (i = 0; i < n; i++)
		if (v[i].kept != 0 && !matched[i]) {
			time_t tt = (time_t)v[i].sec;
			struct tm tm;
			char b[32];

			(void)gmtime_r(&tt, &tm);
			(void)strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
			printf("# %s: %zu (%s.%u) kept (0x%x, oldest 0x%x), "
			    "not expected\n", c->name, i, b, v[i].nsec,
			    v[i].kept, v[i].oldest);
			bad++;
		}
	T(bad == 0, "%s: keeps exactly the %zu expected of %zu", c->name, nk,
	    n);
	free(matched);
	free(v);
}

static void
within_syntax(void)
{
	static const char *const good[] = { "1y6m", "36h", "1y2m3d4h",
	    "1000000h" };
	static const char *const bad[] = { "", "1x", "1y1y", "y", "1", "d1",
	    "1000001d", "-1d", " 1d", "1d ", "+1d", "1.5d" };
	struct policy p;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&p, 0, sizeof(p));
		T(policy_within_parse(good[i], &p) == 0 && p.has_within,
		    "within '%s' parses", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		T(policy_within_parse(bad[i], &p) == -1 && !p.has_within,
		    "within '%s' is refused", bad[i]);
	}
	memset(&p, 0, sizeof(p));
	T(policy_within_parse("1y2m3d4h", &p) == 0 && p.within[0] == 1 &&
	    p.within[1] == 2 && p.within[2] == 3 && p.within[3] == 4,
	    "within 1y2m3d4h is 1 year, 2 months, 3 days, 4 hours");
	memset(&p, 0, sizeof(p));
	T(policy_within_parse("0d0h", &p) == 0 && !p.has_within &&
	    policy_empty(&p), "within 0d0h parses as no rule (restic)");
	memset(&p, 0, sizeof(p));
	T(policy_empty(&p), "no rule: the policy is empty");
	p.keep[2] = -1;
	T(!policy_empty(&p), "an unlimited rule is a rule");
}

/* Ties: of three at the same second and ns, the order given (by id)
 * decides: last 2 keeps the two last ones. */
static void
tie_order(void)
{
	struct policy_snap v[3];
	struct policy p;

	memset(&p, 0, sizeof(p));
	memset(v, 0, sizeof(v));
	v[0].sec = v[1].sec = v[2].sec = 1700000000;
	p.keep[0] = 2;
	T(policy_apply(&p, v, 3, 1800000000) == 0 && v[0].kept == 0 &&
	    v[1].kept == POL_LAST && v[2].kept == POL_LAST,
	    "ties: the order given (time, ns, id) decides which is newer");
	p.keep[0] = 0;
	p.keep[2] = 1;
	T(policy_apply(&p, v, 3, 1800000000) == 0 && v[0].kept == 0 &&
	    v[1].kept == 0 && v[2].kept == POL_DAILY,
	    "ties: daily 1 keeps the last in order");
}

int
main(void)
{
	size_t i;

	t_init();
	within_syntax();
	tie_order();
	for (i = 0; i < NCASES; i++)
		run_case(&cases[i]);
	printf("# %zu policy cases\n", NCASES);
	return t_exit();
}
