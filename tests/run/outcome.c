/* One kernel for each way `make run` can end (tests/run/test-run.sh): ember.cfg's cmdline says which.
 *   (empty)       exit QEMU through isa-debug-exit with 0x10, the pass value (QEMU status 33)
 *   exit=0xN      exit through isa-debug-exit with N
 *   triple-fault  load an empty IDT and raise #UD: #UD, #DF and the triple fault find no gate
 *   spin          loop until QEMU is stopped
 * It prints "outcome-kernel: CMDLINE" on COM1 first. */
#include <stdint.h>

#include "ember/bootinfo.h"

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

static void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static void serial_write(const char *s)
{
    for (; *s != '\0'; s++) {
        for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
            ;
        outb(COM1, (uint8_t)*s);
    }
}

/* The rest of s when it starts with prefix, else 0. */
static const char *after(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++)
        if (*s != *prefix)
            return 0;
    return s;
}

static unsigned hex_value(const char *s)
{
    unsigned v = 0;

    for (; *s != '\0'; s++)
        v = v * 16 + (unsigned)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
    return v;
}

void kernel_entry(struct ember_bootinfo *info)
{
    static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } no_idt = { 0, 0 };
    const char *mode = info->cmdline, *arg;

    serial_write("outcome-kernel: ");
    serial_write(mode);
    serial_write("\r\n");
    if ((arg = after(mode, "exit=0x")) != 0) {
        outb(DEBUG_EXIT, (uint8_t)hex_value(arg));
    } else if (after(mode, "triple-fault") != 0) {
        __asm__ volatile("lidt %0; ud2" : : "m"(no_idt));
    } else if (after(mode, "spin") != 0) {
        for (;;)
            __asm__ volatile("pause");
    } else {
        outb(DEBUG_EXIT, 0x10);
    }
    for (;;)
        __asm__ volatile("cli; hlt");
}
