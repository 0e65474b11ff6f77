/* Shared by the Multiboot probe kernel's files (tests/multiboot/): reporting and the host's
 * expectations carried in strings. */
#ifndef MBPROBE_H
#define MBPROBE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool starts(const char *s, const char *prefix);
/* The value of " key=" in text as a number (base 10 or 16), or `fallback`. */
uint64_t word(const char *text, const char *key, unsigned base, uint64_t fallback);
void check_module(uint32_t start, uint32_t end, const char *string);
bool rsdp_valid(const uint8_t *p, uint32_t len);
void check_mb2_info(uint32_t info);
void check_mb1_info(uint32_t info);
/* machine.c: both PICs masked and, with an RSDP (else NULL), every I/O APIC the MADT lists. */
void check_interrupt_controllers(const uint8_t *rsdp, uint32_t rsdp_len);
/* machine.c: a framebuffer against QEMU's standard VGA (PCI BAR 0, DISPI mode registers). */
void check_framebuffer_hardware(uint64_t addr, uint32_t pitch, uint32_t width, uint32_t height, uint32_t bpp);
/* The summary line; true when every check passed. */
bool report_done(void);

/* The kernel's physical range (mb.ld, mb-hh.ld), and where .text is linked (the same address unless
 * the kernel is linked in the higher half). */
extern char kernel_start[], kernel_end[], text_link[];
extern uint32_t entry_cr0; /* HIGHER_HALF: CR0 at entry (entry.S) */

#endif
