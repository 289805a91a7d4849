/*
 * source.c: the paths given to backup, named and checked before the
 * worker sends the keyholder its first request: a path that cannot be
 * backed up is reported before anyone types a passphrase.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "source.h"

#define FILES_FROM_MAX	(64u << 20)	/* a --files-from list */

/* All of ${file} (following symlinks: it is a list, not a source). */
static char *
slurp(const char *file, size_t *lenp)
{
	char *p = NULL, *np;
	size_t len = 0, cap = 0;
	ssize_t k;
	int fd, saved;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap >= FILES_FROM_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 4096;
			if ((np = realloc(p, cap + 1)) == NULL)
				goto fail;
			p = np;
		}
		if ((k = read(fd, p + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	(void)close(fd);
	p[len] = '\0';
	*lenp = len;
	return p;
fail:
	saved = errno;
	(void)close(fd);
	free(p);
	errno = saved;
	return NULL;
}

/*
 * Append to *${vp} (*${np} paths) those the list ${text} of ${len} bytes
 * names (source_files_from); ${text} is freed.
 */
static int
parse_list(char *text, size_t len, int nul, char ***vp, size_t *np)
{
	char **v, *line;
	size_t i, start, e, n;

	/* At most one path per separator, plus one. */
	for (i = n = 0; i < len; i++)
		n += text[i] == (nul ? '\0' : '\n');
	if ((v = reallocarray(*vp, *np + n + 2, sizeof(*v))) == NULL) {
		free(text);
		errorx("out of memory");
		return -1;
	}
	*vp = v;
	for (i = start = 0; i <= len; i++) {
		if (i < len && text[i] != (nul ? '\0' : '\n'))
			continue;
		text[i] = '\0';
		line = text + start;
		e = i;
		start = i + 1;
		if (!nul && e > (size_t)(line - text) && text[e - 1] == '\r')
			text[--e] = '\0';
		if (*line == '\0' || (!nul && *line == '#'))
			continue;
		if ((v[*np] = strdup(line)) == NULL) {
			free(text);
			errorx("out of memory");
			return -1;
		}
		(*np)++;
	}
	v[*np] = NULL;
	free(text);
	return 0;
}

/* source_files_from(file, nul, vp, np): see source.h. */
int
source_files_from(const char *file, int nul, char ***vp, size_t *np)
{
	char *text;
	size_t len;

	if ((text = slurp(file, &len)) == NULL) {
		errorx("cannot read %s: %s", file, errno == EFBIG ?
		    "larger than 64 MiB" : strerror(errno));
		return -1;
	}
	return parse_list(text, len, nul, vp, np);
}

/* Write all of ${len} bytes at ${p} to ${fd}. */
static int
write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t k;

	while (len > 0) {
		if ((k = write(fd, c, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Read all of ${len} bytes into ${p} from ${fd}; 1 at once at its end. */
static int
read_all(int fd, void *p, size_t len)
{
	char *c = p;
	size_t got = 0;
	ssize_t k;

	while (got < len) {
		if ((k = read(fd, c + got, len - got)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			if (got == 0)
				return 1;
			errno = EINVAL;		/* cut short */
			return -1;
		}
		got += (size_t)k;
	}
	return 0;
}

/* A record of source_lists_pack: the kind, then the length (host order). */
struct list_head {
	uint8_t		 nul;
	uint64_t	 len;
};

/* source_lists_pack(ff, nff, ff0, nff0): see source.h. */
int
source_lists_pack(const char *const *ff, size_t nff, const char *const *ff0,
    size_t nff0)
{
	struct list_head h;
	char *text;
	size_t i, len;
	int fd, r;

	if ((fd = memfd_create("tacit-files-from", MFD_CLOEXEC)) < 0) {
		errorx("cannot hold the --files-from lists: memfd_create: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < nff + nff0; i++) {
		const char *file = i < nff ? ff[i] : ff0[i - nff];

		if ((text = slurp(file, &len)) == NULL) {
			errorx("cannot read %s: %s", file, errno == EFBIG ?
			    "larger than 64 MiB" : strerror(errno));
			goto fail;
		}
		memset(&h, 0, sizeof(h));
		h.nul = i >= nff;
		h.len = len;
		r = write_all(fd, &h, sizeof(h));
		if (r == 0)
			r = write_all(fd, text, len);
		free(text);
		if (r != 0) {
			errorx("cannot hold the --files-from lists: %s",
			    strerror(errno));
			goto fail;
		}
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		errorx("cannot hold the --files-from lists: %s",
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	(void)close(fd);
	return -1;
}

/* source_lists_load(fd, vp, np): see source.h. */
int
source_lists_load(int fd, char ***vp, size_t *np)
{
	struct list_head h;
	char *text;
	int r;

	while ((r = read_all(fd, &h, sizeof(h))) == 0) {
		if (h.len > FILES_FROM_MAX || h.nul > 1) {
			errno = EINVAL;
			r = -1;
			break;
		}
		if ((text = malloc((size_t)h.len + 1)) == NULL) {
			errorx("out of memory");
			return -1;
		}
		if (read_all(fd, text, (size_t)h.len) != 0) {
			free(text);
			r = -1;
			break;
		}
		text[h.len] = '\0';
		if (parse_list(text, (size_t)h.len, h.nul, vp, np) != 0)
			return -1;
	}
	if (r == 1)
		return 0;
	errorx("cannot read the --files-from lists from the keyholder: %s",
	    strerror(errno));
	return -1;
}

/* source_name(path): see source.h. */
const char *
source_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s == NULL ? path : s + 1;
}

/* ${dir} (resolved) joined with ${base}, or NULL with errno. */
static char *
join(const char *dir, const char *base)
{
	char rdir[PATH_MAX], *out;
	size_t n;

	if (realpath(dir, rdir) == NULL)
		return NULL;
	n = strlen(rdir) + 1 + strlen(base) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	(void)snprintf(out, n, "%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "",
	    base);
	return out;
}

/*
 * The absolute path ${src} is backed up as, or NULL with errno.  A path
 * that names a directory itself ("/", ".", "..", "x/.", "x/") is resolved
 * whole, as ls and tar read "link/"; otherwise only its directory is, so
 * that a symlink given by name is stored as the symlink.
 */
static char *
canon(const char *src)
{
	char *copy, *slash, *out;
	const char *base, *dir;
	size_t n;
	int saved;

	if ((copy = strdup(src)) == NULL)
		return NULL;
	n = strlen(copy);
	if (n == 0) {
		free(copy);
		errno = ENOENT;
		return NULL;
	}
	slash = strrchr(copy, '/');
	base = slash == NULL ? copy : slash + 1;
	if (copy[n - 1] == '/' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		out = realpath(src, NULL);
		goto done;
	}
	if (slash == NULL)
		dir = ".";
	else if (slash == copy)
		dir = "/";
	else {
		*slash = '\0';
		dir = copy;
	}
	out = join(dir, base);
done:
	saved = errno;
	free(copy);
	errno = saved;
	return out;
}

/* 0 if the resolved ${path} exists and we may read it, else -1, errno. */
static int
usable(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return -1;
	/* The worker reads as its effective ids, which are the real ones. */
	if (S_ISDIR(st.st_mode))
		return access(path, R_OK | X_OK);
	if (S_ISREG(st.st_mode))
		return access(path, R_OK);
	return 0;	/* a symlink, device, FIFO: stored from lstat */
}

/* "No such file or directory" as "no such file or directory". */
static const char *
why(int err, char buf[128])
{
	(void)snprintf(buf, 128, "%s", strerror(err));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* Two sources that would have the same name, or "/" with another. */
static int
clash(char *const *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "/") == 0 && n > 1) {
			errorx("/ holds every other path: back it up alone");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(v[i], v[j]) == 0) {
				errorx("%s is given twice", v[i]);
				return -1;
			} else if (strcmp(source_name(v[i]),
			    source_name(v[j])) == 0) {
				errorx("%s and %s would both be stored as '%s'; "
				    "back up their parent instead", v[j], v[i],
				    source_name(v[i]));
				return -1;
			}
	}
	return 0;
}

/* source_resolve(argv, n, outp, noutp, nskipp): see source.h. */
int
source_resolve(char *const *argv, size_t n, char ***outp, size_t *noutp,
    size_t *nskipp)
{
	char **v, buf[128];
	int *err;
	size_t i, nv = 0;
	int e = EXIT_ERR;

	*outp = NULL;
	*noutp = *nskipp = 0;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL ||
	    (err = calloc(n + 1, sizeof(*err))) == NULL) {
		free(v);
		errorx("out of memory");
		return EXIT_ERR;
	}
	for (i = 0; i < n; i++) {
		if ((v[nv] = canon(argv[i])) == NULL || usable(v[nv]) != 0) {
			err[i] = errno == 0 ? EINVAL : errno;
			if (err[i] == ENOMEM) {
				errorx("out of memory");
				goto out;
			}
			free(v[nv]);
			v[nv] = NULL;
		} else
			nv++;
	}
	/* Nothing to back up: say so, save no snapshot (restic does too). */
	for (i = 0; i < n; i++)
		if (err[i] != 0 && nv == 0)
			errorx("%s: %s", why(err[i], buf), argv[i]);
		else if (err[i] != 0)
			alertx("%s: %s; skipped", why(err[i], buf), argv[i]);
	if ((nv == 0 && n > 0) || clash(v, nv) != 0)
		goto out;
	*outp = v;
	*noutp = nv;
	*nskipp = n - nv;
	v = NULL;
	e = EXIT_OK;
out:
	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
	free(err);
	return e;
}
