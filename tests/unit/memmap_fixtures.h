/* Raw UEFI memory maps and normalise-and-expect helpers for the memmap tests (host only). */
#ifndef EMBER_TESTS_MEMMAP_FIXTURES_H
#define EMBER_TESTS_MEMMAP_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/memmap.h"

#define GARBAGE 0xAA
#define MAX_DESCS 64
#define MAX_STRIDE 64
#define OUT_CAP 256

/* A raw UEFI map as firmware hands it over: desc_size stride, unused bytes full of garbage. */
struct raw_map {
    uint8_t bytes[MAX_DESCS * MAX_STRIDE + 1];
    size_t offset; /* 1 to misalign the descriptors */
    size_t desc_size;
    size_t size;
};

static struct ember_memmap_entry out[OUT_CAP];

static inline void put_le(uint8_t *p, uint64_t value, unsigned bytes)
{
    unsigned i;
    for (i = 0; i < bytes; i++)
        p[i] = (uint8_t)(value >> (8 * i));
}

static inline void raw_init(struct raw_map *m, size_t desc_size)
{
    memset(m->bytes, GARBAGE, sizeof m->bytes);
    m->offset = 0;
    m->desc_size = desc_size;
    m->size = 0;
}

/* Appends a descriptor; pad, the virtual address and the stride padding stay garbage. */
static inline void raw_add(struct raw_map *m, uint32_t type, uint64_t base, uint64_t pages)
{
    uint8_t *d = m->bytes + m->offset + m->size;

    assert_true(m->offset + m->size + m->desc_size <= sizeof m->bytes);
    put_le(d + offsetof(struct uefi_memory_descriptor, type), type, 4);
    put_le(d + offsetof(struct uefi_memory_descriptor, physical_start), base, 8);
    put_le(d + offsetof(struct uefi_memory_descriptor, number_of_pages), pages, 8);
    put_le(d + offsetof(struct uefi_memory_descriptor, attribute), 0xf, 8);
    m->size += m->desc_size;
}

static inline const void *raw_data(const struct raw_map *m)
{
    return m->bytes + m->offset;
}

static inline enum memmap_error normalize_extra(const struct raw_map *m,
                                                const struct ember_memmap_entry *extra,
                                                size_t n_extra, size_t *count)
{
    memset(out, GARBAGE, sizeof out);
    return memmap_normalize(raw_data(m), m->size, m->desc_size, extra, n_extra, out, OUT_CAP, count);
}

static inline size_t normalize_ok(const struct raw_map *m)
{
    size_t count = 12345;
    assert_int_equal(normalize_extra(m, NULL, 0, &count), MEMMAP_OK);
    return count;
}

static inline void expect_entry(size_t i, uint64_t base, uint64_t length, uint32_t type)
{
    assert_int_equal(out[i].base, base);
    assert_int_equal(out[i].length, length);
    assert_int_equal(out[i].type, type);
    assert_int_equal(out[i].reserved, 0);
}

/* Every entry in out[0..count) starts and ends on a 4 KiB page, as bootinfo.h promises. */
static inline void expect_page_aligned(size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) {
        assert_int_equal(out[i].base % PAGE_SIZE_4K, 0);
        assert_int_equal(out[i].length % PAGE_SIZE_4K, 0);
    }
}

#endif
