/*
 * harden.c: the first thing every tacit process does.  execve resets the
 * dumpable flag, so each re-executed role calls this again.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>

#include "harden.h"

int
harden_process(void)
{
	struct rlimit rl = { 0, 0 };

	(void)umask(077);
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}
