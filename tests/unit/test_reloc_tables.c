/* Host tests of reloc_apply's rules on the dynamic array and its tables (src/core/reloc.c). */
#include "reloc_fixtures.h"

/* One RELATIVE relocation at DATA_VADDR: the minimal valid RELA table. */
static void one_relative(struct fake_image *fi)
{
    rela_put(fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 0);
}

/* --- the dynamic array ----------------------------------------------------------------------- */

static void test_reloc_rejects_unterminated_dynamic_array(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    one_relative(&fi);
    dyn_rela(&fi, 1);
    fi.dynamic_size -= sizeof(elf64_dyn_t); /* DT_NULL just past the end */
    diag = expect_error(&fi, RELOC_ERR_UNTERMINATED_DYNAMIC);
    assert_string_equal(diag.message, "unterminated-dynamic: dynamic array at 0x10000: no DT_NULL "
                                      "in its 0x3 entries");
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0); /* nothing applied */
    fi.dynamic_size += 8; /* half of DT_NULL is not an entry */
    expect_error(&fi, RELOC_ERR_UNTERMINATED_DYNAMIC);
    fi.dynamic_size += 8; /* all of it is */
    expect_ok(&fi);
    image_free(&fi);
}

static void test_reloc_rejects_dynamic_array_smaller_than_one_entry(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    fi.dynamic_size = 0;
    expect_error(&fi, RELOC_ERR_UNTERMINATED_DYNAMIC);
    fi.dynamic_size = sizeof(elf64_dyn_t) - 1;
    expect_error(&fi, RELOC_ERR_UNTERMINATED_DYNAMIC);
    image_free(&fi);
}

static void test_reloc_rejects_dynamic_array_outside_image(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(reloc_apply(&fi.img, GAP_VADDR, 0x100, &stats, &diag),
                     RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE);
    assert_reloc_diag(&diag, RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE);
    /* starts in segment 1, runs 16 bytes past its end */
    assert_int_equal(reloc_apply(&fi.img, SEG1_VADDR + SEG1_SIZE - 0x10, 0x20, &stats, &diag),
                     RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE);
    /* vaddr + size wraps 2^64: refused before the map sees it */
    assert_int_equal(reloc_apply(&fi.img, UINT64_MAX - 0xf, 0x20, &stats, &diag),
                     RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE);
    image_free(&fi);
}

static void test_reloc_rejects_duplicate_tag(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    one_relative(&fi);
    dyn_rela(&fi, 1);
    dyn_add(&fi, ELF_DT_RELA, RELA_VADDR + 0x100); /* which table is meant? */
    diag = expect_error(&fi, RELOC_ERR_DUPLICATE_TAG);
    assert_string_equal(diag.message, "duplicate-tag: dynamic entry 3 repeats tag 7");
    image_free(&fi);
}

static void test_reloc_ignores_untracked_tags_repeated(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, 1, 0x10); /* DT_NEEDED may repeat */
    dyn_add(&fi, 1, 0x20);
    expect_ok(&fi);
    image_free(&fi);
}

/* --- table kinds and entry sizes ------------------------------------------------------------- */

static void test_reloc_rejects_rel_tables(void **state)
{
    static const int64_t tags[] = { ELF_DT_REL, ELF_DT_RELSZ, ELF_DT_RELENT };
    struct fake_image fi;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(tags); i++) {
        image_init(&fi, TEST_SLIDE);
        dyn_add(&fi, tags[i], 0x10);
        expect_error(&fi, RELOC_ERR_REL_NOT_SUPPORTED);
        image_free(&fi);
    }
}

static void test_reloc_rejects_plt_table_that_is_not_rela(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_JMPREL, PLT_VADDR);
    dyn_add(&fi, ELF_DT_PLTRELSZ, sizeof(elf64_rela_t));
    diag = expect_error(&fi, RELOC_ERR_BAD_PLTREL); /* no DT_PLTREL: what are its entries? */
    assert_string_equal(diag.message, "bad-pltrel: DT_PLTREL missing, want 0x7 (DT_RELA)");
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_REL);
    diag = expect_error(&fi, RELOC_ERR_BAD_PLTREL);
    assert_string_equal(diag.message, "bad-pltrel: DT_PLTREL 0x11, want 0x7 (DT_RELA)");
    image_free(&fi);
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_REL); /* even with no PLT table */
    expect_error(&fi, RELOC_ERR_BAD_PLTREL);
    image_free(&fi);
}

static void test_reloc_rejects_wrong_or_missing_entry_sizes(void **state)
{
    static const struct { int64_t tag; uint64_t val; bool add; const char *want; } cases[] = {
        { ELF_DT_RELAENT, 16, true, "bad-entsize: DT_RELAENT 0x10, want 0x18" },
        { ELF_DT_RELAENT, 0, false, "bad-entsize: DT_RELAENT missing, want 0x18" },
        { ELF_DT_SYMENT, 16, true, "bad-entsize: DT_SYMENT 0x10, want 0x18" },
        { ELF_DT_RELRENT, 4, true, "bad-entsize: DT_RELRENT 0x4, want 0x8" },
    };
    struct fake_image fi;
    struct reloc_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        image_init(&fi, TEST_SLIDE);
        dyn_add(&fi, ELF_DT_RELA, RELA_VADDR);
        dyn_add(&fi, ELF_DT_RELASZ, 0);
        if (cases[i].tag != ELF_DT_RELAENT)
            dyn_add(&fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
        if (cases[i].tag == ELF_DT_SYMENT)
            dyn_add(&fi, ELF_DT_SYMTAB, SYMTAB_VADDR);
        if (cases[i].tag == ELF_DT_RELRENT) {
            dyn_add(&fi, ELF_DT_RELR, RELR_VADDR);
            dyn_add(&fi, ELF_DT_RELRSZ, 8);
        }
        if (cases[i].add)
            dyn_add(&fi, cases[i].tag, cases[i].val);
        diag = expect_error(&fi, RELOC_ERR_BAD_ENTSIZE);
        assert_string_equal(diag.message, cases[i].want);
        image_free(&fi);
    }
}

static void test_reloc_rejects_symtab_or_relr_without_entry_size(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_SYMTAB, SYMTAB_VADDR);
    expect_error(&fi, RELOC_ERR_BAD_ENTSIZE);
    image_free(&fi);
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_RELR, RELR_VADDR);
    dyn_add(&fi, ELF_DT_RELRSZ, 8);
    expect_error(&fi, RELOC_ERR_BAD_ENTSIZE);
    image_free(&fi);
}

/* --- table addresses and sizes --------------------------------------------------------------- */

static void test_reloc_rejects_table_address_without_size_and_back(void **state)
{
    struct fake_image fi;
    struct reloc_diag diag;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_RELA, RELA_VADDR);
    dyn_add(&fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
    diag = expect_error(&fi, RELOC_ERR_BAD_TABLE_SIZE);
    assert_string_equal(diag.message, "bad-table-size: DT_RELA table: address 0x1000, size "
                                      "missing (entries of 0x18 bytes)");
    image_free(&fi);
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_RELRSZ, 8); /* a size, but where? */
    expect_error(&fi, RELOC_ERR_BAD_TABLE_SIZE);
    image_free(&fi);
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_RELA);
    dyn_add(&fi, ELF_DT_JMPREL, PLT_VADDR);
    expect_error(&fi, RELOC_ERR_BAD_TABLE_SIZE);
    image_free(&fi);
}

static void test_reloc_rejects_table_size_that_is_not_whole_entries(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    one_relative(&fi);
    dyn_add(&fi, ELF_DT_RELA, RELA_VADDR);
    dyn_add(&fi, ELF_DT_RELASZ, sizeof(elf64_rela_t) + 8);
    dyn_add(&fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
    expect_error(&fi, RELOC_ERR_BAD_TABLE_SIZE);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0);
    image_free(&fi);
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_RELR, RELR_VADDR);
    dyn_add(&fi, ELF_DT_RELRSZ, 12);
    dyn_add(&fi, ELF_DT_RELRENT, 8);
    expect_error(&fi, RELOC_ERR_BAD_TABLE_SIZE);
    image_free(&fi);
}

static void test_reloc_rejects_table_outside_image(void **state)
{
    static const struct { uint64_t addr, size; } bad[] = {
        { GAP_VADDR, sizeof(elf64_rela_t) },                           /* between the segments */
        { SEG0_VADDR + SEG0_SIZE - sizeof(elf64_rela_t), 2 * sizeof(elf64_rela_t) }, /* past end */
        { UINT64_MAX - 0x17, 2 * sizeof(elf64_rela_t) },              /* wraps 2^64 */
    };
    struct fake_image fi;
    struct reloc_diag diag;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(bad); i++) {
        image_init(&fi, TEST_SLIDE);
        dyn_add(&fi, ELF_DT_RELA, bad[i].addr);
        dyn_add(&fi, ELF_DT_RELASZ, bad[i].size);
        dyn_add(&fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
        diag = expect_error(&fi, RELOC_ERR_TABLE_OUTSIDE_IMAGE);
        assert_non_null(strstr(diag.message, "DT_RELA table ["));
        image_free(&fi);
    }
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_RELR, GAP_VADDR);
    dyn_add(&fi, ELF_DT_RELRSZ, 8);
    dyn_add(&fi, ELF_DT_RELRENT, 8);
    expect_error(&fi, RELOC_ERR_TABLE_OUTSIDE_IMAGE);
    image_free(&fi);
    image_init(&fi, TEST_SLIDE);
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_RELA);
    dyn_add(&fi, ELF_DT_JMPREL, SEG1_VADDR + SEG1_SIZE);
    dyn_add(&fi, ELF_DT_PLTRELSZ, sizeof(elf64_rela_t));
    expect_error(&fi, RELOC_ERR_TABLE_OUTSIDE_IMAGE);
    image_free(&fi);
}

static void test_reloc_accepts_table_ending_at_end_of_segment(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    rela_put(&fi, SEG0_VADDR + SEG0_SIZE - sizeof(elf64_rela_t), 0, DATA_VADDR,
             R_INFO(0, ELF_R_X86_64_RELATIVE), 3);
    dyn_add(&fi, ELF_DT_RELA, SEG0_VADDR + SEG0_SIZE - sizeof(elf64_rela_t));
    dyn_add(&fi, ELF_DT_RELASZ, sizeof(elf64_rela_t));
    dyn_add(&fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
    expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), TEST_SLIDE + 3);
    image_free(&fi);
}

static void test_reloc_names_every_rule_distinctly(void **state)
{
    int i, j;
    (void)state;
    assert_string_equal(reloc_error_name(RELOC_OK), "ok");
    assert_string_equal(reloc_error_name(RELOC_ERR_UNDEFINED_SYMBOL), "undefined-symbol");
    assert_string_equal(reloc_error_name(RELOC_ERR_COUNT), "unknown");
    assert_string_equal(reloc_error_name((enum reloc_error)-1), "unknown");
    for (i = 0; i < RELOC_ERR_COUNT; i++) {
        const char *name = reloc_error_name((enum reloc_error)i);
        assert_string_not_equal(name, "unknown");
        assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(name));
        for (j = 0; j < i; j++)
            assert_string_not_equal(name, reloc_error_name((enum reloc_error)j));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_rejects_unterminated_dynamic_array),
        cmocka_unit_test(test_reloc_rejects_dynamic_array_smaller_than_one_entry),
        cmocka_unit_test(test_reloc_rejects_dynamic_array_outside_image),
        cmocka_unit_test(test_reloc_rejects_duplicate_tag),
        cmocka_unit_test(test_reloc_ignores_untracked_tags_repeated),
        cmocka_unit_test(test_reloc_rejects_rel_tables),
        cmocka_unit_test(test_reloc_rejects_plt_table_that_is_not_rela),
        cmocka_unit_test(test_reloc_rejects_wrong_or_missing_entry_sizes),
        cmocka_unit_test(test_reloc_rejects_symtab_or_relr_without_entry_size),
        cmocka_unit_test(test_reloc_rejects_table_address_without_size_and_back),
        cmocka_unit_test(test_reloc_rejects_table_size_that_is_not_whole_entries),
        cmocka_unit_test(test_reloc_rejects_table_outside_image),
        cmocka_unit_test(test_reloc_accepts_table_ending_at_end_of_segment),
        cmocka_unit_test(test_reloc_names_every_rule_distinctly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
