/* Host tests of elf_build_plan on the valid image and of its rules across segments (src/core/elf.c). */
#include "elf_fixtures.h"

/* --- elf_build_plan: the valid image --------------------------------------------------------- */

static void test_elf_builds_plan_for_valid_image(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.entry, FIXTURE_ENTRY);
    assert_int_equal(plan.phnum, 3);
    assert_int_equal(plan.shnum, 7);
    assert_int_equal(plan.count, 3);
    assert_int_equal(plan.segments[0].offset, 0x1000);
    assert_int_equal(plan.segments[0].vaddr, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.segments[0].paddr, FIXTURE_TEXT_PADDR);
    assert_int_equal(plan.segments[0].filesz, 0x1800);
    assert_int_equal(plan.segments[0].memsz, 0x1800);
    assert_int_equal(plan.segments[0].align, 0x1000);
    assert_int_equal(plan.segments[0].flags, ELF_PF_R | ELF_PF_X);
    assert_int_equal(plan.segments[0].attr, PAGE_EXECUTABLE);
    assert_int_equal(plan.segments[1].attr, PAGE_READ_ONLY);
    assert_int_equal(plan.segments[2].attr, PAGE_READ_WRITE);
    assert_int_equal(plan.segments[2].filesz, 0x400);
    assert_int_equal(plan.segments[2].memsz, 0x2400);
    assert_int_equal(plan.vaddr_min, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.vaddr_end, FIXTURE_DATA_VADDR + 0x3000);
}

static void test_elf_rounds_each_region_to_whole_pages(void **state)
{
    static const struct { uint64_t vaddr, paddr, size; enum page_attr attr; } want[] = {
        { FIXTURE_TEXT_VADDR, 0x100000, 0x2000, PAGE_EXECUTABLE },  /* 0x1800 rounds up */
        { FIXTURE_RODATA_VADDR, 0x102000, 0x1000, PAGE_READ_ONLY },
        { FIXTURE_DATA_VADDR, 0x103000, 0x3000, PAGE_READ_WRITE },  /* bss included */
    };
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    fixture_init(&f);
    expect_plan_ok(&f, &plan);
    /* text's last page ends where rodata's first begins: touching, not shared */
    assert_int_equal(plan.region_count, 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(plan.regions[i].vaddr, want[i].vaddr);
        assert_int_equal(plan.regions[i].paddr, want[i].paddr);
        assert_int_equal(plan.regions[i].size, want[i].size);
        assert_int_equal(plan.regions[i].attr, want[i].attr);
        assert_int_equal(plan.regions[i].first, i);
        assert_int_equal(plan.regions[i].count, 1);
    }
}

static void test_elf_rounds_unaligned_segment_out_to_page_boundaries(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    /* data at page offset 0xff0 with 0x20 bytes straddles two pages */
    f.phdrs[2].p_vaddr = 0xffffffff80010ff0ULL;
    f.phdrs[2].p_paddr = 0x110ff0;
    f.phdrs[2].p_offset = 0x4ff0;
    f.phdrs[2].p_filesz = 0x10;
    f.phdrs[2].p_memsz = 0x20;
    f.phdrs[2].p_align = 0x10;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.regions[2].vaddr, 0xffffffff80010000ULL);
    assert_int_equal(plan.regions[2].paddr, 0x110000);
    assert_int_equal(plan.regions[2].size, 0x2000);
    assert_int_equal(plan.vaddr_end, 0xffffffff80012000ULL);
}

static void test_elf_reads_phdrs_from_unaligned_buffer(void **state)
{
    static uint8_t raw[3 * sizeof(elf64_phdr_t) + 3];
    struct elf_fixture f;
    struct elf_plan plan;
    struct elf_diag diag;
    (void)state;
    fixture_init(&f);
    memcpy(raw + 3, f.phdrs, 3 * sizeof(elf64_phdr_t));
    assert_int_equal(elf_build_plan(&f.ehdr, raw + 3, f.file_size, &f.opts, &plan, &diag), ELF_OK);
    assert_int_equal(plan.count, 3);
    assert_int_equal(plan.segments[2].memsz, 0x2400);
}

static void test_elf_sorts_segments_by_vaddr(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    elf64_phdr_t text, rodata, data;
    (void)state;
    fixture_init(&f);
    text = f.phdrs[0], rodata = f.phdrs[1], data = f.phdrs[2];
    f.phdrs[0] = data, f.phdrs[1] = text, f.phdrs[2] = rodata;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.segments[0].vaddr, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.segments[1].vaddr, FIXTURE_RODATA_VADDR);
    assert_int_equal(plan.segments[2].vaddr, FIXTURE_DATA_VADDR);
    assert_int_equal(plan.segments[2].memsz, 0x2400);
    assert_int_equal(plan.regions[0].vaddr, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.regions[2].first, 2);
}

static void test_elf_ignores_non_load_phdrs(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    /* a PT_NOTE pointing far outside the file, and a PT_GNU_STACK with W+X flags */
    fixture_add(&f, 4, ELF_PF_R, UINT64_MAX, 1, 0, UINT64_MAX, 0, 3);
    fixture_add(&f, 0x6474e551, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0, 0, 0, 0, 0, 0x10);
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.count, 3);
    assert_int_equal(plan.phnum, 5);
}

/* --- elf_build_plan: rules across segments --------------------------------------------------- */

static void test_elf_rejects_overlapping_segments(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.phdrs[1].p_vaddr = FIXTURE_TEXT_VADDR + 0x1000; /* inside text [0, 0x1800) */
    f.phdrs[1].p_offset = 0x2000;
    f.phdrs[1].p_flags = ELF_PF_R | ELF_PF_X;
    expect_plan_error(&f, ELF_ERR_OVERLAPPING_SEGMENTS);
}

static void test_elf_rejects_segment_nested_in_earlier_one(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    /* data, listed last, starts inside text: sorted, it lands next to text */
    f.phdrs[2].p_vaddr = FIXTURE_TEXT_VADDR + 0x800;
    f.phdrs[2].p_offset = 0x4800;
    f.phdrs[2].p_memsz = 0x10;
    f.phdrs[2].p_filesz = 0x10;
    f.phdrs[2].p_flags = ELF_PF_R | ELF_PF_X;
    expect_plan_error(&f, ELF_ERR_OVERLAPPING_SEGMENTS);
}

/* Moves rodata to start right after text's last byte, inside text's last page. */
static void share_text_page_with_rodata(struct elf_fixture *f, uint32_t rodata_flags)
{
    f->phdrs[1].p_vaddr = FIXTURE_TEXT_VADDR + 0x1800;
    f->phdrs[1].p_paddr = FIXTURE_TEXT_PADDR + 0x1800;
    f->phdrs[1].p_offset = 0x2800;
    f->phdrs[1].p_flags = rodata_flags;
}

static void test_elf_merges_segments_sharing_a_page_with_same_permissions(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    share_text_page_with_rodata(&f, ELF_PF_R | ELF_PF_X);
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.count, 3);
    assert_int_equal(plan.region_count, 2);
    assert_int_equal(plan.regions[0].vaddr, FIXTURE_TEXT_VADDR);
    assert_int_equal(plan.regions[0].paddr, FIXTURE_TEXT_PADDR);
    assert_int_equal(plan.regions[0].size, 0x2000); /* [0, 0x2000) covers both */
    assert_int_equal(plan.regions[0].first, 0);
    assert_int_equal(plan.regions[0].count, 2);
    assert_int_equal(plan.regions[0].attr, PAGE_EXECUTABLE);
    assert_int_equal(plan.regions[1].first, 2);
    assert_int_equal(plan.regions[1].count, 1);
}

static void test_elf_rejects_segments_sharing_a_page_with_different_permissions(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    share_text_page_with_rodata(&f, ELF_PF_R);
    expect_plan_error(&f, ELF_ERR_SHARED_PAGE_PERMISSIONS);
}

static void test_elf_rejects_segments_sharing_a_page_with_different_phys_delta(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    share_text_page_with_rodata(&f, ELF_PF_R | ELF_PF_X);
    f.phdrs[1].p_paddr += 0x1000;
    expect_plan_error(&f, ELF_ERR_SHARED_PAGE_PHYS);
}

static void test_elf_accepts_entry_at_last_byte_of_text(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_entry = FIXTURE_TEXT_VADDR + 0x17ff;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.entry, FIXTURE_TEXT_VADDR + 0x17ff);
}

static void test_elf_rejects_entry_outside_every_segment(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_entry = FIXTURE_TEXT_VADDR + 0x1800; /* text's padding page, not text itself */
    expect_plan_error(&f, ELF_ERR_ENTRY_NOT_EXECUTABLE);
    f.ehdr.e_entry = 0;
    expect_plan_error(&f, ELF_ERR_ENTRY_NOT_EXECUTABLE);
}

static void test_elf_rejects_entry_in_non_executable_segment(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_entry = FIXTURE_DATA_VADDR + 0x2000; /* in data's bss */
    expect_plan_error(&f, ELF_ERR_ENTRY_NOT_EXECUTABLE);
}

/* The loader's direct map [0xffff800000000000, +64 TiB), as load.c passes it. */
static void reserve_direct_map(struct elf_fixture *f)
{
    f->opts.reserved_base = 0xffff800000000000ULL;
    f->opts.reserved_size = 0x400000000000ULL;
    f->opts.reserved_name = "ember's direct map";
}

static void test_elf_rejects_segment_inside_reserved_direct_map(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    reserve_direct_map(&f);
    f.phdrs[2].p_vaddr = 0xffff800000100000ULL; /* .data at the direct map of physical 1 MiB */
    struct elf_diag d = expect_plan_error(&f, ELF_ERR_RESERVED_RANGE);
    assert_non_null(strstr(d.message, "ember's direct map [0xffff800000000000, 0xffffbfffffffffff]"));
    assert_non_null(strstr(d.message, "p_vaddr 0xffff800000100000"));
}

static void test_elf_rejects_segment_straddling_reserved_range_edges(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    reserve_direct_map(&f);
    f.phdrs[2].p_vaddr = 0xffffbffffffff000ULL; /* starts in the last reserved page, ends past it */
    expect_plan_error(&f, ELF_ERR_RESERVED_RANGE);
    fixture_init(&f);
    reserve_direct_map(&f);
    f.phdrs[2].p_vaddr = 0xffff800000000000ULL; /* the very first reserved byte */
    expect_plan_error(&f, ELF_ERR_RESERVED_RANGE);
}

static void test_elf_accepts_segments_just_outside_reserved_range(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    reserve_direct_map(&f);
    f.phdrs[2].p_vaddr = 0xffffc00000000000ULL; /* first byte after the direct map */
    expect_plan_ok(&f, &plan);
    fixture_init(&f);
    reserve_direct_map(&f);
    f.phdrs[2].p_vaddr = 0x7fffffffd000ULL; /* lower half: .data + .bss end exactly at 2^47 */
    f.phdrs[2].p_paddr = 0x103000;
    expect_plan_ok(&f, &plan);
    fixture_init(&f); /* no reserved range: the same address is fine */
    f.phdrs[2].p_vaddr = 0xffff800000100000ULL;
    expect_plan_ok(&f, &plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_builds_plan_for_valid_image),
        cmocka_unit_test(test_elf_rejects_segment_inside_reserved_direct_map),
        cmocka_unit_test(test_elf_rejects_segment_straddling_reserved_range_edges),
        cmocka_unit_test(test_elf_accepts_segments_just_outside_reserved_range),
        cmocka_unit_test(test_elf_rounds_each_region_to_whole_pages),
        cmocka_unit_test(test_elf_rounds_unaligned_segment_out_to_page_boundaries),
        cmocka_unit_test(test_elf_reads_phdrs_from_unaligned_buffer),
        cmocka_unit_test(test_elf_sorts_segments_by_vaddr),
        cmocka_unit_test(test_elf_ignores_non_load_phdrs),
        cmocka_unit_test(test_elf_rejects_overlapping_segments),
        cmocka_unit_test(test_elf_rejects_segment_nested_in_earlier_one),
        cmocka_unit_test(test_elf_merges_segments_sharing_a_page_with_same_permissions),
        cmocka_unit_test(test_elf_rejects_segments_sharing_a_page_with_different_permissions),
        cmocka_unit_test(test_elf_rejects_segments_sharing_a_page_with_different_phys_delta),
        cmocka_unit_test(test_elf_accepts_entry_at_last_byte_of_text),
        cmocka_unit_test(test_elf_rejects_entry_outside_every_segment),
        cmocka_unit_test(test_elf_rejects_entry_in_non_executable_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
