/*
 * worker.h: the worker role: confine, then run the command.
 */
#ifndef TACIT_WORKER_H
#define TACIT_WORKER_H

#include "cmd.h"

/*
 * worker_run(fn, o): put the worker in its sandbox for the command ${fn}
 * (Landlock on the repository, the sources or the target, seccomp), then
 * run it.  Returns the command's exit code.
 */
int worker_run(int (*)(struct opts *), struct opts *);

/*
 * worker_backup_sources(o): check and name the sources of a backup (see
 * source_resolve) and put their absolute paths in place of ${o}'s
 * operands.  Returns 0, or -1 after a message.
 */
int worker_backup_sources(struct opts *) __attribute__((warn_unused_result));

/*
 * worker_fs_note(path): with -v, before the sandbox, say when the
 * repository ${path} is on a FUSE or network file system, where the lock
 * keeps out only the runs through this mount on this computer.  Every
 * command that opens a repository calls it (worker_run; a command with a
 * second repository, such as copy, for that one too).
 */
void worker_fs_note(const char *);

#endif
