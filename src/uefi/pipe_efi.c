/* The firmware side of the pipeline's callbacks (src/core/pipeline.h): the kernel file reader,
 * the log sink, physical memory for the placement, and one table from refusal rule to EFI status. */
#include "uefi/boot.h"
#include "uefi/log.h"
#include "core/memmap.h"

/* What the firmware answers for each rule. FIRMWARE_STATUS: the status of the firmware call that
 * failed (b->firmware_status), which the failing callback logged. */
#define FIRMWARE_STATUS 0
static const EFI_STATUS rule_status[DECIDE_RULE_COUNT] = {
    [DECIDE_OK] = EFI_SUCCESS,
    [DECIDE_INVALID_ELF] = EFI_LOAD_ERROR,
    [DECIDE_RELOCATABLE_FOR_EMBER] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_BELOW_FLOOR] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_PADDR_LAYOUT] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_SCAN] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_STACK_SIZE] = EFI_INVALID_PARAMETER,
    [DECIDE_LIMINE_PAGING_MODE] = EFI_UNSUPPORTED,
    [DECIDE_LIMINE_ENTRY_POINT] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_RELOCATION] = EFI_LOAD_ERROR,
    [DECIDE_PIN_MISMATCH] = EFI_SECURITY_VIOLATION,
    [DECIDE_CONFIG_TOO_BIG] = EFI_BAD_BUFFER_SIZE,
    [DECIDE_EMPTY_KERNEL] = EFI_LOAD_ERROR,
    [DECIDE_FIRMWARE] = FIRMWARE_STATUS,
    [DECIDE_LOWER_HALF_BUSY] = EFI_LOAD_ERROR,
    [DECIDE_NO_ROOM_FOR_KERNEL] = FIRMWARE_STATUS,
    [DECIDE_DEMO_PAGE_TAKEN] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_REQUEST_CUT] = EFI_LOAD_ERROR,
    [DECIDE_LIMINE_TOO_MANY_MODULES] = EFI_INVALID_PARAMETER,
    [DECIDE_LIMINE_BAD_INTERNAL_MODULE] = EFI_LOAD_ERROR,
};

EFI_STATUS log_refusal(struct boot *b, const struct decide_diag *diag)
{
    EFI_STATUS status = (unsigned)diag->rule < DECIDE_RULE_COUNT ? rule_status[diag->rule] : EFI_LOAD_ERROR;

    if (diag->message[0] != '\0')
        log_error("%s", diag->message);
    /* a lower-half claim that failed for want of memory says so, not "load error" */
    if (b != NULL && diag->rule == DECIDE_LOWER_HALF_BUSY && b->firmware_status == EFI_OUT_OF_RESOURCES)
        return EFI_OUT_OF_RESOURCES;
    if (status == FIRMWARE_STATUS)
        return b != NULL && EFI_ERROR(b->firmware_status) ? b->firmware_status : EFI_LOAD_ERROR;
    return status;
}

static void say(void *ctx, enum pipe_level level, const char *line)
{
    (void)ctx;
    if (level == PIPE_WARN)
        log_warn("%s", line);
    else
        log_info("%s", line);
}

struct pipe_sink boot_sink(struct boot *b)
{
    return (struct pipe_sink){ b, say };
}

static bool read_kernel(void *ctx, uint64_t offset, void *buf, uint64_t len)
{
    struct boot *b = ctx;
    b->firmware_status = file_read_at(&b->kernel.file, offset, buf, len);
    return !EFI_ERROR(b->firmware_status);
}

static void zero_pages(void *ctx, void *buf, uint64_t len)
{
    (void)ctx;
    uefi_call_wrapper(BS->SetMem, 3, buf, (UINTN)len, 0);
}

struct pipe_reader boot_kernel_reader(struct boot *b)
{
    return (struct pipe_reader){ b, read_kernel, zero_pages, b->kernel.file.size };
}

static bool claim_at(void *ctx, uint64_t phys_addr, uint64_t pages)
{
    struct boot *b = ctx;
    EFI_PHYSICAL_ADDRESS addr = phys_addr;
    b->firmware_status = mem_alloc_pages(AllocateAddress, EMBER_UEFI_TYPE_KERNEL, (UINTN)pages, &addr);
    return !EFI_ERROR(b->firmware_status);
}

static bool claim_span(void *ctx, uint64_t pages, uint64_t align, uint64_t congruent, uint64_t *base)
{
    struct boot *b = ctx;
    EFI_PHYSICAL_ADDRESS addr;
    b->firmware_status = mem_alloc_pages_aligned(EMBER_UEFI_TYPE_KERNEL, (UINTN)pages, align, congruent, &addr);
    *base = addr;
    return !EFI_ERROR(b->firmware_status);
}

static void release(void *ctx, uint64_t phys_addr, uint64_t pages)
{
    (void)ctx;
    mem_free_pages(phys_addr, (UINTN)pages);
}

/* The memory map's type at the first busy address (read now, one pool allocation freed again). */
static const char *busy_type(void *ctx, uint64_t phys_addr, uint64_t size, uint64_t *busy_at)
{
    void *map;
    UINTN map_size, desc_size;
    uint32_t type = MEMMAP_NO_DESCRIPTOR;
    bool free = false;

    (void)ctx;
    if (!EFI_ERROR(mem_get_map(&map, &map_size, &desc_size))) {
        free = memmap_range_is_free(map, map_size, desc_size, phys_addr, size, busy_at, &type);
        mem_free_pool(map);
    }
    return free ? NULL : memmap_uefi_type_name(type);
}

struct place_ops boot_place_ops(struct boot *b)
{
    return (struct place_ops){ b, claim_at, claim_span, release, busy_type };
}
