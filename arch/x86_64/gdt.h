/* Pure: segment descriptors for the Limine protocol's entry state. */
#ifndef EMBER_ARCH_X86_64_GDT_H
#define EMBER_ARCH_X86_64_GDT_H

#include <stdint.h>

#define GDT_LIMINE_ENTRIES 7
#define GDT_LIMINE_CODE64 0x28 /* selector of entry 5 */
#define GDT_LIMINE_DATA64 0x30 /* selector of entry 6 */

/* Fills gdt with: null, 16-bit code (0x08) and data (0x10) with limit 0xFFFF, 32-bit code (0x18)
 * and data (0x20) with limit 4 GiB, 64-bit code (0x28) and data (0x30); every base is 0. */
void gdt_build_limine(uint64_t gdt[GDT_LIMINE_ENTRIES]);

#endif
