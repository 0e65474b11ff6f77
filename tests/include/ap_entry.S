/* Test kernels' AP entry (the goto address both kernels release their APs to): saves every register
 * and the control, MSR and descriptor state the AP arrived with into a struct ap_frame on the AP's
 * own stack before any of it changes, then calls ap_main(RDI as handed over, frame) on a 16-byte
 * aligned stack. Layout: tests/include/aptest.h (struct ap_frame, lowest address first). */
#define MSR_EFER 0xC0000080
#define MSR_PAT 0x277

.macro push_msr msr
    mov $\msr, %ecx
    rdmsr
    shl $32, %rdx
    or %rdx, %rax
    push %rax
.endm

.macro push_sel sel
    mov %\sel, %rax
    push %rax
.endm

    .text
    .globl ap_entry
ap_entry:
    push %rax
    lea 8(%rsp), %rax /* RSP as handed over */
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    pushfq
    mov %cr0, %rax
    push %rax
    mov %cr3, %rax
    push %rax
    mov %cr4, %rax
    push %rax
    push_msr MSR_EFER
    push_msr MSR_PAT
    push_sel cs
    push_sel ds
    push_sel es
    push_sel ss
    push_sel fs
    push_sel gs
    sub $16, %rsp
    sgdt (%rsp)
    mov %rsp, %rsi
    and $-16, %rsp
    call ap_main
    ud2

    .section .note.GNU-stack, "", @progbits
