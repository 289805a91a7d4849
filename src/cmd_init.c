/*
 * cmd_init.c: tacit init -r DIR.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "lock.h"
#include "log.h"
#include "repo.h"

static struct repo *live;

/* fatal() path: wipe the keys. */
static void
cleanup(void)
{
	repo_close(live);
	live = NULL;
}

/*
 * Remove what a failed init made, so the directory can be used again:
 * only while we hold the lock (repo_create took it on the lock file it
 * made), and only if the lock file there is still ours; another init
 * refuses to touch the directory meanwhile (clear_leftovers), so nothing
 * here is anyone else's.
 */
static void
undo(struct repo *r, const uint8_t *sid)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	struct stat a, b;

	if (r->lockfd < 0 || fstat(r->lockfd, &a) != 0 ||
	    fstatat(r->dirfd, LOCK_NAME, &b, AT_SYMLINK_NOFOLLOW) != 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return;
	/* The header too: renamed in place, its directory's fsync failed.
	 * The directory was empty before (repo_create checked). */
	(void)unlinkat(r->dirfd, REPO_HEADER_NAME, 0);
	if (r->copyfd >= 0)
		(void)unlinkat(r->copyfd, REPO_HEADER_NAME, 0);
	if (sid != NULL) {
		keyslot_id_hex(sid, hex);
		(void)unlinkat(r->keysfd, hex, 0);
		if (r->ckeysfd >= 0)
			(void)unlinkat(r->ckeysfd, hex, 0);
	}
	(void)unlinkat(r->dirfd, REPO_CONFIG_NAME, 0);
	(void)unlinkat(r->dirfd, REPO_KEYS_DIR, AT_REMOVEDIR);
	if (r->copyfd >= 0) {
		(void)unlinkat(r->copyfd, REPO_CONFIG_NAME, 0);
		(void)unlinkat(r->copyfd, REPO_KEYS_DIR, AT_REMOVEDIR);
	}
	(void)unlinkat(r->dirfd, REPO_COPY_DIR, AT_REMOVEDIR);
	(void)unlinkat(r->dirfd, LOCK_NAME, 0);
}

/*
 * init --copy-chunker-from SRC: SRC's chunk sizes and chunker key into
 * the new config (format 2), so that a backup into DST cuts files at
 * exactly the points SRC's do (doc/format.md, section 12.2).  SRC is
 * unlocked by the other keyholder (its passphrase, a prompt naming it);
 * the key is the one the worker may hold.  EXIT_OK or an exit code.
 */
static int
chunker_from(const struct opts *o, struct repo *r)
{
	struct repo *src;
	int e;

	if ((e = repo_open(o->chunker_from, &src)) != EXIT_OK)
		return e;
	if (memcmp(src->id, r->id, ENV_REPOID_BYTES) == 0 ||
	    kh_other(src->kh) != 0) {
		errorx("--copy-chunker-from %s: not usable here",
		    o->chunker_from);
		repo_close(src);
		return EXIT_ERR;
	}
	if ((e = repo_lock(src, REPO_LOCK_SHARED, o->lock_wait)) != EXIT_OK ||
	    (e = repo_unlock(src, &o->other)) != EXIT_OK) {
		repo_close(src);
		return e;
	}
	r->cfg.chunk_min = src->cfg.chunk_min;
	r->cfg.chunk_avg = src->cfg.chunk_avg;
	r->cfg.chunk_max = src->cfg.chunk_max;
	if (r->cfg.pack_bytes < r->cfg.chunk_max)
		r->cfg.pack_bytes = src->cfg.pack_bytes;
	if (src->cfg.has_chunker_key)	/* SRC copied it from another */
		memcpy(r->cfg.chunker_key, src->cfg.chunker_key,
		    CONFIG_KEY_BYTES);
	else if (kh_chunker_key(src->kh, r->cfg.chunker_key) != 0) {
		errorx("cannot get the chunker key of %s", o->chunker_from);
		repo_close(src);
		return EXIT_ERR;
	}
	r->cfg.has_chunker_key = 1;
	repo_close(src);
	return EXIT_OK;
}

int
cmd_init(struct opts *o)
{
	struct repo *r;
	uint8_t sid[SLOT_ID_BYTES], slot[SLOT_FILE_MAX];
	char prompt[512], hex[2 * ENV_REPOID_BYTES + 1];
	size_t len;
	int e;

	if (o->argc != 0)
		fatal(EXIT_USAGE, "init takes no operands");
	if ((e = repo_create(o->repo, &r)) != EXIT_OK)
		return e;
	live = r;
	log_set_cleanup(cleanup);
	(void)snprintf(prompt, sizeof(prompt),
	    "New passphrase for repository %s: ", o->repo);
	if (o->zstd_level != 0)
		r->cfg.zstd_level = o->zstd_level;
	if (o->parity != 0)
		r->cfg.parity_pct = (uint32_t)(o->parity - 1);
	if (o->chunker_from != NULL && (e = chunker_from(o, r)) != EXIT_OK) {
		undo(r, NULL);
		goto out;
	}
	if (kh_generate(r->kh) != 0 ||
	    kh_slot_new(r->kh, &o->pass, prompt, &o->kdf, SLOT_KIND_PASSPHRASE,
	    sid, slot, sizeof(slot), &len) != KH_OK) {
		undo(r, NULL);
		e = EXIT_ERR;
		goto out;
	}
	if ((e = repo_slot_write(r, sid, slot, len)) != EXIT_OK ||
	    (e = repo_commit_init(r)) != EXIT_OK) {
		undo(r, sid);
		goto out;
	}
	sodium_bin2hex(hex, sizeof(hex), r->id, ENV_REPOID_BYTES);
	printf("created tacit repository %.8s at %s\n", hex, o->repo);
	if (o->chunker_from != NULL)
		printf("it cuts files as %s does (--copy-chunker-from)\n",
		    o->chunker_from);
	warnx("keep the passphrase safe: without it the backups cannot be "
	    "read; 'tacit key recovery' makes a recovery key");
out:
	sodium_memzero(slot, sizeof(slot));
	live = NULL;
	repo_close(r);
	return e;
}
