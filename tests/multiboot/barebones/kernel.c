/* The Bare Bones kernel's C part, on a UEFI machine: there is no VGA text mode there, so it greets
 * on COM1 instead of at 0xB8000, then leaves QEMU through isa-debug-exit (status 0x10). */
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void serial_write(const char *s)
{
    for (; *s; s++) {
        while (!(inb(0x3f8 + 5) & 0x20))
            ;
        outb(0x3f8, (uint8_t)*s);
    }
}

void kernel_main(void)
{
    serial_write("Hello, kernel World!\n");
    outb(0xf4, 0x10);
}
