/*
 * parity_fuzz.c: the parity decoder (parity.h).  Input byte 0 even: the
 * rest is a whole file handed to parity_fix as read from disk (any bytes:
 * it must not crash, and a file it repairs must then be clean).  Odd:
 * byte 1 is the percent, bytes 2..3 the data length, then the data; the
 * file is encoded, then damaged by the ops that follow the data (u16
 * offset, u8 length, u8 xor), and parity_fix must give back exactly the
 * file as encoded or say it is lost: never "repaired" into other bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "parity.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
raw(const uint8_t *p, size_t len)
{
	struct parity_geom g;
	unsigned nbad;
	uint8_t *f;

	if (len == 0 || (f = malloc(len)) == NULL)
		return;
	memcpy(f, p, len);
	if (parity_fix(f, len, &g, &nbad) == PARITY_REPAIRED &&
	    parity_fix(f, len, &g, &nbad) != PARITY_CLEAN)
		__builtin_trap();
	free(f);
}

static void
coded(const uint8_t *p, size_t len)
{
	struct parity_geom g, h;
	uint8_t *f, *orig;
	unsigned nbad, pct;
	size_t L, i, off;
	int r;

	if (len < 4)
		return;
	pct = 1 + p[1] % PARITY_PCT_MAX;
	L = 1 + ((size_t)p[2] | (size_t)p[3] << 8);
	p += 4;
	len -= 4;
	if (parity_geom(L, pct, &g) != 0 || (f = calloc(1, g.P)) == NULL)
		return;
	if ((orig = malloc(g.P)) == NULL) {
		free(f);
		return;
	}
	memcpy(f, p, L < len ? L : len);
	if (parity_encode(f, &g) != 0)
		__builtin_trap();
	memcpy(orig, f, g.P);
	for (i = L < len ? L : len; i + 4 <= len; i += 4) {
		off = ((size_t)p[i] | (size_t)p[i + 1] << 8) * 7 % g.P;
		for (size_t j = 0; j < p[i + 2] && off + j < g.P; j++)
			f[off + j] ^= p[i + 3] ? p[i + 3] : 0xff;
	}
	r = parity_fix(f, g.P, &h, &nbad);
	if ((r == PARITY_CLEAN || r == PARITY_REPAIRED) &&
	    memcmp(f, orig, g.P) != 0)
		__builtin_trap();
	free(orig);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	if (len == 0)
		return 0;
	if (p[0] & 1)
		coded(p, len);
	else
		raw(p + 1, len - 1);
	return 0;
}
