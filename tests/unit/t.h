/*
 * t.h: a tiny assertion harness for unit tests.  Each case prints
 * "ok - what" or "not ok - what (file:line)"; main returns t_exit().
 */
#ifndef TACIT_T_H
#define TACIT_T_H

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

static int t_failed;

#define T(cond, ...) do {						\
	if (cond) {							\
		printf("ok - ");					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} else {							\
		t_failed++;						\
		printf("not ok - ");					\
		printf(__VA_ARGS__);					\
		printf(" (%s:%d: %s)\n", __FILE__, __LINE__, #cond);	\
	}								\
	fflush(stdout);							\
} while (0)

static inline void
t_init(void)
{
	if (sodium_init() < 0) {
		printf("not ok - sodium_init\n");
		exit(1);
	}
}

/*
 * 1 under make valgrind (TACIT_UNIT_QUICK=1): a test may leave out the
 * largest of several inputs that take one code path, saying so with a
 * "# SKIP" line; every other run (release, sanitizers, static) takes them.
 */
static inline int
t_quick(void)
{
	const char *q = getenv("TACIT_UNIT_QUICK");

	return q != NULL && q[0] == '1';
}

static inline int
t_exit(void)
{
	return t_failed ? 1 : 0;
}

#endif
