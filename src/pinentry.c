/*
 * pinentry.c: the Assuan client for pinentry (pinentry.h).  The keyholder
 * runs it before its sandbox: it needs fork/exec and the terminal.
 *
 * Every byte pinentry sends goes from read(2) into one secret line buffer
 * and is wiped there after use; the PIN is decoded from it into secret
 * memory.  Our own commands carry no secret.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "passphrase.h"
#include "pinentry.h"
#include "secmem.h"
#include "subproc.h"

/* --- the response decoder (pure: unit test and fuzz target) ------------- */

/* ${line} is ${word} alone or followed by a space. */
static int
is_word(const uint8_t *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(line, word, n) == 0 &&
	    (len == n || line[n] == ' ');
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Append the %XX-decoded ${p}[0..${n}) to the PIN. */
static int
decode_data(struct pinentry_resp *r, const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t c;
	int hi, lo;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == '%') {
			if (n - i < 3 || (hi = hexval(p[i + 1])) < 0 ||
			    (lo = hexval(p[i + 2])) < 0)
				return PINENTRY_BAD;
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		if (r->len == r->cap)
			return PINENTRY_LONG;
		r->pin[r->len++] = c;
	}
	r->pin[r->len] = '\0';
	return PINENTRY_MORE;
}

/* "ERR <code> [text]": the code must be there and fit in 32 bits. */
static int
parse_err(struct pinentry_resp *r, const uint8_t *line, size_t len)
{
	size_t i = 4, k = 0;
	unsigned long code = 0;

	if (len <= 4)
		return PINENTRY_BAD;
	for (; i < len && line[i] >= '0' && line[i] <= '9' && k < 11; i++, k++)
		code = code * 10 + (unsigned long)(line[i] - '0');
	if (k == 0 || k > 10 || code > 0xffffffffUL ||
	    (i < len && line[i] != ' '))
		return PINENTRY_BAD;
	r->err = code;
	return PINENTRY_ERR;
}

int
pinentry_line(struct pinentry_resp *r, const uint8_t *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')	/* a CR in data is %0D */
		len--;
	if (is_word(line, len, "OK"))
		return PINENTRY_OK;
	if (is_word(line, len, "ERR"))
		return parse_err(r, line, len);
	if (is_word(line, len, "D")) {
		if (r->pin == NULL)
			return PINENTRY_BAD;
		return decode_data(r, line + (len > 1 ? 2 : 1),
		    len > 1 ? len - 2 : 0);
	}
	if (is_word(line, len, "S")) {
		if (is_word(line, len, "S PIN_REPEATED"))
			r->repeated = 1;
		return PINENTRY_MORE;
	}
	if (len > 0 && line[0] == '#')
		return PINENTRY_MORE;
	return PINENTRY_BAD;	/* INQUIRE included: we answer none */
}

size_t
pinentry_escape(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	if (cap == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (in[i] == '%' || in[i] < 0x20 || in[i] == 0x7f) {
			if (o + 3 >= cap)
				break;
			out[o++] = '%';
			out[o++] = hex[in[i] >> 4];
			out[o++] = hex[in[i] & 15];
		} else {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)in[i];
		}
	}
	out[o] = '\0';
	return o;
}

/* --- finding a pinentry ------------------------------------------------- */

/* A pinentry that can only draw on a terminal (curses, tty)? */
static int
terminal_only(const char *path)
{
	char real[PATH_MAX];
	const char *base;

	if (realpath(path, real) == NULL)
		return 1;
	base = strrchr(real, '/') != NULL ? strrchr(real, '/') + 1 : real;
	return strstr(base, "curses") != NULL ||
	    strcmp(base, "pinentry-tty") == 0;
}

int
pinentry_find(char *out, size_t cap, int tty)
{
	static const char *const known[] = { "/usr/bin/pinentry",
	    "/usr/bin/pinentry-curses", "/usr/bin/pinentry-tty",
	    "/usr/bin/pinentry-gnome3", "/usr/bin/pinentry-gtk2",
	    "/usr/bin/pinentry-gtk-2", "/usr/bin/pinentry-qt" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (access(known[i], X_OK) != 0 ||
		    (!tty && terminal_only(known[i])) ||
		    strlen(known[i]) >= cap)
			continue;
		memcpy(out, known[i], strlen(known[i]) + 1);
		return 0;
	}
	return -1;
}

/* --- one session with a running pinentry ------------------------------- */

struct session {
	const char	*prog;
	int		 fd;		/* our end of the socket pair */
	pid_t		 pid;
	uint8_t		*line;		/* secret: PINENTRY_LINE_MAX + 1 */
	char		 errtext[128];	/* of the last ERR: not secret */
	int		 tty_held;	/* passphrase_tty_hold() took it */
};

/* Read one line into s->line; its length, -1 at EOF or error, -2 long. */
static ssize_t
read_line(struct session *s)
{
	size_t n = 0;
	ssize_t r;
	uint8_t c;

	for (;;) {
		r = read(s->fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		if (n == PINENTRY_LINE_MAX)
			return -2;
		s->line[n++] = c;
	}
	sodium_memzero(&c, sizeof(c));
	return (ssize_t)n;
}

/* Keep the text of an ERR line for the message (after "ERR <code> "). */
static void
keep_errtext(struct session *s, size_t len)
{
	const uint8_t *p = memchr(s->line + 4, ' ', len - 4);
	size_t n = p != NULL ? len - (size_t)(p + 1 - s->line) : 0;

	if (n >= sizeof(s->errtext))
		n = sizeof(s->errtext) - 1;
	if (p != NULL)
		memcpy(s->errtext, p + 1, n);
	s->errtext[n] = '\0';
}

/* Read the response to one command into ${r}; a PINENTRY_* end code. */
static int
response(struct session *s, struct pinentry_resp *r)
{
	ssize_t n;
	int st;

	do {
		if ((n = read_line(s)) < 0)
			return PINENTRY_BAD;
		st = pinentry_line(r, s->line, (size_t)n);
		if (st == PINENTRY_ERR)
			keep_errtext(s, (size_t)n);
		sodium_memzero(s->line, (size_t)n);
	} while (st == PINENTRY_MORE);
	return st;
}

/* Send one command line (no secret in it); 0 or -1. */
static int __attribute__((format(printf, 2, 0)))
vsay(struct session *s, const char *fmt, va_list ap)
{
	char buf[PINENTRY_LINE_MAX + 1];
	ssize_t w;
	int n;

	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 1)
		return -1;
	buf[n++] = '\n';
	do
		w = send(s->fd, buf, (size_t)n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w == n ? 0 : -1;
}

/* Send a command and read its answer into ${r}; a PINENTRY_* end code. */
static int __attribute__((format(printf, 3, 4)))
ask(struct session *s, struct pinentry_resp *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsay(s, fmt, ap);
	va_end(ap);
	if (rc != 0)
		return PINENTRY_BAD;
	return response(s, r);
}

/* The terminal pinentry should draw on: ours on 0 or 2, else /dev/tty. */
static const char *
tty_name(char *buf, size_t cap)
{
	int fd;

	if (ttyname_r(STDIN_FILENO, buf, cap) == 0 ||
	    ttyname_r(STDERR_FILENO, buf, cap) == 0)
		return buf;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return NULL;
	(void)close(fd);
	return "/dev/tty";
}

/* A value we may put on an OPTION line: short, no control byte, no %. */
static int
plain(const char *v)
{
	size_t i;

	if (v == NULL || *v == '\0' || strlen(v) > 256)
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f || v[i] == '%')
			return 0;
	return 1;
}

/*
 * The options a pinentry needs to find the terminal and its charset, and
 * our title.  An ERR answer is not fatal (a GUI pinentry may not care);
 * nothing here asks for caching.
 */
static int
options(struct session *s)
{
	struct pinentry_resp r;
	char tty[PATH_MAX];
	const char *v;

	memset(&r, 0, sizeof(r));
	if ((v = tty_name(tty, sizeof(tty))) != NULL && plain(v) &&
	    ask(s, &r, "OPTION ttyname=%s", v) < 0)
		return -1;
	if (plain(v = getenv("TERM")) && ask(s, &r, "OPTION ttytype=%s", v) < 0)
		return -1;
	if (!plain(v = getenv("LC_ALL")) && !plain(v = getenv("LC_CTYPE")) &&
	    !plain(v = getenv("LANG")))
		v = "C.UTF-8";
	if (ask(s, &r, "OPTION lc-ctype=%s", v) < 0)
		return -1;
	return ask(s, &r, "SETTITLE tacit") < 0 ? -1 : 0;
}

/* Start ${prog} on a socket pair and take its greeting; 0 or -1. */
static int
session_open(struct session *s, const char *prog)
{
	struct pinentry_resp r;
	char *argv[2], tty[PATH_MAX];
	const char *t;
	int sv[2], fds[3], child, err;

	memset(s, 0, sizeof(*s));
	s->prog = prog;
	s->fd = -1;
	s->pid = -1;
	if ((s->line = secmem_alloc(PINENTRY_LINE_MAX + 1)) == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		warnx("pinentry: socketpair: %s", strerror(errno));
		return -1;
	}
	s->fd = subproc_fd_high(sv[0]);
	child = subproc_fd_high(sv[1]);
	fds[0] = fds[1] = child;
	fds[2] = SUBPROC_INHERIT;	/* its complaints, if any, are seen */
	argv[0] = (char *)(uintptr_t)prog;
	argv[1] = NULL;
	/* A pinentry killed by a signal leaves its terminal raw: ours to
	 * put back (session_close, or the signal handler). */
	if ((t = tty_name(tty, sizeof(tty))) != NULL)
		s->tty_held = passphrase_tty_hold(t) == 0;
	err = s->fd < 0 || child < 0 ? EBADF :
	    subproc_start(prog, argv, fds, SUBPROC_ENV_MIN, &s->pid);
	if (child >= 0)
		(void)close(child);
	if (err != 0) {
		s->pid = -1;
		warnx("cannot start pinentry %s: %s", prog, strerror(err));
		return -1;
	}
	memset(&r, 0, sizeof(r));
	if (response(s, &r) != PINENTRY_OK || options(s) != 0) {
		warnx("pinentry %s does not answer as pinentry should", prog);
		return -1;
	}
	return 0;
}

/* BYE, close, reap, wipe. */
static void
session_close(struct session *s)
{
	if (s->fd >= 0) {
		(void)send(s->fd, "BYE\n", 4, MSG_NOSIGNAL);
		(void)close(s->fd);
	}
	if (s->pid > 0)
		(void)subproc_wait(s->pid);
	if (s->tty_held)
		passphrase_tty_release();
	secmem_free(s->line);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* SETDESC, SETPROMPT, [SETREPEAT], then GETPIN into new secret memory. */
static int
getpin(struct session *s, const char *desc, const char *prompt, int repeat,
    struct pinentry_resp *r)
{
	struct pinentry_resp o;
	char esc[PINENTRY_LINE_MAX - 16];

	memset(&o, 0, sizeof(o));
	(void)pinentry_escape((const uint8_t *)desc, strlen(desc), esc,
	    sizeof(esc));
	if (ask(s, &o, "SETDESC %s", esc) < 0 ||
	    ask(s, &o, "SETPROMPT %s", prompt) < 0 ||
	    (repeat && ask(s, &o, "SETREPEAT %s", "Repeat:") < 0))
		return PINENTRY_BAD;
	memset(r, 0, sizeof(*r));
	if ((r->pin = secmem_alloc(PASS_MAX + 1)) == NULL)
		return PINENTRY_BAD;
	r->cap = PASS_MAX;
	return ask(s, r, "GETPIN");
}

/*
 * Say why GETPIN gave no passphrase and return the caller's code.  Only a
 * first GETPIN that failed without the user's doing (no cancel, timeout or
 * bad input) lets the caller fall back to another prompt.
 */
static int
failed(const struct session *s, int st, const struct pinentry_resp *r,
    int first)
{
	/* The GPG error code is the low 16 bits: 99 and 198 are cancels. */
	if (st == PINENTRY_ERR && ((r->err & 0xffff) == 99 ||
	    (r->err & 0xffff) == 198))
		errorx("passphrase entry cancelled");
	else if (st == PINENTRY_ERR && (r->err & 0xffff) == 62)
		errorx("passphrase entry timed out");
	else if (st == PINENTRY_LONG)
		errorx("passphrase longer than %d bytes", PASS_MAX);
	else if (st == PINENTRY_OK)
		errorx("empty passphrase");
	else if (first) {
		if (st == PINENTRY_ERR)
			warnx("pinentry %s: error %lu (%s)", s->prog, r->err,
			    s->errtext);
		else
			warnx("pinentry %s ended or broke the protocol",
			    s->prog);
		return PINENTRY_ENOSTART;
	} else
		errorx("pinentry %s failed (%s)", s->prog,
		    st == PINENTRY_ERR ? s->errtext : "broken protocol");
	return PINENTRY_EFAIL;
}

#define PINENTRY_TRIES	3	/* a new passphrase and its repetition */

int
pinentry_getpin(const char *prog, const char *desc, int confirm,
    uint8_t **pwp, size_t *lenp)
{
	struct pinentry_resp a, b;
	struct session s;
	char again[PINENTRY_LINE_MAX], first[PINENTRY_LINE_MAX];
	int st, rc = PINENTRY_ENOSTART, try;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	*pwp = NULL;
	if (session_open(&s, prog) != 0)
		goto out;
	(void)snprintf(first, sizeof(first), "%s", desc);
	for (try = 1;; try++) {
		st = getpin(&s, first, "Passphrase:", confirm, &a);
		if (st != PINENTRY_OK || a.len == 0) {
			rc = failed(&s, st, &a, 1);
			goto out;
		}
		/* No "S PIN_REPEATED" (pinentry-curses): ask again
		 * ourselves. */
		if (!confirm || a.repeated)
			break;
		(void)snprintf(again, sizeof(again), "Repeat to confirm.\n%s",
		    desc);
		st = getpin(&s, again, "Repeat:", 0, &b);
		if (st != PINENTRY_OK || b.len == 0) {
			rc = failed(&s, st, &b, 0);
			goto out;
		}
		if (a.len == b.len && sodium_memcmp(a.pin, b.pin, a.len) == 0)
			break;
		/* A typo: ask both again, up to PINENTRY_TRIES times. */
		secmem_free(a.pin);
		secmem_free(b.pin);
		a.pin = b.pin = NULL;
		if (try == PINENTRY_TRIES) {
			errorx("the two passphrases differ (%d tries)", try);
			rc = PINENTRY_EFAIL;
			goto out;
		}
		(void)snprintf(first, sizeof(first), "The two passphrases "
		    "differ: try again (%d of %d).\n%s", try + 1,
		    PINENTRY_TRIES, desc);
	}
	*pwp = a.pin;
	*lenp = a.len;
	a.pin = NULL;
	rc = 0;
out:
	secmem_free(b.pin);
	secmem_free(a.pin);
	session_close(&s);
	return rc;
}
