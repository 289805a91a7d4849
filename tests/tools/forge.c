/*
 * forge.c: a test-only tool that seals arbitrary trees into a repository,
 * as a malicious repository would hold them: names with '/', "..", empty
 * names, symlinks out of the target followed by entries beneath them, hard
 * links in odd places.  Never installed; built by `make check` only.
 *
 *   forge -r REPO --passphrase-fd N < SPEC
 *
 * SPEC, one entry per line, names and contents in C-style escapes (\xNN,
 * \n, \\, \/ is a literal '/' inside a name):
 *   dir NAME        begin a directory (mode 0755)
 *   end             end it
 *   file NAME DATA  a regular file holding DATA
 *   link NAME ID DATA   a file in hard-link group ID (a number)
 *   symlink NAME TARGET
 *   cycle NAME      a directory whose tree is the tree it is in: that
 *                   tree is stored under a random id, not its own
 *   bigfile NAME RAWLEN  a file of RAWLEN bytes in one chunk whose index
 *                   entry claims RAWLEN (up to 4294967295) for a zstd
 *                   frame of 1 MiB of zeros
 *   bigdir NAME RAWLEN   a directory whose (empty) tree's index entry
 *                   claims RAWLEN bytes
 *   biglog RAWLEN   the snapshot's log: a blob whose entry claims RAWLEN
 *   forge -r REPO --passphrase-fd N --chunk-min BYTES
 * instead rewrites the config with that minimum chunk (the average the
 * next power of two above it, the maximum twice that, at most 16 MiB), a
 * config another implementation could have written, and exits.
 *
 * It writes one snapshot (paths: "/forged") and prints its id.  Nesting
 * is limited only by memory (DEPTH_MAX levels), so it can forge trees
 * deeper than any reader accepts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "cmd.h"
#include "idxio.h"
#include "lock.h"
#include "log.h"
#include "pack.h"
#include "repo.h"
#include "snapshot.h"
#include "tree.h"
#include "treepath.h"

#define DEPTH_MAX	(TREE_DEPTH_MAX + 16)

static struct repo *r;
static struct index ix;
static struct packw *pw;

static void
die(const char *what)
{
	fprintf(stderr, "forge: %s\n", what);
	exit(1);
}

/* Decode C escapes of ${s} in place; returns the length. */
static size_t
unescape(char *s)
{
	char *o = s, *p = s;
	unsigned v;

	while (*p != '\0') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		if (*p == 'n') {
			*o++ = '\n';
			p++;
		} else if (*p == 'x' && sscanf(p + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			p += 3;
		} else if (*p != '\0')
			*o++ = *p++;
	}
	return (size_t)(o - s);
}

static void
store(uint8_t type, const uint8_t *data, size_t len, uint8_t id[32])
{
	uint8_t *buf = malloc(len + 1);

	if (buf == NULL || kh_id(r->kh, type == BLOB_TREE ? KH_ID_TREE :
	    KH_ID_DATA, data, len, id) != 0)
		die("id");
	buf[0] = BLOB_RAW;
	memcpy(buf + 1, data, len);
	if (index_get(&ix, id) == NULL &&
	    packw_add(pw, &ix, type, id, buf, len + 1, (uint32_t)len) != 0)
		die("pack");
	free(buf);
}

/*
 * Store ${data} (a compression byte and a payload) of ${type} under ${id}
 * as given, recording ${rawlen} as its raw length: a lie, if we like.
 */
static void
store_as(uint8_t type, const uint8_t *data, size_t len, uint32_t rawlen,
    const uint8_t id[32])
{
	if (index_get(&ix, id) == NULL &&
	    packw_add(pw, &ix, type, id, data, len, rawlen) != 0)
		die("pack");
}

/* A blob that decompresses to 1 MiB of zeros but claims ${rawlen}. */
static void
store_big(uint8_t type, uint32_t rawlen, uint8_t id[32])
{
	size_t zlen, cap = ZSTD_compressBound(1u << 20);
	uint8_t *zero = calloc(1, 1u << 20), *z = malloc(1 + cap);

	if (zero == NULL || z == NULL)
		die("memory");
	z[0] = BLOB_ZSTD;
	zlen = ZSTD_compress(z + 1, cap, zero, 1u << 20, 3);
	if (ZSTD_isError(zlen))
		die("zstd");
	randombytes_buf(id, 32);
	store_as(type, z, 1 + zlen, rawlen, id);
	free(z);
	free(zero);
}

static void
base_node(struct node *n, uint8_t type, const char *name, size_t len)
{
	memset(n, 0, sizeof(*n));
	n->type = type;
	if ((n->name = malloc(len + 1)) == NULL)
		die("memory");
	memcpy(n->name, name, len);
	n->namelen = len;
	n->mode = type == NODE_DIR ? 0755 : 0644;
	n->uid = n->gid = 0;
	n->mtime_sec = 1000000000;
}

static void
file_node(struct node *n, const char *name, size_t nl, char *data)
{
	size_t dl = unescape(data);

	base_node(n, NODE_FILE, name, nl);
	n->size = dl;
	if (dl > 0) {
		n->extents = calloc(1, sizeof(*n->extents));
		n->chunks = malloc(NODE_ID_BYTES);
		if (n->extents == NULL || n->chunks == NULL)
			die("memory");
		n->extents[0].len = dl;
		n->nextents = 1;
		store(BLOB_DATA, (uint8_t *)data, dl, n->chunks[0]);
		n->nchunks = 1;
	}
}

/*
 * Store ${t} as a tree blob; its encoder takes any names at all.  With
 * ${self} (not all zero), under that id instead of its own.
 */
static void
close_tree(struct tree *t, const uint8_t self[32], uint8_t id[32])
{
	static const uint8_t zero[32];
	struct dbuf b;
	uint8_t *buf;

	/* Keep the given order: a forged tree need not be sorted. */
	dbuf_init(&b, 1u << 26);
	{
		struct tree tmp = *t;
		if (tree_encode(&tmp, &b) != 0)
			die("encode");
	}
	if (memcmp(self, zero, 32) == 0)
		store(BLOB_TREE, b.p, b.len, id);
	else {
		if ((buf = malloc(b.len + 1)) == NULL)
			die("memory");
		buf[0] = BLOB_RAW;
		memcpy(buf + 1, b.p, b.len);
		memcpy(id, self, 32);
		store_as(BLOB_TREE, buf, b.len + 1, (uint32_t)b.len, id);
		free(buf);
	}
	dbuf_free(&b);
	tree_free(t);
}

int
main(int argc, char **argv)
{
	struct tree *stack;
	struct node *pending, n;
	uint8_t (*self)[32], biglog[32];
	int has_log = 0;
	struct snapshot s;
	struct opts o;
	char line[8192], *name, *rest;
	char hex[33];
	size_t depth = 0, nl, nseg;
	unsigned long cmin = 0;
	int i;

	if (sodium_init() < 0)
		die("sodium");
	memset(&o, 0, sizeof(o));
	o.pass.kind = PASS_TTY;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			o.repo = argv[++i];
		else if (strcmp(argv[i], "--passphrase-fd") == 0 && i + 1 < argc) {
			o.pass.kind = PASS_FD;
			o.pass.fd = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--chunk-min") == 0 && i + 1 < argc)
			cmin = strtoul(argv[++i], NULL, 10);
	}
	if (o.repo == NULL || cmd_open(&o, REPO_LOCK_EXCL, &r) != EXIT_OK)
		die("cannot open the repository");
	if (cmin != 0) {
		r->cfg.chunk_min = (uint32_t)cmin;
		for (r->cfg.chunk_avg = 4096; r->cfg.chunk_avg <= cmin;)
			r->cfg.chunk_avg *= 2;	/* a power of two above */
		r->cfg.chunk_max = r->cfg.chunk_avg < (8u << 20) ?
		    2 * r->cfg.chunk_avg : (16u << 20);
		if (r->cfg.pack_bytes < r->cfg.chunk_max)
			r->cfg.pack_bytes = r->cfg.chunk_max;
		/* repo_commit_init writes new files only. */
		if (unlinkat(r->dirfd, REPO_CONFIG_NAME, 0) != 0 ||
		    unlinkat(r->dirfd, REPO_HEADER_NAME, 0) != 0 ||
		    unlinkat(r->copyfd, REPO_CONFIG_NAME, 0) != 0 ||
		    unlinkat(r->copyfd, REPO_HEADER_NAME, 0) != 0 ||
		    repo_commit_init(r) != EXIT_OK)
			die("cannot write the config");
		cmd_close(r);
		return 0;
	}
	index_init(&ix);
	if (idxio_load(r->kh, r->dirfd, &ix, &nseg) != 0 ||
	    (pw = packw_new(r->kh, r->dirfd, r->cfg.pack_bytes)) == NULL)
		die("setup");
	stack = calloc(DEPTH_MAX, sizeof(*stack));
	pending = calloc(DEPTH_MAX, sizeof(*pending));
	self = calloc(DEPTH_MAX, sizeof(*self));
	if (stack == NULL || pending == NULL || self == NULL)
		die("memory");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "end", 3) == 0) {
			if (depth == 0)
				die("end without dir");
			close_tree(&stack[depth], self[depth],
			    pending[depth - 1].subtree);
			memset(self[depth], 0, 32);
			depth--;
			if (tree_add(&stack[depth], &pending[depth]) != 0)
				die("memory");
			continue;
		}
		if (strncmp(line, "biglog ", 7) == 0) {
			store_big(BLOB_DATA, (uint32_t)strtoul(line + 7, NULL,
			    10), biglog);
			has_log = 1;
			continue;
		}
		if ((name = strchr(line, ' ')) == NULL)
			continue;
		*name++ = '\0';
		if ((rest = strchr(name, ' ')) != NULL)
			*rest++ = '\0';
		else
			rest = name + strlen(name);
		if (strcmp(name, "\"\"") == 0)
			name[0] = '\0';
		nl = unescape(name);
		if (strcmp(line, "dir") == 0) {
			if (depth + 1 >= DEPTH_MAX)
				die("too deep");
			base_node(&pending[depth], NODE_DIR, name, nl);
			depth++;
			memset(&stack[depth], 0, sizeof(stack[depth]));
		} else if (strcmp(line, "file") == 0) {
			file_node(&n, name, nl, rest);
			if (tree_add(&stack[depth], &n) != 0)
				die("memory");
		} else if (strcmp(line, "link") == 0) {
			char *data = strchr(rest, ' ');
			uint64_t id = strtoull(rest, NULL, 10);

			file_node(&n, name, nl, data ? data + 1 : rest +
			    strlen(rest));
			n.link_id = id;
			n.nlink = 2;
			if (tree_add(&stack[depth], &n) != 0)
				die("memory");
		} else if (strcmp(line, "cycle") == 0) {
			/* This directory's tree, under an id chosen now. */
			if (memcmp(self[depth], (uint8_t[32]){ 0 }, 32) == 0)
				randombytes_buf(self[depth], 32);
			base_node(&n, NODE_DIR, name, nl);
			memcpy(n.subtree, self[depth], 32);
			if (tree_add(&stack[depth], &n) != 0)
				die("memory");
		} else if (strcmp(line, "bigfile") == 0) {
			uint32_t raw = (uint32_t)strtoul(rest, NULL, 10);

			base_node(&n, NODE_FILE, name, nl);
			n.size = raw;
			n.extents = calloc(1, sizeof(*n.extents));
			n.chunks = malloc(NODE_ID_BYTES);
			if (n.extents == NULL || n.chunks == NULL)
				die("memory");
			n.extents[0].len = raw;
			n.nextents = 1;
			store_big(BLOB_DATA, raw, n.chunks[0]);
			n.nchunks = 1;
			if (tree_add(&stack[depth], &n) != 0)
				die("memory");
		} else if (strcmp(line, "bigdir") == 0) {
			static const uint8_t empty[9] = { BLOB_RAW, 1 };

			base_node(&n, NODE_DIR, name, nl);
			randombytes_buf(n.subtree, 32);
			store_as(BLOB_TREE, empty, sizeof(empty),
			    (uint32_t)strtoul(rest, NULL, 10), n.subtree);
			if (tree_add(&stack[depth], &n) != 0)
				die("memory");
		} else if (strcmp(line, "symlink") == 0) {
			size_t tl = unescape(rest);

			base_node(&n, NODE_SYMLINK, name, nl);
			n.mode = 0777;
			if ((n.target = malloc(tl + 1)) == NULL)
				die("memory");
			memcpy(n.target, rest, tl);
			n.targetlen = tl;
			if (tree_add(&stack[depth], &n) != 0)
				die("memory");
		} else
			die("unknown spec line");
	}
	if (depth != 0)
		die("dir without end");
	/* The root: one directory "forged" holding the top level. */
	base_node(&n, NODE_DIR, "forged", 6);
	close_tree(&stack[0], self[0], n.subtree);
	if (tree_add(&stack[0], &n) != 0)
		die("memory");
	memset(&s, 0, sizeof(s));
	close_tree(&stack[0], (uint8_t[32]){ 0 }, s.root);
	if (has_log) {
		s.has_log = 1;
		memcpy(s.log, biglog, 32);
	}
	if (packw_finish(pw) != 0 || idxio_save(r->kh, r->dirfd, &ix, &nseg))
		die("commit");
	randombytes_buf(s.id, sizeof(s.id));
	s.time_sec = time(NULL);
	{
		char *paths[1] = { (char *)(uintptr_t)"/forged" };
		s.paths = paths;
		s.npaths = 1;
		s.version = (char *)(uintptr_t)"forge";
		if (snapshot_write(r->kh, r->dirfd, &s) != 0)
			die("snapshot");
	}
	snapshot_hex(s.id, hex);
	printf("%s\n", hex);
	packw_free(pw);
	free(stack);
	free(pending);
	free(self);
	index_free(&ix);
	cmd_close(r);
	return 0;
}
