/*
 * secmem.c: locked memory for secrets, with the mlock result checked.
 */
#include <sys/resource.h>

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "secmem.h"

static int lock_failed;

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
			warnx("warning: cannot lock secret memory (%s; "
			    "RLIMIT_MEMLOCK is %llu bytes): secrets could reach "
			    "swap; raise 'ulimit -l' or disable swap",
			    strerror(errno), (unsigned long long)rl.rlim_cur);
		else
			warnx("warning: cannot lock secret memory: %s",
			    strerror(errno));
	}
	return p;
}

void
secmem_free(void *p)
{
	if (p != NULL)
		sodium_free(p);	/* wipes, then unlocks and unmaps */
}

int
secmem_lock_failed(void)
{
	return lock_failed;
}
