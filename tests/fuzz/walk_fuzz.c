/*
 * walk_fuzz.c: whole forged repositories through the tree walkers of ls,
 * check (with and without --read-data), restore, dump --archive tar, find
 * and diff, not only the tree
 * decoder: cycles, chains deeper than TREE_DEPTH_MAX, long names, shared
 * subtrees, and index entries whose lengths lie.  The build defines
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so reader.c does not check tree
 * ids and a forged tree can name any blob, itself included.
 *
 * Input: u8 walkers (bit 0 ls, 1 check, 2 check --read-data, 3 restore,
 * 4 dump --archive tar, 5 find, 6 diff of the snapshot with one whose
 * root is blob 1),
 * then up to 32 blobs: u8 kind | u16 len | len bytes.  Blob i has the id
 * of 32 bytes of value i (a tree names blob j with 32 bytes of j); blob 0
 * is the snapshot's root tree.  kind bit 0: a data blob (else a tree);
 * bit 1: a u32 raw length (a lie) follows the kind; bit 2: the bytes are
 * the opened blob as is (compression byte first), else stored raw.  The
 * blobs are sealed under the test key of khreq.h into one pack (no header:
 * check reports that) in a directory under /dev/shm or /tmp.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "khreq.h"
#include "log.h"
#include "pack.h"
#include "reader.h"
#include "restore.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BLOBS_MAX	32

static struct kh *kh;
static struct repo repo;
static char dir[64], target[96];
static int nullfd, errfd;
static const uint8_t packid[PACK_ID_BYTES] = { 0xab, 0xab };
static char packpath[128];

static void wipe(int, int);

/* At exit: the repository directory goes (it is ours alone). */
static void
cleanup(void)
{
	int fd;

	if (dir[0] != '\0' && (fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		wipe(fd, 0);
		(void)rmdir(dir);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char shard[3], name[2 * PACK_ID_BYTES + 1];
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	if (khreq_rng_install() != 0 || sodium_init() < 0 ||
	    (kh = khreq_key()) == NULL)
		abort();
	(void)snprintf(dir, sizeof(dir), "%s/walkfuzz.XXXXXX", base);
	if (mkdtemp(dir) == NULL || (repo.dirfd = open(dir, O_RDONLY |
	    O_DIRECTORY)) < 0 || atexit(cleanup) != 0)
		abort();
	pack_name(packid, shard, name);
	(void)snprintf(packpath, sizeof(packpath), "%s/%s/%s", PACK_DIR, shard,
	    name);
	if (mkdirat(repo.dirfd, PACK_DIR, 0700) != 0 ||
	    mkdirat(repo.dirfd, "packs/ab", 0700) != 0)
		abort();
	(void)snprintf(target, sizeof(target), "%s/target", dir);
	repo.kh = kh;
	config_default(&repo.cfg);
	repo.cfg.chunk_max = 65536;	/* small: lengths past it are refused */
	/* ls prints to stdout; the walkers' warnings go to a muted stderr,
	 * sanitizer reports to the real one. */
	if ((nullfd = open("/dev/null", O_WRONLY)) < 0 || (errfd = dup(2)) < 0 ||
	    dup2(nullfd, 1) < 0)
		abort();
	__sanitizer_set_report_fd((void *)(intptr_t)errfd);
	return 0;
}

/* Remove everything below the directory ${fd} (closed here). */
static void
wipe(int fd, int depth)
{
	struct dirent *de;
	DIR *d;
	int sub;

	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		(void)fchmodat(dirfd(d), de->d_name, 0700, 0);
		if (depth < 4096 && (sub = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) >= 0)
			wipe(sub, depth + 1);
		(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	(void)closedir(d);
}

/* Seal the blobs of ${p} into the pack and the index ${ix}; their count. */
static size_t
build(const uint8_t *p, size_t len, struct index *ix)
{
	uint8_t id[ENV_ID_BYTES], *plain, *sealed;
	size_t n = 0, off = 0, slen, plen;
	uint32_t raw;
	uint16_t bl;
	uint8_t kind;
	int fd;

	if ((fd = openat(repo.dirfd, packpath, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) < 0)
		abort();
	while (n < BLOBS_MAX && len >= 3) {
		kind = p[0];
		bl = (uint16_t)(p[1] | p[2] << 8);
		p += 3, len -= 3;
		raw = 0;
		if ((kind & 2) && len >= 4) {
			raw = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
			p += 4, len -= 4;
		}
		if (bl > len)
			bl = (uint16_t)len;
		plen = (kind & 4) ? bl : (size_t)bl + 1;
		if ((plain = malloc(plen + 1)) == NULL ||
		    (sealed = malloc(plen + 64)) == NULL)
			abort();
		if (kind & 4)
			memcpy(plain, p, bl);
		else {
			plain[0] = BLOB_RAW;
			memcpy(plain + 1, p, bl);
		}
		if (!(kind & 2))
			raw = (kind & 4) ? (bl ? bl - 1u : 0) : bl;
		memset(id, (int)n, sizeof(id));
		if (kh_seal(kh, (kind & 1) ? OBJ_BLOB : OBJ_TREE, id, plain, plen,
		    sealed, plen + 64, &slen) != 0 ||
		    pwrite(fd, sealed, slen, (off_t)off) != (ssize_t)slen ||
		    index_add(ix, id, (kind & 1) ? BLOB_DATA : BLOB_TREE, packid,
		    (uint32_t)off, (uint32_t)slen, raw) != 0)
			abort();
		off += slen;
		free(plain);
		free(sealed);
		p += bl, len -= bl;
		n++;
	}
	(void)close(fd);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static char *pats[] = { (char *)(uintptr_t)"*", NULL };
	struct restore_stats st;
	struct snapshot snap, snap2;
	struct reader rd;
	struct opts o;
	uint8_t mode;
	int fd;

	if (len < 1)
		return 0;
	mode = p[0];
	memset(&rd, 0, sizeof(rd));
	rd.r = &repo;
	index_init(&rd.ix);
	if (build(p + 1, len - 1, &rd.ix) == 0 ||
	    (rd.pr = packr_new(repo.dirfd)) == NULL ||
	    (rd.dz = ZSTD_createDCtx()) == NULL)
		goto out;
	memset(&snap, 0, sizeof(snap));
	memset(snap.root, 0, sizeof(snap.root));	/* blob 0 */
	rd.snaps = &snap;
	rd.nsnaps = 1;
	memset(&o, 0, sizeof(o));
	o.target = target;
	(void)dup2(nullfd, 2);
	if (mode & 1)
		(void)ls_run(&o, &rd, &snap, "");
	if (mode & 2)
		(void)check_run(&o, &rd);
	if (mode & 4) {
		o.read_data = 1;
		(void)check_run(&o, &rd);
		o.read_data = 0;
	}
	if (mode & 8) {
		(void)restore_run(&rd, &snap, &o, &st);
		if ((fd = open(target, O_RDONLY | O_DIRECTORY)) >= 0)
			wipe(fd, 0);
		(void)rmdir(target);
	}
	if (mode & 16) {
		o.archive = "tar";
		(void)dump_run(&o, &rd, &snap, "");
		o.archive = NULL;
	}
	if (mode & 32) {
		o.argc = 1;
		o.argv = pats;
		(void)find_run(&o, &rd, &snap);
		o.argc = 0;
		o.argv = NULL;
	}
	if (mode & 64) {
		snap2 = snap;
		memset(snap2.root, 1, sizeof(snap2.root));	/* blob 1 */
		(void)diff_run(&o, &rd, &snap, &snap2, "");
	}
	(void)dup2(errfd, 2);
out:
	rd.snaps = NULL;
	rd.nsnaps = 0;
	reader_close(&rd);
	return 0;
}
