/*
 * dirq.c: the backup's walked directories, waiting for their ids (dirq.h).
 *
 * Everything here runs on the walk's thread; the tree id thread only
 * reads the encoded trees of the batches in flight.  Queues are threaded
 * through the wdirs (next), and every wdir not freed is on the live list,
 * so a failed run can free them all wherever they wait.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dirq.h"
#include "walk.h"

static void
push(struct wdir **head, struct wdir **tail, struct wdir *w)
{
	w->next = NULL;
	if (*tail != NULL)
		(*tail)->next = w;
	else
		*head = w;
	*tail = w;
}

static void
push_front(struct wdir **head, struct wdir **tail, struct wdir *w)
{
	w->next = *head;
	*head = w;
	if (*tail == NULL)
		*tail = w;
}

static struct wdir *
pop(struct wdir **head, struct wdir **tail)
{
	struct wdir *w = *head;

	if ((*head = w->next) == NULL)
		*tail = NULL;
	w->next = NULL;
	return w;
}

static void
wdir_free(struct dirq *q, struct wdir *w)
{
	q->held -= w->held;
	if (w->lprev != NULL)
		w->lprev->lnext = w->lnext;
	else
		q->live = w->lnext;
	if (w->lnext != NULL)
		w->lnext->lprev = w->lprev;
	tree_free(&w->t);
	dbuf_free(&w->enc);
	free(w->praw);
	free(w);
}

int
dirq_init(struct bk *b)
{
	struct dirq *q = &b->dq;

	if ((q->tb = calloc(DIRQ_TB, sizeof(*q->tb))) == NULL)
		return -1;
	if ((q->tq = idq_new(b->r->kh, KH_ID_TREE)) == NULL) {
		free(q->tb);
		q->tb = NULL;
		return -1;
	}
	return 0;
}

void
dirq_free(struct bk *b)
{
	idq_free(b->dq.tq);
	free(b->dq.tb);
	b->dq.tq = NULL;
	b->dq.tb = NULL;
}

struct wdir *
dirq_new(struct bk *b)
{
	struct dirq *q = &b->dq;
	struct wdir *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->lnext = q->live;
	if (q->live != NULL)
		q->live->lprev = w;
	q->live = w;
	return w;
}

/*
 * ${w}'s id is ${id}: its tree is queued for the store (unless it is the
 * parent snapshot's, ${queue} 0) and the id goes into its node above; the
 * directory above is ready once it was its last subdirectory waiting.
 */
static int
got(struct bk *b, struct wdir *w, const uint8_t id[NODE_ID_BYTES],
    int queue)
{
	struct dirq *q = &b->dq;
	struct wdir *up = w->up;

	if (queue && bk_queue(b, BLOB_TREE, id, w->enc.p, w->enc.len) != 0)
		return -1;
	dbuf_free(&w->enc);
	if (up == NULL) {
		memcpy(w->id, id, NODE_ID_BYTES);
		w->done = 1;
		return 0;
	}
	memcpy(up->t.nodes[w->idx].subtree, id, NODE_ID_BYTES);
	if (--up->kids == 0 && up->ready)
		push(&q->rhead, &q->rtail, up);
	q->nwalked--;
	wdir_free(q, w);
	return 0;
}

/*
 * Every id ${w}'s tree names is in: encode it.  The same bytes as its
 * parent-snapshot twin's tree (which the keyholder opened and checked)
 * have the same id without asking; others join the batch ${c}.
 */
static int
encode(struct bk *b, struct wdir *w, struct tbatch *c)
{
	int same;

	if (!w->encoded) {
		if (tree_encode(&w->t, &w->enc) != 0)
			return -1;
		w->encoded = 1;
		tree_free(&w->t);
		same = w->have_twin && w->enc.len == w->prawlen &&
		    memcmp(w->enc.p, w->praw, w->prawlen) == 0;
		free(w->praw);
		w->praw = NULL;
		if (same)
			return got(b, w, w->twin, 0);
	}
	/* One request stays under DIRQ_TB_BYTES but for a tree alone. */
	if (c->n > 0 && c->bytes + w->enc.len > DIRQ_TB_BYTES) {
		c->full = 1;
		return 1;
	}
	c->w[c->n] = w;
	c->ptr[c->n] = w->enc.p;
	c->len[c->n] = w->enc.len;
	c->n++;
	c->bytes += w->enc.len;
	return 0;
}

static int
tb_full(const struct tbatch *c)
{
	return c->full || c->n == KH_BATCH_MAX || c->bytes >= DIRQ_TB_BYTES;
}

/* Take the oldest tree batch in flight back. */
static int
tb_take(struct bk *b)
{
	struct dirq *q = &b->dq;
	struct tbatch *c = &q->tb[q->t_taken++ % DIRQ_TB];
	size_t i, n = c->n;

	c->n = c->bytes = 0;
	c->full = 0;
	if (idq_wait(q->tq, q->ids) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (got(b, c->w[i], q->ids[i], 1) != 0)
			return -1;
	return 0;
}

/* The small-file batch the oldest walked directory waits for: send it
 * if it is still being filled, else take the oldest in flight back. */
static int
sb_toward(struct bk *b, const struct wdir *w)
{
	return w->need > b->s_sent ? bk_sb_submit(b) : bk_sb_take(b);
}

/*
 * Move on as far as what is back allows; with ${force}, wait for the
 * keyholder until every walked directory has its id.
 */
static int
advance(struct bk *b, int force)
{
	struct dirq *q = &b->dq;
	struct tbatch *c;
	struct wdir *w;
	int r;

	for (;;) {
		/* Walked, and their small files have their chunk ids. */
		while (q->whead != NULL && q->whead->need <= b->s_taken) {
			w = pop(&q->whead, &q->wtail);
			q->nwait--;
			w->ready = 1;
			if (w->kids == 0)
				push(&q->rhead, &q->rtail, w);
		}
		/*
		 * DIRQ_SOON directories wait for a small-file batch (where
		 * small files are few, the one being filled fills slowly):
		 * send it, or wait for it, now.
		 */
		if (q->whead != NULL && q->nwait >= DIRQ_SOON) {
			if (sb_toward(b, q->whead) != 0)
				return -1;
			continue;
		}
		c = &q->tb[q->t_sent % DIRQ_TB];
		while (q->rhead != NULL && !tb_full(c)) {
			w = pop(&q->rhead, &q->rtail);
			if ((r = encode(b, w, c)) < 0)
				return -1;
			if (r > 0)	/* first in the next batch */
				push_front(&q->rhead, &q->rtail, w);
		}
		/*
		 * A batch is asked for once nothing more is ready for it; with
		 * IDQ_DEPTH in flight, the oldest is waited for only when
		 * enough trees wait to make the next request worth it.
		 */
		if (c->n > 0 && (tb_full(c) || q->rhead == NULL)) {
			if (q->t_sent - q->t_taken == IDQ_DEPTH) {
				if (!force && !tb_full(c) && c->n < DIRQ_TB_MIN)
					return 0;
				if (tb_take(b) != 0)
					return -1;
				continue;
			}
			if (idq_submit(q->tq, c->n, c->ptr, c->len) != 0)
				return -1;
			q->t_sent++;
			continue;
		}
		if (!force)
			return 0;
		if (q->t_taken < q->t_sent) {
			if (tb_take(b) != 0)
				return -1;
			continue;
		}
		if (q->whead == NULL)
			return 0;
		if (sb_toward(b, q->whead) != 0)
			return -1;
	}
}

/* What the tree ${t} holds on the heap, about. */
static size_t
tree_bytes(const struct tree *t)
{
	const struct node *n;
	size_t i, k, sum = t->cap * sizeof(*n);

	for (i = 0; i < t->count; i++) {
		n = &t->nodes[i];
		sum += n->namelen + n->targetlen +
		    n->nchunks * NODE_ID_BYTES +
		    n->nextents * sizeof(*n->extents) +
		    n->nxattrs * sizeof(*n->xattrs);
		for (k = 0; k < n->nxattrs; k++)
			sum += strlen(n->xattrs[k].name) + n->xattrs[k].len;
	}
	return sum;
}

int
dirq_walked(struct bk *b, struct wdir *w, struct wdir *up, struct node *n)
{
	struct dirq *q = &b->dq;

	if (up != NULL) {
		w->idx = up->t.count;
		if (tree_add(&up->t, n) != 0) {
			node_free_fields(n);
			return -1;
		}
		w->up = up;
		up->kids++;
	}
	w->need = bk_sb_need(b);
	w->held = w->prawlen + tree_bytes(&w->t);
	q->held += w->held;
	push(&q->whead, &q->wtail, w);
	q->nwait++;
	q->nwalked++;
	return advance(b, q->nwalked > DIRQ_MAX || q->held > DIRQ_HELD);
}

int
dirq_drain(struct bk *b)
{
	return advance(b, 1);
}

void
dirq_release(struct bk *b, struct wdir *w)
{
	b->dq.nwalked--;
	wdir_free(&b->dq, w);
}

void
dirq_drop(struct bk *b)
{
	struct dirq *q = &b->dq;
	size_t i;

	/* The id thread reads the trees in flight: wait for it first. */
	for (; q->t_taken < q->t_sent; q->t_taken++)
		if (idq_wait(q->tq, q->ids) != 0)
			continue;	/* failed too: nothing to keep */
	bk_sb_drop(b);
	while (q->live != NULL)
		wdir_free(q, q->live);
	q->whead = q->wtail = q->rhead = q->rtail = NULL;
	q->nwalked = q->nwait = 0;
	for (i = 0; i < DIRQ_TB; i++) {
		q->tb[i].n = q->tb[i].bytes = 0;
		q->tb[i].full = 0;
	}
}
