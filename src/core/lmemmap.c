/* Pure: ember's memory map in the Limine protocol's terms (types, first page, direct-map coverage). */
#include "core/lmemmap.h"

#define FIRST_PAGE_END PAGE_SIZE_4K
#define FOUR_GIB (4 * GIB)
#define HHDM_ANY_REGION_REVISION 0 /* its direct map covers every memory-map region */
#define HHDM_LOW_REVISIONS_LAST 2  /* base revisions 0-2 map all of [0, 4 GiB) */

/* Copies range from into slot to. */
static void move_range(struct lmemmap_firmware_ranges *r, unsigned to, unsigned from)
{
    r->base[to] = r->base[from];
    r->end[to] = r->end[from];
}

void lmemmap_add_firmware_range(struct lmemmap_firmware_ranges *r, uint64_t base, uint64_t length)
{
    uint64_t end = base + length, lo = base & ~(PAGE_SIZE_4K - 1), hi;
    unsigned at = 0, last;

    if (length == 0 || end < base || end > UINT64_MAX - PAGE_SIZE_4K)
        return;
    hi = (end + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
    while (at < r->count && r->end[at] < lo) /* the first range that touches or follows [lo, hi) */
        at++;
    for (last = at; last < r->count && r->base[last] <= hi; last++) { /* every range it touches */
        lo = r->base[last] < lo ? r->base[last] : lo;
        hi = r->end[last] > hi ? r->end[last] : hi;
    }
    if (last == at) { /* touches none: insert at `at` */
        if (r->count == LMEMMAP_MAX_FIRMWARE_RANGES) {
            r->overflow++;
            return;
        }
        for (unsigned i = r->count; i > at; i--)
            move_range(r, i, i - 1);
        r->count++;
    } else { /* [at, last) become one range at `at` */
        unsigned gone = last - at - 1;
        for (unsigned i = last; i < r->count; i++)
            move_range(r, i - gone, i);
        r->count -= gone;
    }
    r->base[at] = lo;
    r->end[at] = hi;
}

uint64_t lmemmap_type(uint32_t ember_type, uint64_t base_revision)
{
    switch (ember_type) {
    case EMBER_MEM_USABLE: return LIMINE_MEMMAP_USABLE;
    case EMBER_MEM_BOOTLOADER_RECLAIMABLE:
    case EMBER_MEM_PAGE_TABLES: return LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE;
    case EMBER_MEM_KERNEL:
    case EMBER_MEM_MODULES: return LIMINE_MEMMAP_EXECUTABLE_AND_MODULES;
    case EMBER_MEM_ACPI_RECLAIMABLE: return LIMINE_MEMMAP_ACPI_RECLAIMABLE;
    case EMBER_MEM_ACPI_NVS: return LIMINE_MEMMAP_ACPI_NVS;
    case EMBER_MEM_FRAMEBUFFER: return LIMINE_MEMMAP_FRAMEBUFFER;
    case EMBER_MEM_EFI_RUNTIME_CODE:
    case EMBER_MEM_EFI_RUNTIME_DATA:
        return base_revision >= LMEMMAP_REVISION_RUNTIME_MAPPED ? LIMINE_MEMMAP_RESERVED_MAPPED
                                                                : LIMINE_MEMMAP_RESERVED;
    /* reserved, MMIO, unknown, and bad (EfiUnusableMemory): the spec's EFI table sends every EFI
     * type it does not name to RESERVED, EfiUnusableMemory included */
    default: return LIMINE_MEMMAP_RESERVED;
    }
}

/* Appends [base, base + length) of type to out[0..*count), merging with the last entry when it is
 * adjacent and of the same type. False when out is full. */
static bool append(struct limine_memmap_entry *out, size_t cap, size_t *count, uint64_t base, uint64_t length,
                   uint64_t type)
{
    struct limine_memmap_entry *last = *count > 0 ? &out[*count - 1] : NULL;

    if (length == 0)
        return true;
    if (last != NULL && last->type == type && last->base + last->length == base) {
        last->length += length;
        return true;
    }
    if (*count == cap)
        return false;
    out[(*count)++] = (struct limine_memmap_entry){ base, length, type };
    return true;
}

/* True when a region of this Limine type already lies in the revision-4 direct map as the spec
 * wants firmware tables to: nothing to re-type. */
static bool holds_firmware_data(uint64_t type)
{
    return type == LIMINE_MEMMAP_ACPI_RECLAIMABLE || type == LIMINE_MEMMAP_ACPI_NVS ||
           type == LIMINE_MEMMAP_RESERVED_MAPPED;
}

/* Appends [base, end) of type, its parts inside firmware ranges as RESERVED_MAPPED. */
static bool append_split(struct limine_memmap_entry *out, size_t cap, size_t *count, uint64_t base, uint64_t end,
                         uint64_t type, const struct lmemmap_firmware_ranges *fw)
{
    for (unsigned i = 0; fw != NULL && !holds_firmware_data(type) && i < fw->count && base < end; i++) {
        if (fw->end[i] <= base || fw->base[i] >= end)
            continue;
        uint64_t from = fw->base[i] > base ? fw->base[i] : base, to = fw->end[i] < end ? fw->end[i] : end;
        if (!append(out, cap, count, base, from - base, type) ||
            !append(out, cap, count, from, to - from, LIMINE_MEMMAP_RESERVED_MAPPED))
            return false;
        base = to;
    }
    return append(out, cap, count, base, end - base, type);
}

size_t lmemmap_convert(const struct ember_memmap_entry *in, size_t n, uint64_t base_revision,
                       const struct lmemmap_firmware_ranges *fw, struct limine_memmap_entry *out, size_t cap)
{
    size_t count = 0;

    if (base_revision < LMEMMAP_REVISION_ACPI_MAPPED)
        fw = NULL;
    for (size_t i = 0; i < n; i++) {
        uint64_t base = in[i].base, length = in[i].length, type = lmemmap_type(in[i].type, base_revision);
        if (base_revision <= HHDM_LOW_REVISIONS_LAST && type == LIMINE_MEMMAP_USABLE && base < FIRST_PAGE_END) {
            uint64_t cut = FIRST_PAGE_END - base < length ? FIRST_PAGE_END - base : length;
            if (!append(out, cap, &count, base, cut, LIMINE_MEMMAP_RESERVED))
                return 0;
            base += cut;
            length -= cut;
        }
        if (!append_split(out, cap, &count, base, base + length, type, fw))
            return 0;
    }
    return count;
}

bool lmemmap_hhdm_covers(uint32_t ember_type, uint64_t base_revision, uint64_t base)
{
    uint64_t type = lmemmap_type(ember_type, base_revision);

    if (base_revision == HHDM_ANY_REGION_REVISION)
        return true;
    if (base_revision <= HHDM_LOW_REVISIONS_LAST)
        return base < FOUR_GIB || (type != LIMINE_MEMMAP_RESERVED && type != LIMINE_MEMMAP_BAD_MEMORY);
    if (base_revision >= LMEMMAP_REVISION_ACPI_MAPPED && holds_firmware_data(type))
        return true;
    return type == LIMINE_MEMMAP_USABLE || type == LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE ||
           type == LIMINE_MEMMAP_EXECUTABLE_AND_MODULES || type == LIMINE_MEMMAP_FRAMEBUFFER;
}
