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
#ifndef HIGHER_HALF
_start:
    mov $stack_top, %esp             /* mov leaves EFLAGS exactly as the loader left them */
    pushf
    pop %ecx
    push %ecx
    push %ebx
    push %eax
    call mb_main
#else
/* Linked at 0xC0100000 and loaded at 1 MiB (mb-hh.ld): entered at the ELF entry made physical, with
 * paging off, so until paging is on every address is the link address minus KERNEL_VMA. Paging: one
 * page directory of 4 MiB pages mapping all 4 GiB to itself, but for 0xC0000000 -> 0 (the kernel). */
#define KERNEL_VMA 0xC0000000
#define PHYS(symbol) ((symbol) - KERNEL_VMA)
#define PDE_4M_RW 0x83                /* present, writable, 4 MiB page */
_start:
    mov $PHYS(stack_top), %esp
    pushf
    pop %ecx
    mov %cr0, %edx
    mov %edx, PHYS(entry_cr0)        /* the CR0 the loader handed over, for check_machine */
    xor %esi, %esi
2:  mov %esi, %edx
    shl $22, %edx
    or $PDE_4M_RW, %edx
    mov %edx, PHYS(page_dir)(,%esi,4)
    inc %esi
    cmp $1024, %esi
    jb 2b
    movl $PDE_4M_RW, PHYS(page_dir) + (KERNEL_VMA >> 22) * 4
    mov %cr4, %edx
    or $0x10, %edx                   /* CR4.PSE: 4 MiB pages */
    mov %edx, %cr4
    mov $PHYS(page_dir), %edx
    mov %edx, %cr3
    mov %cr0, %edx
    or $0x80000000, %edx
    mov %edx, %cr0
    mov $3f, %edx
    jmp *%edx                        /* to the link address */
3:  add $KERNEL_VMA, %esp
    push %ecx
    push %ebx
    push %eax
    call mb_main
#endif
1:  cli
    hlt
    jmp 1b

    .bss
#ifdef HIGHER_HALF
    .balign 4096
page_dir:
    .skip 4096
    .globl entry_cr0
entry_cr0:
    .skip 4
#endif
    .balign 16
stack:
    .skip 16384
stack_top:
    .section .note.GNU-stack, "", @progbits
