/*
 * walkpath.h: what the walkers of the file system (backup's walk.c,
 * restore.c, the progress counter count.c) share: the path they are at,
 * for messages and the exclusion patterns, and the way back up to the
 * directory they came down from.
 */
#ifndef TACIT_WALKPATH_H
#define TACIT_WALKPATH_H

#include <sys/types.h>

#include <stddef.h>

/*
 * walkpath_push(path, len, cap, name, n): append "/" (unless *${len} is 0
 * or the path ends in "/": never "//") and the ${n} bytes of ${name} to
 * the NUL-terminated *${path} of *${len} bytes and *${cap} allocated,
 * which grows as needed.  0; or -1 (ENOMEM), the path as it was.
 */
int walkpath_push(char **, size_t *, size_t *, const char *, size_t)
    __attribute__((warn_unused_result));

/* walkpath_cut(path, len, at): the path back to its first ${at} bytes. */
void walkpath_cut(char *, size_t *, size_t);

/*
 * walkpath_up(fd, dev, ino): the directory above ${fd} (its ".."), which
 * must be the directory ${dev}:${ino} the walk came down from.  The
 * descriptor; or -1 with errno set (ESTALE: another directory is there
 * now, the tree was moved during the walk).
 */
int walkpath_up(int, dev_t, ino_t);

#endif
