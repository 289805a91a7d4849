/*
 * pwfile.c: the "files" source of NSS, done by hand (see pwfile.h).
 *
 * Lines are "name:password:id:..." (passwd(5), group(5)).  A line longer
 * than LINE_MAX_BYTES, a NIS "+"/"-" line, a comment or an entry whose id is
 * not a plain decimal number below 2^32 is skipped, as glibc skips what
 * it cannot parse.  The file is the host's, but its size still bounds
 * nothing we hold: one line at a time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pwfile.h"

#define LINE_MAX_BYTES	4096

/* Field ${i} (0-based) of ${line}, cut at ':' in place; NULL if absent. */
static char *
field(char *line, int i)
{
	char *p = line, *e;

	for (; i > 0; i--)
		if ((p = strchr(p, ':')) == NULL)
			return NULL;
		else
			p++;
	if ((e = strchr(p, ':')) != NULL)
		*e = '\0';
	return p;
}

/* ${s} as a decimal id; 0 if it is not one. */
static int
parse_id(const char *s, uint32_t *id)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	*id = (uint32_t)v;
	return 1;
}

/*
 * The next whole line of ${f} into ${buf} without its newline: 1, or 0 at
 * the end.  Over-long lines are read to their end and come back as "".
 */
static int
next_line(FILE *f, char *buf, size_t size)
{
	size_t n;
	int c, cut = 0;

	if (fgets(buf, (int)size, f) == NULL)
		return 0;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	else if (!feof(f)) {
		cut = 1;
		while ((c = getc(f)) != EOF && c != '\n')
			;
	}
	if (cut || buf[0] == '+' || buf[0] == '-' || buf[0] == '#')
		buf[0] = '\0';
	return 1;
}

/* pwfile_name(path, id, name, size): see pwfile.h. */
int
pwfile_name(const char *path, uint32_t id, char *name, size_t size)
{
	char line[LINE_MAX_BYTES], *idf;
	uint32_t v;
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (next_line(f, line, sizeof(line))) {
		if (strchr(line, ':') == NULL)
			continue;
		idf = field(line, 2);
		if (!parse_id(idf, &v) || v != id)
			continue;
		*strchr(line, ':') = '\0';
		if (strlen(line) < size)
			memcpy(name, line, strlen(line) + 1);
		else if (size > 0)
			name[0] = '\0';
		r = 1;
		break;
	}
	if (r == 0 && ferror(f)) {
		r = -1;
		errno = EIO;
	}
	(void)fclose(f);
	return r;
}

/* pwfile_ids(path, name, uid, gid): see pwfile.h. */
int
pwfile_ids(const char *path, const char *name, uint32_t *uid, uint32_t *gid)
{
	char line[LINE_MAX_BYTES], *c;
	size_t n = strlen(name);
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (next_line(f, line, sizeof(line))) {
		if (strncmp(line, name, n) != 0 || line[n] != ':')
			continue;
		c = line + n + 1;
		/* The gid first: field() cuts the line after what it finds. */
		r = parse_id(field(c, 2), gid);
		r = r && parse_id(field(c, 1), uid);
		break;
	}
	if (r == 0 && ferror(f)) {
		r = -1;
		errno = EIO;
	}
	(void)fclose(f);
	return r;
}
