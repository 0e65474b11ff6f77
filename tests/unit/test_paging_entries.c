/* Host tests of page-table entry layout, root cloning and translation (arch/x86_64/paging.c). */
#include "core/bytes.h"
#include "paging_arena.h"

/* --- entry layout ------------------------------------------------------------------------------- */

static void test_pte_new_map_page_sets_present_rw_xd_and_address(void **state)
{
    (void)state;
    assert_int_equal(pte_new_map_page(phys(0x123456000), PAGE_READ_WRITE, true).raw, 0x8000000123456003ULL);
    assert_int_equal(pte_new_map_page(phys(0x123456000), PAGE_READ_WRITE, false).raw, 0x123456003ULL);
    assert_int_equal(pte_new_map_page(phys(0x123456000), PAGE_EXECUTABLE, true).raw, 0x123456001ULL);
    assert_int_equal(pte_new_map_page(phys(0x123456000), PAGE_READ_ONLY, true).raw, 0x8000000123456001ULL);
    assert_int_equal(pte_new_map_page(phys(0x123456000), PAGE_READ_WRITE, true).bits.phys, 0x123456);
}

static void test_pte_bit7_is_pat_not_page_size(void **state)
{
    pte_t pte = { .raw = 0 };

    (void)state;
    pte.bits.pat = 1;
    assert_int_equal(pte.raw, PTE_PAT_4K);
    assert_int_equal(PTE_PAT_4K, 1ULL << 7);
    for (size_t i = 0; i < ARRAY_LEN(all_attrs); i++)
        assert_int_equal(pte_new_map_page(phys(0x5000), all_attrs[i], true).raw & (1ULL << 7), 0);
}

static void test_large_entries_have_ps_at_bit7_and_pat_at_bit12(void **state)
{
    pde_t pde = { .raw = 0 };
    pdpte_t pdpte = { .raw = 0 };

    (void)state;
    pde.page.pat = 1;
    pdpte.page.pat = 1;
    assert_int_equal(pde.raw, PTE_PAT_LARGE);
    assert_int_equal(pdpte.raw, 1ULL << 12);
    pde.raw = 0;
    pde.page.ps = 1;
    assert_int_equal(pde.raw, PTE_PS);
    pde.raw = 0;
    pde.page.xd = 1;
    assert_int_equal(pde.raw, PTE_XD);
}

static void test_pde_new_map_page_sets_ps_and_leaves_bit12_for_pat(void **state)
{
    (void)state;
    assert_int_equal(pde_new_map_page(phys(0x40200000), PAGE_EXECUTABLE, true).raw, 0x40200081ULL);
    assert_int_equal(pde_new_map_page(phys(0x40200000), PAGE_READ_WRITE, true).raw, 0x8000000040200083ULL);
    /* Address bits below 2 MiB are not address bits: bit 12 would be PAT. */
    assert_int_equal(pde_new_map_page(phys(0x40201000), PAGE_EXECUTABLE, true).raw, 0x40200081ULL);
    assert_int_equal(pde_new_map_page(phys(0x40200000), PAGE_EXECUTABLE, true).page.phys, 0x40200000 >> 21);
}

static void test_pdpte_new_map_page_maps_1g_with_ps(void **state)
{
    (void)state;
    assert_int_equal(pdpte_new_map_page(phys(0x80000000), PAGE_READ_ONLY, true).raw, 0x8000000080000081ULL);
    assert_int_equal(pdpte_new_map_page(phys(0xC0001000), PAGE_WRITE_EXECUTE, true).raw, 0xC0000083ULL);
    assert_int_equal(pdpte_new_map_page(phys(0x80000000), PAGE_READ_ONLY, true).page.phys, 2);
}

static void test_table_constructors_are_present_rw_without_us_xd_or_g(void **state)
{
    (void)state;
    assert_int_equal(pml4e_new_map_table(phys(0x1234000)).raw, 0x1234003ULL);
    assert_int_equal(pdpte_new_map_table(phys(0x1234000)).raw, 0x1234003ULL);
    assert_int_equal(pde_new_map_table(phys(0x1234000)).raw, 0x1234003ULL);
    assert_int_equal(pml4e_new_map_table(phys(0x1234000)).bits.reserved_ps, 0);
    assert_int_equal(pde_new_map_table(phys(0x1234000)).table.ps, 0);
}

static void test_constructors_clear_address_bits_above_51(void **state)
{
    (void)state;
    assert_int_equal(pte_new_map_page(phys(0xFFF0000123456000ULL), PAGE_WRITE_EXECUTE, false).raw,
                     0x123456003ULL);
    assert_int_equal(pml4e_new_map_table(phys(0x8010000000001000ULL)).raw, 0x1003ULL);
    assert_int_equal(pde_new_map_page(phys(0xFFF0000000200000ULL), PAGE_EXECUTABLE, false).raw, 0x200081ULL);
    assert_int_equal(pdpte_new_map_page(phys(0xFFF0000040000000ULL), PAGE_EXECUTABLE, false).raw,
                     0x40000081ULL);
}

static void test_attr_bits_map_each_attr_to_rw_and_xd(void **state)
{
    (void)state;
    assert_int_equal(pg_attr_bits(PAGE_READ_ONLY, true), PTE_P | PTE_XD);
    assert_int_equal(pg_attr_bits(PAGE_READ_WRITE, true), PTE_P | PTE_RW | PTE_XD);
    assert_int_equal(pg_attr_bits(PAGE_EXECUTABLE, true), PTE_P);
    assert_int_equal(pg_attr_bits(PAGE_WRITE_EXECUTE, true), PTE_P | PTE_RW);
    assert_int_equal(pg_attr_bits(PAGE_READ_ONLY, false), PTE_P);
    assert_int_equal(pg_attr_bits(PAGE_READ_WRITE, false), PTE_P | PTE_RW);
    assert_int_equal(pg_attr_bits(PAGE_EXECUTABLE, false), PTE_P);
    assert_int_equal(pg_attr_bits(PAGE_WRITE_EXECUTE, false), PTE_P | PTE_RW);
}

static void test_error_names_are_short_and_distinct(void **state)
{
    (void)state;
    assert_string_equal(pg_error_name(PG_OK), "ok");
    assert_string_equal(pg_error_name(PG_NO_MEMORY), "no-memory");
    assert_string_equal(pg_error_name(PG_NOT_PRESENT), "not-present");
    assert_string_equal(pg_error_name(PG_NOT_CANONICAL), "not-canonical");
    assert_string_equal(pg_error_name(PG_UNALIGNED), "unaligned");
    assert_string_equal(pg_error_name(PG_ALREADY_MAPPED), "already-mapped");
}

static void test_is_canonical_accepts_only_sign_extended_48_bit_addresses(void **state)
{
    (void)state;
    assert_true(is_canonical(0));
    assert_true(is_canonical(0x00007FFFFFFFFFFFULL));
    assert_true(is_canonical(0xFFFF800000000000ULL));
    assert_true(is_canonical(0xFFFFFFFFFFFFFFFFULL));
    assert_false(is_canonical(NON_CANONICAL));
    assert_false(is_canonical(0xFFFF7FFFFFFFFFFFULL));
    assert_false(is_canonical(0x0001000000000000ULL));
}

/* --- clone and translate ------------------------------------------------------------------------ */

static void test_clone_root_copies_all_512_entries_without_writing_firmware(void **state)
{
    struct world *w = *state;
    struct address_space other = w->as;
    const uint64_t *fw_pml4 = fw_table(w, FW_PML4);

    assert_int_equal(w->allocated, 1);
    assert_true(world_owns(w, w->as.root));
    assert_memory_equal(root(w), fw_pml4, PAGE_SIZE_4K);
    /* Low CR3 bits (PWT, PCD, PCID) are not part of the address. */
    assert_int_equal(pg_clone_root(&other, phys(FW_PAGE(FW_PML4) | 0x18)), PG_OK);
    assert_int_not_equal(other.root.addr, w->as.root.addr);
    assert_memory_equal(table_at(w, other.root.addr), fw_pml4, PAGE_SIZE_4K);
    world_fail_allocation(w, 1);
    assert_int_equal(pg_clone_root(&other, phys(FW_PAGE(FW_PML4))), PG_NO_MEMORY);
    assert_int_equal(other.root.addr, ARENA_BASE + PAGE_SIZE_4K);
}

static void test_translate_reads_firmware_2m_4k_and_1g_pages(void **state)
{
    struct world *w = *state;

    assert_maps(w, PD_VA(2) + 0x1234, PD_VA(2) + 0x1234, PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
    assert_maps(w, PD_VA(FW_PD_RX) + 0x10, PD_VA(FW_PD_RX) + 0x10, PAGE_SIZE_2M, PAGE_EXECUTABLE);
    assert_maps(w, PD_VA(FW_PD_XD), PD_VA(FW_PD_XD), PAGE_SIZE_2M, PAGE_READ_WRITE);
    assert_maps(w, PD_VA(FW_PD_TABLE) + 0x1234, PD_VA(FW_PD_TABLE) + 0x1234, PAGE_SIZE_4K, PAGE_EXECUTABLE);
    assert_maps(w, 0x40123456, 0x40123456, PAGE_SIZE_1G, PAGE_WRITE_EXECUTE);
    assert_int_equal(xlate(w, 0x40123456).leaf, 1 * GIB | FW_1G_BITS);
    assert_int_equal(xlate_err(w, PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT)), PG_NOT_PRESENT);
    assert_int_equal(xlate_err(w, 2 * GIB), PG_NOT_PRESENT);
    assert_int_equal(xlate_err(w, VA_FREE), PG_NOT_PRESENT);
    assert_int_equal(xlate_err(w, NON_CANONICAL), PG_NOT_CANONICAL);
}

static void test_translate_never_allocates_or_writes(void **state)
{
    struct world *w = *state;
    uint8_t root_copy[PAGE_SIZE_4K];
    unsigned allocated = w->allocated;

    memcpy(root_copy, root(w), sizeof root_copy);
    world_fail_allocation(w, 1);
    take_samples(w, &before, 0);
    assert_int_equal(w->allocated, allocated);
    assert_memory_equal(root(w), root_copy, sizeof root_copy);
    assert_int_equal(w->invlpg_count, 0);
    assert_int_equal(w->flush_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pte_new_map_page_sets_present_rw_xd_and_address),
        cmocka_unit_test(test_pte_bit7_is_pat_not_page_size),
        cmocka_unit_test(test_large_entries_have_ps_at_bit7_and_pat_at_bit12),
        cmocka_unit_test(test_pde_new_map_page_sets_ps_and_leaves_bit12_for_pat),
        cmocka_unit_test(test_pdpte_new_map_page_maps_1g_with_ps),
        cmocka_unit_test(test_table_constructors_are_present_rw_without_us_xd_or_g),
        cmocka_unit_test(test_constructors_clear_address_bits_above_51),
        cmocka_unit_test(test_attr_bits_map_each_attr_to_rw_and_xd),
        cmocka_unit_test(test_error_names_are_short_and_distinct),
        cmocka_unit_test(test_is_canonical_accepts_only_sign_extended_48_bit_addresses),
        WORLD_TEST(test_clone_root_copies_all_512_entries_without_writing_firmware),
        WORLD_TEST(test_translate_reads_firmware_2m_4k_and_1g_pages),
        WORLD_TEST(test_translate_never_allocates_or_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
