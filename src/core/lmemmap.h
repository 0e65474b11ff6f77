/* Pure: ember's normalised memory map -> the Limine protocol's memory map and direct-map ranges. */
#ifndef EMBER_LMEMMAP_H
#define EMBER_LMEMMAP_H

#include "ember/bootinfo.h"
#include "ember/limine.h"
#include "core/types.h"

/* Base revisions whose rules lmemmap applies (the spec's "Base Revision Changes Summary"). */
#define LMEMMAP_REVISION_ACPI_MAPPED 4    /* RESERVED_MAPPED exists; the HHDM adds it and ACPI memory */
#define LMEMMAP_REVISION_RUNTIME_MAPPED 5 /* EFI runtime code/data become RESERVED_MAPPED */

/* Firmware data the kernel must find in the direct map from revision 4 on (ACPI tables; from 5
 * also SMBIOS and the EFI system table with what it points to), as page-aligned physical ranges,
 * sorted and merged. Ranges past the cap are counted, not kept. */
#define LMEMMAP_MAX_FIRMWARE_RANGES 64
struct lmemmap_firmware_ranges {
    uint64_t base[LMEMMAP_MAX_FIRMWARE_RANGES], end[LMEMMAP_MAX_FIRMWARE_RANGES];
    unsigned count, overflow;
};

/* Adds [base, base + length), widened outward to whole pages; length 0 or a range that wraps adds
 * nothing. Keeps the set sorted and merges overlapping or adjacent ranges. */
void lmemmap_add_firmware_range(struct lmemmap_firmware_ranges *r, uint64_t base, uint64_t length);

/* Limine type of an ember type (enum ember_memory_type) under base_revision: page tables, boot info
 * and firmware boot-services memory are bootloader-reclaimable, the kernel and modules one type,
 * MMIO and EMBER_MEM_BAD (EfiUnusableMemory) reserved, as the spec's "EFI Memory Map Entry Type to
 * Limine Memory Map Type" table has it: no EFI type becomes BAD_MEMORY. EFI runtime code and data
 * are reserved before revision 5 and RESERVED_MAPPED from it. */
uint64_t lmemmap_type(uint32_t ember_type, uint64_t base_revision);

/* Converts in[0..n) (sorted, non-overlapping, page-aligned: memmap_normalize's output) into out,
 * merging neighbours that become the same Limine type. For base revisions <= 2 the first page
 * [0, 4 KiB) is never usable (the spec): it is reported reserved. From revision 4 the parts of
 * entries that lie in a firmware range become RESERVED_MAPPED unless they are ACPI reclaimable,
 * ACPI NVS or RESERVED_MAPPED already (fw may be NULL: none). Returns the number of entries, or 0
 * when cap is too small (out is then partly written). */
size_t lmemmap_convert(const struct ember_memmap_entry *in, size_t n, uint64_t base_revision,
                       const struct lmemmap_firmware_ranges *fw, struct limine_memmap_entry *out, size_t cap);

/* True when the direct map of base_revision covers a region of this ember type at base. The spec's
 * "Memory Layout at Entry": revision 0's identity and HHDM mappings "cover any memory map region",
 * every type at any address; revisions 1 and 2 map every region except reserved and bad memory
 * above 4 GiB; revisions 0-2 also map all of [0, 4 GiB) regardless (the caller maps that range
 * whole); revision 3 maps only usable, bootloader-reclaimable, kernel/modules and framebuffer
 * memory; revision 4 adds RESERVED_MAPPED, ACPI reclaimable and ACPI NVS (the caller maps the
 * firmware ranges too). Revision 0's identity half is the firmware's identity map, which UEFI
 * keeps over every region of its memory map. */
bool lmemmap_hhdm_covers(uint32_t ember_type, uint64_t base_revision, uint64_t base);

#endif
