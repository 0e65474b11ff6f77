/* arch_handoff(entry=rdi, bootinfo=rsi, stack_top=rdx, root=rcx): the last thing ember does. */
    .text
    .globl arch_handoff
    .type arch_handoff, @function
arch_handoff:
    cli
    cld
    mov %rcx, %cr3          /* ember's tables; the code here is identity-mapped in them */
    mov %rdx, %rsp
    and $-16, %rsp          /* 16-byte aligned top ... */
    pushq $0                /* ... then a zero return address: RSP + 8 is 16-byte aligned */
    mov %rdi, %rax
    mov %rsi, %rdi          /* SysV first argument: struct ember_bootinfo * */
    xor %esi, %esi
    xor %edx, %edx
    xor %ecx, %ecx
    xor %ebp, %ebp
    jmp *%rax
    .size arch_handoff, . - arch_handoff
    .section .note.GNU-stack, "", @progbits
