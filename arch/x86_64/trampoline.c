/* Installs and runs the Limine-protocol handoff trampoline (arch/x86_64/trampoline.S). */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"

extern const char trampoline_start[], trampoline_end[], trampoline_args[];

_Static_assert(sizeof(struct trampoline_args) == 72, "trampoline_args matches trampoline.S");
_Static_assert(__builtin_offsetof(struct trampoline_args, gdt_limit) == 62, "lgdt operand at 62");

void arch_trampoline_install(void *page, const struct trampoline_args *args)
{
    const char *from = trampoline_start;
    char *to = page;
    size_t len = (size_t)(trampoline_end - trampoline_start), at = (size_t)(trampoline_args - trampoline_start);
    const char *a = (const char *)args;

    for (size_t i = 0; i < len; i++)
        to[i] = from[i];
    for (size_t i = 0; i < sizeof *args; i++)
        to[at + i] = a[i];
}

void arch_trampoline_jump(uint64_t alias)
{
    void (*run)(void) = (void (*)(void))(uintptr_t)alias;

    run();
    cpu_halt_forever(); /* not reached: the trampoline jumps to the kernel */
}

void arch_port_write8(uint16_t port, uint8_t value)
{
    cpu_outb(port, value);
}
