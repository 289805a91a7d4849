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
#define CONFIG_FORMAT_CHUNKER	3	/* format 2 and a chunker key */
#define CONFIG_BASE_BYTES	(4 + 8 + 4 * 5)	/* format 1 */
#define CONFIG_KEY_BYTES	32
#define CONFIG_BYTES		(CONFIG_BASE_BYTES + 4 + CONFIG_KEY_BYTES)
#define CONFIG_BYTES_MAX	CONFIG_BYTES	/* the longest: format 3 */

struct config {
	uint64_t	created;	/* unix seconds */
	uint32_t	chunk_min;	/* content-defined chunking, bytes */
	uint32_t	chunk_avg;
	uint32_t	chunk_max;
	uint32_t	pack_bytes;	/* size of every full pack */
	int32_t		zstd_level;
	uint32_t	parity_pct;	/* 0: no parity */
	/*
	 * init --copy-chunker-from: the chunker key of the repository it
	 * was made from (format 3), used instead of this one's own
	 * tcchnk01, so both cut files at the same points.  Secret: it is
	 * the one key the worker may hold anyway.
	 */
	int		has_chunker_key;
	uint8_t		chunker_key[CONFIG_KEY_BYTES];
};

/* config_default(c): the values a new repository gets. */
void config_default(struct config *);

/*
 * config_encode(c, out[CONFIG_BYTES]): the plaintext form of ${c}: format
 * 1 without parity and chunker key, as every tacit before them wrote it;
 * format 2 with parity; format 3 with a chunker key (and the parity
 * percent, 0 for none).  An older tacit refuses formats 2 and 3.  Returns
 * its length.
 */
size_t config_encode(const struct config *, uint8_t[CONFIG_BYTES]);

/*
 * config_decode(p, len, c): parse and sanity-check a config plaintext
 * (min <= avg <= max, bounded sizes, a valid zstd level and parity
 * percent).  0 or -1.
 */
int config_decode(const uint8_t *, size_t, struct config *)
    __attribute__((warn_unused_result));

#endif
