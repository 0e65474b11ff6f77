/* Starting application processors: what src/uefi/aps.c needs from the CPU (arch/x86_64/apcpu.c). */
#ifndef EMBER_ARCH_X86_64_APCPU_H
#define EMBER_ARCH_X86_64_APCPU_H

#include "arch/x86_64/ap_boot.h"
#include "core/smp.h"

bool arch_cpu_has_x2apic(void);
bool arch_x2apic_on(void);        /* IA32_APIC_BASE.EXTD */
void arch_x2apic_enable(void);    /* this CPU's local APIC to x2APIC mode */
/* True when x2APIC can be switched off: not locked on by the platform (IA32_XAPIC_DISABLE_STATUS). */
bool arch_x2apic_can_disable(void);
/* x2APIC -> xAPIC through the disabled state (a direct switch faults, SDM 11.12.5): the local APIC
 * comes back reset, which the entry state programs anyway. */
void arch_x2apic_disable(void);
/* This CPU's local APIC: globally enabled (IA32_APIC_BASE.EN); false when CPUID says it has none. */
bool arch_lapic_enable(void);
/* Physical base of the xAPIC page (IA32_APIC_BASE). */
uint64_t arch_lapic_base(void);
/* A register by xAPIC offset: MSR 0x800 + offset / 16 in x2APIC mode, else MMIO through the
 * identity map. ctx is unused: the shape of struct lapic_regs' callbacks. */
uint32_t arch_lapic_read(void *ctx, uint32_t offset);
void arch_lapic_write(void *ctx, uint32_t offset, uint32_t value);
/* This CPU's APIC ID as the MADT and the AP code see it: the x2APIC ID when x2apic. */
uint32_t arch_apic_id(bool x2apic);
/* INIT / STARTUP through the local APIC (x2APIC when *x2apic) and the TSC as the clock. */
struct smp_ops arch_smp_ops(bool *x2apic);
uint64_t arch_read_pat(void);
/* GDTR, CS and SS as they are now. */
void arch_read_gdt(uint16_t *limit, uint64_t *base, uint16_t *cs, uint16_t *ds);

/* Copies ap_boot.S's code to page (identity pointer of physical page_phys, below 1 MiB), zeroes
 * the argument block after it and fills the parts that depend on page_phys (temporary GDT, far
 * jumps); returns the argument block. */
struct ap_boot_args *arch_ap_boot_install(void *page, uint64_t page_phys);
/* Bytes the page holds: the code, then the argument block (the last AB_SIZE bytes). */
size_t arch_ap_boot_size(void);
/* The BSP's CR0 (with WP), CR4, EFER bits, MTRRs and the given PAT into the argument block. */
void arch_ap_boot_capture(struct ap_boot_args *a, uint64_t pat);

#endif
