/*
 * parity_prove.h: repair data --verify-data: a repository file's sealed
 * objects opened through the keyholder (the AEAD) before the file is
 * rewritten, and with the checksum tables lost, the damaged shards found
 * by the objects that fail to open (doc/format.md section 23.8).
 */
#ifndef TACIT_PARITY_PROVE_H
#define TACIT_PARITY_PROVE_H

#include <stddef.h>
#include <stdint.h>

#include "parity.h"

struct kh;

#define PROVE_PACK	0	/* trailer, header, every blob */
#define PROVE_INDEX	1	/* one envelope, OBJ_INDEX */
#define PROVE_SNAP	2	/* one envelope, OBJ_SNAPSHOT */

struct prover {
	struct kh	*kh;
	size_t		 datamax;	/* a data blob's raw cap (pack headers) */
};

/*
 * prove_data(pv, kind, id, f, L): does every sealed object of the ${L}
 * data bytes ${f} of a file of ${kind} (id: its name's 16 bytes) open?
 * 1 yes, 0 no, -1 with errno ENOMEM.
 */
int prove_data(const struct prover *, int, const uint8_t[16], const uint8_t *,
    uint64_t) __attribute__((warn_unused_result));

/*
 * The search's budget for one file (doc/format.md section 23.8): at most
 * PROVE_TRIALS decodes, and no new one once PROVE_SEND_MAX bytes have
 * gone to the keyholder (so at most that plus the file's data).
 */
#define PROVE_TRIALS(g)	(4 * ((uint64_t)(g)->k + (uint64_t)(g)->G * (g)->p))
#define PROVE_SEND_MAX	((uint64_t)1 << 30)

/*
 * prove_repair(pv, kind, id, orig, g, out): the file ${orig} (g->P bytes,
 * layout ${g}, its tables lost) repaired with the AEAD as the judge: the
 * data shards under an object that fails to open are erasures (the whole
 * object's shards, else each one and each adjacent pair of them in turn,
 * each also with one parity shard of its groups), decoded from the other
 * shards and the parity, until every object opens.  Then ${out} (g->P
 * bytes) holds the data and fresh tables and parity.  0 (repaired and
 * proven), 1 (not: damaged beyond the parity, or forged), 2 (the budget
 * above was spent first), -1 with errno ENOMEM.
 */
int prove_repair(const struct prover *, int, const uint8_t[16],
    const uint8_t *, const struct parity_geom *, uint8_t *)
    __attribute__((warn_unused_result));

#endif
