/*
 * passcmd.c: a passphrase from a program's standard output:
 * --passphrase-command 'PROG ARGS' and --keepassxc DB ENTRY (which runs
 * keepassxc-cli show --show-protected --attributes Password -- DB ENTRY).
 *
 * The program's stdin and stderr are the terminal, so a password it asks
 * for (KeePassXC's database password) goes from the keyboard to it and
 * never through tacit; its stdout is a pipe read straight into secret
 * memory.  No shell: argv was split by subproc_split.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "passphrase.h"
#include "secmem.h"
#include "subproc.h"

/* What to call the source in messages (no secret in either). */
static void
describe(const struct pass_src *src, char *buf, size_t cap)
{
	if (src->db != NULL)
		(void)snprintf(buf, cap, "keepassxc-cli");
	else
		(void)snprintf(buf, cap, "passphrase command '%s'",
		    src->cmdline != NULL ? src->cmdline : src->argv[0]);
}

/* The program is there, and so is the database; 0, or -1 said why. */
static int
check_start(const struct pass_src *src, char *path, size_t cap)
{
	struct stat st;

	if (subproc_which(src->argv[0], path, cap) != 0) {
		if (src->db != NULL)
			errorx("keepassxc-cli: %s in PATH; install KeePassXC "
			    "(Debian, Tails: the keepassxc package)",
			    errno == ENOENT ? "not found" : strerror(errno));
		else
			errorx("passphrase command: %s: %s", src->argv[0],
			    errno == ENOENT ? "not found in PATH" :
			    strerror(errno));
		return -1;
	}
	if (src->db != NULL && stat(src->db, &st) != 0) {
		errorx("KeePassXC database %s: %s", src->db, strerror(errno));
		return -1;
	}
	if (src->db != NULL && !S_ISREG(st.st_mode)) {
		errorx("KeePassXC database %s: not a file", src->db);
		return -1;
	}
	return 0;
}

/* Start it: stdin and stderr the terminal (else ours), stdout ${out}. */
static int
start(const struct pass_src *src, const char *path, int out, pid_t *pid)
{
	int tty, fds[3], err;

	tty = subproc_fd_high(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
	fds[0] = fds[2] = tty >= 0 ? tty : SUBPROC_INHERIT;
	fds[1] = out;
	/* A user's command may need PATH and HOME (pass, gpg); KeePassXC not. */
	err = subproc_start(path, src->argv, fds, src->db != NULL ?
	    SUBPROC_ENV_MIN : SUBPROC_ENV_USER, pid);
	if (tty >= 0)
		(void)close(tty);
	return err;
}

/* Read until EOF or ${cap} bytes; the count, or -1. */
static ssize_t
read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* Judge what came back; 0, or -1 said why. */
static int
check_result(const struct pass_src *src, const char *what, int status,
    ssize_t n)
{
	char st[64];

	if (n < 0)
		errorx("reading from %s: %s", what, strerror(errno));
	else if (n > PASS_CMD_MAX)
		errorx("%s printed more than %d bytes", what, PASS_CMD_MAX);
	else if (status != 0 && src->db != NULL)
		errorx("keepassxc-cli could not give the password of entry "
		    "'%s' in %s (%s): a wrong database password or no such "
		    "entry (it said which on the terminal)", src->entry,
		    src->db, subproc_status_text(status, st, sizeof(st)));
	else if (status != 0)
		errorx("%s failed (%s)", what,
		    subproc_status_text(status, st, sizeof(st)));
	else
		return 0;
	return -1;
}

/* Strip one trailing newline; refuse empty and over-long ones. */
static int
trim(const char *what, uint8_t *buf, size_t *np)
{
	size_t n = *np;

	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0) {
		errorx("%s gave an empty passphrase", what);
		return -1;
	}
	if (n > PASS_MAX) {
		errorx("passphrase from %s longer than %d bytes", what,
		    PASS_MAX);
		return -1;
	}
	*np = n;
	return 0;
}

/* A passphrase written into the command line is public: say so. */
static void
warn_public(const struct pass_src *src, const uint8_t *pw, size_t n)
{
	if (src->cmdline != NULL && n >= 4 &&
	    memmem(src->cmdline, strlen(src->cmdline), pw, n) != NULL)
		alertx("the passphrase is written in --passphrase-command "
		    "itself, where any process can read it in "
		    "/proc/PID/cmdline; let the command read it from a file "
		    "or a password manager instead");
}

uint8_t *
passphrase_cmd_read(const struct pass_src *src, size_t *lenp)
{
	char path[PATH_MAX], what[512];
	uint8_t *buf = NULL, *r = NULL;
	int p[2] = { -1, -1 }, err, status;
	ssize_t n;
	size_t len;
	pid_t pid;

	describe(src, what, sizeof(what));
	if (check_start(src, path, sizeof(path)) != 0)
		return NULL;
	if (pipe2(p, O_CLOEXEC) != 0 || (p[0] = subproc_fd_high(p[0])) < 0 ||
	    (p[1] = subproc_fd_high(p[1])) < 0) {
		errorx("pipe: %s", strerror(errno));
		goto out;
	}
	/* One byte more than allowed, to tell "too long" from "just fits". */
	if ((buf = secmem_alloc(PASS_CMD_MAX + 2)) == NULL)
		goto out;
	if ((err = start(src, path, p[1], &pid)) != 0) {
		errorx("cannot start %s: %s", what, strerror(err));
		goto out;
	}
	(void)close(p[1]);
	p[1] = -1;
	n = read_all(p[0], buf, PASS_CMD_MAX + 1);
	(void)close(p[0]);	/* anything more: the program gets EPIPE */
	p[0] = -1;
	status = subproc_wait(pid);
	if (check_result(src, what, status, n) != 0)
		goto out;
	len = (size_t)n;
	if (trim(what, buf, &len) != 0)
		goto out;
	warn_public(src, buf, len);
	*lenp = len;
	r = buf;
	buf = NULL;
out:
	if (p[0] >= 0)
		(void)close(p[0]);
	if (p[1] >= 0)
		(void)close(p[1]);
	secmem_free(buf);
	return r;
}
