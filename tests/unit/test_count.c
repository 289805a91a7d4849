/*
 * test_count.c: the counting thread of a backup's progress line (count.c)
 * ends its "(counting)" whether it finishes (totals known) or gives up
 * (here: it cannot go back up out of a directory it may read but not
 * search, so its ".." check fails), and not only when it is stopped.
 * Run as root, the test drops to nobody: root searches any directory.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "count.h"
#include "t.h"

/* Wait up to 20 s for the count to end; 1 if it did. */
static int
ended(struct progress *p)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 2000; i++) {
		if (!p->counting)	/* atomic: an _Atomic int */
			return 1;
		(void)nanosleep(&nap, NULL);
	}
	return 0;
}

/* Count the tree at ${dir}; 1 if it ended with totals ${want_known}. */
static int
count_tree(const char *dir, int want_known, uint64_t files)
{
	static struct opts o;	/* no selection */
	struct count_rules ru = { &o, 0, 0, 0 };
	struct progress p;
	struct count *c;
	char *srcs[1];
	int r;

	memset(&p, 0, sizeof(p));
	srcs[0] = (char *)(uintptr_t)dir;
	if ((c = count_start(srcs, 1, &ru, &p)) == NULL)
		return 0;
	r = ended(&p) && p.known == want_known &&
	    (!want_known || p.tfiles == files);
	count_stop(c);
	return r;
}

static void
tests(void)
{
	char top[] = "/tmp/tacit-count.XXXXXX", path[PATH_MAX];

	if (mkdtemp(top) == NULL) {
		T(0, "mkdtemp");
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/ok", top);
	(void)mkdir(path, 0700);
	(void)snprintf(path, sizeof(path), "%s/ok/sub", top);
	(void)mkdir(path, 0700);
	(void)snprintf(path, sizeof(path), "%s/ok/sub/f", top);
	if (fclose(fopen(path, "w")) != 0)
		T(0, "a file");
	(void)snprintf(path, sizeof(path), "%s/ok", top);
	T(count_tree(path, 1, 1), "a count that finishes: totals, no "
	    "\"(counting)\"");

	/* "sub" readable but not searchable: its ".." cannot be opened. */
	(void)snprintf(path, sizeof(path), "%s/ok/sub", top);
	(void)chmod(path, 0600);
	(void)snprintf(path, sizeof(path), "%s/ok", top);
	T(count_tree(path, 0, 0), "a count that gives up: no totals, and "
	    "no more \"(counting)\" either");

	(void)snprintf(path, sizeof(path), "%s/ok/sub", top);
	(void)chmod(path, 0700);
	(void)snprintf(path, sizeof(path), "%s/ok/sub/f", top);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/ok/sub", top);
	(void)rmdir(path);
	(void)snprintf(path, sizeof(path), "%s/ok", top);
	(void)rmdir(path);
	(void)rmdir(top);
}

int
main(void)
{
	int status;
	pid_t pid;

	t_init();
	if (geteuid() != 0) {
		tests();
		return t_exit();
	}
	if ((pid = fork()) < 0) {
		T(0, "fork");
		return t_exit();
	}
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(65534, 65534,
		    65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
			printf("not ok - cannot become nobody\n");
			_exit(1);
		}
		tests();
		fflush(stdout);
		_exit(t_exit());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
