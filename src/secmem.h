/*
 * secmem.h: memory for secrets (passphrases, keys).
 *
 * Every secret byte lives in sodium_malloc memory: guard pages, a canary,
 * MADV_DONTDUMP, wiped by sodium_free.  sodium_malloc ignores a failed
 * mlock, so secmem checks the lock itself and warns once when
 * RLIMIT_MEMLOCK prevents it.
 */
#ifndef TACIT_SECMEM_H
#define TACIT_SECMEM_H

#include <stddef.h>

/*
 * secmem_alloc(len): ${len} bytes of locked, zeroed secret memory, or NULL.
 * Warns once on stderr when the memory could not be locked.
 */
void *secmem_alloc(size_t);

/* secmem_free(p): wipe and release ${p}; NULL is a no-op. */
void secmem_free(void *);

/*
 * secmem_wipe_all(): zero every live secret allocation, whatever its
 * protection.  Async-signal-safe (mprotect and plain stores only): the
 * signal handler in tacit.c calls it before _exit.
 */
void secmem_wipe_all(void);

/* secmem_lock_failed(): nonzero once any secret could not be mlocked. */
int secmem_lock_failed(void);

#endif
