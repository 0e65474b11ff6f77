/* libFuzzer harness: a raw UEFI memory map (plus extra ranges) through memmap_normalize. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memmap.h"

/* Input: byte 0 picks desc_size (bit 7 set: the low 7 bits as is, mostly invalid; else
 * 40 + 8 * (b % 4), the strides firmware uses), byte 1 % 3 extra ranges of EXTRA_BYTES each
 * (u64 base, u64 length, u32 type, little-endian), then the raw map. */
#define HEADER_BYTES 2
#define EXTRA_BYTES 20
#define MAX_EXTRA 3
#define ARBITRARY_STRIDE 0x80
#define DESC_MIN_SIZE sizeof(struct uefi_memory_descriptor)
#define OUT_SLOTS_PER_RANGE 3
#define UEFI_PAGE_SIZE PAGE_SIZE_4K
#define EMBER_TYPE_MAX EMBER_MEM_EFI_RUNTIME_DATA

#define FUZZ_NAME "fuzz_memmap"
#include "fuzz_common.h"

static uint64_t load_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    while (bytes-- > 0)
        v = v << 8 | p[bytes];
    return v;
}

/* --- reference model ------------------------------------------------------------------------- */

/* The documented overlap precedence (memmap.h, src/core/memmap.c), lowest first. */
static const uint32_t precedence[] = {
    EMBER_MEM_USABLE, EMBER_MEM_BOOTLOADER_RECLAIMABLE, EMBER_MEM_MODULES, EMBER_MEM_KERNEL,
    EMBER_MEM_PAGE_TABLES, EMBER_MEM_ACPI_RECLAIMABLE, EMBER_MEM_EFI_RUNTIME_DATA,
    EMBER_MEM_EFI_RUNTIME_CODE, EMBER_MEM_FRAMEBUFFER, EMBER_MEM_MMIO, EMBER_MEM_ACPI_NVS,
    EMBER_MEM_RESERVED, EMBER_MEM_BAD,
};

static unsigned rank(uint32_t type)
{
    unsigned i;

    for (i = 0; i < ARRAY_LEN(precedence); i++)
        if (precedence[i] == type)
            return i;
    check(false, "reference model: every input type is known");
    return 0;
}

/* A non-empty input range [base, end) in ember's types. */
struct range {
    uint64_t base, end;
    uint32_t type;
};

/* Widens a non-empty [base, end) to whole pages into *r (base down, end up). Returns false when
 * the rounded-up end would be 2^64, which the module reports as a wrapping range. */
static bool model_page_range(uint64_t base, uint64_t end, uint32_t type, struct range *r)
{
    uint64_t tail = end % UEFI_PAGE_SIZE;

    if (tail != 0 && __builtin_add_overflow(end, UEFI_PAGE_SIZE - tail, &end))
        return false;
    *r = (struct range){ base - base % UEFI_PAGE_SIZE, end, type };
    return true;
}

/* The input ranges in ember terms, widened to whole pages, zero-length ones dropped. Returns false
 * when one wraps (pages * 4 KiB, base + length or the end rounded up to a page past 2^64 - 1, the
 * module's documented error). */
static bool model_ranges(const uint8_t *raw, size_t n_desc, uint64_t desc_size,
                         const struct ember_memmap_entry *extra, size_t n_extra,
                         struct range *out, size_t *n)
{
    size_t i, k = 0;

    for (i = 0; i < n_desc; i++) {
        const uint8_t *d = raw + i * desc_size;
        uint64_t base = load_le(d + 8, 8), pages = load_le(d + 24, 8), len, end;
        if (__builtin_mul_overflow(pages, UEFI_PAGE_SIZE, &len)
            || __builtin_add_overflow(base, len, &end))
            return false;
        if (len > 0 && !model_page_range(base, end, memmap_type_from_uefi((uint32_t)load_le(d, 4)),
                                         &out[k++]))
            return false;
    }
    for (i = 0; i < n_extra; i++) {
        uint64_t end;
        uint32_t t = extra[i].type;
        if (__builtin_add_overflow(extra[i].base, extra[i].length, &end))
            return false;
        if (extra[i].length > 0
            && !model_page_range(extra[i].base, end,
                                 t >= 1 && t <= EMBER_TYPE_MAX ? t : EMBER_MEM_RESERVED, &out[k++]))
            return false;
    }
    *n = k;
    return true;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Winning type over [at, ...) of an elementary interval, 0 when no range covers it. */
static uint32_t model_type_at(const struct range *r, size_t n, uint64_t at)
{
    uint32_t best = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (at >= r[i].base && at < r[i].end && (best == 0 || rank(r[i].type) > rank(best)))
            best = r[i].type;
    return best;
}

/* The expected map: elementary intervals between all boundaries, each of its winning type,
 * gaps skipped, adjacent equal types merged. want holds 2 * n entries. */
static size_t model_normalize(const struct range *r, size_t n, struct ember_memmap_entry *want)
{
    uint64_t *cuts = malloc((2 * n + 1) * sizeof *cuts);
    size_t i, w = 0;

    check(cuts != NULL, "malloc");
    for (i = 0; i < n; i++) {
        cuts[2 * i] = r[i].base;
        cuts[2 * i + 1] = r[i].end;
    }
    qsort(cuts, 2 * n, sizeof *cuts, compare_u64);
    for (i = 0; i + 1 < 2 * n; i++) {
        uint32_t type;
        if (cuts[i] == cuts[i + 1])
            continue;
        type = model_type_at(r, n, cuts[i]);
        if (type == 0)
            continue;
        if (w > 0 && want[w - 1].type == type && want[w - 1].base + want[w - 1].length == cuts[i])
            want[w - 1].length += cuts[i + 1] - cuts[i];
        else
            want[w++] = (struct ember_memmap_entry){ cuts[i], cuts[i + 1] - cuts[i], type, 0 };
    }
    free(cuts);
    return w;
}

/* --- checks -------------------------------------------------------------------------------- */

/* Structural invariants of any successful output, independent of the model. */
static void check_shape(const struct ember_memmap_entry *out, size_t count, size_t cap)
{
    size_t i;

    check(count <= cap, "count <= capacity");
    for (i = 0; i < count; i++) {
        const struct ember_memmap_entry *e = &out[i];
        uint64_t end;
        check(e->length > 0, "no zero-length entry");
        check(e->type >= EMBER_MEM_USABLE && e->type <= EMBER_TYPE_MAX, "type in 1..13");
        check(strcmp(memmap_type_name(e->type), "unknown") != 0, "type has a name");
        check(e->reserved == 0, "reserved field is 0");
        check(!__builtin_add_overflow(e->base, e->length, &end), "entry end does not wrap");
        check(e->base % UEFI_PAGE_SIZE == 0 && e->length % UEFI_PAGE_SIZE == 0,
              "base and length are multiples of 4 KiB (bootinfo.h)");
        if (i == 0)
            continue;
        check(out[i - 1].base + out[i - 1].length <= e->base, "sorted and non-overlapping");
        check(out[i - 1].base + out[i - 1].length < e->base || out[i - 1].type != e->type,
              "adjacent entries of the same type are merged");
    }
}

/* Highest end of a non-empty, non-wrapping raw descriptor; 0 for an invalid stride. */
static uint64_t model_highest(const uint8_t *raw, size_t raw_size, uint64_t desc_size)
{
    uint64_t highest = 0;
    size_t i;

    if (desc_size < DESC_MIN_SIZE || desc_size % 8 != 0)
        return 0;
    for (i = 0; i < raw_size / desc_size; i++) {
        const uint8_t *d = raw + i * desc_size;
        uint64_t base = load_le(d + 8, 8), pages = load_le(d + 24, 8), len, end;
        if (!__builtin_mul_overflow(pages, UEFI_PAGE_SIZE, &len)
            && !__builtin_add_overflow(base, len, &end) && len > 0 && end > highest)
            highest = end;
    }
    return highest;
}

/* Runs memmap_normalize with capacity 3 * (descriptors + extras) in an exactly-sized heap block
 * and compares the result with the reference model. */
static void check_normalize(const uint8_t *raw, size_t raw_size, uint64_t desc_size,
                            const struct ember_memmap_entry *extra, size_t n_extra)
{
    bool valid = desc_size >= DESC_MIN_SIZE && desc_size % 8 == 0;
    size_t n_desc = valid ? raw_size / desc_size : 0, n_model = 0, n_want = 0, count = 1, i;
    size_t cap = OUT_SLOTS_PER_RANGE * (n_desc + n_extra);
    struct ember_memmap_entry *out = malloc((cap ? cap : 1) * sizeof *out);
    struct ember_memmap_entry *want = malloc((2 * (n_desc + n_extra) + 1) * sizeof *want);
    struct range *ranges = malloc((n_desc + n_extra + 1) * sizeof *ranges);
    bool wraps;
    enum memmap_error err;

    check(out != NULL && want != NULL && ranges != NULL, "malloc");
    wraps = valid && !model_ranges(raw, n_desc, desc_size, extra, n_extra, ranges, &n_model);
    err = memmap_normalize(raw, raw_size, desc_size, extra, n_extra, out, cap, &count);
    check(err == (!valid ? MEMMAP_ERR_DESC_SIZE : wraps ? MEMMAP_ERR_RANGE_WRAPS : MEMMAP_OK),
          "error code: desc-size, then range-wraps, never no-space at 3 * (n + extra)");
    check(err == MEMMAP_OK || count == 0, "count is 0 on error");
    check(!expect_ok || err == MEMMAP_OK, "seed normalises");
    if (err == MEMMAP_OK) {
        check_shape(out, count, cap);
        n_want = model_normalize(ranges, n_model, want);
        check(count == n_want, "entry count matches the reference model");
        for (i = 0; i < count; i++)
            check(out[i].base == want[i].base && out[i].length == want[i].length
                      && out[i].type == want[i].type,
                  "entries match the reference model (coverage, winning type, merging)");
    }
    check(memmap_highest_address(raw, raw_size, desc_size)
              == model_highest(raw, raw_size, desc_size),
          "memmap_highest_address matches the reference model");
    free(ranges);
    free(want);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ember_memmap_entry extra[MAX_EXTRA];
    uint64_t desc_size;
    size_t n_extra, i;
    const uint8_t *p;

    if (size < HEADER_BYTES)
        return 0;
    desc_size = data[0] & ARBITRARY_STRIDE ? data[0] & (ARBITRARY_STRIDE - 1)
                                           : DESC_MIN_SIZE + 8 * (data[0] % 4);
    n_extra = data[1] % MAX_EXTRA;
    if (size - HEADER_BYTES < n_extra * EXTRA_BYTES)
        return 0;
    p = data + HEADER_BYTES;
    for (i = 0; i < n_extra; i++, p += EXTRA_BYTES)
        extra[i] = (struct ember_memmap_entry){ load_le(p, 8), load_le(p + 8, 8),
                                                (uint32_t)load_le(p + 16, 4), 0 };
    check_normalize(p, size - (size_t)(p - data), desc_size, extra, n_extra);
    return 0;
}
