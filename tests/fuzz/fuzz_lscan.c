/* libFuzzer harness: any input as 1-3 loaded segments through lscan_scan, lscan_detect and the
 * revision write-back, checked against a word-by-word reference scan; the first segment's bytes
 * also serve as a symbol table and its string table for lscan_bss_symbols. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lscan.h"

/* Input: byte 0 = segment count (1 + (b & 3) % 3) | slot rotation (((b >> 2) & 3) % 3) |
 * reversed slots (bit 4) | revision to write back (b >> 5); then SEG_HEADER bytes per segment:
 * u16 file bytes (little-endian; the last segment takes whatever input is left), vaddr
 * misalignment (b % 8), .bss size (b * BSS_UNIT bytes); then the segments' bytes in order.
 * Segment i is loaded at SEG_BASE + slot * SEG_SLOT + misalignment. Each segment's bytes get an
 * exactly-sized heap block, so ASan reports any read past filesz (the .bss is never allocated:
 * the scanner must not read it). */
#define MAX_SEGS 3
#define SEG_HEADER 4
#define SELECT_MASK 3u /* two bits of byte 0 per choice */
#define BSS_UNIT 64u
#define SEG_BASE 0xffffffff80000000ULL
#define SEG_SLOT 0x1000000ULL /* 16 MiB apart: segments (< 64 KiB + 16 KiB .bss) never overlap */
#define WORD 8u
#define HEADER_BYTES LIMINE_REQUEST_HEADER_SIZE
#define MISALIGNED_AT 4u /* vaddr mod 8 of the misaligned requests the scanner reports */

#define FUZZ_NAME "fuzz_lscan"
#include "fuzz_common.h"

struct input {
    size_t n;
    struct lscan_segment segs[MAX_SEGS];
    uint64_t loaded_revision;
};

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    return v;
}

/* Splits data into segments (heap copies). Returns false when the input is too short. */
static bool build_input(const uint8_t *data, size_t size, struct input *in)
{
    size_t i, at, rot, left;
    bool reversed;

    if (size < 1)
        return false;
    in->n = 1 + (data[0] & SELECT_MASK) % MAX_SEGS;
    rot = ((data[0] >> 2) & SELECT_MASK) % MAX_SEGS;
    reversed = (data[0] >> 4) & 1;
    in->loaded_revision = data[0] >> 5;
    at = 1 + SEG_HEADER * in->n;
    if (size < at)
        return false;
    for (i = 0; i < in->n; i++) {
        const uint8_t *h = data + 1 + SEG_HEADER * i;
        size_t want = (size_t)h[0] | (size_t)h[1] << 8, slot = (i + rot) % in->n;
        struct lscan_segment *s = &in->segs[i];
        left = size - at;
        s->filesz = i + 1 == in->n || want > left ? left : want;
        s->memsz = s->filesz + h[3] * BSS_UNIT;
        s->vaddr = SEG_BASE + (reversed ? in->n - 1 - slot : slot) * SEG_SLOT + h[2] % WORD;
        s->data = s->filesz > 0 ? malloc(s->filesz) : NULL;
        if (s->filesz > 0) {
            check(s->data != NULL, "malloc");
            memcpy(s->data, data + at, s->filesz);
        }
        at += s->filesz;
    }
    return true;
}

/* --- reference model: every aligned word, every word + 4, no probe ---------------------------- */

struct model {
    size_t requests;
    uint64_t request_vaddr[LSCAN_MAX_REQUESTS];
    unsigned tags, starts, ends;
    bool has_start, late_start;
    uint64_t tag_vaddr, start_vaddr, end_vaddr, late_start_vaddr;
    bool misaligned;
    uint64_t misaligned_vaddr;
};

static bool words_at(const struct lscan_segment *s, uint64_t off, const uint64_t *pat, unsigned n)
{
    unsigned i;

    if (off + (uint64_t)n * WORD > s->filesz)
        return false;
    for (i = 0; i < n; i++)
        if (load64(s->data + off + i * WORD) != pat[i])
            return false;
    return true;
}

static void model_offset(struct model *m, const struct lscan_segment *s, uint64_t off)
{
    static const uint64_t req[] = { LIMINE_COMMON_MAGIC0, LIMINE_COMMON_MAGIC1 };
    static const uint64_t tag[] = { LIMINE_BASE_REVISION_MAGIC0, LIMINE_BASE_REVISION_MAGIC1, 0 };
    static const uint64_t start[] = { LIMINE_START_MARKER0, LIMINE_START_MARKER1,
                                      LIMINE_START_MARKER2, LIMINE_START_MARKER3 };
    static const uint64_t end[] = { LIMINE_END_MARKER0, LIMINE_END_MARKER1 };
    uint64_t v = s->vaddr + off;

    if (v % WORD == MISALIGNED_AT && words_at(s, off, req, 2) && !m->misaligned) {
        m->misaligned = true;
        m->misaligned_vaddr = v;
    }
    if (v % WORD != 0)
        return;
    if (words_at(s, off, req, 2) && off + HEADER_BYTES <= s->filesz) {
        if (m->requests < LSCAN_MAX_REQUESTS)
            m->request_vaddr[m->requests] = v;
        m->requests++;
    }
    if (words_at(s, off, tag, 2) && off + sizeof tag <= s->filesz && m->tags++ == 0)
        m->tag_vaddr = v;
    /* Limine's reading: a start marker after the first end marker (in scan order) is not one */
    if (words_at(s, off, start, 4)) {
        m->starts++;
        if (m->ends > 0 && v > m->end_vaddr) {
            m->late_start_vaddr = m->late_start ? m->late_start_vaddr : v;
            m->late_start = true;
        } else if (!m->has_start || v > m->start_vaddr) {
            m->start_vaddr = v;
            m->has_start = true;
        }
    }
    if (words_at(s, off, end, 2) && (m->ends++ == 0 || v < m->end_vaddr))
        m->end_vaddr = v;
}

static void model_scan(const struct input *in, struct model *m)
{
    size_t i;
    uint64_t off;

    memset(m, 0, sizeof *m);
    for (i = 0; i < in->n; i++)
        for (off = 0; off < in->segs[i].filesz; off++)
            model_offset(m, &in->segs[i], off);
}

/* --- checks -------------------------------------------------------------------------------- */

static void check_diag(enum lscan_error err, const struct lscan_diag *d)
{
    size_t len = strnlen(d->message, sizeof d->message), i;

    check(d->code == err, "diag.code is the returned code");
    check(len < sizeof d->message, "diag.message is NUL-terminated");
    check((err == LSCAN_OK) == (len == 0), "diag.message is empty exactly on success");
    check(strcmp(lscan_error_name(err), "unknown") != 0, "error code has a name");
    check(err != LSCAN_ERR_BAD_SEGMENT, "the harness's segments are consistent");
    for (i = 0; i < len; i++)
        check(d->message[i] >= ' ' && d->message[i] <= '~', "diag.message is printable");
}

static const struct lscan_segment *segment_holding(const struct input *in, const uint8_t *p,
                                                   size_t bytes)
{
    size_t i;

    for (i = 0; i < in->n; i++) {
        const struct lscan_segment *s = &in->segs[i];
        if (s->data != NULL && p >= s->data && p + bytes <= s->data + s->filesz)
            return s;
    }
    return NULL;
}

/* Where a request lies and what it says: file-backed, aligned, read correctly. */
static void check_request_place(const struct input *in, const struct lscan_request *q)
{
    const struct lscan_segment *s = segment_holding(in, q->ptr, HEADER_BYTES);
    unsigned w;

    check(s != NULL, "a request's header lies in a segment's file-backed bytes");
    check(q->vaddr == s->vaddr + (uint64_t)(q->ptr - s->data), "a request's vaddr matches its ptr");
    check(q->vaddr % WORD == 0, "a request is 8-byte aligned");
    for (w = 0; w < LIMINE_ID_WORDS; w++)
        check(q->id[w] == load64(q->ptr + w * WORD), "id words are the bytes at ptr");
    check(q->id[0] == LIMINE_COMMON_MAGIC0 && q->id[1] == LIMINE_COMMON_MAGIC1, "common magic");
    check(q->revision == load64(q->ptr + 4 * WORD) && q->response == load64(q->ptr + 5 * WORD),
          "revision and response are the bytes at ptr");
    check((unsigned)q->kind < LSCAN_KIND_COUNT, "kind in range");
}

static bool inside(const struct lscan_result *r, uint64_t v)
{
    return (!r->has_start || v >= r->start_vaddr) && (!r->has_end || v < r->end_vaddr);
}

/* True when an earlier request with q's id is a request (not outside binding markers). */
static bool earlier_same_id(const struct lscan_result *r, size_t i)
{
    size_t k;

    for (k = 0; k < i; k++)
        if (r->requests[k].verdict != LSCAN_VERDICT_OUTSIDE_MARKERS
            && r->requests[k].id[2] == r->requests[i].id[2]
            && r->requests[k].id[3] == r->requests[i].id[3])
            return true;
    return false;
}

/* Verdicts follow the documented order and agree with each other. */
static void check_verdicts(const struct lscan_result *r, enum lscan_error err)
{
    bool markers = r->has_start || r->has_end, ok_kind[LSCAN_KIND_COUNT] = { false };
    size_t i;

    check(r->markers_binding == (markers && r->revision >= LIMINE_BASE_REVISION_MARKERS_BINDING),
          "markers bind exactly from revision 2");
    for (i = 0; i < r->count; i++) {
        const struct lscan_request *q = &r->requests[i];
        bool dup = earlier_same_id(r, i);
        check(q->outside_markers == (markers && !inside(r, q->vaddr)), "outside_markers is right");
        check((q->verdict == LSCAN_VERDICT_OUTSIDE_MARKERS)
                  == (q->outside_markers && r->markers_binding),
              "outside verdict exactly when markers bind and it is outside");
        if (q->verdict == LSCAN_VERDICT_OUTSIDE_MARKERS)
            continue;
        check((q->verdict == LSCAN_VERDICT_DUPLICATE) == dup, "duplicate exactly for a second id");
        if (dup)
            continue;
        check((q->verdict == LSCAN_VERDICT_UNKNOWN_ID) == (q->kind == LSCAN_UNKNOWN),
              "unknown verdict exactly for unknown kinds");
        check(q->verdict == LSCAN_VERDICT_OK || q->kind == LSCAN_UNKNOWN,
              "a known, single, inside request is ok whatever its response field holds");
        if (q->verdict == LSCAN_VERDICT_OK) {
            check(!ok_kind[q->kind], "at most one ok request per kind");
            ok_kind[q->kind] = true;
        }
        check(q->verdict != LSCAN_VERDICT_DUPLICATE || err != LSCAN_OK, "a duplicate is an error");
    }
}

/* The scan agrees with the word-by-word model on what exists and where. */
static void check_against_model(const struct input *in, const struct lscan_result *r,
                                enum lscan_error err)
{
    struct model m;
    size_t i;

    model_scan(in, &m);
    check(r->matches == m.requests, "request matches equal the model's");
    check(r->count == (m.requests < LSCAN_MAX_REQUESTS ? m.requests : LSCAN_MAX_REQUESTS),
          "count is the matches, capped");
    for (i = 0; i < r->count; i++)
        check(r->requests[i].vaddr == m.request_vaddr[i], "requests in the model's order");
    check(r->tag_count == m.tags && (m.tags == 0 || r->tag_vaddr == m.tag_vaddr),
          "tags equal the model's");
    check(r->has_tag == (m.tags > 0) && (!r->has_tag || r->revision == load64(r->tag + 2 * WORD)),
          "the tag's revision is its third word");
    check(r->start_count == m.starts && r->has_start == m.has_start && (!m.has_start || r->start_vaddr == m.start_vaddr),
          "start markers equal the model's (the last by vaddr before the first end marker)");
    check(r->late_start == m.late_start && (!m.late_start || r->late_start_vaddr == m.late_start_vaddr),
          "a start marker after the end marker is reported, not used");
    check(r->end_count == m.ends && (m.ends == 0 || r->end_vaddr == m.end_vaddr),
          "end markers equal the model's (the first by vaddr)");
    check(r->has_misaligned == m.misaligned
              && (!m.misaligned || r->misaligned_vaddr == m.misaligned_vaddr),
          "misaligned matches equal the model's");
    check((m.requests > LSCAN_MAX_REQUESTS) == (err == LSCAN_ERR_TOO_MANY_REQUESTS),
          "too many requests exactly past the capacity");
    check(r->tag_ignored == (r->has_tag && r->tag_outside_markers && r->markers_binding),
          "a tag is ignored exactly outside the markers it makes binding");
    check(m.tags <= 1 || err != LSCAN_OK, "a second tag is an error");
}

static bool same_result(const struct lscan_result *a, const struct lscan_result *b)
{
    size_t i;

    if (a->has_tag != b->has_tag || a->tag_outside_markers != b->tag_outside_markers || a->tag_ignored != b->tag_ignored
        || a->revision != b->revision || a->tag_vaddr != b->tag_vaddr || a->tag != b->tag
        || a->tag_count != b->tag_count || a->has_start != b->has_start || a->has_end != b->has_end
        || a->start_vaddr != b->start_vaddr || a->end_vaddr != b->end_vaddr
        || a->start_count != b->start_count || a->end_count != b->end_count
        || a->markers_binding != b->markers_binding || a->has_misaligned != b->has_misaligned
        || a->misaligned_vaddr != b->misaligned_vaddr || a->misaligned_kind != b->misaligned_kind
        || a->count != b->count || a->matches != b->matches)
        return false;
    for (i = 0; i < a->count; i++) {
        const struct lscan_request *p = &a->requests[i], *q = &b->requests[i];
        if (p->kind != q->kind || p->verdict != q->verdict || p->outside_markers != q->outside_markers
            || p->vaddr != q->vaddr || p->ptr != q->ptr || memcmp(p->id, q->id, sizeof p->id) != 0
            || p->revision != q->revision || p->response != q->response)
            return false;
    }
    return true;
}

/* Writing the revision back changes the tag's words 1 and 2 as the spec says, and nothing else. */
static void check_write_back(const struct input *in, struct lscan_result *r, const uint8_t *data,
                             size_t size)
{
    const uint8_t *at = data + 1 + SEG_HEADER * in->n;
    uint64_t before2 = r->has_tag ? load64(r->tag + 2 * WORD) : 0;
    size_t i;

    lscan_write_back_revision(r, in->loaded_revision);
    for (i = 0; i < in->n; i++) {
        const struct lscan_segment *s = &in->segs[i];
        uint64_t off;
        for (off = 0; off < s->filesz; off++) {
            bool tag_word = r->has_tag && s->data + off >= r->tag + WORD
                            && s->data + off < r->tag + 3 * WORD;
            check(tag_word || s->data[off] == at[off], "only the tag's words 1-2 change");
        }
        at += s->filesz;
    }
    check((size_t)(at - data) == size, "segments cover the input");
    if (!r->has_tag)
        return;
    check(load64(r->tag) == LIMINE_BASE_REVISION_MAGIC0, "tag word 0 kept");
    if (r->tag_ignored) { /* Limine never sees it: no word changes */
        check(load64(r->tag + WORD) == LIMINE_BASE_REVISION_MAGIC1 && load64(r->tag + 2 * WORD) == before2,
              "an ignored tag keeps its words");
        return;
    }
    check(load64(r->tag + WORD) == in->loaded_revision, "tag word 1 is the loaded revision");
    check(load64(r->tag + 2 * WORD) == (in->loaded_revision == r->revision ? 0 : before2),
          "tag word 2 is 0 when honoured, else unchanged");
}

static void check_detect(const struct input *in, const struct lscan_result *r)
{
    char why[LSCAN_MESSAGE_MAX];
    bool expected = r->has_tag || r->has_start || r->has_end || r->has_misaligned || r->count > 0;
    size_t len;

    memset(why, 0x55, sizeof why);
    check(lscan_detect(in->segs, in->n, why, sizeof why) == expected,
          "detect: true exactly for a tag, a marker, a request or a misaligned one");
    len = strnlen(why, sizeof why);
    check(len > 0 && len < sizeof why, "detect gives a terminated reason");
}

/* The first segment's bytes as both an ELF symbol table and its string table (symbol values slid
 * by SEG_BASE, so small ones land in the segments' .bss): every name reported ends with a NUL
 * inside the table within LSCAN_BSS_NAME_MAX bytes and looks like a request. This holds for any
 * input, not only seed-like ones, and ASan sees any read past the exactly-sized table. */
static void check_bss_symbols(const struct input *in)
{
    const struct lscan_segment *s = &in->segs[0];
    const char *table = (const char *)s->data;
    struct lscan_bss_symbol out[4];
    size_t n, i;

    if (s->data == NULL)
        return;
    n = lscan_bss_symbols(s->data, s->filesz, table, s->filesz, SEG_BASE, in->segs, in->n, out, 4);
    for (i = 0; i < n && i < 4; i++) {
        const char *name = out[i].name;
        size_t room, len;
        check(name >= table && name < table + s->filesz, "a .bss symbol's name lies in the string table");
        room = (size_t)(table + s->filesz - name);
        len = strnlen(name, room);
        check(len < room && len <= LSCAN_BSS_NAME_MAX, "a .bss symbol's name ends within the bound");
        check(strstr(name, "request") != NULL || strstr(name, "_req") != NULL, "a .bss symbol's name is request-like");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lscan_result r, again;
    struct lscan_diag diag;
    struct input in;
    enum lscan_error err;
    size_t i;

    if (!build_input(data, size, &in))
        return 0;
    memset(&diag, 0x55, sizeof diag);
    err = lscan_scan(in.segs, in.n, &r, &diag);
    check_diag(err, &diag);
    for (i = 0; i < r.count; i++)
        check_request_place(&in, &r.requests[i]);
    check_verdicts(&r, err);
    check_against_model(&in, &r, err);
    check(lscan_scan(in.segs, in.n, &again, NULL) == err && same_result(&r, &again),
          "scanning twice gives the same result");
    check_detect(&in, &r);
    check(!expect_ok || err == LSCAN_OK, "seed scans");
    check_write_back(&in, &r, data, size);
    check_bss_symbols(&in);
    for (i = 0; i < in.n; i++)
        free(in.segs[i].data);
    return 0;
}
