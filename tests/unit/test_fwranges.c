/* Host tests of fwranges (src/core/fwranges.c): the ACPI tables of base revision 4's list and the
 * SMBIOS tables of revision 5's, as page ranges. */
#include "acpi_fixtures.h"
#include "core/fwranges.h"

#define FACS_ADDR SPARE_ADDR
#define DSDT_ADDR (SPARE_ADDR + 0x2000)
#define DSDT_LENGTH 0x1800 /* spans two pages */

static void expect_range(const struct lmemmap_firmware_ranges *r, unsigned i, uint64_t base, uint64_t end)
{
    assert_true(i < r->count);
    assert_int_equal(r->base[i], base);
    assert_int_equal(r->end[i], end);
}

/* The platform's tables plus a FACS and a DSDT the FADT's 32-bit fields name. */
static void platform_with_fadt_children(uint8_t rsdp_revision)
{
    platform_init(rsdp_revision);
    put_header(FACS_ADDR, "FACS", 64);
    put_table(DSDT_ADDR, "DSDT", DSDT_LENGTH);
    put_le(FACP_ADDR + 36, FACS_ADDR, 4);
    put_le(FACP_ADDR + 40, DSDT_ADDR, 4);
    fix_table(FACP_ADDR);
}

static void test_fwranges_acpi_covers_every_table_of_the_list(void **state)
{
    struct lmemmap_firmware_ranges r = { .count = 0 };
    (void)state;
    platform_with_fadt_children(2);
    /* RSDP, RSDT, its FACP and MADT, the FACP's FACS and DSDT (twice: once per root), XSDT, HPET */
    assert_int_equal(fwranges_acpi(&fake_io, RSDP_ADDR, &r), 2 + 4 + 1 + 5);
    assert_int_equal(r.count, 3);
    expect_range(&r, 0, PHYS_BASE, MADT_ADDR + PAGE_SIZE_4K); /* RSDP..HPET page and the MADT page */
    expect_range(&r, 1, FACS_ADDR, FACS_ADDR + PAGE_SIZE_4K);
    expect_range(&r, 2, DSDT_ADDR, DSDT_ADDR + 2 * PAGE_SIZE_4K);
}

/* An ACPI 1.0 RSDP: 20 bytes and the RSDT only, whatever the revision-2 fields hold. */
static void test_fwranges_acpi_revision_0_uses_the_rsdt_only(void **state)
{
    struct lmemmap_firmware_ranges r = { .count = 0 };
    (void)state;
    platform_init(0);
    put_le(RSDP_ADDR + 24, SPARE_ADDR + 0x5000, 8); /* garbage XsdtAddress, must not be read */
    assert_int_equal(fwranges_acpi(&fake_io, RSDP_ADDR, &r), 1 + 3);
    assert_int_equal(r.count, 1);
    expect_range(&r, 0, PHYS_BASE, MADT_ADDR + PAGE_SIZE_4K);
}

/* Entries that point nowhere, tables with absurd lengths and an RSDP that cannot be read add
 * nothing and stop nothing. */
static void test_fwranges_acpi_skips_what_it_cannot_read(void **state)
{
    struct lmemmap_firmware_ranges r = { .count = 0 };
    const uint64_t entries[] = { 0x12345000, HPET_ADDR, 0, SPARE_ADDR, MADT_ADDR };
    (void)state;
    platform_init(2);
    put_header(SPARE_ADDR, "BIG!", ACPI_MAX_TABLE_LENGTH + 1);
    put_root(XSDT_ADDR, 8, entries, 5);
    fix_sum(RSDP_ADDR, 36, 32);
    assert_int_equal(fwranges_acpi(&fake_io, RSDP_ADDR, &r), 1 + 3 + 3);
    assert_int_equal(r.count, 1);
    assert_int_equal(fwranges_acpi(&fake_io, 0, &r), 0);
    assert_int_equal(fwranges_acpi(&fake_io, 0x40000000, &r), 0);
    assert_int_equal(r.count, 1);
}

/* SMBIOS 2.1 entry point: length byte at 5, table length at 0x16, address at 0x18; 3.0: length
 * byte at 6, maximum size at 0x0C, address at 0x10. */
static void test_fwranges_smbios_entry_points_and_tables(void **state)
{
    struct lmemmap_firmware_ranges r = { .count = 0 };
    const uint64_t e32 = SPARE_ADDR, e64 = SPARE_ADDR + 0x40, t32 = SPARE_ADDR + 0x3000, t64 = SPARE_ADDR + 0x5ff0;
    (void)state;
    platform_init(2);
    memcpy(at(e32, 4), "_SM_", 4);
    put_le(e32 + 5, 0x1F, 1);
    put_le(e32 + 0x16, 0x200, 2);
    put_le(e32 + 0x18, t32, 4);
    memcpy(at(e64, 5), "_SM3_", 5);
    put_le(e64 + 6, 0x18, 1);
    put_le(e64 + 0x0C, 0x20, 4);
    put_le(e64 + 0x10, t64, 8);
    assert_int_equal(fwranges_smbios(&fake_io, e32, e64, &r), 4);
    assert_int_equal(r.count, 3);
    expect_range(&r, 0, SPARE_ADDR, SPARE_ADDR + PAGE_SIZE_4K);
    expect_range(&r, 1, t32, t32 + PAGE_SIZE_4K);
    expect_range(&r, 2, t64 & ~0xfffULL, (t64 & ~0xfffULL) + 2 * PAGE_SIZE_4K); /* straddles */
    put_le(e32 + 5, 0x10, 1); /* too short to be an entry point: skipped */
    assert_int_equal(fwranges_smbios(&fake_io, e32, 0, &r), 0);
    assert_int_equal(fwranges_smbios(&fake_io, 0, 0, &r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fwranges_acpi_covers_every_table_of_the_list),
        cmocka_unit_test(test_fwranges_acpi_revision_0_uses_the_rsdt_only),
        cmocka_unit_test(test_fwranges_acpi_skips_what_it_cannot_read),
        cmocka_unit_test(test_fwranges_smbios_entry_points_and_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
