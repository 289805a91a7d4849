/*
 * version.h: what `tacit version` prints.
 */
#ifndef TACIT_VERSION_H
#define TACIT_VERSION_H

#include <stdio.h>

/*
 * version_print(f, version): the version, the commit it was built from,
 * static or dynamic, the libraries' versions (for the static binary also
 * the Debian packages its archives came from) and what this kernel gives
 * the sandbox: Landlock's ABI and whether seccomp filters load.
 */
void version_print(FILE *, const char *);

#endif
