/* Multiboot 2 requirements only the machine can meet: the header is checked against the spec when it
 * is read (core/pipeline_mb.c); whether this machine has a display, ACPI or SMBIOS is known once stage
 * "gather firmware facts" ran. */
#include "proto/multiboot/mb.h"
#include "uefi/log.h"

#define TAG_FRAMEBUFFER 8
#define TAG_ELF_SECTIONS 9
#define TAG_SMBIOS 13
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

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
static bool required_tags_there(const struct boot *b, const struct mb_boot *mb)
{
    static const struct { uint32_t type; const char *what; } machine_tags[] = {
        { TAG_FRAMEBUFFER, "framebuffer (GOP)" },
        { TAG_ELF_SECTIONS, "ELF section headers ember can load" },
        { TAG_SMBIOS, "SMBIOS tables" },
        { TAG_ACPI_OLD, "ACPI RSDP" },
        { TAG_ACPI_NEW, "ACPI 2.0 RSDP" },
    };
    const struct firmware_facts *f = &b->facts;
    bool has[] = { f->framebuffer.base != 0, mb->sections.num != 0, f->smbios2_entry != 0 || f->smbios3_entry != 0,
                   f->acpi_rsdp != 0, f->acpi_rsdp != 0 && f->acpi_revision == 2 };

    for (unsigned i = 0; i < sizeof has / sizeof has[0]; i++)
        if ((mb->kernel.required_tags & (1u << machine_tags[i].type)) && !has[i]) {
            log_error("multiboot2: the information request requires tag type %u, and this machine or file has no %s "
                      "to fill it: mark the request optional (flags bit 0)", (unsigned)machine_tags[i].type,
                      machine_tags[i].what);
            return false;
        }
    return true;
}

EFI_STATUS mb_stage_check_machine(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);

    return console_there(b, &mb->kernel) && required_tags_there(b, mb) ? EFI_SUCCESS : EFI_UNSUPPORTED;
}
