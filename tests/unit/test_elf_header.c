/* Host tests of the ELF64 header checks, the small pure helpers and real gcc output (src/core/elf.c). */
#include <stdio.h>
#include <stdlib.h>

#include "core/bytes.h"
#include "elf_fixtures.h"

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
    assert_int_equal(elf_check_header(raw + 1, sizeof f.ehdr, f.file_size, NULL, &phoff, &phsize, NULL),
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
    assert_true(is_canonical(0));
    assert_true(is_canonical(0x00007fffffffffffULL));
    assert_false(is_canonical(0x0000800000000000ULL));
    assert_false(is_canonical(0xffff7fffffffffffULL));
    assert_true(is_canonical(0xffff800000000000ULL));
    assert_true(is_canonical(UINT64_MAX));
    assert_false(is_canonical(0x8000000000000000ULL));
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
 * every earlier header rule, and with allow_dyn and Limine's floor yield a plan slid up to it; a
 * non-PIE (ET_EXEC) build must yield a full plan. */
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

    err = elf_check_header(data, (size_t)size, (uint64_t)size, NULL, &phoff, &phsize, &diag);
    if (ehdr.e_type == ELF_TYPE_DYN) {
        struct elf_plan *plan = malloc(sizeof *plan);
        struct elf_options limine = { .allow_dyn = true, .min_vaddr = ELF_LIMINE_MIN_VADDR };
        assert_int_equal(err, ELF_ERR_NOT_EXECUTABLE);
        assert_diag(&diag, ELF_ERR_NOT_EXECUTABLE);
        assert_string_equal(diag.message, "not-executable: e_type 0x3, want 0x2 (ET_EXEC)");
        assert_non_null(plan);
        assert_int_equal(elf_check_header(data, (size_t)size, (uint64_t)size, &limine, &phoff,
                                          &phsize, &diag), ELF_OK);
        if (elf_build_plan(&ehdr, data + phoff, (uint64_t)size, &limine, plan, &diag) != ELF_OK)
            fail_msg("gcc's PIE refused: %s", diag.message);
        assert_true(plan->is_dyn);
        assert_true(plan->vaddr_min >= ELF_LIMINE_MIN_VADDR);
        assert_int_equal(plan->slide % ELF_SLIDE_GRANULE, 0);
        assert_int_equal(plan->entry, ehdr.e_entry + plan->slide);
        assert_true(plan->dynamic_size >= ELF_DYN_ENTRY_SIZE);
        free(plan);
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
        cmocka_unit_test(test_elf_maps_flags_to_page_attributes),
        cmocka_unit_test(test_elf_recognises_canonical_addresses),
        cmocka_unit_test(test_elf_names_every_rule_distinctly),
        cmocka_unit_test(test_elf_judges_this_test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
