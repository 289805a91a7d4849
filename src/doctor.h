/*
 * doctor.h: is this host safe to back up from?
 */
#ifndef TACIT_DOCTOR_H
#define TACIT_DOCTOR_H

#define DOCTOR_OK	0
#define DOCTOR_WARN	1
#define DOCTOR_HIGH	2

/*
 * doctor_run(print): check swap (and whether it is encrypted),
 * hibernation, core dumps, ptrace restrictions, whether HOME and /tmp are
 * RAM-backed, Landlock, seccomp and the memory-lock limit.  With ${print},
 * one line each on stdout with what to do.  Returns the worst level found.
 */
int doctor_run(int);

/* doctor_swap_risk(): DOCTOR_HIGH if unencrypted swap is active. */
int doctor_swap_risk(void);

#endif
