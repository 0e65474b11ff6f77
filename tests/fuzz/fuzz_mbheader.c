/* libFuzzer harness: any input as a kernel file through mb1_find and mb2_find, checked against a
 * word-by-word reference search and the invariants a found header promises, then through
 * mb_plan_load_segments (where it would load). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mbload.h"

/* Input: byte 0 = checksum bits, then the file. Unless bit 0 is set, every 8-aligned Multiboot 2
 * magic in the window gets the checksum its fields need, and unless bit 1 is set every 4-aligned
 * Multiboot 1 magic, so one mutation of a field reaches the rule behind it without a second one
 * solving the checksum; the set bits keep checksums as the input has them. The file gets an
 * exactly-sized heap block: ASan reports any read past its end. */
#define KEEP_MB2_CHECKSUMS 1u
#define KEEP_MB1_CHECKSUMS 2u
#define U32_LIMIT (1ULL << 32)
#define MB2_END_TAG_BYTES 8u

#define FUZZ_NAME "fuzz_mbheader"
#include "fuzz_common.h"

static uint32_t load32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof v);
    return v;
}

static size_t window_end(size_t len, uint32_t window)
{
    return len < window ? len : window;
}

/* Sets the checksum word of every aligned magic in the window (fixed words, checksum last). */
static void repair(uint8_t *f, size_t len, uint32_t window, uint32_t align, uint32_t magic, uint32_t fixed)
{
    size_t end = window_end(len, window), off, i;

    for (off = 0; end >= fixed && off <= end - fixed; off += align) {
        uint32_t sum = 0;

        if (load32(f + off) != magic)
            continue;
        for (i = 0; i + 4 < fixed; i += 4)
            sum += load32(f + off + i);
        sum = 0u - sum;
        memcpy(f + off + fixed - 4, &sum, sizeof sum);
    }
}

/* Reference search: the first aligned offset with magic and a zero sum; *any_magic says whether
 * magic appeared at an aligned offset at all. Returns -1 when no sum holds. */
static long reference(const uint8_t *f, size_t len, uint32_t window, uint32_t align, uint32_t magic, uint32_t fixed,
                      bool *any_magic)
{
    size_t end = window_end(len, window), off, i;

    *any_magic = false;
    for (off = 0; end >= fixed && off + fixed <= end; off += align) {
        uint32_t sum = 0;

        if (load32(f + off) != magic)
            continue;
        *any_magic = true;
        for (i = 0; i < fixed; i += 4)
            sum += load32(f + off + i);
        if (sum == 0)
            return (long)off;
    }
    return -1;
}

/* The diag matches the status: empty unless malformed, else a named rule and a printable message. */
static void check_diag(enum mb_status st, const struct mb_diag *d, const char *prefix)
{
    size_t n = strnlen(d->message, sizeof d->message), i;

    check(st == MB_ABSENT || st == MB_FOUND || st == MB_MALFORMED, "status in range");
    check(n < sizeof d->message, "message NUL-terminated");
    if (st != MB_MALFORMED) {
        check(d->code == MB_OK && n == 0, "no diag unless malformed");
        return;
    }
    check(d->code > MB_OK && d->code < MB_ERROR_COUNT, "malformed names a rule");
    check(strcmp(mb_error_name(d->code), "unknown") != 0 && mb_error_hint(d->code)[0] != '\0',
          "the rule has a name and a hint");
    check(strncmp(d->message, prefix, strlen(prefix)) == 0, "message names the protocol");
    for (i = 0; i < n; i++)
        check(d->message[i] >= ' ' && d->message[i] <= '~', "message printable");
}

/* The search agrees with the reference: found at its offset, a checksum refusal only without one. */
static void check_search(enum mb_status st, const struct mb_diag *d, uint32_t offset, long ref, bool any_magic)
{
    if (!any_magic)
        check(st == MB_ABSENT, "no aligned magic: absent");
    if (ref < 0)
        check(st != MB_FOUND && (st == MB_ABSENT) == !any_magic && (!any_magic || d->code == MB_ERR_CHECKSUM),
              "no holding sum: absent or checksum");
    else
        check(st != MB_ABSENT && (st == MB_FOUND ? offset == (uint32_t)ref : d->code != MB_ERR_CHECKSUM),
              "the first holding sum is the header");
}

/* A checked load lies in the file and below 4 GiB; its bss follows it; the entry is in it. */
static void check_load(const struct mb_load *l, size_t len, bool has_entry, uint32_t entry)
{
    check((uint64_t)l->file_offset + l->size <= len, "loaded bytes lie in the file");
    check((uint64_t)l->load_addr + l->size <= U32_LIMIT, "load ends at or below 4 GiB");
    check(l->bss_end >= l->load_addr + l->size, "bss ends at or after the loaded bytes");
    check(!has_entry || (entry >= l->load_addr && entry - l->load_addr < l->size), "entry in the loaded bytes");
}

static void check_tag_extent(uint32_t offset, uint32_t size, uint32_t header_length)
{
    check(offset % MB2_ALIGN == 0 && offset >= MB2_FIXED_BYTES, "tag 8-aligned after the magic fields");
    check(size >= MB2_TAG_HEADER_BYTES && (uint64_t)offset + size <= header_length, "tag inside header_length");
}

static void check_mb2(const uint8_t *f, size_t len, const struct mb2_header *h)
{
    unsigned t, i, present = 0;

    check(h->offset % MB2_ALIGN == 0, "mb2 header 8-aligned");
    check((uint64_t)h->offset + h->header_length <= window_end(len, MB2_SEARCH_BYTES), "mb2 header in the window");
    check(h->header_length >= MB2_FIXED_BYTES + MB2_END_TAG_BYTES, "mb2 header holds an end tag");
    check(h->architecture == MB2_ARCH_I386 && load32(f + h->offset) == MB2_MAGIC, "mb2 magic, i386");
    for (t = 1; t < MB2_TAG_TYPE_COUNT; t++)
        if (h->tags[t].present) {
            present++;
            check_tag_extent(h->tags[t].offset, h->tags[t].size, h->header_length);
        }
    check(!h->tags[0].present, "the end tag is not recorded");
    for (i = 0; i < h->ignored_count && i < MB2_MAX_IGNORED; i++) {
        check(h->ignored[i].type >= MB2_TAG_TYPE_COUNT, "only unknown types are ignored");
        check_tag_extent(h->ignored[i].offset, h->ignored[i].size, h->header_length);
    }
    check(h->tag_count >= present + h->ignored_count, "tag_count counts every tag");
    check((uint64_t)h->tag_count * MB2_TAG_HEADER_BYTES <= h->header_length, "tags fit header_length");
    check(h->request_count <= (h->header_length - MB2_FIXED_BYTES) / 4, "requests fit header_length");
    check(h->reloc_preference <= 2 && h->reloc_min_addr <= h->reloc_max_addr, "relocatable tag sane");
    if (h->tags[MB2_TAG_ADDRESS].present)
        check_load(&h->load, len, h->tags[MB2_TAG_ENTRY].present, h->entry_addr);
}

static void check_mb1(const uint8_t *f, size_t len, const struct mb1_header *h)
{
    uint32_t bytes = (h->flags & MB1_FLAG_VIDEO) ? MB1_VIDEO_END
                     : (h->flags & MB1_FLAG_AOUT_KLUDGE) ? MB1_AOUT_END : MB1_BASE_BYTES;

    check(h->offset % MB1_ALIGN == 0, "mb1 header 4-aligned");
    check((uint64_t)h->offset + bytes <= window_end(len, MB1_SEARCH_BYTES), "mb1 header in the window");
    check(load32(f + h->offset) == MB1_MAGIC && load32(f + h->offset + 4) == h->flags, "mb1 magic and flags");
    check((h->flags & MB1_REQUIRED_MASK & ~MB1_KNOWN_REQUIRED) == 0, "no unknown required flag");
    check(h->aout_kludge == ((h->flags & MB1_FLAG_AOUT_KLUDGE) != 0), "aout_kludge is flag 16");
    if (h->aout_kludge)
        check_load(&h->load, len, true, h->entry_addr);
}

/* Where the kernel would load (core/mbload.c), from its first 32 KiB as the loader reads it: a plan
 * is sorted, non-overlapping, in the file, below 4 GiB, its entry in a segment, its pages cover it. */
static void check_plan(const uint8_t *f, size_t len, const struct mb_load *load, uint32_t load_entry, uint32_t entry)
{
    struct mb_plan p;
    char why[MB_PLAN_MESSAGE_MAX];
    bool entry_in = false;

    if (!mb_plan_load_segments(f, window_end(len, MB2_SEARCH_BYTES), len, load, load_entry, entry, &p, why)) {
        check(why[0] != '\0' && strnlen(why, sizeof why) < sizeof why, "a refused plan says why");
        return;
    }
    check(p.count > 0 && p.count <= MB_MAX_SEGMENTS && p.range_count > 0, "a plan has segments and pages");
    for (unsigned i = 0; i < p.count; i++) {
        const struct mb_segment *s = &p.seg[i];
        check(s->filesz <= s->memsz && (uint64_t)s->file_offset + s->filesz <= len, "segment bytes in the file");
        check((uint64_t)s->paddr + s->memsz <= U32_LIMIT, "segment below 4 GiB");
        check(i == 0 || (uint64_t)p.seg[i - 1].paddr + p.seg[i - 1].memsz <= s->paddr, "segments sorted, apart");
        entry_in = entry_in || (p.entry >= s->paddr && p.entry - s->paddr < s->memsz);
        bool covered = false;
        for (unsigned r = 0; r < p.range_count; r++)
            covered = covered || (s->paddr >= p.range[r].base &&
                                  (uint64_t)s->paddr + s->memsz <= (uint64_t)p.range[r].base + p.range[r].pages * 4096ULL);
        check(covered, "a page range covers each segment");
    }
    check(entry_in && p.load_base == p.seg[0].paddr, "entry in a segment, base the lowest byte");
    struct mb_sections sec;
    uint32_t bytes = 0;
    uint64_t off, sz;
    if (load != NULL || !mb_sections_find(f, window_end(len, MB2_SEARCH_BYTES), len, &sec, why))
        return;
    check((uint64_t)sec.table_offset + (uint64_t)sec.num * sec.entsize <= len && sec.shndx < sec.num,
          "a section header table lies in the file");
    if (!mb_sections_size(f + sec.table_offset, &sec, len, &bytes))
        return;
    check(bytes <= MB_SECTIONS_MAX_BYTES, "sections within their budget");
    for (uint32_t i = 0; i < sec.num; i++)
        if (mb_section_loaded(f + sec.table_offset, &sec, i, &off, &sz))
            check(off <= len && sz <= len - off, "a loaded section lies in the file");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mb2_header h2;
    struct mb1_header h1;
    struct mb_diag d2, d1;
    enum mb_status s2, s1;
    uint8_t *f;
    size_t len;
    bool magic2, magic1;
    long ref2, ref1;

    if (size < 1)
        return 0;
    len = size - 1;
    f = malloc(len > 0 ? len : 1);
    check(f != NULL, "malloc");
    memcpy(f, data + 1, len);
    if (!(data[0] & KEEP_MB2_CHECKSUMS))
        repair(f, len, MB2_SEARCH_BYTES, MB2_ALIGN, MB2_MAGIC, MB2_FIXED_BYTES);
    if (!(data[0] & KEEP_MB1_CHECKSUMS))
        repair(f, len, MB1_SEARCH_BYTES, MB1_ALIGN, MB1_MAGIC, MB1_BASE_BYTES);

    memset(&d2, 0xa5, sizeof d2);
    s2 = mb2_find(f, len, &h2, &d2);
    check_diag(s2, &d2, "multiboot2: ");
    check(mb2_find(f, len, &h2, NULL) == s2, "a NULL diag changes nothing (mb2)");
    ref2 = reference(f, len, MB2_SEARCH_BYTES, MB2_ALIGN, MB2_MAGIC, MB2_FIXED_BYTES, &magic2);
    check_search(s2, &d2, h2.offset, ref2, magic2);
    if (s2 == MB_FOUND) {
        check_mb2(f, len, &h2);
        check_plan(f, len, h2.tags[MB2_TAG_ADDRESS].present ? &h2.load : NULL, h2.entry_addr,
                   h2.tags[MB2_TAG_ENTRY].present ? h2.entry_addr : 0);
    }

    memset(&d1, 0xa5, sizeof d1);
    s1 = mb1_find(f, len, &h1, &d1);
    check_diag(s1, &d1, "multiboot: ");
    check(mb1_find(f, len, &h1, NULL) == s1, "a NULL diag changes nothing (mb1)");
    ref1 = reference(f, len, MB1_SEARCH_BYTES, MB1_ALIGN, MB1_MAGIC, MB1_BASE_BYTES, &magic1);
    check_search(s1, &d1, h1.offset, ref1, magic1);
    if (s1 == MB_FOUND) {
        check_mb1(f, len, &h1);
        check_plan(f, len, h1.aout_kludge ? &h1.load : NULL, h1.entry_addr, 0);
    }

    check(!expect_ok || (s2 != MB_MALFORMED && s1 != MB_MALFORMED && (s2 == MB_FOUND || s1 == MB_FOUND)),
          "seed holds a header that parses");
    free(f);
    return 0;
}
