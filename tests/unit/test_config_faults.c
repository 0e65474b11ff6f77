/* Host tests of ember.cfg's test-only test_fault= knob and the fault names (src/core/config.c). */
#include "config_fixtures.h"

/* Every fault, in bit order, with its test_fault= name. */
static const struct {
    uint32_t bit;
    const char *name;
} faults[] = {
    { CONFIG_FAULT_EBS_STALE_KEY_ONCE, "ebs-stale-key-once" },
    { CONFIG_FAULT_EBS_STALE_KEY_ALWAYS, "ebs-stale-key-always" },
    { CONFIG_FAULT_MAP_BUFFER_SMALL, "map-buffer-small" },
    { CONFIG_FAULT_CLEAR_WP, "clear-wp" },
    { CONFIG_FAULT_CORRUPT_KERNEL_READ, "corrupt-kernel-read" },
    { CONFIG_FAULT_CORRUPT_MODULE_READ, "corrupt-module-read" },
    { CONFIG_FAULT_SMP_START_DISABLED, "smp-start-disabled" },
    { CONFIG_FAULT_OPEN_IRQS, "open-irqs" },
};
#define FAULT_COUNT (sizeof faults / sizeof faults[0])

static void test_config_test_fault_parses_each_name(void **state)
{
    char text[64];
    size_t i;
    (void)state;
    for (i = 0; i < FAULT_COUNT; i++) {
        snprintf(text, sizeof text, "test_fault=%s\n", faults[i].name);
        expect_ok(text);
        assert_int_equal(cfg.test_faults, faults[i].bit);
    }
    expect_ok("test_fault = CLEAR-WP\n");
    assert_int_equal(cfg.test_faults, CONFIG_FAULT_CLEAR_WP);
    expect_ok("log_level = debug\n");
    assert_int_equal(cfg.test_faults, 0);
}

static void test_config_test_fault_list_and_repeats_or_bits(void **state)
{
    (void)state;
    expect_ok("test_fault=clear-wp, map-buffer-small\n"
              "test_fault = ebs-stale-key-once\t# the first ExitBootServices only\n"
              "test_fault=clear-wp\n");
    assert_int_equal(cfg.test_faults, CONFIG_FAULT_CLEAR_WP | CONFIG_FAULT_MAP_BUFFER_SMALL
                                          | CONFIG_FAULT_EBS_STALE_KEY_ONCE);
    expect_ok("test_fault=ebs-stale-key-once,ebs-stale-key-always,map-buffer-small,clear-wp,"
              "corrupt-kernel-read,corrupt-module-read,smp-start-disabled,open-irqs\n");
    assert_int_equal(cfg.test_faults, (1u << FAULT_COUNT) - 1);
}

static void test_config_test_fault_rejects_unknown_name(void **state)
{
    (void)state;
    expect_error("test_fault=clear-wp\ntest_fault=clear-wp,x\n", CONFIG_ERR_BAD_VALUE, 2,
                 "ember.cfg:2: unknown test_fault 'x'");
    assert_int_equal(cfg.test_faults, CONFIG_FAULT_CLEAR_WP); /* line 2 added nothing */
    expect_error("test_fault=clear-wp map-buffer-small\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: unknown test_fault 'clear-wp map-buffer-small'");
    expect_error("test_fault=\n", CONFIG_ERR_BAD_VALUE, 1, "ember.cfg:1: unknown test_fault ''");
    expect_error("test_fault=clear-wp,\n", CONFIG_ERR_BAD_VALUE, 1,
                 "ember.cfg:1: unknown test_fault ''");
    expect_error("test_fault=clear_wp\n", CONFIG_ERR_BAD_VALUE, 1, NULL);
    expect_error("test_faults=clear-wp\n", CONFIG_ERR_UNKNOWN_KEY, 1, NULL);
}

static void test_config_names_every_fault(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < FAULT_COUNT; i++) {
        assert_int_equal(faults[i].bit, 1u << i);
        assert_string_equal(config_fault_name(faults[i].bit), faults[i].name);
    }
    assert_string_equal(config_fault_name(0), "unknown");
    assert_string_equal(config_fault_name(CONFIG_FAULT_CLEAR_WP | CONFIG_FAULT_MAP_BUFFER_SMALL),
                        "unknown");
    assert_string_equal(config_fault_name(1u << FAULT_COUNT), "unknown");
    assert_string_equal(config_fault_name(1u << 31), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_test_fault_parses_each_name),
        cmocka_unit_test(test_config_test_fault_list_and_repeats_or_bits),
        cmocka_unit_test(test_config_test_fault_rejects_unknown_name),
        cmocka_unit_test(test_config_names_every_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
