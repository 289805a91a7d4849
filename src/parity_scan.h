/*
 * parity_scan.h: every pack, index segment and snapshot of a repository
 * checked against its parity (check --read-data), and those damaged
 * within it rewritten (tacit repair data).  Needs no key: the parity
 * covers the sealed bytes.
 */
#ifndef TACIT_PARITY_SCAN_H
#define TACIT_PARITY_SCAN_H

#include <stdint.h>

struct parity_tally {
	uint64_t	 files;		/* read */
	uint64_t	 clean;
	uint64_t	 repairable;	/* damaged within the parity */
	uint64_t	 repaired;	/* of those: rewritten and verified */
	uint64_t	 lost;		/* damaged beyond it */
	uint64_t	 none;		/* no parity layout found */
	uint64_t	 failed;	/* unreadable, or the rewrite failed */
	uint64_t	 bytes;		/* read */
};

/*
 * parity_scan(repofd, flags, t): check every file of packs/, index/ and
 * snapshots/ (temporaries left out) of the repository open at ${repofd};
 * with PSCAN_FIX in ${flags}, rewrite each repairable one (a new file, fsync, rename
 * over the old, fsync of the directory) and read it back clean; with
 * PSCAN_EXPECT, a file whose parity is not found counts as lost (in a
 * repository with parity every file has it).  Each
 * damaged file is named on stderr.  Counts in ${t}.  0, or -1 with errno
 * (ENOMEM; a directory that cannot be listed).
 */
#define PSCAN_FIX	1	/* rewrite what is repairable */
#define PSCAN_EXPECT	2	/* a file without parity is damaged */
#define PSCAN_NONE_ONLY	4	/* report only those (a second pass) */
int parity_scan(int, int, struct parity_tally *)
    __attribute__((warn_unused_result));

/*
 * parity_scan_proven(repofd, kh, datamax, flags, t): parity_scan, and each
 * file's sealed objects opened through ${kh} (repair data --verify-data):
 * a file is rewritten only when every object of the result opens, and a
 * file whose tables are all lost is repaired with the AEAD locating the
 * damaged shards (parity_prove.h).  A file whose parity gives bytes that
 * do not open is named and counted lost, and left as it is.  ${datamax}:
 * a data blob's raw cap (pack headers).  0, or -1 with errno.
 */
struct kh;
int parity_scan_proven(int, struct kh *, size_t, int, struct parity_tally *)
    __attribute__((warn_unused_result));

#endif
