/*
 * chunker_bench.c: chunker_cut throughput on pseudo-random data, for
 * each implementation this CPU can run: input bytes per second of CPU
 * time, the best of several runs.  Not part of make; after make:
 *
 *   cc -std=c11 -O2 -D_GNU_SOURCE -Isrc -o build/chunker_bench \
 *       tests/bench/chunker_bench.c build/release/obj/chunker.o \
 *       build/release/obj/aes128.o -lsodium
 *   build/chunker_bench [MiB [runs]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "chunker.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int reps = 5;

/* Chunk all ${n} bytes at ${p}; return MB/s of the best of the runs. */
static double
run(const struct chunker *c, const uint8_t *p, size_t n, size_t *nchunks)
{
	double best = 0, t;
	size_t off, k;
	int rep;

	for (rep = 0; rep < reps; rep++) {
		t = now();
		*nchunks = 0;
		for (off = 0; off < n; off += k, (*nchunks)++)
			if ((k = chunker_cut(c, p + off, n - off, 1)) == 0)
				break;
		t = now() - t;
		if (best == 0 || (double)n / t / 1e6 > best)
			best = (double)n / t / 1e6;
	}
	return best;
}

int
main(int argc, char **argv)
{
	static const uint8_t seed[randombytes_SEEDBYTES] = { 42 };
	uint8_t key[CHUNKER_KEY_BYTES] = { 1 };
	struct chunker *c;
	uint8_t *p;
	static const char *names[] = { "portable:", "aes-ni:", "vaes:" };
	size_t n, nc = 0;
	double mbs;
	int impl;

	n = (size_t)(argc > 1 ? atoi(argv[1]) : 256) << 20;
	if (argc > 2)
		reps = atoi(argv[2]);
	if (sodium_init() < 0 || (p = malloc(n)) == NULL ||
	    (c = chunker_new(key, NULL)) == NULL)
		return 1;
	randombytes_buf_deterministic(p, n, seed);
	for (impl = CHUNKER_IMPL_VAES; impl >= CHUNKER_IMPL_PORTABLE; impl--) {
		if (chunker_force_impl(c, impl) != impl) {
			printf("%-9s not available on this CPU\n",
			    names[impl]);
			continue;
		}
		mbs = run(c, p, n, &nc);
		printf("%-9s %4.0f MB/s (%zu chunks, %.0f KiB average)\n",
		    names[impl], mbs, nc, (double)n / (double)nc / 1024);
	}
	chunker_free(c);
	free(p);
	return 0;
}
