/* A Multiboot probe kernel's header and 32-bit entry, from the specs: Multiboot 2 (2.0, 3.1.1) when
 * MB2 is defined, else Multiboot 1 (0.6.96, 3.1.1) asking for page-aligned modules, memory
 * information and a 1024x768x32 linear framebuffer. The entry keeps EAX and EBX as the loader left them, takes a stack of its own
 * (ESP is undefined at entry) and calls mb_main(magic, info, eflags). */
    .section .multiboot, "a"
    .balign 8
#ifdef MB2
mb_header:
    .long 0xE85250D6                 /* magic */
    .long 0                          /* architecture: i386 protected mode */
    .long mb_header_end - mb_header  /* header_length */
    .long -(0xE85250D6 + 0 + (mb_header_end - mb_header))
    .balign 8
    .short 1, 0                      /* information request, required */
    .long 8 + 4 * 6
    .long 1, 2, 4, 6, 14, 21         /* command line, loader name, basic memory, memory map, ACPI, load base */
    .balign 8
    .short 1, 1                      /* another request, optional: ember may leave these out */
    .long 8 + 4 * 6
    .long 8, 9, 12, 13, 15, 17       /* framebuffer, ELF sections, EFI system table, SMBIOS, ACPI new, EFI map */
    .balign 8
    .short 5, 1                      /* framebuffer (optional): 1024x768, 32 bits per pixel */
    .long 20
    .long 1024, 768, 32
    .balign 8
    .short 4, 0                      /* console flags (required): a console must be there, no EGA text */
    .long 12
    .long 1
    .balign 8
    .short 6, 1                      /* module alignment (optional) */
    .long 8
    .balign 8
    .short 0, 0                      /* end */
    .long 8
mb_header_end:
#elif defined(AOUT)
mb_header:                           /* flag 16: the loader loads by these fields, not the ELF headers */
    .long 0x1BADB002
    .long 0x00010003
    .long -(0x1BADB002 + 0x00010003)
    .long mb_header                  /* header_addr */
    .long kernel_start               /* load_addr */
    .long load_end                   /* load_end_addr: the file's bytes end here */
    .long kernel_end                 /* bss_end_addr */
    .long _start                     /* entry_addr */
#else
    .long 0x1BADB002
    .long 0x00000007                 /* modules page-aligned, memory information, a video mode */
    .long -(0x1BADB002 + 0x00000007)
    .long 0, 0, 0, 0, 0              /* address fields: unused without flag 16 */
    .long 0                          /* mode_type: linear graphics */
    .long 1024, 768, 32              /* width, height, depth */
#endif

    .text
    .code32
    .globl _start
_start:
    pushf                            /* EFLAGS exactly as the loader left them */
    pop %ecx
    mov $stack_top, %esp
    push %ecx
    push %ebx
    push %eax
    call mb_main
1:  cli
    hlt
    jmp 1b

    .bss
    .balign 16
stack:
    .skip 16384
stack_top:
    .section .note.GNU-stack, "", @progbits
