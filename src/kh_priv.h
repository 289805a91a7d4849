/*
 * kh_priv.h: the inside of struct kh, shared by the keyholder's local
 * implementation (kh.c), the worker's stubs (kh_client.c) and the server
 * loop (keyholder.c).  Nothing else includes it.
 */
#ifndef TACIT_KH_PRIV_H
#define TACIT_KH_PRIV_H

#include <pthread.h>
#include <stdint.h>

#include "kh.h"

struct kh {
	uint8_t		 repo_id[ENV_REPOID_BYTES];
	uint8_t		*keys;		/* MK || subkeys; PROT_NONE at rest */
	int		 have_mk;
	pthread_mutex_t	 mu;		/* kh_hold: one request at a time */
	unsigned int	 held;		/* kh_hold depth: keys readable */
	char		*pending;	/* recovery key not yet shown */
	int		 fd;		/* >= 0: a remote keyholder (worker) */
	uint32_t	 seq;		/* request counter (remote) */
	uint64_t	 slots_work;	/* kdf_work summed over the usable
					   slots at unlock */
};

/* The worker's socket to the keyholder, or -1 in the keyholder itself. */
extern int kh_remote_fd;

/*
 * The worker-side stubs: the same operations over the socket.  The
 * keyholder uses its own command line for everything a request could
 * otherwise choose (passphrase source, prompt, KDF cost of a new slot).
 */
int khc_unlock(struct kh *, const struct kh_slotfile *, size_t, size_t *);
int khc_generate(struct kh *);
int khc_slot_new(struct kh *, int, uint32_t, uint8_t[SLOT_ID_BYTES],
    uint8_t *, size_t, size_t *);
int khc_recovery_show(struct kh *);
int khc_slot_info(struct kh *, const struct kh_slotfile *,
    struct kh_slotinfo *);
int khc_seal(struct kh *, uint32_t, const uint8_t *, const uint8_t *, size_t,
    uint8_t *, size_t, size_t *);
int khc_open(struct kh *, uint32_t, const uint8_t *, const uint8_t *, size_t,
    uint8_t *, size_t, size_t *);
int khc_id(struct kh *, uint32_t, const uint8_t *, size_t, uint8_t *);
int khc_chunker_key(struct kh *, uint8_t *);
int khc_id_batch(struct kh *, uint32_t, size_t, const uint8_t *const *,
    const size_t *, uint8_t (*)[KH_ID_BYTES]);
int khc_open_batch(struct kh *, size_t, const uint32_t *,
    const uint8_t (*)[ENV_ID_BYTES], const uint8_t *const *, const size_t *,
    uint8_t *, size_t, size_t *);
int khc_seal_batch(struct kh *, size_t, const uint32_t *,
    const uint8_t (*)[ENV_ID_BYTES], const uint8_t *const *, const size_t *,
    uint8_t *, size_t, size_t *);

#endif
