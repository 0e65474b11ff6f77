/* Pure: ember's memory map in the Limine protocol's terms (types, first page, direct-map coverage). */
#include "core/lmemmap.h"

#define FIRST_PAGE_END PAGE_SIZE_4K
#define FOUR_GIB (4 * GIB)
#define HHDM_ANY_REGION_REVISION 0 /* its direct map covers every memory-map region */
#define HHDM_LOW_REVISIONS_LAST 2  /* base revisions 0-2 map all of [0, 4 GiB) */

uint64_t lmemmap_type(uint32_t ember_type)
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
    /* reserved, MMIO, EFI runtime, unknown, and bad (EfiUnusableMemory): the spec's EFI table
     * sends every EFI type it does not name to RESERVED, EfiUnusableMemory included */
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

size_t lmemmap_convert(const struct ember_memmap_entry *in, size_t n, uint64_t base_revision,
                       struct limine_memmap_entry *out, size_t cap)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        uint64_t base = in[i].base, length = in[i].length, type = lmemmap_type(in[i].type);
        if (base_revision <= HHDM_LOW_REVISIONS_LAST && type == LIMINE_MEMMAP_USABLE && base < FIRST_PAGE_END) {
            uint64_t cut = FIRST_PAGE_END - base < length ? FIRST_PAGE_END - base : length;
            if (!append(out, cap, &count, base, cut, LIMINE_MEMMAP_RESERVED))
                return 0;
            base += cut;
            length -= cut;
        }
        if (!append(out, cap, &count, base, length, type))
            return 0;
    }
    return count;
}

bool lmemmap_hhdm_covers(uint32_t ember_type, uint64_t base_revision, uint64_t base)
{
    uint64_t type = lmemmap_type(ember_type);

    if (base_revision == HHDM_ANY_REGION_REVISION)
        return true;
    if (base_revision <= HHDM_LOW_REVISIONS_LAST)
        return base < FOUR_GIB || (type != LIMINE_MEMMAP_RESERVED && type != LIMINE_MEMMAP_BAD_MEMORY);
    return type == LIMINE_MEMMAP_USABLE || type == LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE ||
           type == LIMINE_MEMMAP_EXECUTABLE_AND_MODULES || type == LIMINE_MEMMAP_FRAMEBUFFER;
}
