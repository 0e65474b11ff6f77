/* A Multiboot probe kernel: checks the machine state and the information structure against the
 * Multiboot 2 (2.0) or Multiboot 1 (0.6.96) specification, never against ember's code. It reports
 * on COM1 ("mbprobe: ok ..."/"mbprobe: FAIL ...") and exits QEMU through isa-debug-exit: 0x10 (QEMU
 * status 33) when every check passed, 0x11 (35) otherwise. The command line carries the host's
 * expectations: "mbprobe modules=N"; each module's string "fnv1a=HEX size=N". */
#include "probe.h"

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11
#define MB2_MAGIC 0x36D76289u
#define MB1_MAGIC 0x2BADB002u
#define CR0_PE 1u
#define CR0_PG (1u << 31)
#define EFLAGS_IF (1u << 9)
#define EFLAGS_VM (1u << 17)

static unsigned passed, failed;


static void putc_serial(char c)
{
    for (unsigned spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
        ;
    outb(COM1, (uint8_t)c);
}

/* 32-bit arithmetic only: a 64-bit division would need libgcc. */
static void print_uint(uint32_t v, unsigned base, unsigned min_digits)
{
    char digits[12];
    unsigned n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0 || n < min_digits);
    while (n > 0)
        putc_serial(digits[--n]);
}

/* %s %u %x %llx only: all the probe prints. */
static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc_serial(*fmt);
            continue;
        }
        fmt++;
        if (*fmt == 's') {
            for (const char *s = va_arg(ap, const char *); *s; s++)
                putc_serial(*s);
        } else if (*fmt == 'u') {
            print_uint(va_arg(ap, unsigned), 10, 1);
        } else if (*fmt == 'x') {
            print_uint(va_arg(ap, unsigned), 16, 1);
        } else if (fmt[0] == 'l' && fmt[1] == 'l' && fmt[2] == 'x') {
            unsigned long long v = va_arg(ap, unsigned long long);
            if (v >> 32)
                print_uint((uint32_t)(v >> 32), 16, 1);
            print_uint((uint32_t)v, 16, v >> 32 ? 8 : 1);
            fmt += 2;
        }
    }
}

void print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

void check(bool ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    print("mbprobe: %s %s: ", ok ? "ok  " : "FAIL", name);
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    print("\n");
    ok ? passed++ : failed++;
}

bool starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

/* The value of " key=" in text as a number (base 10 or 16), or `fallback`. */
uint64_t word(const char *text, const char *key, unsigned base, uint64_t fallback)
{
    for (const char *p = text; *p; p++) {
        if ((p != text && p[-1] != ' ') || !starts(p, key))
            continue;
        const char *v = p;
        while (*key++)
            v++;
        if (*v++ != '=')
            continue;
        uint64_t n = 0;
        for (; (*v >= '0' && *v <= '9') || (base == 16 && *v >= 'a' && *v <= 'f'); v++)
            n = n * base + (uint64_t)(*v <= '9' ? *v - '0' : *v - 'a' + 10);
        return n;
    }
    return fallback;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t len)
{
    uint32_t h = 0x811c9dc5u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

#ifndef EFI64
static volatile uint32_t a20_word; /* in the kernel's bss above 1 MiB: address bit 20 set */

/* A20 gate (3.2 "A20 gate must be enabled"): a write to a20_word must not show at the address that
 * differs only in bit 20, which it would with the gate closed (only a20_word itself is written). */
static bool a20_open(void)
{
    const volatile uint32_t *alias = (const volatile uint32_t *)((uintptr_t)&a20_word ^ (1u << 20));
    uint32_t seen = *alias;
    a20_word = seen ^ 0x5a5aa5a5u;
    return *alias == seen && ((uintptr_t)&a20_word & (1u << 20)) != 0;
}

/* Entry state (3.2): CR0.PE set and PG clear, IF and VM clear, flat 4 GiB segments, A20 on. */
static void check_machine(uint32_t eflags)
{
    uint32_t cr0, limit_cs, limit_ds, limit_ss, limit_es;
#ifdef HIGHER_HALF
    cr0 = entry_cr0; /* entry.S turned paging on after saving it */
#else
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
#endif
    __asm__ volatile("mov %%cs, %0; lsl %0, %0" : "=r"(limit_cs));
    __asm__ volatile("mov %%ds, %0; lsl %0, %0" : "=r"(limit_ds));
    __asm__ volatile("mov %%ss, %0; lsl %0, %0" : "=r"(limit_ss));
    __asm__ volatile("mov %%es, %0; lsl %0, %0" : "=r"(limit_es));
    check((cr0 & CR0_PE) && !(cr0 & CR0_PG), "CR0 protected mode, paging off", "CR0 0x%x", cr0);
    check(!(eflags & (EFLAGS_IF | EFLAGS_VM)), "EFLAGS IF and VM clear", "EFLAGS 0x%x", eflags);
    check(limit_cs == 0xffffffffu && limit_ds == 0xffffffffu && limit_ss == 0xffffffffu && limit_es == 0xffffffffu,
          "segments span 4 GiB", "limits CS 0x%x DS 0x%x SS 0x%x ES 0x%x", limit_cs, limit_ds, limit_ss, limit_es);
    check(a20_open(), "A20 gate open", "word at 0x%x", (unsigned)(uintptr_t)&a20_word);
}

#endif

/* A module's bytes against its own string's expectations. */
void check_module(uint32_t start, uint32_t end, const char *string)
{
    uint64_t want = word(string, "fnv1a", 16, 0), size = word(string, "size", 10, 0);
    uint32_t got = fnv1a((const uint8_t *)(uintptr_t)start, end - start);
    check((start & 0xfff) == 0 && end - start == size && got == want, "module intact and page-aligned",
          "[0x%x, 0x%x) \"%s\": fnv1a %x", start, end, string, got);
}

/* ACPI's RSDP checksum over its first 20 bytes (and the whole of an ACPI 2.0 one). */
bool rsdp_valid(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0, sum2 = 0;
    for (uint32_t i = 0; i < 20 && i < len; i++)
        sum += p[i];
    for (uint32_t i = 0; i < len; i++)
        sum2 += p[i];
    return len >= 20 && starts((const char *)p, "RSD PTR ") && sum == 0 && (len == 20 || sum2 == 0);
}

bool report_done(void)
{
    print("mbprobe: %s%u checks passed\n", failed ? "" : "all ", passed);
    if (failed)
        print("mbprobe: %u of %u checks FAILED\n", failed, passed + failed);
    return failed == 0;
}

#ifndef EFI64
void mb_main(uint32_t magic, uint32_t info, uint32_t eflags)
{
#ifdef MB2
    const char *name = "Multiboot 2";
    uint32_t want = MB2_MAGIC;
#else
    const char *name = "Multiboot 1";
    uint32_t want = MB1_MAGIC;
#endif
    print("mbprobe: %s kernel at 0x%x, info at 0x%x\n", name, (unsigned)(uintptr_t)kernel_start, info);
    check(magic == want, "EAX magic", "0x%x (want 0x%x)", magic, want);
    check_machine(eflags);
#ifdef MB2
    check_mb2_info(info);
#else
    check_mb1_info(info);
#endif
    print("mbprobe: %s%u checks passed\n", failed ? "" : "all ", passed);
    if (failed)
        print("mbprobe: %u of %u checks FAILED\n", failed, passed + failed);
    outb(DEBUG_EXIT, failed ? EXIT_FAIL : EXIT_PASS);
}
#endif
