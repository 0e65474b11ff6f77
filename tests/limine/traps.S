/* Probe kernels' exception entry points: one stub per vector, listed in exception_stubs for idt.c.
 * Each pushes (a zero error code and) its vector and reports through probe_exception, which exits.
 * A second exception while reporting skips C and exits at once: never a triple fault. */
#include "probe.h"

/* Vectors with a CPU-pushed error code (SDM Vol. 3A Table 6-1): #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
                           (v) == 29 || (v) == 30)
#define VECTORS 256
#define FRAME_VECTOR 0
#define FRAME_ERROR 8
#define FRAME_RIP 16

/* The table holds absolute addresses: .data.rel.ro, so relocatable builds relocate it in RW memory. */
    .section .data.rel.ro.exception_stubs, "aw"
    .balign 8
    .globl exception_stubs
exception_stubs:
    .set vector, 0
    .rept VECTORS
    .text
1:
    .if HAS_ERROR_CODE(vector) == 0
    push $0
    .endif
    push $vector
    jmp exception_common
    .section .data.rel.ro.exception_stubs, "aw"
    .quad 1b
    .set vector, vector + 1
    .endr

    .text
exception_common:
    cmpb $0, in_exception(%rip)
    jne 2f
    movb $1, in_exception(%rip)
    mov FRAME_VECTOR(%rsp), %rdi
    mov FRAME_ERROR(%rsp), %rsi
    mov FRAME_RIP(%rsp), %rdx
    mov %cr2, %rcx
    and $-16, %rsp
    call probe_exception
2:  mov $EXIT_CODE_EXCEPTION, %al
    out %al, $DEBUG_EXIT_PORT
3:  cli
    hlt
    jmp 3b

    .bss
in_exception:
    .byte 0

    .section .note.GNU-stack, "", @progbits
