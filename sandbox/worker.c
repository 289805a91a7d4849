/*
 * worker.c: the worker's confinement in one place, in the order that
 * matters: as root, capabilities cut to the role's needs and, where the
 * role needs no root, nobody's uid and gid; then no_new_privs, Landlock on
 * the role's paths, seccomp last (it allows no setuid-family call, so the
 * ids cannot change again).
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pwfile.h"
#include "sandbox.h"

/*
 * The capabilities each role keeps when tacit runs as root.  The restore
 * role needs no CAP_DAC_READ_SEARCH (it reads the repository as its
 * owner or through CAP_DAC_OVERRIDE; without it, no open_by_handle_at and
 * no linkat of a descriptor) and never had CAP_SYS_CHROOT.  It keeps
 * CAP_SYS_ADMIN, without which no security.* (other than
 * security.capability) or trusted.* attribute can be set: what else that
 * capability allows is a system call the filter kills (mount, unshare,
 * setns, swapon, bpf...) or a madvise the filter refuses.  CAP_MKNOD only
 * in the private root (${priv}), whose target is mounted nodev: elsewhere
 * a device node it made could be opened.
 */
static uint64_t
role_caps(enum sandbox_role role, int priv)
{
	uint64_t read = 1ULL << CAP_DAC_READ_SEARCH;	/* read any file */
	uint64_t restore = 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER |
	    1ULL << CAP_CHOWN | 1ULL << CAP_FSETID | 1ULL << CAP_SETFCAP |
	    1ULL << CAP_SYS_ADMIN;

	switch (role) {
	case SBX_READ:
	case SBX_MOUNT:		/* the /dev/fuse descriptor needs none */
		/* O_NOATIME on repository files we do not own (we run as
		 * nobody): reading must not move their access times.  The
		 * read policy allows no call that changes a file, so
		 * CAP_FOWNER lends nothing else. */
		return read | 1ULL << CAP_FOWNER;
	case SBX_REPO:
	case SBX_TAG:
	case SBX_PRUNE:
	case SBX_REPAIR:
	case SBX_REPAIR_DATA:
	case SBX_COPY:
		/* Write a repository owned by someone else; O_NOATIME on
		 * files we do not own. */
		return read | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER;
	case SBX_FORGET:
		/* Remove snapshot files of a repository owned by someone
		 * else; O_NOATIME.  Its filter opens nothing for writing. */
		return read | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER;
	case SBX_BACKUP:
		/* The same, and CAP_SYS_ADMIN: without it the kernel hides
		 * trusted.* attributes from listxattr and getxattr, and
		 * backup would drop them.  What else it allows under this
		 * role's filter: threat-model.md, P3. */
		return read | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER |
		    1ULL << CAP_SYS_ADMIN;
	case SBX_RESTORE:
		/* Owners, set-id bits, file capabilities, trusted.* and
		 * security.* attributes, and (only on the nodev mount of the
		 * private root) device nodes. */
		return priv == 1 ? restore | 1ULL << CAP_MKNOD : restore;
	}
	return 0;
}

/* Whether CAP_SYS_ADMIN is in the effective set. */
static int
caps_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		fatal(EXIT_ERR, "capget: %s", strerror(errno));
	return (d[CAP_SYS_ADMIN / 32].effective >> (CAP_SYS_ADMIN % 32)) & 1;
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

/* The permitted set: zero for an ordinary user. */
static uint64_t
caps_permitted(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		fatal(EXIT_ERR, "capget: %s", strerror(errno));
	return (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
}

/*
 * Drop all but ${keep} from the bounding set and clear the ambient set.
 * It needs CAP_SETPCAP in the effective set, so it comes before any change
 * of uid (which empties the effective set).
 */
static void
caps_bound(uint64_t keep)
{
	int c, last = last_cap();

	for (c = 0; c <= last; c++)
		if (!(keep & (1ULL << c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
			fatal(EXIT_ERR, "cannot drop capability %d: %s", c,
			    strerror(errno));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* Effective and permitted become ${keep} (a subset of permitted). */
static void
caps_set(uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));	/* inheritable: none */
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d) != 0)
		fatal(EXIT_ERR, "capset: %s", strerror(errno));
}

/* Keep only ${keep}: bounding set, then permitted and effective. */
void
sandbox_cut_caps(uint64_t keep)
{
	uint64_t have = caps_permitted();

	if (have == 0)
		return;			/* an ordinary user: nothing to drop */
	caps_bound(keep);
	caps_set(keep & have);
}

/* sandbox_keep_ids() was called: the repository is on FUSE. */
static int keep_ids;

/* sandbox_keep_ids(): see sandbox.h. */
void
sandbox_keep_ids(void)
{
	keep_ids = 1;
}

/*
 * Whether ${role}, started by root, gives up uid and gid 0.  Only the
 * roles that write nothing do, and not on a repository behind FUSE
 * (sandbox_keep_ids): for them root is needed for nothing but
 * reading, which CAP_DAC_READ_SEARCH does.  The roles that write keep uid
 * 0 (see threat-model.md, P3): every file they create must belong to root
 * (a repository or restored file owned by nobody could be read or replaced
 * by any process running as nobody), and any identity that can create
 * root's files in root's 0700 directories (fsuid 0, or CAP_DAC_OVERRIDE)
 * reaches as far on the file system as uid 0 does; that reach is bounded
 * by Landlock and seccomp, not by the uid.
 */
static int
role_drops_uid(enum sandbox_role role)
{
	switch (role) {
	case SBX_READ:
	case SBX_MOUNT:
		return !keep_ids;
	case SBX_REPO:
	case SBX_BACKUP:
	case SBX_FORGET:
	case SBX_RESTORE:
	case SBX_TAG:
	case SBX_PRUNE:
	case SBX_REPAIR:
	case SBX_REPAIR_DATA:
	case SBX_COPY:
		return 0;
	}
	return 0;
}

/*
 * The unprivileged ids: nobody's, looked up while NSS may still read
 * /etc/passwd (before any filter); 65534 (nobody and nogroup on Debian,
 * and the kernel's overflow ids) when there is no such user, or when the
 * entry claims id 0.
 */
static void
unpriv_ids(uid_t *uid, gid_t *gid)
{
#ifdef TACIT_STATIC
	uint32_t u, g;
#else
	struct passwd *pw;
#endif

	*uid = 65534;
	*gid = 65534;
#ifdef TACIT_STATIC
	/* No NSS in the static binary: the file itself (pwfile.h). */
	if (pwfile_ids(PWFILE_PASSWD, "nobody", &u, &g) == 1 && u != 0 &&
	    g != 0) {
		*uid = u;
		*gid = g;
	}
#else
	if ((pw = getpwnam("nobody")) != NULL && pw->pw_uid != 0 &&
	    pw->pw_gid != 0) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
#endif
}

/*
 * Whether this is the initial user namespace, where uid 0 is the real
 * root.  In another one (unshare -r, a rootless container) uid 0 is an
 * ordinary user outside, setgroups is usually denied and nobody is often
 * not mapped: there the ids are left alone and only the capabilities (which
 * reach only what that namespace owns) are cut.  When the map cannot be
 * read, the answer is yes: the drop is then attempted, and fatal if it fails.
 */
static int
init_userns(void)
{
	unsigned long inside, outside, count;
	char map[128];
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	n = read(fd, map, sizeof(map) - 1);
	(void)close(fd);
	if (n <= 0)
		return 1;
	map[n] = '\0';
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 &&
	    inside == 0 && outside == 0 && count == 4294967295UL;
}

/*
 * Become ${uid}:${gid} with no supplementary group.  PR_SET_KEEPCAPS keeps
 * the permitted set across setresuid, so caps_set can then narrow it to
 * the role's; the effective set is emptied by the change and comes back
 * only through caps_set.
 */
static void
drop_ids(uid_t uid, gid_t gid)
{
	if (setresgid(gid, gid, gid) != 0)
		fatal(EXIT_ERR, "setresgid: %s", strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    setresuid(uid, uid, uid) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
		fatal(EXIT_ERR, "cannot drop to uid %u: %s", (unsigned)uid,
		    strerror(errno));
	/* A change of effective id resets the dumpable flag (to
	 * fs.suid_dumpable, which may be 2): clear it again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal(EXIT_ERR, "PR_SET_DUMPABLE: %s", strerror(errno));
}

/*
 * The worker's privileges.  An ordinary user has none to give up (in the
 * user namespace of its private root it has them all there: all go).
 * Root (${root}: uid 0 of the initial user namespace, found out while
 * /proc was still there): the bounding set first (it needs CAP_SETPCAP),
 * no supplementary groups, nobody's ids where the role needs no root, then
 * the role's capabilities only.  Checked before the filters: root cannot
 * come back.
 */
static void
worker_privs(enum sandbox_role role, int priv, int userns, int root,
    uid_t uid, gid_t gid)
{
	uint64_t have = caps_permitted();
	uint64_t keep = userns ? 0 : role_caps(role, priv);

	if (have == 0)
		return;
	caps_bound(keep);
	if (root && setgroups(0, NULL) != 0)
		fatal(EXIT_ERR, "setgroups: %s", strerror(errno));
	if (root && role_drops_uid(role))
		drop_ids(uid, gid);
	else if (root && (role == SBX_READ || role == SBX_MOUNT))
		infox("the repository is on a FUSE file system, which admits "
		    "no uid but its mounter's: the reading worker keeps uid "
		    "and gid 0, with its capabilities cut to reading");
	caps_set(keep & have);
	if (root && role_drops_uid(role) &&
	    (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0))
		fatal(EXIT_ERR, "the worker could become root again");
}

/*
 * SIGKILL when ${parent} (the keyholder) dies.  The keyholder armed it
 * before the exec, but a change of ids clears it, so it is armed again
 * after the last change; if the parent died in between, getppid() is no
 * longer ${parent} and nothing would be sent: exit.
 */
static void
watch_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		fatal(EXIT_ERR, "PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != parent)
		fatal(EXIT_ERR, "the keyholder is gone");
}

/* -1 unconfined, 0 confined without a private root, 1 in it. */
static int private_root = -1;

int
sandbox_private_root(void)
{
	return private_root;
}

/*
 * The restore worker's private root (mountns.c), before Landlock and
 * seccomp; a warning where the system refuses one.
 */
static int
restore_root(const struct sandbox_path *paths, size_t n, int admin, int root)
{
	int priv = sandbox_mountns(paths, n, admin);

	if (!priv)
		alertx("no private mount namespace for the restore worker "
		    "(user namespaces are disabled here?): it is confined by "
		    "Landlock and seccomp only, and the owners, times and "
		    "extended attributes of symlinks are not restored%s",
		    root ? "; nor are device nodes" : "");
	return priv;
}

void
sandbox_worker(enum sandbox_role role, const struct sandbox_path *paths,
    size_t n, int required)
{
	/* Still armed from before the exec: alive, so this is our parent. */
	pid_t parent = getppid();
	uid_t uid;
	gid_t gid;
	int root, admin, priv = 0;

	/* Load what libc would otherwise load under the filter: NSS for
	 * user and group names, the time zone. */
	unpriv_ids(&uid, &gid);
#ifndef TACIT_STATIC
	(void)getpwuid(getuid());
	(void)getgrgid(getgid());
#endif
	tzset();
#ifdef SANDBOX_OFF
	/* ASan and fuzz builds only: their runtimes need more. */
	(void)worker_privs;
	(void)caps_admin;
	(void)restore_root;
	(void)init_userns;
	(void)root;
	(void)admin;
	(void)priv;
	(void)role;
	(void)paths;
	(void)n;
	(void)required;
	watch_parent(parent);
	return;
#else
	/* Both need /proc, which the private root has not. */
	root = geteuid() == 0 && init_userns();
	admin = caps_admin();
	if (role == SBX_RESTORE)
		priv = private_root = restore_root(paths, n, admin, root);
	worker_privs(role, priv, priv && !admin, root, uid, gid);
	watch_parent(parent);	/* after the last change of ids */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal(EXIT_ERR, "no_new_privs: %s", strerror(errno));
	(void)sandbox_landlock(paths, n, required);
	sandbox_worker_seccomp(role, priv);
#endif
}
