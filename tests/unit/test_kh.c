/*
 * test_kh.c: the keyholder interface.  Objects sealed through it open
 * through it and nowhere else: not under another master key, not as
 * another type (the type is in the associated data, and index and tree
 * objects use other subkeys as well).  Keyed ids depend on the key.  Nothing here ever handles key bytes.
 */
#include <string.h>

#include "kh.h"
#include "t.h"

int
main(void)
{
	uint8_t rid[ENV_REPOID_BYTES], id[ENV_ID_BYTES];
	uint8_t pt[100], sealed[256], out[256];
	uint8_t a[KH_ID_BYTES], b[KH_ID_BYTES], c[KH_ID_BYTES];
	struct kh *k1, *k2, *k0;
	size_t sl, len;

	t_init();
	randombytes_buf(rid, sizeof(rid));
	randombytes_buf(id, sizeof(id));
	randombytes_buf(pt, sizeof(pt));
	k1 = kh_new(rid);
	k2 = kh_new(rid);
	k0 = kh_new(rid);
	T(k1 && k2 && k0 && kh_generate(k1) == 0 && kh_generate(k2) == 0,
	    "two keyholders with their own master keys");
	T(kh_seal(k0, OBJ_CONFIG, id, pt, sizeof(pt), sealed, sizeof(sealed),
	    &sl) != 0, "a locked keyholder refuses to seal");
	T(kh_id(k0, KH_ID_DATA, pt, sizeof(pt), a) != 0, "a locked keyholder has no ids");
	T(kh_seal(k1, OBJ_CONFIG, id, pt, sizeof(pt), sealed, sizeof(sealed),
	    &sl) == 0, "seal through the interface");
	T(kh_open(k1, OBJ_CONFIG, id, sealed, sl, out, sizeof(out), &len) == 0
	    && len == sizeof(pt) && memcmp(out, pt, len) == 0, "open it back");
	T(kh_open(k2, OBJ_CONFIG, id, sealed, sl, out, sizeof(out), &len) != 0,
	    "another master key cannot open it");
	T(kh_open(k1, OBJ_INDEX, id, sealed, sl, out, sizeof(out), &len) != 0,
	    "relabelled as index it does not open");
	T(kh_open(k1, OBJ_TREE, id, sealed, sl, out, sizeof(out), &len) != 0,
	    "relabelled as tree it does not open");
	T(kh_seal(k1, OBJ__MAX, id, pt, 1, sealed, sizeof(sealed), &sl) != 0,
	    "no key for an unknown type");
	T(kh_id(k1, KH_ID_DATA, pt, sizeof(pt), a) == 0 && kh_id(k2, KH_ID_DATA, pt, sizeof(pt), b) ==
	    0 && memcmp(a, b, sizeof(a)) != 0, "keyed ids differ between keys");
	T(kh_id(k1, KH_ID_TREE, pt, sizeof(pt), c) == 0 &&
	    memcmp(a, c, sizeof(a)) != 0,
	    "the same bytes as a tree have another id (separate domains)");
	T(kh_id(k1, 7, pt, sizeof(pt), c) != 0, "unknown id domain refused");
	crypto_generichash(c, sizeof(c), pt, sizeof(pt), NULL, 0);
	T(memcmp(a, c, sizeof(a)) != 0, "a keyed id is not plain BLAKE2b");
	T(kh_id(k1, KH_ID_DATA, pt, sizeof(pt), b) == 0 && memcmp(a, b, sizeof(a)) == 0,
	    "ids are deterministic under one key (deduplication)");
	kh_free(k1);
	kh_free(k2);
	kh_free(k0);
	kh_free(NULL);
	return t_exit();
}
