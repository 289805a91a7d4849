/*
 * harden.h: process hardening done first thing in main().
 */
#ifndef TACIT_HARDEN_H
#define TACIT_HARDEN_H

/*
 * harden_process(): no core dumps (RLIMIT_CORE 0), not dumpable or
 * ptrace-attachable by same-user processes (PR_SET_DUMPABLE 0), umask 077.
 * Returns -1 (errno set) if a step failed; the caller decides.
 */
int harden_process(void) __attribute__((warn_unused_result));

#endif
