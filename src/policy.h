/*
 * policy.h: the retention policy of tacit forget, restic's semantics.
 *
 * Pure: no I/O, no allocation.  The calendar periods are those of the
 * local time zone (TZ, as localtime_r and mktime see it; UTC when unset);
 * weeks are ISO weeks, Monday to Sunday, numbered in their ISO year.
 *
 * Walking a group's snapshots from the newest to the oldest, each bucket
 * rule (--keep-last, -hourly, -daily, -weekly, -monthly, -yearly N) keeps
 * a snapshot whose period differs from the period of the last snapshot it
 * kept, while its count lasts: the newest snapshot of each of the N most
 * recent periods that have one.  Rules are ORed and count independently
 * (one snapshot may use a daily and a weekly count at once).  A bucket
 * with count left at the oldest snapshot keeps it too ("oldest").
 * --keep-within D keeps every snapshot newer than the latest one (not
 * counting those in the future of ${now}) minus D, in calendar years,
 * months, days, then hours.  --keep-tag keeps every snapshot that has
 * all the tags of one of its lists; it has no count, and the snapshots it
 * keeps still count for the bucket rules, as in restic.
 */
#ifndef TACIT_POLICY_H
#define TACIT_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* The rules, as bits of why a snapshot is kept. */
#define POL_LAST	0x01
#define POL_HOURLY	0x02
#define POL_DAILY	0x04
#define POL_WEEKLY	0x08
#define POL_MONTHLY	0x10
#define POL_YEARLY	0x20
#define POL_WITHIN	0x40
#define POL_TAG		0x80

#define POL_NBUCKETS	6	/* last .. yearly, in bit order */
#define POL_UNLIMITED	(-1L)	/* a bucket count: every period */
#define POL_COUNT_MAX	1000000L
#define POL_WITHIN_MAX	1000000	/* each number of a --keep-within */

struct policy {
	long		 keep[POL_NBUCKETS];	/* 0: rule off; or N; or -1 */
	int		 within[4];	/* years, months, days, hours */
	int		 has_within;
	const char *const *keep_tags;	/* each "T1,T2": all of them */
	size_t		 nkeep_tags;
};

/* One snapshot of a group, as the policy sees it. */
struct policy_snap {
	int64_t		 sec;		/* UTC seconds */
	uint32_t	 nsec;
	const char *const *tags;
	size_t		 ntags;
	unsigned	 kept;		/* out: the POL_* rules that keep it */
	unsigned	 oldest;	/* out: bucket bits kept as the oldest */
};

/*
 * policy_within_parse(s, p): parse a --keep-within duration ${s} into
 * ${p}: numbers each followed by y, m, d or h (each unit at most once,
 * at least one, each number at most POL_WITHIN_MAX), e.g. "1y6m" or
 * "36h".  All zero ("0d") parses as no rule.  Returns 0, or -1
 * (nothing changed).
 */
int policy_within_parse(const char *, struct policy *)
    __attribute__((warn_unused_result));

/* policy_empty(p): 1 if ${p} has no rule at all. */
int policy_empty(const struct policy *);

/*
 * policy_apply(p, v, n, now): apply ${p} to the ${n} snapshots of one
 * group in ${v}, sorted oldest first (time, nanoseconds, then id: as
 * tacit snapshots lists them); ${now} is the current time in seconds.
 * Sets each one's kept (0: forget it) and oldest.  Returns 0, or -1 if
 * a time cannot be converted (EOVERFLOW); nothing is to be removed then.
 */
int policy_apply(const struct policy *, struct policy_snap *, size_t,
    int64_t) __attribute__((warn_unused_result));

/* policy_rule_name(bit): "last", "hourly", ... "within", "tag". */
const char *policy_rule_name(unsigned);

#endif
