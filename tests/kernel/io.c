/* Sample kernel I/O: COM1 report lines and the isa-debug-exit port. */
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "core/fmt.h"
#include "kernel.h"

#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20

static void serial_putc(char c)
{
    for (int i = 0; i < 100000 && !(cpu_inb(COM1_LSR) & LSR_THRE); i++)
        ;
    cpu_outb(COM1, (uint8_t)c);
}

void serial_write(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            serial_putc('\r');
        serial_putc(*s);
    }
}

void kprintf(const char *fmt, ...)
{
    char line[256];
    va_list ap;

    va_start(ap, fmt);
    fmt_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    serial_write(line);
}

void kernel_exit(enum kernel_exit code)
{
    cpu_outb(DEBUG_EXIT_PORT, (uint8_t)code);
    cpu_halt_forever();
}
