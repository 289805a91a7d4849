/*
 * reparity.c: a test-only tool that plays a hostile repository: it
 * recomputes the parity and all three checksum tables of a repository
 * file (pack, index segment, snapshot) from its data as it is now, so a
 * file whose data was altered is consistent with its parity again.  The
 * parity is unkeyed: anyone who can write the repository can do this.
 * Never installed; built by `make check` only.
 *
 *   reparity FILE
 *
 * The layout comes from the file's tables (one must hold).  Prints L, the
 * data length.  Exit 0, or 1 with a message.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "parity.h"

static void
die(const char *what)
{
	fprintf(stderr, "reparity: %s\n", what);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct parity_geom g;
	struct parity_mem m;
	struct stat st;
	uint8_t *f;
	int fd;

	if (argc != 2)
		die("usage: reparity FILE");
	if (sodium_init() < 0)
		die("sodium");
	if ((fd = open(argv[1], O_RDWR)) < 0 || fstat(fd, &st) != 0 ||
	    st.st_size <= 0)
		die("cannot open the file");
	if ((f = malloc((size_t)st.st_size)) == NULL)
		die("out of memory");
	if (parity_fd_read(&fd, f, (size_t)st.st_size, 0) != 0)
		die("cannot read the file");
	m.p = f;
	m.len = (uint64_t)st.st_size;
	if (parity_locate(parity_mem_read, &m, m.len, &g) != 2)
		die("no table of the file holds");
	if (parity_encode(f, &g) != 0)
		die("out of memory");
	if (pwrite(fd, f, (size_t)g.P, 0) != (ssize_t)g.P || fsync(fd) != 0)
		die("cannot write the file");
	printf("%llu\n", (unsigned long long)g.L);
	free(f);
	(void)close(fd);
	return 0;
}
