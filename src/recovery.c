/*
 * recovery.c: recovery key text.  Works on caller-provided (secret) memory
 * only; the scratch digits on the stack are wiped before returning.
 */
#include <string.h>

#include <sodium.h>

#include "recovery.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define CHECK_LABEL	"tacit-recovery-check"

/* Decode one Crockford digit; -1 for anything else. */
static int
digit_value(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

/* The 5 check digits of 25 data digits (values 0..31). */
static void
check_digits(const unsigned char d[RECOVERY_DATA_DIGITS],
    unsigned char c[RECOVERY_CHECK_DIGITS])
{
	crypto_generichash_state st;
	unsigned char h[8];
	uint32_t v;
	int i;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)CHECK_LABEL,
	    sizeof(CHECK_LABEL) - 1);
	crypto_generichash_update(&st, d, RECOVERY_DATA_DIGITS);
	crypto_generichash_final(&st, h, sizeof(h));
	v = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
	    (uint32_t)h[3] << 24;
	for (i = 0; i < RECOVERY_CHECK_DIGITS; i++)
		c[i] = (unsigned char)((v >> (5 * i)) & 31);
	sodium_memzero(h, sizeof(h));
}

/* Write 30 digit values as "XXXXX-XXXXX-...". */
static void
render(const unsigned char d[RECOVERY_DIGITS], char *out)
{
	size_t i, o = 0;

	for (i = 0; i < RECOVERY_DIGITS; i++) {
		if (i > 0 && i % 5 == 0)
			out[o++] = '-';
		out[o++] = alphabet[d[i]];
	}
	out[o] = '\0';
}

void
recovery_generate(char *out)
{
	unsigned char d[RECOVERY_DIGITS];
	size_t i;

	for (i = 0; i < RECOVERY_DATA_DIGITS; i++)
		d[i] = (unsigned char)randombytes_uniform(32);
	check_digits(d, d + RECOVERY_DATA_DIGITS);
	render(d, out);
	sodium_memzero(d, sizeof(d));
}

int
recovery_canonical(const char *in, size_t len, char *out)
{
	unsigned char d[RECOVERY_DIGITS], c[RECOVERY_CHECK_DIGITS];
	size_t i, n = 0;
	int v, r = RECOVERY_NOTKEY;

	for (i = 0; i < len; i++) {
		if (in[i] == '-' || in[i] == ' ')
			continue;
		if ((v = digit_value(in[i])) < 0 || n == RECOVERY_DIGITS)
			goto out;
		d[n++] = (unsigned char)v;
	}
	if (n != RECOVERY_DIGITS)
		goto out;
	check_digits(d, c);
	if (sodium_memcmp(c, d + RECOVERY_DATA_DIGITS, sizeof(c)) != 0) {
		r = RECOVERY_TYPO;
		goto out;
	}
	render(d, out);
	r = RECOVERY_OK;
out:
	if (r != RECOVERY_OK)
		sodium_memzero(out, RECOVERY_TEXT_LEN + 1);
	sodium_memzero(d, sizeof(d));
	sodium_memzero(c, sizeof(c));
	return r;
}
