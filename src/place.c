/* Physical placement of the kernel, before any page table is touched: lower-half regions at
 * paddr == vaddr, higher-half regions at their p_paddr or, when that is busy, in one allocation
 * that keeps the ELF's relative layout. */
#include "ember/boot.h"
#include "ember/decide.h"
#include "ember/fmt.h"
#include "ember/log.h"
#include "ember/memmap.h"

static UINTN region_pages(const struct elf_region *r)
{
    return (UINTN)(r->size / PAGE_SIZE_4K);
}

/* "segment 2" or "segments 2-3" (1-based, in vaddr order) for the region's log lines. */
static void name_segments(const struct elf_region *r, char *out, size_t cap)
{
    if (r->count == 1)
        fmt_format(out, cap, "segment %u", r->first + 1);
    else
        fmt_format(out, cap, "segments %u-%u", r->first + 1, r->first + r->count);
}

/* Logs why the lower-half region r cannot have its own physical pages: the memory map's type at the
 * first busy address (read now, one pool allocation freed again), or the allocation status. */
static EFI_STATUS refuse_lower_half(const struct elf_region *r, EFI_STATUS alloc_status)
{
    char which[32];
    void *map;
    UINTN size, desc_size;
    uint64_t busy_at = r->vaddr;
    uint32_t type = MEMMAP_NO_DESCRIPTOR;
    bool free = false;

    name_segments(r, which, sizeof which);
    if (!EFI_ERROR(mem_get_map(&map, &size, &desc_size))) {
        free = memmap_range_is_free(map, size, desc_size, r->vaddr, r->size, &busy_at, &type);
        mem_free_pool(map);
    }
    if (free) /* the map says free, yet AllocateAddress failed (an injected failure, say) */
        log_error("kernel %s [0x%llx, 0x%llx) is in the identity-mapped lower half, so it must load at "
                  "paddr == vaddr, and allocating it there failed: %s", which, (unsigned long long)r->vaddr,
                  (unsigned long long)(r->vaddr + r->size), efi_status_name(alloc_status));
    else
        log_error("kernel %s [0x%llx, 0x%llx) is in the identity-mapped lower half, so it must load at "
                  "paddr == vaddr, but 0x%llx is %s memory: refusing the kernel", which,
                  (unsigned long long)r->vaddr, (unsigned long long)(r->vaddr + r->size),
                  (unsigned long long)busy_at, memmap_uefi_type_name(type));
    return alloc_status == EFI_OUT_OF_RESOURCES ? EFI_OUT_OF_RESOURCES : EFI_LOAD_ERROR;
}

/* A lower-half region gets exactly the physical pages its virtual range names: anything else would
 * point the firmware's identity addresses at other memory while the firmware still runs on this
 * CR3, and leave [vaddr, vaddr + size) free for the firmware to hand to someone else. */
static EFI_STATUS place_lower_half(const struct elf_region *r, struct loaded_region *out)
{
    EFI_PHYSICAL_ADDRESS addr = r->vaddr;
    EFI_STATUS status = mem_alloc_pages(AllocateAddress, EMBER_UEFI_TYPE_KERNEL, region_pages(r), &addr);
    char which[32];

    if (EFI_ERROR(status))
        return refuse_lower_half(r, status);
    name_segments(r, which, sizeof which);
    if (r->paddr != r->vaddr)
        log_info("kernel %s: p_paddr 0x%llx ignored: a lower-half segment loads at paddr == vaddr 0x%llx",
                 which, (unsigned long long)r->paddr, (unsigned long long)r->vaddr);
    out->phys = phys(r->vaddr);
    out->pages = region_pages(r);
    return EFI_SUCCESS;
}

/* Tries every higher-half region at its p_paddr. True when all of them got it; otherwise those that
 * did are freed again and *busy is the first p_paddr that was not free. */
static bool place_at_paddr(struct boot *b, uint64_t *busy)
{
    const struct elf_plan *plan = &b->plan;
    unsigned placed[ELF_MAX_LOAD_SEGMENTS], n = 0;

    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        EFI_PHYSICAL_ADDRESS addr = r->paddr;
        if (decide_in_lower_half(r))
            continue;
        if (EFI_ERROR(mem_alloc_pages(AllocateAddress, EMBER_UEFI_TYPE_KERNEL, region_pages(r), &addr))) {
            *busy = r->paddr;
            while (n-- > 0)
                mem_free_pages(b->regions[placed[n]].phys.addr, (UINTN)b->regions[placed[n]].pages);
            return false;
        }
        b->regions[i].phys = phys(addr);
        b->regions[i].pages = region_pages(r);
        placed[n++] = i;
    }
    return true;
}

/* One allocation for the span of all higher-half regions, 2 MiB-congruent with its first vaddr when
 * it is that big, so phys = virt - span_start + base holds for every page; gaps are zeroed. */
static EFI_STATUS place_span(struct boot *b, uint64_t busy)
{
    const struct elf_plan *plan = &b->plan;
    uint64_t lo = UINT64_MAX, hi = 0, cursor;
    EFI_PHYSICAL_ADDRESS base;

    for (unsigned i = 0; i < plan->region_count; i++)
        if (!decide_in_lower_half(&plan->regions[i])) {
            lo = plan->regions[i].vaddr < lo ? plan->regions[i].vaddr : lo;
            hi = plan->regions[i].vaddr + plan->regions[i].size;
        }
    uint64_t align = hi - lo >= PAGE_SIZE_2M ? PAGE_SIZE_2M : PAGE_SIZE_4K;
    EFI_STATUS status = mem_alloc_pages_aligned(EMBER_UEFI_TYPE_KERNEL, (UINTN)((hi - lo) / PAGE_SIZE_4K), align,
                                                lo, &base);
    if (EFI_ERROR(status)) {
        log_error("p_paddr 0x%llx is not free, and no free range holds the kernel's whole span [0x%llx, 0x%llx) "
                  "(%llu KiB) in one piece", (unsigned long long)busy, (unsigned long long)lo,
                  (unsigned long long)hi, (unsigned long long)((hi - lo) / KIB));
        return status;
    }
    cursor = lo;
    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        if (decide_in_lower_half(r))
            continue;
        if (r->vaddr > cursor) /* pages between regions belong to the kernel's span: no stale bytes */
            uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)(base + cursor - lo), (UINTN)(r->vaddr - cursor), 0);
        b->regions[i].phys = phys(base + (r->vaddr - lo));
        b->regions[i].pages = region_pages(r);
        cursor = r->vaddr + r->size;
    }
    if (config_protocol_is(&b->config, "limine"))
        log_info("protocol=limine: kernel [0x%llx, 0x%llx) loaded at 0x%llx in one piece", (unsigned long long)lo,
                 (unsigned long long)hi, (unsigned long long)base);
    else
        log_info("p_paddr 0x%llx is not free: kernel [0x%llx, 0x%llx) loaded at 0x%llx in one piece "
                 "(phys = virt - 0x%llx + 0x%llx)", (unsigned long long)busy, (unsigned long long)lo,
                 (unsigned long long)hi, (unsigned long long)base, (unsigned long long)lo, (unsigned long long)base);
    return EFI_SUCCESS;
}

/* Reserves the kernel's physical memory (type kernel) before ember allocates anything else, so no
 * later allocation (page tables, boot info, stack, modules) can take a range the kernel needs.
 * Lower-half regions that cannot sit at paddr == vaddr refuse the kernel with one error line. */
EFI_STATUS stage_place_kernel(struct boot *b)
{
    const struct elf_plan *plan = &b->plan;
    bool any_higher = false;
    uint64_t busy = 0;

    for (unsigned i = 0; i < plan->region_count; i++) {
        if (!decide_in_lower_half(&plan->regions[i])) {
            any_higher = true;
            continue;
        }
        EFI_STATUS status = place_lower_half(&plan->regions[i], &b->regions[i]);
        if (EFI_ERROR(status))
            return status;
    }
    if (!any_higher)
        return EFI_SUCCESS;
    /* the Limine protocol loads the kernel in one piece wherever it fits; p_paddr is not its business */
    if (!config_protocol_is(&b->config, "limine") && !b->plan.is_dyn && place_at_paddr(b, &busy))
        return EFI_SUCCESS;
    return place_span(b, busy);
}
