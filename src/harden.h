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

/*
 * harden_environment(): keep only the variables a terminal prompt or a
 * pinentry may need (TERM, LANG, LC_*, TZ, display and session bus
 * addresses) and the sanitizer options of test builds; drop the rest.
 * Nothing tacit does depends on the environment otherwise.
 */
void harden_environment(void);

#endif
