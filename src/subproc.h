/*
 * subproc.h: starting a helper program (pinentry, keepassxc-cli, a
 * passphrase command) from the keyholder, before its sandbox forbids it.
 *
 * posix_spawn of an absolute path: no shell, no PATH search by libc (so no
 * fallback to /bin/sh for a file without a #! line), no copy of the
 * keyholder's memory (glibc spawns with CLONE_VM|CLONE_VFORK).  The child
 * gets the descriptors it is given as 0-2 and nothing else, default signal
 * handling, and a scrubbed environment.
 */
#ifndef TACIT_SUBPROC_H
#define TACIT_SUBPROC_H

#include <sys/types.h>

#include <stddef.h>

#define SUBPROC_ARGS_MAX	64	/* words in a --passphrase-command */
#define SUBPROC_INHERIT	-1	/* keep our own descriptor 0, 1 or 2 */

#define SUBPROC_ENV_MIN	0x0	/* TERM, LANG, LC_*, display and D-Bus */
#define SUBPROC_ENV_USER	0x1	/* also PATH and HOME: a user's command */

/*
 * subproc_save_env(): remember PATH and HOME before harden_environment()
 * drops them (the strings stay where the kernel put them).  Call it first
 * thing in main.
 */
void subproc_save_env(void);

/*
 * subproc_which(name, out, cap): the executable ${name} as an absolute path
 * in ${out}: a name with a slash is taken as it is, any other is looked up
 * in the saved PATH (or /usr/local/bin:/usr/bin:/bin).  Returns 0, or -1
 * with errno (ENOENT: not found, EACCES: not executable).
 */
int subproc_which(const char *, char *, size_t)
    __attribute__((warn_unused_result));

/*
 * subproc_split(cmd, why): split ${cmd} into words the way a shell would
 * with no expansion at all: blanks separate words, '...' is literal, "..."
 * is literal but for \" and \\, and a backslash outside quotes takes the
 * next character as it is.  Returns a NULL-terminated vector in one heap
 * allocation (free() it), or NULL with *${why} set.
 */
char **subproc_split(const char *, const char **);

/*
 * subproc_fd_high(fd): make sure ${fd} is above 2 (a copy if needed, the
 * original closed), close-on-exec.  Returns the descriptor, or -1.
 */
int subproc_fd_high(int);

/*
 * subproc_start(path, argv, fds, env, pidp): start ${path} with ${argv} and
 * descriptors ${fds}[0..2] (each above 2, or SUBPROC_INHERIT) as its 0-2;
 * ${env} is SUBPROC_ENV_MIN or SUBPROC_ENV_USER.  Returns 0 with the child's
 * pid in *${pidp}, or an errno (ENOENT, EACCES, ENOEXEC...) if it could
 * not be started.
 */
int subproc_start(const char *, char *const *, const int[3], int, pid_t *)
    __attribute__((warn_unused_result));

/*
 * subproc_wait(pid): reap ${pid}; returns its wait status, or -1.
 */
int subproc_wait(pid_t);

/*
 * subproc_status_text(status, buf, cap): "exit status N" or "signal N" for a
 * wait status, in ${buf}; returns ${buf}.
 */
const char *subproc_status_text(int, char *, size_t);

#endif
