/*
 * idq.c: keyholder id requests on a thread of their own (idq.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "idq.h"

struct idbatch {
	const uint8_t	*ptr[KH_BATCH_MAX];
	size_t		 len[KH_BATCH_MAX];
	uint8_t		 ids[KH_BATCH_MAX][KH_ID_BYTES];
	size_t		 n;
	int		 state;		/* FREE, ASKED, DONE */
	int		 rc;
};

#define FREE	0
#define ASKED	1
#define DONE	2

struct idq {
	struct kh	*kh;
	uint32_t	 domain;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 quit;
	struct idbatch	 v[IDQ_DEPTH];
	size_t		 in, work, out;	/* next to fill, to hash, to return */
};

static void *
idq_main(void *arg)
{
	struct idq *q = arg;
	struct idbatch *t;
	int rc;

	(void)pthread_mutex_lock(&q->mu);
	for (;;) {
		t = &q->v[q->work];
		while (t->state != ASKED && !q->quit)
			(void)pthread_cond_wait(&q->cv, &q->mu);
		if (t->state != ASKED)
			break;
		(void)pthread_mutex_unlock(&q->mu);
		rc = kh_id_batch(q->kh, q->domain, t->n, t->ptr, t->len,
		    t->ids);
		(void)pthread_mutex_lock(&q->mu);
		t->rc = rc;
		t->state = DONE;
		q->work = (q->work + 1) % IDQ_DEPTH;
		(void)pthread_cond_broadcast(&q->cv);
	}
	(void)pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct idq *
idq_new(struct kh *kh, uint32_t domain)
{
	struct idq *q;
	int e;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->kh = kh;
	q->domain = domain;
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return NULL;
	}
	if (pthread_cond_init(&q->cv, NULL) != 0) {
		(void)pthread_mutex_destroy(&q->mu);
		free(q);
		return NULL;
	}
	if ((e = pthread_create(&q->thread, NULL, idq_main, q)) != 0) {
		(void)pthread_cond_destroy(&q->cv);
		(void)pthread_mutex_destroy(&q->mu);
		free(q);
		errno = e;
		return NULL;
	}
	return q;
}

int
idq_submit(struct idq *q, size_t n, const uint8_t *const *ptr,
    const size_t *len)
{
	struct idbatch *t;

	if (n > KH_BATCH_MAX) {
		errno = EINVAL;
		return -1;
	}
	(void)pthread_mutex_lock(&q->mu);
	t = &q->v[q->in];
	while (t->state != FREE)	/* the caller must take it back first */
		(void)pthread_cond_wait(&q->cv, &q->mu);
	memcpy(t->ptr, ptr, n * sizeof(*ptr));
	memcpy(t->len, len, n * sizeof(*len));
	t->n = n;
	t->state = ASKED;
	q->in = (q->in + 1) % IDQ_DEPTH;
	(void)pthread_cond_broadcast(&q->cv);
	(void)pthread_mutex_unlock(&q->mu);
	return 0;
}

int
idq_wait(struct idq *q, uint8_t (*ids)[KH_ID_BYTES])
{
	struct idbatch *t;
	int rc;

	(void)pthread_mutex_lock(&q->mu);
	t = &q->v[q->out];
	if (t->state == FREE) {
		(void)pthread_mutex_unlock(&q->mu);
		errno = EINVAL;
		return -1;
	}
	while (t->state != DONE)
		(void)pthread_cond_wait(&q->cv, &q->mu);
	memcpy(ids, t->ids, t->n * KH_ID_BYTES);
	rc = t->rc;
	t->state = FREE;
	t->n = 0;
	q->out = (q->out + 1) % IDQ_DEPTH;
	(void)pthread_cond_broadcast(&q->cv);
	(void)pthread_mutex_unlock(&q->mu);
	if (rc != 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void
idq_free(struct idq *q)
{
	if (q == NULL)
		return;
	(void)pthread_mutex_lock(&q->mu);
	while (q->v[q->work].state == ASKED)	/* let it finish reading */
		(void)pthread_cond_wait(&q->cv, &q->mu);
	q->quit = 1;
	(void)pthread_cond_broadcast(&q->cv);
	(void)pthread_mutex_unlock(&q->mu);
	(void)pthread_join(q->thread, NULL);
	(void)pthread_cond_destroy(&q->cv);
	(void)pthread_mutex_destroy(&q->mu);
	free(q);
}
