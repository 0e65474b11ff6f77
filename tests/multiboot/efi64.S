/* The Multiboot 2 EFI amd64 probe's header and 64-bit entry (Multiboot2 2.0, 3.1.9 and 3.1.11,
 * 3.5): boot services kept (tag 7), entered at efi64_start in 64-bit mode with EAX the magic and EBX
 * the information structure; the kernel then exits boot services itself. */
    .section .multiboot, "a"
    .balign 8
mb_header:
    .long 0xE85250D6
    .long 0
    .long mb_header_end - mb_header
    .long -(0xE85250D6 + 0 + (mb_header_end - mb_header))
    .balign 8
    .short 1, 0                      /* information request, required */
    .long 8 + 4 * 4
    .long 1, 12, 18, 20              /* command line, EFI64 system table, boot services on, image handle */
    .balign 8
    .short 7, 0                      /* EFI boot services: keep them */
    .long 8
    .balign 8
    .short 9, 0                      /* EFI amd64 entry address */
    .long 12
    .long efi64_start
    .balign 8
    .short 0, 0
    .long 8
mb_header_end:

    .text
    .code32
    .globl _start
_start:                              /* the 32-bit entry, never to be taken here */
    mov $0xf4, %dx
    mov $0x13, %al
    out %al, %dx
    hlt
    .code64
    .globl efi64_start
efi64_start:
    mov %eax, %edi                   /* magic */
    mov %ebx, %esi                   /* info */
    and $-16, %rsp                   /* the firmware's stack, aligned for the C ABI */
    call efi64_main
1:  hlt
    jmp 1b
    .section .note.GNU-stack, "", @progbits
