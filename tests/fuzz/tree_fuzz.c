/* tree_fuzz.c: tree objects; whatever decodes must encode back the same. */
#include <string.h>

#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct tree t;
	struct dbuf b;

	if (tree_decode(p, len, &t) != 0)
		return 0;
	if (tree_encode(&t, &b) != 0 || b.len != len ||
	    memcmp(b.p, p, len) != 0)
		__builtin_trap();	/* the decoder accepted a non-canonical form */
	dbuf_free(&b);
	tree_free(&t);
	return 0;
}
