/*
 * cmd_stats.c: tacit stats -r REPO [SNAP...] [--tag T] [--path P] [--json].
 *
 * For a selection of snapshots (all of them, or those named, or those the
 * filters pick): their files and bytes as restored (from the snapshot
 * records), the distinct blobs they reference and what those take in the
 * packs, the blobs no snapshot outside the selection references (what
 * forget and prune of the selection would free) and the packs holding
 * them, and the compression and deduplication ratios.
 *
 * Memory: two bits per index slot (referenced by the selection, by the
 * rest) and two per pack, plus a work list of at most one entry per tree
 * of the index.  Trees are walked from a list on the heap, not by C
 * recursion, and each tree once per walk: a tree whose bit is set is not
 * entered again (its blobs are marked already), so a cycle in a forged
 * repository ends too.  Tree blobs are read and authenticated; data blobs
 * are only looked up in the index (check --read-data reads them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "progress.h"
#include "reader.h"
#include "show.h"

#define BIT_GET(v, i)	(((v)[(i) >> 3] >> ((i) & 7)) & 1)
#define BIT_SET(v, i)	((v)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))

/* Blobs of one kind: how many, their raw and sealed bytes. */
struct tally {
	uint64_t	n, raw, stored;
};

struct st {
	struct reader	*rd;
	uint8_t		*sel, *out;	/* by index slot */
	uint8_t		*psel, *puniq;	/* by pack */
	uint8_t		(*work)[NODE_ID_BYTES];	/* trees to enter */
	size_t		 nwork, capwork;
	uint64_t	 damaged;
	/* the selection */
	uint64_t	 snaps, files, dirs, bytes;
	struct tally	 trees, data, logs;
	struct tally	 utrees, udata, ulogs;	/* only in the selection */
	uint64_t	 packs, upacks;
};

static size_t
slot_of(const struct st *c, const struct blobloc *loc)
{
	return (size_t)(loc - c->rd->ix.slots);
}

/* A blob the snapshot ${snap} references is missing or damaged. */
static void
damage(struct st *c, const struct snapshot *snap, const uint8_t *id,
    const char *what)
{
	char h[9], s[2 * SNAP_ID_BYTES + 1];

	reader_hex8(id, h);
	snapshot_hex(snap->id, s);
	alertx("snapshot %.8s: %s (blob %s); run 'tacit check'", s, what, h);
	c->damaged++;
}

/*
 * Mark blob ${id} of ${type} in ${bits}; a tree not marked before goes on
 * the work list.  Returns the location, or NULL after a damage report.
 */
static const struct blobloc *
mark(struct st *c, uint8_t *bits, const struct snapshot *snap,
    const uint8_t *id, uint8_t type)
{
	const struct blobloc *loc = index_get(&c->rd->ix, id);
	uint8_t (*w)[NODE_ID_BYTES];
	size_t s;

	if (loc == NULL || loc->type != type || loc->pack == INDEX_UNPLACED) {
		damage(c, snap, id, loc == NULL ? "blob missing from the "
		    "index" : "blob of the wrong type in the index");
		return NULL;
	}
	s = slot_of(c, loc);
	if (BIT_GET(bits, s))
		return loc;
	BIT_SET(bits, s);
	if (type != BLOB_TREE)
		return loc;
	/* Each tree is listed once: the list is bounded by the index. */
	if (c->nwork == c->capwork) {
		if ((w = reallocarray(c->work, c->capwork ? c->capwork * 2 :
		    256, sizeof(*w))) == NULL)
			fatal(EXIT_ERR, "out of memory");
		c->work = w;
		c->capwork = c->capwork ? c->capwork * 2 : 256;
	}
	memcpy(c->work[c->nwork++], id, NODE_ID_BYTES);
	return loc;
}

/* The data blobs of file ${n}. */
static void
mark_chunks(struct st *c, uint8_t *bits, const struct snapshot *snap,
    const struct node *n)
{
	size_t k;

	for (k = 0; k < n->nchunks; k++)
		(void)mark(c, bits, snap, n->chunks[k], BLOB_DATA);
}

/*
 * Every tree and file data blob below the root of ${snap} into ${bits}.
 * The trees on the work list are read a window at a time (one keyholder
 * request for up to TREEWIN_MAX of them, one more for their ids).
 */
static void
walk(struct st *c, uint8_t *bits, const struct snapshot *snap)
{
	uint8_t (*batch)[NODE_ID_BYTES];
	struct treewin *win = NULL;
	const struct node *n;
	struct tree t;
	size_t i, k, b, nb, took;

	if ((batch = calloc(TREEWIN_MAX, NODE_ID_BYTES)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	(void)mark(c, bits, snap, snap->root, BLOB_TREE);
	while (c->nwork > 0) {
		/* The newest TREEWIN_MAX on the list: depth first still. */
		nb = c->nwork < TREEWIN_MAX ? c->nwork : TREEWIN_MAX;
		c->nwork -= nb;
		memcpy(batch, c->work[c->nwork], nb * NODE_ID_BYTES);
		for (b = 0; b < nb; b += took) {
			took = treewin_ids(c->rd, &win,
			    (const uint8_t (*)[NODE_ID_BYTES])batch + b, nb - b);
			for (k = b; k < b + took; k++) {
				if (reader_wintree(c->rd, win, batch[k],
				    &t) != 0) {
					damage(c, snap, batch[k],
					    reader_strerror(errno));
					continue;
				}
				for (i = 0; i < t.count; i++) {
					n = &t.nodes[i];
					if (n->type == NODE_FILE)
						mark_chunks(c, bits, snap, n);
					else if (n->type == NODE_DIR)
						(void)mark(c, bits, snap,
						    n->subtree, BLOB_TREE);
				}
				tree_free(&t);
			}
		}
	}
	treewin_free(win);
	free(batch);
}

static void
tally_add(struct tally *t, const struct blobloc *loc)
{
	t->n++;
	t->raw += loc->rawlen;
	t->stored += loc->len;
}

/*
 * The logs of the selection (data blobs a snapshot names, not its trees),
 * each counted once; one no snapshot outside references is unique.
 */
static void
count_logs(struct st *c, const unsigned char *chosen)
{
	const struct reader *rd = c->rd;
	const struct blobloc *loc;
	uint8_t *seen;
	size_t i, s;

	if ((seen = calloc(rd->ix.cap / 8 + 1, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < rd->nsnaps; i++) {
		if (!chosen[i] || !rd->snaps[i].has_log)
			continue;
		loc = index_get(&rd->ix, rd->snaps[i].log);
		if (loc == NULL || loc->type != BLOB_DATA ||
		    loc->pack == INDEX_UNPLACED) {
			damage(c, &rd->snaps[i], rd->snaps[i].log,
			    "its log is missing from the index");
			continue;
		}
		s = slot_of(c, loc);
		if (BIT_GET(seen, s) || BIT_GET(c->sel, s))
			continue;	/* counted (as a log, or as data) */
		BIT_SET(seen, s);
		tally_add(&c->logs, loc);
		BIT_SET(c->psel, loc->pack);
		if (!BIT_GET(c->out, s)) {
			tally_add(&c->ulogs, loc);
			BIT_SET(c->puniq, loc->pack);
		}
	}
	free(seen);
}

/* The blobs the walks marked: the selection's, and its unique ones. */
static void
count_blobs(struct st *c)
{
	const struct index *ix = &c->rd->ix;
	const struct blobloc *loc;
	size_t i;

	for (i = 0; i < ix->cap; i++) {
		if (!BIT_GET(c->sel, i))
			continue;
		loc = &ix->slots[i];
		tally_add(loc->type == BLOB_TREE ? &c->trees : &c->data, loc);
		BIT_SET(c->psel, loc->pack);
		if (BIT_GET(c->out, i))
			continue;
		tally_add(loc->type == BLOB_TREE ? &c->utrees : &c->udata, loc);
		BIT_SET(c->puniq, loc->pack);
	}
	for (i = 0; i < ix->npacks; i++) {
		c->packs += BIT_GET(c->psel, i);
		c->upacks += BIT_GET(c->puniq, i);
	}
}

/* Which snapshots are chosen: those named, or those the filters pass. */
static unsigned char *
choose(struct opts *o, struct reader *rd)
{
	unsigned char *chosen;
	struct snapshot *s;
	size_t i;
	int bad = 0;

	if ((chosen = calloc(rd->nsnaps + 1, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	for (i = 0; i < (size_t)o->argc; i++) {
		if ((s = snap_pick(o, rd, o->argv[i])) == NULL)
			bad = 1;
		else
			chosen[s - rd->snaps] = 1;
	}
	for (i = 0; o->argc == 0 && i < rd->nsnaps; i++)
		chosen[i] = (unsigned char)snap_selected(o, &rd->snaps[i]);
	if (bad) {
		free(chosen);
		return NULL;
	}
	return chosen;
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? 0.0 : (double)a / (double)b;
}

static void
json_tally(const char *name, const struct tally *t, int comma)
{
	printf("%s\"%s\":{\"count\":%llu,\"raw_bytes\":%llu,"
	    "\"stored_bytes\":%llu}", comma ? "," : "", name,
	    (unsigned long long)t->n, (unsigned long long)t->raw,
	    (unsigned long long)t->stored);
}

static void
print_json(const struct st *c, const unsigned char *chosen)
{
	const struct snapshot *s;
	char hex[2 * SNAP_ID_BYTES + 1], iso[40];
	struct tm tm;
	time_t t;
	size_t i, k = 0;

	printf("{\"snapshots\":%llu,\"files\":%llu,\"dirs\":%llu,"
	    "\"bytes\":%llu,\"blobs\":{", (unsigned long long)c->snaps,
	    (unsigned long long)c->files, (unsigned long long)c->dirs,
	    (unsigned long long)c->bytes);
	json_tally("trees", &c->trees, 0);
	json_tally("data", &c->data, 1);
	json_tally("logs", &c->logs, 1);
	printf("},\"stored_bytes\":%llu,\"packs\":%llu,\"unique\":{",
	    (unsigned long long)(c->trees.stored + c->data.stored +
	    c->logs.stored), (unsigned long long)c->packs);
	json_tally("trees", &c->utrees, 0);
	json_tally("data", &c->udata, 1);
	json_tally("logs", &c->ulogs, 1);
	printf(",\"stored_bytes\":%llu,\"packs\":%llu},"
	    "\"compression_ratio\":%.4f,\"dedup_ratio\":%.4f,"
	    "\"damaged\":%llu,\"per_snapshot\":[",
	    (unsigned long long)(c->utrees.stored + c->udata.stored +
	    c->ulogs.stored), (unsigned long long)c->upacks,
	    ratio(c->trees.raw + c->data.raw + c->logs.raw,
	    c->trees.stored + c->data.stored + c->logs.stored),
	    ratio(c->bytes, c->data.raw), (unsigned long long)c->damaged);
	for (i = 0; i < c->rd->nsnaps; i++) {
		if (!chosen[i])
			continue;
		s = &c->rd->snaps[i];
		snapshot_hex(s->id, hex);
		t = (time_t)s->time_sec;
		(void)gmtime_r(&t, &tm);
		(void)strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("%s{\"id\":\"%s\",\"time\":\"%s.%09uZ\",\"files\":%llu,"
		    "\"dirs\":%llu,\"bytes\":%llu,\"added\":%llu}",
		    k++ ? "," : "", hex, iso, s->time_nsec,
		    (unsigned long long)s->files, (unsigned long long)s->dirs,
		    (unsigned long long)s->bytes, (unsigned long long)s->added);
	}
	printf("]}\n");
}

static void
print_text(const struct st *c)
{
	char a[32], b[32];
	uint64_t raw = c->trees.raw + c->data.raw + c->logs.raw;
	uint64_t stored = c->trees.stored + c->data.stored + c->logs.stored;
	uint64_t ustored = c->utrees.stored + c->udata.stored +
	    c->ulogs.stored;

	printf("snapshots:           %llu\n", (unsigned long long)c->snaps);
	printf("files:               %llu (and %llu directories)\n",
	    (unsigned long long)c->files, (unsigned long long)c->dirs);
	printf("size as restored:    %s (%llu bytes)\n",
	    progress_size(c->bytes, a), (unsigned long long)c->bytes);
	printf("blobs referenced:    %llu trees, %llu data, %llu logs\n",
	    (unsigned long long)c->trees.n, (unsigned long long)c->data.n,
	    (unsigned long long)c->logs.n);
	printf("stored:              %s (%s before compression) in %llu "
	    "pack%s\n", progress_size(stored, a), progress_size(raw, b),
	    (unsigned long long)c->packs, PLURAL(c->packs));
	printf("stored only here:    %s in %llu blobs, in %llu pack%s "
	    "(forget and prune of these would free this)\n",
	    progress_size(ustored, a), (unsigned long long)(c->utrees.n +
	    c->udata.n + c->ulogs.n), (unsigned long long)c->upacks,
	    PLURAL(c->upacks));
	printf("compression ratio:   %.2f\n", ratio(raw, stored));
	printf("deduplication ratio: %.2f\n", ratio(c->bytes, c->data.raw));
}

int
cmd_stats(struct opts *o)
{
	struct reader rd;
	struct repo *r;
	struct st c;
	unsigned char *chosen;
	size_t i, bits, pbits;
	int e;

	if ((e = open_reader(o, &r, &rd)) != EXIT_OK)
		return e;
	memset(&c, 0, sizeof(c));
	c.rd = &rd;
	bits = rd.ix.cap / 8 + 1;
	pbits = rd.ix.npacks / 8 + 1;
	if ((c.sel = calloc(bits, 1)) == NULL ||
	    (c.out = calloc(bits, 1)) == NULL ||
	    (c.psel = calloc(pbits, 1)) == NULL ||
	    (c.puniq = calloc(pbits, 1)) == NULL)
		fatal(EXIT_ERR, "out of memory");
	if ((chosen = choose(o, &rd)) == NULL) {
		e = EXIT_ERR;
		goto out;
	}
	/* The selection first, then the rest: what only it holds. */
	for (i = 0; i < rd.nsnaps; i++)
		if (chosen[i]) {
			c.snaps++;
			c.files += rd.snaps[i].files;
			c.dirs += rd.snaps[i].dirs;
			c.bytes += rd.snaps[i].bytes;
			walk(&c, c.sel, &rd.snaps[i]);
		}
	for (i = 0; i < rd.nsnaps; i++)
		if (!chosen[i]) {
			walk(&c, c.out, &rd.snaps[i]);
			if (rd.snaps[i].has_log)
				(void)mark(&c, c.out, &rd.snaps[i],
				    rd.snaps[i].log, BLOB_DATA);
		}
	count_logs(&c, chosen);
	count_blobs(&c);
	if (o->json)
		print_json(&c, chosen);
	else
		print_text(&c);
	if (c.damaged + rd.badsegs + rd.badsnaps > 0) {
		alertx("the repository is damaged: these numbers leave out "
		    "what could not be read; run 'tacit check'");
		e = EXIT_DAMAGED;
	}
	free(chosen);
out:
	free(c.work);
	free(c.sel);
	free(c.out);
	free(c.psel);
	free(c.puniq);
	reader_close(&rd);
	cmd_close(r);
	return e;
}
