/*
 * log.c: stderr messages and fatal exits.  Formats into a stack buffer and
 * writes it with one write(2): no stdio buffer holds a message afterwards.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int log_verbosity = 1;
static void (*cleanup_hook)(void);

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

/* Add one message, stamped with the seconds since the first one. */
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
	emit("error: ", 1, fmt, ap);
	va_end(ap);
}

void
infox(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", log_verbosity >= 2, fmt, ap);
	va_end(ap);
}

/* One byte of a path as shown: itself, or \xNN.  Its length. */
static size_t
shown_byte(unsigned char c, char *out)
{
	if (c < 0x20 || c == 0x7f) {
		(void)snprintf(out, 5, "\\x%02x", c);
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

const char *
log_shown(const char *s)
{
	/* Room for LOG_SHOWN_MAX shown bytes, "[...]" and a last \xNN. */
	static _Thread_local char out[LOG_SHOWN_MAX + 16];
	const char *e = s + strlen(s), *tail = e, *p;
	size_t o = 0, t = 0, total = 0;
	char tmp[5];

	for (p = s; p < e && total <= LOG_SHOWN_MAX; p++)
		total += shown_byte((unsigned char)*p, tmp);
	/* Deep paths (80 KiB and more) keep their last components. */
	if (total > LOG_SHOWN_MAX)
		while (tail > s && t < LOG_SHOWN_MAX / 2)
			t += shown_byte((unsigned char)*--tail, tmp);
	for (p = s; p < tail && (tail == e || o < LOG_SHOWN_MAX / 2); p++)
		o += shown_byte((unsigned char)*p, out + o);
	if (p < tail) {
		memcpy(out + o, "[...]", 5);
		o += 5;
		for (p = tail; p < e; p++)
			o += shown_byte((unsigned char)*p, out + o);
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
