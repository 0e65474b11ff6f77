/* Host tests of memmap_find_free: placing a segment so that 2 MiB pages fit, from the UEFI map. */
#include "memmap_fixtures.h"

#define MIB2 0x200000ULL

static bool find(const struct raw_map *m, uint64_t size, uint64_t align, uint64_t offset, uint64_t *at)
{
    return memmap_find_free(raw_data(m), m->size, m->desc_size, size, align, offset, at);
}

static void test_memmap_find_picks_highest_congruent_address_in_conventional_memory(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x700);      /* [1 MiB, 8 MiB) */
    raw_add(&m, UEFI_BOOT_SERVICES_DATA, 0x800000, 0x800); /* not free */
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000000, 0x1000);     /* [16 MiB, 32 MiB) */
    assert_true(find(&m, 4 * 0x100000, MIB2, 0x102000, &at));
    /* highest A <= 28 MiB with A == 0x102000 (mod 2 MiB) */
    assert_int_equal(at, 0x1B02000);
    assert_int_equal(at % MIB2, 0x102000 % MIB2);
    assert_true(at + 4 * 0x100000 <= 0x2000000);
}

static void test_memmap_find_skips_ranges_too_small_after_alignment(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    (void)state;
    raw_init(&m, 40);
    raw_add(&m, UEFI_CONVENTIONAL, 0x201000, 0x200); /* 2 MiB long but not 2 MiB aligned */
    assert_false(find(&m, MIB2, MIB2, 0, &at));
    assert_true(find(&m, MIB2 - 0x1000, MIB2, 0x1000, &at));
    assert_int_equal(at, 0x201000);
    assert_true(find(&m, 0x1000, 0x1000, 0, &at));
    assert_int_equal(at, 0x400000);
}

static void test_memmap_find_ignores_other_types_and_bad_input(void **state)
{
    struct raw_map m;
    uint64_t at = 7;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_LOADER_DATA, 0x100000, 0x1000);
    raw_add(&m, EMBER_UEFI_TYPE_KERNEL, 0x2000000, 0x1000);
    assert_false(find(&m, 0x1000, 0x1000, 0, &at));
    raw_add(&m, UEFI_CONVENTIONAL, 0xFFFFFFFFFFFFF000ULL, 2); /* wraps: skipped */
    assert_false(find(&m, 0x1000, 0x1000, 0, &at));
    raw_add(&m, UEFI_CONVENTIONAL, 0x3000000, 1);
    assert_false(find(&m, 0, 0x1000, 0, &at));           /* zero size */
    assert_false(find(&m, 0x1000, 0x3000, 0, &at));      /* align not a power of two */
    assert_false(memmap_find_free(raw_data(&m), m.size, 39, 0x1000, 0x1000, 0, &at));
    assert_true(find(&m, 0x1000, 0x1000, 0, &at));
    assert_int_equal(at, 0x3000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memmap_find_picks_highest_congruent_address_in_conventional_memory),
        cmocka_unit_test(test_memmap_find_skips_ranges_too_small_after_alignment),
        cmocka_unit_test(test_memmap_find_ignores_other_types_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
