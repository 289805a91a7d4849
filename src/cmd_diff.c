/*
 * cmd_diff.c: tacit diff.  What changed from one snapshot to another (or
 * below one path of both): one line per entry in path order with
 * restic's markers (+ added, - removed, M content changed, T type
 * changed, U metadata changed, with --metadata), then the totals.
 *
 * The two trees are walked side by side, names merged in their stored
 * order; a directory whose tree id is the same in both is equal all the
 * way down (a tree id is the keyed hash of its listing, which holds the
 * ids of its files' chunks and subtrees), so it is skipped unopened.
 * The subtrees a directory's entries open (those whose ids differ, and
 * every one on a side alone) are read a window at a time, as stats reads
 * them (treewin_ids: one keyholder request for up to TREEWIN_MAX trees,
 * one more for their ids), never the equal ones; not the windows of ls
 * and restore, which read every subdirectory of a directory ahead.
 * No C recursion: the directories on the path are frames on the heap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "reader.h"
#include "show.h"
#include "treepath.h"

/* One side of a directory being compared. */
struct dside {
	struct tree	 t;
	size_t		 i;		/* the next node */
	int		 has;		/* this side exists */
};

struct dframe {
	struct dside	 s[2];		/* 0: SNAP1, 1: SNAP2 */
	size_t		 saved;		/* the path's length */
	uint8_t		(*need)[NODE_ID_BYTES];	/* the subtrees its entries
						 * open, in that order */
	size_t		 nneed;
	size_t		 next;		/* need[next] is the next one */
	size_t		 wend;		/* need[..wend] went to win */
	struct treewin	*win;		/* NULL: none yet */
};

/* Counts, [0] removed, [1] added. */
struct dstats {
	uint64_t	 files[2], dirs[2], others[2], bytes[2];
	uint64_t	 changed_files, changed_others, meta;
};

struct dif {
	const struct opts	*o;
	struct reader		*rd;
	struct dbuf		 path;
	struct treepath		 tp[2];
	struct dstats		 st;
	int			 bad;		/* something reported */
};

static const char *
shown(struct dif *d)
{
	if (d->path.len == 0)
		return "/";
	dbuf_put_u8(&d->path, '\0');
	if (d->path.err)
		return "(out of memory)";
	d->path.len--;
	return log_shown((const char *)d->path.p);
}

/* One line: ${mark} and the path (a directory's with a '/'). */
static void
change(struct dif *d, const char *mark, int isdir)
{
	if (d->o->json) {
		printf("{\"message_type\":\"change\",\"path\":");
		if (isdir)
			dbuf_put_u8(&d->path, '/');
		json_str(d->path.p, d->path.len);
		if (isdir && !d->path.err)
			d->path.len--;
		printf(",\"modifier\":\"%s\"}\n", mark);
		return;
	}
	printf("%-5s", mark);
	text_str(d->path.p, d->path.len);
	printf("%s\n", isdir ? "/" : "");
}

/* Count ${n} added (side 1) or removed (side 0). */
static void
count(struct dif *d, const struct node *n, int side)
{
	if (n->type == NODE_FILE) {
		d->st.files[side]++;
		d->st.bytes[side] += n->size;
	} else if (n->type == NODE_DIR)
		d->st.dirs[side]++;
	else
		d->st.others[side]++;
}

/* The content of ${a} and ${b}, of one type: the same? */
static int
same_content(const struct node *a, const struct node *b)
{
	size_t i;

	switch (a->type) {
	case NODE_FILE:
		if (a->size != b->size || a->nchunks != b->nchunks ||
		    a->nextents != b->nextents || ((a->flags ^ b->flags) &
		    NODE_F_UNREADABLE))
			return 0;
		for (i = 0; i < a->nextents; i++)
			if (a->extents[i].off != b->extents[i].off ||
			    a->extents[i].len != b->extents[i].len)
				return 0;
		return a->nchunks == 0 || memcmp(a->chunks, b->chunks,
		    a->nchunks * sizeof(*a->chunks)) == 0;
	case NODE_SYMLINK:
		return a->targetlen == b->targetlen &&
		    memcmp(a->target, b->target, a->targetlen) == 0;
	case NODE_CHR:
	case NODE_BLK:
		return a->rdev == b->rdev;
	default:
		return 1;
	}
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Mode, owner, times and xattrs (ACLs among them) of ${a} and ${b}. */
static int
same_meta(const struct node *a, const struct node *b)
{
	size_t i;

	if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid ||
	    !same_str(a->user, b->user) || !same_str(a->group, b->group) ||
	    a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec ||
	    a->nxattrs != b->nxattrs)
		return 0;
	for (i = 0; i < a->nxattrs; i++)
		if (strcmp(a->xattrs[i].name, b->xattrs[i].name) != 0 ||
		    a->xattrs[i].len != b->xattrs[i].len ||
		    memcmp(a->xattrs[i].value, b->xattrs[i].value,
		    a->xattrs[i].len) != 0)
			return 0;
	return 1;
}

/*
 * Which sides of the entries ${a} and ${b} (NULL: not on that side), of
 * one name, are directories to walk below: into ${open}.  Equal tree ids
 * are equal below, never opened.
 */
static void
opens(const struct node *a, const struct node *b, int open[2])
{
	if (a == NULL || b == NULL || a->type != b->type) {
		open[0] = a != NULL && a->type == NODE_DIR;
		open[1] = b != NULL && b->type == NODE_DIR;
	} else
		open[0] = open[1] = a->type == NODE_DIR &&
		    memcmp(a->subtree, b->subtree, NODE_ID_BYTES) != 0;
}

/* The stored order of names: <0, 0, >0 as ${a} comes before ${b}. */
static int
namecmp(const struct node *a, const struct node *b)
{
	size_t len = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c;

	if ((c = memcmp(a->name, b->name, len)) == 0)
		c = (a->namelen > b->namelen) - (a->namelen < b->namelen);
	return c;
}

/*
 * The subtrees that the entries of frame ${f} open, in the order walk
 * and pair open them, into f->need (bounded by the two trees' counts).
 * Out of memory: none, and each is read alone.
 */
static void
plan(struct dframe *f)
{
	const struct dside *s = f->s;
	const struct node *n[2];
	size_t i[2] = { 0, 0 }, cap;
	int open[2], c, j;

	cap = (s[0].has ? s[0].t.count : 0) + (s[1].has ? s[1].t.count : 0);
	if (cap == 0 || (f->need = calloc(cap, NODE_ID_BYTES)) == NULL)
		return;
	for (;;) {
		for (j = 0; j < 2; j++)
			n[j] = s[j].has && i[j] < s[j].t.count ?
			    &s[j].t.nodes[i[j]] : NULL;
		if (n[0] == NULL && n[1] == NULL)
			break;
		if (n[0] != NULL && n[1] != NULL &&
		    (c = namecmp(n[0], n[1])) != 0)
			n[c < 0 ? 1 : 0] = NULL;
		opens(n[0], n[1], open);
		for (j = 0; j < 2; j++) {
			if (n[j] == NULL)
				continue;
			i[j]++;
			if (open[j] && f->nneed < cap)
				memcpy(f->need[f->nneed++], n[j]->subtree,
				    NODE_ID_BYTES);
		}
	}
}

/*
 * The tree ${id} into ${t}: from the window of frame ${f} (NULL: read
 * alone), which takes the next of f->need when it no longer holds them.
 * 0, or -1 with errno as reader_tree.
 */
static int
frame_tree(struct dif *d, struct dframe *f, const uint8_t *id,
    struct tree *t)
{
	if (f == NULL || f->need == NULL)
		return reader_tree(d->rd, id, t);
	if (f->next >= f->wend && f->next < f->nneed)
		f->wend = f->next + treewin_ids(d->rd, &f->win,
		    (const uint8_t (*)[NODE_ID_BYTES])f->need + f->next,
		    f->nneed - f->next);
	f->next++;
	return reader_wintree(d->rd, f->win, id, t);
}

/*
 * Open side ${side} of the directory t->nodes[k] (an entry of frame
 * ${f}, NULL: none) into ${s} and put it on that side's path.  0, or 1
 * after a message.
 */
static int
enter(struct dif *d, struct dframe *f, int side, struct tree *t, size_t k,
    struct dside *s)
{
	const struct node *n = &t->nodes[k];
	char h[9];

	reader_hex8(n->subtree, h);
	if (treepath_push(&d->tp[side], n->subtree) != 0) {
		alertx("%s (snapshot %d): %s (blob %s)", shown(d), side + 1,
		    treepath_why(errno), h);
		return 1;
	}
	if (frame_tree(d, f, n->subtree, &s->t) != 0) {
		alertx("%s (snapshot %d): directory listing %s (blob %s)",
		    shown(d), side + 1, errno == ENODATA ? "missing" :
		    errno == EBADMSG ? "damaged" : reader_strerror(errno), h);
		treepath_pop(&d->tp[side]);
		return 1;
	}
	s->has = 1;
	return 0;
}

/* Leave frame ${f}: its trees and places on the paths. */
static void
leave(struct dif *d, struct dframe *f)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (f->s[i].has) {
			tree_free(&f->s[i].t);
			treepath_pop(&d->tp[i]);
		}
	}
	free(f->need);
	treewin_free(f->win);
	memset(f, 0, sizeof(*f));
}

/*
 * Compare the entries at the path: side 0 t[0]->nodes[k[0]] (t[0] NULL:
 * none), side 1 likewise, entries of frame ${f} (NULL: none), print what
 * changed, and fill ${next} with the sides of the directory to walk
 * below (next->s[i].has), if any.
 */
static void
pair(struct dif *d, struct dframe *f, struct tree *t[2], const size_t k[2],
    struct dframe *next)
{
	const struct node *a = t[0] ? &t[0]->nodes[k[0]] : NULL;
	const struct node *b = t[1] ? &t[1]->nodes[k[1]] : NULL;
	int i, open[2];

	memset(next, 0, sizeof(*next));
	if (a == NULL || b == NULL || a->type != b->type) {
		if (a != NULL && b != NULL)
			change(d, "T", b->type == NODE_DIR);
		else
			change(d, a ? "-" : "+", (a ? a : b)->type == NODE_DIR);
		if (a != NULL)
			count(d, a, 0);
		if (b != NULL)
			count(d, b, 1);
	} else {
		if (!same_content(a, b)) {
			change(d, "M", 0);
			if (a->type == NODE_FILE) {
				d->st.changed_files++;
				d->st.bytes[0] += a->size;
				d->st.bytes[1] += b->size;
			} else
				d->st.changed_others++;
		} else if (d->o->metadata && !same_meta(a, b)) {
			change(d, "U", a->type == NODE_DIR);
			d->st.meta++;
		}
	}
	opens(a, b, open);
	for (i = 0; i < 2; i++)
		if (open[i] && enter(d, f, i, t[i], k[i], &next->s[i]) != 0)
			d->bad = 1;
	/* A side that cannot be read is not shown as all added or removed. */
	if (open[0] && open[1] && next->s[0].has != next->s[1].has)
		leave(d, next);
}

/* Compare below frame ${first} (taken over) until every frame is done. */
static int
walk(struct dif *d, struct dframe *first)
{
	struct dframe *fs, *f, *v, next;
	struct tree *t[2];
	const struct node *n[2];
	size_t nf = 1, cap = 16, k[2];
	int i, c;

	if ((fs = calloc(cap, sizeof(*fs))) == NULL) {
		leave(d, first);
		return -1;
	}
	fs[0] = *first;
	fs[0].saved = d->path.len;
	plan(&fs[0]);
	while (nf > 0) {
		f = &fs[nf - 1];
		for (i = 0; i < 2; i++)
			n[i] = f->s[i].has && f->s[i].i < f->s[i].t.count ?
			    &f->s[i].t.nodes[f->s[i].i] : NULL;
		if (n[0] == NULL && n[1] == NULL) {
			leave(d, f);
			d->path.len = f->saved;
			nf--;
			continue;
		}
		if (n[0] != NULL && n[1] != NULL) {
			c = namecmp(n[0], n[1]);
			if (c < 0)
				n[1] = NULL;
			else if (c > 0)
				n[0] = NULL;
		}
		for (i = 0; i < 2; i++) {
			t[i] = n[i] ? &f->s[i].t : NULL;
			k[i] = n[i] ? f->s[i].i++ : 0;
		}
		d->path.len = f->saved;
		dbuf_put_u8(&d->path, '/');
		dbuf_put_bytes(&d->path, (n[0] ? n[0] : n[1])->name,
		    (n[0] ? n[0] : n[1])->namelen);
		if (d->path.err)
			break;
		pair(d, f, t, k, &next);
		if (!next.s[0].has && !next.s[1].has)
			continue;
		plan(&next);
		if (nf == cap) {
			if ((v = reallocarray(fs, cap * 2, sizeof(*v))) == NULL) {
				leave(d, &next);
				break;
			}
			fs = v;
			cap *= 2;
		}
		next.saved = d->path.len;
		fs[nf++] = next;
	}
	c = nf > 0 ? -1 : 0;
	for (; nf > 0; nf--)		/* stopped early: out of memory */
		leave(d, &fs[nf - 1]);
	free(fs);
	return c;
}

static void
totals(struct dif *d, const struct snapshot *s1, const struct snapshot *s2)
{
	const struct dstats *s = &d->st;
	char h1[2 * SNAP_ID_BYTES + 1], h2[2 * SNAP_ID_BYTES + 1];

	if (d->o->json) {
		snapshot_hex(s1->id, h1);
		snapshot_hex(s2->id, h2);
		printf("{\"message_type\":\"statistics\",\"source_snapshot\":"
		    "\"%s\",\"target_snapshot\":\"%s\",\"changed_files\":%llu,"
		    "\"changed_others\":%llu,\"metadata_changed\":%llu,",
		    h1, h2, (unsigned long long)s->changed_files,
		    (unsigned long long)s->changed_others,
		    (unsigned long long)s->meta);
		printf("\"added\":{\"files\":%llu,\"dirs\":%llu,\"others\":%llu,"
		    "\"bytes\":%llu},", (unsigned long long)s->files[1],
		    (unsigned long long)s->dirs[1],
		    (unsigned long long)s->others[1],
		    (unsigned long long)s->bytes[1]);
		printf("\"removed\":{\"files\":%llu,\"dirs\":%llu,\"others\":"
		    "%llu,\"bytes\":%llu}}\n", (unsigned long long)s->files[0],
		    (unsigned long long)s->dirs[0],
		    (unsigned long long)s->others[0],
		    (unsigned long long)s->bytes[0]);
		return;
	}
	printf("\nFiles:  %5llu new, %5llu removed, %5llu changed\n",
	    (unsigned long long)s->files[1], (unsigned long long)s->files[0],
	    (unsigned long long)s->changed_files);
	printf("Dirs:   %5llu new, %5llu removed\n",
	    (unsigned long long)s->dirs[1], (unsigned long long)s->dirs[0]);
	printf("Others: %5llu new, %5llu removed, %5llu changed\n",
	    (unsigned long long)s->others[1], (unsigned long long)s->others[0],
	    (unsigned long long)s->changed_others);
	if (d->o->metadata)
		printf("Metadata changed: %llu\n", (unsigned long long)s->meta);
	printf("  Added:   %llu bytes\n  Removed: %llu bytes\n",
	    (unsigned long long)s->bytes[1], (unsigned long long)s->bytes[0]);
}

/* The levels of ${p} ("a/b/c": 3), as reader_walk goes down. */
static size_t
components(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++)
		if (*p != '/' && (p[1] == '/' || p[1] == '\0'))
			n++;
	return n;
}

/*
 * Side ${i}: the tree holding ${path} in ${s} into t (*np its node, NULL
 * for the root).  0; 1 if it is not there; -1 after a message (damage).
 */
static int
locate(struct dif *d, const struct snapshot *s, const char *path, int i,
    struct tree *t, struct node **np)
{
	if (reader_walk(d->rd, s->root, path, t, np) == 0)
		return 0;
	tree_free(t);
	if (errno == ENOENT || errno == ENOTDIR)
		return 1;
	errorx("%s (snapshot %d): damaged in the repository",
	    path[0] ? log_shown(path) : "/", i + 1);
	return -1;
}

/* diff of ${path} ("" for all) from ${s1} to ${s2}: an exit code. */
static int
diff_paths(struct dif *d, const struct snapshot *s[2], const char *path)
{
	struct tree t[2], *tp[2];
	struct node *n[2];
	struct dframe first;
	size_t k[2];
	int i, r[2], e = EXIT_OK;

	memset(&first, 0, sizeof(first));
	for (i = 0; i < 2; i++)
		if ((r[i] = locate(d, s[i], path, i, &t[i], &n[i])) < 0)
			e = EXIT_DAMAGED;
	if (e != EXIT_OK || (r[0] && r[1])) {
		if (e == EXIT_OK)
			errorx("%s: in neither snapshot", log_shown(path));
		for (i = 0; i < 2; i++)
			if (r[i] == 0)
				tree_free(&t[i]);
		return e != EXIT_OK ? e : EXIT_ERR;
	}
	for (i = 0; i < 2; i++) {
		d->tp[i].above = r[i] == 0 && n[i] != NULL ? components(path) :
		    0;
		if (r[i] == 0 && n[i] == NULL) {	/* the root */
			if (treepath_push(&d->tp[i], s[i]->root) != 0)
				return EXIT_ERR;
			first.s[i].t = t[i];
			first.s[i].has = 1;
		}
	}
	if (n[0] == NULL && n[1] == NULL && r[0] == 0 && r[1] == 0) {
		if (memcmp(s[0]->root, s[1]->root, NODE_ID_BYTES) == 0)
			leave(d, &first);		/* equal: not walked */
		else if (walk(d, &first) != 0)
			e = EXIT_ERR;
	} else {
		/* PATH: that entry of each side, then below it. */
		const char *p = path;

		while (*p == '/')
			p++;
		dbuf_put_u8(&d->path, '/');
		dbuf_put_bytes(&d->path, p, strlen(p));
		while (d->path.len > 1 && d->path.p[d->path.len - 1] == '/')
			d->path.len--;
		for (i = 0; i < 2; i++) {
			tp[i] = r[i] == 0 && n[i] != NULL ? &t[i] : NULL;
			k[i] = tp[i] ? (size_t)(n[i] - t[i].nodes) : 0;
		}
		leave(d, &first);	/* a root beside a path: none here */
		pair(d, NULL, tp, k, &first);
		if ((first.s[0].has || first.s[1].has) && walk(d, &first) != 0)
			e = EXIT_ERR;
		for (i = 0; i < 2; i++)
			if (tp[i] != NULL)
				tree_free(&t[i]);
	}
	if (e == EXIT_ERR)
		errorx("diff stopped: %s", strerror(ENOMEM));
	else
		totals(d, s[0], s[1]);
	return e == EXIT_OK && d->bad ? EXIT_DAMAGED : e;
}

int
diff_run(const struct opts *o, struct reader *rd, const struct snapshot *s1,
    const struct snapshot *s2, const char *path)
{
	const struct snapshot *s[2] = { s1, s2 };
	struct dif d;
	int e;

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.rd = rd;
	dbuf_init(&d.path, 1u << 24);
	e = diff_paths(&d, s, path);
	treepath_free(&d.tp[0]);
	treepath_free(&d.tp[1]);
	dbuf_free(&d.path);
	return e;
}

int
cmd_diff(struct opts *o)
{
	const struct snapshot *s1, *s2;
	struct reader rd;
	struct repo *r;
	int e;

	if (o->argc < 2 || o->argc > 3)
		fatal(EXIT_USAGE, "usage: tacit diff -r DIR SNAP1 SNAP2 [PATH]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if ((s1 = snap_pick(o, &rd, o->argv[0])) == NULL ||
	    (s2 = snap_pick(o, &rd, o->argv[1])) == NULL)
		e = EXIT_ERR;
	else
		e = diff_run(o, &rd, s1, s2, o->argc == 3 ?
		    log_unescape(o->argv[2]) : "");
	if (fflush(stdout) != 0 && e == EXIT_OK)
		e = EXIT_ERR;
	reader_close(&rd);
	cmd_close(r);
	return e;
}
