/*
 * cmd_restore.c: tacit snapshots, tacit ls, tacit restore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "reader.h"
#include "restore.h"
#include "treepath.h"

/*
 * Print bytes as a JSON string: valid UTF-8 kept but for C1 controls, the
 * rest escaped.
 */
static void
json_str(const uint8_t *p, size_t n)
{
	size_t i, len;
	int ctl;

	putchar('"');
	for (i = 0; i < n; i += len) {
		uint8_t c = p[i];

		len = log_char(p + i, n - i, &ctl);
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x80 && ctl)
			printf("\\u%04x", c);
		else if (c < 0x80)
			putchar(c);
		else if (len == 1)	/* surrogate escape, as Python does */
			printf("\\udc%02x", c);
		else if (ctl)		/* C1: U+0080-U+009F */
			printf("\\u%04x", p[i + 1]);
		else
			fwrite(p + i, 1, len, stdout);
	}
	putchar('"');
}

/* Print bytes for a terminal: controls (log_char) and backslash escaped. */
static void
text_str(const uint8_t *p, size_t n)
{
	size_t i, k, len;
	int ctl;

	for (i = 0; i < n; i += len) {
		len = log_char(p + i, n - i, &ctl);
		for (k = i; k < i + len; k++) {
			if (ctl || p[k] == '\\')
				printf("\\x%02x", p[k]);
			else
				putchar(p[k]);
		}
	}
}

static void
time_str(int64_t sec, char out[32])
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(out, 32, "%lld", (long long)sec);
}

static int
open_reader(struct opts *o, struct repo **rp, struct reader *rd)
{
	int e;

	if ((e = cmd_open(o, REPO_LOCK_SHARED, rp)) != EXIT_OK)
		return e;
	if ((e = reader_open(rd, *rp)) != EXIT_OK) {
		reader_close(rd);
		cmd_close(*rp);
	}
	return e;
}

int
cmd_snapshots(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	char hex[2 * SNAP_ID_BYTES + 1], when[32];
	size_t i, j;
	int e;

	if (o->argc != 0)
		fatal(EXIT_USAGE, "usage: tacit snapshots -r DIR [--json]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if (o->json)
		putchar('[');
	for (i = 0; i < rd.nsnaps; i++) {
		s = &rd.snaps[i];
		snapshot_hex(s->id, hex);
		time_str(s->time_sec, when);
		if (o->json) {
			struct tm tm;
			time_t t = (time_t)s->time_sec;
			char iso[40];

			(void)gmtime_r(&t, &tm);
			(void)strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S",
			    &tm);
			printf("%s{\"id\":\"%s\",\"time\":\"%s.%09uZ\","
			    "\"paths\":[", i ? "," : "", hex, iso,
			    s->time_nsec);
			for (j = 0; j < s->npaths; j++) {
				if (j)
					putchar(',');
				json_str((const uint8_t *)s->paths[j],
				    strlen(s->paths[j]));
			}
			printf("],\"tags\":[");
			for (j = 0; j < s->ntags; j++) {
				if (j)
					putchar(',');
				json_str((const uint8_t *)s->tags[j],
				    strlen(s->tags[j]));
			}
			printf("],\"partial\":%s,\"files\":%llu,\"dirs\":%llu,"
			    "\"bytes\":%llu,\"added\":%llu,\"version\":",
			    s->flags & SNAP_F_PARTIAL ? "true" : "false",
			    (unsigned long long)s->files,
			    (unsigned long long)s->dirs,
			    (unsigned long long)s->bytes,
			    (unsigned long long)s->added);
			json_str((const uint8_t *)s->version,
			    strlen(s->version));
			if (s->has_parent) {
				snapshot_hex(s->parent, hex);
				printf(",\"parent\":\"%s\"", hex);
			}
			putchar('}');
			continue;
		}
		printf("%.8s  %s  %s%s", hex, when,
		    s->flags & SNAP_F_PARTIAL ? "(partial) " : "",
		    s->npaths ? "" : "-");
		for (j = 0; j < s->npaths; j++) {
			if (j)
				putchar(' ');
			text_str((const uint8_t *)s->paths[j],
			    strlen(s->paths[j]));
		}
		for (j = 0; j < s->ntags; j++) {
			printf(j ? "," : "  [");
			text_str((const uint8_t *)s->tags[j],
			    strlen(s->tags[j]));
		}
		printf("%s\n", s->ntags ? "]" : "");
	}
	if (o->json)
		printf("]\n");
	else if (log_verbosity > 0)
		printf("%zu snapshots\n", rd.nsnaps);
	/* The intact ones are listed; the exit code still tells of damage. */
	e = rd.badsnaps > 0 ? EXIT_DAMAGED : EXIT_OK;
	reader_close(&rd);
	cmd_close(r);
	return e;
}

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
		printf("\"size\":%llu,\"mtime_sec\":%lld,\"mtime_nsec\":%u",
		    (unsigned long long)n->size, (long long)n->mtime_sec,
		    n->mtime_nsec);
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
		errorx("%s: %s", path[0] ? path : "/",
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
	if ((s = snapshot_find(rd.snaps, rd.nsnaps, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else
		e = ls_run(o, &rd, s, o->argc == 2 ? o->argv[1] : "");
	reader_close(&rd);
	cmd_close(r);
	return e;
}

/* ", N differ from the snapshot" for --verify, else "" (static buffer). */
static const char *
differ_str(const struct restore_stats *st)
{
	static char buf[64];

	if (st->differ == 0)
		return "";
	(void)snprintf(buf, sizeof(buf), ", %llu differ from the snapshot",
	    (unsigned long long)st->differ);
	return buf;
}

/*
 * What the restore did; on a rerun into the same target, also what was
 * already there (complete, left alone), what was written over a
 * different entry (--overwrite) and the unfinished files of an
 * interrupted restore that were removed.
 */
static void
summary(const struct opts *o, const struct restore_stats *st)
{
	printf("restored %llu files, %llu directories, %llu other entries, "
	    "%llu hard links, %llu bytes to %s\n",
	    (unsigned long long)(st->files + st->replaced),
	    (unsigned long long)st->dirs, (unsigned long long)st->others,
	    (unsigned long long)st->links, (unsigned long long)st->bytes,
	    o->target);
	if (st->complete > 0 || st->replaced > 0 || st->leftovers > 0)
		printf("entries: %llu new, %llu already complete, %llu "
		    "replaced; %llu unfinished files of an earlier restore "
		    "removed\n",
		    (unsigned long long)(st->files + st->others + st->links),
		    (unsigned long long)st->complete,
		    (unsigned long long)st->replaced,
		    (unsigned long long)st->leftovers);
	if (o->verify)
		printf("verified: %llu files differ from the snapshot\n",
		    (unsigned long long)st->differ);
}

int
cmd_restore(struct opts *o)
{
	struct restore_stats st;
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	int e;

	if (o->argc != 1 || o->target == NULL)
		fatal(EXIT_USAGE, "usage: tacit restore -r DIR SNAP --target "
		    "DIR [--include PATH]... [--overwrite] [--no-devices] "
		    "[--no-setid] [--verify]");
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if ((s = snapshot_find(rd.snaps, rd.nsnaps, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else {
		e = restore_run(&rd, s, o, &st);
		if (st.devices > 0)
			alertx("%llu device nodes not restored (--no-devices)",
			    (unsigned long long)st.devices);
		if ((e == EXIT_OK || e == EXIT_PARTIAL) && log_verbosity > 0)
			summary(o, &st);
		if (e == EXIT_PARTIAL)
			alertx("incomplete: %llu damaged, %llu existing, "
			    "%llu failed, %llu with metadata not set%s",
			    (unsigned long long)st.damaged,
			    (unsigned long long)st.existing,
			    (unsigned long long)st.failed,
			    (unsigned long long)st.meta_failed,
			    differ_str(&st));
	}
	reader_close(&rd);
	cmd_close(r);
	return e;
}
