/*
 * repo_meta.h: what repo.c and repo_meta.c share, and no other file
 * uses (the public interface of both is repo.h).
 */
#ifndef REPO_META_H
#define REPO_META_H

#include <stddef.h>
#include <stdint.h>

#include "repo.h"

/* The header of ${r}: its format ${r->version}, its id, the checksum. */
void repo_header_build(const struct repo *, uint8_t[REPO_HEADER_BYTES]);

/*
 * repo_put_file(r, fd, dname, name, p, len, replace): write ${len} bytes
 * of ${p} as ${name} in ${fd} (the directory ${dname} of the repository:
 * "" or "copy/..."), replacing a file there with ${replace}.  EXIT_*,
 * after a message.
 */
int repo_put_file(struct repo *, int, const char *, const char *,
    const uint8_t *, size_t, int);

/*
 * repo_header_read(r, fd, dname, say, id, version): read and check the
 * header in the directory ${fd} (-1: missing), shown as ${dname}header;
 * fills ${id} and ${version}.  EXIT_*, after a message if ${say}; errno
 * as the read left it.
 */
int repo_header_read(struct repo *, int, const char *, int,
    uint8_t[ENV_REPOID_BYTES], uint32_t *);

/*
 * repo_header_copy(r, e): the header of a format 2 repository, whose
 * first copy gave ${e}: copy/header stands in for a missing or damaged
 * header and is compared with a good one (opens r->copyfd).  EXIT_*.
 */
int repo_header_copy(struct repo *, int);

/* The config's AEAD id (doc/format.md section 7): all zeros. */
extern const uint8_t repo_config_id[ENV_ID_BYTES];

#endif /* !REPO_META_H */
