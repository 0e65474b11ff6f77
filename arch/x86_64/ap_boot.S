/* Application-processor start-up. Copied to the start of a page below 1 MiB whose page
 * number is the STARTUP IPI vector, so the AP begins here in real mode at CS:IP = vector<<8:0.
 * Real mode -> 32-bit protected mode -> long mode on temporary tables (arch AB_TEMP_CR3) that map
 * this page at its physical address and at AB_ALIAS; from the alias: the kernel's CR3, the BSP's
 * MSRs (MTRRs, PAT), CR4, CR0 and GDT, then the AP finds its slot by APIC ID, checks in with one
 * cmpxchg, reloads CS and the data selectors and polls its goto field. No stack is used before
 * the slot's: APs may run this code at the same time. Argument offsets: arch/x86_64/ap_boot.h.
 * A slot with a local APIC plan (base revision 5) has it applied before the check-in, by
 * ap_lapic_init: the assembly twin of lapic_apply() in src/core/lapic.c. */
#include "arch/x86_64/ap_boot.h"
#include "arch/x86_64/entry_regs.h"

#define ARG(off) (ap_boot_args - ap_boot_start + (off))

    .text
    .globl ap_boot_start, ap_boot_end, ap_boot_args, ap_boot_32, ap_boot_64
    .code16
    .balign 16
ap_boot_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    movzwl %ax, %ebx
    shl $4, %ebx                        /* EBX = this page's physical address, kept to the end */
    lgdtl ARG(AB_GDTR16)
    mov %cr0, %eax
    or $1, %eax                         /* PE */
    mov %eax, %cr0
    ljmpl *ARG(AB_FAR32)

    .code32
ap_boot_32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x20, %eax                     /* CR4.PAE */
    mov %eax, %cr4
    mov ARG(AB_TEMP_CR3)(%ebx), %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx               /* IA32_EFER */
    rdmsr
    or ARG(AB_EFER_OR)(%ebx), %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax                /* PG: long mode is active from here */
    mov %eax, %cr0
    ljmp *ARG(AB_FAR64)(%ebx)

    .code64
ap_boot_64:
    mov %ebx, %ebx                      /* upper halves are undefined after the switch */
    mov ARG(AB_ALIAS)(%rbx), %rax
    add $(ap_boot_high - ap_boot_start), %rax
    jmp *%rax
ap_boot_high:                           /* at the alias: mapped in the kernel's tables too */
    lea ap_boot_start(%rip), %rbp
    mov ARG(AB_KERNEL_CR3)(%rbp), %rax
    mov %rax, %cr3
    wbinvd                              /* caches are still off (CR0.CD from INIT): SDM 12.11.7 */
    mov ARG(AB_MSR_COUNT)(%rbp), %r8d
    lea ARG(AB_MSRS)(%rbp), %rsi
1:  test %r8d, %r8d
    jz 2f
    mov (%rsi), %ecx
    mov 8(%rsi), %eax
    mov 12(%rsi), %edx
    wrmsr
    add $16, %rsi
    dec %r8d
    jmp 1b
2:  wbinvd                              /* SDM 12.11.8 step 10: caches and TLBs flushed a second time */
    mov %cr3, %rax
    mov %rax, %cr3
    mov ARG(AB_CR4)(%rbp), %rax
    mov %rax, %cr4
    mov ARG(AB_CR0)(%rbp), %rax
    mov %rax, %cr0
    lgdt ARG(AB_GDTR64)(%rbp)
    cmpl $0, ARG(AB_X2APIC)(%rbp)
    je 3f
    mov $0x1B, %ecx                     /* IA32_APIC_BASE: EN | EXTD */
    rdmsr
    or $0xC00, %eax
    wrmsr
    mov $0x802, %ecx                    /* x2APIC ID */
    rdmsr
    mov %eax, %esi
    jmp 4f
3:  mov $1, %eax
    cpuid
    shr $24, %ebx                       /* initial APIC ID */
    mov %ebx, %esi
4:  mov ARG(AB_SLOTS)(%rbp), %rdi
    mov ARG(AB_SLOT_COUNT)(%rbp), %ecx
5:  test %ecx, %ecx
    jz ap_boot_dead                     /* not a CPU ember started: stay halted */
    cmp %esi, (%rdi)
    je 6f
    add $AP_SLOT_BYTES, %rdi
    dec %ecx
    jmp 5b
6:  mov 8(%rdi), %rsp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov AP_SLOT_LAPIC_PLAN(%rdi), %r14
    test %r14, %r14
    jz 9f
    call ap_lapic_init
9:  mov $AP_SLOT_WAITING_VALUE, %eax
    mov $AP_SLOT_ARRIVED_VALUE, %edx
    lock cmpxchg %edx, 4(%rdi)
    jne ap_boot_dead                    /* the BSP gave up on this AP: it is reported missing */
    movzwl ARG(AB_CODE_SEL)(%rbp), %eax
    push %rax
    lea 7f(%rip), %rax
    push %rax
    lretq
7:  movzwl ARG(AB_DATA_SEL)(%rbp), %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
8:  pause
    mov (%r12), %rax
    test %rax, %rax
    jz 8b
    mov %r13, %rdi
    pushq $0                            /* return address 0: RSP + 8 is 16-byte aligned */
    push %rax
    zero_gprs_but_rsp_rdi
    ret                                 /* to the goto address, leaving the zero return address */
ap_boot_dead:
    cli
    hlt
    jmp ap_boot_dead

/* R14 = struct lapic_plan, RBP = this page. IA32_APIC_BASE.EN, then each step: skipped when the
 * version's max LVT index (R10) is below its minimum; an LVT step also when its delivery mode is
 * not Fixed/Lowest/NMI/ExtINT; else value = (value & ~clear) | set. Keeps RDI, R12, R13. */
ap_lapic_init:
    mov $0x1B, %ecx
    rdmsr
    or $0x800, %eax                     /* EN */
    wrmsr
    mov $LP_REG_VERSION, %r8d
    call ap_lapic_read
    shr $16, %eax
    movzbl %al, %r10d
    mov (%r14), %r9d                    /* step count */
    lea LP_STEPS(%r14), %r11
1:  test %r9d, %r9d
    jz 3f
    movzbl 2(%r11), %eax
    cmp %eax, %r10d
    jb 2f
    movzwl (%r11), %r8d
    call ap_lapic_read
    cmpb $0, 3(%r11)
    je 4f
    mov %eax, %edx
    shr $8, %edx
    and $7, %edx
    mov $LP_MASKABLE_MODES, %ecx
    bt %edx, %ecx
    jnc 2f
4:  mov 4(%r11), %ecx
    not %ecx
    and %ecx, %eax
    or 8(%r11), %eax
    call ap_lapic_write
2:  add $LP_STEP_BYTES, %r11
    dec %r9d
    jmp 1b
3:  ret

/* Register R8 (xAPIC offset) -> EAX: MMIO at AB_LAPIC_MMIO, or MSR 0x800 + R8 / 16. Uses ECX, EDX. */
ap_lapic_read:
    cmpl $0, ARG(AB_X2APIC)(%rbp)
    jne 1f
    mov ARG(AB_LAPIC_MMIO)(%rbp), %rdx
    mov (%rdx,%r8), %eax
    ret
1:  mov %r8d, %ecx
    shr $4, %ecx
    add $LP_X2APIC_MSR_BASE, %ecx
    rdmsr
    ret

/* EAX -> register R8, as ap_lapic_read. Uses ECX, EDX. */
ap_lapic_write:
    cmpl $0, ARG(AB_X2APIC)(%rbp)
    jne 1f
    mov ARG(AB_LAPIC_MMIO)(%rbp), %rdx
    mov %eax, (%rdx,%r8)
    ret
1:  mov %r8d, %ecx
    shr $4, %ecx
    add $LP_X2APIC_MSR_BASE, %ecx
    xor %edx, %edx
    wrmsr
    ret

    .balign 16
ap_boot_args:                           /* AB_SIZE bytes in the page, zeroed there: not in the image */
ap_boot_end:
    .section .note.GNU-stack, "", @progbits
