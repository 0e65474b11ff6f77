/* A fake kernel file in host memory with Multiboot 1 and 2 headers placed at chosen offsets. */
#ifndef EMBER_TESTS_MBHEADER_FIXTURES_H
#define EMBER_TESTS_MBHEADER_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/mbheader.h"

#define FILE_BYTES 40000u /* past both search windows */
#define POISON 0xa5

static uint8_t file[FILE_BYTES];
static size_t file_len;
static struct mb1_header h1;
static struct mb2_header h2;
static struct mb_diag diag;

/* Zeroes the file and makes it `len` bytes long. */
static inline void file_reset(size_t len)
{
    memset(file, 0, sizeof file);
    file_len = len;
}

static inline void put32(size_t at, uint32_t v)
{
    memcpy(file + at, &v, sizeof v);
}

static inline void put16(size_t at, uint16_t v)
{
    memcpy(file + at, &v, sizeof v);
}

/* --- Multiboot 1 ------------------------------------------------------------------------- */

/* magic, flags and the checksum that makes them sum to 0 at `at`. */
static inline void mb1_put(size_t at, uint32_t flags)
{
    put32(at, MB1_MAGIC);
    put32(at + 4, flags);
    put32(at + 8, 0u - (MB1_MAGIC + flags));
}

/* The a.out kludge fields of the header at `at` (flag 16 set by the caller). */
static inline void mb1_put_aout(size_t at, uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
                                uint32_t bss_end, uint32_t entry)
{
    put32(at + 12, header_addr);
    put32(at + 16, load_addr);
    put32(at + 20, load_end);
    put32(at + 24, bss_end);
    put32(at + 28, entry);
}

/* --- Multiboot 2 ------------------------------------------------------------------------- */

static size_t mb2_at;   /* the header being built */
static size_t mb2_next; /* where its next tag goes */

/* Magic and architecture at `at`; tags follow from +16. mb2_seal() writes length and checksum. */
static inline void mb2_begin(size_t at, uint32_t arch)
{
    mb2_at = at;
    mb2_next = at + MB2_FIXED_BYTES;
    put32(at, MB2_MAGIC);
    put32(at + 4, arch);
}

/* A tag with header (type, flags, size) and n u32 fields, whatever size says; the next tag goes
 * at this one's start + size rounded up to 8. Returns its offset from the header's start. */
static inline uint32_t mb2_tag(uint16_t type, uint16_t flags, uint32_t size, const uint32_t *fields, unsigned n)
{
    size_t at = mb2_next;
    unsigned i;

    put16(at, type);
    put16(at + 2, flags);
    put32(at + 4, size);
    for (i = 0; i < n; i++)
        put32(at + 8 + 4 * i, fields[i]);
    mb2_next = at + ((size + 7u) & ~7u);
    return (uint32_t)(at - mb2_at);
}

/* header_length and the checksum that makes the four fixed words sum to 0. */
static inline void mb2_seal_length(uint32_t header_length)
{
    uint32_t arch;

    memcpy(&arch, file + mb2_at + 4, sizeof arch);
    put32(mb2_at + 8, header_length);
    put32(mb2_at + 12, 0u - (MB2_MAGIC + arch + header_length));
}

/* The end tag, then header_length up to it and the checksum. */
static inline void mb2_end(void)
{
    mb2_tag(MB2_TAG_END, 0, 8, NULL, 0);
    mb2_seal_length((uint32_t)(mb2_next - mb2_at));
}

/* A header with no tags but the end tag. */
static inline void mb2_minimal(size_t at)
{
    mb2_begin(at, MB2_ARCH_I386);
    mb2_end();
}

/* --- expectations ------------------------------------------------------------------------- */

static inline void expect_message(const char *message, va_list ap)
{
    const char *part;

    while ((part = va_arg(ap, const char *)) != NULL)
        if (strstr(message, part) == NULL)
            fail_msg("diag '%s' lacks '%s'", message, part);
}

/* A refusal: MB_MALFORMED with `code`, a named rule with a hint, and each NULL-terminated part
 * in the message. */
static inline void expect_refusal(enum mb_status st, enum mb_error code, va_list ap)
{
    assert_int_equal(st, MB_MALFORMED);
    if (diag.code != code)
        fail_msg("code %s, expected %s (%s)", mb_error_name(diag.code), mb_error_name(code), diag.message);
    assert_string_not_equal(mb_error_name(code), "unknown");
    assert_true(mb_error_hint(code)[0] != '\0');
    expect_message(diag.message, ap);
}

static inline enum mb_status run_mb2(void)
{
    memset(&diag, POISON, sizeof diag);
    memset(&h2, POISON, sizeof h2);
    return mb2_find(file, file_len, &h2, &diag);
}

static inline enum mb_status run_mb1(void)
{
    memset(&diag, POISON, sizeof diag);
    memset(&h1, POISON, sizeof h1);
    return mb1_find(file, file_len, &h1, &diag);
}

static inline void expect_mb2_found(void)
{
    enum mb_status st = run_mb2();

    if (st != MB_FOUND)
        fail_msg("mb2_find: %s: %s", mb_status_name(st), diag.message);
    assert_int_equal(diag.code, MB_OK);
    assert_string_equal(diag.message, "");
}

static inline void expect_mb1_found(void)
{
    enum mb_status st = run_mb1();

    if (st != MB_FOUND)
        fail_msg("mb1_find: %s: %s", mb_status_name(st), diag.message);
    assert_int_equal(diag.code, MB_OK);
    assert_string_equal(diag.message, "");
}

static inline void expect_mb2_error(enum mb_error code, ...)
{
    va_list ap;

    va_start(ap, code);
    expect_refusal(run_mb2(), code, ap);
    va_end(ap);
}

static inline void expect_mb1_error(enum mb_error code, ...)
{
    va_list ap;

    va_start(ap, code);
    expect_refusal(run_mb1(), code, ap);
    va_end(ap);
}

#endif
