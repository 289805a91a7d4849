/*
 * forgepack.c: a test-only tool that writes one pack whose header and
 * trailer are authentic (sealed with the repository's keys) but say what
 * a malicious repository would: counts, offsets and lengths no writer
 * makes.  Never installed; built by `make check` only.
 *
 *   forgepack -r REPO --passphrase-fd N MODE
 *
 * MODE:
 *   count    the count is 2^32-1, the entries one
 *   offset   one blob at offset 2^32-16
 *   overlap  two blobs, the second inside the first
 *   rawlen   a data blob claiming 4 GiB of raw bytes
 *   sealed   a blob whose sealed length is over its raw length + 45
 *   type     a blob of type 9
 *   hlen     the trailer says the header is 2^62 bytes
 *   hbig     the trailer says the header is larger than the pack
 *   moved    a good pack sealed under another pack id than its name
 *   short    a file of 30 bytes
 *   good     a well-formed header over one blob of random bytes (the
 *            header authentic, the blob not)
 * It prints the pack's name (32 hex digits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "lock.h"
#include "log.h"
#include "pack.h"
#include "repo.h"

#define BLOBS	4096		/* the bytes before the header */

static void
die(const char *what)
{
	fprintf(stderr, "forgepack: %s\n", what);
	exit(1);
}

static void
ent(struct dbuf *b, uint8_t type, uint32_t off, uint32_t len, uint32_t raw)
{
	uint8_t id[INDEX_ID_BYTES];

	randombytes_buf(id, sizeof(id));
	dbuf_put_u8(b, type);
	dbuf_put_bytes(b, id, sizeof(id));
	dbuf_put_u32(b, off);
	dbuf_put_u32(b, len);
	dbuf_put_u32(b, raw);
}

int
main(int argc, char **argv)
{
	uint8_t pid[PACK_ID_BYTES], sid[PACK_ID_BYTES], hid[ENV_ID_BYTES];
	uint8_t *pack, tl[8];
	char shard[3], name[2 * PACK_ID_BYTES + 1];
	const char *mode = NULL;
	struct repo *r;
	struct dbuf h;
	struct opts o;
	size_t len = BLOBS, got, cap;
	int i, pfd, dfd;

	if (sodium_init() < 0)
		die("sodium");
	memset(&o, 0, sizeof(o));
	o.pass.kind = PASS_TTY;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			o.repo = argv[++i];
		else if (strcmp(argv[i], "--passphrase-fd") == 0 &&
		    i + 1 < argc) {
			o.pass.kind = PASS_FD;
			o.pass.fd = atoi(argv[++i]);
		} else
			mode = argv[i];
	}
	if (mode == NULL || o.repo == NULL ||
	    cmd_open(&o, REPO_LOCK_EXCL, &r) != EXIT_OK)
		die("usage: forgepack -r REPO --passphrase-fd N MODE");
	randombytes_buf(pid, sizeof(pid));
	memcpy(sid, pid, sizeof(sid));
	cap = BLOBS + (1u << 16);
	if ((pack = malloc(cap)) == NULL)
		die("memory");
	randombytes_buf(pack, BLOBS);
	dbuf_init(&h, 1u << 20);
	dbuf_put_u32(&h, PACK_FORMAT);
	if (strcmp(mode, "count") == 0) {
		dbuf_put_u32(&h, UINT32_MAX);
		ent(&h, BLOB_DATA, 0, 100, 100);
	} else if (strcmp(mode, "offset") == 0) {
		dbuf_put_u32(&h, 1);
		ent(&h, BLOB_DATA, UINT32_MAX - 15, 100, 100);
	} else if (strcmp(mode, "overlap") == 0) {
		dbuf_put_u32(&h, 2);
		ent(&h, BLOB_DATA, 0, 1000, 1000);
		ent(&h, BLOB_DATA, 500, 100, 100);
	} else if (strcmp(mode, "rawlen") == 0) {
		dbuf_put_u32(&h, 1);
		ent(&h, BLOB_DATA, 0, 100, UINT32_MAX);
	} else if (strcmp(mode, "sealed") == 0) {
		dbuf_put_u32(&h, 1);
		ent(&h, BLOB_DATA, 0, 1000, 10);
	} else if (strcmp(mode, "type") == 0) {
		dbuf_put_u32(&h, 1);
		ent(&h, 9, 0, 100, 100);
	} else {
		dbuf_put_u32(&h, 1);
		ent(&h, BLOB_DATA, 0, 1000, 1000);
	}
	if (strcmp(mode, "moved") == 0)
		randombytes_buf(sid, sizeof(sid));
	memset(hid, 0, sizeof(hid));
	memcpy(hid, sid, PACK_ID_BYTES);
	if (h.err || kh_seal(r->kh, OBJ_PACKHDR, hid, h.p, h.len, pack + len,
	    cap - len, &got) != 0)
		die("seal");
	len += got;
	le64enc(tl, strcmp(mode, "hlen") == 0 ? (uint64_t)1 << 62 :
	    strcmp(mode, "hbig") == 0 ? (uint64_t)len + 1 : (uint64_t)got);
	hid[PACK_ID_BYTES] = 1;
	if (kh_seal(r->kh, OBJ_PACKHDR, hid, tl, sizeof(tl), pack + len,
	    cap - len, &got) != 0 || got != PACK_TRAILER_BYTES)
		die("seal");
	len += got;
	if (strcmp(mode, "short") == 0)
		len = 30;
	pack_name(pid, shard, name);
	if ((pfd = fsio_subdir(r->dirfd, PACK_DIR)) < 0 ||
	    (dfd = fsio_subdir(pfd, shard)) < 0 ||
	    fsio_write_atomic(dfd, name, pack, len) != 0)
		die("write");
	(void)close(dfd);
	(void)close(pfd);
	printf("%s\n", name);
	dbuf_free(&h);
	free(pack);
	cmd_close(r);
	return 0;
}
