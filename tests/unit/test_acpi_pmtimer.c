/* Host tests of the FADT's PM timer (src/core/acpi_pmtimer.c): which port, 24 or 32 bits, and the
 * tick count across a wrap. FADTs are built byte by byte at the ACPI 6.5 offsets. */
#include "acpi_fixtures.h"
#include "core/acpi_pmtimer.h"

#define FADT_FULL 276

static uint8_t *fadt_at(uint64_t addr)
{
    return mem.low + (addr - PHYS_BASE);
}

/* A FADT of length bytes at FACP_ADDR: PM_TMR_BLK pm, Flags flags, X_PM_TMR_BLK (space, xaddr). */
static struct acpi_access fadt(uint32_t length, uint32_t pm, uint32_t flags, uint8_t space, uint64_t xaddr)
{
    uint8_t *t = fadt_at(FACP_ADDR);

    memset(t, 0, FADT_FULL);
    memcpy(t + 76, &pm, 4);
    if (length >= 116)
        memcpy(t + 112, &flags, 4);
    if (length >= 220) {
        t[208] = space;
        memcpy(t + 212, &xaddr, 8);
    }
    return (struct acpi_access){ fake_map, &mem };
}

static void test_pm_tmr_blk_with_24_bits(void **state)
{
    struct acpi_access io = fadt(116, 0x608, 0, 0, 0);
    struct acpi_pm_timer t;
    (void)state;

    assert_true(acpi_fadt_pm_timer(&io, FACP_ADDR, 116, &t));
    assert_int_equal(t.port, 0x608);
    assert_false(t.bits32);
}

static void test_x_pm_tmr_blk_wins_and_tmr_val_ext_gives_32_bits(void **state)
{
    struct acpi_access io = fadt(FADT_FULL, 0x608, 1u << 8, 1, 0x408);
    struct acpi_pm_timer t;
    (void)state;

    assert_true(acpi_fadt_pm_timer(&io, FACP_ADDR, FADT_FULL, &t));
    assert_int_equal(t.port, 0x408);
    assert_true(t.bits32);
    io = fadt(FADT_FULL, 0x608, 0, 0 /* memory space: not a port */, 0xfed00000);
    assert_true(acpi_fadt_pm_timer(&io, FACP_ADDR, FADT_FULL, &t));
    assert_int_equal(t.port, 0x608);
}

static void test_no_timer(void **state)
{
    struct acpi_access io = fadt(FADT_FULL, 0, 0, 0, 0); /* HW-reduced: both zero */
    struct acpi_pm_timer t;
    (void)state;

    assert_false(acpi_fadt_pm_timer(&io, FACP_ADDR, FADT_FULL, &t));
    io = fadt(116, 0x608, 0, 0, 0);
    assert_false(acpi_fadt_pm_timer(&io, FACP_ADDR, 60, &t)); /* too short for PM_TMR_BLK */
    io = fadt(116, 0x12345, 0, 0, 0);
    assert_false(acpi_fadt_pm_timer(&io, FACP_ADDR, 116, &t)); /* not a port number */
    assert_false(acpi_fadt_pm_timer(&io, 0x10, 116, &t));      /* unmapped */
}

static void test_ticks_across_a_wrap(void **state)
{
    (void)state;
    assert_int_equal(acpi_pm_timer_ticks(100, 7260, false), 7160);
    assert_int_equal(acpi_pm_timer_ticks(0xfffff0, 0x10, false), 0x20);
    assert_int_equal(acpi_pm_timer_ticks(0xfffffff0u, 0x10, true), 0x20);
    assert_int_equal(acpi_pm_timer_ticks(0x12fffff0u, 0x10, false), 0x20); /* bits above 24 ignored */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pm_tmr_blk_with_24_bits),
        cmocka_unit_test(test_x_pm_tmr_blk_wins_and_tmr_val_ext_gives_32_bits),
        cmocka_unit_test(test_no_timer),
        cmocka_unit_test(test_ticks_across_a_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
