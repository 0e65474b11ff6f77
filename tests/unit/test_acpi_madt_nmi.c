/* Host tests of acpi_parse_madt's Local APIC NMI (type 4) and Local x2APIC NMI (type 0x0A) entries. */
#include "acpi_fixtures.h"

static struct madt_info info;

/* Parses the MADT at SPARE_ADDR and expects success. */
static void parse_spare(void)
{
    struct acpi_diag d;

    assert_int_equal(acpi_parse_madt(&fake_io, SPARE_ADDR, table_length(SPARE_ADDR), &info, &d), ACPI_OK);
}

static void begin(struct madt_builder *b)
{
    memset(&mem, GARBAGE, sizeof mem);
    madt_begin(b, SPARE_ADDR, STD_LAPIC_ADDRESS, 0);
}

static void assert_nmi(unsigned i, uint32_t uid, bool all, uint16_t flags, uint8_t lint)
{
    assert_int_equal(info.nmis[i].acpi_uid, uid);
    assert_int_equal(info.nmis[i].all, all);
    assert_int_equal(info.nmis[i].flags, flags);
    assert_int_equal(info.nmis[i].lint, lint);
}

static void test_madt_reads_lapic_and_x2apic_nmi_entries_in_table_order(void **state)
{
    struct madt_builder b;
    (void)state;
    begin(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_lapic_nmi(&b, 0xFF, 0x0005, 1);
    madt_x2apic_nmi(&b, 0x104, 0x000F, 0);
    madt_lapic_nmi(&b, 3, 0x0007, 1);
    madt_x2apic_nmi(&b, 0xFFFFFFFFu, 0x000D, 1);
    madt_end(&b);
    parse_spare();
    assert_int_equal(info.nmi_count, 4);
    assert_nmi(0, 0xFF, true, 5, 1);
    assert_nmi(1, 0x104, false, 0xF, 0);
    assert_nmi(2, 3, false, 7, 1);
    assert_nmi(3, 0xFFFFFFFFu, true, 0xD, 1);
    assert_int_equal(info.nmi_overflow, 0);
    assert_int_equal(info.cpu_count, 1);
}

static void test_madt_counts_nmi_entries_past_the_cap(void **state)
{
    struct madt_builder b;
    (void)state;
    begin(&b);
    for (unsigned i = 0; i < MADT_MAX_LAPIC_NMIS + 3; i++)
        madt_lapic_nmi(&b, (uint8_t)i, 0, 1);
    madt_end(&b);
    parse_spare();
    assert_int_equal(info.nmi_count, MADT_MAX_LAPIC_NMIS);
    assert_int_equal(info.nmi_overflow, 3);
    assert_nmi(MADT_MAX_LAPIC_NMIS - 1, MADT_MAX_LAPIC_NMIS - 1, false, 0, 1);
}

static void test_madt_resets_nmi_counts_on_every_parse(void **state)
{
    struct madt_builder b;
    (void)state;
    info.nmi_count = 9;
    info.nmi_overflow = 4;
    begin(&b);
    madt_end(&b);
    parse_spare();
    assert_int_equal(info.nmi_count + info.nmi_overflow, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_madt_reads_lapic_and_x2apic_nmi_entries_in_table_order),
        cmocka_unit_test(test_madt_counts_nmi_entries_past_the_cap),
        cmocka_unit_test(test_madt_resets_nmi_counts_on_every_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
