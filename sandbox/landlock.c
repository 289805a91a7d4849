/*
 * landlock.c: file-system confinement of the worker.  The ABI is probed and
 * the rights handled are cut to what the kernel knows (Debian 12's headers
 * lack the newer constants, so they are defined here).
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif
#define NET_BIND_TCP			(1ULL << 0)	/* ABI 4 */
#define NET_CONNECT_TCP			(1ULL << 1)
#define SCOPE_ABSTRACT_UNIX		(1ULL << 0)
#define SCOPE_SIGNAL			(1ULL << 1)

/* The ruleset attribute with every field up to ABI 6. */
struct ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

#define FS_READ	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
	LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
#define FS_MAKE	(LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)
#define FS_ALL	(FS_READ | FS_WRITE | FS_MAKE | LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_IOCTL_DEV)

int
sandbox_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

/* What the kernel of ABI ${abi} understands of ${fs}. */
static uint64_t
known(int abi, uint64_t fs)
{
	if (abi < 2)
		fs &= ~LANDLOCK_ACCESS_FS_REFER;
	if (abi < 3)
		fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi < 5)
		fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return fs;
}

static uint64_t
rights(int access)
{
	switch (access) {
	case SBX_R:
		return FS_READ;
	case SBX_RW:
		return FS_READ | FS_WRITE;
	case SBX_RM:
		return FS_READ | LANDLOCK_ACCESS_FS_REMOVE_FILE;
	case SBX_FILES:
		return FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_TRUNCATE;
	default:
		return FS_READ | FS_WRITE | FS_MAKE;
	}
}

int
sandbox_landlock(const struct sandbox_path *paths, size_t n, int required)
{
	struct landlock_path_beneath_attr pb;
	struct ruleset_attr attr;
	size_t i, attrlen;
	int abi, rs, fd;
	struct stat st;

	if ((abi = sandbox_landlock_abi()) == 0) {
		if (required)
			fatal(EXIT_ERR, "this kernel has no Landlock (or it is "
			    "disabled), so the worker could read and write "
			    "anywhere you can: refusing to run; pass "
			    "--allow-no-landlock to run with seccomp alone");
		alertx("no Landlock in this kernel: the worker is confined "
		    "by seccomp only (--allow-no-landlock)");
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = known(abi, FS_ALL);
	attrlen = sizeof(attr.handled_access_fs);
	if (abi >= 6) {
		/* No signals to, nor abstract sockets of, other domains. */
		attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
		attrlen = sizeof(attr);
	}
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &attr, attrlen,
	    0)) < 0)
		fatal(EXIT_ERR, "landlock_create_ruleset: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		/* A source that is a symlink is backed up as one: it grants
		 * no access to what it points to. */
		if ((fd = open(paths[i].path, O_PATH | O_CLOEXEC |
		    (paths[i].access & SBX_NOFOLLOW ? O_NOFOLLOW : 0))) < 0) {
			if (errno == ENOENT)
				continue;	/* e.g. no /usr/share/zoneinfo */
			fatal(EXIT_ERR, "%s: %s", paths[i].path,
			    strerror(errno));
		}
		memset(&pb, 0, sizeof(pb));
		pb.allowed_access = known(abi, rights(paths[i].access &
		    ~(SBX_NOFOLLOW | SBX_NSBIND)));
		/* A file (not a directory) takes file rights only. */
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= LANDLOCK_ACCESS_FS_READ_FILE |
			    LANDLOCK_ACCESS_FS_WRITE_FILE |
			    LANDLOCK_ACCESS_FS_TRUNCATE;
		pb.parent_fd = fd;
		if (syscall(SYS_landlock_add_rule, rs,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
			fatal(EXIT_ERR, "landlock_add_rule %s: %s",
			    paths[i].path, strerror(errno));
		(void)close(fd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		fatal(EXIT_ERR, "landlock_restrict_self: %s", strerror(errno));
	(void)close(rs);
	return abi;
}

/* sandbox_landlock_scope(): see sandbox.h. */
int
sandbox_landlock_scope(void)
{
	struct ruleset_attr attr;
	size_t attrlen;
	int abi, rs;

	if ((abi = sandbox_landlock_abi()) < 4)
		return 0;		/* only the file system: not for us */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
	attrlen = offsetof(struct ruleset_attr, scoped);
	if (abi >= 6) {
		attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
		attrlen = sizeof(attr);
	}
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &attr, attrlen,
	    0)) < 0)
		fatal(EXIT_ERR, "landlock_create_ruleset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		fatal(EXIT_ERR, "landlock_restrict_self: %s", strerror(errno));
	(void)close(rs);
	return abi;
}
