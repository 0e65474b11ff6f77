/* Host tests of reloc_apply applying each relocation kind to a fake loaded image (src/core/reloc.c). */
#include "reloc_fixtures.h"

#define GARBAGE 0x1111111111111111ULL /* what a word holds before it is relocated */

/* --- R_X86_64_RELATIVE ----------------------------------------------------------------------- */

static void test_reloc_applies_relative_as_slide_plus_addend(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    put_u64(&fi, DATA_VADDR, GARBAGE); /* RELA ignores the word's old value */
    put_u64(&fi, DATA_VADDR + 8, GARBAGE);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 0x1234);
    rela_put(&fi, RELA_VADDR, 1, DATA_VADDR + 8, R_INFO(0, ELF_R_X86_64_RELATIVE), -0x10);
    dyn_rela(&fi, 2);
    stats = expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), TEST_SLIDE + 0x1234);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8), TEST_SLIDE - 0x10);
    assert_int_equal(stats.relative, 2);
    assert_int_equal(stats_total(&stats), 2);
    image_free(&fi);
}

static void test_reloc_with_slide_zero_writes_addends_and_leaves_relr_words(void **state)
{
    static const uint64_t relr[] = { DATA_VADDR + 0x10 };
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, 0);
    put_u64(&fi, DATA_VADDR, GARBAGE);
    put_u64(&fi, DATA_VADDR + 0x10, 0x4242);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 0x2000);
    dyn_rela(&fi, 1);
    dyn_relr(&fi, relr, 1);
    stats = expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0x2000); /* linked at its final place: B = 0 */
    assert_int_equal(get_u64(&fi, DATA_VADDR + 0x10), 0x4242);
    assert_int_equal(stats.relative, 1);
    assert_int_equal(stats.relr, 1);
    image_free(&fi);
}

/* --- DT_RELR --------------------------------------------------------------------------------- */

static void test_reloc_applies_relr_address_then_bitmap_entries(void **state)
{
    /* address A, then a bitmap for A+8.. with bits 1 and 63 (words 0 and 62), then a bitmap for
     * the next 63 words with bit 1 (word 0) */
    static const uint64_t relr[] = { DATA_VADDR, 1 | 1ULL << 1 | 1ULL << 63, 1 | 1ULL << 1 };
    static const uint64_t moved[] = { DATA_VADDR, DATA_VADDR + 8, DATA_VADDR + 8 + 62 * 8,
                                      DATA_VADDR + 8 + 63 * 8 };
    struct fake_image fi;
    struct reloc_stats stats;
    unsigned i;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    for (uint64_t v = DATA_VADDR; v < DATA_VADDR + 0x400; v += 8)
        put_u64(&fi, v, v); /* each word holds its own linked address, as ld leaves it */
    dyn_relr(&fi, relr, 3);
    stats = expect_ok(&fi);
    assert_int_equal(stats.relr, 4);
    for (i = 0; i < ARRAY_LEN(moved); i++)
        assert_int_equal(get_u64(&fi, moved[i]), moved[i] + TEST_SLIDE);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 16), DATA_VADDR + 16); /* bit 2 clear */
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8 + 61 * 8), DATA_VADDR + 8 + 61 * 8);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8 + 64 * 8), DATA_VADDR + 8 + 64 * 8);
    image_free(&fi);
}

static void test_reloc_relr_empty_bitmap_only_advances(void **state)
{
    /* a bitmap of just its flag bit relocates nothing but still moves on by 63 words */
    static const uint64_t relr[] = { DATA_VADDR, 1, 1 | 1ULL << 1 };
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_relr(&fi, relr, 3);
    stats = expect_ok(&fi);
    assert_int_equal(stats.relr, 2);
    assert_int_equal(get_u64(&fi, DATA_VADDR), TEST_SLIDE);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8), 0);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8 + 63 * 8), TEST_SLIDE);
    image_free(&fi);
}

static void test_reloc_relr_address_entry_restarts_the_run(void **state)
{
    static const uint64_t relr[] = { DATA_VADDR, 1 | 1ULL << 2, DATA_VADDR + 0x800, 1 | 1ULL << 1 };
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    dyn_relr(&fi, relr, 4);
    stats = expect_ok(&fi);
    assert_int_equal(stats.relr, 4);
    assert_int_equal(get_u64(&fi, DATA_VADDR), TEST_SLIDE);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 16), TEST_SLIDE); /* bit 2: word 1 after A */
    assert_int_equal(get_u64(&fi, DATA_VADDR + 0x800), TEST_SLIDE);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 0x808), TEST_SLIDE); /* from the new address */
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8 + 63 * 8), 0);     /* not from the old run */
    image_free(&fi);
}

static void test_reloc_relr_word_may_be_unaligned(void **state)
{
    static const uint64_t relr[] = { DATA_VADDR + 2 };
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    put_u64(&fi, DATA_VADDR + 2, 0x10);
    dyn_relr(&fi, relr, 1);
    expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 2), TEST_SLIDE + 0x10);
    image_free(&fi);
}

/* --- symbol relocations ---------------------------------------------------------------------- */

static const char strings[] = "\0kmain\0weak_hook\0abs_const";
#define NAME_KMAIN 1
#define NAME_WEAK 7
#define NAME_ABS 17

/* Symbols: 1 kmain (defined at 0x1200), 2 weak undefined, 3 absolute 0x5000. */
static void add_symbols(struct fake_image *fi)
{
    sym_put(fi, 1, NAME_KMAIN, ST_INFO(STB_GLOBAL, STT_FUNC), TEXT_SHNDX, 0x1200);
    sym_put(fi, 2, NAME_WEAK, ST_INFO(ELF_STB_WEAK, STT_FUNC), ELF_SHN_UNDEF, 0);
    sym_put(fi, 3, NAME_ABS, ST_INFO(STB_GLOBAL, 0), ELF_SHN_ABS, 0x5000);
    dyn_symtab(fi, strings, sizeof strings);
}

static void test_reloc_applies_64_as_symbol_plus_addend(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    add_symbols(&fi);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(1, ELF_R_X86_64_64), 0x10);
    rela_put(&fi, RELA_VADDR, 1, DATA_VADDR + 8, R_INFO(1, ELF_R_X86_64_64), -8);
    dyn_rela(&fi, 2);
    stats = expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0x1200 + TEST_SLIDE + 0x10);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8), 0x1200 + TEST_SLIDE - 8);
    assert_int_equal(stats.abs64, 2);
    image_free(&fi);
}

static void test_reloc_applies_glob_dat_and_jump_slot_as_symbol_value(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    add_symbols(&fi);
    /* S only: the psABI's GLOB_DAT and JUMP_SLOT take no addend */
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(1, ELF_R_X86_64_GLOB_DAT), 0x99);
    rela_put(&fi, PLT_VADDR, 0, DATA_VADDR + 8, R_INFO(1, ELF_R_X86_64_JUMP_SLOT), 0x99);
    dyn_rela(&fi, 1);
    dyn_add(&fi, ELF_DT_JMPREL, PLT_VADDR);
    dyn_add(&fi, ELF_DT_PLTRELSZ, sizeof(elf64_rela_t));
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_RELA);
    stats = expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0x1200 + TEST_SLIDE);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8), 0x1200 + TEST_SLIDE);
    assert_int_equal(stats.glob_dat, 1);
    assert_int_equal(stats.jump_slot, 1);
    assert_int_equal(stats_total(&stats), 2);
    image_free(&fi);
}

static void test_reloc_resolves_weak_undefined_symbol_to_zero(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    add_symbols(&fi);
    put_u64(&fi, DATA_VADDR, GARBAGE);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(2, ELF_R_X86_64_GLOB_DAT), 0);
    rela_put(&fi, RELA_VADDR, 1, DATA_VADDR + 8, R_INFO(2, ELF_R_X86_64_64), 0x30);
    dyn_rela(&fi, 2);
    expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0); /* not slid: the hook is absent */
    assert_int_equal(get_u64(&fi, DATA_VADDR + 8), 0x30);
    image_free(&fi);
}

static void test_reloc_does_not_slide_absolute_symbols(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    add_symbols(&fi);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(3, ELF_R_X86_64_64), 1);
    dyn_rela(&fi, 1);
    expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0x5001);
    image_free(&fi);
}

static void test_reloc_symbol_index_zero_means_value_zero(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    /* no symbol table needed: index 0 (STN_UNDEF) is S = 0 */
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_64), 0x1234);
    dyn_rela(&fi, 1);
    expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR), 0x1234);
    image_free(&fi);
}

/* --- everything together --------------------------------------------------------------------- */

static void test_reloc_ignores_none_relocations_wherever_they_point(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    rela_put(&fi, RELA_VADDR, 0, GAP_VADDR, R_INFO(99, ELF_R_X86_64_NONE), 0);
    dyn_rela(&fi, 1);
    stats = expect_ok(&fi);
    assert_int_equal(stats_total(&stats), 0);
    image_free(&fi);
}

static void test_reloc_counts_each_kind_and_applies_rela_plt_then_relr(void **state)
{
    static const uint64_t relr[] = { DATA_VADDR + 0x40, 1 | 1ULL << 1 | 1ULL << 2 };
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    add_symbols(&fi);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 8);
    rela_put(&fi, RELA_VADDR, 1, DATA_VADDR + 8, R_INFO(1, ELF_R_X86_64_64), 0);
    rela_put(&fi, RELA_VADDR, 2, DATA_VADDR + 16, R_INFO(1, ELF_R_X86_64_GLOB_DAT), 0);
    rela_put(&fi, RELA_VADDR, 3, DATA_VADDR + 0x40, R_INFO(0, ELF_R_X86_64_RELATIVE), 4);
    rela_put(&fi, PLT_VADDR, 0, DATA_VADDR + 24, R_INFO(1, ELF_R_X86_64_JUMP_SLOT), 0);
    rela_put(&fi, PLT_VADDR, 1, DATA_VADDR + 32, R_INFO(1, ELF_R_X86_64_JUMP_SLOT), 0);
    dyn_add(&fi, 1 /* DT_NEEDED: ignored */, 0);
    dyn_rela(&fi, 4);
    dyn_add(&fi, ELF_DT_PLTREL, ELF_DT_RELA);
    dyn_add(&fi, ELF_DT_JMPREL, PLT_VADDR);
    dyn_add(&fi, ELF_DT_PLTRELSZ, 2 * sizeof(elf64_rela_t));
    dyn_relr(&fi, relr, 2);
    stats = expect_ok(&fi);
    assert_int_equal(stats.relative, 2);
    assert_int_equal(stats.abs64, 1);
    assert_int_equal(stats.glob_dat, 1);
    assert_int_equal(stats.jump_slot, 2);
    assert_int_equal(stats.relr, 3);
    /* RELATIVE wrote slide + 4 at +0x40, then RELR added the slide again: RELA comes first */
    assert_int_equal(get_u64(&fi, DATA_VADDR + 0x40), 2 * TEST_SLIDE + 4);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 0x48), TEST_SLIDE);
    image_free(&fi);
}

static void test_reloc_accepts_dynamic_array_with_nothing_to_do(void **state)
{
    struct fake_image fi;
    struct reloc_stats stats;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    fi.dynamic_size = sizeof(elf64_dyn_t); /* just DT_NULL */
    stats = expect_ok(&fi);
    assert_int_equal(stats_total(&stats), 0);
    /* unknown tags (DT_HASH, DT_GNU_HASH, DT_FLAGS_1, a negative one) and zero sizes are fine */
    dyn_add(&fi, 4, SYMTAB_VADDR);
    dyn_add(&fi, 0x6ffffef5, 0x123);
    dyn_add(&fi, 0x6ffffffb, 0x8000001);
    dyn_add(&fi, -5, 0);
    dyn_add(&fi, ELF_DT_RELASZ, 0);
    dyn_add(&fi, ELF_DT_RELRSZ, 0);
    stats = expect_ok(&fi);
    assert_int_equal(stats_total(&stats), 0);
    image_free(&fi);
}

static void test_reloc_reads_tables_and_words_at_any_alignment(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    rela_put(&fi, RELA_VADDR + 3, 0, DATA_VADDR + 5, R_INFO(0, ELF_R_X86_64_RELATIVE), 0x77);
    dyn_add(&fi, ELF_DT_RELA, RELA_VADDR + 3);
    dyn_add(&fi, ELF_DT_RELASZ, sizeof(elf64_rela_t));
    dyn_add(&fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
    expect_ok(&fi);
    assert_int_equal(get_u64(&fi, DATA_VADDR + 5), TEST_SLIDE + 0x77);
    image_free(&fi);
}

static void test_reloc_works_without_stats_or_diag(void **state)
{
    struct fake_image fi;
    (void)state;
    image_init(&fi, TEST_SLIDE);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, ELF_R_X86_64_RELATIVE), 1);
    dyn_rela(&fi, 1);
    assert_int_equal(reloc_apply(&fi.img, DYN_VADDR, fi.dynamic_size, NULL, NULL), RELOC_OK);
    assert_int_equal(get_u64(&fi, DATA_VADDR), TEST_SLIDE + 1);
    rela_put(&fi, RELA_VADDR, 0, DATA_VADDR, R_INFO(0, 2 /* PC32 */), 1);
    assert_int_equal(reloc_apply(&fi.img, DYN_VADDR, fi.dynamic_size, NULL, NULL),
                     RELOC_ERR_UNSUPPORTED_TYPE);
    image_free(&fi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_applies_relative_as_slide_plus_addend),
        cmocka_unit_test(test_reloc_with_slide_zero_writes_addends_and_leaves_relr_words),
        cmocka_unit_test(test_reloc_applies_relr_address_then_bitmap_entries),
        cmocka_unit_test(test_reloc_relr_empty_bitmap_only_advances),
        cmocka_unit_test(test_reloc_relr_address_entry_restarts_the_run),
        cmocka_unit_test(test_reloc_relr_word_may_be_unaligned),
        cmocka_unit_test(test_reloc_applies_64_as_symbol_plus_addend),
        cmocka_unit_test(test_reloc_applies_glob_dat_and_jump_slot_as_symbol_value),
        cmocka_unit_test(test_reloc_resolves_weak_undefined_symbol_to_zero),
        cmocka_unit_test(test_reloc_does_not_slide_absolute_symbols),
        cmocka_unit_test(test_reloc_symbol_index_zero_means_value_zero),
        cmocka_unit_test(test_reloc_ignores_none_relocations_wherever_they_point),
        cmocka_unit_test(test_reloc_counts_each_kind_and_applies_rela_plt_then_relr),
        cmocka_unit_test(test_reloc_accepts_dynamic_array_with_nothing_to_do),
        cmocka_unit_test(test_reloc_reads_tables_and_words_at_any_alignment),
        cmocka_unit_test(test_reloc_works_without_stats_or_diag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
