/*
 * harden.c: the first thing every tacit process does.  execve resets the
 * dumpable flag, so each re-executed role calls this again.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include "harden.h"

extern char **environ;

static int
keep_var(const char *v)
{
	static const char *const keep[] = { "HOME=", "TERM=", "LANG=", "LC_",
	    "TZ=",
	    "DISPLAY=", "WAYLAND_DISPLAY=", "XAUTHORITY=",
	    "DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR=", "ASAN_OPTIONS=",
	    "UBSAN_OPTIONS=", "LSAN_OPTIONS=" };
	size_t i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strncmp(v, keep[i], strlen(keep[i])) == 0)
			return 1;
	return 0;
}

void
harden_environment(void)
{
	size_t i, n = 0;

	/* In place: the kept strings stay where the kernel put them. */
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		if (keep_var(environ[i]))
			environ[n++] = environ[i];
	if (environ != NULL)
		environ[n] = NULL;
}

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
