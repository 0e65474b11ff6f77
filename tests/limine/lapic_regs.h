/* Probe kernels: one CPU's local APIC registers, read on that CPU (lapic_regs.c, safe on an AP) and
 * judged on the BSP against base revision 5's rules (checks_lapic.c). */
#ifndef LPROBE_LAPIC_REGS_H
#define LPROBE_LAPIC_REGS_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_BASE_EXTD (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_ADDRESS 0x000FFFFFFFFFF000ULL
#define APIC_MMIO_BYTES 0x400 /* the xAPIC registers a reader touches, from the page start */

/* The LVT entries, as indexes into lapic_regs.lvt and bits of lapic_regs.present. */
enum lapic_lvt { LVT_TIMER, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_PERF, LVT_THERMAL, LVT_CMCI, LVT_COUNT };

/* One CPU's local APIC as lapic_read_regs found it. The register fields are valid only when
 * readable: the CPU has an APIC, it is enabled in IA32_APIC_BASE, and its registers were reachable. */
struct lapic_regs {
    bool has_apic;      /* CPUID.1:EDX.APIC */
    bool x2apic;        /* IA32_APIC_BASE.EXTD: read through the x2APIC MSRs */
    bool readable;
    uint64_t apic_base; /* IA32_APIC_BASE, valid when has_apic */
    uint32_t id;        /* the xAPIC ID (bits 31:24, shifted down) or the x2APIC ID */
    uint32_t version, svr, tpr;
    uint32_t lvt[LVT_COUNT]; /* entry n valid when present bit n is set */
    uint32_t present;
};

/* The name of LVT entry n, for report lines. */
const char *lapic_lvt_name(enum lapic_lvt n);

/* Reads the calling CPU's local APIC into *r. mmio is a virtual address of the xAPIC register page
 * at physical mmio_phys (APIC_MMIO_BYTES readable), ignored in x2APIC mode; an xAPIC stays unreadable
 * when mmio is NULL or this CPU's IA32_APIC_BASE names another page. Prints nothing and changes no
 * mapping, so an AP may call it while other CPUs run. */
void lapic_read_regs(volatile uint32_t *mmio, uint64_t mmio_phys, struct lapic_regs *r);

#endif
