/* Probe checks: a CPU's local APIC as base revision 5 leaves it ("Machine State at Entry", x86-64):
 * enabled in IA32_APIC_BASE, SVR 0x1FF, TPR 0, every LVT entry of delivery mode Fixed, Lowest
 * Priority, NMI or ExtINT masked, and the LINT pins the MADT's Local (x2)APIC NMI entries name set to
 * NMI delivery with the entry's polarity and trigger mode, masked. This file judges registers that
 * lapic_regs.c read (on the BSP here, or on an AP that handed them over); it reaches the xAPIC
 * MMIO page for the BSP through phys_access. */
#include "core/fmt.h"
#include "cpu.h"
#include "lapic_regs.h"
#include "probe.h"

#define MSR_APIC_BASE 0x1Bu
#define CPUID_EDX_APIC (1u << 9)
#define SVR_REV5 0x1FFu
#define LAPIC_RULES_REVISION 5 /* the revision whose LVT masking rule these checks apply */
#define LVT_MODE_SHIFT 8
#define LVT_MODE_MASK 7u
#define LVT_MODE_NMI 4u
#define LVT_ACTIVE_LOW (1u << 13)
#define LVT_LEVEL (1u << 15)
#define LVT_MASKED (1u << 16)
#define MADT_ENTRIES_OFFSET 44
#define MADT_LAPIC 0
#define MADT_LAPIC_NMI 4
#define MADT_X2APIC 9
#define MADT_X2APIC_NMI 0x0A
#define NMI_ALL_8 0xFFu /* "all processors" processor UIDs */
#define NMI_ALL_32 0xFFFFFFFFu
#define INTI_ACTIVE_LOW 3u /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
#define INTI_LEVEL 3u
#define INTI_TRIGGER_SHIFT 2
#define LINT_PINS 2
#define CHECK_NAME_MAX 96
#define LVT_LIST_MAX 128

/* What the MADT says about LINT pin NMIs for this CPU. */
struct lint_nmi {
    bool applies;
    unsigned inti; /* MPS INTI flags of the matching entry */
};

/* Fills nmi[0..1] from the MADT's Local APIC NMI (4) and Local x2APIC NMI (0x0A) entries that name
 * this CPU's processor UID (found from its APIC ID in the type 0 / 9 entries) or all processors. */
static void madt_lint_nmis(uint64_t rsdp_phys, uint32_t apic_id, struct lint_nmi nmi[LINT_PINS])
{
    uint64_t madt_phys = acpi_find_table(rsdp_phys, "APIC");
    const volatile uint8_t *m = madt_phys ? acpi_table(madt_phys) : NULL;
    uint32_t len = m ? *(const volatile uint32_t *)(m + ACPI_SDT_LENGTH_OFFSET) : 0, uid = 0;
    bool uid_known = false;

    for (uint32_t off = MADT_ENTRIES_OFFSET; off + 2 <= len && m[off + 1] >= 2; off += m[off + 1]) {
        const volatile uint8_t *e = m + off;
        if (e[0] == MADT_LAPIC && e[3] == apic_id)
            uid = e[2], uid_known = true;
        if (e[0] == MADT_X2APIC && *(const volatile uint32_t *)(e + 4) == apic_id)
            uid = *(const volatile uint32_t *)(e + 12), uid_known = true;
    }
    for (uint32_t off = MADT_ENTRIES_OFFSET; off + 2 <= len && m[off + 1] >= 2; off += m[off + 1]) {
        const volatile uint8_t *e = m + off;
        uint32_t who;
        unsigned flags, lint;
        if (e[0] == MADT_LAPIC_NMI) {
            who = e[2] == NMI_ALL_8 ? NMI_ALL_32 : e[2];
            flags = *(const volatile uint16_t *)(e + 3);
            lint = e[5];
        } else if (e[0] == MADT_X2APIC_NMI) {
            who = *(const volatile uint32_t *)(e + 4);
            flags = *(const volatile uint16_t *)(e + 2);
            lint = e[8];
        } else {
            continue;
        }
        if (lint < LINT_PINS && (who == NMI_ALL_32 || (uid_known && who == uid)))
            nmi[lint] = (struct lint_nmi){ .applies = true, .inti = flags };
    }
}

/* A check name: who ("" for the BSP, "AP 3 " for an AP) then what; out holds CHECK_NAME_MAX bytes. */
static const char *named(char *out, const char *who, const char *what)
{
    fmt_format(out, CHECK_NAME_MAX, "%s%s", who, what);
    return out;
}

/* IA32_APIC_BASE enabled, "The Spurious Interrupt Vector Register is set to 0x1FF", "The Task
 * Priority Register is set to 0". */
static void check_lapic_registers(const char *who, const struct lapic_regs *r)
{
    char name[CHECK_NAME_MAX];

    check(r->svr == SVR_REV5 && r->tpr == 0, EXIT_FAIL_CPU,
          named(name, who, "local APIC SVR 0x1FF, TPR 0 (base revision >= 5)"),
          "IA32_APIC_BASE 0x%llx (%s), SVR 0x%x, TPR 0x%x", (unsigned long long)r->apic_base,
          r->x2apic ? "x2APIC" : "xAPIC", r->svr, r->tpr);
}

/* "All LVT entries ... whose delivery mode is Fixed, Lowest Priority, NMI, or ExtINT have their
 * mask bit set" (Timer and Error have no mode field: it reads as Fixed). The detail lists every
 * entry present with its value. */
static void check_lvt_masks(const char *who, const struct lapic_regs *r)
{
    char name[CHECK_NAME_MAX], list[LVT_LIST_MAX] = "";
    unsigned present = 0, relevant = 0, unmasked = 0;
    size_t used = 0;

    for (unsigned i = 0; i < LVT_COUNT; i++) {
        if (!(r->present & (1u << i)))
            continue;
        uint32_t v = r->lvt[i];
        present++;
        if (used < sizeof list)
            used += fmt_format(list + used, sizeof list - used, " %s 0x%x", lapic_lvt_name(i), v);
        if (!delivery_mode_masked((v >> LVT_MODE_SHIFT) & LVT_MODE_MASK, LAPIC_RULES_REVISION))
            continue;
        relevant++;
        unmasked += !(v & LVT_MASKED);
    }
    check(unmasked == 0, EXIT_FAIL_CPU, named(name, who, "local APIC LVT entries masked (base revision >= 5)"),
          "%u entries, %u fixed/lowest/NMI/ExtINT, %u unmasked:%s", present, relevant, unmasked, list);
}

/* The LINT pins the MADT gives NMIs: NMI delivery, polarity and trigger from the INTI flags, masked -
 * unless the pin's mode is one the loader must leave alone (SMI, INIT, reserved). */
static void check_lint_nmis(const char *who, const struct lapic_regs *r, const struct lint_nmi nmi[LINT_PINS])
{
    char name[CHECK_NAME_MAX];
    unsigned named_pins = 0;

    for (unsigned pin = 0; pin < LINT_PINS; pin++) {
        if (!nmi[pin].applies)
            continue;
        named_pins++;
        uint32_t v = r->lvt[LVT_LINT0 + pin];
        unsigned mode = (v >> LVT_MODE_SHIFT) & LVT_MODE_MASK;
        bool low = (nmi[pin].inti & 3u) == INTI_ACTIVE_LOW;
        bool level = ((nmi[pin].inti >> INTI_TRIGGER_SHIFT) & 3u) == INTI_LEVEL;
        bool left_alone = !delivery_mode_masked(mode, LAPIC_RULES_REVISION); /* a mode the loader may not touch */
        bool ok = left_alone || (mode == LVT_MODE_NMI && ((v & LVT_ACTIVE_LOW) != 0) == low &&
                                 ((v & LVT_LEVEL) != 0) == level && (v & LVT_MASKED));
        check(ok, EXIT_FAIL_CPU, named(name, who, "local APIC LINT NMI as the MADT says, masked (base revision >= 5)"),
              "LINT%u 0x%x: mode %u, INTI flags 0x%x want NMI, active %s, %s-triggered, masked%s", pin, v, mode,
              nmi[pin].inti, low ? "low" : "high", level ? "level" : "edge", left_alone ? " (mode left alone)" : "");
    }
    if (named_pins == 0)
        note("%sno MADT local APIC NMI entry names this CPU's LINT pins", who);
}

void judge_local_apic(const char *who, const struct lapic_regs *r, const struct lp_rsdp_response *rsdp)
{
    char name[CHECK_NAME_MAX];
    struct lint_nmi nmi[LINT_PINS] = { { 0 } };
    uint64_t rsdp_phys;

    if (!r->has_apic) {
        note("%sno local APIC (CPUID.1:EDX.APIC clear): nothing to check", who);
        return;
    }
    check(r->apic_base & APIC_BASE_ENABLE, EXIT_FAIL_CPU,
          named(name, who, "local APIC enabled in IA32_APIC_BASE (base revision >= 5)"), "IA32_APIC_BASE 0x%llx",
          (unsigned long long)r->apic_base);
    if (!(r->apic_base & APIC_BASE_ENABLE))
        return;
    if (!r->readable) {
        check(false, EXIT_FAIL_CPU, named(name, who, "local APIC registers reachable"), "base 0x%llx",
              (unsigned long long)(r->apic_base & APIC_BASE_ADDRESS));
        return;
    }
    check_lapic_registers(who, r);
    check_lvt_masks(who, r);
    if (rsdp != NULL && rsdp->address != 0 && firmware_table_phys(rsdp->address, false, &rsdp_phys))
        madt_lint_nmis(rsdp_phys, r->id, nmi);
    check_lint_nmis(who, r, nmi);
}

volatile uint32_t *lapic_mmio_map(uint64_t *phys)
{
    enum phys_via via;

    *phys = 0;
    if (!(cpu_cpuid(CPUID_FEATURES, 0).edx & CPUID_EDX_APIC))
        return NULL;
    uint64_t apic_base = cpu_rdmsr(MSR_APIC_BASE);
    if (apic_base & APIC_BASE_EXTD)
        return NULL;
    *phys = apic_base & APIC_BASE_ADDRESS;
    return phys_access(*phys, APIC_MMIO_BYTES, &via);
}

/* The BSP's local APIC in base revision 5 or later; rsdp (may be NULL) leads to the MADT. */
void check_local_apic(const struct lp_rsdp_response *rsdp)
{
    struct lapic_regs r;
    uint64_t mmio_phys;

    if (boot.revision < 5)
        return;
    volatile uint32_t *mmio = lapic_mmio_map(&mmio_phys);
    lapic_read_regs(mmio, mmio_phys, &r);
    judge_local_apic("", &r, rsdp);
}
