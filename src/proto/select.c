/* Which protocol boots this kernel: ember.cfg's protocol=, or (auto) the first whose detect() says
 * the kernel's loaded bytes speak it, else ember's own. */
#include "ember/log.h"
#include "ember/proto.h"

static const struct protocol *const protocols[] = { &proto_limine, &proto_ember };

static const struct protocol *by_name(const struct ember_config *cfg)
{
    for (size_t i = 0; i < ARRAY_LEN(protocols); i++)
        if (config_protocol_is(cfg, protocols[i]->name))
            return protocols[i];
    return NULL;
}

EFI_STATUS stage_choose_protocol(struct boot *b)
{
    char why[160] = "";

    b->proto = by_name(&b->config);
    if (b->proto != NULL) {
        log_info("protocol %s (ember.cfg protocol=%s)", b->proto->name, b->config.protocol);
    } else {
        for (size_t i = 0; i < ARRAY_LEN(protocols) && b->proto == NULL; i++)
            if (protocols[i]->detect != NULL && protocols[i]->detect(b, why, sizeof why))
                b->proto = protocols[i];
        if (b->proto == NULL)
            b->proto = &proto_ember;
        log_info("protocol %s (auto: %s)", b->proto->name, b->proto == &proto_ember && why[0] == '\0'
                                                                 ? "no other protocol's marks in the kernel" : why);
    }
    EFI_STATUS status = b->proto->prepare(b);
    file_close(&b->kernel); /* prepare may still read it (Limine's executable file copy) */
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
