/* ipc_fuzz.c: the keyholder socket's frame decoder. */
#include "ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct ipc_msg m;

	if (ipc_decode_frame(p, len, &m) == 0 &&
	    (m.len != len - IPC_HDR_BYTES || m.type >= KH_MSG__MAX))
		__builtin_trap();
	return 0;
}
