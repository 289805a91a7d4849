/*
 * padme.c: Padmé padding lengths.
 */
#include "padme.h"

static unsigned
ilog2(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);	/* v > 0 */
}

uint64_t
padme(uint64_t len)
{
	unsigned e, s, low;
	uint64_t mask;

	if (len < 2)
		return len;
	e = ilog2(len);			/* exponent */
	s = ilog2(e) + 1;		/* bits needed to write e */
	low = e - s;			/* low bits that must be zero */
	mask = ((uint64_t)1 << low) - 1;
	return (len + mask) & ~mask;
}
