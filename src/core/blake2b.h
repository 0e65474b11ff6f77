/* Pure BLAKE2b-512 (RFC 7693), streaming, freestanding, unkeyed: checks the `#<hash>` suffix Limine
 * puts on module paths. */
#ifndef EMBER_BLAKE2B_H
#define EMBER_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2B_DIGEST_SIZE 64 /* bytes in a digest (BLAKE2b-512, the size Limine's hashes use) */
#define BLAKE2B_BLOCK_SIZE 128 /* bytes in one compression block */
#define BLAKE2B_HEX_DIGITS 128 /* hex digits of a digest in a path suffix */

/* Running state of one hash; caller-owned. Valid after blake2b_init() until blake2b_final(). */
struct blake2b_ctx {
    uint64_t h[8];                      /* chained state */
    uint64_t t[2];                      /* bytes compressed so far, 128-bit counter */
    uint8_t block[BLAKE2B_BLOCK_SIZE];  /* pending bytes: the last block is compressed at final */
    size_t used;                        /* bytes pending in block, 0..128 */
};

void blake2b_init(struct blake2b_ctx *ctx);

/* Appends data[0..len) (any alignment; len may be 0, data may then be NULL). */
void blake2b_update(struct blake2b_ctx *ctx, const void *data, size_t len);

/* Compresses the final block, writes the 64-byte digest to out and wipes ctx. */
void blake2b_final(struct blake2b_ctx *ctx, uint8_t out[BLAKE2B_DIGEST_SIZE]);

#endif
