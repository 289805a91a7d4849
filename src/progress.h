/*
 * progress.h: a one-line progress report on a terminal (stderr), at most
 * four times a second, like restic's: the time so far, then, once the
 * totals are known, the percent done, files and bytes done of the totals
 * and the time left; else files and bytes done; and the rate.  The line
 * is cut to the terminal's width, so it never wraps (a wrapped line
 * would leave one screen line per redraw).  Silent when stderr is not a
 * terminal, with -q, or --json.  Also the one style in which summaries
 * show sizes (KiB, MiB, GiB) and durations.
 */
#ifndef TACIT_PROGRESS_H
#define TACIT_PROGRESS_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

struct progress {
	int		 on;
	const char	*verb;		/* "backup", "restore", "check" */
	const char	*unit;		/* what is counted: "files", "blobs" */
	_Atomic int	 counting;	/* totals are being counted (count.c) */
	_Atomic int	 known;		/* the totals below are set */
	_Atomic uint64_t tfiles, tbytes;
	struct timespec	 start, last;
	int		 shown;
};

/*
 * progress_tty: 1 in a worker whose stderr pipe the keyholder relays to a
 * terminal ("-x worker-tty:COLS"); the worker itself holds no terminal.
 * progress_cols: that terminal's width when the worker started, as the
 * keyholder read it (TIOCGWINSZ on its stderr); 0 if unknown (80 used).
 */
extern int progress_tty;
extern unsigned progress_cols;

#define PROGRESS_COLS_MAX	512

/*
 * progress_init(p, verb, unit, quiet): start the clock of the run; the
 * line is drawn only if stderr reaches a terminal and not ${quiet}.
 */
void progress_init(struct progress *, const char *, const char *, int);

/*
 * progress_total(p, files, bytes): the run's totals are known.  Safe to
 * call from another thread than progress_tick's (the counting thread).
 */
void progress_total(struct progress *, uint64_t, uint64_t);

/* progress_tick(p, files, bytes): redraw if a quarter second passed. */
void progress_tick(struct progress *, uint64_t, uint64_t);

/* progress_done(p, files, bytes): draw the final state, then erase it. */
void progress_done(struct progress *, uint64_t, uint64_t);

/* progress_elapsed(p): seconds since progress_init. */
double progress_elapsed(const struct progress *);

/* progress_size(v, buf): ${v} bytes as "512 B", "1.2 MiB"...; ${buf}. */
const char *progress_size(uint64_t, char[32]);

/* progress_time(s, buf): ${s} seconds as "3.2 s", "4:05" or "1:02:03". */
const char *progress_time(double, char[32]);

#endif
