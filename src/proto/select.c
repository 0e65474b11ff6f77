/* Which protocol boots this kernel: ember.cfg's protocol=, or (auto) Limine when the kernel's
 * loaded bytes carry its marks, else ember's own (the rule: decide_protocol). */
#include "ember/decide.h"
#include "ember/log.h"
#include "ember/proto.h"

EFI_STATUS stage_choose_protocol(struct boot *b)
{
    char detect_why[160] = "", why[200];
    bool automatic = !config_protocol_is(&b->config, "limine") && !config_protocol_is(&b->config, "ember");
    bool marks = automatic && proto_limine.detect(b, detect_why, sizeof detect_why);

    b->proto = decide_protocol(&b->config, marks, detect_why, why, sizeof why) == DECIDE_PROTO_LIMINE ? &proto_limine
                                                                                                      : &proto_ember;
    log_info("protocol %s (%s)", b->proto->name, why);
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
