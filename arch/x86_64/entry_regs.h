/* Assembly only: the entry state both handoffs promise (Limine spec, bootinfo.h): every general
 * register but RSP and RDI zero. */
#ifndef EMBER_ARCH_X86_64_ENTRY_REGS_H
#define EMBER_ARCH_X86_64_ENTRY_REGS_H

.macro zero_gprs_but_rsp_rdi
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
.endm

#endif
