/*
 * progress.c: the progress line, and how sizes and durations are shown.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

int progress_tty;
unsigned progress_cols;

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

const char *
progress_size(uint64_t v, char buf[32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	double d = (double)v;
	int u = 0;

	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	(void)snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", d, unit[u]);
	return buf;
}

const char *
progress_time(double s, char buf[32])
{
	unsigned long t;

	if (s < 0)
		s = 0;
	if (s < 60) {
		(void)snprintf(buf, 32, "%.1f s", s);
		return buf;
	}
	t = s > 1e9 ? 1000000000UL : (unsigned long)s;
	if (t < 3600)
		(void)snprintf(buf, 32, "%lu:%02lu", t / 60, t % 60);
	else
		(void)snprintf(buf, 32, "%lu:%02lu:%02lu", t / 3600,
		    t / 60 % 60, t % 60);
	return buf;
}

/* "m:ss" or "h:mm:ss", as a clock (no fraction): the line's times. */
static const char *
clock_str(double s, char buf[32])
{
	unsigned long t = s <= 0 ? 0 : s > 1e9 ? 1000000000UL :
	    (unsigned long)s;

	if (t < 3600)
		(void)snprintf(buf, 32, "%lu:%02lu", t / 60, t % 60);
	else
		(void)snprintf(buf, 32, "%lu:%02lu:%02lu", t / 3600,
		    t / 60 % 60, t % 60);
	return buf;
}

void
progress_init(struct progress *p, const char *verb, const char *unit,
    int quiet)
{
	memset(p, 0, sizeof(*p));
	p->on = !quiet && log_verbosity > 0 &&
	    (progress_tty || isatty(STDERR_FILENO));
	p->verb = verb;
	p->unit = unit;
	(void)clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void
progress_total(struct progress *p, uint64_t files, uint64_t bytes)
{
	atomic_store(&p->tfiles, files);
	atomic_store(&p->tbytes, bytes);
	atomic_store(&p->known, 1);
}

double
progress_elapsed(const struct progress *p)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return since(&p->start, &now);
}

/*
 * The line for ${files} and ${bytes} done after ${t} seconds, at most
 * ${cols} - 1 columns: the last column would wrap on some terminals.
 * Every byte of it is ASCII, so bytes are columns.
 */
static size_t
render(const struct progress *p, char *out, size_t cols, double t,
    uint64_t files, uint64_t bytes)
{
	char line[PROGRESS_COLS_MAX + 128], el[32], a[32], b[32], r[32],
	    eta[40] = "";
	int known = atomic_load(&p->known), k;	/* first: then the totals */
	uint64_t tf = atomic_load(&p->tfiles), tb = atomic_load(&p->tbytes);
	double rate = t > 0 ? (double)bytes / t : 0, pct;
	size_t n;

	(void)clock_str(t, el);
	(void)progress_size(bytes, a);
	(void)progress_size((uint64_t)rate, r);
	if (known) {
		/* Done can pass the totals: files grew while walked. */
		pct = tb > 0 ? 100.0 * (double)bytes / (double)tb :
		    tf > 0 ? 100.0 * (double)files / (double)tf : 100;
		if (pct > 100)
			pct = 100;
		if (tb > bytes && rate > 0) {
			char left[32];

			(void)snprintf(eta, sizeof(eta), " ETA %s", clock_str(
			    (double)(tb - bytes) / rate, left));
		}
		k = snprintf(line, sizeof(line), "%s %s %5.1f%% %llu/%llu %s "
		    "%s/%s %s/s%s", p->verb, el, pct,
		    (unsigned long long)files, (unsigned long long)tf,
		    p->unit, a, progress_size(tb, b), r, eta);
	} else
		k = snprintf(line, sizeof(line), "%s %s %llu %s %s %s/s%s",
		    p->verb, el, (unsigned long long)files, p->unit, a, r,
		    p->counting ? " (counting)" : "");
	n = k < 0 ? 0 : (size_t)k >= sizeof(line) ? sizeof(line) - 1 :
	    (size_t)k;
	if (n > cols - 1)
		n = cols - 1;
	memcpy(out, line, n);
	return n;
}

static void
draw(struct progress *p, uint64_t files, uint64_t bytes, double t)
{
	char line[PROGRESS_COLS_MAX + 8];
	size_t cols = progress_cols, n;

	if (cols < 2 || cols > PROGRESS_COLS_MAX)
		cols = progress_cols > PROGRESS_COLS_MAX ? PROGRESS_COLS_MAX :
		    80;
	line[0] = '\r';
	n = 1 + render(p, line + 1, cols, t, files, bytes);
	memcpy(line + n, "\033[K", 3);	/* erase what a longer line left */
	(void)!write(STDERR_FILENO, line, n + 3);
	p->shown = 1;
}

void
progress_tick(struct progress *p, uint64_t files, uint64_t bytes)
{
	struct timespec now;

	if (!p->on)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->last, &now) < 0.25)
		return;
	p->last = now;
	draw(p, files, bytes, since(&p->start, &now));
}

void
progress_done(struct progress *p, uint64_t files, uint64_t bytes)
{
	if (!p->on)
		return;
	/* The final state, then a clean line for the summary. */
	draw(p, files, bytes, progress_elapsed(p));
	(void)!write(STDERR_FILENO, "\r\033[K", 4);
	p->shown = 0;
}
