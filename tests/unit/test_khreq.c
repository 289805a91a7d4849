/*
 * test_khreq.c: the keyholder's state table against a compromised worker
 * during key commands (issue 13, item 7).  Only `key recovery` may have the
 * keyholder make a recovery slot and print its key; in any other key
 * command (list, add, remove, passwd) the request ends the keyholder
 * before a key is made or shown.  Each case runs a keyholder session in a
 * child (keyholder_answer, the dispatcher less the socket, as in
 * tests/fuzz/khreq_fuzz.c), unlocked with the test slot of khreq.h, that
 * receives what a compromised worker would send; the child's stdout (where
 * the keyholder prints a recovery key) goes to a pipe the test reads.
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

/* A pipe that holds ${n} lines of the test passphrase: a PASS_FD source. */
static void
pass_pipe(struct pass_src *p, int n)
{
	int fd[2];

	if (pipe(fd) != 0)
		_exit(90);
	while (n-- > 0)
		if (write(fd[1], khreq_pw, sizeof(khreq_pw) - 1) !=
		    (ssize_t)sizeof(khreq_pw) - 1 || write(fd[1], "\n", 1) != 1)
			_exit(90);
	(void)close(fd[1]);
	p->kind = PASS_FD;
	p->fd = fd[0];
}

/* Send one request; return the answer's status word. */
static uint32_t
ask(struct khs *k, uint32_t type, uint32_t seq, struct dbuf *req)
{
	struct ipc_msg m;
	struct dbuf a;
	const uint8_t *tail;
	size_t taillen;
	uint32_t st;

	m.type = type;
	m.seq = seq;
	m.p = req->p;
	m.len = req->len;
	dbuf_init(&a, IPC_FRAME_MAX);
	keyholder_answer(k, &m, &a, &tail, &taillen);
	st = a.len >= 4 ? le32dec(a.p) : UINT32_MAX;
	dbuf_free(&a);
	return st;
}

/*
 * In a child: a keyholder for `key ${sub}`, unlocked; then, when
 * ${newslot}, a new recovery slot, and the request to show its key.
 */
static void __attribute__((noreturn))
session(const char *sub, int newslot)
{
	static struct opts o;
	static char *argv[2];
	struct dbuf r;
	struct khs *k;
	uint32_t seq = 1;

	argv[0] = (char *)(uintptr_t)sub;
	o.cmd = "key";
	o.argc = 1;
	o.argv = argv;
	o.repo = "test";
	o.kdf = khreq_kdf;
	pass_pipe(&o.pass, 1);
	pass_pipe(&o.newpass, 1);	/* key add, passwd read one */
	if ((k = keyholder_session_new(-1, &o, 1)) == NULL)
		_exit(90);
	dbuf_init(&r, IPC_FRAME_MAX);
	dbuf_put_bytes(&r, khreq_rid, sizeof(khreq_rid));
	dbuf_put_u32(&r, 1);
	dbuf_put_bytes(&r, slotid, sizeof(slotid));
	dbuf_put_u32(&r, (uint32_t)slotlen);
	dbuf_put_bytes(&r, slot, slotlen);
	if (r.err || ask(k, KH_REQ_UNLOCK, seq++, &r) != KH_OK)
		_exit(91);	/* the test key must open */
	if (newslot) {
		r.len = 0;
		dbuf_put_u32(&r, PASS_NEW);
		dbuf_put_u32(&r, SLOT_KIND_RECOVERY);
		if (ask(k, KH_REQ_SLOT_NEW, seq++, &r) != KH_OK)
			_exit(92);
	}
	r.len = 0;
	(void)ask(k, KH_REQ_RECOVERY, seq++, &r);
	dbuf_free(&r);
	keyholder_session_free(k);
	_exit(0);
}

/*
 * Run session(${sub}, ${newslot}); its exit status goes to ${status}.
 * Returns whether a recovery key reached its stdout.
 */
static int
run(const char *sub, int newslot, int *status)
{
	char out[4096];
	size_t got = 0;
	ssize_t n;
	int fd[2];
	pid_t pid;

	if (pipe(fd) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		(void)close(fd[0]);
		if (dup2(fd[1], STDOUT_FILENO) != STDOUT_FILENO)
			_exit(90);
		session(sub, newslot);
	}
	(void)close(fd[1]);
	while (got < sizeof(out) - 1 &&
	    (n = read(fd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	(void)close(fd[0]);
	(void)waitpid(pid, status, 0);
	return strstr(out, "Recovery key: ") != NULL;
}

int
main(void)
{
	static const char *const others[] = { "list", "add", "remove",
	    "passwd" };
	struct kh *kh;
	size_t i;
	int st, shown;

	if (khreq_rng_install() != 0)
		return 1;
	t_init();
	kh = khreq_key();
	T(kh != NULL && khreq_slot(kh, slotid, slot, sizeof(slot), &slotlen) ==
	    0, "a test key and its passphrase slot");
	kh_free(kh);
	fflush(stdout);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		shown = run(others[i], 1, &st);
		T(shown == 0 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_ERR,
		    "key %s: the keyholder stops at a new recovery slot and "
		    "shows no recovery key", others[i]);
		shown = run(others[i], 0, &st);
		T(shown == 0 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_ERR,
		    "key %s: the keyholder stops at the request to show a "
		    "recovery key", others[i]);
	}
	shown = run("recovery", 1, &st);
	T(shown == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "key recovery (control): a new recovery slot, its key shown once");
	return t_exit();
}
