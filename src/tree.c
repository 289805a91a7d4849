/*
 * tree.c: encode and decode tree objects.  The decoder reads untrusted
 * bytes: every length is checked before use and every count capped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

int
tree_add(struct tree *t, struct node *n)
{
	struct node *p;
	size_t ncap;

	if (t->count == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		if (ncap > TREE_NODES_MAX ||
		    (p = reallocarray(t->nodes, ncap, sizeof(*p))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		t->nodes = p;
		t->cap = ncap;
	}
	t->nodes[t->count++] = *n;
	memset(n, 0, sizeof(*n));
	return 0;
}

static int
namecmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int
node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return namecmp(x->name, x->namelen, y->name, y->namelen);
}

void
tree_sort(struct tree *t)
{
	if (t->count > 1)
		qsort(t->nodes, t->count, sizeof(t->nodes[0]), node_cmp);
}

void
tree_free(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		node_free_fields(&t->nodes[i]);
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

struct node *
tree_find(struct tree *t, const uint8_t *name, size_t len)
{
	size_t lo = 0, hi = t->count, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = namecmp(t->nodes[mid].name, t->nodes[mid].namelen, name,
		    len);
		if (c == 0)
			return &t->nodes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
put_str8(struct dbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 255)
		n = 255;
	dbuf_put_u8(b, (uint8_t)n);
	dbuf_put_bytes(b, s, n);
}

static void
encode_node(struct dbuf *b, const struct node *n)
{
	size_t i;

	dbuf_put_u8(b, n->type);
	dbuf_put_u8(b, n->flags);
	dbuf_put_u16(b, (uint16_t)n->namelen);
	dbuf_put_bytes(b, n->name, n->namelen);
	dbuf_put_u32(b, n->mode);
	dbuf_put_u32(b, n->uid);
	dbuf_put_u32(b, n->gid);
	put_str8(b, n->user);
	put_str8(b, n->group);
	dbuf_put_u64(b, n->size);
	dbuf_put_u64(b, (uint64_t)n->mtime_sec);
	dbuf_put_u32(b, n->mtime_nsec);
	dbuf_put_u64(b, (uint64_t)n->ctime_sec);
	dbuf_put_u32(b, n->ctime_nsec);
	dbuf_put_u64(b, n->dev);
	dbuf_put_u64(b, n->ino);
	dbuf_put_u32(b, n->nlink);
	dbuf_put_u64(b, n->rdev);
	dbuf_put_u64(b, n->link_id);
	dbuf_put_u16(b, (uint16_t)n->targetlen);
	dbuf_put_bytes(b, n->target, n->targetlen);
	dbuf_put_u32(b, (uint32_t)n->nxattrs);
	for (i = 0; i < n->nxattrs; i++) {
		put_str8(b, n->xattrs[i].name);
		dbuf_put_u32(b, (uint32_t)n->xattrs[i].len);
		dbuf_put_bytes(b, n->xattrs[i].value, n->xattrs[i].len);
	}
	if (n->type == NODE_FILE) {
		dbuf_put_u32(b, (uint32_t)n->nextents);
		for (i = 0; i < n->nextents; i++) {
			dbuf_put_u64(b, n->extents[i].off);
			dbuf_put_u64(b, n->extents[i].len);
		}
		dbuf_put_u32(b, (uint32_t)n->nchunks);
		dbuf_put_bytes(b, n->chunks, n->nchunks * NODE_ID_BYTES);
	} else if (n->type == NODE_DIR)
		dbuf_put_bytes(b, n->subtree, NODE_ID_BYTES);
}

int
tree_encode(struct tree *t, struct dbuf *b)
{
	size_t i;

	tree_sort(t);
	dbuf_init(b, TREE_BYTES_MAX);
	dbuf_put_u32(b, TREE_FORMAT);
	dbuf_put_u32(b, (uint32_t)t->count);
	for (i = 0; i < t->count; i++)
		encode_node(b, &t->nodes[i]);
	if (b->err) {
		dbuf_free(b);
		return -1;
	}
	return 0;
}

/* Copy ${n} bytes out of ${r} into new memory (+1 NUL) at *${pp}. */
static int
get_dup(struct rbuf *r, size_t n, void *pp)
{
	const uint8_t *src;
	uint8_t *p;

	if (rbuf_get_ref(r, &src, n) != 0 || (p = malloc(n + 1)) == NULL)
		return -1;
	memcpy(p, src, n);
	p[n] = '\0';
	*(uint8_t **)pp = p;
	return 0;
}

static int
get_str8(struct rbuf *r, char **sp)
{
	uint8_t n;

	*sp = NULL;
	if (rbuf_get_u8(r, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	if (get_dup(r, n, sp) != 0 || memchr(*sp, '\0', n) != NULL)
		return -1;
	return 0;
}

static int
decode_xattrs(struct rbuf *r, struct node *n)
{
	uint32_t cnt, vlen;
	size_t i;

	if (rbuf_get_u32(r, &cnt) != 0 || cnt > NODE_XATTRS_MAX)
		return -1;
	if (cnt == 0)
		return 0;
	if ((n->xattrs = calloc(cnt, sizeof(*n->xattrs))) == NULL)
		return -1;
	n->nxattrs = cnt;
	for (i = 0; i < cnt; i++) {
		if (get_str8(r, &n->xattrs[i].name) != 0 ||
		    n->xattrs[i].name == NULL ||
		    rbuf_get_u32(r, &vlen) != 0 ||
		    vlen > NODE_XATTR_VALUE_MAX ||
		    get_dup(r, vlen, &n->xattrs[i].value) != 0)
			return -1;
		n->xattrs[i].len = vlen;
		if (i > 0 && strcmp(n->xattrs[i - 1].name,
		    n->xattrs[i].name) >= 0)
			return -1;
	}
	return 0;
}

static int
decode_content(struct rbuf *r, struct node *n)
{
	uint32_t ne, nc;
	uint64_t end = 0;
	size_t i;

	if (n->type == NODE_DIR)
		return rbuf_get_bytes(r, n->subtree, NODE_ID_BYTES);
	if (n->type != NODE_FILE)
		return 0;
	if (rbuf_get_u32(r, &ne) != 0 || ne > TREE_EXTENTS_MAX ||
	    ne > rbuf_left(r) / 16)
		return -1;
	if (ne > 0 && (n->extents = calloc(ne, sizeof(*n->extents))) == NULL)
		return -1;
	n->nextents = ne;
	for (i = 0; i < ne; i++) {
		if (rbuf_get_u64(r, &n->extents[i].off) != 0 ||
		    rbuf_get_u64(r, &n->extents[i].len) != 0)
			return -1;
		/* In order, not overlapping, nonempty, inside the file. */
		if (n->extents[i].off < end || n->extents[i].len == 0 ||
		    n->extents[i].len > n->size - n->extents[i].off ||
		    n->extents[i].off > n->size)
			return -1;
		end = n->extents[i].off + n->extents[i].len;
	}
	if (rbuf_get_u32(r, &nc) != 0 || nc > TREE_CHUNKS_MAX ||
	    nc > rbuf_left(r) / NODE_ID_BYTES)
		return -1;
	if (nc > 0 && (n->chunks = malloc((size_t)nc * NODE_ID_BYTES)) == NULL)
		return -1;
	n->nchunks = nc;
	return rbuf_get_bytes(r, n->chunks, (size_t)nc * NODE_ID_BYTES);
}

static int
decode_node(struct rbuf *r, struct node *n)
{
	uint16_t nl, tl;
	uint64_t ms, cs;

	if (rbuf_get_u8(r, &n->type) != 0 || n->type == 0 ||
	    n->type >= NODE__MAX || rbuf_get_u8(r, &n->flags) != 0 ||
	    (n->flags & ~(NODE_F_CHANGED | NODE_F_UNREADABLE |
	    NODE_F_SHORT)) != 0 ||
	    rbuf_get_u16(r, &nl) != 0 || get_dup(r, nl, &n->name) != 0)
		return -1;
	n->namelen = nl;
	if (!node_name_ok(n->name, n->namelen))
		return -1;
	if (rbuf_get_u32(r, &n->mode) != 0 || (n->mode & ~07777u) != 0 ||
	    rbuf_get_u32(r, &n->uid) != 0 || rbuf_get_u32(r, &n->gid) != 0 ||
	    get_str8(r, &n->user) != 0 || get_str8(r, &n->group) != 0 ||
	    rbuf_get_u64(r, &n->size) != 0 ||
	    rbuf_get_u64(r, &ms) != 0 || rbuf_get_u32(r, &n->mtime_nsec) != 0 ||
	    rbuf_get_u64(r, &cs) != 0 || rbuf_get_u32(r, &n->ctime_nsec) != 0 ||
	    n->mtime_nsec >= 1000000000u || n->ctime_nsec >= 1000000000u ||
	    rbuf_get_u64(r, &n->dev) != 0 || rbuf_get_u64(r, &n->ino) != 0 ||
	    rbuf_get_u32(r, &n->nlink) != 0 || rbuf_get_u64(r, &n->rdev) != 0 ||
	    rbuf_get_u64(r, &n->link_id) != 0 ||
	    rbuf_get_u16(r, &tl) != 0 || tl > NODE_TARGET_MAX ||
	    get_dup(r, tl, &n->target) != 0)
		return -1;
	n->mtime_sec = (int64_t)ms;
	n->ctime_sec = (int64_t)cs;
	n->targetlen = tl;
	if ((n->type == NODE_SYMLINK) != (tl > 0))
		return -1;
	if (decode_xattrs(r, n) != 0 || decode_content(r, n) != 0)
		return -1;
	return 0;
}

int
tree_decode(const uint8_t *p, size_t len, struct tree *t)
{
	struct node n;
	struct rbuf r;
	uint32_t fmt, cnt, i;

	memset(t, 0, sizeof(*t));
	if (len > TREE_BYTES_MAX)
		return -1;
	rbuf_init(&r, p, len);
	if (rbuf_get_u32(&r, &fmt) != 0 || fmt != TREE_FORMAT ||
	    rbuf_get_u32(&r, &cnt) != 0 || cnt > TREE_NODES_MAX)
		return -1;
	for (i = 0; i < cnt; i++) {
		memset(&n, 0, sizeof(n));
		if (decode_node(&r, &n) != 0) {
			node_free_fields(&n);
			goto fail;
		}
		if (t->count > 0 && namecmp(t->nodes[t->count - 1].name,
		    t->nodes[t->count - 1].namelen, n.name, n.namelen) >= 0) {
			node_free_fields(&n);
			goto fail;
		}
		if (tree_add(t, &n) != 0) {
			node_free_fields(&n);
			goto fail;
		}
	}
	if (rbuf_end(&r) != 0)
		goto fail;
	return 0;
fail:
	tree_free(t);
	return -1;
}
