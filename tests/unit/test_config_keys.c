/* Host tests of each ember.cfg key's values, defaults and limits (src/core/config.c). */
#include "config_fixtures.h"

static void test_config_defaults_match_documentation(void **state)
{
    unsigned i;
    (void)state;
    memset(&cfg, 0x5a, sizeof cfg);
    config_defaults(&cfg);
    assert_string_equal(cfg.kernel, "/kernel.elf");
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
    assert_int_equal(cfg.test_faults, 0);
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
              "fail_alloc_at = 7\n"
              "test_fault = clear-wp\n");
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
    assert_int_equal(cfg.test_faults, CONFIG_FAULT_CLEAR_WP);
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

static void test_config_parses_smp_modes(void **state)
{
    (void)state;
    expect_ok("kernel = \\k.elf\n");
    assert_int_equal(cfg.smp, SMP_NO);
    expect_ok("smp = yes\n");
    assert_int_equal(cfg.smp, SMP_YES);
    expect_ok("smp = x2apic\n");
    assert_int_equal(cfg.smp, SMP_X2APIC);
    expect_ok("smp = no\n");
    assert_int_equal(cfg.smp, SMP_NO);
    expect_error("smp = 4\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value '4' for smp (expected no/yes/x2apic)");
    expect_error("smp = yes\nsmp = no\n", CONFIG_ERR_DUPLICATE_KEY, 2, NULL);
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

static void test_config_protocol_takes_auto_ember_limine(void **state)
{
    struct ember_config cfg;
    (void)state;
    config_defaults(&cfg);
    assert_int_equal(cfg.protocol, PROTOCOL_AUTO);
    assert_int_equal(config_parse("protocol=limine\n", 16, &cfg, NULL), CONFIG_OK);
    assert_int_equal(cfg.protocol, PROTOCOL_LIMINE);
    config_defaults(&cfg);
    assert_int_equal(config_parse("protocol = ember # own\n", 22, &cfg, NULL), CONFIG_OK);
    assert_int_equal(cfg.protocol, PROTOCOL_EMBER);
    config_defaults(&cfg);
    assert_int_equal(config_parse("protocol=multiboot2\n", 20, &cfg, NULL), CONFIG_OK);
    assert_int_equal(cfg.protocol, PROTOCOL_MULTIBOOT2);
    assert_string_equal(config_protocol_name(cfg.protocol), "multiboot2");
    assert_int_equal(config_parse("protocol=multiboot1\n", 20, &cfg, NULL), CONFIG_OK);
    assert_int_equal(cfg.protocol, PROTOCOL_MULTIBOOT1);
    expect_error("protocol=multiboot\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: bad value 'multiboot' for protocol (expected auto/ember/limine/multiboot1/multiboot2)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_protocol_takes_auto_ember_limine),
        cmocka_unit_test(test_config_defaults_match_documentation),
        cmocka_unit_test(test_config_parses_every_key),
        cmocka_unit_test(test_config_cmdline_keeps_equals_and_spaces),
        cmocka_unit_test(test_config_cmdline_length_limit),
        cmocka_unit_test(test_config_kernel_path_limits),
        cmocka_unit_test(test_config_parses_log_levels),
        cmocka_unit_test(test_config_parses_booleans),
        cmocka_unit_test(test_config_parses_serial_modes),
        cmocka_unit_test(test_config_stack_size_accepts_suffixes),
        cmocka_unit_test(test_config_stack_size_rejects_out_of_range_values),
        cmocka_unit_test(test_config_parses_kernel_sha256),
        cmocka_unit_test(test_config_rejects_malformed_kernel_sha256),
        cmocka_unit_test(test_config_parses_fail_alloc_at),
        cmocka_unit_test(test_config_parses_smp_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
