/*
 * test_meta.c: metadata read from a fixture tree and applied to fresh
 * copies.  The fixture holds every type tacit stores, set-id and sticky
 * modes, foreign owners, POSIX ACLs written as raw xattrs, user, trusted
 * and security xattrs, a symlink target and a file name that are not
 * UTF-8, a sparse file and nanosecond times.  Each entry is read, checked
 * field by field, applied to a new entry in a second directory and read
 * back: everything but ctime, dev and ino must match.  Also: sockets are
 * refused, atime is untouched, make_special never follows or replaces,
 * set-id bits never land on the wrong owner.  Root-only cases say SKIP
 * when not root.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meta.h"
#include "node.h"
#include "t.h"

#define SKIP(...) do {							\
	printf("ok - # SKIP ");						\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

#define MIB		(1024 * 1024)
#define MTIME_SEC	1500000000
#define MTIME_NSEC	123456789
#define ACL_UNDEF	0xffffffffu	/* the id of entries without one */
#define BIG_LEN		2000

static const char link_target[] = "t\xff\xfe\nx\x80/../y";
static const char odd_name[] = "\xff\xfe name\n";

enum {
	E_FILE, E_DACL, E_SUID, E_SGID, E_STICKY, E_OWNED, E_LINK, E_FIFO,
	E_CHR, E_SPARSE, E_ODD, E_BIG, E_EMPTY, E_HOLES, E__MAX
};

static struct ent {
	const char	*name;
	const char	*label;
	int		 made;		/* exists in the fixture */
	int		 read;		/* meta_read succeeded */
	struct node	 n;
} ents[E__MAX] = {
	[E_FILE] = { "file", "file" },
	[E_DACL] = { "dacl", "dir with default ACL" },
	[E_SUID] = { "suid", "setuid file" },
	[E_SGID] = { "sgid", "setgid dir" },
	[E_STICKY] = { "sticky", "sticky dir" },
	[E_OWNED] = { "owned", "file of 1234:5678" },
	[E_LINK] = { "link", "symlink" },
	[E_FIFO] = { "fifo", "FIFO" },
	[E_CHR] = { "null", "char device" },
	[E_SPARSE] = { "sparse", "sparse file" },
	[E_ODD] = { odd_name, "file with a non-UTF-8 name" },
	[E_BIG] = { "big", "file with a 2000-byte xattr" },
	[E_EMPTY] = { "empty", "empty file" },
	[E_HOLES] = { "holes", "all-hole file" },
};

static int root, sfd = -1, dfd = -1;
static int acl_ok, sec_ok;
static char top[PATH_MAX], srcdir[PATH_MAX + 8];
static uint8_t acl_access[64], acl_default[64], big[BIG_LEN];
static size_t acl_access_len, acl_default_len;

struct acl_ent {
	uint16_t	tag, perm;
	uint32_t	id;
};

/* The raw system.posix_acl_* value: le32 version 2, {le16, le16, le32}. */
static size_t
acl_build(uint8_t *out, const struct acl_ent *e, size_t n)
{
	size_t i, o = 0;
	int k;

	for (k = 0; k < 4; k++)
		out[o++] = (uint8_t)(2u >> (8 * k));
	for (i = 0; i < n; i++) {
		out[o++] = (uint8_t)e[i].tag;
		out[o++] = (uint8_t)(e[i].tag >> 8);
		out[o++] = (uint8_t)e[i].perm;
		out[o++] = (uint8_t)(e[i].perm >> 8);
		for (k = 0; k < 4; k++)
			out[o++] = (uint8_t)(e[i].id >> (8 * k));
	}
	return o;
}

static void
acls_init(void)
{
	static const struct acl_ent acc[] = {
		{ 0x01, 6, ACL_UNDEF }, { 0x02, 4, 1000 },
		{ 0x04, 4, ACL_UNDEF }, { 0x10, 4, ACL_UNDEF },
		{ 0x20, 0, ACL_UNDEF },
	};
	static const struct acl_ent def[] = {
		{ 0x01, 7, ACL_UNDEF }, { 0x02, 5, 1000 },
		{ 0x04, 5, ACL_UNDEF }, { 0x10, 5, ACL_UNDEF },
		{ 0x20, 5, ACL_UNDEF },
	};

	acl_access_len = acl_build(acl_access, acc, 5);
	acl_default_len = acl_build(acl_default, def, 5);
}

/* Create ${name} in the source holding ${len} bytes; returns an fd. */
static int
mkfile(const char *name, const void *p, size_t len, mode_t mode)
{
	int fd;

	fd = openat(sfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if ((len > 0 && write(fd, p, len) != (ssize_t)len) ||
	    fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
mkdir_mode(const char *name, mode_t mode)
{
	return mkdirat(sfd, name, 0700) == 0 &&
	    fchmodat(sfd, name, mode, 0) == 0;
}

static void
make_file(void)
{
	int fd;

	if ((fd = mkfile("file", "hello\n", 6, 0644)) == -1)
		return;
	ents[E_FILE].made = fsetxattr(fd, "user.comment", "v1", 2, 0) == 0;
	T(ents[E_FILE].made, "fixture: file with user.comment");
	acl_ok = fsetxattr(fd, "system.posix_acl_access", acl_access,
	    acl_access_len, 0) == 0;
	if (!acl_ok)
		SKIP("POSIX ACLs not settable here: %s", strerror(errno));
	if (root) {
		T(fsetxattr(fd, "trusted.tacit", "T", 1, 0) == 0,
		    "fixture: trusted.tacit");
		sec_ok = fsetxattr(fd, "security.tacit-test", "S", 1, 0) == 0;
		if (!sec_ok)
			SKIP("security.tacit-test refused (LSM?): %s",
			    strerror(errno));
	} else {
		SKIP("trusted.* and security.* xattrs need root");
	}
	close(fd);
}

static void
make_dirs(void)
{
	int fd;

	if (mkdir_mode("dacl", 0755) &&
	    (fd = openat(sfd, "dacl", O_RDONLY | O_DIRECTORY)) != -1) {
		ents[E_DACL].made = !acl_ok || fsetxattr(fd,
		    "system.posix_acl_default", acl_default, acl_default_len,
		    0) == 0;
		close(fd);
	}
	T(ents[E_DACL].made, "fixture: dir with default ACL");
	ents[E_SGID].made = mkdir_mode("sgid", 02755);
	ents[E_STICKY].made = mkdir_mode("sticky", 01777);
	T(ents[E_SGID].made && ents[E_STICKY].made,
	    "fixture: setgid and sticky dirs");
}

static void
make_files(void)
{
	int fd;

	if ((fd = mkfile("suid", "#!/bin/sh\n", 10, 04755)) != -1) {
		ents[E_SUID].made = 1;
		close(fd);
	}
	if ((fd = mkfile(odd_name, "odd\n", 4, 0600)) != -1) {
		ents[E_ODD].made = 1;
		close(fd);
	}
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	if ((fd = mkfile("big", "b", 1, 0644)) != -1) {
		ents[E_BIG].made = fsetxattr(fd, "user.big", big, sizeof(big),
		    0) == 0;
		close(fd);
	}
	if ((fd = mkfile("empty", NULL, 0, 0644)) != -1) {
		ents[E_EMPTY].made = 1;
		close(fd);
	}
	if ((fd = mkfile("holes", NULL, 0, 0644)) != -1) {
		ents[E_HOLES].made = ftruncate(fd, MIB) == 0;
		close(fd);
	}
	T(ents[E_SUID].made && ents[E_ODD].made && ents[E_BIG].made &&
	    ents[E_EMPTY].made && ents[E_HOLES].made,
	    "fixture: setuid, odd name, big xattr, empty, all-hole files");
}

static void
make_sparse(void)
{
	uint8_t buf[4096];
	int fd;

	memset(buf, 'S', sizeof(buf));
	if ((fd = mkfile("sparse", NULL, 0, 0644)) == -1)
		return;
	ents[E_SPARSE].made = pwrite(fd, buf, sizeof(buf), 0) == 4096 &&
	    pwrite(fd, buf, sizeof(buf), 10 * MIB) == 4096 &&
	    ftruncate(fd, 20 * MIB) == 0 && fsync(fd) == 0;
	close(fd);
	T(ents[E_SPARSE].made, "fixture: sparse file");
}

static void
make_specials(void)
{
	char path[PATH_MAX + 16];
	int fd;

	ents[E_LINK].made = symlinkat(link_target, sfd, "link") == 0;
	ents[E_FIFO].made = mkfifoat(sfd, "fifo", 0640) == 0 &&
	    fchmodat(sfd, "fifo", 0640, 0) == 0;
	T(ents[E_LINK].made && ents[E_FIFO].made, "fixture: symlink, FIFO");
	if (!root) {
		SKIP("char device, 1234:5678 owner, symlink xattr need root");
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/link", srcdir);
	T(lsetxattr(path, "trusted.ln", "L", 1, 0) == 0,
	    "fixture: trusted.ln on the symlink itself");
	ents[E_CHR].made = mknodat(sfd, "null", S_IFCHR | 0666,
	    makedev(1, 3)) == 0 && fchmodat(sfd, "null", 0666, 0) == 0;
	if ((fd = mkfile("owned", "o", 1, 0640)) != -1) {
		ents[E_OWNED].made = fchown(fd, 1234, 5678) == 0;
		close(fd);
	}
	T(ents[E_CHR].made && ents[E_OWNED].made,
	    "fixture: char device 1,3 and a file of 1234:5678");
}

/* Same known times on every entry, nanoseconds included; last. */
static void
set_times(void)
{
	struct timespec ts[2] = {
		{ 1000000000, 0 }, { MTIME_SEC, MTIME_NSEC }
	};
	int i, ok = 1;

	for (i = 0; i < E__MAX; i++)
		if (ents[i].made && utimensat(sfd, ents[i].name, ts,
		    AT_SYMLINK_NOFOLLOW) != 0)
			ok = 0;
	T(ok, "fixture: mtime %d.%09d on every entry", MTIME_SEC, MTIME_NSEC);
}

/* lstat ${name} in ${dirfd}, open it if it is a file or dir, meta_read. */
static int
read_node(int dirfd, const char *name, struct node *n)
{
	struct stat st;
	int fd = -1, r, saved;

	memset(n, 0, sizeof(*n));
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOATIME | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1)
			return -1;
	}
	r = meta_read(dirfd, (const uint8_t *)name, strlen(name), fd, &st, n);
	saved = errno;
	if (fd != -1)
		close(fd);
	errno = saved;
	return r;
}

static const struct xattr *
xget(const struct node *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->nxattrs; i++)
		if (strcmp(n->xattrs[i].name, name) == 0)
			return &n->xattrs[i];
	return NULL;
}

static int
xis(const struct node *n, const char *name, const void *v, size_t len)
{
	const struct xattr *x = xget(n, name);

	return x != NULL && x->len == len && memcmp(x->value, v, len) == 0;
}

static int
sorted(const struct node *n)
{
	size_t i;

	for (i = 1; i < n->nxattrs; i++)
		if (strcmp(n->xattrs[i - 1].name, n->xattrs[i].name) >= 0)
			return 0;
	return 1;
}

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

#define DIFF(what) do {							\
	printf("# %s differs\n", what);					\
	return 0;							\
} while (0)

/* Everything but ctime, dev, ino (and chunks/subtree/link_id: unset). */
static int
same_meta(const struct node *a, const struct node *b)
{
	size_t i;

	if (a->type != b->type || a->flags != b->flags)
		DIFF("type/flags");
	if (!bytes_eq(a->name, a->namelen, b->name, b->namelen))
		DIFF("name");
	if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid)
		DIFF("mode/uid/gid");
	if (!str_eq(a->user, b->user) || !str_eq(a->group, b->group))
		DIFF("user/group");
	if (a->size != b->size || a->nlink != b->nlink || a->rdev != b->rdev)
		DIFF("size/nlink/rdev");
	if (a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec)
		DIFF("mtime");
	if (!bytes_eq(a->target, a->targetlen, b->target, b->targetlen))
		DIFF("target");
	if (a->nxattrs != b->nxattrs)
		DIFF("number of xattrs");
	for (i = 0; i < a->nxattrs; i++)
		if (strcmp(a->xattrs[i].name, b->xattrs[i].name) != 0 ||
		    !bytes_eq(a->xattrs[i].value, a->xattrs[i].len,
		    b->xattrs[i].value, b->xattrs[i].len))
			DIFF(a->xattrs[i].name);
	if (a->nextents != b->nextents)
		DIFF("number of extents");
	for (i = 0; i < a->nextents; i++)
		if (a->extents[i].off != b->extents[i].off ||
		    a->extents[i].len != b->extents[i].len)
			DIFF("extent");
	return 1;
}

static void
check_file(const struct node *n)
{
	T(n->type == NODE_FILE && n->size == 6 && n->nlink == 1,
	    "file: type, size, nlink");
	T(bytes_eq(n->name, n->namelen, (const uint8_t *)"file", 4),
	    "file: name");
	T(n->mtime_sec == MTIME_SEC && n->mtime_nsec == MTIME_NSEC,
	    "file: mtime with nanoseconds");
	T(n->ctime_sec > 0, "file: ctime filled");
	T(xis(n, "user.comment", "v1", 2), "file: user.comment = v1");
	T(sorted(n), "file: xattrs sorted by name");
	T(n->nextents == 1 && n->extents[0].off == 0 &&
	    n->extents[0].len == 6, "file: one extent {0, 6}");
	if (acl_ok) {
		T(n->mode == 0640, "file: mode 0640 (ACL mask as group bits)");
		T(xis(n, "system.posix_acl_access", acl_access,
		    acl_access_len), "file: raw system.posix_acl_access");
	} else
		SKIP("no ACLs: file ACL checks");
	if (root) {
		T(xis(n, "trusted.tacit", "T", 1), "file: trusted.tacit");
		T(str_eq(n->user, "root") && str_eq(n->group, "root"),
		    "file: uid 0 is user root, gid 0 group root");
	} else
		SKIP("trusted.* and the name of uid 0 need root");
	if (sec_ok)
		T(xis(n, "security.tacit-test", "S", 1),
		    "file: security.tacit-test");
	else
		SKIP("security.tacit-test not settable");
}

static void
check_dirs(void)
{
	const struct node *d = &ents[E_DACL].n;

	T(d->type == NODE_DIR && d->mode == 0755 && d->nlink == 2,
	    "dir: type, mode 0755, nlink 2");
	if (acl_ok)
		T(xis(d, "system.posix_acl_default", acl_default,
		    acl_default_len) && d->nxattrs == 1,
		    "dir: raw system.posix_acl_default");
	else
		SKIP("no ACLs: default ACL check");
	T(ents[E_SGID].n.type == NODE_DIR && ents[E_SGID].n.mode == 02755,
	    "setgid dir: mode 02755");
	T(ents[E_STICKY].n.mode == 01777, "sticky dir: mode 01777");
	T(ents[E_SUID].n.type == NODE_FILE && ents[E_SUID].n.mode == 04755,
	    "setuid file: mode 04755");
}

static void
check_specials(void)
{
	const struct node *l = &ents[E_LINK].n, *f = &ents[E_FIFO].n;
	const struct node *c = &ents[E_CHR].n, *o = &ents[E_OWNED].n;

	T(l->type == NODE_SYMLINK && bytes_eq(l->target, l->targetlen,
	    (const uint8_t *)link_target, sizeof(link_target) - 1),
	    "symlink: raw target bytes (bad UTF-8, newline)");
	T(l->nextents == 0 && l->size == sizeof(link_target) - 1,
	    "symlink: size is the target length, no extents");
	T(f->type == NODE_FIFO && f->mode == 0640 && f->rdev == 0,
	    "FIFO: type, mode 0640");
	if (!root) {
		SKIP("char device, owner, symlink xattr need root");
		return;
	}
	T(xis(l, "trusted.ln", "L", 1) && l->nxattrs == 1,
	    "symlink: its own xattr, not the target's");
	T(c->type == NODE_CHR && c->rdev == makedev(1, 3) && c->mode == 0666,
	    "char device: type, rdev 1,3, mode 0666");
	T(o->uid == 1234 && o->gid == 5678, "owned: uid 1234, gid 5678");
}

static void
check_extents(void)
{
	const struct node *s = &ents[E_SPARSE].n;
	const struct extent *e = s->extents;

	T(s->size == 20 * MIB, "sparse: size 20 MiB");
	T(s->nextents == 2, "sparse: two data extents (got %zu)",
	    s->nextents);
	if (s->nextents == 2) {
		T(e[0].off == 0 && e[0].len >= 4096 && e[0].len < 10 * MIB,
		    "sparse: first extent at 0");
		T(e[1].off <= 10 * MIB && e[1].off > e[0].len &&
		    e[1].off + e[1].len >= 10 * MIB + 4096 &&
		    e[1].off + e[1].len <= 20 * MIB,
		    "sparse: second extent covers 10 MiB");
	}
	T(ents[E_EMPTY].n.nextents == 0, "empty file: no extents");
	T(ents[E_HOLES].n.nextents == 0 && ents[E_HOLES].n.size == MIB,
	    "all-hole file: size 1 MiB, no extents");
	T(bytes_eq(ents[E_ODD].n.name, ents[E_ODD].n.namelen,
	    (const uint8_t *)odd_name, sizeof(odd_name) - 1),
	    "odd name: raw bytes kept");
	T(xis(&ents[E_BIG].n, "user.big", big, sizeof(big)),
	    "big: 2000-byte user.big read whole");
}

/* Copy the data extents of ${name} from the source to ${fd}. */
static int
copy_data(const char *name, const struct node *n, int fd)
{
	static uint8_t buf[65536];
	uint64_t off, end, k;
	size_t i;
	int in, ok = 1;

	if ((in = openat(sfd, name, O_RDONLY | O_NOFOLLOW)) == -1)
		return 0;
	for (i = 0; i < n->nextents && ok; i++) {
		end = n->extents[i].off + n->extents[i].len;
		for (off = n->extents[i].off; off < end && ok; off += k) {
			k = end - off < sizeof(buf) ? end - off : sizeof(buf);
			ok = pread(in, buf, k, (off_t)off) == (ssize_t)k &&
			    pwrite(fd, buf, k, (off_t)off) == (ssize_t)k;
		}
	}
	close(in);
	return ok && ftruncate(fd, (off_t)n->size) == 0;
}

/* Restore ${e} into the destination; 0 or -1. */
static int
restore(const struct ent *e, int flags, struct meta_fail *nfailed)
{
	const struct node *n = &e->n;
	int fd = -1, r = -1;

	switch (n->type) {
	case NODE_FILE:
		fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
		if (fd != -1 && copy_data(e->name, n, fd))
			r = meta_apply(fd, n, flags, nfailed);
		break;
	case NODE_DIR:
		if (mkdirat(dfd, e->name, 0700) == 0 && (fd = openat(dfd,
		    e->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
			r = meta_apply(fd, n, flags, nfailed);
		break;
	default:
		if (meta_make_special(dfd, e->name, n) == 0)
			r = meta_apply_at(dfd, e->name, n, flags, nfailed);
		break;
	}
	if (fd != -1)
		close(fd);
	return r;
}

static void
check_roundtrip(void)
{
	struct meta_fail nf;
	struct node m;
	int i, r, flags = root ? META_OWNER : 0;

	for (i = 0; i < E__MAX; i++) {
		if (!ents[i].read)
			continue;
		nf.n = 99;
		r = restore(&ents[i], flags, &nf);
		T(r == 0 && nf.n == 0, "apply %s (errno %d, %zu failed: %s)",
		    ents[i].label, r == 0 ? 0 : errno, nf.n, nf.text);
		T(read_node(dfd, ents[i].name, &m) == 0 &&
		    same_meta(&ents[i].n, &m), "%s: read back the same",
		    ents[i].label);
		node_free_fields(&m);
	}
}

/* Set-id bits are dropped when the owner is not the stored one. */
static void
check_setid_guard(void)
{
	struct node n = ents[E_SUID].n, m;
	int fd;

	n.uid = 4321;
	fd = openat(dfd, "suid-guard", O_WRONLY | O_CREAT | O_EXCL, 0600);
	T(fd != -1 && meta_apply(fd, &n, 0, NULL) == 0,
	    "apply setuid node of another uid without META_OWNER");
	if (fd != -1)
		close(fd);
	T(read_node(dfd, "suid-guard", &m) == 0 && m.mode == 0755,
	    "setuid bit dropped: the file is not 4321's (mode %o)", m.mode);
	node_free_fields(&m);
}

static void
check_apply_errors(void)
{
	struct node n = ents[E_EMPTY].n, m;
	struct xattr bad[2] = {
		{ (char *)(uintptr_t)"bogus.ns", (uint8_t *)(uintptr_t)"x", 1 },
		{ (char *)(uintptr_t)"user.ok", (uint8_t *)(uintptr_t)"y", 1 },
	};
	struct meta_fail nf;
	int fd, r;

	n.xattrs = bad;
	n.nxattrs = 2;
	n.mode = 0604;
	fd = openat(dfd, "xfail", O_WRONLY | O_CREAT | O_EXCL, 0600);
	r = meta_apply(fd, &n, 0, &nf);
	T(r == 0 && nf.n == 1 && nf.shown == 1 &&
	    strstr(nf.text, "xattr bogus.ns: ") == nf.text,
	    "unsettable xattr counted and named, not fatal (%s)", nf.text);
	{
		/* Many failures: counted all, described while they fit. */
		struct xattr many[40];
		struct node k = n;
		size_t i;

		for (i = 0; i < 40; i++)
			many[i] = bad[0];
		k.xattrs = many;
		k.nxattrs = 40;
		r = meta_apply(fd, &k, 0, &nf);
		T(r == 0 && nf.n == 40 && nf.shown > 0 && nf.shown < 40 &&
		    strlen(nf.text) < sizeof(nf.text),
		    "40 unsettable xattrs: all counted, %zu described", nf.shown);
	}
	errno = 0;
	r = meta_apply(fd, &n, 0, NULL);
	T(r == -1 && errno == EOPNOTSUPP,
	    "unsettable xattr without nfailed: -1/EOPNOTSUPP");
	T(read_node(dfd, "xfail", &m) == 0 && m.mode == 0604 &&
	    xis(&m, "user.ok", "y", 1) && m.mtime_nsec == MTIME_NSEC,
	    "the rest was applied: mode, other xattr, mtime");
	node_free_fields(&m);
	n = ents[E_DACL].n;
	errno = 0;
	T(meta_apply(fd, &n, 0, NULL) == -1 && errno == EINVAL,
	    "dir node on a file: EINVAL");
	n = ents[E_EMPTY].n;
	n.mtime_nsec = 1000000000u;
	errno = 0;
	T(meta_apply(fd, &n, 0, NULL) == -1 && errno == EINVAL,
	    "nanoseconds >= 1e9: EINVAL");
	close(fd);
	errno = 0;
	T(meta_apply_at(dfd, "link", &ents[E_FIFO].n, 0, NULL) == -1 &&
	    errno == EINVAL, "apply_at FIFO node on a symlink: EINVAL");
}

static void
check_make_special(void)
{
	struct stat st;
	char buf[64];
	ssize_t len;
	int i, ok = 1;
	static const int kinds[] = { E_FIFO, E_LINK, E_CHR };

	T(symlinkat("elsewhere", dfd, "occ") == 0, "dangling symlink occ");
	for (i = 0; i < 3; i++) {
		if (!ents[kinds[i]].read)
			continue;
		errno = 0;
		if (meta_make_special(dfd, "occ", &ents[kinds[i]].n) != -1 ||
		    errno != EEXIST)
			ok = 0;
	}
	T(ok, "make_special on an existing symlink: EEXIST");
	len = readlinkat(dfd, "occ", buf, sizeof(buf));
	T(len == 9 && memcmp(buf, "elsewhere", 9) == 0 &&
	    fstatat(dfd, "elsewhere", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT, "occ untouched, its target not created");
	errno = 0;
	T(meta_make_special(dfd, "../x", &ents[E_FIFO].n) == -1 &&
	    errno == EINVAL, "make_special: bad name EINVAL");
	errno = 0;
	T(meta_make_special(dfd, "x", &ents[E_FILE].n) == -1 &&
	    errno == EINVAL, "make_special: file node EINVAL");
}

static void
check_socket(void)
{
	struct sockaddr_un sun;
	struct node n;
	struct stat st;
	int s, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock",
	    srcdir) >= sizeof(sun.sun_path)) {
		SKIP("scratch path too long for a socket");
		return;
	}
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	T(s != -1 && bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    fstatat(sfd, "sock", &st, AT_SYMLINK_NOFOLLOW) == 0,
	    "fixture: bound AF_UNIX socket");
	errno = 0;
	r = meta_read(sfd, (const uint8_t *)"sock", 4, -1, &st, &n);
	T(r == -1 && errno == ENOTSUP && n.name == NULL,
	    "socket: -1/ENOTSUP, node left empty");
	if (s != -1)
		close(s);
}

static void
check_atime(void)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { MTIME_SEC, 0 } };
	struct stat st, after;
	struct node n;
	int fd;

	fd = mkfile("atime", "some content\n", 13, 0644);
	T(fd != -1 && utimensat(sfd, "atime", ts, 0) == 0,
	    "fixture: file with atime 2001");
	if (fd != -1)
		close(fd);
	fd = openat(sfd, "atime", O_RDONLY | O_NOATIME);
	T(fd != -1 && fstat(fd, &st) == 0 &&
	    meta_read(sfd, (const uint8_t *)"atime", 5, fd, &st, &n) == 0,
	    "meta_read through an O_NOATIME fd");
	node_free_fields(&n);
	T(fstatat(sfd, "atime", &after, 0) == 0 &&
	    after.st_atim.tv_sec == 1000000000 &&
	    after.st_atim.tv_nsec == 0, "atime unchanged");
	errno = 0;
	/* The fd of "atime" with the lstat of "file": replaced meanwhile. */
	T(fstatat(sfd, "file", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    meta_read(sfd, (const uint8_t *)"file", 4, fd, &st, &n) == -1 &&
	    errno == ESTALE, "fd of another inode: ESTALE");
	if (fd != -1)
		close(fd);
	errno = 0;
	T(meta_read(sfd, (const uint8_t *)"..", 2, -1, &st, &n) == -1 &&
	    errno == EINVAL, "name \"..\": EINVAL");
	errno = 0;
	T(meta_read(sfd, (const uint8_t *)"a/b", 3, -1, &st, &n) == -1 &&
	    errno == EINVAL, "name with a slash: EINVAL");
}

static void
check_names_cache(void)
{
	struct node n;

	if (!root) {
		SKIP("name of uid 0 after a cache reset needs root");
		return;
	}
	meta_names_reset();
	T(read_node(sfd, "file", &n) == 0 && str_eq(n.user, "root") &&
	    str_eq(n.group, "root"), "user name after meta_names_reset");
	node_free_fields(&n);
	T(read_node(sfd, "owned", &n) == 0 && n.uid == 1234,
	    "unknown uid 1234 (user %s)", n.user ? n.user : "(none)");
	node_free_fields(&n);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Scratch under $TESTTMP, or ./build/testtmp-meta; never /tmp. */
static int
scratch(void)
{
	const char *base = getenv("TESTTMP");
	char dst[PATH_MAX + 8];

	if (base == NULL || *base == '\0') {
		base = "build/testtmp-meta";
		(void)mkdir("build", 0755);
		(void)mkdir(base, 0755);
	}
	if ((size_t)snprintf(top, sizeof(top), "%s/meta.XXXXXX", base) >=
	    sizeof(top) || mkdtemp(top) == NULL)
		return -1;
	(void)snprintf(srcdir, sizeof(srcdir), "%s/src", top);
	(void)snprintf(dst, sizeof(dst), "%s/dst", top);
	if (mkdir(srcdir, 0700) != 0 || mkdir(dst, 0700) != 0)
		return -1;
	sfd = open(srcdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return sfd == -1 || dfd == -1 ? -1 : 0;
}

/*
 * The xattrs of a symlink go by name: only in a directory no one else can
 * change (another user could swap a hard link in under the name).
 */
static void
check_shared_dir(void)
{
	struct node n = ents[E_LINK].n;
	struct meta_fail nf;
	char v[16];
	int shared, cwd, r;

	if (!root || !ents[E_LINK].read || n.nxattrs == 0) {
		SKIP("symlink xattrs need root");
		return;
	}
	if (mkdirat(dfd, "shared", 01777) != 0 || fchmodat(dfd, "shared",
	    01777, 0) != 0 || (shared = openat(dfd, "shared", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) < 0) {
		T(0, "fixture: a sticky world-writable directory");
		return;
	}
	T(symlinkat("t", shared, "ln") == 0, "fixture: a symlink in it");
	r = meta_apply_at(shared, "ln", &n, 0, &nf);
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	T(r == 0 && nf.n == n.nxattrs && fchdir(shared) == 0 &&
	    lgetxattr("ln", n.xattrs[0].name, v, sizeof(v)) < 0 &&
	    errno == ENODATA,
	    "symlink in a world-writable directory: its xattrs are not set "
	    "by name (counted as not set)");
	if (cwd >= 0) {
		if (fchdir(cwd) != 0)
			T(0, "back to the working directory");
		(void)close(cwd);
	}
	(void)close(shared);
}

int
main(void)
{
	int i;

	t_init();
	root = geteuid() == 0;
	umask(022);
	if (scratch() != 0) {
		printf("not ok - scratch directory: %s\n", strerror(errno));
		return 1;
	}
	acls_init();
	make_file();
	make_dirs();
	make_files();
	make_sparse();
	make_specials();
	set_times();
	for (i = 0; i < E__MAX; i++) {
		if (!ents[i].made)
			continue;
		ents[i].read = read_node(sfd, ents[i].name, &ents[i].n) == 0;
		T(ents[i].read, "meta_read %s", ents[i].label);
	}
	check_file(&ents[E_FILE].n);
	check_dirs();
	check_specials();
	check_extents();
	check_roundtrip();
	check_setid_guard();
	check_apply_errors();
	check_make_special();
	check_shared_dir();
	check_socket();
	check_atime();
	check_names_cache();
	for (i = 0; i < E__MAX; i++)
		node_free_fields(&ents[i].n);
	meta_names_reset();
	close(sfd);
	close(dfd);
	if (t_failed == 0)
		(void)nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return t_exit();
}
