/* Host tests of memory type mapping, precedence and names (src/core/memmap.c). */
#include "memmap_fixtures.h"

/* Highest precedence first, as the boot protocol documents it. */
static const uint32_t precedence_high_first[] = {
    EMBER_MEM_BAD, EMBER_MEM_RESERVED, EMBER_MEM_ACPI_NVS, EMBER_MEM_MMIO, EMBER_MEM_FRAMEBUFFER,
    EMBER_MEM_EFI_RUNTIME_CODE, EMBER_MEM_EFI_RUNTIME_DATA, EMBER_MEM_ACPI_RECLAIMABLE,
    EMBER_MEM_PAGE_TABLES, EMBER_MEM_KERNEL, EMBER_MEM_MODULES, EMBER_MEM_BOOTLOADER_RECLAIMABLE,
    EMBER_MEM_USABLE,
};

static void test_memmap_overlap_follows_documented_precedence(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra[2];
    size_t i, j, n = sizeof precedence_high_first / sizeof precedence_high_first[0], count;
    (void)state;
    raw_init(&m, 48);
    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            extra[0] = (struct ember_memmap_entry){ 0x1000, 0x3000, precedence_high_first[j], 0 };
            extra[1] = (struct ember_memmap_entry){ 0x2000, 0x1000, precedence_high_first[i], 0 };
            assert_int_equal(normalize_extra(&m, extra, 2, &count), MEMMAP_OK);
            assert_int_equal(count, 3);
            expect_entry(1, 0x2000, 0x1000, precedence_high_first[i]);
            extra[0].type = precedence_high_first[i];
            extra[1].type = precedence_high_first[j];
            assert_int_equal(normalize_extra(&m, extra, 2, &count), MEMMAP_OK);
            assert_int_equal(count, 1);
            expect_entry(0, 0x1000, 0x3000, precedence_high_first[i]);
        }
    }
}

static void test_memmap_maps_every_uefi_type(void **state)
{
    static const struct { uint32_t uefi, ember; } cases[] = {
        { UEFI_RESERVED, EMBER_MEM_RESERVED },
        { UEFI_LOADER_CODE, EMBER_MEM_BOOTLOADER_RECLAIMABLE },
        { UEFI_LOADER_DATA, EMBER_MEM_BOOTLOADER_RECLAIMABLE },
        { UEFI_BOOT_SERVICES_CODE, EMBER_MEM_BOOTLOADER_RECLAIMABLE },
        { UEFI_BOOT_SERVICES_DATA, EMBER_MEM_BOOTLOADER_RECLAIMABLE },
        { UEFI_RUNTIME_SERVICES_CODE, EMBER_MEM_EFI_RUNTIME_CODE },
        { UEFI_RUNTIME_SERVICES_DATA, EMBER_MEM_EFI_RUNTIME_DATA },
        { UEFI_CONVENTIONAL, EMBER_MEM_USABLE },
        { UEFI_UNUSABLE, EMBER_MEM_BAD },
        { UEFI_ACPI_RECLAIM, EMBER_MEM_ACPI_RECLAIMABLE },
        { UEFI_ACPI_NVS, EMBER_MEM_ACPI_NVS },
        { UEFI_MMIO, EMBER_MEM_MMIO },
        { UEFI_MMIO_PORT_SPACE, EMBER_MEM_MMIO },
        { UEFI_PAL_CODE, EMBER_MEM_RESERVED },
        { UEFI_PERSISTENT, EMBER_MEM_RESERVED },
        { UEFI_UNACCEPTED, EMBER_MEM_RESERVED },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(memmap_type_from_uefi(cases[i].uefi), cases[i].ember);
}

static void test_memmap_maps_ember_os_types_and_unknown_types(void **state)
{
    struct raw_map m;
    (void)state;
    assert_int_equal(memmap_type_from_uefi(EMBER_UEFI_TYPE_KERNEL), EMBER_MEM_KERNEL);
    assert_int_equal(memmap_type_from_uefi(EMBER_UEFI_TYPE_PAGE_TABLES), EMBER_MEM_PAGE_TABLES);
    assert_int_equal(memmap_type_from_uefi(EMBER_UEFI_TYPE_MODULES), EMBER_MEM_MODULES);
    assert_int_equal(memmap_type_from_uefi(EMBER_UEFI_TYPE_RECLAIMABLE),
                     EMBER_MEM_BOOTLOADER_RECLAIMABLE);
    assert_int_equal(memmap_type_from_uefi(16), EMBER_MEM_RESERVED);
    assert_int_equal(memmap_type_from_uefi(0x70000000u), EMBER_MEM_RESERVED); /* OEM */
    assert_int_equal(memmap_type_from_uefi(0x80000004u), EMBER_MEM_RESERVED); /* other OS type */
    assert_int_equal(memmap_type_from_uefi(0xffffffffu), EMBER_MEM_RESERVED);

    raw_init(&m, 48);
    raw_add(&m, EMBER_UEFI_TYPE_KERNEL, 0x200000, 0x10);
    raw_add(&m, EMBER_UEFI_TYPE_MODULES, 0x210000, 0x10);
    raw_add(&m, 0x80001234u, 0x220000, 0x10);
    assert_int_equal(normalize_ok(&m), 3);
    expect_entry(0, 0x200000, 0x10000, EMBER_MEM_KERNEL);
    expect_entry(1, 0x210000, 0x10000, EMBER_MEM_MODULES);
    expect_entry(2, 0x220000, 0x10000, EMBER_MEM_RESERVED);
}

static void test_memmap_unknown_extra_type_counts_as_reserved(void **state)
{
    struct raw_map m;
    struct ember_memmap_entry extra = { 0x2000, 0x1000, 99, 0 };
    size_t count;
    (void)state;
    raw_init(&m, 48);
    raw_add(&m, UEFI_CONVENTIONAL, 0x1000, 3);
    assert_int_equal(normalize_extra(&m, &extra, 1, &count), MEMMAP_OK);
    assert_int_equal(count, 3);
    expect_entry(1, 0x2000, 0x1000, EMBER_MEM_RESERVED);
}

static void test_memmap_names_every_type(void **state)
{
    (void)state;
    assert_string_equal(memmap_type_name(EMBER_MEM_USABLE), "usable");
    assert_string_equal(memmap_type_name(EMBER_MEM_BOOTLOADER_RECLAIMABLE),
                        "bootloader-reclaimable");
    assert_string_equal(memmap_type_name(EMBER_MEM_KERNEL), "kernel");
    assert_string_equal(memmap_type_name(EMBER_MEM_MODULES), "modules");
    assert_string_equal(memmap_type_name(EMBER_MEM_PAGE_TABLES), "page-tables");
    assert_string_equal(memmap_type_name(EMBER_MEM_ACPI_RECLAIMABLE), "acpi-reclaimable");
    assert_string_equal(memmap_type_name(EMBER_MEM_ACPI_NVS), "acpi-nvs");
    assert_string_equal(memmap_type_name(EMBER_MEM_RESERVED), "reserved");
    assert_string_equal(memmap_type_name(EMBER_MEM_MMIO), "mmio");
    assert_string_equal(memmap_type_name(EMBER_MEM_FRAMEBUFFER), "framebuffer");
    assert_string_equal(memmap_type_name(EMBER_MEM_BAD), "bad");
    assert_string_equal(memmap_type_name(EMBER_MEM_EFI_RUNTIME_CODE), "efi-runtime-code");
    assert_string_equal(memmap_type_name(EMBER_MEM_EFI_RUNTIME_DATA), "efi-runtime-data");
    assert_string_equal(memmap_type_name(0), "unknown");
    assert_string_equal(memmap_type_name(14), "unknown");
    assert_string_equal(memmap_type_name(0xffffffffu), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memmap_overlap_follows_documented_precedence),
        cmocka_unit_test(test_memmap_maps_every_uefi_type),
        cmocka_unit_test(test_memmap_maps_ember_os_types_and_unknown_types),
        cmocka_unit_test(test_memmap_unknown_extra_type_counts_as_reserved),
        cmocka_unit_test(test_memmap_names_every_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
