/* Host tests of large-page splits, copy-on-write, XD/nx, protect, unmap (arch/x86_64/paging.c). */
#include "paging_arena.h"

/* --- splitting large pages and copy-on-write ---------------------------------------------------- */

/* Maps one 4 KiB page inside the firmware 2 MiB page at base: the page is split, the other 511
 * pages translate as before (4 KiB now), the firmware PD is never written. The split changed a
 * present PDE's page size: one flush_all, issued after the new leaf was written. */
static void check_map_inside_firmware_2m_page(struct world *w, uint64_t base)
{
    uint64_t va = base + PAGE_4K(1);
    struct translation old = xlate(w, base);

    world_reset_invalidations(w);
    w->watch_va = va;
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_ONLY), PG_OK);
    assert_maps(w, va, 0x9000000, PAGE_SIZE_4K, PAGE_READ_ONLY);
    for (uint64_t i = 0; i < PT_ENTRIES; i++) {
        if (i == 1)
            continue;
        assert_maps(w, base + PAGE_4K(i) + 0x42, base + PAGE_4K(i) + 0x42, PAGE_SIZE_4K, old.attr);
        assert_int_equal(xlate(w, base + PAGE_4K(i)).leaf, (old.leaf & ~PTE_PS) + PAGE_4K(i));
    }
    assert_int_equal(w->invlpg_count, 1); /* the old 2 MiB translation of va */
    assert_int_equal(w->invlpg_addr[0], va);
    assert_int_equal(w->flush_count, 1);  /* copies (first call only) and split: one walk */
    assert_int_equal(w->at_flush_err, PG_OK);
    assert_int_equal(w->at_flush.phys.addr, 0x9000000);
    assert_memory_equal(w->fw, w->fw_snapshot, FW_PAGES * PAGE_SIZE_4K);
}

static void test_map4k_inside_firmware_2m_page_splits_it_and_keeps_other_511_pages(void **state)
{
    struct world *w = *state;

    check_map_inside_firmware_2m_page(w, PD_VA(2));
    assert_int_equal(w->allocated, 1 + 3); /* PDPT copy, PD copy, PT from the split */
    check_map_inside_firmware_2m_page(w, PD_VA(FW_PD_RX));
    check_map_inside_firmware_2m_page(w, PD_VA(FW_PD_XD));
    assert_int_equal(w->allocated, 1 + 5);
    assert_int_equal(xlate(w, PD_VA(FW_PD_XD)).leaf & PTE_XD, PTE_XD);
    assert_maps(w, PD_VA(4), PD_VA(4), PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
}

static void test_split_turns_parent_into_permissive_table_entry(void **state)
{
    struct world *w = *state;
    uint64_t *pdpt, *pd;

    assert_int_equal(map4k_to(&w->as, virt(PD_VA(FW_PD_XD) + PAGE_4K(3)), phys(0x9000000), PAGE_READ_ONLY),
                     PG_OK);
    pdpt = table_at(w, root(w)[0]);
    pd = table_at(w, pdpt[0]);
    assert_int_equal(root(w)[0] & ~PTE_ADDR_MASK, FW_TABLE_BITS); /* copy keeps the other bits */
    assert_int_equal(pdpt[0] & ~PTE_ADDR_MASK, FW_TABLE_BITS);
    assert_int_equal(pd[FW_PD_XD] & ~PTE_ADDR_MASK, PTE_P | PTE_RW | PTE_A); /* no PS, no XD */
    assert_true(world_owns(w, phys(pd[FW_PD_XD] & PTE_ADDR_MASK)));
}

static void test_split_of_2m_page_moves_pat_from_bit12_to_bit7(void **state)
{
    struct world *w = *state;
    uint64_t base = PD_VA(FW_PD_PAT);
    pte_t pte;

    assert_int_equal(map4k_to(&w->as, virt(base + PAGE_4K(1)), phys(0x9000000), PAGE_READ_ONLY), PG_OK);
    pte.raw = xlate(w, base + PAGE_4K(3)).leaf;
    assert_int_equal(pte.raw, (base + PAGE_4K(3)) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PWT | PTE_G | PTE_PAT_4K);
    assert_int_equal(pte.bits.pat, 1);
    assert_int_equal(pte.bits.phys, (base + PAGE_4K(3)) >> PT_SHIFT); /* bit 12 is address here */
    assert_maps(w, base + PAGE_4K(2), base + PAGE_4K(2), PAGE_SIZE_4K, PAGE_WRITE_EXECUTE);
}

static void test_map_inside_firmware_1g_page_splits_it_into_2m_pages_keeping_pat(void **state)
{
    struct world *w = *state;
    static const unsigned sample[] = { 0, 2, 100, 511 };

    assert_int_equal(map2m_to(&w->as, virt(1 * GIB + PD_VA(1)), phys(8 * GIB), PAGE_READ_ONLY), PG_OK);
    assert_int_equal(w->allocated, 1 + 2); /* PDPT copy, PD from the split */
    assert_int_equal(w->invlpg_count, 1);  /* va's old 1 GiB translation */
    assert_int_equal(w->flush_count, 1);   /* PDPT copy and 1 GiB split, one walk */
    assert_maps(w, 1 * GIB + PD_VA(1) + 0x777, 8 * GIB + 0x777, PAGE_SIZE_2M, PAGE_READ_ONLY);
    for (size_t i = 0; i < ARRAY_LEN(sample); i++) {
        uint64_t va = 1 * GIB + PD_VA(sample[i]);

        assert_maps(w, va + 0x1234, va + 0x1234, PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
        assert_int_equal(xlate(w, va).leaf, va | FW_1G_BITS);
    }
    /* Splitting one of those 2 MiB pages again moves PAT to bit 7, and flushes again. */
    world_reset_invalidations(w);
    assert_int_equal(map4k_to(&w->as, virt(1 * GIB + PD_VA(2) + PAGE_4K(1)), phys(0x9000000), PAGE_READ_ONLY),
                     PG_OK);
    assert_int_equal(xlate(w, 1 * GIB + PD_VA(2) + PAGE_4K(3)).leaf,
                     (1 * GIB + PD_VA(2) + PAGE_4K(3)) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD | PTE_PAT_4K);
    assert_int_equal(w->invlpg_count, 1);
    assert_int_equal(w->flush_count, 1);
}

static void test_map4k_into_free_slot_of_firmware_pt_copies_it_first(void **state)
{
    struct world *w = *state;
    uint64_t va = PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT + 7);

    take_samples(w, &before, va);
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(w->allocated, 1 + 3); /* PDPT, PD and PT copies */
    assert_int_equal(w->invlpg_count, 0);  /* the leaf was not present */
    assert_int_equal(w->flush_count, 1);   /* three entries repointed in one walk */
    assert_maps(w, va, 0x9000000, PAGE_SIZE_4K, PAGE_READ_WRITE);
    assert_samples_unchanged(w, &before, va, PAGE_SIZE_4K);
    assert_int_equal(fw_table(w, FW_PT)[FW_PT_PRESENT + 7], 0);
}

static void test_cow_leaves_every_firmware_table_byte_identical(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(PD_VA(2) + PAGE_4K(5)), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map4k_to(&w->as, virt(PD_VA(FW_PD_TABLE) + PAGE_4K(300)), phys(0x9000000), PAGE_READ_WRITE),
                     PG_OK);
    assert_int_equal(map2m_to(&w->as, virt(1 * GIB), phys(8 * GIB), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(pg_protect(&w->as, virt(PD_VA(20)), PAGE_SIZE_2M + PAGE_4K(1), PAGE_READ_ONLY), PG_OK);
    assert_int_equal(pg_unmap(&w->as, virt(PD_VA(FW_PD_TABLE))), PG_OK);
    for (int page = 0; page < FW_PAGES; page++)
        assert_memory_equal(fw_table(w, page), w->fw_snapshot + (size_t)page * PAGE_SIZE_4K, PAGE_SIZE_4K);
    assert_true(world_owns(w, phys(root(w)[0] & PTE_ADDR_MASK)));
    assert_int_equal(fw_table(w, FW_PD)[2] & PTE_PS, PTE_PS);
    /* PML4, PDPT, PD of the first GiB and PD split from the second, PTs of PD[2], PD[3] and PD[21] */
    assert_int_equal(scan_tree(w).tables, 7);
}

/* --- XD and nx ---------------------------------------------------------------------------------- */

/* Maps every attr at every level in fresh space and checks the leaf's XD and the decoded attr. */
static void map_every_attr_at_every_level(struct world *w, const enum page_attr *decoded)
{
    for (size_t a = 0; a < ARRAY_LEN(all_attrs); a++) {
        uint64_t xd = (w->as.nx && (all_attrs[a] == PAGE_READ_ONLY || all_attrs[a] == PAGE_READ_WRITE)) ? PTE_XD : 0;
        uint64_t va4k = VA_FREE + PAGE_4K(a), va2m = VA_FREE + PD_VA(1 + a), va1g = VA_FREE + (1 + a) * GIB;

        assert_int_equal(map4k_to(&w->as, virt(va4k), phys(PAGE_4K(a)), all_attrs[a]), PG_OK);
        assert_int_equal(map2m_to(&w->as, virt(va2m), phys(PD_VA(a)), all_attrs[a]), PG_OK);
        assert_int_equal(map1g_to(&w->as, virt(va1g), phys(a * GIB), all_attrs[a]), PG_OK);
        assert_int_equal(xlate(w, va4k).leaf & PTE_XD, xd);
        assert_int_equal(xlate(w, va2m).leaf & PTE_XD, xd);
        assert_int_equal(xlate(w, va1g).leaf & PTE_XD, xd);
        assert_maps(w, va4k, PAGE_4K(a), PAGE_SIZE_4K, decoded[a]);
        assert_maps(w, va2m, PD_VA(a), PAGE_SIZE_2M, decoded[a]);
        assert_maps(w, va1g, a * GIB, PAGE_SIZE_1G, decoded[a]);
    }
}

static void test_xd_follows_attr_with_nx_at_every_level(void **state)
{
    struct world *w = *state;
    uint64_t *pdpt;

    map_every_attr_at_every_level(w, all_attrs);
    assert_int_equal(root(w)[1] & PTE_XD, 0); /* intermediate entries never restrict */
    pdpt = table_at(w, root(w)[1]);
    assert_int_equal(pdpt[0] & PTE_XD, 0);
    assert_int_equal(scan_tree(w).xd, 1 + 2 + 2 + 2); /* firmware PD[9], and RO+RW at each level */
}

static void test_xd_never_set_without_nx_at_every_level(void **state)
{
    static const enum page_attr decoded[] = { PAGE_EXECUTABLE, PAGE_READ_WRITE, PAGE_EXECUTABLE,
                                              PAGE_READ_WRITE };
    struct world *w = *state;

    map_every_attr_at_every_level(w, decoded);
    assert_int_equal(scan_tree(w).xd, 0);
}

static void test_split_and_protect_without_nx_add_no_xd_bits(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(PD_VA(2) + PAGE_4K(1)), phys(0x9000000), PAGE_READ_ONLY), PG_OK);
    assert_int_equal(map4k_to(&w->as, virt(1 * GIB + PAGE_4K(1)), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(pg_protect(&w->as, virt(PD_VA(30) - PAGE_4K(1)), PAGE_SIZE_2M, PAGE_READ_ONLY), PG_OK);
    assert_int_equal(pg_unmap(&w->as, virt(PD_VA(40))), PG_OK);
    assert_int_equal(scan_tree(w).xd, 0);
    assert_maps(w, PD_VA(30), PD_VA(30), PAGE_SIZE_4K, PAGE_EXECUTABLE);
}

/* --- protect ------------------------------------------------------------------------------------ */

static void test_protect_changes_only_the_range_with_invlpg_per_page(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(0x10000000), PAGE_4K(8), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(pg_protect(&w->as, virt(VA_FREE + PAGE_4K(2)), PAGE_4K(3), PAGE_EXECUTABLE), PG_OK);
    for (unsigned i = 0; i < 8; i++) {
        enum page_attr want = (i >= 2 && i < 5) ? PAGE_EXECUTABLE : PAGE_READ_WRITE;

        assert_maps(w, VA_FREE + PAGE_4K(i), 0x10000000 + PAGE_4K(i), PAGE_SIZE_4K, want);
        assert_int_equal(xlate(w, VA_FREE + PAGE_4K(i)).leaf,
                         pte_new_map_page(phys(0x10000000 + PAGE_4K(i)), want, true).raw);
    }
    assert_int_equal(w->invlpg_count, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(w->invlpg_addr[i], VA_FREE + PAGE_4K(2 + i));
    assert_int_equal(w->flush_count, 0); /* ember's own tables: nothing repointed */
}

static void test_protect_splits_large_pages_straddling_range_edges(void **state)
{
    struct world *w = *state;
    uint64_t start = PD_VA(2) - PAGE_4K(2);

    assert_int_equal(pg_protect(&w->as, virt(start), PAGE_4K(4), PAGE_READ_ONLY), PG_OK);
    for (uint64_t i = 0; i < 4; i++)
        assert_maps(w, start + PAGE_4K(i), start + PAGE_4K(i), PAGE_SIZE_4K, PAGE_READ_ONLY);
    assert_maps(w, start - PAGE_4K(1), start - PAGE_4K(1), PAGE_SIZE_4K, PAGE_WRITE_EXECUTE);
    assert_maps(w, PD_VA(1), PD_VA(1), PAGE_SIZE_4K, PAGE_WRITE_EXECUTE);
    assert_maps(w, PD_VA(2) + PAGE_4K(2), PD_VA(2) + PAGE_4K(2), PAGE_SIZE_4K, PAGE_WRITE_EXECUTE);
    assert_maps(w, PD_VA(4), PD_VA(4), PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
    assert_int_equal(w->invlpg_count, 4);
    assert_int_equal(w->flush_count, 2);   /* copies + split of PD[1] in one walk, split of PD[2] */
    assert_int_equal(w->allocated, 1 + 4); /* PDPT and PD copies, two splits */
}

static void test_protect_rewrites_fully_covered_large_page_in_place(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_protect(&w->as, virt(PD_VA(4)), 2 * PAGE_SIZE_2M, PAGE_EXECUTABLE), PG_OK);
    assert_maps(w, PD_VA(4) + 0x4321, PD_VA(4) + 0x4321, PAGE_SIZE_2M, PAGE_EXECUTABLE);
    assert_int_equal(xlate(w, PD_VA(4)).leaf, PD_VA(4) | (FW_2M_BITS & ~PTE_RW));
    assert_maps(w, PD_VA(FW_PD_RX), PD_VA(FW_PD_RX), PAGE_SIZE_2M, PAGE_EXECUTABLE);
    assert_int_equal(w->allocated, 1 + 2); /* PDPT and PD copies, no split */
    assert_int_equal(w->invlpg_count, 1);  /* PD[5] already was read + execute */
    assert_int_equal(w->invlpg_addr[0], PD_VA(4));
    assert_int_equal(w->flush_count, 1);   /* the PDPT and PD copies */
}

static void test_protect_preserves_address_pat_cache_and_accessed_dirty_bits(void **state)
{
    struct world *w = *state;
    uint64_t pat_leaf = xlate(w, PD_VA(FW_PD_PAT)).leaf, va = 1 * GIB + PAGE_4K(3);

    assert_int_equal(pg_protect(&w->as, virt(PD_VA(FW_PD_PAT)), PAGE_SIZE_2M, PAGE_READ_ONLY), PG_OK);
    assert_int_equal(xlate(w, PD_VA(FW_PD_PAT)).leaf, (pat_leaf & ~PTE_RW) | PTE_XD);
    assert_int_equal(pg_protect(&w->as, virt(va), PAGE_SIZE_4K, PAGE_READ_WRITE), PG_OK);
    assert_int_equal(xlate(w, va).leaf, va | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD | PTE_PAT_4K | PTE_XD);
    assert_int_equal(xlate(w, va + PAGE_SIZE_4K).leaf,
                     (va + PAGE_SIZE_4K) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD | PTE_PAT_4K);
}

static void test_protect_reports_hole_as_not_present(void **state)
{
    struct world *w = *state;
    uint64_t last = PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT - 1);

    assert_int_equal(pg_protect(&w->as, virt(VA_FREE), PAGE_SIZE_4K, PAGE_READ_ONLY), PG_NOT_PRESENT);
    assert_int_equal(w->allocated, 1);
    assert_int_equal(pg_protect(&w->as, virt(last), PAGE_4K(2), PAGE_READ_ONLY), PG_NOT_PRESENT);
    assert_maps(w, last, last, PAGE_SIZE_4K, PAGE_READ_ONLY); /* pages before the hole are done */
}

static void test_protect_with_unchanged_attr_copies_and_invalidates_nothing(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_protect(&w->as, virt(PD_VA(2) - PAGE_4K(1)), PAGE_4K(2), PAGE_WRITE_EXECUTE), PG_OK);
    assert_int_equal(pg_protect(&w->as, virt(PD_VA(FW_PD_RX)), PAGE_SIZE_2M, PAGE_EXECUTABLE), PG_OK);
    assert_int_equal(w->allocated, 1);
    assert_int_equal(w->invlpg_count, 0);
    assert_int_equal(w->flush_count, 0);
    assert_maps(w, PD_VA(2), PD_VA(2), PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
}

static void test_protect_rejects_unaligned_range(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_protect(&w->as, virt(PD_VA(2) + 1), PAGE_SIZE_4K, PAGE_READ_ONLY), PG_UNALIGNED);
    assert_int_equal(pg_protect(&w->as, virt(PD_VA(2)), 0x800, PAGE_READ_ONLY), PG_UNALIGNED);
    assert_int_equal(pg_protect(&w->as, virt(0xFFFFFFFFFFFFF000ULL), PAGE_4K(2), PAGE_READ_ONLY), PG_UNALIGNED);
    assert_int_equal(w->allocated, 1);
}

/* --- unmap -------------------------------------------------------------------------------------- */

static void test_unmap_then_translate_is_not_present(void **state)
{
    struct world *w = *state;
    uint64_t va = VA_FREE + PAGE_4K(7);

    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(pg_unmap(&w->as, virt(va)), PG_OK);
    assert_int_equal(xlate_err(w, va), PG_NOT_PRESENT);
    assert_int_equal(w->invlpg_count, 1);
    assert_int_equal(w->invlpg_addr[0], va);
    assert_int_equal(w->flush_count, 0); /* fresh tables: nothing was repointed */
    assert_int_equal(pg_unmap(&w->as, virt(va)), PG_NOT_PRESENT);
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0xA000000), PAGE_READ_WRITE), PG_OK);
}

static void test_unmap_inside_large_page_splits_it_and_keeps_neighbours(void **state)
{
    struct world *w = *state;
    uint64_t va = 1 * GIB + PAGE_4K(3);

    take_samples(w, &before, va);
    assert_int_equal(pg_unmap(&w->as, virt(va)), PG_OK);
    assert_int_equal(xlate_err(w, va), PG_NOT_PRESENT);
    assert_samples_unchanged(w, &before, va, PAGE_SIZE_4K);
    assert_maps(w, va + PAGE_SIZE_4K, va + PAGE_SIZE_4K, PAGE_SIZE_4K, PAGE_WRITE_EXECUTE);
    assert_maps(w, 2 * GIB - 1, 2 * GIB - 1, PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
    assert_int_equal(w->allocated, 1 + 3); /* PDPT copy, 1 GiB and 2 MiB splits */
    assert_int_equal(w->invlpg_count, 1);
    assert_int_equal(w->flush_count, 1);   /* three repoints, one walk */
}

static void test_unmap_of_unmapped_address_is_not_present(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_unmap(&w->as, virt(VA_FREE)), PG_NOT_PRESENT);
    assert_int_equal(pg_unmap(&w->as, virt(PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT))), PG_NOT_PRESENT);
    assert_int_equal(w->allocated, 1);
    assert_int_equal(w->invlpg_count, 0);
    assert_int_equal(w->flush_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_map4k_inside_firmware_2m_page_splits_it_and_keeps_other_511_pages),
        WORLD_TEST(test_split_turns_parent_into_permissive_table_entry),
        WORLD_TEST(test_split_of_2m_page_moves_pat_from_bit12_to_bit7),
        WORLD_TEST(test_map_inside_firmware_1g_page_splits_it_into_2m_pages_keeping_pat),
        WORLD_TEST(test_map4k_into_free_slot_of_firmware_pt_copies_it_first),
        WORLD_TEST(test_cow_leaves_every_firmware_table_byte_identical),
        WORLD_TEST(test_xd_follows_attr_with_nx_at_every_level),
        NO_NX_TEST(test_xd_never_set_without_nx_at_every_level),
        NO_NX_TEST(test_split_and_protect_without_nx_add_no_xd_bits),
        WORLD_TEST(test_protect_changes_only_the_range_with_invlpg_per_page),
        WORLD_TEST(test_protect_splits_large_pages_straddling_range_edges),
        WORLD_TEST(test_protect_rewrites_fully_covered_large_page_in_place),
        WORLD_TEST(test_protect_preserves_address_pat_cache_and_accessed_dirty_bits),
        WORLD_TEST(test_protect_reports_hole_as_not_present),
        WORLD_TEST(test_protect_with_unchanged_attr_copies_and_invalidates_nothing),
        WORLD_TEST(test_protect_rejects_unaligned_range),
        WORLD_TEST(test_unmap_then_translate_is_not_present),
        WORLD_TEST(test_unmap_inside_large_page_splits_it_and_keeps_neighbours),
        WORLD_TEST(test_unmap_of_unmapped_address_is_not_present),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
