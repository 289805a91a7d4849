/*
 * ipc.c: frames on the keyholder socket.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ipc.h"

int
ipc_send(int fd, uint32_t type, uint32_t seq, const void *a, size_t alen,
    const void *b, size_t blen)
{
	uint8_t hdr[IPC_HDR_BYTES];
	struct iovec iov[3];
	size_t left, skip;
	ssize_t n;
	int i, cnt = 3;

	if (alen > IPC_FRAME_MAX || blen > IPC_FRAME_MAX - alen) {
		errno = EMSGSIZE;
		return -1;
	}
	le32enc(hdr, type);
	le32enc(hdr + 4, seq);
	le32enc(hdr + 8, (uint32_t)(alen + blen));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)a;
	iov[1].iov_len = alen;
	iov[2].iov_base = (void *)(uintptr_t)b;
	iov[2].iov_len = blen;
	left = sizeof(hdr) + alen + blen;
	i = 0;
	while (left > 0) {
		struct msghdr mh;

		/* MSG_NOSIGNAL: a dead peer is EPIPE here, not SIGPIPE. */
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov + i;
		mh.msg_iovlen = (size_t)(cnt - i);
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		left -= (size_t)n;
		for (skip = (size_t)n; i < cnt && skip >= iov[i].iov_len; i++)
			skip -= iov[i].iov_len;
		if (i < cnt) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + skip;
			iov[i].iov_len -= skip;
		}
	}
	return 0;
}

/* Read exactly ${len} bytes; 0, 1 if EOF before the first byte, -1. */
static int
read_all(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (got == 0)
				return 1;
			errno = EPROTO;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int
parse_hdr(const uint8_t *h, struct ipc_msg *m)
{
	m->type = le32dec(h);
	m->seq = le32dec(h + 4);
	m->len = le32dec(h + 8);
	if (m->type >= KH_MSG__MAX) {
		errno = EPROTO;
		return -1;
	}
	if (m->len > IPC_FRAME_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
ipc_recv(int fd, struct ipc_msg *m)
{
	uint8_t hdr[IPC_HDR_BYTES];
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = read_all(fd, hdr, sizeof(hdr))) != 0)
		return r;
	if (parse_hdr(hdr, m) != 0)
		return -1;
	if ((m->p = malloc(m->len ? m->len : 1)) == NULL)
		return -1;
	if (read_all(fd, m->p, m->len) != 0) {
		ipc_msg_free(m);
		errno = EPROTO;		/* the frame ended early */
		return -1;
	}
	return 0;
}

void
ipc_msg_free(struct ipc_msg *m)
{
	free(m->p);
	m->p = NULL;
	m->len = 0;
}

int
ipc_decode_frame(const uint8_t *p, size_t len, struct ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < IPC_HDR_BYTES || parse_hdr(p, m) != 0 ||
	    m->len != len - IPC_HDR_BYTES)
		return -1;
	m->p = (uint8_t *)(uintptr_t)(p + IPC_HDR_BYTES);
	return 0;
}
