/*
 * passphrase.c: passphrase input.  Bytes go straight from read(2) into
 * sodium_malloc memory: no stdio buffer, no getline, no copy on the heap.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "passphrase.h"
#include "secmem.h"

/* Terminal state to restore from a signal handler. */
static volatile sig_atomic_t tty_saved;
static int tty_fd = -1;
static int tty_kept = -1;	/* kept open for the sandbox; -2: none */

int
passphrase_tty_keep(void)
{
	if (tty_kept == -1 && (tty_kept = open("/dev/tty", O_RDWR | O_NOCTTY |
	    O_CLOEXEC)) < 0)
		tty_kept = -2;	/* none: later prompts must not try again */
	return tty_kept < 0 ? -1 : tty_kept;
}
static struct termios tty_orig;

void
passphrase_tty_restore(void)
{
	if (tty_saved) {
		(void)tcsetattr(tty_fd, TCSAFLUSH, &tty_orig);
		tty_saved = 0;
	}
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

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
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

	if (tty_kept == -2)
		return -3;
	tty_fd = tty_kept >= 0 ? tty_kept : open("/dev/tty", O_RDWR |
	    O_NOCTTY | O_CLOEXEC);
	if (tty_fd < 0)
		return -3;
	if (tcgetattr(tty_fd, &tty_orig) != 0) {
		if (tty_fd != tty_kept)
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
	n = read_line(tty_fd, buf);
	passphrase_tty_restore();
	if (tty_fd != tty_kept)
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
		errorx("no terminal to ask for the passphrase on; "
		    "use --passphrase-fd N");
		break;
	case 0:
		errorx("empty passphrase");
		return -1;
	default:
		break;
	}
	return n;
}

uint8_t *
passphrase_read(const struct pass_src *src, const char *prompt, int confirm,
    size_t *lenp)
{
	uint8_t *pw = NULL, *again = NULL;
	ssize_t n, m;

	if ((pw = secmem_alloc(PASS_MAX + 1)) == NULL)
		goto fail;
	if ((n = read_one(src, prompt, pw)) <= 0)
		goto fail;
	if (confirm && src->kind == PASS_TTY) {
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
