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
 * It writes one snapshot (paths: "/forged") and prints its id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cmd.h"
#include "idxio.h"
#include "lock.h"
#include "log.h"
#include "pack.h"
#include "repo.h"
#include "snapshot.h"
#include "tree.h"

#define DEPTH_MAX	64

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

/* Store ${t} as a tree blob; its encoder takes any names at all. */
static void
close_tree(struct tree *t, uint8_t id[32])
{
	struct dbuf b;

	/* Keep the given order: a forged tree need not be sorted. */
	dbuf_init(&b, 1u << 26);
	{
		struct tree tmp = *t;
		if (tree_encode(&tmp, &b) != 0)
			die("encode");
	}
	store(BLOB_TREE, b.p, b.len, id);
	dbuf_free(&b);
	tree_free(t);
}

int
main(int argc, char **argv)
{
	struct tree stack[DEPTH_MAX];
	struct node pending[DEPTH_MAX], n;
	struct snapshot s;
	struct opts o;
	char line[8192], *name, *rest;
	char hex[33];
	size_t depth = 0, nl, nseg;
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
		}
	}
	if (o.repo == NULL || cmd_open(&o, REPO_LOCK_EXCL, &r) != EXIT_OK)
		die("cannot open the repository");
	index_init(&ix);
	if (idxio_load(r->kh, r->dirfd, &ix, &nseg) != 0 ||
	    (pw = packw_new(r->kh, r->dirfd, r->cfg.pack_bytes)) == NULL)
		die("setup");
	memset(stack, 0, sizeof(stack));
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "end", 3) == 0) {
			if (depth == 0)
				die("end without dir");
			close_tree(&stack[depth], pending[depth - 1].subtree);
			depth--;
			if (tree_add(&stack[depth], &pending[depth]) != 0)
				die("memory");
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
	close_tree(&stack[0], n.subtree);
	if (tree_add(&stack[0], &n) != 0)
		die("memory");
	memset(&s, 0, sizeof(s));
	close_tree(&stack[0], s.root);
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
	index_free(&ix);
	cmd_close(r);
	return 0;
}
