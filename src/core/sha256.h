/* Pure SHA-256 (FIPS 180-4), streaming, freestanding: pins the kernel image for Secure Boot. */
#ifndef EMBER_SHA256_H
#define EMBER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32  /* bytes in a digest */
#define SHA256_BLOCK_SIZE 64   /* bytes in one compression block */
#define SHA256_HEX_SIZE 65     /* 64 lowercase hex digits and a NUL */

/* Running state of one hash; caller-owned, no allocation. Valid after sha256_init() until
 * sha256_final(); re-initialise it to hash another message. */
struct sha256_ctx {
    uint32_t state[8];                 /* H0..H7 */
    uint64_t total;                    /* bytes hashed so far */
    uint8_t block[SHA256_BLOCK_SIZE];  /* pending partial block */
    size_t used;                       /* bytes pending in block, 0..63 */
};

/* Starts a new hash of the empty message. */
void sha256_init(struct sha256_ctx *ctx);

/* Appends data[0..len) (any alignment; len may be 0, data may then be NULL) to the message. */
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);

/* Pads the message, writes its 32-byte digest to out and wipes ctx. */
void sha256_final(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_SIZE]);

/* Writes digest as 64 lowercase hex digits and a NUL into out (65 bytes). */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
