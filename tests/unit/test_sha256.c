/* Host tests of the pure SHA-256 module (src/core/sha256.c): NIST vectors, streaming, hex output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/sha256.h"

#define MILLION 1000000
#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Hashes msg[0..len) in one update call and returns its hex digest in hex. */
static void hash_hex(const void *msg, size_t len, char hex[SHA256_HEX_SIZE])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, msg, len);
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, hex);
}

static void expect_digest(const char *msg, const char *want)
{
    char hex[SHA256_HEX_SIZE];

    hash_hex(msg, strlen(msg), hex);
    assert_string_equal(hex, want);
}

/* Hashes msg[0..len) in pieces of chunk bytes (the last may be shorter). */
static void hash_in_chunks(const uint8_t *msg, size_t len, size_t chunk,
                           uint8_t digest[SHA256_DIGEST_SIZE])
{
    struct sha256_ctx ctx;
    size_t pos, n;

    sha256_init(&ctx);
    for (pos = 0; pos < len; pos += n) {
        n = len - pos < chunk ? len - pos : chunk;
        sha256_update(&ctx, msg + pos, n);
    }
    sha256_final(&ctx, digest);
}

/* FIPS 180-4 / NIST CSRC example values (SHA256.pdf, SHA2_Additional). */
static void test_sha256_matches_nist_short_vectors(void **state)
{
    (void)state;
    expect_digest("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_digest("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sha256_matches_nist_two_block_vectors(void **state)
{
    (void)state;
    /* 448 bits: padding no longer fits in the first block. */
    expect_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* 896 bits. */
    expect_digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_matches_nist_million_a(void **state)
{
    static uint8_t msg[MILLION];
    char hex[SHA256_HEX_SIZE];
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;
    unsigned i;
    const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

    (void)state;
    memset(msg, 'a', sizeof msg);
    hash_hex(msg, sizeof msg, hex);
    assert_string_equal(hex, want);

    /* Same message one byte at a time. */
    sha256_init(&ctx);
    for (i = 0; i < MILLION; i++)
        sha256_update(&ctx, "a", 1);
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, hex);
    assert_string_equal(hex, want);
}

static void test_sha256_streaming_in_odd_chunks_equals_one_shot(void **state)
{
    static const size_t chunks[] = { 1, 55, 56, 63, 64, 65 };
    /* Lengths around the block and padding boundaries, plus a few blocks. */
    static const size_t lengths[] = { 0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000 };
    uint8_t msg[1000], want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_SIZE];
    size_t i, c, l;

    (void)state;
    for (i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    /* hashlib.sha256(bytes((i * 131 + 7) & 0xff for i in range(1000))) */
    hash_hex(msg, sizeof msg, hex);
    assert_string_equal(hex, "533b698850849b7908b20a22658f639c0b2a476f1791f85f50188287c31a9aba");
    for (l = 0; l < ARRAY_COUNT(lengths); l++) {
        hash_in_chunks(msg, lengths[l], lengths[l] > 0 ? lengths[l] : 1, want);
        for (c = 0; c < ARRAY_COUNT(chunks); c++) {
            hash_in_chunks(msg, lengths[l], chunks[c], got);
            assert_memory_equal(got, want, sizeof want);
        }
    }
}

static void test_sha256_streaming_from_unaligned_buffer(void **state)
{
    uint8_t buf[3 * 64 + 1], got[SHA256_DIGEST_SIZE], want[SHA256_DIGEST_SIZE];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)i;
    hash_in_chunks(buf, 3 * 64, 3 * 64, want);
    memmove(buf + 1, buf, 3 * 64);
    hash_in_chunks(buf + 1, 3 * 64, 3 * 64, got);
    assert_memory_equal(got, want, sizeof want);
}

static void test_sha256_empty_updates_change_nothing(void **state)
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_SIZE];

    (void)state;
    sha256_init(&ctx);
    sha256_update(&ctx, NULL, 0);
    sha256_update(&ctx, "ab", 2);
    sha256_update(&ctx, "", 0);
    sha256_update(&ctx, "c", 1);
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sha256_to_hex_is_lowercase_and_nul_terminated(void **state)
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_SIZE + 1];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof digest; i++)
        digest[i] = (uint8_t)(i * 8 + 0x0f);
    digest[0] = 0x00;
    digest[31] = 0xff;
    memset(hex, 'X', sizeof hex);
    sha256_to_hex(digest, hex);
    assert_string_equal(hex, "00171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ffff");
    assert_int_equal(hex[SHA256_HEX_SIZE - 1], '\0');
    assert_int_equal(hex[SHA256_HEX_SIZE], 'X');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_matches_nist_short_vectors),
        cmocka_unit_test(test_sha256_matches_nist_two_block_vectors),
        cmocka_unit_test(test_sha256_matches_nist_million_a),
        cmocka_unit_test(test_sha256_streaming_in_odd_chunks_equals_one_shot),
        cmocka_unit_test(test_sha256_streaming_from_unaligned_buffer),
        cmocka_unit_test(test_sha256_empty_updates_change_nothing),
        cmocka_unit_test(test_sha256_to_hex_is_lowercase_and_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
