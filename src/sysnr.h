/*
 * sysnr.h: a system call newer than Debian 12's kernel headers (6.1), which
 * the restore worker uses on O_PATH descriptors when the kernel has it.
 * The number is that of the common table (the same on x86-64, i386 and
 * arm64); on an older kernel the call fails with ENOSYS.
 */
#ifndef TACIT_SYSNR_H
#define TACIT_SYSNR_H

#ifndef __NR_fchmodat2
#define __NR_fchmodat2		452	/* Linux 6.6 */
#endif

#endif
