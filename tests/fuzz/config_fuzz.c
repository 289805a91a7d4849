/* config_fuzz.c: the config plaintext; whatever decodes must encode back. */
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	uint8_t out[CONFIG_BYTES_MAX];
	struct config c;
	size_t n;

	if (config_decode(p, len, &c) != 0)
		return 0;
	n = config_encode(&c, out);
	if (len != n || memcmp(out, p, len) != 0)
		__builtin_trap();
	return 0;
}
