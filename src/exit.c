/* The GetMemoryMap / ExitBootServices loop, and the final memory map in the boot info. */
#include "ember/boot.h"
#include "ember/log.h"
#include "ember/memmap.h"

#define EXIT_ATTEMPTS 8

/* After ExitBootServices nothing can be returned to: say why on COM1 and stop. */
__attribute__((noreturn)) static void halt_after_exit(const char *why)
{
    log_error("%s after ExitBootServices: cannot return to firmware, halting", why);
    arch_halt();
}

/* Normalises the final raw map into the boot info. Runs after ExitBootServices: no allocation. */
static void fill_final_memmap(struct boot *b, UINTN map_size, UINTN desc_size, UINT32 desc_version)
{
    struct ember_bootinfo *info = b->info;
    struct ember_memmap_entry fb = { info->framebuffer.base, info->framebuffer.size, EMBER_MEM_FRAMEBUFFER, 0 };
    size_t count = 0;
    enum memmap_error err = memmap_normalize(b->efi_map, map_size, desc_size, &fb, fb.base != 0 ? 1 : 0,
                                             b->memmap, b->memmap_capacity, &count);

    if (err != MEMMAP_OK)
        halt_after_exit("memory map normalisation failed");
    info->memmap = (uint64_t)(uintptr_t)b->memmap;
    info->memmap_count = count;
    info->efi_memmap = (uint64_t)(uintptr_t)b->efi_map;
    info->efi_memmap_size = map_size;
    info->efi_memmap_desc_size = desc_size;
    info->efi_memmap_desc_version = desc_version;
}

/* Fetches the map and exits boot services, retrying when the map changed in between
 * (EFI_INVALID_PARAMETER). Between the final GetMemoryMap and ExitBootServices nothing allocates
 * and nothing is printed. */
EFI_STATUS stage_exit_boot_services(struct boot *b)
{
    UINTN map_size = 0, key = 0, desc_size = 0;
    UINT32 desc_version = 0;
    EFI_STATUS status = EFI_INVALID_PARAMETER;
    unsigned attempt;

    log_info("exiting boot services; from here on the log goes to COM1 only");
    b->info->tsc.exit_boot_services = arch_timestamp();
    for (attempt = 1; attempt <= EXIT_ATTEMPTS && status == EFI_INVALID_PARAMETER; attempt++) {
        map_size = b->efi_map_capacity;
        status = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, b->efi_map, &key, &desc_size, &desc_version);
        if (EFI_ERROR(status)) {
            log_error("GetMemoryMap failed: %s (buffer %llu bytes, needed %llu)", efi_status_name(status),
                      (unsigned long long)b->efi_map_capacity, (unsigned long long)map_size);
            return status;
        }
        status = uefi_call_wrapper(BS->ExitBootServices, 2, b->image, key);
    }
    if (EFI_ERROR(status)) {
        log_error("ExitBootServices failed after %u attempts: %s", attempt - 1, efi_status_name(status));
        return status;
    }
    log_boot_services_exited();
    mem_forget_all();
    b->root_switched = false; /* the kernel owns CR3 now */
    fill_final_memmap(b, map_size, desc_size, desc_version);
    log_info("boot services exited (attempt %u); memory map: %llu entries from %llu descriptors",
             attempt - 1, (unsigned long long)b->info->memmap_count, (unsigned long long)(map_size / desc_size));
    return EFI_SUCCESS;
}
