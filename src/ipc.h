/*
 * ipc.h: framing on the keyholder socket (AF_UNIX, SOCK_STREAM).
 *
 *   frame = u32 type | u32 seq | u32 len | payload[len]   (little-endian)
 *
 * Requests have even types, answers the request's type + 1 (KH_MSG__MAX is
 * the sentinel).  Every length is capped before anything is allocated, a
 * short frame or a closed socket ends the conversation, and each decoder
 * must consume its payload exactly (rbuf_end).  No key ever travels here
 * except the chunker key, once, to the worker, which must hold it.
 */
#ifndef TACIT_IPC_H
#define TACIT_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define IPC_HDR_BYTES	12
#define IPC_FRAME_MAX	(ENV_PLAIN_MAX + ENV_OVERHEAD + 4096)
#define IPC_WORKER_FD	3		/* the worker's end, after exec */
#define IPC_LISTS_FD	4		/* backup: its --files-from lists */
#define IPC_OTHER_FD	4		/* copy, init --copy-chunker-from: the
					   other repository's keyholder (no
					   command has both) */

enum kh_msg {
	KH_REQ_UNLOCK = 0,	KH_ANS_UNLOCK,
	KH_REQ_GENERATE = 2,	KH_ANS_GENERATE,
	KH_REQ_SLOT_NEW = 4,	KH_ANS_SLOT_NEW,
	KH_REQ_RECOVERY = 6,	KH_ANS_RECOVERY,
	KH_REQ_SLOT_INFO = 8,	KH_ANS_SLOT_INFO,
	KH_REQ_SEAL = 10,	KH_ANS_SEAL,
	KH_REQ_OPEN = 12,	KH_ANS_OPEN,
	KH_REQ_ID = 14,		KH_ANS_ID,
	KH_REQ_CHUNKER = 16,	KH_ANS_CHUNKER,
	KH_REQ_ID_BATCH = 18,	KH_ANS_ID_BATCH,
	KH_REQ_SEAL_BATCH = 20,	KH_ANS_SEAL_BATCH,
	KH_REQ_OPEN_BATCH = 22,	KH_ANS_OPEN_BATCH,
	KH_MSG__MAX
};

struct ipc_msg {
	uint32_t	 type;
	uint32_t	 seq;
	uint8_t		*p;		/* malloc'd; len bytes */
	size_t		 len;
};

/*
 * ipc_send(fd, type, seq, a, alen, b, blen): one frame whose payload is
 * ${a} then ${b} (either may be empty).  Returns 0, or -1 with errno
 * (EPIPE when the peer is gone, EMSGSIZE past IPC_FRAME_MAX).
 */
int ipc_send(int, uint32_t, uint32_t, const void *, size_t, const void *,
    size_t) __attribute__((warn_unused_result));

/*
 * ipc_sendv(fd, type, seq, iov, n): one frame whose payload is the ${n}
 * pieces of ${iov}, sent without gathering them (a batch's blobs go from
 * where they are); ${iov} is consumed.  Returns as ipc_send.
 */
#define IPC_IOV_MAX	1024
struct iovec;
int ipc_sendv(int, uint32_t, uint32_t, struct iovec *, size_t)
    __attribute__((warn_unused_result));

/*
 * ipc_recv_hdr(fd, m) and ipc_read(fd, p, len): a frame's header alone
 * (m->type, m->seq, m->len checked as ipc_recv checks them; m->p NULL),
 * then its payload in pieces, straight where each belongs.  The caller
 * must read exactly m->len bytes.  Return as ipc_recv; a short payload
 * is -1 with EPROTO.
 */
int ipc_recv_hdr(int, struct ipc_msg *) __attribute__((warn_unused_result));
int ipc_read(int, void *, size_t) __attribute__((warn_unused_result));

/*
 * ipc_recv(fd, m): read one whole frame into ${m} (m->p malloc'd, freed by
 * ipc_msg_free).  Returns 0; 1 at a clean end of stream (no bytes of a new
 * frame); -1 with errno on a short frame (EPROTO), an oversized length
 * (EMSGSIZE) or a read error.
 */
int ipc_recv(int, struct ipc_msg *) __attribute__((warn_unused_result));

/* ipc_msg_free(m): release the payload; ${m} may be reused. */
void ipc_msg_free(struct ipc_msg *);

/*
 * ipc_decode_frame(p, len, m): parse a frame held in memory (the fuzz
 * target's entry point; ipc_recv uses the same header checks).  Returns 0
 * when ${p} is exactly one valid frame, -1 otherwise.
 */
int ipc_decode_frame(const uint8_t *, size_t, struct ipc_msg *)
    __attribute__((warn_unused_result));

#endif
