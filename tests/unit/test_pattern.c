/*
 * test_pattern.c: what a backup or restore pattern matches (pattern.c):
 * anchored and tail patterns, case, ls's \xNN escapes against a glob's
 * own backslash, which directories may hold a match, SIZE parsing; and a
 * backup's selection: a failed pattern_sel_init keeps nothing, and
 * pattern_sel_copy shares nothing with its source (hit flags its own).
 */
#include <stdint.h>
#include <string.h>

#include "cmd.h"
#include "pattern.h"
#include "t.h"

/* The selection of backup --exclude '*.o' --exclude /a/b --exclude-caches
 * --exclude-if-present MARK:hi --exclude-larger-than 10, and ${file}. */
static void
sel_opts(struct opts *o, const char *file)
{
	static const char *ex[] = { "*.o", "/a/b" }, *ip[] = { "MARK:hi" };

	memset(o, 0, sizeof(*o));
	o->excludes.v = ex;
	o->excludes.n = 2;
	o->if_present.v = ip;
	o->if_present.n = 1;
	o->exclude_caches = 1;
	o->max_size_set = 1;
	o->max_size = 10;
	o->exclude_file = file;
}

static void
sel_tests(void)
{
	struct pattern_sel a, b;
	struct opts o;
	int ok;

	/* --exclude-file unreadable: -1, and nothing left to leak. */
	sel_opts(&o, "/nonexistent/tacit-exclude-file");
	memset(&a, 0xa5, sizeof(a));
	T(pattern_sel_init(&a, &o) != 0 && a.ex.n == 0 && a.ex.v == NULL &&
	    a.ntags == 0 && a.tags == NULL,
	    "a failed pattern_sel_init frees what it had added");

	sel_opts(&o, NULL);
	if (pattern_sel_init(&a, &o) != 0) {
		T(0, "pattern_sel_init");
		return;
	}
	T(pattern_excluded(&a, "/x/y.o", NULL) == 1 && a.ex.v[0].hit == 1,
	    "the source has a hit");
	T(pattern_sel_copy(&b, &a) == 0, "pattern_sel_copy");
	T(b.ex.n == 2 && b.ntags == 2 && b.max_size == 10 &&
	    b.ex.v[0].hit == 0 && b.ex.v[1].hit == 0,
	    "the copy has every pattern and tag, its hit flags cleared");
	T(b.ex.v != a.ex.v && b.ex.v[0].glob != a.ex.v[0].glob &&
	    b.ex.v[0].lit != a.ex.v[0].lit && b.tags != a.tags &&
	    b.tags[1].name != a.tags[1].name &&
	    b.tags[1].header != a.tags[1].header && b.ex.text == NULL,
	    "the copy shares no memory with its source");
	T(strcmp(b.tags[1].name, "MARK") == 0 &&
	    strcmp(b.tags[1].header, "hi") == 0 && b.tags[1].hlen == 2 &&
	    b.tags[0].header != NULL, "tags copied with their headers");
	a.ex.v[1].hit = 0;
	pattern_sel_free(&a);	/* the copy lives on alone */
	ok = pattern_excluded(&b, "/a/b", NULL) == 1 &&
	    pattern_excluded(&b, "/a/c", NULL) == 0 &&
	    pattern_excluded(&b, "/q/r.o", NULL) == 1;
	T(ok && b.ex.v[0].hit == 1 && b.ex.v[1].hit == 1,
	    "the copy matches as the source did, after the source is freed");
	pattern_sel_free(&b);
}

/* Does the one pattern ${pat} (icase ${ic}) match ${path}? */
static int
m(const char *pat, int ic, const char *path)
{
	struct patterns ps = { 0 };
	int r;

	if (pattern_add(&ps, pat, ic) != 0)
		return -1;
	r = pattern_match(&ps, path);
	if (r != ps.v[0].hit)
		r = -1;
	pattern_free(&ps);
	return r;
}

static int
may(const char *pat, const char *dir)
{
	struct patterns ps = { 0 };
	int r;

	if (pattern_add(&ps, pat, 0) != 0)
		return -1;
	r = pattern_may_hold(&ps, dir);
	pattern_free(&ps);
	return r;
}

int
main(void)
{
	uint64_t v = 0;

	t_init();
	T(m("/home/a", 0, "/home/a") == 1, "anchored: matches its path");
	T(m("/home/a", 0, "home/a") == 1, "with or without the leading slash");
	T(m("/home", 0, "/x/home") == 0, "an anchored pattern is not a tail");
	T(m("*.o", 0, "/src/a/b.o") == 1, "a tail pattern matches a last name");
	T(m("a/b.o", 0, "/src/a/b.o") == 1, "and a tail of components");
	T(m("rc/a", 0, "/src/a") == 0, "a tail starts at a component");
	T(m("/src/*", 0, "/src/a/b") == 1, "'*' matches '/' (no FNM_PATHNAME)");
	T(m("/src/b/", 0, "/src/b") == 1, "trailing slashes are ignored");
	T(m("/", 0, "/src") == 1 && m("//", 0, "src/b") == 1,
	    "'/' alone matches everything");
	T(m("*.TXT", 0, "/a.txt") == 0, "case matters");
	T(m("*.TXT", 1, "/a.txt") == 1, "unless ignored");
	T(m("back\\x5cslash", 0, "/d/back\\slash") == 1,
	    "\\x5c from ls is a literal backslash");
	T(m("new\\x0aline", 0, "/d/new\nline") == 1, "\\x0a is a newline");
	T(m("a\\x2ab", 0, "/a*b") == 1 && m("a\\x2ab", 0, "/aXb") == 0,
	    "\\x2a is a literal star, not a wildcard");
	T(m("a\\*b", 0, "/a*b") == 1 && m("a\\*b", 0, "/aXb") == 0,
	    "a glob's backslash still quotes");
	T(m("a\\\\b", 0, "/a\\b") == 1, "\\\\ is a literal backslash");
	T(m("a\\x00b", 0, "/a\\x00b") == 0 && m("a\\x00b", 0, "/ax00b") == 1,
	    "\\x00 is no escape: the glob's backslash quotes the x");
	T(m("a\\x4", 0, "/ax4") == 1, "a short \\x is no escape");

	T(may("/a/b/c", "/a") == 1 && may("/a/b/c", "/a/b") == 1,
	    "the directories above a literal include may hold it");
	T(may("/a/b/c", "/ab") == 0 && may("/a/b/c", "/a/b/cd") == 0 &&
	    may("/a/b/c", "/x") == 0, "others may not");
	T(may("/a/b*", "/a/bx/y") == 1 && may("/ab*", "/a") == 0,
	    "a glob may go on below its literal start");
	T(may("*.txt", "/any/where") == 1, "a tail pattern may be anywhere");
	T(may("/a/b", "") == 1, "the top may hold anything anchored");

	T(pattern_size("0", &v) == 0 && v == 0, "size 0");
	T(pattern_size("10", &v) == 0 && v == 10, "size in bytes");
	T(pattern_size("1k", &v) == 0 && v == 1024 &&
	    pattern_size("1K", &v) == 0 && v == 1024, "k and K are 1024");
	T(pattern_size("3m", &v) == 0 && v == 3u << 20, "m");
	T(pattern_size("2G", &v) == 0 && v == 2ull << 30, "G");
	T(pattern_size("5t", &v) == 0 && v == 5ull << 40, "t");
	T(pattern_size("", &v) != 0 && pattern_size("k", &v) != 0 &&
	    pattern_size("1kb", &v) != 0 && pattern_size("1q", &v) != 0 &&
	    pattern_size("-1", &v) != 0 && pattern_size("1 k", &v) != 0,
	    "bad sizes are refused");
	T(pattern_size("18446744073709551615", &v) == 0 && v == UINT64_MAX &&
	    pattern_size("18446744073709551616", &v) != 0 &&
	    pattern_size("16777216t", &v) != 0, "overflow is refused");
	sel_tests();
	return t_exit();
}
