/* Host tests of ember-inspect's JSON writer (src/inspect/json.c): commas, nesting, escaping,
 * numbers, misuse and overflow are reported, never silently produce broken JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "inspect/json.h"

static void test_nested_document(void **state)
{
    char buf[256];
    struct json_out j;
    (void)state;

    json_init(&j, buf, sizeof buf);
    json_begin_object(&j);
    json_key(&j, "a"), json_uint(&j, 18446744073709551615ULL);
    json_key(&j, "b"), json_int(&j, -5);
    json_key(&j, "list");
    json_begin_array(&j);
    json_bool(&j, true), json_bool(&j, false), json_null(&j);
    json_begin_object(&j);
    json_end_object(&j);
    json_begin_array(&j);
    json_end_array(&j);
    json_end_array(&j);
    json_key(&j, "addr"), json_hex(&j, 0xffffffff80000000ULL);
    json_end_object(&j);
    assert_true(json_finish(&j));
    assert_string_equal(buf, "{\"a\":18446744073709551615,\"b\":-5,\"list\":[true,false,null,{},[]],"
                             "\"addr\":\"0xffffffff80000000\"}");
}

static void test_strings_are_escaped(void **state)
{
    char buf[128];
    struct json_out j;
    (void)state;

    json_init(&j, buf, sizeof buf);
    json_begin_array(&j);
    json_string(&j, "q\"b\\s\n\t\r\x01\x1f\x7f\\kernel.elf");
    json_string(&j, NULL);
    json_end_array(&j);
    assert_true(json_finish(&j));
    assert_string_equal(buf, "[\"q\\\"b\\\\s\\n\\t\\r\\u0001\\u001f\\u007f\\\\kernel.elf\",\"\"]");
}

static void test_keys_are_escaped_too(void **state)
{
    char buf[64];
    struct json_out j;
    (void)state;

    json_init(&j, buf, sizeof buf);
    json_begin_object(&j);
    json_key(&j, "a\"b"), json_uint(&j, 1);
    json_end_object(&j);
    assert_true(json_finish(&j));
    assert_string_equal(buf, "{\"a\\\"b\":1}");
}

static void test_overflow_is_reported_and_terminated(void **state)
{
    char buf[8];
    struct json_out j;
    (void)state;

    json_init(&j, buf, sizeof buf);
    json_begin_array(&j);
    json_string(&j, "much too long for the buffer");
    json_end_array(&j);
    assert_false(json_finish(&j));
    assert_true(j.overflow);
    assert_int_equal(strlen(buf), sizeof buf - 1);
}

static void test_misuse_is_reported(void **state)
{
    char buf[64];
    struct json_out j;
    (void)state;

    json_init(&j, buf, sizeof buf); /* a value where a key belongs */
    json_begin_object(&j);
    json_uint(&j, 1);
    json_end_object(&j);
    assert_false(json_finish(&j));
    json_init(&j, buf, sizeof buf); /* a key without a value */
    json_begin_object(&j);
    json_key(&j, "k");
    json_end_object(&j);
    assert_false(json_finish(&j));
    json_init(&j, buf, sizeof buf); /* unbalanced */
    json_begin_array(&j);
    assert_false(json_finish(&j));
    json_end_object(&j);
    assert_true(j.misuse);
    json_init(&j, buf, sizeof buf); /* a key in an array */
    json_begin_array(&j);
    json_key(&j, "k");
    assert_true(j.misuse);
    json_init(&j, buf, sizeof buf); /* nothing written */
    assert_false(json_finish(&j));
}

static void test_depth_is_bounded(void **state)
{
    char buf[128];
    struct json_out j;
    (void)state;

    json_init(&j, buf, sizeof buf);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_begin_array(&j);
    assert_true(j.misuse);
    assert_false(json_finish(&j));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_document),
        cmocka_unit_test(test_strings_are_escaped),
        cmocka_unit_test(test_keys_are_escaped_too),
        cmocka_unit_test(test_overflow_is_reported_and_terminated),
        cmocka_unit_test(test_misuse_is_reported),
        cmocka_unit_test(test_depth_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
