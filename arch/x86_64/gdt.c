/* Pure: the GDT the Limine protocol promises at entry (null, 16-, 32- and 64-bit code/data pairs). */
#include "arch/x86_64/gdt.h"

/* Access bytes: present, ring 0, code/data (S = 1); code is execute+read, data read+write; the
 * accessed bit is preset so the CPU never writes the table. */
#define ACCESS_CODE 0x9B
#define ACCESS_DATA 0x93
#define ACCESS_TSS_AVAILABLE 0x89 /* present, ring 0, system type 9: available 64-bit TSS */
/* Flags nibble (bits 52-55): G = 4 KiB granularity, DB = 32-bit default size, L = 64-bit code. */
#define FLAGS_16 0x0
#define FLAGS_32 0xC        /* G | DB */
#define FLAGS_64_CODE 0xA   /* G | L */
#define FLAGS_64_DATA 0xC   /* G | DB: ignored in 64-bit mode, the usual encoding */
#define LIMIT_16 0xFFFFULL  /* bytes */
#define LIMIT_4G 0xFFFFFULL /* 4 KiB units: 4 GiB */

/* One segment descriptor with base 0 (SDM Vol. 3A 3.4.5). */
static uint64_t descriptor(uint64_t limit, uint64_t access, uint64_t flags)
{
    return (limit & 0xFFFF) | ((limit >> 16 & 0xF) << 48) | (access << 40) | (flags << 52);
}

void gdt_build_limine(uint64_t gdt[GDT_LIMINE_ENTRIES])
{
    gdt[0] = 0;
    gdt[1] = descriptor(LIMIT_16, ACCESS_CODE, FLAGS_16);
    gdt[2] = descriptor(LIMIT_16, ACCESS_DATA, FLAGS_16);
    gdt[3] = descriptor(LIMIT_4G, ACCESS_CODE, FLAGS_32);
    gdt[4] = descriptor(LIMIT_4G, ACCESS_DATA, FLAGS_32);
    gdt[5] = descriptor(LIMIT_4G, ACCESS_CODE, FLAGS_64_CODE);
    gdt[6] = descriptor(LIMIT_4G, ACCESS_DATA, FLAGS_64_DATA);
    gdt[7] = descriptor(0, ACCESS_TSS_AVAILABLE, 0);
    gdt[8] = 0; /* base bits 32-63 and reserved */
}
