/* Host tests of reloc_apply's rules on single relocations: types, symbols, targets, RELR runs. */
#include "reloc_fixtures.h"

static const char strings[] = "\0puts\0bad\x01name";
#define NAME_PUTS 1
#define NAME_ODD 6

/* --- relocation types ------------------------------------------------------------------------ */

static void test_reloc_rejects_unsupported_type_naming_it_and_the_offset(void **state)
{
    static const struct { uint32_t type; const char *want; } cases[] = {
        { 2, "unsupported-type: R_X86_64_PC32 (2) at r_offset 0x11008: not supported" },
        { 5, "unsupported-type: R_X86_64_COPY (5) at r_offset 0x11008: not supported" },
        { 16, "unsupported-type: R_X86_64_DTPMOD64 (16) at r_offset 0x11008: not supported" },
        { 37, "unsupported-type: R_X86_64_IRELATIVE (37) at r_offset 0x11008: not supported" },
        { 200, "unsupported-type: R_X86_64_? (200) at r_offset 0x11008: not supported" },
    };
    struct fake_image fi;
    struct reloc_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        image_init(&fi, TEST_SLIDE);
        rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
        rela_put(&fi, RELA_VADDR, 1, DATA_VADDR + 8, R_INFO(0, cases[i].type), 0);
        dyn_rela(&fi, 2);
        diag = expect_error(&fi, RELOC_ERR_UNSUPPORTED_TYPE);
        assert_string_equal(diag.message, cases[i].want);
        image_free(&fi);
    }
}

static void test_reloc_names_psabi_types(void **state)
{
    (void)state;
    assert_string_equal(reloc_type_name(ELF_R_X86_64_NONE), "R_X86_64_NONE");
    assert_string_equal(reloc_type_name(ELF_R_X86_64_64), "R_X86_64_64");
    assert_string_equal(reloc_type_name(ELF_R_X86_64_GLOB_DAT), "R_X86_64_GLOB_DAT");
    assert_string_equal(reloc_type_name(ELF_R_X86_64_JUMP_SLOT), "R_X86_64_JUMP_SLOT");
    assert_string_equal(reloc_type_name(ELF_R_X86_64_RELATIVE), "R_X86_64_RELATIVE");
    assert_string_equal(reloc_type_name(24), "R_X86_64_PC64");
    assert_string_equal(reloc_type_name(42), "R_X86_64_REX_GOTPCRELX");
    assert_string_equal(reloc_type_name(39), "R_X86_64_?"); /* deprecated, unnamed here */
    assert_string_equal(reloc_type_name(43), "R_X86_64_?");
    assert_string_equal(reloc_type_name(UINT32_MAX), "R_X86_64_?");
}

static void test_reloc_reports_what_it_applied_before_a_failure(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
    rela_put(&fi, RELA_VADDR, 1, DATA_VADDR + 8, R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
    rela_put(&fi, RELA_VADDR, 2, DATA_VADDR + 16, R_INFO(0, 2), 0);
    rela_put(&fi, RELA_VADDR, 3, DATA_VADDR + 24, R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
    dyn_rela(&fi, 4);
    assert_int_equal(apply(&fi, &stats, &diag), RELOC_ERR_UNSUPPORTED_TYPE);
    assert_int_equal(stats.relative, 2); /* the image is partly relocated: it must not run */
    assert_int_equal(stats_total(&stats), 2);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 24), 0);
    image_free(&fi);
}

/* --- symbols --------------------------------------------------------------------------------- */

static void test_reloc_rejects_undefined_symbol_naming_it(void **state)
{
    static const uint32_t types[] = { ELF_R_X86_64_GLOB_DAT, ELF_R_X86_64_64 };
    struct fake_image fi;
    struct reloc_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(types); i++) {
        image_init(&fi, TEST_SLIDE);
        sym_put(&fi, 4, NAME_PUTS, ST_INFO(STB_GLOBAL, STT_FUNC), ELF_SHN_UNDEF, 0);
        dyn_symtab(&fi, strings, sizeof strings);
        rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(4, types[i]), 0);
        dyn_rela(&fi, 1);
        diag = expect_error(&fi, RELOC_ERR_UNDEFINED_SYMBOL);
        assert_non_null(strstr(diag.message, "at r_offset 0x11000: symbol 4 'puts' is undefined and "
                                             "not weak"));
        image_free(&fi);
    }
}

static void test_reloc_quotes_undefined_symbol_names_safely(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    sym_put(&fi, 1, NAME_ODD, ST_INFO(STB_GLOBAL, 0), ELF_SHN_UNDEF, 0);
    sym_put(&fi, 2, 0x7fffffff, ST_INFO(STB_GLOBAL, 0), ELF_SHN_UNDEF, 0); /* past DT_STRSZ */
    dyn_symtab(&fi, strings, sizeof strings);
    rela_put(&fi, PLT_VADDR, 0, DATA_VADDR, R_INFO(1, ELF_R_X86_64_JUMP_SLOT), 0);
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_RELA);
    dyn_add(&fi, ELF_DT_JMPREL, PLT_VADDR);
    dyn_add(&fi, ELF_DT_PLTRELSZ, sizeof(elf64_rela_t));
    diag = expect_error(&fi, RELOC_ERR_UNDEFINED_SYMBOL);
    assert_non_null(strstr(diag.message, "R_X86_64_JUMP_SLOT (7) at r_offset 0x11000: symbol 1 "
                                         "'bad?name'"));
    rela_put(&fi, PLT_VADDR, 0, DATA_VADDR, R_INFO(2, ELF_R_X86_64_JUMP_SLOT), 0);
    diag = expect_error(&fi, RELOC_ERR_UNDEFINED_SYMBOL);
    assert_non_null(strstr(diag.message, "symbol 2 '' is undefined"));
    image_free(&fi);
}

static void test_reloc_rejects_relocation_against_ifunc_symbol(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    sym_put(&fi, 1, NAME_PUTS, ST_INFO(STB_GLOBAL, ELF_STT_GNU_IFUNC), TEXT_SHNDX, 0x1100);
    sym_put(&fi, 2, NAME_PUTS, ST_INFO(STB_GLOBAL, STT_FUNC), TEXT_SHNDX, 0x1100);
    dyn_symtab(&fi, strings, sizeof strings);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(2, ELF_R_X86_64_GLOB_DAT), 0);
    dyn_rela(&fi, 1);
    expect_ok(&fi); /* the same symbol as a plain function is fine */
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(1, ELF_R_X86_64_GLOB_DAT), 0);
    diag = expect_error(&fi, RELOC_ERR_IFUNC_SYMBOL);
    assert_string_equal(diag.message, "ifunc-symbol: R_X86_64_GLOB_DAT (6) at r_offset 0x11000: "
                                      "symbol 1 'puts' is an IFUNC: its resolver would have to run");
    image_free(&fi);
}

static void test_reloc_rejects_symbol_relocation_without_symtab(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(3, ELF_R_X86_64_GLOB_DAT), 0);
    dyn_rela(&fi, 1);
    diag = expect_error(&fi, RELOC_ERR_NO_SYMTAB);
    assert_string_equal(diag.message, "no-symtab: R_X86_64_GLOB_DAT (6) at r_offset 0x11000 names "
                                      "symbol 3, but there is no DT_SYMTAB");
    image_free(&fi);
}

static void test_reloc_rejects_symbol_entry_outside_image(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_symtab(&fi, strings, sizeof strings);
    /* symbol 0x2a9 would be at 0x2800 + 0x2a9 * 24 = 0x6758: in the gap */
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0x2a9, ELF_R_X86_64_64), 0);
    dyn_rela(&fi, 1);
    diag = expect_error(&fi, RELOC_ERR_TABLE_OUTSIDE_IMAGE);
    assert_non_null(strstr(diag.message, "symbol 681 of DT_SYMTAB 0x2800 is not inside"));
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(UINT32_MAX, ELF_R_X86_64_64), 0);
    expect_error(&fi, RELOC_ERR_TABLE_OUTSIDE_IMAGE);
    image_free(&fi);
    image_init(&fi, TEST_SLIDE); /* a symbol table address that makes symtab + index wrap */
    dyn_add(&fi, ELF_DT_SYMTAB, UINT64_MAX - 0x10);
    dyn_add(&fi, ELF_DT_SYMENT, sizeof(elf64_sym_t));
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(1, ELF_R_X86_64_64), 0);
    dyn_rela(&fi, 1);
    expect_error(&fi, RELOC_ERR_TABLE_OUTSIDE_IMAGE);
    image_free(&fi);
}

/* --- targets --------------------------------------------------------------------------------- */

static void test_reloc_rejects_rela_target_outside_image(void **state)
{
    static const uint64_t bad[] = {
        GAP_VADDR,                      /* between the segments */
        SEG1_VADDR + SEG1_SIZE - 7,     /* the word straddles segment 1's end */
        SEG0_VADDR + SEG0_SIZE - 4,     /* ... and segment 0's */
        UINT64_MAX - 3,                 /* the word wraps 2^64 */
    };
    struct fake_image fi;
    struct reloc_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(bad); i++) {
        image_init(&fi, TEST_SLIDE);
        rela_put(&fi, RELA_VADDR, 0, bad[i], R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
        dyn_rela(&fi, 1);
        diag = expect_error(&fi, RELOC_ERR_TARGET_OUTSIDE_IMAGE);
        assert_non_null(strstr(diag.message, "R_X86_64_RELATIVE (8) at r_offset 0x"));
        image_free(&fi);
    }
    image_init(&fi, TEST_SLIDE); /* the last whole word of a segment is fine */
    rela_put(&fi, RELA_VADDR, 0, SEG1_VADDR + SEG1_SIZE - 8, R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
    dyn_rela(&fi, 1);
    expect_ok(&fi);
    image_free(&fi);
}

static void test_reloc_rejects_relr_words_outside_image(void **state)
{
    static const uint64_t address_outside[] = { GAP_VADDR };
    static const uint64_t bit_outside[] = { SEG1_VADDR + SEG1_SIZE - 16, 1 | 1ULL << 1 | 1ULL << 2 };
    static const uint64_t address_wraps[] = { UINT64_MAX - 7 };
    static const struct { const uint64_t *table; unsigned count, relocated; } cases[] = {
        { address_outside, 1, 0 },
        { bit_outside, 2, 2 }, /* the address and bit 1 (the segment's last word), not bit 2 */
        { address_wraps, 1, 0 },
    };
    struct fake_image fi;
    struct reloc_stats stats;
    struct reloc_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        image_init(&fi, TEST_SLIDE);
        dyn_relr(&fi, cases[i].table, cases[i].count);
        assert_int_equal(apply(&fi, &stats, &diag), RELOC_ERR_TARGET_OUTSIDE_IMAGE);
        assert_reloc_diag(&diag, RELOC_ERR_TARGET_OUTSIDE_IMAGE);
        assert_int_equal(stats.relr, cases[i].relocated);
        image_free(&fi);
    }
}

/* A one-page image in the last page below 2^64, for RELR runs that would step past it. */
#define TOP_VADDR 0xfffffffffffff000ULL
#define TOP_RELR (TOP_VADDR + 0x100)
#define TOP_WORD 0xffffffffffffff00ULL /* the run's address entry: 32 words below 2^64 */

static uint8_t top_page[PAGE_SIZE_4K];

static void *top_map(void *ctx, uint64_t vaddr, uint64_t len)
{
    uint64_t end;

    (void)ctx;
    if (len == 0 || __builtin_add_overflow(vaddr, len, &end)) {
        fail_msg("map asked for [0x%lx, +0x%lx): empty or wrapping", vaddr, len);
        return NULL;
    }
    return vaddr >= TOP_VADDR ? top_page + (vaddr - TOP_VADDR) : NULL;
}

/* Applies the RELR run words[0..count) from the top page; returns the result. */
static enum reloc_error apply_top_relr(const uint64_t *words, unsigned count,
                                       struct reloc_diag *diag)
{
    const elf64_dyn_t dyn[] = {
        { ELF_DT_RELR, TOP_RELR }, { ELF_DT_RELRSZ, count * 8ULL }, { ELF_DT_RELRENT, 8 },
        { ELF_DT_NULL, 0 },
    };
    const struct reloc_image img = { .map = top_map, .slide = 0x1000 };

    memset(top_page, 0, sizeof top_page);
    memcpy(top_page, dyn, sizeof dyn);
    memcpy(top_page + (TOP_RELR - TOP_VADDR), words, count * sizeof words[0]);
    return reloc_apply(&img, TOP_VADDR, sizeof dyn, NULL, diag);
}

static void test_reloc_rejects_relr_run_past_top_of_address_space(void **state)
{
    /* a run from TOP_WORD: bit b of the bitmap names TOP_WORD + 8 + (b - 1) * 8 */
    uint64_t words[3] = { TOP_WORD, 1 | 1ULL << 30, 0 }, last;
    struct reloc_diag diag;
    (void)state;
    assert_int_equal(apply_top_relr(words, 2, &diag), RELOC_OK); /* the word at 2^64 - 16 */
    memcpy(&last, top_page + (UINT64_MAX - 15 - TOP_VADDR), sizeof last);
    assert_int_equal(last, 0x1000);
    words[1] = 1 | 1ULL << 31; /* [2^64 - 8, 2^64) ends at 2^64: no segment can hold it */
    assert_int_equal(apply_top_relr(words, 2, &diag), RELOC_ERR_TARGET_OUTSIDE_IMAGE);
    assert_string_equal(diag.message, "target-outside-image: RELR entry 1: the word at "
                                      "0xfffffffffffffff8 is not inside one loaded segment");
    words[1] = 1 | 1ULL << 32; /* at 2^64: refused by arithmetic, never handed to the map */
    assert_int_equal(apply_top_relr(words, 2, &diag), RELOC_ERR_TARGET_OUTSIDE_IMAGE);
    assert_string_equal(diag.message, "target-outside-image: RELR entry 1 (0x100000001): bit 32 "
                                      "names a word past 2^64");
    words[1] = 1; /* moves the run 63 words on, past 2^64: the next bitmap is refused */
    words[2] = 1 | 1ULL << 1;
    assert_int_equal(apply_top_relr(words, 3, &diag), RELOC_ERR_TARGET_OUTSIDE_IMAGE);
    assert_string_equal(diag.message, "target-outside-image: RELR entry 2 (0x3): its words would "
                                      "lie past 2^64");
}

static void test_reloc_rejects_relr_bitmap_before_any_address(void **state)
{
    static const uint64_t relr[] = { 1 | 1ULL << 1, DATA_VADDR };
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_relr(&fi, relr, 2);
    diag = expect_error(&fi, RELOC_ERR_RELR_BITMAP_FIRST);
    assert_string_equal(diag.message, "relr-bitmap-first: RELR entry 0 (0x3) is a bitmap with no "
                                      "address entry before it");
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0);
    image_free(&fi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_rejects_unsupported_type_naming_it_and_the_offset),
        cmocka_unit_test(test_reloc_names_psabi_types),
        cmocka_unit_test(test_reloc_reports_what_it_applied_before_a_failure),
        cmocka_unit_test(test_reloc_rejects_undefined_symbol_naming_it),
        cmocka_unit_test(test_reloc_quotes_undefined_symbol_names_safely),
        cmocka_unit_test(test_reloc_rejects_relocation_against_ifunc_symbol),
        cmocka_unit_test(test_reloc_rejects_symbol_relocation_without_symtab),
        cmocka_unit_test(test_reloc_rejects_symbol_entry_outside_image),
        cmocka_unit_test(test_reloc_rejects_rela_target_outside_image),
        cmocka_unit_test(test_reloc_rejects_relr_words_outside_image),
        cmocka_unit_test(test_reloc_rejects_relr_bitmap_before_any_address),
        cmocka_unit_test(test_reloc_rejects_relr_run_past_top_of_address_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
