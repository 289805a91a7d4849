/*
 * log.c: stderr messages and fatal exits.  Formats into a stack buffer and
 * writes it with one write(2): no stdio buffer holds a message afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int log_verbosity = 1;
static void (*cleanup_hook)(void);

void
log_set_cleanup(void (*fn)(void))
{
	cleanup_hook = fn;
}

static void
emit(const char *prefix, const char *fmt, va_list ap)
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
	(void)!write(STDERR_FILENO, msg, (size_t)n);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void
alertx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void
errorx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error: ", fmt, ap);
	va_end(ap);
}

void
infox(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 2)
		return;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void
fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error: ", fmt, ap);
	va_end(ap);
	if (cleanup_hook != NULL)
		cleanup_hook();
	exit(code);
}
