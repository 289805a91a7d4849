/*
 * passphrase.h: reading a passphrase into locked memory.
 *
 * Sources in this version: a file descriptor (--passphrase-fd N) and the
 * controlling terminal with echo off.  Never argv, never the environment.
 */
#ifndef TACIT_PASSPHRASE_H
#define TACIT_PASSPHRASE_H

#include <stddef.h>
#include <stdint.h>

#define PASS_MAX	1024		/* bytes; longer input is refused */

enum pass_kind {
	PASS_TTY = 0,
	PASS_FD = 1
};

#define PASS_CURRENT	0	/* the passphrase that unlocks */
#define PASS_NEW	1	/* a new one (key add, key passwd) */

struct pass_src {
	enum pass_kind	kind;
	int		fd;		/* PASS_FD */
	int		which;		/* PASS_CURRENT or PASS_NEW */
};

/*
 * passphrase_read(src, prompt, confirm, lenp): read one passphrase from
 * ${src} into new secret memory (PASS_MAX + 1 bytes, NUL-terminated) and
 * return it, length in *${lenp}.  From a descriptor: one line, the newline
 * (and a CR before it) stripped, read a byte at a time so a second line is
 * left for the next read.  From the terminal: ${prompt} on /dev/tty with
 * echo off (restored on every path; on a signal the handler in
 * tacit.c restores it); with ${confirm},
 * asked twice and compared.  Empty input is refused.  Returns NULL after
 * printing why.  The caller releases it with secmem_free.
 */
uint8_t *passphrase_read(const struct pass_src *, const char *, int, size_t *);

/*
 * passphrase_tty_keep(): open the controlling terminal now and keep it for
 * later prompts (the keyholder does this before its sandbox forbids open).
 * Returns the descriptor, or -1 when there is no terminal.
 */
int passphrase_tty_keep(void);

/*
 * passphrase_tty_restore(): put the terminal back as it was if a prompt
 * has echo turned off.  Async-signal-safe; the signal handler calls it.
 */
void passphrase_tty_restore(void);

#endif
