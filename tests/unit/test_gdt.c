/* Host tests of the Limine-protocol GDT: each descriptor decoded field by field (SDM Vol. 3A 3.4.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "arch/x86_64/gdt.h"

struct decoded { uint64_t base, limit; unsigned type, s, dpl, p, l, db, g; };

static struct decoded decode(uint64_t d)
{
    return (struct decoded){
        .base = ((d >> 16) & 0xFFFFFF) | ((d >> 56) << 24),
        .limit = (d & 0xFFFF) | (((d >> 48) & 0xF) << 16),
        .type = (d >> 40) & 0xF, .s = (d >> 44) & 1, .dpl = (d >> 45) & 3, .p = (d >> 47) & 1,
        .l = (d >> 53) & 1, .db = (d >> 54) & 1, .g = (d >> 55) & 1,
    };
}

static void expect_segment(uint64_t raw, bool code, uint64_t limit, unsigned g, unsigned db, unsigned l)
{
    struct decoded d = decode(raw);
    assert_int_equal(d.base, 0);
    assert_int_equal(d.limit, limit);
    assert_int_equal(d.s, 1);
    assert_int_equal(d.p, 1);
    assert_int_equal(d.dpl, 0);
    assert_int_equal(d.type >> 3, code ? 1 : 0);   /* executable */
    assert_int_equal((d.type >> 1) & 1, 1);         /* code readable / data writable */
    assert_int_equal(d.g, g);
    assert_int_equal(d.db, db);
    assert_int_equal(d.l, l);
}

static void test_gdt_limine_layout_and_selectors(void **state)
{
    uint64_t gdt[GDT_LIMINE_ENTRIES];
    (void)state;
    gdt_build_limine(gdt);
    assert_int_equal(gdt[0], 0);
    expect_segment(gdt[1], true, 0xFFFF, 0, 0, 0);   /* 16-bit code */
    expect_segment(gdt[2], false, 0xFFFF, 0, 0, 0);  /* 16-bit data */
    expect_segment(gdt[3], true, 0xFFFFF, 1, 1, 0);  /* 32-bit code, 4 GiB */
    expect_segment(gdt[4], false, 0xFFFFF, 1, 1, 0); /* 32-bit data */
    expect_segment(gdt[5], true, 0xFFFFF, 1, 0, 1);  /* 64-bit code: L = 1 needs D = 0 */
    expect_segment(gdt[6], false, 0xFFFFF, 1, 1, 0); /* 64-bit data */
    struct decoded tss = decode(gdt[7]);
    assert_int_equal(tss.base, 0);
    assert_int_equal(tss.limit, 0);
    assert_int_equal(tss.type, 9); /* available 64-bit TSS: what LTR accepts */
    assert_int_equal(tss.s, 0);
    assert_int_equal(tss.p, 1);
    assert_int_equal(gdt[8], 0);   /* base 63:32 */
    assert_int_equal(GDT_LIMINE_TSS, 7 * 8);
    assert_int_equal(GDT_LIMINE_CODE64, 5 * 8);
    assert_int_equal(GDT_LIMINE_DATA64, 6 * 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gdt_limine_layout_and_selectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
