/*
 * cmd_forget.c: tacit forget.  Removes snapshot files only: the snapshots
 * named, or those no --keep-* rule keeps (policy.h), group by group.  The
 * data they alone referenced stays until a prune.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "fsio.h"
#include "log.h"
#include "policy.h"
#include "prune.h"
#include "repo.h"
#include "show.h"
#include "snapshot.h"

/* One loaded snapshot and what forget makes of it. */
struct fsnap {
	struct snapshot	*s;
	const char	**stags;	/* its tags, sorted: the group key */
	int		 sel;		/* the policy looks at it */
	int		 remove;
	unsigned	 kept, oldest;
};

/* The rules of ${o} as a policy; exits 2 on a bad --keep-within. */
static void
forget_policy(const struct opts *o, struct policy *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->keep, o->keep, sizeof(p->keep));
	if (o->keep_within != NULL && policy_within_parse(o->keep_within, p)
	    != 0)
		fatal(EXIT_USAGE, "--keep-within %s: give numbers each followed "
		    "by y, m, d or h, e.g. 1y6m or 36h; try 'tacit forget "
		    "--help'", log_shown(o->keep_within));
	p->keep_tags = o->keep_tags.v;
	p->nkeep_tags = o->keep_tags.n;
}

/* Refuse what forget cannot do before anything is opened (exit 2). */
static void
forget_usage(const struct opts *o, const struct policy *p)
{
	if (o->argc > 0 && !policy_empty(p))
		fatal(EXIT_USAGE, "give snapshots to forget or --keep-* rules, "
		    "not both; try 'tacit forget --help'");
	if (o->argc > 0 && (o->tags.n > 0 || o->paths.n > 0 ||
	    o->group_by != GROUP_DEFAULT))
		fatal(EXIT_USAGE, "--tag, --path and --group-by choose what a "
		    "policy looks at, not named snapshots; try 'tacit forget "
		    "--help'");
	if (o->max_unused_set && !o->prune)
		fatal(EXIT_USAGE, "--max-unused applies to prune: give "
		    "--prune too, or run 'tacit prune'");
	if (o->argc == 0 && policy_empty(p))
		fatal(EXIT_USAGE, "no snapshot named and no --keep-* rule: "
		    "forget removes nothing without being told what to keep; "
		    "try 'tacit forget --help'");
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compare two string lists, shorter first, then element by element. */
static int
list_cmp(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i;
	int c;

	if (na != nb)
		return na < nb ? -1 : 1;
	for (i = 0; i < na; i++)
		if ((c = strcmp(a[i], b[i])) != 0)
			return c;
	return 0;
}

/* Same group under --group-by ${by}?  <0, 0, >0. */
static int
group_cmp(const struct fsnap *x, const struct fsnap *y, int by)
{
	int c = 0;

	if (by & GROUP_PATHS)
		c = list_cmp((const char *const *)x->s->paths, x->s->npaths,
		    (const char *const *)y->s->paths, y->s->npaths);
	if (c == 0 && (by & GROUP_TAGS))
		c = list_cmp(x->stags, x->s->ntags, y->stags, y->s->ntags);
	return c;
}

/* qsort_r: by group, then in load order (time, ns, id): oldest first. */
static int
order_cmp(const void *a, const void *b, void *arg)
{
	const struct fsnap *x = *(const struct fsnap *const *)a;
	const struct fsnap *y = *(const struct fsnap *const *)b;
	int c = group_cmp(x, y, *(const int *)arg);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/* Mark the snapshots named in ${o}'s operands.  EXIT_OK or EXIT_ERR. */
static int
mark_named(const struct opts *o, struct snapshot *v, struct fsnap *f,
    size_t n)
{
	struct snapshot *s;
	int i;

	for (i = 0; i < o->argc; i++) {
		if ((s = snapshot_find(v, n, o->argv[i])) == NULL)
			return EXIT_ERR;	/* nothing is removed */
		f[s - v].remove = 1;
	}
	return EXIT_OK;
}

/*
 * Apply ${p} to each group of the selected snapshots in ${g} (sorted by
 * order_cmp, ${ng} of them).  EXIT_OK or EXIT_ERR (then nothing is
 * marked for removal).
 */
static int
mark_policy(const struct policy *p, struct fsnap **g, size_t ng, int by)
{
	struct policy_snap *ps;
	size_t a, b, i;
	int64_t now = (int64_t)time(NULL);

	if ((ps = calloc(ng ? ng : 1, sizeof(*ps))) == NULL) {
		errorx("out of memory");
		return EXIT_ERR;
	}
	for (a = 0; a < ng; a = b) {
		for (b = a + 1; b < ng && group_cmp(g[a], g[b], by) == 0; b++)
			;
		for (i = a; i < b; i++) {
			ps[i - a].sec = g[i]->s->time_sec;
			ps[i - a].nsec = g[i]->s->time_nsec;
			ps[i - a].tags = (const char *const *)g[i]->s->tags;
			ps[i - a].ntags = g[i]->s->ntags;
		}
		if (policy_apply(p, ps, b - a, now) != 0) {
			errorx("a snapshot's time is out of this system's "
			    "range: nothing removed");
			free(ps);
			for (i = 0; i < ng; i++)
				g[i]->remove = 0;
			return EXIT_ERR;
		}
		for (i = a; i < b; i++) {
			g[i]->kept = ps[i - a].kept;
			g[i]->oldest = ps[i - a].oldest;
			g[i]->remove = g[i]->kept == 0;
		}
	}
	free(ps);
	return EXIT_OK;
}

/* "last, oldest yearly, tag" for ${f}, in ${out}. */
static void
reasons(const struct fsnap *f, char *out, size_t size)
{
	unsigned bit;
	size_t len = 0;

	out[0] = '\0';
	for (bit = 1; bit <= POL_TAG; bit <<= 1)
		if ((f->kept & bit) && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s%s",
			    len ? ", " : "", f->oldest & bit ? "oldest " : "",
			    policy_rule_name(bit));
}

static void
json_list(char *const *v, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_str((const uint8_t *)v[i], strlen(v[i]));
	}
	putchar(']');
}

/* One snapshot: a line, or a JSON object (with its reasons if kept). */
static void
show_one(const struct opts *o, const struct fsnap *f, int first)
{
	char hex[2 * SNAP_ID_BYTES + 1], when[32], why[160], iso[40];
	const struct snapshot *s = f->s;
	unsigned bit;
	struct tm tm;
	time_t t = (time_t)s->time_sec;
	size_t j;
	int k = 0;

	snapshot_hex(s->id, hex);
	if (o->json) {
		(void)gmtime_r(&t, &tm);
		(void)strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("%s{\"id\":\"%s\",\"time\":\"%s.%09uZ\"", first ? "" :
		    ",", hex, iso, s->time_nsec);
		if (!f->remove) {
			printf(",\"reasons\":[");
			for (bit = 1; bit <= POL_TAG; bit <<= 1)
				if (f->kept & bit)
					printf("%s\"%s%s\"", k++ ? "," : "",
					    f->oldest & bit ? "oldest " : "",
					    policy_rule_name(bit));
			putchar(']');
		}
		putchar('}');
		return;
	}
	time_str(s->time_sec, when);
	printf("%-*s  %.8s  %s", o->dry_run ? 12 : 6, f->remove ?
	    (o->dry_run ? "would remove" : "remove") : "keep", hex, when);
	if (!f->remove) {
		reasons(f, why, sizeof(why));
		printf("  %s", why);
	} else {
		for (j = 0; j < s->npaths; j++) {
			printf(j ? " " : "  ");
			text_str((const uint8_t *)s->paths[j],
			    strlen(s->paths[j]));
		}
	}
	putchar('\n');
}

/* The group of ${f} under ${by}: a heading, or the JSON members. */
static void
show_group(const struct opts *o, const struct fsnap *f, int by)
{
	const struct snapshot *s = f->s;
	size_t j;

	if (o->json) {
		if (by & GROUP_PATHS) {
			printf("\"paths\":");
			json_list(s->paths, s->npaths);
			putchar(',');
		}
		if (by & GROUP_TAGS) {
			printf("\"tags\":");
			json_list((char *const *)(uintptr_t)f->stags,
			    s->ntags);
			putchar(',');
		}
		return;
	}
	if (by == 0) {
		printf("snapshots:\n");
		return;
	}
	if (by & GROUP_PATHS) {
		printf("paths");
		for (j = 0; j < s->npaths; j++) {
			putchar(' ');
			text_str((const uint8_t *)s->paths[j],
			    strlen(s->paths[j]));
		}
		if (s->npaths == 0)
			printf(" -");
	}
	if (by & GROUP_TAGS) {
		printf("%stags ", by & GROUP_PATHS ? "  " : "");
		for (j = 0; j < s->ntags; j++) {
			if (j)
				putchar(',');
			text_str((const uint8_t *)f->stags[j],
			    strlen(f->stags[j]));
		}
		if (s->ntags == 0)
			putchar('-');
	}
	printf(":\n");
}

/* Print the plan for the ${ng} snapshots of ${g}, group by group. */
static void
show_plan(const struct opts *o, struct fsnap **g, size_t ng, int by)
{
	size_t a, b, i;
	int pass, first, firstg = 1;

	if (o->json)
		printf("{\"dry_run\":%s,\"groups\":[", o->dry_run ? "true" :
		    "false");
	for (a = 0; a < ng; a = b) {
		for (b = a + 1; b < ng && group_cmp(g[a], g[b], by) == 0; b++)
			;
		if (o->json)
			printf("%s{", firstg ? "" : ",");
		else if (!firstg)
			putchar('\n');
		firstg = 0;
		show_group(o, g[a], by);
		/* Kept, then removed; newest first as restic lists them. */
		for (pass = 0; pass < 2; pass++) {
			if (o->json)
				printf("%s\"%s\":[", pass ? "," : "",
				    pass ? "remove" : "keep");
			first = 1;
			for (i = b; i-- > a;) {
				if (g[i]->remove != pass)
					continue;
				show_one(o, g[i], first);
				first = 0;
			}
			if (o->json)
				putchar(']');
		}
		if (o->json)
			putchar('}');
	}
	if (o->json)
		printf("],");
}

/*
 * Remove the snapshot files marked in ${f}: each unlinked, then the
 * directory synced (fsio_unlink), so a crash leaves each one either
 * there and whole or gone.  *${done} counts them.  EXIT_OK or EXIT_ERR.
 */
static int
remove_marked(struct repo *r, struct fsnap *f, size_t n, size_t *done)
{
	char hex[2 * SNAP_ID_BYTES + 1];
	size_t i;
	int dfd, e = EXIT_OK;

	*done = 0;
	if ((dfd = openat(r->dirfd, SNAP_DIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		errorx("cannot open %s/%s: %s", r->path, SNAP_DIR,
		    strerror(errno));
		return EXIT_ERR;
	}
	for (i = 0; i < n; i++) {
		if (!f[i].remove)
			continue;
		snapshot_hex(f[i].s->id, hex);
		if (fsio_unlink(dfd, hex) != 0) {
			errorx("cannot remove %s/%s/%s: %s", r->path, SNAP_DIR,
			    hex, strerror(errno));
			e = EXIT_ERR;
			break;
		}
		(*done)++;
	}
	(void)close(dfd);
	return e;
}

/* Sorted copies of each snapshot's tags (the --group-by tags key). */
static int
sort_tags(struct fsnap *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((f[i].stags = calloc(f[i].s->ntags + 1,
		    sizeof(*f[i].stags))) == NULL)
			return -1;
		memcpy(f[i].stags, f[i].s->tags, f[i].s->ntags *
		    sizeof(*f[i].stags));
		qsort(f[i].stags, f[i].s->ntags, sizeof(*f[i].stags), str_cmp);
	}
	return 0;
}

/*
 * forget --prune: prune ${r} now that the marked snapshots of ${f} (${n},
 * ${nrm} marked) are gone; with --dry-run they are still there, and
 * prune takes them as gone (as restic's forget --prune --dry-run).
 */
static int
forget_prune(struct opts *o, struct repo *r, const struct fsnap *f, size_t n,
    size_t nrm)
{
	uint8_t (*ids)[SNAP_ID_BYTES] = NULL;
	size_t i, k = 0;
	int e;

	if (o->dry_run && nrm > 0) {
		if ((ids = calloc(nrm, sizeof(*ids))) == NULL) {
			errorx("out of memory");
			return EXIT_ERR;
		}
		for (i = 0; i < n; i++)
			if (f[i].remove)
				memcpy(ids[k++], f[i].s->id, SNAP_ID_BYTES);
		o->prune_ignore = (const uint8_t (*)[16])ids;
		o->nprune_ignore = k;
	}
	if (log_verbosity > 0 && !o->json)
		printf("\n");
	e = prune_run(o, r);
	o->prune_ignore = NULL;
	o->nprune_ignore = 0;
	free(ids);
	return e;
}

int
cmd_forget(struct opts *o)
{
	struct snapshot *v = NULL;
	struct fsnap *f = NULL, **g = NULL;
	struct policy p;
	struct repo *r;
	size_t n = 0, bad = 0, i, ng = 0, nrm = 0, done = 0;
	int e, by = o->group_by == GROUP_DEFAULT ? GROUP_PATHS : o->group_by;

	forget_policy(o, &p);
	forget_usage(o, &p);
	if ((e = cmd_open(o, cmd_lock_mode(cmd_forget, o), &r)) != EXIT_OK)
		return e;
	e = EXIT_ERR;
	if (snapshot_load_all(r->kh, r->dirfd, &v, &n, &bad) != 0) {
		errorx("cannot read the snapshots: %s", strerror(errno));
		goto out;
	}
	if ((f = calloc(n + 1, sizeof(*f))) == NULL ||
	    (g = calloc(n + 1, sizeof(*g))) == NULL) {
		errorx("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		f[i].s = &v[i];
	if (sort_tags(f, n) != 0) {
		errorx("out of memory");
		goto out;
	}
	if (o->argc > 0) {
		if ((e = mark_named(o, v, f, n)) != EXIT_OK)
			goto out;
		by = 0;
		for (i = 0; i < n; i++)
			if (f[i].remove)
				g[ng++] = &f[i];
	} else {
		for (i = 0; i < n; i++)
			if (snap_selected(o, &v[i]))
				g[ng++] = &f[i];
		qsort_r(g, ng, sizeof(*g), order_cmp, &by);
		if ((e = mark_policy(&p, g, ng, by)) != EXIT_OK)
			goto out;
	}
	for (i = 0; i < n; i++)
		nrm += f[i].remove;
	show_plan(o, g, ng, by);
	e = EXIT_OK;
	if (!o->dry_run)
		e = remove_marked(r, f, n, &done);
	if (o->json)
		printf("\"kept\":%zu,\"removed\":%zu}\n", ng - nrm, done);
	else if (log_verbosity > 0 && o->argc > 0)
		printf("\n%zu snapshot%s %s\n", o->dry_run ? nrm : done,
		    PLURAL(o->dry_run ? nrm : done), o->dry_run ?
		    "would be removed" : "removed");
	else if (log_verbosity > 0)
		printf("%s%zu snapshot%s kept, %zu %s%s\n", ng ? "\n" : "",
		    ng - nrm, PLURAL(ng - nrm), o->dry_run ? nrm : done,
		    o->dry_run ? "would be removed" : "removed",
		    ng < n ? " (the others were not selected)" : "");
	if (e != EXIT_OK)
		errorx("%zu of the %zu snapshots to forget were removed; run "
		    "the same forget again to finish", done, nrm);
	if (bad > 0) {
		warnx("%zu damaged snapshot%s left alone (see above); 'tacit "
		    "check' says more", bad, PLURAL(bad));
		if (e == EXIT_OK)
			e = EXIT_DAMAGED;
	}
	if (o->prune && e == EXIT_OK)
		e = forget_prune(o, r, f, n, nrm);
out:
	for (i = 0; f != NULL && i < n; i++)
		free(f[i].stags);
	free(f);
	free(g);
	snapshot_list_free(v, n);
	cmd_close(r);
	return e;
}
