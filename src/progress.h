/*
 * progress.h: a one-line progress report on a terminal (stderr), at most
 * four times a second: files, bytes, rate and, when a total is known, the
 * time left.  Silent when stderr is not a terminal, with -q, or --json.
 */
#ifndef TACIT_PROGRESS_H
#define TACIT_PROGRESS_H

#include <stdint.h>
#include <time.h>

struct progress {
	int		 on;
	const char	*verb;
	uint64_t	 total;		/* bytes expected; 0 = unknown */
	struct timespec	 start, last;
	int		 shown;
};

/*
 * progress_tty: 1 in a worker whose stderr pipe the keyholder relays to a
 * terminal ("-x worker-tty"); the worker itself holds no terminal.
 */
extern int progress_tty;

/* progress_init(p, verb, total, quiet): start; ${quiet} turns it off. */
void progress_init(struct progress *, const char *, uint64_t, int);

/* progress_tick(p, files, bytes): redraw if a quarter second passed. */
void progress_tick(struct progress *, uint64_t, uint64_t);

/* progress_done(p): erase the line. */
void progress_done(struct progress *);

#endif
