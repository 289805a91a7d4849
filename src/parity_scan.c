/*
 * parity_scan.c: check and repair repository files from their parity
 * (parity_scan.h).  Runs in the worker; reads only sealed bytes.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsio.h"
#include "idxio.h"
#include "log.h"
#include "pack.h"
#include "parity.h"
#include "parity_prove.h"
#include "parity_scan.h"
#include "snapshot.h"

/* Is ${s} 2 * ${n} lower-case hex digits? */
static int
hexname(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < 2 * n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/*
 * Read all of the regular file ${name} in ${dfd} (parity_read_file: a
 * piece that fails with EIO is an erasure, said on stderr, ${kind} and
 * ${name} naming the file): its count of unreadable pieces, or -1
 * (errno).
 */
static int
read_whole(int dfd, const char *name, const char *kind, uint8_t **fp,
    uint64_t *lenp)
{
	char what[300];	/* a kind, and a name of up to 255 bytes */
	size_t len;
	int r;

	(void)snprintf(what, sizeof(what), "%s %s", kind, name);
	if ((r = parity_read_file(dfd, name, PACK_FILE_MAX, fp, &len,
	    what)) < 0) {
		if (errno == EINVAL || errno == EFBIG)
			errno = EBADMSG;
		return -1;
	}
	if (len == 0) {
		free(*fp);
		*fp = NULL;
		errno = EBADMSG;
		return -1;
	}
	*lenp = len;
	return r;
}

/* Rewrite ${name} from ${f}, then read it back: it must be clean. */
static int
rewrite(int dfd, const char *name, const uint8_t *f, uint64_t len)
{
	struct parity_geom g;
	uint8_t *back;
	uint64_t blen;
	unsigned nbad;
	int r;

	if (fsio_replace_atomic(dfd, name, f, (size_t)len) != 0)
		return -1;
	if ((r = read_whole(dfd, name, "rewritten", &back, &blen)) != 0) {
		free(back);
		if (r > 0)	/* the new file is unreadable too */
			errno = EIO;
		return -1;
	}
	r = blen == len && parity_fix(back, blen, &g, &nbad) == PARITY_CLEAN &&
	    memcmp(back, f, (size_t)len) == 0 ? 0 : -1;
	free(back);
	if (r != 0)
		errno = EIO;
	return r;
}

/* repair data --verify-data: the keyholder that proves (NULL: none). */
static const struct prover *prover;

/*
 * One file read whole into ${f} (${len} bytes), proven: parity repairs
 * it, the AEAD decides whether the result is the file as written; with
 * the tables lost or parity fooled, the AEAD locates the damaged shards
 * (prove_repair).  Nothing that does not open is ever written.
 */
static int
one_proven(int dfd, const char *name, const char *kind, int fix,
    struct parity_tally *t, uint8_t *f, uint64_t len)
{
	struct parity_geom g;
	uint8_t id[16], *orig = NULL, *out = NULL;
	const uint8_t *res = NULL;
	unsigned nbad;
	int k = kind[0] == 'p' ? PROVE_PACK : kind[0] == 'i' ? PROVE_INDEX :
	    PROVE_SNAP, r, p, ret = -1;
	size_t i;

	/* walk() checked the 32 hex digits */
	if (sodium_hex2bin(id, sizeof(id), name, 32, NULL, &i, NULL) != 0 ||
	    i != sizeof(id)) {
		errno = EINVAL;
		return -1;
	}
	if ((orig = malloc((size_t)len)) == NULL)
		return -1;
	memcpy(orig, f, (size_t)len);
	if ((r = parity_fix(f, len, &g, &nbad)) < 0)
		goto out;
	if (r == PARITY_NONE) {
		if ((fix & PSCAN_EXPECT) || (p = prove_data(prover, k, id, f,
		    len)) == 0) {
			alertx("%s %s: damaged beyond its parity (%s)", kind,
			    name, (fix & PSCAN_EXPECT) ? "none found" :
			    "it has none, and it fails authentication");
			t->lost++;
		} else if (p < 0)
			goto out;
		else
			t->none++;
		ret = 0;
		goto out;
	}
	/* Clean or repaired by the tables: does the result open? */
	p = 0;
	if (r != PARITY_LOST && (p = prove_data(prover, k, id, f, g.L)) < 0)
		goto out;
	if (p > 0 && r == PARITY_CLEAN) {
		t->clean++;
		ret = 0;
		goto out;
	}
	if (p > 0)
		res = f;
	else {
		/* The AEAD finds the damaged shards: from the bytes read. */
		if ((out = malloc((size_t)g.P)) == NULL)
			goto out;
		if ((p = prove_repair(prover, k, id, orig, &g, out)) < 0)
			goto out;
		if (p == 0 && memcmp(out, orig, (size_t)len) != 0)
			res = out;
		else if (p == 0) {	/* cannot be: it failed as read */
			t->clean++;
			ret = 0;
			goto out;
		}
	}
	if (res == NULL) {
		alertx(r == PARITY_REPAIRED ? "%s %s: its parity repairs it to "
		    "bytes that fail authentication (forged parity or tables, "
		    "or damage beyond them): not rewritten" : r ==
		    PARITY_CLEAN ? "%s %s: its parity holds but it fails "
		    "authentication (forged, or damage beyond the parity): "
		    "not rewritten" : "%s %s: damaged beyond its parity (the "
		    "damaged shards could not be found by authentication)",
		    kind, name);
		t->lost++;
		ret = 0;
		goto out;
	}
	t->repairable++;
	if (!(fix & PSCAN_FIX)) {
		alertx("%s %s: damaged, repairable from its parity (proven by "
		    "authentication)", kind, name);
	} else if (rewrite(dfd, name, res, res == f ? len : g.P) != 0) {
		alertx("%s %s: damaged; rewriting it failed: %s", kind, name,
		    strerror(errno));
		t->failed++;
	} else {
		warnx("%s %s: damaged; rewritten from its parity and proven "
		    "by authentication%s", kind, name, res == f ? "" :
		    " (the damaged shards found by authentication)");
		t->repaired++;
	}
	ret = 0;
out:
	free(out);
	free(orig);
	return ret;
}

/* One file: check it against its parity (and with ${fix}, repair it). */
static int
one(int dfd, const char *name, const char *kind, int fix,
    struct parity_tally *t)
{
	struct parity_geom g;
	uint8_t *f;
	uint64_t len;
	unsigned nbad;
	char note[80];
	int r, eio;

	if ((eio = read_whole(dfd, name, kind, &f, &len)) < 0) {
		if (errno == ENOMEM)
			return -1;
		alertx("%s %s: cannot read: %s", kind, name, strerror(errno));
		t->failed++;
		return 0;
	}
	t->files++;
	t->bytes += len;
	if (prover != NULL) {
		r = one_proven(dfd, name, kind, fix, t, f, len);
		free(f);
		return r;
	}
	r = parity_fix(f, len, &g, &nbad);
	/* The shards, and the 4 KiB pieces a read error left zero. */
	if (eio > 0)
		(void)snprintf(note, sizeof(note), "%u shard%s, %d unreadable "
		    "4 KiB piece%s", nbad, PLURAL(nbad), eio, PLURAL(eio));
	else
		(void)snprintf(note, sizeof(note), "%u shard%s", nbad,
		    PLURAL(nbad));
	if ((fix & PSCAN_NONE_ONLY) && r != PARITY_NONE)
		r = PARITY_CLEAN;
	if (r == PARITY_NONE && (fix & PSCAN_EXPECT)) {
		alertx("%s %s: damaged beyond its parity (none found)", kind,
		    name);
		t->lost++;
		free(f);
		return 0;
	}
	switch (r) {
	case PARITY_CLEAN:
		t->clean++;
		break;
	case PARITY_NONE:
		t->none++;
		break;
	case PARITY_LOST:
		alertx("%s %s: damaged beyond its parity", kind, name);
		t->lost++;
		break;
	case PARITY_REPAIRED:
		t->repairable++;
		if (!(fix & PSCAN_FIX)) {
			alertx("%s %s: damaged (%s), repairable from its "
			    "parity", kind, name, note);
			break;
		}
		if (rewrite(dfd, name, f, len) != 0) {
			alertx("%s %s: damaged (%s); rewriting it failed: %s",
			    kind, name, note, strerror(errno));
			t->failed++;
		} else {
			warnx("%s %s: damaged (%s); rewritten from its parity%s",
			    kind, name, note, eio > 0 ? " (a new file: the "
			    "unreadable sectors are left to the disk to remap)" :
			    "");
			t->repaired++;
		}
		break;
	default:
		free(f);
		return -1;
	}
	free(f);
	return 0;
}

/*
 * Every file of the directory ${name} in ${dfd} named by ${n} bytes of
 * hex; with ${sub}, its subdirectories of one byte of hex instead.
 */
static int
walk(int dfd, const char *name, const char *kind, size_t n, int sub,
    int fix, struct parity_tally *t)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if ((fd = fsio_open(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -1;
	}
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (sub && hexname(de->d_name, 1))
			r = walk(dirfd(d), de->d_name, kind, n, 0, fix, t);
		else if (!sub && hexname(de->d_name, n))
			r = one(dirfd(d), de->d_name, kind, fix, t);
	}
	if (r == 0 && errno != 0)
		r = -1;
	(void)closedir(d);
	return r;
}

int
parity_scan(int repofd, int fix, struct parity_tally *t)
{
	memset(t, 0, sizeof(*t));
	if (walk(repofd, PACK_DIR, "pack", PACK_ID_BYTES, 1, fix, t) != 0 ||
	    walk(repofd, INDEX_DIR, "index", 16, 0, fix, t) != 0 ||
	    walk(repofd, SNAP_DIR, "snapshot", SNAP_ID_BYTES, 0, fix, t) != 0)
		return -1;
	return 0;
}

int
parity_scan_proven(int repofd, struct kh *kh, size_t datamax, int fix,
    struct parity_tally *t)
{
	struct prover pv = { kh, datamax };
	int r;

	prover = &pv;
	r = parity_scan(repofd, fix, t);
	prover = NULL;
	return r;
}
