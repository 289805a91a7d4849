/*
 * config.h: the repository configuration, stored sealed (OBJ_CONFIG) in
 * REPO/config.  Nothing in it is readable without the key.
 */
#ifndef TACIT_CONFIG_H
#define TACIT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_FORMAT		1
#define CONFIG_BYTES		(4 + 8 + 4 * 5)

struct config {
	uint64_t	created;	/* unix seconds */
	uint32_t	chunk_min;	/* content-defined chunking, bytes */
	uint32_t	chunk_avg;
	uint32_t	chunk_max;
	uint32_t	pack_bytes;	/* size of every full pack */
	int32_t		zstd_level;
};

/* config_default(c): the values a new repository gets. */
void config_default(struct config *);

/* config_encode(c, out[CONFIG_BYTES]): the plaintext form of ${c}. */
void config_encode(const struct config *, uint8_t[CONFIG_BYTES]);

/*
 * config_decode(p, len, c): parse and sanity-check a config plaintext
 * (min <= avg <= max, bounded sizes, a valid zstd level).  0 or -1.
 */
int config_decode(const uint8_t *, size_t, struct config *)
    __attribute__((warn_unused_result));

#endif
