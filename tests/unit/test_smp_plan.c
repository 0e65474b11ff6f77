/* Host tests of smp_plan_cpus: which MADT processors ember starts, and why the others are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/smp.h"

static struct madt_info madt;
static struct smp_plan plan;

static void add(uint32_t apic_id, uint32_t uid, bool enabled, bool online_capable)
{
    madt.cpus[madt.cpu_count++] = (struct madt_cpu){ .apic_id = apic_id, .acpi_uid = uid, .enabled = enabled,
                                                    .online_capable = online_capable };
}

static int setup(void **state)
{
    (void)state;
    memset(&madt, 0, sizeof madt);
    memset(&plan, 0xA5, sizeof plan);
    return 0;
}

static void test_plan_starts_every_enabled_ap_but_not_the_bsp(void **state)
{
    (void)state;
    add(0, 10, true, false);
    add(1, 11, true, false);
    add(2, 12, true, false);
    smp_plan_cpus(&madt, 1, 0, &plan);
    assert_int_equal(plan.count, 3);
    assert_int_equal(plan.to_start, 2);
    assert_int_equal(plan.bsp_index, 1);
    assert_int_equal(plan.cpus[0].verdict, SMP_START);
    assert_int_equal(plan.cpus[0].acpi_uid, 10);
    assert_int_equal(plan.cpus[1].verdict, SMP_IS_BSP);
    assert_int_equal(plan.cpus[2].verdict, SMP_START);
    assert_int_equal(plan.cpus[2].apic_id, 2);
}

static void test_plan_skips_disabled_and_online_capable_cpus(void **state)
{
    (void)state;
    add(0, 0, true, false);
    add(2, 1, false, false);
    add(3, 2, false, true);
    smp_plan_cpus(&madt, 0, 0, &plan);
    assert_int_equal(plan.to_start, 0);
    assert_int_equal(plan.cpus[1].verdict, SMP_SKIP_DISABLED);
    assert_int_equal(plan.cpus[2].verdict, SMP_SKIP_ONLINE_CAPABLE);
    assert_string_equal(smp_verdict_reason(plan.cpus[1].verdict), "disabled in the MADT");
}

static void test_plan_start_disabled_fault_starts_them_too(void **state)
{
    (void)state;
    add(0, 0, true, false);
    add(2, 1, false, false);
    add(3, 2, false, true);
    smp_plan_cpus(&madt, 0, SMP_PLAN_START_DISABLED, &plan);
    assert_int_equal(plan.to_start, 2);
    assert_int_equal(plan.cpus[1].verdict, SMP_START);
    assert_int_equal(plan.cpus[2].verdict, SMP_START);
}

static void test_plan_needs_x2apic_above_254(void **state)
{
    (void)state;
    add(0, 0, true, false);
    add(254, 1, true, false);
    add(255, 2, true, false);
    add(300, 3, true, false);
    smp_plan_cpus(&madt, 0, 0, &plan);
    assert_int_equal(plan.to_start, 1);
    assert_int_equal(plan.cpus[1].verdict, SMP_START);
    assert_int_equal(plan.cpus[2].verdict, SMP_SKIP_NEEDS_X2APIC);
    assert_int_equal(plan.cpus[3].verdict, SMP_SKIP_NEEDS_X2APIC);
    smp_plan_cpus(&madt, 0, SMP_PLAN_X2APIC, &plan);
    assert_int_equal(plan.to_start, 3);
}

static void test_plan_skips_duplicate_ids_and_a_second_bsp_entry(void **state)
{
    (void)state;
    add(0, 0, true, false);
    add(1, 1, true, false);
    add(1, 2, true, false);
    add(0, 3, true, false);
    smp_plan_cpus(&madt, 0, 0, &plan);
    assert_int_equal(plan.to_start, 1);
    assert_int_equal(plan.bsp_index, 0);
    assert_int_equal(plan.cpus[2].verdict, SMP_SKIP_DUPLICATE);
    assert_int_equal(plan.cpus[3].verdict, SMP_SKIP_DUPLICATE);
}

static void test_plan_without_the_bsp_listed(void **state)
{
    (void)state;
    add(1, 1, true, false);
    smp_plan_cpus(&madt, 7, 0, &plan);
    assert_int_equal(plan.bsp_index, -1);
    assert_int_equal(plan.to_start, 1);
    madt.cpu_count = 0;
    smp_plan_cpus(&madt, 7, 0, &plan);
    assert_int_equal(plan.count, 0);
    assert_int_equal(plan.to_start, 0);
}

static void test_verdict_reasons_are_named(void **state)
{
    (void)state;
    for (int v = 0; v < SMP_VERDICT_COUNT; v++)
        assert_string_not_equal(smp_verdict_reason((enum smp_verdict)v), "unknown");
    assert_string_equal(smp_verdict_reason(SMP_VERDICT_COUNT), "unknown");
}

/* Limine's x2APIC rule, every combination: only firmware-on x2APIC that the kernel does not accept
 * changes anything; locked on, it refuses an MP request and is left alone without one. */
static void test_x2apic_rule_as_limine(void **state)
{
    (void)state;
    for (int accepts = 0; accepts < 2; accepts++)
        for (int can = 0; can < 2; can++)
            for (int mp = 0; mp < 2; mp++) {
                assert_int_equal(smp_x2apic_action(false, accepts, can, mp), SMP_X2APIC_LEAVE);
                if (accepts)
                    assert_int_equal(smp_x2apic_action(true, true, can, mp), SMP_X2APIC_LEAVE);
            }
    assert_int_equal(smp_x2apic_action(true, false, true, true), SMP_X2APIC_SWITCH_OFF);
    assert_int_equal(smp_x2apic_action(true, false, true, false), SMP_X2APIC_SWITCH_OFF);
    assert_int_equal(smp_x2apic_action(true, false, false, true), SMP_X2APIC_REFUSE);
    assert_int_equal(smp_x2apic_action(true, false, false, false), SMP_X2APIC_KEEP_LOCKED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x2apic_rule_as_limine),
        cmocka_unit_test_setup(test_plan_starts_every_enabled_ap_but_not_the_bsp, setup),
        cmocka_unit_test_setup(test_plan_skips_disabled_and_online_capable_cpus, setup),
        cmocka_unit_test_setup(test_plan_start_disabled_fault_starts_them_too, setup),
        cmocka_unit_test_setup(test_plan_needs_x2apic_above_254, setup),
        cmocka_unit_test_setup(test_plan_skips_duplicate_ids_and_a_second_bsp_entry, setup),
        cmocka_unit_test_setup(test_plan_without_the_bsp_listed, setup),
        cmocka_unit_test_setup(test_verdict_reasons_are_named, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
