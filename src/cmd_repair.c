/*
 * cmd_repair.c: tacit repair index -r REPO [--read-data] [--dry-run],
 * tacit repair snapshots -r REPO [SNAP...] [--forget] [--read-data]
 * [--dry-run], tacit repair metadata -r REPO, and tacit repair data -r
 * REPO [--dry-run] [--verify-data] (no key: the files damaged within
 * their parity rewritten; with --verify-data the key proves each).  All take the exclusive lock: they remove index segments
 * (and with --forget snapshots), or replace the header, config and key
 * slot files, or rewrite damaged files, that no other run may be reading.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "parity.h"
#include "parity_scan.h"
#include "passphrase.h"
#include "repair.h"

/*
 * repair metadata: every copy of the header, config and key slots made
 * whole from its good copy (repo_meta_heal); a format 1 repository gets
 * its copies and becomes format 2 (repo_meta_upgrade).
 */
static int
repair_metadata(struct repo *r)
{
	size_t n = repo_meta_damage(r);
	int e, v1 = r->version == REPO_FORMAT_V1;

	if ((e = v1 ? repo_meta_upgrade(r) : repo_meta_heal(r)) != EXIT_OK)
		return e;
	if (repo_meta_damage(r) > 0) {
		errorx("%s: some key slot copies differ and could not be told "
		    "apart (named above); unlock with that slot's passphrase "
		    "and run 'tacit repair metadata' again", r->path);
		return EXIT_DAMAGED;
	}
	if (v1)
		printf("%s is now repository format %d: the header, the config "
		    "and every key slot exist twice; tacit releases that read "
		    "format %d only no longer open it\n", r->path, REPO_FORMAT,
		    REPO_FORMAT_V1);
	else if (n > 0)
		printf("rewrote %zu missing or damaged cop%s of the header, "
		    "config and key slots of %s\n", n, n == 1 ? "y" : "ies",
		    r->path);
	else
		printf("every copy of the header, config and key slots of %s "
		    "is whole\n", r->path);
	return EXIT_OK;
}

/*
 * repair data --verify-data: the pair as for every keyed command (the
 * keyholder unlocks, the worker sandboxed); each file's result is opened
 * through the keyholder before it is written, and the AEAD finds the
 * damaged shards of a file whose tables are lost.  With the config read,
 * a file without parity in a repository with parity is damaged.
 */
static int
repair_data_proven(struct opts *o, struct repo **rp,
    struct parity_tally *t)
{
	struct repo *r;
	size_t datamax;
	int e;

	if ((e = cmd_open(o, REPO_LOCK_EXCL, rp)) !=
	    EXIT_OK)
		return e;
	r = *rp;
	datamax = r->cfg.chunk_max > LOG_RING_BYTES ? r->cfg.chunk_max :
	    LOG_RING_BYTES;
	if (parity_scan_proven(r->dirfd, r->kh, datamax, (o->dry_run ? 0 :
	    PSCAN_FIX) | (parity_in_use() ? PSCAN_EXPECT : 0), t) != 0) {
		errorx("reading %s: %s", r->path, strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/*
 * repair data: the worker alone, no key.  It never asks the keyholder to
 * unlock, so no passphrase is read and no key exists in either process:
 * the parity covers the sealed bytes.  With --verify-data,
 * repair_data_proven.
 */
static int
repair_data(struct opts *o)
{
	struct parity_tally t, t2;
	struct repo *r = NULL;
	int e;

	if (o->argc != 1)
		fatal(EXIT_USAGE, "usage: tacit repair data -r DIR [--dry-run] "
		    "[--verify-data]");
	/* Without the key no passphrase is read: its options do not apply. */
	if (!o->verify_data && o->pass.kind != PASS_AUTO)
		fatal(EXIT_USAGE, "repair data: --passphrase-fd, "
		    "--passphrase-command, --keepassxc, --pinentry and "
		    "--no-pinentry apply only with --verify-data");
	memset(&t2, 0, sizeof(t2));
	if (o->verify_data) {
		if ((e = repair_data_proven(o, &r, &t)) != EXIT_OK) {
			if (r != NULL)
				cmd_close(r);
			return e;
		}
		goto report;
	}
	if ((e = repo_open(o->repo, &r)) != EXIT_OK)
		return e;
	if ((e = repo_lock(r, REPO_LOCK_EXCL, o->lock_wait)) != EXIT_OK) {
		repo_close(r);
		return e;
	}
	/*
	 * No key, so no config: a repository has parity when its files do,
	 * and then a file without it is damaged (a second pass names it).
	 */
	if (parity_scan(r->dirfd, o->dry_run ? 0 : PSCAN_FIX, &t) != 0 ||
	    (t.none > 0 && t.none < t.files && parity_scan(r->dirfd,
	    PSCAN_EXPECT | PSCAN_NONE_ONLY, &t2) != 0)) {
		errorx("reading %s: %s", r->path, strerror(errno));
		repo_close(r);
		return EXIT_ERR;
	}
report:
	t.lost += t2.lost;
	if (log_verbosity > 0)
		printf("%llu file%s read (%llu bytes), %llu with parity; "
		    "%llu repairable, %llu %s; %llu beyond the parity\n",
		    (unsigned long long)t.files, PLURAL(t.files),
		    (unsigned long long)t.bytes,
		    (unsigned long long)(t.files - t.none),
		    (unsigned long long)t.repairable,
		    (unsigned long long)(o->dry_run ? 0 : t.repaired),
		    o->dry_run ? "rewritten (--dry-run)" : "rewritten",
		    (unsigned long long)t.lost);
	if (o->verify_data)
		cmd_close(r);
	else
		repo_close(r);
	if (t.failed > 0)
		return EXIT_ERR;
	return t.lost > 0 ? EXIT_DAMAGED : EXIT_OK;
}

int
cmd_repair(struct opts *o)
{
	struct repo *r;
	int e, snaps;

	if (o->argc >= 1 && strcmp(o->argv[0], "data") == 0)
		return repair_data(o);
	if (o->argc < 1 || (strcmp(o->argv[0], "index") != 0 &&
	    strcmp(o->argv[0], "snapshots") != 0 &&
	    strcmp(o->argv[0], "metadata") != 0))
		fatal(EXIT_USAGE, "usage: tacit repair index|snapshots|metadata|"
		    "data -r DIR");
	if (strcmp(o->argv[0], "metadata") == 0) {
		if (o->argc != 1)
			fatal(EXIT_USAGE, "usage: tacit repair metadata -r DIR");
		if ((e = cmd_open(o, REPO_LOCK_EXCL, &r)) != EXIT_OK)
			return e;
		e = repair_metadata(r);
		cmd_close(r);
		return e;
	}
	snaps = strcmp(o->argv[0], "snapshots") == 0;
	if (!snaps && o->argc != 1)
		fatal(EXIT_USAGE, "usage: tacit repair index -r DIR "
		    "[--read-data] [--dry-run]");
	if ((e = cmd_open(o, REPO_LOCK_EXCL, &r)) != EXIT_OK)
		return e;
	e = snaps ? repair_snapshots(o, r) : repair_index(o, r);
	cmd_close(r);
	return e;
}
