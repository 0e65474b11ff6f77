/* Host tests of the ember.cfg parser (src/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/config.h"

static struct ember_config cfg;
static struct config_diag diag;

/* Parses exactly len bytes from a heap copy with nothing after it, so ASan catches any read past
 * len, over the defaults. */
static enum config_error parse_bytes(const char *text, size_t len)
{
    char *copy = malloc(len > 0 ? len : 1);
    enum config_error err;

    assert_non_null(copy);
    memcpy(copy, text, len);
    config_defaults(&cfg);
    memset(&diag, 0x55, sizeof diag);
    err = config_parse(copy, len, &cfg, &diag);
    free(copy);
    assert_int_equal(diag.code, err);
    return err;
}

static enum config_error parse_text(const char *text)
{
    return parse_bytes(text, strlen(text));
}

static void expect_ok(const char *text)
{
    assert_int_equal(parse_text(text), CONFIG_OK);
    assert_int_equal(diag.line, 0);
    assert_string_equal(diag.message, "");
}

static void expect_error(const char *text, enum config_error code, unsigned line, const char *message)
{
    assert_int_equal(parse_text(text), code);
    assert_int_equal(diag.line, line);
    if (message != NULL)
        assert_string_equal(diag.message, message);
}

static void test_config_defaults_match_documentation(void **state)
{
    unsigned i;
    (void)state;
    memset(&cfg, 0x5a, sizeof cfg);
    config_defaults(&cfg);
    assert_string_equal(cfg.kernel, "\\kernel.elf");
    assert_string_equal(cfg.cmdline, "");
    assert_int_equal(cfg.module_count, 0);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_false(cfg.allow_wx);
    assert_int_equal(cfg.stack_size, 64 * 1024);
    assert_false(cfg.demo_map);
    assert_int_equal(cfg.serial, SERIAL_AUTO);
    assert_false(cfg.has_kernel_sha256);
    for (i = 0; i < sizeof cfg.kernel_sha256; i++)
        assert_int_equal(cfg.kernel_sha256[i], 0);
    assert_int_equal(cfg.fail_alloc_at, 0);
}

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

static void test_config_parses_every_key(void **state)
{
    (void)state;
    expect_ok("kernel = \\boot\\kern.elf\n"
              "cmdline = console=ttyS0 quiet\n"
              "module = \\initrd.img initrd\n"
              "log_level = debug\n"
              "allow_wx = yes\n"
              "stack_size = 128K\n"
              "demo_map = true\n"
              "serial = off\n"
              "kernel_sha256 = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
              "fail_alloc_at = 7\n");
    assert_string_equal(cfg.kernel, "\\boot\\kern.elf");
    assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
    assert_int_equal(cfg.module_count, 1);
    assert_string_equal(cfg.modules[0].path, "\\initrd.img");
    assert_string_equal(cfg.modules[0].name, "initrd");
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_true(cfg.allow_wx);
    assert_int_equal(cfg.stack_size, 128 * 1024);
    assert_true(cfg.demo_map);
    assert_int_equal(cfg.serial, SERIAL_OFF);
    assert_true(cfg.has_kernel_sha256);
    assert_int_equal(cfg.kernel_sha256[0], 0x00);
    assert_int_equal(cfg.kernel_sha256[10], 0x0a);
    assert_int_equal(cfg.kernel_sha256[31], 0x1f);
    assert_int_equal(cfg.fail_alloc_at, 7);
}

static void test_config_ignores_comments_and_blank_lines(void **state)
{
    (void)state;
    expect_ok("# ember.cfg\n\n   \n\t\n   # indented comment = with equals\nkernel=\\k.elf\n#\n");
    assert_string_equal(cfg.kernel, "\\k.elf");
    expect_ok("cmdline = a # not a comment\n");
    assert_string_equal(cfg.cmdline, "a # not a comment");
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

static void test_config_cmdline_keeps_equals_and_spaces(void **state)
{
    (void)state;
    expect_ok("cmdline = root=/dev/sda1  init=/sbin/init a==b =\n");
    assert_string_equal(cfg.cmdline, "root=/dev/sda1  init=/sbin/init a==b =");
    expect_ok("cmdline =\n");
    assert_string_equal(cfg.cmdline, "");
}

static void test_config_cmdline_length_limit(void **state)
{
    char text[32 + EMBER_CMDLINE_MAX];
    (void)state;
    strcpy(text, "cmdline = ");
    memset(text + 10, 'x', EMBER_CMDLINE_MAX - 1);
    text[10 + EMBER_CMDLINE_MAX - 1] = '\0';
    expect_ok(text);
    assert_int_equal(strlen(cfg.cmdline), EMBER_CMDLINE_MAX - 1);
    strcat(text, "y");
    expect_error(text, CONFIG_ERR_TOO_LONG, 1,
                 "ember.cfg:1: cmdline text too long (1024 bytes, max 1023)");
}

static void test_config_kernel_path_limits(void **state)
{
    char text[32 + CONFIG_PATH_MAX];
    (void)state;
    expect_error("kernel =  \n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '' for kernel (expected a path)");
    strcpy(text, "kernel=");
    memset(text + 7, 'k', CONFIG_PATH_MAX - 1);
    text[7 + CONFIG_PATH_MAX - 1] = '\0';
    expect_ok(text);
    assert_int_equal(strlen(cfg.kernel), CONFIG_PATH_MAX - 1);
    strcat(text, "k");
    expect_error(text, CONFIG_ERR_TOO_LONG, 1,
                 "ember.cfg:1: kernel path too long (128 bytes, max 127)");
}

static void test_config_modules_with_and_without_names(void **state)
{
    (void)state;
    expect_ok("module = \\a.bin\n"
              "module = /b.bin   the b module  \n"
              "module=\\c.bin\tc\n");
    assert_int_equal(cfg.module_count, 3);
    assert_string_equal(cfg.modules[0].path, "\\a.bin");
    assert_string_equal(cfg.modules[0].name, "");
    assert_string_equal(cfg.modules[1].path, "/b.bin");
    assert_string_equal(cfg.modules[1].name, "the b module");
    assert_string_equal(cfg.modules[2].path, "\\c.bin");
    assert_string_equal(cfg.modules[2].name, "c");
}

static void test_config_rejects_bad_module_lines(void **state)
{
    char text[256];
    (void)state;
    expect_error("module =\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    strcpy(text, "module = \\m.bin ");
    memset(text + strlen(text), 'n', 64);
    text[16 + 64] = '\0';
    expect_error(text, CONFIG_ERR_TOO_LONG, 1,
                 "ember.cfg:1: module name too long (64 bytes, max 63)");
    text[16 + 63] = '\0';
    expect_ok(text);
    assert_int_equal(strlen(cfg.modules[0].name), 63);
    strcpy(text, "module = ");
    memset(text + 9, 'p', CONFIG_PATH_MAX);
    text[9 + CONFIG_PATH_MAX] = '\0';
    expect_error(text, CONFIG_ERR_TOO_LONG, 1, NULL);
}

static void test_config_rejects_seventeenth_module(void **state)
{
    char text[64 * (EMBER_MAX_MODULES + 2)] = "";
    char line[64];
    int i;
    (void)state;
    for (i = 0; i < EMBER_MAX_MODULES; i++) {
        snprintf(line, sizeof line, "module = \\m%d.bin mod%d\n", i, i);
        strcat(text, line);
    }
    expect_ok(text);
    assert_int_equal(cfg.module_count, EMBER_MAX_MODULES);
    assert_string_equal(cfg.modules[15].name, "mod15");
    strcat(text, "module = \\one-too-many.bin\n");
    expect_error(text, CONFIG_ERR_TOO_MANY_MODULES, 17,
                 "ember.cfg:17: too many modules (max 16)");
}

static void test_config_rejects_duplicate_key(void **state)
{
    (void)state;
    expect_error("kernel = \\a.elf\n# x\nlog_level = info\nkernel = \\b.elf\n",
                 CONFIG_ERR_DUPLICATE_KEY, 4,
                 "ember.cfg:4: duplicate key 'kernel' (first set on line 1)");
    expect_error("cmdline =\ncmdline = x\n", CONFIG_ERR_DUPLICATE_KEY, 2, NULL);
    expect_error("allow_wx = no\nallow_wx = no\n", CONFIG_ERR_DUPLICATE_KEY, 2, NULL);
}

static void test_config_unknown_key_names_the_line(void **state)
{
    (void)state;
    expect_error("kernel = \\k.elf\n\nkernal = \\k.elf\n", CONFIG_ERR_UNKNOWN_KEY, 3,
                 "ember.cfg:3: unknown key 'kernal'");
    expect_error("Kernel = \\k.elf\n", CONFIG_ERR_UNKNOWN_KEY, 1,
                 "ember.cfg:1: unknown key 'Kernel'");
    expect_error("log level = info\n", CONFIG_ERR_UNKNOWN_KEY, 1,
                 "ember.cfg:1: unknown key 'log level'");
}

static void test_config_line_without_equals_is_syntax_error(void **state)
{
    (void)state;
    expect_error("# ok\nkernel \\k.elf\n", CONFIG_ERR_SYNTAX, 2,
                 "ember.cfg:2: expected 'key = value', got 'kernel \\k.elf'");
    expect_error(" = value\n", CONFIG_ERR_SYNTAX, 1,
                 "ember.cfg:1: missing key before '=' in '= value'");
}

static void test_config_parses_log_levels(void **state)
{
    (void)state;
    expect_ok("log_level = error\n");
    assert_int_equal(cfg.log_level, LOG_ERROR);
    expect_ok("log_level = warn\n");
    assert_int_equal(cfg.log_level, LOG_WARN);
    expect_ok("log_level = INFO\n");
    assert_int_equal(cfg.log_level, LOG_INFO);
    expect_ok("log_level = debug\n");
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    expect_error("log_level = verbose\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value 'verbose' for log_level (expected error/warn/info/debug)");
    expect_error("log_level = 3\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
}

static void test_config_parses_booleans(void **state)
{
    static const char *const truthy[] = { "yes", "true", "1", "on", "YES", "True", "oN" };
    static const char *const falsy[] = { "no", "false", "0", "off", "No", "FALSE" };
    char text[64];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
        snprintf(text, sizeof text, "allow_wx = %s\ndemo_map=%s", truthy[i], truthy[i]);
        expect_ok(text);
        assert_true(cfg.allow_wx);
        assert_true(cfg.demo_map);
    }
    for (i = 0; i < sizeof falsy / sizeof falsy[0]; i++) {
        snprintf(text, sizeof text, "allow_wx = %s\ndemo_map = %s\n", falsy[i], falsy[i]);
        expect_ok(text);
        assert_false(cfg.allow_wx);
        assert_false(cfg.demo_map);
    }
    expect_error("kernel = \\k.elf\n\n\n\nallow_wx = maybe\n", CONFIG_ERR_BAD_VALUE, 5,
                 "ember.cfg:5: bad value 'maybe' for allow_wx (expected yes/no)");
    expect_error("demo_map =\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '' for demo_map (expected yes/no)");
    expect_error("demo_map = yess\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("demo_map = ye\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
}

static void test_config_parses_serial_modes(void **state)
{
    (void)state;
    expect_ok("serial = on\n");
    assert_int_equal(cfg.serial, SERIAL_ON);
    expect_ok("serial = off\n");
    assert_int_equal(cfg.serial, SERIAL_OFF);
    expect_ok("serial = auto\n");
    assert_int_equal(cfg.serial, SERIAL_AUTO);
    expect_error("serial = yes\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value 'yes' for serial (expected auto/on/off)");
}

static void expect_stack_size(const char *value, uint64_t bytes)
{
    char text[96];
    snprintf(text, sizeof text, "stack_size = %s\n", value);
    expect_ok(text);
    assert_int_equal(cfg.stack_size, bytes);
}

static void test_config_stack_size_accepts_suffixes(void **state)
{
    (void)state;
    expect_stack_size("65536", 64 * 1024);
    expect_stack_size("64K", 64 * 1024);
    expect_stack_size("64k", 64 * 1024);
    expect_stack_size("1M", 1024 * 1024);
    expect_stack_size("2m", 2 * 1024 * 1024);
    expect_stack_size("16K", 16 * 1024);
    expect_stack_size("16384", 16 * 1024);
    expect_stack_size("16M", 16 * 1024 * 1024);
    expect_stack_size("16777216", 16 * 1024 * 1024);
    expect_stack_size("0016K", 16 * 1024);
}

static void test_config_stack_size_rejects_out_of_range_values(void **state)
{
    static const char *const bad[] = {
        "12K", "12288", "17M", "16777217", "16781312", "16385", "20000", "0", "", "K", "M",
        "64KB", "64 K", "-64K", "0x10000", "1G", "64K4", "18446744073709551616",
        "99999999999999999999999999999999K", "18014398509481984K",
    };
    char text[96];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "stack_size = %s\n", bad[i]);
        expect_error(text, CONFIG_ERR_BAD_VALUE, 1, NULL);
    }
    expect_error("stack_size = 12K\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '12K' for stack_size (expected 16K..16M, a multiple of 4K)");
}

#define SHA_HEX "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"

static void test_config_parses_kernel_sha256(void **state)
{
    (void)state;
    expect_ok("kernel_sha256 = " SHA_HEX "\n");
    assert_true(cfg.has_kernel_sha256);
    assert_int_equal(cfg.kernel_sha256[0], 0x9f);
    assert_int_equal(cfg.kernel_sha256[1], 0x86);
    assert_int_equal(cfg.kernel_sha256[31], 0x08);
    expect_ok("kernel_sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    assert_true(cfg.has_kernel_sha256);
    assert_int_equal(cfg.kernel_sha256[2], 0xd0);
    assert_int_equal(cfg.kernel_sha256[30], 0x0a);
}

static void test_config_rejects_malformed_kernel_sha256(void **state)
{
    (void)state;
    /* 63 digits: the last one dropped. */
    expect_error("kernel_sha256 = 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0\n",
                 CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B...' for "
                 "kernel_sha256 (expected 64 hex digits)");
    assert_false(cfg.has_kernel_sha256);
    expect_error("kernel_sha256 = " SHA_HEX "0\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("kernel_sha256 = 9G86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n",
                 CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("kernel_sha256 = 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0 \n",
                 CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("kernel_sha256 = 9F86D081884C7D659A2FEAA0C55AD015 A3BF4F1B2B0B822CD15D6C15B0F00A0\n",
                 CONFIG_ERR_BAD_VALUE, 1, NULL);
    assert_false(cfg.has_kernel_sha256);
    expect_error("kernel_sha256 =\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
}

static void test_config_parses_fail_alloc_at(void **state)
{
    (void)state;
    expect_ok("fail_alloc_at = 0\n");
    assert_int_equal(cfg.fail_alloc_at, 0);
    expect_ok("fail_alloc_at = 1000000\n");
    assert_int_equal(cfg.fail_alloc_at, 1000000);
    expect_error("fail_alloc_at = 1000001\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '1000001' for fail_alloc_at (expected a number 0..1000000)");
    expect_error("fail_alloc_at = -1\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("fail_alloc_at = 12abc\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("fail_alloc_at =\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
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
    assert_string_equal(cfg.kernel, "\\kernel.elf");
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
    assert_string_equal(cfg.kernel, "\\kernel.elf");
}

static void test_config_rejects_embedded_nul(void **state)
{
    static const char in_value[] = "kernel = \\k\0.elf\n";
    static const char in_comment[] = "# a\0b\nkernel = \\k.elf\n";
    static const char utf16[] = "k\0e\0r\0n\0e\0l\0=\0x\0";
    (void)state;
    assert_int_equal(parse_bytes(in_value, sizeof in_value - 1), CONFIG_ERR_SYNTAX);
    assert_int_equal(diag.line, 1);
    assert_string_equal(diag.message, "ember.cfg:1: NUL byte in line (is the file UTF-16?)");
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
                 "ember.cfg:1: unknown key 'an_extremely_long_misspelled_key_name_th...'");
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
        cmocka_unit_test(test_config_defaults_match_documentation),
        cmocka_unit_test(test_config_names_every_error),
        cmocka_unit_test(test_config_parses_every_key),
        cmocka_unit_test(test_config_ignores_comments_and_blank_lines),
        cmocka_unit_test(test_config_accepts_crlf_line_ends),
        cmocka_unit_test(test_config_trims_blanks_around_key_and_value),
        cmocka_unit_test(test_config_cmdline_keeps_equals_and_spaces),
        cmocka_unit_test(test_config_cmdline_length_limit),
        cmocka_unit_test(test_config_kernel_path_limits),
        cmocka_unit_test(test_config_modules_with_and_without_names),
        cmocka_unit_test(test_config_rejects_bad_module_lines),
        cmocka_unit_test(test_config_rejects_seventeenth_module),
        cmocka_unit_test(test_config_rejects_duplicate_key),
        cmocka_unit_test(test_config_unknown_key_names_the_line),
        cmocka_unit_test(test_config_line_without_equals_is_syntax_error),
        cmocka_unit_test(test_config_parses_log_levels),
        cmocka_unit_test(test_config_parses_booleans),
        cmocka_unit_test(test_config_parses_serial_modes),
        cmocka_unit_test(test_config_stack_size_accepts_suffixes),
        cmocka_unit_test(test_config_stack_size_rejects_out_of_range_values),
        cmocka_unit_test(test_config_parses_kernel_sha256),
        cmocka_unit_test(test_config_rejects_malformed_kernel_sha256),
        cmocka_unit_test(test_config_parses_fail_alloc_at),
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
