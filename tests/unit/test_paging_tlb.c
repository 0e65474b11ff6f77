/* Host tests of the TLB rules (SDM Vol. 3A 4.10.4): which changes invlpg, which flush_all, which neither. */
#include "paging_arena.h"

#define PT_FREE_VA(i) (PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT + (i))) /* absent in the firmware PT */

static void test_copy_on_write_of_firmware_table_flushes_once_after_the_new_entry(void **state)
{
    struct world *w = *state;
    uint64_t va = PT_FREE_VA(7);

    w->watch_va = va;
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(w->allocated, 1 + 3); /* PDPT, PD and PT copies */
    assert_int_equal(w->flush_count, 1);   /* PML4[0], PDPT[0] and PD[3] repointed in one walk */
    assert_int_equal(w->invlpg_count, 0);  /* the leaf itself was not present */
    /* The flush came after the last write: the new page was already visible to it. */
    assert_int_equal(w->at_flush_err, PG_OK);
    assert_int_equal(w->at_flush.phys.addr, 0x9000000);
}

static void test_copy_of_one_level_alone_still_flushes(void **state)
{
    struct world *w = *state;

    /* PD[2] lies in the firmware PD: mapping a 2 MiB page over it is refused before any copy... */
    assert_int_equal(map2m_to(&w->as, virt(PD_VA(2)), phys(8 * GIB), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_int_equal(w->flush_count, 0);
    /* ...but a 2 MiB page in the firmware PDPT's free slot 2 copies the PDPT only. */
    assert_int_equal(map2m_to(&w->as, virt(2 * GIB), phys(8 * GIB), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(w->allocated, 1 + 2); /* PDPT copy, new PD */
    assert_int_equal(w->flush_count, 1);
    assert_int_equal(w->invlpg_count, 0);
}

static void test_map_into_already_owned_table_invalidates_nothing(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(PT_FREE_VA(7)), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map4k_to(&w->as, virt(VA_FREE), phys(0xA000000), PAGE_READ_WRITE), PG_OK);
    world_reset_invalidations(w);
    /* The copied firmware PT and ember's fresh PT are owned: only non-present entries are filled. */
    assert_int_equal(map4k_to(&w->as, virt(PT_FREE_VA(8)), phys(0x9001000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map4k_to(&w->as, virt(VA_FREE + PAGE_4K(1)), phys(0xA001000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map2m_to(&w->as, virt(VA_FREE + PAGE_SIZE_2M), phys(8 * GIB), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(w->flush_count, 0);
    assert_int_equal(w->invlpg_count, 0);
    assert_maps(w, PT_FREE_VA(8), 0x9001000, PAGE_SIZE_4K, PAGE_READ_WRITE);
}

static void test_rewrite_of_present_4k_entry_is_one_invlpg_and_no_flush(void **state)
{
    struct world *w = *state;
    uint64_t fw_page = PD_VA(FW_PD_TABLE) + PAGE_4K(10);

    assert_int_equal(map4k_to(&w->as, virt(VA_FREE), phys(0xA000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map4k_to(&w->as, virt(PT_FREE_VA(0)), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    world_reset_invalidations(w);
    assert_int_equal(pg_protect(&w->as, virt(VA_FREE), PAGE_SIZE_4K, PAGE_READ_ONLY), PG_OK);
    assert_int_equal(w->invlpg_count, 1);
    assert_int_equal(w->invlpg_addr[0], VA_FREE);
    /* A firmware 4 KiB page whose PT ember already copied: the same, one invlpg. */
    assert_int_equal(pg_protect(&w->as, virt(fw_page), PAGE_SIZE_4K, PAGE_READ_ONLY), PG_OK);
    assert_int_equal(w->invlpg_count, 2);
    assert_int_equal(w->invlpg_addr[1], fw_page);
    assert_int_equal(pg_unmap(&w->as, virt(VA_FREE)), PG_OK);
    assert_int_equal(w->invlpg_count, 3);
    assert_int_equal(w->invlpg_addr[2], VA_FREE);
    assert_int_equal(w->flush_count, 0);
}

static void test_split_of_1g_and_2m_page_in_one_map_flushes_once(void **state)
{
    struct world *w = *state;
    uint64_t va = 1 * GIB + PD_VA(6) + PAGE_4K(9);

    w->watch_va = va;
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_ONLY), PG_OK);
    assert_int_equal(w->allocated, 1 + 3); /* PDPT copy, 1 GiB split, 2 MiB split */
    assert_int_equal(w->flush_count, 1);
    assert_int_equal(w->invlpg_count, 1);  /* va's 4 KiB entry was present after the split */
    assert_int_equal(w->invlpg_addr[0], va);
    assert_int_equal(w->at_flush.phys.addr, 0x9000000);
    assert_int_equal(w->at_flush.page_size, PAGE_SIZE_4K);
}

/* PD[FW_PD_PAT] carries G: a CR3 reload would keep its TLB entry, so its rewrite gets invlpg
 * even though the copies on the way already cost a flush. */
static void test_rewritten_firmware_leaf_gets_invlpg_even_when_a_flush_follows(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_protect(&w->as, virt(PD_VA(FW_PD_PAT)), PAGE_SIZE_2M, PAGE_READ_ONLY), PG_OK);
    assert_int_equal(xlate(w, PD_VA(FW_PD_PAT)).leaf & PTE_G, PTE_G);
    assert_int_equal(w->invlpg_count, 1);
    assert_int_equal(w->invlpg_addr[0], PD_VA(FW_PD_PAT));
    assert_int_equal(w->flush_count, 1);
}

static void test_map_that_fails_after_a_copy_still_flushes(void **state)
{
    struct world *w = *state;
    uint64_t va = PD_VA(2) + PAGE_4K(1);

    take_samples(w, &before, va);
    world_fail_allocation(w, 1); /* the PDPT copy fails: nothing repointed */
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_ONLY), PG_NO_MEMORY);
    assert_int_equal(w->flush_count, 0);
    world_fail_allocation(w, 3); /* PDPT and PD copies made, the split fails */
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_ONLY), PG_NO_MEMORY);
    assert_int_equal(w->allocated, 1 + 2);
    assert_int_equal(w->flush_count, 1);
    assert_int_equal(w->invlpg_count, 0); /* no leaf was written */
    assert_samples_unchanged(w, &before, NO_EXCEPTION, PAGE_SIZE_4K); /* copies translate alike */
}

static void test_failed_map_and_translate_invalidate_nothing(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(PD_VA(FW_PD_TABLE) + PAGE_4K(1)), phys(0x9000000), PAGE_READ_WRITE),
                     PG_ALREADY_MAPPED);
    assert_int_equal(map4k_to(&w->as, virt(NON_CANONICAL), phys(0x9000000), PAGE_READ_WRITE), PG_NOT_CANONICAL);
    assert_int_equal(pg_unmap(&w->as, virt(VA_FREE)), PG_NOT_PRESENT);
    xlate(w, PD_VA(2));
    assert_int_equal(w->flush_count, 0);
    assert_int_equal(w->invlpg_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_copy_on_write_of_firmware_table_flushes_once_after_the_new_entry),
        WORLD_TEST(test_copy_of_one_level_alone_still_flushes),
        WORLD_TEST(test_map_into_already_owned_table_invalidates_nothing),
        WORLD_TEST(test_rewrite_of_present_4k_entry_is_one_invlpg_and_no_flush),
        WORLD_TEST(test_split_of_1g_and_2m_page_in_one_map_flushes_once),
        WORLD_TEST(test_rewritten_firmware_leaf_gets_invlpg_even_when_a_flush_follows),
        WORLD_TEST(test_map_that_fails_after_a_copy_still_flushes),
        WORLD_TEST(test_failed_map_and_translate_invalidate_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
