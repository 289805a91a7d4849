/*
 * version.c: `tacit version` (see version.h).  The build facts come from
 * buildinfo.h, which the GNUmakefile writes into the build directory: the
 * commit, and for the static binary the Debian packages of its archives.
 * Nothing here depends on the build host's name, paths or clock, so two
 * builds of one commit print the same.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <gnu/libc-version.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <seccomp.h>
#include <sodium.h>
#include <zstd.h>

#include "sandbox.h"
#include "version.h"

#if defined(__has_include)
#if __has_include("buildinfo.h")
#include "buildinfo.h"
#endif
#endif
#ifndef TACIT_COMMIT
#define TACIT_COMMIT	"unknown"
#endif
#ifndef TACIT_DEBS
#define TACIT_DEBS	""
#endif

/* The highest Landlock ABI whose rights tacit asks for (sandbox/landlock.c). */
#define LANDLOCK_ABI_USED	6

/* What a kernel of Landlock ABI ${abi} cannot do of what tacit asks. */
static const char *
landlock_lacks(int abi)
{
	if (abi < 2)
		return "; without ABI 2-6 the worker may still rename across "
		    "directories, truncate, use device ioctls, signal and "
		    "reach abstract sockets outside its domain";
	if (abi < 3)
		return "; without ABI 3-6 the worker may still truncate, use "
		    "device ioctls, signal and reach abstract sockets outside "
		    "its domain";
	if (abi < 5)
		return "; without ABI 5-6 the worker may still use device "
		    "ioctls, signal and reach abstract sockets outside its "
		    "domain";
	if (abi < 6)
		return "; without ABI 6 (Linux 6.12) the worker may still "
		    "signal and reach abstract sockets outside its domain";
	return "";
}

/*
 * Whether this kernel loads seccomp filters that kill the process: 1 yes,
 * 0 no (no CONFIG_SECCOMP_FILTER, or older than Linux 4.14).
 */
static int
seccomp_filters(void)
{
	uint32_t act = SECCOMP_RET_KILL_PROCESS;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
}

/* version_print(f, version): see version.h. */
void
version_print(FILE *f, const char *version)
{
	const struct scmp_version *sv = seccomp_version();
	int abi = sandbox_landlock_abi();

	(void)fprintf(f, "tacit %s\n", version);
	(void)fprintf(f, "commit: %s\n", TACIT_COMMIT);
#ifdef TACIT_STATIC
	(void)fprintf(f, "build: static (glibc %s, static-pie; no NSS, no "
	    "shared libraries)\n", gnu_get_libc_version());
#else
	(void)fprintf(f, "build: dynamic (glibc %s)\n", gnu_get_libc_version());
#endif
	(void)fprintf(f, "libraries: libsodium %s, libzstd %s, libseccomp "
	    "%u.%u.%u, libargon2 (reference, Argon2 version 0x13)\n",
	    sodium_version_string(), ZSTD_versionString(),
	    sv != NULL ? sv->major : 0, sv != NULL ? sv->minor : 0,
	    sv != NULL ? sv->micro : 0);
	if (TACIT_DEBS[0] != '\0')
		(void)fprintf(f, "built from: %s\n", TACIT_DEBS);
#ifdef SANDBOX_OFF
	(void)fprintf(f, "sandbox compiled out (test build: ASan or fuzzing)\n");
	(void)abi;
	(void)landlock_lacks;
	(void)seccomp_filters;
#else
	if (abi == 0)
		(void)fprintf(f, "sandbox: Landlock: none in this kernel (tacit "
		    "refuses to run without --allow-no-landlock)\n");
	else
		(void)fprintf(f, "sandbox: Landlock ABI %d (tacit uses up to "
		    "%d%s)\n", abi, LANDLOCK_ABI_USED, landlock_lacks(abi));
	if (seccomp_filters())
		(void)fprintf(f, "sandbox: seccomp filters: available\n");
	else
		(void)fprintf(f, "sandbox: seccomp filters: NOT available in "
		    "this kernel (tacit cannot confine its worker and will "
		    "refuse to run: use a kernel built with "
		    "CONFIG_SECCOMP_FILTER, Linux 4.14 or newer)\n");
	if (access("/proc/self/exe", F_OK) != 0)
		(void)fprintf(f, "sandbox: /proc is not mounted: tacit starts "
		    "its worker through /proc/self/exe (mount -t proc proc "
		    "/proc)\n");
#endif
}
