/* Which protocol boots this kernel: ember.cfg's protocol=, or (auto) Limine when the kernel's
 * loaded bytes carry its marks, else ember's own (the rule: decide_protocol). */
#include "core/decide.h"
#include "uefi/log.h"
#include "proto/proto.h"
#include "proto/limine/state.h"

/* The protocols, by the core's decision (a new protocol: its module in src/proto/ and a row here). */
static const struct protocol *const protocols[] = {
    [DECIDE_PROTO_EMBER] = &proto_ember,
    [DECIDE_PROTO_LIMINE] = &proto_limine,
    [DECIDE_PROTO_MULTIBOOT1] = &proto_multiboot1,
    [DECIDE_PROTO_MULTIBOOT2] = &proto_multiboot2,
};

EFI_STATUS proto_take_kernel(struct boot *b, const struct pipe_multiboot *kernel)
{
    b->proto = protocols[pipe_multiboot_protocol(kernel)];
    return b->proto->adopt != NULL ? b->proto->adopt(b, kernel) : EFI_SUCCESS;
}

/* The loader's part of the Limine preparation, at its place in pipe_choose_protocol's order. */
static bool after_limine_scan(void *ctx, const struct lscan_result *scan)
{
    return !EFI_ERROR(limine_after_scan(ctx, scan));
}

EFI_STATUS stage_choose_protocol(struct boot *b)
{
    struct pipe_hooks hooks = { b, after_limine_scan };
    struct pipe_sink sink = boot_sink(b);
    struct decide_diag diag;
    EFI_STATUS status = mem_alloc_pool(sizeof *b->decision, (void **)&b->decision);

    if (!EFI_ERROR(status) && !pipe_choose_protocol(&b->config, &b->kernel.loaded, b->kernel.placement.region_phys, &hooks, &sink,
                                                    b->decision, &diag))
        status = log_refusal(b, &diag);
    if (!EFI_ERROR(status)) {
        b->proto = protocols[b->decision->protocol];
        status = b->proto->prepare(b);
    }
    file_close(&b->kernel.file); /* the hooks may still read it (Limine's executable file copy) */
    return status;
}

/* The protocol's handoff structures: the last allocations of a boot, so the count logged here is
 * every allocation a normal boot makes (the allocation-failure tests read it). */
EFI_STATUS stage_build_handoff(struct boot *b)
{
    EFI_STATUS status = b->proto->build(b);

    if (!EFI_ERROR(status))
        log_info("%u firmware allocations made", mem_allocation_count());
    return status;
}
