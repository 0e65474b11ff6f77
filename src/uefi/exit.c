/* The GetMemoryMap / ExitBootServices loop, and the final memory map in the boot info. */
#include "uefi/boot.h"
#include "uefi/log.h"
#include "core/memmap.h"
#include "proto/proto.h"

#define EXIT_ATTEMPTS 8        /* ExitBootServices calls in all, the first included */
#define MAP_GROW_ATTEMPTS 4    /* new, larger map buffers before the first ExitBootServices call */
#define MAP_GROW_SLACK_DESCRIPTORS 32
#define STALE_KEY_DELTA 1      /* test_fault: a map key the firmware never handed out */

/* After the first ExitBootServices call nothing can be returned to: say why on COM1 and stop. */
__attribute__((noreturn)) static void halt_after_exit(const char *why, EFI_STATUS status)
{
    log_error("%s: %s; boot services may already be partly shut down (UEFI 2.10 7.4), so ember "
              "cannot return to firmware: halting", why, efi_status_name(status));
    arch_halt();
}

/* Normalises the final raw map into b->memory.memmap. Runs after ExitBootServices: no allocation. */
static void fill_final_memmap(struct boot *b, UINTN map_size, UINTN desc_size, UINT32 desc_version)
{
    const struct ember_framebuffer *f = &b->facts.framebuffer;
    struct ember_memmap_entry fb = { f->base, f->size, EMBER_MEM_FRAMEBUFFER, 0 };
    size_t count = 0;
    enum memmap_error err = memmap_normalize(b->memory.efi_map, map_size, desc_size, &fb, fb.base != 0 ? 1 : 0,
                                             b->memory.memmap, b->memory.memmap_capacity, &count);

    if (err != MEMMAP_OK)
        halt_after_exit("memory map normalisation failed", EFI_LOAD_ERROR);
    b->memory.memmap_count = count;
    b->memory.final_map_size = map_size;
    b->memory.final_desc_size = desc_size;
    b->memory.final_desc_version = desc_version;
}

/* Replaces the raw-map buffer and the normalised-map array with one new block (type reclaimable)
 * big enough for `needed` bytes of descriptors plus slack. Only before the first ExitBootServices
 * call: it allocates. The old buffers stay in the boot-info block (reclaimable memory). */
static EFI_STATUS grow_map_buffers(struct boot *b, UINTN needed, UINTN desc_size)
{
    UINTN capacity = needed + MAP_GROW_SLACK_DESCRIPTORS * desc_size;
    UINTN entries = MEMMAP_OUT_SLOTS(capacity / desc_size);
    UINTN bytes = entries * sizeof(struct ember_memmap_entry) + capacity;
    EFI_PHYSICAL_ADDRESS block;
    EFI_STATUS status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE,
                                        (bytes + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K, &block);

    if (EFI_ERROR(status))
        return status;
    b->memory.memmap = (struct ember_memmap_entry *)(uintptr_t)block;
    b->memory.memmap_capacity = entries;
    b->memory.efi_map = (uint8_t *)(uintptr_t)block + entries * sizeof(struct ember_memmap_entry);
    b->memory.efi_map_capacity = capacity;
    log_info("memory map needs %llu bytes: map buffers grown to %llu bytes at 0x%llx",
             (unsigned long long)needed, (unsigned long long)capacity, (unsigned long long)block);
    return EFI_SUCCESS;
}

/* The map for the first ExitBootServices call. A buffer that is too small is grown (bounded);
 * nothing else is printed or allocated between a successful GetMemoryMap and the return. */
static EFI_STATUS first_map(struct boot *b, UINTN *map_size, UINTN *key, UINTN *desc_size, UINT32 *version)
{
    EFI_STATUS status = EFI_BUFFER_TOO_SMALL;

    for (unsigned grow = 0; status == EFI_BUFFER_TOO_SMALL; grow++) {
        *map_size = b->memory.efi_map_capacity;
        status = uefi_call_wrapper(BS->GetMemoryMap, 5, map_size, b->memory.efi_map, key, desc_size, version);
        if (status != EFI_BUFFER_TOO_SMALL)
            break;
        if (grow == MAP_GROW_ATTEMPTS || *desc_size == 0) {
            log_error("GetMemoryMap still needs %llu bytes after %u larger buffers", (unsigned long long)*map_size,
                      grow);
            return status;
        }
        status = grow_map_buffers(b, *map_size, *desc_size);
        if (!EFI_ERROR(status))
            status = EFI_BUFFER_TOO_SMALL; /* fetch again into the new buffer */
    }
    if (EFI_ERROR(status))
        log_error("GetMemoryMap failed: %s (buffer %llu bytes, needed %llu)", efi_status_name(status),
                  (unsigned long long)b->memory.efi_map_capacity, (unsigned long long)*map_size);
    return status;
}

/* The key to pass: the real one, or (test_fault) a stale one on the first or every attempt. */
static UINTN key_for_attempt(const struct boot *b, UINTN key, unsigned attempt)
{
    uint32_t faults = b->config.test_faults;
    bool stale = (faults & CONFIG_FAULT_EBS_STALE_KEY_ALWAYS) ||
                 (attempt == 1 && (faults & CONFIG_FAULT_EBS_STALE_KEY_ONCE));
    return stale ? key + STALE_KEY_DELTA : key;
}

/* After a failed first call only GetMemoryMap and ExitBootServices may be used (UEFI 2.10 7.4):
 * the log goes to COM1 only, nothing is freed, and a final failure halts. Returns the attempt that
 * succeeded. */
static unsigned retry_exit(struct boot *b, EFI_STATUS status, UINTN *map_size, UINTN *desc_size, UINT32 *version)
{
    UINTN key = 0;
    unsigned attempt = 1;

    log_boot_services_exited();
    log_warn("ExitBootServices attempt 1 failed: %s; from here on only GetMemoryMap and ExitBootServices "
             "(log on COM1 only)", efi_status_name(status));
    while (EFI_ERROR(status) && attempt < EXIT_ATTEMPTS) {
        attempt++;
        *map_size = b->memory.efi_map_capacity;
        status = uefi_call_wrapper(BS->GetMemoryMap, 5, map_size, b->memory.efi_map, &key, desc_size, version);
        if (EFI_ERROR(status))
            halt_after_exit("GetMemoryMap failed after the first ExitBootServices call", status);
        status = uefi_call_wrapper(BS->ExitBootServices, 2, b->image, key_for_attempt(b, key, attempt));
    }
    if (EFI_ERROR(status))
        halt_after_exit(attempt == EXIT_ATTEMPTS ? "ExitBootServices failed on every attempt"
                                                 : "ExitBootServices failed", status);
    return attempt;
}

/* The screen the kernel gets is black, as Limine leaves it: ember's log text stays on COM1 only.
 * After ExitBootServices, so nothing draws on it again; the framebuffer is identity-mapped. */
static void clear_framebuffer(const struct ember_framebuffer *fb)
{
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)fb->base;

    for (uint64_t i = 0; fb->base != 0 && i < fb->size / sizeof *p; i++)
        p[i] = 0;
}

/* The protocol's part that needs the final memory map (no allocation, no firmware call). */
EFI_STATUS stage_finish_handoff(struct boot *b)
{
    clear_framebuffer(&b->facts.framebuffer);
    b->proto->finish(b);
    return EFI_SUCCESS;
}

/* Fetches the map and exits boot services. Before the first call, failures return to firmware
 * as usual; after it, see retry_exit. */
EFI_STATUS stage_exit_boot_services(struct boot *b)
{
    UINTN map_size = 0, key = 0, desc_size = 0;
    UINT32 desc_version = 0;
    unsigned attempt = 1;
    EFI_STATUS status;

    if (b->config.test_faults & CONFIG_FAULT_MAP_BUFFER_SMALL) {
        log_warn("test_fault map-buffer-small: the memory-map buffer starts at one descriptor");
        b->memory.efi_map_capacity = 1;
    }
    log_info("exiting boot services; from here on the log goes to COM1 only");
    b->tsc.exit = arch_timestamp();
    status = first_map(b, &map_size, &key, &desc_size, &desc_version);
    if (EFI_ERROR(status))
        return status;
    status = uefi_call_wrapper(BS->ExitBootServices, 2, b->image, key_for_attempt(b, key, 1));
    if (EFI_ERROR(status))
        attempt = retry_exit(b, status, &map_size, &desc_size, &desc_version);
    log_boot_services_exited();
    mem_forget_all();
    b->root_switched = false; /* the kernel owns CR3 now */
    fill_final_memmap(b, map_size, desc_size, desc_version);
    log_info("boot services exited (attempt %u); memory map: %llu entries from %llu descriptors", attempt,
             (unsigned long long)b->memory.memmap_count, (unsigned long long)(map_size / desc_size));
    return EFI_SUCCESS;
}
