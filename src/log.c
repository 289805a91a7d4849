/*
 * log.c: stderr messages and fatal exits.  Formats into a stack buffer and
 * writes it with one write(2): no stdio buffer holds a message afterwards.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int log_verbosity = 1;
volatile int log_line_open;
int log_stderr_tty;
static void (*cleanup_hook)(void);
static int (*errors_held)(void);

/* The RAM log: a ring of text; ring_pos is where the next byte goes. */
static char ring[LOG_RING_BYTES];
static size_t ring_pos;
static int ring_full;
static struct timespec ring_start;

static void
ring_put(const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		k = LOG_RING_BYTES - ring_pos < n ? LOG_RING_BYTES - ring_pos : n;
		memcpy(ring + ring_pos, p, k);
		ring_pos += k;
		p += k;
		n -= k;
		if (ring_pos == LOG_RING_BYTES) {
			ring_pos = 0;
			ring_full = 1;
		}
	}
}

/* Add one message, stamped with the seconds since the run began. */
static void
ring_add(const char *msg, size_t n)
{
	struct timespec now;
	char stamp[32];
	int k;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (ring_start.tv_sec == 0 && ring_start.tv_nsec == 0)
		ring_start = now;
	k = snprintf(stamp, sizeof(stamp), "[%8.3f] ",
	    (double)(now.tv_sec - ring_start.tv_sec) +
	    (double)(now.tv_nsec - ring_start.tv_nsec) / 1e9);
	if (k > 0)
		ring_put(stamp, (size_t)k);
	ring_put(msg, n);
}

void
log_ring_begin(void)
{
	(void)clock_gettime(CLOCK_MONOTONIC, &ring_start);
}

size_t
log_ring_copy(char *out, size_t cap)
{
	size_t n = 0, k;

	/* A wrapped ring starts after the first newline past ring_pos. */
	if (ring_full) {
		size_t start = ring_pos;

		while (start < LOG_RING_BYTES && ring[start] != '\n')
			start++;
		if (start < LOG_RING_BYTES)
			start++;
		k = LOG_RING_BYTES - start < cap ? LOG_RING_BYTES - start : cap;
		memcpy(out, ring + start, k);
		n = k;
	}
	k = ring_pos < cap - n ? ring_pos : cap - n;
	memcpy(out + n, ring, k);
	return n + k;
}

void
log_set_cleanup(void (*fn)(void))
{
	cleanup_hook = fn;
}

static pthread_mutex_t emit_mu = PTHREAD_MUTEX_INITIALIZER;

/* Format a message; print it when ${show}; always keep it in the ring. */
static void
emit(const char *prefix, int show, const char *fmt, va_list ap)
{
	char msg[1024];
	int n, m;

	n = snprintf(msg, sizeof(msg), "tacit: %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	m = vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(msg) - 1)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	/* Backup and restore report from a second thread too. */
	(void)pthread_mutex_lock(&emit_mu);
	ring_add(msg + 7, (size_t)n - 7);	/* without "tacit: " */
	if (show && log_line_open) {
		(void)!write(STDERR_FILENO, "\n", 1);	/* on its own line */
		log_line_open = 0;
	}
	if (show)
		(void)!write(STDERR_FILENO, msg, (size_t)n);
	(void)pthread_mutex_unlock(&emit_mu);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", log_verbosity >= 1, fmt, ap);
	va_end(ap);
}

void
lognote(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", 0, fmt, ap);
	va_end(ap);
}

void
alertx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning: ", 1, fmt, ap);
	va_end(ap);
}

void
errorx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error: ", errors_held == NULL || !errors_held(), fmt, ap);
	va_end(ap);
}

void
log_hold_errors(int (*held)(void))
{
	errors_held = held;
}

void
log_interrupted(const char *what)
{
	char msg[512];
	size_t n = 0, k;

	if (log_line_open)
		msg[n++] = '\n';
	else if (log_stderr_tty)
		msg[n++] = '\r';	/* over the terminal's echo of ^C */
	memcpy(msg + n, "tacit: interrupted", 18);
	n += 18;
	if (what != NULL) {
		k = strnlen(what, sizeof(msg) - n - 3);
		msg[n++] = ':';
		msg[n++] = ' ';
		memcpy(msg + n, what, k);
		n += k;
	}
	msg[n++] = '\n';
	(void)!write(STDERR_FILENO, msg, n);
	log_line_open = 0;
}

void
infox(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", log_verbosity >= 2, fmt, ap);
	va_end(ap);
}

size_t
log_utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len, k;

	if (n == 0)
		return 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t
log_char(const uint8_t *p, size_t n, int *ctl)
{
	size_t len;

	/*
	 * C1 controls (U+0080-U+009F) act like C0 ones on many terminals:
	 * U+009B is CSI and U+009D is OSC, in UTF-8 (C2 9B) and, on an
	 * 8-bit terminal, as the bare byte.  Both forms are controls here.
	 */
	if (p[0] < 0x80) {
		*ctl = p[0] < 0x20 || p[0] == 0x7f;
		return 1;
	}
	if ((len = log_utf8_len(p, n)) > 0) {
		*ctl = len == 2 && p[0] == 0xc2 && p[1] <= 0x9f;
		return len;
	}
	*ctl = p[0] <= 0x9f;
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
log_unescape(char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	while (*r != '\0') {
		if (r[0] == '\\' && r[1] == 'x' &&
		    (hi = hexval(r[2])) >= 0 && (lo = hexval(r[3])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}

const char *
log_shown(const char *s)
{
	return log_shown_n(s, strlen(s));
}

/* Put the character of ${len} bytes at ${p} into ${out}: its length there. */
static size_t
shown_char(const uint8_t *p, size_t len, int ctl, char *out)
{
	size_t k;

	if (!ctl) {
		memcpy(out, p, len);
		return len;
	}
	for (k = 0; k < len; k++)
		(void)snprintf(out + 4 * k, 5, "\\x%02x", p[k]);
	return 4 * len;
}

const char *
log_shown_n(const void *v, size_t n)
{
	/* LOG_SHOWN_MAX shown bytes, "[...]" and a last escaped character. */
	static _Thread_local char out[LOG_SHOWN_MAX + 32];	/* per thread */
	const uint8_t *p = v;
	size_t i, o = 0, len, total = 0, head = n, tail = n, w;
	int ctl;

	for (i = 0; i < n; i += len) {
		len = log_char(p + i, n - i, &ctl);
		total += ctl ? 4 * len : len;
	}
	/* A deep path (80 KiB and more) keeps its start and its end. */
	if (total > LOG_SHOWN_MAX) {
		for (i = 0, w = 0; i < n; i += len, w += ctl ? 4 * len : len) {
			len = log_char(p + i, n - i, &ctl);
			if (head == n && w + (ctl ? 4 * len : len) >
			    LOG_SHOWN_MAX / 2)
				head = i;
			if (total - w <= LOG_SHOWN_MAX / 2) {
				tail = i;
				break;
			}
		}
	}
	for (i = 0; i < head; i += len) {
		len = log_char(p + i, n - i, &ctl);
		o += shown_char(p + i, len, ctl, out + o);
	}
	if (head < n) {
		memcpy(out + o, "[...]", 5);
		o += 5;
		for (i = tail; i < n; i += len) {
			len = log_char(p + i, n - i, &ctl);
			o += shown_char(p + i, len, ctl, out + o);
		}
	}
	out[o] = '\0';
	return out;
}

void
fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error: ", 1, fmt, ap);
	va_end(ap);
	if (cleanup_hook != NULL)
		cleanup_hook();
	exit(code);
}
