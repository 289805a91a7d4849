/*
 * pattern.h: which paths a backup or a restore selects.  The patterns of
 * --exclude, --iexclude, --exclude-file (backup and restore) and
 * --include, --iinclude (restore), and backup's other selection options:
 * --exclude-caches, --exclude-if-present, --exclude-larger-than.
 *
 * A pattern is a glob (fnmatch(3), without FNM_PATHNAME: '*' also matches
 * '/').  One that starts with '/' is matched against the whole path; any
 * other against every tail of the path that starts at a component (so
 * "*.o" matches a last component, "cache/x" a "/home/a/cache/x").  A
 * "\xNN" escape, as ls prints a name, stands for that byte, taken
 * literally; any other backslash quotes the next character for the glob.
 */
#ifndef TACIT_PATTERN_H
#define TACIT_PATTERN_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

struct opts;

struct pattern {
	char		*glob;		/* \xNN decoded, glob-quoted */
	char		*lit;		/* the glob's literal start */
	size_t		 litlen;
	const char	*given;		/* as typed (for messages) */
	int		 icase;		/* FNM_CASEFOLD */
	int		 anchored;	/* starts with '/' */
	int		 literal;	/* no wildcard: lit is all of it */
	int		 hit;		/* matched a path at least once */
};

struct patterns {
	struct pattern	*v;
	size_t		 n;
	char		*text;		/* an --exclude-file's bytes */
};

/* A file or a header whose presence excludes its directory's content. */
struct pattern_tag {
	char		*name;
	char		*header;	/* NULL: any content */
	size_t		 hlen;
};

/* Backup's selection, from the options. */
struct pattern_sel {
	struct patterns		 ex;
	struct pattern_tag	*tags;
	size_t			 ntags;
	uint64_t		 max_size;	/* UINT64_MAX: no limit */
};

/*
 * pattern_add(ps, given, icase): add the pattern ${given} (kept by
 * reference) to ${ps}.  Returns 0, or -1 with errno (ENOMEM).
 */
int pattern_add(struct patterns *, const char *, int)
    __attribute__((warn_unused_result));

/*
 * pattern_load(ps, file, icase): add the patterns of ${file}, one a line;
 * blank lines and lines that start with '#' are ignored, as are a
 * trailing CR and trailing spaces.  Once per ${ps} (its patterns point
 * into the file's text, kept in ${ps}).  Returns 0, or -1 after a message.
 */
int pattern_load(struct patterns *, const char *, int)
    __attribute__((warn_unused_result));

/*
 * pattern_match(ps, path): 1 if a pattern of ${ps} matches ${path} (with
 * or without a leading '/'), else 0.  Each pattern that matches is marked
 * hit.
 */
int pattern_match(struct patterns *, const char *);

/*
 * pattern_may_hold(ps, dir): 1 if a pattern of ${ps} could match a path
 * below the directory ${dir}, else 0.  May answer 1 for nothing.
 */
int pattern_may_hold(const struct patterns *, const char *);

/* pattern_free(ps): free the patterns of ${ps}; ${ps} is empty after. */
void pattern_free(struct patterns *);

/*
 * pattern_sel_init(sel, o): backup's selection from ${o}: --exclude,
 * --iexclude, --exclude-file (read now), --exclude-caches,
 * --exclude-if-present and --exclude-larger-than.  Returns 0, or -1
 * after a message (then ${sel} holds nothing to free).
 */
int pattern_sel_init(struct pattern_sel *, const struct opts *)
    __attribute__((warn_unused_result));

/*
 * pattern_sel_copy(dst, src): a copy of the compiled selection ${src}
 * into ${dst} that shares nothing with it (another thread may match with
 * each at once), its hit flags cleared, no file read again.  Each copied
 * pattern's "given" is its compiled glob (messages only).  Returns 0, or
 * -1 (out of memory; ${dst} holds nothing to free).  pattern_sel_free
 * frees it.
 */
int pattern_sel_copy(struct pattern_sel *, const struct pattern_sel *)
    __attribute__((warn_unused_result));

/* pattern_sel_free(sel): undo pattern_sel_init or pattern_sel_copy. */
void pattern_sel_free(struct pattern_sel *);

/*
 * pattern_excluded(sel, path, st): 1 if the entry ${path} (if not NULL),
 * lstat'ed in ${st} (if not NULL), is left out of the backup: a pattern
 * matches ${path}, or ${st} is a regular file larger than
 * --exclude-larger-than.  Else 0.
 */
int pattern_excluded(struct pattern_sel *, const char *, const struct stat *);

/*
 * pattern_dir_filter(sel, dirfd, names, n, nexcl): the directory ${dirfd}
 * whose ${n} sorted names are ${names}: if it holds a tag of ${sel} (a
 * CACHEDIR.TAG with its signature for --exclude-caches, a name of
 * --exclude-if-present, with its header if one was given), every name but
 * the tags' is freed and dropped from ${names}, and added to *${nexcl}.
 * Returns the number of names left.
 */
size_t pattern_dir_filter(const struct pattern_sel *, int, char **, size_t,
    uint64_t *);

/*
 * pattern_size(s, out): parse --exclude-larger-than's SIZE: digits and an
 * optional k, m, g or t (either case; powers of 1024).  0, or -1.
 */
int pattern_size(const char *, uint64_t *);

#endif
