/*
 * doctor.c: host checks for a user on a live system.  Everything here only
 * reads /proc and /sys; nothing is written anywhere.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "log.h"
#include "sandbox.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC	0x858458f6
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#ifndef SQUASHFS_MAGIC
#define SQUASHFS_MAGIC	0x73717368
#endif

static int worst;

static void
say(int print, int level, const char *what, const char *advice)
{
	static const char *const tag[] = { "ok  ", "warn", "HIGH" };

	if (level > worst)
		worst = level;
	if (print)
		printf("%s  %s%s%s\n", tag[level], what, advice ? ": " : "",
		    advice ? advice : "");
}

/* Read the first line of a small file into ${buf}; 0, or -1. */
static int
first_line(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	(void)close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The dm-crypt kind of block device MAJ:MIN: 2 plain (random key),
 * 1 LUKS (a stored key), 0 not dm-crypt. */
static int
crypt_kind(unsigned maj, unsigned min)
{
	char path[96], uuid[256];

	(void)snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/uuid",
	    maj, min);
	if (first_line(path, uuid, sizeof(uuid)) != 0)
		return 0;
	if (strncmp(uuid, "CRYPT-PLAIN", 11) == 0)
		return 2;
	if (strncmp(uuid, "CRYPT-", 6) == 0)
		return 1;
	return 0;
}

/* One /proc/swaps entry: its level. */
static int
swap_level(const char *name, const char *type, char *why, size_t cap)
{
	struct stat st;
	dev_t dev;
	int k;

	if (strncmp(name, "/dev/zram", 9) == 0) {
		(void)snprintf(why, cap, "%s is compressed RAM", name);
		return DOCTOR_OK;
	}
	if (stat(name, &st) != 0) {
		(void)snprintf(why, cap, "%s: cannot tell", name);
		return DOCTOR_WARN;
	}
	dev = strcmp(type, "file") == 0 ? st.st_dev : st.st_rdev;
	k = crypt_kind(major(dev), minor(dev));
	if (k == 2)
		(void)snprintf(why, cap, "%s is encrypted with a random key",
		    name);
	else if (k == 1)
		(void)snprintf(why, cap, "%s is encrypted with a stored key "
		    "(LUKS): whoever has it can read swapped pages", name);
	else
		(void)snprintf(why, cap, "%s is NOT encrypted: memory of this "
		    "run may be written to it", name);
	return k == 2 ? DOCTOR_OK : k == 1 ? DOCTOR_WARN : DOCTOR_HIGH;
}

static int
check_swap(int print)
{
	char line[512], name[PATH_MAX], type[32], why[PATH_MAX + 96];
	int level, any = 0, high = DOCTOR_OK;
	FILE *f;

	if ((f = fopen("/proc/swaps", "re")) == NULL) {
		say(print, DOCTOR_WARN, "swap: /proc/swaps unreadable", NULL);
		return DOCTOR_WARN;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%4095s %31s", name, type) != 2 ||
		    strcmp(name, "Filename") == 0)
			continue;
		any = 1;
		level = swap_level(name, type, why, sizeof(why));
		if (level > high)
			high = level;
		say(print, level, "swap", level == DOCTOR_HIGH ? "turn it "
		    "off first (swapoff -a) or use encrypted swap" : NULL);
		if (print)
			printf("      %s\n", why);
	}
	(void)fclose(f);
	if (!any)
		say(print, DOCTOR_OK, "swap: none active", NULL);
	return high;
}

int
doctor_swap_risk(void)
{
	int saved = worst, r;

	r = check_swap(0);
	worst = saved;
	return r;
}

static void
check_hibernation(int print)
{
	char buf[4096];

	if ((first_line("/sys/power/resume", buf, sizeof(buf)) == 0 &&
	    buf[0] != '\0' && strcmp(buf, "0:0") != 0) ||
	    (first_line("/proc/cmdline", buf, sizeof(buf)) == 0 &&
	    strstr(buf, "resume=") != NULL))
		say(print, DOCTOR_WARN, "hibernation is configured",
		    "a hibernation image holds all of memory, locked pages "
		    "too; do not hibernate during or after a backup");
	else
		say(print, DOCTOR_OK, "hibernation: not configured", NULL);
}

static void
check_core(int print)
{
	char buf[256];

	if (first_line("/proc/sys/kernel/core_pattern", buf, sizeof(buf)) == 0
	    && buf[0] == '|')
		say(print, DOCTOR_WARN, "core dumps go to a program "
		    "(core_pattern starts with '|')", "tacit marks itself "
		    "not dumpable, but other programs' dumps may be kept");
	else
		say(print, DOCTOR_OK, "core dumps: not piped to a program",
		    NULL);
	if (first_line("/proc/sys/fs/suid_dumpable", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "0") != 0)
		say(print, DOCTOR_WARN, "fs.suid_dumpable is not 0",
		    "non-dumpable processes may still be dumped; set it to 0");
}

static void
check_ptrace(int print)
{
	char buf[16];

	if (first_line("/proc/sys/kernel/yama/ptrace_scope", buf,
	    sizeof(buf)) != 0)
		say(print, DOCTOR_WARN, "ptrace: no Yama restrictions",
		    "tacit is not dumpable, so same-user processes still "
		    "cannot attach to it");
	else if (strcmp(buf, "0") == 0)
		say(print, DOCTOR_WARN, "ptrace: any process may trace "
		    "others of its user (ptrace_scope 0)", "tacit is not "
		    "dumpable; setting kernel.yama.ptrace_scope=1 protects "
		    "the rest of your session too");
	else
		say(print, DOCTOR_OK, "ptrace: restricted", NULL);
}

static void
check_ram(int print, const char *what, const char *path)
{
	struct statfs sf;
	char msg[256];

	if (path == NULL || statfs(path, &sf) != 0) {
		(void)snprintf(msg, sizeof(msg), "%s: cannot tell", what);
		say(print, DOCTOR_WARN, msg, NULL);
		return;
	}
	if ((unsigned long)sf.f_type == TMPFS_MAGIC ||
	    (unsigned long)sf.f_type == RAMFS_MAGIC ||
	    (unsigned long)sf.f_type == OVERLAYFS_SUPER_MAGIC) {
		(void)snprintf(msg, sizeof(msg), "%s (%s) is in RAM (or a "
		    "live system's overlay)", what, path);
		say(print, DOCTOR_OK, msg, NULL);
	} else {
		(void)snprintf(msg, sizeof(msg), "%s (%s) is on a disk",
		    what, path);
		say(print, DOCTOR_WARN, msg, "tacit writes nothing there, "
		    "but other programs you run may");
	}
}

static void
check_limits(int print)
{
	struct rlimit rl;
	char msg[128];
	int abi = sandbox_landlock_abi();

	if (abi == 0)
		say(print, DOCTOR_HIGH, "Landlock: not available", "tacit "
		    "refuses to run without it (or --allow-no-landlock)");
	else {
		(void)snprintf(msg, sizeof(msg), "Landlock: ABI %d", abi);
		say(print, DOCTOR_OK, msg, NULL);
	}
	if (access("/proc/self/status", R_OK) == 0)
		say(print, DOCTOR_OK, "seccomp: available", NULL);
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (1u << 20)) {
		(void)snprintf(msg, sizeof(msg), "memory lock limit %llu "
		    "bytes", (unsigned long long)rl.rlim_cur);
		say(print, DOCTOR_WARN, msg, "keys may not be locked in RAM; "
		    "raise 'ulimit -l' to at least 1024 (KiB)");
	} else
		say(print, DOCTOR_OK, "memory lock limit: enough for keys",
		    NULL);
}

int
doctor_run(int print)
{
	worst = DOCTOR_OK;
	(void)check_swap(print);
	check_hibernation(print);
	check_core(print);
	check_ptrace(print);
	check_ram(print, "HOME", getenv("HOME"));
	check_ram(print, "/tmp", "/tmp");
	check_limits(print);
	return worst;
}
