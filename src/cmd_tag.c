/*
 * cmd_tag.c: tacit tag -r REPO SNAP... --add T | --remove T | --set T.
 *
 * A snapshot is a sealed object whose id is its name and the AEAD's
 * associated data, and nothing is ever rewritten in place (doc/format.md,
 * section 10).  So a snapshot whose tags change is replaced: a new snapshot
 * with a new random id and every field but the tags the same is written
 * durably, and only then is the old file removed.  Cut between the two
 * steps, both exist and differ only in their tags.  Such twins count as
 * one snapshot: running the same command again, naming either, keeps the
 * one with the wanted tags and removes the other (doc/format.md, section
 * 17.1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "lock.h"
#include "log.h"
#include "repo.h"
#include "show.h"
#include "snapshot.h"

/* The tags a --add, --remove or --set names: "T1,T2" is two of them. */
struct tagv {
	const char	**v;
	size_t		  n;
	char		**own;		/* the copies split_tags made */
	size_t		  nown;
};

/* tagv_free(t): release ${t}'s list and the strings it owns. */
static void
tagv_free(struct tagv *t)
{
	size_t i;

	for (i = 0; i < t->nown; i++)
		free(t->own[i]);
	free(t->own);
	free(t->v);
}

static void
tagv_add(struct tagv *t, const char *s)
{
	const char **p;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], s) == 0)
			return;		/* a tag is there once */
	if ((p = reallocarray(t->v, t->n + 1, sizeof(*p))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	p[t->n++] = s;
	t->v = p;
}

static int
tagv_has(const struct tagv *t, const char *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * The tags of the option values ${sv} (split at commas, as restic and
 * --tag filters do; empty parts name nothing) into ${out}, each checked
 * against the limits of a snapshot's tags (format.md, section 17).  The
 * strings are copies ${out} owns.
 */
static void
split_tags(const struct strv *sv, const char *opt, struct tagv *out)
{
	char *copy, *p, *comma, **o;
	size_t i;

	for (i = 0; i < sv->n; i++) {
		if ((copy = strdup(sv->v[i])) == NULL ||
		    (o = reallocarray(out->own, out->nown + 1,
		    sizeof(*o))) == NULL)
			fatal(EXIT_ERR, "out of memory");
		out->own = o;
		out->own[out->nown++] = copy;
		for (p = copy; p != NULL; p = comma) {
			if ((comma = strchr(p, ',')) != NULL)
				*comma++ = '\0';
			if (*p == '\0')
				continue;
			if (strlen(p) > SNAP_STR_MAX)
				fatal(EXIT_USAGE, "--%s: a tag is at most %u "
				    "bytes", opt, SNAP_STR_MAX);
			tagv_add(out, p);
		}
	}
	if (out->n > SNAP_TAGS_MAX)
		fatal(EXIT_USAGE, "--%s: a snapshot has at most %u tags", opt,
		    SNAP_TAGS_MAX);
}

/* The tags ${s} should have: --set's, or its own with --add and --remove. */
static void
wanted_tags(const struct snapshot *s, const struct tagv *add,
    const struct tagv *rm, const struct tagv *set, int setting,
    struct tagv *out)
{
	size_t i;

	out->n = 0;
	if (setting) {
		for (i = 0; i < set->n; i++)
			tagv_add(out, set->v[i]);
		return;
	}
	/* As restic: add, then remove. */
	for (i = 0; i < s->ntags; i++)
		tagv_add(out, s->tags[i]);
	for (i = 0; i < add->n; i++)
		tagv_add(out, add->v[i]);
	for (i = 0; i < out->n; ) {
		if (tagv_has(rm, out->v[i])) {
			memmove(&out->v[i], &out->v[i + 1],
			    (out->n - i - 1) * sizeof(*out->v));
			out->n--;
		} else
			i++;
	}
}

/* Does ${s} have exactly the tags of ${t}, in any order? */
static int
same_tags(const struct snapshot *s, const struct tagv *t)
{
	struct tagv own = { NULL, 0, NULL, 0 };
	size_t i;
	int same;

	for (i = 0; i < s->ntags; i++)
		tagv_add(&own, s->tags[i]);
	same = own.n == t->n;
	for (i = 0; same && i < t->n; i++)
		same = tagv_has(&own, t->v[i]);
	free(own.v);
	return same;
}

/* Are ${a} and ${b} the same snapshot but for their ids and tags? */
static int
twins(const struct snapshot *a, const struct snapshot *b)
{
	size_t i;

	if (a->time_sec != b->time_sec || a->time_nsec != b->time_nsec ||
	    a->flags != b->flags || memcmp(a->root, b->root, 32) != 0 ||
	    a->has_parent != b->has_parent ||
	    memcmp(a->parent, b->parent, SNAP_ID_BYTES) != 0 ||
	    a->npaths != b->npaths || a->files != b->files ||
	    a->dirs != b->dirs || a->bytes != b->bytes ||
	    a->added != b->added || a->packs != b->packs ||
	    a->has_log != b->has_log || memcmp(a->log, b->log, 32) != 0 ||
	    a->has_orig != b->has_orig ||
	    memcmp(a->orig, b->orig, SNAP_ID_BYTES) != 0 ||
	    strcmp(a->version, b->version) != 0)
		return 0;
	for (i = 0; i < a->npaths; i++)
		if (strcmp(a->paths[i], b->paths[i]) != 0)
			return 0;
	return 1;
}

/*
 * A twin of v[k] among ${v}, not ${gone}, with exactly the tags ${t}: its
 * index, or ${n}.
 */
static size_t
find_twin(const struct snapshot *v, size_t n, size_t k, const struct tagv *t,
    const unsigned char *gone)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (i != k && !gone[i] && twins(&v[i], &v[k]) &&
		    same_tags(&v[i], t))
			return i;
	return n;
}

/* One line of output: old id, new id (the same when unchanged), tags. */
static void
report(const struct opts *o, const uint8_t *old, const uint8_t *new,
    const struct tagv *t, int *shown)
{
	char a[2 * SNAP_ID_BYTES + 1], b[2 * SNAP_ID_BYTES + 1];
	size_t i;

	snapshot_hex(old, a);
	snapshot_hex(new, b);
	if (!o->json) {
		if (memcmp(old, new, SNAP_ID_BYTES) != 0)
			printf("%s -> %s\n", a, b);
		else if (log_verbosity > 1)
			printf("%s unchanged\n", a);
		return;
	}
	printf("%s{\"old\":\"%s\",\"new\":\"%s\",\"changed\":%s,\"tags\":[",
	    (*shown)++ ? "," : "", a, b,
	    memcmp(old, new, SNAP_ID_BYTES) != 0 ? "true" : "false");
	for (i = 0; i < t->n; i++) {
		if (i)
			putchar(',');
		json_str((const uint8_t *)t->v[i], strlen(t->v[i]));
	}
	printf("]}");
}

/* The one message of a failed write of the new snapshot: the old stays. */
static void
write_error(const char *old)
{
	struct fsio_failure f;

	if (fsio_failed(&f) && f.placed)
		errorx("snapshot %.8s: its copy with the new tags is in place "
		    "but may not be durable (%s: %s); the snapshot is kept "
		    "too, and the two differ only in tags; run the same "
		    "command again once the disk works", old, f.call,
		    strerror(f.err));
	else if (fsio_failed(&f) && (f.err == ENOSPC || f.err == EDQUOT))
		errorx("snapshot %.8s: the repository's disk is full; the "
		    "snapshot is kept as it was, with its old tags; free some "
		    "space, then run the same command again", old);
	else if (fsio_failed(&f))
		errorx("snapshot %.8s: cannot write its new copy (%s: %s); "
		    "the snapshot is kept as it was, with its old tags", old,
		    f.call, strerror(f.err));
	else
		errorx("snapshot %.8s: cannot write its new copy (%s); the "
		    "snapshot is kept as it was, with its old tags", old,
		    strerror(errno));
}

/*
 * Write a copy of v[k] with the tags ${t} and a new id (*${newid}),
 * durably.  Returns EXIT_OK or EXIT_ERR after a message.
 */
static int
write_copy(struct repo *r, const struct snapshot *v, size_t n, size_t k,
    const struct tagv *t, uint8_t newid[SNAP_ID_BYTES])
{
	char old[2 * SNAP_ID_BYTES + 1];
	struct snapshot s;
	size_t i;

	s = v[k];
	s.tags = (char **)(uintptr_t)t->v;
	s.ntags = t->n;
	do {
		randombytes_buf(s.id, SNAP_ID_BYTES);
		for (i = 0; i < n; i++)
			if (memcmp(v[i].id, s.id, SNAP_ID_BYTES) == 0)
				break;
	} while (i < n);
	if (snapshot_write(r->kh, r->dirfd, &s) != 0) {
		snapshot_hex(v[k].id, old);
		write_error(old);
		return EXIT_ERR;
	}
	memcpy(newid, s.id, SNAP_ID_BYTES);
	return EXIT_OK;
}

/*
 * Remove snapshot ${id}, now that ${newid} (durable: file and directory
 * synced) stands for it.  Returns EXIT_OK or EXIT_ERR after a message.
 */
static int
drop(int sdir, const uint8_t *id, const uint8_t *newid)
{
	struct fsio_failure f;
	char old[2 * SNAP_ID_BYTES + 1], nw[2 * SNAP_ID_BYTES + 1];

	snapshot_hex(id, old);
	snapshot_hex(newid, nw);
	if (fsio_unlink(sdir, old) == 0)
		return EXIT_OK;
	if (fsio_failed(&f) && strcmp(f.call, "fsync") == 0)
		errorx("snapshot %.8s is now %.8s, but the removal of the old "
		    "one may not be durable (fsync: %s); if it is back after "
		    "a power cut, run the same command again", old, nw,
		    strerror(f.err));
	else
		errorx("snapshot %.8s: its copy %.8s with the new tags is "
		    "written, but the old one cannot be removed (%s); both "
		    "are whole, differ only in tags; run the same command "
		    "again, or forget %.8s", old, nw, strerror(errno), old);
	return EXIT_ERR;
}

/*
 * Give v[k] the tags ${t}.  A snapshot and its twins (the same but for id
 * and tags: only an interrupted tag makes them) are one snapshot: one of
 * them is kept with the tags ${t} (v[k] itself if it has them, else a
 * twin that has them, else a new copy, written first), then the others
 * are removed, each reported as replaced by the one kept.
 */
static int
retag(const struct opts *o, struct repo *r, int sdir, struct snapshot *v,
    size_t n, size_t k, const struct tagv *t, unsigned char *gone,
    int *shown)
{
	uint8_t keepid[SNAP_ID_BYTES];
	size_t keep = k, j;
	int e;

	if (!same_tags(&v[k], t)) {
		keep = find_twin(v, n, k, t, gone);
		if (keep < n) {
			/* An interrupted run wrote it: only removals left. */
			memcpy(keepid, v[keep].id, SNAP_ID_BYTES);
			infox("a copy with these tags is there already (an "
			    "earlier run was interrupted)");
		} else if ((e = write_copy(r, v, n, k, t, keepid)) != EXIT_OK)
			return e;
	} else
		memcpy(keepid, v[k].id, SNAP_ID_BYTES);
	if (keep == k)		/* tags that would not change: left alone */
		report(o, v[k].id, v[k].id, t, shown);
	for (j = 0; j < n; j++) {
		if (j == keep || gone[j] || (j != k && !twins(&v[j], &v[k])))
			continue;
		if ((e = drop(sdir, v[j].id, keepid)) != EXIT_OK)
			return e;
		gone[j] = 1;
		report(o, v[j].id, keepid, t, shown);
	}
	return EXIT_OK;
}

/*
 * The snapshots the operands name, each once, in their order; without
 * operands, every snapshot that --tag and --path select, oldest first.
 */
static size_t *
pick(const struct opts *o, struct snapshot *v, size_t n, size_t *np)
{
	struct snapshot *s;
	size_t *k, i, j, m = 0;
	int bad = 0;

	if ((k = calloc(o->argc > 0 ? (size_t)o->argc : n + 1,
	    sizeof(*k))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	if (o->argc == 0) {
		for (i = 0; i < n; i++)
			if (snap_selected(o, &v[i]))
				k[m++] = i;
		if (m == 0)
			warnx("no snapshot has the tags and paths given: "
			    "nothing changed");
		*np = m;
		return k;
	}
	for (i = 0; i < (size_t)o->argc; i++) {
		if ((s = snapshot_find(v, n, o->argv[i])) == NULL) {
			bad = 1;
			continue;
		}
		for (j = 0; j < m && k[j] != (size_t)(s - v); j++)
			;
		if (j == m)
			k[m++] = (size_t)(s - v);
	}
	if (bad) {
		free(k);
		return NULL;
	}
	*np = m;
	return k;
}

int
cmd_tag(struct opts *o)
{
	struct tagv add = { NULL, 0, NULL, 0 }, rm = { NULL, 0, NULL, 0 };
	struct tagv set = { NULL, 0, NULL, 0 }, want = { NULL, 0, NULL, 0 };
	struct snapshot *v = NULL;
	struct repo *r;
	unsigned char *gone = NULL;
	size_t n = 0, bad = 0, *k = NULL, nk = 0, i;
	int e, sdir = -1, shown = 0, opened, setting = o->tag_set.n > 0;

	if (!setting && o->tag_add.n + o->tag_remove.n == 0)
		fatal(EXIT_USAGE, "usage: tacit tag -r DIR [SNAP...] --add T | "
		    "--remove T | --set T");
	if ((o->argc > 0) == (o->tags.n + o->paths.n > 0))
		fatal(EXIT_USAGE, o->argc > 0 ? "name snapshots or choose them "
		    "with --tag and --path, not both" : "name the snapshots, or "
		    "choose them with --tag or --path (--tag '' chooses those "
		    "without tags)");
	if (setting && o->tag_add.n + o->tag_remove.n > 0)
		fatal(EXIT_USAGE, "--set replaces every tag: give it without "
		    "--add and --remove");
	split_tags(&o->tag_add, "add", &add);
	split_tags(&o->tag_remove, "remove", &rm);
	split_tags(&o->tag_set, "set", &set);
	if ((e = cmd_open(o, REPO_LOCK_EXCL, &r)) != EXIT_OK)
		return e;
	if (snapshot_load_all(r->kh, r->dirfd, &v, &n, &bad) != 0) {
		errorx("cannot list the snapshots: %s", strerror(errno));
		e = EXIT_ERR;
	} else if ((k = pick(o, v, n, &nk)) == NULL)
		e = EXIT_ERR;		/* nothing changed */
	else if ((gone = calloc(n, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	else if ((sdir = fsio_open(r->dirfd, SNAP_DIR, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		errorx("cannot open %s: %s", SNAP_DIR, strerror(errno));
		e = EXIT_ERR;
	}
	opened = o->json && e == EXIT_OK;
	if (opened)
		putchar('[');
	for (i = 0; i < nk && e == EXIT_OK; i++) {
		if (gone[k[i]])		/* removed as a twin, reported */
			continue;
		wanted_tags(&v[k[i]], &add, &rm, &set, setting, &want);
		if (want.n > SNAP_TAGS_MAX) {
			char hex[2 * SNAP_ID_BYTES + 1];

			snapshot_hex(v[k[i]].id, hex);
			errorx("snapshot %.8s would have more than %u tags",
			    hex, SNAP_TAGS_MAX);
			e = EXIT_ERR;
			break;
		}
		if ((e = retag(o, r, sdir, v, n, k[i], &want, gone,
		    &shown)) != EXIT_OK)
			break;
	}
	if (opened)		/* what was done, also after an error */
		printf("]\n");
	(void)fflush(stdout);
	/* Damaged snapshots were named and left alone: the exit says so. */
	if (e == EXIT_OK && bad > 0)
		e = EXIT_DAMAGED;
	if (sdir >= 0)
		(void)close(sdir);
	free(k);
	free(gone);
	tagv_free(&want);
	tagv_free(&add);
	tagv_free(&rm);
	tagv_free(&set);
	snapshot_list_free(v, n);
	cmd_close(r);
	return e;
}
