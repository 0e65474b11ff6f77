/* Host tests of elf_build_plan's per-segment rules: file range, address, align, W^X (src/core/elf.c). */
#include "elf_fixtures.h"

/* --- elf_build_plan: per-segment rules ------------------------------------------------------- */

static void test_elf_accepts_segment_ending_at_end_of_file(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_filesz = 0x1000; /* 0x4000 + 0x1000 == file size */
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.segments[2].filesz, 0x1000);
}

static void test_elf_rejects_segment_past_end_of_file(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_filesz = 0x1001;
    expect_plan_error(&f, ELF_ERR_SEGMENT_OUTSIDE_FILE);
}

static void test_elf_rejects_segment_whose_file_range_wraps(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_offset = 0x4000;
    f.phdrs[2].p_filesz = 0xffffffffffffd000ULL; /* sum wraps to 0x1000: a naive check passes */
    f.phdrs[2].p_memsz = UINT64_MAX;
    diag = expect_plan_error(&f, ELF_ERR_SEGMENT_OUTSIDE_FILE);
    assert_string_equal(diag.message, "segment-outside-file: program header 2 p_offset 0x4000 + p_filesz "
                                      "0xffffffffffffd000 overflows or exceeds file size 0x5000");
    fixture_init(&f);
    f.phdrs[1].p_offset = 0x10000;
    f.phdrs[1].p_filesz = UINT64_MAX - 0xffff; /* sum is exactly 2^64, i.e. 0 after wrapping */
    f.phdrs[1].p_memsz = UINT64_MAX;
    expect_plan_error(&f, ELF_ERR_SEGMENT_OUTSIDE_FILE);
}

static void test_elf_rejects_filesz_larger_than_memsz(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[1].p_memsz = f.phdrs[1].p_filesz - 1;
    expect_plan_error(&f, ELF_ERR_FILESZ_EXCEEDS_MEMSZ);
}

static void test_elf_skips_empty_segment_whatever_its_other_fields(void **state)
{
    /* each header fails `rule` once it has one byte of memory; with memsz 0 it loads nothing and
     * must not fail anything */
    static const struct {
        uint32_t flags;
        uint64_t offset, vaddr, filesz, align;
        enum elf_error rule;
    } odd[] = {
        { ELF_PF_R, UINT64_MAX, FIXTURE_TEXT_VADDR, 0, 0x1000, ELF_ERR_SEGMENT_OUTSIDE_FILE },
        { ELF_PF_R, 0x1000, 0x0000800000000000ULL, 0, 0x1000, ELF_ERR_NON_CANONICAL },
        { ELF_PF_R, 0x1000, FIXTURE_TEXT_VADDR + 0x10, 1, 0x200000, ELF_ERR_MISALIGNED_SEGMENT },
        { ELF_PF_R, 0x1010, FIXTURE_TEXT_VADDR + 0x10, 2, 3, ELF_ERR_FILESZ_EXCEEDS_MEMSZ },
        { ELF_PF_R, 0x1010, FIXTURE_TEXT_VADDR + 0x10, 0, 3, ELF_ERR_BAD_ALIGN },
        { ELF_PF_R | ELF_PF_W | ELF_PF_X, 0x4000, FIXTURE_DATA_VADDR + 0x3000, 0, 0x1000,
          ELF_ERR_WRITABLE_AND_EXECUTABLE },
        { ELF_PF_R | ELF_PF_W, 0x4000, FIXTURE_DATA_VADDR + 0x2000, 0, 0x1000,
          ELF_ERR_OVERLAPPING_SEGMENTS },
    };
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(odd); i++) {
        fixture_init(&f);
        fixture_add(&f, ELF_PT_LOAD, odd[i].flags, odd[i].offset, odd[i].vaddr, 0, odd[i].filesz, 0,
                    odd[i].align);
        expect_plan_ok(&f, &plan);
        assert_int_equal(plan.count, 3);
        assert_int_equal(plan.region_count, 3);
        assert_int_equal(plan.vaddr_min, FIXTURE_TEXT_VADDR);
        f.phdrs[3].p_memsz = 1;
        expect_plan_error(&f, odd[i].rule);
    }
}

static void test_elf_accepts_template_kernel_with_two_empty_loads_at_zero(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    /* the limine-c-template's shape: two memsz-0 PT_LOADs at vaddr 0, offset 0, then the kernel */
    fixture_init_empty(&f);
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R, 0, 0, 0, 0, 0, 0x1000);
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 0x1000);
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, FIXTURE_TEXT_VADDR, 0x100000,
                0x1800, 0x1800, 0x1000);
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x4000, FIXTURE_DATA_VADDR, 0x103000, 0x400,
                0x2400, 0x1000);
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR; /* the empty ones at 0 are not "below" it */
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.phnum, 4);
    assert_int_equal(plan.count, 2);
    assert_int_equal(plan.segments[0].vaddr, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.segments[1].vaddr, FIXTURE_DATA_VADDR);
    assert_int_equal(plan.vaddr_min, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.slide, 0);
}

static void test_elf_does_not_count_empty_loads_against_segment_limit(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    fixture_init(&f);
    for (i = 3; i < ELF_MAX_LOAD_SEGMENTS; i++)
        fixture_add(&f, ELF_PT_LOAD, ELF_PF_R, 0, 0xffffffff80100000ULL + i * 0x1000,
                    0x200000 + i * 0x1000, 0, 0x1000, 0x1000);
    for (i = 0; i < 8; i++) /* eight empty ones on top of the plan's 32 */
        fixture_add(&f, ELF_PT_LOAD, ELF_PF_R, 0, 0, 0, 0, 0, 0x1000);
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.count, ELF_MAX_LOAD_SEGMENTS);
}

static void test_elf_rejects_non_canonical_start(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init(&f);
    /* starts in the hole, ends in the higher half: only the start is non-canonical */
    f.phdrs[1].p_vaddr = 0xffff7ffffffff000ULL;
    f.phdrs[1].p_memsz = 0x2000;
    diag = expect_plan_error(&f, ELF_ERR_NON_CANONICAL);
    assert_string_equal(diag.message, "non-canonical: program header 1 p_vaddr 0xffff7ffffffff000");
}

static void test_elf_rejects_segment_spanning_the_non_canonical_hole(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    /* first byte 0x00007ffffffff000 and last byte 0xffff800000000fff are both canonical */
    f.phdrs[2].p_vaddr = 0x00007ffffffff000ULL;
    f.phdrs[2].p_memsz = 0xffff000000002000ULL;
    expect_plan_error(&f, ELF_ERR_NON_CANONICAL);
}

static void test_elf_accepts_segment_ending_at_top_of_lower_half(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_vaddr = 0x00007fffffffd000ULL; /* last byte 0x00007fffffffffff */
    f.phdrs[2].p_memsz = 0x3000;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.vaddr_min, 0x00007fffffffd000ULL);
    assert_int_equal(plan.vaddr_end, FIXTURE_RODATA_VADDR + 0x1000);
}

static void test_elf_rejects_segment_crossing_out_of_lower_half(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_vaddr = 0x00007fffffffd000ULL;
    f.phdrs[2].p_memsz = 0x3001; /* last byte 0x0000800000000000 */
    expect_plan_error(&f, ELF_ERR_NON_CANONICAL);
}

static void test_elf_rejects_segment_wrapping_address_space(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_vaddr = 0xfffffffffffff000ULL;
    f.phdrs[2].p_offset = 0x4000;
    f.phdrs[2].p_memsz = 0x2000;
    expect_plan_error(&f, ELF_ERR_SEGMENT_WRAPS);
    f.phdrs[2].p_memsz = 0x1000; /* ends at exactly 2^64: vaddr_end is not representable */
    expect_plan_error(&f, ELF_ERR_SEGMENT_WRAPS);
}

static void test_elf_rejects_segment_whose_last_page_wraps(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_vaddr = 0xffffffffffffe000ULL;
    f.phdrs[2].p_memsz = 0x1000; /* ends at the start of the last page: fine */
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.vaddr_end, 0xfffffffffffff000ULL);
    f.phdrs[2].p_vaddr = 0xfffffffffffff000ULL;
    f.phdrs[2].p_memsz = 0xfff; /* last byte 2^64-2, but its page end is 2^64 */
    expect_plan_error(&f, ELF_ERR_SEGMENT_WRAPS);
}

static void test_elf_rejects_physical_range_that_wraps(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_paddr = 0xffffffffffffc000ULL; /* + 0x2400 stays below 2^64 */
    expect_plan_ok(&f, &plan);
    f.phdrs[2].p_paddr = 0xffffffffffffe000ULL;
    expect_plan_error(&f, ELF_ERR_PHYS_WRAPS);
}

static void test_elf_rejects_region_whose_physical_span_wraps(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    /* the fuzzer's case: page offsets of p_vaddr and p_paddr differ, the segment itself fits */
    f.phdrs[2].p_vaddr = 0xffffffff80004fffULL;
    f.phdrs[2].p_offset = 0x4fff;
    f.phdrs[2].p_align = 0x1;
    f.phdrs[2].p_filesz = 1;
    f.phdrs[2].p_memsz = 2;
    f.phdrs[2].p_paddr = 0xffffffffffffd000ULL; /* region: this page + 0x2000 stays below 2^64 */
    expect_plan_ok(&f, &plan);
    f.phdrs[2].p_paddr = 0xffffffffffffe000ULL; /* region: 0xffffffffffffe000 + 0x2000 wraps */
    expect_plan_error(&f, ELF_ERR_PHYS_WRAPS);
}

static void test_elf_accepts_align_zero_and_one_without_constraint(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[1].p_align = 0;
    f.phdrs[1].p_offset = 0x3123;
    f.phdrs[2].p_align = 1;
    f.phdrs[2].p_offset = 0x4007;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.segments[1].align, 0);
    assert_int_equal(plan.segments[2].align, 1);
}

static void test_elf_rejects_align_that_is_not_a_power_of_two(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[0].p_align = 0x3000;
    expect_plan_error(&f, ELF_ERR_BAD_ALIGN);
    fixture_init(&f);
    f.phdrs[0].p_align = 3;
    expect_plan_error(&f, ELF_ERR_BAD_ALIGN);
}

static void test_elf_checks_vaddr_offset_congruence_only_for_page_alignment(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[1].p_align = 0x800; /* below 4 KiB: vaddr 0x...2000 vs offset 0x3010 not checked */
    f.phdrs[1].p_offset = 0x3010;
    expect_plan_ok(&f, &plan);
    f.phdrs[1].p_align = 0x200000; /* vaddr % 2M == 0x2000 but offset % 2M == 0x3000 */
    f.phdrs[1].p_offset = 0x3000;
    expect_plan_error(&f, ELF_ERR_MISALIGNED_SEGMENT);
}

static void test_elf_rejects_vaddr_and_offset_disagreeing_within_page(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_offset = 0x4010;
    expect_plan_error(&f, ELF_ERR_MISALIGNED_SEGMENT);
}

static void test_elf_rejects_writable_and_executable_segment_by_default(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[2].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
    expect_plan_error(&f, ELF_ERR_WRITABLE_AND_EXECUTABLE);
}

static void test_elf_accepts_writable_and_executable_segment_with_allow_wx(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.phdrs[0].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
    f.opts.allow_wx = true;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.segments[0].attr, PAGE_WRITE_EXECUTE);
    assert_int_equal(plan.regions[0].attr, PAGE_WRITE_EXECUTE); /* entry in W+X text is fine */
}

static void test_elf_rejects_more_load_segments_than_plan_holds(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    fixture_init(&f);
    for (i = 3; i < ELF_MAX_LOAD_SEGMENTS; i++) /* one page each above the data region */
        fixture_add(&f, ELF_PT_LOAD, ELF_PF_R, 0, 0xffffffff80100000ULL + i * 0x1000,
                    0x200000 + i * 0x1000, 0, 0x1000, 0x1000);
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.count, ELF_MAX_LOAD_SEGMENTS);
    assert_int_equal(plan.region_count, ELF_MAX_LOAD_SEGMENTS);
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R, 0, 0xffffffff80200000ULL, 0x300000, 0, 0x1000, 0x1000);
    expect_plan_error(&f, ELF_ERR_TOO_MANY_SEGMENTS);
}

static void test_elf_rejects_image_without_load_segments(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init_empty(&f);
    fixture_add(&f, 4, ELF_PF_R, 0x1000, 0, 0, 0x10, 0x10, 4); /* PT_NOTE only */
    expect_plan_error(&f, ELF_ERR_NO_LOAD_SEGMENTS);
    fixture_init_empty(&f);
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, FIXTURE_TEXT_VADDR, 0, 0, 0, 0x1000);
    expect_plan_error(&f, ELF_ERR_NO_LOAD_SEGMENTS); /* a PT_LOAD, but empty */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_accepts_segment_ending_at_end_of_file),
        cmocka_unit_test(test_elf_rejects_segment_past_end_of_file),
        cmocka_unit_test(test_elf_rejects_segment_whose_file_range_wraps),
        cmocka_unit_test(test_elf_rejects_filesz_larger_than_memsz),
        cmocka_unit_test(test_elf_skips_empty_segment_whatever_its_other_fields),
        cmocka_unit_test(test_elf_accepts_template_kernel_with_two_empty_loads_at_zero),
        cmocka_unit_test(test_elf_does_not_count_empty_loads_against_segment_limit),
        cmocka_unit_test(test_elf_rejects_non_canonical_start),
        cmocka_unit_test(test_elf_rejects_segment_spanning_the_non_canonical_hole),
        cmocka_unit_test(test_elf_accepts_segment_ending_at_top_of_lower_half),
        cmocka_unit_test(test_elf_rejects_segment_crossing_out_of_lower_half),
        cmocka_unit_test(test_elf_rejects_segment_wrapping_address_space),
        cmocka_unit_test(test_elf_rejects_segment_whose_last_page_wraps),
        cmocka_unit_test(test_elf_rejects_physical_range_that_wraps),
        cmocka_unit_test(test_elf_accepts_align_zero_and_one_without_constraint),
        cmocka_unit_test(test_elf_rejects_align_that_is_not_a_power_of_two),
        cmocka_unit_test(test_elf_checks_vaddr_offset_congruence_only_for_page_alignment),
        cmocka_unit_test(test_elf_rejects_vaddr_and_offset_disagreeing_within_page),
        cmocka_unit_test(test_elf_rejects_writable_and_executable_segment_by_default),
        cmocka_unit_test(test_elf_accepts_writable_and_executable_segment_with_allow_wx),
        cmocka_unit_test(test_elf_rejects_more_load_segments_than_plan_holds),
        cmocka_unit_test(test_elf_rejects_image_without_load_segments),
        cmocka_unit_test(test_elf_rejects_region_whose_physical_span_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
