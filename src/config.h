/*
 * config.h: the repository configuration, stored sealed (OBJ_CONFIG) in
 * REPO/config.  Nothing in it is readable without the key.
 */
#ifndef TACIT_CONFIG_H
#define TACIT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_FORMAT		1
#define CONFIG_FORMAT_PARITY	2	/* format 1 and u32 parity percent */
#define CONFIG_BYTES		(4 + 8 + 4 * 6)	/* the longest */

struct config {
	uint64_t	created;	/* unix seconds */
	uint32_t	chunk_min;	/* content-defined chunking, bytes */
	uint32_t	chunk_avg;
	uint32_t	chunk_max;
	uint32_t	pack_bytes;	/* size of every full pack */
	int32_t		zstd_level;
	uint32_t	parity_pct;	/* 0: no parity (format 1) */
};

/* config_default(c): the values a new repository gets. */
void config_default(struct config *);

/*
 * config_encode(c, out[CONFIG_BYTES]): the plaintext form of ${c}: format
 * 1 without parity, as every tacit before parity wrote it, else format 2
 * (an older tacit refuses it).  Returns its length.
 */
size_t config_encode(const struct config *, uint8_t[CONFIG_BYTES]);

/*
 * config_decode(p, len, c): parse and sanity-check a config plaintext
 * (min <= avg <= max, bounded sizes, a valid zstd level).  0 or -1.
 */
int config_decode(const uint8_t *, size_t, struct config *)
    __attribute__((warn_unused_result));

#endif
