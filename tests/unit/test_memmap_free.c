/* Host tests of memmap_range_is_free (can a lower-half kernel segment sit at paddr == vaddr?) and
 * memmap_range_free_at_exit (is a Multiboot kernel's range free once boot services are gone?). */
#include "memmap_fixtures.h"

static bool is_free(const struct raw_map *m, uint64_t base, uint64_t size, uint64_t *at, uint32_t *type)
{
    return memmap_range_is_free(raw_data(m), m->size, m->desc_size, base, size, at, type);
}

static void test_memmap_free_accepts_range_inside_one_conventional_descriptor(void **state)
{
    struct raw_map m;
    uint64_t at;
    uint32_t type;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x700); /* [1 MiB, 8 MiB) */
    assert_true(is_free(&m, 0x400000, 0x5000, &at, &type));
    assert_true(is_free(&m, 0x100000, 0x700000, &at, &type)); /* exactly the whole descriptor */
}

static void test_memmap_free_accepts_range_across_adjacent_conventional_descriptors(void **state)
{
    struct raw_map m;
    uint64_t at;
    uint32_t type;
    (void)state;
    raw_init(&m, 40);
    raw_add(&m, UEFI_CONVENTIONAL, 0x200000, 0x100); /* listed out of order on purpose */
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);
    assert_true(is_free(&m, 0x1FF000, 0x2000, &at, &type));
}

static void test_memmap_free_names_first_busy_address_and_its_type(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    uint32_t type = 0;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1FE00000, 5);          /* [..., 0x1FE05000) free */
    raw_add(&m, UEFI_BOOT_SERVICES_DATA, 0x1FE05000, 0x10); /* busy from 0x1FE05000 */
    assert_false(is_free(&m, 0x1FE03000, 0x5000, &at, &type));
    assert_int_equal(at, 0x1FE05000);
    assert_int_equal(type, UEFI_BOOT_SERVICES_DATA);
    assert_string_equal(memmap_uefi_type_name(type), "EfiBootServicesData");
}

static void test_memmap_free_reports_hole_without_descriptor(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    uint32_t type = 0;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100); /* [1 MiB, 2 MiB) */
    raw_add(&m, UEFI_CONVENTIONAL, 0x300000, 0x100); /* hole at [2 MiB, 3 MiB) */
    assert_false(is_free(&m, 0x1FF000, 0x3000, &at, &type));
    assert_int_equal(at, 0x200000);
    assert_int_equal(type, MEMMAP_NO_DESCRIPTOR);
    assert_false(is_free(&m, 0x400000000000ULL, 0x1000, &at, &type)); /* far beyond RAM */
    assert_int_equal(type, MEMMAP_NO_DESCRIPTOR);
    assert_non_null(strstr(memmap_uefi_type_name(type), "no memory"));
}

static void test_memmap_free_refuses_ember_own_allocations_and_bad_input(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    uint32_t type = 0;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, EMBER_UEFI_TYPE_PAGE_TABLES, 0x100000, 0x10);
    assert_false(is_free(&m, 0x100000, 0x1000, &at, &type));
    assert_int_equal(type, EMBER_UEFI_TYPE_PAGE_TABLES);
    assert_string_equal(memmap_uefi_type_name(type), "ember page-table");
    assert_false(is_free(&m, 0xFFFFFFFFFFFFF000ULL, 0x2000, &at, &type)); /* wraps */
    assert_false(memmap_range_is_free(raw_data(&m), m.size, 39, 0x100000, 0x1000, &at, &type));
    assert_string_equal(memmap_uefi_type_name(0x70000000u), "unknown-type");
}

static void test_memmap_free_at_exit_takes_boot_services_memory(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    uint32_t type = 0;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x10);
    raw_add(&m, UEFI_BOOT_SERVICES_DATA, 0x110000, 0x10);
    raw_add(&m, UEFI_BOOT_SERVICES_CODE, 0x120000, 0x10);
    raw_add(&m, UEFI_LOADER_DATA, 0x130000, 0x10);       /* a loader's (ember's own): never */
    raw_add(&m, UEFI_RUNTIME_SERVICES_DATA, 0x140000, 0x10);
    assert_false(is_free(&m, 0x100000, 0x30000, &at, &type));
    assert_true(memmap_range_free_at_exit(raw_data(&m), m.size, m.desc_size, 0x100000, 0x30000, &at, &type));
    assert_false(memmap_range_free_at_exit(raw_data(&m), m.size, m.desc_size, 0x118000, 0x20000, &at, &type));
    assert_int_equal(at, 0x130000);
    assert_int_equal(type, UEFI_LOADER_DATA);
    assert_false(memmap_range_free_at_exit(raw_data(&m), m.size, m.desc_size, 0x140000, 0x1000, &at, &type));
    assert_int_equal(type, UEFI_RUNTIME_SERVICES_DATA);
    assert_false(memmap_range_free_at_exit(raw_data(&m), m.size, m.desc_size, 0x150000, 0x1000, &at, &type));
    assert_int_equal(type, MEMMAP_NO_DESCRIPTOR);
}

/* A relocatable Multiboot kernel's new place: inside [lo, hi), aligned, lowest or highest. */
static void test_memmap_find_free_within_bounds(void **state)
{
    struct raw_map m;
    uint64_t at = 0;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x100000, 0x100);      /* [1 MiB, 2 MiB) */
    raw_add(&m, UEFI_BOOT_SERVICES_DATA, 0x200000, 0x100);
    raw_add(&m, UEFI_CONVENTIONAL, 0x300000, 0x500);      /* [3 MiB, 8 MiB) */
    assert_true(memmap_find_free_within(raw_data(&m), m.size, m.desc_size, 0x3000, 0x1000, 0, 1ULL << 32, true, &at));
    assert_int_equal(at, 0x100000);
    assert_true(memmap_find_free_within(raw_data(&m), m.size, m.desc_size, 0x3000, 0x1000, 0, 1ULL << 32, false, &at));
    assert_int_equal(at, 0x7fd000);
    assert_true(memmap_find_free_within(raw_data(&m), m.size, m.desc_size, 0x3000, 0x200000, 0x180000, 0x700000, true,
                                        &at));
    assert_int_equal(at, 0x400000); /* 2 MiB-aligned, above lo, in free memory */
    assert_false(memmap_find_free_within(raw_data(&m), m.size, m.desc_size, 0x200000, 0x1000, 0x100000, 0x200000,
                                         true, &at)); /* 2 MiB does not fit a 1 MiB hole */
    assert_false(memmap_find_free_within(raw_data(&m), m.size, m.desc_size, 0x1000, 0x3000, 0, 1ULL << 32, true,
                                         &at)); /* not a power of two */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memmap_free_accepts_range_inside_one_conventional_descriptor),
        cmocka_unit_test(test_memmap_free_accepts_range_across_adjacent_conventional_descriptors),
        cmocka_unit_test(test_memmap_free_names_first_busy_address_and_its_type),
        cmocka_unit_test(test_memmap_free_reports_hole_without_descriptor),
        cmocka_unit_test(test_memmap_free_refuses_ember_own_allocations_and_bad_input),
        cmocka_unit_test(test_memmap_free_at_exit_takes_boot_services_memory),
        cmocka_unit_test(test_memmap_find_free_within_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
