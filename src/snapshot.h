/*
 * snapshot.h: snapshot objects, REPO/snapshots/<32 hex>, sealed
 * (OBJ_SNAPSHOT, id = the snapshot id).  A snapshot is written only after
 * every pack and index segment it needs is durable: it is the commit point.
 *
 * Plaintext: u32 format (1) | u64 time sec | u32 nsec | u32 flags
 *   | root tree id[32] | u8 has_parent | parent id[16]
 *   | u32 npaths | (u16 len | path)... | u32 ntags | (u16 len | tag)...
 *   | u64 files | u64 dirs | u64 bytes | u64 added | u64 packs
 *   | u16 len | tacit version | u8 has_log | log blob id[32]
 *   format 2 (a copy made by tacit copy) then: | original id[16]
 */
#ifndef TACIT_SNAPSHOT_H
#define TACIT_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kh.h"

#define SNAP_DIR		"snapshots"
#define SNAP_FORMAT		1
#define SNAP_FORMAT_COPY	2	/* and the id of its original */
#define SNAP_ID_BYTES		16
#define SNAP_FILE_MAX		(1u << 20)
#define SNAP_PATHS_MAX		4096
#define SNAP_TAGS_MAX		256
#define SNAP_STR_MAX		4096

#define SNAP_F_PARTIAL		0x1	/* some files were skipped */

struct snapshot {
	uint8_t		 id[SNAP_ID_BYTES];
	int64_t		 time_sec;
	uint32_t	 time_nsec;
	uint32_t	 flags;
	uint8_t		 root[32];
	int		 has_parent;
	uint8_t		 parent[SNAP_ID_BYTES];
	char		**paths;
	size_t		 npaths;
	char		**tags;
	size_t		 ntags;
	uint64_t	 files, dirs, bytes, added, packs;
	char		*version;
	int		 has_log;	/* the run's RAM log, a data blob */
	uint8_t		 log[32];
	int		 has_orig;	/* a copy (tacit copy): format 2 */
	uint8_t		 orig[SNAP_ID_BYTES]; /* its original's id there */
};

/* snapshot_free_fields(s): free what ${s} points to. */
void snapshot_free_fields(struct snapshot *);

/*
 * snapshot_encode_plain(s, out): the plaintext of ${s} in a fresh dbuf
 * (what snapshot_write seals).  0, or -1 (EINVAL past a limit).
 */
int snapshot_encode_plain(const struct snapshot *, struct dbuf *)
    __attribute__((warn_unused_result));

/*
 * snapshot_decode(p, len, s): parse a snapshot plaintext (untrusted) into
 * ${s}; every length capped, no trailing byte.  0, or -1 (${s} freed).
 */
int snapshot_decode(const uint8_t *, size_t, struct snapshot *)
    __attribute__((warn_unused_result));

/* snapshot_write(kh, repofd, s): seal and store ${s} durably.  0 or -1. */
int snapshot_write(struct kh *, int, const struct snapshot *)
    __attribute__((warn_unused_result));

/*
 * snapshot_load_all(kh, repofd, out, n): every snapshot in the repository,
 * oldest first.  A snapshot that fails authentication or decoding is
 * reported by name on stderr and left out; *${bad} counts them.
 * Returns 0, or -1 (ENOMEM or an unreadable directory).
 */
int snapshot_load_all(struct kh *, int, struct snapshot **, size_t *,
    size_t *) __attribute__((warn_unused_result));

/* snapshot_list_free(v, n): free a list from snapshot_load_all. */
void snapshot_list_free(struct snapshot *, size_t);

/*
 * snapshot_find(v, n, spec): the snapshot named by ${spec}: "latest" or a
 * unique prefix of its hex id.  NULL after an error message.
 */
struct snapshot *snapshot_find(struct snapshot *, size_t, const char *);

/* snapshot_hex(id, out): 32 hex digits and a NUL. */
void snapshot_hex(const uint8_t[SNAP_ID_BYTES], char[2 * SNAP_ID_BYTES + 1]);

#endif
