/* Host tests of the Multiboot information structures (src/core/mbinfo.c), read back at the offsets
 * the specs give: Multiboot 2 (2.0, 3.6) tags and Multiboot 1 (0.6.96, 3.3) fields; the memory
 * types and basic memory from an ember memory map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mbinfo.h"
#include "core/mbload.h"

#define PHYS 0x10000u
static uint8_t buf[4096];
static const struct ember_memmap_entry map[] = {
    { 0x0, 0x9f000, EMBER_MEM_USABLE, 0 },
    { 0x9f000, 0x61000, EMBER_MEM_RESERVED, 0 },
    { 0x100000, 0x8000, EMBER_MEM_KERNEL, 0 },          /* the kernel at 1 MiB: RAM, not available */
    { 0x108000, 0x700000, EMBER_MEM_USABLE, 0 },
    { 0x808000, 0x8000, EMBER_MEM_ACPI_NVS, 0 },         /* the first hole above 1 MiB */
    { 0x810000, 0x1000000, EMBER_MEM_BOOTLOADER_RECLAIMABLE, 0 },
    { 0x1810000, 0x10000, EMBER_MEM_ACPI_RECLAIMABLE, 0 },
    { 0x1820000, 0x1000, EMBER_MEM_BAD, 0 },
};
#define MAP_COUNT (sizeof map / sizeof map[0])

static uint32_t u32(uint32_t at) { uint32_t v; memcpy(&v, buf + at, 4); return v; }
static uint64_t u64(uint32_t at) { uint64_t v; memcpy(&v, buf + at, 8); return v; }

static void test_mbinfo_types_and_basic_memory(void **state)
{
    uint32_t lower, upper;
    (void)state;
    assert_int_equal(mb_memory_type(EMBER_MEM_USABLE), MB_MEM_AVAILABLE);
    assert_int_equal(mb_memory_type(EMBER_MEM_ACPI_RECLAIMABLE), MB_MEM_ACPI);
    assert_int_equal(mb_memory_type(EMBER_MEM_ACPI_NVS), MB_MEM_NVS);
    assert_int_equal(mb_memory_type(EMBER_MEM_BAD), MB_MEM_BAD);
    assert_int_equal(mb_memory_type(EMBER_MEM_KERNEL), MB_MEM_RESERVED);
    assert_int_equal(mb_memory_type(EMBER_MEM_BOOTLOADER_RECLAIMABLE), MB_MEM_RESERVED);
    mb_basic_memory(map, MAP_COUNT, &lower, &upper);
    assert_int_equal(lower, 0x9f000 / 1024);
    assert_int_equal(upper, (0x808000 - 0x100000) / 1024); /* kernel + usable up to the NVS hole */
}

static void test_mbinfo_mb2_tags_at_their_offsets(void **state)
{
    struct mb_writer w;
    struct mb_module_info m = { 0x200000, 0x201234, "initrd" };
    struct mb_fb fb = { 0xc0000000, 5120, 1280, 800, 32, 16, 8, 8, 8, 0, 8 };
    uint32_t at, size;
    (void)state;

    memset(buf, 0xa5, sizeof buf);
    mb2_begin(&w, buf, PHYS, sizeof buf);
    mb2_string_tag(&w, 1, "console=ttyS0");
    mb2_module_tag(&w, &m);
    mb2_framebuffer_tag(&w, &fb);
    mb2_u32_tag(&w, 21, 0x100000);
    mb2_memory_map_tag(&w, map, MAP_COUNT);
    size = mb2_finish(&w);
    assert_int_equal(size, u32(0));
    assert_int_equal(u32(4), 0);
    at = 8; /* command line */
    assert_int_equal(u32(at), 1);
    assert_int_equal(u32(at + 4), 8 + 14);
    assert_string_equal((const char *)buf + at + 8, "console=ttyS0");
    at += (u32(at + 4) + 7) & ~7u; /* module */
    assert_int_equal(u32(at), 3);
    assert_int_equal(u32(at + 8), 0x200000);
    assert_int_equal(u32(at + 12), 0x201234);
    assert_string_equal((const char *)buf + at + 16, "initrd");
    at += (u32(at + 4) + 7) & ~7u; /* framebuffer: common part, then the RGB fields */
    assert_int_equal(u32(at), 8);
    assert_int_equal(u64(at + 8), 0xc0000000);
    assert_int_equal(u32(at + 16), 5120);
    assert_int_equal(u32(at + 20), 1280);
    assert_int_equal(u32(at + 24), 800);
    assert_int_equal(buf[at + 28], 32);
    assert_int_equal(buf[at + 29], 1);
    assert_int_equal(buf[at + 32], 16);
    assert_int_equal(buf[at + 33], 8);
    assert_int_equal(buf[at + 36], 0);
    at += (u32(at + 4) + 7) & ~7u; /* load base */
    assert_int_equal(u32(at), 21);
    assert_int_equal(u32(at + 4), 12);
    assert_int_equal(u32(at + 8), 0x100000);
    at += (u32(at + 4) + 7) & ~7u; /* memory map */
    assert_int_equal(u32(at), 6);
    assert_int_equal(u32(at + 4), 16 + 24 * MAP_COUNT);
    assert_int_equal(u32(at + 8), 24);
    assert_int_equal(u32(at + 12), 0);
    assert_int_equal(u64(at + 16 + 24 * 2), 0x100000);
    assert_int_equal(u32(at + 16 + 24 * 2 + 16), MB_MEM_RESERVED);
    assert_int_equal(u32(at + 16 + 24 * 3 + 16), MB_MEM_AVAILABLE);
    at += (u32(at + 4) + 7) & ~7u; /* end */
    assert_int_equal(u32(at), 0);
    assert_int_equal(u32(at + 4), 8);
    assert_int_equal(at + 8, size);
    assert_true(mb2_memory_map_bytes(MAP_COUNT) >= 16 + 24 * MAP_COUNT);
    mb2_begin(&w, buf, PHYS, 64); /* too small: no structure */
    mb2_memory_map_tag(&w, map, MAP_COUNT);
    assert_int_equal(mb2_finish(&w), 0);
}

/* Tags 13 and 17: SMBIOS version then the entry point copy after six reserved bytes; the EFI map's
 * descriptor size and version, then the descriptors as they were. */
static void test_mbinfo_mb2_smbios_and_efi_map(void **state)
{
    struct mb_writer w;
    const uint8_t ep[24] = "_SM3_";
    uint8_t efi[96];
    uint32_t size;
    (void)state;

    for (unsigned i = 0; i < sizeof efi; i++)
        efi[i] = (uint8_t)i;
    memset(buf, 0xa5, sizeof buf);
    mb2_begin(&w, buf, PHYS, sizeof buf);
    mb2_smbios_tag(&w, 3, 2, ep, sizeof ep);
    mb2_efi_map_tag(&w, 48, 1, efi, sizeof efi);
    size = mb2_finish(&w);
    assert_int_equal(u32(8), 13);
    assert_int_equal(u32(12), 16 + 24);
    assert_int_equal(buf[16], 3);
    assert_int_equal(buf[17], 2);
    assert_memory_equal(buf + 24, "_SM3_", 5);
    assert_int_equal(u32(48), 17);
    assert_int_equal(u32(52), 16 + 96);
    assert_int_equal(u32(56), 48);
    assert_int_equal(u32(60), 1);
    assert_memory_equal(buf + 64, efi, sizeof efi);
    assert_int_equal(size, 64 + 96 + 8);
}

static void test_mbinfo_mb1_fields(void **state)
{
    struct mb_writer w;
    struct mb_module_info mods[2] = { { 0x200000, 0x201000, "a" }, { 0x202000, 0x202010, "bee" } };
    uint32_t list, mmap;
    (void)state;

    memset(buf, 0xa5, sizeof buf);
    mb1_begin(&w, buf, PHYS, sizeof buf);
    mb1_set_string(&w, MB1_INFO_CMDLINE, "k arg");
    mb1_set_string(&w, MB1_INFO_LOADER_NAME, "ember");
    mb1_set_modules(&w, mods, 2);
    mb1_set_memory(&w, 636, 7000);
    mb1_set_memory_map(&w, map, MAP_COUNT);
    assert_false(w.overflow);
    assert_int_equal(u32(0), MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME);
    assert_int_equal(u32(4), 636);
    assert_int_equal(u32(8), 7000);
    assert_string_equal((const char *)buf + u32(16) - PHYS, "k arg");
    assert_string_equal((const char *)buf + u32(64) - PHYS, "ember");
    assert_int_equal(u32(20), 2);
    list = u32(24) - PHYS;
    assert_int_equal(u32(list + 16), 0x202000);
    assert_int_equal(u32(list + 20), 0x202010);
    assert_string_equal((const char *)buf + u32(list + 24) - PHYS, "bee");
    assert_int_equal(u32(44), 24 * MAP_COUNT);
    mmap = u32(48) - PHYS;
    assert_int_equal(u32(mmap), 20);                 /* size, without itself */
    assert_int_equal(u64(mmap + 24 + 4), 0x9f000);   /* the second entry's base_addr */
    assert_int_equal(u32(mmap + 24 + 20), MB_MEM_RESERVED);
}

/* A kernel moved into boot-services memory after ExitBootServices: the map calls its pages the
 * kernel's, splitting the usable entries around them. */
static void test_mbinfo_held_ranges_split_the_map(void **state)
{
    const struct mb_pages held[2] = { { 0x110000, 2 }, { 0x120000, 0x10 } };
    struct ember_memmap_entry out[16];
    size_t n;
    (void)state;

    n = mb_hold_ranges(map, MAP_COUNT, held, 2, out, 16);
    assert_int_equal(n, MAP_COUNT + 4);
    assert_int_equal(out[3].base, 0x108000);      /* the usable entry from 0x108000, cut at 0x110000 */
    assert_int_equal(out[3].length, 0x8000);
    assert_int_equal(out[4].type, EMBER_MEM_KERNEL);
    assert_int_equal(out[4].base, 0x110000);
    assert_int_equal(out[4].length, 0x2000);
    assert_int_equal(out[5].type, EMBER_MEM_USABLE);
    assert_int_equal(out[6].base, 0x120000);
    assert_int_equal(out[6].length, 0x10000);
    assert_int_equal(out[7].base, 0x130000);
    assert_int_equal(out[7].base + out[7].length, 0x808000);
    for (size_t i = 1; i < n; i++)
        assert_int_equal(out[i - 1].base + out[i - 1].length, out[i].base > out[i - 1].base ? out[i].base : 0);
    assert_int_equal(mb_hold_ranges(map, MAP_COUNT, held, 2, out, MAP_COUNT + 3), 0); /* too small */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbinfo_types_and_basic_memory),
        cmocka_unit_test(test_mbinfo_mb2_tags_at_their_offsets),
        cmocka_unit_test(test_mbinfo_mb2_smbios_and_efi_map),
        cmocka_unit_test(test_mbinfo_mb1_fields),
        cmocka_unit_test(test_mbinfo_held_ranges_split_the_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
