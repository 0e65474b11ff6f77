/* Sample kernel checks: segment contents, memory map, ACPI/SMBIOS/framebuffer, cmdline and modules. */
#include "kernel.h"

#define DATA_WORDS 64
#define DATA_PATTERN 0x01010101u

/* Initialised .data: ember must have read these bytes from the file. */
uint32_t data_pattern[DATA_WORDS] = { /* external: must stay in .data */
#define P4(i) (i) * DATA_PATTERN, (i + 1) * DATA_PATTERN, (i + 2) * DATA_PATTERN, (i + 3) * DATA_PATTERN
    P4(0), P4(4), P4(8), P4(12), P4(16), P4(20), P4(24), P4(28),
    P4(32), P4(36), P4(40), P4(44), P4(48), P4(52), P4(56), P4(60),
};

#ifndef BSS_SIZE
#define BSS_SIZE (64 * 1024)
#endif
/* .bss: ember must have zeroed memsz - filesz bytes (big in the large-bss variant). */
static uint8_t bss_block[BSS_SIZE];

#ifdef PAYLOAD_SIZE
/* Bench kernels: a big initialised payload that ember must read from the file. */
const uint8_t bench_payload[PAYLOAD_SIZE] = { 1, [PAYLOAD_SIZE - 1] = 2 };
#endif

#ifdef MANY_SEGMENTS
extern const uint32_t many_segment_words[];
extern const unsigned many_segment_count;
extern const uint32_t *const many_segment_ptrs[];
#endif

void check_segments(const struct ember_bootinfo *info)
{
    unsigned bad = 0;
    (void)info;
    for (unsigned i = 0; i < DATA_WORDS; i++)
        bad += data_pattern[i] != i * DATA_PATTERN;
    check(bad == 0, EXIT_FAIL_SEGMENTS, ".data initialised", "%u of %u words wrong", bad, DATA_WORDS);

    uint64_t nonzero = 0;
    for (uint64_t i = 0; i < sizeof bss_block; i += 8)
        nonzero += *(volatile uint64_t *)(bss_block + i) != 0;
    check(nonzero == 0, EXIT_FAIL_SEGMENTS, ".bss zeroed", "%llu KiB checked, %llu non-zero words",
          (unsigned long long)(sizeof bss_block / 1024), (unsigned long long)nonzero);
#ifdef PAYLOAD_SIZE
    check(*(volatile const uint8_t *)&bench_payload[0] == 1 &&
              *(volatile const uint8_t *)&bench_payload[PAYLOAD_SIZE - 1] == 2,
          EXIT_FAIL_SEGMENTS, "bench payload loaded", "%u KiB", (unsigned)(PAYLOAD_SIZE / 1024));
#endif
#ifdef MANY_SEGMENTS
    bad = 0;
    for (unsigned i = 0; i < many_segment_count; i++)
        bad += *many_segment_ptrs[i] != 0x5e600000u + i;
    check(bad == 0, EXIT_FAIL_SEGMENTS, "many small segments loaded", "%u segments, %u wrong",
          many_segment_count, bad);
#endif
}

uint32_t memmap_type_at(const struct ember_bootinfo *info, uint64_t phys)
{
    const struct ember_memmap_entry *map = (const void *)info->memmap;
    for (uint64_t i = 0; i < info->memmap_count; i++)
        if (phys >= map[i].base && phys - map[i].base < map[i].length)
            return map[i].type;
    return 0;
}

void check_memmap(const struct ember_bootinfo *info)
{
    const struct ember_memmap_entry *map = (const void *)info->memmap;
    unsigned unsorted = 0, usable = 0, kernel_pages = 0, not_kernel = 0, unaligned = 0;

    for (uint64_t i = 0; i < info->memmap_count; i++) {
        usable += map[i].type == EMBER_MEM_USABLE;
        unaligned += ((map[i].base | map[i].length) & 0xFFF) != 0; /* bootinfo.h: whole 4 KiB pages */
        if (i > 0 && map[i].base < map[i - 1].base + map[i - 1].length)
            unsorted++;
        if (i > 0 && map[i].base == map[i - 1].base + map[i - 1].length && map[i].type == map[i - 1].type)
            unsorted++; /* should have been merged */
    }
    check(unaligned == 0, EXIT_FAIL_MEMMAP, "memory map entries are whole pages", "%u of %llu not 4 KiB aligned",
          unaligned, (unsigned long long)info->memmap_count);
    check(info->memmap_count > 0 && unsorted == 0 && usable > 0, EXIT_FAIL_MEMMAP,
          "memory map sorted, merged, non-overlapping", "%llu entries, %u usable, %u bad",
          (unsigned long long)info->memmap_count, usable, unsorted);
    char *const ranges[][2] = { { __kernel_start, __text_end }, { __rodata_start, __rodata_end },
                                { __data_start, __kernel_end } };
    for (unsigned r = 0; r < 3; r++)
        for (uint64_t va = (uint64_t)ranges[r][0] & ~0xFFFULL; va < (uint64_t)ranges[r][1]; va += 4096) {
            struct kernel_leaf leaf;
            kernel_pages++;
            if (!walk_page_tables(info, va, &leaf) || memmap_type_at(info, leaf.phys) != EMBER_MEM_KERNEL)
                not_kernel++;
        }
    check(not_kernel == 0, EXIT_FAIL_MEMMAP, "kernel segments typed kernel", "%u pages, %u not kernel",
          kernel_pages, not_kernel);
    check(memmap_type_at(info, info->page_table_root) == EMBER_MEM_PAGE_TABLES, EXIT_FAIL_MEMMAP,
          "page-table root typed page-tables", "type %u", memmap_type_at(info, info->page_table_root));
    check(info->efi_memmap_desc_size >= 40 && info->efi_memmap_size % info->efi_memmap_desc_size == 0,
          EXIT_FAIL_MEMMAP, "raw UEFI map present", "%llu bytes, descriptor %llu",
          (unsigned long long)info->efi_memmap_size, (unsigned long long)info->efi_memmap_desc_size);
}

static uint8_t byte_sum(const uint8_t *p, unsigned len)
{
    uint8_t sum = 0;
    for (unsigned i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/* Checks the ACPI RSDP, the EFI system table, the framebuffer (checks_fb.c) and the timestamps. */
void check_firmware_tables(const struct ember_bootinfo *info)
{
    const uint8_t *rsdp = (const uint8_t *)info->acpi_rsdp;
    bool rsdp_ok = rsdp != 0 && rsdp[0] == 'R' && rsdp[1] == 'S' && rsdp[2] == 'D' && byte_sum(rsdp, 20) == 0;
    if (rsdp_ok && info->acpi_revision >= 2)
        rsdp_ok = byte_sum(rsdp, *(const uint32_t *)(rsdp + 20)) == 0;
    check(rsdp_ok, EXIT_FAIL_FIRMWARE, "ACPI RSDP checksum", "at 0x%llx, revision %u",
          (unsigned long long)info->acpi_rsdp, info->acpi_revision);
    check(info->efi_system_table != 0, EXIT_FAIL_FIRMWARE, "EFI system table", "0x%llx",
          (unsigned long long)info->efi_system_table);
    if (info->framebuffer.base != 0)
        check_framebuffer(&info->framebuffer);
    uint64_t *t = (uint64_t *)&info->tsc;
    check(t[0] <= t[1] && t[1] <= t[2] && t[2] <= t[3] && t[3] <= t[4], EXIT_FAIL_FIRMWARE,
          "timestamps in stage order", "entry %llu handoff %llu", (unsigned long long)t[0],
          (unsigned long long)t[4]);
}
