/*
 * kh.c: the keyholder.  Holds the master key and its subkeys in one
 * sodium_malloc region that is PROT_NONE except while a request uses it.
 * Everything secret is allocated, used and wiped inside one function here.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "ipc.h"
#include "kh.h"
#include "kh_priv.h"
#include "log.h"
#include "recovery.h"
#include "secmem.h"

/* Subkeys: one crypto_kdf context per purpose.  Never reuse a context. */
enum kh_key {
	KEY_META,	/* config, key slot metadata, snapshots */
	KEY_INDEX,	/* index segments */
	KEY_PACKHDR,	/* pack headers */
	KEY_DATA,	/* blobs and trees in packs */
	KEY_CHUNKID,	/* keyed chunk ids */
	KEY_TREEID,	/* keyed tree ids */
	KEY_CHUNKER,	/* chunk boundaries: the one key the worker will get */
	KEY__MAX
};

static const char *const key_context[KEY__MAX] = {
	[KEY_META] =	"tcmeta01",
	[KEY_INDEX] =	"tcindx01",
	[KEY_PACKHDR] =	"tcphdr01",
	[KEY_DATA] =	"tcdata01",
	[KEY_CHUNKID] =	"tcchid01",
	[KEY_TREEID] =	"tctrid01",
	[KEY_CHUNKER] =	"tcchnk01",
};

#define MK_OFF		0
#define SUB_OFF(k)	(SLOT_MK_BYTES + (size_t)(k) * ENV_KEY_BYTES)
#define KEYS_BYTES	SUB_OFF(KEY__MAX)

#define META_FORMAT	1
#define META_BYTES	16


static uint32_t
type_key(uint32_t type)
{
	switch ((enum obj_type)type) {
	case OBJ_CONFIG:
	case OBJ_SLOTMETA:
	case OBJ_SNAPSHOT:
		return KEY_META;
	case OBJ_INDEX:
		return KEY_INDEX;
	case OBJ_PACKHDR:
		return KEY_PACKHDR;
	case OBJ_TREE:
	case OBJ_BLOB:
		return KEY_DATA;
	case OBJ__MAX:
		break;
	}
	return KEY__MAX;
}

int kh_remote_fd = -1;

struct kh *
kh_new(const uint8_t repo_id[ENV_REPOID_BYTES])
{
	pthread_mutexattr_t ma;
	struct kh *kh;

	if ((kh = calloc(1, sizeof(*kh))) == NULL)
		return NULL;
	memcpy(kh->repo_id, repo_id, ENV_REPOID_BYTES);
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE) != 0 ||
	    pthread_mutex_init(&kh->mu, &ma) != 0) {
		free(kh);
		return NULL;
	}
	(void)pthread_mutexattr_destroy(&ma);
	kh->fd = kh_remote_fd;
	if (kh->fd >= 0)
		return kh;	/* the worker: no key ever lives here */
	if ((kh->keys = secmem_alloc(KEYS_BYTES)) == NULL) {
		free(kh);
		return NULL;
	}
	(void)sodium_mprotect_noaccess(kh->keys);
	return kh;
}

void
kh_free(struct kh *kh)
{
	if (kh == NULL)
		return;
	secmem_free(kh->keys);		/* sodium_free wipes whatever the prot */
	secmem_free(kh->pending);
	(void)pthread_mutex_destroy(&kh->mu);
	free(kh);
}

/* Derive every subkey from the master key; keys must be writable. */
static void
derive_subkeys(struct kh *kh)
{
	int k;

	for (k = 0; k < KEY__MAX; k++)
		crypto_kdf_derive_from_key(kh->keys + SUB_OFF(k),
		    ENV_KEY_BYTES, 1, key_context[k], kh->keys + MK_OFF);
}

int
kh_generate(struct kh *kh)
{
	if (kh->fd >= 0)
		return khc_generate(kh);
	(void)sodium_mprotect_readwrite(kh->keys);
	randombytes_buf(kh->keys + MK_OFF, SLOT_MK_BYTES);
	derive_subkeys(kh);
	(void)sodium_mprotect_noaccess(kh->keys);
	kh->have_mk = 1;
	return 0;
}

/* Slot ids are 8 bytes; the envelope id is 32: zero-extend. */
static void
slot_env_id(const uint8_t sid[SLOT_ID_BYTES], uint8_t id[ENV_ID_BYTES])
{
	memset(id, 0, ENV_ID_BYTES);
	memcpy(id, sid, SLOT_ID_BYTES);
}

/*
 * Try one passphrase on one decoded slot: Argon2id, then unwrap into the key
 * region.  Returns 0 when the slot opened.
 */
static int
try_slot(struct kh *kh, const struct keyslot *s, const uint8_t *pw,
    size_t pwlen, uint8_t *kek)
{
	uint8_t ad[128];
	size_t adlen;
	int r = -1;

	if (keyslot_wrap_ad(s, kh->repo_id, ad, sizeof(ad), &adlen) != 0)
		return -1;
	if (kdf_derive(&s->kdf, pw, pwlen, s->salt, kh->repo_id,
	    ENV_REPOID_BYTES, kek) != 0)
		return -1;
	(void)sodium_mprotect_readwrite(kh->keys);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(kh->keys + MK_OFF,
	    NULL, NULL, s->wrap + ENV_NONCE_BYTES,
	    SLOT_WRAP_BYTES - ENV_NONCE_BYTES, ad, adlen, s->wrap, kek) == 0) {
		derive_subkeys(kh);
		kh->have_mk = 1;
		r = 0;
	} else
		sodium_memzero(kh->keys, KEYS_BYTES);
	(void)sodium_mprotect_noaccess(kh->keys);
	sodium_memzero(kek, KDF_OUT_BYTES);
	return r;
}

/*
 * Sum the Argon2 work of the slots within the caps into kh->slots_work;
 * -1 (reported) when it is over what one unlock runs: a slot tacit did
 * not make.  Before any Argon2 runs, so a hostile set of slots costs
 * nothing but this refusal.
 */
static int
slots_too_costly(struct kh *kh, const struct kh_slotfile *slots, size_t n)
{
	struct keyslot s;
	char why[160], big[2 * SLOT_ID_BYTES + 1];
	uint64_t most = 0;
	size_t i;

	kh->slots_work = 0;
	big[0] = '\0';
	for (i = 0; i < n; i++) {
		if (keyslot_decode(slots[i].bytes, slots[i].len, &s, why,
		    sizeof(why)) != 0 ||
		    kdf_params_check(&s.kdf, why, sizeof(why)) != 0)
			continue;	/* skipped, with a warning, below */
		kh->slots_work += kdf_work(&s.kdf);
		if (kdf_work(&s.kdf) > most) {
			most = kdf_work(&s.kdf);
			keyslot_id_hex(slots[i].id, big);
		}
	}
	explicit_bzero(&s, sizeof(s));
	if (kh->slots_work <= KDF_UNLOCK_WORK_MAX_KIB)
		return 0;
	errorx("the key slots ask for %llu GiB-passes of Argon2id in all, "
	    "more than the %llu an unlock runs; tacit makes no such set of "
	    "slots, so some were not made by tacit (the largest: %s, %llu "
	    "MiB-passes); nothing was tried", (unsigned long long)
	    (kh->slots_work >> 20), (unsigned long long)
	    (KDF_UNLOCK_WORK_MAX_KIB >> 20), big,
	    (unsigned long long)(most >> 10));
	return -1;
}

int
kh_unlock(struct kh *kh, const struct pass_src *src, const char *prompt,
    const struct kh_slotfile *slots, size_t n, size_t *which)
{
	struct keyslot s;
	uint8_t *pw = NULL, *kek = NULL;
	char *canon = NULL, why[160], hex[2 * SLOT_ID_BYTES + 1];
	size_t pwlen, i, usable = 0;
	int rec, r = KH_ERR;

	if (kh->fd >= 0)
		return khc_unlock(kh, slots, n, which);
	if ((pw = passphrase_read(src, prompt, 0, &pwlen)) == NULL)
		goto out;
	if ((canon = secmem_alloc(RECOVERY_TEXT_LEN + 1)) == NULL ||
	    (kek = secmem_alloc(KDF_OUT_BYTES)) == NULL)
		goto out;
	rec = recovery_canonical((const char *)pw, pwlen, canon);
	if (slots_too_costly(kh, slots, n) != 0) {
		r = KH_ENOSLOT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		keyslot_id_hex(slots[i].id, hex);
		if (keyslot_decode(slots[i].bytes, slots[i].len, &s, why,
		    sizeof(why)) != 0 ||
		    kdf_params_check(&s.kdf, why, sizeof(why)) != 0) {
			warnx("key slot %s skipped: %s", hex, why);
			continue;
		}
		usable++;
		memcpy(s.id, slots[i].id, SLOT_ID_BYTES);
		if ((rec == RECOVERY_OK && try_slot(kh, &s,
		    (const uint8_t *)canon, RECOVERY_TEXT_LEN, kek) == 0) ||
		    try_slot(kh, &s, pw, pwlen, kek) == 0) {
			*which = i;
			r = KH_OK;
			goto out;
		}
	}
	if (usable == 0)
		r = KH_ENOSLOT;
	else {
		r = KH_EPASS;
		if (rec == RECOVERY_TYPO)
			warnx("that looks like a recovery key with a typo: "
			    "check each group");
	}
out:
	explicit_bzero(&s, sizeof(s));
	secmem_free(kek);
	secmem_free(canon);
	secmem_free(pw);
	return r;
}

static int
seal_meta(struct kh *kh, struct keyslot *s, uint32_t kind)
{
	uint8_t pt[META_BYTES], id[ENV_ID_BYTES];
	struct wbuf w;

	wbuf_init(&w, pt, sizeof(pt));
	wbuf_put_u32(&w, META_FORMAT);
	wbuf_put_u32(&w, kind);
	wbuf_put_u64(&w, (uint64_t)time(NULL));
	if (wbuf_done(&w) != 0)
		return -1;
	slot_env_id(s->id, id);
	return kh_seal(kh, OBJ_SLOTMETA, id, pt, sizeof(pt), s->meta,
	    sizeof(s->meta), &s->metalen);
}

/* Wrap the master key for ${s} under Argon2id(${pw}). */
static int
wrap_mk(struct kh *kh, struct keyslot *s, const uint8_t *pw, size_t pwlen)
{
	uint8_t ad[128], *kek;
	size_t adlen;
	int r = -1;

	if ((kek = secmem_alloc(KDF_OUT_BYTES)) == NULL)
		return -1;
	if (keyslot_wrap_ad(s, kh->repo_id, ad, sizeof(ad), &adlen) != 0 ||
	    kdf_derive(&s->kdf, pw, pwlen, s->salt, kh->repo_id,
	    ENV_REPOID_BYTES, kek) != 0)
		goto out;
	randombytes_buf(s->wrap, ENV_NONCE_BYTES);
	(void)sodium_mprotect_readonly(kh->keys);
	r = crypto_aead_xchacha20poly1305_ietf_encrypt(
	    s->wrap + ENV_NONCE_BYTES, NULL, kh->keys + MK_OFF, SLOT_MK_BYTES,
	    ad, adlen, NULL, s->wrap, kek);
	(void)sodium_mprotect_noaccess(kh->keys);
out:
	secmem_free(kek);
	return r;
}

int
kh_slot_new(struct kh *kh, const struct pass_src *src, const char *prompt,
    const struct kdf_params *kdf, uint32_t kind, uint8_t id[SLOT_ID_BYTES],
    uint8_t *out, size_t cap, size_t *len)
{
	uint8_t *pw = NULL;
	size_t pwlen = 0;
	int r;

	if (kh->fd >= 0)
		return khc_slot_new(kh, src ? src->which : PASS_CURRENT, kind,
		    id, out, cap, len);
	if (!kh->have_mk)
		return KH_ERR;
	/* The new passphrase lives from here to the secmem_free below. */
	if (kind == SLOT_KIND_PASSPHRASE &&
	    (pw = passphrase_read(src, prompt, 1, &pwlen)) == NULL)
		return KH_ERR;
	r = kh_slot_new_pw(kh, pw, pwlen, kdf, kind, id, out, cap, len);
	secmem_free(pw);
	return r;
}

int
kh_slot_new_pw(struct kh *kh, const uint8_t *newpw, size_t newlen,
    const struct kdf_params *kdf, uint32_t kind, uint8_t id[SLOT_ID_BYTES],
    uint8_t *out, size_t cap, size_t *len)
{
	struct keyslot s;
	uint8_t *rk = NULL;
	const uint8_t *pw = newpw;
	size_t pwlen = newlen;
	char why[160];
	int r = KH_ERR;

	memset(&s, 0, sizeof(s));
	if (kh->fd >= 0 || !kh->have_mk)
		goto out;
	if (kdf_params_check(kdf, why, sizeof(why)) != 0) {
		errorx("key derivation parameters: %s", why);
		goto out;
	}
	/* Never make a set of slots that unlocking would refuse. */
	if (kh->slots_work + kdf_work(kdf) > KDF_UNLOCK_WORK_MAX_KIB) {
		errorx("with this slot the key slots would ask for %llu "
		    "MiB-passes of Argon2id in all, more than the %llu an "
		    "unlock runs: remove a slot, or give lower --kdf-memory "
		    "or --kdf-iterations", (unsigned long long)
		    ((kh->slots_work + kdf_work(kdf)) >> 10),
		    (unsigned long long)(KDF_UNLOCK_WORK_MAX_KIB >> 10));
		goto out;
	}
	if (kind == SLOT_KIND_RECOVERY) {
		if ((rk = secmem_alloc(RECOVERY_TEXT_LEN + 1)) == NULL)
			goto out;
		recovery_generate((char *)rk);
		pw = rk;
		pwlen = RECOVERY_TEXT_LEN;
	} else if (kind != SLOT_KIND_PASSPHRASE || pw == NULL || pwlen == 0)
		goto out;
	randombytes_buf(s.id, SLOT_ID_BYTES);
	randombytes_buf(s.salt, KDF_SALT_BYTES);
	s.kdf = *kdf;
	if (wrap_mk(kh, &s, pw, pwlen) != 0 || seal_meta(kh, &s, kind) != 0 ||
	    keyslot_encode(&s, out, cap, len) != 0)
		goto out;
	memcpy(id, s.id, SLOT_ID_BYTES);
	if (kind == SLOT_KIND_RECOVERY) {
		secmem_free(kh->pending);
		kh->pending = (char *)rk;	/* shown by kh_recovery_show */
		rk = NULL;
	}
	r = KH_OK;
out:
	explicit_bzero(&s, sizeof(s));
	secmem_free(rk);
	return r;
}

int
kh_recovery_show(struct kh *kh, int fd)
{
	static const char pre[] = "Recovery key: ";
	int r = -1;

	if (kh->fd >= 0)
		return khc_recovery_show(kh);
	if (kh->pending == NULL)
		return -1;
	if (write(fd, pre, sizeof(pre) - 1) == (ssize_t)sizeof(pre) - 1 &&
	    write(fd, kh->pending, RECOVERY_TEXT_LEN) == RECOVERY_TEXT_LEN &&
	    write(fd, "\n", 1) == 1)
		r = 0;
	secmem_free(kh->pending);
	kh->pending = NULL;
	return r;
}

int
kh_slot_info(struct kh *kh, const struct kh_slotfile *f,
    struct kh_slotinfo *info)
{
	struct keyslot s;
	uint8_t id[ENV_ID_BYTES], pt[SLOT_META_MAX];
	uint32_t fmt;
	size_t len;
	struct rbuf r;
	char why[160];

	if (kh->fd >= 0)
		return khc_slot_info(kh, f, info);
	if (keyslot_decode(f->bytes, f->len, &s, why, sizeof(why)) != 0)
		return -1;
	slot_env_id(f->id, id);
	if (kh_open(kh, OBJ_SLOTMETA, id, s.meta, s.metalen, pt, sizeof(pt),
	    &len) != 0)
		return -1;
	rbuf_init(&r, pt, len);
	if (rbuf_get_u32(&r, &fmt) != 0 || fmt != META_FORMAT ||
	    rbuf_get_u32(&r, &info->kind) != 0 ||
	    rbuf_get_u64(&r, &info->created) != 0 || rbuf_end(&r) != 0)
		return -1;
	info->kdf = s.kdf;
	return 0;
}

/*
 * kh_hold ... kh_release bracket every use of the data keys.  They make
 * the keys readable once for a whole batch (two mprotect calls per blob
 * were a tenth of a restore) and serialise the callers: the worker's
 * backup pipeline asks from several threads, and one socket or one key
 * region serves one request at a time.  The mutex is recursive so a batch
 * can call the single-object operations.
 */
void
kh_hold(struct kh *kh)
{
	(void)pthread_mutex_lock(&kh->mu);
	if (kh->fd < 0 && kh->held++ == 0)
		(void)sodium_mprotect_readonly(kh->keys);
}

void
kh_release(struct kh *kh)
{
	if (kh->fd < 0 && --kh->held == 0)
		(void)sodium_mprotect_noaccess(kh->keys);
	(void)pthread_mutex_unlock(&kh->mu);
}

int
kh_seal(struct kh *kh, uint32_t type, const uint8_t id[ENV_ID_BYTES],
    const uint8_t *pt, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t k = type_key(type);
	int r = -1;

	kh_hold(kh);
	if (kh->fd >= 0)
		r = khc_seal(kh, type, id, pt, len, out, cap, outlen);
	else if (kh->have_mk && k != KEY__MAX)
		r = envelope_seal(kh->keys + SUB_OFF(k), ENV_FORMAT, type,
		    kh->repo_id, id, pt, len, out, cap, outlen);
	kh_release(kh);
	return r;
}

int
kh_open(struct kh *kh, uint32_t type, const uint8_t id[ENV_ID_BYTES],
    const uint8_t *in, size_t inlen, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t k = type_key(type);
	int r = -1;

	kh_hold(kh);
	if (kh->fd >= 0)
		r = khc_open(kh, type, id, in, inlen, out, cap, outlen);
	else if (kh->have_mk && k != KEY__MAX)
		r = envelope_open(kh->keys + SUB_OFF(k), ENV_FORMAT, type,
		    kh->repo_id, id, in, inlen, out, cap, outlen);
	kh_release(kh);
	return r;
}

int
kh_id_batch(struct kh *kh, uint32_t domain, size_t n,
    const uint8_t *const *data, const size_t *lens,
    uint8_t (*ids)[KH_ID_BYTES])
{
	size_t i = 0;
	int r;

	if (n > KH_BATCH_MAX)
		return -1;
	kh_hold(kh);
	if (kh->fd >= 0)
		r = khc_id_batch(kh, domain, n, data, lens, ids);
	else {
		for (i = 0; i < n; i++)
			if (kh_id(kh, domain, data[i], lens[i], ids[i]) != 0)
				break;
		r = i == n ? 0 : -1;
	}
	kh_release(kh);
	return r;
}

int
kh_seal_batch(struct kh *kh, size_t n, const uint32_t *types,
    const uint8_t (*ids)[ENV_ID_BYTES], const uint8_t *const *pts,
    const size_t *lens, uint8_t *out, size_t cap, size_t *outlens)
{
	size_t i, off = 0;
	int r;

	if (n > KH_BATCH_MAX)
		return -1;
	kh_hold(kh);
	if (kh->fd >= 0)
		r = khc_seal_batch(kh, n, types, ids, pts, lens, out, cap,
		    outlens);
	else {
		for (i = 0; i < n; i++) {
			if (kh_seal(kh, types[i], ids[i], pts[i], lens[i],
			    out + off, cap - off, &outlens[i]) != 0)
				break;
			off += outlens[i];
		}
		r = i == n ? 0 : -1;
	}
	kh_release(kh);
	return r;
}

int
kh_open_batch(struct kh *kh, size_t n, const uint32_t *types,
    const uint8_t (*ids)[ENV_ID_BYTES], const uint8_t *const *ins,
    const size_t *inlens, uint8_t *out, size_t cap, size_t *outlens)
{
	size_t i, off = 0;
	int r = 0;

	if (n > KH_BATCH_MAX)
		return -1;
	kh_hold(kh);
	if (kh->fd >= 0)
		r = khc_open_batch(kh, n, types, ids, ins, inlens, out, cap,
		    outlens);
	else
		for (i = 0; i < n; i++) {
			if (kh_open(kh, types[i], ids[i], ins[i], inlens[i],
			    out + off, cap - off, &outlens[i]) != 0)
				outlens[i] = SIZE_MAX;
			else
				off += outlens[i];
		}
	kh_release(kh);
	return r;
}

int
kh_other(struct kh *kh)
{
	if (kh->fd < 0 || kh->seq != 0)
		return -1;
	kh->fd = IPC_OTHER_FD;
	return 0;
}

int
kh_chunker_key(struct kh *kh, uint8_t out[ENV_KEY_BYTES])
{
	if (kh->fd >= 0)
		return khc_chunker_key(kh, out);
	if (!kh->have_mk)
		return -1;
	(void)sodium_mprotect_readonly(kh->keys);
	memcpy(out, kh->keys + SUB_OFF(KEY_CHUNKER), ENV_KEY_BYTES);
	(void)sodium_mprotect_noaccess(kh->keys);
	return 0;
}

int
kh_id(struct kh *kh, uint32_t domain, const uint8_t *data, size_t len,
    uint8_t id[KH_ID_BYTES])
{
	int r = -1;

	if (domain != KH_ID_DATA && domain != KH_ID_TREE)
		return -1;
	kh_hold(kh);
	if (kh->fd >= 0)
		r = khc_id(kh, domain, data, len, id);
	else if (kh->have_mk)
		r = crypto_generichash(id, KH_ID_BYTES, data, len, kh->keys +
		    SUB_OFF(domain == KH_ID_TREE ? KEY_TREEID : KEY_CHUNKID),
		    ENV_KEY_BYTES);
	kh_release(kh);
	return r;
}
