/* snapshot_fuzz.c: snapshot plaintexts. */
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct snapshot s;

	if (snapshot_decode(p, len, &s) == 0)
		snapshot_free_fields(&s);
	return 0;
}
