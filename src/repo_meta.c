/*
 * repo_meta.c: the repository's metadata in two copies (format 2,
 * doc/format.md section 2.1): header and copy/header, config and
 * copy/config, keys/<id> and copy/keys/<id>.  Reading both copies and
 * choosing between them, the unlock that tries them, writing and
 * removing a slot's two copies, and repairing a lost copy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsio.h"
#include "log.h"
#include "parity.h"
#include "repo.h"
#include "repo_meta.h"

#define CONFIG_FILE_MAX	4096

const uint8_t repo_config_id[ENV_ID_BYTES];	/* zero */

static int heal_dir(struct repo *, int, const char *, int *);

/* ${bad} of the repository is missing or damaged, ${good} is not. */
static void
copy_lost(const struct repo *r, const char *bad, const char *good)
{
	alertx("%s/%s is missing or damaged; its copy %s/%s is intact "
	    "('tacit repair metadata -r %s' rewrites it)", r->path, bad,
	    r->path, good, r->path);
}

/*
 * The header of a format 2 repository, whose first copy gave ${e}: the
 * copy in copy/ stands in for a missing or damaged header, and is
 * compared with a good one.  A header of a format this tacit does not
 * read is obeyed (exit 13), never overruled by its copy.
 */
int
repo_header_copy(struct repo *r, int e)
{
	uint8_t id[ENV_REPOID_BYTES];
	uint32_t v = 0;
	int saved = errno, e2;

	if (e == EXIT_VERSION || (e == EXIT_ERR && saved == EACCES))
		return e;
	r->copyfd = fsio_open(r->dirfd, REPO_COPY_DIR, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	e2 = repo_header_read(r, r->copyfd, REPO_COPY_DIR "/", 0, id, &v);
	if (e == EXIT_OK) {
		if (e2 != EXIT_OK || v != r->version ||
		    memcmp(id, r->id, sizeof(id)) != 0) {
			r->hdrbad |= REPO_BAD_COPY;
			copy_lost(r, REPO_COPY_DIR "/" REPO_HEADER_NAME,
			    REPO_HEADER_NAME);
		}
		return EXIT_OK;
	}
	if (e2 != EXIT_OK || v != REPO_FORMAT) {
		errno = saved;
		return e;
	}
	r->version = v;
	memcpy(r->id, id, sizeof(id));
	r->hdrbad |= REPO_BAD_FIRST;
	copy_lost(r, REPO_HEADER_NAME, REPO_COPY_DIR "/" REPO_HEADER_NAME);
	return EXIT_OK;
}


/* The slot files of one directory (keys/ or copy/keys/). */
struct slotdir {
	size_t	 n;
	uint8_t	 id[REPO_SLOTS_MAX][SLOT_ID_BYTES];
	uint8_t	*bytes[REPO_SLOTS_MAX];		/* NULL: unreadable */
	size_t	 len[REPO_SLOTS_MAX];
};

static void
slotdir_free(struct slotdir *sd)
{
	size_t i;

	for (i = 0; i < sd->n; i++)
		free(sd->bytes[i]);
	sd->n = 0;
}

/* The index of ${id} in ${sd}, or -1. */
static ssize_t
slotdir_find(const struct slotdir *sd, const uint8_t id[SLOT_ID_BYTES])
{
	size_t i;

	for (i = 0; i < sd->n; i++)
		if (memcmp(sd->id[i], id, SLOT_ID_BYTES) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * Read every <16hex> file of the directory ${fd} (shown as ${dname});
 * anything else is reported and ignored, an unreadable slot is kept with
 * no bytes (it exists: it was not removed).  EXIT_OK, or EXIT_ERR after
 * a message.
 */
static int
slotdir_read(struct repo *r, int fd, const char *dname, struct slotdir *sd)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	sd->n = 0;
	if ((dfd = dup(fd)) < 0 || (d = fdopendir(dfd)) == NULL) {
		errorx("cannot read %s/%s: %s", r->path, dname,
		    strerror(errno));
		if (dfd >= 0)
			(void)close(dfd);
		return EXIT_ERR;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;	/* ., .. and leftover temporaries */
		if (sd->n == REPO_SLOTS_MAX) {
			warnx("more than %d key slots in %s/%s; the rest are "
			    "ignored", REPO_SLOTS_MAX, r->path, dname);
			break;
		}
		if (keyslot_id_parse(de->d_name, sd->id[sd->n]) != 0) {
			warnx("%s/%s/%s: not a key slot name, ignored",
			    r->path, dname, de->d_name);
			continue;
		}
		sd->bytes[sd->n] = NULL;
		if (fsio_read(fd, de->d_name, SLOT_FILE_MAX, &sd->bytes[sd->n],
		    &sd->len[sd->n]) != 0) {
			warnx("key slot %s/%s/%s unreadable: %s", r->path,
			    dname, de->d_name, strerror(errno));
			sd->bytes[sd->n] = NULL;
		}
		sd->n++;
	}
	(void)closedir(d);
	return EXIT_OK;
}

/* Add a slot ${id} with ${p}, ${len} (taken) to ${r}, and its state. */
static void
slot_add(struct repo *r, const uint8_t id[SLOT_ID_BYTES], uint8_t *p,
    size_t len, unsigned bad)
{
	struct kh_slotfile *s = &r->slots[r->nslots];

	memcpy(s->id, id, SLOT_ID_BYTES);
	s->bytes = p;
	s->len = len;
	r->slotbad[r->nslots++] = bad;
}

/*
 * Format 2: keys/<id> and copy/keys/<id> make one slot.  Equal copies are
 * one; where one is unreadable or missing the other is used; where both
 * read but differ, keys/<id> is tried first and the copy after it
 * (slots_resolve decides).  A copy/keys/<id> whose keys/<id> is gone is
 * what an unfinished 'key remove' leaves (it removes keys/<id> first):
 * never used.  Only when keys/ cannot be read at all are the copies used.
 */
static void
slots_merge(struct repo *r, struct slotdir *p, int pok, struct slotdir *c)
{
	size_t i, n;
	ssize_t j;
	uint8_t *cb;

	for (i = 0; i < p->n && r->nslots < REPO_SLOTS_MAX; i++) {
		j = slotdir_find(c, p->id[i]);
		cb = j >= 0 ? c->bytes[j] : NULL;
		if (j >= 0)
			c->bytes[j] = NULL;
		n = r->nslots;
		if (p->bytes[i] != NULL && cb != NULL &&
		    (p->len[i] != c->len[j] ||
		    memcmp(p->bytes[i], cb, p->len[i]) != 0)) {
			r->alt[n].bytes = cb;
			r->alt[n].len = c->len[j];
			memcpy(r->alt[n].id, p->id[i], SLOT_ID_BYTES);
			slot_add(r, p->id[i], p->bytes[i], p->len[i],
			    REPO_BAD_DIFFER);
		} else if (p->bytes[i] != NULL) {
			slot_add(r, p->id[i], p->bytes[i], p->len[i],
			    cb != NULL ? 0 : REPO_BAD_COPY);
			free(cb);
		} else if (cb != NULL)
			slot_add(r, p->id[i], cb, c->len[j], REPO_BAD_FIRST);
		else
			continue;	/* both unreadable: said */
		p->bytes[i] = NULL;
	}
	for (i = 0; i < c->n; i++) {
		if (c->bytes[i] == NULL || slotdir_find(p, c->id[i]) >= 0)
			continue;
		if (pok && r->nstale < REPO_SLOTS_MAX)
			memcpy(r->stale[r->nstale++], c->id[i], SLOT_ID_BYTES);
		else if (!pok && r->nslots < REPO_SLOTS_MAX) {
			slot_add(r, c->id[i], c->bytes[i], c->len[i],
			    REPO_BAD_FIRST);
			c->bytes[i] = NULL;
		}
	}
}

/* Read the key slots: keys/ (format 1), or both copies (format 2). */
static int
load_slots(struct repo *r)
{
	struct slotdir *p, *c;
	int pok, cok, e = EXIT_OK;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	pok = r->keysfd >= 0 && slotdir_read(r, r->keysfd, REPO_KEYS_DIR, p) ==
	    EXIT_OK;
	cok = r->version == REPO_FORMAT && r->ckeysfd >= 0 &&
	    slotdir_read(r, r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR, c) ==
	    EXIT_OK;
	if (r->version == REPO_FORMAT_V1 && !pok)
		e = EXIT_ERR;
	else if (r->version == REPO_FORMAT_V1)
		slots_merge(r, p, 1, c);	/* c is empty */
	else
		slots_merge(r, p, pok, c);
	if (r->version == REPO_FORMAT_V1) {
		size_t i;

		for (i = 0; i < r->nslots; i++)
			r->slotbad[i] = 0;	/* format 1 has no copies */
	} else if (!cok)
		alertx("%s/%s/%s cannot be read: no key slot has its second "
		    "copy ('tacit repair metadata -r %s' makes them)", r->path,
		    REPO_COPY_DIR, REPO_KEYS_DIR, r->path);
	slotdir_free(p);
	slotdir_free(c);
	free(p);
	free(c);
	return e;
}

/*
 * After the unlock: which copy of each slot whose copies differ is good.
 * The one that opened is; otherwise one that does not decode, or whose
 * sealed metadata does not open, is not; if both pass, only the slot's
 * passphrase could tell (REPO_BAD_DIFFER stays).  The good bytes become
 * the slot's.  Each bad copy is then named.
 */
static void
slots_resolve(struct repo *r, size_t opened)
{
	struct kh_slotinfo info;
	struct keyslot ks;
	char why[160], hex[2 * SLOT_ID_BYTES + 1], a[64], b[64];
	const uint8_t *tmp;
	size_t i, tl;
	int pbad, cbad;

	for (i = 0; i < r->nslots; i++) {
		if (r->slotbad[i] == REPO_BAD_DIFFER) {
			if (opened == i)
				pbad = 0, cbad = 1;
			else if (opened == r->nslots + i)
				pbad = 1, cbad = 0;
			else {
				pbad = keyslot_decode(r->slots[i].bytes,
				    r->slots[i].len, &ks, why, sizeof(why)) !=
				    0 || kh_slot_info(r->kh, &r->slots[i],
				    &info) != 0;
				cbad = keyslot_decode(r->alt[i].bytes,
				    r->alt[i].len, &ks, why, sizeof(why)) !=
				    0 || kh_slot_info(r->kh, &r->alt[i],
				    &info) != 0;
			}
			if (pbad != cbad) {
				r->slotbad[i] = pbad ? REPO_BAD_FIRST :
				    REPO_BAD_COPY;
				if (pbad) {	/* the copy's bytes are good */
					tmp = r->slots[i].bytes;
					tl = r->slots[i].len;
					r->slots[i].bytes = r->alt[i].bytes;
					r->slots[i].len = r->alt[i].len;
					r->alt[i].bytes = tmp;
					r->alt[i].len = tl;
				}
				free((void *)(uintptr_t)r->alt[i].bytes);
				r->alt[i].bytes = NULL;
				r->alt[i].len = 0;
			}
		}
		keyslot_id_hex(r->slots[i].id, hex);
		(void)snprintf(a, sizeof(a), "%s/%s", REPO_KEYS_DIR, hex);
		(void)snprintf(b, sizeof(b), "%s/%s/%s", REPO_COPY_DIR,
		    REPO_KEYS_DIR, hex);
		if (r->slotbad[i] == REPO_BAD_FIRST)
			copy_lost(r, a, b);
		else if (r->slotbad[i] == REPO_BAD_COPY)
			copy_lost(r, b, a);
		else if (r->slotbad[i] == REPO_BAD_DIFFER)
			alertx("%s/%s and %s/%s differ and both look intact: "
			    "only the passphrase of key slot %s tells which "
			    "is good; unlock with it and run 'tacit repair "
			    "metadata -r %s'", r->path, a, r->path, b, hex,
			    r->path);
	}
	explicit_bzero(&ks, sizeof(ks));
	for (i = 0; i < r->nstale; i++) {
		keyslot_id_hex(r->stale[i], hex);
		alertx("%s/%s/%s/%s has no %s/%s: the rest of an unfinished "
		    "'tacit key remove', never used ('tacit repair metadata "
		    "-r %s' removes it)", r->path, REPO_COPY_DIR,
		    REPO_KEYS_DIR, hex, REPO_KEYS_DIR, hex, r->path);
	}
}

/* Open the sealed config ${p}, ${len} (the file ${name}) into r->cfg. */
static int
config_parse(struct repo *r, const char *name, const uint8_t *p,
    size_t len, int say)
{
	uint8_t pt[CONFIG_FILE_MAX];
	size_t plen;
	int e = EXIT_DAMAGED;

	if (kh_open(r->kh, OBJ_CONFIG, repo_config_id, p, len, pt, sizeof(pt),
	    &plen) != 0) {
		if (say)
			errorx("%s/%s: authentication failed: the file is "
			    "damaged or was tampered with", r->path, name);
	} else if (config_decode(pt, plen, &r->cfg) != 0) {
		if (say)
			errorx("%s/%s: authentic but not a valid config",
			    r->path, name);
	} else {
		parity_use(r->cfg.parity_pct);
		e = EXIT_OK;
	}
	sodium_memzero(pt, sizeof(pt));	/* it may hold a chunker key */
	return e;
}

/* Read and open the config in ${fd} (-1: missing); the bytes to *${pp}. */
static int
config_load(struct repo *r, int fd, const char *name, int say,
    uint8_t **pp, size_t *lenp)
{
	int saved, e;

	*pp = NULL;
	if (fd < 0)
		return EXIT_DAMAGED;
	if (fsio_read(fd, REPO_CONFIG_NAME, CONFIG_FILE_MAX, pp, lenp) != 0) {
		saved = errno;
		*pp = NULL;
		if (say)
			errorx("cannot read %s/%s: %s", r->path, name,
			    strerror(saved));
		return saved == ENOENT || saved == EFBIG || saved == EINVAL ?
		    EXIT_DAMAGED : EXIT_ERR;
	}
	if ((e = config_parse(r, name, *pp, *lenp, say)) != EXIT_OK) {
		free(*pp);
		*pp = NULL;
	}
	return e;
}

/*
 * The config, from whichever copy opens (format 2: config first, then
 * copy/config); the one that does not is named.  With neither, the first
 * copy's fault is reported, as in format 1.
 */
static int
load_config(struct repo *r)
{
	uint8_t *p, *c = NULL;
	size_t plen, clen;
	int e, e2;

	e = config_load(r, r->dirfd, REPO_CONFIG_NAME,
	    r->version == REPO_FORMAT_V1, &p, &plen);
	if (r->version == REPO_FORMAT_V1) {
		r->cfgsealed = p;	/* repo_meta_upgrade copies it */
		r->cfglen = plen;
		return e;
	}
	e2 = config_load(r, r->copyfd, REPO_COPY_DIR "/" REPO_CONFIG_NAME, 0,
	    &c, &clen);
	if (e == EXIT_OK) {
		r->cfgsealed = p;
		r->cfglen = plen;
		if (e2 != EXIT_OK) {
			r->cfgbad = REPO_BAD_COPY;
			copy_lost(r, REPO_COPY_DIR "/" REPO_CONFIG_NAME,
			    REPO_CONFIG_NAME);
		}
		free(c);
		return EXIT_OK;
	}
	if (e2 == EXIT_OK) {
		r->cfgsealed = c;
		r->cfglen = clen;
		r->cfgbad = REPO_BAD_FIRST;
		copy_lost(r, REPO_CONFIG_NAME, REPO_COPY_DIR "/"
		    REPO_CONFIG_NAME);
		return EXIT_OK;
	}
	e = config_load(r, r->dirfd, REPO_CONFIG_NAME, 1, &p, &plen);
	free(p);
	return e == EXIT_OK ? EXIT_DAMAGED : e;
}

int
repo_unlock(struct repo *r, const struct pass_src *src)
{
	struct kh_slotfile try[REPO_SLOTS_MAX];
	char prompt[512];
	size_t i, n, opened = 0;
	int e;

	if ((e = load_slots(r)) != EXIT_OK)
		return e;
	if (r->nslots == 0) {
		errorx("%s has no key slots: it cannot be opened", r->path);
		return EXIT_DAMAGED;
	}
	/* Each slot once; then the other copy of those whose copies differ
	 * (the keyholder takes at most REPO_SLOTS_MAX). */
	memcpy(try, r->slots, r->nslots * sizeof(try[0]));
	n = r->nslots;
	for (i = 0; i < r->nslots; i++)
		if (r->alt[i].bytes != NULL && n < REPO_SLOTS_MAX)
			try[n++] = r->alt[i];
	(void)snprintf(prompt, sizeof(prompt),
	    "Passphrase for repository %s: ", r->path);
	switch (kh_unlock(r->kh, src, prompt, try, n, &opened)) {
	case KH_OK:
		break;
	case KH_EPASS:
		errorx("wrong passphrase: no key slot of %s opens with it",
		    r->path);
		return EXIT_PASS;
	case KH_ENOSLOT:
		errorx("no usable key slot in %s", r->path);
		return EXIT_DAMAGED;
	default:
		return EXIT_ERR;
	}
	/* An alternative copy stands for its slot. */
	r->current = opened;
	if (opened >= r->nslots)
		for (i = 0; i < r->nslots; i++)
			if (r->alt[i].bytes == try[opened].bytes) {
				r->current = i;
				opened = r->nslots + i;
				break;
			}
	slots_resolve(r, opened);
	return load_config(r);
}

int
repo_slot_write(struct repo *r, const uint8_t id[SLOT_ID_BYTES],
    const uint8_t *p, size_t len)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	int e;

	keyslot_id_hex(id, hex);
	if ((r->keysfd < 0 && (e = heal_dir(r, r->dirfd, REPO_KEYS_DIR,
	    &r->keysfd)) != EXIT_OK) ||
	    (e = repo_put_file(r, r->keysfd, REPO_KEYS_DIR "/", hex, p, len,
	    0)) != EXIT_OK || r->version == REPO_FORMAT_V1)
		return e;
	/* A lost copy/ or copy/keys/ is made again: a new directory only. */
	if ((e = heal_dir(r, r->dirfd, REPO_COPY_DIR, &r->copyfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->copyfd, REPO_KEYS_DIR, &r->ckeysfd)) !=
	    EXIT_OK)
		return e;
	return repo_put_file(r, r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR "/",
	    hex, p, len, 0);
}

/*
 * keys/<id> first: killed between the two, copy/keys/<id> is left alone,
 * which no reader uses (slots_merge) and the next key command or repair
 * removes.  The other order would leave keys/<id> alone, which looks like
 * a slot whose copy was lost, and would be copied back.
 */
int
repo_slot_remove(struct repo *r, size_t i)
{
	char hex[2 * SLOT_ID_BYTES + 1];

	keyslot_id_hex(r->slots[i].id, hex);
	if (r->keysfd >= 0 && fsio_unlink(r->keysfd, hex) != 0 &&
	    errno != ENOENT) {
		errorx("cannot remove key slot %s: %s", hex, strerror(errno));
		return EXIT_ERR;
	}
	if (r->version == REPO_FORMAT && r->ckeysfd >= 0 &&
	    fsio_unlink(r->ckeysfd, hex) != 0 && errno != ENOENT) {
		errorx("cannot remove the copy of key slot %s (%s/%s/%s/%s): %s; "
		    "it is never used, and 'tacit repair metadata -r %s' "
		    "removes it", hex, r->path, REPO_COPY_DIR, REPO_KEYS_DIR,
		    hex, strerror(errno), r->path);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

size_t
repo_meta_damage(const struct repo *r)
{
	size_t i, n = r->nstale;

	if (r->version == REPO_FORMAT_V1)
		return 0;
	n += (r->hdrbad != 0) + (r->cfgbad != 0);
	for (i = 0; i < r->nslots; i++)
		n += r->slotbad[i] != 0;
	return n;
}

/* Make (or open) the directory ${name} in ${fd} into *${fdp}. */
static int
heal_dir(struct repo *r, int fd, const char *name, int *fdp)
{
	if (*fdp >= 0)
		return EXIT_OK;
	if (fd < 0 || (*fdp = fsio_subdir(fd, name)) < 0) {
		errorx("cannot make %s/%s: %s", r->path, name,
		    strerror(errno));
		return EXIT_ERR;
	}
	return EXIT_OK;
}

/* Rewrite the bad copies of slot ${i} (or both, with ${all}). */
static int
heal_slot(struct repo *r, size_t i, int all)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	const struct kh_slotfile *s = &r->slots[i];
	int e = EXIT_OK;

	keyslot_id_hex(s->id, hex);
	if ((all || r->slotbad[i] == REPO_BAD_FIRST) && (e = repo_put_file(r,
	    r->keysfd, REPO_KEYS_DIR "/", hex, s->bytes, s->len, 1)) !=
	    EXIT_OK)
		return e;
	if ((all || r->slotbad[i] == REPO_BAD_COPY) && (e = repo_put_file(r,
	    r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR "/", hex, s->bytes,
	    s->len, 1)) != EXIT_OK)
		return e;
	if (r->slotbad[i] == REPO_BAD_FIRST || r->slotbad[i] == REPO_BAD_COPY)
		r->slotbad[i] = 0;
	return EXIT_OK;
}

/* Remove from copy/keys/ every slot that keys/ does not hold. */
static int
heal_stale(struct repo *r)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	size_t i;

	for (i = 0; i < r->nstale; i++) {
		keyslot_id_hex(r->stale[i], hex);
		if (fsio_unlink(r->ckeysfd, hex) != 0 && errno != ENOENT) {
			errorx("cannot remove %s/%s/%s/%s: %s", r->path,
			    REPO_COPY_DIR, REPO_KEYS_DIR, hex,
			    strerror(errno));
			return EXIT_ERR;
		}
	}
	r->nstale = 0;
	return EXIT_OK;
}

/* repo_meta_heal(r): see repo.h. */
int
repo_meta_heal(struct repo *r)
{
	uint8_t hdr[REPO_HEADER_BYTES];
	size_t i;
	int e;

	if (r->version == REPO_FORMAT_V1 || repo_meta_damage(r) == 0)
		return EXIT_OK;
	if ((e = heal_dir(r, r->dirfd, REPO_KEYS_DIR, &r->keysfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->dirfd, REPO_COPY_DIR, &r->copyfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->copyfd, REPO_KEYS_DIR, &r->ckeysfd)) !=
	    EXIT_OK || (e = heal_stale(r)) != EXIT_OK)
		return e;
	for (i = 0; i < r->nslots; i++)
		if (r->slotbad[i] != REPO_BAD_DIFFER &&
		    (e = heal_slot(r, i, 0)) != EXIT_OK)
			return e;
	if ((r->cfgbad & REPO_BAD_FIRST) && (e = repo_put_file(r, r->dirfd, "",
	    REPO_CONFIG_NAME, r->cfgsealed, r->cfglen, 1)) != EXIT_OK)
		return e;
	if ((r->cfgbad & REPO_BAD_COPY) && (e = repo_put_file(r, r->copyfd,
	    REPO_COPY_DIR "/", REPO_CONFIG_NAME, r->cfgsealed, r->cfglen, 1)) !=
	    EXIT_OK)
		return e;
	r->cfgbad = 0;
	repo_header_build(r, hdr);
	if ((r->hdrbad & REPO_BAD_COPY) && (e = repo_put_file(r, r->copyfd,
	    REPO_COPY_DIR "/", REPO_HEADER_NAME, hdr, sizeof(hdr), 1)) !=
	    EXIT_OK)
		return e;
	if ((r->hdrbad & REPO_BAD_FIRST) && (e = repo_put_file(r, r->dirfd, "",
	    REPO_HEADER_NAME, hdr, sizeof(hdr), 1)) != EXIT_OK)
		return e;
	r->hdrbad = 0;
	return EXIT_OK;
}

/*
 * A format 1 repository made format 2: its slots and config read (by
 * repo_unlock), the copies are written, the header's copy and then the
 * header in format 2.  Until the header is written, a reader sees format
 * 1 and ignores copy/; a second run starts copy/keys/ afresh, so what an
 * older tacit's 'key remove' did meanwhile is not undone.
 */
int
repo_meta_upgrade(struct repo *r)
{
	struct slotdir *c;
	size_t i;
	int e;

	if (r->version != REPO_FORMAT_V1)
		return EXIT_OK;
	r->version = REPO_FORMAT;
	if ((e = heal_dir(r, r->dirfd, REPO_COPY_DIR, &r->copyfd)) != EXIT_OK ||
	    (e = heal_dir(r, r->copyfd, REPO_KEYS_DIR, &r->ckeysfd)) !=
	    EXIT_OK)
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal(EXIT_ERR, "out of memory");
	e = slotdir_read(r, r->ckeysfd, REPO_COPY_DIR "/" REPO_KEYS_DIR, c);
	for (i = 0; e == EXIT_OK && i < c->n; i++)
		if (r->nstale < REPO_SLOTS_MAX)
			memcpy(r->stale[r->nstale++], c->id[i], SLOT_ID_BYTES);
	slotdir_free(c);
	free(c);
	if (e != EXIT_OK)
		goto out;
	for (i = 0; i < r->nslots; i++)
		r->slotbad[i] = REPO_BAD_COPY;
	r->hdrbad = REPO_BAD_FIRST | REPO_BAD_COPY;
	r->cfgbad = REPO_BAD_COPY;
	e = repo_meta_heal(r);
out:
	if (e != EXIT_OK)
		r->version = REPO_FORMAT_V1;
	return e;
}
