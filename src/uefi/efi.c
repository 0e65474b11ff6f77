/* Tracked firmware allocations (one cleanup path for every failure) and EFI_STATUS names. */
#include "uefi/efi.h"
#include "arch/arch.h"
#include "uefi/log.h"
#include "core/memmap.h"

EFI_SYSTEM_TABLE *ST;
EFI_BOOT_SERVICES *BS;

EFI_GUID efi_loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
EFI_GUID efi_simple_fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
EFI_GUID efi_file_info_guid = EFI_FILE_INFO_ID;
EFI_GUID efi_gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
EFI_GUID efi_serial_io_guid = EFI_SERIAL_IO_PROTOCOL_GUID;
EFI_GUID efi_acpi20_guid = ACPI_20_TABLE_GUID;
EFI_GUID efi_acpi10_guid = ACPI_TABLE_GUID;
EFI_GUID efi_smbios3_guid = SMBIOS3_TABLE_GUID;
EFI_GUID efi_smbios_guid = SMBIOS_TABLE_GUID;
EFI_GUID efi_rng_guid = EFI_RNG_PROTOCOL_GUID;

static struct allocation_log *tracked;

void efi_init(EFI_SYSTEM_TABLE *system_table, struct allocation_log *allocations)
{
    ST = system_table;
    BS = system_table->BootServices;
    tracked = allocations;
    tracked->count = 0;
}

bool efi_guid_equal(const EFI_GUID *a, const EFI_GUID *b)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (unsigned i = 0; i < sizeof(EFI_GUID); i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* The compiler may emit calls to these for struct copies and initialisers (-ffreestanding still
 * requires them); libefi is not linked, so ember provides them. */
void *memset(void *dst, int value, size_t len);
void *memcpy(void *dst, const void *src, size_t len);

void *memset(void *dst, int value, size_t len)
{
    uint8_t *d = dst;
    while (len-- > 0)
        *d++ = (uint8_t)value;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t len)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (len-- > 0)
        *d++ = *s++;
    return dst;
}

static unsigned attempts;
static unsigned fail_at;

static const struct {
    EFI_STATUS status;
    char name[26]; /* in place: a pointer would cost a relocation as well */
} status_names[] = {
    { EFI_SUCCESS, "EFI_SUCCESS" },
    { EFI_LOAD_ERROR, "EFI_LOAD_ERROR" },
    { EFI_INVALID_PARAMETER, "EFI_INVALID_PARAMETER" },
    { EFI_UNSUPPORTED, "EFI_UNSUPPORTED" },
    { EFI_BAD_BUFFER_SIZE, "EFI_BAD_BUFFER_SIZE" },
    { EFI_BUFFER_TOO_SMALL, "EFI_BUFFER_TOO_SMALL" },
    { EFI_NOT_READY, "EFI_NOT_READY" },
    { EFI_DEVICE_ERROR, "EFI_DEVICE_ERROR" },
    { EFI_WRITE_PROTECTED, "EFI_WRITE_PROTECTED" },
    { EFI_OUT_OF_RESOURCES, "EFI_OUT_OF_RESOURCES" },
    { EFI_VOLUME_CORRUPTED, "EFI_VOLUME_CORRUPTED" },
    { EFI_VOLUME_FULL, "EFI_VOLUME_FULL" },
    { EFI_NO_MEDIA, "EFI_NO_MEDIA" },
    { EFI_MEDIA_CHANGED, "EFI_MEDIA_CHANGED" },
    { EFI_NOT_FOUND, "EFI_NOT_FOUND" },
    { EFI_ACCESS_DENIED, "EFI_ACCESS_DENIED" },
    { EFI_NO_RESPONSE, "EFI_NO_RESPONSE" },
    { EFI_NO_MAPPING, "EFI_NO_MAPPING" },
    { EFI_TIMEOUT, "EFI_TIMEOUT" },
    { EFI_NOT_STARTED, "EFI_NOT_STARTED" },
    { EFI_ALREADY_STARTED, "EFI_ALREADY_STARTED" },
    { EFI_ABORTED, "EFI_ABORTED" },
    { EFI_PROTOCOL_ERROR, "EFI_PROTOCOL_ERROR" },
    { EFI_INCOMPATIBLE_VERSION, "EFI_INCOMPATIBLE_VERSION" },
    { EFI_SECURITY_VIOLATION, "EFI_SECURITY_VIOLATION" },
    { EFI_CRC_ERROR, "EFI_CRC_ERROR" },
    { EFI_END_OF_MEDIA, "EFI_END_OF_MEDIA" },
    { EFI_END_OF_FILE, "EFI_END_OF_FILE" },
    { EFI_COMPROMISED_DATA, "EFI_COMPROMISED_DATA" },
    { EFI_WARN_UNKNOWN_GLYPH, "EFI_WARN_UNKNOWN_GLYPH" },
    { EFI_WARN_DELETE_FAILURE, "EFI_WARN_DELETE_FAILURE" },
    { EFI_WARN_WRITE_FAILURE, "EFI_WARN_WRITE_FAILURE" },
    { EFI_WARN_BUFFER_TOO_SMALL, "EFI_WARN_BUFFER_TOO_SMALL" },
};

const char *efi_status_name(EFI_STATUS status)
{
    for (size_t i = 0; i < ARRAY_LEN(status_names); i++)
        if (status_names[i].status == status)
            return status_names[i].name;
    return "EFI_STATUS(unknown)";
}

/* Counts an attempt; true when the failure knob says this one must fail. */
static bool injected_failure(void)
{
    attempts++;
    return fail_at != 0 && attempts == fail_at;
}

static EFI_STATUS track(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
    if (tracked->count == MEM_MAX_TRACKED)
        return EFI_OUT_OF_RESOURCES;
    tracked->entries[tracked->count].addr = addr;
    tracked->entries[tracked->count].pages = pages;
    tracked->count++;
    return EFI_SUCCESS;
}

/* Drops the record of addr (newest match first); false when it was not tracked. */
static bool untrack(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
    for (unsigned i = tracked->count; i-- > 0;) {
        if (tracked->entries[i].addr != addr || tracked->entries[i].pages != pages)
            continue;
        tracked->entries[i] = tracked->entries[--tracked->count];
        return true;
    }
    return false;
}

EFI_STATUS mem_alloc_pages(EFI_ALLOCATE_TYPE how, UINT32 type, UINTN pages, EFI_PHYSICAL_ADDRESS *addr)
{
    EFI_STATUS status;

    if (injected_failure()) {
        log_error("AllocatePages(%llu pages, type 0x%x) failed: EFI_OUT_OF_RESOURCES (injected failure #%u)",
                  (unsigned long long)pages, type, attempts);
        return EFI_OUT_OF_RESOURCES;
    }
    if (tracked->count == MEM_MAX_TRACKED) {
        log_error("more than %u allocations: raise MEM_MAX_TRACKED", MEM_MAX_TRACKED);
        return EFI_OUT_OF_RESOURCES;
    }
    status = uefi_call_wrapper(BS->AllocatePages, 4, how, (EFI_MEMORY_TYPE)type, pages, addr);
    if (EFI_ERROR(status)) {
        if (how != AllocateAddress) /* at a fixed address, the caller falls back and says so */
            log_error("AllocatePages(%llu pages, type 0x%x) failed: %s", (unsigned long long)pages, type,
                      efi_status_name(status));
        return status;
    }
    return track(*addr, pages);
}

#define MAP_GET_ATTEMPTS 4 /* buffers tried; each allocation may add descriptors to the map */
#define MAP_GET_SLACK 8    /* descriptors of room added to what the firmware asked for */

static bool map_starts_small;

void mem_map_start_small(bool on)
{
    map_starts_small = on;
}

EFI_STATUS mem_get_map(void **map, UINTN *size, UINTN *desc_size)
{
    UINTN key, capacity = 0;
    UINT32 version;
    EFI_STATUS status;

    *map = NULL;
    *size = 0;
    *desc_size = 0;
    status = uefi_call_wrapper(BS->GetMemoryMap, 5, size, NULL, &key, desc_size, &version);
    for (unsigned attempt = 1; status == EFI_BUFFER_TOO_SMALL && *desc_size != 0; attempt++) {
        if (attempt > MAP_GET_ATTEMPTS) {
            log_error("GetMemoryMap still needs %llu bytes after %u larger buffers", (unsigned long long)*size,
                      MAP_GET_ATTEMPTS);
            break;
        }
        mem_free_pool(*map);
        *map = NULL;
        if (attempt > 1)
            log_info("memory map: a buffer of %llu bytes was too small (%llu needed): trying %llu bytes",
                     (unsigned long long)capacity, (unsigned long long)*size,
                     (unsigned long long)(*size + MAP_GET_SLACK * *desc_size));
        capacity = attempt == 1 && map_starts_small ? *desc_size : *size + MAP_GET_SLACK * *desc_size;
        status = mem_alloc_pool(capacity, map);
        if (EFI_ERROR(status))
            break;
        *size = capacity;
        status = uefi_call_wrapper(BS->GetMemoryMap, 5, size, *map, &key, desc_size, &version);
    }
    if (!EFI_ERROR(status) && *map == NULL)
        status = EFI_LOAD_ERROR; /* a map of no descriptors, or no size asked for: not a memory map */
    if (EFI_ERROR(status)) {
        mem_free_pool(*map);
        *map = NULL;
    }
    return status;
}

/* A free address for pages with addr % align == offset % align, chosen from the current memory map;
 * false when the map cannot be read or nothing fits. Uses one pool allocation, freed again. */
static bool find_aligned_free(UINTN pages, UINT64 align, UINT64 offset, EFI_PHYSICAL_ADDRESS *addr)
{
    UINTN size, desc_size;
    void *map;
    bool found = false;

    if (EFI_ERROR(mem_get_map(&map, &size, &desc_size)))
        return false;
    found = memmap_find_free(map, size, desc_size, pages * PAGE_SIZE_4K, align, offset, addr);
    mem_free_pool(map);
    return found;
}

EFI_STATUS mem_alloc_pages_aligned(UINT32 type, UINTN pages, UINT64 align, UINT64 offset,
                                   EFI_PHYSICAL_ADDRESS *addr)
{
    UINTN slack = (UINTN)(align / PAGE_SIZE_4K) - 1;
    EFI_PHYSICAL_ADDRESS raw, start;
    EFI_STATUS status;

    /* one AllocateAddress where the map says it fits: no slack to give back (FreePages is slow) */
    if (find_aligned_free(pages, align, offset, &start) &&
        !EFI_ERROR(mem_alloc_pages(AllocateAddress, type, pages, &start))) {
        *addr = start;
        return EFI_SUCCESS;
    }
    status = mem_alloc_pages(AllocateAnyPages, type, pages + slack, &raw);
    if (EFI_ERROR(status))
        return status;
    untrack(raw, pages + slack);
    start = raw + ((offset - raw) & (align - 1));
    UINTN head = (UINTN)((start - raw) / PAGE_SIZE_4K), tail = slack - head;
    if (head > 0)
        uefi_call_wrapper(BS->FreePages, 2, raw, head);
    if (tail > 0)
        uefi_call_wrapper(BS->FreePages, 2, start + pages * PAGE_SIZE_4K, tail);
    *addr = start;
    return track(start, pages);
}

EFI_STATUS mem_shrink_pages(EFI_PHYSICAL_ADDRESS addr, UINTN pages, UINTN keep)
{
    if (keep >= pages)
        return EFI_SUCCESS;
    untrack(addr, pages);
    track(addr, keep);
    return uefi_call_wrapper(BS->FreePages, 2, addr + keep * PAGE_SIZE_4K, pages - keep);
}

EFI_STATUS mem_free_pages(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
    untrack(addr, pages);
    return uefi_call_wrapper(BS->FreePages, 2, addr, pages);
}

EFI_STATUS mem_alloc_pool(UINTN size, void **buffer)
{
    EFI_STATUS status;

    if (injected_failure()) {
        log_error("AllocatePool(%llu bytes) failed: EFI_OUT_OF_RESOURCES (injected failure #%u)",
                  (unsigned long long)size, attempts);
        return EFI_OUT_OF_RESOURCES;
    }
    if (tracked->count == MEM_MAX_TRACKED) {
        log_error("more than %u allocations: raise MEM_MAX_TRACKED", MEM_MAX_TRACKED);
        return EFI_OUT_OF_RESOURCES;
    }
    status = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, size, buffer);
    if (EFI_ERROR(status)) {
        log_error("AllocatePool(%llu bytes) failed: %s", (unsigned long long)size, efi_status_name(status));
        return status;
    }
    return track((EFI_PHYSICAL_ADDRESS)(UINTN)*buffer, 0);
}

void mem_free_pool(void *buffer)
{
    if (buffer == NULL)
        return;
    untrack((EFI_PHYSICAL_ADDRESS)(UINTN)buffer, 0);
    uefi_call_wrapper(BS->FreePool, 1, buffer);
}

void mem_release_all(void)
{
    while (tracked->count > 0) {
        struct allocation a = tracked->entries[--tracked->count];
        if (a.pages == 0)
            uefi_call_wrapper(BS->FreePool, 1, (void *)(UINTN)a.addr);
        else
            uefi_call_wrapper(BS->FreePages, 2, a.addr, a.pages);
    }
}

void mem_forget_all(void)
{
    tracked->count = 0;
}

void mem_fail_at(unsigned n)
{
    fail_at = n;
    if (n != 0 && n <= attempts)
        log_warn("fail_alloc_at=%u is already past: %u allocation(s) were made before ember.cfg was read", n,
                 attempts);
}

unsigned mem_allocation_count(void)
{
    return attempts;
}

const char *efi_fill_random(uint64_t *out, uint64_t count)
{
    EFI_RNG_PROTOCOL *rng = NULL;

    if (!EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &efi_rng_guid, NULL, (void **)&rng)) && rng != NULL &&
        !EFI_ERROR(uefi_call_wrapper(rng->GetRNG, 4, rng, NULL, (UINTN)(count * sizeof *out), (UINT8 *)out)))
        return "EFI_RNG_PROTOCOL";
    for (uint64_t i = 0; i < count; i++)
        if (!arch_hw_random(&out[i])) {
            log_info("no entropy source (no EFI_RNG_PROTOCOL, no working RDSEED/RDRAND)");
            return NULL;
        }
    return "RDSEED/RDRAND";
}

uint64_t efi_random64(const char *what)
{
    uint64_t value = 0;

    if (efi_fill_random(&value, 1) == NULL) {
        value = arch_timestamp() * 0x9e3779b97f4a7c15ULL; /* guessable, but what such a machine has */
        log_warn("%s: no entropy source: the TSC stands in, which an attacker may guess", what);
    }
    return value;
}
