/* Host tests of ember.cfg trailing comments and "quoted" values (src/core/config.c). */
#include "config_fixtures.h"

#define HEX64 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_config_trailing_comment_after_every_key(void **state)
{
    (void)state;
    expect_ok("kernel=/kernel.elf          # path on the boot volume\n"
              "cmdline=console=ttyS0 quiet # kernel command line\n"
              "module=/initrd.img initrd   # path [name]\n"
              "log_level=info              # error | warn | info | debug\n"
              "allow_wx=yes # accept W+X\n"
              "stack_size=128K # bytes\n"
              "demo_map=on # demo page\n"
              "serial=off # COM1\n"
              "kernel_sha256=" HEX64 " # pin\n"
              "fail_alloc_at=3 # test knob\n");
    assert_string_equal(cfg.kernel, "/kernel.elf");
    assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
    assert_int_equal(cfg.module_count, 1);
    assert_string_equal(cfg.modules[0].path, "/initrd.img");
    assert_string_equal(cfg.modules[0].name, "initrd");
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_true(cfg.allow_wx);
    assert_int_equal(cfg.stack_size, 128 * 1024);
    assert_true(cfg.demo_map);
    assert_int_equal(cfg.serial, SERIAL_OFF);
    assert_true(cfg.has_kernel_sha256);
    assert_int_equal(cfg.kernel_sha256[31], 0x1f);
    assert_int_equal(cfg.fail_alloc_at, 3);
}

static void test_config_tab_before_hash_starts_comment(void **state)
{
    (void)state;
    expect_ok("log_level=warn\t# tab, then comment\ncmdline=a b\t#c d\nmodule=/m.bin\t#no name\n");
    assert_int_equal(cfg.log_level, LOG_WARN);
    assert_string_equal(cfg.cmdline, "a b");
    assert_string_equal(cfg.modules[0].path, "/m.bin");
    assert_string_equal(cfg.modules[0].name, "");
    expect_ok("serial = on \t \t# blanks of both kinds\r\n");
    assert_int_equal(cfg.serial, SERIAL_ON);
}

static void test_config_hash_without_blank_before_is_kept(void **state)
{
    (void)state;
    expect_ok("cmdline=a#b\n");
    assert_string_equal(cfg.cmdline, "a#b");
    expect_ok("cmdline=#x c#d # but this is a comment\n");
    assert_string_equal(cfg.cmdline, "#x c#d");
    expect_ok("kernel=/k#1.elf\nmodule=/m#.bin n#1\n");
    assert_string_equal(cfg.kernel, "/k#1.elf");
    assert_string_equal(cfg.modules[0].path, "/m#.bin");
    assert_string_equal(cfg.modules[0].name, "n#1");
    expect_error("log_level=info#debug\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value 'info#debug' for log_level (expected error/warn/info/debug)");
}

static void test_config_comment_may_leave_value_empty(void **state)
{
    (void)state;
    expect_ok("cmdline = # nothing on the command line\n");
    assert_string_equal(cfg.cmdline, "");
    expect_error("kernel = # no path\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '' for kernel (expected a path)");
    expect_error("allow_wx =\t# unset\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
}

static void test_config_whole_line_comments_still_skipped(void **state)
{
    (void)state;
    expect_ok("# kernel = /a.elf # twice\n \t# log_level = nonsense\n#\"unterminated\nkernel=/b.elf\n");
    assert_string_equal(cfg.kernel, "/b.elf");
    assert_int_equal(cfg.log_level, LOG_INFO);
}

static void test_config_quoted_value_keeps_hash_and_blanks(void **state)
{
    (void)state;
    expect_ok("cmdline=\"console=ttyS0 # not a comment\"\n");
    assert_string_equal(cfg.cmdline, "console=ttyS0 # not a comment");
    expect_ok("cmdline = \"  padded\t\"   # a comment after the quotes\n");
    assert_string_equal(cfg.cmdline, "  padded\t");
    expect_ok("cmdline=\"\"\n");
    assert_string_equal(cfg.cmdline, "");
    expect_ok("kernel=\"/with space.elf\"\t\nlog_level=\"debug\"\r\n");
    assert_string_equal(cfg.kernel, "/with space.elf");
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    expect_ok("module=\" /m.bin  the # name \"\n");
    assert_string_equal(cfg.modules[0].path, "/m.bin");
    assert_string_equal(cfg.modules[0].name, "the # name");
}

static void test_config_quotes_inside_value_are_literal(void **state)
{
    (void)state;
    expect_ok("cmdline=a \"b c\" d\"\n");
    assert_string_equal(cfg.cmdline, "a \"b c\" d\"");
    expect_ok("cmdline=a \"b # c\"\n");
    assert_string_equal(cfg.cmdline, "a \"b");
}

static void test_config_rejects_unterminated_quote(void **state)
{
    (void)state;
    expect_error("cmdline=\"console=ttyS0\n", CONFIG_ERR_SYNTAX, 1,
                 "ember.cfg:1: unterminated quote: close the value with \"");
    expect_error("# ok\r\nlog_level=warn\r\ncmdline = \"a # b\r\n", CONFIG_ERR_SYNTAX, 3,
                 "ember.cfg:3: unterminated quote: close the value with \"");
    expect_error("kernel=\"", CONFIG_ERR_SYNTAX, 1, "ember.cfg:1: unterminated quote: close the value with \"");
    expect_error("bogus_key = \"x\n", CONFIG_ERR_SYNTAX, 1, NULL);
}

static void test_config_rejects_text_after_closing_quote(void **state)
{
    (void)state;
    expect_error("cmdline=\"a\"b\n", CONFIG_ERR_SYNTAX, 1,
                 "ember.cfg:1: unexpected 'b' after closing quote: quote the whole value");
    expect_error("cmdline=\"a\"#b\n", CONFIG_ERR_SYNTAX, 1,
                 "ember.cfg:1: unexpected '#b' after closing quote: quote the whole value");
    expect_error("cmdline=\"a\" \"b\"\n", CONFIG_ERR_SYNTAX, 1,
                 "ember.cfg:1: unexpected ' \"b\"' after closing quote: quote the whole value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_trailing_comment_after_every_key),
        cmocka_unit_test(test_config_tab_before_hash_starts_comment),
        cmocka_unit_test(test_config_hash_without_blank_before_is_kept),
        cmocka_unit_test(test_config_comment_may_leave_value_empty),
        cmocka_unit_test(test_config_whole_line_comments_still_skipped),
        cmocka_unit_test(test_config_quoted_value_keeps_hash_and_blanks),
        cmocka_unit_test(test_config_quotes_inside_value_are_literal),
        cmocka_unit_test(test_config_rejects_unterminated_quote),
        cmocka_unit_test(test_config_rejects_text_after_closing_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
