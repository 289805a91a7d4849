/*
 * ipc_bench.c: what moving bulk data between the worker and the keyholder
 * costs, over the socket (what tacit does) against a shared memory region.
 *
 * Two processes, like the pair.  For each transport the worker sends
 * ${size}-byte requests and the keyholder answers; two request shapes:
 *   id    the keyholder reads the request and answers 32 bytes
 *         (a chunk id request);
 *   seal  the keyholder reads the request and answers as many bytes
 *         (a seal or open request).
 * Transports:
 *   socket  the bytes go through a stream socketpair (write + read: two
 *           kernel copies), as in src/ipc.c;
 *   shm     the worker copies the bytes into a MAP_SHARED region and
 *           sends a 4-byte notice; the keyholder copies them out before
 *           use (it must: the worker can change them under it) and, for
 *           seal, copies its answer back into the region.
 * The keyholder does no crypto here: only the transport is measured.
 * Prints MB/s of request bytes per transport and shape; median of runs.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS	512
#define RUNS	5

static void
xwrite(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, q, n)) <= 0)
			err(1, "write");
		q += k;
		n -= (size_t)k;
	}
}

static void
xread(int fd, void *p, size_t n)
{
	uint8_t *q = p;
	ssize_t k;

	while (n > 0) {
		if ((k = read(fd, q, n)) <= 0)
			err(1, "read");
		q += k;
		n -= (size_t)k;
	}
}

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The keyholder side: serve ROUNDS requests of ${size}. */
static void
serve(int fd, int shm, int seal, uint8_t *region, size_t size)
{
	uint8_t *in, *out, id[32];
	uint32_t note;
	int i;

	if ((in = malloc(size)) == NULL || (out = malloc(size)) == NULL)
		err(1, "malloc");
	memset(id, 7, sizeof(id));
	memset(out, 9, size);
	for (i = 0; i < ROUNDS; i++) {
		if (shm) {
			xread(fd, &note, sizeof(note));
			memcpy(in, region, size);
			if (seal)
				memcpy(region, out, size);
			xwrite(fd, &note, sizeof(note));
		} else {
			xread(fd, in, size);
			if (seal)
				xwrite(fd, out, size);
			else
				xwrite(fd, id, sizeof(id));
		}
	}
	free(in);
	free(out);
}

/* One run: MB/s of request bytes. */
static double
run(int shm, int seal, size_t size)
{
	uint8_t *region, *data, *back, id[32];
	uint32_t note = 1;
	int sv[2], i, st;
	double t0, t1;
	pid_t pid;

	region = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		err(1, "mmap");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	if ((pid = fork()) < 0)
		err(1, "fork");
	if (pid == 0) {
		(void)close(sv[0]);
		serve(sv[1], shm, seal, region, size);
		_exit(0);
	}
	(void)close(sv[1]);
	if ((data = malloc(size)) == NULL || (back = malloc(size)) == NULL)
		err(1, "malloc");
	memset(data, 3, size);
	t0 = now();
	for (i = 0; i < ROUNDS; i++) {
		if (shm) {
			memcpy(region, data, size);
			xwrite(sv[0], &note, sizeof(note));
			xread(sv[0], &note, sizeof(note));
			if (seal)
				memcpy(back, region, size);
		} else {
			xwrite(sv[0], data, size);
			if (seal)
				xread(sv[0], back, size);
			else
				xread(sv[0], id, sizeof(id));
		}
	}
	t1 = now();
	(void)close(sv[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		errx(1, "server failed");
	free(data);
	free(back);
	(void)munmap(region, size);
	return (double)size * ROUNDS / (t1 - t0) / 1e6;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const char *const shape[2] = { "id", "seal" };
	double v[RUNS], res[2][2];
	size_t size = argc > 1 ? strtoul(argv[1], NULL, 0) : 1u << 20;
	int s, m, r;

	for (s = 0; s < 2; s++)
		for (m = 0; m < 2; m++) {
			for (r = 0; r < RUNS; r++)
				v[r] = run(m, s, size);
			qsort(v, RUNS, sizeof(v[0]), dcmp);
			res[s][m] = v[RUNS / 2];
		}
	printf("| request (%zu KiB) | socket MB/s | shared memory MB/s |"
	    " socket / shm time |\n|---|---:|---:|---:|\n", size >> 10);
	for (s = 0; s < 2; s++)
		printf("| %s | %.0f | %.0f | %.2f |\n", shape[s], res[s][0],
		    res[s][1], res[s][1] / res[s][0]);
	return 0;
}
