/*
 * envelope_fuzz.c: opening sealed objects under a fixed key: nothing but
 * what the key sealed may open, and nothing may crash on the way.
 */
#include <stdlib.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static const uint8_t key[ENV_KEY_BYTES], rid[ENV_REPOID_BYTES];
	static const uint8_t id[ENV_ID_BYTES];
	uint8_t *out;
	size_t n;

	if (len < 1 || (out = malloc(len)) == NULL)
		return 0;
	/* The first byte picks the type; the rest is the sealed object. */
	if (envelope_open(key, ENV_FORMAT, 1 + p[0] % (OBJ__MAX - 1), rid, id,
	    p + 1, len - 1, out, len, &n) == 0 && n > len)
		__builtin_trap();
	free(out);
	return 0;
}
