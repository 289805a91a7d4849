/*
 * recovery.h: the recovery key, in a form a person can write down.
 *
 * 125 random bits as 25 Crockford base32 digits, then 5 digits (25 bits) of
 * BLAKE2b("tacit-recovery-check" || digits) that catch typos, shown as six
 * groups of five: "7K2QD-0M9XA-...".  Input is forgiving: case, spaces and
 * dashes do not matter, O reads as 0 and I, L as 1.  The canonical text is
 * what the key slot's Argon2id sees, so any spelling of it unlocks.
 */
#ifndef TACIT_RECOVERY_H
#define TACIT_RECOVERY_H

#include <stddef.h>

#define RECOVERY_DATA_DIGITS	25
#define RECOVERY_CHECK_DIGITS	5
#define RECOVERY_DIGITS		(RECOVERY_DATA_DIGITS + RECOVERY_CHECK_DIGITS)
#define RECOVERY_TEXT_LEN	(RECOVERY_DIGITS + RECOVERY_DIGITS / 5 - 1)

#define RECOVERY_OK		0
#define RECOVERY_NOTKEY		-1	/* not shaped like a recovery key */
#define RECOVERY_TYPO		-2	/* shaped like one, checksum wrong */

/*
 * recovery_generate(text): a new random key in canonical form in ${text}
 * (RECOVERY_TEXT_LEN + 1 bytes, NUL-terminated; use secret memory).
 */
void recovery_generate(char *);

/*
 * recovery_canonical(in, len, out): if ${in} reads as a recovery key, write
 * its canonical form to ${out} (RECOVERY_TEXT_LEN + 1 bytes) and return
 * RECOVERY_OK; otherwise RECOVERY_NOTKEY or RECOVERY_TYPO, ${out} wiped.
 */
int recovery_canonical(const char *, size_t, char *);

#endif
