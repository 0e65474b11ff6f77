/* Test kernels: which CPU they run on (CPUID vendor, display family and model) and the two paging
 * features a loader must follow, NX and 1 GiB pages, so a report names the CPU model QEMU emulated
 * and a check can hold the loader's choices to CPUID (SDM Vol. 2A CPUID; AMD APM Vol. 3 E.3). */
#ifndef EMBER_TESTS_CPUIDENT_H
#define EMBER_TESTS_CPUIDENT_H

#include <stdbool.h>
#include <stdint.h>

#define CPUIDENT_LEAF_VENDOR 0u
#define CPUIDENT_LEAF_VERSION 1u
#define CPUIDENT_LEAF_EXT_MAX 0x80000000u
#define CPUIDENT_LEAF_EXT_FEATURES 0x80000001u
#define CPUIDENT_EDX_NX (1u << 20)
#define CPUIDENT_EDX_PDPE1GB (1u << 26)
#define CPUIDENT_FAMILY_EXTENDED 0xFu /* base family 0xF: add the extended family */
#define CPUIDENT_FAMILY_INTEL_CORE 6u /* family 6 (and 0xF) also use the extended model */

struct cpu_ident {
    char vendor[13];    /* "GenuineIntel", "AuthenticAMD", ... NUL-terminated */
    uint32_t family;    /* display family */
    uint32_t model;     /* display model */
    bool nx, pages_1g;  /* CPUID.80000001H:EDX bits 20 and 26 */
};

static inline void cpuident_cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0u));
}

/* Fills *id from CPUID: the vendor string is EBX, EDX, ECX of leaf 0. */
static inline void cpuident_read(struct cpu_ident *id)
{
    uint32_t r[4], order[3] = { 1, 3, 2 };

    cpuident_cpuid(CPUIDENT_LEAF_VENDOR, r);
    for (unsigned i = 0; i < 12; i++)
        id->vendor[i] = (char)(r[order[i / 4]] >> (8 * (i % 4)));
    id->vendor[12] = '\0';
    cpuident_cpuid(CPUIDENT_LEAF_VERSION, r);
    uint32_t base_family = (r[0] >> 8) & 0xF, base_model = (r[0] >> 4) & 0xF;
    id->family = base_family + (base_family == CPUIDENT_FAMILY_EXTENDED ? (r[0] >> 20) & 0xFF : 0);
    id->model = base_model;
    if (base_family == CPUIDENT_FAMILY_EXTENDED || base_family == CPUIDENT_FAMILY_INTEL_CORE)
        id->model |= ((r[0] >> 16) & 0xF) << 4;
    cpuident_cpuid(CPUIDENT_LEAF_EXT_MAX, r);
    bool ext = r[0] >= CPUIDENT_LEAF_EXT_FEATURES;
    if (ext)
        cpuident_cpuid(CPUIDENT_LEAF_EXT_FEATURES, r);
    id->nx = ext && (r[3] & CPUIDENT_EDX_NX);
    id->pages_1g = ext && (r[3] & CPUIDENT_EDX_PDPE1GB);
}

#endif
