/* The CPU side of starting application processors: local APIC IPIs (xAPIC MMIO or x2APIC MSRs),
 * APIC IDs, and the ap_boot.S page with the BSP's state copied into its argument block. */
#include "arch/x86_64/apcpu.h"
#include "arch/x86_64/cpu.h"

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)
#define MSR_X2APIC_BASE 0x800
#define MSR_X2APIC_ID 0x802
#define MSR_X2APIC_ICR 0x830
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define ICR_INIT 0x00004500u      /* INIT, level assert, physical destination */
#define ICR_STARTUP 0x00004600u   /* STARTUP | vector */
#define ICR_PENDING (1u << 12)
#define ICR_WAIT_SPINS 1000000
#define EFER_KEEP 0x901u          /* SCE | LME | NXE */
#define EFER_LME (1u << 8)
#define MSR_PAT 0x277
#define MSR_MTRRCAP 0xFE
#define MSR_MTRR_DEF_TYPE 0x2FF
#define MTRR_DEF_ENABLE 0xC00u    /* E | FE */

extern const char ap_boot_start[], ap_boot_end[], ap_boot_args[], ap_boot_32[], ap_boot_64[];

bool arch_cpu_has_x2apic(void)
{
    return (cpu_cpuid(1, 0).ecx >> 21) & 1;
}

bool arch_x2apic_on(void)
{
    return (cpu_rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) != 0;
}

void arch_x2apic_enable(void)
{
    cpu_wrmsr(MSR_APIC_BASE, cpu_rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
}

#define CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)
#define MSR_ARCH_CAPABILITIES 0x10A
#define ARCH_CAP_XAPIC_DISABLE_STATUS (1ull << 21) /* IA32_XAPIC_DISABLE_STATUS exists */
#define MSR_XAPIC_DISABLE_STATUS 0xBD
#define LEGACY_XAPIC_DISABLED 1ull

bool arch_x2apic_can_disable(void)
{
    if (cpu_cpuid(0, 0).eax < 7 || !(cpu_cpuid(7, 0).edx & CPUID_7_EDX_ARCH_CAPABILITIES) ||
        !(cpu_rdmsr(MSR_ARCH_CAPABILITIES) & ARCH_CAP_XAPIC_DISABLE_STATUS))
        return true;
    return !(cpu_rdmsr(MSR_XAPIC_DISABLE_STATUS) & LEGACY_XAPIC_DISABLED);
}

void arch_x2apic_disable(void)
{
    uint64_t base = cpu_rdmsr(MSR_APIC_BASE) & ~(APIC_BASE_EN | APIC_BASE_EXTD);
    cpu_wrmsr(MSR_APIC_BASE, base);
    cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
}

uint32_t arch_apic_id(bool x2apic)
{
    if (x2apic && arch_x2apic_on())
        return (uint32_t)cpu_rdmsr(MSR_X2APIC_ID);
    if (x2apic && cpu_cpuid(0, 0).eax >= 0xB)
        return cpu_cpuid(0xB, 0).edx;  /* the x2APIC ID the AP will read once in x2APIC mode */
    return cpu_cpuid(1, 0).ebx >> 24;
}

uint64_t arch_lapic_base(void)
{
    return cpu_rdmsr(MSR_APIC_BASE) & ~0xFFFull & ((1ull << 52) - 1);
}

static volatile uint32_t *xapic_reg(uint32_t offset)
{
    return (volatile uint32_t *)(uintptr_t)(arch_lapic_base() + offset);
}

bool arch_lapic_enable(void)
{
    if (!((cpu_cpuid(1, 0).edx >> 9) & 1))
        return false;
    cpu_wrmsr(MSR_APIC_BASE, cpu_rdmsr(MSR_APIC_BASE) | APIC_BASE_EN);
    return true;
}

uint32_t arch_lapic_read(void *ctx, uint32_t offset)
{
    (void)ctx;
    return arch_x2apic_on() ? (uint32_t)cpu_rdmsr(MSR_X2APIC_BASE + offset / 16) : *xapic_reg(offset);
}

void arch_lapic_write(void *ctx, uint32_t offset, uint32_t value)
{
    (void)ctx;
    if (arch_x2apic_on())
        cpu_wrmsr(MSR_X2APIC_BASE + offset / 16, value);
    else
        *xapic_reg(offset) = value;
}

/* One IPI; xAPIC: waits (bounded) for the previous one to leave the ICR first. */
static void send_ipi(bool x2apic, uint32_t apic_id, uint32_t command)
{
    if (x2apic) {
        cpu_wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | command);
        return;
    }
    for (int i = 0; i < ICR_WAIT_SPINS && (*xapic_reg(XAPIC_ICR_LOW) & ICR_PENDING); i++)
        __builtin_ia32_pause();
    *xapic_reg(XAPIC_ICR_HIGH) = apic_id << 24;
    *xapic_reg(XAPIC_ICR_LOW) = command;
}

static void ipi_init(void *ctx, uint32_t apic_id)
{
    send_ipi(*(bool *)ctx, apic_id, ICR_INIT);
}

static void ipi_startup(void *ctx, uint32_t apic_id, uint8_t vector)
{
    send_ipi(*(bool *)ctx, apic_id, ICR_STARTUP | vector);
}

static uint64_t tsc_now(void *ctx)
{
    (void)ctx;
    return cpu_rdtsc();
}

struct smp_ops arch_smp_ops(bool *x2apic)
{
    return (struct smp_ops){ ipi_init, ipi_startup, tsc_now, x2apic };
}

static void add_msr(struct ap_boot_args *a, uint32_t index, uint64_t value)
{
    if (a->msr_count < AB_MAX_MSRS)
        a->msrs[a->msr_count++] = (struct ap_boot_msr){ index, 0, value };
}

/* SDM Vol. 3A 12.11.8: MTRRs off, fixed and variable ranges, then the BSP's default type back on. */
static void add_mtrrs(struct ap_boot_args *a)
{
    static const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B, 0x26C, 0x26D, 0x26E, 0x26F };
    uint64_t cap, def;
    unsigned vcnt;

    if (!((cpu_cpuid(1, 0).edx >> 12) & 1))
        return;
    cap = cpu_rdmsr(MSR_MTRRCAP);
    def = cpu_rdmsr(MSR_MTRR_DEF_TYPE);
    vcnt = (unsigned)(cap & 0xFF);
    if (vcnt > (AB_MAX_MSRS - 4 - 11) / 2)
        vcnt = (AB_MAX_MSRS - 4 - 11) / 2;
    add_msr(a, MSR_MTRR_DEF_TYPE, def & ~(uint64_t)MTRR_DEF_ENABLE);
    if (cap & (1u << 8))
        for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            add_msr(a, fixed[i], cpu_rdmsr(fixed[i]));
    for (unsigned i = 0; i < vcnt; i++) {
        add_msr(a, 0x200 + 2 * i, cpu_rdmsr(0x200 + 2 * i));
        add_msr(a, 0x201 + 2 * i, cpu_rdmsr(0x201 + 2 * i));
    }
    add_msr(a, MSR_MTRR_DEF_TYPE, def);
}

void arch_ap_boot_capture(struct ap_boot_args *a, uint64_t pat)
{
    a->cr0 = cpu_read_cr0() | CR0_WP; /* the BSP enters the kernel with WP set (bootinfo.h) */
    a->cr4 = cpu_read_cr4();
    a->efer_or = (uint32_t)(cpu_rdmsr(MSR_EFER) & EFER_KEEP) | EFER_LME;
    a->msr_count = 0;
    add_mtrrs(a);
    add_msr(a, MSR_PAT, pat);
}

uint64_t arch_read_pat(void)
{
    return cpu_rdmsr(MSR_PAT);
}

void arch_read_gdt(uint16_t *limit, uint64_t *base, uint16_t *cs, uint16_t *ds)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr;
    uint16_t c, d;

    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("mov %%cs, %0" : "=r"(c));
    __asm__ volatile("mov %%ss, %0" : "=r"(d));
    *limit = gdtr.limit;
    *base = gdtr.base;
    *cs = c;
    *ds = d;
}

struct ap_boot_args *arch_ap_boot_install(void *page, uint64_t page_phys)
{
    size_t len = (size_t)(ap_boot_end - ap_boot_start);
    struct ap_boot_args *a = (struct ap_boot_args *)((char *)page + (ap_boot_args - ap_boot_start));

    for (size_t i = 0; i < len + AB_SIZE; i++)  /* the code, then the argument block zeroed */
        ((char *)page)[i] = i < len ? ap_boot_start[i] : 0;
    a->gdt[0] = 0;
    a->gdt[1] = 0x00CF9A000000FFFFull; /* 32-bit code, flat */
    a->gdt[2] = 0x00CF92000000FFFFull; /* 32-bit data, flat */
    a->gdt[3] = 0x00AF9A000000FFFFull; /* 64-bit code */
    a->gdtr16_limit = sizeof a->gdt - 1;
    a->gdtr16_base = (uint32_t)(page_phys + (uint64_t)((char *)a->gdt - (char *)page));
    a->far32_offset = (uint32_t)(page_phys + (uint64_t)(ap_boot_32 - ap_boot_start));
    a->far32_sel = 0x08;
    a->far64_offset = (uint32_t)(page_phys + (uint64_t)(ap_boot_64 - ap_boot_start));
    a->far64_sel = 0x18;
    return a;
}

size_t arch_ap_boot_size(void)
{
    return (size_t)(ap_boot_end - ap_boot_start) + AB_SIZE;
}
