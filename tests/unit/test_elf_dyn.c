/* Host tests of the ET_DYN and min_vaddr rules: PT_DYNAMIC, the slide, the floor (src/core/elf_dyn.c). */
#include <stdio.h>
#include <stdlib.h>

#include "elf_fixtures.h"

/* A relocatable kernel as ld -pie links it at 0: text, rodata, data+bss (vaddr == offset ==
 * paddr), with PT_DYNAMIC inside data's file bytes. */
#define DYN_TEXT 0x1000ULL
#define DYN_RODATA 0x3000ULL
#define DYN_DATA 0x4000ULL
#define DYN_DYNAMIC 0x4100ULL
#define DYN_DYNAMIC_SIZE 0x100ULL
#define DYN_ENTRY (DYN_TEXT + 0x10)
#define PT_NOTE 4

static void fixture_init_dyn(struct elf_fixture *f)
{
    fixture_init_empty(f);
    f->ehdr.e_type = ELF_TYPE_DYN;
    f->ehdr.e_entry = DYN_ENTRY;
    f->opts.allow_dyn = true;
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, DYN_TEXT, DYN_TEXT, 0x1800, 0x1800,
                0x1000);
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R, 0x3000, DYN_RODATA, DYN_RODATA, 0x800, 0x800, 0x1000);
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x4000, DYN_DATA, DYN_DATA, 0x400, 0x2400,
                0x1000);
    fixture_add(f, ELF_PT_DYNAMIC, ELF_PF_R | ELF_PF_W, 0x4100, DYN_DYNAMIC, DYN_DYNAMIC,
                DYN_DYNAMIC_SIZE, DYN_DYNAMIC_SIZE, 8);
}

/* --- allow_dyn and PT_DYNAMIC ---------------------------------------------------------------- */

static void test_elf_rejects_dyn_unless_allow_dyn(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init_dyn(&f);
    f.opts.allow_dyn = false; /* ember's own protocol */
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_NOT_EXECUTABLE);
    fixture_init_dyn(&f);
    f.ehdr.e_type = 1; /* ET_REL is never accepted */
    diag = expect_plan_error(&f, ELF_ERR_NOT_EXECUTABLE);
    assert_string_equal(diag.message, "not-executable: e_type 0x1, want 0x2 (ET_EXEC) or 0x3 (ET_DYN)");
}

static void test_elf_accepts_dyn_and_records_its_dynamic_array(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init_dyn(&f);
    expect_header_ok(&f);
    expect_plan_ok(&f, &plan); /* no min_vaddr: it stays where it was linked */
    assert_true(plan.is_dyn);
    assert_int_equal(plan.slide, 0);
    assert_int_equal(plan.dynamic_vaddr, DYN_DYNAMIC);
    assert_int_equal(plan.dynamic_size, DYN_DYNAMIC_SIZE);
    assert_int_equal(plan.entry, DYN_ENTRY);
    assert_int_equal(plan.vaddr_min, DYN_TEXT);
    assert_int_equal(plan.count, 3);
}

static void test_elf_exec_plan_has_no_dynamic_array(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.opts.allow_dyn = true;
    /* an ET_EXEC's PT_DYNAMIC is not ember's business: it is never relocated */
    fixture_add(&f, ELF_PT_DYNAMIC, ELF_PF_R, 0x4100, FIXTURE_DATA_VADDR + 0x100, 0, 0x100, 0x100, 8);
    expect_plan_ok(&f, &plan);
    assert_false(plan.is_dyn);
    assert_int_equal(plan.dynamic_vaddr, 0);
    assert_int_equal(plan.dynamic_size, 0);
}

static void test_elf_rejects_dyn_without_dynamic(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init_dyn(&f);
    f.phdrs[3].p_type = PT_NOTE;
    diag = expect_plan_error(&f, ELF_ERR_DYN_WITHOUT_DYNAMIC);
    assert_non_null(strstr(diag.message, "none of 0x4 phdrs is PT_DYNAMIC"));
}

static void test_elf_rejects_two_dynamic_phdrs(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init_dyn(&f);
    fixture_add(&f, ELF_PT_DYNAMIC, ELF_PF_R, 0x4200, DYN_DATA + 0x200, 0, 0x10, 0x10, 8);
    diag = expect_plan_error(&f, ELF_ERR_BAD_DYNAMIC);
    assert_string_equal(diag.message, "bad-dynamic: program headers 3 and 4 are both PT_DYNAMIC");
}

static void test_elf_rejects_dynamic_smaller_than_one_entry(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init_dyn(&f);
    f.phdrs[3].p_memsz = ELF_DYN_ENTRY_SIZE; /* just DT_NULL: valid, nothing to relocate */
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.dynamic_size, ELF_DYN_ENTRY_SIZE);
    f.phdrs[3].p_memsz = ELF_DYN_ENTRY_SIZE - 1;
    expect_plan_error(&f, ELF_ERR_BAD_DYNAMIC);
    f.phdrs[3].p_memsz = 0;
    expect_plan_error(&f, ELF_ERR_BAD_DYNAMIC);
}

static void test_elf_accepts_dynamic_ending_at_last_file_byte_of_segment(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init_dyn(&f);
    f.phdrs[3].p_vaddr = DYN_DATA + 0x400 - DYN_DYNAMIC_SIZE; /* data's file bytes end at +0x400 */
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.dynamic_vaddr, DYN_DATA + 0x300);
    f.phdrs[3].p_vaddr = DYN_DATA; /* the very first byte of the segment */
    expect_plan_ok(&f, &plan);
}

static void test_elf_rejects_dynamic_outside_file_bytes_of_every_segment(void **state)
{
    static const uint64_t bad_vaddr[] = {
        DYN_DATA + 0x400 - DYN_DYNAMIC_SIZE + 8, /* runs 8 bytes into .bss */
        DYN_DATA + 0x1000,                       /* wholly in .bss: would read as empty */
        DYN_TEXT + 0x1800 - 0x80,                /* straddles text's end and the gap after it */
        0x100000,                                /* in no segment at all */
        UINT64_MAX - 0x10,                       /* vaddr + size wraps */
    };
    struct elf_fixture f;
    struct elf_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(bad_vaddr); i++) {
        fixture_init_dyn(&f);
        f.phdrs[3].p_vaddr = bad_vaddr[i];
        diag = expect_plan_error(&f, ELF_ERR_BAD_DYNAMIC);
        assert_non_null(strstr(diag.message, "is not inside the file bytes of one PT_LOAD"));
    }
}

/* --- the slide up to min_vaddr --------------------------------------------------------------- */

static void test_elf_slides_dyn_linked_low_up_to_min_vaddr(void **state)
{
    static const uint64_t linked[] = { DYN_TEXT, DYN_RODATA, DYN_DATA };
    const uint64_t slide = ELF_LIMINE_MIN_VADDR; /* 2 MiB-aligned: vaddr 0x1000 lands at +0x1000 */
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    fixture_init_dyn(&f);
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, slide);
    assert_int_equal(plan.entry, DYN_ENTRY + slide);
    assert_int_equal(plan.dynamic_vaddr, DYN_DYNAMIC + slide);
    assert_int_equal(plan.dynamic_size, DYN_DYNAMIC_SIZE);
    assert_int_equal(plan.vaddr_min, DYN_TEXT + slide);
    assert_int_equal(plan.vaddr_end, DYN_DATA + 0x3000 + slide);
    for (i = 0; i < 3; i++) {
        assert_int_equal(plan.segments[i].vaddr, linked[i] + slide);
        assert_int_equal(plan.segments[i].offset, f.phdrs[i].p_offset); /* file unchanged */
        assert_int_equal(plan.segments[i].paddr, linked[i]);            /* p_paddr unchanged */
        assert_int_equal(plan.regions[i].vaddr, linked[i] + slide);
        assert_int_equal(plan.regions[i].paddr, linked[i]);
    }
}

static void test_elf_picks_smallest_whole_granule_slide(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init_dyn(&f);
    /* vaddr_min 0x1000: lifting it to 0xffffffff80200000 needs 0xffffffff801ff000, which rounds up
     * to 0xffffffff80200000; one granule less would leave it at 0xffffffff80001000, below */
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR + ELF_SLIDE_GRANULE;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, ELF_LIMINE_MIN_VADDR + ELF_SLIDE_GRANULE);
    assert_int_equal(plan.vaddr_min, ELF_LIMINE_MIN_VADDR + ELF_SLIDE_GRANULE + DYN_TEXT);
    /* a floor just above a granule boundary costs a whole extra granule */
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR + DYN_TEXT + 1;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, ELF_LIMINE_MIN_VADDR + ELF_SLIDE_GRANULE);
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR + DYN_TEXT; /* exactly reachable: no extra granule */
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, ELF_LIMINE_MIN_VADDR);
}

static void test_elf_slide_keeps_largest_segment_alignment(void **state)
{
    const uint64_t align = 4 * PAGE_SIZE_2M;
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    fixture_init_dyn(&f);
    f.phdrs[2].p_align = align; /* data asks for 8 MiB: the granule is 8 MiB, not 2 MiB */
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR + PAGE_SIZE_2M;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, ELF_LIMINE_MIN_VADDR + align);
    assert_int_equal(plan.slide % align, 0);
    for (i = 0; i < plan.count; i++)
        assert_int_equal(plan.segments[i].vaddr % align, plan.segments[i].offset % align);
}

static void test_elf_does_not_slide_dyn_already_at_or_above_min_vaddr(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    unsigned i;
    (void)state;
    fixture_init_dyn(&f);
    for (i = 0; i < 4; i++) /* linked in the higher half: text's page at exactly the floor */
        f.phdrs[i].p_vaddr += ELF_LIMINE_MIN_VADDR - DYN_TEXT;
    f.ehdr.e_entry += ELF_LIMINE_MIN_VADDR - DYN_TEXT;
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, 0);
    assert_int_equal(plan.vaddr_min, ELF_LIMINE_MIN_VADDR);
    assert_int_equal(plan.dynamic_vaddr, DYN_DYNAMIC + ELF_LIMINE_MIN_VADDR - DYN_TEXT);
}

static void test_elf_rejects_slide_that_wraps(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init_dyn(&f);
    /* bss ends 2 GiB + 0x3000 above 0: slid by 0xffffffff80000000 it passes 2^64 */
    f.phdrs[2].p_memsz = 2 * GIB;
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    diag = expect_plan_error(&f, ELF_ERR_SLIDE_OUT_OF_RANGE);
    assert_string_equal(diag.message, "slide-out-of-range: sliding [0x1000, 0x80004000) up to "
                                      "0xffffffff80000000 in steps of 0x200000 wraps 2^64");
    f.phdrs[2].p_memsz = 2 * GIB - 0x5000; /* ends at 0x7ffff000: slid, one page below 2^64 */
    expect_plan_ok(&f, &(struct elf_plan){ 0 });
    fixture_init_dyn(&f);
    f.phdrs[2].p_align = 1ULL << 63; /* the granule itself: rounding up passes 2^64 */
    f.phdrs[2].p_offset = DYN_DATA;
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    expect_plan_error(&f, ELF_ERR_SLIDE_OUT_OF_RANGE);
}

static void test_elf_rejects_slide_out_of_canonical_space(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init_dyn(&f);
    f.opts.min_vaddr = 0x0000800000000000ULL; /* the first non-canonical address */
    diag = expect_plan_error(&f, ELF_ERR_SLIDE_OUT_OF_RANGE);
    assert_non_null(strstr(diag.message, "not in one canonical half"));
    /* a floor the start can reach, but 4 MiB of .bss then runs past the top of the lower half */
    f.phdrs[2].p_memsz = 2 * PAGE_SIZE_2M;
    f.opts.min_vaddr = 0x00007fffffe00000ULL;
    diag = expect_plan_error(&f, ELF_ERR_SLIDE_OUT_OF_RANGE);
    assert_string_equal(diag.message, "slide-out-of-range: slide 0x7fffffe00000 puts [0x1000, "
                                      "0x404000) at [0x7fffffe01000, 0x800000204000): not in one "
                                      "canonical half");
    f.opts.min_vaddr = 0x00007fffff800000ULL; /* room for it below 2^47: fine */
    expect_plan_ok(&f, &(struct elf_plan){ 0 });
}

static void test_elf_checks_reserved_range_and_entry_at_slid_addresses(void **state)
{
    struct elf_fixture f;
    struct elf_diag diag;
    (void)state;
    fixture_init_dyn(&f);
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    f.opts.reserved_base = ELF_LIMINE_MIN_VADDR; /* free as linked, taken once slid */
    f.opts.reserved_size = GIB;
    f.opts.reserved_name = "test range";
    diag = expect_plan_error(&f, ELF_ERR_RESERVED_RANGE);
    assert_non_null(strstr(diag.message, "p_vaddr 0xffffffff80001000"));
    fixture_init_dyn(&f);
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    f.ehdr.e_entry = DYN_DATA; /* in data: named at its final address */
    diag = expect_plan_error(&f, ELF_ERR_ENTRY_NOT_EXECUTABLE);
    assert_string_equal(diag.message, "entry-not-executable: e_entry 0xffffffff80004000 is in "
                                      "segment at 0xffffffff80004000 with p_flags 0x6");
}

/* --- the floor for ET_EXEC ------------------------------------------------------------------- */

static void test_elf_rejects_exec_below_min_vaddr(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    struct elf_diag diag;
    (void)state;
    fixture_init(&f); /* text at exactly 0xffffffff80000000 */
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.slide, 0);
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR + PAGE_SIZE_4K;
    diag = expect_plan_error(&f, ELF_ERR_BELOW_MIN_VADDR);
    assert_string_equal(diag.message, "below-min-vaddr: segment at p_vaddr 0xffffffff80000000 (page "
                                      "0xffffffff80000000) is below 0xffffffff80001000: an ET_EXEC "
                                      "cannot be slid, link it at or above");
    fixture_init(&f); /* a lower-half kernel, fine for ember's protocol, not for Limine's */
    f.phdrs[2].p_vaddr = 0x200000;
    f.opts.min_vaddr = ELF_LIMINE_MIN_VADDR;
    diag = expect_plan_error(&f, ELF_ERR_BELOW_MIN_VADDR);
    assert_non_null(strstr(diag.message, "segment at p_vaddr 0x200000 "));
}

/* --- real ld output -------------------------------------------------------------------------- */

/* Plans RELOC_FIXTURE_DIR/name (tests/unit/fixtures.mk) with Limine's options; checks the slide. */
static void plan_fixture(const char *name)
{
    const struct elf_options limine = { .allow_dyn = true, .min_vaddr = ELF_LIMINE_MIN_VADDR };
    struct elf_plan *plan = malloc(sizeof *plan);
    uint64_t phoff = 0, phsize = 0, dynamic = 0;
    struct elf_diag diag;
    elf64_ehdr_t ehdr;
    char path[512];
    uint8_t *data;
    FILE *file;
    long size;

    snprintf(path, sizeof path, "%s/%s", RELOC_FIXTURE_DIR, name);
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    size = ftell(file);
    data = malloc((size_t)size);
    assert_true(data != NULL && plan != NULL && size > (long)sizeof ehdr);
    rewind(file);
    assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    memcpy(&ehdr, data, sizeof ehdr);
    assert_int_equal(elf_check_header(data, sizeof ehdr, (uint64_t)size, NULL, &phoff, &phsize, &diag),
                     ELF_ERR_NOT_EXECUTABLE); /* ember's own protocol refuses it */
    assert_int_equal(elf_check_header(data, sizeof ehdr, (uint64_t)size, &limine, &phoff, &phsize,
                                      &diag), ELF_OK);
    if (elf_build_plan(&ehdr, data + phoff, (uint64_t)size, &limine, plan, &diag) != ELF_OK)
        fail_msg("%s: %s", name, diag.message);
    for (unsigned i = 0; i < ehdr.e_phnum; i++) {
        elf64_phdr_t ph;
        memcpy(&ph, data + phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == ELF_PT_DYNAMIC)
            dynamic = ph.p_vaddr;
    }
    assert_true(plan->is_dyn);
    assert_int_equal(plan->slide, ELF_LIMINE_MIN_VADDR); /* ld links at 0 */
    assert_int_equal(plan->vaddr_min, ELF_LIMINE_MIN_VADDR);
    assert_int_equal(plan->entry, ehdr.e_entry + ELF_LIMINE_MIN_VADDR);
    assert_int_equal(plan->dynamic_vaddr, dynamic + ELF_LIMINE_MIN_VADDR);
    free(plan);
    free(data);
}

static void test_elf_plans_real_relocatable_kernels_slid_to_limine_floor(void **state)
{
    (void)state;
    plan_fixture("static-pie-relr.elf");
    plan_fixture("shared-now.elf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_rejects_dyn_unless_allow_dyn),
        cmocka_unit_test(test_elf_accepts_dyn_and_records_its_dynamic_array),
        cmocka_unit_test(test_elf_exec_plan_has_no_dynamic_array),
        cmocka_unit_test(test_elf_rejects_dyn_without_dynamic),
        cmocka_unit_test(test_elf_rejects_two_dynamic_phdrs),
        cmocka_unit_test(test_elf_rejects_dynamic_smaller_than_one_entry),
        cmocka_unit_test(test_elf_accepts_dynamic_ending_at_last_file_byte_of_segment),
        cmocka_unit_test(test_elf_rejects_dynamic_outside_file_bytes_of_every_segment),
        cmocka_unit_test(test_elf_slides_dyn_linked_low_up_to_min_vaddr),
        cmocka_unit_test(test_elf_picks_smallest_whole_granule_slide),
        cmocka_unit_test(test_elf_slide_keeps_largest_segment_alignment),
        cmocka_unit_test(test_elf_does_not_slide_dyn_already_at_or_above_min_vaddr),
        cmocka_unit_test(test_elf_rejects_slide_that_wraps),
        cmocka_unit_test(test_elf_rejects_slide_out_of_canonical_space),
        cmocka_unit_test(test_elf_checks_reserved_range_and_entry_at_slid_addresses),
        cmocka_unit_test(test_elf_rejects_exec_below_min_vaddr),
        cmocka_unit_test(test_elf_plans_real_relocatable_kernels_slid_to_limine_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
