/* Host tests of normalising raw UEFI maps: sort, merge, overlap, stride, errors (src/core/memmap.c). */
#include "memmap_fixtures.h"

static void test_memmap_sorts_unsorted_input(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x300000, 16);
    raw_add(&m, UEFI_ACPI_NVS, 0x1000, 1);
    raw_add(&m, UEFI_RESERVED, 0x100000, 2);
    assert_int_equal(normalize_ok(&m), 3);
    expect_entry(0, 0x1000, 0x1000, EMBER_MEM_ACPI_NVS);
    expect_entry(1, 0x100000, 0x2000, EMBER_MEM_RESERVED);
    expect_entry(2, 0x300000, 0x10000, EMBER_MEM_USABLE);
}

static void test_memmap_merges_adjacent_ranges_of_same_type(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_BOOT_SERVICES_DATA, 0x3000, 1);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 1);
    raw_add(&m, UEFI_CONVENTIONAL, 0x2000, 1);
    raw_add(&m, UEFI_BOOT_SERVICES_CODE, 0x4000, 2);
    raw_add(&m, UEFI_LOADER_DATA, 0x6000, 1);
    assert_int_equal(normalize_ok(&m), 2);
    expect_entry(0, 0x1000, 0x2000, EMBER_MEM_USABLE);
    expect_entry(1, 0x3000, 0x4000, EMBER_MEM_BOOTLOADER_RECLAIMABLE);
}

static void test_memmap_keeps_adjacent_different_types_apart(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x0, 4);
    raw_add(&m, UEFI_RUNTIME_SERVICES_DATA, 0x4000, 4);
    raw_add(&m, UEFI_RUNTIME_SERVICES_CODE, 0x8000, 4);
    assert_int_equal(normalize_ok(&m), 3);
    expect_entry(0, 0x0, 0x4000, EMBER_MEM_USABLE);
    expect_entry(1, 0x4000, 0x4000, EMBER_MEM_EFI_RUNTIME_DATA);
    expect_entry(2, 0x8000, 0x4000, EMBER_MEM_EFI_RUNTIME_CODE);
}

static void test_memmap_reserved_inside_usable_splits_it_in_three(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);
    raw_add(&m, UEFI_RESERVED, 0x140000, 0x10);
    assert_int_equal(normalize_ok(&m), 3);
    expect_entry(0, 0x100000, 0x40000, EMBER_MEM_USABLE);
    expect_entry(1, 0x140000, 0x10000, EMBER_MEM_RESERVED);
    expect_entry(2, 0x150000, 0xb0000, EMBER_MEM_USABLE);
}

static void test_memmap_partial_overlap_goes_to_the_stronger_type(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_ACPI_RECLAIM, 0x4000, 4);  /* 0x4000..0x8000 */
    raw_add(&m, UEFI_CONVENTIONAL, 0x2000, 4);  /* 0x2000..0x6000 */
    raw_add(&m, UEFI_UNUSABLE, 0x7000, 2);      /* 0x7000..0x9000 */
    assert_int_equal(normalize_ok(&m), 3);
    expect_entry(0, 0x2000, 0x2000, EMBER_MEM_USABLE);
    expect_entry(1, 0x4000, 0x3000, EMBER_MEM_ACPI_RECLAIMABLE);
    expect_entry(2, 0x7000, 0x2000, EMBER_MEM_BAD);
}

static void test_memmap_fully_contained_weaker_range_disappears(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x3000, 2);
    raw_add(&m, UEFI_MMIO, 0x1000, 8);
    raw_add(&m, UEFI_LOADER_CODE, 0x1000, 1); /* shares the start */
    raw_add(&m, UEFI_CONVENTIONAL, 0x8000, 1); /* shares the end */
    assert_int_equal(normalize_ok(&m), 1);
    expect_entry(0, 0x1000, 0x8000, EMBER_MEM_MMIO);
}

static void test_memmap_identical_duplicates_collapse(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x10000, 4);
    raw_add(&m, UEFI_CONVENTIONAL, 0x10000, 4);
    raw_add(&m, UEFI_ACPI_NVS, 0x20000, 1);
    raw_add(&m, UEFI_CONVENTIONAL, 0x20000, 1);
    raw_add(&m, UEFI_ACPI_NVS, 0x20000, 1);
    assert_int_equal(normalize_ok(&m), 2);
    expect_entry(0, 0x10000, 0x4000, EMBER_MEM_USABLE);
    expect_entry(1, 0x20000, 0x1000, EMBER_MEM_ACPI_NVS);
}

static void test_memmap_preserves_gaps(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x0, 0x9f);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);
    assert_int_equal(normalize_ok(&m), 2);
    expect_entry(0, 0x0, 0x9f000, EMBER_MEM_USABLE);
    expect_entry(1, 0x100000, 0x100000, EMBER_MEM_USABLE);
}

static void test_memmap_drops_zero_length_ranges(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra = { 0x1800, 0, EMBER_MEM_FRAMEBUFFER, 0 };
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_RESERVED, 0x5000, 0);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 2);
    raw_add(&m, UEFI_UNUSABLE, 0x2000, 0);
    assert_int_equal(normalize_extra(&m, &extra, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 1);
    expect_entry(0, 0x1000, 0x2000, EMBER_MEM_USABLE);
}

static void test_memmap_overlays_framebuffer_extra(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra[] = {
        { 0x40000, 0x1d4c00, EMBER_MEM_FRAMEBUFFER, 0 }, /* 800x600x4, ends mid-page */
        { 0x80000000, 0x1000, EMBER_MEM_FRAMEBUFFER, 7 }, /* in a gap; reserved field ignored */
    };
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x0, 0x1000); /* 16 MiB */
    assert_int_equal(normalize_extra(&m, extra, 2, &count), MEMMAP_OK);
    assert_int_equal(count, 4);
    expect_entry(0, 0x0, 0x40000, EMBER_MEM_USABLE);
    expect_entry(1, 0x40000, 0x1d5000, EMBER_MEM_FRAMEBUFFER); /* its last page, whole */
    expect_entry(2, 0x215000, 0x1000000 - 0x215000, EMBER_MEM_USABLE);
    expect_entry(3, 0x80000000, 0x1000, EMBER_MEM_FRAMEBUFFER);
}

/* The same map through strides 40, 48 and 56, and misaligned, normalises identically. */
static void test_memmap_honours_desc_size_stride(void **state)
{
    static const size_t strides[] = { 40, 48, 56, 48 };
    struct raw_map m;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof strides / sizeof strides[0]; i++) {
        raw_init(&m, strides[i]);
        m.offset = i == 3 ? 1 : 0;
        raw_add(&m, UEFI_BOOT_SERVICES_CODE, 0x5000, 1);
        raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 4);
        raw_add(&m, UEFI_ACPI_RECLAIM, 0x8000, 2);
        assert_int_equal(normalize_ok(&m), 3);
        expect_entry(0, 0x1000, 0x4000, EMBER_MEM_USABLE);
        expect_entry(1, 0x5000, 0x1000, EMBER_MEM_BOOTLOADER_RECLAIMABLE);
        expect_entry(2, 0x8000, 0x2000, EMBER_MEM_ACPI_RECLAIMABLE);
    }
}

static void test_memmap_rejects_bad_desc_size(void **state)
{
    static const size_t bad[] = { 0, 8, 32, 39, 44, 47, 50 };
    struct raw_map m;
    size_t i, count = 99;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 1);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        count = 99;
        assert_int_equal(memmap_normalize(raw_data(&m), m.size, bad[i], NULL, 0, out, OUT_CAP,
                                          &count),
                         MEMMAP_ERR_DESC_SIZE);
        assert_int_equal(count, 0);
        assert_int_equal(memmap_highest_address(raw_data(&m), m.size, bad[i]), 0);
    }
}

static void test_memmap_ignores_trailing_partial_descriptor(void **state)
{
    struct raw_map m;
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 1);
    raw_add(&m, UEFI_RESERVED, 0x2000, 1);
    m.size -= 1;
    assert_int_equal(normalize_extra(&m, NULL, 0, &count), MEMMAP_OK);
    assert_int_equal(count, 1);
    expect_entry(0, 0x1000, 0x1000, EMBER_MEM_USABLE);
}

static void test_memmap_rejects_wrapping_range(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra = { UINT64_MAX - 0xfff, 0x1000, EMBER_MEM_FRAMEBUFFER, 0 };
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 1ULL << 52); /* pages * 4 KiB overflows */
    assert_int_equal(normalize_extra(&m, NULL, 0, &count), MEMMAP_ERR_RANGE_WRAPS);
    raw_init(&m, 48);
    raw_add(&m, UEFI_RESERVED, 0xfffffffffffff000ULL, 1); /* ends at exactly 2^64 */
    assert_int_equal(normalize_extra(&m, NULL, 0, &count), MEMMAP_ERR_RANGE_WRAPS);
    assert_int_equal(count, 0);
    raw_init(&m, 48);
    assert_int_equal(normalize_extra(&m, &extra, 1, &count), MEMMAP_ERR_RANGE_WRAPS);
    extra.length = 0xfff; /* ends at UINT64_MAX, but rounded up to a page it ends at 2^64 */
    assert_int_equal(normalize_extra(&m, &extra, 1, &count), MEMMAP_ERR_RANGE_WRAPS);
    assert_int_equal(count, 0);
    extra.base = UINT64_MAX - 0x1ffe; /* rounds out to the second-highest page: representable */
    extra.length = 1;
    assert_int_equal(normalize_extra(&m, &extra, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 1);
    expect_entry(0, UINT64_MAX - 0x1fff, 0x1000, EMBER_MEM_FRAMEBUFFER);
}

static void test_memmap_reports_no_space_when_capacity_too_small(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra = { 0x10000, 0x1000, EMBER_MEM_FRAMEBUFFER, 0 };
    size_t count;
    (void)state;
    raw_init(&m, 40);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 1);
    raw_add(&m, UEFI_RESERVED, 0x3000, 1);
    assert_int_equal(memmap_normalize(raw_data(&m), m.size, 40, &extra, 1, out, 8, &count),
                     MEMMAP_ERR_NO_SPACE);
    assert_int_equal(count, 0);
    assert_int_equal(memmap_normalize(raw_data(&m), m.size, 40, &extra, 1, out, 9, &count),
                     MEMMAP_OK);
    assert_int_equal(count, 3);
    assert_int_equal(memmap_normalize(raw_data(&m), UINT64_MAX - 7, 40, NULL, 0, out, OUT_CAP,
                                      &count),
                     MEMMAP_ERR_NO_SPACE);
}

static void test_memmap_empty_map_gives_no_entries(void **state)
{
    size_t count = 5;
    (void)state;
    assert_int_equal(memmap_normalize(NULL, 0, 48, NULL, 0, out, 0, &count), MEMMAP_OK);
    assert_int_equal(count, 0);
    assert_int_equal(memmap_highest_address(NULL, 0, 48), 0);
}

static const struct { uint32_t type; uint64_t base, pages; } ovmf_map[] = {
    { UEFI_BOOT_SERVICES_DATA, 0x0, 1 },
    { UEFI_CONVENTIONAL, 0x1000, 0x9f },
    { UEFI_CONVENTIONAL, 0x100000, 0x700 },
    { UEFI_ACPI_NVS, 0x800000, 8 },
    { UEFI_CONVENTIONAL, 0x808000, 3 },
    { UEFI_ACPI_NVS, 0x80b000, 1 },
    { UEFI_CONVENTIONAL, 0x80c000, 4 },
    { UEFI_ACPI_NVS, 0x810000, 0xf0 },
    { UEFI_BOOT_SERVICES_DATA, 0x900000, 0x100 },
    { UEFI_CONVENTIONAL, 0xa00000, 0x2000 },
    { UEFI_LOADER_CODE, 0x2a00000, 0x20 },
    { EMBER_UEFI_TYPE_KERNEL, 0x2a20000, 0x100 },
    { EMBER_UEFI_TYPE_PAGE_TABLES, 0x2b20000, 0x10 },
    { UEFI_CONVENTIONAL, 0x2b30000, 0x4cd0 },
    { UEFI_BOOT_SERVICES_CODE, 0x7800000, 0x200 },
    { UEFI_BOOT_SERVICES_DATA, 0x7a00000, 0x200 }, /* merges with the code before it */
    { UEFI_RUNTIME_SERVICES_DATA, 0x7c00000, 0x80 },
    { UEFI_RUNTIME_SERVICES_CODE, 0x7c80000, 0x80 },
    { UEFI_RESERVED, 0x7d00000, 0x100 },
    { UEFI_ACPI_RECLAIM, 0x7e00000, 0x10 },
    { UEFI_BOOT_SERVICES_DATA, 0x7e10000, 0x1f0 },
    { UEFI_MMIO, 0xffc00000, 0x400 },
    { UEFI_RESERVED, 0xfd00000000ULL, 0x300000 },
};

static void test_memmap_normalizes_ovmf_like_map(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry fb = { 0x80000000, 0x1d4c00, EMBER_MEM_FRAMEBUFFER, 0 };
    size_t i, count;
    (void)state;
    raw_init(&m, 48);
    for (i = 0; i < sizeof ovmf_map / sizeof ovmf_map[0]; i++)
        raw_add(&m, ovmf_map[i].type, ovmf_map[i].base, ovmf_map[i].pages);
    assert_int_equal(normalize_extra(&m, &fb, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 23);
    expect_entry(0, 0x0, 0x1000, EMBER_MEM_BOOTLOADER_RECLAIMABLE);
    expect_entry(1, 0x1000, 0x9f000, EMBER_MEM_USABLE);
    expect_entry(2, 0x100000, 0x700000, EMBER_MEM_USABLE);
    expect_entry(11, 0x2a20000, 0x100000, EMBER_MEM_KERNEL);
    expect_entry(12, 0x2b20000, 0x10000, EMBER_MEM_PAGE_TABLES);
    expect_entry(14, 0x7800000, 0x400000, EMBER_MEM_BOOTLOADER_RECLAIMABLE);
    expect_entry(15, 0x7c00000, 0x80000, EMBER_MEM_EFI_RUNTIME_DATA);
    expect_entry(20, 0x80000000, 0x1d5000, EMBER_MEM_FRAMEBUFFER);
    expect_entry(21, 0xffc00000, 0x400000, EMBER_MEM_MMIO);
    expect_entry(22, 0xfd00000000ULL, 0x300000000ULL, EMBER_MEM_RESERVED);
    expect_page_aligned(count);
    for (i = 1; i < count; i++) {
        assert_true(out[i - 1].base + out[i - 1].length <= out[i].base);
        assert_false(out[i - 1].base + out[i - 1].length == out[i].base
                     && out[i - 1].type == out[i].type);
    }
    assert_int_equal(memmap_highest_address(raw_data(&m), m.size, 48), 0x10000000000ULL);
}

static void test_memmap_highest_address_skips_empty_and_wrapping(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 56);
    m.offset = 1;
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 0x10);
    raw_add(&m, UEFI_MMIO, 0xfee00000, 1);
    raw_add(&m, UEFI_RESERVED, 0x100000000ULL, 0);
    raw_add(&m, UEFI_RESERVED, 0xfffffffffffff000ULL, 1);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);
    assert_int_equal(memmap_highest_address(raw_data(&m), m.size, 56), 0xfee01000);
    assert_int_equal(memmap_highest_address(raw_data(&m), 56 * 2 - 1, 56), 0x11000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memmap_sorts_unsorted_input),
        cmocka_unit_test(test_memmap_merges_adjacent_ranges_of_same_type),
        cmocka_unit_test(test_memmap_keeps_adjacent_different_types_apart),
        cmocka_unit_test(test_memmap_reserved_inside_usable_splits_it_in_three),
        cmocka_unit_test(test_memmap_partial_overlap_goes_to_the_stronger_type),
        cmocka_unit_test(test_memmap_fully_contained_weaker_range_disappears),
        cmocka_unit_test(test_memmap_identical_duplicates_collapse),
        cmocka_unit_test(test_memmap_preserves_gaps),
        cmocka_unit_test(test_memmap_drops_zero_length_ranges),
        cmocka_unit_test(test_memmap_overlays_framebuffer_extra),
        cmocka_unit_test(test_memmap_honours_desc_size_stride),
        cmocka_unit_test(test_memmap_rejects_bad_desc_size),
        cmocka_unit_test(test_memmap_ignores_trailing_partial_descriptor),
        cmocka_unit_test(test_memmap_rejects_wrapping_range),
        cmocka_unit_test(test_memmap_reports_no_space_when_capacity_too_small),
        cmocka_unit_test(test_memmap_empty_map_gives_no_entries),
        cmocka_unit_test(test_memmap_normalizes_ovmf_like_map),
        cmocka_unit_test(test_memmap_highest_address_skips_empty_and_wrapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
