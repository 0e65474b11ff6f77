/* Host tests that normalising widens every range to whole 4 KiB pages (src/core/memmap.c). */
#include "memmap_fixtures.h"

static void test_memmap_unaligned_framebuffer_inside_usable_leaves_page_aligned_neighbours(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry fb = { 0x40800, 0x1d4c00, EMBER_MEM_FRAMEBUFFER, 0 }; /* ends 0x215400 */
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x0, 0x1000); /* 16 MiB */
    assert_int_equal(normalize_extra(&m, &fb, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 3);
    expect_entry(0, 0x0, 0x40000, EMBER_MEM_USABLE);
    expect_entry(1, 0x40000, 0x1d6000, EMBER_MEM_FRAMEBUFFER);
    expect_entry(2, 0x216000, 0x1000000 - 0x216000, EMBER_MEM_USABLE);
    expect_page_aligned(count);
}

/* A framebuffer ending inside the last page of a usable range takes that page and stops at the
 * range's end: the reserved range after it keeps all its pages. */
static void test_memmap_unaligned_framebuffer_at_end_of_range_rounds_up_to_the_range_end(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry fb = { 0x1c0000, 0x3fff1, EMBER_MEM_FRAMEBUFFER, 0 }; /* ends 0x1ffff1 */
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);
    raw_add(&m, UEFI_RESERVED, 0x200000, 1);
    assert_int_equal(normalize_extra(&m, &fb, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 3);
    expect_entry(0, 0x100000, 0xc0000, EMBER_MEM_USABLE);
    expect_entry(1, 0x1c0000, 0x40000, EMBER_MEM_FRAMEBUFFER);
    expect_entry(2, 0x200000, 0x1000, EMBER_MEM_RESERVED);
}

/* Straddling the boundary between two descriptors, the framebuffer takes the whole page on each
 * side of it; both neighbours shrink to page-aligned remainders. */
static void test_memmap_unaligned_framebuffer_straddling_two_descriptors_takes_whole_pages(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry fb = { 0x1ff800, 0x1000, EMBER_MEM_FRAMEBUFFER, 0 }; /* 0x1ff800..0x200800 */
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);
    raw_add(&m, UEFI_BOOT_SERVICES_DATA, 0x200000, 0x100);
    assert_int_equal(normalize_extra(&m, &fb, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 3);
    expect_entry(0, 0x100000, 0xff000, EMBER_MEM_USABLE);
    expect_entry(1, 0x1ff000, 0x2000, EMBER_MEM_FRAMEBUFFER);
    expect_entry(2, 0x201000, 0xff000, EMBER_MEM_BOOTLOADER_RECLAIMABLE);
}

static void test_memmap_one_byte_extra_range_becomes_a_whole_page(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra[] = {
        { 0x12fff, 1, EMBER_MEM_RESERVED, 0 },         /* last byte of a page inside usable */
        { 0x80000123, 1, EMBER_MEM_FRAMEBUFFER, 0 },  /* in a gap */
    };
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x10000, 0x10);
    assert_int_equal(normalize_extra(&m, extra, 2, &count), MEMMAP_OK);
    assert_int_equal(count, 4);
    expect_entry(0, 0x10000, 0x2000, EMBER_MEM_USABLE);
    expect_entry(1, 0x12000, 0x1000, EMBER_MEM_RESERVED);
    expect_entry(2, 0x13000, 0xd000, EMBER_MEM_USABLE);
    expect_entry(3, 0x80000000, 0x1000, EMBER_MEM_FRAMEBUFFER);
}

/* UEFI promises page-aligned descriptors; one that is not is widened like an extra range. */
static void test_memmap_unaligned_raw_descriptor_is_widened_outward(void **state)
{
    struct raw_map m;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1800, 1); /* 0x1800..0x2800 */
    raw_add(&m, UEFI_ACPI_NVS, 0x5010, 2);     /* 0x5010..0x7010 */
    assert_int_equal(normalize_ok(&m), 2);
    expect_entry(0, 0x1000, 0x2000, EMBER_MEM_USABLE);
    expect_entry(1, 0x5000, 0x3000, EMBER_MEM_ACPI_NVS);
}

/* Two extras whose bytes do not overlap but whose pages do: the shared page goes to the stronger. */
static void test_memmap_extras_sharing_a_page_resolve_by_precedence(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra[] = {
        { 0x10000, 0x800, EMBER_MEM_MMIO, 0 },            /* 0x10000..0x10800 */
        { 0x10800, 0x1800, EMBER_MEM_FRAMEBUFFER, 0 },    /* 0x10800..0x12000 */
    };
    size_t count;
    (void)state;
    raw_init(&m, 48);
    assert_int_equal(normalize_extra(&m, extra, 2, &count), MEMMAP_OK);
    assert_int_equal(count, 2);
    expect_entry(0, 0x10000, 0x1000, EMBER_MEM_MMIO);
    expect_entry(1, 0x11000, 0x1000, EMBER_MEM_FRAMEBUFFER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memmap_unaligned_framebuffer_inside_usable_leaves_page_aligned_neighbours),
        cmocka_unit_test(test_memmap_unaligned_framebuffer_at_end_of_range_rounds_up_to_the_range_end),
        cmocka_unit_test(test_memmap_unaligned_framebuffer_straddling_two_descriptors_takes_whole_pages),
        cmocka_unit_test(test_memmap_one_byte_extra_range_becomes_a_whole_page),
        cmocka_unit_test(test_memmap_unaligned_raw_descriptor_is_widened_outward),
        cmocka_unit_test(test_memmap_extras_sharing_a_page_resolve_by_precedence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
