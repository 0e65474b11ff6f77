/* The Limine-protocol handoff, copied to a page of its own and run from an alias address that is
 * mapped executable in both the loader's and the kernel's page tables (src/proto/limine/limine.c), so the
 * CR3 switch can drop the identity map under our feet. Everything it needs sits in its own page
 * (RIP-relative), so every general register can be zero when it jumps. */
#include "arch/x86_64/entry_regs.h"

    .text
    .globl trampoline_start, trampoline_end, trampoline_args
    .balign 16
trampoline_start:
    cli
    cld
    mov tr_cr3(%rip), %rax
    mov %rax, %cr3
    mov tr_rsp(%rip), %rsp      /* the old stack may not be mapped any more: the far return needs one */
    lgdt tr_gdtr(%rip)
    lea 1f(%rip), %rax
    pushq $0x28                 /* 64-bit code selector */
    push %rax
    lretq
1:  mov $0x30, %eax             /* 64-bit data selector */
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov $0x277, %ecx            /* IA32_PAT */
    mov tr_pat(%rip), %eax
    mov tr_pat+4(%rip), %edx
    wrmsr
    mov $0x38, %eax             /* base revision 5: no TSS (base 0, limit 0), no LDT, no IDT */
    ltr %ax
    xor %eax, %eax
    lldt %ax
    lidt tr_idtr(%rip)
    mov %cr0, %rax              /* CR0, CR4, EFER: only the bits the revision promises stay set */
    and tr_cr0_keep(%rip), %rax
    mov %rax, %cr0
    mov %cr4, %rax
    and tr_cr4_keep(%rip), %rax
    mov %rax, %cr4
    mov $0xC0000080, %ecx       /* IA32_EFER */
    rdmsr
    and tr_efer_keep(%rip), %eax
    wrmsr
    pushq $0                    /* return address 0: RSP + 8 is 16-byte aligned */
    zero_gprs_but_rsp_rdi
    xor %edi, %edi
    pushq $2                    /* RFLAGS = 0x2 (bit 1 is always set), after the last xor */
    popfq
    jmp *tr_entry(%rip)

    .balign 16
trampoline_args:               /* struct trampoline_args in arch/x86_64/arch.h */
tr_cr3:   .quad 0
tr_pat:   .quad 0
tr_rsp:   .quad 0
tr_entry: .quad 0
tr_cr0_keep:  .quad 0
tr_cr4_keep:  .quad 0
tr_efer_keep: .quad 0
    .skip 6
tr_gdtr:  .word 0              /* limit, then base: lgdt's 10-byte operand */
          .quad 0
    .skip 6
tr_idtr:  .word 0              /* lidt's operand: base 0, limit 0, never written */
          .quad 0
trampoline_end:
    .section .note.GNU-stack, "", @progbits
