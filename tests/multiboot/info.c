/* The Multiboot probe's checks of the information structure, field by field from the specs:
 * Multiboot 2 (2.0, 3.6: 8-byte aligned tags) and Multiboot 1 (0.6.96, 3.3: the flags word). */
#include "probe.h"

#define MEM_AVAILABLE 1
#define MEM_TYPE_MAX 5
#define MB2_MMAP_ENTRY 24

static inline uint32_t u32(uint32_t at) { return *(const volatile uint32_t *)(uintptr_t)at; }
static inline uint64_t u64(uint32_t at) { return u32(at) | (uint64_t)u32(at + 4) << 32; }

/* Memory map entries (base, length, type) read by `entry`: sorted, apart, known types, the info
 * structure in memory that is not available, some RAM available above 1 MiB. */
static void check_map(uint32_t first, uint32_t count, uint32_t stride, uint32_t base_at, uint32_t info, uint32_t info_size)
{
    uint64_t prev_end = 0, above_1m = 0;
    unsigned unsorted = 0, bad_type = 0;
    bool info_reserved = false, kernel_available = false;
    uint32_t k0 = (uint32_t)(uintptr_t)kernel_start, k1 = (uint32_t)(uintptr_t)kernel_end;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t e = first + i * stride;
        uint64_t base = u64(e + base_at), len = u64(e + base_at + 8);
        uint32_t type = u32(e + base_at + 16);
        unsorted += base < prev_end;
        bad_type += type == 0 || type > MEM_TYPE_MAX;
        prev_end = base + len;
        if (type == MEM_AVAILABLE && base + len > 0x100000)
            above_1m += base + len - (base > 0x100000 ? base : 0x100000);
        if (base <= info && info + info_size <= base + len)
            info_reserved = type != MEM_AVAILABLE;
        kernel_available = kernel_available || (type == MEM_AVAILABLE && base < k1 && base + len > k0);
    }
    check(count > 0 && unsorted == 0 && bad_type == 0 && above_1m > 0, "memory map sorted, apart, known types",
          "%u entries, %u out of order, %u unknown types, %llx bytes available above 1 MiB", count, unsorted, bad_type,
          (unsigned long long)above_1m);
    check(info_reserved, "the information structure is in memory the map does not call available", "at 0x%x", info);
    check(!kernel_available, "the kernel's own pages are not called available (ember's promise)",
          "[0x%x, 0x%x)", k0, k1);
}

/* The ELF section header table (MB2 tag 9, MB1 syms): the names' section and the symbol table loaded
 * (sh_addr set), .text where the kernel's code is. */
static void check_sections(uint32_t num, uint32_t entsize, uint32_t table, uint32_t shndx)
{
    bool is64 = entsize == 64;
    uint32_t addr_at = is64 ? 16 : 12, text = 0, symtab = 0;
    uint32_t names = shndx < num ? (uint32_t)u64(table + shndx * entsize + addr_at) : 0;

    check((entsize == 40 || entsize == 64) && num > 0 && names != 0, "ELF section headers, names loaded",
          "%u of %u bytes at 0x%x, names at 0x%x", num, entsize, table, names);
    for (uint32_t i = 0; names != 0 && i < num && i < 64; i++) {
        const char *name = (const char *)(uintptr_t)(names + u32(table + i * entsize));
        uint32_t addr = is64 ? (uint32_t)u64(table + i * entsize + addr_at) : u32(table + i * entsize + addr_at);
        if (starts(name, ".text") && name[5] == 0)
            text = addr;
        if (starts(name, ".symtab") && name[7] == 0)
            symtab = addr;
    }
    check(text == (uint32_t)(uintptr_t)text_link, "ELF .text where the kernel's code is linked", "0x%x", text);
    check(symtab != 0 && u32(symtab) == 0 && u32(symtab + 4) == 0, "ELF .symtab loaded (its null symbol first)",
          "at 0x%x", symtab);
}

/* The command line's modules=N against the count, and each module's bytes. */
static void check_modules_count(const char *cmdline, uint32_t count)
{
    uint64_t want = word(cmdline, "modules", 10, 0);
    check(count == want, "module count", "%u (want %u)", count, (unsigned)want);
}

/* The tags that copy the firmware's display and tables, each against its layout in the spec (3.6). */
static void check_mb2_firmware_tag(uint32_t at, uint32_t type, uint32_t size)
{
    if (type == 8) {
        check_framebuffer_hardware(u64(at + 8), u32(at + 16), u32(at + 20), u32(at + 24),
                                   *(const uint8_t *)(uintptr_t)(at + 28));
        check(u64(at + 8) != 0 && *(const uint8_t *)(uintptr_t)(at + 28) == 32 &&
                  *(const uint8_t *)(uintptr_t)(at + 29) == 1 && u32(at + 16) >= u32(at + 20) * 4,
              "framebuffer: RGB, 32 bpp, pitch holds a row", "%ux%u pitch %u at 0x%llx", u32(at + 20), u32(at + 24),
              u32(at + 16), (unsigned long long)u64(at + 8));
    }
    if (type == 12)
        check(u64(at + 8) != 0 && starts((const char *)(uintptr_t)u64(at + 8), "IBI SYST"),
              "EFI 64-bit system table", "at 0x%llx", (unsigned long long)u64(at + 8));
    if (type == 14 || type == 15)
        check(rsdp_valid((const uint8_t *)(uintptr_t)(at + 8), size - 8), "ACPI RSDP copy", "tag %u, %u bytes",
              type, size - 8);
    if (type == 13)
        check(u32(at + 8) >= 2 && (starts((const char *)(uintptr_t)(at + 16), "_SM3_") ||
                                    starts((const char *)(uintptr_t)(at + 16), "_SM_")),
              "SMBIOS: version and entry point copy", "%u.%u", u32(at + 8) & 0xff, (u32(at + 8) >> 8) & 0xff);
    if (type == 17)
        check(u32(at + 8) >= 40 && u32(at + 12) == 1 && (size - 16) % u32(at + 8) == 0 && size > 16,
              "EFI memory map: descriptor size, version 1, whole descriptors", "descriptor %u bytes, version %u, "
              "%u bytes", u32(at + 8), u32(at + 12), size - 16);
}

void check_mb2_info(uint32_t info)
{
    uint32_t total = u32(info), at, modules = 0, fb_w = 0, fb_h = 0;
    const char *cmdline = "";
    const uint8_t *rsdp = NULL;
    uint32_t rsdp_len = 0, old_rsdp = 0;
    bool seen[32] = { false };

    check((info & 7) == 0 && total >= 16 && u32(info + 4) == 0, "info: 8-byte aligned, total_size, reserved 0",
          "at 0x%x, %u bytes", info, total);
    for (at = info + 8; at + 8 <= info + total; at += (u32(at + 4) + 7) & ~7u) {
        uint32_t type = u32(at), size = u32(at + 4);
        if (type == 0)
            break;
        if (type < 32)
            seen[type] = true;
        if (type == 1)
            cmdline = (const char *)(uintptr_t)(at + 8);
        if (type == 3) {
            check_module(u32(at + 8), u32(at + 12), (const char *)(uintptr_t)(at + 16));
            modules++;
        }
        if (type == 2)
            check(starts((const char *)(uintptr_t)(at + 8), "ember"), "boot loader name", "\"%s\"",
                  (const char *)(uintptr_t)(at + 8));
        if (type == 4)
            check(u32(at + 8) <= 640 && u32(at + 12) > 0, "basic memory information", "lower %u KiB, upper %u KiB",
                  u32(at + 8), u32(at + 12));
        if (type == 6) {
            check(u32(at + 8) == MB2_MMAP_ENTRY && u32(at + 12) == 0, "memory map entry size 24, version 0",
                  "%u, %u", u32(at + 8), u32(at + 12));
            check_map(at + 16, (size - 16) / MB2_MMAP_ENTRY, MB2_MMAP_ENTRY, 0, info, total);
        }
        if (type == 8) {
            fb_w = u32(at + 20);
            fb_h = u32(at + 24);
        }
        check_mb2_firmware_tag(at, type, size);
        if (type == 14)
            old_rsdp = at + 8;
        if ((type == 14 && rsdp == NULL) || type == 15) {
            rsdp = (const uint8_t *)(uintptr_t)(at + 8);
            rsdp_len = size - 8;
        }
        if (type == 9)
            check_sections(u32(at + 8), u32(at + 12), at + 20, u32(at + 16));
        if (type == 21)
            check(u32(at + 8) == (uint32_t)(uintptr_t)kernel_start, "image load base", "0x%x", u32(at + 8));
    }
    check(at + 8 <= info + total && u32(at) == 0 && u32(at + 4) == 8 && at + 8 == info + total,
          "tags end with the end tag at total_size", "end at 0x%x", at);
    check(seen[1] && starts(cmdline, "mbprobe"), "command line", "\"%s\"", cmdline);
    check(seen[2] && seen[4] && seen[6] && seen[21] && seen[14] && seen[13] && seen[17] && seen[9],
          "the requested information tags", "name %u, basic memory %u, map %u, load base %u, ACPI old %u, SMBIOS %u, "
          "EFI map %u, ELF sections %u", seen[2], seen[4], seen[6], seen[21], seen[14], seen[13], seen[17], seen[9]);
    /* an ACPI 2.0 RSDP (revision 2 in the old copy's byte 15) comes as the new tag too */
    check(!seen[14] || *(const uint8_t *)(uintptr_t)(old_rsdp + 15) < 2 || seen[15], "ACPI 2.0 RSDP as tag 15 too",
          "old %u, new %u", seen[14], seen[15]);
    check_modules_count(cmdline, modules);
    check_interrupt_controllers(rsdp, rsdp_len);
    if (word(cmdline, "fb", 10, 0) != 0)
        check(fb_w == 1024 && fb_h == 768, "framebuffer as the header prefers (GOP has 1024x768)", "%ux%u", fb_w, fb_h);
}

void check_mb1_info(uint32_t info)
{
    uint32_t flags = u32(info);
    const char *cmdline = (flags & (1u << 2)) ? (const char *)(uintptr_t)u32(info + 16) : "";

    check((flags & 0x1) && (flags & (1u << 6)), "flags: memory and memory map", "flags 0x%x", flags);
    check(u32(info + 4) <= 640 && u32(info + 8) > 0, "mem_lower, mem_upper", "%u KiB, %u KiB", u32(info + 4),
          u32(info + 8));
    check(starts(cmdline, "mbprobe"), "command line", "\"%s\"", cmdline);
    check((flags & (1u << 9)) && starts((const char *)(uintptr_t)u32(info + 64), "ember"), "boot loader name",
          "flag %u", (flags >> 9) & 1);
    if (word(cmdline, "sections", 10, 1))
        check((flags & (1u << 5)) != 0, "flags: ELF section headers", "flags 0x%x", flags);
    if (flags & (1u << 5))
        check_sections(u32(info + 28), u32(info + 32), u32(info + 36), u32(info + 40));
    uint32_t count = (flags & (1u << 3)) ? u32(info + 20) : 0, list = u32(info + 24);
    for (uint32_t i = 0; i < count; i++)
        check_module(u32(list + 16 * i), u32(list + 16 * i + 4), (const char *)(uintptr_t)u32(list + 16 * i + 8));
    check_modules_count(cmdline, count);
    if (flags & (1u << 12))
        check_framebuffer_hardware(u64(info + 88), u32(info + 96), u32(info + 100), u32(info + 104),
                                   *(const uint8_t *)(uintptr_t)(info + 108));
    if (word(cmdline, "fb", 10, 0) != 0)
        check((flags & (1u << 12)) && u32(info + 100) == 1024 && u32(info + 104) == 768 &&
              *(const uint8_t *)(uintptr_t)(info + 109) == 1, "framebuffer as the header prefers (GOP has 1024x768), RGB",
              "flags 0x%x, %ux%u type %u", flags, u32(info + 100), u32(info + 104),
              *(const uint8_t *)(uintptr_t)(info + 109));
    check_interrupt_controllers(NULL, 0);
    /* each entry's size field counts the entry without itself: the next is at +size+4 */
    uint32_t map = u32(info + 48), length = u32(info + 44), n = 0, stride = u32(map) + 4;
    check(u32(map) == 20, "memory map entry size 20", "%u", u32(map));
    for (uint32_t at = map; at < map + length; at += u32(at) + 4)
        n++;
    check_map(map, n, stride, 4, info, 116);
}
