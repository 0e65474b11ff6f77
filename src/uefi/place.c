/* Physical placement of the kernel, before any page table is touched: lower-half regions at
 * paddr == vaddr, higher-half regions at their p_paddr or, when that is busy, in one allocation
 * that keeps the ELF's relative layout. */
#include "uefi/boot.h"
#include "core/decide.h"
#include "core/fmt.h"
#include "uefi/log.h"
#include "core/memmap.h"

/* Reserves the kernel's physical memory (type kernel) before ember allocates anything else, so no
 * later allocation (page tables, boot info, stack, modules) can take a range the kernel needs.
 * Where each region goes is pipe_place's decision; the pages between the regions of a span belong
 * to the kernel too and are zeroed here, so no stale bytes are left in them. */
EFI_STATUS stage_place_kernel(struct boot *b)
{
    struct place_ops ops = boot_place_ops(b);
    struct pipe_sink sink = boot_sink(b);
    struct kernel_placement *p = &b->kernel.placement;
    struct decide_diag diag;
    uint64_t cursor;

    if (!pipe_place(&b->config, &b->kernel.plan, &ops, &sink, p, &diag))
        return log_refusal(b, &diag);
    for (unsigned i = 0; i < b->kernel.plan.region_count; i++) {
        b->kernel.regions[i].phys = phys(p->region_phys[i]);
        b->kernel.regions[i].pages = b->kernel.plan.regions[i].size / PAGE_SIZE_4K;
    }
    cursor = p->span_lo;
    for (unsigned i = 0; p->spanned && i < b->kernel.plan.region_count; i++) {
        const struct elf_region *r = &b->kernel.plan.regions[i];
        if (decide_in_lower_half(r))
            continue;
        if (r->vaddr > cursor)
            uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)(p->span_base + cursor - p->span_lo),
                              (UINTN)(r->vaddr - cursor), 0);
        cursor = r->vaddr + r->size;
    }
    return EFI_SUCCESS;
}
