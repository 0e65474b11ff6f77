/* What x86-64 offers boot code through arch/arch.h: paging, CPU features, serial, timestamps, handoff. */
#ifndef EMBER_ARCH_X86_64_ARCH_H
#define EMBER_ARCH_X86_64_ARCH_H

#include "arch/x86_64/cpumode.h"
#include "arch/x86_64/apcpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/paging.h"
#include "core/types.h"

struct cpu_features {
    bool nx;        /* CPUID 0x80000001 EDX[20]: XD bit exists */
    bool pages_1g;  /* CPUID 0x80000001 EDX[26]: 1 GiB pages */
};

struct cpu_features arch_cpu_features(void);

/* Sets EFER.NXE when the CPU has NX (the firmware usually already did). Returns whether NXE is on
 * afterwards; when false, no XD bit may be written. */
bool arch_enable_nx(const struct cpu_features *features);

uint64_t arch_timestamp(void);

/* One random value from RDSEED, else RDRAND (each retried a few times, as the SDM advises); false
 * when the CPU has neither or they keep failing. */
bool arch_hw_random(uint64_t *value);

/* A 32-bit read of I/O port `port` (the ACPI PM timer). */
uint32_t arch_port_read32(uint16_t port);

/* TSC frequency from CPUID leaf 0x15 (or 0x16), 0 when the CPU does not say. */
uint64_t arch_tsc_hz_from_cpuid(void);

/* cli; hlt: for the one place nothing else is possible (a failure after ExitBootServices). */
__attribute__((noreturn)) void arch_halt(void);

/* COM1 (0x3F8): 115200 8N1 setup and a polled, bounded write. */
void arch_serial_init(void);
void arch_serial_putc(char c);

/* CR0, CR4 and IA32_EFER as they are now, for arch_check_paging_mode. Reads only. */
struct control_regs arch_read_control_regs(void);

/* Sets (on) or clears CR0.WP, changing no other CR0 bit. With WP = 1, CPL 0 faults on writes to
 * read-only pages too, instead of ignoring R/W (SDM Vol. 3A 4.6): set it only once every page ember
 * or the firmware still writes is mapped writable in the loaded tables. Clearing it is for the
 * clear-wp test fault only (a firmware that leaves WP = 0). */
void arch_set_write_protect(bool on);

phys_addr_t arch_read_page_root(void);
void arch_load_page_root(phys_addr_t root);

/* address_space hooks for the live tables: physical memory is identity-mapped by the firmware. */
void *arch_identity_phys_to_ptr(void *ctx, phys_addr_t addr);
void arch_invlpg(void *ctx, virt_addr_t addr);
/* Reloads CR3 with its current value: drops every non-global TLB entry and all paging-structure
 * caches (SDM Vol. 3A 4.10.4.1). Global entries survive; ember sets no G bit itself. */
void arch_flush_all(void *ctx);

/* The way past the firmware's read-only PML4: copy it into a page from `alloc`, load CR3 with
 * the copy. The firmware's tables are never written afterwards (copy-on-write below the root).
 * fw_root receives the firmware's CR3 so a failed boot can restore it. */
enum pg_error set_lv4_writable(struct address_space *as, const struct pg_allocator *alloc, bool nx,
                               phys_addr_t *fw_root);

/* IA32_PAT as the Limine protocol promises: PA0 WB, PA1 WT, PA2 UC-, PA3 UC, PA4 WP, PA5 WC (PA6 UC-,
 * PA7 UC, as after reset). */
#define ARCH_PAT_LIMINE 0x0007010500070406ULL
/* Base revision 5's entry state: "all other cr0, cr4, and EFER bits beyond those specified are
 * cleared" - CR0 keeps PE, ET, WP, PG; CR4 keeps PAE and LA57 (which cannot change in long mode);
 * EFER keeps LME, LMA and NXE. */
#define ARCH_CR0_LIMINE_KEEP 0x80010011ULL
#define ARCH_CR4_LIMINE_KEEP 0x1020ULL
#define ARCH_EFER_LIMINE_KEEP 0xD00ULL
#define ARCH_KEEP_ALL (~0ULL)

/* What arch/x86_64/trampoline.S loads, in the layout of its trampoline_args block. */
struct trampoline_args {
    uint64_t cr3;       /* the kernel's PML4 */
    uint64_t pat;       /* IA32_PAT */
    uint64_t rsp;       /* stack top (a zero return address is pushed below it) */
    uint64_t entry;     /* jumped to with every general register zero */
    uint64_t cr0_keep;  /* CR0, CR4 and EFER are ANDed with these (all ones: left as they are) */
    uint64_t cr4_keep;
    uint64_t efer_keep; /* low 32 bits used */
    uint8_t pad[6];
    uint16_t gdt_limit; /* lgdt operand: limit, then base */
    uint64_t gdt_base;  /* a virtual address valid in the kernel's tables */
};

/* Copies the trampoline (code + args) to the start of page (4 KiB, written through the identity
 * map). The page must then be mapped executable at the same alias in the current and the
 * kernel's tables, and arch_trampoline_jump(alias) runs it: CR3, GDT (CS 0x28, data 0x30), PAT,
 * RSP, TR = the GDT's TSS (0x38), null LDTR and IDTR, CR0/CR4/EFER masked, then the entry with
 * RAX..R15 zero and RFLAGS 0x2. */
void arch_trampoline_install(void *page, const struct trampoline_args *args);
__attribute__((noreturn)) void arch_trampoline_jump(uint64_t alias);

/* Multiboot 2's EFI amd64 entry (3.5): jumps to entry in 64-bit mode on the machine as it is (the
 * firmware's CR3, stack and interrupts), EAX = magic, EBX = info. Does not return. */
__attribute__((noreturn)) void arch_mb_enter_efi64(uint64_t entry, uint32_t magic, uint32_t info);

/* outb, for the legacy PIC. */
void arch_port_write8(uint16_t port, uint8_t value);

/* Jumps to the kernel: cli, CR3 = root, RSP = stack_top with a zero return address pushed,
 * RDI = bootinfo, DF clear, jmp entry. Does not return. */
__attribute__((noreturn)) void arch_handoff(uint64_t entry, uint64_t bootinfo, uint64_t stack_top,
                                            uint64_t root);

#endif
