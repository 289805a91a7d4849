/* keyslot_fuzz.c: key slot files; whatever decodes must encode back. */
#include <string.h>

#include "keyslot.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	uint8_t out[SLOT_FILE_MAX];
	struct keyslot s;
	char why[160];
	size_t n;

	if (keyslot_decode(p, len, &s, why, sizeof(why)) != 0)
		return 0;
	if (keyslot_encode(&s, out, sizeof(out), &n) != 0 || n != len ||
	    memcmp(out, p, len) != 0)
		__builtin_trap();
	return 0;
}
