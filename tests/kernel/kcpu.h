/* Sample kernel: the few instructions it needs that ember's arch/x86_64/cpu.h does not provide. */
#ifndef EMBER_SAMPLE_KERNEL_KCPU_H
#define EMBER_SAMPLE_KERNEL_KCPU_H

#include <stdint.h>

/* The operand of LIDT: limit = table bytes - 1, base = linear address (SDM Vol. 3A §6.10). */
struct __attribute__((packed)) idt_register {
    uint16_t limit;
    uint64_t base;
};

/* Returns the CS selector the CPU is running with. */
static inline uint16_t kcpu_read_cs(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

/* Loads IDTR; the table must stay mapped and unchanged while it is in use. */
static inline void kcpu_load_idt(const struct idt_register *idtr)
{
    __asm__ volatile("lidt %0" : : "m"(*idtr) : "memory");
}

#endif
