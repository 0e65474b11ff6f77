/* Pure: turns a raw UEFI memory map into ember's sorted, non-overlapping, merged memory map. */
#include "core/memmap.h"
#include "core/bytes.h"

#define UEFI_PAGE_SIZE PAGE_SIZE_4K
/* Smallest valid descriptor stride, and the alignment UEFI guarantees for it. */
#define DESC_MIN_SIZE sizeof(struct uefi_memory_descriptor)
#define DESC_ALIGN 8
/* out doubles as scratch: ranges in the tail, results in the front. */
#define OUT_SLOTS_PER_RANGE 3

/* Overlap precedence, lowest first: when ranges overlap, the type later in this list wins. */
static const uint32_t type_precedence[] = {
    EMBER_MEM_USABLE,
    EMBER_MEM_BOOTLOADER_RECLAIMABLE,
    EMBER_MEM_MODULES,
    EMBER_MEM_KERNEL,
    EMBER_MEM_PAGE_TABLES,
    EMBER_MEM_ACPI_RECLAIMABLE,
    EMBER_MEM_EFI_RUNTIME_DATA,
    EMBER_MEM_EFI_RUNTIME_CODE,
    EMBER_MEM_FRAMEBUFFER,
    EMBER_MEM_MMIO,
    EMBER_MEM_ACPI_NVS,
    EMBER_MEM_RESERVED,
    EMBER_MEM_BAD,
};

static const char type_names[][23] = {
    [EMBER_MEM_USABLE] = "usable",
    [EMBER_MEM_BOOTLOADER_RECLAIMABLE] = "bootloader-reclaimable",
    [EMBER_MEM_KERNEL] = "kernel",
    [EMBER_MEM_MODULES] = "modules",
    [EMBER_MEM_PAGE_TABLES] = "page-tables",
    [EMBER_MEM_ACPI_RECLAIMABLE] = "acpi-reclaimable",
    [EMBER_MEM_ACPI_NVS] = "acpi-nvs",
    [EMBER_MEM_RESERVED] = "reserved",
    [EMBER_MEM_MMIO] = "mmio",
    [EMBER_MEM_FRAMEBUFFER] = "framebuffer",
    [EMBER_MEM_BAD] = "bad",
    [EMBER_MEM_EFI_RUNTIME_CODE] = "efi-runtime-code",
    [EMBER_MEM_EFI_RUNTIME_DATA] = "efi-runtime-data",
};

/* Rank of an ember type in type_precedence (higher wins). Unknown types rank as reserved. */
static unsigned type_rank(uint32_t ember_type)
{
    unsigned i;

    for (i = 0; i < ARRAY_LEN(type_precedence); i++)
        if (type_precedence[i] == ember_type)
            return i;
    return type_rank(EMBER_MEM_RESERVED);
}

/* Returns ember_type, or EMBER_MEM_RESERVED when it is not a type ember knows. */
static uint32_t known_type(uint32_t ember_type)
{
    if (ember_type < ARRAY_LEN(type_names) && type_names[ember_type][0] != '\0')
        return ember_type;
    return EMBER_MEM_RESERVED;
}

uint32_t memmap_type_from_uefi(uint32_t uefi_type)
{
    switch (uefi_type) {
    case UEFI_CONVENTIONAL:
        return EMBER_MEM_USABLE;
    /* Boot-services memory still holds the firmware GDT and identity-map tables in use. */
    case UEFI_LOADER_CODE:
    case UEFI_LOADER_DATA:
    case UEFI_BOOT_SERVICES_CODE:
    case UEFI_BOOT_SERVICES_DATA:
    case EMBER_UEFI_TYPE_RECLAIMABLE:
        return EMBER_MEM_BOOTLOADER_RECLAIMABLE;
    case EMBER_UEFI_TYPE_KERNEL:
        return EMBER_MEM_KERNEL;
    case EMBER_UEFI_TYPE_MODULES:
        return EMBER_MEM_MODULES;
    case EMBER_UEFI_TYPE_PAGE_TABLES:
        return EMBER_MEM_PAGE_TABLES;
    case UEFI_ACPI_RECLAIM:
        return EMBER_MEM_ACPI_RECLAIMABLE;
    case UEFI_ACPI_NVS:
        return EMBER_MEM_ACPI_NVS;
    case UEFI_MMIO:
    case UEFI_MMIO_PORT_SPACE:
        return EMBER_MEM_MMIO;
    case UEFI_UNUSABLE:
        return EMBER_MEM_BAD;
    case UEFI_RUNTIME_SERVICES_CODE:
        return EMBER_MEM_EFI_RUNTIME_CODE;
    case UEFI_RUNTIME_SERVICES_DATA:
        return EMBER_MEM_EFI_RUNTIME_DATA;
    default: /* reserved, PAL code, persistent, unaccepted, other OS and OEM types */
        return EMBER_MEM_RESERVED;
    }
}

const char *memmap_type_name(uint32_t ember_type)
{
    if (ember_type < ARRAY_LEN(type_names) && type_names[ember_type][0] != '\0')
        return type_names[ember_type];
    return "unknown";
}

/* Copies the version-1 fields of the descriptor at p into *d. */
static void load_desc(const uint8_t *p, struct uefi_memory_descriptor *d)
{
    d->type = (uint32_t)le_load(p + offsetof(struct uefi_memory_descriptor, type), 4);
    d->pad = (uint32_t)le_load(p + offsetof(struct uefi_memory_descriptor, pad), 4);
    d->physical_start = le_load(p + offsetof(struct uefi_memory_descriptor, physical_start), 8);
    d->virtual_start = le_load(p + offsetof(struct uefi_memory_descriptor, virtual_start), 8);
    d->number_of_pages = le_load(p + offsetof(struct uefi_memory_descriptor, number_of_pages), 8);
    d->attribute = le_load(p + offsetof(struct uefi_memory_descriptor, attribute), 8);
}

static bool desc_size_valid(uint64_t desc_size)
{
    return desc_size >= DESC_MIN_SIZE && desc_size % DESC_ALIGN == 0;
}

/* Physical range of descriptor d in bytes. Returns false when pages * 4 KiB or base + length
 * does not fit in 64 bits (an end of exactly 2^64 counts as wrapping). */
static bool desc_range(const struct uefi_memory_descriptor *d, uint64_t *base, uint64_t *length)
{
    uint64_t end;

    if (__builtin_mul_overflow(d->number_of_pages, UEFI_PAGE_SIZE, length))
        return false;
    if (__builtin_add_overflow(d->physical_start, *length, &end))
        return false;
    *base = d->physical_start;
    return true;
}

/* Appends [base, base + length) of type to ranges[*k] widened outward to whole 4 KiB pages (base
 * rounded down, end up), so every boundary the sweep sees, and hence every output entry, is
 * page-aligned. A zero-length range is dropped, whatever its base. Returns false when the end,
 * before or after rounding up, passes 2^64 - 1 (an end of exactly 2^64 counts as wrapping). */
static bool add_page_range(struct ember_memmap_entry *ranges, size_t *k, uint64_t base,
                           uint64_t length, uint32_t type)
{
    uint64_t start, end;

    if (length == 0)
        return true;
    if (__builtin_add_overflow(base, length, &end) || !align_up_checked(end, UEFI_PAGE_SIZE, &end))
        return false;
    start = align_down(base, UEFI_PAGE_SIZE);
    ranges[(*k)++] = (struct ember_memmap_entry){ start, end - start, type, 0 };
    return true;
}

/* Converts the raw descriptors and the extra ranges into page-aligned (base, length, ember type)
 * entries at ranges[0..*n), dropping zero-length ones. ranges must hold n_desc + n_extra entries. */
static enum memmap_error collect_ranges(const uint8_t *raw, uint64_t n_desc, uint64_t desc_size,
                                        const struct ember_memmap_entry *extra, size_t n_extra,
                                        struct ember_memmap_entry *ranges, size_t *n)
{
    struct uefi_memory_descriptor d;
    uint64_t i, base, length;
    size_t k = 0;

    for (i = 0; i < n_desc; i++) {
        load_desc(raw + i * desc_size, &d);
        /* UEFI descriptors start on a page already; rounding only matters for a bad map */
        if (!desc_range(&d, &base, &length)
            || !add_page_range(ranges, &k, base, length, memmap_type_from_uefi(d.type)))
            return MEMMAP_ERR_RANGE_WRAPS;
    }
    for (i = 0; i < n_extra; i++)
        if (!add_page_range(ranges, &k, extra[i].base, extra[i].length, known_type(extra[i].type)))
            return MEMMAP_ERR_RANGE_WRAPS;
    *n = k;
    return MEMMAP_OK;
}

/* Smallest range start or end strictly greater than after. Returns false when there is none. */
static bool next_boundary(const struct ember_memmap_entry *ranges, size_t n, uint64_t after,
                          uint64_t *next)
{
    uint64_t best = UINT64_MAX; /* an end may equal UINT64_MAX, hence the <= below */
    bool found = false;
    size_t i;

    for (i = 0; i < n; i++) {
        uint64_t start = ranges[i].base, end = ranges[i].base + ranges[i].length;
        if (start > after && start <= best) {
            best = start;
            found = true;
        }
        if (end > after && end <= best) {
            best = end;
            found = true;
        }
    }
    *next = best;
    return found;
}

/* Winning type of the ranges covering address at (which must start an elementary interval, so
 * a range covers the whole interval iff it covers at). Returns 0 when nothing covers it (a gap). */
static uint32_t covering_type(const struct ember_memmap_entry *ranges, size_t n, uint64_t at)
{
    uint32_t best = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (at < ranges[i].base || at - ranges[i].base >= ranges[i].length)
            continue;
        if (best == 0 || type_rank(ranges[i].type) > type_rank(best))
            best = ranges[i].type;
    }
    return best;
}

/* Appends [base, end) of type to out[0..*w), merging with the previous entry when it is adjacent
 * and of the same type. limit is the first slot the front may not write (the scratch tail). */
static bool emit(struct ember_memmap_entry *out, size_t *w, size_t limit, uint64_t base,
                 uint64_t end, uint32_t type)
{
    struct ember_memmap_entry *prev = *w > 0 ? &out[*w - 1] : NULL;

    if (prev != NULL && prev->type == type && prev->base + prev->length == base) {
        prev->length = end - prev->base;
        return true;
    }
    if (*w >= limit)
        return false;
    out[(*w)++] = (struct ember_memmap_entry){ base, end - base, type, 0 };
    return true;
}

/* Sweeps the elementary intervals between all range boundaries (O(n^2)) and writes the winning
 * type of each into out[0..*count), sorted and merged. ranges must lie at or after out[limit]. */
static enum memmap_error sweep(const struct ember_memmap_entry *ranges, size_t n,
                               struct ember_memmap_entry *out, size_t limit, size_t *count)
{
    uint64_t cur = 0, next;
    size_t i, w = 0;

    if (n == 0) {
        *count = 0;
        return MEMMAP_OK;
    }
    for (i = 0; i < n; i++)
        if (i == 0 || ranges[i].base < cur)
            cur = ranges[i].base;
    while (next_boundary(ranges, n, cur, &next)) {
        uint32_t type = covering_type(ranges, n, cur);
        if (type != 0 && !emit(out, &w, limit, cur, next, type))
            return MEMMAP_ERR_NO_SPACE;
        cur = next;
    }
    *count = w;
    return MEMMAP_OK;
}

enum memmap_error memmap_normalize(const void *raw, uint64_t raw_size, uint64_t desc_size,
                                   const struct ember_memmap_entry *extra, size_t n_extra,
                                   struct ember_memmap_entry *out, size_t out_cap, size_t *count)
{
    uint64_t n_desc;
    size_t n_total, n_ranges, tail;
    enum memmap_error err;

    *count = 0;
    if (!desc_size_valid(desc_size))
        return MEMMAP_ERR_DESC_SIZE;
    n_desc = raw_size / desc_size; /* a trailing partial descriptor is ignored */
    if (n_desc > SIZE_MAX || __builtin_add_overflow((size_t)n_desc, n_extra, &n_total)
        || n_total > out_cap / OUT_SLOTS_PER_RANGE)
        return MEMMAP_ERR_NO_SPACE;
    tail = out_cap - n_total;
    err = collect_ranges(raw, n_desc, desc_size, extra, n_extra, out + tail, &n_ranges);
    if (err != MEMMAP_OK)
        return err;
    return sweep(out + tail, n_ranges, out, tail, count);
}

uint64_t memmap_highest_address(const void *raw, uint64_t raw_size, uint64_t desc_size)
{
    struct uefi_memory_descriptor d;
    uint64_t i, base, length, highest = 0;
    const uint8_t *p = raw;

    if (!desc_size_valid(desc_size))
        return 0;
    for (i = 0; i < raw_size / desc_size; i++) {
        load_desc(p + i * desc_size, &d);
        if (desc_range(&d, &base, &length) && length > 0 && base + length > highest)
            highest = base + length;
    }
    return highest;
}

/* Highest A in [base, base + length) with A == offset (mod align) and [A, A + size) inside it. */
static bool highest_fit(uint64_t base, uint64_t length, uint64_t size, uint64_t align, uint64_t offset,
                        uint64_t *at)
{
    uint64_t end = base + length, start;

    if (size == 0 || size > length)
        return false;
    start = end - size;
    start -= (start - offset) & (align - 1); /* round down to the congruence class */
    if (start < base || start > end - size)
        return false;
    *at = start;
    return true;
}

bool memmap_find_free(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t size, uint64_t align,
                      uint64_t offset, uint64_t *address)
{
    struct uefi_memory_descriptor d;
    uint64_t i, base, length, at, best = 0;
    bool found = false;
    const uint8_t *p = raw;

    if (!desc_size_valid(desc_size) || align == 0 || (align & (align - 1)) != 0)
        return false;
    for (i = 0; i < raw_size / desc_size; i++) {
        load_desc(p + i * desc_size, &d);
        if (d.type != UEFI_CONVENTIONAL || !desc_range(&d, &base, &length))
            continue;
        if (highest_fit(base, length, size, align, offset, &at) && (!found || at > best)) {
            best = at;
            found = true;
        }
    }
    *address = best;
    return found;
}

bool memmap_find_free_within(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t size, uint64_t align,
                             uint64_t lo, uint64_t hi, bool lowest, uint64_t *address)
{
    struct uefi_memory_descriptor d;
    uint64_t base, length, start, end, at;
    bool found = false;
    const uint8_t *p = raw;

    if (!desc_size_valid(desc_size) || align == 0 || (align & (align - 1)) != 0 || size == 0 || hi < lo)
        return false;
    for (uint64_t i = 0; i < raw_size / desc_size; i++) {
        load_desc(p + i * desc_size, &d);
        if (d.type != UEFI_CONVENTIONAL || !desc_range(&d, &base, &length))
            continue;
        start = base > lo ? base : lo;
        end = base + length < hi ? base + length : hi;
        if (start >= end || end - start < size || !align_up_checked(start, align, &at) || at > end - size)
            continue;
        if (!lowest)
            at = align_down(end - size, align);
        if (!found || (lowest ? at < *address : at > *address))
            *address = at;
        found = true;
    }
    return found;
}

/* The descriptor of the raw map containing addr, or false when no descriptor covers it. */
static bool descriptor_at(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t addr,
                          struct uefi_memory_descriptor *out)
{
    uint64_t base, length;
    const uint8_t *p = raw;

    for (uint64_t i = 0; i < raw_size / desc_size; i++) {
        load_desc(p + i * desc_size, out);
        if (desc_range(out, &base, &length) && addr >= base && addr - base < length)
            return true;
    }
    return false;
}

static bool free_now(uint32_t uefi_type)
{
    return uefi_type == UEFI_CONVENTIONAL;
}

static bool free_at_exit(uint32_t uefi_type)
{
    return uefi_type == UEFI_CONVENTIONAL || uefi_type == UEFI_BOOT_SERVICES_CODE ||
           uefi_type == UEFI_BOOT_SERVICES_DATA;
}

/* True when descriptors of types `ok` accepts cover [base, base + size) without a gap; else
 * *busy_at and *uefi_type name the first byte and type that is not. */
static bool range_all(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t base, uint64_t size,
                      uint64_t *busy_at, uint32_t *uefi_type, bool (*ok)(uint32_t))
{
    struct uefi_memory_descriptor d;
    uint64_t cursor = base, end, d_base, d_length;

    *busy_at = base;
    *uefi_type = MEMMAP_NO_DESCRIPTOR;
    if (!desc_size_valid(desc_size) || __builtin_add_overflow(base, size, &end))
        return false;
    /* each step moves past one descriptor, so the loop ends after at most one step per descriptor */
    while (cursor < end) {
        *busy_at = cursor;
        if (!descriptor_at(raw, raw_size, desc_size, cursor, &d)) {
            *uefi_type = MEMMAP_NO_DESCRIPTOR;
            return false;
        }
        *uefi_type = d.type;
        if (!ok(d.type))
            return false;
        desc_range(&d, &d_base, &d_length);
        cursor = d_base + d_length;
    }
    return true;
}

bool memmap_range_is_free(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t base,
                          uint64_t size, uint64_t *busy_at, uint32_t *uefi_type)
{
    return range_all(raw, raw_size, desc_size, base, size, busy_at, uefi_type, free_now);
}

bool memmap_range_free_at_exit(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t base,
                               uint64_t size, uint64_t *busy_at, uint32_t *uefi_type)
{
    return range_all(raw, raw_size, desc_size, base, size, busy_at, uefi_type, free_at_exit);
}

const char *memmap_uefi_type_name(uint32_t uefi_type)
{
    static const char names[][27] = {
        "EfiReservedMemoryType", "EfiLoaderCode", "EfiLoaderData", "EfiBootServicesCode",
        "EfiBootServicesData", "EfiRuntimeServicesCode", "EfiRuntimeServicesData",
        "EfiConventionalMemory", "EfiUnusableMemory", "EfiACPIReclaimMemory", "EfiACPIMemoryNVS",
        "EfiMemoryMappedIO", "EfiMemoryMappedIOPortSpace", "EfiPalCode", "EfiPersistentMemory",
        "EfiUnacceptedMemoryType",
    };

    if (uefi_type < ARRAY_LEN(names))
        return names[uefi_type];
    if (uefi_type == MEMMAP_NO_DESCRIPTOR)
        return "no memory at all (no memory-map descriptor)";
    switch (uefi_type) {
    case EMBER_UEFI_TYPE_KERNEL: return "ember kernel";
    case EMBER_UEFI_TYPE_PAGE_TABLES: return "ember page-table";
    case EMBER_UEFI_TYPE_MODULES: return "ember module";
    case EMBER_UEFI_TYPE_RECLAIMABLE: return "ember boot-info";
    }
    return uefi_type >= 0x80000000u ? "OS-loader-defined" : "unknown-type";
}
