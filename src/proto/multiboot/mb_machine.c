/* Multiboot 2 requirements only the machine can meet: the header is checked against the spec when it
 * is read (core/pipeline_mb.c); whether this machine has a display, ACPI or SMBIOS is known once stage
 * "gather firmware facts" ran. */
#include "proto/multiboot/mb.h"
#include "uefi/log.h"

/* Console flags tag, bit 0: a console must be there - on UEFI, GOP's framebuffer. Without one a
 * required tag refuses the boot, an optional one (the loader may ignore it) is a WARN. */
static bool console_there(const struct boot *b, const struct pipe_multiboot *k)
{
    if (!k->console_required || b->facts.framebuffer.base != 0)
        return true;
    if (k->console_tag_optional) {
        log_warn("multiboot2: the console flags tag asks for a console and this machine has no framebuffer: the tag "
                 "is optional, so the kernel boots without one");
        return true;
    }
    log_error("multiboot2: the console flags tag requires a console, and this machine has no framebuffer (GOP) and "
              "UEFI no EGA text mode: attach a display, or mark the tag optional");
    return false;
}

/* The information request's required tags that come from the machine (3.1.3: a loader that cannot
 * give a required one must fail). */
static bool tag_fillable(const struct boot *b, const struct mb_boot *mb, uint32_t type)
{
    const struct firmware_facts *f = &b->facts;

    switch (type) {
    case MB2_INFO_FRAMEBUFFER: return f->framebuffer.base != 0;
    case MB2_INFO_ELF_SECTIONS: return mb->sections.num != 0;
    case MB2_INFO_SMBIOS: return f->smbios2_entry != 0 || f->smbios3_entry != 0;
    case MB2_INFO_ACPI_OLD: return f->acpi_rsdp != 0;
    case MB2_INFO_ACPI_NEW: return f->acpi_rsdp != 0 && f->acpi_revision == 2;
    default: return true;
    }
}

static bool required_tags_there(const struct boot *b, const struct mb_boot *mb)
{
    for (uint32_t type = 0; type < 32; type++) {
        const char *need = pipe_mb2_machine_need(type);
        if ((mb->kernel.required_tags >> type) & 1 && need != NULL && !tag_fillable(b, mb, type)) {
            log_error("multiboot2: the information request requires tag type %u, and this machine or file has no %s "
                      "to fill it: mark the request optional (flags bit 0)", (unsigned)type, need);
            return false;
        }
    }
    return true;
}

EFI_STATUS mb_stage_check_machine(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);

    return console_there(b, &mb->kernel) && required_tags_there(b, mb) ? EFI_SUCCESS : EFI_UNSUPPORTED;
}
