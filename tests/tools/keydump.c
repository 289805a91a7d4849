/*
 * keydump.c: a test-only tool that prints, in hex, the master key and
 * every subkey but the chunker's of a repository, one per line, so a test
 * can search a process's memory for them.  It unwraps the first key slot
 * with the passphrase on stdin using the format of doc/format.md directly
 * (not through tacit's keyholder, which has no way to export a key).
 *
 *   keydump REPO < passphrase
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fsio.h"
#include "kdf.h"
#include "keyslot.h"
#include "repo.h"

static void
hex(const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];

	sodium_bin2hex(h, sizeof(h), p, n);
	printf("%s\n", h);
}

int
main(int argc, char **argv)
{
	static const char *const ctx[] = { "tcmeta01", "tcindx01", "tcphdr01",
	    "tcdata01", "tcchid01", "tctrid01" };
	uint8_t *hdr, *slot, kek[32], mk[32], sub[32], ad[128];
	char pw[1100];
	struct keyslot s;
	struct dirent *de;
	size_t hlen, slen, adlen, n, i;
	int dfd, kfd;
	DIR *d;

	if (argc != 2 || sodium_init() < 0 ||
	    fgets(pw, sizeof(pw), stdin) == NULL)
		return 2;
	pw[strcspn(pw, "\n")] = '\0';
	if ((dfd = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0 ||
	    fsio_read(dfd, REPO_HEADER_NAME, 4096, &hdr, &hlen) != 0 ||
	    hlen != REPO_HEADER_BYTES ||
	    (kfd = openat(dfd, REPO_KEYS_DIR, O_RDONLY | O_DIRECTORY)) < 0 ||
	    (d = fdopendir(kfd)) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		if (keyslot_id_parse(de->d_name, s.id) != 0 ||
		    fsio_read(kfd, de->d_name, SLOT_FILE_MAX, &slot, &slen) != 0)
			continue;
		if (keyslot_decode(slot, slen, &s, (char *)ad, sizeof(ad)) != 0) {
			free(slot);
			continue;
		}
		(void)keyslot_id_parse(de->d_name, s.id);
		if (keyslot_wrap_ad(&s, hdr + 12, ad, sizeof(ad), &adlen) != 0 ||
		    kdf_derive(&s.kdf, (uint8_t *)pw, strlen(pw), s.salt,
		    hdr + 12, 16, kek) != 0 ||
		    crypto_aead_xchacha20poly1305_ietf_decrypt(mk, NULL, NULL,
		    s.wrap + 24, SLOT_WRAP_BYTES - 24, ad, adlen, s.wrap,
		    kek) != 0) {
			free(slot);
			continue;
		}
		hex(mk, sizeof(mk));
		for (i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
			crypto_kdf_derive_from_key(sub, sizeof(sub), 1, ctx[i],
			    mk);
			hex(sub, sizeof(sub));
		}
		(void)n;
		free(slot);
		free(hdr);
		(void)closedir(d);
		return 0;
	}
	free(hdr);
	(void)closedir(d);
	return 1;
}
