/* Pure: ember's normalised memory map -> the Limine protocol's memory map and direct-map ranges. */
#ifndef EMBER_LMEMMAP_H
#define EMBER_LMEMMAP_H

#include "ember/bootinfo.h"
#include "ember/limine.h"
#include "core/types.h"

/* Limine type of an ember type (enum ember_memory_type): page tables, boot info and firmware
 * boot-services memory are bootloader-reclaimable, the kernel and modules one type, MMIO, EFI
 * runtime memory and EMBER_MEM_BAD (EfiUnusableMemory) reserved, as the spec's "EFI Memory Map
 * Entry Type to Limine Memory Map Type" table has it: no EFI type becomes BAD_MEMORY. */
uint64_t lmemmap_type(uint32_t ember_type);

/* Converts in[0..n) (sorted, non-overlapping, page-aligned: memmap_normalize's output) into out,
 * merging neighbours that become the same Limine type. For base revisions <= 2 the first page
 * [0, 4 KiB) is never usable (the spec): it is reported reserved. Returns the number of entries,
 * or 0 when cap is too small (out is then partly written). */
size_t lmemmap_convert(const struct ember_memmap_entry *in, size_t n, uint64_t base_revision,
                       struct limine_memmap_entry *out, size_t cap);

/* True when the direct map of base_revision covers a region of this ember type at base. The spec's
 * "Memory Layout at Entry": revision 0's identity and HHDM mappings "cover any memory map region",
 * every type at any address; revisions 1 and 2 map every region except reserved and bad memory
 * above 4 GiB; revisions 0-2 also map all of [0, 4 GiB) regardless (the caller maps that range
 * whole); revision 3 maps only usable, bootloader-reclaimable, kernel/modules and framebuffer
 * memory. Revision 0's identity half is the firmware's identity map, which UEFI keeps over every
 * region of its memory map. */
bool lmemmap_hhdm_covers(uint32_t ember_type, uint64_t base_revision, uint64_t base);

#endif
