/* Pure SHA-256 (FIPS 180-4) with a streaming API; no libc, so it also builds freestanding. */
#include "core/sha256.h"

#define SHA256_LENGTH_BYTES 8  /* the message length in bits, big-endian, ends the padding */
#define SHA256_PAD_BYTE 0x80   /* the '1' bit appended after the message */

/* FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes. */
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4, 5.3.3: the first 32 bits of the fractional parts of the square roots of the first
 * 8 primes. */
static const uint32_t initial_state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* FIPS 180-4, 6.2.2: the message schedule W[0..63] of one 64-byte block. */
static void expand_schedule(const uint8_t block[SHA256_BLOCK_SIZE], uint32_t w[64])
{
    unsigned t;

    for (t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
}

/* FIPS 180-4, 6.2.2: folds one 64-byte block into state. */
static void compress(uint32_t state[8], const uint8_t block[SHA256_BLOCK_SIZE])
{
    uint32_t w[64], v[8];
    unsigned t, i;

    expand_schedule(block, w);
    for (i = 0; i < 8; i++)
        v[i] = state[i];
    for (t = 0; t < 64; t++) {
        /* v[0..7] are the working variables a..h. */
        uint32_t sum1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
        uint32_t choose = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + sum1 + choose + round_constants[t] + w[t];
        uint32_t sum0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
        uint32_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        for (i = 7; i > 0; i--)
            v[i] = v[i - 1];
        v[4] += t1;
        v[0] = t1 + sum0 + majority;
    }
    for (i = 0; i < 8; i++)
        state[i] += v[i];
}

void sha256_init(struct sha256_ctx *ctx)
{
    unsigned i;

    for (i = 0; i < 8; i++)
        ctx->state[i] = initial_state[i];
    ctx->total = 0;
    ctx->used = 0;
}

void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;

    ctx->total += len;
    while (len > 0) {
        if (ctx->used == 0 && len >= SHA256_BLOCK_SIZE) {
            compress(ctx->state, p); /* whole block straight from the input */
            p += SHA256_BLOCK_SIZE;
            len -= SHA256_BLOCK_SIZE;
            continue;
        }
        ctx->block[ctx->used++] = *p++;
        len--;
        if (ctx->used == SHA256_BLOCK_SIZE) {
            compress(ctx->state, ctx->block);
            ctx->used = 0;
        }
    }
}

/* Overwrites n bytes at p with zeros through a volatile pointer, so the stores are kept. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;

    while (n-- > 0)
        *v++ = 0;
}

void sha256_final(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_SIZE])
{
    uint64_t bits = ctx->total * 8; /* FIPS 180-4 limits messages to < 2^64 bits */
    unsigned i;

    /* FIPS 180-4, 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the length in bits. */
    ctx->block[ctx->used++] = SHA256_PAD_BYTE;
    if (ctx->used > SHA256_BLOCK_SIZE - SHA256_LENGTH_BYTES) {
        while (ctx->used < SHA256_BLOCK_SIZE)
            ctx->block[ctx->used++] = 0;
        compress(ctx->state, ctx->block);
        ctx->used = 0;
    }
    while (ctx->used < SHA256_BLOCK_SIZE - SHA256_LENGTH_BYTES)
        ctx->block[ctx->used++] = 0;
    for (i = 0; i < SHA256_LENGTH_BYTES; i++)
        ctx->block[SHA256_BLOCK_SIZE - 1 - i] = (uint8_t)(bits >> (8 * i));
    compress(ctx->state, ctx->block);
    for (i = 0; i < 8; i++)
        store_be32(out + 4 * i, ctx->state[i]);
    wipe(ctx, sizeof *ctx);
}

void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    unsigned i;

    for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0xf];
    }
    out[2 * SHA256_DIGEST_SIZE] = '\0';
}
