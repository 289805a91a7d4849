/*
 * test_khchan.c: a data channel of the keyholder (issue #20) serves the
 * data path only.  Each case runs, in a child, a keyholder session for
 * backup unlocked with the test slot of khreq.h (or left locked), and
 * sends one request through keyholder_answer, the dispatcher less the
 * socket, either on the main session or on a data channel's session
 * (keyholder_session_data).  The chunker key and a slot's information are
 * answered on the main channel and end the keyholder on a data channel;
 * seal, id and an id batch are answered on both; nothing is answered on
 * the data channel of a locked session.
 */
#include <sys/wait.h>

#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ipc.h"
#include "keyholder.h"
#include "../fuzz/khreq.h"
#include "log.h"
#include "t.h"

static uint8_t slot[SLOT_FILE_MAX], slotid[SLOT_ID_BYTES];
static size_t slotlen;

enum chan { MAIN, DATA, DATA_LOCKED };

/* The payload of a valid request ${type} into ${r}. */
static void
payload(uint32_t type, struct dbuf *r)
{
	static const uint8_t id[ENV_ID_BYTES], data[100];

	switch (type) {
	case KH_REQ_SEAL:
		dbuf_put_u32(r, OBJ_BLOB);
		dbuf_put_bytes(r, id, sizeof(id));
		dbuf_put_bytes(r, data, sizeof(data));
		break;
	case KH_REQ_ID:
		dbuf_put_u32(r, KH_ID_DATA);
		dbuf_put_bytes(r, data, sizeof(data));
		break;
	case KH_REQ_ID_BATCH:
		dbuf_put_u32(r, KH_ID_DATA);
		dbuf_put_u32(r, 1);
		dbuf_put_u32(r, sizeof(data));
		dbuf_put_bytes(r, data, sizeof(data));
		break;
	case KH_REQ_SLOT_INFO:
		dbuf_put_bytes(r, slotid, sizeof(slotid));
		dbuf_put_bytes(r, slot, slotlen);
		break;
	default:		/* KH_REQ_CHUNKER: nothing */
		break;
	}
}

/* In a child: one request ${type} on ${ch}; exit 0 when answered 0. */
static void __attribute__((noreturn))
session(enum chan ch, uint32_t type)
{
	static struct opts o;
	const uint8_t *tail;
	struct khs *k, *d = NULL;
	struct ipc_msg m;
	struct dbuf r, a;
	size_t taillen;
	int fd[2];

	o.cmd = "backup";
	o.repo = "test";
	o.kdf = khreq_kdf;
	if (pipe(fd) != 0 || write(fd[1], khreq_pw, sizeof(khreq_pw) - 1) !=
	    (ssize_t)sizeof(khreq_pw) - 1 || write(fd[1], "\n", 1) != 1)
		_exit(90);
	(void)close(fd[1]);
	o.pass.kind = PASS_FD;
	o.pass.fd = fd[0];
	if ((k = keyholder_session_new(-1, &o, 0)) == NULL)
		_exit(90);
	dbuf_init(&r, IPC_FRAME_MAX);
	dbuf_init(&a, IPC_FRAME_MAX);
	m.seq = 1;
	if (ch != DATA_LOCKED) {
		dbuf_put_bytes(&r, khreq_rid, sizeof(khreq_rid));
		dbuf_put_u32(&r, 1);
		dbuf_put_bytes(&r, slotid, sizeof(slotid));
		dbuf_put_u32(&r, (uint32_t)slotlen);
		dbuf_put_bytes(&r, slot, slotlen);
		m.type = KH_REQ_UNLOCK;
		m.p = r.p;
		m.len = r.len;
		keyholder_answer(k, &m, &a, &tail, &taillen);
		if (r.err || a.len < 4 || le32dec(a.p) != KH_OK)
			_exit(91);	/* the test key must open */
		m.seq = 2;
	}
	if (ch != MAIN) {
		if ((d = keyholder_session_data(k, -1)) == NULL)
			_exit(90);
		m.seq = 1;	/* a channel's own sequence */
	}
	r.len = a.len = 0;
	payload(type, &r);
	m.type = type;
	m.p = r.p;
	m.len = r.len;
	keyholder_answer(d != NULL ? d : k, &m, &a, &tail, &taillen);
	if (r.err || a.len < 4 || le32dec(a.p) != 0)
		_exit(92);
	dbuf_free(&r);
	dbuf_free(&a);
	keyholder_session_free(d);
	keyholder_session_free(k);
	_exit(0);
}

/*
 * Run session(${ch}, ${type}): 0 when it was answered, 1 when the
 * keyholder stopped saying the request is not for a data channel, -1
 * otherwise (printed).
 */
static int
run(enum chan ch, uint32_t type)
{
	char err[4096];
	size_t got = 0;
	ssize_t n;
	int fd[2], st;
	pid_t pid;

	if (pipe(fd) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		(void)close(fd[0]);
		if (dup2(fd[1], STDERR_FILENO) != STDERR_FILENO)
			_exit(90);
		session(ch, type);
	}
	(void)close(fd[1]);
	while (got < sizeof(err) - 1 &&
	    (n = read(fd[0], err + got, sizeof(err) - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	(void)close(fd[0]);
	(void)waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_ERR &&
	    strstr(err, "on a data channel") != NULL)
		return 1;
	printf("# type %u on channel %d: status %d: %s", type, (int)ch, st,
	    err);
	return -1;
}

int
main(void)
{
	static const uint32_t data[] = { KH_REQ_SEAL, KH_REQ_ID,
	    KH_REQ_ID_BATCH };
	static const uint32_t other[] = { KH_REQ_CHUNKER, KH_REQ_SLOT_INFO };
	struct kh *kh;
	size_t i;

	if (khreq_rng_install() != 0)
		return 1;
	t_init();
	kh = khreq_key();
	T(kh != NULL && khreq_slot(kh, slotid, slot, sizeof(slot), &slotlen) ==
	    0, "a test key and its passphrase slot");
	kh_free(kh);
	fflush(stdout);
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		T(run(MAIN, data[i]) == 0, "request %u answered on the main "
		    "channel", data[i]);
		T(run(DATA, data[i]) == 0, "request %u answered on a data "
		    "channel", data[i]);
		T(run(DATA_LOCKED, data[i]) == 1, "request %u refused on a "
		    "data channel before the unlock", data[i]);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		T(run(MAIN, other[i]) == 0, "request %u answered on the main "
		    "channel (control)", other[i]);
		T(run(DATA, other[i]) == 1, "request %u refused on a data "
		    "channel: the keyholder stops", other[i]);
	}
	return t_exit();
}
