/*
 * pipe.h: a passphrase source for unit tests: a pipe holding ${s}.
 */
#ifndef TACIT_TEST_PIPE_H
#define TACIT_TEST_PIPE_H

#include <string.h>
#include <unistd.h>

#include "passphrase.h"

static inline struct pass_src
pipe_src(const char *s)
{
	struct pass_src src = { .kind = PASS_FD, .fd = -1,
	    .which = PASS_CURRENT };
	int p[2];

	if (pipe(p) != 0)
		return src;
	(void)!write(p[1], s, strlen(s));
	(void)close(p[1]);
	src.fd = p[0];
	return src;
}

#endif
