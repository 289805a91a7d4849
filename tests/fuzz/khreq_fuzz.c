/*
 * khreq_fuzz.c: the keyholder's answers to the (untrusted) worker: the
 * dispatch table (state, once-only, key-command-only, sequence) and every
 * handler's payload decoding, under the test key of khreq.h, without a
 * socket (keyholder_answer is keyholder_serve less the I/O).
 *
 * Input: one mode byte, then frames as on the socket, u32 type | u32 seq |
 * u32 len | payload (little-endian).  Mode bit 0: a key command (init,
 * key); bit 1: the session is first unlocked with the test slot (request
 * 1, passphrase from a pipe), so the frames reach the unlocked handlers.
 * Without it a fuzzed unlock reads an empty passphrase (no Argon2id run at
 * fuzzed costs).  A refused request ends the keyholder through fatal(); the
 * cleanup hook brings the harness back (longjmp) to free the session.
 * Checked besides what the sanitizers see: a batch answer is exactly as
 * long as its entries say.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ipc.h"
#include "keyholder.h"
#include "khreq.h"
#include "log.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t slot[SLOT_FILE_MAX], slotid[SLOT_ID_BYTES];
static size_t slotlen;
static struct opts opipe, onull;	/* passphrase: a pipe, or EOF */
static int pw[2];
static jmp_buf back;
/* What a fatal() would leave behind: freed after the longjmp. */
static struct khs *k;
static struct dbuf a;
static struct ipc_msg m;

static void
caught(void)
{
	longjmp(back, 1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kh *kh;
	int null;

	(void)argc;
	(void)argv;
	if (khreq_rng_install() != 0 || sodium_init() < 0 ||
	    (kh = khreq_key()) == NULL ||
	    khreq_slot(kh, slotid, slot, sizeof(slot), &slotlen) != 0 ||
	    pipe(pw) != 0 || (null = open("/dev/null", O_RDWR)) < 0)
		abort();
	kh_free(kh);
	/* A recovery key is shown on stdout: not in the fuzzer's output. */
	(void)dup2(null, STDOUT_FILENO);
	log_verbosity = 0;
	opipe.repo = onull.repo = "fuzz";
	opipe.kdf = onull.kdf = khreq_kdf;
	opipe.pass.kind = onull.pass.kind = PASS_FD;
	opipe.pass.fd = pw[0];
	onull.pass.fd = null;
	log_set_cleanup(caught);
	return 0;
}

/* The test slot's unlock, as the worker sends it. */
static void
unlock(void)
{
	struct ipc_msg u;
	const uint8_t *tail;
	size_t taillen;
	struct dbuf r;

	dbuf_init(&r, IPC_FRAME_MAX);
	dbuf_put_bytes(&r, khreq_rid, sizeof(khreq_rid));
	dbuf_put_u32(&r, 1);
	dbuf_put_bytes(&r, slotid, sizeof(slotid));
	dbuf_put_u32(&r, (uint32_t)slotlen);
	dbuf_put_bytes(&r, slot, slotlen);
	if (r.err || write(pw[1], khreq_pw, sizeof(khreq_pw) - 1) !=
	    (ssize_t)sizeof(khreq_pw) - 1 || write(pw[1], "\n", 1) != 1)
		abort();
	u.type = KH_REQ_UNLOCK;
	u.seq = 1;
	u.p = r.p;
	u.len = r.len;
	dbuf_init(&a, IPC_FRAME_MAX);
	keyholder_answer(k, &u, &a, &tail, &taillen);
	if (a.len < 4 || le32dec(a.p) != KH_OK)
		abort();		/* the test key must open */
	dbuf_free(&r);
	dbuf_free(&a);
}

/* A batch answer: u32 status | n × (u32 len | bytes), len ~0 = no bytes. */
static void
check_batch(const uint8_t *p, size_t len)
{
	uint32_t n, i, e;
	size_t off = 4;

	if (m.len < 4 || len < 4)
		__builtin_trap();
	n = le32dec(m.p);
	for (i = 0; i < n; i++) {
		if (len - off < 4)
			__builtin_trap();
		e = le32dec(p + off);
		off += 4;
		if (e == UINT32_MAX && m.type == KH_REQ_OPEN_BATCH)
			continue;
		if (len - off < e)
			__builtin_trap();
		off += e;
	}
	if (off != len)
		__builtin_trap();
}

static void
run(const uint8_t *p, size_t len)
{
	const uint8_t *tail;
	size_t taillen;

	while (len >= IPC_HDR_BYTES) {
		m.type = le32dec(p);
		m.seq = le32dec(p + 4);
		m.len = le32dec(p + 8);
		p += IPC_HDR_BYTES;
		len -= IPC_HDR_BYTES;
		if (m.len > len || m.type >= KH_MSG__MAX)
			return;		/* ipc_recv refuses these frames */
		/* An exact-size copy: ASan sees any read past the payload. */
		if ((m.p = malloc(m.len ? m.len : 1)) == NULL)
			abort();
		memcpy(m.p, p, m.len);
		p += m.len;
		len -= m.len;
		dbuf_init(&a, IPC_FRAME_MAX);
		keyholder_answer(k, &m, &a, &tail, &taillen);
		if (m.type == KH_REQ_SEAL_BATCH || m.type == KH_REQ_OPEN_BATCH)
			check_batch(tail, taillen);
		if (m.type == KH_REQ_ID_BATCH && (m.len < 8 ||
		    a.len != 4 + (size_t)KH_ID_BYTES * le32dec(m.p + 4)))
			__builtin_trap();
		ipc_msg_free(&m);
		dbuf_free(&a);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	int mode;

	if (len < 1)
		return 0;
	mode = p[0];
	khreq_rng_reset();
	if ((k = keyholder_session_new(-1, mode & 2 ? &opipe : &onull,
	    mode & 1)) == NULL)
		abort();
	memset(&a, 0, sizeof(a));
	memset(&m, 0, sizeof(m));
	if (setjmp(back) == 0) {
		if (mode & 2)
			unlock();
		run(p + 1, len - 1);
	}
	ipc_msg_free(&m);
	dbuf_free(&a);
	keyholder_session_free(k);
	k = NULL;
	return 0;
}
