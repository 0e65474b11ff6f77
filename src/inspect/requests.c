/* ember-inspect: what ember would answer to each Limine request it found (the loader's verdicts;
 * answers that depend on the firmware say so). */
#include "core/fmt.h"
#include "inspect.h"

/* The answer to an OK request of kind k; %s-free static text except where r supplies a value. */
static void describe(const struct inspect_report *r, enum lscan_kind k, char *out, size_t cap)
{
    switch (k) {
    case LSCAN_BOOTLOADER_INFO: fmt_format(out, cap, "answered: name \"ember\" and its version"); break;
    case LSCAN_FIRMWARE_TYPE: fmt_format(out, cap, "answered: UEFI 64-bit"); break;
    case LSCAN_STACK_SIZE:
        fmt_format(out, cap, "answered: a stack of %llu KiB", (unsigned long long)(r->stack_size / KIB));
        break;
    case LSCAN_HHDM:
        fmt_format(out, cap, r->cfg.randomise_hhdm ? "answered: offset a random 1 GiB step above 0x%llx (randomise_hhdm_base)"
                                                   : "answered: offset 0x%llx", (unsigned long long)EMBER_HHDM_OFFSET);
        break;
    case LSCAN_FRAMEBUFFER: fmt_format(out, cap, "answered when the firmware has a GOP framebuffer (boot-time fact)"); break;
    case LSCAN_PAGING_MODE: fmt_format(out, cap, "answered: 4-level paging"); break;
    case LSCAN_MP: fmt_format(out, cap, "answered when the firmware has a usable MADT: every AP started and parked"); break;
    case LSCAN_MEMMAP: fmt_format(out, cap, "answered: the memory map at exit from boot services"); break;
    case LSCAN_ENTRY_POINT:
        fmt_format(out, cap, "answered: entry at 0x%llx instead of the ELF entry", (unsigned long long)r->entry);
        break;
    case LSCAN_EXECUTABLE_FILE:
        fmt_format(out, cap, "answered: a copy of the kernel file (%llu bytes)", (unsigned long long)r->kernel_size);
        break;
    case LSCAN_MODULE:
        fmt_format(out, cap, "answered: the %u ember.cfg module(s) and any internal modules found at boot",
                   r->cfg.module_count);
        break;
    case LSCAN_RSDP: fmt_format(out, cap, "answered when the firmware has ACPI (boot-time fact)"); break;
    case LSCAN_SMBIOS: fmt_format(out, cap, "answered when the firmware has SMBIOS (boot-time fact)"); break;
    case LSCAN_EFI_SYSTEM_TABLE: fmt_format(out, cap, "answered: the EFI system table"); break;
    case LSCAN_EFI_MEMMAP: fmt_format(out, cap, "answered: the raw UEFI memory map"); break;
    case LSCAN_DATE_AT_BOOT: fmt_format(out, cap, "answered: the RTC's time at boot"); break;
    case LSCAN_EXECUTABLE_ADDRESS: fmt_format(out, cap, "answered: the kernel's physical and virtual base"); break;
    case LSCAN_EXECUTABLE_CMDLINE: fmt_format(out, cap, "answered: \"%s\"", r->cfg.cmdline); break;
    case LSCAN_DTB:
    case LSCAN_FLANTERM_FB_INIT:
    case LSCAN_TPM_EVENT_LOG: fmt_format(out, cap, "not answered: %s", lscan_never_answered(k)); break;
    case LSCAN_KEEP_IOMMU: fmt_format(out, cap, "answered: IOMMUs left as the firmware set them"); break;
    case LSCAN_BOOTLOADER_PERFORMANCE: fmt_format(out, cap, "answered: reset, start and handoff times (TSC)"); break;
    case LSCAN_TSC_FREQUENCY: fmt_format(out, cap, "answered: the TSC frequency calibrated at boot"); break;
    case LSCAN_ENTROPY: fmt_format(out, cap, "answered when the firmware's RNG protocol or RDSEED/RDRAND gives values (boot-time fact)"); break;
    default: fmt_format(out, cap, "not answered: unknown request id"); break;
    }
}

void inspect_limine_requests(struct inspect_report *r)
{
    r->request_count = r->scan.count;
    for (size_t i = 0; i < r->scan.count; i++) {
        const struct lscan_request *q = &r->scan.requests[i];
        struct inspect_request *out = &r->requests[i];
        *out = (struct inspect_request){ q->kind, q->verdict, q->revision, q->vaddr, "" };
        if (q->verdict != LSCAN_VERDICT_OK)
            fmt_format(out->answer, sizeof out->answer, "not answered: %s", lscan_verdict_name(q->verdict));
        else
            describe(r, q->kind, out->answer, sizeof out->answer);
        if (q->kind == LSCAN_MP && q->verdict == LSCAN_VERDICT_OK)
            inspect_assume(r, "the firmware's ACPI tables have a MADT (the MP request starts the APs it lists)");
        if (q->kind == LSCAN_FRAMEBUFFER && q->verdict == LSCAN_VERDICT_OK)
            inspect_assume(r, "the firmware has a GOP framebuffer (else the framebuffer response lists none)");
    }
}
