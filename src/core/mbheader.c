/* Pure: the Multiboot 1 header, and the search and address rules both Multiboot versions share. */
#include "core/mbheader_int.h"

#include <stdarg.h>

#include "core/bytes.h"
#include "core/fmt.h"

/* The spec's words for each rule: src/core/mbheader.h. */

#define U32_LIMIT (1ULL << 32)   /* physical addresses are 32-bit: everything ends at or below */
#define MB2_LOAD_FROM_START 0xFFFFFFFFu /* MB2 load_addr "-1": load the file from its beginning */

/* MB1 header field offsets (3.1.1). */
#define MB1_FLAGS_AT 4
#define MB1_HEADER_ADDR_AT 12
#define MB1_LOAD_ADDR_AT 16
#define MB1_LOAD_END_AT 20
#define MB1_BSS_END_AT 24
#define MB1_ENTRY_AT 28
#define MB1_MODE_TYPE_AT 32
#define MB1_WIDTH_AT 36
#define MB1_HEIGHT_AT 40
#define MB1_DEPTH_AT 44

uint32_t mb_u32(const uint8_t *p)
{
    return (uint32_t)le_load(p, MB_WORD);
}

void mb_diag_clear(struct mb_diag *d)
{
    d->code = MB_OK;
    d->message[0] = '\0';
}

enum mb_status mb_fail(struct mb_diag *d, enum mb_error code, const char *proto, const char *fmt, ...)
{
    char prefix[16];
    va_list ap;

    d->code = code;
    fmt_format(prefix, sizeof prefix, "%s: ", proto);
    va_start(ap, fmt);
    fmt_vdiag(d->message, sizeof d->message, prefix, fmt, ap);
    va_end(ap);
    return MB_MALFORMED;
}

/* The fixed words at p, checksum included, summed mod 2^32: 0 for a header. */
static uint32_t fixed_sum(const uint8_t *p, uint32_t fixed_bytes)
{
    uint32_t sum = 0, i;

    for (i = 0; i < fixed_bytes; i += MB_WORD)
        sum += mb_u32(p + i);
    return sum;
}

enum mb_status mb_locate(const uint8_t *file, size_t len, uint32_t window, uint32_t align, uint32_t magic,
                         uint32_t fixed_bytes, const char *proto, uint32_t *at, struct mb_diag *d)
{
    size_t end = len < window ? len : window;
    bool seen = false;
    uint32_t first_bad = 0, first_sum = 0, off;

    for (off = 0; end >= fixed_bytes && off <= end - fixed_bytes; off += align) {
        uint32_t sum;

        if (mb_u32(file + off) != magic)
            continue;
        sum = fixed_sum(file + off, fixed_bytes);
        if (sum == 0) {
            *at = off;
            return MB_FOUND;
        }
        if (!seen) {
            seen = true;
            first_bad = off;
            first_sum = sum;
        }
    }
    if (!seen)
        return MB_ABSENT;
    return mb_fail(d, MB_ERR_CHECKSUM, proto, "magic 0x%x at 0x%x, but its fields sum to 0x%x, not 0 "
                   "(checksum 0x%x)", magic, first_bad, first_sum, mb_u32(file + first_bad + fixed_bytes - MB_WORD));
}

enum mb_status mb_check_extent(size_t len, uint32_t window, uint32_t at, uint64_t bytes, const char *proto,
                               const char *what, struct mb_diag *d)
{
    uint64_t end = (uint64_t)at + bytes;

    if (end > window)
        return mb_fail(d, MB_ERR_PAST_WINDOW, proto, "header at 0x%x: %s end at 0x%llx, past the first %u bytes",
                       at, what, (unsigned long long)end, window);
    if (end > len)
        return mb_fail(d, MB_ERR_TRUNCATED, proto, "header at 0x%x: %s end at 0x%llx, past the file's end 0x%zx",
                       at, what, (unsigned long long)end, len);
    return MB_FOUND;
}

/* Where the file's loaded bytes start in the file and in memory (load_addr, MB2's -1). */
static enum mb_status plan_start(const struct mb_address *a, uint32_t header_at, bool from_start,
                                 const char *proto, struct mb_load *out, struct mb_diag *d)
{
    if (from_start && a->load_addr == MB2_LOAD_FROM_START) {
        if (a->header_addr < header_at)
            return mb_fail(d, MB_ERR_LOAD_BEFORE_FILE, proto, "header at 0x%x: header_addr 0x%x with load_addr "
                           "-1 puts the file's start below address 0", header_at, a->header_addr);
        out->file_offset = 0;
        out->load_addr = a->header_addr - header_at;
        return MB_FOUND;
    }
    if (a->load_addr > a->header_addr)
        return mb_fail(d, MB_ERR_LOAD_AFTER_HEADER, proto, "header at 0x%x: load_addr 0x%x is above header_addr 0x%x",
                       header_at, a->load_addr, a->header_addr);
    if (a->header_addr - a->load_addr > header_at)
        return mb_fail(d, MB_ERR_LOAD_BEFORE_FILE, proto, "header at 0x%x: header_addr 0x%x - load_addr 0x%x = 0x%x "
                       "puts the load's start before the file's", header_at, a->header_addr, a->load_addr,
                       a->header_addr - a->load_addr);
    out->file_offset = header_at - (a->header_addr - a->load_addr);
    out->load_addr = a->load_addr;
    return MB_FOUND;
}

enum mb_status mb_plan_load(const struct mb_address *a, uint32_t header_at, size_t len, bool from_start,
                            const char *proto, struct mb_load *out, struct mb_diag *d)
{
    uint64_t file_bytes, size, end;

    if (plan_start(a, header_at, from_start, proto, out, d) != MB_FOUND)
        return MB_MALFORMED;
    file_bytes = (uint64_t)len - out->file_offset; /* the header lies in the file: > 0 */
    if (a->load_end_addr == 0) {
        size = file_bytes;
    } else {
        if (a->load_end_addr < out->load_addr)
            return mb_fail(d, MB_ERR_LOAD_END, proto, "header at 0x%x: load_end_addr 0x%x is below the load "
                           "address 0x%x", header_at, a->load_end_addr, out->load_addr);
        size = a->load_end_addr - out->load_addr;
        if (size > file_bytes)
            return mb_fail(d, MB_ERR_LOAD_PAST_FILE, proto, "header at 0x%x: 0x%llx bytes to load from file "
                           "offset 0x%x, the file has 0x%llx there", header_at, (unsigned long long)size,
                           out->file_offset, (unsigned long long)file_bytes);
    }
    end = out->load_addr + size;
    if (end > U32_LIMIT)
        return mb_fail(d, MB_ERR_LOAD_END, proto, "header at 0x%x: the file's 0x%llx bytes loaded at 0x%x end "
                       "past 4 GiB", header_at, (unsigned long long)size, out->load_addr);
    if (a->bss_end_addr != 0 && a->bss_end_addr < end)
        return mb_fail(d, MB_ERR_BSS_END, proto, "header at 0x%x: bss_end_addr 0x%x is below the loaded bytes' "
                       "end 0x%llx", header_at, a->bss_end_addr, (unsigned long long)end);
    out->size = (uint32_t)size;
    out->bss_end = a->bss_end_addr != 0 ? a->bss_end_addr : (uint32_t)end;
    return MB_FOUND;
}

enum mb_status mb_check_entry(const struct mb_load *l, uint32_t entry_addr, const char *proto,
                              struct mb_diag *d)
{
    if (entry_addr < l->load_addr || entry_addr - l->load_addr >= l->size)
        return mb_fail(d, MB_ERR_ENTRY_OUTSIDE, proto, "entry_addr 0x%x is outside the loaded bytes "
                       "[0x%x, 0x%llx)", entry_addr, l->load_addr, (unsigned long long)l->load_addr + l->size);
    return MB_FOUND;
}

/* --- Multiboot 1 ---------------------------------------------------------------------------- */

/* The header's size as its flags make it: the graphics fields follow the address fields. */
static uint32_t mb1_bytes(uint32_t flags)
{
    if (flags & MB1_FLAG_VIDEO)
        return MB1_VIDEO_END;
    if (flags & MB1_FLAG_AOUT_KLUDGE)
        return MB1_AOUT_END;
    return MB1_BASE_BYTES;
}

/* The flags word: unknown requirements refuse, unknown optional bits are recorded. */
static enum mb_status mb1_flags(const uint8_t *h, struct mb1_header *out, struct mb_diag *d)
{
    uint32_t flags = mb_u32(h + MB1_FLAGS_AT), unknown = flags & MB1_REQUIRED_MASK & ~MB1_KNOWN_REQUIRED;

    out->flags = flags;
    if (unknown != 0)
        return mb_fail(d, MB_ERR_MB1_REQUIRED_FLAGS, MB1_NAME, "header at 0x%x: flags 0x%x require bits 0x%x "
                       "that ember does not know (it knows 0x%x of bits 0-15)", out->offset, flags, unknown,
                       MB1_KNOWN_REQUIRED);
    out->ignored_flags = flags & ~MB1_REQUIRED_MASK & ~MB1_FLAG_AOUT_KLUDGE;
    out->page_align_modules = flags & MB1_FLAG_PAGE_ALIGN;
    out->memory_info = flags & MB1_FLAG_MEMORY_INFO;
    out->video = flags & MB1_FLAG_VIDEO;
    out->aout_kludge = flags & MB1_FLAG_AOUT_KLUDGE;
    return MB_FOUND;
}

enum mb_status mb1_find(const uint8_t *file, size_t len, struct mb1_header *out, struct mb_diag *diag)
{
    struct mb_diag scratch;
    struct mb_diag *d = diag != NULL ? diag : &scratch;
    enum mb_status st;
    const uint8_t *h;

    __builtin_memset(out, 0, sizeof *out);
    mb_diag_clear(d);
    st = mb_locate(file, len, MB1_SEARCH_BYTES, MB1_ALIGN, MB1_MAGIC, MB1_BASE_BYTES, MB1_NAME, &out->offset, d);
    if (st != MB_FOUND)
        return st;
    h = file + out->offset;
    if (mb1_flags(h, out, d) != MB_FOUND)
        return MB_MALFORMED;
    if (mb_check_extent(len, MB1_SEARCH_BYTES, out->offset, mb1_bytes(out->flags), MB1_NAME,
                        "the fields its flags enable", d) != MB_FOUND)
        return MB_MALFORMED;
    if (out->video) {
        out->mode_type = mb_u32(h + MB1_MODE_TYPE_AT);
        out->width = mb_u32(h + MB1_WIDTH_AT);
        out->height = mb_u32(h + MB1_HEIGHT_AT);
        out->depth = mb_u32(h + MB1_DEPTH_AT);
    }
    if (!out->aout_kludge)
        return MB_FOUND;
    out->address = (struct mb_address){ mb_u32(h + MB1_HEADER_ADDR_AT), mb_u32(h + MB1_LOAD_ADDR_AT),
                                        mb_u32(h + MB1_LOAD_END_AT), mb_u32(h + MB1_BSS_END_AT) };
    out->entry_addr = mb_u32(h + MB1_ENTRY_AT);
    if (mb_plan_load(&out->address, out->offset, len, false, MB1_NAME, &out->load, d) != MB_FOUND)
        return MB_MALFORMED;
    return mb_check_entry(&out->load, out->entry_addr, MB1_NAME, d);
}

/* --- names ------------------------------------------------------------------------------------ */

const char *mb_status_name(enum mb_status status)
{
    switch (status) {
    case MB_ABSENT: return "absent";
    case MB_FOUND: return "found";
    case MB_MALFORMED: return "malformed";
    }
    return "unknown";
}

const char *mb_error_name(enum mb_error err)
{
    switch (err) {
    case MB_OK: return "ok";
    case MB_ERR_CHECKSUM: return "checksum";
    case MB_ERR_PAST_WINDOW: return "header past the search window";
    case MB_ERR_TRUNCATED: return "header past the end of the file";
    case MB_ERR_MB1_REQUIRED_FLAGS: return "unknown required flags";
    case MB_ERR_MB2_ARCHITECTURE: return "architecture";
    case MB_ERR_MB2_HEADER_LENGTH: return "header_length";
    case MB_ERR_MB2_TAG_PAST_END: return "tag past header_length";
    case MB_ERR_MB2_TAG_SIZE: return "tag size";
    case MB_ERR_MB2_NO_END_TAG: return "no end tag";
    case MB_ERR_MB2_UNKNOWN_REQUIRED: return "unknown required tag";
    case MB_ERR_MB2_RELOCATABLE: return "relocatable tag";
    case MB_ERR_LOAD_AFTER_HEADER: return "load_addr above header_addr";
    case MB_ERR_LOAD_BEFORE_FILE: return "load starts before the file";
    case MB_ERR_LOAD_END: return "load_end_addr";
    case MB_ERR_LOAD_PAST_FILE: return "load past the end of the file";
    case MB_ERR_BSS_END: return "bss_end_addr";
    case MB_ERR_ENTRY_OUTSIDE: return "entry outside the loaded bytes";
    case MB_ERROR_COUNT: break;
    }
    return "unknown";
}

const char *mb_error_hint(enum mb_error err)
{
    switch (err) {
    case MB_ERR_CHECKSUM:
        return "set checksum to -(magic + flags) (Multiboot) or -(magic + architecture + header_length) "
               "(Multiboot2), mod 2^32";
    case MB_ERR_PAST_WINDOW:
        return "put the header's section first in the linker script: Multiboot reads the first 8192 bytes, "
               "Multiboot2 the first 32768";
    case MB_ERR_TRUNCATED: return "the file is cut short: rebuild or recopy it";
    case MB_ERR_MB1_REQUIRED_FLAGS: return "clear flag bits 3-15: ember honours bits 0, 1 and 2 only";
    case MB_ERR_MB2_ARCHITECTURE: return "set architecture to 0 (i386), the only one x86 uses";
    case MB_ERR_MB2_HEADER_LENGTH: return "set header_length to the header's bytes, tags and end tag included";
    case MB_ERR_MB2_TAG_PAST_END: return "make header_length cover every tag, or fix the tag's size";
    case MB_ERR_MB2_TAG_SIZE: return "give the tag the size the Multiboot2 spec gives its type (end tag: 8)";
    case MB_ERR_MB2_NO_END_TAG: return "end the tags with type 0, flags 0, size 8 inside header_length";
    case MB_ERR_MB2_UNKNOWN_REQUIRED: return "set the tag's optional flag (bit 0) or drop the tag";
    case MB_ERR_MB2_RELOCATABLE: return "set preference to 0, 1 or 2 and min_addr <= max_addr";
    case MB_ERR_LOAD_AFTER_HEADER: return "set load_addr to the text start, at or below header_addr";
    case MB_ERR_LOAD_BEFORE_FILE:
        return "make header_addr - load_addr the header's distance from the loaded text's first byte";
    case MB_ERR_LOAD_END: return "set load_end_addr to the data's end (>= load_addr, below 4 GiB) or 0";
    case MB_ERR_LOAD_PAST_FILE: return "set load_end_addr within the file's bytes, or 0 for the whole file";
    case MB_ERR_BSS_END: return "set bss_end_addr at or after the loaded data's end, or 0 for no bss";
    case MB_ERR_ENTRY_OUTSIDE: return "point entry_addr into the loaded text";
    case MB_OK:
    case MB_ERROR_COUNT: break;
    }
    return "";
}
