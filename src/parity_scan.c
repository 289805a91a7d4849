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

/* The file being proven: where, what, its prover, and its bytes as read. */
struct proof {
	int			 dfd;
	const char		*name, *kind;	/* file name, "pack" ... */
	int			 fix;		/* PSCAN_* */
	struct parity_tally	*t;
	const struct prover	*pv;
	int			 k;		/* PROVE_* */
	uint8_t			 id[16];
	uint8_t			*orig;
};

/*
 * The most data a file of ${kind} holds when a tacit wrote it
 * (INDEX_FILE_MAX, SNAP_FILE_MAX; a pack: PACK_FILE_MAX, read_whole's).
 */
static uint64_t
data_max(int kind)
{
	return kind == PROVE_INDEX ? INDEX_FILE_MAX : kind == PROVE_SNAP ?
	    SNAP_FILE_MAX : PACK_FILE_MAX;
}

/* parity_locate's reader over the file in memory, as it was read. */
struct memf {
	const uint8_t	*f;
	uint64_t	 len;
};

static int
mem_read(void *arg, uint8_t *buf, size_t len, uint64_t off)
{
	const struct memf *m = arg;

	if (off > m->len || len > m->len - off) {
		errno = EIO;
		return -1;
	}
	memcpy(buf, m->f + off, len);
	return 0;
}

/*
 * The proven result ${res} (${len} bytes) of the file: counted, named,
 * and with PSCAN_FIX, written (${how}: how it was found).
 */
static void
proven_write(const struct proof *pf, const uint8_t *res, uint64_t len,
    const char *how)
{
	pf->t->repairable++;
	if (!(pf->fix & PSCAN_FIX)) {
		alertx("%s %s: damaged, repairable from its parity (proven by "
		    "authentication)", pf->kind, pf->name);
	} else if (rewrite(pf->dfd, pf->name, res, len) != 0) {
		alertx("%s %s: damaged; rewriting it failed: %s", pf->kind,
		    pf->name, strerror(errno));
		pf->t->failed++;
	} else {
		warnx("%s %s: damaged; rewritten from its parity and proven "
		    "by authentication%s", pf->kind, pf->name, how);
		pf->t->repaired++;
	}
}

/*
 * The file whose tables are all lost, layout ${g}: the AEAD finds the
 * damaged shards (prove_repair, within its budget).  0 or -1.
 */
static int
proven_search(const struct proof *pf, const struct parity_geom *g)
{
	uint8_t *out;
	int p;

	if ((out = malloc((size_t)g->P)) == NULL)
		return -1;
	if ((p = prove_repair(pf->pv, pf->k, pf->id, pf->orig, g, out)) < 0) {
		free(out);
		return -1;
	}
	if (p == 0 && memcmp(out, pf->orig, (size_t)g->P) != 0)
		proven_write(pf, out, g->P,
		    " (the damaged shards found by authentication)");
	else if (p == 0)	/* cannot be: its tables were lost */
		pf->t->clean++;
	else {
		alertx(p == 2 ? "%s %s: damaged beyond its parity (its "
		    "checksum tables are lost; the search for the damaged "
		    "shards by authentication gave up: its budget of %llu "
		    "decodes or %llu bytes to the keyholder ran out)" :
		    "%s %s: damaged beyond its parity (its checksum tables "
		    "are lost, and the damaged shards could not be found by "
		    "authentication)", pf->kind, pf->name,
		    (unsigned long long)PROVE_TRIALS(g),
		    (unsigned long long)PROVE_SEND_MAX);
		pf->t->lost++;
	}
	free(out);
	return 0;
}

/*
 * The file ${f} (${len} bytes) as parity_fix left it (${r}, not
 * PARITY_LOST; ${L} data bytes): written if its tables repaired it and
 * it opens; named if it does not open (forged, or damaged beyond the
 * tables: never searched).  0 or -1.
 */
static int
proven_held(const struct proof *pf, const uint8_t *f, uint64_t len,
    uint64_t L, int r)
{
	int p;

	if ((p = prove_data(pf->pv, pf->k, pf->id, f, L)) < 0)
		return -1;
	if (p > 0 && r == PARITY_REPAIRED)
		proven_write(pf, f, len, "");
	else if (p > 0 && r == PARITY_NONE)
		pf->t->none++;
	else if (p > 0)
		pf->t->clean++;
	else {
		alertx(r == PARITY_REPAIRED ? "%s %s: its parity repairs it to "
		    "bytes that fail authentication (forged parity or tables, "
		    "or damage beyond them): not rewritten" : r ==
		    PARITY_CLEAN ? "%s %s: its parity holds but it fails "
		    "authentication (forged, or damage beyond the parity): "
		    "not rewritten" : "%s %s: damaged beyond its parity (it "
		    "has none, and it fails authentication)", pf->kind,
		    pf->name);
		pf->t->lost++;
	}
	return 0;
}

/*
 * One file read whole into ${f} (${len} bytes), proven: parity repairs
 * it, the AEAD decides whether the result is the file as written; with
 * the tables lost, the AEAD locates the damaged shards (proven_search).
 * Nothing that does not open is ever written.
 */
static int
one_proven(struct proof *pf, uint8_t *f, uint64_t len)
{
	struct parity_geom g;
	struct memf m;
	unsigned nbad;
	uint64_t L;
	int r, ret = -1;

	if ((pf->orig = malloc((size_t)len)) == NULL)
		return -1;
	memcpy(pf->orig, f, (size_t)len);
	m.f = pf->orig;
	m.len = len;
	if ((r = parity_fix(f, len, &g, &nbad)) < 0)
		goto out;
	L = r == PARITY_NONE ? len : g.L;
	ret = 0;
	if (L > data_max(pf->k)) {
		alertx("%s %s: damaged beyond repair: %llu bytes of data, more "
		    "than any %s tacit writes (%llu)", pf->kind, pf->name,
		    (unsigned long long)L, pf->kind,
		    (unsigned long long)data_max(pf->k));
		pf->t->lost++;
	} else if (r == PARITY_LOST) {
		/* Search only when no table holds: they then name nothing. */
		if ((r = parity_locate(mem_read, &m, len, &g)) == 1)
			ret = proven_search(pf, &g);
		else if (r < 0)
			ret = -1;
		else {
			alertx("%s %s: damaged beyond its parity", pf->kind,
			    pf->name);
			pf->t->lost++;
		}
	} else if (r == PARITY_NONE && (pf->fix & PSCAN_EXPECT)) {
		alertx("%s %s: damaged beyond its parity (none found)",
		    pf->kind, pf->name);
		pf->t->lost++;
	} else
		ret = proven_held(pf, f, len, L, r);
out:
	free(pf->orig);
	pf->orig = NULL;
	return ret;
}

/* The proof of ${name} in ${dfd}, of ${kind}, by ${pv}: 0, or -1. */
static int
proof_init(struct proof *pf, int dfd, const char *name, const char *kind,
    int fix, struct parity_tally *t, const struct prover *pv)
{
	size_t i;

	pf->dfd = dfd;
	pf->name = name;
	pf->kind = kind;
	pf->fix = fix;
	pf->t = t;
	pf->pv = pv;
	pf->k = kind[0] == 'p' ? PROVE_PACK : kind[0] == 'i' ? PROVE_INDEX :
	    PROVE_SNAP;
	pf->orig = NULL;
	/* walk() checked the 32 hex digits */
	if (sodium_hex2bin(pf->id, sizeof(pf->id), name, 32, NULL, &i,
	    NULL) != 0 || i != sizeof(pf->id)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* One file: check it against its parity (and with ${fix}, repair it). */
/* Whether the ${len} bytes ${f} have a parity layout (a table or a size). */
static int
has_layout(const uint8_t *f, uint64_t len)
{
	struct parity_mem m = { f, len };
	struct parity_geom g;

	return parity_locate(parity_mem_read, &m, len, &g) > 0;
}

static int
one(int dfd, const char *name, const char *kind, int fix,
    struct parity_tally *t, const struct prover *prover)
{
	struct parity_geom g;
	struct proof pf;
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
	if (eio > 0 && !has_layout(f, len)) {
		/* The zeros of a read error, and no parity to repair them. */
		alertx("%s %s: cannot read: %s (and no parity was found to "
		    "repair it)", kind, name, strerror(EIO));
		t->failed++;
		free(f);
		return 0;
	}
	if (prover != NULL) {
		r = proof_init(&pf, dfd, name, kind, fix, t, prover) != 0 ?
		    -1 : one_proven(&pf, f, len);
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
    int fix, struct parity_tally *t, const struct prover *pv)
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
			r = walk(dirfd(d), de->d_name, kind, n, 0, fix, t,
			    pv);
		else if (!sub && hexname(de->d_name, n))
			r = one(dirfd(d), de->d_name, kind, fix, t, pv);
	}
	if (r == 0 && errno != 0)
		r = -1;
	(void)closedir(d);
	return r;
}

/* Every file with parity, proven by ${pv} (NULL: by its parity alone). */
static int
scan(int repofd, int fix, struct parity_tally *t, const struct prover *pv)
{
	memset(t, 0, sizeof(*t));
	if (walk(repofd, PACK_DIR, "pack", PACK_ID_BYTES, 1, fix, t, pv) !=
	    0 || walk(repofd, INDEX_DIR, "index", 16, 0, fix, t, pv) != 0 ||
	    walk(repofd, SNAP_DIR, "snapshot", SNAP_ID_BYTES, 0, fix, t, pv)
	    != 0)
		return -1;
	return 0;
}

int
parity_scan(int repofd, int fix, struct parity_tally *t)
{
	return scan(repofd, fix, t, NULL);
}

int
parity_scan_proven(int repofd, struct kh *kh, size_t datamax, int fix,
    struct parity_tally *t)
{
	struct prover pv = { kh, datamax };

	return scan(repofd, fix, t, &pv);
}
