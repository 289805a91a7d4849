/*
 * cmd_key.c: tacit key list | add | remove | passwd | recovery.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "repo.h"

/* Find the loaded slot whose hex id starts with ${prefix}; -1 if none. */
static int
find_slot(struct repo *r, const char *prefix, size_t *ip)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	size_t i, n = 0, plen = strlen(prefix);

	for (i = 0; i < r->nslots; i++) {
		keyslot_id_hex(r->slots[i].id, hex);
		if (plen > 0 && strncmp(hex, prefix, plen) == 0) {
			*ip = i;
			n++;
		}
	}
	if (n == 1)
		return 0;
	errorx(n == 0 ? "no key slot %s in %s" :
	    "key slot prefix %s is ambiguous in %s", prefix, r->path);
	return -1;
}

static const char *
kind_name(uint32_t kind)
{
	return kind == SLOT_KIND_RECOVERY ? "recovery" :
	    kind == SLOT_KIND_PASSPHRASE ? "passphrase" : "unknown";
}

/* Print slot ${i}; returns -1 if its metadata is damaged. */
static int
list_one(struct repo *r, size_t i, int json, int first)
{
	struct kh_slotinfo info;
	char hex[2 * SLOT_ID_BYTES + 1], when[32] = "?";
	struct tm tm;
	time_t t;
	int cur = (i == r->current);

	keyslot_id_hex(r->slots[i].id, hex);
	if (kh_slot_info(r->kh, &r->slots[i], &info) != 0) {
		errorx("key slot %s: metadata damaged or tampered with", hex);
		return -1;
	}
	t = (time_t)info.created;
	if (gmtime_r(&t, &tm) != NULL)
		(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json)
		printf("%s{\"id\":\"%s\",\"kind\":\"%s\",\"created\":\"%s\","
		    "\"current\":%s,\"kdf\":{\"algorithm\":\"argon2id\","
		    "\"memory_kib\":%u,\"iterations\":%u,\"lanes\":%u}}",
		    first ? "" : ",", hex, kind_name(info.kind), when,
		    cur ? "true" : "false", info.kdf.m_kib, info.kdf.t_cost,
		    info.kdf.lanes);
	else
		printf("%s %s %-10s %s  argon2id m=%uMiB t=%u p=%u\n",
		    cur ? "*" : " ", hex, kind_name(info.kind), when,
		    info.kdf.m_kib >> 10, info.kdf.t_cost, info.kdf.lanes);
	return 0;
}

static int
key_list(struct repo *r, struct opts *o)
{
	size_t i, shown = 0;
	int e = EXIT_OK;

	if (o->json)
		printf("[");
	for (i = 0; i < r->nslots; i++) {
		if (list_one(r, i, o->json, shown == 0) == 0)
			shown++;
		else
			e = EXIT_DAMAGED;
	}
	if (o->json)
		printf("]\n");
	return e;
}

/* Make and write a new slot of ${kind}; its id goes to ${sid}. */
static int
add_slot(struct repo *r, struct opts *o, uint32_t kind,
    uint8_t sid[SLOT_ID_BYTES])
{
	uint8_t slot[SLOT_FILE_MAX];
	char prompt[512];
	size_t len;
	int e;

	(void)snprintf(prompt, sizeof(prompt),
	    "New passphrase for repository %s: ", r->path);
	if (kh_slot_new(r->kh, &o->newpass, prompt, &o->kdf, kind, sid, slot,
	    sizeof(slot), &len) != KH_OK)
		return EXIT_ERR;
	e = repo_slot_write(r, sid, slot, len);
	return e;
}

static int
key_add(struct repo *r, struct opts *o, uint32_t kind)
{
	uint8_t sid[SLOT_ID_BYTES];
	char hex[2 * SLOT_ID_BYTES + 1];
	int e;

	if ((e = add_slot(r, o, kind, sid)) != EXIT_OK)
		return e;
	keyslot_id_hex(sid, hex);
	if (kind == SLOT_KIND_RECOVERY) {
		if (kh_recovery_show(r->kh, STDOUT_FILENO) != 0) {
			errorx("cannot print the recovery key; remove slot %s",
			    hex);
			return EXIT_ERR;
		}
		warnx("added recovery key slot %s; write the key down now and "
		    "keep it apart from the disk: it is shown only once", hex);
	} else
		warnx("added key slot %s", hex);
	return EXIT_OK;
}

static int
key_remove(struct repo *r, struct opts *o)
{
	char hex[2 * SLOT_ID_BYTES + 1];
	size_t i;
	int e;

	if (o->argc != 2)
		fatal(EXIT_USAGE, "usage: tacit key remove -r DIR ID");
	if (find_slot(r, o->argv[1], &i) != 0)
		return EXIT_ERR;
	keyslot_id_hex(r->slots[i].id, hex);
	if (r->nslots == 1) {
		errorx("key slot %s is the last one; removing it would make "
		    "the repository unreadable", hex);
		return EXIT_ERR;
	}
	if (i == r->current) {
		errorx("key slot %s is the one you unlocked with; unlock with "
		    "another passphrase to remove it", hex);
		return EXIT_ERR;
	}
	if ((e = repo_slot_remove(r, i)) != EXIT_OK)
		return e;
	warnx("removed key slot %s", hex);
	return EXIT_OK;
}

/* Replace one slot: write the new one first, then remove the old one. */
static int
key_passwd(struct repo *r, struct opts *o)
{
	struct kh_slotinfo info;
	uint8_t sid[SLOT_ID_BYTES];
	char old[2 * SLOT_ID_BYTES + 1], new[2 * SLOT_ID_BYTES + 1];
	size_t i = r->current;
	int e;

	if (o->argc > 2)
		fatal(EXIT_USAGE, "usage: tacit key passwd -r DIR [ID]");
	if (o->argc == 2 && find_slot(r, o->argv[1], &i) != 0)
		return EXIT_ERR;
	keyslot_id_hex(r->slots[i].id, old);
	if (kh_slot_info(r->kh, &r->slots[i], &info) != 0) {
		errorx("key slot %s: metadata damaged or tampered with; add a "
		    "new passphrase with 'tacit key add' and remove it", old);
		return EXIT_DAMAGED;
	}
	if (info.kind == SLOT_KIND_RECOVERY) {
		errorx("key slot %s holds a recovery key; add a new one with "
		    "'tacit key recovery' and remove this one", old);
		return EXIT_ERR;
	}
	if ((e = add_slot(r, o, SLOT_KIND_PASSPHRASE, sid)) != EXIT_OK)
		return e;
	keyslot_id_hex(sid, new);
	if ((e = repo_slot_remove(r, i)) != EXIT_OK) {
		errorx("the new passphrase is in slot %s; the old slot %s is "
		    "still valid too", new, old);
		return e;
	}
	warnx("passphrase changed: key slot %s replaced by %s", old, new);
	return EXIT_OK;
}

/* cmd_key_lock_mode(sub): see cmd.h. */
int
cmd_key_lock_mode(const char *sub)
{
	if (strcmp(sub, "list") == 0)
		return REPO_LOCK_SHARED;
	if (strcmp(sub, "add") == 0 || strcmp(sub, "recovery") == 0)
		return REPO_LOCK_ADD;	/* a new slot file: readers go on */
	if (strcmp(sub, "remove") == 0 || strcmp(sub, "passwd") == 0)
		return REPO_LOCK_EXCL;	/* a slot file goes */
	return -1;
}

int
cmd_key(struct opts *o)
{
	struct repo *r;
	const char *sub;
	int e, mode;

	if (o->argc < 1)
		fatal(EXIT_USAGE, "usage: tacit key list|add|remove|passwd|"
		    "recovery -r DIR");
	sub = o->argv[0];
	if ((mode = cmd_key_lock_mode(sub)) < 0)
		fatal(EXIT_USAGE, "unknown key command '%s'", sub);
	if ((strcmp(sub, "list") == 0 || strcmp(sub, "add") == 0 ||
	    strcmp(sub, "recovery") == 0) && o->argc != 1)
		fatal(EXIT_USAGE, "key %s takes no operands", sub);
	if ((e = cmd_open(o, mode, &r)) != EXIT_OK)
		return e;
	/* key remove and passwd first make every copy whole
	 * (doc/format.md section 2.1): a removal left half done by a crash
	 * is finished before anything else. */
	if (mode == REPO_LOCK_EXCL && (e = repo_meta_heal(r)) != EXIT_OK) {
		cmd_close(r);
		return e;
	}
	if (strcmp(sub, "list") == 0)
		e = key_list(r, o);
	else if (strcmp(sub, "add") == 0)
		e = key_add(r, o, SLOT_KIND_PASSPHRASE);
	else if (strcmp(sub, "recovery") == 0)
		e = key_add(r, o, SLOT_KIND_RECOVERY);
	else if (strcmp(sub, "remove") == 0)
		e = key_remove(r, o);
	else
		e = key_passwd(r, o);
	cmd_close(r);
	return e;
}
