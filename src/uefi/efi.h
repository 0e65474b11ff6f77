/* Firmware access used by the loader: status names and tracked allocations with one cleanup path. */
#ifndef EMBER_EFI_H
#define EMBER_EFI_H

#include <efi.h>
#include <efilib.h>

#include "core/types.h"

#define MEM_MAX_TRACKED 96

/* The allocations a failed boot gives back. The caller's storage (on the firmware stack): a static
 * table would be stored, zeros and all, in BOOTX64.EFI (gnu-efi keeps .bss in .data). */
struct allocation {
    EFI_PHYSICAL_ADDRESS addr; /* pages: physical address; pool: the pointer */
    UINTN pages;               /* 0 for a pool allocation */
};
struct allocation_log {
    struct allocation entries[MEM_MAX_TRACKED];
    unsigned count;
};

/* ember does not link gnu-efi's libefi (its Print and device-path code would double the binary):
 * these are the few pieces of it ember needs. efi_init sets ST and BS (declared by efilib.h) and
 * keeps the allocation record in *allocations (zeroed here) until the boot ends. */
void efi_init(EFI_SYSTEM_TABLE *system_table, struct allocation_log *allocations);
bool efi_guid_equal(const EFI_GUID *a, const EFI_GUID *b);
extern EFI_GUID efi_loaded_image_guid, efi_simple_fs_guid, efi_file_info_guid, efi_gop_guid,
    efi_serial_io_guid, efi_acpi20_guid, efi_acpi10_guid, efi_smbios3_guid, efi_smbios_guid, efi_rng_guid;

/* "EFI_NOT_FOUND" etc.; unknown values give "EFI_STATUS(unknown)". */
const char *efi_status_name(EFI_STATUS status);

/* count random values into out: the firmware's RNG protocol (its default algorithm), else RDSEED or
 * RDRAND. Returns the source's name, or NULL (logged) when there is none. */
const char *efi_fill_random(uint64_t *out, uint64_t count);

/* One random value for what (a log word: "kaslr"): efi_fill_random's, else the TSC scrambled, with
 * a warning naming what. */
uint64_t efi_random64(const char *what);

/* Every allocation ember makes goes through these, so that a failed boot can free everything
 * (mem_release_all) and a test build can fail the Nth allocation (mem_fail_at). Failures are
 * logged here with the status name, except AllocateAddress: its caller falls back and says so. */
EFI_STATUS mem_alloc_pages(EFI_ALLOCATE_TYPE how, UINT32 type, UINTN pages, EFI_PHYSICAL_ADDRESS *addr);
/* AllocateAnyPages with addr % align == offset % align (align a power of two >= 4 KiB), so that a
 * segment can use large pages; the slack around it is given back at once. */
EFI_STATUS mem_alloc_pages_aligned(UINT32 type, UINTN pages, UINT64 align, UINT64 offset,
                                   EFI_PHYSICAL_ADDRESS *addr);
/* Gives back pages [keep, pages) of an allocation of `pages` pages at addr. */
EFI_STATUS mem_shrink_pages(EFI_PHYSICAL_ADDRESS addr, UINTN pages, UINTN keep);
EFI_STATUS mem_free_pages(EFI_PHYSICAL_ADDRESS addr, UINTN pages);
EFI_STATUS mem_alloc_pool(UINTN size, void **buffer);
/* The current UEFI memory map in a pool buffer of *size bytes (descriptors *desc_size apart), which
 * the caller frees with mem_free_pool. A buffer the map outgrew (each allocation may add descriptors)
 * is replaced by a larger one, up to a bound. On failure *map is NULL and nothing stays allocated. */
EFI_STATUS mem_get_map(void **map, UINTN *size, UINTN *desc_size);
/* Test knob (test_fault=map-buffer-small): mem_get_map's first buffer holds one descriptor. */
void mem_map_start_small(bool on);
void mem_free_pool(void *buffer);

/* Frees every page and pool allocation still recorded, newest first (the failure path). */
void mem_release_all(void);
/* Forgets every record without freeing: after ExitBootServices the memory belongs to the kernel. */
void mem_forget_all(void);
/* Test knob: the Nth allocation of this boot (1-based, pages or pool, counted from efi_main) fails
 * with EFI_OUT_OF_RESOURCES. 0 disables. */
void mem_fail_at(unsigned n);
/* Number of allocations attempted so far (for tests and logs). */
unsigned mem_allocation_count(void);

#endif
