/*
 * test_walkpath.c: the walkers' path (walkpath.c): "/" between names,
 * never "//" after a source that ends in one ("/", "/srv/"), names taken
 * by length (restore's are not NUL-terminated), the length before a push
 * restored by a cut; and the way up: ".." of a directory is reopened only
 * if it is still the directory the walk came from (ESTALE otherwise).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "walkpath.h"

int
main(void)
{
	const char *base = getenv("TESTTMP");
	char *p = NULL, tmpl[4096], sub[4200];
	size_t len = 0, cap = 0, saved;
	struct stat st, other;
	int fd, up;

	t_init();
	T(walkpath_push(&p, &len, &cap, "/", 1) == 0 && strcmp(p, "/") == 0,
	    "the root alone: \"/\"");
	T(walkpath_push(&p, &len, &cap, "etc", 3) == 0 &&
	    strcmp(p, "/etc") == 0 && len == 4, "then a name: \"/etc\"");
	saved = len;
	T(walkpath_push(&p, &len, &cap, "hostsXYZ", 5) == 0 &&
	    strcmp(p, "/etc/hosts") == 0, "a name by its length: \"/etc/hosts\"");
	walkpath_cut(p, &len, saved);
	T(strcmp(p, "/etc") == 0 && len == 4, "a cut: back to \"/etc\"");
	walkpath_cut(p, &len, 0);
	T(walkpath_push(&p, &len, &cap, "/srv/", 5) == 0 &&
	    walkpath_push(&p, &len, &cap, "a", 1) == 0 &&
	    strcmp(p, "/srv/a") == 0, "never \"//\": \"/srv/\" then \"a\"");
	walkpath_cut(p, &len, 0);
	T(walkpath_push(&p, &len, &cap, "a", 1) == 0 &&
	    walkpath_push(&p, &len, &cap, "b", 1) == 0 &&
	    strcmp(p, "a/b") == 0, "a relative path: \"a/b\"");
	free(p);
	p = NULL;
	len = cap = 0;
	walkpath_cut(p, &len, 0);
	T(len == 0, "a cut of a path never pushed");

	(void)snprintf(tmpl, sizeof(tmpl), "%s/walkpath.XXXXXX",
	    base != NULL ? base : "/tmp");
	T(mkdtemp(tmpl) != NULL, "setup: a directory");
	(void)snprintf(sub, sizeof(sub), "%s/d", tmpl);
	T(mkdir(sub, 0700) == 0 && stat(tmpl, &st) == 0 &&
	    stat(sub, &other) == 0, "setup: a subdirectory");
	fd = open(sub, O_RDONLY | O_DIRECTORY);
	up = walkpath_up(fd, st.st_dev, st.st_ino);
	T(up >= 0, "up from d: its parent, the directory above it");
	if (up >= 0)
		(void)close(up);
	errno = 0;
	up = walkpath_up(fd, other.st_dev, other.st_ino);
	T(up < 0 && errno == ESTALE,
	    "up to a directory that is not the one above: ESTALE");
	(void)close(fd);
	(void)rmdir(sub);
	(void)rmdir(tmpl);
	return t_exit();
}
