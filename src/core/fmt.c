/* Pure printf-style formatter used by logging and by the pure modules' error messages. */
#include "core/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t cap;
    size_t len; /* bytes the full output needs, may exceed cap */
};

static void put_char(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

struct spec {
    bool left;     /* '-' flag */
    bool zero_pad; /* '0' flag */
    unsigned width;
};

static void put_padded(struct out *o, const struct spec *sp, const char *text, size_t text_len)
{
    size_t pad = sp->width > text_len ? sp->width - text_len : 0;
    char pad_char = (sp->zero_pad && !sp->left) ? '0' : ' ';
    size_t i;

    if (!sp->left && pad_char == '0' && text_len > 0 && text[0] == '-') {
        put_char(o, '-'); /* sign goes before zero padding */
        text++;
        text_len--;
    }
    if (!sp->left)
        for (i = 0; i < pad; i++)
            put_char(o, pad_char);
    for (i = 0; i < text_len; i++)
        put_char(o, text[i]);
    if (sp->left)
        for (i = 0; i < pad; i++)
            put_char(o, ' ');
}

/* Writes value in base (10 or 16) into tmp (>= 24 bytes), returns the digit count. */
static size_t render_unsigned(char *tmp, uint64_t value, unsigned base, bool upper, bool negative)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[24];
    size_t n = 0, len = 0;

    do {
        rev[n++] = digits[value % base];
        value /= base;
    } while (value != 0);
    if (negative)
        tmp[len++] = '-';
    while (n > 0)
        tmp[len++] = rev[--n];
    return len;
}

static const char *parse_spec(const char *p, struct spec *sp, int *length)
{
    sp->left = false;
    sp->zero_pad = false;
    sp->width = 0;
    for (;; p++) {
        if (*p == '-')
            sp->left = true;
        else if (*p == '0')
            sp->zero_pad = true;
        else
            break;
    }
    while (*p >= '0' && *p <= '9')
        sp->width = sp->width * 10 + (unsigned)(*p++ - '0');
    *length = 0;
    while (*p == 'l' || *p == 'z') {
        *length = *p == 'z' ? 2 : *length + 1;
        p++;
    }
    return p;
}

static uint64_t fetch_unsigned(va_list *ap, int length)
{
    if (length >= 2)
        return va_arg(*ap, unsigned long long);
    if (length == 1)
        return va_arg(*ap, unsigned long);
    return va_arg(*ap, unsigned int);
}

static int64_t fetch_signed(va_list *ap, int length)
{
    if (length >= 2)
        return va_arg(*ap, long long);
    if (length == 1)
        return va_arg(*ap, long);
    return va_arg(*ap, int);
}

static void format_one(struct out *o, char conv, const struct spec *sp, int length, va_list *ap)
{
    char tmp[24];
    size_t n;

    switch (conv) {
    case 'd':
    case 'i': {
        int64_t v = fetch_signed(ap, length);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        n = render_unsigned(tmp, mag, 10, false, v < 0);
        put_padded(o, sp, tmp, n);
        break;
    }
    case 'u':
        n = render_unsigned(tmp, fetch_unsigned(ap, length), 10, false, false);
        put_padded(o, sp, tmp, n);
        break;
    case 'x':
    case 'X':
        n = render_unsigned(tmp, fetch_unsigned(ap, length), 16, conv == 'X', false);
        put_padded(o, sp, tmp, n);
        break;
    case 'p': {
        struct spec ptr_spec = { .left = false, .zero_pad = true, .width = 16 };
        put_char(o, '0');
        put_char(o, 'x');
        n = render_unsigned(tmp, (uint64_t)(uintptr_t)va_arg(*ap, void *), 16, false, false);
        put_padded(o, &ptr_spec, tmp, n);
        break;
    }
    case 's': {
        const char *s = va_arg(*ap, const char *);
        size_t len = 0;
        if (s == NULL)
            s = "(null)";
        while (s[len] != '\0')
            len++;
        put_padded(o, sp, s, len);
        break;
    }
    case 'c':
        tmp[0] = (char)va_arg(*ap, int);
        put_padded(o, sp, tmp, 1);
        break;
    case '%':
        put_char(o, '%');
        break;
    default: /* unknown conversion: print it verbatim so the mistake is visible */
        put_char(o, '%');
        put_char(o, conv);
        break;
    }
}

size_t fmt_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct out o = { buf, cap, 0 };
    va_list args;
    const char *p = fmt;

    va_copy(args, ap);
    while (*p != '\0') {
        struct spec sp;
        int length;

        if (*p != '%') {
            put_char(&o, *p++);
            continue;
        }
        p = parse_spec(p + 1, &sp, &length);
        if (*p == '\0')
            break;
        format_one(&o, *p++, &sp, length, &args);
    }
    va_end(args);
    if (cap > 0)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

size_t fmt_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = fmt_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

void fmt_vdiag(char *buf, size_t cap, const char *prefix, const char *fmt, va_list ap)
{
    size_t n = fmt_format(buf, cap, "%s", prefix);

    if (n < cap)
        fmt_vformat(buf + n, cap - n, fmt, ap);
}
