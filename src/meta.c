/*
 * meta.c: read a file's metadata into a struct node, and put it back.
 *
 * Entries that are not opened normally (symlinks, FIFOs, devices) are
 * reached through an O_PATH | O_NOFOLLOW descriptor whose inode is checked
 * against the expected one.  Reading (backup) then goes through
 * /proc/self/fd/N for the xattr calls that have no descriptor form on
 * O_PATH: the kernel resolves that magic link to the inode itself, never
 * following a symlink there, and unlike "/proc/self/fd/<dirfd>/<name>" it
 * cannot be raced by someone renaming another entry into place between the
 * check and the use.
 *
 * Writing (restore) uses no path at all, because the restore worker has
 * no /proc in its private root and seccomp forbids the path-based calls:
 * a FIFO is opened O_RDONLY | O_NONBLOCK and treated like a file; a
 * symlink or a device node (never opened: it may be a disk) is changed
 * through its O_PATH descriptor with AT_EMPTY_PATH: fchownat, utimensat,
 * fchmodat2 (Linux 6.6); only its xattrs go by name (obj_setxattr).
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"
#include "node.h"
#include "pwfile.h"
#include "sysnr.h"

/* Retries when a name list or value grows between size probe and read. */
#define XATTR_TRIES		8
/* The longest name list the caps allow: every name at its longest. */
#define XATTR_LIST_MAX_BYTES	\
	((size_t)NODE_XATTRS_MAX * (NODE_XATTR_NAME_MAX + 1))

#define NAMES_BUCKETS		256	/* power of two */
#define NAMES_MAX		4096	/* ids cached per table; then no cache */
#define NAMES_BUF_MAX		(1u << 20)	/* getpwuid_r buffer cap */

/*
 * One entry: an ordinary descriptor (f* calls), or an O_PATH descriptor
 * and its /proc/self/fd path.
 */
struct obj {
	int	 fd;
	int	 opath;
	char	 proc[32];
	int	 dirfd;		/* where name is (restore: xattrs of O_PATH) */
	const char *name;
};

struct name_ent {
	uint32_t		 id;
	char			*name;		/* NULL: no such id */
	struct name_ent		*next;
};

struct name_tab {
	struct name_ent		*b[NAMES_BUCKETS];
	size_t			 n;
};

/* uid -> user and gid -> group, so a big tree asks NSS once per id. */
static struct name_tab users, groups;
static pthread_mutex_t names_mtx = PTHREAD_MUTEX_INITIALIZER;

/* Open ${name} in ${dirfd} as an O_PATH object without following it. */
static int
obj_open(int dirfd, const char *name, struct obj *o)
{
	o->opath = 1;
	o->proc[0] = '\0';
	o->dirfd = dirfd;
	o->name = name;
	if (!node_name_ok((const uint8_t *)name, strlen(name))) {
		errno = EINVAL;
		return -1;
	}
	o->fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (o->fd == -1)
		return -1;
	(void)snprintf(o->proc, sizeof(o->proc), "/proc/self/fd/%d", o->fd);
	return 0;
}

static void
obj_close(struct obj *o)
{
	int saved = errno;

	if (o->opath && o->fd != -1)
		(void)close(o->fd);
	o->fd = -1;
	errno = saved;
}

static ssize_t
obj_listxattr(const struct obj *o, char *buf, size_t size)
{
	if (o->opath)
		return listxattr(o->proc, buf, size);
	return flistxattr(o->fd, buf, size);
}

static ssize_t
obj_getxattr(const struct obj *o, const char *name, void *buf, size_t size)
{
	if (o->opath)
		return getxattr(o->proc, name, buf, size);
	return fgetxattr(o->fd, name, buf, size);
}

/*
 * The xattrs of a symlink or device node (an O_PATH object): Linux has
 * no call that takes an O_PATH descriptor for them (setxattrat's
 * AT_EMPTY_PATH wants an open file), and the restore worker has no /proc;
 * so by name, from its directory made the working directory.  That name
 * was checked to be the inode of o->fd a moment before; in the restore
 * worker's private root nothing else a name could reach is writable, and
 * only in a directory no one else can change (byname_dir).
 */
/*
 * Where by name is safe: a directory only we can change (ours, no group
 * or other write bit; the directories a restore makes stay 0700 until the
 * end).  Elsewhere another user could rename a hard link to any of their
 * files (or, without protected_hardlinks, anyone's) over the name between
 * the check and the call, and the xattrs would land on it: EPERM, and the
 * caller counts an attribute not set.
 */
static int
byname_dir(const struct obj *o)
{
	struct stat st;

	if (fstat(o->dirfd, &st) != 0)
		return -1;
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		errno = EPERM;
		return -1;
	}
	return fchdir(o->dirfd);
}

static int
obj_setxattr(const struct obj *o, const char *name, const void *v, size_t len)
{
	if (!o->opath)
		return fsetxattr(o->fd, name, v, len, 0);
	if (byname_dir(o) != 0)
		return -1;
	return lsetxattr(o->name, name, v, len, 0);
}

static int
obj_removexattr(const struct obj *o, const char *name)
{
	if (!o->opath)
		return fremovexattr(o->fd, name);
	if (byname_dir(o) != 0)
		return -1;
	return lremovexattr(o->name, name);
}

static int
obj_chown(const struct obj *o, uid_t uid, gid_t gid)
{
	if (o->opath)
		return fchownat(o->fd, "", uid, gid,
		    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	return fchown(o->fd, uid, gid);
}

/*
 * A device node's mode: fchmodat2 on its O_PATH descriptor.  Before Linux
 * 6.6 there is none; the node was made with its permission bits
 * (meta_make_special), so only set-id bits or an ACL mask could differ.
 */
static int
obj_chmod(const struct obj *o, mode_t mode)
{
	struct stat st;

	if (!o->opath)
		return fchmod(o->fd, mode);
	if (syscall(__NR_fchmodat2, o->fd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == ENOSYS && fstat(o->fd, &st) == 0 &&
	    (st.st_mode & 07777) == mode)
		return 0;
	return -1;
}

/* utimensat with AT_EMPTY_PATH on an O_PATH descriptor: Linux >= 5.8. */
static int
obj_utimens(const struct obj *o, const struct timespec ts[2])
{
	if (o->opath)
		return utimensat(o->fd, "", ts, AT_EMPTY_PATH);
	return futimens(o->fd, ts);
}

/* The node type of ${mode}; sockets and anything unknown: ENOTSUP. */
static int
type_of(mode_t mode, uint8_t *type)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		*type = NODE_FILE;
		return 0;
	case S_IFDIR:
		*type = NODE_DIR;
		return 0;
	case S_IFLNK:
		*type = NODE_SYMLINK;
		return 0;
	case S_IFIFO:
		*type = NODE_FIFO;
		return 0;
	case S_IFCHR:
		*type = NODE_CHR;
		return 0;
	case S_IFBLK:
		*type = NODE_BLK;
		return 0;
	default:
		errno = ENOTSUP;
		return -1;
	}
}

static int
type_is(uint8_t type, mode_t mode)
{
	uint8_t t;

	return type_of(mode, &t) == 0 && t == type;
}

/* 1 if ${fd} is still the inode ${st} describes, else 0 with ESTALE. */
static int
same_inode(int fd, const struct stat *st)
{
	struct stat cur;

	if (fstat(fd, &cur) != 0)
		return 0;
	if (cur.st_dev != st->st_dev || cur.st_ino != st->st_ino ||
	    (cur.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		errno = ESTALE;
		return 0;
	}
	return 1;
}

#ifdef TACIT_STATIC
/*
 * The name of user (or group) ${id}, from /etc/passwd (/etc/group): the
 * static binary has no NSS (pwfile.h).  Returns 1 with *namep (NULL if
 * there is no such id, or no file: as NSS with "files" only), 0 after a
 * transient failure.
 */
static int
name_lookup(int group, uint32_t id, char **namep)
{
	char nm[NODE_USER_MAX];
	int e;

	*namep = NULL;
	e = pwfile_name(group ? PWFILE_GROUP : PWFILE_PASSWD, id, nm,
	    sizeof(nm));
	if (e < 0)
		return errno == ENOENT || errno == EACCES;
	if (e == 0 || nm[0] == '\0')
		return 1;
	return (*namep = strdup(nm)) != NULL;
}
#else
/*
 * Ask NSS for the name of user (or group) ${id}.  Returns 1 with *namep
 * (NULL if there is no such id) when the answer may be cached, 0 with
 * *namep NULL after a transient failure (I/O, memory, huge entry).
 */
static int
name_lookup(int group, uint32_t id, char **namep)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	const char *s;
	char *buf = NULL, *p;
	size_t size = 1024;
	int e, r = 0;

	*namep = NULL;
	for (;;) {
		if ((p = realloc(buf, size)) == NULL)
			goto out;
		buf = p;
		if (group)
			e = getgrgid_r(id, &gr, buf, size, &grp);
		else
			e = getpwuid_r(id, &pw, buf, size, &pwp);
		if (e != ERANGE || size >= NAMES_BUF_MAX)
			break;
		size *= 2;
	}
	s = group ? (grp != NULL ? grp->gr_name : NULL) :
	    (pwp != NULL ? pwp->pw_name : NULL);
	if (s == NULL) {
		/* getpwuid_r(3): these all mean "no such id". */
		r = e == 0 || e == ENOENT || e == ESRCH || e == EBADF ||
		    e == EPERM;
		goto out;
	}
	/* A name too long to store is unknown rather than cut. */
	if (s[0] == '\0' || strlen(s) >= NODE_USER_MAX) {
		r = 1;
		goto out;
	}
	if ((*namep = strdup(s)) != NULL)
		r = 1;
out:
	free(buf);
	return r;
}

#endif

/* *namep = a new copy of the name of ${id}, NULL if unknown.  0/ENOMEM. */
static int
name_get(int group, uint32_t id, char **namep)
{
	struct name_tab *t = group ? &groups : &users;
	struct name_ent *e;
	char *name = NULL;
	uint32_t h = (uint32_t)(id * 2654435761u) >> 24;	/* 256 */
	int r = -1;

	*namep = NULL;
	(void)pthread_mutex_lock(&names_mtx);
	for (e = t->b[h]; e != NULL; e = e->next)
		if (e->id == id)
			break;
	if (e == NULL) {
		if (name_lookup(group, id, &name) && t->n < NAMES_MAX &&
		    (e = malloc(sizeof(*e))) != NULL) {
			e->id = id;
			e->name = name;
			e->next = t->b[h];
			t->b[h] = e;
			t->n++;
			name = NULL;
		}
	}
	if (e != NULL && e->name != NULL) {
		if ((*namep = strdup(e->name)) == NULL)
			goto out;
	} else {
		*namep = name;
		name = NULL;
	}
	r = 0;
out:
	(void)pthread_mutex_unlock(&names_mtx);
	free(name);
	return r;
}

static void
name_tab_clear(struct name_tab *t)
{
	struct name_ent *e, *next;
	size_t i;

	for (i = 0; i < NAMES_BUCKETS; i++) {
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e->name);
			free(e);
		}
		t->b[i] = NULL;
	}
	t->n = 0;
}

void
meta_names_reset(void)
{
	(void)pthread_mutex_lock(&names_mtx);
	name_tab_clear(&users);
	name_tab_clear(&groups);
	(void)pthread_mutex_unlock(&names_mtx);
}

/* Copy what lstat says into ${n}. */
void
meta_stat_fill(struct node *n, const struct stat *st)
{
	n->mode = (uint32_t)(st->st_mode & 07777);
	n->uid = (uint32_t)st->st_uid;
	n->gid = (uint32_t)st->st_gid;
	n->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
	n->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	n->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	n->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	n->ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
	n->dev = (uint64_t)st->st_dev;
	n->ino = (uint64_t)st->st_ino;
	n->nlink = st->st_nlink > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)st->st_nlink;
	if (n->type == NODE_CHR || n->type == NODE_BLK)
		n->rdev = (uint64_t)st->st_rdev;
}

/* The raw target of the symlink open at O_PATH descriptor ${fd}. */
static int
target_read(int fd, struct node *n)
{
	char buf[NODE_TARGET_MAX + 1];
	ssize_t len;

	if ((len = readlinkat(fd, "", buf, sizeof(buf))) == -1)
		return -1;
	if ((size_t)len > NODE_TARGET_MAX) {
		errno = E2BIG;
		return -1;
	}
	if ((n->target = malloc(len > 0 ? (size_t)len : 1)) == NULL)
		return -1;
	memcpy(n->target, buf, (size_t)len);
	n->targetlen = (size_t)len;
	return 0;
}

/*
 * The NUL-separated xattr names of ${o} in new memory *${listp} (NULL and
 * length 0 when there are none, or the file system has no xattrs).
 */
static int
xattr_list(const struct obj *o, char **listp, size_t *lenp)
{
	char *list = NULL;
	ssize_t len, got = -1;
	int tries, r = -1;

	*listp = NULL;
	*lenp = 0;
	for (tries = 0; tries < XATTR_TRIES && got == -1; tries++) {
		if ((len = obj_listxattr(o, NULL, 0)) == -1) {
			if (errno == ENOTSUP)
				r = 0;
			goto out;
		}
		if (len == 0) {
			r = 0;
			goto out;
		}
		if ((size_t)len > XATTR_LIST_MAX_BYTES) {
			errno = E2BIG;
			goto out;
		}
		free(list);
		if ((list = malloc((size_t)len)) == NULL)
			goto out;
		if ((got = obj_listxattr(o, list, (size_t)len)) == -1 &&
		    errno != ERANGE)
			goto out;
	}
	if (got == -1)
		goto out;			/* ERANGE: it kept growing */
	if (got > 0 && list[got - 1] != '\0') {
		errno = EIO;			/* the kernel's promise broken */
		goto out;
	}
	*listp = list;
	*lenp = (size_t)got;
	list = NULL;
	r = 0;
out:
	free(list);
	return r;
}

/*
 * The value of xattr ${name} of ${o} in new memory.  Returns 1, 0 if the
 * attribute went away since it was listed, or -1.
 */
static int
xattr_value(const struct obj *o, const char *name, uint8_t **vp, size_t *lenp)
{
	uint8_t *v = NULL;
	ssize_t len, got = -1;
	int tries, r = -1;

	for (tries = 0; tries < XATTR_TRIES && got == -1; tries++) {
		if ((len = obj_getxattr(o, name, NULL, 0)) == -1) {
			if (errno == ENODATA)
				r = 0;
			goto out;
		}
		if ((size_t)len > NODE_XATTR_VALUE_MAX) {
			errno = E2BIG;
			goto out;
		}
		free(v);
		if ((v = malloc(len > 0 ? (size_t)len : 1)) == NULL)
			goto out;
		if ((got = obj_getxattr(o, name, v, (size_t)len)) == -1 &&
		    errno != ERANGE) {
			if (errno == ENODATA)
				r = 0;
			goto out;
		}
	}
	if (got == -1)
		goto out;
	*vp = v;
	*lenp = (size_t)got;
	v = NULL;
	r = 1;
out:
	free(v);
	return r;
}

static int
xattr_cmp(const void *a, const void *b)
{
	const struct xattr *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Every xattr of ${o}, raw, sorted by name, into ${n}. */
static int
xattrs_read(const struct obj *o, struct node *n)
{
	struct xattr *x;
	char *list = NULL, *p;
	size_t len, count = 0, nl, i;
	int got, r = -1;

	if (xattr_list(o, &list, &len) != 0)
		goto out;
	for (p = list; p < list + len; p += strlen(p) + 1)
		count++;
	if (count > NODE_XATTRS_MAX) {
		errno = E2BIG;
		goto out;
	}
	if (count > 0 && (n->xattrs = calloc(count, sizeof(*x))) == NULL)
		goto out;
	for (p = list; p < list + len; p += nl + 1) {
		if ((nl = strlen(p)) == 0 || nl > NODE_XATTR_NAME_MAX) {
			errno = nl == 0 ? EIO : E2BIG;
			goto out;
		}
		x = &n->xattrs[n->nxattrs];
		if ((got = xattr_value(o, p, &x->value, &x->len)) == -1)
			goto out;
		if (got == 0)
			continue;		/* removed since listed */
		n->nxattrs++;
		if ((x->name = strdup(p)) == NULL)
			goto out;
	}
	if (n->nxattrs > 1)
		qsort(n->xattrs, n->nxattrs, sizeof(*x), xattr_cmp);
	/* Names are unique: the tree encoder relies on strict order. */
	for (i = 1; i < n->nxattrs; i++) {
		if (strcmp(n->xattrs[i - 1].name, n->xattrs[i].name) == 0) {
			errno = EIO;
			goto out;
		}
	}
	r = 0;
out:
	free(list);
	return r;
}

static int
extent_add(struct node *n, size_t *cap, uint64_t off, uint64_t len)
{
	struct extent *e;
	size_t ncap;

	if (n->nextents == *cap) {
		ncap = *cap == 0 ? 4 : *cap * 2;
		if (ncap > META_EXTENTS_MAX)
			ncap = META_EXTENTS_MAX;
		if ((e = reallocarray(n->extents, ncap, sizeof(*e))) == NULL)
			return -1;
		n->extents = e;
		*cap = ncap;
	}
	n->extents[n->nextents].off = off;
	n->extents[n->nextents].len = len;
	n->nextents++;
	return 0;
}

/*
 * The data extents of the regular file at ${fd}, up to the lstat size
 * (the reader copes with a file that changes meanwhile).  The file
 * offset is put back, so the caller may read the content next.  A file
 * whose blocks ${st} cover its size has no hole worth keeping (cp's
 * test): one extent, without the four lseek calls that ask the file
 * system (a hole in a file with space allocated past its end is then
 * stored as zeros, which read the same).
 */
static int
extents_read(int fd, const struct stat *st, struct node *n)
{
	off_t size = (off_t)n->size, save, off = 0, data, hole;
	size_t cap = 0;
	int r = -1, saved;

	if (size == 0)
		return 0;
	if (st->st_blocks >= 0 && (uint64_t)st->st_blocks >=
	    ((uint64_t)size + 511) / 512)
		return extent_add(n, &cap, 0, (uint64_t)size);
	if ((save = lseek(fd, 0, SEEK_CUR)) == -1)
		return -1;
	while (off < size) {
		if ((data = lseek(fd, off, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;		/* a hole up to the end */
			if (errno != EINVAL || off != 0)
				goto out;
			data = 0;		/* no SEEK_DATA here: all data */
			hole = size;
		} else if ((hole = lseek(fd, data, SEEK_HOLE)) == -1)
			goto out;
		if (data >= size)
			break;
		if (hole > size || n->nextents == META_EXTENTS_MAX - 1)
			hole = size;
		if (hole <= data) {
			errno = EIO;		/* would loop forever */
			goto out;
		}
		if (extent_add(n, &cap, (uint64_t)data,
		    (uint64_t)(hole - data)) != 0)
			goto out;
		off = hole;
	}
	r = 0;
out:
	saved = errno;
	if (lseek(fd, save, SEEK_SET) == -1 && r == 0) {
		saved = errno;
		r = -1;
	}
	errno = saved;
	return r;
}

/* Fill the parts of ${n} that need the inode itself, reached via ${o}. */
static int
read_inode(const struct obj *o, const struct stat *st, struct node *n)
{
	if (!same_inode(o->fd, st))
		return -1;
	if (n->type == NODE_SYMLINK && target_read(o->fd, n) != 0)
		return -1;
	if (xattrs_read(o, n) != 0)
		return -1;
	if (n->type == NODE_FILE && !o->opath &&
	    extents_read(o->fd, st, n) != 0)
		return -1;
	return 0;
}

int
meta_read(int dirfd, const uint8_t *name, size_t namelen, int fd,
    const struct stat *st, struct node *n)
{
	char cname[NODE_NAME_MAX + 1];
	struct obj o = { .fd = -1 };
	int r = -1;

	memset(n, 0, sizeof(*n));
	if (!node_name_ok(name, namelen)) {
		errno = EINVAL;
		goto out;
	}
	memcpy(cname, name, namelen);
	cname[namelen] = '\0';
	if (type_of(st->st_mode, &n->type) != 0)
		goto out;
	if ((n->name = malloc(namelen)) == NULL)
		goto out;
	memcpy(n->name, name, namelen);
	n->namelen = namelen;
	meta_stat_fill(n, st);
	if (name_get(0, n->uid, &n->user) != 0 ||
	    name_get(1, n->gid, &n->group) != 0)
		goto out;
	/* A symlink is never opened: its fd would be the target's. */
	if (fd >= 0 && n->type != NODE_SYMLINK)
		o.fd = fd;
	else if (obj_open(dirfd, cname, &o) != 0)
		goto out;
	if (read_inode(&o, st, n) != 0)
		goto out;
	r = 0;
out:
	obj_close(&o);
	if (r != 0) {
		int saved = errno;

		node_free_fields(n);
		errno = saved;
	}
	return r;
}

int
meta_read_like(const struct stat *st, const struct node *p, struct node *n)
{
	if (p->type != NODE_FILE || !S_ISREG(st->st_mode) ||
	    node_copy_meta(n, p) != 0)
		return -1;
	free(n->user);
	free(n->group);
	n->user = n->group = NULL;
	n->link_id = 0;
	meta_stat_fill(n, st);
	if (name_get(0, n->uid, &n->user) != 0 ||
	    name_get(1, n->gid, &n->group) != 0) {
		node_free_fields(n);
		return -1;
	}
	return 0;
}

/* The checks meta_apply and meta_apply_at share. */
static int
apply_ok(const struct node *n, int flags)
{
	if ((flags & ~(META_OWNER | META_NOSETID | META_NO_INHERIT |
	    META_MODE_KEPT | META_FRESH)) != 0 ||
	    (n->mode & ~07777u) != 0 ||
	    n->mtime_nsec >= 1000000000u ||
	    (int64_t)(time_t)n->mtime_sec != n->mtime_sec) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* What can fail to be set, for fail_hint. */
enum meta_what { META_W_OWNER, META_W_XATTR, META_W_MODE, META_W_TIMES };

/* Why ${err} may have happened setting ${w}, or NULL. */
static const char *
fail_hint(enum meta_what w, int err)
{
	if (w == META_W_XATTR && (err == E2BIG || err == ENOSPC ||
	    err == ERANGE))
		return "too large for the target file system";
	if (err == EOPNOTSUPP)
		return "the target file system does not support it";
	if (err == EPERM && geteuid() != 0)
		return "needs root";
	if (err == EPERM && w != META_W_XATTR)
		return "the target file system does not allow it";
	return NULL;
}

/*
 * Count in ${f} (if not NULL) that ${what} could not be set (${err}, or
 * if 0 ${why}), and describe it in f->text while it fits.
 */
static void
fail_add(struct meta_fail *f, enum meta_what w, const char *what, int err,
    const char *why)
{
	char one[2 * META_FAIL_TEXT_BYTES];
	const char *hint = err ? fail_hint(w, err) : NULL;
	size_t len, add;

	if (f == NULL)
		return;
	f->n++;
	(void)snprintf(one, sizeof(one), "%s: %s%s%s%s", what,
	    err ? strerror(err) : why, hint ? " (" : "", hint ? hint : "",
	    hint ? ")" : "");
	len = strlen(f->text);
	add = strlen(one);
	if (len + 2 + add >= sizeof(f->text))
		return;
	if (len > 0) {
		memcpy(f->text + len, "; ", 2);
		len += 2;
	}
	memcpy(f->text + len, one, add + 1);
	f->shown++;
}

/* fail_add for the xattr ${name} (repository bytes: shown escaped). */
static void
fail_xattr(struct meta_fail *f, const char *name, int err)
{
	char what[META_FAIL_TEXT_BYTES];

	if (f == NULL)
		return;
	(void)snprintf(what, sizeof(what), "xattr %s",
	    name ? log_shown(name) : "(none)");
	fail_add(f, META_W_XATTR, what, err, NULL);
}

/*
 * Set every xattr of ${n} (but file capabilities with META_NOSETID in
 * ${flags}); the number that failed (each described in ${f}), *errp the
 * first errno.
 */
static size_t
xattrs_apply(const struct obj *o, const struct node *n, int flags,
    struct meta_fail *f, int *errp)
{
	const struct xattr *x;
	size_t i, bad = 0;
	int e;

	for (i = 0; i < n->nxattrs; i++) {
		x = &n->xattrs[i];
		if (x->name == NULL || (x->value == NULL && x->len != 0))
			e = EINVAL;
		else if ((flags & META_NOSETID) != 0 &&
		    strcmp(x->name, "security.capability") == 0)
			continue;
		else if (obj_setxattr(o, x->name, x->value, x->len) == 0)
			continue;
		else
			e = errno;
		fail_xattr(f, x->name, e);
		if (bad++ == 0)
			*errp = e;
	}
	return bad;
}

/*
 * A file made inside a directory with a default ACL inherits ACLs the
 * stored file did not have: remove those, so the restore is what was
 * backed up.  Other attributes already there are left alone.  Only a
 * directory can have a default ACL (the kernel refuses one on anything
 * else), and with META_NO_INHERIT in ${flags} nothing was inherited.
 */
static void
drop_inherited_acls(const struct obj *o, const struct node *n, int flags)
{
	static const char *const acls[] = { "system.posix_acl_access",
	    "system.posix_acl_default" };
	size_t i, k;

	for (i = 0; i < 2; i++) {
		if (i == 0 && (flags & META_NO_INHERIT) != 0)
			continue;
		if (i == 1 && n->type != NODE_DIR)
			continue;
		for (k = 0; k < n->nxattrs; k++)
			if (strcmp(n->xattrs[k].name, acls[i]) == 0)
				break;
		if (k < n->nxattrs)
			continue;
		(void)obj_removexattr(o, acls[i]);
	}
}

/*
 * Apply ${n} to ${o}, whose fstat is ${st} (NULL: not read yet, for a
 * META_FRESH file; read here only if its owner is not set).  Order
 * matters: chown first, as it clears set-id bits and security.capability;
 * xattrs next (an ACL rewrites the group bits); then the mode, which sets
 * the ACL mask from the stored group bits, consistent with the stored
 * ACL; times last.
 */
static int
apply(const struct obj *o, const struct stat *st, const struct node *n,
    int flags, struct meta_fail *f)
{
	struct timespec ts[2];
	struct stat now, first;
	char what[64], why[64];
	uid_t uid;
	gid_t gid;
	mode_t mode = (mode_t)n->mode;
	size_t bad = 0;
	int xerr = 0, r = -1, owned = 0;

	/*
	 * Numeric ids, not names: the restore host may map names to other
	 * ids, and the ids are what the backed-up host enforced (restic
	 * and tar as root do the same by default).
	 */
	if ((flags & META_OWNER) != 0) {
		if (obj_chown(o, (uid_t)n->uid, (gid_t)n->gid) == 0)
			owned = 1;
		else if (f == NULL)
			goto out;
		else {
			/* (vfat, exfat: one owner for all; set-id dropped.) */
			(void)snprintf(what, sizeof(what), "owner %u:%u",
			    n->uid, n->gid);
			fail_add(f, META_W_OWNER, what, errno, NULL);
		}
	}
	/* Who owns it now: the stored owner, or whom fstat names. */
	if (owned) {
		uid = (uid_t)n->uid;
		gid = (gid_t)n->gid;
	} else {
		if (st == NULL) {
			if (fstat(o->fd, &first) != 0)
				goto out;
			st = &first;
		}
		uid = st->st_uid;
		gid = st->st_gid;
	}
	bad = xattrs_apply(o, n, flags, f, &xerr);
	drop_inherited_acls(o, n, flags);
	/* Never set-id to someone other than the stored owner (GNU tar). */
	if (uid != (uid_t)n->uid)
		mode &= ~(mode_t)S_ISUID;
	if (gid != (gid_t)n->gid)
		mode &= ~(mode_t)S_ISGID;
	if ((flags & META_NOSETID) != 0)	/* restore --no-setid */
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (n->type != NODE_SYMLINK && obj_chmod(o, mode) != 0) {
		if (f == NULL)
			goto out;
		(void)snprintf(what, sizeof(what), "mode %04o",
		    (unsigned)mode);
		fail_add(f, META_W_MODE, what, errno, NULL);
	} else if (n->type != NODE_SYMLINK && f != NULL &&
	    (flags & META_MODE_KEPT) == 0 &&
	    fstat(o->fd, &now) == 0 && (now.st_mode & 07777) != mode) {
		/* exfat, vfat: chmod succeeds, one mode stays for all. */
		(void)snprintf(what, sizeof(what), "mode %04o", (unsigned)mode);
		(void)snprintf(why, sizeof(why), "the target file system "
		    "keeps %04o", (unsigned)(now.st_mode & 07777));
		fail_add(f, META_W_MODE, what, 0, why);
	}
	/* No atime is stored; ctime is the kernel's and cannot be set. */
	ts[0].tv_sec = (time_t)n->mtime_sec;
	ts[0].tv_nsec = (long)n->mtime_nsec;
	ts[1] = ts[0];
	if (obj_utimens(o, ts) != 0) {
		if (f == NULL)
			goto out;
		fail_add(f, META_W_TIMES, "times", errno, NULL);
	}
	if (bad != 0 && f == NULL) {
		errno = xerr;
		goto out;
	}
	r = 0;
out:
	return r;
}

/* Reset ${f} (if not NULL) for a new meta_apply. */
static void
fail_reset(struct meta_fail *f)
{
	if (f == NULL)
		return;
	f->n = 0;
	f->shown = 0;
	f->text[0] = '\0';
}

int
meta_apply(int fd, const struct node *n, int flags, struct meta_fail *f)
{
	struct obj o = { .fd = fd, .opath = 0 };
	struct stat st;
	int r = -1;

	fail_reset(f);
	if (apply_ok(n, flags) != 0)
		goto out;
	/* A file the caller made: its type is known, its owner is read
	 * only if chown does not set it. */
	if ((flags & META_FRESH) != 0 && n->type == NODE_FILE) {
		r = apply(&o, NULL, n, flags, f);
		goto out;
	}
	if (fstat(fd, &st) != 0)
		goto out;
	if ((n->type != NODE_FILE && n->type != NODE_DIR) ||
	    !type_is(n->type, st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	r = apply(&o, &st, n, flags, f);
out:
	return r;
}

/*
 * A FIFO is opened for reading without blocking (no writer is needed) and
 * then treated as a file: ${o} becomes that descriptor, checked to be the
 * inode ${o} had.
 */
static int
obj_fifo(int dirfd, const char *name, struct obj *o)
{
	struct stat st;
	int fd;

	if (fstat(o->fd, &st) != 0)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	if (!same_inode(fd, &st)) {
		(void)close(fd);
		return -1;
	}
	obj_close(o);
	o->fd = fd;
	o->opath = 0;
	return 0;
}

int
meta_apply_at(int dirfd, const char *name, const struct node *n, int flags,
    struct meta_fail *f)
{
	struct obj o = { .fd = -1 };
	struct stat st;
	int r = -1;

	fail_reset(f);
	if (apply_ok(n, flags) != 0 || obj_open(dirfd, name, &o) != 0 ||
	    fstat(o.fd, &st) != 0)
		goto out;
	if (!type_is(n->type, st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if (n->type == NODE_FIFO && obj_fifo(dirfd, name, &o) != 0)
		goto out;
	r = apply(&o, &st, n, flags, f);
out:
	if (!o.opath && o.fd != -1)
		(void)close(o.fd);
	else
		obj_close(&o);
	return r;
}

/* The target of symlink node ${n} as a new C string, or NULL (EINVAL). */
static char *
target_cstr(const struct node *n)
{
	char *s;

	if (n->targetlen > NODE_TARGET_MAX || (n->targetlen > 0 &&
	    (n->target == NULL ||
	    memchr(n->target, '\0', n->targetlen) != NULL))) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = malloc(n->targetlen + 1)) == NULL)
		return NULL;
	if (n->targetlen > 0)
		memcpy(s, n->target, n->targetlen);
	s[n->targetlen] = '\0';
	return s;
}

int
meta_make_special(int dirfd, const char *name, const struct node *n)
{
	char *target = NULL;
	dev_t dev = makedev(major((dev_t)n->rdev), minor((dev_t)n->rdev));
	mode_t um;
	int r = -1, saved;

	if (!node_name_ok((const uint8_t *)name, strlen(name))) {
		errno = EINVAL;
		goto out;
	}
	/*
	 * mkfifoat, mknodat and symlinkat never follow or replace the last
	 * component: an existing entry, even a dangling symlink, is EEXIST.
	 * A FIFO is 0600 until meta_apply_at sets the owner, then the mode.
	 * A device node, which is never opened, can change mode only by
	 * fchmodat2 (Linux 6.6): it is made with its permission bits (not
	 * the set-id ones; root-owned until its owner is set), so an older
	 * kernel still gets them.
	 */
	switch ((enum node_type)n->type) {
	case NODE_FIFO:
		r = mkfifoat(dirfd, name, 0600);
		break;
	case NODE_CHR:
	case NODE_BLK:
		um = umask(0);
		r = mknodat(dirfd, name, (n->type == NODE_CHR ? S_IFCHR :
		    S_IFBLK) | (n->mode & 0777), dev);
		(void)umask(um);
		break;
	case NODE_SYMLINK:
		if ((target = target_cstr(n)) != NULL)
			r = symlinkat(target, dirfd, name);
		break;
	case NODE_FILE:
	case NODE_DIR:
	case NODE__MAX:
	default:
		errno = EINVAL;
		break;
	}
out:
	saved = errno;
	free(target);
	errno = saved;
	return r;
}
