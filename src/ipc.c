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
ipc_sendv(int fd, uint32_t type, uint32_t seq, struct iovec *iov, size_t n)
{
	uint8_t hdr[IPC_HDR_BYTES];
	struct iovec h;
	size_t total = 0, i = 0, skip, k;
	ssize_t got;

	for (k = 0; k < n; k++) {
		if (iov[k].iov_len > IPC_FRAME_MAX - total) {
			errno = EMSGSIZE;
			return -1;
		}
		total += iov[k].iov_len;
	}
	le32enc(hdr, type);
	le32enc(hdr + 4, seq);
	le32enc(hdr + 8, (uint32_t)total);
	h.iov_base = hdr;
	h.iov_len = sizeof(hdr);
	/* The header alone first: iov[] stays the caller's, cut as sent. */
	while (h.iov_len > 0) {
		got = sendmsg(fd, &(struct msghdr){ .msg_iov = &h,
		    .msg_iovlen = 1 }, MSG_NOSIGNAL);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		h.iov_base = (uint8_t *)h.iov_base + got;
		h.iov_len -= (size_t)got;
	}
	while (i < n) {
		struct msghdr mh;

		/* MSG_NOSIGNAL: a dead peer is EPIPE here, not SIGPIPE. */
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov + i;
		mh.msg_iovlen = n - i < IPC_IOV_MAX ? n - i : IPC_IOV_MAX;
		got = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		for (skip = (size_t)got; i < n && skip >= iov[i].iov_len; i++)
			skip -= iov[i].iov_len;
		if (i < n) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + skip;
			iov[i].iov_len -= skip;
		}
	}
	return 0;
}

int
ipc_send(int fd, uint32_t type, uint32_t seq, const void *a, size_t alen,
    const void *b, size_t blen)
{
	struct iovec iov[2];

	iov[0].iov_base = (void *)(uintptr_t)a;
	iov[0].iov_len = alen;
	iov[1].iov_base = (void *)(uintptr_t)b;
	iov[1].iov_len = blen;
	return ipc_sendv(fd, type, seq, iov, 2);
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
ipc_recv_hdr(int fd, struct ipc_msg *m)
{
	uint8_t hdr[IPC_HDR_BYTES];
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = read_all(fd, hdr, sizeof(hdr))) != 0)
		return r;
	return parse_hdr(hdr, m);
}

int
ipc_read(int fd, void *p, size_t len)
{
	if (len == 0)
		return 0;
	if (read_all(fd, p, len) != 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
ipc_recv(int fd, struct ipc_msg *m)
{
	int r;

	if ((r = ipc_recv_hdr(fd, m)) != 0)
		return r;
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
