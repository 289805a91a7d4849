/*
 * reader.c: the read side shared by snapshots, ls and restore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idxio.h"
#include "log.h"
#include "reader.h"

int
reader_open(struct reader *rd, struct repo *r)
{
	size_t bad;

	memset(rd, 0, sizeof(*rd));
	rd->r = r;
	index_init(&rd->ix);
	if (idxio_load(r->kh, r->dirfd, &rd->ix, &bad) != 0) {
		errorx("cannot read the index: %s", strerror(errno));
		return EXIT_ERR;
	}
	if ((rd->badsegs = bad) > 0)
		alertx("%zu damaged index segments left out", bad);
	if ((rd->pr = packr_new(r->dirfd)) == NULL)
		return EXIT_ERR;
	if (snapshot_load_all(r->kh, r->dirfd, &rd->snaps, &rd->nsnaps, &bad)
	    != 0) {
		errorx("cannot read the snapshots: %s", strerror(errno));
		return EXIT_ERR;
	}
	if ((rd->badsnaps = bad) > 0)
		alertx("%zu damaged snapshots left out", bad);
	return EXIT_OK;
}

void
reader_close(struct reader *rd)
{
	index_free(&rd->ix);
	packr_free(rd->pr);
	snapshot_list_free(rd->snaps, rd->nsnaps);
	free(rd->buf);
	memset(rd, 0, sizeof(*rd));
}

const uint8_t *
reader_blob(struct reader *rd, const uint8_t *id, uint8_t type, size_t *lenp)
{
	const struct blobloc *loc = index_get(&rd->ix, id);
	uint8_t *p;

	if (loc == NULL) {
		errno = ENODATA;	/* not in the index: damage, not a path */
		return NULL;
	}
	if (loc->type != type) {
		errno = EBADMSG;
		return NULL;
	}
	if (loc->rawlen > rd->cap || rd->buf == NULL) {
		if ((p = realloc(rd->buf, loc->rawlen ? loc->rawlen : 1)) ==
		    NULL)
			return NULL;
		rd->buf = p;
		rd->cap = loc->rawlen ? loc->rawlen : 1;
	}
	if (packr_read(rd->pr, rd->r->kh, &rd->ix, loc, rd->buf, rd->cap) != 0)
		return NULL;
	*lenp = loc->rawlen;
	return rd->buf;
}

int
reader_tree(struct reader *rd, const uint8_t *id, struct tree *t)
{
	const uint8_t *p;
	size_t len;

	memset(t, 0, sizeof(*t));
	if ((p = reader_blob(rd, id, BLOB_TREE, &len)) == NULL)
		return -1;
	if (tree_decode(p, len, t) != 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

int
reader_walk(struct reader *rd, const uint8_t *root, const char *path,
    struct tree *t, struct node **np)
{
	const char *p = path, *slash;
	uint8_t id[NODE_ID_BYTES];
	struct node *n = NULL;
	size_t len;

	*np = NULL;
	if (reader_tree(rd, root, t) != 0)
		return -1;
	while (*p == '/')
		p++;
	while (*p != '\0') {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (n != NULL) {	/* descend into the node found before */
			if (n->type != NODE_DIR) {
				errno = ENOTDIR;
				return -1;
			}
			memcpy(id, n->subtree, sizeof(id));
			tree_free(t);
			if (reader_tree(rd, id, t) != 0)
				return -1;
		}
		if ((n = tree_find(t, (const uint8_t *)p, len)) == NULL) {
			errno = ENOENT;
			return -1;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	*np = n;
	return 0;
}
