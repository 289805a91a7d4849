/*
 * padme.h: Padmé padding (Nikitin et al., "Reducing Metadata Leakage from
 * Encrypted Files and Communication with PURBs", PoPETs 2019, section 4).
 */
#ifndef TACIT_PADME_H
#define TACIT_PADME_H

#include <stdint.h>

/*
 * padme(len): the smallest length >= ${len} whose binary mantissa is no
 * longer than its exponent.  Overhead is at most 12 % and falls as ${len}
 * grows; a padded length reveals O(log log len) bits.  padme(0..2) = len.
 */
uint64_t padme(uint64_t);

#endif
