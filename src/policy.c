/*
 * policy.c: the retention policy of tacit forget (see policy.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "policy.h"

int
policy_within_parse(const char *s, struct policy *p)
{
	static const char units[] = "ymdh";
	int v[4] = { 0, 0, 0, 0 }, seen = 0, k;
	const char *u;
	long n;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (*s < '0' || *s > '9')
			return -1;
		/* Bounded by hand: no strtol sign, space or overflow. */
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			if ((n = n * 10 + (*s - '0')) > POL_WITHIN_MAX)
				return -1;
		if (*s == '\0' || (u = strchr(units, *s)) == NULL)
			return -1;
		k = (int)(u - units);
		if (seen & (1 << k))
			return -1;
		seen |= 1 << k;
		v[k] = (int)n;
		s++;
	}
	/* All zero is no rule (restic's too): it would keep nothing. */
	memcpy(p->within, v, sizeof(v));
	p->has_within = v[0] || v[1] || v[2] || v[3];
	return 0;
}

int
policy_empty(const struct policy *p)
{
	int i;

	for (i = 0; i < POL_NBUCKETS; i++)
		if (p->keep[i] != 0)
			return 0;
	return !p->has_within && p->nkeep_tags == 0;
}

const char *
policy_rule_name(unsigned bit)
{
	switch (bit) {
	case POL_LAST:		return "last";
	case POL_HOURLY:	return "hourly";
	case POL_DAILY:		return "daily";
	case POL_WEEKLY:	return "weekly";
	case POL_MONTHLY:	return "monthly";
	case POL_YEARLY:	return "yearly";
	case POL_WITHIN:	return "within";
	case POL_TAG:		return "tag";
	default:		return "?";
	}
}

/* Whether the Gregorian year ${y} has 53 ISO weeks. */
static int
long_iso_year(long y)
{
	long p = (y + y / 4 - y / 100 + y / 400) % 7;
	long q = ((y - 1) + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) % 7;

	return p == 4 || q == 3;
}

/* ISO year * 100 + ISO week of the local date ${tm}. */
static int64_t
iso_week(const struct tm *tm)
{
	long y = (long)tm->tm_year + 1900;
	int wd = (tm->tm_wday + 6) % 7;		/* Monday 0 .. Sunday 6 */
	int w = (tm->tm_yday - wd + 10) / 7;

	if (w < 1) {
		y--;
		w = long_iso_year(y) ? 53 : 52;
	} else if (w == 53 && !long_iso_year(y)) {
		y++;
		w = 1;
	}
	return (int64_t)y * 100 + w;
}

/* The period of bucket ${b} that ${tm} lies in (${nr}: its position). */
static int64_t
period(int b, const struct tm *tm, size_t nr)
{
	int64_t y = (int64_t)tm->tm_year + 1900, m = tm->tm_mon + 1;

	switch (b) {
	case 0:
		return (int64_t)nr;	/* last: every snapshot its own */
	case 1:
		return ((y * 100 + m) * 100 + tm->tm_mday) * 100 + tm->tm_hour;
	case 2:
		return (y * 100 + m) * 100 + tm->tm_mday;
	case 3:
		return iso_week(tm);
	case 4:
		return y * 100 + m;
	default:
		return y;
	}
}

/* Is (${s}, ${ns}) later than (${ts}, ${tns})? */
static int
after(int64_t s, uint32_t ns, int64_t ts, uint32_t tns)
{
	return s > ts || (s == ts && ns > tns);
}

/*
 * The --keep-within threshold: the latest snapshot not after ${now},
 * minus the duration (calendar years, months and days in local time, as
 * mktime normalises them: 31 March minus a month is 3 March, or 2 March
 * in a leap year; then hours).  *${none} when every snapshot is in the
 * future (all are then kept).  0, or -1.
 */
static int
within_start(const struct policy *p, const struct policy_snap *v, size_t n,
    int64_t now, int64_t *ts, uint32_t *tns, int *none)
{
	const struct policy_snap *latest = NULL;
	struct tm tm;
	time_t t;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].sec <= now && (latest == NULL ||
		    after(v[i].sec, v[i].nsec, latest->sec, latest->nsec)))
			latest = &v[i];
	*none = latest == NULL;
	if (latest == NULL)
		return 0;
	t = (time_t)latest->sec;
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	tm.tm_year -= p->within[0];
	tm.tm_mon -= p->within[1];
	tm.tm_mday -= p->within[2];
	tm.tm_isdst = -1;
	errno = 0;
	if ((t = mktime(&tm)) == (time_t)-1 && errno != 0)
		return -1;
	*ts = (int64_t)t - (int64_t)p->within[3] * 3600;
	*tns = latest->nsec;
	return 0;
}

/* Has ${s} every tag of the comma-separated ${list}? */
static int
has_tags(const struct policy_snap *s, const char *list)
{
	const char *a = list, *e;
	size_t i, len;
	int found;

	for (;;) {
		e = strchr(a, ',');
		len = e != NULL ? (size_t)(e - a) : strlen(a);
		found = 0;
		for (i = 0; i < s->ntags && !found; i++)
			found = strlen(s->tags[i]) == len &&
			    memcmp(s->tags[i], a, len) == 0;
		if (!found && len > 0)
			return 0;
		if (e == NULL)
			return 1;
		a = e + 1;
	}
}

int
policy_apply(const struct policy *p, struct policy_snap *v, size_t n,
    int64_t now)
{
	long count[POL_NBUCKETS];
	int64_t last[POL_NBUCKETS], val, ts = 0;
	uint32_t tns = 0;
	int none = 0, b, first[POL_NBUCKETS];
	struct policy_snap *cur;
	struct tm tm;
	time_t t;
	size_t nr, i;

	for (i = 0; i < n; i++)
		v[i].kept = v[i].oldest = 0;
	if (p->has_within && within_start(p, v, n, now, &ts, &tns, &none) != 0)
		goto overflow;
	for (b = 0; b < POL_NBUCKETS; b++) {
		count[b] = p->keep[b];
		first[b] = 1;
		last[b] = 0;
	}
	/* Newest first: ${nr} counts from the newest, as restic's does. */
	for (nr = 0; nr < n; nr++) {
		cur = &v[n - 1 - nr];
		for (i = 0; i < p->nkeep_tags; i++)
			if (has_tags(cur, p->keep_tags[i]))
				cur->kept |= POL_TAG;
		if (p->has_within && (none || after(cur->sec, cur->nsec, ts,
		    tns)))
			cur->kept |= POL_WITHIN;
		t = (time_t)cur->sec;
		if (localtime_r(&t, &tm) == NULL)
			goto overflow;
		for (b = 0; b < POL_NBUCKETS; b++) {
			if (count[b] == 0)
				continue;
			val = period(b, &tm, nr);
			if (!first[b] && val == last[b] && nr != n - 1)
				continue;
			/* A new period, or the oldest with count left. */
			if (!first[b] && val == last[b])
				cur->oldest |= 1u << b;
			cur->kept |= 1u << b;
			first[b] = 0;
			last[b] = val;
			if (count[b] > 0)
				count[b]--;
		}
	}
	return 0;
overflow:
	for (i = 0; i < n; i++)
		v[i].kept = POL_TAG | POL_WITHIN;	/* remove nothing */
	errno = EOVERFLOW;
	return -1;
}
