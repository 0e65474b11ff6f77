/* Probe checks: the memory map (Memory Map feature) and the EFI memory map (EFI Memory Map feature),
 * and the helpers other checks use to ask what type a page has. */
#include "probe.h"

#define LOW_PAGE_END 0x1000ULL /* base revisions <= 2: [0, 0x1000) is never usable */
#define EFI_DESC_MIN 40        /* UEFI 2.x EFI_MEMORY_DESCRIPTOR */
#define EFI_DESC_VERSION 1
#define EFI_OEM_FIRST 0x70000000u

/* EFI memory types (UEFI spec, EFI_MEMORY_TYPE). */
enum efi_type {
    EFI_LOADER_CODE = 1, EFI_LOADER_DATA = 2, EFI_BS_CODE = 3, EFI_BS_DATA = 4, EFI_RT_CODE = 5, EFI_RT_DATA = 6,
    EFI_CONVENTIONAL = 7, EFI_ACPI_RECLAIM = 9, EFI_ACPI_NVS = 10,
};

struct efi_desc {
    uint32_t type, pad;
    uint64_t phys, virt, pages, attribute;
};

/* The entry i of the memory map (the response was checked to be present). */
static const struct lp_memmap_entry *entry_at(uint64_t i)
{
    return boot.memmap->entries[i];
}

/* The type of the first memory-map entry containing phys, or -1 when none does. */
int memmap_type_at(uint64_t phys)
{
    if (boot.memmap == NULL || boot.memmap->entries == NULL)
        return -1;
    for (uint64_t i = 0; i < boot.memmap->entry_count; i++) {
        const struct lp_memmap_entry *e = entry_at(i);
        if (e != NULL && phys >= e->base && phys - e->base < e->length)
            return (int)e->type;
    }
    return -1;
}

/* True when every page of the virtual range [p, p + len) is mapped to memory of this type;
 * otherwise *bad is the first virtual address that is not. */
bool virt_range_typed(const void *p, uint64_t len, uint64_t type, uint64_t *bad)
{
    uint64_t start = (uint64_t)p & ~(PAGE_SIZE - 1), end = (uint64_t)p + (len ? len : 1);
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        bool mapped;
        uint64_t phys = virt_to_phys((const void *)va, &mapped);
        if (!mapped || memmap_type_at(phys) != (int)type) {
            *bad = va;
            return false;
        }
    }
    return true;
}

/* True when every byte of the physical range [phys, phys + len) lies in some memory-map entry whose
 * type is in type_mask (bit n = type n); entries may overlap, so any covering entry of such a type
 * counts. Otherwise false and *bad is the first byte that does not. */
bool phys_range_typed(uint64_t phys, uint64_t len, unsigned type_mask, uint64_t *bad)
{
    uint64_t at = phys, end = phys + (len ? len : 1);

    while (at < end) {
        uint64_t reach = at;
        for (uint64_t i = 0; boot.memmap != NULL && boot.memmap->entries != NULL && i < boot.memmap->entry_count; i++) {
            const struct lp_memmap_entry *e = entry_at(i);
            bool typed = e != NULL && e->type < MEMMAP_TYPE_BITS && (type_mask & MEMMAP_TYPE_BIT(e->type));
            if (typed && at >= e->base && at - e->base < e->length && e->base + e->length > reach)
                reach = e->base + e->length;
        }
        if (reach == at) {
            *bad = at;
            return false;
        }
        at = reach;
    }
    return true;
}

/* The number of memory-map types the revision defines: RESERVED_MAPPED (8) from base revision 4. */
static uint64_t memmap_type_count(void)
{
    return boot.revision >= 4 ? LP_MEM_TYPE_COUNT_REV4 : LP_MEM_TYPE_COUNT_REV3;
}

/* True when [p, p + len) lies in bootloader-reclaimable memory ("All responses and associated data
 * structures are placed in bootloader-reclaimable memory regions"). */
bool in_reclaimable(const void *p, uint64_t len)
{
    uint64_t bad;
    return p != NULL && virt_range_typed(p, len, LP_MEM_BOOTLOADER_RECLAIMABLE, &bad);
}

/* Short name of a memory-map type for report lines. */
const char *memmap_type_name(uint64_t type)
{
    static const char *const names[LP_MEM_TYPE_COUNT_REV4] = { "usable", "reserved", "ACPI reclaimable", "ACPI NVS",
                                                              "bad", "bootloader reclaimable", "executable+modules",
                                                              "framebuffer", "reserved mapped" };
    return type < LP_MEM_TYPE_COUNT_REV4 ? names[type] : "unknown";
}

/* True for the types whose entries are page-aligned and overlap nothing. */
static bool strict_type(uint64_t type)
{
    return type == LP_MEM_USABLE || type == LP_MEM_BOOTLOADER_RECLAIMABLE;
}

/* Counts entries that overlap entry i (for usable and bootloader-reclaimable entries). */
static unsigned overlaps_of(uint64_t i)
{
    const struct lp_memmap_entry *a = entry_at(i);
    unsigned n = 0;
    for (uint64_t j = 0; j < boot.memmap->entry_count; j++) {
        const struct lp_memmap_entry *b = entry_at(j);
        if (j != i && b->length != 0 && a->base < b->base + b->length && b->base < a->base + a->length)
            n++;
    }
    return n;
}

/* Checks the entry array: present, in reclaimable memory, every pointer non-NULL. Returns false
 * (after reporting) when the entries cannot be read. */
static bool check_memmap_array(void)
{
    const struct lp_memmap_response *m = boot.memmap;
    unsigned null_entries = 0, outside = 0;

    bool array_ok = m->entries != NULL && m->entry_count > 0 &&
                    in_reclaimable(m->entries, m->entry_count * sizeof m->entries[0]);
    check(array_ok, EXIT_FAIL_MEMMAP, "memory map entry array", "%llu entries, array at %p",
          (unsigned long long)m->entry_count, (void *)m->entries);
    if (m->entries == NULL)
        return false;
    for (uint64_t i = 0; i < m->entry_count; i++) {
        null_entries += m->entries[i] == NULL;
        outside += m->entries[i] != NULL && !in_reclaimable(m->entries[i], sizeof *m->entries[i]);
    }
    check(null_entries == 0 && outside == 0, EXIT_FAIL_MEMMAP, "memory map entries in reclaimable memory",
          "%u NULL, %u outside bootloader-reclaimable memory", null_entries, outside);
    for (uint64_t i = 0; i < m->entry_count && m->entries[i] != NULL; i++)
        note("memmap %3llu: 0x%016llx + 0x%llx %s", (unsigned long long)i, (unsigned long long)entry_at(i)->base,
             (unsigned long long)entry_at(i)->length, memmap_type_name(entry_at(i)->type));
    return null_entries == 0;
}

/* The per-entry invariants: sorted by base, types the revision defines (RESERVED_MAPPED only from 4), page-aligned and non-overlapping usable and
 * bootloader-reclaimable entries, nothing usable below 0x1000 in base revisions <= 2. */
static void check_memmap_entries(void)
{
    unsigned unsorted = 0, bad_type = 0, unaligned = 0, overlapping = 0, low_usable = 0, usable = 0;
    uint64_t first_bad = 0;

    for (uint64_t i = 0; i < boot.memmap->entry_count; i++) {
        const struct lp_memmap_entry *e = entry_at(i);
        unsorted += i > 0 && e->base < entry_at(i - 1)->base;
        bad_type += e->type >= memmap_type_count();
        usable += e->type == LP_MEM_USABLE;
        if (strict_type(e->type)) {
            bool misaligned = ((e->base | e->length) & (PAGE_SIZE - 1)) != 0 || e->length == 0;
            unsigned over = overlaps_of(i);
            if ((misaligned || over) && unaligned + overlapping == 0)
                first_bad = e->base;
            unaligned += misaligned;
            overlapping += over != 0;
        }
        low_usable += boot.revision <= 2 && e->type == LP_MEM_USABLE && e->base < LOW_PAGE_END;
    }
    check(unsorted == 0, EXIT_FAIL_MEMMAP, "memory map sorted by base", "%u out of order", unsorted);
    check(bad_type == 0, EXIT_FAIL_MEMMAP, "memory map types known", "%u entries with a type >= %llu (base revision %u)",
          bad_type, (unsigned long long)memmap_type_count(), boot.revision);
    check(unaligned == 0 && overlapping == 0, EXIT_FAIL_MEMMAP, "usable/reclaimable entries aligned, disjoint",
          "%u not 4 KiB aligned, %u overlapping (first at 0x%llx)", unaligned, overlapping,
          (unsigned long long)first_bad);
    check(usable > 0, EXIT_FAIL_MEMMAP, "memory map has usable memory", "%u usable entries", usable);
    if (boot.revision <= 2)
        check(low_usable == 0, EXIT_FAIL_MEMMAP, "nothing usable below 0x1000 (base revision <= 2)",
              "%u usable entries start below 0x1000", low_usable);
}

/* The kernel's own pages are executable+modules; the page tables are bootloader-reclaimable. */
static void check_memmap_owners(void)
{
    uint64_t bad = 0, tables[4] = { 0 };
    bool kernel_ok = virt_range_typed(__image_start, (uint64_t)(__image_end - __image_start),
                                      LP_MEM_EXECUTABLE_AND_MODULES, &bad);
    check(kernel_ok, EXIT_FAIL_MEMMAP, "kernel pages typed executable+modules",
          "[%p, %p), first wrong 0x%llx", (void *)__image_start, (void *)__image_end, (unsigned long long)bad);
    unsigned n = page_tables_of((uint64_t)__text_start, tables), wrong = 0;
    for (unsigned i = 0; i < n; i++)
        wrong += memmap_type_at(tables[i]) != LP_MEM_BOOTLOADER_RECLAIMABLE;
    check(n > 0 && wrong == 0, EXIT_FAIL_MEMMAP, "page tables in bootloader-reclaimable memory",
          "%u tables on the walk for .text, %u elsewhere (root 0x%llx: %s)", n, wrong,
          (unsigned long long)tables[0], n ? memmap_type_name((uint64_t)memmap_type_at(tables[0])) : "-");
}

/* Checks the memory map response (boot.memmap) against every invariant the spec states. */
void check_memmap(void)
{
    if (!check_response(boot.memmap, "memory map", LP_RESPONSE_REVISION_MAX) || !check_memmap_array())
        return;
    check_memmap_entries();
    check_memmap_owners();
}

/* True when Limine type `got` is what the spec's EFI-to-Limine table allows for EFI type efi
 * (executable+modules is how a loader's own allocations for the kernel and modules show up). The
 * table holds "unless overridden by any previous rules": from base revision 4 the ACPI tables (and
 * from 5 SMBIOS and the EFI system table) may turn a reserved page into RESERVED_MAPPED. */
static bool efi_type_allowed(uint32_t efi, int got)
{
    bool reserved_mapped = boot.revision >= 4 && got == LP_MEM_RESERVED_MAPPED;

    switch (efi) {
    case EFI_RT_CODE: case EFI_RT_DATA: /* RESERVED_MAPPED from base revision 5, else RESERVED */
        return boot.revision >= 5 ? got == LP_MEM_RESERVED_MAPPED : got == LP_MEM_RESERVED || reserved_mapped;
    case EFI_LOADER_CODE: case EFI_LOADER_DATA: case EFI_BS_CODE: case EFI_BS_DATA:
        return got == LP_MEM_BOOTLOADER_RECLAIMABLE || got == LP_MEM_EXECUTABLE_AND_MODULES;
    case EFI_CONVENTIONAL:
        return got == LP_MEM_USABLE;
    case EFI_ACPI_RECLAIM:
        return got == LP_MEM_ACPI_RECLAIMABLE;
    case EFI_ACPI_NVS:
        return got == LP_MEM_ACPI_NVS;
    default:
        if (efi >= EFI_OEM_FIRST) /* a loader's own types: its own memory */
            return got == LP_MEM_RESERVED || got == LP_MEM_BOOTLOADER_RECLAIMABLE ||
                   got == LP_MEM_EXECUTABLE_AND_MODULES || reserved_mapped;
        return got == LP_MEM_RESERVED || got == LP_MEM_FRAMEBUFFER || reserved_mapped;
    }
}

/* Compares the first page (at or above 0x1000) of every EFI descriptor with the memory map type
 * the spec's "EFI Memory Map Entry Type to Limine Memory Map Type" table gives it. */
static void check_efi_types(const uint8_t *map, uint64_t size, uint64_t desc_size)
{
    unsigned compared = 0, wrong = 0;
    uint64_t first_phys = 0;
    uint32_t first_efi = 0;
    int first_got = 0;

    for (uint64_t off = 0; off + desc_size <= size; off += desc_size) {
        const struct efi_desc *d = (const struct efi_desc *)(map + off);
        uint64_t page = d->phys < LOW_PAGE_END ? LOW_PAGE_END : d->phys;
        if (page >= d->phys + d->pages * PAGE_SIZE)
            continue;
        int got = memmap_type_at(page);
        compared++;
        if (!efi_type_allowed(d->type, got) && wrong++ == 0) {
            first_phys = page;
            first_efi = d->type;
            first_got = got;
        }
    }
    check(compared > 0 && wrong == 0, EXIT_FAIL_MEMMAP, "EFI types map to memory map types",
          "%u descriptors compared, %u wrong (first 0x%llx: EFI type %u is %s)", compared, wrong,
          (unsigned long long)first_phys, first_efi, first_got < 0 ? "missing" : memmap_type_name((uint64_t)first_got));
}

/* Base revision 5: "EfiRuntimeServicesCode, EfiRuntimeServicesData -> RESERVED_MAPPED" - every byte
 * of every runtime-services descriptor lies in a RESERVED_MAPPED entry of the memory map (not only
 * its first page, which check_efi_types compares). */
static void check_efi_runtime_reserved_mapped(const uint8_t *map, uint64_t size, uint64_t desc_size)
{
    unsigned runtime = 0, wrong = 0;
    uint64_t first_bad = 0, bad;

    for (uint64_t off = 0; off + desc_size <= size; off += desc_size) {
        const struct efi_desc *d = (const struct efi_desc *)(map + off);
        if (d->type != EFI_RT_CODE && d->type != EFI_RT_DATA)
            continue;
        runtime++;
        if (!phys_range_typed(d->phys, d->pages * PAGE_SIZE, MEMMAP_TYPE_BIT(LP_MEM_RESERVED_MAPPED), &bad) &&
            wrong++ == 0)
            first_bad = bad;
    }
    int got = wrong ? memmap_type_at(first_bad) : 0;
    check(wrong == 0, EXIT_FAIL_MEMMAP, "EFI runtime services memory is RESERVED_MAPPED (base revision >= 5)",
          "%u runtime code/data descriptors, %u not wholly reserved-mapped (first 0x%llx: %s)", runtime, wrong,
          (unsigned long long)first_bad, got < 0 ? "missing" : memmap_type_name((uint64_t)got));
}

/* Checks the EFI memory map response: HHDM pointer into reclaimable memory, sane descriptor size
 * and version, and its types consistent with the memory map. */
void check_efi_memmap(const struct lp_efi_memmap_response *r)
{
    if (!check_response(r, "EFI memory map", LP_RESPONSE_REVISION_MAX))
        return;
    bool shape = r->desc_size >= EFI_DESC_MIN && r->memmap_size > 0 && r->memmap_size % r->desc_size == 0 &&
                 r->desc_version == EFI_DESC_VERSION;
    check(shape, EXIT_FAIL_MEMMAP, "EFI memory map shape", "%llu bytes, descriptor %llu bytes, version %llu",
          (unsigned long long)r->memmap_size, (unsigned long long)r->desc_size, (unsigned long long)r->desc_version);
    bool placed = hhdm_pointer(r->memmap) && in_reclaimable(r->memmap, r->memmap_size);
    check(placed, EXIT_FAIL_MEMMAP, "EFI memory map in reclaimable memory", "at %p", r->memmap);
    if (shape && placed && boot.memmap != NULL)
        check_efi_types(r->memmap, r->memmap_size, r->desc_size);
    if (shape && placed && boot.memmap != NULL && boot.revision >= 5)
        check_efi_runtime_reserved_mapped(r->memmap, r->memmap_size, r->desc_size);
}
