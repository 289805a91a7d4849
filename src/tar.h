/*
 * tar.h: a POSIX pax (ustar with extended headers) writer for tacit dump.
 *
 * Every entry gets an extended header ('x') with its path, times to the
 * nanosecond, owner ids and names, link target, xattrs (SCHILY.xattr.*,
 * binary values as stored) and POSIX ACLs (also as GNU tar's text
 * SCHILY.acl.access / SCHILY.acl.default, which tar --acls reads).  A
 * file with holes is written in GNU's pax sparse format 1.0, so tar -x
 * makes the holes again.  Paths are relative; the caller passes only
 * components that node_name_ok accepted.
 */
#ifndef TACIT_TAR_H
#define TACIT_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node.h"

#define TAR_BLOCK_BYTES		512

/*
 * tar_header(f, path, plen, n, link, linklen, datap): write to ${f} the
 * headers of ${n} at ${path} (relative, no leading '/'); with ${link}
 * non-NULL a hard link to the archive path ${link} instead.  For a file
 * with holes also its sparse map.  *${datap}: the bytes of file data
 * that must follow (the extents' data, in order; then tar_pad).  0, or
 * -1 with errno (ENOMEM, or a write error of ${f}).
 */
int tar_header(FILE *, const uint8_t *, size_t, const struct node *,
    const uint8_t *, size_t, uint64_t *) __attribute__((warn_unused_result));

/* tar_sparse(n): 1 if ${n} is a file with holes (written sparse). */
int tar_sparse(const struct node *);

/* tar_pad(f, size): zeros to end the block of data of ${size} bytes. */
int tar_pad(FILE *, uint64_t) __attribute__((warn_unused_result));

/* tar_end(f): the two zero blocks that end an archive. */
int tar_end(FILE *) __attribute__((warn_unused_result));

#endif
