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
#include "khreq.h"
#include "snapshot.h"
#include "tree.h"

#include <zstd.h>

static void
put_as(const char *dir, const char *target, const char *name, const void *p,
    size_t len)
{
	char path[4096];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, target);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0)
		exit(1);
}

static void
put(const char *dir, const char *target, const void *p, size_t len)
{
	put_as(dir, target, "seed", p, len);
}

/*
 * A seed for the keyholder's target, written once: the key slots in it
 * carry their creation time, so a new one would differ at every run.
 */
static void
put_once(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	struct stat st;

	(void)snprintf(path, sizeof(path), "%s/khreq/%s", dir, name);
	if (stat(path, &st) != 0)
		put_as(dir, "khreq", name, p, len);
}

/* One frame as on the keyholder socket, appended to ${b}. */
static void
frame(struct dbuf *b, uint32_t type, uint32_t seq, const struct dbuf *pl)
{
	dbuf_put_u32(b, type);
	dbuf_put_u32(b, seq);
	dbuf_put_u32(b, (uint32_t)pl->len);
	dbuf_put_bytes(b, pl->p, pl->len);
}

/* Start a payload: ${pl} emptied. */
static struct dbuf *
payload(struct dbuf *pl)
{
	dbuf_free(pl);
	dbuf_init(pl, IPC_FRAME_MAX);
	return pl;
}

/* Seal or open batch payload: n × (type | id | len | bytes). */
static void
batch_item(struct dbuf *pl, uint32_t type, const uint8_t *id,
    const void *p, size_t len)
{
	dbuf_put_u32(pl, type);
	dbuf_put_bytes(pl, id, ENV_ID_BYTES);
	dbuf_put_u32(pl, (uint32_t)len);
	dbuf_put_bytes(pl, p, len);
}

/* The keyholder's requests, under the test key of khreq.h. */
static int
khreq_seeds(const char *dir)
{
	static const uint8_t id[ENV_ID_BYTES] = { 3 };
	uint8_t sealed[256], slot[SLOT_FILE_MAX], sid[SLOT_ID_BYTES];
	struct dbuf b, pl;
	struct kh *kh;
	size_t slen, len;

	if ((kh = khreq_key()) == NULL ||
	    kh_seal(kh, OBJ_BLOB, id, (const uint8_t *)"abc", 3, sealed,
	    sizeof(sealed), &len) != 0 ||
	    khreq_slot(kh, sid, slot, sizeof(slot), &slen) != 0)
		return -1;
	kh_free(kh);
	memset(&pl, 0, sizeof(pl));
	/* Unlocked (mode 2): every request of a backup and a restore. */
	dbuf_init(&b, IPC_FRAME_MAX);
	dbuf_put_u8(&b, 2);
	dbuf_put_u32(payload(&pl), KH_ID_DATA);
	dbuf_put_bytes(&pl, "hello", 5);
	frame(&b, KH_REQ_ID, 2, &pl);
	dbuf_put_u32(payload(&pl), OBJ_BLOB);
	dbuf_put_bytes(&pl, id, sizeof(id));
	dbuf_put_bytes(&pl, "abc", 3);
	frame(&b, KH_REQ_SEAL, 3, &pl);
	dbuf_put_u32(payload(&pl), OBJ_BLOB);
	dbuf_put_bytes(&pl, id, sizeof(id));
	dbuf_put_bytes(&pl, sealed, len);
	frame(&b, KH_REQ_OPEN, 4, &pl);
	dbuf_put_u32(payload(&pl), KH_ID_TREE);
	dbuf_put_u32(&pl, 2);
	dbuf_put_u32(&pl, 3);
	dbuf_put_bytes(&pl, "abc", 3);
	dbuf_put_u32(&pl, 0);
	frame(&b, KH_REQ_ID_BATCH, 5, &pl);
	dbuf_put_u32(payload(&pl), 2);
	batch_item(&pl, OBJ_BLOB, id, "abc", 3);
	batch_item(&pl, OBJ_TREE, id, "", 0);
	frame(&b, KH_REQ_SEAL_BATCH, 6, &pl);
	dbuf_put_u32(payload(&pl), 2);
	batch_item(&pl, OBJ_BLOB, id, sealed, len);
	batch_item(&pl, OBJ_BLOB, id, "forged", 6);
	frame(&b, KH_REQ_OPEN_BATCH, 7, &pl);
	dbuf_put_bytes(payload(&pl), sid, sizeof(sid));
	dbuf_put_bytes(&pl, slot, slen);
	frame(&b, KH_REQ_SLOT_INFO, 8, &pl);
	payload(&pl);
	frame(&b, KH_REQ_CHUNKER, 9, &pl);
	put_once(dir, "unlocked", b.p, b.len);
	dbuf_free(&b);
	/* A key command, locked (mode 1): a new key and its recovery slot. */
	dbuf_init(&b, IPC_FRAME_MAX);
	dbuf_put_u8(&b, 1);
	dbuf_put_bytes(payload(&pl), khreq_rid, sizeof(khreq_rid));
	frame(&b, KH_REQ_GENERATE, 1, &pl);
	dbuf_put_u32(payload(&pl), PASS_CURRENT);
	dbuf_put_u32(&pl, SLOT_KIND_RECOVERY);
	frame(&b, KH_REQ_SLOT_NEW, 2, &pl);
	payload(&pl);
	frame(&b, KH_REQ_RECOVERY, 3, &pl);
	put_once(dir, "keycmd", b.p, b.len);
	dbuf_free(&b);
	/* Locked (mode 0): an unlock (no passphrase), then too early a seal. */
	dbuf_init(&b, IPC_FRAME_MAX);
	dbuf_put_u8(&b, 0);
	dbuf_put_bytes(payload(&pl), khreq_rid, sizeof(khreq_rid));
	dbuf_put_u32(&pl, 1);
	dbuf_put_bytes(&pl, sid, sizeof(sid));
	dbuf_put_u32(&pl, (uint32_t)slen);
	dbuf_put_bytes(&pl, slot, slen);
	frame(&b, KH_REQ_UNLOCK, 1, &pl);
	dbuf_put_u32(payload(&pl), OBJ_BLOB);
	dbuf_put_bytes(&pl, id, sizeof(id));
	frame(&b, KH_REQ_SEAL, 2, &pl);
	put_once(dir, "locked", b.p, b.len);
	dbuf_free(&b);
	dbuf_free(&pl);
	return 0;
}

/* One node of the walk seed: a directory naming blob ${sub}, or a file. */
static int
walk_node(struct tree *t, const char *name, int dir, uint8_t sub)
{
	struct node n;

	memset(&n, 0, sizeof(n));
	n.type = dir ? NODE_DIR : NODE_FILE;
	n.name = (uint8_t *)strdup(name);
	n.namelen = strlen(name);
	n.mode = 0755;
	if (dir)
		memset(n.subtree, sub, sizeof(n.subtree));
	else {
		n.size = 1;
		n.extents = calloc(1, sizeof(*n.extents));
		n.chunks = malloc(32);
		if (n.extents == NULL || n.chunks == NULL)
			return -1;
		n.extents[0].len = 1;
		n.nextents = 1;
		memset(n.chunks, sub, 32);
		n.nchunks = 1;
	}
	return tree_add(t, &n);
}

/* Append blob u8 kind | u16 len | bytes (walk_fuzz's input) to ${b}. */
static void
walk_blob(struct dbuf *b, uint8_t kind, const uint8_t *p, size_t len)
{
	dbuf_put_u8(b, kind);
	dbuf_put_u16(b, (uint16_t)len);
	dbuf_put_bytes(b, p, len);
}

/*
 * walk_fuzz: every walker over root (blob 0) -> a (blob 1), which holds
 * f (data blob 2) and loop (blob 1 again: a cycle) and d (blob 3, empty).
 */
static int
walk_seed(const char *dir)
{
	struct tree t = { 0 };
	struct dbuf in, b;

	dbuf_init(&in, 1u << 20);
	dbuf_put_u8(&in, 0x0f);
	if (walk_node(&t, "a", 1, 1) != 0 || tree_encode(&t, &b) != 0)
		return -1;
	walk_blob(&in, 0, b.p, b.len);
	dbuf_free(&b);
	tree_free(&t);
	if (walk_node(&t, "d", 1, 3) != 0 || walk_node(&t, "f", 0, 2) != 0 ||
	    walk_node(&t, "loop", 1, 1) != 0 || tree_encode(&t, &b) != 0)
		return -1;
	walk_blob(&in, 0, b.p, b.len);
	dbuf_free(&b);
	tree_free(&t);
	walk_blob(&in, 1, (const uint8_t *)"x", 1);
	if (tree_encode(&t, &b) != 0)
		return -1;
	walk_blob(&in, 0, b.p, b.len);
	dbuf_free(&b);
	if (in.err)
		return -1;
	put(dir, "walk", in.p, in.len);
	dbuf_free(&in);
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t cfg[CONFIG_BYTES_MAX], slot[SLOT_FILE_MAX], frame[64];
	uint8_t id[32] = { 1 }, pid[16] = { 2 };
	struct config c;
	struct keyslot s;
	struct index ix;
	struct tree t = { 0 };
	struct node n;
	struct dbuf b;
	size_t len;

	/* Fixed randomness: the same seeds, and khreq's test key, each run. */
	if (argc != 2 || khreq_rng_install() != 0 || sodium_init() < 0)
		return 2;
	if (khreq_seeds(argv[1]) != 0)
		return 1;
	config_default(&c);
	c.created = 1700000000;	/* a fixed seed, not today */
	put(argv[1], "config", cfg, config_encode(&c, cfg));
	/* parity: encode 300 bytes at 3 %, then zero 64 of them. */
	{
		uint8_t ps[4 + 300 + 4] = { 1, 2, 43, 1 };

		memset(ps + 4, 0x5a, 300);
		ps[304] = 10;
		ps[306] = 64;
		put(argv[1], "parity", ps, sizeof(ps));
	}
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
	if (walk_seed(argv[1]) != 0)
		return 1;
	return 0;
}
