/* Host tests of the pure ELF64 validator (src/elf.c): one passing and one failing case per rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/elf.h"
#include "elf_fixtures.h"

#define PLAN_POISON 0xa5

/* --- helpers -------------------------------------------------------------------------------- */

static void assert_diag(const struct elf_diag *diag, enum elf_error want)
{
    const char *name = elf_error_name(want);
    size_t len = strlen(name);

    assert_int_equal(diag->code, want);
    if (want == ELF_OK) {
        assert_string_equal(diag->message, "");
        return;
    }
    if (strncmp(diag->message, name, len) != 0 || strncmp(diag->message + len, ": ", 2) != 0)
        fail_msg("message \"%s\" does not start with \"%s: \"", diag->message, name);
}

static bool plan_is_poisoned(const struct elf_plan *plan)
{
    const uint8_t *bytes = (const uint8_t *)plan;
    size_t i;

    for (i = 0; i < sizeof *plan; i++)
        if (bytes[i] != PLAN_POISON)
            return false;
    return true;
}

/* Runs elf_build_plan on the fixture; the plan starts poisoned so a failure can prove it left
 * the plan alone. */
static enum elf_error build(struct elf_fixture *f, struct elf_plan *plan, struct elf_diag *diag)
{
    memset(plan, PLAN_POISON, sizeof *plan);
    memset(diag, 0x5a, sizeof *diag);
    return elf_build_plan(&f->ehdr, f->phdrs, f->file_size, &f->opts, plan, diag);
}

static void expect_plan_ok(struct elf_fixture *f, struct elf_plan *plan)
{
    struct elf_diag diag;

    if (build(f, plan, &diag) != ELF_OK)
        fail_msg("unexpected failure: %s", diag.message);
    assert_diag(&diag, ELF_OK);
}

/* Expects rule `want`, a message naming it, and an untouched plan; returns the diag. */
static struct elf_diag expect_plan_error(struct elf_fixture *f, enum elf_error want)
{
    struct elf_plan plan;
    struct elf_diag diag;

    assert_int_equal(build(f, &plan, &diag), want);
    assert_diag(&diag, want);
    assert_true(plan_is_poisoned(&plan));
    return diag;
}

static uint8_t image[FIXTURE_FILE_SIZE];

/* Runs elf_check_header on the fixture laid out as bytes (len bytes available). */
static enum elf_error check_header(const struct elf_fixture *f, size_t len, uint64_t *phoff,
                                   uint64_t *phsize, struct elf_diag *diag)
{
    fixture_write(f, image, sizeof image);
    return elf_check_header(image, len, f->file_size, phoff, phsize, diag);
}

static void expect_header_ok(const struct elf_fixture *f)
{
    uint64_t phoff = 0, phsize = 0;
    struct elf_diag diag;

    if (check_header(f, sizeof(elf64_ehdr_t), &phoff, &phsize, &diag) != ELF_OK)
        fail_msg("unexpected failure: %s", diag.message);
    assert_diag(&diag, ELF_OK);
    assert_int_equal(phoff, f->ehdr.e_phoff);
    assert_int_equal(phsize, f->ehdr.e_phnum * sizeof(elf64_phdr_t));
}

static void expect_header_error(struct elf_fixture *f, size_t len, enum elf_error want)
{
    uint64_t phoff = 0x1111, phsize = 0x2222;
    struct elf_diag diag;

    assert_int_equal(check_header(f, len, &phoff, &phsize, &diag), want);
    assert_diag(&diag, want);
    assert_int_equal(phoff, 0x1111); /* outputs untouched on failure */
    assert_int_equal(phsize, 0x2222);
    /* elf_build_plan re-checks the header and must stop at the same rule. */
    expect_plan_error(f, want);
}

/* --- elf_check_header ------------------------------------------------------------------------ */

static void test_elf_accepts_valid_header_and_reports_phdr_table(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    expect_header_ok(&f);
}

static void test_elf_rejects_buffer_shorter_than_header(void **state)
{
    struct elf_fixture f;
    uint64_t phoff, phsize;
    struct elf_diag diag;
    (void)state;
    fixture_init(&f);
    assert_int_equal(check_header(&f, sizeof(elf64_ehdr_t) - 1, &phoff, &phsize, &diag),
                     ELF_ERR_TRUNCATED_HEADER);
    assert_diag(&diag, ELF_ERR_TRUNCATED_HEADER);
}

static void test_elf_rejects_file_shorter_than_header(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.file_size = sizeof(elf64_ehdr_t) - 1;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_TRUNCATED_HEADER);
}

static void test_elf_rejects_bad_magic(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_ident[3] = 'G';
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_BAD_MAGIC);
}

static void test_elf_rejects_32bit_class(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_ident[ELF_IDENT_CLASS] = 1;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_NOT_64BIT);
}

static void test_elf_rejects_big_endian(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_ident[ELF_IDENT_DATA] = 2;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_NOT_LITTLE_ENDIAN);
}

static void test_elf_rejects_bad_ident_or_header_version(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_ident[ELF_IDENT_VERSION] = 0;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_BAD_VERSION);
    fixture_init(&f);
    f.ehdr.e_version = 2;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_BAD_VERSION);
}

static void test_elf_rejects_non_x86_64_machine(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_machine = 183; /* AArch64 */
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_BAD_MACHINE);
}

static void test_elf_rejects_shared_object(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_type = 3; /* ET_DYN */
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_NOT_EXECUTABLE);
}

static void test_elf_rejects_wrong_phentsize(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_phentsize = sizeof(elf64_phdr_t) + 8;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_BAD_PHENTSIZE);
}

static void test_elf_accepts_max_phnum_but_rejects_one_more(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    while (f.ehdr.e_phnum < ELF_MAX_PHNUM)
        fixture_add(&f, 4 /* PT_NOTE */, 0, 0, 0, 0, 0, 0, 0);
    expect_header_ok(&f);
    f.ehdr.e_phnum = ELF_MAX_PHNUM + 1;
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_TOO_MANY_PHDRS);
}

static void test_elf_rejects_header_without_phdrs(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init_empty(&f);
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_NO_LOAD_SEGMENTS);
}

static void test_elf_accepts_phdr_table_ending_at_end_of_file(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_phoff = f.file_size - 3 * sizeof(elf64_phdr_t);
    expect_header_ok(&f);
}

static void test_elf_rejects_phdr_table_past_end_of_file(void **state)
{
    struct elf_fixture f;
    uint64_t phoff, phsize;
    struct elf_diag diag;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_phoff = f.file_size - 3 * sizeof(elf64_phdr_t) + 1;
    assert_int_equal(check_header(&f, sizeof(elf64_ehdr_t), &phoff, &phsize, &diag),
                     ELF_ERR_PHDRS_OUTSIDE_FILE);
    assert_string_equal(diag.message, "phdrs-outside-file: e_phoff 0x4f59 + 0x3 * 0x38 overflows "
                                      "or exceeds file size 0x5000");
}

static void test_elf_rejects_phdr_table_offset_that_wraps(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_phoff = UINT64_MAX - 0x10; /* e_phoff + 3 * 56 wraps to a small value */
    expect_header_error(&f, sizeof(elf64_ehdr_t), ELF_ERR_PHDRS_OUTSIDE_FILE);
}

static void test_elf_reads_header_from_unaligned_buffer(void **state)
{
    static uint8_t raw[sizeof(elf64_ehdr_t) + 1];
    struct elf_fixture f;
    uint64_t phoff = 0, phsize = 0;
    (void)state;
    fixture_init(&f);
    memcpy(raw + 1, &f.ehdr, sizeof f.ehdr);
    assert_int_equal(elf_check_header(raw + 1, sizeof f.ehdr, f.file_size, &phoff, &phsize, NULL),
                     ELF_OK);
    assert_int_equal(phoff, FIXTURE_PHOFF);
    assert_int_equal(phsize, 3 * sizeof(elf64_phdr_t));
}

static void test_elf_reports_nothing_when_diag_is_null(void **state)
{
    struct elf_fixture f;
    uint64_t phoff, phsize;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    f.ehdr.e_ident[0] = 0;
    assert_int_equal(check_header(&f, sizeof(elf64_ehdr_t), &phoff, &phsize, NULL),
                     ELF_ERR_BAD_MAGIC);
    fixture_init(&f);
    f.phdrs[0].p_filesz = UINT64_MAX;
    assert_int_equal(elf_build_plan(&f.ehdr, f.phdrs, f.file_size, NULL, &plan, NULL),
                     ELF_ERR_SEGMENT_OUTSIDE_FILE);
    fixture_init(&f);
    assert_int_equal(elf_build_plan(&f.ehdr, f.phdrs, f.file_size, NULL, &plan, NULL), ELF_OK);
}

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
    assert_string_equal(diag.message, "segment-outside-file: phdr 2 p_offset 0x4000 + p_filesz "
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

static void test_elf_skips_empty_segment_but_checks_its_file_range(void **state)
{
    struct elf_fixture f;
    struct elf_plan plan;
    (void)state;
    fixture_init(&f);
    /* memsz 0 at an address that would otherwise be non-canonical and overlap text */
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0x5000, 0x0000800000000000ULL, 0,
                0, 0, 3);
    expect_plan_ok(&f, &plan);
    assert_int_equal(plan.count, 3);
    assert_int_equal(plan.region_count, 3);
    f.phdrs[3].p_offset = 0x5001;
    expect_plan_error(&f, ELF_ERR_SEGMENT_OUTSIDE_FILE);
    f.phdrs[3].p_offset = 0x1000;
    f.phdrs[3].p_filesz = 1; /* filesz 1 > memsz 0 */
    expect_plan_error(&f, ELF_ERR_FILESZ_EXCEEDS_MEMSZ);
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
    assert_string_equal(diag.message, "non-canonical: phdr 1 p_vaddr 0xffff7ffffffff000");
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

/* --- small pure helpers ---------------------------------------------------------------------- */

static void test_elf_maps_flags_to_page_attributes(void **state)
{
    enum page_attr attr = PAGE_READ_WRITE;
    (void)state;
    assert_true(elf_flags_to_attr(ELF_PF_R, false, &attr));
    assert_int_equal(attr, PAGE_READ_ONLY);
    assert_true(elf_flags_to_attr(0, false, &attr));
    assert_int_equal(attr, PAGE_READ_ONLY);
    assert_true(elf_flags_to_attr(ELF_PF_R | ELF_PF_X, false, &attr));
    assert_int_equal(attr, PAGE_EXECUTABLE);
    assert_true(elf_flags_to_attr(ELF_PF_R | ELF_PF_W, false, &attr));
    assert_int_equal(attr, PAGE_READ_WRITE);
    attr = PAGE_READ_ONLY;
    assert_false(elf_flags_to_attr(ELF_PF_W | ELF_PF_X, false, &attr));
    assert_int_equal(attr, PAGE_READ_ONLY);
    assert_true(elf_flags_to_attr(ELF_PF_R | ELF_PF_W | ELF_PF_X, true, &attr));
    assert_int_equal(attr, PAGE_WRITE_EXECUTE);
}

static void test_elf_recognises_canonical_addresses(void **state)
{
    (void)state;
    assert_true(elf_is_canonical(0));
    assert_true(elf_is_canonical(0x00007fffffffffffULL));
    assert_false(elf_is_canonical(0x0000800000000000ULL));
    assert_false(elf_is_canonical(0xffff7fffffffffffULL));
    assert_true(elf_is_canonical(0xffff800000000000ULL));
    assert_true(elf_is_canonical(UINT64_MAX));
    assert_false(elf_is_canonical(0x8000000000000000ULL));
}

static void test_elf_names_every_rule_distinctly(void **state)
{
    int i, j;
    (void)state;
    assert_string_equal(elf_error_name(ELF_OK), "ok");
    assert_string_equal(elf_error_name(ELF_ERR_SEGMENT_OUTSIDE_FILE), "segment-outside-file");
    assert_string_equal(elf_error_name(ELF_ERR_SHARED_PAGE_PHYS), "shared-page-phys");
    assert_string_equal(elf_error_name(ELF_ERR_NOT_64BIT), "not-64bit");
    assert_string_equal(elf_error_name(ELF_ERR_COUNT), "unknown");
    assert_string_equal(elf_error_name((enum elf_error)-1), "unknown");
    for (i = 0; i < ELF_ERR_COUNT; i++) {
        const char *name = elf_error_name((enum elf_error)i);
        assert_string_not_equal(name, "unknown");
        assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(name));
        for (j = 0; j < i; j++)
            assert_string_not_equal(name, elf_error_name((enum elf_error)j));
    }
}

/* --- real toolchain output ------------------------------------------------------------------- */

/* This test binary is real gcc output: a PIE (ET_DYN) must stop at not-executable after passing
 * every earlier header rule; a non-PIE (ET_EXEC) build must yield a full plan. */
static void test_elf_judges_this_test_binary(void **state)
{
    FILE *file = fopen("/proc/self/exe", "rb");
    uint8_t *data;
    long size;
    uint64_t phoff = 0, phsize = 0;
    struct elf_diag diag;
    elf64_ehdr_t ehdr;
    enum elf_error err;
    (void)state;

    if (file == NULL)
        skip();
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    size = ftell(file);
    assert_true(size > (long)sizeof ehdr);
    data = malloc((size_t)size);
    assert_non_null(data);
    rewind(file);
    assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    memcpy(&ehdr, data, sizeof ehdr);

    err = elf_check_header(data, (size_t)size, (uint64_t)size, &phoff, &phsize, &diag);
    if (ehdr.e_type == 3 /* ET_DYN */) {
        assert_int_equal(err, ELF_ERR_NOT_EXECUTABLE);
        assert_diag(&diag, ELF_ERR_NOT_EXECUTABLE);
        assert_string_equal(diag.message, "not-executable: e_type 0x3, want 0x2 (ET_EXEC)");
    } else {
        struct elf_plan *plan = malloc(sizeof *plan);
        struct elf_options opts = { .allow_wx = false };
        assert_non_null(plan);
        assert_int_equal(err, ELF_OK);
        assert_int_equal(elf_build_plan(&ehdr, data + phoff, (uint64_t)size, &opts, plan, &diag),
                         ELF_OK);
        assert_true(plan->count > 0);
        assert_int_equal(plan->entry, ehdr.e_entry);
        free(plan);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_accepts_valid_header_and_reports_phdr_table),
        cmocka_unit_test(test_elf_rejects_buffer_shorter_than_header),
        cmocka_unit_test(test_elf_rejects_file_shorter_than_header),
        cmocka_unit_test(test_elf_rejects_bad_magic),
        cmocka_unit_test(test_elf_rejects_32bit_class),
        cmocka_unit_test(test_elf_rejects_big_endian),
        cmocka_unit_test(test_elf_rejects_bad_ident_or_header_version),
        cmocka_unit_test(test_elf_rejects_non_x86_64_machine),
        cmocka_unit_test(test_elf_rejects_shared_object),
        cmocka_unit_test(test_elf_rejects_wrong_phentsize),
        cmocka_unit_test(test_elf_accepts_max_phnum_but_rejects_one_more),
        cmocka_unit_test(test_elf_rejects_header_without_phdrs),
        cmocka_unit_test(test_elf_accepts_phdr_table_ending_at_end_of_file),
        cmocka_unit_test(test_elf_rejects_phdr_table_past_end_of_file),
        cmocka_unit_test(test_elf_rejects_phdr_table_offset_that_wraps),
        cmocka_unit_test(test_elf_reads_header_from_unaligned_buffer),
        cmocka_unit_test(test_elf_reports_nothing_when_diag_is_null),
        cmocka_unit_test(test_elf_builds_plan_for_valid_image),
        cmocka_unit_test(test_elf_rounds_each_region_to_whole_pages),
        cmocka_unit_test(test_elf_rounds_unaligned_segment_out_to_page_boundaries),
        cmocka_unit_test(test_elf_reads_phdrs_from_unaligned_buffer),
        cmocka_unit_test(test_elf_sorts_segments_by_vaddr),
        cmocka_unit_test(test_elf_ignores_non_load_phdrs),
        cmocka_unit_test(test_elf_accepts_segment_ending_at_end_of_file),
        cmocka_unit_test(test_elf_rejects_segment_past_end_of_file),
        cmocka_unit_test(test_elf_rejects_segment_whose_file_range_wraps),
        cmocka_unit_test(test_elf_rejects_filesz_larger_than_memsz),
        cmocka_unit_test(test_elf_skips_empty_segment_but_checks_its_file_range),
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
        cmocka_unit_test(test_elf_rejects_overlapping_segments),
        cmocka_unit_test(test_elf_rejects_segment_nested_in_earlier_one),
        cmocka_unit_test(test_elf_merges_segments_sharing_a_page_with_same_permissions),
        cmocka_unit_test(test_elf_rejects_segments_sharing_a_page_with_different_permissions),
        cmocka_unit_test(test_elf_rejects_segments_sharing_a_page_with_different_phys_delta),
        cmocka_unit_test(test_elf_accepts_entry_at_last_byte_of_text),
        cmocka_unit_test(test_elf_rejects_entry_outside_every_segment),
        cmocka_unit_test(test_elf_rejects_entry_in_non_executable_segment),
        cmocka_unit_test(test_elf_maps_flags_to_page_attributes),
        cmocka_unit_test(test_elf_recognises_canonical_addresses),
        cmocka_unit_test(test_elf_names_every_rule_distinctly),
        cmocka_unit_test(test_elf_judges_this_test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
