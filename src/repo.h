/*
 * repo.h: the repository on disk: header, key slots, config, lock.
 *
 *   REPO/header        plaintext: magic, format version, repository id
 *   REPO/keys/<16hex>  key slots (keyslot.h)
 *   REPO/config        sealed configuration (config.h)
 *   REPO/lock          empty; flock(2) target (lock.h)
 *   REPO/copy/header, REPO/copy/config, REPO/copy/keys/<16hex>
 *                      format 2: the second copy of each of the above,
 *                      byte for byte (doc/format.md section 2.1)
 *
 * These are role-level helpers: they print what went wrong and return one
 * of the exit codes of log.h, so a command can pass the code through.
 */
#ifndef TACIT_REPO_H
#define TACIT_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "envelope.h"
#include "kh.h"
#include "passphrase.h"

#define REPO_HEADER_NAME	"header"
#define REPO_CONFIG_NAME	"config"
#define REPO_KEYS_DIR		"keys"
#define REPO_COPY_DIR		"copy"		/* format 2: the second copies */
#define REPO_FORMAT		2	/* header format of new repositories */
#define REPO_FORMAT_V1		1	/* one copy of each: still read, written */
#define REPO_MAGIC		"TACIT\0\r\n"
#define REPO_MAGIC_BYTES	8
#define REPO_CHECK_BYTES	16
#define REPO_HEADER_BYTES	(REPO_MAGIC_BYTES + 4 + ENV_REPOID_BYTES + \
				 REPO_CHECK_BYTES)
#define REPO_SLOTS_MAX		64

/* Which copy of the header, the config or a slot is bad (struct repo). */
#define REPO_BAD_FIRST		0x1	/* header, config, keys/<id> */
#define REPO_BAD_COPY		0x2	/* copy/header, copy/config, ... */
#define REPO_BAD_DIFFER		0x4	/* slot copies differ, both well-formed:
					 * which is good needs its passphrase */

struct repo {
	char			*path;
	int			 dirfd;
	int			 keysfd;
	int			 lockfd;
	int			 copyfd;	/* copy/ (format 2), or -1 */
	int			 ckeysfd;	/* copy/keys/ (format 2), or -1 */
	uint32_t		 version;	/* REPO_FORMAT or REPO_FORMAT_V1 */
	uint8_t			 id[ENV_REPOID_BYTES];
	struct kh		*kh;
	struct config		 cfg;
	struct kh_slotfile	 slots[REPO_SLOTS_MAX];
	size_t			 nslots;
	size_t			 current;	/* slot that unlocked */
	/* Format 2: the state of the two copies (REPO_BAD_*). */
	unsigned		 hdrbad, cfgbad;
	uint8_t			*cfgsealed;	/* the config that opened */
	size_t			 cfglen;
	unsigned		 slotbad[REPO_SLOTS_MAX];
	struct kh_slotfile	 alt[REPO_SLOTS_MAX];	/* the other copy of a
							 * slot whose copies
							 * differ, or none */
	uint8_t			 stale[REPO_SLOTS_MAX][SLOT_ID_BYTES];
	size_t			 nstale;	/* copy/keys/<id> without keys/<id>:
						 * an unfinished removal */
};

/*
 * repo_create(path, rp): make ${path} (or use it if empty), a new random
 * repository id and the keys directory and lock file.  The header is
 * written last by repo_commit_init, so a half-made repository is never
 * mistaken for a whole one.  Returns EXIT_OK or an exit code.
 */
int repo_create(const char *, struct repo **)
    __attribute__((warn_unused_result));

/*
 * repo_prepare_dir(path): make the directory of a new repository if it
 * does not exist, durably (its parent is synced).  Done before the worker's
 * sandbox, which only lets it into the repository itself.  0, or -1.
 */
int repo_prepare_dir(const char *) __attribute__((warn_unused_result));

/*
 * repo_check_new(path): is ${path} no repository and no user's directory
 * (missing, empty, or only an interrupted init's files)?  Says why not.
 * Read only, so init can ask no passphrase for a directory it would
 * refuse; repo_create checks again.  EXIT_OK, or EXIT_ERR.
 */
int repo_check_new(const char *) __attribute__((warn_unused_result));

/*
 * repo_check_access(path, write): may this user read (and with ${write},
 * write) the repository ${path}?  If not because of its permissions, says
 * whose it is and returns EXIT_ERR; otherwise (a missing ${path} too:
 * repo_open names it) EXIT_OK.  Done before the worker's sandbox and its
 * first request, so a user who cannot use the repository is told so
 * before any passphrase is asked.
 */
int repo_check_access(const char *, int) __attribute__((warn_unused_result));

/*
 * repo_commit_init(r): write the config (sealed), its copy, the header's
 * copy and then the header (format 2: doc/format.md section 2.1).
 */
int repo_commit_init(struct repo *) __attribute__((warn_unused_result));

/*
 * repo_open(path, rp): open an existing repository and check its header
 * (magic, checksum, format version).  Returns EXIT_OK, EXIT_NOREPO,
 * EXIT_DAMAGED or EXIT_VERSION after saying what is wrong.
 */
int repo_open(const char *, struct repo **) __attribute__((warn_unused_result));

/*
 * repo_lock(r, mode, wait): take the repository lock (lock.h) in ${mode}
 * (REPO_LOCK_*), waiting up to ${wait} seconds.  Returns EXIT_OK, or
 * EXIT_LOCKED after a message naming the holder, or EXIT_ERR.
 */
int repo_lock(struct repo *, int, unsigned) __attribute__((warn_unused_result));

/*
 * repo_lock_early(path, mode, wait): the worker, before its sandbox, takes
 * the lock of the repository at ${path} for the rest of the process, so
 * that the wait happens and a refusal names the holder (/proc/PID/comm)
 * while /proc can still be read.  Returns EXIT_LOCKED after a message, or
 * EXIT_OK (also when the lock file cannot be opened: repo_open and
 * repo_lock then say why).
 */
int repo_lock_early(const char *, int, unsigned)
    __attribute__((warn_unused_result));

/*
 * repo_unlock(r, src): read the key slots, have the keyholder try the
 * passphrase from ${src}, then open the config.  Returns EXIT_OK, EXIT_PASS,
 * EXIT_DAMAGED or EXIT_ERR.
 */
int repo_unlock(struct repo *, const struct pass_src *)
    __attribute__((warn_unused_result));

/*
 * repo_slot_write(r, id, p, len): add the key slot keys/<id>, then (format
 * 2) its copy copy/keys/<id>.  EXIT_*.
 */
int repo_slot_write(struct repo *, const uint8_t[SLOT_ID_BYTES],
    const uint8_t *, size_t) __attribute__((warn_unused_result));

/*
 * repo_slot_remove(r, i): delete the loaded slot number ${i}: keys/<id>,
 * then its copy copy/keys/<id> (format 2).  EXIT_*.
 */
int repo_slot_remove(struct repo *, size_t) __attribute__((warn_unused_result));

/*
 * repo_meta_damage(r): how many copies of the header, the config and the
 * key slots of the unlocked ${r} are missing or damaged (each was named
 * in a warning when it was found), counting unfinished removals in
 * copy/keys/.  0 for a format 1 repository.
 */
size_t repo_meta_damage(const struct repo *);

/*
 * repo_meta_heal(r): rewrite every missing or damaged copy of the header,
 * the config and the key slots of the unlocked, write-locked ${r} from its
 * good copy (new file, fsync, rename over), and remove what an unfinished
 * 'key remove' left in copy/keys/.  Copies that differ with no way to
 * tell which is good are left alone (said).  Nothing for format 1.
 * Returns EXIT_OK, or EXIT_ERR after a message.
 */
int repo_meta_heal(struct repo *) __attribute__((warn_unused_result));

/*
 * repo_meta_upgrade(r): make the format 1 repository ${r} (unlocked,
 * exclusively locked) format 2: copy/keys/ gets exactly the slots of
 * keys/, then copy/config, copy/header and header are written in format 2.
 * Interrupted, it leaves a format 1 repository; run again, it finishes.
 * EXIT_OK, or EXIT_ERR after a message.
 */
int repo_meta_upgrade(struct repo *) __attribute__((warn_unused_result));

/* repo_close(r): release the lock, the keyholder and ${r}; NULL is a no-op. */
void repo_close(struct repo *);

#endif
