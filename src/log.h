/*
 * log.h: messages to stderr, fatal exits and the documented exit codes.
 *
 * Nothing here writes anywhere but stderr (fd 2): never syslog, never a file.
 */
#ifndef TACIT_LOG_H
#define TACIT_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes, documented in tacit(1) and README.md.  They follow restic's. */
#define EXIT_OK		0	/* success */
#define EXIT_ERR	1	/* any other failure */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_PARTIAL	3	/* finished, but some files were skipped */
#define EXIT_NOREPO	10	/* no repository, or not a tacit repository */
#define EXIT_LOCKED	11	/* another tacit process holds the lock */
#define EXIT_PASS	12	/* no key slot opens with this passphrase */
#define EXIT_VERSION	13	/* repository format this tacit cannot read */
#define EXIT_DAMAGED	14	/* an object failed authentication or decoding */
#define EXIT_REPAIRABLE	15	/* check: damage, all of it within the parity */
#define EXIT_DIFFER	16	/* check --same-as: the two repositories differ */
#define EXIT_INTR	130	/* interrupted by a signal */

/* PLURAL(n): "s" unless ${n} is 1, for "%llu file%s". */
#define PLURAL(n)	((n) == 1 ? "" : "s")

/* log_verbosity: 0 quiet (errors only), 1 normal, 2 verbose. */
extern int log_verbosity;

/*
 * log_set_cleanup(fn): call ${fn} from fatal() before exiting, so secrets are
 * wiped on the error path too.  One hook; the last call wins.
 */
void log_set_cleanup(void (*)(void));

/* warnx(fmt, ...): print "tacit: <message>" to stderr unless quiet. */
void warnx(const char *, ...) __attribute__((format(printf, 1, 2)));

/* alertx(fmt, ...): "tacit: warning: <message>", shown even with -q. */
void alertx(const char *, ...) __attribute__((format(printf, 1, 2)));

/* errorx(fmt, ...): print "tacit: error: <message>" to stderr, always. */
void errorx(const char *, ...) __attribute__((format(printf, 1, 2)));

/* infox(fmt, ...): print "tacit: <message>" to stderr when verbose. */
void infox(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * The RAM log.  Every message above, printed or not (-q, -v), is also
 * kept with its time in a bounded ring in memory (LOG_RING_BYTES; the
 * oldest lines go first).  Nothing is ever written to a file, syslog or
 * the journal; a backup seals the ring into the repository with its
 * snapshot, and `tacit log SNAP` prints it.
 */
#define LOG_RING_BYTES	(1u << 20)

/* lognote(fmt, ...): record a line in the RAM log only (never printed). */
void lognote(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * log_ring_begin(): the ring's lines are stamped with the seconds since
 * now (else since its first line).
 */
void log_ring_begin(void);

/* log_ring_copy(out, cap): the ring's text, oldest first; its length. */
size_t log_ring_copy(char *, size_t);

/*
 * log_shown(s): ${s} (a path from the source or the repository) fit for a
 * message: control characters as \xNN (see log_char), so a file name
 * cannot drive the terminal, and a path shown longer than LOG_SHOWN_MAX
 * bytes shown as its start, "[...]" and its end, so what the message says
 * about it still fits.  A static buffer per thread: one call per message
 * at a time.  log_shown_n(p, n): the same for the ${n} bytes at ${p}.
 */
#define LOG_SHOWN_MAX	512
const char *log_shown(const char *);
const char *log_shown_n(const void *, size_t);

/*
 * log_char(p, n, ctl): the length (1 to 4) of the character at ${p}, of
 * ${n} > 0 bytes; sets ${ctl} if it is one a terminal may act on, to be
 * shown escaped: C0 (below 0x20), DEL, C1 (U+0080-U+009F, i.e. C2 80 to
 * C2 9F in UTF-8) and a byte 0x80-0x9F outside well-formed UTF-8 (C1 on an
 * 8-bit terminal).  Other bytes outside UTF-8 are one character each.
 */
size_t log_char(const uint8_t *, size_t, int *);

/*
 * log_unescape(s): undo, in place, the \xNN escapes with which ls prints a
 * name (a control character or a backslash), so a path copied from ls's
 * output names the stored path.  A backslash not followed by "x" and two
 * hex digits, or one that would give a NUL, stays as it is.  Returns ${s}.
 */
char *log_unescape(char *);

/*
 * log_utf8_len(p, n): the length of the well-formed UTF-8 sequence of two
 * or more bytes at ${p} (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), or 0.
 */
size_t log_utf8_len(const uint8_t *, size_t);

/*
 * log_hold_errors(held): while ${held}() returns nonzero, errorx() keeps
 * its messages in the RAM log only: the caller prints the one message
 * that explains them (a failed repository write is the cause of every
 * error after it).  NULL: shown again.
 */
void log_hold_errors(int (*)(void));

/*
 * log_line_open: set while a line without its newline (the progress line)
 * is on stderr; the next message, and log_interrupted(), end it first.
 */
extern volatile int log_line_open;

/*
 * log_stderr_tty: whether stderr is a terminal, set once at start (a
 * signal handler must not ask): log_interrupted then begins with a
 * carriage return, over the "^C" the terminal echoed, so that its line
 * starts with "tacit:" when no progress line was open.
 */
extern int log_stderr_tty;

/*
 * log_interrupted(what): async-signal-safe: end an open line, print
 * "tacit: interrupted" and ${what} (if not NULL) on stderr.
 */
void log_interrupted(const char *);

/* fatal(code, fmt, ...): print an error, run the cleanup hook, exit ${code}. */
void fatal(int, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
