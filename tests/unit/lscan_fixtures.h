/* A fake loaded kernel image in host memory for the Limine request scanner's tests (host only). */
#ifndef EMBER_TESTS_LSCAN_FIXTURES_H
#define EMBER_TESTS_LSCAN_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/limine.h"
#include "core/lscan.h"

#define IMAGE_WORDS 2048                     /* 16 KiB of 8-byte words */
#define IMAGE_VADDR 0xffffffff80000000ULL    /* where word 0 is loaded */
#define WORD 8u

/* The image: word-aligned so requests can be placed with limine.h's structs. */
static uint64_t image[IMAGE_WORDS];
static struct lscan_result result;
static struct lscan_diag diag;

static inline uint64_t vaddr_of_word(size_t w)
{
    return IMAGE_VADDR + w * WORD;
}

/* Zeroes the image and the result. */
static inline void image_reset(void)
{
    memset(image, 0, sizeof image);
    memset(&result, 0, sizeof result);
}

/* A request header at word w with the given id words 2-3 and revision; response 0. */
static inline struct limine_request_header *place_id(size_t w, uint64_t id2, uint64_t id3,
                                                      uint64_t revision)
{
    struct limine_request_header *h = (struct limine_request_header *)&image[w];

    *h = (struct limine_request_header){
        { LIMINE_COMMON_MAGIC0, LIMINE_COMMON_MAGIC1, id2, id3 }, revision, 0 };
    return h;
}

static inline struct limine_request_header *place_hhdm(size_t w)
{
    struct limine_hhdm_request *r = (struct limine_hhdm_request *)&image[w];

    *r = (struct limine_hhdm_request){ { LIMINE_REQUEST_ID(HHDM), 0, 0 } };
    return &r->hdr;
}

static inline void place_tag(size_t w, uint64_t revision)
{
    image[w] = LIMINE_BASE_REVISION_MAGIC0;
    image[w + 1] = LIMINE_BASE_REVISION_MAGIC1;
    image[w + 2] = revision;
}

static inline void place_start_marker(size_t w)
{
    static const uint64_t m[] = { LIMINE_START_MARKER0, LIMINE_START_MARKER1, LIMINE_START_MARKER2,
                                  LIMINE_START_MARKER3 };
    memcpy(&image[w], m, sizeof m);
}

static inline void place_end_marker(size_t w)
{
    image[w] = LIMINE_END_MARKER0;
    image[w + 1] = LIMINE_END_MARKER1;
}

/* One segment of the image: words [w, w + words), all from the file. */
static inline struct lscan_segment image_segment(size_t w, size_t words)
{
    return (struct lscan_segment){ vaddr_of_word(w), (uint8_t *)&image[w], words * WORD,
                                   words * WORD, 0 };
}

/* Scans segs[0..n) into result/diag; the diag always carries the returned code. */
static inline enum lscan_error scan(const struct lscan_segment *segs, size_t n)
{
    enum lscan_error err;

    memset(&diag, 0x55, sizeof diag);
    err = lscan_scan(segs, n, &result, &diag);
    assert_int_equal(diag.code, err);
    assert_true(strnlen(diag.message, sizeof diag.message) < sizeof diag.message);
    return err;
}

/* Scans the whole image as one segment. */
static inline enum lscan_error scan_image(void)
{
    struct lscan_segment s = image_segment(0, IMAGE_WORDS);

    return scan(&s, 1);
}

static inline void expect_ok_scan(void)
{
    assert_int_equal(scan_image(), LSCAN_OK);
    assert_string_equal(diag.message, "");
}

/* Scans the image as one segment, expecting err with a message containing each of the parts
 * (formatted hex vaddrs and names) given as NULL-terminated varargs. */
static inline void expect_error(enum lscan_error err, ...)
{
    va_list ap;
    const char *part;

    assert_int_equal(scan_image(), err);
    va_start(ap, err);
    while ((part = va_arg(ap, const char *)) != NULL) {
        if (strstr(diag.message, part) == NULL)
            fail_msg("diag '%s' lacks '%s'", diag.message, part);
    }
    va_end(ap);
}

/* Scans the image, expecting it to boot (LSCAN_OK) with breach `code` among those Limine boots
 * through (lscan_tolerated), its message containing each NULL-terminated part, and a non-empty
 * account of what ember does instead. */
static inline void expect_tolerated(enum lscan_error code, ...)
{
    struct lscan_diag breach;
    const char *instead = NULL, *part;
    unsigned n;
    va_list ap;

    assert_int_equal(scan_image(), LSCAN_OK);
    for (n = 0; n < LSCAN_TOLERATED_COUNT; n++)
        if (lscan_tolerated(&result, n, &breach, &instead) && breach.code == code)
            break;
    if (n == LSCAN_TOLERATED_COUNT)
        fail_msg("no tolerated breach '%s'", lscan_error_name(code));
    assert_true(instead != NULL && instead[0] != 0);
    va_start(ap, code);
    while ((part = va_arg(ap, const char *)) != NULL) {
        if (strstr(breach.message, part) == NULL)
            fail_msg("breach '%s' lacks '%s'", breach.message, part);
    }
    va_end(ap);
}

/* "0xffffffff80000040" for word w, in a rotating static buffer (up to 4 at once). */
static inline const char *hex_word(size_t w)
{
    static char bufs[4][24];
    static unsigned next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof bufs[0], "0x%llx", (unsigned long long)vaddr_of_word(w));
    return b;
}

#endif
