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
    assert_int_equal(lmemmap_type(EMBER_MEM_USABLE, 3), LIMINE_MEMMAP_USABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_BOOTLOADER_RECLAIMABLE, 3), LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_PAGE_TABLES, 3), LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_KERNEL, 3), LIMINE_MEMMAP_EXECUTABLE_AND_MODULES);
    assert_int_equal(lmemmap_type(EMBER_MEM_MODULES, 3), LIMINE_MEMMAP_EXECUTABLE_AND_MODULES);
    assert_int_equal(lmemmap_type(EMBER_MEM_ACPI_RECLAIMABLE, 3), LIMINE_MEMMAP_ACPI_RECLAIMABLE);
    assert_int_equal(lmemmap_type(EMBER_MEM_ACPI_NVS, 3), LIMINE_MEMMAP_ACPI_NVS);
    assert_int_equal(lmemmap_type(EMBER_MEM_FRAMEBUFFER, 3), LIMINE_MEMMAP_FRAMEBUFFER);
    assert_int_equal(lmemmap_type(EMBER_MEM_BAD, 3), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(EMBER_MEM_MMIO, 3), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(EMBER_MEM_EFI_RUNTIME_CODE, 3), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(EMBER_MEM_EFI_RUNTIME_DATA, 3), LIMINE_MEMMAP_RESERVED);
    assert_int_equal(lmemmap_type(999, 3), LIMINE_MEMMAP_RESERVED);
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
        assert_int_equal(lmemmap_type(memmap_type_from_uefi(cases[i].uefi), 4), cases[i].limine);
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
    assert_int_equal(lmemmap_convert(in, 5, 3, NULL, out, CAP), 3);
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
        assert_int_equal(lmemmap_convert(in, 1, rev, NULL, out, CAP), 2);
        expect(&out[0], 0, 0x1000, LIMINE_MEMMAP_RESERVED);
        expect(&out[1], 0x1000, 0x9F000, LIMINE_MEMMAP_USABLE);
    }
    assert_int_equal(lmemmap_convert(in, 1, 3, NULL, out, CAP), 1);
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
    assert_int_equal(lmemmap_convert(in, 3, 3, NULL, out, 2), 0);
    assert_int_equal(lmemmap_convert(in, 2, 3, NULL, out, 2), 2);
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


/* Revision 5: "EfiRuntimeServicesCode, EfiRuntimeServicesData are reported as
 * LIMINE_MEMMAP_RESERVED_MAPPED (instead of LIMINE_MEMMAP_RESERVED)"; earlier revisions keep RESERVED. */
static void test_lmemmap_runtime_memory_reserved_mapped_from_revision_5(void **state)
{
    (void)state;
    for (uint64_t rev = 0; rev <= 6; rev++) {
        uint64_t want = rev >= 5 ? LIMINE_MEMMAP_RESERVED_MAPPED : LIMINE_MEMMAP_RESERVED;
        assert_int_equal(lmemmap_type(EMBER_MEM_EFI_RUNTIME_CODE, rev), want);
        assert_int_equal(lmemmap_type(EMBER_MEM_EFI_RUNTIME_DATA, rev), want);
        assert_int_equal(lmemmap_type(EMBER_MEM_RESERVED, rev), LIMINE_MEMMAP_RESERVED);
        assert_int_equal(lmemmap_type(EMBER_MEM_MMIO, rev), LIMINE_MEMMAP_RESERVED);
    }
}

/* Revision 4: "HHDM additionally maps Reserved (Mapped), ACPI reclaimable, ACPI NVS". */
static void test_lmemmap_hhdm_revision_4_adds_acpi_and_reserved_mapped(void **state)
{
    (void)state;
    for (uint64_t rev = 4; rev <= 6; rev++) {
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_ACPI_RECLAIMABLE, rev, 0x7f000000));
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_ACPI_NVS, rev, 0x7f000000));
        assert_true(lmemmap_hhdm_covers(EMBER_MEM_USABLE, rev, 0x1000));
        assert_false(lmemmap_hhdm_covers(EMBER_MEM_RESERVED, rev, 0x1000));
        assert_false(lmemmap_hhdm_covers(EMBER_MEM_MMIO, rev, 0xFEC00000));
        assert_false(lmemmap_hhdm_covers(EMBER_MEM_BAD, rev, 0x1000));
        assert_int_equal(lmemmap_hhdm_covers(EMBER_MEM_EFI_RUNTIME_DATA, rev, 0x7e000000), rev >= 5);
    }
    assert_false(lmemmap_hhdm_covers(EMBER_MEM_ACPI_NVS, 3, 0x7f000000));
}

static void expect_range(const struct lmemmap_firmware_ranges *r, unsigned i, uint64_t base, uint64_t end)
{
    assert_true(i < r->count);
    assert_int_equal(r->base[i], base);
    assert_int_equal(r->end[i], end);
}

static void test_lmemmap_firmware_ranges_page_align_sort_and_merge(void **state)
{
    struct lmemmap_firmware_ranges r = { .count = 0 };
    (void)state;
    lmemmap_add_firmware_range(&r, 0x7fe0123, 0x24);   /* one page */
    lmemmap_add_firmware_range(&r, 0x1000, 0x10);      /* before it */
    lmemmap_add_firmware_range(&r, 0x9000ff0, 0x20);   /* straddles a page boundary: two pages */
    lmemmap_add_firmware_range(&r, 0x5000, 0);         /* empty: nothing */
    lmemmap_add_firmware_range(&r, UINT64_MAX - 8, 16); /* wraps: nothing */
    assert_int_equal(r.count, 3);
    expect_range(&r, 0, 0x1000, 0x2000);
    expect_range(&r, 1, 0x7fe0000, 0x7fe1000);
    expect_range(&r, 2, 0x9000000, 0x9002000);
    lmemmap_add_firmware_range(&r, 0x2000, 0x10);       /* adjacent to the first: merged */
    lmemmap_add_firmware_range(&r, 0x7fe0000, 0x1022000); /* swallows the second and third */
    assert_int_equal(r.count, 2);
    expect_range(&r, 0, 0x1000, 0x3000);
    expect_range(&r, 1, 0x7fe0000, 0x9002000);
    assert_int_equal(r.overflow, 0);
}

static void test_lmemmap_firmware_ranges_count_what_does_not_fit(void **state)
{
    struct lmemmap_firmware_ranges r = { .count = 0 };
    (void)state;
    for (uint64_t i = 0; i < LMEMMAP_MAX_FIRMWARE_RANGES + 3; i++)
        lmemmap_add_firmware_range(&r, (LMEMMAP_MAX_FIRMWARE_RANGES + 3 - i) * 0x10000, 0x100);
    assert_int_equal(r.count, LMEMMAP_MAX_FIRMWARE_RANGES);
    assert_int_equal(r.overflow, 3);
    for (unsigned i = 1; i < r.count; i++)
        assert_true(r.base[i] > r.end[i - 1]); /* still sorted and apart */
    lmemmap_add_firmware_range(&r, r.base[5], 0x10); /* inside one: no slot needed */
    assert_int_equal(r.overflow, 3);
}

/* Revision 4: every ACPI table lies in ACPI reclaimable, ACPI NVS or RESERVED_MAPPED memory; from 5
 * SMBIOS and the EFI system table too. Parts of other regions that hold them become RESERVED_MAPPED;
 * ACPI memory keeps its type; before revision 4 the ranges change nothing. */
static void test_lmemmap_firmware_ranges_become_reserved_mapped(void **state)
{
    struct limine_memmap_entry out[CAP];
    struct lmemmap_firmware_ranges fw = { .count = 0 };
    const struct ember_memmap_entry in[] = {
        { 0x100000, 0x10000, EMBER_MEM_RESERVED, 0 },
        { 0x110000, 0x10000, EMBER_MEM_BOOTLOADER_RECLAIMABLE, 0 },
        { 0x120000, 0x4000, EMBER_MEM_ACPI_RECLAIMABLE, 0 },
        { 0x124000, 0x4000, EMBER_MEM_USABLE, 0 },
    };
    (void)state;
    lmemmap_add_firmware_range(&fw, 0x102000, 0x1000);  /* inside reserved */
    lmemmap_add_firmware_range(&fw, 0x10f000, 0x2000);  /* reserved end + reclaimable start */
    lmemmap_add_firmware_range(&fw, 0x121000, 0x1000);  /* inside ACPI: stays ACPI */
    lmemmap_add_firmware_range(&fw, 0x127000, 0x1000);  /* the last page of usable */
    assert_int_equal(lmemmap_convert(in, 4, 4, &fw, out, CAP), 8);
    expect(&out[0], 0x100000, 0x2000, LIMINE_MEMMAP_RESERVED);
    expect(&out[1], 0x102000, 0x1000, LIMINE_MEMMAP_RESERVED_MAPPED);
    expect(&out[2], 0x103000, 0xc000, LIMINE_MEMMAP_RESERVED);
    expect(&out[3], 0x10f000, 0x2000, LIMINE_MEMMAP_RESERVED_MAPPED); /* merged across the two */
    expect(&out[4], 0x111000, 0xf000, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    expect(&out[5], 0x120000, 0x4000, LIMINE_MEMMAP_ACPI_RECLAIMABLE);
    expect(&out[6], 0x124000, 0x3000, LIMINE_MEMMAP_USABLE);
    expect(&out[7], 0x127000, 0x1000, LIMINE_MEMMAP_RESERVED_MAPPED);
    assert_int_equal(lmemmap_convert(in, 4, 3, &fw, out, CAP), 4);
    expect(&out[0], 0x100000, 0x10000, LIMINE_MEMMAP_RESERVED);
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
        cmocka_unit_test(test_lmemmap_runtime_memory_reserved_mapped_from_revision_5),
        cmocka_unit_test(test_lmemmap_hhdm_revision_4_adds_acpi_and_reserved_mapped),
        cmocka_unit_test(test_lmemmap_firmware_ranges_page_align_sort_and_merge),
        cmocka_unit_test(test_lmemmap_firmware_ranges_count_what_does_not_fit),
        cmocka_unit_test(test_lmemmap_firmware_ranges_become_reserved_mapped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
