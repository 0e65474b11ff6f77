/* Sample kernel: its own IDT (every vector reported, none a triple fault) and the proof that a
 * ring-0 write to .text faults, which holds only with CR0.WP = 1 (SDM Vol. 3A §4.6). */
#include "kcpu.h"
#include "kernel.h"

#define IDT_VECTORS 256
#define PF_VECTOR 14
#define GATE_TYPE_INTERRUPT_64 0xEu /* SDM Vol. 3A Table 3-2: 64-bit interrupt gate */
#define GATE_PRESENT 0x80u          /* P, DPL 0 */
#define PF_ERROR_PRESENT (1u << 0)  /* SDM Vol. 3A §4.7: protection violation, not a missing page */
#define PF_ERROR_WRITE (1u << 1)    /* the access was a write */
#define PROBE_OFFSET 7              /* a byte inside text_write_target, not its first */
#define PROBE_FLIP 0x5Au            /* the probe writes the original byte XOR this */

/* A 64-bit IDT gate (SDM Vol. 3A Figure 6-8). */
struct __attribute__((packed)) idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "a 64-bit IDT gate is 16 bytes");

/* From traps.S. */
extern const uint64_t exception_stub_table[IDT_VECTORS];
extern char page_fault_handler[];
extern uint8_t text_write_target[16];
void text_write_probe(volatile uint8_t *addr, uint8_t value);

/* Written by page_fault_handler when the probe's store faults. */
volatile uint64_t text_write_faults, text_write_fault_cr2, text_write_fault_error;

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

/* Returns an interrupt gate to handler in code segment cs: DPL 0, no IST. */
static struct idt_gate make_gate(uint64_t handler, uint16_t cs)
{
    return (struct idt_gate){
        .offset_low = (uint16_t)handler,
        .selector = cs,
        .ist = 0,
        .type_attr = GATE_PRESENT | GATE_TYPE_INTERRUPT_64,
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
        .reserved = 0,
    };
}

/* Fills the kernel's IDT (every vector to its reporting stub, #PF to the probe's handler) using the
 * CS the kernel runs with, and loads it. It stays loaded: the kernel owns the CPU now. */
void idt_install(void)
{
    uint16_t cs = kcpu_read_cs();
    for (unsigned v = 0; v < IDT_VECTORS; v++)
        idt[v] = make_gate(exception_stub_table[v], cs);
    idt[PF_VECTOR] = make_gate((uint64_t)page_fault_handler, cs);
    struct idt_register idtr = { .limit = sizeof idt - 1, .base = (uint64_t)idt };
    kcpu_load_idt(&idtr);
}

/* Called by traps.S for any exception the kernel did not provoke: reports it on COM1 and exits
 * with EXIT_FAIL_EXCEPTION. error is 0 for vectors without an error code. */
__attribute__((noreturn)) void kernel_unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip,
                                                           uint64_t cr2);
void kernel_unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2)
{
    kprintf("ember-kernel: FAIL unexpected exception %llu: error 0x%llx, RIP 0x%llx, CR2 0x%llx\n",
            (unsigned long long)vector, (unsigned long long)error, (unsigned long long)rip,
            (unsigned long long)cr2);
    kernel_exit(EXIT_FAIL_EXCEPTION);
}

/* One store to a byte of .text: it must raise #PF with CR2 = that byte, error code P=1 W=1, and
 * leave the byte unchanged. Without CR0.WP the store lands (harmlessly: the bytes never run). */
void check_text_write_faults(void)
{
    volatile uint8_t *target = text_write_target + PROBE_OFFSET;
    bool in_text = (char *)target >= __kernel_start && (char *)target < __text_end;
    uint8_t before = *target;
    uint64_t faults = text_write_faults;

    text_write_probe(target, (uint8_t)(before ^ PROBE_FLIP));
    uint8_t after = *target;
    bool faulted = text_write_faults == faults + 1;
    uint64_t error = text_write_fault_error, want = PF_ERROR_PRESENT | PF_ERROR_WRITE;
    check(in_text && faulted && text_write_fault_cr2 == (uint64_t)target && (error & want) == want &&
              after == before,
          EXIT_FAIL_PAGING, "write to .text faults", "%s at 0x%llx: CR2 0x%llx, error 0x%llx, byte 0x%02x -> 0x%02x",
          faulted ? "#PF" : "no #PF", (unsigned long long)(uint64_t)target,
          (unsigned long long)(faulted ? text_write_fault_cr2 : 0), (unsigned long long)(faulted ? error : 0),
          before, after);
}
