/* Host tests of the pure formatter (src/core/fmt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/fmt.h"

static void expect_format(const char *want, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = fmt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_fmt_formats_integers_in_decimal_and_hex(void **state)
{
    (void)state;
    expect_format("42 -7 0 4294967295", "%d %i %u %u", 42, -7, 0u, 4294967295u);
    expect_format("ffffffff80000000", "%llx", 0xffffffff80000000ULL);
    expect_format("0xDEAD", "0x%X", 0xdeadu);
    expect_format("-9223372036854775808", "%lld", (long long)INT64_MIN);
    expect_format("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    expect_format("123", "%zu", (size_t)123);
}

static void test_fmt_pads_with_width_and_flags(void **state)
{
    (void)state;
    expect_format("0000000000100000", "%016llx", 0x100000ULL);
    expect_format("[   ab]", "[%5s]", "ab");
    expect_format("[ab   ]", "[%-5s]", "ab");
    expect_format("-0042", "%05d", -42);
    expect_format("0x00000000deadbeef", "%p", (void *)(uintptr_t)0xdeadbeef);
}

static void test_fmt_handles_strings_chars_and_percent(void **state)
{
    (void)state;
    expect_format("a (null) 100%", "%c %s 100%%", 'a', (char *)NULL);
    expect_format("%q", "%q");
}

static void test_fmt_truncates_but_reports_full_length(void **state)
{
    char buf[6];
    (void)state;
    assert_int_equal(fmt_format(buf, sizeof buf, "%s", "0123456789"), 10);
    assert_string_equal(buf, "01234");
    assert_int_equal(fmt_format(NULL, 0, "%d", 12345), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_formats_integers_in_decimal_and_hex),
        cmocka_unit_test(test_fmt_pads_with_width_and_flags),
        cmocka_unit_test(test_fmt_handles_strings_chars_and_percent),
        cmocka_unit_test(test_fmt_truncates_but_reports_full_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
