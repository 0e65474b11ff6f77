/* Sample kernel entry: record the CPU state ember handed over, then run kmain(RDI = bootinfo). */
    .section .text.entry, "ax"
    .globl kernel_entry
kernel_entry:
    mov %rsp, entry_rsp(%rip)
    mov (%rsp), %rax
    mov %rax, entry_return_address(%rip)
    pushfq
    pop %rax
    mov %rax, entry_rflags(%rip)
    mov %cr0, %rax
    mov %rax, entry_cr0(%rip)
    mov %cr3, %rax
    mov %rax, entry_cr3(%rip)
    jmp kmain

    .section .note.GNU-stack, "", @progbits
