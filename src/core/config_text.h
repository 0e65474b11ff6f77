/* Pure, private to src/core/config.c and lconf*.c: slices of the input and the text helpers their parsers use (no libc). */
#ifndef EMBER_CONFIG_TEXT_H
#define EMBER_CONFIG_TEXT_H

#include "core/types.h"

#define QUOTE_MAX 40 /* bytes of the file quoted in a message before "..." */
#define SHA256_BYTES 32

/* A borrowed, not NUL-terminated piece of the input. */
struct slice {
    const char *p;
    size_t n;
};

/* True for the two blanks ember.cfg knows: space and tab. */
static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* c in lower case when it is an ASCII capital, else c. */
static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* s without leading and trailing blanks. */
static inline struct slice trim(struct slice s)
{
    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* True when s equals the NUL-terminated word; ASCII case is ignored when fold is set. */
static inline bool slice_equals(struct slice s, const char *word, bool fold)
{
    size_t i;

    for (i = 0; i < s.n; i++) {
        if (word[i] == '\0')
            return false;
        if (fold ? lower(s.p[i]) != lower(word[i]) : s.p[i] != word[i])
            return false;
    }
    return word[s.n] == '\0';
}

/* Index in s of the first byte equal to c, or s.n when there is none. */
static inline size_t find_char(struct slice s, char c)
{
    size_t i = 0;

    while (i < s.n && s.p[i] != c)
        i++;
    return i;
}

/* Copies s into dst[0..cap) with a NUL. Returns false (dst untouched) when it does not fit. */
static inline bool copy_text(char *dst, size_t cap, struct slice s)
{
    size_t i;

    if (s.n >= cap)
        return false;
    for (i = 0; i < s.n; i++)
        dst[i] = s.p[i];
    dst[s.n] = '\0';
    return true;
}

/* NUL-terminated copy of s for a message: at most QUOTE_MAX bytes then "...", bytes outside
 * printable ASCII shown as '?'. Returns buf (QUOTE_MAX + 4 bytes). */
static inline const char *quote(char *buf, struct slice s)
{
    size_t i, n = s.n < QUOTE_MAX ? s.n : QUOTE_MAX;

    for (i = 0; i < n; i++)
        buf[i] = (s.p[i] >= ' ' && s.p[i] <= '~') ? s.p[i] : '?';
    if (s.n > QUOTE_MAX)
        for (; i < QUOTE_MAX + 3; i++)
            buf[i] = '.';
    buf[i] = '\0';
    return buf;
}

/* Parses s as an unsigned decimal number <= max. False when empty, not all digits, or > max. */
static inline bool parse_decimal(struct slice s, uint64_t max, uint64_t *out)
{
    uint64_t value = 0;
    size_t i;

    if (s.n == 0)
        return false;
    for (i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        if (__builtin_mul_overflow(value, 10, &value)
            || __builtin_add_overflow(value, (uint64_t)(s.p[i] - '0'), &value) || value > max)
            return false;
    }
    *out = value;
    return true;
}

/* Value 0..15 of hex digit c, or -1. */
static inline int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (lower(c) >= 'a' && lower(c) <= 'f')
        return lower(c) - 'a' + 10;
    return -1;
}

/* Decodes exactly 2 * bytes hex digits (either case) from s into out[bytes] (bytes <= 64); false,
 * out untouched, otherwise. */
static inline bool parse_hex_bytes(struct slice s, uint8_t *out, size_t bytes)
{
    uint8_t digest[64];
    size_t i;

    if (bytes > sizeof digest || s.n != 2 * bytes)
        return false;
    for (i = 0; i < bytes; i++) {
        int hi = hex_value(s.p[2 * i]), lo = hex_value(s.p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        digest[i] = (uint8_t)(hi << 4 | lo);
    }
    for (i = 0; i < bytes; i++)
        out[i] = digest[i];
    return true;
}

/* Decodes exactly 64 hex digits (either case) from s into out[32]; false, out untouched, otherwise. */
static inline bool parse_sha256(struct slice s, uint8_t *out)
{
    return parse_hex_bytes(s, out, SHA256_BYTES);
}

/* Index in s of the first '#' that follows a blank (a trailing comment's start), or s.n. */
static inline size_t comment_start(struct slice s)
{
    size_t i;

    for (i = 1; i < s.n; i++)
        if (s.p[i] == '#' && is_blank(s.p[i - 1]))
            return i;
    return s.n;
}

/* Offset in s of the first blank-separated word that starts with prefix (ASCII case ignored), or
 * s.n when no word does. */
static inline size_t find_word(struct slice s, const char *prefix)
{
    size_t i, n = 0;

    while (prefix[n] != '\0')
        n++;
    for (i = 0; i + n <= s.n; i++)
        if ((i == 0 || is_blank(s.p[i - 1]))
            && slice_equals((struct slice){ s.p + i, n }, prefix, true))
            return i;
    return s.n;
}

#endif
