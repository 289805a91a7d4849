/*
 * kh_client.c: the worker's side of the keyholder interface.  Each call is
 * one request and one answer on the socket; anything unexpected (a closed
 * socket, a wrong answer type or sequence number, a short or long answer)
 * ends the worker, since the keyholder would never send it.
 */
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "ipc.h"
#include "kh_priv.h"
#include "log.h"

static void __attribute__((noreturn))
gone(int e, int closed)
{
	fatal(EXIT_ERR, "keyholder gone (%s); nothing was changed after "
	    "this point", closed ? "it closed the channel" : strerror(e));
}

static void __attribute__((noreturn))
violation(const char *what)
{
	fatal(EXIT_ERR, "keyholder protocol violation (%s)", what);
}

/* ${ans} must answer request ${type}/${seq}. */
static void
is_answer(const struct ipc_msg *ans, uint32_t type, uint32_t seq)
{
	if (ans->type != type + 1 || ans->seq != seq)
		fatal(EXIT_ERR, "keyholder protocol violation (answer %u/%u "
		    "to request %u/%u)", ans->type, ans->seq, type, seq);
}

/* The answer to request ${type}/${seq}: its header only (batch). */
static void
answer_hdr(struct kh *kh, uint32_t type, uint32_t seq, struct ipc_msg *ans)
{
	int r;

	if ((r = ipc_recv_hdr(kh->fd, ans)) != 0)
		gone(errno, r == 1);
	is_answer(ans, type, seq);
}

/* The rest of a round trip: the answer's payload is left in ${ans}. */
static void
finish(struct kh *kh, uint32_t type, uint32_t seq, struct ipc_msg *ans)
{
	int r;

	if ((r = ipc_recv(kh->fd, ans)) != 0)
		gone(errno, r == 1);
	is_answer(ans, type, seq);
}

/* One round trip; the answer's payload is left in ${ans}. */
static void
call(struct kh *kh, uint32_t type, const void *a, size_t alen, const void *b,
    size_t blen, struct ipc_msg *ans)
{
	uint32_t seq = ++kh->seq;

	if (ipc_send(kh->fd, type, seq, a, alen, b, blen) != 0)
		gone(errno, 0);
	finish(kh, type, seq, ans);
}

/* The same, with the request in pieces (consumed). */
static void
callv(struct kh *kh, uint32_t type, struct iovec *iov, size_t n,
    struct ipc_msg *ans)
{
	uint32_t seq = ++kh->seq;

	if (ipc_sendv(kh->fd, type, seq, iov, n) != 0)
		gone(errno, 0);
	finish(kh, type, seq, ans);
}

/* The leading u32 status of an answer. */
static int
status(struct ipc_msg *ans, struct rbuf *r)
{
	uint32_t st;

	rbuf_init(r, ans->p, ans->len);
	if (rbuf_get_u32(r, &st) != 0)
		fatal(EXIT_ERR, "keyholder protocol violation (short answer)");
	return (int)(int32_t)st;
}

static void
done(struct ipc_msg *ans, struct rbuf *r)
{
	if (rbuf_end(r) != 0)
		fatal(EXIT_ERR, "keyholder protocol violation (trailing bytes)");
	ipc_msg_free(ans);
}

int
khc_unlock(struct kh *kh, const struct kh_slotfile *slots, size_t n,
    size_t *which)
{
	struct ipc_msg ans;
	struct dbuf b;
	struct rbuf r;
	uint32_t w;
	size_t i;
	int st;

	dbuf_init(&b, IPC_FRAME_MAX);
	dbuf_put_bytes(&b, kh->repo_id, ENV_REPOID_BYTES);
	dbuf_put_u32(&b, (uint32_t)n);
	for (i = 0; i < n; i++) {
		dbuf_put_bytes(&b, slots[i].id, SLOT_ID_BYTES);
		dbuf_put_u32(&b, (uint32_t)slots[i].len);
		dbuf_put_bytes(&b, slots[i].bytes, slots[i].len);
	}
	if (b.err)
		fatal(EXIT_ERR, "out of memory");
	call(kh, KH_REQ_UNLOCK, b.p, b.len, NULL, 0, &ans);
	dbuf_free(&b);
	st = status(&ans, &r);
	if (rbuf_get_u32(&r, &w) != 0 || (st == KH_OK && w >= n))
		fatal(EXIT_ERR, "keyholder protocol violation (unlock)");
	done(&ans, &r);
	*which = w;
	return st;
}

int
khc_generate(struct kh *kh)
{
	struct ipc_msg ans;
	struct rbuf r;
	int st;

	call(kh, KH_REQ_GENERATE, kh->repo_id, ENV_REPOID_BYTES, NULL, 0, &ans);
	st = status(&ans, &r);
	done(&ans, &r);
	return st;
}

int
khc_slot_new(struct kh *kh, int which, uint32_t kind,
    uint8_t id[SLOT_ID_BYTES], uint8_t *out, size_t cap, size_t *len)
{
	struct ipc_msg ans;
	uint8_t req[8];
	struct rbuf r;
	uint32_t n;
	int st;

	le32enc(req, (uint32_t)which);
	le32enc(req + 4, kind);
	call(kh, KH_REQ_SLOT_NEW, req, sizeof(req), NULL, 0, &ans);
	if ((st = status(&ans, &r)) == KH_OK) {
		if (rbuf_get_bytes(&r, id, SLOT_ID_BYTES) != 0 ||
		    rbuf_get_u32(&r, &n) != 0 || n > cap ||
		    rbuf_get_bytes(&r, out, n) != 0)
			fatal(EXIT_ERR, "keyholder protocol violation (slot)");
		*len = n;
	}
	done(&ans, &r);
	return st;
}

int
khc_recovery_show(struct kh *kh)
{
	struct ipc_msg ans;
	struct rbuf r;
	int st;

	call(kh, KH_REQ_RECOVERY, NULL, 0, NULL, 0, &ans);
	st = status(&ans, &r);
	done(&ans, &r);
	return st;
}

int
khc_slot_info(struct kh *kh, const struct kh_slotfile *f,
    struct kh_slotinfo *info)
{
	struct ipc_msg ans;
	struct rbuf r;
	int st;

	call(kh, KH_REQ_SLOT_INFO, f->id, SLOT_ID_BYTES, f->bytes, f->len,
	    &ans);
	if ((st = status(&ans, &r)) == 0 &&
	    (rbuf_get_u32(&r, &info->kind) != 0 ||
	    rbuf_get_u64(&r, &info->created) != 0 ||
	    rbuf_get_u32(&r, &info->kdf.t_cost) != 0 ||
	    rbuf_get_u32(&r, &info->kdf.m_kib) != 0 ||
	    rbuf_get_u32(&r, &info->kdf.lanes) != 0))
		fatal(EXIT_ERR, "keyholder protocol violation (slot info)");
	done(&ans, &r);
	return st;
}

/* Seal and open share a shape: type, id, bytes in; status, bytes out. */
static int
transform(struct kh *kh, uint32_t req, uint32_t type, const uint8_t *id,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	uint8_t hdr[4 + ENV_ID_BYTES];
	struct ipc_msg ans;
	struct rbuf r;
	size_t n;
	int st;

	le32enc(hdr, type);
	memcpy(hdr + 4, id, ENV_ID_BYTES);
	call(kh, req, hdr, sizeof(hdr), in, inlen, &ans);
	if ((st = status(&ans, &r)) == 0) {
		n = rbuf_left(&r);
		if (n > cap || rbuf_get_bytes(&r, out, n) != 0)
			fatal(EXIT_ERR, "keyholder protocol violation "
			    "(%zu bytes for a %zu-byte buffer)", n, cap);
		*outlen = n;
	}
	done(&ans, &r);
	return st;
}

int
khc_seal(struct kh *kh, uint32_t type, const uint8_t *id, const uint8_t *pt,
    size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	return transform(kh, KH_REQ_SEAL, type, id, pt, len, out, cap, outlen);
}

int
khc_open(struct kh *kh, uint32_t type, const uint8_t *id, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t cap, size_t *outlen)
{
	return transform(kh, KH_REQ_OPEN, type, id, in, inlen, out, cap,
	    outlen);
}

int
khc_id(struct kh *kh, uint32_t domain, const uint8_t *data, size_t len,
    uint8_t *id)
{
	struct ipc_msg ans;
	struct rbuf r;
	uint8_t d[4];
	int st;

	le32enc(d, domain);
	call(kh, KH_REQ_ID, d, sizeof(d), data, len, &ans);
	if ((st = status(&ans, &r)) == 0 &&
	    rbuf_get_bytes(&r, id, KH_ID_BYTES) != 0)
		fatal(EXIT_ERR, "keyholder protocol violation (id)");
	done(&ans, &r);
	return st;
}

int
khc_chunker_key(struct kh *kh, uint8_t *key)
{
	struct ipc_msg ans;
	struct rbuf r;
	int st;

	call(kh, KH_REQ_CHUNKER, NULL, 0, NULL, 0, &ans);
	if ((st = status(&ans, &r)) == 0 &&
	    rbuf_get_bytes(&r, key, ENV_KEY_BYTES) != 0)
		fatal(EXIT_ERR, "keyholder protocol violation (chunker key)");
	/* The key was in the answer buffer: wipe it before freeing. */
	sodium_memzero(ans.p, ans.len);
	done(&ans, &r);
	return st;
}

int
khc_id_batch(struct kh *kh, uint32_t domain, size_t n,
    const uint8_t *const *data, const size_t *lens,
    uint8_t (*ids)[KH_ID_BYTES])
{
	uint8_t hdr[8], (*lb)[4] = NULL;
	struct iovec *iov = NULL;
	struct ipc_msg ans;
	struct rbuf r;
	size_t i;
	int st;

	if ((iov = calloc(1 + 2 * n, sizeof(*iov))) == NULL ||
	    (lb = calloc(n ? n : 1, sizeof(*lb))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	le32enc(hdr, domain);
	le32enc(hdr + 4, (uint32_t)n);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	for (i = 0; i < n; i++) {
		le32enc(lb[i], (uint32_t)lens[i]);
		iov[1 + 2 * i].iov_base = lb[i];
		iov[1 + 2 * i].iov_len = 4;
		iov[2 + 2 * i].iov_base = (void *)(uintptr_t)data[i];
		iov[2 + 2 * i].iov_len = lens[i];
	}
	callv(kh, KH_REQ_ID_BATCH, iov, 1 + 2 * n, &ans);
	free(iov);
	free(lb);
	if ((st = status(&ans, &r)) == 0)
		for (i = 0; i < n; i++)
			if (rbuf_get_bytes(&r, ids[i], KH_ID_BYTES) != 0)
				fatal(EXIT_ERR, "keyholder protocol violation "
				    "(id batch)");
	done(&ans, &r);
	return st;
}

/*
 * A batch of objects: u32 n | n × (u32 type | id[32] | u32 len | bytes),
 * sent from where the blobs are; the answer, u32 status | n × (u32 len |
 * bytes), is read straight into ${out} (no copy of either in between).
 * With ${failok}, a length of 0xffffffff marks an object that could not
 * be done (outlens[i] = SIZE_MAX).
 */
#define OBJ_HDR	(4 + ENV_ID_BYTES + 4)

/*
 * The answer's payload, read through a small buffer so that a batch of
 * small blobs costs a few reads, not two per blob; a blob larger than
 * the buffer goes straight to its place.
 */
#define RD_BUF	(64u << 10)

struct rd {
	int		 fd;
	size_t		 left;		/* payload bytes still in the socket */
	size_t		 pos, len;	/* buffered: buf[pos..len) */
	uint8_t		 buf[RD_BUF];
};

/* ${n} bytes of the payload into ${p}: 0, or -1 past its end. */
static int
take(struct rd *r, uint8_t *p, size_t n)
{
	ssize_t got;
	size_t k;

	while (n > 0) {
		if (r->pos < r->len) {
			k = n < r->len - r->pos ? n : r->len - r->pos;
			memcpy(p, r->buf + r->pos, k);
			r->pos += k;
			p += k;
			n -= k;
			continue;
		}
		if (n > r->left)
			return -1;
		if (n >= RD_BUF) {
			if (ipc_read(r->fd, p, n) != 0)
				gone(errno, 0);
			r->left -= n;
			return 0;
		}
		got = read(r->fd, r->buf, r->left < RD_BUF ? r->left : RD_BUF);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			gone(got == 0 ? EPROTO : errno, got == 0);
		r->pos = 0;
		r->len = (size_t)got;
		r->left -= (size_t)got;
	}
	return 0;
}

static int
batch(struct kh *kh, uint32_t req, size_t n, const uint32_t *types,
    const uint8_t (*ids)[ENV_ID_BYTES], const uint8_t *const *ins,
    const size_t *inlens, uint8_t *out, size_t cap, size_t *outlens,
    int failok)
{
	uint8_t nb[4], (*hb)[OBJ_HDR] = NULL, lb[4];
	struct iovec *iov = NULL;
	struct ipc_msg ans;
	uint32_t seq = ++kh->seq, st, len;
	size_t i, off = 0;
	struct rd rd;		/* 64 KiB of stack */

	if ((iov = calloc(1 + 2 * n, sizeof(*iov))) == NULL ||
	    (hb = calloc(n ? n : 1, sizeof(*hb))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	le32enc(nb, (uint32_t)n);
	iov[0].iov_base = nb;
	iov[0].iov_len = sizeof(nb);
	for (i = 0; i < n; i++) {
		le32enc(hb[i], types[i]);
		memcpy(hb[i] + 4, ids[i], ENV_ID_BYTES);
		le32enc(hb[i] + 4 + ENV_ID_BYTES, (uint32_t)inlens[i]);
		iov[1 + 2 * i].iov_base = hb[i];
		iov[1 + 2 * i].iov_len = OBJ_HDR;
		iov[2 + 2 * i].iov_base = (void *)(uintptr_t)ins[i];
		iov[2 + 2 * i].iov_len = inlens[i];
	}
	if (ipc_sendv(kh->fd, req, seq, iov, 1 + 2 * n) != 0)
		gone(errno, 0);
	free(iov);
	free(hb);
	answer_hdr(kh, req, seq, &ans);
	rd.fd = kh->fd;
	rd.pos = rd.len = 0;
	rd.left = ans.len;
	if (ans.len < 4 || take(&rd, lb, 4) != 0)
		violation("batch");
	if ((st = le32dec(lb)) != 0) {
		if (ans.len != 4)
			violation("batch");
		return (int)(int32_t)st;
	}
	for (i = 0; i < n; i++) {
		if (take(&rd, lb, 4) != 0)
			violation("batch");
		len = le32dec(lb);
		if (failok && len == UINT32_MAX) {
			outlens[i] = SIZE_MAX;
			continue;
		}
		if (len > cap - off || take(&rd, out + off, len) != 0)
			violation("batch");
		outlens[i] = len;
		off += len;
	}
	if (rd.left != 0 || rd.pos != rd.len)
		violation("batch (trailing bytes)");
	return 0;
}

int
khc_open_batch(struct kh *kh, size_t n, const uint32_t *types,
    const uint8_t (*ids)[ENV_ID_BYTES], const uint8_t *const *ins,
    const size_t *inlens, uint8_t *out, size_t cap, size_t *outlens)
{
	return batch(kh, KH_REQ_OPEN_BATCH, n, types, ids, ins, inlens, out,
	    cap, outlens, 1);
}

int
khc_seal_batch(struct kh *kh, size_t n, const uint32_t *types,
    const uint8_t (*ids)[ENV_ID_BYTES], const uint8_t *const *pts,
    const size_t *lens, uint8_t *out, size_t cap, size_t *outlens)
{
	return batch(kh, KH_REQ_SEAL_BATCH, n, types, ids, pts, lens, out, cap,
	    outlens, 0);
}
