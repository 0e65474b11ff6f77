/* Sample kernel checks: segment contents, memory map, ACPI/SMBIOS/framebuffer, cmdline and modules. */
#include "kernel.h"

#define DATA_WORDS 64
#define DATA_PATTERN 0x01010101u
#define PAGE_4K 4096ULL
#define FOUR_GIB (4ULL << 30)
#define MIB (1ULL << 20)
#define HIGH_PATTERN 0x5a17e5a17e5a17e5ULL
#define RSDP_RSDT_OFFSET 16
#define RSDP_XSDT_OFFSET 24
#define SDT_HEADER 36
#define SDT_LENGTH_OFFSET 4
#define SIG_LEN 4
#define MAX_ACPI_TABLES 24
#define MAX_ACPI_TABLE_BYTES (1u << 20) /* a length past this is corrupt, not read */

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

/* True for the memory-map types that are RAM: all but reserved, MMIO, framebuffer and bad. */
static bool is_ram(uint32_t type)
{
    return type != EMBER_MEM_RESERVED && type != EMBER_MEM_MMIO && type != EMBER_MEM_FRAMEBUFFER &&
           type != EMBER_MEM_BAD;
}

/* The direct map covers every memory-map range (bootinfo.h: a direct map of physical memory), and
 * RAM above 4 GiB (where QEMU puts what does not fit below its 32-bit PCI hole) is reached through
 * it: the highest usable page, written through the identity map, reads back through the direct map
 * and the other way round. Reports the MiB of RAM above 4 GiB for the test to compare with -m. */
void check_direct_map_memory(const struct ember_bootinfo *info)
{
    const struct ember_memmap_entry *map = (const void *)info->memmap;
    uint64_t outside = 0, first_outside = 0, high_ram = 0, high_usable = 0, top_page = 0;

    for (uint64_t i = 0; i < info->memmap_count; i++) {
        uint64_t end = map[i].base + map[i].length;
        if (end > info->hhdm_size && outside++ == 0)
            first_outside = map[i].base;
        if (end <= FOUR_GIB || !is_ram(map[i].type))
            continue;
        uint64_t above = end - (map[i].base > FOUR_GIB ? map[i].base : FOUR_GIB);
        high_ram += above;
        if (map[i].type == EMBER_MEM_USABLE) {
            high_usable += above;
            top_page = end - PAGE_4K;
        }
    }
    check(outside == 0, EXIT_FAIL_PAGING, "direct map covers the memory map",
          "%llu entries, direct map 0x%llx bytes, %llu past it (first at 0x%llx)",
          (unsigned long long)info->memmap_count, (unsigned long long)info->hhdm_size,
          (unsigned long long)outside, (unsigned long long)first_outside);
    if (high_usable == 0) {
        kprintf("ember-kernel: no usable RAM above 4 GiB (%llu MiB of RAM there)\n",
                (unsigned long long)(high_ram / MIB));
        return;
    }
    volatile uint64_t *identity = (volatile uint64_t *)top_page;
    volatile uint64_t *direct = (volatile uint64_t *)(top_page + info->hhdm_offset);
    struct kernel_leaf leaf;
    *identity = HIGH_PATTERN;
    bool seen_direct = *direct == HIGH_PATTERN;
    *direct = ~HIGH_PATTERN;
    bool seen_identity = *identity == ~HIGH_PATTERN;
    bool walked = walk_page_tables(info, top_page + info->hhdm_offset, &leaf) && leaf.phys == top_page;
    check(seen_direct && seen_identity && walked, EXIT_FAIL_PAGING, "RAM above 4 GiB in the direct map",
          "%llu MiB of RAM above 4 GiB, %llu MiB usable; top usable page 0x%llx %s",
          (unsigned long long)(high_ram / MIB), (unsigned long long)(high_usable / MIB), (unsigned long long)top_page,
          walked ? (seen_direct && seen_identity ? "same through the identity and direct maps"
                                                 : "differs between the identity and direct maps")
                 : "not at its own address in the direct map");
}

static uint8_t byte_sum(const uint8_t *p, unsigned len)
{
    uint8_t sum = 0;
    for (unsigned i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/* The tables the RSDP leads to (XSDT for ACPI 2.0+, else RSDT), through the identity map: the root
 * table and each table it lists whole and with a valid checksum. The report lists the signatures,
 * so a test can tell machines apart (q35's MCFG, an IOMMU's DMAR). */
static void check_acpi_tables(const struct ember_bootinfo *info)
{
    const uint8_t *rsdp = (const uint8_t *)info->acpi_rsdp;
    bool xsdt = info->acpi_revision >= 2;
    uint64_t root = xsdt ? *(const uint64_t *)(rsdp + RSDP_XSDT_OFFSET) : *(const uint32_t *)(rsdp + RSDP_RSDT_OFFSET);
    const uint8_t *sdt = (const uint8_t *)root;
    uint32_t len = root != 0 ? *(const uint32_t *)(sdt + SDT_LENGTH_OFFSET) : 0;
    const char *want = xsdt ? "XSDT" : "RSDT";
    unsigned width = xsdt ? 8 : 4, count = 0, bad = 0, n = 0;
    char list[MAX_ACPI_TABLES * (SIG_LEN + 1) + 1] = "";

    bool root_ok = len >= SDT_HEADER && byte_sum(sdt, len) == 0;
    for (unsigned i = 0; root_ok && i < SIG_LEN; i++)
        root_ok = sdt[i] == want[i];
    for (uint32_t off = SDT_HEADER; root_ok && off + width <= len && count < MAX_ACPI_TABLES; off += width, count++) {
        const uint8_t *t = (const uint8_t *)(xsdt ? *(const uint64_t *)(sdt + off) : *(const uint32_t *)(sdt + off));
        uint32_t tlen = t != NULL ? *(const uint32_t *)(t + SDT_LENGTH_OFFSET) : 0;
        if (t == NULL)
            continue; /* a null entry (OVMF leaves one with -machine acpi=off): no table, as ember reads it */
        bad += tlen < SDT_HEADER || tlen > MAX_ACPI_TABLE_BYTES || byte_sum(t, tlen) != 0;
        for (unsigned i = 0; i < SIG_LEN; i++)
            list[n++] = (char)t[i];
        list[n++] = ' ';
    }
    list[n > 0 ? n - 1 : 0] = '\0';
    bool all = root_ok && SDT_HEADER + (uint64_t)count * width == len;
    check(all && bad == 0, EXIT_FAIL_FIRMWARE, "ACPI tables from the RSDP", "%s at 0x%llx%s: %u tables, %u bad: %s",
          want, (unsigned long long)root, root_ok ? "" : " invalid", count, bad, list);
}

/* Checks the ACPI RSDP and its tables, the EFI system table, the framebuffer (checks_fb.c) and the
 * timestamps. */
void check_firmware_tables(const struct ember_bootinfo *info)
{
    const uint8_t *rsdp = (const uint8_t *)info->acpi_rsdp;
    bool rsdp_ok = rsdp != 0 && rsdp[0] == 'R' && rsdp[1] == 'S' && rsdp[2] == 'D' && byte_sum(rsdp, 20) == 0;
    if (rsdp_ok && info->acpi_revision >= 2)
        rsdp_ok = byte_sum(rsdp, *(const uint32_t *)(rsdp + 20)) == 0;
    check(rsdp_ok, EXIT_FAIL_FIRMWARE, "ACPI RSDP checksum", "at 0x%llx, revision %u",
          (unsigned long long)info->acpi_rsdp, info->acpi_revision);
    if (rsdp_ok)
        check_acpi_tables(info);
    check(info->efi_system_table != 0, EXIT_FAIL_FIRMWARE, "EFI system table", "0x%llx",
          (unsigned long long)info->efi_system_table);
    check_framebuffer_report(info);
    uint64_t *t = (uint64_t *)&info->tsc;
    check(t[0] <= t[1] && t[1] <= t[2] && t[2] <= t[3] && t[3] <= t[4], EXIT_FAIL_FIRMWARE,
          "timestamps in stage order", "entry %llu handoff %llu", (unsigned long long)t[0],
          (unsigned long long)t[4]);
}
