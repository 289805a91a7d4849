/*
 * test_pwfile.c: names and ids from passwd and group files, as the static
 * binary reads them: the first match wins, NIS and comment lines, bad ids,
 * an over-long line and a name too long for the buffer are skipped or
 * reported as the header says, and a missing file is -1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pwfile.h"
#include "t.h"

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("not ok - cannot write %s\n", path);
		exit(1);
	}
}

int
main(void)
{
	char dir[] = "/tmp/test_pwfile.XXXXXX", pw[64], gr[64], nm[16];
	char *longl;
	uint32_t uid = 7, gid = 7;
	size_t i;

	t_init();
	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(pw, sizeof(pw), "%s/passwd", dir);
	(void)snprintf(gr, sizeof(gr), "%s/group", dir);
	longl = malloc(10000);
	if (longl == NULL)
		return 1;
	memset(longl, 'x', 9000);
	memcpy(longl, "long:x:77:", 10);
	(void)snprintf(longl + 9000, 1000, ":/:/bin/sh\n");
	put(pw, "# comment:x:5:5\n"
	    "+nis:x:6:6::/:\n"
	    "huge:x:4294967296:1::/:\n"
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "bad:x:12a:1::/:\n"
	    "alice:x:1000:1001:Alice:/home/alice:/bin/sh\n"
	    "dup:x:1000:1000::/:\n"
	    "averyveryverylongname:x:2000:2000::/:\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	    "short:x:3000\n"
	    "last:x:4000:4000::/:/bin/sh");
	FILE *f = fopen(pw, "a");
	if (f == NULL || fputs("\n", f) < 0 || fputs(longl, f) < 0 ||
	    fputs("after:x:78:78::/:\n", f) < 0 || fclose(f) != 0)
		return 1;
	put(gr, "root:x:0:\nusers:x:100:alice,bob\nalice:x:1001:\n");

	T(pwfile_name(pw, 0, nm, sizeof(nm)) == 1 && strcmp(nm, "root") == 0,
	    "uid 0 is root (4294967296 on the line before does not wrap)");
	T(pwfile_name(pw, 1000, nm, sizeof(nm)) == 1 &&
	    strcmp(nm, "alice") == 0, "uid 1000: the first entry wins");
	T(pwfile_name(pw, 5, nm, sizeof(nm)) == 0, "a comment is no entry");
	T(pwfile_name(pw, 6, nm, sizeof(nm)) == 0, "a NIS + line is skipped");
	T(pwfile_name(pw, 12, nm, sizeof(nm)) == 0, "id 12a is not 12");
	strcpy(nm, "unchanged");
	T(pwfile_name(pw, 2000, nm, sizeof(nm)) == 1 && nm[0] == '\0',
	    "a name longer than the buffer comes back empty");
	T(pwfile_name(pw, 3000, nm, sizeof(nm)) == 1 &&
	    strcmp(nm, "short") == 0, "an entry cut after the id still names");
	T(pwfile_name(pw, 77, nm, sizeof(nm)) == 0,
	    "an over-long line is skipped");
	T(pwfile_name(pw, 78, nm, sizeof(nm)) == 1 &&
	    strcmp(nm, "after") == 0, "the line after it is read");
	T(pwfile_name(pw, 4000, nm, sizeof(nm)) == 1 &&
	    strcmp(nm, "last") == 0, "a line without a newline is read");
	T(pwfile_name(gr, 100, nm, sizeof(nm)) == 1 &&
	    strcmp(nm, "users") == 0, "gid 100 is users");
	T(pwfile_name(gr, 5, nm, sizeof(nm)) == 0, "no gid 5");

	T(pwfile_ids(pw, "nobody", &uid, &gid) == 1 && uid == 65534 &&
	    gid == 65534, "nobody is 65534:65534");
	T(pwfile_ids(pw, "alice", &uid, &gid) == 1 && uid == 1000 &&
	    gid == 1001, "alice is 1000:1001");
	T(pwfile_ids(pw, "alic", &uid, &gid) == 0, "a prefix is no match");
	T(pwfile_ids(pw, "short", &uid, &gid) == 0,
	    "an entry without a gid is malformed");
	T(pwfile_ids(pw, "bad", &uid, &gid) == 0, "a bad uid is malformed");
	for (i = 0; i < 2; i++)
		(void)unlink(i ? gr : pw);
	errno = 0;
	T(pwfile_name(pw, 0, nm, sizeof(nm)) == -1 && errno == ENOENT,
	    "a missing file is -1 (ENOENT)");
	T(pwfile_ids(pw, "root", &uid, &gid) == -1, "also for pwfile_ids");
	(void)rmdir(dir);
	free(longl);
	return t_exit();
}
