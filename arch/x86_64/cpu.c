/* x86-64 CPU services for the loader, built on the inline asm in cpu.h. */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3F8
#define UART_DATA 0
#define UART_IER 1
#define UART_DIVISOR_LO 0
#define UART_DIVISOR_HI 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_POLL_LIMIT 100000 /* a missing UART must not hang the loader */

struct cpu_features arch_cpu_features(void)
{
    struct cpu_features f = { false, false };
    struct cpuid_regs max = cpu_cpuid(0x80000000u, 0);

    if (max.eax >= CPUID_EXT_FEATURES) {
        struct cpuid_regs ext = cpu_cpuid(CPUID_EXT_FEATURES, 0);
        f.nx = (ext.edx & CPUID_EXT_EDX_NX) != 0;
        f.pages_1g = (ext.edx & CPUID_EXT_EDX_PDPE1GB) != 0;
    }
    return f;
}

bool arch_enable_nx(const struct cpu_features *features)
{
    uint64_t efer;

    if (!features->nx)
        return false;
    efer = cpu_rdmsr(MSR_EFER);
    if (!(efer & EFER_NXE))
        cpu_wrmsr(MSR_EFER, efer | EFER_NXE);
    return true;
}

uint64_t arch_timestamp(void)
{
    return cpu_rdtsc();
}

#define RANDOM_RETRIES 16
#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_RDSEED (1u << 18)

bool arch_hw_random(uint64_t *value)
{
    bool rdseed = cpu_cpuid(0, 0).eax >= 7 && (cpu_cpuid(7, 0).ebx & CPUID7_EBX_RDSEED);
    bool rdrand = (cpu_cpuid(1, 0).ecx & CPUID1_ECX_RDRAND) != 0;
    uint8_t ok = 0;

    for (unsigned i = 0; rdseed && !ok && i < RANDOM_RETRIES; i++)
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*value), "=qm"(ok));
    for (unsigned i = 0; rdrand && !ok && i < RANDOM_RETRIES; i++)
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*value), "=qm"(ok));
    return ok;
}

uint32_t arch_port_read32(uint16_t port)
{
    return cpu_inl(port);
}

void arch_halt(void)
{
    cpu_halt_forever();
}

void arch_mb_enter_efi64(uint64_t entry, uint32_t magic, uint32_t info)
{
    __asm__ volatile("jmp *%2" : : "a"(magic), "b"(info), "r"(entry) : "memory");
    __builtin_unreachable();
}

void arch_serial_init(void)
{
    cpu_outb(COM1 + UART_IER, 0x00);
    cpu_outb(COM1 + UART_LCR, UART_LCR_DLAB);
    cpu_outb(COM1 + UART_DIVISOR_LO, 0x01); /* 115200 baud */
    cpu_outb(COM1 + UART_DIVISOR_HI, 0x00);
    cpu_outb(COM1 + UART_LCR, UART_LCR_8N1);
    cpu_outb(COM1 + UART_FCR, 0xC7);        /* FIFO on, cleared, 14-byte threshold */
    cpu_outb(COM1 + UART_MCR, 0x03);        /* DTR + RTS */
}

void arch_serial_putc(char c)
{
    for (unsigned i = 0; i < UART_POLL_LIMIT; i++)
        if (cpu_inb(COM1 + UART_LSR) & UART_LSR_THRE)
            break;
    cpu_outb(COM1 + UART_DATA, (uint8_t)c);
}

struct control_regs arch_read_control_regs(void)
{
    return (struct control_regs){ .cr0 = cpu_read_cr0(), .cr4 = cpu_read_cr4(), .efer = cpu_rdmsr(MSR_EFER) };
}

void arch_set_write_protect(bool on)
{
    uint64_t cr0 = cpu_read_cr0();
    uint64_t want = on ? cr0 | CR0_WP : cr0 & ~CR0_WP;

    if (want != cr0)
        cpu_write_cr0(want);
}

phys_addr_t arch_read_page_root(void)
{
    return phys(cpu_read_cr3() & PTE_ADDR_MASK);
}

void arch_load_page_root(phys_addr_t root)
{
    cpu_load_cr3(root.addr);
}

void *arch_identity_phys_to_ptr(void *ctx, phys_addr_t addr)
{
    (void)ctx;
    return (void *)(uintptr_t)addr.addr;
}

void arch_invlpg(void *ctx, virt_addr_t addr)
{
    (void)ctx;
    cpu_invlpg(addr.addr);
}

void arch_flush_all(void *ctx)
{
    (void)ctx;
    cpu_load_cr3(cpu_read_cr3());
}

enum pg_error set_lv4_writable(struct address_space *as, const struct pg_allocator *alloc, bool nx,
                               phys_addr_t *fw_root)
{
    enum pg_error err;

    *fw_root = arch_read_page_root();
    as->nx = nx;
    as->phys_to_ptr = arch_identity_phys_to_ptr;
    as->invlpg = arch_invlpg;
    as->flush_all = arch_flush_all;
    as->hook_ctx = NULL;
    as->alloc = *alloc;
    err = pg_clone_root(as, *fw_root);
    if (err != PG_OK)
        return err;
    arch_load_page_root(as->root);
    return PG_OK;
}

uint64_t arch_tsc_hz_from_cpuid(void)
{
    struct cpuid_regs max = cpu_cpuid(0, 0);

    if (max.eax >= 0x15) {
        struct cpuid_regs r = cpu_cpuid(0x15, 0); /* TSC/crystal ratio EBX/EAX, crystal Hz in ECX */
        if (r.eax != 0 && r.ebx != 0 && r.ecx != 0)
            return (uint64_t)r.ecx * r.ebx / r.eax;
    }
    if (max.eax >= 0x16) {
        struct cpuid_regs r = cpu_cpuid(0x16, 0); /* base frequency in MHz */
        if ((r.eax & 0xFFFF) != 0)
            return (uint64_t)(r.eax & 0xFFFF) * 1000000ULL;
    }
    return 0;
}
