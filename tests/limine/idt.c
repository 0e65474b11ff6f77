/* Probe kernels: their own IDT, so that any exception is a reported failure, not a triple fault. */
#include "cpu.h"
#include "probe.h"

#define IDT_VECTORS 256
#define GATE_INTERRUPT_64 0xEu /* SDM Vol. 3A Table 3-2 */
#define GATE_PRESENT 0x80u     /* P, DPL 0 */

/* A 64-bit IDT gate (SDM Vol. 3A Figure 6-8). */
struct __attribute__((packed)) idt_gate {
    uint16_t offset_low, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "a 64-bit IDT gate is 16 bytes");

extern const uint64_t exception_stubs[IDT_VECTORS]; /* traps.S */
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

/* Fills every gate with its traps.S stub in the running code segment and loads the IDT. */
void idt_install(void)
{
    uint16_t cs = cpu_cs();
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        uint64_t h = exception_stubs[v];
        idt[v] = (struct idt_gate){ .offset_low = (uint16_t)h, .selector = cs, .ist = 0,
                                    .type_attr = GATE_PRESENT | GATE_INTERRUPT_64,
                                    .offset_mid = (uint16_t)(h >> 16), .offset_high = (uint32_t)(h >> 32) };
    }
    struct descriptor_register idtr = { .limit = sizeof idt - 1, .base = (uint64_t)idt };
    cpu_lidt(&idtr);
}

__attribute__((noreturn)) void probe_exception(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2);

/* Called by traps.S for any exception: reports it and exits with EXIT_FAIL_EXCEPTION. */
void probe_exception(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2)
{
    kprintf("probe: FAIL unexpected exception %llu: error 0x%llx, RIP 0x%llx, CR2 0x%llx\n",
            (unsigned long long)vector, (unsigned long long)error, (unsigned long long)rip,
            (unsigned long long)cr2);
    probe_exit(EXIT_FAIL_EXCEPTION);
}
