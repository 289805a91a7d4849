/*
 * test_keyslot.c: key slots and the KDF.  Round trip through the keyholder
 * interface, wrong passphrase, tampered and malformed slots, KDF caps
 * enforced before any allocation, and libargon2 checked against libsodium's
 * independent Argon2id (crypto_pwhash) as an oracle.
 */
#include <sys/resource.h>

#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "kdf.h"
#include "kh.h"
#include "keyslot.h"
#include "log.h"
#include "pipe.h"
#include "t.h"

static const struct kdf_params cheap = { 1, 8192, 1 };	/* tests only */

static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int
unlock_with(const uint8_t *rid, const char *pw, struct kh_slotfile *f,
    size_t n)
{
	struct pass_src src = pipe_src(pw);
	struct kh *kh = kh_new(rid);
	size_t which;
	int r = kh_unlock(kh, &src, "", f, n, &which);

	close(src.fd);
	kh_free(kh);
	return r;
}

int
main(void)
{
	uint8_t rid[ENV_REPOID_BYTES], salt[KDF_SALT_BYTES];
	uint8_t a[KDF_OUT_BYTES], b[KDF_OUT_BYTES];
	uint8_t slot[SLOT_FILE_MAX], bad[SLOT_FILE_MAX + 8];
	uint8_t sid[SLOT_ID_BYTES];
	struct kh_slotfile f;
	struct kh_slotinfo info;
	struct keyslot ks;
	struct kdf_params p;
	struct pass_src src;
	struct kh *kh;
	char why[160];
	size_t len, i;
	long before;
	int all;

	t_init();
	log_verbosity = 0;
	randombytes_buf(rid, sizeof(rid));
	randombytes_buf(salt, sizeof(salt));

	/* Oracle: libargon2 (p=1) equals libsodium's crypto_pwhash. */
	T(kdf_derive(&cheap, (const uint8_t *)"pw", 2, salt, NULL, 0, a) == 0,
	    "argon2id derive (t=1, m=8 MiB, p=1)");
	T(crypto_pwhash(b, sizeof(b), "pw", 2, salt, 1, 8192u * 1024,
	    crypto_pwhash_ALG_ARGON2ID13) == 0 &&
	    sodium_memcmp(a, b, sizeof(a)) == 0,
	    "libargon2 output equals libsodium crypto_pwhash Argon2id v1.3");
	p = cheap;
	p.t_cost = 2;
	T(kdf_derive(&p, (const uint8_t *)"pw", 2, salt, NULL, 0, b) == 0 &&
	    sodium_memcmp(a, b, sizeof(a)) != 0, "t changes the output");
	T(kdf_derive(&cheap, (const uint8_t *)"pw", 2, salt, rid, 16, b) == 0 &&
	    sodium_memcmp(a, b, sizeof(a)) != 0,
	    "associated data (repository id) changes the output");

	/* Caps: refused by the check, before any allocation. */
	p = cheap; p.t_cost = KDF_T_MAX + 1;
	T(kdf_params_check(&p, why, sizeof(why)) != 0, "t > cap refused: %s",
	    why);
	p = cheap; p.t_cost = 0;
	T(kdf_params_check(&p, why, sizeof(why)) != 0, "t = 0 refused");
	p = cheap; p.lanes = KDF_LANES_MAX + 1;
	T(kdf_params_check(&p, why, sizeof(why)) != 0, "lanes > cap refused");
	p = cheap; p.lanes = 0;
	T(kdf_params_check(&p, why, sizeof(why)) != 0, "lanes = 0 refused");
	p = cheap; p.m_kib = KDF_M_KIB_MAX + 1;
	T(kdf_params_check(&p, why, sizeof(why)) != 0, "m > 2 GiB refused");
	p = cheap; p.m_kib = KDF_M_KIB_MAX; p.t_cost = 2;
	T(kdf_params_check(&p, why, sizeof(why)) == 0 ||
	    strstr(why, "available") != NULL, "2 GiB x 2 passes allowed");
	p = cheap; p.m_kib = KDF_M_KIB_MAX; p.t_cost = 3;
	T(kdf_params_check(&p, why, sizeof(why)) != 0 &&
	    strstr(why, "iterations") != NULL,
	    "2 GiB x 3 passes (over 4 GiB-passes) refused: %s", why);
	p = cheap; p.m_kib = 7;
	T(kdf_params_check(&p, why, sizeof(why)) != 0, "m < 8 * lanes refused");
	p = cheap; p.m_kib = 0xffffffffu;
	before = maxrss_kib();
	T(kdf_derive(&p, (const uint8_t *)"pw", 2, salt, NULL, 0, a) != 0 &&
	    maxrss_kib() - before < 65536,
	    "kdf_derive with m = 0xffffffff KiB fails without allocating");

	/* A slot through the keyholder interface. */
	kh = kh_new(rid);
	T(kh != NULL && kh_generate(kh) == 0, "keyholder with a new master key");
	src = pipe_src("secret one\n");
	T(kh_slot_new(kh, &src, "", &cheap, SLOT_KIND_PASSPHRASE, sid, slot,
	    sizeof(slot), &len) == KH_OK, "new passphrase slot (%zu bytes)",
	    len);
	close(src.fd);
	memcpy(f.id, sid, sizeof(sid));
	f.bytes = slot;
	f.len = len;
	T(kh_slot_info(kh, &f, &info) == 0 &&
	    info.kind == SLOT_KIND_PASSPHRASE && info.kdf.m_kib == 8192,
	    "slot metadata opens: kind passphrase, m = 8 MiB");
	kh_free(kh);
	T(unlock_with(rid, "secret one\n", &f, 1) == KH_OK,
	    "right passphrase unlocks");
	T(unlock_with(rid, "secret two\n", &f, 1) == KH_EPASS,
	    "wrong passphrase: KH_EPASS");
	{
		uint8_t rid2[ENV_REPOID_BYTES];
		memcpy(rid2, rid, sizeof(rid2));
		rid2[0] ^= 1;
		T(unlock_with(rid2, "secret one\n", &f, 1) == KH_EPASS,
		    "slot copied to another repository does not open");
	}

	/* Tampering with any byte before the metadata: never unlocks. */
	all = 1;
	for (i = 0; i < SLOT_PARAMS_BYTES + SLOT_WRAP_BYTES; i += 7) {
		memcpy(bad, slot, len);
		bad[i] ^= 0x01;
		f.bytes = bad;
		if (unlock_with(rid, "secret one\n", &f, 1) == KH_OK)
			all = 0;
	}
	T(all, "a flipped byte anywhere in parameters, salt or wrap: refused");
	memcpy(bad, slot, len);
	bad[len] = 0;
	f.bytes = bad;
	f.len = len + 1;
	T(unlock_with(rid, "secret one\n", &f, 1) == KH_ENOSLOT,
	    "slot with a trailing byte is skipped");
	f.len = len - 1;
	T(unlock_with(rid, "secret one\n", &f, 1) == KH_ENOSLOT,
	    "truncated slot is skipped");
	memcpy(bad, slot, len);
	le32enc(bad + SLOT_MAGIC_BYTES + 12, 0xffffffffu);   /* m_kib */
	f.len = len;
	before = maxrss_kib();
	T(unlock_with(rid, "secret one\n", &f, 1) == KH_ENOSLOT &&
	    maxrss_kib() - before < 65536,
	    "slot asking for 4 TiB of KDF memory is refused unallocated");
	T(keyslot_decode(slot, len, &ks, why, sizeof(why)) == 0 &&
	    ks.kdf.t_cost == 1 && ks.kdf.lanes == 1 && ks.metalen > 0,
	    "decode reads the parameters back");
	memcpy(bad, slot, len);
	bad[0] = 'X';
	T(keyslot_decode(bad, len, &ks, why, sizeof(why)) != 0,
	    "bad magic: %s", why);
	T(keyslot_id_parse("0123456789abcdef", sid) == 0 &&
	    keyslot_id_parse("0123456789ABCDEF", sid) != 0 &&
	    keyslot_id_parse("0123456789abcde", sid) != 0 &&
	    keyslot_id_parse("../../etc/passw", sid) != 0,
	    "slot names: exactly 16 lowercase hex digits");
	return t_exit();
}
