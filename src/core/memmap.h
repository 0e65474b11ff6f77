/* Pure: turns a raw UEFI memory map into ember's sorted, merged, typed memory map. */
#ifndef EMBER_MEMMAP_H
#define EMBER_MEMMAP_H

#include "ember/bootinfo.h"
#include "core/types.h"

/* UEFI memory types (UEFI 2.10, 7.2) as plain numbers so this module needs no firmware headers. */
enum {
    UEFI_RESERVED = 0, UEFI_LOADER_CODE, UEFI_LOADER_DATA, UEFI_BOOT_SERVICES_CODE,
    UEFI_BOOT_SERVICES_DATA, UEFI_RUNTIME_SERVICES_CODE, UEFI_RUNTIME_SERVICES_DATA,
    UEFI_CONVENTIONAL, UEFI_UNUSABLE, UEFI_ACPI_RECLAIM, UEFI_ACPI_NVS, UEFI_MMIO,
    UEFI_MMIO_PORT_SPACE, UEFI_PAL_CODE, UEFI_PERSISTENT, UEFI_UNACCEPTED,
};

/* OS-loader memory types (>= 0x80000000) ember allocates with, so the final map can say what is what. */
#define EMBER_UEFI_TYPE_KERNEL 0x80000000u
#define EMBER_UEFI_TYPE_PAGE_TABLES 0x80000001u
#define EMBER_UEFI_TYPE_MODULES 0x80000002u
#define EMBER_UEFI_TYPE_RECLAIMABLE 0x80000003u /* boot info, stack, raw map */

/* The fields of EFI_MEMORY_DESCRIPTOR ember reads (the layout of UEFI's version 1 descriptor). */
struct uefi_memory_descriptor {
    uint32_t type;
    uint32_t pad;
    uint64_t physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages;
    uint64_t attribute;
};

enum memmap_error {
    MEMMAP_OK = 0,
    MEMMAP_ERR_DESC_SIZE,   /* descriptor size smaller than the version-1 layout, or not 8-aligned */
    MEMMAP_ERR_NO_SPACE,    /* output capacity too small */
    MEMMAP_ERR_RANGE_WRAPS, /* a range's end, rounded up to 4 KiB, passes 2^64 - 1 */
};

/* Type of a UEFI range in ember's terms (enum ember_memory_type). */
uint32_t memmap_type_from_uefi(uint32_t uefi_type);

/* Normalises raw (raw_size bytes, desc_size stride) plus `extra` ranges that take part like
 * descriptors (e.g. the framebuffer) into out[0..*count): every range first widened outward to
 * whole 4 KiB pages (base down, end up; extra ranges are bytes, so the framebuffer's entry may
 * cover a little more than the framebuffer), then sorted by base, without overlaps (the more
 * restrictive type wins an overlap: bad > reserved ... > usable), adjacent equal types merged,
 * zero-length ranges dropped, extra ranges of unknown type treated as reserved. Every output base
 * and length is a multiple of 4 KiB. out_cap must be >= 3 * (descriptors + n_extra): out doubles
 * as scratch space. *count is 0 on error. Needs no allocation, so it runs after ExitBootServices. */
enum memmap_error memmap_normalize(const void *raw, uint64_t raw_size, uint64_t desc_size,
                                   const struct ember_memmap_entry *extra, size_t n_extra,
                                   struct ember_memmap_entry *out, size_t out_cap, size_t *count);

/* Highest end address (base + length) of any raw descriptor, for sizing the direct map. */
uint64_t memmap_highest_address(const void *raw, uint64_t raw_size, uint64_t desc_size);

const char *memmap_type_name(uint32_t ember_type);

/* Finds the highest address A inside one conventional-memory descriptor such that [A, A + size) fits
 * in it and A == offset (mod align), align a power of two (4 KiB multiples in practice). Lets ember
 * place a segment where 2 MiB pages fit with a single AllocateAddress instead of over-allocating and
 * freeing the slack (FreePages costs ~13 ms per call under TCG). False when nothing fits. */
bool memmap_find_free(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t size, uint64_t align,
                      uint64_t offset, uint64_t *address);

/* The lowest (or highest) address A, a multiple of align, with [A, A + size) inside one conventional
 * descriptor and inside [lo, hi): where a Multiboot kernel's relocatable tag lets it go. */
bool memmap_find_free_within(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t size, uint64_t align,
                             uint64_t lo, uint64_t hi, bool lowest, uint64_t *address);

/* memmap_range_is_free's *uefi_type when no descriptor covers the address (not memory at all). */
#define MEMMAP_NO_DESCRIPTOR 0xFFFFFFFFu

/* True when every byte of [base, base + size) lies in conventional (free) memory of the raw map.
 * Otherwise false, with *busy_at = the first address that is not free and *uefi_type = the UEFI type
 * of its descriptor, or MEMMAP_NO_DESCRIPTOR when no descriptor covers it. A range that wraps 2^64
 * is never free. */
bool memmap_range_is_free(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t base,
                          uint64_t size, uint64_t *busy_at, uint32_t *uefi_type);

/* As memmap_range_is_free, but boot-services code and data count as free too: the range is free
 * once ExitBootServices has returned (where a Multiboot kernel is moved into place). */
bool memmap_range_free_at_exit(const void *raw, uint64_t raw_size, uint64_t desc_size, uint64_t base,
                               uint64_t size, uint64_t *busy_at, uint32_t *uefi_type);

/* "EfiBootServicesData" etc. for log lines; ember's own types and MEMMAP_NO_DESCRIPTOR by name. */

const char *memmap_uefi_type_name(uint32_t uefi_type);

#endif
