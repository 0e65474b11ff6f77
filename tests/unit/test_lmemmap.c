/* Host tests of the Limine memory-map conversion and direct-map coverage rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/lmemmap.h"
#include "core/memmap.h"

#define CAP 16

static void expect(const struct limine_memmap_entry *e, uint64_t base, uint64_t length, uint64_t type)
{
    assert_int_equal(e->base, base);
    assert_int_equal(e->length, length);
    assert_int_equal(e->type, type);
}

static void test_lmemmap_maps_every_ember_type(void **state)
{
    (void)state;
    assert_int_equal(lmemmap_type(EMBER_MEM_USABLE), LIMINE_MEMMAP_USABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_BOOTLOADER_RECLAIMABLE), LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_PAGE_TABLES), LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_KERNEL), LIMINE_MEMMAP_EXECUTABLE_AND_MODULES);
    assert_int_equal(lmemmap_type(EMBER_MEM_MODULES), LIMINE_MEMMAP_EXECUTABLE_AND_MODULES);
    assert_int_equal(lmemmap_type(EMBER_MEM_ACPI_RECLAIMABLE), LIMINE_MEMMAP_ACPI_RECLAIMABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_ACPI_NVS), LIMINE_MEMMAP_ACPI_NVS);
    assert_int_equal(lmemmap_type(EMBER_MEM_FRAMEBUFFER), LIMINE_MEMMAP_FRAMEBUFFER);
    assert_int_equal(lmemmap_type(EMBER_MEM_BAD), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(EMBER_MEM_MMIO), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(EMBER_MEM_EFI_RUNTIME_CODE), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(EMBER_MEM_EFI_RUNTIME_DATA), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(999), LIMINE_MEMMAP_RESERVED);
}

/* The spec's "EFI Memory Map Entry Type to Limine Memory Map Type" table, through ember's own map:
 * loader and boot-services memory bootloader-reclaimable, runtime services reserved (revisions
 * below 5), ACPI as ACPI, conventional usable, "[anything else] -> RESERVED". */
static void test_lmemmap_uefi_types_follow_the_spec_table(void **state)
{
    static const struct { uint32_t uefi; uint64_t limine; } cases[] = {
        { UEFI_LOADER_CODE, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE },
        { UEFI_LOADER_DATA, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE },
        { UEFI_BOOT_SERVICES_CODE, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE },
        { UEFI_BOOT_SERVICES_DATA, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE },
        { UEFI_RUNTIME_SERVICES_CODE, LIMINE_MEMMAP_RESERVED },
        { UEFI_RUNTIME_SERVICES_DATA, LIMINE_MEMMAP_RESERVED },
        { UEFI_ACPI_RECLAIM, LIMINE_MEMMAP_ACPI_RECLAIMABLE },
        { UEFI_ACPI_NVS, LIMINE_MEMMAP_ACPI_NVS },
        { UEFI_CONVENTIONAL, LIMINE_MEMMAP_USABLE },
        { UEFI_RESERVED, LIMINE_MEMMAP_RESERVED },
        { UEFI_UNUSABLE, LIMINE_MEMMAP_RESERVED },
        { UEFI_MMIO, LIMINE_MEMMAP_RESERVED },
        { UEFI_MMIO_PORT_SPACE, LIMINE_MEMMAP_RESERVED },
        { UEFI_PAL_CODE, LIMINE_MEMMAP_RESERVED },
        { UEFI_PERSISTENT, LIMINE_MEMMAP_RESERVED },
        { UEFI_UNACCEPTED, LIMINE_MEMMAP_RESERVED },
        { 0x70000001u, LIMINE_MEMMAP_RESERVED }, /* an OEM type */
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(lmemmap_type(memmap_type_from_uefi(cases[i].uefi)), cases[i].limine);
}

static void test_lmemmap_merges_neighbours_that_become_one_type(void **state)
{
    struct limine_memmap_entry out[CAP];
    const struct ember_memmap_entry in[] = {
        { 0x100000, 0x3000, EMBER_MEM_KERNEL, 0 },
        { 0x103000, 0x2000, EMBER_MEM_MODULES, 0 },
        { 0x105000, 0x1000, EMBER_MEM_PAGE_TABLES, 0 },
        { 0x106000, 0x1000, EMBER_MEM_BOOTLOADER_RECLAIMABLE, 0 },
        { 0x108000, 0x1000, EMBER_MEM_BOOTLOADER_RECLAIMABLE, 0 }, /* not adjacent: kept apart */
    };
    (void)state;
    assert_int_equal(lmemmap_convert(in, 5, 3, out, CAP), 3);
    expect(&out[0], 0x100000, 0x5000, LIMINE_MEMMAP_EXECUTABLE_AND_MODULES);
    expect(&out[1], 0x105000, 0x2000, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    expect(&out[2], 0x108000, 0x1000, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
}

static void test_lmemmap_first_page_never_usable_before_revision_3(void **state)
{
    struct limine_memmap_entry out[CAP];
    const struct ember_memmap_entry in[] = { { 0, 0xA0000, EMBER_MEM_USABLE, 0 } };
    (void)state;
    for (uint64_t rev = 0; rev <= 2; rev++) {
        assert_int_equal(lmemmap_convert(in, 1, rev, out, CAP), 2);
        expect(&out[0], 0, 0x1000, LIMINE_MEMMAP_RESERVED);
        expect(&out[1], 0x1000, 0x9F000, LIMINE_MEMMAP_USABLE);
    }
    assert_int_equal(lmemmap_convert(in, 1, 3, out, CAP), 1);
    expect(&out[0], 0, 0xA0000, LIMINE_MEMMAP_USABLE);
}

static void test_lmemmap_reports_full_output(void **state)
{
    struct limine_memmap_entry out[2];
    const struct ember_memmap_entry in[] = {
        { 0x1000, 0x1000, EMBER_MEM_USABLE, 0 },
        { 0x2000, 0x1000, EMBER_MEM_RESERVED, 0 },
        { 0x3000, 0x1000, EMBER_MEM_USABLE, 0 },
    };
    (void)state;
    assert_int_equal(lmemmap_convert(in, 3, 3, out, 2), 0);
    assert_int_equal(lmemmap_convert(in, 2, 3, out, 2), 2);
}

/* Revision 0: "the above-4GiB identity and HHDM mappings cover any memory map region", so every
 * type, reserved and bad memory included, wherever it lies. */
static void test_lmemmap_hhdm_revision_0_covers_every_region(void **state)
{
    (void)state;
    for (uint32_t type = EMBER_MEM_USABLE; type <= EMBER_MEM_EFI_RUNTIME_DATA; type++) {
        assert_true(lmemmap_hhdm_covers(type, 0, 0x1000));
        assert_true(lmemmap_hhdm_covers(type, 0, 0x100000000ULL));
        assert_true(lmemmap_hhdm_covers(type, 0, 0x7f00000000ULL));
    }
    assert_true(lmemmap_hhdm_covers(999, 0, 0x200000000ULL)); /* unknown: reported reserved */
}

static void test_lmemmap_hhdm_coverage_per_revision(void **state)
{
    (void)state;
    for (uint64_t rev = 1; rev <= 2; rev++) {
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_RESERVED, rev, 0xFEC00000));     /* below 4 GiB: all */
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_MMIO, rev, 0xFFFFF000));
        assert_false(lmemmap_hhdm_covers(EMBER_MEM_RESERVED, rev, 0x100000000ULL)); /* above: not reserved */
        assert_false(lmemmap_hhdm_covers(EMBER_MEM_BAD, rev, 0x200000000ULL));
        assert_false(lmemmap_hhdm_covers(EMBER_MEM_MMIO, rev, 0x200000000ULL));
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_ACPI_NVS, rev, 0x200000000ULL));
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_USABLE, rev, 0x200000000ULL));
    }
    assert_true(lmemmap_hhdm_covers(EMBER_MEM_USABLE, 3, 0x1000));
    assert_true(lmemmap_hhdm_covers(EMBER_MEM_PAGE_TABLES, 3, 0x1000));
    assert_true(lmemmap_hhdm_covers(EMBER_MEM_KERNEL, 3, 0x1000));
    assert_true(lmemmap_hhdm_covers(EMBER_MEM_FRAMEBUFFER, 3, 0xC0000000));
    assert_false(lmemmap_hhdm_covers(EMBER_MEM_ACPI_RECLAIMABLE, 3, 0x1000));
    assert_false(lmemmap_hhdm_covers(EMBER_MEM_RESERVED, 3, 0x1000));
    assert_false(lmemmap_hhdm_covers(EMBER_MEM_MMIO, 3, 0xFEC00000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lmemmap_maps_every_ember_type),
        cmocka_unit_test(test_lmemmap_uefi_types_follow_the_spec_table),
        cmocka_unit_test(test_lmemmap_merges_neighbours_that_become_one_type),
        cmocka_unit_test(test_lmemmap_first_page_never_usable_before_revision_3),
        cmocka_unit_test(test_lmemmap_reports_full_output),
        cmocka_unit_test(test_lmemmap_hhdm_revision_0_covers_every_region),
        cmocka_unit_test(test_lmemmap_hhdm_coverage_per_revision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
