/* Pure: the Multiboot 2 header and its tags. */
#include "core/mbheader_int.h"
#include "core/bytes.h"

/* The spec's words for each rule: src/core/mbheader.h. */

#define MB2_ARCH_AT 4
#define MB2_LENGTH_AT 8
#define TAG_FLAGS_AT 2
#define TAG_HALF_BYTES 2 /* type and flags are u16 */
#define TAG_SIZE_AT 4
#define RELOC_PREFERENCE_MAX 2u /* 0 none, 1 lowest address, 2 highest */
#define REQUEST_BYTES 4u        /* one u32 per requested information tag type */

/* Each known type's size as its layout gives it (the spec states most as "size = N"); 0: the
 * information request, 8 + 4 per requested type. */
static const uint32_t tag_size[MB2_TAG_TYPE_COUNT] = {
    [MB2_TAG_END] = 8,            [MB2_TAG_INFO_REQUEST] = 0, [MB2_TAG_ADDRESS] = 24,
    [MB2_TAG_ENTRY] = 12,         [MB2_TAG_CONSOLE_FLAGS] = 12, [MB2_TAG_FRAMEBUFFER] = 20,
    [MB2_TAG_MODULE_ALIGN] = 8,   [MB2_TAG_EFI_BS] = 8,       [MB2_TAG_ENTRY_EFI32] = 12,
    [MB2_TAG_ENTRY_EFI64] = 12,   [MB2_TAG_RELOCATABLE] = 24,
};

static const char *const tag_name[MB2_TAG_TYPE_COUNT] = {
    [MB2_TAG_END] = "end",
    [MB2_TAG_INFO_REQUEST] = "information request",
    [MB2_TAG_ADDRESS] = "address",
    [MB2_TAG_ENTRY] = "entry address",
    [MB2_TAG_CONSOLE_FLAGS] = "console flags",
    [MB2_TAG_FRAMEBUFFER] = "framebuffer",
    [MB2_TAG_MODULE_ALIGN] = "module alignment",
    [MB2_TAG_EFI_BS] = "EFI boot services",
    [MB2_TAG_ENTRY_EFI32] = "EFI i386 entry address",
    [MB2_TAG_ENTRY_EFI64] = "EFI amd64 entry address",
    [MB2_TAG_RELOCATABLE] = "relocatable header",
};

struct walker {
    const uint8_t *h; /* the header's first byte */
    struct mb2_header *out;
    struct mb_diag *d;
};

/* The tag's n-th u32 after its 8-byte header. */
static uint32_t field(const struct walker *w, uint32_t tag_at, unsigned n)
{
    return mb_u32(w->h + tag_at + MB2_TAG_HEADER_BYTES + n * REQUEST_BYTES);
}

static bool size_ok(uint16_t type, uint32_t size)
{
    if (type == MB2_TAG_INFO_REQUEST)
        return (size - MB2_TAG_HEADER_BYTES) % REQUEST_BYTES == 0;
    return size == tag_size[type];
}

/* An unknown type: skipped when optional, else the kernel needs what ember cannot give. */
static enum mb_status unknown_tag(struct walker *w, uint16_t type, uint16_t flags, uint32_t at, uint32_t size)
{
    struct mb2_header *o = w->out;

    if (!(flags & MB2_TAG_OPTIONAL))
        return mb_fail(w->d, MB_ERR_MB2_UNKNOWN_REQUIRED, MB2_NAME, "header at 0x%x: required tag type %u "
                       "that ember does not know, at +0x%x (flags 0x%x, size %u)", o->offset, type, at, flags, size);
    if (o->ignored_count < MB2_MAX_IGNORED) {
        o->ignored[o->ignored_count].type = type;
        o->ignored[o->ignored_count].offset = at;
        o->ignored[o->ignored_count].size = size;
    }
    o->ignored_count++;
    return MB_FOUND;
}

static void record_requests(struct walker *w, uint32_t at, uint32_t size, bool required)
{
    struct mb2_header *o = w->out;
    unsigned i, n = (size - MB2_TAG_HEADER_BYTES) / REQUEST_BYTES;

    for (i = 0; i < n; i++, o->request_count++)
        if (o->request_count < MB2_MAX_REQUESTS) {
            o->requests[o->request_count] = field(w, at, i);
            o->required_requests |= required ? 1u << o->request_count : 0;
        }
}

static enum mb_status record_relocatable(struct walker *w, uint32_t at)
{
    struct mb2_header *o = w->out;

    o->reloc_min_addr = field(w, at, 0);
    o->reloc_max_addr = field(w, at, 1);
    o->reloc_align = field(w, at, 2);
    o->reloc_preference = field(w, at, 3);
    if (o->reloc_preference > RELOC_PREFERENCE_MAX)
        return mb_fail(w->d, MB_ERR_MB2_RELOCATABLE, MB2_NAME, "header at 0x%x: relocatable tag at +0x%x: "
                       "preference %u is none of 0 (none), 1 (lowest), 2 (highest)", o->offset, at,
                       o->reloc_preference);
    if (o->reloc_min_addr > o->reloc_max_addr)
        return mb_fail(w->d, MB_ERR_MB2_RELOCATABLE, MB2_NAME, "header at 0x%x: relocatable tag at +0x%x: "
                       "min_addr 0x%x is above max_addr 0x%x", o->offset, at, o->reloc_min_addr,
                       o->reloc_max_addr);
    return MB_FOUND;
}

/* Checks one non-end tag's size and keeps its values (the last tag of a type wins). */
static enum mb_status record_tag(struct walker *w, uint16_t type, uint16_t flags, uint32_t at, uint32_t size)
{
    struct mb2_header *o = w->out;

    if (type >= MB2_TAG_TYPE_COUNT)
        return unknown_tag(w, type, flags, at, size);
    if (!size_ok(type, size))
        return mb_fail(w->d, MB_ERR_MB2_TAG_SIZE, MB2_NAME, "header at 0x%x: %s tag (type %u) at +0x%x has size "
                       "%u, the spec's is %u%s", o->offset, tag_name[type], type, at, size,
                       type == MB2_TAG_INFO_REQUEST ? MB2_TAG_HEADER_BYTES : tag_size[type],
                       type == MB2_TAG_INFO_REQUEST ? " + 4 per requested type" : "");
    o->tags[type] = (struct mb2_tag_seen){ true, flags & MB2_TAG_OPTIONAL, at, size };
    switch ((enum mb2_tag_type)type) {
    case MB2_TAG_INFO_REQUEST: record_requests(w, at, size, !(flags & MB2_TAG_OPTIONAL)); break;
    case MB2_TAG_ADDRESS:
        o->address = (struct mb_address){ field(w, at, 0), field(w, at, 1), field(w, at, 2), field(w, at, 3) };
        break;
    case MB2_TAG_ENTRY: o->entry_addr = field(w, at, 0); break;
    case MB2_TAG_CONSOLE_FLAGS: o->console_flags = field(w, at, 0); break;
    case MB2_TAG_FRAMEBUFFER:
        o->fb_width = field(w, at, 0);
        o->fb_height = field(w, at, 1);
        o->fb_depth = field(w, at, 2);
        break;
    case MB2_TAG_ENTRY_EFI32: o->efi32_entry_addr = field(w, at, 0); break;
    case MB2_TAG_ENTRY_EFI64: o->efi64_entry_addr = field(w, at, 0); break;
    case MB2_TAG_RELOCATABLE: return record_relocatable(w, at);
    case MB2_TAG_MODULE_ALIGN: /* presence is the whole message */
    case MB2_TAG_EFI_BS:
    case MB2_TAG_END:
    case MB2_TAG_TYPE_COUNT: break;
    }
    return MB_FOUND;
}

/* Walks the tags from +16 to the end tag; each starts at the previous one's end rounded up to 8. */
static enum mb_status walk_tags(struct walker *w)
{
    struct mb2_header *o = w->out;
    uint32_t at = MB2_FIXED_BYTES, hlen = o->header_length;

    for (;;) {
        uint16_t type, flags;
        uint32_t size;

        if (at >= hlen)
            return mb_fail(w->d, MB_ERR_MB2_NO_END_TAG, MB2_NAME, "header at 0x%x: the tags reach header_length "
                           "0x%x (at +0x%x) without an end tag (type 0, size 8)", o->offset, hlen, at);
        if (hlen - at < MB2_TAG_HEADER_BYTES)
            return mb_fail(w->d, MB_ERR_MB2_TAG_PAST_END, MB2_NAME, "header at 0x%x: the tag at +0x%x has no room "
                           "for its 8-byte header before header_length 0x%x", o->offset, at, hlen);
        type = (uint16_t)le_load(w->h + at, TAG_HALF_BYTES);
        flags = (uint16_t)le_load(w->h + at + TAG_FLAGS_AT, TAG_HALF_BYTES);
        size = mb_u32(w->h + at + TAG_SIZE_AT);
        if (size < MB2_TAG_HEADER_BYTES)
            return mb_fail(w->d, MB_ERR_MB2_TAG_SIZE, MB2_NAME, "header at 0x%x: tag type %u at +0x%x has size %u, "
                           "less than its own 8-byte header", o->offset, type, at, size);
        if (size > hlen - at)
            return mb_fail(w->d, MB_ERR_MB2_TAG_PAST_END, MB2_NAME, "header at 0x%x: tag type %u at +0x%x, size "
                           "0x%x, ends at +0x%llx, past header_length 0x%x", o->offset, type, at, size,
                           (unsigned long long)at + size, hlen);
        if (type == MB2_TAG_END)
            return size == tag_size[MB2_TAG_END] ? MB_FOUND
                   : mb_fail(w->d, MB_ERR_MB2_TAG_SIZE, MB2_NAME, "header at 0x%x: end tag at +0x%x has size "
                             "%u, the spec's is 8", o->offset, at, size);
        if (record_tag(w, type, flags, at, size) != MB_FOUND)
            return MB_MALFORMED;
        o->tag_count++;
        at += (size + MB2_ALIGN - 1) & ~(MB2_ALIGN - 1); /* size <= header_length: no wrap */
    }
}

/* The magic fields after the checksum: architecture, then header_length against the window. */
static enum mb_status check_fixed(const uint8_t *h, size_t len, struct mb2_header *o, struct mb_diag *d)
{
    o->architecture = mb_u32(h + MB2_ARCH_AT);
    o->header_length = mb_u32(h + MB2_LENGTH_AT);
    if (o->architecture != MB2_ARCH_I386)
        return mb_fail(d, MB_ERR_MB2_ARCHITECTURE, MB2_NAME, "header at 0x%x: architecture %u (%s), not 0 (i386)",
                       o->offset, o->architecture, o->architecture == MB2_ARCH_MIPS32 ? "32-bit MIPS" : "undefined");
    if (o->header_length < MB2_FIXED_BYTES)
        return mb_fail(d, MB_ERR_MB2_HEADER_LENGTH, MB2_NAME, "header at 0x%x: header_length %u is less than its "
                       "16 bytes of magic fields", o->offset, o->header_length);
    return mb_check_extent(len, MB2_SEARCH_BYTES, o->offset, o->header_length, MB2_NAME, "its header_length would",
                           d);
}

enum mb_status mb2_find(const uint8_t *file, size_t len, struct mb2_header *out, struct mb_diag *diag)
{
    struct mb_diag scratch;
    struct walker w = { NULL, out, diag != NULL ? diag : &scratch };
    enum mb_status st;

    __builtin_memset(out, 0, sizeof *out);
    mb_diag_clear(w.d);
    st = mb_locate(file, len, MB2_SEARCH_BYTES, MB2_ALIGN, MB2_MAGIC, MB2_FIXED_BYTES, MB2_NAME, &out->offset, w.d);
    if (st != MB_FOUND)
        return st;
    w.h = file + out->offset;
    if (check_fixed(w.h, len, out, w.d) != MB_FOUND || walk_tags(&w) != MB_FOUND)
        return MB_MALFORMED;
    if (!out->tags[MB2_TAG_ADDRESS].present)
        return MB_FOUND;
    if (mb_plan_load(&out->address, out->offset, len, true, MB2_NAME, &out->load, w.d) != MB_FOUND)
        return MB_MALFORMED;
    return out->tags[MB2_TAG_ENTRY].present ? mb_check_entry(&out->load, out->entry_addr, MB2_NAME, w.d)
                                            : MB_FOUND;
}

const char *mb2_tag_name(unsigned type)
{
    return type < MB2_TAG_TYPE_COUNT ? tag_name[type] : "unknown";
}
