/*
 * subproc.c: helper programs for passphrase entry, started the one way that
 * cannot run a shell or leak our descriptors or environment (subproc.h).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subproc.h"

extern char **environ;

/* Values of PATH and HOME as the process started (not secret). */
static const char *saved_path;
static const char *saved_home;

void
subproc_save_env(void)
{
	saved_path = getenv("PATH");
	saved_home = getenv("HOME");
}

/* An executable regular file? */
static int
runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

int
subproc_which(const char *name, char *out, size_t cap)
{
	const char *p, *end;
	size_t dlen, nlen = strlen(name);

	if (nlen == 0 || nlen >= cap) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(name, '/') != NULL) {
		memcpy(out, name, nlen + 1);
		return runnable(out);
	}
	p = saved_path != NULL ? saved_path : "/usr/local/bin:/usr/bin:/bin";
	for (; *p != '\0'; p = *end == ':' ? end + 1 : end) {
		end = strchrnul(p, ':');
		dlen = (size_t)(end - p);
		/* Only absolute directories: never the current one. */
		if (dlen == 0 || *p != '/' || dlen + 1 + nlen >= cap)
			continue;
		memcpy(out, p, dlen);
		out[dlen] = '/';
		memcpy(out + dlen + 1, name, nlen + 1);
		if (runnable(out) == 0)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Copy one word from *${pp} to ${out}, quotes removed; returns the end of
 * the copy, or NULL with *${why} on a quoting error.
 */
static char *
split_word(const char **pp, char *out, const char **why)
{
	const char *p = *pp;
	char q;

	while (*p != '\0' && !blank(*p)) {
		if (*p == '\'' || *p == '"') {
			q = *p++;
			while (*p != '\0' && *p != q) {
				if (q == '"' && *p == '\\' &&
				    (p[1] == '"' || p[1] == '\\'))
					p++;
				*out++ = *p++;
			}
			if (*p++ == '\0') {
				*why = "a quote is not closed";
				return NULL;
			}
		} else if (*p == '\\') {
			if (*++p == '\0') {
				*why = "it ends with a backslash";
				return NULL;
			}
			*out++ = *p++;
		} else
			*out++ = *p++;
	}
	*out++ = '\0';
	*pp = p;
	return out;
}

char **
subproc_split(const char *cmd, const char **why)
{
	size_t n = 0, len = strlen(cmd);
	char **v, *out;

	/* The words need at most len + one NUL each: 2 * len + 1 bytes. */
	if ((v = malloc((SUBPROC_ARGS_MAX + 1) * sizeof(*v) + 2 * len + 2)) ==
	    NULL) {
		*why = "out of memory";
		return NULL;
	}
	out = (char *)(v + SUBPROC_ARGS_MAX + 1);
	for (;;) {
		while (blank(*cmd))
			cmd++;
		if (*cmd == '\0')
			break;
		if (n == SUBPROC_ARGS_MAX) {
			*why = "it has too many words";
			goto fail;
		}
		v[n++] = out;
		if ((out = split_word(&cmd, out, why)) == NULL)
			goto fail;
	}
	if (n == 0) {
		*why = "it is empty";
		goto fail;
	}
	v[n] = NULL;
	return v;
fail:
	free(v);
	return NULL;
}

int
subproc_fd_high(int fd)
{
	int nfd;

	if (fd < 0)
		return -1;
	if (fd > 2)
		return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? fd : -1;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	(void)close(fd);
	return nfd;
}

/* The child's environment: nothing secret, only what a prompt needs. */
static char **
child_env(int which)
{
	static const char *const keep[] = { "TERM=", "LANG=", "LC_",
	    "DISPLAY=", "WAYLAND_DISPLAY=", "XAUTHORITY=",
	    "DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR=" };
	static char *env[48];
	size_t i, k, n = 0;

	for (i = 0; environ != NULL && environ[i] != NULL && n < 44; i++)
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (strncmp(environ[i], keep[k], strlen(keep[k])) == 0) {
				env[n++] = environ[i];
				break;
			}
	/* The saved values sit right after "PATH=" and "HOME=". */
	if ((which & SUBPROC_ENV_USER) && saved_path != NULL)
		env[n++] = (char *)(uintptr_t)(saved_path - 5);
	if ((which & SUBPROC_ENV_USER) && saved_home != NULL)
		env[n++] = (char *)(uintptr_t)(saved_home - 5);
	env[n] = NULL;
	return env;
}

/* Attributes: no blocked signal, and default handling of the usual ones. */
static int
child_attr(posix_spawnattr_t *at)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	    SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU };
	sigset_t none, def;
	size_t i;
	int r;

	(void)sigemptyset(&none);
	(void)sigemptyset(&def);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaddset(&def, sigs[i]);
	if ((r = posix_spawnattr_setsigmask(at, &none)) != 0 ||
	    (r = posix_spawnattr_setsigdefault(at, &def)) != 0)
		return r;
	return posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
}

int
subproc_start(const char *path, char *const *argv, const int fds[3], int env,
    pid_t *pidp)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int i, r;

	for (i = 0; i < 3; i++)
		if (fds[i] != SUBPROC_INHERIT && fds[i] < 3)
			return EINVAL;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return r;
	if ((r = posix_spawnattr_init(&at)) != 0) {
		(void)posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	for (i = 0; i < 3 && r == 0; i++)
		if (fds[i] != SUBPROC_INHERIT)
			r = posix_spawn_file_actions_adddup2(&fa, fds[i], i);
	/* Nothing of ours but 0-2 reaches the child. */
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (r == 0)
		r = child_attr(&at);
	if (r == 0)
		r = posix_spawn(pidp, path, &fa, &at, argv, child_env(env));
	(void)posix_spawnattr_destroy(&at);
	(void)posix_spawn_file_actions_destroy(&fa);
	return r;
}

int
subproc_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

const char *
subproc_status_text(int status, char *buf, size_t cap)
{
	if (status == -1)
		(void)snprintf(buf, cap, "no exit status");
	else if (WIFEXITED(status))
		(void)snprintf(buf, cap, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		(void)snprintf(buf, cap, "killed by signal %d",
		    WTERMSIG(status));
	else
		(void)snprintf(buf, cap, "wait status %#x", status);
	return buf;
}
