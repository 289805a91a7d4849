/*
 * seedgen.c: writes one valid seed per fuzz target into DIR/<target>/,
 * using tacit's own encoders.  Run by `make fuzz` when a corpus is empty.
 *
 *   seedgen DIR
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "index.h"
#include "ipc.h"
#include "keyslot.h"
#include "snapshot.h"
#include "tree.h"

#include <zstd.h>

static void
put(const char *dir, const char *target, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, target);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/%s/seed", dir, target);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0)
		exit(1);
}

int
main(int argc, char **argv)
{
	uint8_t cfg[CONFIG_BYTES], slot[SLOT_FILE_MAX], frame[64];
	uint8_t id[32] = { 1 }, pid[16] = { 2 };
	struct config c;
	struct keyslot s;
	struct index ix;
	struct tree t = { 0 };
	struct node n;
	struct dbuf b;
	size_t len;

	if (argc != 2 || sodium_init() < 0)
		return 2;
	config_default(&c);
	c.created = 1700000000;	/* a fixed seed, not today */
	config_encode(&c, cfg);
	put(argv[1], "config", cfg, sizeof(cfg));
	memset(&s, 0, sizeof(s));
	s.kdf.t_cost = 1;
	s.kdf.m_kib = 8192;
	s.kdf.lanes = 1;
	s.metalen = 56;
	if (keyslot_encode(&s, slot, sizeof(slot), &len) != 0)
		return 1;
	put(argv[1], "keyslot", slot, len);
	memset(frame, 0, sizeof(frame));
	frame[0] = KH_REQ_ID;
	frame[4] = 1;
	frame[8] = 4;
	put(argv[1], "ipc", frame, IPC_HDR_BYTES + 4);
	index_init(&ix);
	if (index_add(&ix, id, BLOB_DATA, pid, 0, 100, 60) != 0 ||
	    index_encode_fresh(&ix, 10, &b) != 1)
		return 1;
	put(argv[1], "index", b.p, b.len);
	dbuf_free(&b);
	index_free(&ix);
	memset(&n, 0, sizeof(n));
	n.type = NODE_FILE;
	n.name = (uint8_t *)strdup("file");
	n.namelen = 4;
	n.mode = 0644;
	n.size = 10;
	n.extents = calloc(1, sizeof(*n.extents));
	n.extents[0].len = 10;
	n.nextents = 1;
	n.chunks = calloc(1, 32);
	n.nchunks = 1;
	if (tree_add(&t, &n) != 0 || tree_encode(&t, &b) != 0)
		return 1;
	put(argv[1], "tree", b.p, b.len);
	dbuf_free(&b);
	tree_free(&t);
	put(argv[1], "envelope", "\x01", 1);
	{
		/* A zstd blob of 100 'a's, claimed 100 bytes long. */
		uint8_t blob[256], raw[100];
		size_t c;

		memset(raw, 'a', sizeof(raw));
		blob[0] = 100;
		blob[1] = 0;
		blob[2] = 1;	/* BLOB_ZSTD */
		c = ZSTD_compress(blob + 3, sizeof(blob) - 3, raw, sizeof(raw), 3);
		if (!ZSTD_isError(c))
			put(argv[1], "blob", blob, 3 + c);
	}
	{
		struct snapshot sn;
		char *paths[1] = { (char *)(uintptr_t)"/home/user" };

		memset(&sn, 0, sizeof(sn));
		sn.paths = paths;
		sn.npaths = 1;
		sn.version = (char *)(uintptr_t)"0.1.0-dev";
		if (snapshot_encode_plain(&sn, &b) == 0) {
			put(argv[1], "snapshot", b.p, b.len);
			dbuf_free(&b);
		}
	}
	return 0;
}
