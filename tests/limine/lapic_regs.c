/* Probe kernels: reads the calling CPU's local APIC registers into a struct lapic_regs. Runs on APs
 * too, so it only reads registers and writes the caller's struct (see lapic_regs.h). */
#include <stddef.h>

#include "cpu.h"
#include "lapic_regs.h"

#define MSR_APIC_BASE 0x1Bu
#define MSR_MCG_CAP 0x179u
#define MCG_CAP_CMCI (1ULL << 10)
#define CPUID_EDX_MCA (1u << 14)
#define CPUID_EDX_APIC (1u << 9)
#define X2APIC_MSR_BASE 0x800u /* x2APIC MSR = 0x800 + MMIO offset / 16 */
#define APIC_ID 0x20
#define APIC_XAPIC_ID_SHIFT 24
#define APIC_VERSION 0x30
#define APIC_VERSION_MAX_LVT_SHIFT 16
#define APIC_VERSION_MAX_LVT_MASK 0xFFu
#define APIC_TPR 0x80
#define APIC_SVR 0xF0
#define MAX_LVT_PERF 4 /* the Max LVT Entry value from which the performance counter entry exists */
#define MAX_LVT_THERMAL 5
#define MAX_LVT_CMCI 6

/* Each LVT entry's name and xAPIC MMIO offset. */
static const struct {
    const char *name;
    unsigned reg;
} lvts[LVT_COUNT] = {
    [LVT_TIMER] = { "Timer", 0x320 },     [LVT_LINT0] = { "LINT0", 0x350 },
    [LVT_LINT1] = { "LINT1", 0x360 },     [LVT_ERROR] = { "Error", 0x370 },
    [LVT_PERF] = { "PerfCounter", 0x340 }, [LVT_THERMAL] = { "Thermal", 0x330 },
    [LVT_CMCI] = { "CMCI", 0x2F0 },
};

const char *lapic_lvt_name(enum lapic_lvt n)
{
    return n < LVT_COUNT ? lvts[n].name : "?";
}

/* The register at xAPIC MMIO offset reg, through the x2APIC MSRs when r->x2apic. */
static uint32_t reg_read(const struct lapic_regs *r, volatile uint32_t *mmio, unsigned reg)
{
    if (r->x2apic)
        return (uint32_t)cpu_rdmsr(X2APIC_MSR_BASE + reg / 16);
    return mmio[reg / 4];
}

/* Which LVT entries this APIC has, as present bits: Timer, LINT0, LINT1 and Error always;
 * Performance Counter, Thermal and CMCI by the version register's Max LVT Entry (CMCI also by
 * IA32_MCG_CAP, since reading an absent x2APIC register faults). */
static uint32_t lvt_present(uint32_t version)
{
    unsigned max_lvt = (version >> APIC_VERSION_MAX_LVT_SHIFT) & APIC_VERSION_MAX_LVT_MASK;
    bool mca = (cpu_cpuid(CPUID_FEATURES, 0).edx & CPUID_EDX_MCA) != 0;
    uint32_t present = 1u << LVT_TIMER | 1u << LVT_LINT0 | 1u << LVT_LINT1 | 1u << LVT_ERROR;

    present |= max_lvt >= MAX_LVT_PERF ? 1u << LVT_PERF : 0;
    present |= max_lvt >= MAX_LVT_THERMAL ? 1u << LVT_THERMAL : 0;
    present |= max_lvt >= MAX_LVT_CMCI && mca && (cpu_rdmsr(MSR_MCG_CAP) & MCG_CAP_CMCI) ? 1u << LVT_CMCI : 0;
    return present;
}

void lapic_read_regs(volatile uint32_t *mmio, uint64_t mmio_phys, struct lapic_regs *r)
{
    *r = (struct lapic_regs){ .has_apic = (cpu_cpuid(CPUID_FEATURES, 0).edx & CPUID_EDX_APIC) != 0 };
    if (!r->has_apic)
        return;
    r->apic_base = cpu_rdmsr(MSR_APIC_BASE);
    r->x2apic = (r->apic_base & APIC_BASE_EXTD) != 0;
    if (!(r->apic_base & APIC_BASE_ENABLE))
        return;
    if (!r->x2apic && (mmio == NULL || (r->apic_base & APIC_BASE_ADDRESS) != mmio_phys))
        return;
    r->id = reg_read(r, mmio, APIC_ID);
    r->id = r->x2apic ? r->id : r->id >> APIC_XAPIC_ID_SHIFT;
    r->version = reg_read(r, mmio, APIC_VERSION);
    r->svr = reg_read(r, mmio, APIC_SVR);
    r->tpr = reg_read(r, mmio, APIC_TPR);
    r->present = lvt_present(r->version);
    for (unsigned i = 0; i < LVT_COUNT; i++)
        if (r->present & (1u << i))
            r->lvt[i] = reg_read(r, mmio, lvts[i].reg);
    r->readable = true;
}
