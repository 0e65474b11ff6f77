/* Pure: one pass over a Limine kernel's file-backed bytes for its tag, markers and requests. */
#include "core/lscan.h"
#include "core/bytes.h"

#include <stdarg.h>

#include "core/fmt.h"

/* The protocol rules this follows, with the spec's words: src/core/lscan.h. */

#define WORD_BYTES 8u
#define HALF_SHIFT 32
#define MISALIGNED_AT 4u  /* byte offset, within an aligned word, of the misalignment detected */
#define BYTE_MASK 0xffu
#define HEADER_WORDS (LIMINE_REQUEST_HEADER_SIZE / WORD_BYTES)
#define REVISION_WORD 4   /* request header word indices */
#define RESPONSE_WORD 5
#define MAGIC_BYTES (2 * WORD_BYTES) /* the two common words a misaligned match compares */

/* Aligned words that always follow two magic words: the second word of an item, and the two
 * aligned words a request at a vaddr == 4 (mod 8) puts across its magic. */
#define MISALIGNED_WORD1 ((LIMINE_COMMON_MAGIC0 >> HALF_SHIFT) | (LIMINE_COMMON_MAGIC1 << HALF_SHIFT))
#define MISALIGNED_WORD2_LOW (LIMINE_COMMON_MAGIC1 >> HALF_SHIFT)

/* The fast first test. Every item (request, tag, start marker, end marker) opens with two known
 * words, so every second aligned word suffices to see it: an item at an even word index shows its
 * first word there, one at an odd index its second word at the next (even) index. A misaligned
 * request shows MISALIGNED_WORD1 or MISALIGNED_WORD2_LOW's low byte at an even index likewise.
 * This table holds the low bytes of those ten words (no 0x00 or 0xff among them); only a hit
 * costs the exact comparisons. */
static const uint8_t probe_low_byte[256] = {
    [LIMINE_COMMON_MAGIC0 & BYTE_MASK] = 1,        [LIMINE_COMMON_MAGIC1 & BYTE_MASK] = 1,
    [LIMINE_BASE_REVISION_MAGIC0 & BYTE_MASK] = 1, [LIMINE_BASE_REVISION_MAGIC1 & BYTE_MASK] = 1,
    [LIMINE_START_MARKER0 & BYTE_MASK] = 1,        [LIMINE_START_MARKER1 & BYTE_MASK] = 1,
    [LIMINE_END_MARKER0 & BYTE_MASK] = 1,          [LIMINE_END_MARKER1 & BYTE_MASK] = 1,
    [MISALIGNED_WORD1 & BYTE_MASK] = 1,            [MISALIGNED_WORD2_LOW & BYTE_MASK] = 1,
};

static const uint64_t start_marker[LIMINE_START_MARKER_WORDS] = {
    LIMINE_START_MARKER0, LIMINE_START_MARKER1, LIMINE_START_MARKER2, LIMINE_START_MARKER3,
};
static const uint64_t end_marker[LIMINE_END_MARKER_WORDS] = { LIMINE_END_MARKER0, LIMINE_END_MARKER1 };

static const struct {
    uint64_t id2, id3;
    const char *name;
} kinds[LSCAN_KIND_COUNT] = {
    [LSCAN_UNKNOWN] = { 0, 0, "unknown" },
#define KIND(K, NAME, TEXT) [LSCAN_##K] = { LIMINE_##NAME##_ID2, LIMINE_##NAME##_ID3, TEXT }
    KIND(BOOTLOADER_INFO, BOOTLOADER_INFO, "bootloader info"),
    KIND(FIRMWARE_TYPE, FIRMWARE_TYPE, "firmware type"),
    KIND(STACK_SIZE, STACK_SIZE, "stack size"),
    KIND(HHDM, HHDM, "HHDM"),
    KIND(FRAMEBUFFER, FRAMEBUFFER, "framebuffer"),
    KIND(PAGING_MODE, PAGING_MODE, "paging mode"),
    KIND(MP, MP, "MP"),
    KIND(MEMMAP, MEMMAP, "memory map"),
    KIND(ENTRY_POINT, ENTRY_POINT, "entry point"),
    KIND(EXECUTABLE_FILE, EXECUTABLE_FILE, "executable file"),
    KIND(MODULE, MODULE, "module"),
    KIND(RSDP, RSDP, "RSDP"),
    KIND(SMBIOS, SMBIOS, "SMBIOS"),
    KIND(EFI_SYSTEM_TABLE, EFI_SYSTEM_TABLE, "EFI system table"),
    KIND(EFI_MEMMAP, EFI_MEMMAP, "EFI memory map"),
    KIND(DATE_AT_BOOT, DATE_AT_BOOT, "date at boot"),
    KIND(EXECUTABLE_ADDRESS, EXECUTABLE_ADDRESS, "executable address"),
    KIND(EXECUTABLE_CMDLINE, EXECUTABLE_CMDLINE, "executable cmdline"),
    KIND(DTB, DTB, "device tree blob"),
    KIND(BOOTLOADER_PERFORMANCE, BOOTLOADER_PERFORMANCE, "bootloader performance"),
    KIND(TSC_FREQUENCY, TSC_FREQUENCY, "TSC frequency"),
    KIND(ENTROPY, ENTROPY, "entropy"),
    KIND(KEEP_IOMMU, KEEP_IOMMU, "keep IOMMU"),
    KIND(TPM_EVENT_LOG, TPM_EVENT_LOG, "TPM event log"),
    KIND(FLANTERM_FB_INIT, FLANTERM_FB_INIT, "flanterm FB init params"),
#undef KIND
};

/* A segment's aligned words: word k is at data + first + 8k, vaddr + first + 8k is 8-aligned. */
struct view {
    const struct lscan_segment *seg;
    uint64_t first; /* bytes before the first aligned vaddr */
    uint64_t words; /* whole aligned words inside filesz */
};

struct scanner {
    struct lscan_result *r;
    struct lscan_diag *diag;
    enum lscan_error err; /* the first error; later ones are not reported */
    uint64_t dropped_vaddr;      /* first id match that did not fit requests[] */
    uint64_t second_tag_vaddr;
};

static uint64_t word_at(const struct view *v, uint64_t k)
{
    return le_load64(v->seg->data + v->first + k * WORD_BYTES);
}

static uint64_t vaddr_of(const struct view *v, uint64_t k)
{
    return v->seg->vaddr + v->first + k * WORD_BYTES;
}

/* True when words k..k+n of the view exist and equal pat[0..n). */
static bool words_match(const struct view *v, uint64_t k, const uint64_t *pat, unsigned n)
{
    unsigned i;

    if (n > v->words || k > v->words - n)
        return false;
    for (i = 0; i < n; i++)
        if (word_at(v, k + i) != pat[i])
            return false;
    return true;
}

/* The kind whose id words are (id2, id3), LSCAN_UNKNOWN when none. */
static enum lscan_kind kind_of(uint64_t id2, uint64_t id3)
{
    unsigned k;

    for (k = LSCAN_UNKNOWN + 1; k < LSCAN_KIND_COUNT; k++)
        if (kinds[k].id2 == id2 && kinds[k].id3 == id3)
            return (enum lscan_kind)k;
    return LSCAN_UNKNOWN;
}

/* Records the first error: its code and a formatted message in the diag. Later errors are dropped. */
__attribute__((format(printf, 3, 4)))
static void fail(struct scanner *s, enum lscan_error code, const char *fmt, ...)
{
    va_list ap;

    if (s->err != LSCAN_OK)
        return;
    s->err = code;
    s->diag->code = code;
    va_start(ap, fmt);
    fmt_vdiag(s->diag->message, sizeof s->diag->message, "", fmt, ap);
    va_end(ap);
}

/* --- pass 1: collect --------------------------------------------------------------------------- */

/* Stores the request whose header is words k..k+6 (or counts it when requests[] is full). */
static void add_request(struct scanner *s, const struct view *v, uint64_t k)
{
    struct lscan_result *r = s->r;
    struct lscan_request *q;
    unsigned i;

    if (r->matches++ >= LSCAN_MAX_REQUESTS) {
        if (r->matches == LSCAN_MAX_REQUESTS + 1)
            s->dropped_vaddr = vaddr_of(v, k);
        return;
    }
    q = &r->requests[r->count++];
    q->vaddr = vaddr_of(v, k);
    q->ptr = v->seg->data + v->first + k * WORD_BYTES;
    q->backed = (v->seg->backed > v->seg->memsz ? v->seg->backed : v->seg->memsz) - (v->first + k * WORD_BYTES);
    for (i = 0; i < LIMINE_ID_WORDS; i++)
        q->id[i] = word_at(v, k + i);
    q->revision = word_at(v, k + REVISION_WORD);
    q->response = word_at(v, k + RESPONSE_WORD);
    q->kind = kind_of(q->id[2], q->id[3]);
}

static void add_tag(struct scanner *s, const struct view *v, uint64_t k)
{
    struct lscan_result *r = s->r;

    if (r->tag_count++ == 0) {
        r->has_tag = true;
        r->tag_vaddr = vaddr_of(v, k);
        r->tag = v->seg->data + v->first + k * WORD_BYTES;
        r->revision = word_at(v, k + LIMINE_BASE_REVISION_TAG_REQUESTED);
    } else if (r->tag_count == 2) {
        s->second_tag_vaddr = vaddr_of(v, k);
    }
}

/* Keeps the last start marker before the first end marker, and the first end marker (items come
 * in ascending vaddr). */
static void add_marker(struct scanner *s, uint64_t vaddr, bool start)
{
    struct lscan_result *r = s->r;

    if (start) {
        r->start_count++;
        if (r->has_end && vaddr > r->end_vaddr) {
            if (!r->late_start)
                r->late_start_vaddr = vaddr;
            r->late_start = true;
            return;
        }
        if (!r->has_start || vaddr > r->start_vaddr)
            r->start_vaddr = vaddr;
        r->has_start = true;
    } else {
        r->end_count++;
        if (!r->has_end || vaddr < r->end_vaddr)
            r->end_vaddr = vaddr;
        r->has_end = true;
    }
}

/* Exact test of an item starting at aligned word k. */
static void check_aligned(struct scanner *s, const struct view *v, uint64_t k)
{
    static const uint64_t request_magic[2] = { LIMINE_COMMON_MAGIC0, LIMINE_COMMON_MAGIC1 };
    static const uint64_t tag_magic[2] = { LIMINE_BASE_REVISION_MAGIC0, LIMINE_BASE_REVISION_MAGIC1 };

    switch (word_at(v, k)) {
    case LIMINE_COMMON_MAGIC0:
        /* the id's first two words, and the whole header inside the file */
        if (words_match(v, k, request_magic, 2) && k + HEADER_WORDS <= v->words)
            add_request(s, v, k);
        break;
    case LIMINE_BASE_REVISION_MAGIC0:
        if (words_match(v, k, tag_magic, 2) && k + LIMINE_BASE_REVISION_TAG_WORDS <= v->words)
            add_tag(s, v, k);
        break;
    case LIMINE_START_MARKER0:
        if (words_match(v, k, start_marker, LIMINE_START_MARKER_WORDS))
            add_marker(s, vaddr_of(v, k), true);
        break;
    case LIMINE_END_MARKER0:
        if (words_match(v, k, end_marker, LIMINE_END_MARKER_WORDS))
            add_marker(s, vaddr_of(v, k), false);
        break;
    default:
        break;
    }
}

/* Exact test of the common magic at byte first + 8m + 4 of the data (m may be -1 when the segment
 * starts 4 bytes before an aligned vaddr). Keeps the first such match. */
static void check_misaligned(struct scanner *s, const struct view *v, int64_t m)
{
    const struct lscan_segment *seg = v->seg;
    int64_t at = (int64_t)v->first + m * (int64_t)WORD_BYTES + (int64_t)MISALIGNED_AT;
    const uint8_t *p;

    if (at < 0 || (uint64_t)at + MAGIC_BYTES > seg->filesz)
        return;
    p = seg->data + at;
    if (le_load64(p) != LIMINE_COMMON_MAGIC0 || le_load64(p + WORD_BYTES) != LIMINE_COMMON_MAGIC1
        || s->r->has_misaligned)
        return;
    s->r->has_misaligned = true;
    s->r->misaligned_vaddr = seg->vaddr + (uint64_t)at;
    if ((uint64_t)at + LIMINE_ID_WORDS * WORD_BYTES <= seg->filesz)
        s->r->misaligned_kind = kind_of(le_load64(p + 2 * WORD_BYTES), le_load64(p + 3 * WORD_BYTES));
}

/* One pass of 8-byte loads over the segment's file-backed bytes. Cost: one load, one table
 * lookup and one branch per two aligned words (a 64 MiB kernel: 4 Mi probes, about 20 M
 * instructions; memory-bound on hardware, a few ms); the exact tests run only where the probe's
 * low byte is one of ten values (a few percent of words in code, none in zeros). Items are found
 * in ascending vaddr order: each probe at even j tests, in byte order, the misaligned start at
 * j-2, the aligned start at j-1, the misaligned start at j-1 and the aligned start at j, and
 * every start is tested from exactly one probe (or the tail check after the loop). */
static void scan_segment(struct scanner *s, const struct lscan_segment *seg)
{
    struct view v = { seg, (WORD_BYTES - seg->vaddr % WORD_BYTES) % WORD_BYTES, 0 };
    uint64_t j;

    if (seg->filesz <= v.first)
        return;
    v.words = (seg->filesz - v.first) / WORD_BYTES;
    for (j = 0; j < v.words; j += 2) {
        if (!probe_low_byte[word_at(&v, j) & BYTE_MASK])
            continue;
        check_misaligned(s, &v, (int64_t)j - 2);
        if (j > 0)
            check_aligned(s, &v, j - 1);
        check_misaligned(s, &v, (int64_t)j - 1);
        check_aligned(s, &v, j);
    }
    /* With an even word count the next probe would be the partial word past the last whole one;
     * the only start it alone sees is a misaligned magic ending in its first half. */
    if (v.words % 2 == 0)
        check_misaligned(s, &v, (int64_t)v.words - 2);
}

/* --- pass 2: judge ------------------------------------------------------------------------------ */

static bool has_markers(const struct lscan_result *r)
{
    return r->has_start || r->has_end;
}

/* Inside [last start marker, first end marker), an absent marker leaving that side open. */
static bool inside_markers(const struct lscan_result *r, uint64_t vaddr)
{
    return (!r->has_start || vaddr >= r->start_vaddr) && (!r->has_end || vaddr < r->end_vaddr);
}

static void judge_markers_and_tag(struct scanner *s)
{
    struct lscan_result *r = s->r;

    if (r->matches > LSCAN_MAX_REQUESTS)
        fail(s, LSCAN_ERR_TOO_MANY_REQUESTS,
             "%zu Limine requests, more than %u (the first not kept at 0x%llx)", r->matches,
             (unsigned)LSCAN_MAX_REQUESTS, (unsigned long long)s->dropped_vaddr);
    if (r->tag_count > 1)
        fail(s, LSCAN_ERR_DUPLICATE_TAG, "second base revision tag at 0x%llx (first at 0x%llx)",
             (unsigned long long)s->second_tag_vaddr, (unsigned long long)r->tag_vaddr);
    r->tag_outside_markers = r->has_tag && has_markers(r) && !inside_markers(r, r->tag_vaddr);
    r->markers_binding = has_markers(r) && r->revision >= LIMINE_BASE_REVISION_MARKERS_BINDING;
    r->tag_ignored = r->tag_outside_markers && r->markers_binding;
}

/* The earlier request with q's id that is a request (not outside binding markers), or NULL. */
static const struct lscan_request *earlier_same_id(const struct lscan_result *r, size_t i)
{
    const struct lscan_request *q = &r->requests[i];
    size_t k;

    for (k = 0; k < i; k++) {
        const struct lscan_request *p = &r->requests[k];
        if (p->verdict != LSCAN_VERDICT_OUTSIDE_MARKERS && p->id[2] == q->id[2] && p->id[3] == q->id[3])
            return p;
    }
    return NULL;
}

/* Gives each request its verdict, in scan order: outside binding markers, duplicate, unknown id,
 * else ok (a response field that is not 0 is overwritten, as Limine does: lscan_tolerated). */
static void judge_requests(struct scanner *s)
{
    struct lscan_result *r = s->r;
    size_t i;

    for (i = 0; i < r->count; i++) {
        struct lscan_request *q = &r->requests[i];
        const struct lscan_request *first;
        const char *name = lscan_kind_name(q->kind);

        q->outside_markers = has_markers(r) && !inside_markers(r, q->vaddr);
        if (q->outside_markers && r->markers_binding) {
            q->verdict = LSCAN_VERDICT_OUTSIDE_MARKERS;
        } else if ((first = earlier_same_id(r, i)) != NULL) {
            q->verdict = LSCAN_VERDICT_DUPLICATE;
            fail(s, LSCAN_ERR_DUPLICATE_REQUEST, "duplicate %s request at 0x%llx (first at 0x%llx)",
                 name, (unsigned long long)q->vaddr, (unsigned long long)first->vaddr);
        } else if (q->kind == LSCAN_UNKNOWN) {
            q->verdict = LSCAN_VERDICT_UNKNOWN_ID;
        } else {
            q->verdict = LSCAN_VERDICT_OK;
        }
    }
}

/* --- interface ---------------------------------------------------------------------------------- */

/* True when the segment can be scanned; otherwise records LSCAN_ERR_BAD_SEGMENT. */
static bool segment_ok(struct scanner *s, const struct lscan_segment *seg, size_t i)
{
    uint64_t end;

    if (seg->filesz > seg->memsz)
        fail(s, LSCAN_ERR_BAD_SEGMENT, "segment %zu at 0x%llx: filesz 0x%llx > memsz 0x%llx", i,
             (unsigned long long)seg->vaddr, (unsigned long long)seg->filesz,
             (unsigned long long)seg->memsz);
    else if (__builtin_add_overflow(seg->vaddr, seg->memsz, &end))
        fail(s, LSCAN_ERR_BAD_SEGMENT, "segment %zu at 0x%llx: its end passes 2^64", i,
             (unsigned long long)seg->vaddr);
    else if (seg->data == NULL && seg->filesz > 0)
        fail(s, LSCAN_ERR_BAD_SEGMENT, "segment %zu at 0x%llx: no data", i,
             (unsigned long long)seg->vaddr);
    else
        return true;
    return false;
}

enum lscan_error lscan_scan(const struct lscan_segment *segs, size_t n, struct lscan_result *out,
                            struct lscan_diag *diag)
{
    struct lscan_diag scratch;
    struct scanner s = { out, diag != NULL ? diag : &scratch, LSCAN_OK, 0, 0 };
    size_t i;

    __builtin_memset(out, 0, sizeof *out);
    s.diag->code = LSCAN_OK;
    s.diag->message[0] = '\0';
    for (i = 0; i < n; i++)
        if (!segment_ok(&s, &segs[i], i))
            return s.err;
    for (i = 0; i < n; i++)
        scan_segment(&s, &segs[i]);
    judge_markers_and_tag(&s);
    judge_requests(&s);
    return s.err;
}

void lscan_write_back_revision(struct lscan_result *r, uint64_t loaded_revision)
{
    static const uint64_t honoured = 0;

    if (!r->has_tag || r->tag_ignored)
        return;
    __builtin_memcpy(r->tag + LIMINE_BASE_REVISION_TAG_LOADED * WORD_BYTES, &loaded_revision,
                     WORD_BYTES);
    if (loaded_revision == r->revision)
        __builtin_memcpy(r->tag + LIMINE_BASE_REVISION_TAG_REQUESTED * WORD_BYTES, &honoured,
                         WORD_BYTES);
}

/* The first entry of r that is a request (inside markers when they bind), or NULL. */
static const struct lscan_request *first_request(const struct lscan_result *r)
{
    size_t i;

    for (i = 0; i < r->count; i++)
        if (r->requests[i].verdict != LSCAN_VERDICT_OUTSIDE_MARKERS)
            return &r->requests[i];
    return NULL;
}

bool lscan_detect(const struct lscan_segment *segs, size_t n, char *why, size_t cap)
{
    struct lscan_result r; /* ~5 KiB of stack */
    const struct lscan_request *q;

    if (lscan_scan(segs, n, &r, NULL) == LSCAN_ERR_BAD_SEGMENT) {
        fmt_format(why, cap, "not scannable: a segment's sizes are inconsistent");
        return false;
    }
    q = first_request(&r);
    if (r.has_tag)
        fmt_format(why, cap, "base revision %llu tag at 0x%llx", (unsigned long long)r.revision,
                   (unsigned long long)r.tag_vaddr);
    else if (q != NULL)
        fmt_format(why, cap, "%s request at 0x%llx", q->kind == LSCAN_UNKNOWN ? "Limine (unknown id)"
                   : lscan_kind_name(q->kind), (unsigned long long)q->vaddr);
    else if (r.has_misaligned)
        fmt_format(why, cap, "misaligned %s request at 0x%llx", lscan_kind_name(r.misaligned_kind),
                   (unsigned long long)r.misaligned_vaddr);
    else if (has_markers(&r))
        fmt_format(why, cap, "Limine request marker at 0x%llx, no request inside the markers",
                   (unsigned long long)(r.has_start ? r.start_vaddr : r.end_vaddr));
    else {
        fmt_format(why, cap, "no Limine base revision tag, request or marker in the file-backed bytes");
        return false;
    }
    return true;
}

const char *lscan_kind_name(enum lscan_kind kind)
{
    return (unsigned)kind < LSCAN_KIND_COUNT ? kinds[kind].name : "unknown";
}

const char *lscan_verdict_name(enum lscan_verdict verdict)
{
    switch (verdict) {
    case LSCAN_VERDICT_OK: return "ok";
    case LSCAN_VERDICT_UNKNOWN_ID: return "unknown id";
    case LSCAN_VERDICT_DUPLICATE: return "duplicate";
    case LSCAN_VERDICT_OUTSIDE_MARKERS: return "outside the markers";
    }
    return "unknown";
}

const char *lscan_error_name(enum lscan_error err)
{
    switch (err) {
    case LSCAN_OK: return "ok";
    case LSCAN_ERR_BAD_SEGMENT: return "bad segment";
    case LSCAN_ERR_TOO_MANY_REQUESTS: return "too many requests";
    case LSCAN_ERR_MARKERS_REVERSED: return "markers reversed";
    case LSCAN_ERR_DUPLICATE_TAG: return "duplicate base revision tag";
    case LSCAN_ERR_TAG_OUTSIDE_MARKERS: return "base revision tag outside markers";
    case LSCAN_ERR_MISALIGNED_REQUEST: return "misaligned request";
    case LSCAN_ERR_DUPLICATE_REQUEST: return "duplicate request";
    case LSCAN_ERR_RESPONSE_SET: return "response not 0";
    }
    return "unknown";
}
