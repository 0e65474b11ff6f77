/* Probe checks: "Memory Layout at Entry" - what the HHDM covers in each base revision, the identity
 * map (revision 0 only), the empty lower half (revision 1 on), the kernel's own mapping (permissions,
 * physical contiguity, caching) and the Executable Address feature. */
#include "probe.h"

#define IDENTITY_START 0x1000ULL
#define LOWER_HALF_END 0x0000800000000000ULL
#define PML4_SLOT_SIZE (1ULL << 39)
#define PAT_WB 0

/* The 4 KiB-rounded physical extent of a memory-map entry. */
static void entry_pages(const struct lp_memmap_entry *e, uint64_t *start, uint64_t *end)
{
    *start = e->base & ~(PAGE_SIZE - 1);
    *end = (e->base + e->length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* True when the HHDM of this base revision must map the entry: revision 0 every region; 1 and 2
 * every region but reserved and bad memory (those only inside the unconditional 0-4 GiB map);
 * 3 only usable, bootloader-reclaimable, executable+modules and framebuffer; 4 and later "the
 * following regions are also mapped": reserved-mapped, ACPI reclaimable and ACPI NVS. From 3 on
 * these are also the only regions the HHDM may map (check_hhdm_only_listed). */
static bool hhdm_must_map(const struct lp_memmap_entry *e)
{
    if (boot.revision == 0)
        return true;
    if (boot.revision <= 2)
        return e->base + e->length <= FOUR_GIB || (e->type != LP_MEM_RESERVED && e->type != LP_MEM_BAD);
    bool rev3 = e->type == LP_MEM_USABLE || e->type == LP_MEM_BOOTLOADER_RECLAIMABLE ||
                e->type == LP_MEM_EXECUTABLE_AND_MODULES || e->type == LP_MEM_FRAMEBUFFER;
    bool rev4 = e->type == LP_MEM_RESERVED_MAPPED || e->type == LP_MEM_ACPI_RECLAIMABLE || e->type == LP_MEM_ACPI_NVS;
    return rev3 || (boot.revision >= 4 && rev4);
}

/* Every region the revision requires is mapped at offset + phys, supervisor rwx, write-back. */
static void check_hhdm_regions(void)
{
    unsigned needed = 0, missing = 0, wrong_attr = 0;
    uint64_t first_missing = 0;

    for (uint64_t i = 0; i < boot.memmap->entry_count; i++) {
        const struct lp_memmap_entry *e = boot.memmap->entries[i];
        uint64_t start, end, bad;
        struct leaf leaf;
        if (e->length == 0 || !hhdm_must_map(e))
            continue;
        needed++;
        entry_pages(e, &start, &end);
        if (!range_maps_to(boot.hhdm + start, end - start, start, &bad) && missing++ == 0)
            first_missing = bad - boot.hhdm;
        if (page_walk(boot.hhdm + start, &leaf) && e->type != LP_MEM_FRAMEBUFFER)
            wrong_attr += !leaf.writable || !leaf.executable || leaf.user || leaf.pat != PAT_WB;
    }
    check(missing == 0, EXIT_FAIL_PAGING, "HHDM maps the regions the revision requires",
          "base revision %u: %u regions, %u not (fully) mapped, first phys 0x%llx", boot.revision, needed, missing,
          (unsigned long long)first_missing);
    check(wrong_attr == 0, EXIT_FAIL_PAGING, "HHDM mappings supervisor rwx write-back",
          "%u regions' first page otherwise", wrong_attr);
}

/* True when phys lies in a region this base revision (3 or later) maps; *end is where that region's
 * pages end. */
static bool listed_covered(uint64_t phys, uint64_t *end)
{
    for (uint64_t i = 0; i < boot.memmap->entry_count; i++) {
        const struct lp_memmap_entry *e = boot.memmap->entries[i];
        uint64_t start, stop;
        entry_pages(e, &start, &stop);
        if (hhdm_must_map(e) && phys >= start && phys < stop) {
            *end = stop;
            return true;
        }
    }
    return false;
}

/* Base revision 3 or greater: "the only memory map regions mapped to the HHDM are" the four covered
 * types (plus the three base revision 4 adds), and the unconditional 0-4 GiB map is dropped: no other
 * page may appear in the HHDM. */
static void check_hhdm_only_listed(void)
{
    uint64_t top = FOUR_GIB, extra = 0, first_extra = 0;

    for (uint64_t i = 0; i < boot.memmap->entry_count; i++) {
        const struct lp_memmap_entry *e = boot.memmap->entries[i];
        if (e->base + e->length > top)
            top = e->base + e->length;
    }
    for (uint64_t phys = 0; phys < top;) {
        struct leaf leaf;
        bool mapped = page_walk(boot.hhdm + phys, &leaf);
        uint64_t next = ((boot.hhdm + phys) & ~(leaf.size - 1)) + leaf.size - boot.hhdm;
        for (uint64_t p = phys; mapped && p < next;) {
            uint64_t end;
            if (listed_covered(p, &end)) {
                p = end;
                continue;
            }
            if (extra++ == 0)
                first_extra = p;
            p += PAGE_SIZE;
        }
        phys = next;
    }
    check(extra == 0, EXIT_FAIL_PAGING, "HHDM maps nothing else (base revision >= 3)",
          "%llu pages outside usable/reclaimable/executable/framebuffer%s mapped, first phys 0x%llx",
          (unsigned long long)extra, boot.revision >= 4 ? "/reserved-mapped/ACPI" : "",
          (unsigned long long)first_extra);
}

/* Checks the HHDM response and what it maps in this base revision. With "hhdm=random" in cmdline
 * (limine.conf's randomise_hhdm_base: yes), the offset is one of Limine's draws: a whole GiB step
 * below 2^45 above the 4-level higher half's start. */
void check_hhdm(const struct lp_hhdm_response *r, const char *cmdline)
{
    const uint64_t higher_half = 0xffff800000000000ULL, gib = 1ULL << 30;
    char how[16];
    uint64_t bad = 0;

    if (!check_response(r, "HHDM", LP_RESPONSE_REVISION_MAX))
        return;
    check(r->offset >= LOWER_HALF_END && (r->offset & (PAGE_SIZE - 1)) == 0, EXIT_FAIL_PAGING,
          "HHDM offset in the higher half", "0x%llx", (unsigned long long)r->offset);
    if (cmdline != NULL && word_value(cmdline, "hhdm", how, sizeof how) && str_eq(how, "random"))
        check(r->offset >= higher_half && r->offset - higher_half < (1ULL << 45) && r->offset % gib == 0,
              EXIT_FAIL_PAGING, "HHDM offset randomised as Limine draws it", "0x%llx",
              (unsigned long long)r->offset);
    if (boot.revision <= 2)
        check(range_maps_to(r->offset, FOUR_GIB, 0, &bad), EXIT_FAIL_PAGING, "HHDM maps 0-4 GiB (base revision <= 2)",
              "first unmapped or wrong 0x%llx", (unsigned long long)bad);
    if (boot.memmap == NULL || boot.memmap->entries == NULL)
        return;
    check_hhdm_regions();
    if (boot.revision >= 3)
        check_hhdm_only_listed();
}

/* Revision 0: [0x1000, 4 GiB) and every region above identity-mapped. Revision 1 on: "Dropped
 * identity mapping" - no PML4 entry of the lower half is present. Run before phys_access builds its
 * window there. */
void check_lower_half(void)
{
    uint64_t bad = 0;

    if (boot.revision == 0) {
        bool ok = range_maps_to(IDENTITY_START, FOUR_GIB - IDENTITY_START, IDENTITY_START, &bad);
        for (uint64_t i = 0; ok && boot.memmap != NULL && i < boot.memmap->entry_count; i++) {
            const struct lp_memmap_entry *e = boot.memmap->entries[i];
            uint64_t start, end;
            entry_pages(e, &start, &end);
            if (end > FOUR_GIB && !range_maps_to(start, end - start, start, &bad))
                ok = false;
        }
        check(ok, EXIT_FAIL_PAGING, "identity map from 0x1000 (base revision 0)", "first unmapped or wrong 0x%llx",
              (unsigned long long)bad);
        return;
    }
    unsigned present = 0;
    uint64_t first = 0;
    for (uint64_t va = 0; va < LOWER_HALF_END; va += PML4_SLOT_SIZE) {
        struct leaf leaf;
        bool mapped = page_walk(va, &leaf);
        bool slot_present = mapped || leaf.size < PML4_SLOT_SIZE; /* the walk went below the PML4 */
        if (slot_present && present++ == 0)
            first = va;
    }
    check(present == 0, EXIT_FAIL_PAGING, "lower half unmapped (base revision >= 1)",
          "%u of 256 PML4 entries present, first covers 0x%llx", present, (unsigned long long)first);
}

/* One segment of the kernel: every page mapped supervisor with the ELF permissions and WB caching. */
static void check_segment(const char *name, const char *start, const char *end, bool writable, bool executable)
{
    unsigned pages = 0, wrong = 0;
    uint64_t first = 0;

    for (uint64_t va = (uint64_t)start & ~(PAGE_SIZE - 1); va < (uint64_t)end; va += PAGE_SIZE, pages++) {
        struct leaf leaf;
        bool ok = page_walk(va, &leaf) && leaf.writable == writable && leaf.executable == executable &&
                  !leaf.user && leaf.pat == PAT_WB;
        if (!ok && wrong++ == 0)
            first = va;
    }
    check(wrong == 0, EXIT_FAIL_PAGING, name, "%u pages %s%s supervisor WB, %u wrong (first 0x%llx)", pages,
          writable ? "RW" : "R-", executable ? "X" : "-", wrong, (unsigned long long)first);
}

/* The kernel: at or above 0xffffffff80000000, PT_LOAD permissions as mapped, one uniform
 * virtual-to-physical offset over the whole image ("physically contiguous"). */
void check_kernel_mapping(void)
{
    bool nx = boot.nx;
    uint64_t delta = 0, broken = 0;
    bool first = true, contiguous = true;

    check((uint64_t)__image_start >= HIGHER_HALF_KERNEL, EXIT_FAIL_PAGING, "kernel in the top 2 GiB",
          "image at %p", (void *)__image_start);
    check_segment(nx ? "requests segment RW-" : "requests segment RWX", __requests_start, __requests_end, true, !nx);
    check_segment(".text R-X", __text_start, __text_end, false, true);
    check_segment(nx ? ".rodata R--" : ".rodata R-X", __rodata_start, __rodata_end, false, !nx);
    check_segment(nx && !boot.data_wx ? ".data/.bss RW-" : ".data/.bss RWX", __data_start, __image_end, true,
                  !nx || boot.data_wx);
    for (uint64_t va = (uint64_t)__image_start; va < (uint64_t)__image_end; va += PAGE_SIZE) {
        struct leaf leaf;
        if (!page_walk(va, &leaf) || (!first && leaf.phys - va != delta)) {
            if (contiguous)
                broken = va;
            contiguous = false;
            continue;
        }
        delta = leaf.phys - va;
        first = false;
    }
    check(contiguous, EXIT_FAIL_PAGING, "kernel physically contiguous", "phys - virt 0x%llx, broken at 0x%llx",
          (unsigned long long)delta, (unsigned long long)broken);
}

/* The Executable Address response agrees with CR3: virtual_base is the image's lowest loaded address
 * (not a zero-size PT_LOAD's), physical_base is where it is mapped, and the entry point at
 * entry_virt sits at the same offset physically. */
void check_executable_address(const struct lp_executable_address_response *r, uint64_t entry_virt)
{
    bool mapped, entry_mapped;

    if (!check_response(r, "executable address", LP_RESPONSE_REVISION_MAX))
        return;
    uint64_t phys = virt_to_phys((const void *)r->virtual_base, &mapped);
    check(r->virtual_base == (uint64_t)__image_start, EXIT_FAIL_PAGING, "executable virtual base",
          "response 0x%llx, image starts at %p", (unsigned long long)r->virtual_base, (void *)__image_start);
    check(mapped && phys == r->physical_base && (phys & (PAGE_SIZE - 1)) == 0, EXIT_FAIL_PAGING,
          "executable physical base", "response 0x%llx, CR3 maps the virtual base to 0x%llx",
          (unsigned long long)r->physical_base, (unsigned long long)phys);
    uint64_t entry_phys = virt_to_phys((const void *)entry_virt, &entry_mapped);
    check(entry_mapped && entry_phys == r->physical_base + (entry_virt - r->virtual_base), EXIT_FAIL_PAGING,
          "entry point at the reported physical offset", "entry 0x%llx -> phys 0x%llx",
          (unsigned long long)entry_virt, (unsigned long long)entry_phys);
}
