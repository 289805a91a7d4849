/*
 * keyholder.c: the keyholder role.  The parent process: it starts the
 * worker before any secret exists, reads the passphrase, unwraps the master
 * key, and then only answers typed requests on the socket.  It never parses
 * file data, trees, packs or zstd frames.
 *
 * The dispatch table below is the state machine: a request must be
 * permitted in the current state (locked or unlocked), ONCE requests are
 * permitted a single time per session, and anything else (unknown type,
 * wrong state, wrong sequence number, a malformed payload) ends the
 * keyholder, which wipes its keys on the way out.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "ipc.h"
#include "keyholder.h"
#include "kh.h"
#include "log.h"
#include "passphrase.h"
#include "sandbox.h"
#include "secmem.h"
#include "source.h"

#define S_LOCKED	0x1	/* permitted before the unlock */
#define S_OPEN		0x2	/* permitted after it */
#define F_ONCE		0x4	/* permitted once */
#define F_KEYCMD	0x8	/* only for init and key commands */
#define F_RECOVERY	0x10	/* only for key recovery: it prints a key */

/*
 * When this run reads a new passphrase: all of them are read before the
 * sandbox goes on (it forbids starting pinentry or keepassxc-cli, and
 * opening the terminal), so a new one is read with the request that
 * closes the box, and kept in secret memory until KH_REQ_SLOT_NEW.
 */
enum newpw_when {
	NEWPW_NONE,		/* no new passphrase (key recovery too) */
	NEWPW_AT_GENERATE,	/* init: the repository's first passphrase */
	NEWPW_AT_UNLOCK		/* key add, key passwd: after the unlock */
};

struct khs {
	int		 fd;
	int		 relay[2];	/* the worker's stdout, stderr pipes */
	const struct opts *o;
	int		 keycmd;	/* this run manages key slots */
	int		 recovery;	/* this run is key recovery */
	struct kh	*kh;
	int		 state;		/* S_LOCKED or S_OPEN */
	uint32_t	 spent;		/* bit t: ONCE request t was used */
	uint32_t	 seq;
	enum newpw_when	 newwhen;
	uint8_t		*newpw;		/* secret memory, or NULL */
	size_t		 newpwlen;
	char		 prompt[512];
	uint8_t		*out;		/* seal/open output, reused */
	size_t		 outcap;
	const uint8_t	*tail;		/* sent after the answer, no copy */
	size_t		 taillen;
};

typedef int handler_fn(struct khs *, struct rbuf *, struct dbuf *);

static struct khs *live;

/* While the worker runs: its socket, for keyholder_interrupt(). */
static volatile int intr_sock = -1;
static volatile sig_atomic_t intr_sig;

/* keyholder_interrupt(sig): see keyholder.h. */
int
keyholder_interrupt(int sig)
{
	int fd = intr_sock;

	if (fd < 0 || intr_sig != 0)
		return 0;
	intr_sig = sig;
	/* No answer after this (the keys are being wiped); the worker
	 * stops at its next request if the signal did not reach it. */
	(void)close(fd);
	return 1;
}

/*
 * The new passphrase's whole life: newpw_read (before the sandbox), one
 * use in h_slot_new, newpw_drop right after it, at the end of the run and
 * on the fatal() path.
 */
static int
newpw_read(struct khs *k, const struct pass_src *src)
{
	const char *why;

	(void)snprintf(k->prompt, sizeof(k->prompt),
	    "New passphrase for repository %s: ", k->o->repo);
	if ((k->newpw = passphrase_read(src, k->prompt, 1, &k->newpwlen)) ==
	    NULL)
		return -1;
	if ((why = passphrase_weak(k->newpw, k->newpwlen)) != NULL)
		alertx("weak passphrase: %s; several random words make a "
		    "strong one", why);
	return 0;
}

static void
newpw_drop(struct khs *k)
{
	secmem_free(k->newpw);
	k->newpw = NULL;
	k->newpwlen = 0;
}

/* Which new passphrase this command needs, from our own command line. */
static enum newpw_when
newpw_when(const struct opts *o)
{
	if (o->cmd != NULL && strcmp(o->cmd, "init") == 0)
		return NEWPW_AT_GENERATE;
	if (o->cmd != NULL && strcmp(o->cmd, "key") == 0 && o->argc >= 1 &&
	    (strcmp(o->argv[0], "add") == 0 ||
	    strcmp(o->argv[0], "passwd") == 0))
		return NEWPW_AT_UNLOCK;
	return NEWPW_NONE;
}

/* Whether our own command line is key recovery (not the worker's say). */
static int
is_key_recovery(const struct opts *o)
{
	return o->cmd != NULL && strcmp(o->cmd, "key") == 0 && o->argc >= 1 &&
	    strcmp(o->argv[0], "recovery") == 0;
}

/* fatal() path: wipe the keys and a new passphrase not yet used. */
static void
cleanup(void)
{
	if (live != NULL) {
		kh_free(live->kh);
		live->kh = NULL;
		newpw_drop(live);
	}
}

static void
bad(const char *what)
{
	fatal(EXIT_ERR, "keyholder: malformed %s request from the worker; "
	    "stopping", what);
}

static int
h_unlock(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	struct kh_slotfile slots[64];
	uint8_t rid[ENV_REPOID_BYTES];
	uint32_t n, i, len;
	size_t which = 0;
	int st;

	if (rbuf_get_bytes(r, rid, sizeof(rid)) != 0 ||
	    rbuf_get_u32(r, &n) != 0 || n == 0 || n > 64)
		bad("unlock");
	for (i = 0; i < n; i++)
		if (rbuf_get_bytes(r, slots[i].id, SLOT_ID_BYTES) != 0 ||
		    rbuf_get_u32(r, &len) != 0 || len > SLOT_FILE_MAX ||
		    rbuf_get_ref(r, &slots[i].bytes, len) != 0)
			bad("unlock");
		else
			slots[i].len = len;
	if (rbuf_end(r) != 0)
		bad("unlock");
	if ((k->kh = kh_new(rid)) == NULL)
		fatal(EXIT_ERR, "keyholder: out of memory");
	(void)snprintf(k->prompt, sizeof(k->prompt),
	    "Passphrase for repository %s: ", k->o->repo);
	st = kh_unlock(k->kh, &k->o->pass, k->prompt, slots, n, &which);
	/* key add, key passwd: the new passphrase too, while we still can. */
	if (st == KH_OK && k->newwhen == NEWPW_AT_UNLOCK &&
	    newpw_read(k, &k->o->newpass) != 0)
		st = KH_ERR;
	if (st == KH_OK)
		k->state = S_OPEN;
	else {
		kh_free(k->kh);
		k->kh = NULL;
	}
	dbuf_put_u32(a, (uint32_t)st);
	dbuf_put_u32(a, (uint32_t)which);
	return 0;
}

static int
h_generate(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	uint8_t rid[ENV_REPOID_BYTES];

	if (rbuf_get_bytes(r, rid, sizeof(rid)) != 0 || rbuf_end(r) != 0)
		bad("generate");
	/* init: the first passphrase, before the sandbox and the key
	 * (keyholder_run has read it already, before the worker wrote
	 * anything). */
	if (k->newwhen == NEWPW_AT_GENERATE && k->newpw == NULL &&
	    newpw_read(k, &k->o->pass) != 0) {
		dbuf_put_u32(a, (uint32_t)KH_ERR);
		return 0;
	}
	if ((k->kh = kh_new(rid)) == NULL || kh_generate(k->kh) != 0)
		fatal(EXIT_ERR, "keyholder: cannot make a master key");
	k->state = S_OPEN;
	dbuf_put_u32(a, KH_OK);
	return 0;
}

static int
h_slot_new(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	uint8_t id[SLOT_ID_BYTES], slot[SLOT_FILE_MAX];
	uint32_t which, kind;
	size_t len;
	int st;

	if (rbuf_get_u32(r, &which) != 0 || which > PASS_NEW ||
	    rbuf_get_u32(r, &kind) != 0 || rbuf_end(r) != 0 ||
	    (kind != SLOT_KIND_PASSPHRASE && kind != SLOT_KIND_RECOVERY))
		bad("new slot");
	/* key recovery makes recovery slots, every other command
	 * passphrase slots: the worker cannot choose. */
	if ((kind == SLOT_KIND_RECOVERY) != k->recovery)
		fatal(EXIT_ERR, "keyholder: a %s slot is not what this command "
		    "makes; stopping", kind == SLOT_KIND_RECOVERY ? "recovery" :
		    "passphrase");
	/* The passphrase was read before the sandbox; it makes one slot. */
	if (kind == SLOT_KIND_PASSPHRASE && k->newpw == NULL)
		fatal(EXIT_ERR, "keyholder: no new passphrase was read for "
		    "this command; stopping");
	st = kh_slot_new_pw(k->kh, k->newpw, k->newpwlen, &k->o->kdf, kind, id,
	    slot, sizeof(slot), &len);
	if (kind == SLOT_KIND_PASSPHRASE)
		newpw_drop(k);
	dbuf_put_u32(a, (uint32_t)st);
	if (st == KH_OK) {
		dbuf_put_bytes(a, id, sizeof(id));
		dbuf_put_u32(a, (uint32_t)len);
		dbuf_put_bytes(a, slot, len);
	}
	return 0;
}

static int
h_recovery(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	if (rbuf_end(r) != 0)
		bad("recovery");
	dbuf_put_u32(a, (uint32_t)kh_recovery_show(k->kh, STDOUT_FILENO));
	return 0;
}

static int
h_slot_info(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	struct kh_slotfile f;
	struct kh_slotinfo info;
	size_t n;

	if (rbuf_get_bytes(r, f.id, SLOT_ID_BYTES) != 0 ||
	    (n = rbuf_left(r)) > SLOT_FILE_MAX ||
	    rbuf_get_ref(r, &f.bytes, n) != 0)
		bad("slot info");
	f.len = n;
	if (kh_slot_info(k->kh, &f, &info) != 0) {
		dbuf_put_u32(a, (uint32_t)-1);
		return 0;
	}
	dbuf_put_u32(a, 0);
	dbuf_put_u32(a, info.kind);
	dbuf_put_u64(a, info.created);
	dbuf_put_u32(a, info.kdf.t_cost);
	dbuf_put_u32(a, info.kdf.m_kib);
	dbuf_put_u32(a, info.kdf.lanes);
	return 0;
}

/* Seal or open: u32 type | id[32] | bytes. */
static int
transform(struct khs *k, struct rbuf *r, struct dbuf *a, int seal)
{
	const uint8_t *id, *in;
	uint32_t type;
	size_t n, cap, outlen;
	uint8_t *out;
	int st;

	if (rbuf_get_u32(r, &type) != 0 || type == 0 || type >= OBJ__MAX ||
	    type == OBJ_SLOTMETA || rbuf_get_ref(r, &id, ENV_ID_BYTES) != 0)
		bad(seal ? "seal" : "open");
	n = rbuf_left(r);
	if (rbuf_get_ref(r, &in, n) != 0 || (seal && n > ENV_PLAIN_MAX))
		bad(seal ? "seal" : "open");
	cap = seal ? envelope_sealed_len(type, n) : n;
	if (cap > k->outcap) {
		if ((out = realloc(k->out, cap)) == NULL)
			fatal(EXIT_ERR, "keyholder: out of memory");
		k->out = out;
		k->outcap = cap;
	}
	st = seal ? kh_seal(k->kh, type, id, in, n, k->out, cap, &outlen) :
	    kh_open(k->kh, type, id, in, n, k->out, cap, &outlen);
	dbuf_put_u32(a, (uint32_t)st);
	if (st == 0) {		/* the bytes follow the status, uncopied */
		k->tail = k->out;
		k->taillen = outlen;
	}
	return 0;
}

static int
h_seal(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	return transform(k, r, a, 1);
}

static int
h_open(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	return transform(k, r, a, 0);
}

static int
h_id(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	uint8_t id[KH_ID_BYTES];
	const uint8_t *p;
	uint32_t domain;
	size_t n;

	if (rbuf_get_u32(r, &domain) != 0 || (domain != KH_ID_DATA &&
	    domain != KH_ID_TREE) || rbuf_get_ref(r, &p, n = rbuf_left(r)) != 0)
		bad("id");
	if (kh_id(k->kh, domain, p, n, id) != 0)
		fatal(EXIT_ERR, "keyholder: id failed");
	dbuf_put_u32(a, 0);
	dbuf_put_bytes(a, id, sizeof(id));
	return 0;
}

/* Ids of many buffers: u32 domain | u32 n | n × (u32 len | bytes). */
static int
h_id_batch(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	uint8_t id[KH_ID_BYTES];
	const uint8_t *p;
	uint32_t domain, n, len, i;

	if (rbuf_get_u32(r, &domain) != 0 || (domain != KH_ID_DATA &&
	    domain != KH_ID_TREE) || rbuf_get_u32(r, &n) != 0 ||
	    n > KH_BATCH_MAX)
		bad("id batch");
	dbuf_put_u32(a, 0);
	kh_hold(k->kh);
	for (i = 0; i < n; i++) {
		if (rbuf_get_u32(r, &len) != 0 || len > ENV_PLAIN_MAX ||
		    rbuf_get_ref(r, &p, len) != 0)
			bad("id batch");
		if (kh_id(k->kh, domain, p, len, id) != 0)
			fatal(EXIT_ERR, "keyholder: id failed");
		dbuf_put_bytes(a, id, sizeof(id));
	}
	kh_release(k->kh);
	if (rbuf_end(r) != 0)
		bad("id batch");
	return 0;
}

/* Make room for ${need} bytes in the reused output buffer. */
static void
out_reserve(struct khs *k, size_t need)
{
	uint8_t *p;

	if (need <= k->outcap)
		return;
	if ((p = realloc(k->out, need)) == NULL)
		fatal(EXIT_ERR, "keyholder: out of memory");
	k->out = p;
	k->outcap = need;
}

/*
 * Seal or open many blobs: u32 n | n × (u32 type | id[32] | u32 len |
 * bytes), type blob or tree.  The answer, built in the output buffer and
 * sent without a copy: u32 status | n × (u32 len | bytes).  An object
 * that does not open gets len 0xffffffff and no bytes; a seal cannot fail.
 */
static int
batch(struct khs *k, struct rbuf *r, int seal)
{
	const char *what = seal ? "seal batch" : "open batch";
	const uint8_t *id, *p;
	uint32_t n, type, len, i;
	size_t off = 4, got;
	int st;

	if (rbuf_get_u32(r, &n) != 0 || n > KH_BATCH_MAX)
		bad(what);
	kh_hold(k->kh);
	for (i = 0; i < n; i++) {
		if (rbuf_get_u32(r, &type) != 0 || (type != OBJ_BLOB &&
		    type != OBJ_TREE) || rbuf_get_ref(r, &id, ENV_ID_BYTES) != 0 ||
		    rbuf_get_u32(r, &len) != 0 || (seal && len > ENV_PLAIN_MAX) ||
		    rbuf_get_ref(r, &p, len) != 0)
			bad(what);
		out_reserve(k, off + 4 + (seal ? envelope_sealed_len(type, len) :
		    len));
		st = seal ? kh_seal(k->kh, type, id, p, len, k->out + off + 4,
		    k->outcap - off - 4, &got) : kh_open(k->kh, type, id, p, len,
		    k->out + off + 4, k->outcap - off - 4, &got);
		if (st != 0 && seal)
			fatal(EXIT_ERR, "keyholder: seal failed");
		if (st != 0) {
			le32enc(k->out + off, UINT32_MAX);
			off += 4;
			continue;
		}
		le32enc(k->out + off, (uint32_t)got);
		off += 4 + got;
	}
	kh_release(k->kh);
	if (rbuf_end(r) != 0)
		bad(what);
	out_reserve(k, 4);
	le32enc(k->out, 0);
	k->tail = k->out;
	k->taillen = off;
	return 0;
}

static int
h_seal_batch(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	(void)a;
	return batch(k, r, 1);
}

static int
h_open_batch(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	(void)a;
	return batch(k, r, 0);
}

static int
h_chunker(struct khs *k, struct rbuf *r, struct dbuf *a)
{
	uint8_t *key;

	if (rbuf_end(r) != 0)
		bad("chunker key");
	if ((key = secmem_alloc(ENV_KEY_BYTES)) == NULL ||
	    kh_chunker_key(k->kh, key) != 0)
		fatal(EXIT_ERR, "keyholder: chunker key");
	dbuf_put_u32(a, 0);
	dbuf_put_bytes(a, key, ENV_KEY_BYTES);
	secmem_free(key);
	return 0;
}

static const struct {
	uint32_t	 type;
	int		 flags;
	handler_fn	*fn;
} table[] = {
	{ KH_REQ_UNLOCK,	S_LOCKED | F_ONCE,		h_unlock },
	{ KH_REQ_GENERATE,	S_LOCKED | F_ONCE | F_KEYCMD,	h_generate },
	{ KH_REQ_SLOT_NEW,	S_OPEN | F_KEYCMD,		h_slot_new },
	/* Shows a new key on our stdout: only when the user asked for one. */
	{ KH_REQ_RECOVERY,	S_OPEN | F_KEYCMD | F_RECOVERY,	h_recovery },
	{ KH_REQ_SLOT_INFO,	S_OPEN,				h_slot_info },
	{ KH_REQ_SEAL,		S_OPEN,				h_seal },
	{ KH_REQ_OPEN,		S_OPEN,				h_open },
	{ KH_REQ_ID,		S_OPEN,				h_id },
	/* The one key the worker may hold; once per run. */
	{ KH_REQ_CHUNKER,	S_OPEN | F_ONCE,		h_chunker },
	{ KH_REQ_ID_BATCH,	S_OPEN,				h_id_batch },
	{ KH_REQ_SEAL_BATCH,	S_OPEN,				h_seal_batch },
	{ KH_REQ_OPEN_BATCH,	S_OPEN,				h_open_batch },
};

/* Close the passphrase descriptors above 2: nothing more to read there. */
static void
close_pass_fds(const struct opts *o)
{
	if (o->pass.kind == PASS_FD && o->pass.fd > 2)
		(void)close(o->pass.fd);
	if (o->newpass.kind == PASS_FD && o->newpass.fd > 2 &&
	    o->newpass.fd != o->pass.fd)
		(void)close(o->newpass.fd);
}

/* ONCE requests are remembered per session in a 32-bit set. */
_Static_assert(KH_MSG__MAX <= 32, "request types must fit k->spent");

/*
 * The whole of one request but the I/O: checked against the table, the
 * state and the sequence, then answered; fatal on anything not permitted.
 */
void
keyholder_answer(struct khs *k, const struct ipc_msg *m, struct dbuf *a,
    const uint8_t **tail, size_t *taillen)
{
	struct rbuf in;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == m->type)
			break;
	if (i == sizeof(table) / sizeof(table[0]) || (m->type & 1))
		fatal(EXIT_ERR, "keyholder: unknown request %u", m->type);
	if (!(table[i].flags & k->state) ||
	    ((table[i].flags & F_KEYCMD) && !k->keycmd) ||
	    ((table[i].flags & F_RECOVERY) && !k->recovery) ||
	    ((table[i].flags & F_ONCE) && (k->spent & 1U << m->type)))
		fatal(EXIT_ERR, "keyholder: request %u not permitted now",
		    m->type);
	if (m->seq != k->seq + 1)
		fatal(EXIT_ERR, "keyholder: request out of sequence");
	k->seq = m->seq;
	k->spent |= 1U << m->type;
	/* Unlock and generate are alternatives: either one closes both. */
	if (m->type == KH_REQ_UNLOCK || m->type == KH_REQ_GENERATE)
		k->spent |= 1U << KH_REQ_UNLOCK | 1U << KH_REQ_GENERATE;
	rbuf_init(&in, m->p, m->len);
	k->tail = NULL;
	k->taillen = 0;
	(void)table[i].fn(k, &in, a);
	if (a->err)
		fatal(EXIT_ERR, "keyholder: out of memory");
	*tail = k->tail;
	*taillen = k->taillen;
}

/*
 * Answer one request and send the answer.  Returns 0, or -1 with errno
 * when the answer cannot be sent (the worker died: its exit status says
 * how).
 */
static int
dispatch(struct khs *k, struct ipc_msg *m)
{
	struct dbuf a;
	const uint8_t *tail;
	size_t taillen;
	int was = k->state, sent;

	dbuf_init(&a, IPC_FRAME_MAX);
	keyholder_answer(k, m, &a, &tail, &taillen);
	sent = ipc_send(k->fd, m->type + 1, m->seq, a.p, a.len, tail, taillen);
	if (m->type == KH_REQ_CHUNKER)
		sodium_memzero(a.p, a.len);	/* it carried a key */
	dbuf_free(&a);
	if (sent != 0)
		return -1;
	/*
	 * Every passphrase this run needs is read and the keys are derived:
	 * close the passphrase descriptors and the box.  From here on the
	 * keyholder reads only its socket.
	 */
	if (was == S_LOCKED && k->state == S_OPEN) {
		close_pass_fds(k->o);
		sandbox_keyholder(k->fd, k->keycmd, k->relay[0], k->relay[1]);
	}
	return 0;
}

static void
session_init(struct khs *k, int fd, const struct opts *o, int keycmd)
{
	memset(k, 0, sizeof(*k));
	k->fd = fd;
	k->relay[0] = k->relay[1] = -1;
	k->o = o;
	k->keycmd = keycmd;
	k->recovery = keycmd && is_key_recovery(o);
	k->state = S_LOCKED;
	k->newwhen = keycmd ? newpw_when(o) : NEWPW_NONE;
}

/* Wipe the keys and a new passphrase not yet used; free the buffers. */
static void
session_wipe(struct khs *k)
{
	kh_free(k->kh);
	k->kh = NULL;
	newpw_drop(k);
	free(k->out);
	k->out = NULL;
	k->outcap = 0;
}

struct khs *
keyholder_session_new(int fd, const struct opts *o, int keycmd)
{
	struct khs *k;

	if ((k = malloc(sizeof(*k))) != NULL)
		session_init(k, fd, o, keycmd);
	return k;
}

void
keyholder_session_free(struct khs *k)
{
	if (k == NULL)
		return;
	session_wipe(k);
	free(k);
}

/*
 * Copy what the worker wrote to its stdout or stderr pipe (relay[i]) to
 * ours (i + 1): the worker holds no descriptor of the terminal, which it
 * could read (a passphrase being typed) or set up (a fake prompt).  At
 * the pipe's end, or when ours is closed (EPIPE: SIGPIPE is ignored
 * here), the pipe is closed, and the worker's next write there gets
 * SIGPIPE as if it wrote to ours.  writev, not write: the fault tests
 * (27-faults) inject errors into the Nth write(2) of every traced process,
 * meant for the worker's repository writes; the relay must not be one.
 */
static void
relay(struct khs *k, int i)
{
	char buf[16384];
	ssize_t n, w = 0;
	size_t off = 0;

	if ((n = read(k->relay[i], buf, sizeof(buf))) < 0 && errno == EINTR)
		return;
	while (n > 0 && off < (size_t)n && w >= 0) {
		if ((w = writev(i + 1, &(struct iovec){ buf + off,
		    (size_t)n - off }, 1)) > 0)
			off += (size_t)w;
		else if (w < 0 && errno == EINTR)
			w = 0;
		else if (w < 0 && errno == EAGAIN) {
			/* Ours is non-blocking (shared with another
			 * program): wait until it takes more. */
			(void)poll(&(struct pollfd){ i + 1, POLLOUT, 0 }, 1,
			    -1);
			w = 0;
		} else if (w == 0)
			w = -1;		/* no progress: give up */
	}
	if (n <= 0 || w < 0) {
		(void)close(k->relay[i]);
		k->relay[i] = -1;
	}
}

/* One request from the socket; 0, 1 at its end, or an errno. */
static int
serve_one(struct khs *k)
{
	struct ipc_msg m;
	int r;

	if ((r = ipc_recv(k->fd, &m)) == 1)
		return 1;	/* the worker finished */
	if (r != 0)
		return errno;	/* dead or mad: its exit status tells which */
	r = dispatch(k, &m);
	ipc_msg_free(&m);
	return r != 0 ? errno : 0;
}

/*
 * Answer the worker for the session ${k} and relay its output, until the
 * socket ends, then until the output ends; closes the socket and pipes.
 * 0 or an errno.
 */
static int
serve(struct khs *k)
{
	struct pollfd p[3];
	int r = 0, i;

	live = k;
	log_set_cleanup(cleanup);
	while (k->fd >= 0 || k->relay[0] >= 0 || k->relay[1] >= 0) {
		for (i = 0; i < 3; i++) {
			p[i].fd = i < 2 ? k->relay[i] : k->fd;
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			fatal(EXIT_ERR, "keyholder: poll: %s", strerror(errno));
		/* Output first: what the worker printed before a request
		 * comes before what the answer prints (a recovery key). */
		for (i = 0; i < 2; i++)
			if (p[i].revents != 0)
				relay(k, i);
		if (p[2].revents == 0 || (r = serve_one(k)) == 0)
			continue;
		/* Closed, so that a live worker ends and its output too. */
		(void)close(k->fd);
		k->fd = -1;
	}
	session_wipe(k);
	live = NULL;
	return r == 1 ? 0 : r;
}

int
keyholder_serve(int fd, int out, int err, const struct opts *o, int keycmd)
{
	struct khs k;

	session_init(&k, fd, o, keycmd);
	k.relay[0] = out;
	k.relay[1] = err;
	return serve(&k);
}

/* Environment the worker may see: nothing secret, nothing it needs not. */
static char **
worker_env(void)
{
	static const char *const keep[] = { "TZ", "ASAN_OPTIONS",
	    "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	static char *env[8];
	size_t i, n = 0;
	const char *v;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((v = getenv(keep[i])) != NULL)
			env[n++] = (char *)(uintptr_t)(v - strlen(keep[i]) - 1);
	env[n] = NULL;
	return env;
}

/* In the child: fds, then exec.  Never returns. */
static void __attribute__((noreturn))
exec_worker(pid_t parent, int sock, const int out[2], const int err[2],
    int lists, int argc, char **argv)
{
	struct winsize ws = { 0 };
	char **args, ttyarg[32];
	int i, in[2], tty = isatty(STDERR_FILENO);

	/* The terminal's width, for the progress line: the worker holds
	 * no terminal to ask. */
	if (tty)
		(void)ioctl(STDERR_FILENO, TIOCGWINSZ, &ws);

	/* Die with the keyholder, even before the worker runs (it kept on
	 * writing after a kill -9 otherwise); the check closes the race
	 * with a parent that died before the prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 ||
	    getppid() != parent)
		_exit(EXIT_ERR);

	/* The socket becomes fd 3 (dup2 clears close-on-exec). */
	if (sock == IPC_WORKER_FD) {
		if (fcntl(sock, F_SETFD, 0) != 0)
			_exit(EXIT_ERR);
	} else if (dup2(sock, IPC_WORKER_FD) != IPC_WORKER_FD)
		_exit(EXIT_ERR);
	/*
	 * No descriptor of the terminal, nor a passphrase descriptor among
	 * 0-2: stdout and stderr are pipes that the keyholder relays
	 * (keyholder_serve), stdin the read end of a pipe with no writer.
	 * Not /dev/null: a file outside the target, whose owner, mode and
	 * xattrs a root restore worker could change through the descriptor
	 * (fchown, fchmod and fsetxattr take any descriptor).
	 */
	if (pipe2(in, O_CLOEXEC) != 0 || close(in[1]) != 0 ||
	    dup2(in[0], STDIN_FILENO) != STDIN_FILENO ||
	    dup2(out[1], STDOUT_FILENO) != STDOUT_FILENO ||
	    dup2(err[1], STDERR_FILENO) != STDERR_FILENO)
		_exit(EXIT_ERR);
	/* backup's --files-from lists, read by us (above fd 4, so 0-3
	 * did not overwrite them). */
	if (lists >= 0 && dup2(lists, IPC_LISTS_FD) != IPC_LISTS_FD)
		_exit(EXIT_ERR);
	i = lists >= 0 ? IPC_LISTS_FD + 1 : IPC_WORKER_FD + 1;
	if (close_range((unsigned)i, ~0U, 0) != 0)
		for (; i < 1024; i++)
			(void)close(i);
	if ((args = calloc((size_t)argc + 3, sizeof(*args))) == NULL)
		_exit(EXIT_ERR);
	args[0] = argv[0];
	args[1] = (char *)(uintptr_t)"-x";
	/* The progress line needs to know that our stderr is a terminal,
	 * and its width. */
	(void)snprintf(ttyarg, sizeof(ttyarg), "worker-tty:%u",
	    (unsigned)ws.ws_col);
	args[2] = tty ? ttyarg : (char *)(uintptr_t)"worker";
	for (i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	execve("/proc/self/exe", args, worker_env());
	if (errno == ENOENT)
		errorx("cannot start the worker: /proc is not mounted (tacit "
		    "starts its sandboxed worker by running /proc/self/exe); "
		    "mount it as root: mount -t proc proc /proc");
	else
		errorx("cannot start the worker: /proc/self/exe: %s",
		    strerror(errno));
	_exit(EXIT_ERR);
}

/*
 * Close every inherited descriptor but 0-2, the passphrase ones and
 * ${lists} (ours).
 */
static void
close_stray(const struct opts *o, int lists)
{
	int keep[4], t;
	unsigned lo = 3;
	size_t i, j;

	keep[0] = o->pass.kind == PASS_FD ? o->pass.fd : -1;
	keep[1] = o->newpass.kind == PASS_FD ? o->newpass.fd : -1;
	keep[2] = lists;
	keep[3] = o->other.kind == PASS_FD ? o->other.fd : -1;
	for (i = 1; i < 4; i++)
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			t = keep[j - 1];
			keep[j - 1] = keep[j];
			keep[j] = t;
		}
	for (i = 0; i < 4; i++) {
		if (keep[i] < (int)lo)
			continue;
		if (keep[i] > (int)lo)
			(void)close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	(void)close_range(lo, ~0U, 0);
}

/*
 * A passphrase descriptor the user named must be open now: the socket and
 * the relay pipes take the lowest free numbers, and would otherwise be
 * read as the passphrase (--passphrase-fd 7 with 7 closed hung).
 */
static int
named_fds_open(const struct opts *o)
{
	const struct pass_src *s[3] = { &o->pass, &o->newpass, &o->other };
	size_t i;

	for (i = 0; i < 3; i++)
		if (s[i]->kind == PASS_FD && fcntl(s[i]->fd, F_GETFD) < 0) {
			errorx("cannot read the passphrase from descriptor %d: "
			    "%s", s[i]->fd, strerror(errno));
			return -1;
		}
	return 0;
}

/*
 * copy and init --copy-chunker-from: a second keyholder, for the other
 * repository, forked before any secret exists (threat-model.md says why
 * two and not one holding both).  It is this one's code serving a session
 * of its own: its repository's path in the prompt, its passphrase from
 * o->other, the same dispatch table (no key-slot request: it only
 * unlocks), the same sandbox after the unlock, and no relay.  The worker
 * talks to it on IPC_OTHER_FD; *${wsock} is that end, above
 * IPC_OTHER_FD.  Returns its pid.
 */
static pid_t
other_start(const struct opts *o, int *wsock)
{
	static struct opts oo;
	pid_t pid, self = getpid();
	int sv[2], fd;

	/* 0-2 open, so that the socket lands above them. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		(void)close(fd);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		fatal(EXIT_ERR, "socketpair: %s", strerror(errno));
	if ((pid = fork()) < 0)
		fatal(EXIT_ERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		(void)close(sv[1]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 ||
		    getppid() != self)
			_exit(EXIT_ERR);
		if (o->pass.kind == PASS_FD && o->pass.fd > 2)
			(void)close(o->pass.fd);
		oo = *o;
		oo.repo = cmd_other_repo(o);
		oo.pass = o->other;
		oo.newpass.kind = PASS_AUTO;
		_exit(keyholder_serve(sv[0], -1, -1, &oo, 0) == 0 ? EXIT_OK :
		    EXIT_ERR);
	}
	(void)close(sv[0]);
	if (o->other.kind == PASS_FD && o->other.fd > 2)
		(void)close(o->other.fd);	/* the other keyholder's */
	if ((*wsock = fcntl(sv[1], F_DUPFD_CLOEXEC, IPC_OTHER_FD + 1)) < 0)
		fatal(EXIT_ERR, "fcntl: %s", strerror(errno));
	(void)close(sv[1]);
	return pid;
}

int
keyholder_run(int argc, char **argv, const struct opts *o, int keycmd)
{
	struct khs k;
	int sv[2], out[2], ep[2], status, err, lists = -1, t;
	pid_t pid, self = getpid(), opid = -1;

	/* First, so that no descriptor of ours takes a passphrase's
	 * number (the lists' memfd would be read as the passphrase). */
	if (named_fds_open(o) != 0)
		return EXIT_ERR;
	/*
	 * backup: the --files-from lists are read here, by the process the
	 * user started, before any secret exists: the worker's stdin is an
	 * empty pipe and it inherits no other descriptor, so it could not
	 * read /dev/stdin, <(...) or /dev/fd/N.  Held above fd 4, where
	 * exec_worker puts them.
	 */
	if (o->files_from.n + o->files_from0.n > 0) {
		if ((t = source_lists_pack(o->files_from.v, o->files_from.n,
		    o->files_from0.v, o->files_from0.n)) < 0)
			return EXIT_ERR;
		lists = fcntl(t, F_DUPFD_CLOEXEC, IPC_LISTS_FD + 1);
		(void)close(t);
		if (lists < 0)
			fatal(EXIT_ERR, "fcntl: %s", strerror(errno));
	}
	close_stray(o, lists);
	/* The other repository's keyholder, on the lists' descriptor (no
	 * command has both), before init's new passphrase is read. */
	if (cmd_other_repo(o) != NULL)
		opid = other_start(o, &lists);
	session_init(&k, -1, o, keycmd);
	/*
	 * init: ask the first passphrase (and warn if it is weak) before the
	 * worker starts, so a failed or cancelled entry leaves nothing on
	 * disk, not even the new directory.
	 */
	if (k.newwhen == NEWPW_AT_GENERATE) {
		live = &k;
		log_set_cleanup(cleanup);
		if (newpw_read(&k, &o->pass) != 0) {
			session_wipe(&k);
			live = NULL;
			return EXIT_ERR;
		}
	}
	/* 0-2 open, so that the socket and the pipes land above them. */
	while ((err = open("/dev/null", O_RDWR)) >= 0 && err <= 2)
		;
	if (err > 2)
		(void)close(err);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(out, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0)
		fatal(EXIT_ERR, "socketpair or pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		fatal(EXIT_ERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		(void)close(sv[0]);
		exec_worker(self, sv[1], out, ep, lists, argc, argv);
	}
	if (lists >= 0)
		(void)close(lists);
	(void)close(sv[1]);
	(void)close(out[1]);
	(void)close(ep[1]);
	/* A closed stdout is EPIPE for relay(), which passes it on. */
	(void)signal(SIGPIPE, SIG_IGN);
	k.fd = sv[0];
	k.relay[0] = out[0];
	k.relay[1] = ep[0];
	intr_sock = k.fd;
	err = serve(&k);
	intr_sock = -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fatal(EXIT_ERR, "waitpid: %s", strerror(errno));
	/* The other keyholder ends with the worker's socket. */
	while (opid > 0 && waitpid(opid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Interrupted: the worker said what it left (its output was
	 * relayed to the end), or we say that much. */
	if (intr_sig != 0) {
		/* mount: a signal is how it ends; the worker unmounted
		 * and its status is the run's. */
		if (o->cmd != NULL && strcmp(o->cmd, "mount") == 0 &&
		    WIFEXITED(status))
			return WEXITSTATUS(status);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_INTR)
			log_interrupted(NULL);
		return EXIT_INTR;
	}
	if (WIFEXITED(status) && err != 0) {
		errorx("keyholder: bad message from the worker (%s)",
		    strerror(err));
		return EXIT_ERR;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WTERMSIG(status) == SIGPIPE)
		return 128 + SIGPIPE;	/* its reader went away: quietly */
	if (WTERMSIG(status) == SIGSYS)
		errorx("the worker broke its sandbox (SIGSYS: a forbidden "
		    "system call) and was killed");
	else
		errorx("the worker was killed by signal %d; nothing was "
		    "committed after that point", WTERMSIG(status));
	return EXIT_ERR;
}
