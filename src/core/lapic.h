/* Pure local APIC set-up: the Limine base revision 5 entry state as a plan of register steps that the
 * BSP applies in C (lapic_apply) and the APs in arch/x86_64/ap_boot.S (same layout, same rules). */
#ifndef EMBER_LAPIC_H
#define EMBER_LAPIC_H

#include "core/acpi.h"
#include "core/types.h"

/* xAPIC MMIO offsets (SDM Vol. 3A, "Local APIC Register Address Map"); in x2APIC mode register
 * offset o is MSR LAPIC_X2APIC_MSR_BASE + o / 16. */
#define LAPIC_REG_VERSION 0x030
#define LAPIC_REG_TPR 0x080
#define LAPIC_REG_SVR 0x0F0
#define LAPIC_REG_LVT_CMCI 0x2F0
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_LVT_THERMAL 0x330
#define LAPIC_REG_LVT_PERF 0x340
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_LINT1 0x360
#define LAPIC_REG_LVT_ERROR 0x370
#define LAPIC_X2APIC_MSR_BASE 0x800

/* Version register bits 16-23: index of the last LVT entry. The Pentium has 4 entries (max 3:
 * Timer, LINT0, LINT1, Error), the P6 adds Performance Counter (4), the Pentium 4 Thermal
 * Monitor (5), CMCI makes 7 (6): SDM Vol. 3A, "Local APIC Version Register". */
#define LAPIC_VERSION_MAX_LVT_SHIFT 16
#define LAPIC_MAX_LVT_PERF 4
#define LAPIC_MAX_LVT_THERMAL 5
#define LAPIC_MAX_LVT_CMCI 6

/* LVT entry bits. Timer and Error have no delivery-mode field: it reads 0, i.e. Fixed. */
#define LAPIC_LVT_DELIVERY_SHIFT 8
#define LAPIC_LVT_DELIVERY_MASK (7u << LAPIC_LVT_DELIVERY_SHIFT)
#define LAPIC_LVT_DELIVERY_NMI (4u << LAPIC_LVT_DELIVERY_SHIFT)
#define LAPIC_LVT_STATUS_RO ((1u << 12) | (1u << 14)) /* delivery status, remote IRR: read-only */
#define LAPIC_LVT_ACTIVE_LOW (1u << 13)
#define LAPIC_LVT_LEVEL (1u << 15)
#define LAPIC_LVT_MASKED (1u << 16)
/* Delivery modes the rules mask: bit n set for mode n (Fixed 0, Lowest 1, NMI 4, ExtINT 7). */
#define LAPIC_MASKABLE_MODES 0x93u

#define LAPIC_SVR_REV5 0x1FFu      /* software-enabled, spurious vector 0xFF */
/* A UID for a processor the MADT does not list: only the all-processors NMI entries match it
 * (0xFFFFFFFF is the x2APIC entries' "all", so no single-processor entry carries it). */
#define LAPIC_UID_NONE 0xFFFFFFFFu

/* MPS INTI flags (the MADT's): polarity bits 0-1, trigger bits 2-3; 00 = the bus's default. */
#define MPS_INTI_POLARITY_MASK 3u
#define MPS_INTI_ACTIVE_LOW 3u
#define MPS_INTI_TRIGGER_SHIFT 2
#define MPS_INTI_LEVEL 3u

/* One step: when the CPU's max LVT index >= min_max_lvt, read the register at offset and - for
 * LVT steps only when its delivery mode is in LAPIC_MASKABLE_MODES - write (value & ~clear) | set.
 * 12 bytes, offsets known to ap_boot.S. */
struct lapic_step {
    uint16_t offset;
    uint8_t min_max_lvt;
    uint8_t lvt;          /* 1: an LVT entry (delivery-mode check), 0: written unconditionally */
    uint32_t clear, set;
};

#define LAPIC_PLAN_MAX_STEPS 9    /* 7 LVT entries, TPR, SVR */
#define LAPIC_STEP_BYTES 12
#define LAPIC_PLAN_STEPS_OFFSET 8

/* The steps for one CPU, in order: every LVT entry (masked first, so nothing fires once the APIC
 * is software-enabled), then TPR = 0, then SVR = 0x1FF. */
struct lapic_plan {
    uint32_t count;
    uint32_t pad;
    struct lapic_step steps[LAPIC_PLAN_MAX_STEPS];
};

_Static_assert(sizeof(struct lapic_step) == LAPIC_STEP_BYTES, "lapic_step layout");
_Static_assert(__builtin_offsetof(struct lapic_plan, steps) == LAPIC_PLAN_STEPS_OFFSET, "lapic_plan");

/* A local APIC's registers by xAPIC offset (the caller turns them into MSRs in x2APIC mode). */
struct lapic_regs {
    uint32_t (*read)(void *ctx, uint32_t offset);
    void (*write)(void *ctx, uint32_t offset, uint32_t value);
    void *ctx;
};

/* The revision 5 plan for the processor whose ACPI UID is uid: LVT entries masked; a LINT pin
 * that an NMI entry of madt names (for uid, or for all processors; later entries win) becomes
 * NMI with the entry's polarity and trigger, masked. madt may be NULL (no NMI entries).
 * Read-only LVT status bits are written as 0 (they cannot change; x2APIC writes stay clean). */
void lapic_plan_rev5(const struct madt_info *madt, uint32_t uid, struct lapic_plan *out);

/* Carries out plan on regs (the C twin of ap_boot.S's loop). Returns the LVT entries written. */
unsigned lapic_apply(const struct lapic_plan *plan, const struct lapic_regs *regs);

#endif
