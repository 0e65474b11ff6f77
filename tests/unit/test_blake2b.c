/* Host tests of BLAKE2b-512 (src/core/blake2b.c): RFC 7693's vector, the empty message, block
 * boundaries and streaming in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/blake2b.h"

static void hex_of(const void *data, size_t len, size_t piece, char out[2 * BLAKE2B_DIGEST_SIZE + 1])
{
    struct blake2b_ctx ctx;
    uint8_t digest[BLAKE2B_DIGEST_SIZE];
    const uint8_t *p = data;

    blake2b_init(&ctx);
    for (size_t at = 0; at < len; at += piece)
        blake2b_update(&ctx, p + at, len - at < piece ? len - at : piece);
    blake2b_final(&ctx, digest);
    for (unsigned i = 0; i < BLAKE2B_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static void expect(const void *data, size_t len, const char *want)
{
    static const size_t pieces[] = { 1, 3, 64, 127, 128, 129, 1000 };
    char got[2 * BLAKE2B_DIGEST_SIZE + 1];
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        hex_of(data, len, len ? pieces[i] : 1, got);
        assert_string_equal(got, want);
    }
}

/* RFC 7693 Appendix A: BLAKE2b-512("abc"). */
static void test_blake2b_rfc7693_abc(void **state)
{
    (void)state;
    expect("abc", 3, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                     "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

static void test_blake2b_empty_message(void **state)
{
    (void)state;
    expect("", 0, "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
                  "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
}

/* Lengths around the 128-byte block: 255 bytes (one full block plus a partial last one) and 1025
 * (eight full blocks plus one byte); digests computed with Python's hashlib.blake2b. */
static void test_blake2b_block_boundaries(void **state)
{
    uint8_t data[1025];
    (void)state;
    for (size_t i = 0; i < 255; i++)
        data[i] = (uint8_t)i;
    expect(data, 255, "5b21c5fd8868367612474fa2e70e9cfa2201ffeee8fafab5797ad58fefa17c9b"
                      "5b107da4a3db6320baaf2c8617d5a51df914ae88da3867c2d41f0cc14fa67928");
    for (size_t i = 0; i < 1024; i++)
        data[i] = (uint8_t)(i & 0xff);
    data[1024] = 'x';
    expect(data, 1025, "e54a3216efab1c7b6a56050340e0619866cd8007b29cfcb193ebbd927d4596c7"
                       "6442e4d2318ed197533616c482f6cd7e1edb05a04dcdc0e6acdf05ad7de145f4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blake2b_rfc7693_abc),
        cmocka_unit_test(test_blake2b_empty_message),
        cmocka_unit_test(test_blake2b_block_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
