/*
 * passphrase.c: passphrase input.  Bytes go straight from read(2) into
 * sodium_malloc memory: no stdio buffer, no getline, no copy on the heap.
 * This file chooses the source and holds our own prompts (terminal and
 * descriptor); pinentry.c speaks Assuan, passcmd.c runs a program.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "passphrase.h"
#include "pinentry.h"
#include "secmem.h"
#include "subproc.h"

/* Terminal state to restore from a signal handler. */
static volatile sig_atomic_t tty_saved;
static volatile sig_atomic_t tty_prompting;	/* our prompt ends the line */
static int tty_fd = -1;
static struct termios tty_orig;
static int line_eof;	/* read_line ended without a newline */

void
passphrase_tty_restore(void)
{
	if (tty_saved) {
		(void)tcsetattr(tty_fd, TCSAFLUSH, &tty_orig);
		tty_saved = 0;
	}
}

void
passphrase_tty_interrupt(void)
{
	int nl = tty_prompting;

	passphrase_tty_restore();
	tty_prompting = 0;
	if (nl && tty_fd >= 0)
		(void)!write(tty_fd, "\n", 1);	/* the message on its own line */
}

int
passphrase_tty_hold(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	if (tcgetattr(fd, &tty_orig) != 0) {
		(void)close(fd);
		return -1;
	}
	tty_fd = fd;
	tty_saved = 1;
	return 0;
}

void
passphrase_tty_release(void)
{
	passphrase_tty_restore();
	if (tty_fd >= 0)
		(void)close(tty_fd);
	tty_fd = -1;
}

/*
 * Read one line from ${fd} into ${buf} (capacity PASS_MAX + 1).  Returns the
 * length, -1 on a read error, -2 if the line is too long.
 */
static ssize_t
read_line(int fd, uint8_t *buf)
{
	size_t n = 0;
	ssize_t r;
	uint8_t c;

	line_eof = 0;
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			line_eof = 1;
		if (r == 0 || c == '\n')
			break;
		if (n == PASS_MAX)
			return -2;
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	sodium_memzero(&c, sizeof(c));
	return (ssize_t)n;
}

/* Prompt on the terminal with echo off; returns as read_line, -3: no tty. */
static ssize_t
tty_read(const char *prompt, uint8_t *buf)
{
	struct termios t;
	ssize_t n;

	tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty_fd < 0)
		return -3;
	if (tcgetattr(tty_fd, &tty_orig) != 0) {
		(void)close(tty_fd);
		tty_fd = -1;
		return -3;
	}
	t = tty_orig;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ECHONL;
	tty_saved = 1;
	(void)tcsetattr(tty_fd, TCSAFLUSH, &t);
	(void)!write(tty_fd, prompt, strlen(prompt));
	tty_prompting = 1;
	n = read_line(tty_fd, buf);
	tty_prompting = 0;
	/* Ctrl-D: no newline was echoed; what follows needs its own line. */
	if (n != -1 && line_eof)
		(void)!write(tty_fd, "\n", 1);
	passphrase_tty_restore();
	(void)close(tty_fd);
	tty_fd = -1;
	return n;
}

static ssize_t
read_one(const struct pass_src *src, const char *prompt, uint8_t *buf)
{
	ssize_t n;

	if (src->kind == PASS_FD)
		n = read_line(src->fd, buf);
	else
		n = tty_read(prompt, buf);
	switch (n) {
	case -1:
		if (src->kind == PASS_FD)
			errorx("cannot read the passphrase from descriptor "
			    "%d: %s", src->fd, strerror(errno));
		else
			errorx("cannot read the passphrase from the "
			    "terminal: %s", strerror(errno));
		break;
	case -2:
		errorx("passphrase longer than %d bytes", PASS_MAX);
		break;
	case -3:
		errorx("no terminal to ask for the passphrase on; use "
		    "--passphrase-fd N, --passphrase-command 'PROG ARGS' or "
		    "--keepassxc DB ENTRY");
		break;
	case 0:
		errorx("empty passphrase");
		return -1;
	default:
		break;
	}
	return n;
}

/* Our own prompt: the terminal, or one line from a descriptor. */
static uint8_t *
read_local(const struct pass_src *src, const char *prompt, int confirm,
    size_t *lenp)
{
	uint8_t *pw = NULL, *again = NULL;
	ssize_t n, m;

	if ((pw = secmem_alloc(PASS_MAX + 1)) == NULL)
		goto fail;
	if ((n = read_one(src, prompt, pw)) <= 0)
		goto fail;
	if (confirm && src->kind != PASS_FD) {
		if ((again = secmem_alloc(PASS_MAX + 1)) == NULL)
			goto fail;
		if ((m = read_one(src, "Repeat it: ", again)) <= 0)
			goto fail;
		if (m != n || sodium_memcmp(pw, again, (size_t)n) != 0) {
			errorx("the two passphrases differ");
			goto fail;
		}
		secmem_free(again);
	}
	*lenp = (size_t)n;
	return pw;
fail:
	secmem_free(again);
	secmem_free(pw);
	return NULL;
}

/*
 * The pinentry to use when none was named: only where it can show a
 * dialog (a terminal on stdin or stderr and a TERM it can draw with, or
 * a display), and only one that is installed.  0 with its path, or -1.
 */
static int
auto_pinentry(char *path, size_t cap)
{
	const char *term = getenv("TERM");
	int tty, gui;

	tty = (isatty(STDIN_FILENO) || isatty(STDERR_FILENO)) &&
	    term != NULL && *term != '\0' && strcmp(term, "dumb") != 0;
	gui = getenv("DISPLAY") != NULL || getenv("WAYLAND_DISPLAY") != NULL;
	if (!tty && !gui)
		return -1;
	return pinentry_find(path, cap, tty);
}

/*
 * Ask through the pinentry ${path}; ${prompt} without its trailing ": "
 * is the description.  When the pinentry could not ask at all and
 * ${fallback}, our own terminal prompt asks instead.
 */
static uint8_t *
via_pinentry(const char *path, const char *prompt, int confirm,
    size_t *lenp, int fallback)
{
	struct pass_src tty = { .kind = PASS_TTY, .fd = -1,
	    .which = PASS_CURRENT };
	char desc[512];
	size_t n;
	uint8_t *pw;
	int r;

	n = strlen(prompt) < sizeof(desc) ? strlen(prompt) : sizeof(desc) - 1;
	memcpy(desc, prompt, n);
	while (n > 0 && (desc[n - 1] == ' ' || desc[n - 1] == ':'))
		n--;
	desc[n] = '\0';
	if ((r = pinentry_getpin(path, desc, confirm, &pw, lenp)) == 0)
		return pw;
	if (r == PINENTRY_ENOSTART && fallback) {
		alertx("asking on the terminal instead of pinentry");
		return read_local(&tty, prompt, confirm, lenp);
	}
	if (r == PINENTRY_ENOSTART)
		errorx("pinentry %s could not ask for the passphrase", path);
	return NULL;
}

static volatile sig_atomic_t reading;

int
passphrase_reading(void)
{
	return reading;
}

static uint8_t *
read_any(const struct pass_src *src, const char *prompt, int confirm,
    size_t *lenp)
{
	char path[PATH_MAX];

	switch (src->kind) {
	case PASS_CMD:
		return passphrase_cmd_read(src, lenp);
	case PASS_PINENTRY:
		if (subproc_which(src->prog, path, sizeof(path)) != 0) {
			errorx("pinentry program %s: %s", src->prog,
			    strerror(errno));
			return NULL;
		}
		return via_pinentry(path, prompt, confirm, lenp, 0);
	case PASS_AUTO:
		if (auto_pinentry(path, sizeof(path)) == 0)
			return via_pinentry(path, prompt, confirm, lenp, 1);
		break;
	case PASS_TTY:
	case PASS_FD:
		break;
	}
	return read_local(src, prompt, confirm, lenp);
}

uint8_t *
passphrase_read(const struct pass_src *src, const char *prompt, int confirm,
    size_t *lenp)
{
	uint8_t *pw;

	reading = 1;
	pw = read_any(src, prompt, confirm, lenp);
	reading = 0;
	return pw;
}

const char *
passphrase_weak(const uint8_t *pw, size_t len)
{
	size_t i, chars = 0;
	int lower = 0, upper = 0, digit = 0, other = 0, same = 1;

	for (i = 0; i < len; i++) {
		if ((pw[i] & 0xc0) != 0x80)	/* UTF-8: count lead bytes */
			chars++;
		if (pw[i] != pw[0])
			same = 0;
		if (pw[i] >= 'a' && pw[i] <= 'z')
			lower = 1;
		else if (pw[i] >= 'A' && pw[i] <= 'Z')
			upper = 1;
		else if (pw[i] >= '0' && pw[i] <= '9')
			digit = 1;
		else
			other = 1;
	}
	if (chars < 12)
		return "it has fewer than 12 characters";
	if (same)
		return "it is one character repeated";
	if (lower + upper + digit + other < 3 && chars < 20)
		return "it has fewer than 3 kinds of character (lower case, "
		    "upper case, digits, others) and fewer than 20 characters";
	return NULL;
}

void
passphrase_env_refuse(void)
{
	static const char *const names[] = { "TACIT_PASSWORD",
	    "TACIT_PASSPHRASE", "RESTIC_PASSWORD", "BORG_PASSPHRASE" };
	const char *found = NULL;
	char *v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((v = getenv(names[i])) != NULL) {
			/* Out of our memory and /proc/self/environ now. */
			sodium_memzero(v, strlen(v));
			if (found == NULL)
				found = names[i];
		}
	if (found == NULL)
		return;
	errorx("%s is set, and tacit never takes a passphrase from the "
	    "environment (other processes can read it there); unset it, and "
	    "type the passphrase on the terminal or in pinentry, or give "
	    "--passphrase-fd N, --passphrase-command 'PROG ARGS' or "
	    "--keepassxc DB ENTRY", found);
	exit(EXIT_USAGE);
}
