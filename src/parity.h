/*
 * parity.h: Reed-Solomon parity over the sealed bytes of a repository
 * file (pack, index segment, snapshot), doc/format.md section 23.
 *
 *   file = data (L bytes) || table A || parity shard 0 || table C
 *          || parity shards 1 .. G*p - 1 (S bytes each) || table B
 *   table = (k + G*p) x BLAKE2b-128 of each shard || "TACITPAR" | u32 1
 *           | u32 percent | u64 L || BLAKE2b-256 of what precedes
 *
 * The data is cut into k shards of S bytes (the last zero-padded in the
 * computation, not on disk); data shard i is in group i mod G; each group
 * has p parity shards (a Cauchy Reed-Solomon code over GF(2^8), Intel
 * ISA-L), parity shard j of group g is the (j*G + g)-th on disk.  A shard
 * whose checksum does not match is an erasure; a group survives up to p.
 * Parity is a function of the sealed bytes only: no key repairs, nothing
 * is learnt from it, and the file size is a function of L.
 */
#ifndef TACIT_PARITY_H
#define TACIT_PARITY_H

#include <stddef.h>
#include <stdint.h>

#define PARITY_PCT_DEFAULT	3	/* init without --parity */
#define PARITY_PCT_MAX		25
#define PARITY_P_MIN		3	/* parity shards a group has at least;
					 * 4 with 128 KiB shards */
#define PARITY_GROUP_MAX	128	/* data shards a group has at most */
#define PARITY_SMALL_BYTES	4096u	/* shard size of files under 4 MiB */
#define PARITY_LARGE_BYTES	131072u	/* shard size from 4 MiB up */
#define PARITY_LARGE_FROM	(4u << 20)
#define PARITY_HASH_BYTES	16
#define PARITY_HEAD_BYTES	24
#define PARITY_SUM_BYTES	32
#define PARITY_MAGIC		"TACITPAR"
#define PARITY_VERSION		1
#define PARITY_FILE_MAX		((uint64_t)1 << 32)	/* data bytes L */
/* Larger than any file with parity (its overhead is less than L from
 * 4 MiB up): a larger file has none, and no layout search runs. */
#define PARITY_P_MAX		(2 * PARITY_FILE_MAX)

struct parity_geom {
	uint64_t	 L;		/* data bytes */
	uint64_t	 P;		/* file bytes */
	uint32_t	 pct, S, k, G, p;
	uint64_t	 T;		/* bytes of one table */
};

/*
 * parity_geom(L, pct, g): the layout of ${L} data bytes with ${pct}
 * percent parity into ${g}.  0, or -1 (L is 0 or over PARITY_FILE_MAX,
 * or pct not 1..PARITY_PCT_MAX).
 */
int parity_geom(uint64_t, unsigned, struct parity_geom *)
    __attribute__((warn_unused_result));

/*
 * The repository's parity percent for this process (0: files carry no
 * parity), set once its config is read (repo_meta.c) or at init.
 */
void parity_use(unsigned);
unsigned parity_in_use(void);

/*
 * parity_layout(L, g): the layout of a file of ${L} data bytes at the
 * percent in use into ${g}; g->P is 0 when files carry no parity.  0, or
 * -1 with errno EFBIG.
 */
int parity_layout(size_t, struct parity_geom *)
    __attribute__((warn_unused_result));

/*
 * parity_encode(f, g): fill ${f}[g->L .. g->P) (tables and parity) from
 * ${f}[0 .. g->L).  0, or -1 with errno ENOMEM.
 */
int parity_encode(uint8_t *, const struct parity_geom *)
    __attribute__((warn_unused_result));

/*
 * parity_locate(rd, arg, P, g): the layout of a file of ${P} bytes, read
 * through ${rd}(arg, buf, len, off) (0 or -1): table B's head at the end
 * if its checksum holds, else table A or C found by trying each percent and
 * data length that give ${P}.  Returns 2 (a table holds), 1 (no table
 * holds, one layout fits the size: ${g} is it), 0 (not a file with
 * parity), -1 with errno (a read failed, ENOMEM).
 */
typedef int (*parity_read_fn)(void *, uint8_t *, size_t, uint64_t);
int parity_locate(parity_read_fn, void *, uint64_t, struct parity_geom *)
    __attribute__((warn_unused_result));

/* Results of parity_fix. */
#define PARITY_CLEAN		0	/* every shard and both tables hold */
#define PARITY_REPAIRED		1	/* damaged, now repaired */
#define PARITY_LOST		2	/* damaged beyond the parity */
#define PARITY_NONE		3	/* no layout found: no parity */

/*
 * parity_fix(f, P, g, bad): check the ${P} bytes of a whole file in
 * memory and, if damaged within the parity, rewrite ${f} into the
 * file as written (data, tables and parity).  ${g} gets the layout;
 * *${bad} the count of shards and tables found damaged.  One of the
 * PARITY_* results, or -1 with errno ENOMEM.
 */
int parity_fix(uint8_t *, uint64_t, struct parity_geom *, unsigned *)
    __attribute__((warn_unused_result));

/*
 * parity_decode(f, g, bad): rebuild in ${f} (a whole file of the layout
 * ${g}) the data shards ${bad} marks (k + G*p bytes, 1 = an erasure; the
 * parity shards it marks are not used) from the others, unchecked: the
 * caller proves the result (the AEAD).  The parity and tables are left
 * as they were.  0, 1 (a group with more than p erasures), or -1 with
 * errno ENOMEM.
 */
int parity_decode(uint8_t *, const struct parity_geom *, const uint8_t *)
    __attribute__((warn_unused_result));

/*
 * parity_mem_read: a parity_read_fn over a struct parity_mem (a file in
 * memory); parity_fd_read over a pointer to an int descriptor (pread).
 */
struct parity_mem {
	const uint8_t	*p;
	uint64_t	 len;
};
int parity_mem_read(void *, uint8_t *, size_t, uint64_t);
int parity_fd_read(void *, uint8_t *, size_t, uint64_t);

/*
 * parity_read_whole(fd, f, len, what): the ${len} bytes of the file open
 * at ${fd} (${what} names it) into ${f}, for a reader that repairs from
 * the parity.  A bad sector does not read as zeros: the read fails with
 * EIO.  Then the file is read again 4 KiB (PARITY_SMALL_BYTES) at a time,
 * each piece that still fails is left zero (an erasure the parity
 * repairs), and the count and the first offset are said on stderr (with
 * -v, the offsets of the first PARITY_EIO_SHOWN).  Past more unreadable
 * bytes than any file of ${len} bytes can repair (doc/format.md section
 * 23.5), it stops: -1 with EIO.  The count of unreadable pieces (0: read
 * whole), or -1 with errno (another error, the file shrank).
 */
#define PARITY_EIO_SHOWN	64
int parity_read_whole(int, uint8_t *, size_t, const char *)
    __attribute__((warn_unused_result));

/*
 * parity_read_file(dfd, name, max, fp, lenp, what): open the regular file
 * ${name} in ${dfd} (not following a symlink; EINVAL if not a regular
 * file, EFBIG if over ${max} bytes) and parity_read_whole it into new
 * memory *${fp}, *${lenp} bytes.  The count of unreadable pieces, or -1
 * with errno.
 */
int parity_read_file(int, const char *, size_t, uint8_t **, size_t *,
    const char *) __attribute__((warn_unused_result));

/*
 * parity_logical_fd(fd, P, L): with parity in use, the data length of
 * the file at ${fd} of ${P} bytes (what the reader of a pack treats as
 * its size); without, ${P}.  A file whose layout is not found keeps ${P}
 * (its reader finds it damaged).  0, or -1 with errno.
 */
int parity_logical_fd(int, uint64_t, uint64_t *)
    __attribute__((warn_unused_result));

/*
 * parity_strip(f, lenp, what): a whole file read into ${f} (*${lenp}
 * bytes): with parity in use, check it, repair it in memory if damaged
 * (saying so on stderr, naming ${what}), and set *${lenp} to its data
 * length.  Damage beyond the parity leaves the data as read (the AEAD
 * then finds it).  0, or -1 with errno ENOMEM.
 */
int parity_strip(uint8_t *, size_t *, const char *)
    __attribute__((warn_unused_result));

/*
 * parity_data_len(P): with parity in use, the data length L of a file of
 * ${P} bytes as the layout gives it (arithmetic only: the largest L of
 * the repository's percent whose file has ${P} bytes); ${P} when none
 * fits or parity is off.  For sizes in listings (prune, stats).
 */
uint64_t parity_data_len(uint64_t);

/*
 * parity_write_atomic(dirfd, name, p, len): fsio_write_atomic of the
 * ${len} bytes ${p} followed, with parity in use, by their tables and
 * parity.  0, or -1 with errno.
 */
int parity_write_atomic(int, const char *, const uint8_t *, size_t)
    __attribute__((warn_unused_result));

/*
 * parity_read_max(max): the file size a reader of objects of at most
 * ${max} data bytes accepts: ${max}, or with parity in use ${max} and its
 * parity at the largest percent.
 */
size_t parity_read_max(size_t);

#endif
