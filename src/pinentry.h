/*
 * pinentry.h: asking for a passphrase through a pinentry program, over the
 * Assuan protocol on a socket pair.
 *
 * We send OPTION ttyname/ttytype/lc-ctype, SETTITLE, SETDESC, SETPROMPT,
 * (SETREPEAT), GETPIN and BYE, and never anything that lets pinentry or an
 * agent cache the passphrase (no OPTION allow-external-password-cache, no
 * SETKEYINFO).  Responses are read with read(2), a byte at a time, into
 * secret memory; the PIN is decoded from there into secret memory.
 */
#ifndef TACIT_PINENTRY_H
#define TACIT_PINENTRY_H

#include <stddef.h>
#include <stdint.h>

#define PINENTRY_LINE_MAX	1024	/* a response line, newline excluded */
/* GPG_ERR_SOURCE_PINENTRY (5) << 24 | GPG_ERR_CANCELED (99) */
#define PINENTRY_ERR_CANCELED	83886179UL

/* What one GETPIN (or other command) answered, built line by line. */
struct pinentry_resp {
	uint8_t		*pin;		/* secret memory of cap + 1, or NULL */
	size_t		 cap;
	size_t		 len;		/* decoded bytes in pin */
	unsigned long	 err;		/* the code of an ERR line */
	int		 repeated;	/* "S PIN_REPEATED": confirmed twice */
};

#define PINENTRY_MORE	0	/* the response goes on */
#define PINENTRY_OK	1	/* it ended with OK */
#define PINENTRY_ERR	2	/* it ended with ERR; the code is in err */
#define PINENTRY_BAD	-1	/* not a valid response line */
#define PINENTRY_LONG	-2	/* the data does not fit in cap bytes */

/*
 * pinentry_line(r, line, len): take one response line of ${len} bytes
 * (its newline removed) into ${r}: D lines are %XX-decoded and appended to
 * r->pin (NUL-terminated), S lines noted, # comments skipped.  Returns a
 * PINENTRY_* code.  A D line when r->pin is NULL, an INQUIRE, a malformed
 * escape or anything unknown is PINENTRY_BAD.
 */
int pinentry_line(struct pinentry_resp *, const uint8_t *, size_t)
    __attribute__((warn_unused_result));

/*
 * pinentry_escape(in, len, out, cap): ${in} percent-escaped for an Assuan
 * argument (%, CR, LF and every other control byte become %XX) into
 * ${out}, NUL-terminated; text that does not fit is cut before an escape,
 * never inside one.  Returns the length written.
 */
size_t pinentry_escape(const uint8_t *, size_t, char *, size_t);

/*
 * pinentry_find(out, cap, tty): the first pinentry program installed of
 * /usr/bin/pinentry, pinentry-curses, pinentry-tty, pinentry-gnome3,
 * pinentry-gtk2, pinentry-qt; without ${tty} the terminal-only ones are
 * skipped.  0 with the path in ${out}, or -1.
 */
int pinentry_find(char *, size_t, int);

#define PINENTRY_ENOSTART	-1	/* no dialog was shown: may fall back */
#define PINENTRY_EFAIL		-2	/* failed or cancelled; message printed */

/*
 * pinentry_getpin(prog, desc, confirm, pwp, lenp): start the pinentry
 * ${prog} (an absolute path), show ${desc}, and read the passphrase into
 * new secret memory *${pwp} (length *${lenp}, NUL-terminated; release it
 * with secmem_free).  With ${confirm} it is asked twice (SETREPEAT, or a
 * second GETPIN when the pinentry cannot repeat) and must match.  Returns
 * 0, PINENTRY_ENOSTART or PINENTRY_EFAIL; an error is printed either way.
 */
int pinentry_getpin(const char *, const char *, int, uint8_t **, size_t *)
    __attribute__((warn_unused_result));

#endif
