/*
 * passphrase.h: reading a passphrase into locked memory.
 *
 * Sources: pinentry (the default where one fits), a program's standard
 * output (--keepassxc DB ENTRY, --passphrase-command 'PROG ARGS'), a file
 * descriptor (--passphrase-fd N), and the controlling terminal with echo
 * off.  Never argv, never the environment (passphrase_env_refuse).  The
 * keyholder reads every passphrase a run needs before its sandbox goes on.
 */
#ifndef TACIT_PASSPHRASE_H
#define TACIT_PASSPHRASE_H

#include <stddef.h>
#include <stdint.h>

#define PASS_MAX	1024		/* bytes; longer input is refused */
#define PASS_CMD_MAX	4096		/* bytes a program may print */

enum pass_kind {
	PASS_TTY = 0,		/* our own prompt on /dev/tty, echo off */
	PASS_FD = 1,		/* one line from a descriptor */
	PASS_AUTO = 2,		/* pinentry if one fits here, else PASS_TTY */
	PASS_PINENTRY = 3,	/* --pinentry PROGRAM */
	PASS_CMD = 4		/* --passphrase-command, --keepassxc */
};

#define PASS_CURRENT	0	/* the passphrase that unlocks */
#define PASS_NEW	1	/* a new one (key add, key passwd) */

struct pass_src {
	enum pass_kind	 kind;
	int		 fd;		/* PASS_FD */
	int		 which;		/* PASS_CURRENT or PASS_NEW */
	const char	*prog;		/* PASS_PINENTRY: the program */
	char		**argv;		/* PASS_CMD: the program's argv */
	const char	*cmdline;	/* --passphrase-command as given */
	const char	*db;		/* --keepassxc: the database */
	const char	*entry;		/* --keepassxc: the entry */
};

/*
 * passphrase_read(src, prompt, confirm, lenp): read one passphrase from
 * ${src} into new secret memory (NUL-terminated) and return it, length in
 * *${lenp}.  From a descriptor: one line, the newline (and a CR before it)
 * stripped, read a byte at a time so a second line is left for the next
 * read.  From the terminal: ${prompt} on /dev/tty with echo off (restored
 * on every path; on a signal the handler in tacit.c restores it).  From
 * pinentry: ${prompt} is the description.  From a program: its standard
 * output (at most PASS_CMD_MAX bytes, one trailing newline stripped), exit
 * status 0 required.  With ${confirm}, a terminal or pinentry asks twice
 * and compares.  Empty input is refused.  Returns NULL after printing why.
 * The caller releases it with secmem_free.
 */
uint8_t *passphrase_read(const struct pass_src *, const char *, int, size_t *);

/*
 * passphrase_cmd_read(src, lenp): the PASS_CMD part of passphrase_read:
 * run ${src}->argv with the terminal (or our own 0 and 2) as its stdin and
 * stderr and a pipe as its stdout, read straight into secret memory.
 * In passcmd.c.
 */
uint8_t *passphrase_cmd_read(const struct pass_src *, size_t *);

/*
 * passphrase_weak(pw, len): why ${pw} is weak (fewer than 12 characters;
 * one character repeated; fewer than 3 kinds of character among lower
 * case, upper case, digits and others unless it has 20 or more), or NULL.
 */
const char *passphrase_weak(const uint8_t *, size_t);

/*
 * passphrase_env_refuse(): exit 2, naming the safe ways, when a passphrase
 * waits in the environment (TACIT_PASSWORD, TACIT_PASSPHRASE, and
 * RESTIC_PASSWORD or BORG_PASSPHRASE from a habit); its value is wiped in
 * place first.  Call it before harden_environment() hides them.
 */
void passphrase_env_refuse(void);

/*
 * passphrase_tty_restore(): put the terminal back as it was if a prompt
 * has echo turned off.  Async-signal-safe; the signal handler calls it.
 */
void passphrase_tty_restore(void);

/*
 * passphrase_tty_interrupt(): passphrase_tty_restore(), and end the line
 * of our own prompt if one is waiting, so that the message that follows
 * starts on its own line.  Async-signal-safe.
 */
void passphrase_tty_interrupt(void);

/*
 * passphrase_reading(): 1 while passphrase_read() runs (a prompt, a
 * pinentry, a program): a signal then ends the process at once.
 * Async-signal-safe.
 */
int passphrase_reading(void);

/*
 * passphrase_tty_hold(path): save the state of the terminal ${path} (the
 * one a pinentry draws on), to be put back by passphrase_tty_release()
 * when it is done, or by the signal handler if it is interrupted (a
 * pinentry killed by Ctrl-C leaves the terminal raw).  0 or -1.
 */
int passphrase_tty_hold(const char *);
void passphrase_tty_release(void);

#endif
