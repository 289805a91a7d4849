/*
 * pattern.c: which paths a backup or a restore selects (see pattern.h).
 * One module for both, so that a pattern means the same to each.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fsio.h"
#include "lock.h"
#include "log.h"
#include "pattern.h"

#define PATTERN_FILE_MAX	(1u << 20)	/* an --exclude-file */
#define TAG_HEADER_MAX		4096		/* NAME:HEADER's header */

/* The Cache Directory Tagging Specification's tag and its signature. */
#define CACHEDIR_NAME	"CACHEDIR.TAG"
#define CACHEDIR_SIG	"Signature: 8a477f597d28d172789f06886806bc55"

static int
is_glob_special(char c)
{
	return c == '\\' || c == '*' || c == '?' || c == '[';
}

/*
 * ${given} as a glob: each "\xNN" that log_unescape decodes (ls's escape)
 * becomes its byte, quoted if the glob would read it as special; any other
 * backslash is kept with the character it quotes.  Trailing slashes go.
 */
static int
compile(struct pattern *p, const char *given)
{
	size_t n = strlen(given), i, w = 0, l = 0;
	char *g, *lit, esc[5];
	int in_lit = 1;

	if ((g = malloc(2 * n + 2)) == NULL || (lit = malloc(n + 2)) == NULL) {
		free(g);
		return -1;
	}
	for (i = 0; i < n;) {
		if (given[i] == '\\' && given[i + 1] == 'x' &&
		    given[i + 2] != '\0' && given[i + 3] != '\0') {
			memcpy(esc, given + i, 4);
			esc[4] = '\0';
			if (strlen(log_unescape(esc)) == 1) {
				if (is_glob_special(esc[0]))
					g[w++] = '\\';
				g[w++] = esc[0];
				if (in_lit)
					lit[l++] = esc[0];
				i += 4;
				continue;
			}
		}
		if (given[i] == '\\' && given[i + 1] != '\0') {
			g[w++] = given[i++];
			if (in_lit)
				lit[l++] = given[i];
			g[w++] = given[i++];
			continue;
		}
		if (is_glob_special(given[i]))
			in_lit = 0;
		else if (in_lit)
			lit[l++] = given[i];
		g[w++] = given[i++];
	}
	while (w > 1 && g[w - 1] == '/' && (w < 2 || g[w - 2] != '\\'))
		w--;
	g[w] = '\0';
	while (l > 1 && lit[l - 1] == '/')
		l--;
	lit[l] = '\0';
	p->literal = in_lit;
	p->glob = g;
	p->lit = lit;
	p->litlen = l;
	p->anchored = g[0] == '/';
	return 0;
}

/* pattern_add(ps, given, icase): see pattern.h. */
int
pattern_add(struct patterns *ps, const char *given, int icase)
{
	struct pattern *v;

	if ((v = reallocarray(ps->v, ps->n + 1, sizeof(*v))) == NULL)
		return -1;
	ps->v = v;
	memset(&v[ps->n], 0, sizeof(v[ps->n]));
	if (compile(&v[ps->n], given) != 0)
		return -1;
	v[ps->n].given = given;
	v[ps->n].icase = icase;
	ps->n++;
	return 0;
}

/* pattern_load(ps, file, icase): see pattern.h. */
int
pattern_load(struct patterns *ps, const char *file, int icase)
{
	uint8_t *p = NULL;
	size_t len = 0, i, start, e;
	struct stat st;

	/* Opening the repository's lock would drop its locks (lock.h). */
	if (stat(file, &st) == 0 && lock_held_is(st.st_dev, st.st_ino)) {
		errorx("%s: the repository's lock file is not a pattern file",
		    file);
		return -1;
	}
	if (fsio_read(AT_FDCWD, file, PATTERN_FILE_MAX, &p, &len) != 0) {
		errorx("cannot read %s: %s", file, errno == EFBIG ?
		    "larger than 1 MiB" : strerror(errno));
		return -1;
	}
	/* Lines become strings in place: the text lives as long as ps. */
	if (ps->text != NULL) {
		free(p);
		errorx("%s: one pattern file only", file);
		return -1;
	}
	if ((ps->text = realloc(p, len + 1)) == NULL) {
		free(p);
		goto nomem;
	}
	ps->text[len] = '\0';
	for (i = start = 0; i <= len; i++) {
		if (i < len && ps->text[i] != '\n')
			continue;
		ps->text[i] = '\0';
		e = i;
		while (e > start && (ps->text[e - 1] == '\r' ||
		    ps->text[e - 1] == ' '))
			ps->text[--e] = '\0';
		if (e > start && ps->text[start] != '#' &&
		    pattern_add(ps, ps->text + start, icase) != 0)
			goto nomem;
		start = i + 1;
	}
	return 0;
nomem:
	errorx("out of memory");
	return -1;
}

static int
match_one(const struct pattern *p, const char *path)
{
	int fl = p->icase ? FNM_CASEFOLD : 0;
	const char *s;

	if (*path == '/')
		path++;
	if (p->anchored)	/* "/" alone: the top, so everything */
		return p->glob[1] == '\0' ||
		    fnmatch(p->glob + 1, path, fl) == 0;
	for (s = path;; s++) {
		if (fnmatch(p->glob, s, fl) == 0)
			return 1;
		if ((s = strchr(s, '/')) == NULL)
			return 0;
	}
}

/* pattern_match(ps, path): see pattern.h. */
int
pattern_match(struct patterns *ps, const char *path)
{
	size_t i;
	int any = 0;

	for (i = 0; i < ps->n; i++)
		if (match_one(&ps->v[i], path))
			any = ps->v[i].hit = 1;
	return any;
}

/* pattern_may_hold(ps, dir): see pattern.h. */
int
pattern_may_hold(const struct patterns *ps, const char *dir)
{
	const struct pattern *p;
	size_t i, dl, m;

	if (*dir == '/')
		dir++;
	dl = strlen(dir);
	for (i = 0; i < ps->n; i++) {
		p = &ps->v[i];
		if (!p->anchored)
			return 1;	/* matches at any depth */
		/* dir + "/" and the literal start agree as far as both go */
		m = p->litlen - 1 < dl ? p->litlen - 1 : dl;
		if ((p->icase ? strncasecmp(p->lit + 1, dir, m) :
		    memcmp(p->lit + 1, dir, m)) != 0)
			continue;
		/* a glob can go on below; a literal path only from above */
		if (p->litlen - 1 <= dl ? !p->literal : dl == 0 ||
		    p->lit[1 + dl] == '/')
			return 1;
	}
	return 0;
}

/* pattern_free(ps): see pattern.h. */
void
pattern_free(struct patterns *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].glob);
		free(ps->v[i].lit);
	}
	free(ps->v);
	free(ps->text);
	memset(ps, 0, sizeof(*ps));
}

/* pattern_size(s, out): see pattern.h. */
int
pattern_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mul = 1ull << 10;
		break;
	case 'm': case 'M':
		mul = 1ull << 20;
		break;
	case 'g': case 'G':
		mul = 1ull << 30;
		break;
	case 't': case 'T':
		mul = 1ull << 40;
		break;
	default:
		return -1;
	}
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int
tag_add(struct pattern_sel *sel, const char *name, size_t nlen,
    const char *header)
{
	struct pattern_tag *v, *t;

	if ((v = reallocarray(sel->tags, sel->ntags + 1, sizeof(*v))) == NULL)
		return -1;
	sel->tags = v;
	t = &v[sel->ntags];
	memset(t, 0, sizeof(*t));
	if ((t->name = strndup(name, nlen)) == NULL)
		return -1;
	if (header != NULL && (t->header = strdup(header)) == NULL) {
		free(t->name);
		return -1;
	}
	t->hlen = header != NULL ? strlen(header) : 0;
	sel->ntags++;
	return 0;
}

/* pattern_sel_init(sel, o): see pattern.h. */
int
pattern_sel_init(struct pattern_sel *sel, const struct opts *o)
{
	const char *s, *colon;
	size_t i;

	memset(sel, 0, sizeof(*sel));
	sel->max_size = o->max_size_set ? o->max_size : UINT64_MAX;
	for (i = 0; i < o->excludes.n; i++)
		if (pattern_add(&sel->ex, o->excludes.v[i], 0) != 0)
			goto nomem;
	for (i = 0; i < o->iexcludes.n; i++)
		if (pattern_add(&sel->ex, o->iexcludes.v[i], 1) != 0)
			goto nomem;
	if (o->exclude_file != NULL &&
	    pattern_load(&sel->ex, o->exclude_file, 0) != 0) {
		pattern_sel_free(sel);
		return -1;
	}
	if (o->exclude_caches &&
	    tag_add(sel, CACHEDIR_NAME, strlen(CACHEDIR_NAME),
	    CACHEDIR_SIG) != 0)
		goto nomem;
	for (i = 0; i < o->if_present.n; i++) {
		s = o->if_present.v[i];
		colon = strchr(s, ':');
		if (tag_add(sel, s, colon != NULL ? (size_t)(colon - s) :
		    strlen(s), colon != NULL ? colon + 1 : NULL) != 0)
			goto nomem;
	}
	return 0;
nomem:
	errorx("out of memory");
	pattern_sel_free(sel);
	return -1;
}

/* pattern_sel_copy(dst, src): see pattern.h. */
int
pattern_sel_copy(struct pattern_sel *dst, const struct pattern_sel *src)
{
	const struct pattern *sp;
	struct pattern_tag *t;
	struct pattern *p;
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->max_size = src->max_size;
	if (src->ex.n > 0 && (dst->ex.v = calloc(src->ex.n,
	    sizeof(*dst->ex.v))) == NULL)
		return -1;
	for (i = 0; i < src->ex.n; i++) {
		sp = &src->ex.v[i];
		p = &dst->ex.v[dst->ex.n++];
		*p = *sp;
		p->hit = 0;
		p->lit = NULL;
		if ((p->glob = strdup(sp->glob)) == NULL ||
		    (p->lit = strdup(sp->lit)) == NULL)
			goto fail;
		p->given = p->glob;	/* src's text is not ours to keep */
	}
	if (src->ntags > 0 && (dst->tags = calloc(src->ntags,
	    sizeof(*dst->tags))) == NULL)
		goto fail;
	for (i = 0; i < src->ntags; i++) {
		t = &dst->tags[dst->ntags++];
		t->hlen = src->tags[i].hlen;
		if ((t->name = strdup(src->tags[i].name)) == NULL ||
		    (src->tags[i].header != NULL &&
		    (t->header = strdup(src->tags[i].header)) == NULL))
			goto fail;
	}
	return 0;
fail:
	pattern_sel_free(dst);
	return -1;
}

/* pattern_sel_free(sel): see pattern.h. */
void
pattern_sel_free(struct pattern_sel *sel)
{
	size_t i;

	pattern_free(&sel->ex);
	for (i = 0; i < sel->ntags; i++) {
		free(sel->tags[i].name);
		free(sel->tags[i].header);
	}
	free(sel->tags);
	memset(sel, 0, sizeof(*sel));
}

/* pattern_excluded(sel, path, st): see pattern.h. */
int
pattern_excluded(struct pattern_sel *sel, const char *path,
    const struct stat *st)
{
	if (st != NULL && S_ISREG(st->st_mode) &&
	    (uint64_t)st->st_size > sel->max_size)
		return 1;
	return path != NULL && pattern_match(&sel->ex, path);
}

/*
 * Does ${name} in ${dirfd} start with ${t}'s header?  Only a regular file
 * counts, and only a regular file is opened: a device node named
 * CACHEDIR.TAG must never be opened (opening one can arm a watchdog or
 * rewind a tape), so the name is looked at first and the descriptor is
 * checked to be that same file.  Read as the walk reads a file: without
 * following, without moving its access time, never blocking on a FIFO
 * swapped in between, never taking a controlling terminal.
 */
static int
tag_header_ok(const struct pattern_tag *t, int dirfd)
{
	char buf[TAG_HEADER_MAX];
	struct stat pre, st;
	size_t got = 0;
	ssize_t k;
	int fl = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	int fd, ok = 0;

	if (t->header == NULL)
		return 1;
	if (t->hlen > sizeof(buf))
		return 0;
	if (fstatat(dirfd, t->name, &pre, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(pre.st_mode) || lock_held_is(pre.st_dev, pre.st_ino))
		return 0;
	if ((fd = openat(dirfd, t->name, fl | O_NOATIME)) < 0 &&
	    errno == EPERM)
		fd = openat(dirfd, t->name, fl);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == pre.st_dev && st.st_ino == pre.st_ino) {
		while (got < t->hlen && (k = read(fd, buf + got,
		    t->hlen - got)) > 0)
			got += (size_t)k;
		ok = got == t->hlen && memcmp(buf, t->header, t->hlen) == 0;
	}
	(void)close(fd);
	return ok;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, *(char *const *)b);
}

/* pattern_dir_filter(sel, dirfd, names, n, nexcl): see pattern.h. */
size_t
pattern_dir_filter(const struct pattern_sel *sel, int dirfd, char **names,
    size_t n, uint64_t *nexcl)
{
	size_t i, j, k;
	int tagged = 0;

	if (n == 0)
		return 0;	/* names may be NULL: nothing to search */
	for (i = 0; i < sel->ntags && !tagged; i++)
		if (bsearch(sel->tags[i].name, names, n, sizeof(*names),
		    name_cmp) != NULL && tag_header_ok(&sel->tags[i], dirfd))
			tagged = 1;
	if (!tagged)
		return n;
	/* Keep the tags themselves (restic does too), drop the rest. */
	for (i = j = 0; i < n; i++) {
		for (k = 0; k < sel->ntags; k++)
			if (strcmp(names[i], sel->tags[k].name) == 0)
				break;
		if (k < sel->ntags)
			names[j++] = names[i];
		else {
			free(names[i]);
			(*nexcl)++;
		}
	}
	return j;
}
