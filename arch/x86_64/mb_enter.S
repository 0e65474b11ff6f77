/* The Multiboot 32-bit handoff (both specs, 3.2 "Machine state"), copied to a page below 4 GiB that
 * the page tables in CR3 map at its own address: from long mode to a 32-bit code segment, paging
 * off, EFER.LME clear, flat data segments, EAX the magic, EBX the information structure.
 *
 *   void mb_enter(uint64_t entry [rdi], uint64_t magic [rsi], uint64_t info [rdx]) - never returns
 *
 * Position-independent: the GDT sits in the same page, its GDTR found RIP-relative (the loader
 * writes the copy's GDT address into it; this code writes nothing). No stack use after the far
 * return (ESP is the kernel's to set). */
    .text
    .globl mb_enter_start, mb_enter_end, mb_enter_gdt, mb_enter_gdtr_base, mb_enter_moves
    .balign 16
    .code64
mb_enter_start:
    cli
    cld
    lea mb_enter_start(%rip), %rbp  /* the copy's page: its move list after paging is off */
    lgdt mb_gdtr(%rip)          /* its base: the copy's mb_enter_gdt, written in by the loader */
    lea 1f(%rip), %rax
    pushq $0x10                 /* 32-bit code: base 0, limit 4 GiB */
    push %rax
    lretq                       /* compatibility mode, still paging through the identity map */
    .code32
1:  mov %edx, %ebx              /* the information structure, before RDMSR takes EDX */
    mov %cr0, %eax
    and $0x7fffffff, %eax       /* CR0.PG off: leaves IA-32e mode (EFER.LMA clears) */
    mov %eax, %cr0
    mov $0xc0000080, %ecx       /* IA32_EFER */
    rdmsr
    and $0xfffffeff, %eax       /* LME off */
    wrmsr
    mov %cr4, %eax
    and $0xffffffdf, %eax       /* PAE off: no paging structure is left for the kernel to trip over */
    mov %eax, %cr4
    mov $0x18, %eax             /* flat 32-bit data: base 0, limit 4 GiB */
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
    /* the staged kernel ranges into place: boot-services memory until ExitBootServices, touched
     * only now that paging (and so the firmware's page tables there) is off. ESP walks the list:
     * nothing here uses a stack, and the kernel sets its own. */
    mov %edi, %edx              /* the entry, out of REP MOVSB's way */
    mov %esi, %eax              /* the magic */
    lea (mb_enter_moves - mb_enter_start)(%ebp), %esp
    mov (%esp), %ebp            /* the count */
    add $4, %esp
2:  test %ebp, %ebp
    jz 3f
    mov (%esp), %esi
    mov 4(%esp), %edi
    mov 8(%esp), %ecx
    rep movsb
    add $12, %esp
    dec %ebp
    jmp 2b
3:  jmp *%edx
    .code64
    .balign 8
mb_enter_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code (the far return's origin) */
    .quad 0x00cf9a000000ffff    /* 0x10: 32-bit code, base 0, limit 4 GiB, read/execute */
    .quad 0x00cf92000000ffff    /* 0x18: 32-bit data, base 0, limit 4 GiB, read/write */
mb_gdtr:
    .word 4 * 8 - 1
mb_enter_gdtr_base:
    .quad 0
    .balign 4
mb_enter_moves:                 /* u32 count, then count x { u32 from, u32 to, u32 bytes } (the loader's) */
    .long 0
    .fill 3 * 16, 4, 0
mb_enter_end:
    .section .note.GNU-stack, "", @progbits
