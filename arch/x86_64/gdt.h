/* Pure: segment descriptors for the Limine protocol's entry state. */
#ifndef EMBER_ARCH_X86_64_GDT_H
#define EMBER_ARCH_X86_64_GDT_H

#include <stdint.h>

#define GDT_LIMINE_ENTRIES 9
#define GDT_LIMINE_CODE64 0x28 /* selector of entry 5 */
#define GDT_LIMINE_DATA64 0x30 /* selector of entry 6 */
#define GDT_LIMINE_TSS 0x38    /* selector of entries 7-8 */

/* Fills gdt with: null, 16-bit code (0x08) and data (0x10) with limit 0xFFFF, 32-bit code (0x18)
 * and data (0x20) with limit 4 GiB, 64-bit code (0x28) and data (0x30); every base is 0. Then an
 * available 64-bit TSS descriptor with base 0 and limit 0 (0x38, two slots): base revision 5
 * wants "the task register loaded with base 0 and limit 0", and LTR takes only a TSS descriptor.
 * The spec's seven come first, as it requires ("at least the following entries"). */
void gdt_build_limine(uint64_t gdt[GDT_LIMINE_ENTRIES]);

#endif
