/* The osdev wiki's Bare Bones, written here: a Multiboot 1 header (page-aligned modules, memory
 * information), a 16 KiB stack, then kernel_main. GNU as syntax, 32-bit. */
.set ALIGN,    1<<0
.set MEMINFO,  1<<1
.set FLAGS,    ALIGN | MEMINFO
.set MAGIC,    0x1BADB002
.set CHECKSUM, -(MAGIC + FLAGS)

.section .multiboot
.align 4
.long MAGIC
.long FLAGS
.long CHECKSUM

.section .bss
.align 16
stack_bottom:
.skip 16384
stack_top:

.section .text
.global _start
.type _start, @function
_start:
    mov $stack_top, %esp
    call kernel_main
    cli
1:  hlt
    jmp 1b
.size _start, . - _start
.section .note.GNU-stack, "", @progbits
