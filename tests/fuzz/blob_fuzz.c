/*
 * blob_fuzz.c: the zstd path of restore and check.  The first two bytes
 * say how large the output claims to be; the decoder must never write past
 * an exact-size buffer (ASan sees it), and a buffer one byte short must
 * fail, never succeed.  One decompression context serves every input,
 * as in restore, so an error must not leave it unusable.
 */
#include <stdlib.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static ZSTD_DCtx *dz;
	size_t raw;
	uint8_t *out;

	if (len < 3 || (dz == NULL && (dz = ZSTD_createDCtx()) == NULL))
		return 0;
	raw = (size_t)p[0] | (size_t)p[1] << 8;
	if ((out = malloc(raw ? raw : 1)) == NULL)
		return 0;
	if (reader_blob_plain(dz, p + 2, len - 2, raw, out) == 0 && raw > 0 &&
	    reader_blob_plain(dz, p + 2, len - 2, raw - 1, out) == 0)
		__builtin_trap();	/* the same blob fit two sizes */
	free(out);
	return 0;
}
