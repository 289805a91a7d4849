/*
 * sameas.h: tacit check -r A --same-as B: does B (a mirror made with cp
 * or rsync) hold the same files as A?
 */
#ifndef TACIT_SAMEAS_H
#define TACIT_SAMEAS_H

struct opts;

/*
 * sameas_lock_early(o): before the sandbox, take B's (${o}->same_as) lock
 * shared, waiting --lock-wait, so no prune or forget changes B while it
 * is listed; the descriptor stays open to the end of the process.
 * Returns EXIT_OK, EXIT_NOREPO (B is no directory) or EXIT_LOCKED after
 * a message.
 */
int sameas_lock_early(const struct opts *);

/*
 * sameas_compare(o, afd, a, damaged): compare the repository ${a} open at ${afd}
 * with ${o}->same_as by the names and sizes of its files: the header
 * (byte for byte: the same repository id), config, keys/, snapshots/,
 * index/ and packs/; temporaries (.tmp-*) are counted, not compared.
 * Contents are not read.  Prints what one has and the other lacks (JSON
 * with --json, where ${damaged} says whether the check of A found
 * damage).  Returns EXIT_OK (the same), EXIT_DIFFER, EXIT_NOREPO (B is
 * not a repository) or EXIT_ERR.
 */
int sameas_compare(const struct opts *, int, const char *, int);

#endif
