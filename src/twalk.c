/*
 * twalk.c: the tree walk of find and dump (see twalk.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reader.h"
#include "twalk.h"

void
twalk_init(struct twalk *w, struct reader *rd,
    int (*visit)(struct twalk *, const struct node *), void *arg)
{
	memset(w, 0, sizeof(*w));
	w->rd = rd;
	w->visit = visit;
	w->arg = arg;
	dbuf_init(&w->path, 1u << 24);
}

void
twalk_free(struct twalk *w)
{
	treepath_free(&w->tp);
	dbuf_free(&w->path);
}

const char *
twalk_shown(struct twalk *w)
{
	if (w->path.len == 0)
		return "/";
	dbuf_put_u8(&w->path, '\0');
	if (w->path.err)
		return "(out of memory)";
	w->path.len--;
	return log_shown((const char *)w->path.p);
}

/*
 * Open the tree of the directory t->nodes[k] (its path in w->path) into
 * ${sub} and put it on the path.  0, or 1 after a message.
 */
static int
enter(struct twalk *w, const struct tree *t, size_t k, struct treewin **win,
    struct tree *sub)
{
	const struct node *n = &t->nodes[k];
	char h[9];

	reader_hex8(n->subtree, h);
	if (treepath_push(&w->tp, n->subtree) != 0) {
		alertx("%s: %s (blob %s)", twalk_shown(w), treepath_why(errno),
		    h);
		return 1;
	}
	if (reader_subtree(w->rd, win, t, k, sub) != 0) {
		alertx("%s: directory listing %s (blob %s)", twalk_shown(w),
		    errno == ENODATA ? "missing" : errno == EBADMSG ?
		    "damaged" : reader_strerror(errno), h);
		treepath_pop(&w->tp);
		return 1;
	}
	return 0;
}

/* A directory being walked: its tree, the next entry, its path's length. */
struct twframe {
	struct tree	 t;		/* the first frame's is the caller's */
	struct treewin	*win;
	size_t		 i, saved;
};

int
twalk_tree(struct twalk *w, const struct tree *top)
{
	struct twframe *fs, *f, *v;
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
		if (w->path.err || w->visit(w, n) != 0) {
			bad = -1;
			break;
		}
		if (n->type != NODE_DIR)
			continue;
		if (enter(w, &f->t, f->i - 1, &f->win, &sub) != 0) {
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
	for (; nf > 0; nf--) {		/* stopped early */
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

int
twalk_dir(struct twalk *w, const struct tree *t, size_t k)
{
	struct treewin *win = NULL;
	struct tree sub;
	int r;

	if (enter(w, t, k, &win, &sub) != 0) {
		treewin_free(win);
		return 1;
	}
	r = twalk_tree(w, &sub);
	tree_free(&sub);
	treepath_pop(&w->tp);
	treewin_free(win);
	return r;
}

int
twalk_path(struct twalk *w, const char *path)
{
	const char *p = path, *s;
	size_t len;
	int above = 0;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = strchr(p, '/');
		len = s ? (size_t)(s - p) : strlen(p);
		if (!node_name_ok((const uint8_t *)p, len))
			return -1;
		dbuf_put_u8(&w->path, '/');
		dbuf_put_bytes(&w->path, p, len);
		above++;
		p += len;
	}
	return w->path.err ? -1 : above;
}

int
twalk_open(struct twalk *w, const uint8_t *root, const char *path,
    struct tree *t, struct node **n)
{
	int above, e;

	memset(t, 0, sizeof(*t));
	*n = NULL;
	if ((above = twalk_path(w, path)) < 0) {
		errorx("%s: not a path in a snapshot", log_shown(path));
		return EXIT_ERR;
	}
	if (reader_walk(w->rd, root, path, t, n) != 0) {
		e = errno == ENOENT || errno == ENOTDIR ? EXIT_ERR :
		    EXIT_DAMAGED;
		errorx("%s: %s", path[0] ? log_shown(path) : "/",
		    e == EXIT_ERR ? "no such path in the snapshot" :
		    "damaged in the repository");
		tree_free(t);
		return e;
	}
	if (*n != NULL)		/* the root and the trees reader_walk went through */
		w->tp.above = (size_t)above;
	else if (treepath_push(&w->tp, root) != 0) {
		errorx("out of memory");
		tree_free(t);
		return EXIT_ERR;
	}
	return EXIT_OK;
}
