/* Pure printf-style formatting into a caller-owned buffer (no libc needed). */
#ifndef EMBER_FMT_H
#define EMBER_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (capacity cap bytes, always NUL-terminated when cap > 0) and returns the
 * length the full output would have had, like vsnprintf. Supports %d %i %u %x %X %p %s %c %%,
 * the flags '0' and '-', a field width, and the length modifiers l, ll and z.
 * %p prints 0x followed by 16 hex digits. A NULL %s prints "(null)". */
size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
size_t fmt_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The one way pure modules write a refusal's message: prefix (a rule name and ": ", a file
 * position, or "" for none), then fmt's output, cut to cap like fmt_vformat. */
void fmt_vdiag(char *buf, size_t cap, const char *prefix, const char *fmt, va_list ap);

#endif
