/*
 * kdf.c: Argon2id through argon2_ctx, with the pitfalls of libargon2
 * 20171227 handled: the version is set explicitly (the library hashes
 * whatever it finds, including 0), the allocator reports failure through
 * *memory (its return value is ignored), and both callbacks are set.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <sodium.h>

#include "kdf.h"
#include "log.h"

/* Available memory in KiB from /proc/meminfo, or 0 when unknown. */
static uint64_t
mem_available_kib(void)
{
	static uint64_t cached;
	static int known;
	char line[256];
	unsigned long long v;
	uint64_t kib = 0;
	FILE *f;

	/* Read once, before any sandbox: the keyholder may not open later. */
	if (known)
		return cached;
	known = 1;
	if ((f = fopen("/proc/meminfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "MemAvailable: %llu kB", &v) == 1) {
			kib = v;
			break;
		}
	}
	fclose(f);
	cached = kib;
	return kib;
}

void
kdf_params_default(struct kdf_params *p)
{
	uint64_t avail = mem_available_kib();
	uint32_t m = 512u << 10;	/* 512 MiB */

	while (avail != 0 && m > KDF_NEW_M_KIB_MIN && m > avail / 4)
		m /= 2;
	p->m_kib = m;
	p->t_cost = 2;
	p->lanes = 4;
}

int
kdf_params_check(const struct kdf_params *p, char *why, size_t whylen)
{
	uint64_t avail;

	if (p->t_cost < 1 || p->t_cost > KDF_T_MAX) {
		snprintf(why, whylen, "iterations %u outside 1..%u",
		    p->t_cost, KDF_T_MAX);
		return -1;
	}
	if (p->lanes < 1 || p->lanes > KDF_LANES_MAX) {
		snprintf(why, whylen, "lanes %u outside 1..%u", p->lanes,
		    KDF_LANES_MAX);
		return -1;
	}
	if (p->m_kib < 8 * p->lanes || p->m_kib > KDF_M_KIB_MAX) {
		snprintf(why, whylen, "memory %u KiB outside %u..%u KiB",
		    p->m_kib, 8 * p->lanes, KDF_M_KIB_MAX);
		return -1;
	}
	if (kdf_work(p) > KDF_WORK_MAX_KIB) {
		snprintf(why, whylen, "memory times iterations %llu MiB "
		    "over %llu MiB", (unsigned long long)(kdf_work(p) >> 10),
		    (unsigned long long)(KDF_WORK_MAX_KIB >> 10));
		return -1;
	}
	avail = mem_available_kib();
	if (avail != 0 && p->m_kib > avail / 4 * 3) {
		snprintf(why, whylen, "needs %u MiB of memory but only %llu "
		    "MiB are available", p->m_kib >> 10,
		    (unsigned long long)(avail >> 10));
		return -1;
	}
	return 0;
}

uint64_t
kdf_work(const struct kdf_params *p)
{
	return (uint64_t)p->m_kib * p->t_cost;
}

/*
 * The Argon2 work area holds values derived from the passphrase (its last
 * blocks give the KEK; its first ones a cheap check of a guess): keep it
 * out of core dumps and out of children.  It is not locked.  mlock would
 * fault in up to KDF_M_KIB_MAX at once for every slot tried, which a
 * hostile slot chooses (as root, where the limit allows it, that pushed
 * the rest of the machine out to swap); for a user the default
 * RLIMIT_MEMLOCK (8 MiB) refused it anyway.  What it guarded against,
 * swap, is the same for every other page of a process under memory
 * pressure: P4 in threat-model.md asks for encrypted or no swap, and
 * `tacit doctor` checks.  The area lives for one derivation and libargon2
 * wipes it before kdf_free.
 */
static int
kdf_alloc(uint8_t **memory, size_t len)
{
	void *p;

	*memory = NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return ARGON2_MEMORY_ALLOCATION_ERROR;
	(void)madvise(p, len, MADV_DONTDUMP);
	(void)madvise(p, len, MADV_WIPEONFORK);
	*memory = p;
	return ARGON2_OK;
}

/* libargon2 has already wiped the area (clear_internal_memory). */
static void
kdf_free(uint8_t *memory, size_t len)
{
	(void)munmap(memory, len);
}

int
kdf_derive(const struct kdf_params *p, const uint8_t *pw, size_t pwlen,
    const uint8_t salt[KDF_SALT_BYTES], const uint8_t *ad, size_t adlen,
    uint8_t out[KDF_OUT_BYTES])
{
	argon2_context ctx;
	char why[128];
	int rc;

	if (kdf_params_check(p, why, sizeof(why)) != 0 ||
	    pwlen > UINT32_MAX || adlen > UINT32_MAX)
		return -1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.out = out;
	ctx.outlen = KDF_OUT_BYTES;
	/*
	 * libargon2 wants a writable pointer only for the CLEAR_PASSWORD flag,
	 * which we do not set: one passphrase is tried against every slot, and
	 * its owner wipes it.
	 */
	ctx.pwd = (uint8_t *)(uintptr_t)pw;
	ctx.pwdlen = (uint32_t)pwlen;
	ctx.salt = (uint8_t *)(uintptr_t)salt;
	ctx.saltlen = KDF_SALT_BYTES;
	ctx.ad = (uint8_t *)(uintptr_t)ad;
	ctx.adlen = (uint32_t)adlen;
	ctx.t_cost = p->t_cost;
	ctx.m_cost = p->m_kib;
	ctx.lanes = p->lanes;
	ctx.threads = p->lanes;
	ctx.version = ARGON2_VERSION_13;
	ctx.allocate_cbk = kdf_alloc;
	ctx.free_cbk = kdf_free;
	ctx.flags = ARGON2_DEFAULT_FLAGS;
	rc = argon2_ctx(&ctx, Argon2_id);
	if (rc != ARGON2_OK) {
		sodium_memzero(out, KDF_OUT_BYTES);
		errorx("argon2id: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}
