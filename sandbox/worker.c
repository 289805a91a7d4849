/*
 * worker.c: the worker's confinement in one place, in the order that
 * matters: capabilities cut to the role's needs (only when running as
 * root), no_new_privs, Landlock on the role's paths, seccomp last.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* The capabilities each role keeps when tacit runs as root. */
static uint64_t
role_caps(enum sandbox_role role)
{
	uint64_t read = 1ULL << CAP_DAC_READ_SEARCH;	/* read any file */

	switch (role) {
	case SBX_READ:
		return read;
	case SBX_REPO:
		/* Write a repository owned by someone else; O_NOATIME on
		 * files we do not own. */
		return read | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER;
	case SBX_RESTORE:
		/* Owners, set-id bits, device nodes, file capabilities and
		 * trusted.* attributes, as they were. */
		return read | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER |
		    1ULL << CAP_CHOWN | 1ULL << CAP_FSETID |
		    1ULL << CAP_MKNOD | 1ULL << CAP_SETFCAP |
		    1ULL << CAP_SYS_ADMIN;
	}
	return 0;
}

static int
last_cap(void)
{
	int c;

	/* Probe upwards: PR_CAPBSET_READ fails past the kernel's last. */
	for (c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		;
	return c - 1;
}

/* Keep only ${keep}: bounding set, then permitted and effective. */
void
sandbox_cut_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t have;
	int c, last = last_cap();

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		fatal(EXIT_ERR, "capget: %s", strerror(errno));
	have = (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
	if (have == 0)
		return;			/* an ordinary user: nothing to drop */
	for (c = 0; c <= last; c++)
		if (!(keep & (1ULL << c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
			fatal(EXIT_ERR, "cannot drop capability %d: %s", c,
			    strerror(errno));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	keep &= have;
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d) != 0)
		fatal(EXIT_ERR, "capset: %s", strerror(errno));
}

void
sandbox_worker(enum sandbox_role role, const struct sandbox_path *paths,
    size_t n, int required)
{
	/* Load what libc would otherwise load under the filter: NSS for
	 * user and group names, the time zone. */
	(void)getpwuid(getuid());
	(void)getgrgid(getgid());
	tzset();
#ifdef SANDBOX_OFF
	/* ASan and fuzz builds only: their runtimes need more. */
	(void)role_caps;
	(void)role;
	(void)paths;
	(void)n;
	(void)required;
	return;
#else
	sandbox_cut_caps(role_caps(role));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal(EXIT_ERR, "no_new_privs: %s", strerror(errno));
	(void)sandbox_landlock(paths, n, required);
	sandbox_worker_seccomp(role);
#endif
}
