/* Probe kernels: the COM1 report, the isa-debug-exit port, and the small string helpers. */
#include <stdarg.h>

#include "cpu.h"
#include "core/fmt.h"
#include "probe.h"

#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20
#define SERIAL_SPIN 100000
#define LINE_MAX 256
#define DETAIL_MAX 192
#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME 0x01000193u
#define ASCII_FIRST 0x20
#define ASCII_LAST 0x7e

static unsigned checks_run, checks_failed;
static enum probe_exit first_failure = EXIT_PASS;

/* Sends one byte to COM1 once the transmitter is empty (or after a bounded wait). */
static void serial_putc(char c)
{
    for (int i = 0; i < SERIAL_SPIN && !(cpu_inb(COM1_LSR) & LSR_THRE); i++)
        ;
    cpu_outb(COM1, (uint8_t)c);
}

/* Writes a NUL-terminated string to COM1, LF as CR LF. */
static void serial_write(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            serial_putc('\r');
        serial_putc(*s);
    }
}

/* printf to COM1; one line is at most LINE_MAX - 1 bytes. */
void kprintf(const char *fmt, ...)
{
    char line[LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    fmt_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    serial_write(line);
}

/* Records one check: prints "probe: ok   NAME: DETAIL" or "probe: FAIL NAME: DETAIL"; the first
 * failure's class becomes the exit code. */
void check(bool ok, enum probe_exit cls, const char *name, const char *fmt, ...)
{
    char detail[DETAIL_MAX];
    va_list ap;

    va_start(ap, fmt);
    fmt_vformat(detail, sizeof detail, fmt, ap);
    va_end(ap);
    checks_run++;
    if (!ok) {
        checks_failed++;
        if (first_failure == EXIT_PASS)
            first_failure = cls;
    }
    kprintf("probe: %-4s %s: %s\n", ok ? "ok" : "FAIL", name, detail);
}

/* Prints an informational line "probe: info ..." that is not a check. */
void note(const char *fmt, ...)
{
    char detail[DETAIL_MAX];
    va_list ap;

    va_start(ap, fmt);
    fmt_vformat(detail, sizeof detail, fmt, ap);
    va_end(ap);
    kprintf("probe: info %s\n", detail);
}

/* True once any check failed. */
bool probe_failed(void)
{
    return checks_failed != 0;
}

/* Exits QEMU through isa-debug-exit with code; halts if the device is absent. */
void probe_exit(enum probe_exit code)
{
    cpu_outb(DEBUG_EXIT_PORT, (uint8_t)code);
    cpu_halt_forever();
}

/* Prints the summary line ("probe: all N checks passed" or "probe: K of N checks FAILED") and exits
 * with EXIT_PASS or the first failure's class. */
void probe_finish(void)
{
    if (checks_failed == 0) {
        kprintf("probe: all %u checks passed\n", checks_run);
        probe_exit(EXIT_PASS);
    }
    kprintf("probe: %u of %u checks FAILED\n", checks_failed, checks_run);
    probe_exit(first_failure);
}

/* FNV-1a, 32 bits, over len bytes: the module checksum the tests compute on the host too. */
uint32_t fnv1a32(const void *data, uint64_t len)
{
    const volatile uint8_t *p = data;
    uint32_t h = FNV_OFFSET;
    for (uint64_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* True when s begins with prefix. */
bool str_starts(const char *s, const char *prefix)
{
    while (*prefix != '\0')
        if (*s++ != *prefix++)
            return false;
    return true;
}

/* Length of s in bytes. */
uint64_t str_len(const char *s)
{
    uint64_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

/* True when s ends with suffix. */
bool str_ends(const char *s, const char *suffix)
{
    uint64_t n = str_len(s), m = str_len(suffix);
    return n >= m && str_eq(s + n - m, suffix);
}

/* True when the strings are equal. */
bool str_eq(const char *a, const char *b)
{
    for (; *a == *b; a++, b++)
        if (*a == '\0')
            return true;
    return false;
}

/* True when needle occurs in s. */
bool str_contains(const char *s, const char *needle)
{
    for (; *s != '\0'; s++)
        if (str_starts(s, needle))
            return true;
    return *needle == '\0';
}

/* True when s is a NUL-terminated string of printable ASCII shorter than max bytes. */
bool ascii_string(const char *s, uint64_t max)
{
    for (uint64_t i = 0; i < max; i++) {
        if (s[i] == '\0')
            return true;
        if (s[i] < ASCII_FIRST || s[i] > ASCII_LAST)
            return false;
    }
    return false;
}

/* Finds the blank-separated word "KEY=VALUE" in text and copies VALUE into out (cap bytes, always
 * terminated). Returns out, or NULL when there is no such word. */
const char *word_value(const char *text, const char *key, char *out, uint64_t cap)
{
    uint64_t klen = str_len(key);
    for (const char *p = text; *p != '\0'; p++) {
        if ((p != text && p[-1] != ' ') || !str_starts(p, key) || p[klen] != '=')
            continue;
        uint64_t n = 0;
        for (const char *v = p + klen + 1; *v != '\0' && *v != ' ' && n + 1 < cap; v++)
            out[n++] = *v;
        out[n] = '\0';
        return out;
    }
    return NULL;
}

/* Parses lower- or upper-case hex digits up to the first other character. */
uint64_t parse_hex(const char *s)
{
    uint64_t v = 0;
    for (;; s++) {
        char c = *s;
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return v;
        v = v * 16 + d;
    }
}

/* Parses decimal digits up to the first other character. */
uint64_t parse_dec(const char *s)
{
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (uint64_t)(*s - '0');
    return v;
}

__attribute__((noreturn)) void probe_wrong_entry(void);

/* The ELF entry of kernels that request another entry point (entry.S probe_elf_entry): running it
 * means the loader ignored the entry point request. Reports that and exits. */
void probe_wrong_entry(void)
{
    kprintf("probe: FAIL entry point request: the loader jumped to the ELF entry point instead\n");
    probe_exit(EXIT_FAIL_WRONG_ENTRY);
}
