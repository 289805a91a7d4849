/*
 * test_log.c: log_unescape undoes the escapes ls prints (a control
 * character or a backslash as \xNN), so every name ls shows can be typed
 * back; what is not such an escape, and an escaped NUL, stays as typed.
 */
#include <string.h>

#include "log.h"
#include "t.h"

static void
one(const char *in, const char *want)
{
	char buf[64];

	(void)strcpy(buf, in);
	T(strcmp(log_unescape(buf), want) == 0, "unescape(\"%s\")", in);
}

int
main(void)
{
	t_init();
	one("plain", "plain");
	one("back\\x5cslash", "back\\slash");
	one("new\\x0aline", "new\nline");
	one("\\x1b[31mred", "\x1b[31mred");
	one("c1\\xc2\\x9bcsi", "c1\xc2\x9b" "csi");
	one("UP\\x5C\\x0A", "UP\\\n");
	one("lone\\", "lone\\");
	one("\\xzz", "\\xzz");
	one("\\x4", "\\x4");
	one("nul\\x00kept", "nul\\x00kept");
	one("a\\\\x41", "a\\A");
	return t_exit();
}
