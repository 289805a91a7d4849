/*
 * source.h: the paths given to backup, named and checked before the
 * worker sends the keyholder its first request (so before the passphrase).
 */
#ifndef TACIT_SOURCE_H
#define TACIT_SOURCE_H

#include <stddef.h>

/*
 * source_resolve(argv, n, outp, noutp, nskipp): the absolute path each of
 * the ${n} sources ${argv} is backed up as, in order, into a new array
 * *${outp} of *${noutp} strings; the sources that do not exist or cannot
 * be read are left out, counted in *${nskipp} and warned about.  The
 * directory of a source is resolved, its last component is not (a
 * symlink is backed up as a symlink), unless the path names a directory
 * itself: "/", ".", "..", "x/.", or a trailing slash.  Returns EXIT_OK,
 * or EXIT_ERR after a message: no source can be backed up, two would have
 * the same name, "/" with another, or out of memory.
 */
int source_resolve(char *const *, size_t, char ***, size_t *, size_t *)
    __attribute__((warn_unused_result));

/*
 * source_name(path): the name the absolute ${path} from source_resolve is
 * stored under in the snapshot's root: its last component; "" for "/",
 * whose entries are the root's own.
 */
const char *source_name(const char *);

#endif
