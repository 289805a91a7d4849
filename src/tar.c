/*
 * tar.c: the pax archive writer of tacit dump (see tar.h).
 */
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "tar.h"

/* A pax extended header holds at most this much (xattrs: 1024 of 64 KiB). */
#define TAR_PAX_MAX	(96u << 20)

/* The ustar header, as POSIX lays it out. */
struct ustar {
	char	name[100], mode[8], uid[8], gid[8], size[12], mtime[12];
	char	chksum[8], typeflag, linkname[100], magic[6], version[2];
	char	uname[32], gname[32], devmajor[8], devminor[8], prefix[155];
	char	pad[12];
};

_Static_assert(sizeof(struct ustar) == TAR_BLOCK_BYTES, "ustar is a block");

/* ${v} in octal into the ${w}-byte field ${dst}; 0 in it if it won't fit. */
static void
oct(char *dst, size_t w, uint64_t v)
{
	size_t i = w - 1;

	dst[i] = '\0';
	if (w < 22 && v >> (3 * (w - 1)) != 0)
		v = 0;			/* the pax header carries it */
	while (i-- > 0) {
		dst[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/* Append one pax record "LEN key=value\n" to ${b}. */
static void
rec(struct dbuf *b, const char *key, const void *val, size_t vlen)
{
	char num[24];
	size_t base = strlen(key) + vlen + 3, d = 1, t;

	for (;;) {
		(void)snprintf(num, sizeof(num), "%zu", base + d);
		if ((t = strlen(num)) == d)
			break;
		d = t;
	}
	dbuf_put_bytes(b, num, d);
	dbuf_put_u8(b, ' ');
	dbuf_put_bytes(b, key, strlen(key));
	dbuf_put_u8(b, '=');
	dbuf_put_bytes(b, val, vlen);
	dbuf_put_u8(b, '\n');
}

static void
rec_num(struct dbuf *b, const char *key, uint64_t v)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%" PRIu64, v);
	rec(b, key, num, strlen(num));
}

/* The time as pax writes it: seconds, '.', nine digits (exact). */
static void
rec_time(struct dbuf *b, const char *key, int64_t sec, uint32_t nsec)
{
	char t[40];

	/* -2 s + 0.25 s is -1.75 s: the fraction counts up from sec. */
	if (sec < 0 && nsec > 0)
		(void)snprintf(t, sizeof(t), "-%" PRId64 ".%09u", -(sec + 1),
		    1000000000u - nsec);
	else
		(void)snprintf(t, sizeof(t), "%" PRId64 ".%09u", sec, nsec);
	rec(b, key, t, strlen(t));
}

/*
 * A Linux POSIX ACL xattr (u32 version 2, then u16 tag, u16 perm, u32
 * id each) as the text GNU tar stores in SCHILY.acl.*: one entry a line,
 * numeric ids (tacit stores ids; restore writes them as numbers too).
 * Nothing is appended if the value is not such an ACL.
 */
static void
rec_acl(struct dbuf *b, const char *key, const uint8_t *v, size_t len)
{
	/* 24 bytes an entry hold the longest, "group:4294967295:rwx\n". */
	static char text[NODE_XATTR_VALUE_MAX / 8 * 24];
	char *p = text, *const end = text + sizeof(text);
	size_t i, k;
	uint32_t id;
	uint16_t tag, perm;

	if (len < 4 || (len - 4) % 8 != 0 || v[0] != 2 || v[1] || v[2] ||
	    v[3] || (len - 4) / 8 > sizeof(text) / 24)
		return;
	for (i = 4; i < len; i += 8) {
		tag = (uint16_t)(v[i] | v[i + 1] << 8);
		perm = (uint16_t)(v[i + 2] | v[i + 3] << 8);
		for (id = 0, k = 0; k < 4; k++)
			id |= (uint32_t)v[i + 4 + k] << (8 * k);
		switch (tag) {
		case 0x01:
			p += snprintf(p, (size_t)(end - p), "user::");
			break;
		case 0x02:
			p += snprintf(p, (size_t)(end - p), "user:%u:", id);
			break;
		case 0x04:
			p += snprintf(p, (size_t)(end - p), "group::");
			break;
		case 0x08:
			p += snprintf(p, (size_t)(end - p), "group:%u:", id);
			break;
		case 0x10:
			p += snprintf(p, (size_t)(end - p), "mask::");
			break;
		case 0x20:
			p += snprintf(p, (size_t)(end - p), "other::");
			break;
		default:
			return;
		}
		p += snprintf(p, (size_t)(end - p), "%c%c%c\n",
		    perm & 4 ? 'r' : '-', perm & 2 ? 'w' : '-',
		    perm & 1 ? 'x' : '-');
	}
	rec(b, key, text, (size_t)(p - text));
}

static void
rec_xattrs(struct dbuf *b, const struct node *n)
{
	char key[NODE_XATTR_NAME_MAX + 16];
	const struct xattr *x;
	size_t i;

	for (i = 0; i < n->nxattrs; i++) {
		x = &n->xattrs[i];
		(void)snprintf(key, sizeof(key), "SCHILY.xattr.%s", x->name);
		rec(b, key, x->value, x->len);
		if (strcmp(x->name, "system.posix_acl_access") == 0)
			rec_acl(b, "SCHILY.acl.access", x->value, x->len);
		else if (strcmp(x->name, "system.posix_acl_default") == 0)
			rec_acl(b, "SCHILY.acl.default", x->value, x->len);
	}
}

int
tar_sparse(const struct node *n)
{
	if (n->type != NODE_FILE || (n->flags & NODE_F_UNREADABLE))
		return 0;
	if (n->nextents == 0)
		return n->size > 0;
	return !(n->nextents == 1 && n->extents[0].off == 0 &&
	    n->extents[0].len == n->size);
}

/* The sparse map of ${n} (GNU 1.0: decimal lines, padded to a block). */
static void
sparse_map(struct dbuf *m, const struct node *n, uint64_t *datap)
{
	char num[48];
	size_t i, k = n->nextents;

	if (k == 0 || n->extents[k - 1].off + n->extents[k - 1].len < n->size)
		k++;			/* a last empty extent: the hole at the end */
	(void)snprintf(num, sizeof(num), "%zu\n", k);
	dbuf_put_bytes(m, num, strlen(num));
	*datap = 0;
	for (i = 0; i < n->nextents; i++) {
		(void)snprintf(num, sizeof(num), "%" PRIu64 "\n%" PRIu64 "\n",
		    n->extents[i].off, n->extents[i].len);
		dbuf_put_bytes(m, num, strlen(num));
		*datap += n->extents[i].len;
	}
	if (k > n->nextents) {
		(void)snprintf(num, sizeof(num), "%" PRIu64 "\n0\n", n->size);
		dbuf_put_bytes(m, num, strlen(num));
	}
	while (m->len % TAR_BLOCK_BYTES != 0)
		dbuf_put_u8(m, 0);
}

/* One ustar header block of ${type} for ${n}, ${size} bytes follow. */
static int
ustar(FILE *f, char type, const uint8_t *name, size_t nlen,
    const struct node *n, const uint8_t *link, size_t llen, uint64_t size)
{
	struct ustar h;
	const uint8_t *p = (const uint8_t *)&h;
	unsigned sum = 0;
	size_t i;

	memset(&h, 0, sizeof(h));
	memcpy(h.name, name, nlen < sizeof(h.name) ? nlen : sizeof(h.name));
	oct(h.mode, sizeof(h.mode), type == 'x' ? 0644 : n->mode & 07777);
	oct(h.uid, sizeof(h.uid), n->uid);
	oct(h.gid, sizeof(h.gid), n->gid);
	oct(h.size, sizeof(h.size), size);
	oct(h.mtime, sizeof(h.mtime), n->mtime_sec >= 0 ?
	    (uint64_t)n->mtime_sec : 0);
	h.typeflag = type;
	if (link != NULL)
		memcpy(h.linkname, link, llen < sizeof(h.linkname) ? llen :
		    sizeof(h.linkname));
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	if (type != 'x' && n->user != NULL && strlen(n->user) < sizeof(h.uname))
		memcpy(h.uname, n->user, strlen(n->user));
	if (type != 'x' && n->group != NULL &&
	    strlen(n->group) < sizeof(h.gname))
		memcpy(h.gname, n->group, strlen(n->group));
	if (n->type == NODE_CHR || n->type == NODE_BLK) {
		oct(h.devmajor, sizeof(h.devmajor), major((dev_t)n->rdev));
		oct(h.devminor, sizeof(h.devminor), minor((dev_t)n->rdev));
	}
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (i = 0; i < sizeof(h); i++)
		sum += p[i];
	oct(h.chksum, 7, sum);
	return fwrite(&h, sizeof(h), 1, f) == 1 ? 0 : -1;
}

/* The pax records of ${n} (not its path) into ${b}. */
static void
pax_meta(struct dbuf *b, const struct node *n, uint64_t size)
{
	rec_time(b, "mtime", n->mtime_sec, n->mtime_nsec);
	rec_num(b, "uid", n->uid);
	rec_num(b, "gid", n->gid);
	if (n->user != NULL)
		rec(b, "uname", n->user, strlen(n->user));
	if (n->group != NULL)
		rec(b, "gname", n->group, strlen(n->group));
	if (size > 077777777777ULL)
		rec_num(b, "size", size);
	if (n->type == NODE_CHR || n->type == NODE_BLK) {
		if (major((dev_t)n->rdev) > 07777777)
			rec_num(b, "SCHILY.devmajor", major((dev_t)n->rdev));
		if (minor((dev_t)n->rdev) > 07777777)
			rec_num(b, "SCHILY.devminor", minor((dev_t)n->rdev));
	}
	rec_xattrs(b, n);
}

/* The member name of a header: "PREFIX" then the last component. */
static size_t
member(char *out, size_t cap, const char *prefix, const uint8_t *path,
    size_t plen)
{
	size_t i = plen, k;

	while (i > 0 && path[i - 1] != '/')
		i--;
	k = (size_t)snprintf(out, cap, "%s", prefix);
	if (plen - i > cap - k - 1)
		plen = i + cap - k - 1;
	memcpy(out + k, path + i, plen - i);
	return k + plen - i;
}

int
tar_header(FILE *f, const uint8_t *path, size_t plen, const struct node *n,
    const uint8_t *link, size_t llen, uint64_t *datap)
{
	static const char types[] = "?052634";
	struct dbuf b, m;
	char name[100];
	uint64_t data = 0, size;
	size_t nlen;
	char type = link != NULL ? '1' : types[n->type < NODE__MAX ? n->type : 0];
	int sparse = link == NULL && tar_sparse(n), r = -1;

	dbuf_init(&b, TAR_PAX_MAX);
	dbuf_init(&m, TAR_PAX_MAX);
	if (sparse) {
		sparse_map(&m, n, &data);
		rec(&b, "GNU.sparse.major", "1", 1);
		rec(&b, "GNU.sparse.minor", "0", 1);
		rec(&b, "GNU.sparse.name", path, plen);
		rec_num(&b, "GNU.sparse.realsize", n->size);
	} else {
		rec(&b, "path", path, plen);
		if (type == '0' && !(n->flags & NODE_F_UNREADABLE))
			data = n->size;
	}
	if (link != NULL)
		rec(&b, "linkpath", link, llen);
	else if (n->type == NODE_SYMLINK)
		rec(&b, "linkpath", n->target, n->targetlen);
	size = data + m.len;
	pax_meta(&b, n, size);
	if (b.err || m.err) {
		errno = ENOMEM;
		goto out;
	}
	nlen = member(name, sizeof(name), "PaxHeaders/", path, plen);
	if (ustar(f, 'x', (const uint8_t *)name, nlen, n, NULL, 0, b.len) != 0 ||
	    fwrite(b.p, 1, b.len, f) != b.len || tar_pad(f, b.len) != 0)
		goto out;
	if (sparse)
		nlen = member(name, sizeof(name), "GNUSparseFile.0/", path,
		    plen);
	if (ustar(f, type, sparse ? (const uint8_t *)name : path, sparse ?
	    nlen : plen, n, link != NULL ? link : n->type == NODE_SYMLINK ?
	    n->target : NULL, link != NULL ? llen : n->targetlen, size) != 0 ||
	    (m.len > 0 && fwrite(m.p, 1, m.len, f) != m.len))
		goto out;
	*datap = data;
	r = 0;
out:
	dbuf_free(&b);
	dbuf_free(&m);
	return r;
}

int
tar_pad(FILE *f, uint64_t size)
{
	static const uint8_t zero[TAR_BLOCK_BYTES];
	size_t k = (size_t)(size % TAR_BLOCK_BYTES);

	if (k == 0)
		return 0;
	return fwrite(zero, 1, TAR_BLOCK_BYTES - k, f) == TAR_BLOCK_BYTES - k ?
	    0 : -1;
}

int
tar_end(FILE *f)
{
	static const uint8_t zero[2 * TAR_BLOCK_BYTES];

	return fwrite(zero, 1, sizeof(zero), f) == sizeof(zero) &&
	    fflush(f) == 0 ? 0 : -1;
}
