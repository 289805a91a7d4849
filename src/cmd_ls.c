/*
 * cmd_ls.c: tacit ls.
 */
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "log.h"
#include "reader.h"
#include "show.h"
#include "treepath.h"

static void
mode_str(const struct node *n, char out[11])
{
	static const char types[] = "?-dlpcb";
	uint32_t m = n->mode;

	out[0] = types[n->type < NODE__MAX ? n->type : 0];
	out[1] = m & 0400 ? 'r' : '-';
	out[2] = m & 0200 ? 'w' : '-';
	out[3] = m & 04000 ? (m & 0100 ? 's' : 'S') : (m & 0100 ? 'x' : '-');
	out[4] = m & 040 ? 'r' : '-';
	out[5] = m & 020 ? 'w' : '-';
	out[6] = m & 02000 ? (m & 010 ? 's' : 'S') : (m & 010 ? 'x' : '-');
	out[7] = m & 04 ? 'r' : '-';
	out[8] = m & 02 ? 'w' : '-';
	out[9] = m & 01000 ? (m & 01 ? 't' : 'T') : (m & 01 ? 'x' : '-');
	out[10] = '\0';
}

/*
 * The modification time as "mtime": seconds since 1970 with nine
 * decimals (exact as text, whatever a parser makes of it), and as the two
 * integers "mtime_sec" and "mtime_nsec".
 */
static void
json_mtime(const struct node *n)
{
	long long sec = (long long)n->mtime_sec;
	unsigned nsec = n->mtime_nsec;

	/* -1 s + 0.25 s is -0.75 s: the fraction counts up from sec. */
	if (sec < 0 && nsec > 0)
		printf("\"mtime\":-%lld.%09u", -(sec + 1), 1000000000u - nsec);
	else
		printf("\"mtime\":%lld.%09u", sec, nsec);
	printf(",\"mtime_sec\":%lld,\"mtime_nsec\":%u", sec, nsec);
}

static void
ls_one(const struct opts *o, const uint8_t *path, size_t plen,
    const struct node *n)
{
	static const char *const tname[] = { "?", "file", "dir", "symlink",
	    "fifo", "chardev", "blockdev" };
	char mode[11], when[32], ids[32];

	if (o->json) {
		printf("{\"path\":");
		json_str(path, plen);
		printf(",\"type\":\"%s\",\"mode\":%u,\"uid\":%u,\"gid\":%u,",
		    tname[n->type < NODE__MAX ? n->type : 0], n->mode, n->uid,
		    n->gid);
		if (n->user != NULL) {
			printf("\"user\":");
			json_str((const uint8_t *)n->user, strlen(n->user));
			putchar(',');
		}
		if (n->group != NULL) {
			printf("\"group\":");
			json_str((const uint8_t *)n->group, strlen(n->group));
			putchar(',');
		}
		printf("\"size\":%llu,", (unsigned long long)n->size);
		if (n->type == NODE_CHR || n->type == NODE_BLK)
			printf("\"major\":%u,\"minor\":%u,",
			    major((dev_t)n->rdev), minor((dev_t)n->rdev));
		json_mtime(n);
		printf(",\"changed\":%s,\"unreadable\":%s,\"short\":%s",
		    n->flags & NODE_F_CHANGED ? "true" : "false",
		    n->flags & NODE_F_UNREADABLE ? "true" : "false",
		    n->flags & NODE_F_SHORT ? "true" : "false");
		if (n->type == NODE_SYMLINK) {
			printf(",\"target\":");
			json_str(n->target, n->targetlen);
		}
		printf("}\n");
		return;
	}
	mode_str(n, mode);
	time_str(n->mtime_sec, when);
	printf("%s ", mode);
	if (n->user != NULL)
		text_str((const uint8_t *)n->user, strlen(n->user));
	else {
		(void)snprintf(ids, sizeof(ids), "%u", n->uid);
		printf("%s", ids);
	}
	putchar(' ');
	if (n->group != NULL)
		text_str((const uint8_t *)n->group, strlen(n->group));
	else
		printf("%u", n->gid);
	/* A device node's numbers where a file has its size, as ls -l. */
	if (n->type == NODE_CHR || n->type == NODE_BLK)
		printf(" %5u, %3u %s ", major((dev_t)n->rdev),
		    minor((dev_t)n->rdev), when);
	else
		printf(" %10llu %s ", (unsigned long long)n->size, when);
	text_str(path, plen);
	if (n->type == NODE_SYMLINK) {
		printf(" -> ");
		text_str(n->target, n->targetlen);
	}
	if (n->flags & NODE_F_CHANGED)
		printf("  (changed while read)");
	if (n->flags & NODE_F_UNREADABLE)
		printf("  (unreadable at backup)");
	if (n->flags & NODE_F_SHORT)
		printf("  (shorter than its stat size)");
	putchar('\n');
}

/* One ls walk: the path printed, and the trees on it (cycles, depth). */
struct lsw {
	const struct opts	*o;
	struct reader		*rd;
	struct dbuf		 path;
	struct treepath		 tp;
};

static int ls_tree(struct lsw *, const struct tree *);

/* The path being listed, for a message (log_shown). */
static const char *
ls_path(struct lsw *w)
{
	dbuf_put_u8(&w->path, '\0');
	if (w->path.err)
		return "(out of memory)";
	w->path.len--;
	return log_shown((const char *)w->path.p);
}

/*
 * Enter the directory t->nodes[k] (its path printed last): its tree in
 * ${sub}, from the window *${win} of ${t}'s subtrees, and on the path.
 * 0, or 1 after a message when it is damaged, missing, a cycle, or too
 * deep.
 */
static int
ls_enter(struct lsw *w, const struct tree *t, size_t k, struct treewin **win,
    struct tree *sub)
{
	const struct node *n = &t->nodes[k];
	char h[9];

	reader_hex8(n->subtree, h);
	if (treepath_push(&w->tp, n->subtree) != 0) {
		alertx("%s: %s (blob %s)", ls_path(w), reader_strerror(errno),
		    h);
		return 1;
	}
	if (reader_subtree(w->rd, win, t, k, sub) != 0) {
		alertx("%s: directory listing %s (blob %s)", ls_path(w),
		    errno == ENODATA ? "missing" : errno == EBADMSG ?
		    "damaged" : reader_strerror(errno), h);
		treepath_pop(&w->tp);
		return 1;
	}
	return 0;
}

/* ls_enter, then list what is below.  0, or 1 (something reported). */
static int
ls_dir(struct lsw *w, const struct tree *t, size_t k, struct treewin **win)
{
	struct tree sub;
	int bad;

	if (ls_enter(w, t, k, win, &sub) != 0)
		return 1;
	bad = ls_tree(w, &sub) != 0;
	tree_free(&sub);
	treepath_pop(&w->tp);
	return bad;
}

/* A directory being listed: its tree, the next entry, its path's length. */
struct lsframe {
	struct tree	 t;		/* the first frame's is the caller's */
	struct treewin	*win;		/* its subdirectories' trees */
	size_t		 i, saved;
};

/*
 * List ${top} and everything below it; w->path holds the prefix (grown
 * as needed).  No recursion: the directories on the path are frames on
 * the heap, so a tree as deep as the format allows needs no C stack.
 */
static int
ls_tree(struct lsw *w, const struct tree *top)
{
	struct lsframe *fs, *f, *v;
	const struct node *n;
	struct tree sub;
	size_t nf = 1, cap = 16;
	int bad = 0;

	if ((fs = calloc(cap, sizeof(*fs))) == NULL)
		return -1;
	fs[0].t = *top;
	fs[0].saved = w->path.len;
	while (nf > 0) {
		f = &fs[nf - 1];
		if (f->i == f->t.count) {
			treewin_free(f->win);
			if (nf > 1) {
				tree_free(&f->t);
				treepath_pop(&w->tp);
			}
			w->path.len = f->saved;
			nf--;
			continue;
		}
		n = &f->t.nodes[f->i++];
		w->path.len = f->saved;
		dbuf_put_u8(&w->path, '/');
		dbuf_put_bytes(&w->path, n->name, n->namelen);
		if (w->path.err) {
			bad = -1;
			break;
		}
		ls_one(w->o, w->path.p, w->path.len, n);
		if (n->type != NODE_DIR)
			continue;
		if (ls_enter(w, &f->t, f->i - 1, &f->win, &sub) != 0) {
			bad = 1;
			continue;
		}
		if (nf == cap) {
			if ((v = reallocarray(fs, cap * 2, sizeof(*v))) == NULL) {
				tree_free(&sub);
				treepath_pop(&w->tp);
				bad = -1;
				break;
			}
			fs = v;
			cap *= 2;
		}
		memset(&fs[nf], 0, sizeof(fs[nf]));
		fs[nf].t = sub;
		fs[nf++].saved = w->path.len;
	}
	for (; nf > 0; nf--) {		/* stopped early: out of memory */
		treewin_free(fs[nf - 1].win);
		if (nf > 1) {
			tree_free(&fs[nf - 1].t);
			treepath_pop(&w->tp);
		}
	}
	w->path.len = fs[0].saved;
	free(fs);
	return bad;
}

/* The path components of ${p}: the levels reader_walk went down. */
static size_t
components(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++)
		if (*p != '/' && (p[1] == '/' || p[1] == '\0'))
			n++;
	return n;
}

int
ls_run(const struct opts *o, struct reader *rd, const struct snapshot *s,
    const char *path)
{
	struct treewin *win = NULL;
	struct tree t;
	struct node *n;
	struct lsw w;
	int e = EXIT_OK;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.rd = rd;
	dbuf_init(&w.path, 1u << 24);
	if (reader_walk(rd, s->root, path, &t, &n) != 0) {
		errorx("%s: %s", path[0] ? log_shown(path) : "/",
		    errno == ENOENT || errno == ENOTDIR ? "no such path in the "
		    "snapshot" : "damaged in the repository");
		e = errno == ENOENT || errno == ENOTDIR ? EXIT_ERR :
		    EXIT_DAMAGED;
	} else {
		if (n == NULL) {
			e = treepath_push(&w.tp, s->root) != 0 ||
			    ls_tree(&w, &t) ? EXIT_DAMAGED : EXIT_OK;
		} else {
			const char *p = path;

			while (*p == '/')
				p++;
			dbuf_put_u8(&w.path, '/');
			dbuf_put_bytes(&w.path, p, strlen(p));
			while (w.path.len > 1 && w.path.p[w.path.len - 1] == '/')
				w.path.len--;
			ls_one(o, w.path.p, w.path.len, n);
			/* The root and the trees reader_walk went through. */
			w.tp.above = components(p);
			if (n->type == NODE_DIR)
				e = ls_dir(&w, &t, (size_t)(n - t.nodes), &win) ?
				    EXIT_DAMAGED : EXIT_OK;
			treewin_free(win);
		}
		tree_free(&t);
	}
	treepath_free(&w.tp);
	dbuf_free(&w.path);
	return e;
}

int
cmd_ls(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	int e;

	if (o->argc < 1 || o->argc > 2)
		fatal(EXIT_USAGE, "usage: tacit ls -r DIR SNAP [PATH]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if ((s = snap_pick(o, &rd, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else
		e = ls_run(o, &rd, s, o->argc == 2 ?
		    log_unescape(o->argv[1]) : "");
	reader_close(&rd);
	cmd_close(r);
	return e;
}
