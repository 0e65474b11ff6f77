/* Probe kernels' entry points. probe_entry records every register the loader handed over before any
 * other instruction changes one (RFLAGS too: nothing before PUSHFQ writes a flag), and the descriptor
 * table registers before probe_start loads the probe's own IDT, then calls probe_main on a 16-byte
 * aligned stack. probe_elf_entry is the ELF entry of kernels that also request an entry point:
 * reaching it means the request was ignored, and it says so. */
#include "probe.h"

#define SAVE(reg, slot) mov %reg, entry_state + 8 * (slot)(%rip)
#define SAVE_SEL(sel, off) mov %sel, %ax; mov %ax, entry_state + (off)(%rip)

    .section .text.entry, "ax"
    .globl probe_entry
probe_entry:
    SAVE(rax, 0)
    SAVE(rbx, 1)
    SAVE(rcx, 2)
    SAVE(rdx, 3)
    SAVE(rsi, 4)
    SAVE(rdi, 5)
    SAVE(rbp, 6)
    SAVE(r8, 7)
    SAVE(r9, 8)
    SAVE(r10, 9)
    SAVE(r11, 10)
    SAVE(r12, 11)
    SAVE(r13, 12)
    SAVE(r14, 13)
    SAVE(r15, 14)
    mov %rsp, entry_state + ENTRY_RSP(%rip)
    mov (%rsp), %rax
    mov %rax, entry_state + ENTRY_RETURN(%rip)
    pushfq
    pop %rax
    mov %rax, entry_state + ENTRY_RFLAGS(%rip)
    mov %cr0, %rax
    mov %rax, entry_state + ENTRY_CR0(%rip)
    mov %cr3, %rax
    mov %rax, entry_state + ENTRY_CR3(%rip)
    mov %cr4, %rax
    mov %rax, entry_state + ENTRY_CR4(%rip)
    lea probe_entry(%rip), %rax
    mov %rax, entry_state + ENTRY_RIP(%rip)
    SAVE_SEL(cs, ENTRY_CS)
    SAVE_SEL(ds, ENTRY_DS)
    SAVE_SEL(es, ENTRY_ES)
    SAVE_SEL(ss, ENTRY_SS)
    SAVE_SEL(fs, ENTRY_FS)
    SAVE_SEL(gs, ENTRY_GS)
    str %ax
    mov %ax, entry_state + ENTRY_TR(%rip)
    sldt %ax
    mov %ax, entry_state + ENTRY_LDTR(%rip)
    sidt entry_state + ENTRY_IDTR(%rip)
    and $-16, %rsp
    call probe_main
    ud2

    .globl probe_elf_entry
probe_elf_entry:
    and $-16, %rsp
    call probe_wrong_entry
    ud2

    .section .note.GNU-stack, "", @progbits
