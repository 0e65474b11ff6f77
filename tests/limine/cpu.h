/* Probe kernels: the x86-64 instructions they need (ports, MSRs, CPUID, descriptor tables, halt). */
#ifndef LPROBE_CPU_H
#define LPROBE_CPU_H

#include <stdint.h>

#define MSR_EFER 0xC0000080u
#define MSR_PAT 0x277u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u

#define CPUID_FEATURES 1u
#define CPUID_FEATURES_EDX_PAT (1u << 16)
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_NX (1u << 20)

struct cpuid_result {
    uint32_t eax, ebx, ecx, edx;
};

/* The operand of SGDT/LIDT: limit = table bytes - 1, base = linear address. */
struct __attribute__((packed)) descriptor_register {
    uint16_t limit;
    uint64_t base;
};

/* Returns the byte read from an I/O port. */
static inline uint8_t cpu_inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Writes a byte to an I/O port. */
static inline void cpu_outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* Returns the 64-bit value of a model-specific register. */
static inline uint64_t cpu_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

/* Returns CPUID leaf/subleaf. */
static inline struct cpuid_result cpu_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

/* True when CPUID reports the extended leaf `leaf` (0x8000000x) as available. */
static inline int cpu_has_ext_leaf(uint32_t leaf)
{
    return cpu_cpuid(0x80000000u, 0).eax >= leaf;
}

/* Returns the GDTR contents. */
static inline struct descriptor_register cpu_sgdt(void)
{
    struct descriptor_register r;
    __asm__ volatile("sgdt %0" : "=m"(r));
    return r;
}

/* Loads IDTR; the table must stay mapped while in use. */
static inline void cpu_lidt(const struct descriptor_register *r)
{
    __asm__ volatile("lidt %0" : : "m"(*r) : "memory");
}

/* Returns the CS selector. */
static inline uint16_t cpu_cs(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

/* Returns CR3. */
static inline uint64_t cpu_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

/* Invalidates the TLB entry for one virtual address. */
static inline void cpu_invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Halts with interrupts off, for good. */
__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif
