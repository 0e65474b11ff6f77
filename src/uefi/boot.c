/* efi_main: the story of a boot, one call per stage. */
#include "uefi/boot.h"
#include "uefi/log.h"
#include "proto/proto.h"

/* Every boot: the config and what kind of kernel it names, which picks the protocol (b->proto)
 * whose stages load it. */
static const struct stage first_stages[] = {
    { "open boot volume", stage_open_volume },
    { PIPE_STAGE_READ_CONFIG, stage_read_config },
    { PIPE_STAGE_READ_HEADERS, stage_read_kernel_headers },
    { NULL, NULL },
};

/* An ELF64 kernel for the ember or Limine protocol (stage "choose protocol" picks one). */
const struct stage paging_stages[] = {
    { PIPE_STAGE_PLACE, stage_place_kernel },
    { "take over page tables", stage_take_over_page_tables },
    { PIPE_STAGE_DEMO, stage_demo_mapping },
    { PIPE_STAGE_LOAD, stage_load_segments },
    { PIPE_STAGE_CHOOSE_PROTOCOL, stage_choose_protocol },
    { "gather firmware facts", stage_gather_facts },
    { "load modules", stage_load_modules },
    { "prepare application processors", stage_prepare_aps },
    { "map kernel view", stage_map_kernel_view },
    { "map AP start-up page", stage_map_ap_page },
    { "build handoff", stage_build_handoff },
    { "exit boot services", stage_exit_boot_services },
    /* no firmware from here on: these cannot fail */
    { "start application processors", stage_start_aps },
    { "finish handoff", stage_finish_handoff },
    { NULL, NULL },
};

/* The one failure path: restore the firmware's CR3, free everything, return to firmware. */
static EFI_STATUS abort_boot(struct boot *b, const char *stage, EFI_STATUS status)
{
    log_error("boot failed in stage '%s': %s; returning to firmware", stage, efi_status_name(status));
    if (b->root_switched)
        arch_load_page_root(b->firmware_root);
    b->root_switched = false;
    file_close(&b->kernel.file);
    file_close_root(b->root);
    mem_release_all();
    return status;
}

/* Runs the list's stages in order; the first failure aborts the boot (its status returned). */
static EFI_STATUS run_stages(struct boot *b, const struct stage *list)
{
    for (size_t i = 0; list[i].run != NULL; i++) {
        EFI_STATUS status = list[i].run(b);
        if (EFI_ERROR(status))
            return abort_boot(b, list[i].name, status);
    }
    return EFI_SUCCESS;
}

/* Debug log of where the time went, in microseconds from efi_main. */
static void log_stage_times(const struct boot *b)
{
    uint64_t per_us = boot_tsc_per_us(b), t0 = b->tsc.entry;

    if (per_us == 0)
        return;
    log_debug("timings (us from entry): config %llu, headers %llu, kernel read %llu, mapped %llu, "
              "exit boot services %llu, handoff %llu (TSC %llu MHz)",
              (unsigned long long)((b->tsc.config - t0) / per_us),
              (unsigned long long)((b->tsc.headers - t0) / per_us),
              (unsigned long long)((b->tsc.kernel_read - t0) / per_us),
              (unsigned long long)((b->tsc.mapped - t0) / per_us),
              (unsigned long long)((b->tsc.exit - t0) / per_us),
              (unsigned long long)((b->tsc.handoff - t0) / per_us), (unsigned long long)per_us);
}

/* SysV ABI: gnu-efi's crt0 calls this; it is not EFIAPI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
    struct boot state; /* on the firmware's stack: a static would add its zeros to the binary */
    struct allocation_log allocations;
    struct boot *b = &state;

    efi_init(system_table, &allocations);
    uefi_call_wrapper(BS->SetMem, 3, b, sizeof *b, 0);
    b->tsc.entry = arch_timestamp();
    b->image = image;
    log_init(SERIAL_AUTO);
    log_banner(b);
    EFI_STATUS status = run_stages(b, first_stages);
    if (!EFI_ERROR(status))
        status = run_stages(b, b->proto->stages);
    if (EFI_ERROR(status))
        return status;
    b->tsc.handoff = arch_timestamp();
    log_stage_times(b);
    log_info("handing off to the kernel at 0x%llx (%s protocol)", (unsigned long long)b->kernel.plan.entry, b->proto->name);
    arch_set_write_protect(true); /* W^X holds in ring 0 only with CR0.WP = 1 (bootinfo.h) */
    b->proto->enter(b);
}
