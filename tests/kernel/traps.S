/* Sample kernel exception entry points: one stub per IDT vector, the #PF handler of the .text write
 * probe, and the probe itself. The C side (idt.c) builds the IDT from exception_stub_table. */
#include "kernel.h"

/* Vectors for which the CPU pushes an error code (SDM Vol. 3A, Table 6-1): #DF, #TS, #NP, #SS,
 * #GP, #PF, #AC, #CP, #VC, #SX. The other stubs push a zero so every frame looks alike. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
                           (v) == 29 || (v) == 30)
#define VECTOR_COUNT 256
#define PF_VECTOR 14

/* Frame offsets once a stub has pushed its vector: vector, error code, then the CPU's RIP, CS, RFLAGS,
 * RSP, SS (SDM Vol. 3A §6.14.2). */
#define FRAME_VECTOR 0
#define FRAME_ERROR 8
#define FRAME_RIP 16

/* exception_stub_table: the addresses of the VECTOR_COUNT stubs below, in vector order. Each stub pushes
 * (a zero error code and) its vector and joins exception_common; none returns. */
    .section .rodata
    .balign 8
    .globl exception_stub_table
exception_stub_table:
    .set vector, 0
    .rept VECTOR_COUNT
    .text
1:
    .if HAS_ERROR_CODE(vector) == 0
    push $0
    .endif
    push $vector
    jmp exception_common
    .section .rodata
    .quad 1b
    .set vector, vector + 1
    .endr

    .text

/* exception_common: report the unexpected exception through kernel_unexpected_exception (C, does not
 * return). A second exception while the first is being reported skips C and exits at once, so a
 * broken report path ends the run with EXIT_CODE_EXCEPTION rather than a triple fault. */
exception_common:
    cmpb $0, exception_in_progress(%rip)
    jne 2f
    movb $1, exception_in_progress(%rip)
    mov FRAME_VECTOR(%rsp), %rdi
    mov FRAME_ERROR(%rsp), %rsi
    mov FRAME_RIP(%rsp), %rdx
    mov %cr2, %rcx
    and $-16, %rsp
    call kernel_unexpected_exception
2:  mov $EXIT_CODE_EXCEPTION, %al
    out %al, $DEBUG_EXIT_PORT
3:  cli
    hlt
    jmp 3b

/* page_fault_handler: a #PF raised by the store at text_write_store records CR2 and the error code
 * in text_write_fault_cr2 / text_write_fault_error, counts itself in text_write_faults and resumes
 * at text_write_resume. A #PF anywhere else is unexpected: it goes to exception_common. */
    .globl page_fault_handler
page_fault_handler:
    push %rax
    lea text_write_store(%rip), %rax
    cmp %rax, 16(%rsp)               /* saved RIP: above our RAX and the error code */
    jne 4f
    mov %cr2, %rax
    mov %rax, text_write_fault_cr2(%rip)
    mov 8(%rsp), %rax
    mov %rax, text_write_fault_error(%rip)
    incq text_write_faults(%rip)
    lea text_write_resume(%rip), %rax
    mov %rax, 16(%rsp)
    pop %rax
    add $8, %rsp                     /* the error code: IRETQ does not pop it */
    iretq
4:  pop %rax
    push $PF_VECTOR
    jmp exception_common

/* void text_write_probe(volatile uint8_t *addr, uint8_t value): one byte store of value to addr.
 * If the store faults, page_fault_handler resumes after it and the byte is left alone. */
    .globl text_write_probe
text_write_probe:
text_write_store:
    movb %sil, (%rdi)
text_write_resume:
    ret

/* text_write_target: 16 bytes of .text that never run (int3 if they ever did): the probe's target. */
    .globl text_write_target
    .balign 16
text_write_target:
    .fill 16, 1, 0xcc

    .bss
exception_in_progress:
    .byte 0

    .section .note.GNU-stack, "", @progbits
