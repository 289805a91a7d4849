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

static inline int
t_exit(void)
{
	return t_failed ? 1 : 0;
}

#endif
