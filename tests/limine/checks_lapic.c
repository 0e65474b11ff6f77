/* Probe checks: the BSP's local APIC as base revision 5 leaves it ("Machine State at Entry", x86-64):
 * enabled in IA32_APIC_BASE, SVR 0x1FF, TPR 0, every LVT entry of delivery mode Fixed, Lowest
 * Priority, NMI or ExtINT masked, and the LINT pins the MADT's Local (x2)APIC NMI entries name set to
 * NMI delivery with the entry's polarity and trigger mode, masked. Registers are read through the
 * x2APIC MSRs when IA32_APIC_BASE.EXTD is set, else through the MMIO page at the APIC base. */
#include "cpu.h"
#include "probe.h"

#define MSR_APIC_BASE 0x1Bu
#define MSR_MCG_CAP 0x179u
#define MCG_CAP_CMCI (1ULL << 10)
#define CPUID_EDX_MCA (1u << 14)
#define CPUID_EDX_APIC (1u << 9)
#define APIC_BASE_EXTD (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_ADDRESS 0x000FFFFFFFFFF000ULL
#define X2APIC_MSR_BASE 0x800u /* x2APIC MSR = 0x800 + MMIO offset / 16 */
#define APIC_MMIO_BYTES 0x400
#define APIC_ID 0x20
#define APIC_XAPIC_ID_SHIFT 24
#define APIC_VERSION 0x30
#define APIC_VERSION_MAX_LVT_SHIFT 16
#define APIC_TPR 0x80
#define APIC_SVR 0xF0
#define APIC_LVT_CMCI 0x2F0
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define MAX_LVT_PERF 4 /* the Max LVT Entry field from which the performance counter entry exists */
#define MAX_LVT_THERMAL 5
#define MAX_LVT_CMCI 6
#define SVR_REV5 0x1FFu
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

/* How this CPU's local APIC registers are reached. */
struct lapic {
    bool x2apic;
    volatile uint32_t *mmio;
};

/* Reads the register at xAPIC MMIO offset reg. */
static uint32_t lapic_read(const struct lapic *a, unsigned reg)
{
    if (a->x2apic)
        return (uint32_t)cpu_rdmsr(X2APIC_MSR_BASE + reg / 16);
    return a->mmio[reg / 4];
}

/* One LVT entry: name, offset, and whether this APIC has it. */
struct lvt {
    const char *name;
    unsigned reg;
    bool present;
};

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

/* IA32_APIC_BASE enabled, "The Spurious Interrupt Vector Register is set to 0x1FF", "The Task
 * Priority Register is set to 0". */
static void check_lapic_registers(const struct lapic *a, uint64_t apic_base)
{
    uint32_t svr = lapic_read(a, APIC_SVR), tpr = lapic_read(a, APIC_TPR);

    check(svr == SVR_REV5 && tpr == 0, EXIT_FAIL_CPU, "local APIC SVR 0x1FF, TPR 0 (base revision >= 5)",
          "IA32_APIC_BASE 0x%llx (%s), SVR 0x%x, TPR 0x%x", (unsigned long long)apic_base,
          a->x2apic ? "x2APIC" : "xAPIC", svr, tpr);
}

/* "All LVT entries ... whose delivery mode is Fixed, Lowest Priority, NMI, or ExtINT have their
 * mask bit set" (Timer and Error have no mode field: it reads as Fixed). */
static void check_lvt_masks(const struct lapic *a, const struct lvt *lvts, unsigned n)
{
    unsigned present = 0, relevant = 0, unmasked = 0;
    const char *first = "-";
    uint32_t first_value = 0;

    for (unsigned i = 0; i < n; i++) {
        if (!lvts[i].present)
            continue;
        uint32_t v = lapic_read(a, lvts[i].reg);
        present++;
        if (!delivery_mode_masked((v >> LVT_MODE_SHIFT) & LVT_MODE_MASK))
            continue;
        relevant++;
        if (!(v & LVT_MASKED) && unmasked++ == 0)
            first = lvts[i].name, first_value = v;
    }
    check(unmasked == 0, EXIT_FAIL_CPU, "local APIC LVT entries masked (base revision >= 5)",
          "%u entries, %u fixed/lowest/NMI/ExtINT, %u unmasked (first %s 0x%x)", present, relevant, unmasked, first,
          first_value);
}

/* The LINT pins the MADT gives NMIs: NMI delivery, polarity and trigger from the INTI flags, masked -
 * unless the pin's mode is one the loader must leave alone (SMI, INIT, reserved). */
static void check_lint_nmis(const struct lapic *a, const struct lint_nmi nmi[LINT_PINS])
{
    static const unsigned regs[LINT_PINS] = { APIC_LVT_LINT0, APIC_LVT_LINT1 };
    unsigned named = 0;

    for (unsigned pin = 0; pin < LINT_PINS; pin++) {
        if (!nmi[pin].applies)
            continue;
        named++;
        uint32_t v = lapic_read(a, regs[pin]);
        unsigned mode = (v >> LVT_MODE_SHIFT) & LVT_MODE_MASK;
        bool low = (nmi[pin].inti & 3u) == INTI_ACTIVE_LOW;
        bool level = ((nmi[pin].inti >> INTI_TRIGGER_SHIFT) & 3u) == INTI_LEVEL;
        bool left_alone = !delivery_mode_masked(mode); /* a mode the loader may not touch */
        bool ok = left_alone || (mode == LVT_MODE_NMI && ((v & LVT_ACTIVE_LOW) != 0) == low &&
                                 ((v & LVT_LEVEL) != 0) == level && (v & LVT_MASKED));
        check(ok, EXIT_FAIL_CPU, "LINT NMI as the MADT says, masked (base revision >= 5)",
              "LINT%u 0x%x: mode %u, INTI flags 0x%x want NMI, active %s, %s-triggered, masked%s", pin, v, mode,
              nmi[pin].inti, low ? "low" : "high", level ? "level" : "edge", left_alone ? " (mode left alone)" : "");
    }
    if (named == 0)
        note("no MADT local APIC NMI entry names this CPU's LINT pins");
}

/* Which LVT entries this APIC has: Timer, LINT0, LINT1 and Error always; Performance Counter,
 * Thermal and CMCI by the version register's Max LVT Entry (CMCI also by IA32_MCG_CAP, since an
 * absent x2APIC register faults). */
static unsigned lvt_list(const struct lapic *a, struct lvt out[7])
{
    unsigned max_lvt = (lapic_read(a, APIC_VERSION) >> APIC_VERSION_MAX_LVT_SHIFT) & 0xFF;
    bool mca = (cpu_cpuid(CPUID_FEATURES, 0).edx & CPUID_EDX_MCA) != 0;
    bool cmci = max_lvt >= MAX_LVT_CMCI && mca && (cpu_rdmsr(MSR_MCG_CAP) & MCG_CAP_CMCI);
    unsigned n = 0;

    out[n++] = (struct lvt){ "Timer", APIC_LVT_TIMER, true };
    out[n++] = (struct lvt){ "LINT0", APIC_LVT_LINT0, true };
    out[n++] = (struct lvt){ "LINT1", APIC_LVT_LINT1, true };
    out[n++] = (struct lvt){ "Error", APIC_LVT_ERROR, true };
    out[n++] = (struct lvt){ "PerfCounter", APIC_LVT_PERF, max_lvt >= MAX_LVT_PERF };
    out[n++] = (struct lvt){ "Thermal", APIC_LVT_THERMAL, max_lvt >= MAX_LVT_THERMAL };
    out[n++] = (struct lvt){ "CMCI", APIC_LVT_CMCI, cmci };
    return n;
}

/* The BSP's local APIC in base revision 5 or later; rsdp (may be NULL) leads to the MADT. */
void check_local_apic(const struct lp_rsdp_response *rsdp)
{
    struct lapic a = { 0 };
    struct lvt lvts[7];
    struct lint_nmi nmi[LINT_PINS] = { { 0 } };
    uint64_t rsdp_phys;
    enum phys_via via;

    if (boot.revision < 5)
        return;
    if (!(cpu_cpuid(CPUID_FEATURES, 0).edx & CPUID_EDX_APIC)) {
        note("no local APIC (CPUID.1:EDX.APIC clear): nothing to check");
        return;
    }
    uint64_t apic_base = cpu_rdmsr(MSR_APIC_BASE);
    a.x2apic = (apic_base & APIC_BASE_EXTD) != 0;
    check(apic_base & APIC_BASE_ENABLE, EXIT_FAIL_CPU, "local APIC enabled in IA32_APIC_BASE (base revision >= 5)",
          "IA32_APIC_BASE 0x%llx", (unsigned long long)apic_base);
    if (!(apic_base & APIC_BASE_ENABLE))
        return;
    if (!a.x2apic && (a.mmio = phys_access(apic_base & APIC_BASE_ADDRESS, APIC_MMIO_BYTES, &via)) == NULL) {
        check(false, EXIT_FAIL_CPU, "local APIC registers reachable", "base 0x%llx",
              (unsigned long long)(apic_base & APIC_BASE_ADDRESS));
        return;
    }
    check_lapic_registers(&a, apic_base);
    unsigned n = lvt_list(&a, lvts);
    check_lvt_masks(&a, lvts, n);
    uint32_t id = lapic_read(&a, APIC_ID);
    id = a.x2apic ? id : id >> APIC_XAPIC_ID_SHIFT;
    if (rsdp != NULL && rsdp->address != 0 && firmware_table_phys(rsdp->address, false, &rsdp_phys))
        madt_lint_nmis(rsdp_phys, id, nmi);
    check_lint_nmis(&a, nmi);
}
