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
 * source_files_from(file, nul, vp, np): append to the array *${vp} of
 * *${np} paths those that ${file} names: one a line, blank lines and
 * lines that start with '#' ignored, a trailing CR dropped (--files-from);
 * or, with ${nul}, separated by NUL bytes, nothing ignored but empty
 * names (--files-from0).  Each path added is a new string, to free; on
 * error some may have been added.  Returns 0, or -1 after a message (the
 * file cannot be read, is larger than 64 MiB, or out of memory).
 */
int source_files_from(const char *, int, char ***, size_t *)
    __attribute__((warn_unused_result));

/*
 * source_lists_pack(ff, nff, ff0, nff0): read the --files-from lists
 * ${ff} and the --files-from0 lists ${ff0} now, in the process the user
 * started (so /dev/stdin, <(...) and an inherited /dev/fd/N work), into a
 * new memory file (memfd, close-on-exec) for the worker, at offset 0.
 * Returns its descriptor, or -1 after a message (a list cannot be read or
 * is larger than 64 MiB).  Nothing is written to disk.
 */
int source_lists_pack(const char *const *, size_t, const char *const *,
    size_t)
    __attribute__((warn_unused_result));

/*
 * source_lists_load(fd, vp, np): in the worker, append to *${vp} (*${np}
 * paths) those of the lists source_lists_pack put in ${fd}, as
 * source_files_from would.  Returns 0, or -1 after a message.
 */
int source_lists_load(int, char ***, size_t *)
    __attribute__((warn_unused_result));

/*
 * source_name(path): the name the absolute ${path} from source_resolve is
 * stored under in the snapshot's root: its last component; "" for "/",
 * whose entries are the root's own.
 */
const char *source_name(const char *);

#endif
