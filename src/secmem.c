/*
 * secmem.c: locked memory for secrets, with the mlock result checked.
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "secmem.h"

#define SECMEM_LIVE_MAX	32

static int lock_failed;

/* Live allocations, so a signal handler can wipe them before exiting. */
static struct {
	void	*p;
	size_t	 len;
} live[SECMEM_LIVE_MAX];
static volatile sig_atomic_t nlive;

static void
live_add(void *p, size_t len)
{
	int i;

	for (i = 0; i < SECMEM_LIVE_MAX; i++)
		if (live[i].p == NULL) {
			live[i].len = len;
			live[i].p = p;
			if (i >= nlive)
				nlive = i + 1;
			return;
		}
	/* Not tracked: still wiped by sodium_free, just not on a signal. */
}

static void
live_del(void *p)
{
	int i;

	for (i = 0; i < nlive; i++)
		if (live[i].p == p)
			live[i].p = NULL;
}

void
secmem_wipe_all(void)
{
	volatile uint8_t *q;
	size_t j;
	int i;

	for (i = 0; i < nlive; i++) {
		if (live[i].p == NULL)
			continue;
		(void)sodium_mprotect_readwrite(live[i].p);
		q = live[i].p;
		for (j = 0; j < live[i].len; j++)
			q[j] = 0;
	}
}

/*
 * A child of fork() sees the pages of ${p} as zeros: init reads its
 * passphrase before the worker is forked (then exec'ed), and no copy of a
 * secret should exist in that child even for the moment before the exec.
 */
static void
wipe_on_fork(void *p, size_t len)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(pg - 1);
	uintptr_t b = ((uintptr_t)p + len + pg - 1) & ~(pg - 1);

	(void)madvise((void *)a, b - a, MADV_WIPEONFORK);
}

void *
secmem_alloc(size_t len)
{
	struct rlimit rl;
	void *p;

	if ((p = sodium_malloc(len)) == NULL)
		return NULL;
	sodium_memzero(p, len);
	/*
	 * sodium_malloc already tried mlock and threw the result away; lock
	 * again (idempotent) to learn whether the pages are really pinned.
	 */
	if (sodium_mlock(p, len) != 0 && !lock_failed) {
		lock_failed = 1;
		if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			alertx("cannot lock secret memory (%s; "
			    "RLIMIT_MEMLOCK is %llu bytes): secrets could reach "
			    "swap; raise 'ulimit -l' or disable swap",
			    strerror(errno), (unsigned long long)rl.rlim_cur);
		else
			alertx("cannot lock secret memory: %s",
			    strerror(errno));
	}
	wipe_on_fork(p, len);
	live_add(p, len);
	return p;
}

void
secmem_free(void *p)
{
	if (p == NULL)
		return;
	live_del(p);
	sodium_free(p);		/* wipes, then unlocks and unmaps */
}

int
secmem_lock_failed(void)
{
	return lock_failed;
}
