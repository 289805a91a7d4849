/*
 * test_fsio.c: fsio_write_atomic_direct writes exactly the bytes it was
 * given, aligned or not, whole blocks or not, on the test directory's file
 * system and on tmpfs; refuses to replace a file; leaves no temporary
 * behind; and, where the file system is not tmpfs, leaves the whole blocks
 * out of the page cache (mincore), which is what it is for.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"
#include "t.h"

#define TMPFS_MAGIC_	0x01021994

static int
same(int dfd, const char *name, const uint8_t *p, size_t len)
{
	uint8_t *q = NULL;
	size_t got = 0;
	int r;

	if (fsio_read(dfd, name, len + 1, &q, &got) != 0)
		return 0;
	r = got == len && (len == 0 || memcmp(p, q, len) == 0);
	free(q);
	return r;
}

/* Pages of ${name} in the page cache, of its whole blocks. */
static long
cached(int dfd, const char *name, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = len / pg, i;
	unsigned char *v;
	long c = 0;
	void *m;
	int fd;

	if (n == 0 || (fd = openat(dfd, name, O_RDONLY)) < 0)
		return -1;
	m = mmap(NULL, n * pg, PROT_READ, MAP_SHARED, fd, 0);
	(void)close(fd);
	if (m == MAP_FAILED || (v = malloc(n)) == NULL)
		return -1;
	if (mincore(m, n * pg, v) != 0)
		c = -1;
	for (i = 0; c >= 0 && i < n; i++)
		c += v[i] & 1;
	free(v);
	(void)munmap(m, n * pg);
	return c;
}

static int
temporaries(const char *dir)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, FSIO_TMP_PREFIX,
		    strlen(FSIO_TMP_PREFIX)) == 0)
			n++;
	(void)closedir(d);
	return n;
}

static void
run(const char *dir, const char *what)
{
	static const size_t lens[] = { 0, 1, 4095, 4096, 4097, 3 * 4096 + 5,
	    (16u << 20) + 123 };
	struct statfs sf;
	uint8_t *buf;
	char name[64];
	size_t i, max = (16u << 20) + 4096 + 123;
	int dfd, okw = 1, okr = 1, okx = 1, tmpfs, skew;
	long c, uncached = 0;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		T(0, "%s: open %s", what, dir);
		return;
	}
	tmpfs = fstatfs(dfd, &sf) == 0 && sf.f_type == TMPFS_MAGIC_;
	if (posix_memalign((void **)&buf, FSIO_DIRECT_ALIGN, max) != 0)
		abort();
	randombytes_buf(buf, max);
	for (skew = 0; skew <= 1; skew++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			(void)snprintf(name, sizeof(name), "f%d-%zu", skew,
			    lens[i]);
			if (fsio_write_atomic_direct(dfd, name, buf + skew,
			    lens[i]) != 0) {
				okw = 0;
				continue;
			}
			if (!tmpfs && skew == 0 && lens[i] > (1u << 20) &&
			    (c = cached(dfd, name, lens[i])) >= 0)
				uncached += (long)(lens[i] / 4096) - c;
			if (!same(dfd, name, buf + skew, lens[i]))
				okr = 0;
			if (fsio_write_atomic_direct(dfd, name, buf,
			    lens[i]) == 0 || errno != EEXIST)
				okx = 0;
			(void)unlinkat(dfd, name, 0);
		}
	T(okw, "%s: every length written, aligned or not", what);
	T(okr, "%s: read back byte for byte", what);
	T(okx, "%s: an existing name is refused (EEXIST)", what);
	T(temporaries(dir) == 0, "%s: no temporary file left", what);
	if (!tmpfs)
		T(uncached > 4000, "%s: the 16 MiB file's blocks bypassed the "
		    "page cache (%ld of 4096 pages not cached)", what,
		    uncached);
	free(buf);
	(void)close(dfd);
	(void)rmdir(dir);
}

int
main(void)
{
	const char *base = getenv("TESTTMP");
	char dir[4096];

	t_init();
	(void)snprintf(dir, sizeof(dir), "%s/fsio.XXXXXX",
	    base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		T(0, "mkdtemp %s", dir);
		return t_exit();
	}
	run(dir, "test directory");
	(void)snprintf(dir, sizeof(dir), "/dev/shm/tacit-fsio.XXXXXX");
	if (mkdtemp(dir) != NULL)
		run(dir, "tmpfs");
	return t_exit();
}
