/* Host tests of stage "place kernel" (src/core/pipeline.c pipe_place) over a fake physical memory:
 * a higher-half kernel at its p_paddr when that is free and mappable there, else in one span whose
 * pages keep phys = virt - span_lo + span_base; the lines it says and the refusal when nothing fits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipeline.h"
#include "elf_fixtures.h"

#define KVIRT 0xffffffff80000000ULL
#define SPAN_BASE 0x4000000ULL /* where the fake claim_span puts a span (2 MiB aligned) */

struct fake_phys {
    uint64_t busy_lo, busy_hi; /* claim_at fails when it touches [busy_lo, busy_hi) */
    bool span_fails;
    unsigned claims, releases;
    char said[4][400];
    enum pipe_level level[4];
    unsigned lines;
};

static bool claim_at(void *ctx, uint64_t phys, uint64_t pages)
{
    struct fake_phys *f = ctx;
    if (phys < f->busy_hi && f->busy_lo < phys + pages * 4096)
        return false;
    f->claims++;
    return true;
}

static bool claim_span(void *ctx, uint64_t pages, uint64_t align, uint64_t congruent, uint64_t *base)
{
    struct fake_phys *f = ctx;
    (void)pages;
    if (f->span_fails)
        return false;
    *base = SPAN_BASE + (congruent & (align - 1));
    return true;
}

static void release(void *ctx, uint64_t phys, uint64_t pages)
{
    (void)phys, (void)pages;
    ((struct fake_phys *)ctx)->releases++;
}

static const char *busy_type(void *ctx, uint64_t phys, uint64_t size, uint64_t *busy_at)
{
    (void)ctx, (void)phys, (void)size, (void)busy_at;
    return NULL;
}

static void say(void *ctx, enum pipe_level level, const char *line)
{
    struct fake_phys *f = ctx;
    if (f->lines < 4) {
        f->level[f->lines] = level;
        snprintf(f->said[f->lines++], sizeof f->said[0], "%s", line);
    }
}

/* One text segment of 0x3000 bytes at vaddr KVIRT + voff, p_paddr paddr, as elf_build_plan groups it. */
static void one_segment(struct elf_plan *p, uint64_t voff, uint64_t paddr)
{
    memset(p, 0, sizeof *p);
    p->count = p->region_count = 1;
    p->segments[0] = (struct elf_segment){ .vaddr = KVIRT + voff, .paddr = paddr, .filesz = 0x3000,
                                           .memsz = 0x3000, .flags = 5, .attr = PAGE_EXECUTABLE };
    p->regions[0] = (struct elf_region){ .vaddr = KVIRT + (voff & ~0xfffULL), .paddr = paddr & ~0xfffULL,
                                         .size = ((voff & 0xfff) + 0x3000 + 0xfff) & ~0xfffULL,
                                         .attr = PAGE_EXECUTABLE, .count = 1 };
    p->entry = KVIRT + voff;
}

/* One placement attempt: the fake memory, the plan, and what pipe_place made of them. */
struct trial {
    struct fake_phys f;
    struct elf_plan p;
    struct kernel_placement out;
    struct decide_diag diag;
};

/* Places one_segment(voff, paddr) over t->f as set up; attr other than PAGE_READ_ONLY (0) replaces the
 * segment's own (R-X). */
static bool place(struct trial *t, uint64_t voff, uint64_t paddr, enum page_attr attr)
{
    struct ember_config cfg;
    struct place_ops ops = { &t->f, claim_at, claim_span, release, busy_type };
    struct pipe_sink sink = { &t->f, say };

    one_segment(&t->p, voff, paddr);
    if (attr != 0)
        t->p.segments[0].attr = attr;
    config_defaults(&cfg);
    return pipe_place(&cfg, &t->p, &ops, &sink, &t->out, &t->diag);
}

/* The physical address of the segment's first byte under the placement. */
static uint64_t segment_phys(const struct trial *t)
{
    return t->out.region_phys[0] + (t->p.segments[0].vaddr - t->p.regions[0].vaddr);
}

static void test_free_paddr_is_exact(void **state)
{
    struct trial t = { 0 };
    (void)state;

    assert_true(place(&t, 0x1000, 0x200000, 0));
    assert_false(t.out.spanned);
    assert_int_equal(segment_phys(&t), 0x200000);
    assert_int_equal(t.f.lines, 0);
}

/* p_paddr 0x800 into its page while p_vaddr is page-aligned: a 4 KiB mapping cannot put the segment
 * at its p_paddr (page offsets of virtual and physical addresses are equal), so it must not be
 * claimed there and reported as placed: the kernel goes into a span, and a WARN says why. */
static void test_paddr_at_other_page_offset_goes_to_span(void **state)
{
    struct trial t = { 0 };
    (void)state;

    assert_true(place(&t, 0x1000, 0x200800, 0));
    assert_true(t.out.spanned);
    assert_int_equal(t.f.claims, 0);
    assert_int_equal(segment_phys(&t) & 0xfff, t.p.segments[0].vaddr & 0xfff);
    assert_int_equal(segment_phys(&t), t.p.segments[0].vaddr - t.out.span_lo + t.out.span_base);
    assert_int_equal(t.f.lines, 2);
    assert_int_equal(t.f.level[0], PIPE_WARN);
    assert_non_null(strstr(t.f.said[0], "p_paddr 0x200800 is at another offset in its page (0x800, not 0x0)"));
    assert_null(strstr(t.f.said[1], "not free"));
    assert_non_null(strstr(t.f.said[1], "loaded at 0x4000000 in one piece"));
}

static void test_busy_paddr_goes_to_span(void **state)
{
    struct trial t = { .f = { .busy_lo = 0x200000, .busy_hi = 0x201000 } };
    (void)state;

    assert_true(place(&t, 0x1000, 0x200000, 0));
    assert_true(t.out.spanned);
    assert_int_equal(t.out.busy, 0x200000);
    assert_int_equal(t.f.lines, 1);
    assert_non_null(strstr(t.f.said[0], "p_paddr 0x200000 is not free"));
}

/* With the paddr never tried, the refusal does not name a p_paddr "not free". */
static void test_no_room_names_only_what_was_tried(void **state)
{
    struct trial t = { .f = { .span_fails = true } };
    struct trial busy = { .f = { .span_fails = true, .busy_lo = 0, .busy_hi = ~0ULL } };
    (void)state;

    assert_false(place(&t, 0x1000, 0x200800, 0));
    assert_int_equal(t.diag.rule, DECIDE_NO_ROOM_FOR_KERNEL);
    assert_null(strstr(t.diag.message, "not free"));
    assert_non_null(strstr(t.diag.message, "no free range holds the kernel's whole span"));
    assert_false(place(&busy, 0x1000, 0x200000, 0));
    assert_non_null(strstr(busy.diag.message, "p_paddr 0x200000 is not free, and no free range"));
}

/* allow_wx=yes lets a W+X segment through the ELF rules; placing the kernel says so in a WARN. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_paddr_is_exact),
        cmocka_unit_test(test_paddr_at_other_page_offset_goes_to_span),
        cmocka_unit_test(test_busy_paddr_goes_to_span),
        cmocka_unit_test(test_no_room_names_only_what_was_tried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
