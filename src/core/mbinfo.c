/* Pure: the Multiboot information structures (mbinfo.h). */
#include "core/mbinfo.h"
#include "core/bytes.h"
#include "core/mbload.h"

#define MB2_TAG_ALIGN 8u
#define MB2_HEADER_BYTES 8u        /* total_size, reserved */
#define MB2_MMAP_ENTRY_BYTES 24u   /* u64 base_addr, u64 length, u32 type, u32 reserved */
#define MB2_MMAP_HEAD_BYTES 16u    /* type, size, entry_size, entry_version */
#define MB2_FB_TAG_BYTES 38u       /* the common part (31 bytes) and six RGB field bytes */
#define MB2_FB_TYPE_RGB 1
#define MB1_MMAP_ENTRY_BYTES 24u   /* u32 size (20), u64 base_addr, u64 length, u32 type */
#define MB1_MODULE_BYTES 16u       /* mod_start, mod_end, string, reserved */
#define LOW_MEMORY_END 0xA0000u    /* 640 KiB: the top of "lower memory" */
#define UPPER_MEMORY_START 0x100000u

/* MB1 struct field offsets (3.3). */
#define MB1_FLAGS 0
#define MB1_MEM_LOWER 4
#define MB1_MEM_UPPER 8
#define MB1_CMDLINE 16
#define MB1_MODS_COUNT 20
#define MB1_MODS_ADDR 24
#define MB1_SYMS 28                /* ELF section header table: num, size, addr, shndx */
#define MB1_MMAP_LENGTH 44
#define MB1_MMAP_ADDR 48
#define MB1_LOADER_NAME 64
#define MB1_FB_ADDR 88
#define MB1_FB_PITCH 96
#define MB1_FB_WIDTH 100
#define MB1_FB_HEIGHT 104
#define MB1_FB_BPP 108
#define MB1_FB_TYPE 109
#define MB1_FB_COLOR 110

static void put(struct mb_writer *w, uint32_t at, uint64_t v, unsigned bytes)
{
    if ((uint64_t)at + bytes > w->cap) {
        w->overflow = true;
        return;
    }
    for (unsigned i = 0; i < bytes; i++)
        w->buf[at + i] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(struct mb_writer *w, uint32_t at, const void *data, uint32_t len)
{
    const uint8_t *p = data;

    for (uint32_t i = 0; i < len; i++)
        put(w, at + i, p[i], 1);
}

static uint32_t text_bytes(const char *s)
{
    uint32_t n = 0;

    while (s[n] != '\0')
        n++;
    return n + 1;
}

/* Room for len bytes at the end, aligned; returns their offset (the writer's `used` moves on). */
static uint32_t take(struct mb_writer *w, uint32_t len, uint32_t align)
{
    uint32_t at = (w->used + align - 1) & ~(align - 1);

    if ((uint64_t)at + len > w->cap) {
        w->overflow = true;
        return w->cap;
    }
    for (uint32_t i = w->used; i < at + len; i++)
        w->buf[i] = 0;
    w->used = at + len;
    return at;
}

enum mb_memory_type mb_memory_type(uint32_t ember_type)
{
    switch (ember_type) {
    case EMBER_MEM_USABLE: return MB_MEM_AVAILABLE;
    case EMBER_MEM_ACPI_RECLAIMABLE: return MB_MEM_ACPI;
    case EMBER_MEM_ACPI_NVS: return MB_MEM_NVS;
    case EMBER_MEM_BAD: return MB_MEM_BAD;
    default: return MB_MEM_RESERVED;
    }
}

/* RAM, whoever holds it now: the basic memory fields measure memory, not what is free. */
static bool is_ram(uint32_t ember_type)
{
    switch (ember_type) {
    case EMBER_MEM_USABLE: case EMBER_MEM_BOOTLOADER_RECLAIMABLE: case EMBER_MEM_KERNEL: case EMBER_MEM_MODULES:
    case EMBER_MEM_PAGE_TABLES: case EMBER_MEM_ACPI_RECLAIMABLE: case EMBER_MEM_EFI_RUNTIME_CODE:
    case EMBER_MEM_EFI_RUNTIME_DATA:
        return true;
    default:
        return false;
    }
}

/* The end of the RAM that runs without a hole from `from` (the map is sorted; adjacent RAM entries
 * of different types continue it). */
static uint64_t ram_end(const struct ember_memmap_entry *map, size_t count, uint64_t from)
{
    uint64_t end = from;

    for (size_t i = 0; i < count; i++)
        if (is_ram(map[i].type) && map[i].base <= end && map[i].base + map[i].length > end)
            end = map[i].base + map[i].length;
    return end;
}

void mb_basic_memory(const struct ember_memmap_entry *map, size_t count, uint32_t *lower_kib, uint32_t *upper_kib)
{
    uint64_t lower = ram_end(map, count, 0), upper = ram_end(map, count, UPPER_MEMORY_START);

    lower = lower < LOW_MEMORY_END ? lower : LOW_MEMORY_END;
    upper = upper < (1ULL << 32) ? upper : (1ULL << 32);
    *lower_kib = (uint32_t)(lower / KIB);
    *upper_kib = (uint32_t)((upper - UPPER_MEMORY_START) / KIB);
}

static bool emit(struct ember_memmap_entry *out, size_t cap, size_t *count, uint64_t base, uint64_t end, uint32_t type)
{
    if (end <= base)
        return true;
    if (*count == cap)
        return false;
    out[(*count)++] = (struct ember_memmap_entry){ base, end - base, type, 0 };
    return true;
}

size_t mb_hold_ranges(const struct ember_memmap_entry *in, size_t n, const struct mb_pages *held, unsigned hn,
                      struct ember_memmap_entry *out, size_t cap)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        uint64_t at = in[i].base, end = in[i].base + in[i].length;
        for (unsigned h = 0; h < hn && at < end; h++) {
            uint64_t hb = held[h].base, he = hb + (uint64_t)held[h].pages * PAGE_SIZE_4K;
            if (he <= at || hb >= end)
                continue;
            uint64_t cut_lo = hb > at ? hb : at, cut_hi = he < end ? he : end;
            if (!emit(out, cap, &count, at, cut_lo, in[i].type) ||
                !emit(out, cap, &count, cut_lo, cut_hi, EMBER_MEM_KERNEL))
                return 0;
            at = cut_hi;
        }
        if (!emit(out, cap, &count, at, end, in[i].type))
            return 0;
    }
    return count;
}

/* --- Multiboot 2 ------------------------------------------------------------------------------ */

void mb2_begin(struct mb_writer *w, uint8_t *buf, uint32_t phys, uint32_t cap)
{
    *w = (struct mb_writer){ buf, phys, cap, 0, false };
    take(w, MB2_HEADER_BYTES, MB2_TAG_ALIGN);
}

/* A tag's header (type, size) and room for its body; returns the body's offset. */
static uint32_t tag(struct mb_writer *w, uint32_t type, uint32_t size)
{
    uint32_t at = take(w, size, MB2_TAG_ALIGN);

    put(w, at, type, 4);
    put(w, at + 4, size, 4);
    return at + 8;
}

void mb2_string_tag(struct mb_writer *w, uint32_t type, const char *s)
{
    uint32_t n = text_bytes(s);

    put_bytes(w, tag(w, type, 8 + n), s, n);
}

void mb2_module_tag(struct mb_writer *w, const struct mb_module_info *m)
{
    uint32_t n = text_bytes(m->string), at = tag(w, MB2_INFO_MODULE, 16 + n);

    put(w, at, m->start, 4);
    put(w, at + 4, m->end, 4);
    put_bytes(w, at + 8, m->string, n);
}

void mb2_basic_memory_tag(struct mb_writer *w, uint32_t lower_kib, uint32_t upper_kib)
{
    uint32_t at = tag(w, MB2_INFO_BASIC_MEMORY, 16);

    put(w, at, lower_kib, 4);
    put(w, at + 4, upper_kib, 4);
}

uint32_t mb2_memory_map_bytes(size_t count)
{
    return MB2_MMAP_HEAD_BYTES + (uint32_t)count * MB2_MMAP_ENTRY_BYTES + MB2_TAG_ALIGN;
}

void mb2_memory_map_tag(struct mb_writer *w, const struct ember_memmap_entry *map, size_t count)
{
    uint32_t at = tag(w, MB2_INFO_MMAP, MB2_MMAP_HEAD_BYTES + (uint32_t)count * MB2_MMAP_ENTRY_BYTES);

    put(w, at, MB2_MMAP_ENTRY_BYTES, 4);
    put(w, at + 4, 0, 4); /* entry_version 0 */
    for (size_t i = 0; i < count; i++) {
        uint32_t e = at + 8 + (uint32_t)i * MB2_MMAP_ENTRY_BYTES;
        put(w, e, map[i].base, 8);
        put(w, e + 8, map[i].length, 8);
        put(w, e + 16, mb_memory_type(map[i].type), 4);
    }
}

void mb2_framebuffer_tag(struct mb_writer *w, const struct mb_fb *fb)
{
    uint32_t at = tag(w, MB2_INFO_FRAMEBUFFER, MB2_FB_TAG_BYTES);
    const uint8_t fields[6] = { fb->red_pos, fb->red_size, fb->green_pos, fb->green_size, fb->blue_pos, fb->blue_size };

    put(w, at, fb->addr, 8);
    put(w, at + 8, fb->pitch, 4);
    put(w, at + 12, fb->width, 4);
    put(w, at + 16, fb->height, 4);
    put(w, at + 20, fb->bpp, 1);
    put(w, at + 21, MB2_FB_TYPE_RGB, 1);
    put_bytes(w, at + 24, fields, sizeof fields); /* after the u16 reserved */
}

void mb2_u64_tag(struct mb_writer *w, uint32_t type, uint64_t value)
{
    put(w, tag(w, type, 16), value, 8);
}

void mb2_u32_tag(struct mb_writer *w, uint32_t type, uint32_t value)
{
    put(w, tag(w, type, 12), value, 4);
}

void mb2_copy_tag(struct mb_writer *w, uint32_t type, const void *data, uint32_t len)
{
    put_bytes(w, tag(w, type, 8 + len), data, len);
}

void mb2_smbios_tag(struct mb_writer *w, uint8_t major, uint8_t minor, const void *ep, uint32_t len)
{
    uint32_t at = tag(w, MB2_INFO_SMBIOS, 16 + len);

    put(w, at, major, 1);
    put(w, at + 1, minor, 1);
    put_bytes(w, at + 8, ep, len); /* after six reserved bytes */
}

void mb2_efi_map_tag(struct mb_writer *w, uint32_t desc_size, uint32_t desc_version, const void *map, uint32_t size)
{
    uint32_t at = tag(w, MB2_INFO_EFI_MMAP, 16 + size);

    put(w, at, desc_size, 4);
    put(w, at + 4, desc_version, 4);
    put_bytes(w, at + 8, map, size);
}

void mb2_elf_sections_tag(struct mb_writer *w, uint32_t num, uint32_t entsize, uint32_t shndx, const void *table)
{
    uint32_t at = tag(w, MB2_INFO_ELF_SECTIONS, 20 + num * entsize);

    put(w, at, num, 4);
    put(w, at + 4, entsize, 4);
    put(w, at + 8, shndx, 4);
    put_bytes(w, at + 12, table, num * entsize);
}

uint32_t mb2_finish(struct mb_writer *w)
{
    tag(w, MB2_INFO_END, 8);
    put(w, 0, w->used, 4);
    return w->overflow ? 0 : w->used;
}

/* --- Multiboot 1 ------------------------------------------------------------------------------ */

static void set_flag(struct mb_writer *w, uint32_t flag)
{
    put(w, MB1_FLAGS, (uint32_t)le_load(w->buf + MB1_FLAGS, 4) | flag, 4);
}

void mb1_begin(struct mb_writer *w, uint8_t *buf, uint32_t phys, uint32_t cap)
{
    *w = (struct mb_writer){ buf, phys, cap, 0, false };
    take(w, MB1_INFO_BYTES, 8);
}

void mb1_set_memory(struct mb_writer *w, uint32_t lower_kib, uint32_t upper_kib)
{
    put(w, MB1_MEM_LOWER, lower_kib, 4);
    put(w, MB1_MEM_UPPER, upper_kib, 4);
    set_flag(w, MB1_INFO_MEMORY);
}

void mb1_set_string(struct mb_writer *w, uint32_t flag, const char *s)
{
    uint32_t n = text_bytes(s), at = take(w, n, 1);

    put_bytes(w, at, s, n);
    put(w, flag == MB1_INFO_CMDLINE ? MB1_CMDLINE : MB1_LOADER_NAME, w->phys + at, 4);
    set_flag(w, flag);
}

void mb1_set_modules(struct mb_writer *w, const struct mb_module_info *mods, unsigned count)
{
    uint32_t list = take(w, count * MB1_MODULE_BYTES, 8);

    for (unsigned i = 0; i < count; i++) {
        uint32_t n = text_bytes(mods[i].string), s = take(w, n, 1);
        put_bytes(w, s, mods[i].string, n);
        put(w, list + i * MB1_MODULE_BYTES, mods[i].start, 4);
        put(w, list + i * MB1_MODULE_BYTES + 4, mods[i].end, 4);
        put(w, list + i * MB1_MODULE_BYTES + 8, w->phys + s, 4);
    }
    put(w, MB1_MODS_COUNT, count, 4);
    put(w, MB1_MODS_ADDR, w->phys + list, 4);
    set_flag(w, MB1_INFO_MODS);
}

void mb1_set_memory_map(struct mb_writer *w, const struct ember_memmap_entry *map, size_t count)
{
    uint32_t at = take(w, (uint32_t)count * MB1_MMAP_ENTRY_BYTES, 8);

    for (size_t i = 0; i < count; i++) {
        uint32_t e = at + (uint32_t)i * MB1_MMAP_ENTRY_BYTES;
        put(w, e, MB1_MMAP_ENTRY_BYTES - 4, 4); /* "size" counts the entry without itself */
        put(w, e + 4, map[i].base, 8);
        put(w, e + 12, map[i].length, 8);
        put(w, e + 20, mb_memory_type(map[i].type), 4);
    }
    put(w, MB1_MMAP_LENGTH, (uint32_t)count * MB1_MMAP_ENTRY_BYTES, 4);
    put(w, MB1_MMAP_ADDR, w->phys + at, 4);
    set_flag(w, MB1_INFO_MMAP);
}

void mb1_set_framebuffer(struct mb_writer *w, const struct mb_fb *fb)
{
    const uint8_t fields[6] = { fb->red_pos, fb->red_size, fb->green_pos, fb->green_size, fb->blue_pos, fb->blue_size };

    put(w, MB1_FB_ADDR, fb->addr, 8);
    put(w, MB1_FB_PITCH, fb->pitch, 4);
    put(w, MB1_FB_WIDTH, fb->width, 4);
    put(w, MB1_FB_HEIGHT, fb->height, 4);
    put(w, MB1_FB_BPP, fb->bpp, 1);
    put(w, MB1_FB_TYPE, MB2_FB_TYPE_RGB, 1);
    put_bytes(w, MB1_FB_COLOR, fields, sizeof fields);
    set_flag(w, MB1_INFO_FRAMEBUFFER);
}

void mb1_set_elf_sections(struct mb_writer *w, uint32_t num, uint32_t entsize, uint32_t table_phys, uint32_t shndx)
{
    put(w, MB1_SYMS, num, 4);
    put(w, MB1_SYMS + 4, entsize, 4);
    put(w, MB1_SYMS + 8, table_phys, 4);
    put(w, MB1_SYMS + 12, shndx, 4);
    set_flag(w, MB1_INFO_ELF_SECTIONS);
}
