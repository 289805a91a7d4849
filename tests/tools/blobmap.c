/*
 * blobmap.c: a test-only tool that prints where each object of a
 * repository lives, so a test can damage exactly one of them.  Never
 * installed; built by `make check` only.
 *
 *   blobmap -r REPO --passphrase-fd N
 *
 * One line per object:
 *   pack PACK SIZE HDROFF HDRLEN   its sealed header (the trailer is the
 *                                  last 52 bytes)
 *   blob data|tree PACK OFF LEN ID where a blob is sealed in its pack
 *   tree ID PATH                   the listing of directory PATH
 *   file ID PATH                   a chunk of file PATH
 * IDs are the first 8 hex digits; PATH starts at the snapshot's root, "/".
 * Only the latest snapshot is walked.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "reader.h"

static struct reader rd;

static void
die(const char *what)
{
	fprintf(stderr, "blobmap: %s\n", what);
	exit(1);
}

static void
hex8(const uint8_t *id, char out[9])
{
	sodium_bin2hex(out, 9, id, 4);
}

/* The sealed header of pack ${i}: where its trailer says it is. */
static void
print_pack(uint32_t i)
{
	uint8_t tid[ENV_ID_BYTES], tr[PACK_TRAILER_BYTES], out[64];
	char shard[3], name[2 * PACK_ID_BYTES + 1], path[64];
	struct stat st;
	size_t len;
	uint64_t h;
	int fd;

	pack_name(rd.ix.packs[i], shard, name);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", PACK_DIR, shard, name);
	if ((fd = openat(rd.r->dirfd, path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0 || st.st_size < PACK_TRAILER_BYTES ||
	    pread(fd, tr, sizeof(tr), st.st_size - PACK_TRAILER_BYTES) !=
	    PACK_TRAILER_BYTES)
		die("cannot read a pack");
	memset(tid, 0, sizeof(tid));
	memcpy(tid, rd.ix.packs[i], PACK_ID_BYTES);
	tid[PACK_ID_BYTES] = 1;
	if (kh_open(rd.r->kh, OBJ_PACKHDR, tid, tr, sizeof(tr), out,
	    sizeof(out), &len) != 0 || len != 8)
		die("a pack trailer is damaged");
	h = le64dec(out);
	printf("pack %s %lld %llu %llu\n", name, (long long)st.st_size,
	    (unsigned long long)(st.st_size - PACK_TRAILER_BYTES - h),
	    (unsigned long long)h);
	(void)close(fd);
}

static void
walk(const uint8_t *id, char *path, size_t plen, size_t cap)
{
	struct tree t;
	const struct node *n;
	char h[9];
	size_t i, k, nl;

	hex8(id, h);
	printf("tree %s %s\n", h, plen ? path : "/");
	if (reader_tree(&rd, id, &t) != 0)
		die("a tree is unreadable");
	for (i = 0; i < t.count; i++) {
		n = &t.nodes[i];
		nl = n->namelen;
		if (plen + nl + 2 > cap)
			die("path too long");
		path[plen] = '/';
		memcpy(path + plen + 1, n->name, nl);
		path[plen + 1 + nl] = '\0';
		if (n->type == NODE_DIR)
			walk(n->subtree, path, plen + 1 + nl, cap);
		else if (n->type == NODE_FILE)
			for (k = 0; k < n->nchunks; k++) {
				hex8(n->chunks[k], h);
				printf("file %s %s\n", h, path);
			}
		path[plen] = '\0';
	}
	tree_free(&t);
}

int
main(int argc, char **argv)
{
	struct repo *r;
	struct opts o;
	char path[8192], h[9], name[2 * PACK_ID_BYTES + 1], shard[3];
	const struct blobloc *b;
	size_t i;

	if (sodium_init() < 0)
		die("sodium");
	memset(&o, 0, sizeof(o));
	o.pass.kind = PASS_TTY;
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < (size_t)argc)
			o.repo = argv[++i];
		else if (strcmp(argv[i], "--passphrase-fd") == 0 &&
		    i + 1 < (size_t)argc) {
			o.pass.kind = PASS_FD;
			o.pass.fd = atoi(argv[++i]);
		}
	}
	if (o.repo == NULL || cmd_open(&o, REPO_LOCK_SHARED, &r) != EXIT_OK)
		die("cannot open the repository");
	if (reader_open(&rd, r) != EXIT_OK || rd.nsnaps == 0)
		die("cannot read the index and snapshots");
	for (i = 0; i < rd.ix.npacks; i++)
		print_pack((uint32_t)i);
	for (i = 0; i < rd.ix.cap; i++) {
		b = &rd.ix.slots[i];
		if (b->type == 0)
			continue;
		hex8(b->id, h);
		pack_name(rd.ix.packs[b->pack], shard, name);
		printf("blob %s %s %u %u %s\n", b->type == BLOB_TREE ? "tree" :
		    "data", name, b->off, b->len, h);
	}
	path[0] = '\0';
	walk(rd.snaps[rd.nsnaps - 1].root, path, 0, sizeof(path));
	reader_close(&rd);
	cmd_close(r);
	return 0;
}
