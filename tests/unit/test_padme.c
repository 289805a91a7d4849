/*
 * test_padme.c: Padmé lengths against values computed independently (a
 * Python transcription of the PURBs paper, section 4) including the
 * paper's own examples 9 -> 10 and 129 -> 144, and the
 * promises: never shorter, overhead
 * under 12 %, and few distinct sizes.
 */
#include <stdint.h>

#include "padme.h"
#include "t.h"

int
main(void)
{
	static const uint64_t in[] =  { 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 100,
	    129, 1000, 1024, 1025, 65537, 1048577, 4194305 };
	static const uint64_t out[] = { 0, 1, 2, 3, 4, 5, 8, 10, 10, 12, 104,
	    144, 1024, 1024, 1088, 67584, 1081344, 4325376 };
	uint64_t l, p, prev = 0, distinct = 0, last = 0;
	size_t i;
	int okmono = 1, okover = 1, okfix = 1;

	t_init();
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		T(padme(in[i]) == out[i], "padme(%llu) = %llu (got %llu)",
		    (unsigned long long)in[i], (unsigned long long)out[i],
		    (unsigned long long)padme(in[i]));
	for (l = 1; l < (1u << 20); l++) {
		p = padme(l);
		if (p < l || p < prev)
			okmono = 0;
		if (l >= 64 && (p - l) * 100 > l * 12)
			okover = 0;
		if (padme(p) != p)
			okfix = 0;
		prev = p;
	}
	T(okmono, "padme(L) >= L and non-decreasing for L < 1 MiB");
	T(okover, "overhead at most 12 %% for 64 <= L < 1 MiB");
	T(okfix, "padded lengths are fixed points");
	for (l = 512u << 10; l <= (8u << 20); l++) {
		p = padme(l);
		if (p != last) {
			distinct++;
			last = p;
		}
	}
	T(distinct < 200, "512 KiB..8 MiB pads to %llu distinct sizes",
	    (unsigned long long)distinct);
	T((padme(4194305) - 4194305) * 1000 <= 4194305 * 32,
	    "overhead at 4 MiB + 1 is at most 3.2 %%");
	return t_exit();
}
