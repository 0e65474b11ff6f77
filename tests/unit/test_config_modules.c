/* Host tests of ember.cfg module lines: path, name, sha256= pin and the module limit (src/core/config.c). */
#include "config_fixtures.h"

#define HASH_HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* The 32 bytes HASH_HEX spells. */
static const uint8_t hash_bytes[32] = {
    0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65, 0x9a, 0x2f, 0xea, 0xa0, 0xc5, 0x5a, 0xd0, 0x15,
    0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b, 0x82, 0x2c, 0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08,
};

/* Asserts module i has no pinned hash and an all-zero digest. */
static void expect_no_hash(unsigned i)
{
    static const uint8_t zero[32];

    assert_false(cfg.modules[i].has_sha256);
    assert_memory_equal(cfg.modules[i].sha256, zero, sizeof zero);
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
    char text[CONFIG_MODULE_STRING_MAX + 32];
    (void)state;
    expect_error("module =\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    strcpy(text, "module = \\m.bin ");
    memset(text + strlen(text), 'n', CONFIG_MODULE_STRING_MAX);
    text[16 + CONFIG_MODULE_STRING_MAX] = '\0';
    expect_error(text, CONFIG_ERR_TOO_LONG, 1,
                 "ember.cfg:1: module name too long (256 bytes, max 255)");
    text[16 + CONFIG_MODULE_STRING_MAX - 1] = '\0';
    expect_ok(text);
    assert_int_equal(strlen(cfg.modules[0].name), CONFIG_MODULE_STRING_MAX - 1);
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

static void test_config_module_with_name_and_sha256(void **state)
{
    (void)state;
    expect_ok("module=/initrd.img initrd sha256=" HASH_HEX "\n"
              "module = /b.bin  the b module\tsha256=" HASH_HEX "   # pinned\n");
    assert_int_equal(cfg.module_count, 2);
    assert_string_equal(cfg.modules[0].path, "/initrd.img");
    assert_string_equal(cfg.modules[0].name, "initrd");
    assert_true(cfg.modules[0].has_sha256);
    assert_memory_equal(cfg.modules[0].sha256, hash_bytes, sizeof hash_bytes);
    assert_string_equal(cfg.modules[1].path, "/b.bin");
    assert_string_equal(cfg.modules[1].name, "the b module");
    assert_true(cfg.modules[1].has_sha256);
    assert_memory_equal(cfg.modules[1].sha256, hash_bytes, sizeof hash_bytes);
}

static void test_config_module_sha256_without_name(void **state)
{
    (void)state;
    expect_ok("module=\\a.bin SHA256=9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
              "module=\\b.bin\n");
    assert_int_equal(cfg.module_count, 2);
    assert_string_equal(cfg.modules[0].path, "\\a.bin");
    assert_string_equal(cfg.modules[0].name, "");
    assert_true(cfg.modules[0].has_sha256);
    assert_memory_equal(cfg.modules[0].sha256, hash_bytes, sizeof hash_bytes);
    expect_no_hash(1);
    assert_false(cfg.has_kernel_sha256);
}

static void test_config_module_without_sha256_pins_nothing(void **state)
{
    (void)state;
    expect_ok("module=/a.bin a\nmodule=/b.bin\nmodule=/c.bin sha256 like\n"
              "module=/d.bin x-sha256=12ab\n");
    assert_int_equal(cfg.module_count, 4);
    expect_no_hash(0);
    expect_no_hash(1);
    expect_no_hash(2);
    assert_string_equal(cfg.modules[2].name, "sha256 like");
    expect_no_hash(3);
    assert_string_equal(cfg.modules[3].name, "x-sha256=12ab");
}

static void test_config_rejects_bad_module_sha256(void **state)
{
    static const char *const bad[] = {
        HASH_HEX "0",                                                       /* 65 digits */
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0",  /* 63 */
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00ag",  /* 'g' */
        "0x86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", /* "0x" */
        "",
    };
    char text[160];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "module=/m.bin m sha256=%s\n", bad[i]);
        expect_error(text, CONFIG_ERR_BAD_VALUE, 1, NULL);
    }
    expect_error("module=/a.bin\nmodule=/b.bin b sha256=12ab\n", CONFIG_ERR_BAD_VALUE, 2,
                 "ember.cfg:2: bad sha256 '12ab' for module '/b.bin' (expected 64 hex digits)");
    expect_error("module=/b.bin sha256=" HASH_HEX " b\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: module '/b.bin': sha256= must be the last word");
    expect_error("module=/b.bin sha256=" HASH_HEX "#x\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
}

static void test_config_rejects_module_sha256_token_only(void **state)
{
    (void)state;
    expect_error("module=sha256=" HASH_HEX "\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: module sha256= without a path before it");
    expect_error("module = \tSha256=" HASH_HEX " # c\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("module=sha256=\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
}

/* Paths on other volumes, written as limine.conf writes them (core/volume.h), for the kernel and
 * modules; a malformed volume is refused with what is wrong. */
static void test_config_paths_on_other_volumes(void **state)
{
    (void)state;
    expect_ok("kernel = fslabel(DATA):/boot/k.elf\n"
              "module = guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/m.bin  the m module\n"
              "module = \"boot(2):/with space.bin\"\n");
    assert_string_equal(cfg.kernel, "fslabel(DATA):/boot/k.elf");
    assert_string_equal(cfg.modules[0].path, "guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/m.bin");
    assert_string_equal(cfg.modules[0].name, "the m module");
    assert_string_equal(cfg.modules[1].path, "boot(2):/with");
    assert_string_equal(cfg.modules[1].name, "space.bin");
    expect_error("kernel = hdd(0:1):/k.elf\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: path 'hdd(0:1):/k.elf': hdd(D:P): wants a drive number from 1, ':', and a "
                 "partition number from 1 or nothing");
    expect_error("log_level = info\nmodule = odd(1:):/m\n", CONFIG_ERR_BAD_VALUE, 2,
                 "ember.cfg:2: path 'odd(1:):/m': odd(): optical drives are not read by ember (copy the files "
                 "to a FAT volume)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_modules_with_and_without_names),
        cmocka_unit_test(test_config_rejects_bad_module_lines),
        cmocka_unit_test(test_config_rejects_seventeenth_module),
        cmocka_unit_test(test_config_module_with_name_and_sha256),
        cmocka_unit_test(test_config_module_sha256_without_name),
        cmocka_unit_test(test_config_module_without_sha256_pins_nothing),
        cmocka_unit_test(test_config_rejects_bad_module_sha256),
        cmocka_unit_test(test_config_rejects_module_sha256_token_only),
        cmocka_unit_test(test_config_paths_on_other_volumes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
