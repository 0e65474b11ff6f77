/* Host test: the README's ember.cfg example parses and means what the README says (src/core/config.c). */
#include "config_fixtures.h"
#include "readme_fixtures.h"

#define README_HEADING "## ember.cfg"

/* The sha256= value the README's module line shows, as bytes. */
static const uint8_t readme_module_sha256[32] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

static void test_config_readme_example_parses_to_stated_values(void **state)
{
    char *md = read_readme();
    const char *block = NULL;
    size_t len = 0;
    enum config_error err;
    (void)state;
    if (md == NULL)
        fail_msg("cannot read README.md (run from the repo root or set EMBER_README)");
    if (!readme_find_block(md, README_HEADING, &block, &len))
        fail_msg("README.md has no fenced code block under '" README_HEADING "'");
    err = parse_bytes(block, len);
    if (err != CONFIG_OK)
        fail_msg("README ember.cfg example: %s", diag.message);
    free(md);
    assert_string_equal(cfg.kernel, "/kernel.elf");
    assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
    assert_int_equal(cfg.module_count, 1);
    assert_string_equal(cfg.modules[0].path, "/initrd.img");
    assert_string_equal(cfg.modules[0].name, "initrd");
    assert_true(cfg.modules[0].has_sha256);
    assert_memory_equal(cfg.modules[0].sha256, readme_module_sha256, sizeof readme_module_sha256);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_false(cfg.allow_wx);
    assert_int_equal(cfg.stack_size, 64 * 1024);
    assert_false(cfg.demo_map);
    assert_false(cfg.kaslr);
    assert_int_equal(cfg.serial, SERIAL_AUTO);
    assert_int_equal(cfg.protocol, PROTOCOL_AUTO);
    assert_false(cfg.has_kernel_sha256);
    assert_int_equal(cfg.fail_alloc_at, 0);
    assert_int_equal(cfg.test_faults, 0);
}

/* readme_find_block on md: asserts it finds exactly want, or nothing when want is NULL. */
static void expect_block(const char *md, const char *want)
{
    const char *start = NULL;
    size_t len = 0;
    bool found = readme_find_block(md, README_HEADING, &start, &len);

    if (want == NULL) {
        assert_false(found);
        return;
    }
    assert_true(found);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(start, want, len);
}

static void test_config_readme_block_needs_heading_and_closed_fence(void **state)
{
    (void)state;
    expect_block("# x\n## ember.cfg (optional)\n\n```\nkernel=/a\n```\n```\nb\n```\n", "kernel=/a\n");
    expect_block("## ember.cfg\n```sh\nx=1\ny=2\n```", "x=1\ny=2\n");
    expect_block("", NULL);
    expect_block("## Layout\n```\nkernel=/a\n```\n", NULL);
    expect_block("## ember.cfgx\n```\nkernel=/a\n```\n", NULL);
    expect_block("## ember.cfg\ntext only\n## Layout\n```\nkernel=/a\n```\n", NULL);
    expect_block("## ember.cfg\n```\nkernel=/a\n", NULL);
    expect_block("text\n## ember.cfg", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_readme_example_parses_to_stated_values),
        cmocka_unit_test(test_config_readme_block_needs_heading_and_closed_fence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
