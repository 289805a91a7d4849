/*
 * cmd_dump.c: tacit dump.  A regular file's content to standard output,
 * holes as zeros; with --archive tar, a file or a directory (or "/": the
 * whole snapshot) as a POSIX pax archive (tar.c).  The worker writes to
 * its stdout, a pipe the keyholder relays to ours; the keyholder refused
 * a terminal before anything was asked (dump_refuse_tty).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "reader.h"
#include "show.h"
#include "tar.h"
#include "twalk.h"

#define DUMP_ZERO_BYTES		(64u << 10)

/* A hard-link group: its id and the archive path of its first member. */
struct lgroup {
	uint64_t	 id;		/* 0: a free slot */
	uint8_t		*path;
	size_t		 len;
};

struct dump {
	struct reader	*rd;
	FILE		*out;
	int		 tar;		/* --archive tar */
	struct lgroup	*groups;	/* open addressing, a power of two */
	size_t		 ngroups, cap;
	int		 damaged;	/* data missing or damaged (reported) */
	int		 unreadable;	/* files unreadable at backup */
	int		 werr;		/* writing failed: stop */
};

static const uint8_t zeros[DUMP_ZERO_BYTES];

int
dump_refuse_tty(void)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	errorx("dump writes binary data: refusing to write it to a terminal; "
	    "redirect it to a file or a pipe (tacit dump ... > FILE, or "
	    "... --archive tar | tar -x)");
	return -1;
}

/* Write ${len} bytes of ${p} (NULL: zeros). */
static void
out(struct dump *d, const uint8_t *p, uint64_t len)
{
	size_t k;

	while (len > 0 && !d->werr) {
		k = len > DUMP_ZERO_BYTES ? DUMP_ZERO_BYTES : (size_t)len;
		if (fwrite(p != NULL ? p : zeros, 1, k, d->out) != k)
			d->werr = 1;
		if (p != NULL)
			p += k;
		len -= k;
	}
}

/* Where the data written so far ends: extent e, in bytes into it. */
struct dpos {
	size_t		 e;
	uint64_t	 in;
	uint64_t	 fpos;		/* file offset reached (holes: written) */
	uint64_t	 got;		/* data bytes taken */
	int		 over;		/* more data than the extents hold */
};

/*
 * The next ${len} bytes of ${n}'s data (${p} NULL: zeros), along its
 * extents; with ${holes}, the zeros of the holes before them too.
 */
static void
put(struct dump *d, const struct node *n, struct dpos *s, const uint8_t *p,
    uint64_t len, int holes)
{
	const struct extent *x;
	uint64_t part;

	while (len > 0 && !d->werr) {
		if (s->e >= n->nextents) {
			s->over = 1;
			return;
		}
		x = &n->extents[s->e];
		if (holes && s->fpos < x->off + s->in) {
			out(d, NULL, x->off + s->in - s->fpos);
			s->fpos = x->off + s->in;
		}
		part = x->len - s->in < len ? x->len - s->in : len;
		out(d, p, part);
		if (p != NULL)
			p += part;
		len -= part;
		s->in += part;
		s->fpos += part;
		s->got += part;
		if (s->in == x->len) {
			s->e++;
			s->in = 0;
		}
	}
}

/*
 * Write the data of ${n} (at ${path}): its extents' bytes in order; with
 * ${holes} the holes as zeros too (n->size bytes in all).  Missing or
 * damaged data is reported and written as zeros, so the output keeps the
 * length its header promised.
 */
static void
dump_data(struct dump *d, const char *path, const struct node *n, int holes)
{
	struct dpos s;
	const uint8_t *p;
	uint64_t want = 0;
	size_t c, len, e;
	char h[9];

	memset(&s, 0, sizeof(s));
	if (n->flags & NODE_F_UNREADABLE) {
		alertx("%s: unreadable at backup; dumped empty", path);
		d->unreadable = 1;
		return;
	}
	for (e = 0; e < n->nextents; e++)
		want += n->extents[e].len;
	for (c = 0; c < n->nchunks && !d->werr && !s.over; c++) {
		if ((p = reader_blob(d->rd, n->chunks[c], BLOB_DATA,
		    d->rd->r->cfg.chunk_max, &len)) == NULL) {
			reader_hex8(n->chunks[c], h);
			alertx("%s: data %s (blob %s); its bytes are dumped as "
			    "zeros", path, reader_strerror(errno), h);
			d->damaged = 1;
			break;
		}
		put(d, n, &s, p, len, holes);
	}
	if (s.over || (c == n->nchunks && s.got < want)) {
		alertx("%s: the data does not fit the file's size (damaged "
		    "or forged); the rest is dumped as zeros", path);
		d->damaged = 1;
	}
	put(d, n, &s, NULL, want - s.got, holes);
	if (holes && s.fpos < n->size)
		out(d, NULL, n->size - s.fpos);
}

/* The first member of ${n}'s link group, or NULL (then ${n} is it). */
static struct lgroup *
link_find(struct dump *d, const struct node *n, const uint8_t *path,
    size_t len)
{
	struct lgroup *v, *g;
	size_t i, k;

	if (d->ngroups * 2 >= d->cap) {
		k = d->cap ? d->cap * 2 : 64;
		if ((v = calloc(k, sizeof(*v))) == NULL)
			return NULL;
		for (i = 0; i < d->cap; i++) {
			if (d->groups[i].id == 0)
				continue;
			for (g = &v[d->groups[i].id * 0x9e3779b97f4a7c15ULL &
			    (k - 1)]; g->id != 0; g = g == &v[k - 1] ? v : g + 1)
				;
			*g = d->groups[i];
		}
		free(d->groups);
		d->groups = v;
		d->cap = k;
	}
	for (g = &d->groups[n->link_id * 0x9e3779b97f4a7c15ULL & (d->cap - 1)];
	    g->id != 0; g = g == &d->groups[d->cap - 1] ? d->groups : g + 1)
		if (g->id == n->link_id)
			return g;
	if ((g->path = malloc(len)) != NULL) {	/* the first: remember it */
		memcpy(g->path, path, len);
		g->len = len;
		g->id = n->link_id;
		d->ngroups++;
	}
	return NULL;
}

/* One archive member: ${n} at ${path} ("/a/b": written without '/'). */
static int
dump_member(struct dump *d, const uint8_t *path, size_t plen,
    const struct node *n)
{
	const struct lgroup *g = NULL;
	char shown[4096];
	uint64_t data;

	if (n->type == NODE_FILE && n->link_id != 0)
		g = link_find(d, n, path + 1, plen - 1);
	if (tar_header(d->out, path + 1, plen - 1, n, g ? g->path : NULL,
	    g ? g->len : 0, &data) != 0) {
		d->werr = 1;
		return -1;
	}
	if (g == NULL && n->type == NODE_FILE) {
		(void)snprintf(shown, sizeof(shown), "%s",
		    log_shown_n(path, plen));
		dump_data(d, shown, n, 0);
		if (tar_pad(d->out, data) != 0)
			d->werr = 1;
	}
	return d->werr ? -1 : 0;
}

static int
dump_visit(struct twalk *w, const struct node *n)
{
	return dump_member(w->arg, w->path.p, w->path.len, n);
}

/* The archive of ${n} (NULL: the root tree ${t}) at path w->path. */
static int
dump_tar(struct dump *d, struct twalk *w, struct tree *t, struct node *n)
{
	int r;

	if (n == NULL)
		r = twalk_tree(w, t);
	else {
		if ((r = dump_member(d, w->path.p, w->path.len, n)) == 0 &&
		    n->type == NODE_DIR)
			r = twalk_dir(w, t, (size_t)(n - t->nodes));
	}
	if (r >= 0 && !d->werr && tar_end(d->out) != 0)
		d->werr = 1;
	if (r == 1)
		d->damaged = 1;
	return r < 0 && !d->werr ? EXIT_ERR : EXIT_OK;
}

int
dump_run(const struct opts *o, struct reader *rd, const struct snapshot *s,
    const char *path)
{
	struct dump d;
	struct twalk w;
	struct tree t;
	struct node *n;
	int e;

	memset(&d, 0, sizeof(d));
	d.rd = rd;
	d.out = stdout;
	d.tar = o->archive != NULL;
	twalk_init(&w, rd, dump_visit, &d);
	if ((e = twalk_open(&w, s->root, path, &t, &n)) != EXIT_OK) {
		twalk_free(&w);
		return e;
	}
	if (d.tar)
		e = dump_tar(&d, &w, &t, n);
	else if (n == NULL || n->type == NODE_DIR) {
		errorx("%s is a directory: dump it with --archive tar",
		    path[0] ? log_shown(path) : "/");
		e = EXIT_USAGE;
	} else if (n->type != NODE_FILE) {
		errorx("%s is not a regular file: dump it with --archive tar",
		    log_shown(path));
		e = EXIT_ERR;
	} else {
		dump_data(&d, log_shown(path), n, 1);
		if (fflush(stdout) != 0)
			d.werr = 1;
	}
	if (d.werr) {
		errorx("writing to standard output: %s", strerror(errno));
		e = EXIT_ERR;
	} else if (e == EXIT_OK)
		e = d.damaged ? EXIT_DAMAGED : d.unreadable ? EXIT_PARTIAL :
		    EXIT_OK;
	for (size_t i = 0; i < d.cap; i++)
		free(d.groups[i].path);
	free(d.groups);
	tree_free(&t);
	twalk_free(&w);
	return e;
}

int
cmd_dump(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct snapshot *s;
	int e;

	if (o->argc != 2)
		fatal(EXIT_USAGE, "usage: tacit dump -r DIR SNAP PATH "
		    "[--archive tar]");
	/* Large writes (the keyholder's relay takes 16 KiB at a time);
	 * before anything is written to stdout. */
	(void)setvbuf(stdout, NULL, _IOFBF, 1u << 16);
	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	if ((s = snap_pick(o, &rd, o->argv[0])) == NULL)
		e = EXIT_ERR;
	else
		e = dump_run(o, &rd, s, log_unescape(o->argv[1]));
	reader_close(&rd);
	cmd_close(r);
	return e;
}
