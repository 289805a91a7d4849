/*
 * limits.c: what one core of this machine can do for each stage of
 * tacit's backup data path, so that a backup's speed can be put next to
 * the machine's limits.  Bench only; never installed.  Built by make bench
 * against tacit's own chunker (build/release/obj/chunker.o, aes128.o) and
 * the libraries tacit uses (libsodium, libzstd via pkg-config).
 *
 *   limits warm DIR...             read every regular file once (no output)
 *   limits read REPS DIR...        read every regular file REPS times; TSV:
 *                                  read  files  bytes  median_s  MB/s
 *   limits kernels REPS MIB LEVEL DIR
 *                                  load up to MIB MiB of DIR's files into
 *                                  memory and time, on that sample, each of:
 *                                  tacit's chunker, zstd at LEVEL on each
 *                                  chunk, keyed BLAKE2b-256 of each chunk
 *                                  (the chunk id), XChaCha20-Poly1305 of
 *                                  each compressed chunk (the seal).  TSV:
 *                                  kernel  in_bytes  out_bytes  median_s
 *                                  MB/s (input bytes per second)
 *
 * Files are read with 1 MiB read(2)s after a walk in directory order
 * (openat on directory descriptors, no path building per file).  Every
 * figure is the median of REPS timed passes after one untimed pass; the
 * caller pins the process to one CPU.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "chunker.h"

#define RDBUF	(1u << 20)

static uint8_t	*rdbuf;

/* What a pass over a tree saw. */
struct walk {
	uint64_t	 files;
	uint64_t	 bytes;
	uint8_t		*sample;	/* kernels: the loaded bytes */
	size_t		 cap;		/* bytes the sample may hold */
	size_t		 len;
	size_t		*ends;		/* end offset of each file in sample */
	size_t		 nends;
	size_t		 endcap;
};

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return v[n / 2];
}

static void
add_end(struct walk *w)
{
	size_t *e;

	if (w->nends == w->endcap) {
		w->endcap = w->endcap ? 2 * w->endcap : 4096;
		if ((e = reallocarray(w->ends, w->endcap, sizeof(*e))) == NULL)
			err(1, "reallocarray");
		w->ends = e;
	}
	w->ends[w->nends++] = w->len;
}

/* Read the regular file ${name} in directory ${dfd}. */
static void
read_file(struct walk *w, int dfd, const char *name)
{
	ssize_t r;
	size_t want;
	int fd, loaded = 0;

	fd = openat(dfd, name, O_RDONLY | O_NOATIME | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == EPERM)
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		warn("open %s", name);
		return;
	}
	for (;;) {
		if (w->sample != NULL && w->len < w->cap) {
			want = w->cap - w->len < RDBUF ? w->cap - w->len :
			    RDBUF;
			r = read(fd, w->sample + w->len, want);
			if (r > 0) {
				w->len += (size_t)r;
				loaded = 1;
			}
		} else
			r = read(fd, rdbuf, RDBUF);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			warn("read %s", name);
			break;
		}
		if (r == 0)
			break;
		w->bytes += (uint64_t)r;
	}
	if (loaded)
		add_end(w);
	w->files++;
	if (close(fd) == -1)
		warn("close %s", name);
}

/* Walk the directory open at ${dfd} (closed on return). */
static void
walk_dir(struct walk *w, int dfd)
{
	struct dirent *de;
	DIR *d;
	int sub;

	if ((d = fdopendir(dfd)) == NULL) {
		warn("fdopendir");
		close(dfd);
		return;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1) {
				warn("fstatat %s", de->d_name);
				continue;
			}
			de->d_type = S_ISDIR(st.st_mode) ? DT_DIR :
			    S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (de->d_type == DT_REG)
			read_file(w, dirfd(d), de->d_name);
		else if (de->d_type == DT_DIR) {
			sub = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub == -1)
				warn("open %s", de->d_name);
			else
				walk_dir(w, sub);
		}
	}
	if (errno != 0)
		warn("readdir");
	closedir(d);
}

static void
walk_path(struct walk *w, const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == -1)
		err(1, "%s", path);
	if (S_ISREG(st.st_mode)) {
		read_file(w, AT_FDCWD, path);
		return;
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	walk_dir(w, fd);
}

static int
cmd_read(int reps, int n, char **dirs)
{
	struct walk w;
	double *t;
	int i, r;

	if (reps < 1 || (t = calloc((size_t)reps, sizeof(*t))) == NULL)
		errx(1, "bad reps");
	memset(&w, 0, sizeof(w));
	for (i = 0; i < n; i++)
		walk_path(&w, dirs[i]);
	for (r = 0; r < reps; r++) {
		memset(&w, 0, sizeof(w));
		t[r] = now();
		for (i = 0; i < n; i++)
			walk_path(&w, dirs[i]);
		t[r] = now() - t[r];
	}
	t[0] = median(t, reps);
	printf("read\t%llu\t%llu\t%.4f\t%.0f\n", (unsigned long long)w.files,
	    (unsigned long long)w.bytes, t[0], (double)w.bytes / t[0] / 1e6);
	free(t);
	return 0;
}

/* The chunks of the sample: start offset and length of each. */
struct chunks {
	size_t	*off;
	size_t	*len;
	size_t	 n;
	size_t	 cap;
};

static void
chunk_all(const struct chunker *c, const struct walk *w, struct chunks *ch)
{
	size_t f, start, end, k, *o, *l;

	ch->n = 0;
	for (f = 0, start = 0; f < w->nends; start = w->ends[f++]) {
		end = w->ends[f];
		while (start < end) {
			k = chunker_cut(c, w->sample + start, end - start, 1);
			if (k == 0)
				errx(1, "chunker_cut returned 0");
			if (ch->n == ch->cap) {
				ch->cap = ch->cap ? 2 * ch->cap : 1024;
				o = reallocarray(ch->off, ch->cap, sizeof(*o));
				if (o == NULL)
					err(1, "reallocarray");
				ch->off = o;
				l = reallocarray(ch->len, ch->cap, sizeof(*l));
				if (l == NULL)
					err(1, "reallocarray");
				ch->len = l;
			}
			ch->off[ch->n] = start;
			ch->len[ch->n++] = k;
			start += k;
		}
	}
}

static void
row(const char *kernel, size_t in, size_t out, double *t, int reps)
{
	double m = median(t, reps);

	printf("%s\t%zu\t%zu\t%.4f\t%.0f\n", kernel, in, out, m,
	    (double)in / m / 1e6);
	fflush(stdout);
}

static int
cmd_kernels(int reps, size_t mib, int level, const char *dir)
{
	static const uint8_t ckey[CHUNKER_KEY_BYTES] = { 7 };
	uint8_t idkey[32], sealkey[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t id[32], *z, *sealed, *zb;
	unsigned long long slen;
	struct chunker *c;
	struct chunks ch;
	struct walk w;
	ZSTD_CCtx *zc;
	size_t i, zcap, zbound, ztotal = 0, *zlen;
	double *t;
	int r;

	if (reps < 1 || (t = calloc((size_t)reps, sizeof(*t))) == NULL)
		errx(1, "bad reps");
	memset(&w, 0, sizeof(w));
	memset(&ch, 0, sizeof(ch));
	w.cap = mib << 20;
	if ((w.sample = malloc(w.cap)) == NULL)
		err(1, "malloc");
	walk_path(&w, dir);
	if (w.len == 0)
		errx(1, "%s: no data", dir);
	if ((c = chunker_new(ckey, NULL)) == NULL)
		errx(1, "chunker_new");
	randombytes_buf(idkey, sizeof(idkey));
	randombytes_buf(sealkey, sizeof(sealkey));

	/* Chunker: the best implementation this CPU has, as tacit uses. */
	chunk_all(c, &w, &ch);
	for (r = 0; r < reps; r++) {
		t[r] = now();
		chunk_all(c, &w, &ch);
		t[r] = now() - t[r];
	}
	row(chunker_impl(c) == CHUNKER_IMPL_VAES ? "chunker-vaes" :
	    chunker_impl(c) == CHUNKER_IMPL_AESNI ? "chunker-aesni" :
	    "chunker-portable", w.len, ch.n, t, reps);

	/*
	 * The same sample as one stream, so that every byte is scanned (files
	 * under the minimum chunk size are not): the chunker's own rate.
	 */
	for (r = -1; r < reps; r++) {
		double s = now();
		size_t off, k, n = 0;

		for (off = 0; off < w.len; off += k, n++)
			if ((k = chunker_cut(c, w.sample + off, w.len - off,
			    1)) == 0)
				errx(1, "chunker_cut returned 0");
		if (r >= 0)
			t[r] = now() - s;
	}
	row("chunker-stream", w.len, w.len, t, reps);

	/* Chunk id: keyed BLAKE2b-256 of each chunk. */
	for (r = -1; r < reps; r++) {
		double s = now();

		for (i = 0; i < ch.n; i++)
			if (crypto_generichash(id, sizeof(id),
			    w.sample + ch.off[i], ch.len[i], idkey,
			    sizeof(idkey)) != 0)
				errx(1, "crypto_generichash");
		if (r >= 0)
			t[r] = now() - s;
	}
	row("blake2b-keyed", w.len, w.len, t, reps);

	/* zstd at the repository's level, one frame per chunk. */
	zbound = ZSTD_compressBound(CHUNKER_MAX_DEFAULT);
	zcap = 0;
	for (i = 0; i < ch.n; i++)
		zcap += ZSTD_compressBound(ch.len[i]);
	if ((zc = ZSTD_createCCtx()) == NULL || (z = malloc(zcap)) == NULL ||
	    (zlen = calloc(ch.n, sizeof(*zlen))) == NULL)
		errx(1, "out of memory");
	for (r = -1; r < reps; r++) {
		double s = now();
		size_t zoff = 0, k;

		for (i = 0; i < ch.n; i++) {
			k = ZSTD_compressCCtx(zc, z + zoff, zcap - zoff,
			    w.sample + ch.off[i], ch.len[i], level);
			if (ZSTD_isError(k))
				errx(1, "zstd: %s", ZSTD_getErrorName(k));
			/* tacit stores a chunk raw when zstd does not shrink it */
			zlen[i] = k < ch.len[i] ? k : ch.len[i];
			zoff += k;
		}
		if (r >= 0)
			t[r] = now() - s;
	}
	for (i = 0; i < ch.n; i++)
		ztotal += zlen[i];
	{
		char name[32];

		snprintf(name, sizeof(name), "zstd-%d", level);
		row(name, w.len, ztotal, t, reps);
	}

	/* Seal: XChaCha20-Poly1305 of each (compressed) chunk. */
	if ((sealed = malloc(zbound + 64)) == NULL ||
	    (zb = malloc(zbound)) == NULL)
		err(1, "malloc");
	memset(zb, 0x5a, zbound);
	memset(nonce, 0, sizeof(nonce));
	for (r = -1; r < reps; r++) {
		double s = now();

		for (i = 0; i < ch.n; i++) {
			sodium_increment(nonce, sizeof(nonce));
			if (crypto_aead_xchacha20poly1305_ietf_encrypt(sealed,
			    &slen, zb, zlen[i], NULL, 0, NULL, nonce,
			    sealkey) != 0)
				errx(1, "encrypt");
		}
		if (r >= 0)
			t[r] = now() - s;
	}
	row("xchacha20poly1305", w.len, ztotal, t, reps);
	printf("sample\t%zu\t%zu\t%llu\t%zu\n", w.len, ch.n,
	    (unsigned long long)w.files, w.nends);

	ZSTD_freeCCtx(zc);
	chunker_free(c);
	free(sealed);
	free(zb);
	free(z);
	free(zlen);
	free(ch.off);
	free(ch.len);
	free(w.sample);
	free(w.ends);
	free(t);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: limits warm DIR...\n"
	    "       limits read REPS DIR...\n"
	    "       limits kernels REPS MIB LEVEL DIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct walk w;
	int i;

	if (argc < 3)
		usage();
	if ((rdbuf = malloc(RDBUF)) == NULL)
		err(1, "malloc");
	if (strcmp(argv[1], "warm") == 0) {
		memset(&w, 0, sizeof(w));
		for (i = 2; i < argc; i++)
			walk_path(&w, argv[i]);
		return 0;
	}
	if (strcmp(argv[1], "read") == 0 && argc >= 4)
		return cmd_read(atoi(argv[2]), argc - 3, argv + 3);
	if (strcmp(argv[1], "kernels") == 0 && argc == 6) {
		if (sodium_init() < 0)
			errx(1, "sodium_init");
		return cmd_kernels(atoi(argv[2]), (size_t)atoi(argv[3]),
		    atoi(argv[4]), argv[5]);
	}
	usage();
	return 2;
}
