/* Pure BLAKE2b-512 (RFC 7693 sections 2 and 3), unkeyed. */
#include "core/blake2b.h"

#define ROUNDS 12

/* RFC 7693 2.6: the IV is SHA-512's initial hash value. */
static const uint64_t iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* RFC 7693 2.7: the message word schedule of rounds 0-9; rounds 10 and 11 reuse rows 0 and 1. */
static const uint8_t sigma[10][16] = {
    { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
    { 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
    { 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
    { 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
    { 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
    { 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
    { 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
    { 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
    { 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
    { 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static uint64_t rotr(uint64_t x, unsigned n)
{
    return x >> n | x << (64 - n);
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 8; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* RFC 7693 3.1: the mixing function G on v[a], v[b], v[c], v[d] with message words x and y. */
static void mix(uint64_t v[16], unsigned a, unsigned b, unsigned c, unsigned d, uint64_t x, uint64_t y)
{
    v[a] = v[a] + v[b] + x;
    v[d] = rotr(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 63);
}

/* RFC 7693 3.2: the compression function F over one block; last sets the final-block flag. */
static void compress(struct blake2b_ctx *ctx, const uint8_t block[BLAKE2B_BLOCK_SIZE], int last)
{
    uint64_t v[16], m[16];

    for (unsigned i = 0; i < 8; i++) {
        v[i] = ctx->h[i];
        v[i + 8] = iv[i];
    }
    v[12] ^= ctx->t[0];
    v[13] ^= ctx->t[1];
    if (last)
        v[14] = ~v[14];
    for (unsigned i = 0; i < 16; i++)
        m[i] = load64(block + 8 * i);
    for (unsigned r = 0; r < ROUNDS; r++) {
        const uint8_t *s = sigma[r % 10];
        mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (unsigned i = 0; i < 8; i++)
        ctx->h[i] ^= v[i] ^ v[i + 8];
}

/* Adds n bytes to the 128-bit byte counter. */
static void count(struct blake2b_ctx *ctx, uint64_t n)
{
    ctx->t[0] += n;
    ctx->t[1] += ctx->t[0] < n;
}

void blake2b_init(struct blake2b_ctx *ctx)
{
    for (unsigned i = 0; i < 8; i++)
        ctx->h[i] = iv[i];
    ctx->h[0] ^= 0x01010000ULL | BLAKE2B_DIGEST_SIZE; /* depth 1, fanout 1, no key, 64-byte digest */
    ctx->t[0] = ctx->t[1] = 0;
    ctx->used = 0;
}

void blake2b_update(struct blake2b_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len > 0) {
        if (ctx->used == BLAKE2B_BLOCK_SIZE) { /* a full block with more to come: not the last one */
            count(ctx, BLAKE2B_BLOCK_SIZE);
            compress(ctx, ctx->block, 0);
            ctx->used = 0;
        }
        size_t take = BLAKE2B_BLOCK_SIZE - ctx->used < len ? BLAKE2B_BLOCK_SIZE - ctx->used : len;
        for (size_t i = 0; i < take; i++)
            ctx->block[ctx->used + i] = p[i];
        ctx->used += take;
        p += take;
        len -= take;
    }
}

void blake2b_final(struct blake2b_ctx *ctx, uint8_t out[BLAKE2B_DIGEST_SIZE])
{
    count(ctx, ctx->used);
    for (size_t i = ctx->used; i < BLAKE2B_BLOCK_SIZE; i++)
        ctx->block[i] = 0;
    compress(ctx, ctx->block, 1);
    for (unsigned i = 0; i < BLAKE2B_DIGEST_SIZE; i++)
        out[i] = (uint8_t)(ctx->h[i / 8] >> (8 * (i % 8)));
    for (size_t i = 0; i < sizeof *ctx; i++)
        ((volatile uint8_t *)ctx)[i] = 0;
}
