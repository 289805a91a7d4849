/*
 * mountpt.h: the mount point of tacit mount, before and after the sandbox.
 *
 * The worker mounts before it confines itself (as root: /dev/fuse and
 * mount(2); as a user: fusermount3, from a process that never set
 * no_new_privs), then forks a keeper: a small process that holds no key
 * and no descriptor of the connection, and whose only job is to unmount,
 * when asked or when the worker dies.  As root the keeper is confined
 * (sandbox_keeper); as a user it is not, because it execs the setuid
 * fusermount3 -u (see threat-model.md, the mount role).  The confined
 * worker itself can never unmount (its filter forbids umount2 and exec).
 */
#ifndef TACIT_MOUNTPT_H
#define TACIT_MOUNTPT_H

struct fuse_session;

struct mountpt {
	char			*path;		/* absolute */
	struct fuse_session	*se;
	int			 fd;		/* /dev/fuse */
	int			 keeper;	/* pipe to the keeper, or -1 */
	int			 keeper_pid;
	int			 user;		/* mounted through fusermount3 */
	int			 asked;		/* mountpt_request done */
};

/*
 * mountpt_setup(mp, path, allow_other, se): mount the session ${se} (made
 * by the caller) read-only, nosuid, nodev, with default_permissions (and
 * ${allow_other}) on the directory ${path}, and start the keeper.
 * Returns 0, or -1 after a message (nothing stays mounted).
 */
int mountpt_setup(struct mountpt *, const char *, int, struct fuse_session *)
    __attribute__((warn_unused_result));

/*
 * mountpt_request(mp, gone): ask the keeper to unmount now (the worker
 * goes on serving until the connection ends), or with ${gone} tell it
 * that the mount is already gone (fusermount3 -u from outside).  Once
 * only.  0, or -1 if the keeper is gone.
 */
int mountpt_request(struct mountpt *, int);

/*
 * mountpt_finish(mp): mountpt_request unless done, then wait for the keeper
 * (it unmounts lazily when busy).  Returns 0, or -1 if it could not (said).
 */
int mountpt_finish(struct mountpt *);

#endif
