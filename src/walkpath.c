/*
 * walkpath.c: the path of a walker of the file system and its way back
 * up (see walkpath.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "walkpath.h"

int
walkpath_push(char **path, size_t *len, size_t *cap, const char *name,
    size_t n)
{
	size_t need = *len + 1 + n + 1;
	char *p;

	if (need > *cap) {
		if ((p = realloc(*path, need * 2)) == NULL)
			return -1;
		*path = p;
		*cap = need * 2;
	}
	if (*len > 0 && (*path)[*len - 1] != '/')
		(*path)[(*len)++] = '/';
	memcpy(*path + *len, name, n);
	*len += n;
	(*path)[*len] = '\0';
	return 0;
}

void
walkpath_cut(char *path, size_t *len, size_t at)
{
	*len = at;
	if (path != NULL)
		path[at] = '\0';
}

int
walkpath_up(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	int pfd;

	pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (pfd >= 0 && (fstat(pfd, &st) != 0 || st.st_dev != dev ||
	    st.st_ino != ino)) {
		(void)close(pfd);
		pfd = -1;
		errno = ESTALE;
	}
	return pfd;
}
