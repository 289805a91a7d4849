/* index_fuzz.c: index segments. */
#include "index.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct index ix;

	index_init(&ix);
	(void)index_decode(&ix, p, len);
	index_free(&ix);
	return 0;
}
