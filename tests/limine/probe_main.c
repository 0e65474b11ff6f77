/* Probe kernel probe-rN (N = PROBE_BASE_REVISION 0-6; 99 for newer-revision): makes every request the
 * spec defines for x86-64 UEFI and checks every response, the machine state and the memory layout
 * against the spec for the base revision the loader says it used. */
#include "probe.h"
#include "requests.h"

#ifndef PROBE_BASE_REVISION
#error "PROBE_BASE_REVISION must be defined (limine.mk)"
#endif
#define NEWEST_KNOWN_REVISION 6 /* base revision 6: nothing new on x86-64, but it must be reported supported */
#define PROBE_STACK_SIZE (256 * 1024)
#define INTERNAL_MODULES (PROBE_BASE_REVISION >= 3) /* request revision 1 with one internal module */
#ifndef PROBE_NAME
#error "PROBE_NAME must be defined (limine.mk)"
#endif

REQUEST_MARKERS;
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(PROBE_BASE_REVISION);
REQUEST struct lp_bootloader_info_request bootloader_info_req = { .id = LP_ID_BOOTLOADER_INFO };
REQUEST struct lp_firmware_type_request firmware_type_req = { .id = LP_ID_FIRMWARE_TYPE };
REQUEST struct lp_stack_size_request stack_size_req = { .id = LP_ID_STACK_SIZE, .stack_size = PROBE_STACK_SIZE };
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };
REQUEST struct lp_framebuffer_request framebuffer_req = { .id = LP_ID_FRAMEBUFFER };
REQUEST struct lp_paging_mode_request paging_mode_req = {
    .id = LP_ID_PAGING_MODE, .revision = 1, .mode = LP_PAGING_MODE_X86_64_4LVL,
    .max_mode = LP_PAGING_MODE_X86_64_4LVL, .min_mode = LP_PAGING_MODE_X86_64_4LVL,
};
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };
REQUEST struct lp_entry_point_request entry_point_req = { .id = LP_ID_ENTRY_POINT, .entry = probe_entry };
REQUEST struct lp_executable_file_request executable_file_req = { .id = LP_ID_EXECUTABLE_FILE };
REQUEST struct lp_executable_cmdline_request executable_cmdline_req = { .id = LP_ID_EXECUTABLE_CMDLINE };
#if INTERNAL_MODULES
static const struct lp_internal_module internal_module = {
    .path = "probe-internal.bin", .string = "probe internal module", .flags = LP_INTERNAL_MODULE_REQUIRED,
};
static const struct lp_internal_module *const internal_modules[] = { &internal_module };
REQUEST struct lp_module_request module_req = {
    .id = LP_ID_MODULE, .revision = 1, .internal_module_count = 1, .internal_modules = internal_modules,
};
#else
REQUEST struct lp_module_request module_req = { .id = LP_ID_MODULE };
#endif
REQUEST struct lp_rsdp_request rsdp_req = { .id = LP_ID_RSDP };
REQUEST struct lp_smbios_request smbios_req = { .id = LP_ID_SMBIOS };
REQUEST struct lp_efi_system_table_request efi_system_table_req = { .id = LP_ID_EFI_SYSTEM_TABLE };
REQUEST struct lp_efi_memmap_request efi_memmap_req = { .id = LP_ID_EFI_MEMMAP };
REQUEST struct lp_date_at_boot_request date_req = { .id = LP_ID_DATE_AT_BOOT };
REQUEST struct lp_tsc_frequency_request tsc_req = { .id = LP_ID_TSC_FREQUENCY };
REQUEST struct lp_bootloader_performance_request perf_req = { .id = LP_ID_BOOTLOADER_PERFORMANCE };
#define ENTROPY_VALUES 4
REQUEST struct lp_entropy_request entropy_req = { .id = LP_ID_ENTROPY, .value_count = ENTROPY_VALUES };
REQUEST struct lp_executable_address_request executable_address_req = { .id = LP_ID_EXECUTABLE_ADDRESS };

/* Responses whose only content is their revision. */
static void check_plain_responses(void)
{
    check_response(stack_size_req.response, "stack size", LP_RESPONSE_REVISION_MAX);
    check_response(entry_point_req.response, "entry point", LP_RESPONSE_REVISION_MAX);
}

/* The executable's command line, or NULL when the loader gave none. */
static const char *probe_cmdline(void)
{
    const struct lp_executable_cmdline_response *c = executable_cmdline_req.response;
    return c && c->cmdline ? c->cmdline : NULL;
}

/* The checks that read files: the executable, its command line, the modules. */
static void check_files(void)
{
    const char *cmdline = probe_cmdline();

    check_executable_file(executable_file_req.response, (uint64_t)probe_elf_entry, 0, cmdline);
    check_cmdline(executable_cmdline_req.response, executable_file_req.response);
    check_modules(module_req.response, cmdline, INTERNAL_MODULES);
}

/* The checks of firmware tables and small features. */
static void check_firmware(void)
{
    check_bootloader_info(bootloader_info_req.response);
    check_firmware_type(firmware_type_req.response);
    check_paging_mode(paging_mode_req.response);
    check_rsdp(rsdp_req.response);
    check_smbios(smbios_req.response);
    check_efi_system_table(efi_system_table_req.response);
    check_efi_memmap(efi_memmap_req.response);
    check_table_placement(rsdp_req.response, smbios_req.response, efi_system_table_req.response);
    check_date(date_req.response);
    check_bootloader_performance(perf_req.response, check_tsc_frequency(tsc_req.response));
    check_entropy(entropy_req.response, ENTROPY_VALUES, probe_cmdline());
    check_interrupt_controllers(rsdp_req.response);
    check_local_apic(rsdp_req.response);
    check_iommus(rsdp_req.response);
}

__attribute__((noreturn)) void probe_main(void);

/* The entry point the entry point request names (entry.S probe_entry calls this): every check in an
 * order that leaves the machine state untouched until it has been read. */
void probe_main(void)
{
    probe_start(PROBE_NAME, base_revision, PROBE_BASE_REVISION, hhdm_req.response, memmap_req.response);
    boot.requested_stack = PROBE_STACK_SIZE;
    check_base_revision(base_revision, PROBE_BASE_REVISION <= NEWEST_KNOWN_REVISION);
    check_entry_registers(true);
    check_entry_cpu();
    if (!boot.have_hhdm) {
        check(false, EXIT_FAIL_RESPONSE, "HHDM response", "NULL: nothing else can be checked");
        probe_finish();
    }
    check_gdt();
    check_entry_cpu_rev5(); /* reads TR's descriptor in the GDT check_gdt found mapped */
    check_lower_half(); /* before phys_access builds its window in the lower half */
    check_memmap();
    check_hhdm(hhdm_req.response, probe_cmdline());
    check_kernel_mapping();
    check_stack();
    check_plain_responses();
    check_executable_address(executable_address_req.response, entry_state.rip);
    check_files();
    check_firmware();
    check_framebuffer(framebuffer_req.response, probe_cmdline());
    probe_finish();
}
