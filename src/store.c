/*
 * store.c: the store stage of a backup (see store.h and the comment on
 * struct store): compression and sealing on store threads, packing on
 * a packer thread in the order the walk queued the blobs, the packs
 * written on the main thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "buf.h"
#include "envelope.h"
#include "index.h"
#include "kh.h"
#include "pack.h"
#include "store.h"

/*
 * One job: compress each blob (kept raw when zstd does not shrink it)
 * and seal them all in one keyholder request, into the job.  0, or -1
 * with errno.
 */
static int
store_job(struct storer *t, struct job *j)
{
	struct store *s = t->s;
	const uint8_t *ptr[KH_BATCH_MAX];
	uint8_t (*ids)[ENV_ID_BYTES] = NULL;
	size_t len[KH_BATCH_MAX], need = 0, off = 0, c, i;
	uint32_t types[KH_BATCH_MAX];
	int r = -1;

	for (i = 0; i < j->n; i++)
		need += 1 + ZSTD_compressBound(j->v[i].len);
	if (mem_grow(&t->z, &t->zcap, need) != 0)
		return -1;
	for (i = 0; i < j->n; i++) {
		const uint8_t *in = j->buf + j->v[i].off;
		uint8_t *z = t->z + off;

		c = ZSTD_compressCCtx(t->zc, z + 1, need - off - 1, in,
		    j->v[i].len, s->level);
		if (ZSTD_isError(c) || c >= j->v[i].len) {
			z[0] = BLOB_RAW;
			memcpy(z + 1, in, j->v[i].len);
			c = j->v[i].len;
		} else
			z[0] = BLOB_ZSTD;
		ptr[i] = z;
		len[i] = 1 + c;
		types[i] = j->v[i].type == BLOB_TREE ? OBJ_TREE : OBJ_BLOB;
		off += 1 + c;
	}
	for (i = need = 0; i < j->n; i++)
		need += envelope_sealed_len(types[i], len[i]);
	if (s->dry_run) {
		for (i = 0; i < j->n; i++)
			j->slen[i] = envelope_sealed_len(types[i], len[i]);
		return 0;
	}
	/* The plaintexts are compressed: the sealed blobs take their place
	 * (a third buffer a job was 16 MiB more at the peak). */
	if (mem_grow(&j->buf, &j->cap, need) != 0 ||
	    (ids = calloc(j->n ? j->n : 1, ENV_ID_BYTES)) == NULL)
		goto out;
	for (i = 0; i < j->n; i++)
		memcpy(ids[i], j->v[i].id, NODE_ID_BYTES);
	if (j->n > 0 && kh_seal_batch(s->kh, j->n, types,
	    (const uint8_t (*)[ENV_ID_BYTES])ids, ptr, len, j->buf, need,
	    j->slen) != 0) {
		errno = EPROTO;
		goto out;
	}
	r = 0;
out:
	free(ids);
	return r;
}

static void *
store_main(void *arg)
{
	struct storer *t = arg;
	struct store *s = t->s;
	struct job *j;
	int e;

	(void)pthread_mutex_lock(&s->mu);
	for (;;) {
		j = &s->jobs[s->next];
		while (!(j->queued && !j->taken) && !s->quit) {
			(void)pthread_cond_wait(&s->cv, &s->mu);
			j = &s->jobs[s->next];
		}
		if (!j->queued || j->taken)
			break;		/* quit, and nothing left to take */
		j->taken = 1;
		s->next = (s->next + 1) % JOBS;
		e = s->err;
		(void)pthread_mutex_unlock(&s->mu);
		if (e == 0 && store_job(t, j) != 0)
			e = errno ? errno : EIO;
		else
			e = 0;
		(void)pthread_mutex_lock(&s->mu);
		if (e != 0 && s->err == 0)
			s->err = e;
		j->sealed = 1;
		(void)pthread_cond_broadcast(&s->cv);
	}
	(void)pthread_mutex_unlock(&s->mu);
	return NULL;
}

/*
 * Pack the oldest job the store threads took, waiting for them to seal
 * it, and free its buffer.  Called with s->mu held; drops it while it
 * writes.  0, or -1 with errno.
 */
static int
store_reap(struct store *s)
{
	struct job *j = &s->jobs[s->reap];
	uint8_t pid[PACK_ID_BYTES];
	uint32_t poff;
	size_t i, off;
	int r = 0, failed;

	while (j->queued && !j->sealed)
		(void)pthread_cond_wait(&s->cv, &s->mu);
	if (!j->queued)
		return 0;
	failed = s->err != 0;		/* then only free the buffer */
	(void)pthread_mutex_unlock(&s->mu);
	for (i = off = 0; !failed && i < j->n; off += j->slen[i++]) {
		s->stored += j->slen[i];
		if (s->dry_run)
			continue;
		if (packw_add_sealed(s->pw, NULL, j->v[i].type, j->v[i].id,
		    j->buf + off, j->slen[i], (uint32_t)j->v[i].len) != 0) {
			r = -1;
			break;
		}
		packw_last(s->pw, pid, &poff);
		(void)pthread_mutex_lock(&s->ixmu);
		r = index_place(&s->ix, j->v[i].id, pid, poff,
		    (uint32_t)j->slen[i]);
		(void)pthread_mutex_unlock(&s->ixmu);
		if (r != 0)
			break;
	}
	(void)pthread_mutex_lock(&s->mu);
	if (r != 0 && s->err == 0)
		s->err = errno ? errno : EIO;
	j->queued = j->taken = j->sealed = 0;
	j->n = j->len = 0;
	s->reap = (s->reap + 1) % JOBS;
	(void)pthread_cond_broadcast(&s->cv);	/* a buffer is free */
	return r;
}

/*
 * Pack every job in order until the walk is over and nothing is left.
 * After a failure it goes on freeing buffers so that the walk, which sees
 * s->err, is never left waiting.
 */
static void
pack_jobs(struct store *s)
{
	(void)pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->jobs[s->reap].queued)
			(void)store_reap(s);
		else if (s->walked)
			break;
		else
			(void)pthread_cond_wait(&s->cv, &s->mu);
	}
	s->packer = 0;
	(void)pthread_mutex_unlock(&s->mu);
}

void
store_pack_begin(struct store *s)
{
	(void)pthread_mutex_lock(&s->mu);
	s->packer = 1;
	(void)pthread_mutex_unlock(&s->mu);
}

static void *
packer_main(void *arg)
{
	struct store *s = arg;

	pack_jobs(s);
	packw_close(s->pw);
	return NULL;
}

/*
 * The main thread while the walk runs.  A packer thread packs the jobs
 * and hands each full pack over; this thread writes it (parity, write,
 * fsync, rename) meanwhile, so a pack's fsync no longer stops the
 * pipeline, and every repository write is still made by this one thread
 * in the same order.  Without a second thread: pack and write here.
 */
void
store_pack(struct store *s)
{
	pthread_t t;

	if (s->dry_run || packw_async(s->pw) != 0) {
		pack_jobs(s);
		return;
	}
	if (pthread_create(&t, NULL, packer_main, s) != 0) {
		packw_close(s->pw);
		packw_serve(s->pw);	/* returns at once: synchronous */
		pack_jobs(s);
		return;
	}
	packw_serve(s->pw);
	(void)pthread_join(t, NULL);
}

/* The walk is over (it ends with store_submit): let store_pack return. */
void
store_walked(struct store *s)
{
	(void)pthread_mutex_lock(&s->mu);
	s->walked = 1;
	(void)pthread_cond_broadcast(&s->cv);
	(void)pthread_mutex_unlock(&s->mu);
}

/*
 * Hand the job being filled to the store threads and pack what they have
 * sealed: with ${all}, every job handed over; otherwise at least enough
 * that the next buffer is free.  While the main thread is in store_pack
 * (the caller is the walk), wait for it to free the next buffer instead.
 * 0, or -1 with errno when the store failed.
 */
int
store_submit(struct store *s, int all)
{
	struct job *j;
	int e;

	if (s->nw == 0) {
		errno = EINVAL;
		return -1;
	}
	(void)pthread_mutex_lock(&s->mu);
	j = &s->jobs[s->fill];
	if (j->n > 0) {
		j->queued = 1;
		(void)pthread_cond_broadcast(&s->cv);
		s->fill = (s->fill + 1) % JOBS;
	}
	if (s->packer)
		while (s->jobs[s->fill].queued && s->err == 0)
			(void)pthread_cond_wait(&s->cv, &s->mu);
	else
		while (s->jobs[s->reap].queued && (all ||
		    s->jobs[s->reap].sealed || s->reap == s->fill))
			(void)store_reap(s);
	e = s->err;
	(void)pthread_mutex_unlock(&s->mu);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Let the store threads finish every job, and join them.  0, or -1. */
int
store_stop(struct store *s)
{
	size_t i;
	int r;

	if (s->nw == 0)
		return 0;
	r = store_submit(s, 1);
	(void)pthread_mutex_lock(&s->mu);
	s->quit = 1;
	(void)pthread_cond_broadcast(&s->cv);
	(void)pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nw; i++)
		(void)pthread_join(s->w[i].thread, NULL);
	s->nw = 0;
	if (r == 0 && s->err != 0) {
		errno = s->err;
		r = -1;
	}
	return r;
}

/* store_start(s, r, dry_run): see store.h. */
int
store_start(struct store *s, struct repo *r, int dry_run)
{
	size_t i;
	int e;

	s->kh = r->kh;
	s->level = r->cfg.zstd_level;
	s->dry_run = dry_run;
	index_init(&s->ix);
	if ((s->pw = packw_new(r->kh, r->dirfd, r->cfg.pack_bytes)) == NULL)
		return -1;
	for (i = 0; i < JOBS; i++) {
		if ((s->jobs[i].buf = malloc(JOB_BYTES)) == NULL)
			return -1;
		s->jobs[i].cap = JOB_BYTES;
	}
	for (i = 0; i < STORERS; i++) {
		s->w[i].s = s;
		if ((s->w[i].zc = ZSTD_createCCtx()) == NULL)
			return -1;
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0 ||
	    pthread_mutex_init(&s->ixmu, NULL) != 0 ||
	    pthread_cond_init(&s->cv, NULL) != 0)
		return -1;
	for (i = 0; i < STORERS; i++) {
		if ((e = pthread_create(&s->w[i].thread, NULL, store_main,
		    &s->w[i])) != 0) {
			(void)store_stop(s);
			errno = e;
			return -1;
		}
		s->nw++;
	}
	return 0;
}

/* store_free(s): see store.h. */
void
store_free(struct store *s)
{
	size_t i;

	(void)store_stop(s);
	for (i = 0; i < JOBS; i++) {
		free(s->jobs[i].buf);
	}
	for (i = 0; i < STORERS; i++) {
		ZSTD_freeCCtx(s->w[i].zc);
		free(s->w[i].z);
	}
	index_free(&s->ix);
	packw_free(s->pw);
}

/* store_queue(s, type, id, data, len): see store.h. */
int
store_queue(struct store *s, uint8_t type, const uint8_t id[NODE_ID_BYTES],
    const uint8_t *data, size_t len)
{
	struct job *j = &s->jobs[s->fill];
	struct jblob *v;
	int r;

	(void)pthread_mutex_lock(&s->ixmu);
	r = index_reserve(&s->ix, id, type, (uint32_t)len);
	(void)pthread_mutex_unlock(&s->ixmu);
	if (r <= 0)
		return r;
	/* Against JOB_BYTES, not j->cap: sealing grows the buffer by its
	 * overhead, and a fill up to the grown size would grow it again. */
	if ((j->n == KH_BATCH_MAX || j->len + len > JOB_BYTES) && j->n > 0) {
		if (store_submit(s, 0) != 0)
			return -1;
		j = &s->jobs[s->fill];
	}
	if (len > j->cap && mem_grow(&j->buf, &j->cap, len) != 0)
		return -1;	/* a tree larger than a job: alone */
	v = &j->v[j->n++];
	memcpy(v->id, id, NODE_ID_BYTES);
	v->type = type;
	v->off = j->len;
	v->len = len;
	memcpy(j->buf + j->len, data, len);
	j->len += len;
	return 1;
}
