/* Host tests of ember.cfg line syntax, error reporting and raw-input robustness (src/core/config.c). */
#include "config_fixtures.h"

static void test_config_names_every_error(void **state)
{
    (void)state;
    assert_string_equal(config_error_name(CONFIG_OK), "ok");
    assert_string_equal(config_error_name(CONFIG_ERR_SYNTAX), "syntax");
    assert_string_equal(config_error_name(CONFIG_ERR_UNKNOWN_KEY), "unknown-key");
    assert_string_equal(config_error_name(CONFIG_ERR_BAD_VALUE), "bad-value");
    assert_string_equal(config_error_name(CONFIG_ERR_TOO_LONG), "too-long");
    assert_string_equal(config_error_name(CONFIG_ERR_TOO_MANY_MODULES), "too-many-modules");
    assert_string_equal(config_error_name(CONFIG_ERR_DUPLICATE_KEY), "duplicate-key");
    assert_string_equal(config_error_name((enum config_error)42), "unknown");
}

static void test_config_ignores_comments_and_blank_lines(void **state)
{
    (void)state;
    expect_ok("# ember.cfg\n\n   \n\t\n   # indented comment = with equals\nkernel=\\k.elf\n#\n");
    assert_string_equal(cfg.kernel, "\\k.elf");
}

static void test_config_accepts_crlf_line_ends(void **state)
{
    (void)state;
    expect_ok("# comment\r\nkernel = \\k.elf\r\n\r\nlog_level = warn\r\ncmdline = a b\r\n");
    assert_string_equal(cfg.kernel, "\\k.elf");
    assert_int_equal(cfg.log_level, LOG_WARN);
    assert_string_equal(cfg.cmdline, "a b");
    expect_error("\r\nfoo\r\n", CONFIG_ERR_SYNTAX, 2, "ember.cfg:2: expected 'key = value', got 'foo'");
}

static void test_config_trims_blanks_around_key_and_value(void **state)
{
    (void)state;
    expect_ok("  \t kernel \t=\t  \\with space.elf  \t\n");
    assert_string_equal(cfg.kernel, "\\with space.elf");
    expect_ok("log_level=error");
    assert_int_equal(cfg.log_level, LOG_ERROR);
}

static void test_config_rejects_duplicate_key(void **state)
{
    (void)state;
    expect_error("kernel = \\a.elf\n# x\nlog_level = info\nkernel = \\b.elf\n",
                 CONFIG_ERR_DUPLICATE_KEY, 4,
                 "ember.cfg:4: duplicate key 'kernel' (first set on line 1): keep one");
    expect_error("cmdline =\ncmdline = x\n", CONFIG_ERR_DUPLICATE_KEY, 2, NULL);
    expect_error("allow_wx = no\nallow_wx = no\n", CONFIG_ERR_DUPLICATE_KEY, 2, NULL);
}

static void test_config_unknown_key_names_the_line(void **state)
{
    (void)state;
    expect_error("kernel = \\k.elf\n\nkernal = \\k.elf\n", CONFIG_ERR_UNKNOWN_KEY, 3,
                 "ember.cfg:3: unknown key 'kernal': the README's ember.cfg section lists the keys");
    expect_error("Kernel = \\k.elf\n", CONFIG_ERR_UNKNOWN_KEY, 1,
                 "ember.cfg:1: unknown key 'Kernel': the README's ember.cfg section lists the keys");
    expect_error("log level = info\n", CONFIG_ERR_UNKNOWN_KEY, 1,
                 "ember.cfg:1: unknown key 'log level': the README's ember.cfg section lists the keys");
}

static void test_config_line_without_equals_is_syntax_error(void **state)
{
    (void)state;
    expect_error("# ok\nkernel \\k.elf\n", CONFIG_ERR_SYNTAX, 2,
                 "ember.cfg:2: expected 'key = value', got 'kernel \\k.elf'");
    expect_error(" = value\n", CONFIG_ERR_SYNTAX, 1,
                 "ember.cfg:1: missing key before '=' in '= value'");
}

static void test_config_accepts_text_without_trailing_newline(void **state)
{
    (void)state;
    expect_ok("log_level = warn\nkernel = \\last.elf");
    assert_string_equal(cfg.kernel, "\\last.elf");
    expect_ok("cmdline = tail\r");
    assert_string_equal(cfg.cmdline, "tail");
    expect_error("log_level = warn\nbogus", CONFIG_ERR_SYNTAX, 2, NULL);
}

static void test_config_empty_file_keeps_defaults(void **state)
{
    (void)state;
    expect_ok("");
    assert_string_equal(cfg.kernel, "/kernel.elf");
    expect_ok("\n\n\r\n");
    assert_int_equal(cfg.log_level, LOG_INFO);
    config_defaults(&cfg);
    assert_int_equal(config_parse(NULL, 0, &cfg, &diag), CONFIG_OK);
}

static void test_config_never_reads_past_len(void **state)
{
    static const char text[] = "log_level = debug\nkernel = \\k.elf\n";
    (void)state;
    /* Cut inside the first value: only "log_level = deb" is visible. */
    assert_int_equal(parse_bytes(text, 15), CONFIG_ERR_BAD_VALUE);
    assert_string_equal(diag.message,
                        "ember.cfg:1: bad value 'deb' for log_level (expected error/warn/info/debug)");
    assert_int_equal(parse_bytes(text, 18), CONFIG_OK);
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_string_equal(cfg.kernel, "/kernel.elf");
}

static void test_config_rejects_embedded_nul(void **state)
{
    static const char in_value[] = "kernel = \\k\0.elf\n";
    static const char in_comment[] = "# a\0b\nkernel = \\k.elf\n";
    static const char utf16[] = "k\0e\0r\0n\0e\0l\0=\0x\0";
    (void)state;
    assert_int_equal(parse_bytes(in_value, sizeof in_value - 1), CONFIG_ERR_SYNTAX);
    assert_int_equal(diag.line, 1);
    assert_string_equal(diag.message, "ember.cfg:1: NUL byte in line (is the file UTF-16?): save it as UTF-8");
    assert_int_equal(parse_bytes(in_comment, sizeof in_comment - 1), CONFIG_ERR_SYNTAX);
    assert_int_equal(parse_bytes(utf16, sizeof utf16 - 1), CONFIG_ERR_SYNTAX);
    assert_int_equal(parse_bytes("\0", 1), CONFIG_ERR_SYNTAX);
}

static void test_config_rejects_overlong_line(void **state)
{
    char *text = malloc(4096);
    (void)state;
    assert_non_null(text);
    text[0] = '#';
    memset(text + 1, 'c', 2047);
    strcpy(text + 2048, "\r\nkernel = \\k.elf\n");
    expect_ok(text);
    text[2048] = 'c';
    strcpy(text + 2049, "\nkernel = \\k.elf\n");
    expect_error(text, CONFIG_ERR_TOO_LONG, 1,
                 "ember.cfg:1: line too long (2049 bytes, max 2048)");
    free(text);
}

static void test_config_quotes_at_most_40_bytes_of_input(void **state)
{
    (void)state;
    expect_error("an_extremely_long_misspelled_key_name_that_goes_on = 1\n",
                 CONFIG_ERR_UNKNOWN_KEY, 1,
                 "ember.cfg:1: unknown key 'an_extremely_long_misspelled_key_name_th...': the README's ember.cfg section lists the keys");
    expect_error("serial = \x01\x7f\xc3\xa9t\xe9\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '????t?' for serial (expected auto/on/off)");
}

static void test_config_skips_utf8_byte_order_mark(void **state)
{
    (void)state;
    expect_ok("\xef\xbb\xbfkernel = \\bom.elf\n");
    assert_string_equal(cfg.kernel, "\\bom.elf");
    expect_error("\xef\xbb\xbf\xef\xbb\xbfkernel = x\n", CONFIG_ERR_UNKNOWN_KEY, 1, NULL);
}

static void test_config_accepts_null_diag(void **state)
{
    static const char text[] = "bogus = 1\n";
    (void)state;
    config_defaults(&cfg);
    assert_int_equal(config_parse(text, sizeof text - 1, &cfg, NULL), CONFIG_ERR_UNKNOWN_KEY);
    assert_int_equal(config_parse("kernel=\\a", 9, &cfg, NULL), CONFIG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_names_every_error),
        cmocka_unit_test(test_config_ignores_comments_and_blank_lines),
        cmocka_unit_test(test_config_accepts_crlf_line_ends),
        cmocka_unit_test(test_config_trims_blanks_around_key_and_value),
        cmocka_unit_test(test_config_rejects_duplicate_key),
        cmocka_unit_test(test_config_unknown_key_names_the_line),
        cmocka_unit_test(test_config_line_without_equals_is_syntax_error),
        cmocka_unit_test(test_config_accepts_text_without_trailing_newline),
        cmocka_unit_test(test_config_empty_file_keeps_defaults),
        cmocka_unit_test(test_config_never_reads_past_len),
        cmocka_unit_test(test_config_rejects_embedded_nul),
        cmocka_unit_test(test_config_rejects_overlong_line),
        cmocka_unit_test(test_config_quotes_at_most_40_bytes_of_input),
        cmocka_unit_test(test_config_skips_utf8_byte_order_mark),
        cmocka_unit_test(test_config_accepts_null_diag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
