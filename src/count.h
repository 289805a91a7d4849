/*
 * count.h: the totals of a backup (regular files and their bytes), counted
 * on a thread of their own while the walk runs, so the progress line can
 * show the percent done and the time left (as restic's scanner does).
 * The count follows the walk's rules: the same exclusions, the same
 * --one-file-system and depth limits, the repository left out, nothing
 * followed through a symlink, directories opened with O_NOATIME.  It
 * holds two descriptors at most and no recursion: a tree of any depth
 * costs a name list per level down to the depth limit.
 */
#ifndef TACIT_COUNT_H
#define TACIT_COUNT_H

#include <sys/types.h>

#include <stddef.h>

#include "progress.h"

struct opts;
struct pattern_sel;

struct count_rules {
	const struct opts *o;		/* the selection (pattern.h) */
	int		 one_fs;
	dev_t		 repo_dev;	/* the repository: not counted */
	ino_t		 repo_ino;
};

struct count;

/*
 * count_start(srcs, n, rules, p): count the ${n} absolute sources ${srcs}
 * under ${rules} on a new thread; when done, progress_total(${p}).  The
 * arguments must outlive count_stop.  NULL if the thread cannot start
 * (then the line shows no totals).
 */
struct count *count_start(char **, size_t, const struct count_rules *,
    struct progress *);

/*
 * count_start_sel(srcs, n, rules, sel, p): count_start with a copy
 * (pattern_sel_copy) of the walk's compiled selection ${sel} instead of
 * one built again from ${rules}->o, which would read --exclude-file a
 * second time, inside the sandbox; NULL ${sel}: as count_start.
 */
struct count *count_start_sel(char **, size_t, const struct count_rules *,
    const struct pattern_sel *, struct progress *);

/* count_stop(c): stop the count if it still runs, wait for it, free it. */
void count_stop(struct count *);

#endif
