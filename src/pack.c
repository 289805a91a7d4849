/*
 * pack.c: writing and reading packs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "fsio.h"
#include "log.h"
#include "padme.h"
#include "pack.h"
#include "parity.h"
#include "tree.h"

#define PACK_ALIGN	FSIO_DIRECT_ALIGN	/* the pack buffer: for O_DIRECT */

struct packw {
	struct kh	*kh;
	int		 repofd;
	size_t		 pack_bytes;
	uint8_t		 id[PACK_ID_BYTES];
	uint8_t		*buf;		/* the pack being filled */
	size_t		 len;
	size_t		 cap;
	struct dbuf	 hdr;		/* header entries of this pack */
	uint32_t	 count;
	uint32_t	 last;		/* offset of the blob added last */
	uint64_t	 packs, bytes;	/* written; under mu with a writer */
	/*
	 * Packs handed over (packw_async): the thread in packw_serve adds
	 * the parity of each full pack and writes it (O_DIRECT, fsync,
	 * rename, directory fsync) while the caller fills the next pack
	 * in the other buffer.
	 */
	int		 async;		/* hand full packs over */
	int		 sync_init;	/* mu and cv made */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint8_t		*out;		/* the pack handed over, or NULL */
	size_t		 outlen, outcap;
	uint8_t		 outid[PACK_ID_BYTES];
	struct parity_geom outg;	/* outg.P == 0: no parity */
	uint8_t		*spare;		/* the other buffer, or NULL */
	size_t		 sparecap;
	int		 err;		/* a failed write's errno: sticky */
	int		 closed;	/* packw_close: serve no more */
};

/*
 * The packs a reader keeps open, the least recently used closed first: a
 * restore reads each directory's files in name order, which is not the
 * order they went into packs, so it moves back and forth between a few
 * packs (with one kept open, 20,622 opens for 100,000 files in 16 packs).
 * Few enough beside the walks' 64 directories (RLIMIT_NOFILE may be
 * 1024).
 */
#define PACKR_OPEN_MAX	16

struct packfd {
	int		 fd;		/* -1: none */
	uint64_t	 used;		/* when last used; 0: never */
	uint8_t		 id[PACK_ID_BYTES];
};

struct packr {
	int		 repofd;
	int		 fd;		/* the pack in use: one of open[] */
	uint8_t		 id[PACK_ID_BYTES];
	struct packfd	 open[PACKR_OPEN_MAX];
	uint64_t	 tick;
	uint8_t		*sealed;
	size_t		 sealedcap;
	uint8_t		*plain;
	size_t		 plaincap;
	ZSTD_DCtx	*dz;		/* reused: see reader_blob_plain */
	uint8_t		*mem;		/* pack tried's copy repaired from its
					 * parity, or NULL */
	uint64_t	 memlen;
	int		 tried;		/* a repair was tried for pack tried: */
	uint8_t		 triedid[PACK_ID_BYTES];	/* not twice */
};

void
pack_name(const uint8_t id[PACK_ID_BYTES], char shard[3],
    char name[2 * PACK_ID_BYTES + 1])
{
	sodium_bin2hex(name, 2 * PACK_ID_BYTES + 1, id, PACK_ID_BYTES);
	shard[0] = name[0];
	shard[1] = name[1];
	shard[2] = '\0';
}

static void
start_pack(struct packw *w)
{
	randombytes_buf(w->id, PACK_ID_BYTES);
	w->len = 0;
	w->count = 0;
	dbuf_free(&w->hdr);
	dbuf_init(&w->hdr, (size_t)1 << 30);
}

static int ensure_cap(struct packw *, size_t);

/*
 * The bytes a full pack takes with its parity: a pack buffer is made that
 * large at once, since growing it later holds the old and the new buffer
 * together (16 MiB more at the peak of every backup).
 */
static size_t
full_cap(size_t pack_bytes)
{
	struct parity_geom g;

	return parity_layout(pack_bytes, &g) == 0 && g.P > 0 ?
	    (size_t)g.P : pack_bytes;
}

struct packw *
packw_new(struct kh *kh, int repofd, size_t pack_bytes)
{
	struct packw *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->kh = kh;
	w->repofd = repofd;
	w->pack_bytes = pack_bytes;
	if (ensure_cap(w, full_cap(pack_bytes)) != 0) {
		free(w);
		return NULL;
	}
	start_pack(w);
	return w;
}

void
packw_free(struct packw *w)
{
	if (w == NULL)
		return;
	if (w->sync_init) {
		(void)pthread_cond_destroy(&w->cv);
		(void)pthread_mutex_destroy(&w->mu);
	}
	dbuf_free(&w->hdr);
	free(w->buf);
	free(w->out);
	free(w->spare);
	free(w);
}

void
packw_stats(const struct packw *w, uint64_t *packs, uint64_t *bytes)
{
	*packs = w->packs;
	*bytes = w->bytes;
}

/* Sealed header length for ${count} entries. */
static size_t
hdr_sealed_len(uint32_t count)
{
	return envelope_sealed_len(OBJ_PACKHDR,
	    8 + (size_t)count * PACK_HDR_ENTRY_BYTES);
}

static int
ensure_cap(struct packw *w, size_t need)
{
	uint8_t *p;

	if (need <= w->cap)
		return 0;
	need = (need + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
	if (posix_memalign((void **)&p, PACK_ALIGN, need) != 0) {
		errno = ENOMEM;
		return -1;
	}
	if (w->len > 0)
		memcpy(p, w->buf, w->len);
	free(w->buf);
	w->buf = p;
	w->cap = need;
	return 0;
}

/* Open packs/${shard}, made durable (fsio_subdir) before a pack goes in. */
static int
shard_dir(int repofd, const char *shard)
{
	int pfd, dfd;

	if ((pfd = fsio_subdir(repofd, PACK_DIR)) < 0)
		return -1;
	dfd = fsio_subdir(pfd, shard);
	(void)close(pfd);
	return dfd;
}

/*
 * ${len} random bytes of padding: a ChaCha20 stream under a fresh random
 * seed (randombytes_buf_deterministic), as unpredictable as
 * randombytes_buf, which asks the kernel 256 bytes a call (13,427
 * getrandom calls for a 100 MB backup).
 */
static void
pad_random(uint8_t *p, size_t len)
{
	uint8_t seed[randombytes_SEEDBYTES];

	randombytes_buf(seed, sizeof(seed));
	randombytes_buf_deterministic(p, len, seed);
	sodium_memzero(seed, sizeof(seed));
}

/*
 * Write pack ${id} from ${buf}: its parity first (parity.h; ${g}->P == 0:
 * none), in the ${cap} bytes of ${buf}, so the file is a fixed function
 * of its padded size and its size tells no more than before.  The
 * caller's thread, or the writer thread.  The file's size, or 0 with
 * errno.
 */
static uint64_t
put_pack(int repofd, const uint8_t id[PACK_ID_BYTES], uint8_t *buf,
    size_t len, const struct parity_geom *g)
{
	char shard[3], name[2 * PACK_ID_BYTES + 1];
	int dfd, r;

	if (g->P > 0) {
		if (parity_encode(buf, g) != 0)
			return 0;
		len = (size_t)g->P;
	}
	pack_name(id, shard, name);
	if ((dfd = shard_dir(repofd, shard)) < 0)
		return 0;
	r = fsio_write_atomic_direct(dfd, name, buf, len);
	(void)close(dfd);
	return r == 0 ? len : 0;
}

/* packw_async(w): see pack.h. */
int
packw_async(struct packw *w)
{
	if (!w->sync_init) {
		if (pthread_mutex_init(&w->mu, NULL) != 0)
			return -1;
		if (pthread_cond_init(&w->cv, NULL) != 0) {
			(void)pthread_mutex_destroy(&w->mu);
			return -1;
		}
		w->sync_init = 1;
	}
	w->closed = 0;
	w->async = 1;
	return 0;
}

/* packw_serve(w): see pack.h. */
void
packw_serve(struct packw *w)
{
	uint64_t n;
	int e;

	(void)pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->out == NULL && !w->closed)
			(void)pthread_cond_wait(&w->cv, &w->mu);
		if (w->out == NULL)
			break;
		(void)pthread_mutex_unlock(&w->mu);
		errno = 0;
		n = w->err == 0 ? put_pack(w->repofd, w->outid, w->out,
		    w->outlen, &w->outg) : 0;
		e = errno;
		(void)pthread_mutex_lock(&w->mu);
		if (n > 0) {
			w->packs++;
			w->bytes += n;
		} else if (w->err == 0)
			w->err = e != 0 ? e : EIO;
		w->spare = w->out;
		w->sparecap = w->outcap;
		w->out = NULL;
		(void)pthread_cond_broadcast(&w->cv);
	}
	w->async = 0;		/* from now on the filler writes each pack */
	(void)pthread_mutex_unlock(&w->mu);
}

/* packw_close(w): see pack.h. */
void
packw_close(struct packw *w)
{
	(void)pthread_mutex_lock(&w->mu);
	w->closed = 1;
	(void)pthread_cond_broadcast(&w->cv);
	(void)pthread_mutex_unlock(&w->mu);
}

/*
 * Write the pack in the buffer, padded to ${total} bytes: header and
 * trailer sealed here, then parity and the file here or, with a writer
 * thread, there while the next pack fills the other buffer.
 */
static int
write_pack(struct packw *w, size_t total)
{
	uint8_t hid[ENV_ID_BYTES], tid[ENV_ID_BYTES], *hp, tl[8];
	size_t hlen = hdr_sealed_len(w->count), got, pad;
	struct parity_geom g;
	struct dbuf h;
	uint64_t n;
	int r = -1;

	pad = total - w->len - hlen - PACK_TRAILER_BYTES;
	if (ensure_cap(w, total) != 0)
		return -1;
	pad_random(w->buf + w->len, pad);
	w->len += pad;
	dbuf_init(&h, (size_t)1 << 30);
	dbuf_put_u32(&h, PACK_FORMAT);
	dbuf_put_u32(&h, w->count);
	dbuf_put_bytes(&h, w->hdr.p, w->hdr.len);
	memset(hid, 0, sizeof(hid));
	memcpy(hid, w->id, PACK_ID_BYTES);
	memcpy(tid, hid, sizeof(tid));
	tid[PACK_ID_BYTES] = 1;
	hp = w->buf + w->len;
	if (h.err || kh_seal(w->kh, OBJ_PACKHDR, hid, h.p, h.len, hp,
	    w->cap - w->len, &got) != 0 || got != hlen)
		goto out;
	w->len += got;
	le64enc(tl, got);
	if (kh_seal(w->kh, OBJ_PACKHDR, tid, tl, sizeof(tl), w->buf + w->len,
	    w->cap - w->len, &got) != 0 || got != PACK_TRAILER_BYTES)
		goto out;
	w->len += got;
	if (parity_layout(w->len, &g) != 0 || ensure_cap(w, (size_t)g.P) != 0)
		goto out;
	if (!w->async) {
		if (w->err != 0)	/* a pack handed over was not written */
			errno = w->err;
		else if ((n = put_pack(w->repofd, w->id, w->buf, w->len,
		    &g)) > 0) {
			w->packs++;
			w->bytes += n;
			r = 0;
		}
		goto out;
	}
	/* Hand the buffer over and take the other one. */
	(void)pthread_mutex_lock(&w->mu);
	while (w->out != NULL)
		(void)pthread_cond_wait(&w->cv, &w->mu);
	if (w->err != 0)
		errno = w->err;
	else {
		w->out = w->buf;
		w->outcap = w->cap;
		w->outlen = w->len;
		w->outg = g;
		memcpy(w->outid, w->id, PACK_ID_BYTES);
		w->buf = w->spare;
		w->cap = w->sparecap;
		w->spare = NULL;
		w->sparecap = 0;
		w->len = 0;
		(void)pthread_cond_broadcast(&w->cv);
		r = 0;
	}
	(void)pthread_mutex_unlock(&w->mu);
	if (r == 0)
		r = ensure_cap(w, full_cap(w->pack_bytes));
out:
	dbuf_free(&h);
	return r;
}

/* Write the current pack as a full one (or Padmé if it overflows). */
static int
flush_full(struct packw *w)
{
	size_t need = w->len + hdr_sealed_len(w->count) + PACK_TRAILER_BYTES;
	size_t total = need <= w->pack_bytes ? w->pack_bytes : padme(need);

	if (w->count == 0)
		return 0;
	if (write_pack(w, total) != 0)
		return -1;
	start_pack(w);
	return 0;
}

/* Room for a sealed blob of ${slen} bytes: a full pack goes out first. */
static int
reserve(struct packw *w, size_t slen)
{
	if (w->count > 0 && w->len + slen + hdr_sealed_len(w->count + 1) +
	    PACK_TRAILER_BYTES > w->pack_bytes && flush_full(w) != 0)
		return -1;
	/* A blob larger than a pack gets an oversized pack of its own. */
	return ensure_cap(w, w->len + slen);
}

/* The blob just placed at w->len: header entry, index, advance. */
static int
record(struct packw *w, struct index *ix, uint8_t type, const uint8_t *id,
    size_t slen, uint32_t rawlen)
{
	uint8_t ent[PACK_HDR_ENTRY_BYTES];

	ent[0] = type;
	memcpy(ent + 1, id, INDEX_ID_BYTES);
	le32enc(ent + 1 + INDEX_ID_BYTES, (uint32_t)w->len);
	le32enc(ent + 5 + INDEX_ID_BYTES, (uint32_t)slen);
	le32enc(ent + 9 + INDEX_ID_BYTES, rawlen);
	dbuf_put_bytes(&w->hdr, ent, sizeof(ent));
	if (w->hdr.err) {
		errno = ENOMEM;
		return -1;
	}
	if (ix != NULL && index_add(ix, id, type, w->id, (uint32_t)w->len,
	    (uint32_t)slen, rawlen) != 0)
		return -1;
	w->last = (uint32_t)w->len;
	w->len += slen;
	w->count++;
	return 0;
}

int
packw_add(struct packw *w, struct index *ix, uint8_t type, const uint8_t *id,
    const uint8_t *data, size_t len, uint32_t rawlen)
{
	size_t slen = envelope_sealed_len(type == BLOB_TREE ? OBJ_TREE :
	    OBJ_BLOB, len), got;

	if (reserve(w, slen) != 0)
		return -1;
	if (kh_seal(w->kh, type == BLOB_TREE ? OBJ_TREE : OBJ_BLOB, id, data,
	    len, w->buf + w->len, w->cap - w->len, &got) != 0 || got != slen) {
		errno = EINVAL;
		return -1;
	}
	return record(w, ix, type, id, slen, rawlen);
}

int
packw_add_sealed(struct packw *w, struct index *ix, uint8_t type,
    const uint8_t *id, const uint8_t *sealed, size_t slen, uint32_t rawlen)
{
	if (reserve(w, slen) != 0)
		return -1;
	memcpy(w->buf + w->len, sealed, slen);
	return record(w, ix, type, id, slen, rawlen);
}

void
packw_last(const struct packw *w, uint8_t pid[PACK_ID_BYTES], uint32_t *off)
{
	memcpy(pid, w->id, PACK_ID_BYTES);
	*off = w->last;
}

int
packw_finish(struct packw *w)
{
	size_t need;

	if (w->err != 0) {	/* a pack handed over was not written */
		errno = w->err;
		return -1;
	}
	if (w->count == 0)
		return 0;
	need = w->len + hdr_sealed_len(w->count) + PACK_TRAILER_BYTES;
	if (write_pack(w, padme(need)) != 0)
		return -1;
	start_pack(w);
	return 0;
}

int
packr_loc_ok(const struct blobloc *loc, size_t rawmax)
{
	/* A forged index can claim 4 GiB for a frame of a few KiB. */
	if (loc->rawlen > rawmax) {
		errno = EFBIG;
		return -1;
	}
	if (loc->len < BLOB_OVERHEAD ||
	    loc->len - BLOB_OVERHEAD > loc->rawlen) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

struct packr *
packr_new(int repofd)
{
	struct packr *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->dz = ZSTD_createDCtx()) == NULL) {
		free(r);
		return NULL;
	}
	r->repofd = repofd;
	r->fd = -1;
	for (i = 0; i < PACKR_OPEN_MAX; i++)
		r->open[i].fd = -1;
	return r;
}

void
packr_free(struct packr *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < PACKR_OPEN_MAX; i++)
		if (r->open[i].fd >= 0)
			(void)close(r->open[i].fd);
	free(r->mem);
	free(r->sealed);
	free(r->plain);
	ZSTD_freeDCtx(r->dz);
	free(r);
}

/*
 * Make pack ${id} the one in use: one kept open, or opened in place of
 * the least recently used.
 */
static int
open_pack(struct packr *r, const uint8_t id[PACK_ID_BYTES])
{
	char shard[3], name[2 * PACK_ID_BYTES + 1], path[64];
	struct packfd *s, *old = &r->open[0];
	struct stat st;
	size_t i;
	int fd;

	if (r->fd >= 0 && memcmp(r->id, id, PACK_ID_BYTES) == 0)
		return 0;
	/* A repaired copy stays until another pack is repaired: readers
	 * that go back and forth between packs repair it once. */
	r->fd = -1;
	for (i = 0; i < PACKR_OPEN_MAX; i++) {
		s = &r->open[i];
		if (s->fd >= 0 && memcmp(s->id, id, PACK_ID_BYTES) == 0)
			goto use;
		if (s->used < old->used)
			old = s;
	}
	/* Closed first: a process at RLIMIT_NOFILE can still open it. */
	s = old;
	if (s->fd >= 0)
		(void)close(s->fd);
	s->fd = -1;
	s->used = 0;
	pack_name(id, shard, name);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", PACK_DIR, shard, name);
	/* O_NONBLOCK: a FIFO planted as a pack must not hang us. */
	fd = fsio_open(r->repofd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		errno = EBADMSG;
		return -1;
	}
	s->fd = fd;
	memcpy(s->id, id, PACK_ID_BYTES);
use:
	s->used = ++r->tick;
	r->fd = s->fd;
	memcpy(r->id, id, PACK_ID_BYTES);
	return 0;
}

/* A repair was tried for the pack in use. */
static int
tried_here(const struct packr *r)
{
	return r->tried && memcmp(r->triedid, r->id, PACK_ID_BYTES) == 0;
}

/* ${len} bytes at ${off} of the open pack: its repaired copy, or pread. */
static ssize_t
pack_pread(struct packr *r, uint8_t *out, size_t len, uint64_t off)
{
	if (r->mem == NULL || !tried_here(r))
		return pread(r->fd, out, len, (off_t)off);
	if (off > r->memlen)
		return 0;
	if (len > r->memlen - off)
		len = (size_t)(r->memlen - off);
	memcpy(out, r->mem + off, len);
	return (ssize_t)len;
}

/*
 * The pack ${id} of ${size} bytes open at ${fd}, read whole and repaired
 * in memory from its parity (never on disk), saying so: 1 with the copy
 * in *${fp} and its data length in *${lenp}; 0 when the parity cannot
 * repair it (none, damaged beyond it, unreadable beyond it, or a size no
 * pack has); -1 with errno (ENOMEM, a read error other than EIO).
 */
static int
pack_repair_fd(int fd, const uint8_t id[PACK_ID_BYTES], uint64_t size,
    uint8_t **fp, uint64_t *lenp)
{
	char shard[3], name[2 * PACK_ID_BYTES + 1], what[8 + sizeof(name)];
	struct parity_geom g;
	uint8_t *f;
	unsigned nbad;
	int e, res;

	if (size == 0 || size > PACK_FILE_MAX)
		return 0;
	if ((f = malloc((size_t)size)) == NULL)
		return -1;
	pack_name(id, shard, name);
	(void)snprintf(what, sizeof(what), "pack %s", name);
	if (parity_read_whole(fd, f, (size_t)size, what) < 0)
		res = errno == EIO ? 0 : -1;
	else if ((res = parity_fix(f, size, &g, &nbad)) == PARITY_REPAIRED) {
		warnx("pack %s: damaged (%u shard%s); repaired in memory "
		    "from its parity", name, nbad, PLURAL(nbad));
		*fp = f;
		*lenp = g.L;
		return 1;
	} else if (res > 0)
		res = 0;	/* clean, lost or none: nothing repaired */
	e = errno;
	free(f);
	errno = e;
	return res;
}

/*
 * A blob of the open pack failed: repair the pack in memory and keep
 * that copy for the next reads.  1 when repaired (read again); 0 when
 * the parity cannot (or was tried already); -1 with errno when the pack
 * could not be read or held (not damage: ENOMEM, ENODEV, ...).
 */
static int
pack_heal(struct packr *r)
{
	struct stat st;

	/* Whatever parity is in use: copy reads SRC under DST's setting;
	 * a pack without parity is not repaired (parity_fix says so). */
	if (tried_here(r))
		return 0;
	free(r->mem);
	r->mem = NULL;
	r->tried = 1;
	memcpy(r->triedid, r->id, PACK_ID_BYTES);
	if (fstat(r->fd, &st) != 0)
		return -1;
	if (st.st_size <= 0)
		return 0;
	return pack_repair_fd(r->fd, r->id, (uint64_t)st.st_size, &r->mem,
	    &r->memlen);
}

int
packr_read_sealed(struct packr *r, const struct index *ix,
    const struct blobloc *loc, uint8_t *out)
{
	const uint8_t *pid = index_pack_id(ix, loc->pack);
	ssize_t got;

	if (pid == NULL) {
		errno = EBADMSG;
		return -1;
	}
	if (open_pack(r, pid) != 0)
		return -1;
	got = pack_pread(r, out, loc->len, loc->off);
	if (got < 0)
		return -1;
	if ((size_t)got != loc->len) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

void
packr_willneed(struct packr *r, const struct index *ix,
    const struct blobloc *loc)
{
	const uint8_t *pid = index_pack_id(ix, loc->pack);

	/* Not for a pack read from its repaired copy: its bad sectors
	 * again, for nothing. */
	if (pid != NULL && open_pack(r, pid) == 0 &&
	    !(r->mem != NULL && tried_here(r)))
		(void)posix_fadvise(r->fd, (off_t)loc->off, (off_t)loc->len,
		    POSIX_FADV_WILLNEED);
}

int
packr_heal(struct packr *r, const struct index *ix,
    const struct blobloc *loc)
{
	const uint8_t *pid = index_pack_id(ix, loc->pack);

	if (pid == NULL || open_pack(r, pid) != 0)
		return 0;
	return (r->mem != NULL && tried_here(r)) || pack_heal(r) > 0;
}

int
packr_open(struct packr *r, struct kh *kh, const struct index *ix,
    const struct blobloc *loc, const uint8_t **plainp, size_t *plenp)
{
	const uint8_t *pid = index_pack_id(ix, loc->pack);
	size_t plen;
	ssize_t got;
	int e, h = 0;

	if (pid == NULL || loc->len < ENV_OVERHEAD ||
	    loc->len > ENV_OVERHEAD + ENV_LEN_BYTES + 1 + ENV_PLAIN_MAX) {
		errno = EBADMSG;
		return -1;
	}
	if (open_pack(r, pid) != 0 ||
	    mem_grow(&r->sealed, &r->sealedcap, loc->len) != 0 ||
	    mem_grow(&r->plain, &r->plaincap, loc->len) != 0)
		return -1;
again:
	/* A read error other than a bad sector, or a pack that could not
	 * be read for its repair, is not damage: its errno is kept. */
	if ((got = pack_pread(r, r->sealed, loc->len, loc->off)) < 0) {
		e = errno;
		if (e == EIO && (h = pack_heal(r)) > 0)
			goto again;
		if (e != EIO || h == 0)
			errno = e;
		return -1;
	}
	if ((size_t)got != loc->len ||
	    kh_open(kh, loc->type == BLOB_TREE ? OBJ_TREE : OBJ_BLOB, loc->id,
	    r->sealed, loc->len, r->plain, r->plaincap, &plen) != 0 ||
	    plen < 1) {
		if ((h = pack_heal(r)) > 0)
			goto again;
		if (h == 0)
			errno = EBADMSG;
		return -1;
	}
	*plainp = r->plain;
	*plenp = plen;
	return 0;
}

int
packr_read(struct packr *r, struct kh *kh, const struct index *ix,
    const struct blobloc *loc, uint8_t *out, size_t cap)
{
	const uint8_t *p;
	size_t plen, n;

	if (loc->rawlen > cap) {
		errno = EBADMSG;
		return -1;
	}
	if (packr_open(r, kh, ix, loc, &p, &plen) != 0)
		return -1;
	if (p[0] == BLOB_RAW) {
		if (plen - 1 != loc->rawlen) {
			errno = EBADMSG;
			return -1;
		}
		memcpy(out, p + 1, plen - 1);
		return 0;
	}
	if (p[0] != BLOB_ZSTD) {
		errno = EBADMSG;
		return -1;
	}
	n = ZSTD_decompressDCtx(r->dz, out, loc->rawlen, p + 1, plen - 1);
	if (ZSTD_isError(n) || n != loc->rawlen) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

int
packhdr_decode(const uint8_t *pt, size_t ptlen, uint64_t end, size_t datamax,
    struct packhdr_ent **vp, size_t *np)
{
	struct packhdr_ent *v = NULL, *e;
	const uint8_t *id;
	uint64_t next = 0;
	uint32_t fmt, count, k;
	struct rbuf b;

	*vp = NULL;
	*np = 0;
	rbuf_init(&b, pt, ptlen);
	if (rbuf_get_u32(&b, &fmt) != 0 || fmt != PACK_FORMAT ||
	    rbuf_get_u32(&b, &count) != 0 ||
	    count > rbuf_left(&b) / PACK_HDR_ENTRY_BYTES ||
	    (size_t)count * PACK_HDR_ENTRY_BYTES != rbuf_left(&b))
		goto bad;
	/* The count is bounded by the bytes there are: now allocate. */
	if (count > 0 && (v = calloc(count, sizeof(*v))) == NULL)
		return -1;
	for (k = 0; k < count; k++) {
		e = &v[k];
		if (rbuf_get_u8(&b, &e->type) != 0 ||
		    rbuf_get_ref(&b, &id, INDEX_ID_BYTES) != 0 ||
		    rbuf_get_u32(&b, &e->off) != 0 ||
		    rbuf_get_u32(&b, &e->len) != 0 ||
		    rbuf_get_u32(&b, &e->rawlen) != 0)
			goto bad;
		memcpy(e->id, id, INDEX_ID_BYTES);
		/* Section 13's caps, as an index entry's (packr_loc_ok). */
		if ((e->type != BLOB_DATA && e->type != BLOB_TREE) ||
		    e->rawlen > (e->type == BLOB_TREE ? TREE_BYTES_MAX :
		    datamax) || e->len < BLOB_OVERHEAD ||
		    e->len - BLOB_OVERHEAD > e->rawlen)
			goto bad;
		/* In pack order, back to back or apart, all before the
		 * header: a writer never overlaps two blobs. */
		if (e->off < next || (uint64_t)e->off + e->len > end)
			goto bad;
		next = (uint64_t)e->off + e->len;
	}
	if (rbuf_end(&b) != 0)
		goto bad;
	*vp = v;
	*np = count;
	return 0;
bad:
	free(v);
	errno = EBADMSG;
	return -1;
}

/*
 * The header of pack ${pid} read through ${rd}(${arg}) from a pack proper
 * of ${size} bytes (packr_header).  0, or -1 with errno.
 */
static int
header_read(struct kh *kh, parity_read_fn rd, void *arg, uint64_t size,
    const uint8_t pid[PACK_ID_BYTES], size_t datamax,
    struct packhdr_ent **vp, size_t *np)
{
	uint8_t hid[ENV_ID_BYTES], tr[PACK_TRAILER_BYTES], tl[64];
	uint8_t *sealed = NULL, *pt = NULL;
	uint64_t hlen, end;
	size_t len;
	int r = -1;

	*vp = NULL;
	*np = 0;
	if (size < PACK_TRAILER_BYTES + ENV_OVERHEAD)
		goto bad;
	errno = EBADMSG;	/* a short file reads as damaged */
	if (rd(arg, tr, sizeof(tr), size - PACK_TRAILER_BYTES) != 0)
		return -1;
	memset(hid, 0, sizeof(hid));
	memcpy(hid, pid, PACK_ID_BYTES);
	hid[PACK_ID_BYTES] = 1;
	if (kh_open(kh, OBJ_PACKHDR, hid, tr, sizeof(tr), tl, sizeof(tl),
	    &len) != 0 || len != 8)
		goto bad;
	/* Authentic, but bounded before it sizes anything. */
	hlen = le64dec(tl);
	if (hlen < ENV_OVERHEAD || hlen > size - PACK_TRAILER_BYTES ||
	    hlen > PACK_HDR_SEALED_MAX)
		goto bad;
	end = size - PACK_TRAILER_BYTES - hlen;
	if ((sealed = malloc(hlen)) == NULL || (pt = malloc(hlen)) == NULL)
		goto out;
	errno = EBADMSG;
	if (rd(arg, sealed, hlen, end) != 0)
		goto out;
	hid[PACK_ID_BYTES] = 0;
	if (kh_open(kh, OBJ_PACKHDR, hid, sealed, hlen, pt, hlen, &len) != 0)
		goto bad;
	r = packhdr_decode(pt, len, end, datamax, vp, np);
	goto out;
bad:
	errno = EBADMSG;
	r = -1;
out:
	free(pt);
	free(sealed);
	return r;
}

int
packr_header(struct kh *kh, int fd, uint64_t size,
    const uint8_t pid[PACK_ID_BYTES], size_t datamax,
    struct packhdr_ent **vp, size_t *np)
{
	struct parity_mem m;
	uint64_t lsize;
	uint8_t *f;
	int e, r;

	/* With parity, the pack proper is the file's first bytes. */
	if (parity_logical_fd(fd, size, &lsize) != 0)
		return -1;
	if ((r = header_read(kh, parity_fd_read, &fd, lsize, pid, datamax,
	    vp, np)) == 0 || (errno != EBADMSG && errno != EIO))
		return r;
	/*
	 * Damaged or unreadable: repair the whole pack in memory from its
	 * parity (never on disk, as pack_heal) and read the header there.
	 * One pack at a time, freed before the next.  Only damage is
	 * EBADMSG: no memory or a failing disk is not a pack to leave out.
	 */
	e = errno;
	if ((r = pack_repair_fd(fd, pid, size, &f, &m.len)) != 1) {
		if (r == 0)
			errno = e;
		return -1;
	}
	m.p = f;
	r = header_read(kh, parity_mem_read, &m, m.len, pid, datamax, vp, np);
	e = errno;
	free(f);
	errno = e;
	return r;
}
