/*
 * test_recovery.c: the recovery key's text form: canonical shape, forgiving
 * input, and a checksum that catches every single-character typo and every
 * swap of two neighbouring characters tried.  Also a slot made for a
 * recovery key unlocks with any spelling of it.
 */
#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "kh.h"
#include "log.h"
#include "pipe.h"
#include "recovery.h"
#include "t.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int
shape_ok(const char *k)
{
	size_t i;

	if (strlen(k) != RECOVERY_TEXT_LEN)
		return 0;
	for (i = 0; i < RECOVERY_TEXT_LEN; i++) {
		if (i % 6 == 5) {
			if (k[i] != '-')
				return 0;
		} else if (strchr(alphabet, k[i]) == NULL)
			return 0;
	}
	return 1;
}

int
main(void)
{
	char k[RECOVERY_TEXT_LEN + 1], k2[RECOVERY_TEXT_LEN + 1];
	char v[2 * RECOVERY_TEXT_LEN + 4], c[RECOVERY_TEXT_LEN + 1];
	size_t i, j, caught = 0, tried = 0, sw = 0, swtried = 0;
	int shapes = 1, distinct = 1;

	t_init();
	log_verbosity = 0;
	for (i = 0; i < 200; i++) {
		recovery_generate(k);
		recovery_generate(k2);
		shapes &= shape_ok(k);
		distinct &= strcmp(k, k2) != 0;
	}
	T(shapes, "200 keys have the shape XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX");
	T(distinct, "keys differ");
	recovery_generate(k);
	T(recovery_canonical(k, strlen(k), c) == RECOVERY_OK &&
	    strcmp(c, k) == 0, "canonical form of a key is itself");
	for (i = j = 0; k[i] != '\0'; i++) {
		if (k[i] == '-') {
			v[j++] = ' ';
			continue;
		}
		v[j++] = (char)tolower((unsigned char)k[i]);
	}
	v[j] = '\0';
	T(recovery_canonical(v, j, c) == RECOVERY_OK && strcmp(c, k) == 0,
	    "lower case with spaces reads back: %s", v);
	for (i = j = 0; k[i] != '\0'; i++)
		if (k[i] != '-')
			v[j++] = k[i] == '0' ? 'O' : k[i] == '1' ? 'l' : k[i];
	T(recovery_canonical(v, j, c) == RECOVERY_OK && strcmp(c, k) == 0,
	    "no dashes, O for 0 and l for 1 read back");
	/* Every single substitution at every position. */
	for (i = 0; i < RECOVERY_TEXT_LEN; i++) {
		if (k[i] == '-')
			continue;
		for (j = 0; j < 32; j++) {
			if (alphabet[j] == k[i])
				continue;
			memcpy(v, k, sizeof(k));
			v[i] = alphabet[j];
			tried++;
			if (recovery_canonical(v, RECOVERY_TEXT_LEN, c) ==
			    RECOVERY_TYPO)
				caught++;
		}
	}
	T(caught == tried, "%zu of %zu single-character typos caught", caught,
	    tried);
	for (i = 0; i + 1 < RECOVERY_TEXT_LEN; i++) {
		if (k[i] == '-' || k[i + 1] == '-' || k[i] == k[i + 1])
			continue;
		memcpy(v, k, sizeof(k));
		v[i] = k[i + 1];
		v[i + 1] = k[i];
		swtried++;
		if (recovery_canonical(v, RECOVERY_TEXT_LEN, c) == RECOVERY_TYPO)
			sw++;
	}
	T(sw == swtried, "%zu of %zu neighbour swaps caught", sw, swtried);
	T(recovery_canonical(k, RECOVERY_TEXT_LEN - 1, c) == RECOVERY_NOTKEY,
	    "a digit short: not a key");
	T(recovery_canonical("correct horse battery staple", 28, c) ==
	    RECOVERY_NOTKEY, "an ordinary passphrase is not a key");
	memcpy(v, k, sizeof(k));
	v[3] = 'U';
	T(recovery_canonical(v, RECOVERY_TEXT_LEN, c) == RECOVERY_NOTKEY,
	    "U is not a Crockford digit");

	/* A recovery slot opens with a differently spelled key. */
	{
		static const struct kdf_params cheap = { 1, 8192, 1 };
		uint8_t rid[ENV_REPOID_BYTES], sid[SLOT_ID_BYTES];
		uint8_t slot[SLOT_FILE_MAX];
		struct kh_slotfile f;
		struct kh_slotinfo info;
		struct pass_src src;
		struct kh *kh;
		char line[128];
		size_t len, which;
		int p[2];
		ssize_t n;

		randombytes_buf(rid, sizeof(rid));
		kh = kh_new(rid);
		T(kh_generate(kh) == 0 && kh_slot_new(kh, NULL, "", &cheap,
		    SLOT_KIND_RECOVERY, sid, slot, sizeof(slot), &len) ==
		    KH_OK, "recovery slot made");
		T(pipe(p) == 0 && kh_recovery_show(kh, p[1]) == 0,
		    "recovery key shown");
		close(p[1]);
		n = read(p[0], line, sizeof(line) - 1);
		close(p[0]);
		line[n > 0 ? n : 0] = '\0';
		T(kh_recovery_show(kh, 2) != 0, "shown only once");
		memcpy(f.id, sid, sizeof(sid));
		f.bytes = slot;
		f.len = len;
		T(kh_slot_info(kh, &f, &info) == 0 &&
		    info.kind == SLOT_KIND_RECOVERY, "slot kind is recovery");
		kh_free(kh);
		T(strncmp(line, "Recovery key: ", 14) == 0 &&
		    shape_ok(strtok(line + 14, "\n")), "printed: %s", line);
		for (i = 14, j = 0; line[i] != '\0'; i++)
			if (line[i] != '-')
				v[j++] = (char)tolower((unsigned char)line[i]);
		v[j++] = '\n';
		v[j] = '\0';
		src = pipe_src(v);
		kh = kh_new(rid);
		T(kh_unlock(kh, &src, "", &f, 1, &which) == KH_OK,
		    "recovery slot unlocks with the key in lower case, "
		    "no dashes");
		close(src.fd);
		kh_free(kh);
	}
	return t_exit();
}
