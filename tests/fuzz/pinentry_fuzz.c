/*
 * pinentry_fuzz.c: the Assuan response decoder (pinentry_line), fed the
 * input line by line into an exact-size PIN buffer; and the escaper's
 * round trip: whatever it writes decodes back to a prefix of the input.
 */
#include <stdlib.h>
#include <string.h>

#include "pinentry.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CAP	64

static void
decode(const uint8_t *p, size_t len)
{
	struct pinentry_resp r;
	const uint8_t *nl;
	uint8_t *line;
	size_t n;
	int st = PINENTRY_MORE;

	memset(&r, 0, sizeof(r));
	r.pin = malloc(CAP + 1);
	r.cap = CAP;
	while (st == PINENTRY_MORE && (nl = memchr(p, '\n', len)) != NULL) {
		n = (size_t)(nl - p);
		line = malloc(n + 1);	/* exact size: ASan sees an overread */
		memcpy(line, p, n);
		st = pinentry_line(&r, line, n);
		free(line);
		if (r.len > r.cap)
			__builtin_trap();
		len -= n + 1;
		p = nl + 1;
	}
	free(r.pin);
}

static void
roundtrip(const uint8_t *p, size_t len)
{
	struct pinentry_resp r;
	char out[300], line[310];
	uint8_t pin[sizeof(out) + 1];	/* a decode is never longer */
	size_t n;

	n = pinentry_escape(p, len, out, sizeof(out));
	if (n != strlen(out) || memchr(out, '\n', n) != NULL)
		__builtin_trap();
	memcpy(line, "D ", 2);
	memcpy(line + 2, out, n);
	memset(&r, 0, sizeof(r));
	r.pin = pin;
	r.cap = sizeof(pin) - 1;
	if (pinentry_line(&r, (const uint8_t *)line, n + 2) != PINENTRY_MORE ||
	    r.len > len || memcmp(r.pin, p, r.len) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	decode(p, len);
	roundtrip(p, len);
	return 0;
}
