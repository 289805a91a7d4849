/*
 * progress.c: the progress line.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

int progress_tty;

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
progress_init(struct progress *p, const char *verb, uint64_t total,
    int quiet)
{
	memset(p, 0, sizeof(*p));
	p->on = !quiet && log_verbosity > 0 &&
	    (progress_tty || isatty(STDERR_FILENO));
	p->verb = verb;
	p->total = total;
	(void)clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void
progress_tick(struct progress *p, uint64_t files, uint64_t bytes)
{
	struct timespec now;
	char line[160], eta[32] = "";
	double t, rate;
	int n;

	if (!p->on)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->last, &now) < 0.25)
		return;
	p->last = now;
	t = since(&p->start, &now);
	rate = t > 0 ? (double)bytes / t : 0;
	if (p->total > bytes && rate > 0) {
		double left = (double)(p->total - bytes) / rate;

		(void)snprintf(eta, sizeof(eta), ", %d:%02d left",
		    (int)(left / 60), (int)left % 60);
	}
	n = snprintf(line, sizeof(line), "\r%s: %llu files, %.1f MiB, "
	    "%.1f MiB/s%s\033[K", p->verb, (unsigned long long)files,
	    (double)bytes / 1048576, rate / 1048576, eta);
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1);
	p->shown = 1;
	log_line_open = 1;
}

void
progress_done(struct progress *p)
{
	if (p->on && p->shown)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
	p->shown = 0;
	log_line_open = 0;
}
