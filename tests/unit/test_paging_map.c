/* Host tests of mapping pages and ranges, map errors, allocation failure (arch/x86_64/paging.c). */
#include "paging_arena.h"

/* --- mapping ------------------------------------------------------------------------------------ */

static void test_map4k_round_trips_through_translate(void **state)
{
    struct world *w = *state;
    uint64_t va = VA_FREE + 0x5000;

    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x12345000), PAGE_READ_WRITE), PG_OK);
    assert_maps(w, va + 0x123, 0x12345123, PAGE_SIZE_4K, PAGE_READ_WRITE);
    assert_int_equal(xlate(w, va).leaf, pte_new_map_page(phys(0x12345000), PAGE_READ_WRITE, true).raw);
    assert_int_equal(w->allocated, 1 + 3); /* PDPT, PD, PT */
    assert_int_equal(w->invlpg_count, 0);  /* a new entry needs no invlpg */
    assert_int_equal(w->flush_count, 0);   /* nor a flush: nothing present was repointed */
    assert_int_equal(xlate_err(w, va + PAGE_SIZE_4K), PG_NOT_PRESENT);
}

static void test_map2m_round_trips_through_translate(void **state)
{
    struct world *w = *state;

    assert_int_equal(map2m_to(&w->as, virt(VA_FREE + PAGE_SIZE_2M), phys(0x80000000), PAGE_EXECUTABLE), PG_OK);
    assert_maps(w, VA_FREE + PAGE_SIZE_2M + 0x12345, 0x80012345, PAGE_SIZE_2M, PAGE_EXECUTABLE);
    assert_int_equal(xlate(w, VA_FREE + PAGE_SIZE_2M).leaf, 0x80000081ULL);
    assert_int_equal(w->allocated, 1 + 2); /* PDPT, PD */
    assert_int_equal(w->invlpg_count, 0);
    assert_int_equal(w->flush_count, 0);
}

static void test_map1g_round_trips_through_translate(void **state)
{
    struct world *w = *state;
    uint64_t va = 0x0000010000000000ULL; /* PML4[2] */

    assert_int_equal(map1g_to(&w->as, virt(va), phys(4 * GIB), PAGE_READ_ONLY), PG_OK);
    assert_maps(w, va + 0x12345678, 4 * GIB + 0x12345678, PAGE_SIZE_1G, PAGE_READ_ONLY);
    assert_int_equal(xlate(w, va).leaf, 0x8000000100000081ULL);
    assert_int_equal(w->allocated, 1 + 1); /* PDPT */
}

static void test_map_seed_demo_address_uses_pml4_index_511(void **state)
{
    struct world *w = *state;
    uint64_t *pml4 = root(w), *pdpt, *pd, *pt;

    assert_int_equal(map4k_to(&w->as, virt(VA_DEMO), phys(0x100000), PAGE_READ_WRITE), PG_OK);
    assert_maps(w, VA_DEMO + 0xABC, 0x100ABC, PAGE_SIZE_4K, PAGE_READ_WRITE);
    assert_int_equal(idx(VA_DEMO, PML4_SHIFT), 511);
    assert_int_equal(pml4[511] & ~PTE_ADDR_MASK, PTE_P | PTE_RW);
    pdpt = table_at(w, pml4[511]);
    pd = table_at(w, pdpt[idx(VA_DEMO, PDPT_SHIFT)]);
    pt = table_at(w, pd[idx(VA_DEMO, PD_SHIFT)]);
    assert_int_equal(pt[idx(VA_DEMO, PT_SHIFT)], 0x8000000000100003ULL);
    assert_int_equal(pml4[0], fw_table(w, FW_PML4)[0]);
}

static void test_new_tables_are_zeroed_and_linked_present_rw_only(void **state)
{
    struct world *w = *state;
    uint64_t va = VA_FREE + 0x5000, *t = root(w);

    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x12345000), PAGE_EXECUTABLE), PG_OK);
    for (unsigned shift = PML4_SHIFT; shift >= PT_SHIFT; shift -= PDPT_SHIFT - PD_SHIFT) {
        uint64_t e = t[idx(va, shift)];

        if (shift == PT_SHIFT) {
            assert_int_equal(e, 0x12345001ULL);
            break;
        }
        assert_int_equal(e & ~PTE_ADDR_MASK, PTE_P | PTE_RW);
        assert_true(world_owns(w, phys(e & PTE_ADDR_MASK)));
        t = table_at(w, e);
        for (unsigned i = 0; i < PT_ENTRIES; i++)
            if (i != idx(va, shift - (PDPT_SHIFT - PD_SHIFT)))
                assert_int_equal(t[i], 0);
    }
    scan_tree(w);
}

/* --- mapping errors ----------------------------------------------------------------------------- */

static void test_map4k_over_existing_4k_page_is_already_mapped(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(PD_VA(FW_PD_TABLE) + PAGE_4K(1)), phys(0x9000000), PAGE_READ_WRITE),
                     PG_ALREADY_MAPPED);
    assert_int_equal(w->allocated, 1); /* nothing copied for a failed map */
    assert_int_equal(map4k_to(&w->as, virt(VA_FREE), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map4k_to(&w->as, virt(VA_FREE), phys(0xA000000), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_maps(w, VA_FREE, 0x9000000, PAGE_SIZE_4K, PAGE_READ_WRITE);
}

static void test_map2m_over_existing_2m_page_is_already_mapped(void **state)
{
    struct world *w = *state;

    assert_int_equal(map2m_to(&w->as, virt(PD_VA(2)), phys(8 * GIB), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_int_equal(map2m_to(&w->as, virt(VA_FREE), phys(8 * GIB), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map2m_to(&w->as, virt(VA_FREE), phys(4 * GIB), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_int_equal(w->allocated, 1 + 2);
}

static void test_map2m_over_existing_table_is_already_mapped(void **state)
{
    struct world *w = *state;

    assert_int_equal(map2m_to(&w->as, virt(PD_VA(FW_PD_TABLE)), phys(8 * GIB), PAGE_READ_WRITE),
                     PG_ALREADY_MAPPED);
    assert_int_equal(map4k_to(&w->as, virt(VA_FREE + PAGE_4K(9)), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(map2m_to(&w->as, virt(VA_FREE), phys(8 * GIB), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_maps(w, VA_FREE + PAGE_4K(9), 0x9000000, PAGE_SIZE_4K, PAGE_READ_WRITE);
}

static void test_map1g_over_existing_table_or_1g_page_is_already_mapped(void **state)
{
    struct world *w = *state;

    assert_int_equal(map1g_to(&w->as, virt(0), phys(8 * GIB), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_int_equal(map1g_to(&w->as, virt(1 * GIB), phys(8 * GIB), PAGE_READ_WRITE), PG_ALREADY_MAPPED);
    assert_int_equal(w->allocated, 1);
    assert_maps(w, 1 * GIB, 1 * GIB, PAGE_SIZE_1G, PAGE_WRITE_EXECUTE);
}

static void test_operations_reject_non_canonical_address(void **state)
{
    struct world *w = *state;
    virt_addr_t va = virt(NON_CANONICAL);

    assert_int_equal(map4k_to(&w->as, va, phys(0x9000000), PAGE_READ_WRITE), PG_NOT_CANONICAL);
    assert_int_equal(map2m_to(&w->as, va, phys(8 * GIB), PAGE_READ_WRITE), PG_NOT_CANONICAL);
    assert_int_equal(map1g_to(&w->as, va, phys(8 * GIB), PAGE_READ_WRITE), PG_NOT_CANONICAL);
    assert_int_equal(pg_map_range(&w->as, va, phys(8 * GIB), PAGE_SIZE_2M, PAGE_READ_WRITE), PG_NOT_CANONICAL);
    assert_int_equal(pg_protect(&w->as, va, PAGE_SIZE_4K, PAGE_READ_WRITE), PG_NOT_CANONICAL);
    assert_int_equal(pg_unmap(&w->as, va), PG_NOT_CANONICAL);
    assert_int_equal(xlate_err(w, NON_CANONICAL), PG_NOT_CANONICAL);
    assert_int_equal(w->allocated, 1);
}

static void test_map_rejects_unaligned_virtual_address(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(VA_FREE + 0x800), phys(0x9000000), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(map2m_to(&w->as, virt(VA_FREE + PAGE_4K(1)), phys(8 * GIB), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(map1g_to(&w->as, virt(VA_FREE + PAGE_SIZE_2M), phys(8 * GIB), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(pg_unmap(&w->as, virt(PD_VA(2) + 0x10)), PG_UNALIGNED);
    assert_int_equal(w->allocated, 1);
}

static void test_map_rejects_unaligned_or_too_wide_physical_address(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(VA_FREE), phys(0x9000001), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(map2m_to(&w->as, virt(VA_FREE), phys(8 * GIB + PAGE_4K(1)), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(map1g_to(&w->as, virt(VA_FREE), phys(8 * GIB + PAGE_SIZE_2M), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(map4k_to(&w->as, virt(VA_FREE), phys(1ULL << 52), PAGE_READ_WRITE), PG_UNALIGNED);
    assert_int_equal(w->allocated, 1);
    assert_int_equal(xlate_err(w, VA_FREE), PG_NOT_PRESENT);
}

/* --- map range ---------------------------------------------------------------------------------- */

static void test_map_range_uses_2m_pages_when_aligned(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(2 * GIB), 2 * PAGE_SIZE_2M, PAGE_READ_WRITE), PG_OK);
    assert_int_equal(w->allocated, 1 + 2); /* PDPT and PD, no PT */
    assert_maps(w, VA_FREE, 2 * GIB, PAGE_SIZE_2M, PAGE_READ_WRITE);
    assert_maps(w, VA_FREE + PAGE_SIZE_2M + 0x1234, 2 * GIB + PAGE_SIZE_2M + 0x1234, PAGE_SIZE_2M, PAGE_READ_WRITE);
    assert_int_equal(xlate_err(w, VA_FREE + 2 * PAGE_SIZE_2M), PG_NOT_PRESENT);
}

static void test_map_range_uses_4k_pages_at_unaligned_head_and_tail(void **state)
{
    struct world *w = *state;
    uint64_t va = VA_FREE + PAGE_SIZE_2M - PAGE_4K(2), pa = 2 * GIB + PAGE_SIZE_2M - PAGE_4K(2);

    assert_int_equal(pg_map_range(&w->as, virt(va), phys(pa), PAGE_4K(2) + PAGE_SIZE_2M + PAGE_4K(3),
                                  PAGE_EXECUTABLE), PG_OK);
    assert_maps(w, va, pa, PAGE_SIZE_4K, PAGE_EXECUTABLE);
    assert_maps(w, va + PAGE_4K(1), pa + PAGE_4K(1), PAGE_SIZE_4K, PAGE_EXECUTABLE);
    assert_maps(w, VA_FREE + PAGE_SIZE_2M, 2 * GIB + PAGE_SIZE_2M, PAGE_SIZE_2M, PAGE_EXECUTABLE);
    for (uint64_t i = 0; i < 3; i++)
        assert_maps(w, VA_FREE + 2 * PAGE_SIZE_2M + PAGE_4K(i), 2 * GIB + 2 * PAGE_SIZE_2M + PAGE_4K(i),
                    PAGE_SIZE_4K, PAGE_EXECUTABLE);
    assert_int_equal(xlate_err(w, VA_FREE + 2 * PAGE_SIZE_2M + PAGE_4K(3)), PG_NOT_PRESENT);
    assert_int_equal(xlate_err(w, va - PAGE_SIZE_4K), PG_NOT_PRESENT);
    assert_int_equal(w->allocated, 1 + 4); /* PDPT, PD, a PT each for head and tail */
}

static void test_map_range_uses_4k_pages_when_physical_address_is_unaligned(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(2 * GIB + PAGE_4K(1)), PAGE_SIZE_2M, PAGE_READ_ONLY),
                     PG_OK);
    assert_maps(w, VA_FREE, 2 * GIB + PAGE_4K(1), PAGE_SIZE_4K, PAGE_READ_ONLY);
    assert_maps(w, VA_FREE + PAGE_SIZE_2M - 1, 2 * GIB + PAGE_SIZE_2M + PAGE_4K(1) - 1, PAGE_SIZE_4K, PAGE_READ_ONLY);
}

static void test_map_range_stops_at_first_error(void **state)
{
    struct world *w = *state;

    assert_int_equal(map4k_to(&w->as, virt(VA_FREE + PAGE_4K(3)), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(2 * GIB), PAGE_4K(6), PAGE_READ_ONLY),
                     PG_ALREADY_MAPPED);
    for (uint64_t i = 0; i < 3; i++)
        assert_maps(w, VA_FREE + PAGE_4K(i), 2 * GIB + PAGE_4K(i), PAGE_SIZE_4K, PAGE_READ_ONLY);
    assert_maps(w, VA_FREE + PAGE_4K(3), 0x9000000, PAGE_SIZE_4K, PAGE_READ_WRITE);
    assert_int_equal(xlate_err(w, VA_FREE + PAGE_4K(4)), PG_NOT_PRESENT);
}

static void test_map_range_rejects_unaligned_or_wrapping_ranges(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(2 * GIB), 0x800, PAGE_READ_ONLY), PG_UNALIGNED);
    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE + 8), phys(2 * GIB), PAGE_4K(1), PAGE_READ_ONLY), PG_UNALIGNED);
    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(2 * GIB + 8), PAGE_4K(1), PAGE_READ_ONLY), PG_UNALIGNED);
    assert_int_equal(pg_map_range(&w->as, virt(0xFFFFFFFFFFFFF000ULL), phys(2 * GIB), PAGE_4K(2), PAGE_READ_ONLY),
                     PG_UNALIGNED);
    assert_int_equal(pg_map_range(&w->as, virt(VA_FREE), phys(2 * GIB), 0, PAGE_READ_ONLY), PG_OK);
    assert_int_equal(w->allocated, 1);
}

/* --- allocation failure ------------------------------------------------------------------------- */

struct fail_case {
    uint64_t va, pa, size;
    unsigned allocs; /* allocations the map needs */
    bool repoints;   /* every allocation is a copy or split of a present entry (else new tables) */
};

static enum pg_error map_case(struct world *w, const struct fail_case *c)
{
    if (c->size == PAGE_SIZE_2M)
        return map2m_to(&w->as, virt(c->va), phys(c->pa), PAGE_READ_ONLY);
    return map4k_to(&w->as, virt(c->va), phys(c->pa), PAGE_READ_ONLY);
}

/* Failing allocation n of c: PG_NO_MEMORY, every translation (the target's too) as before, no
 * entry points to an uninitialised page, and the same map then works with memory. Copies made
 * before the failure were repointed all the same: the failed map still ends with a flush. */
static void check_allocation_failure(const struct fail_case *c, unsigned n)
{
    struct world *w = world_new(true);

    take_samples(w, &before, c->va);
    world_fail_allocation(w, n);
    assert_int_equal(map_case(w, c), PG_NO_MEMORY);
    assert_int_equal(w->allocated, 1 + n - 1);
    assert_int_equal(w->invlpg_count, 0);
    assert_int_equal(w->flush_count, c->repoints && n > 1);
    scan_tree(w);
    assert_samples_unchanged(w, &before, NO_EXCEPTION, PAGE_SIZE_4K);
    world_fail_allocation(w, 0);
    assert_int_equal(map_case(w, c), PG_OK);
    assert_maps(w, c->va + 0x10, c->pa + 0x10, c->size, PAGE_READ_ONLY);
    assert_samples_unchanged(w, &before, c->va, c->size);
    scan_tree(w);
    world_free(w);
}

static void test_allocation_failure_at_each_point_leaves_tables_consistent(void **state)
{
    static const struct fail_case cases[] = {
        { VA_FREE + PAGE_4K(5), 0x9000000, PAGE_SIZE_4K, 3, false },        /* new PDPT, PD, PT */
        { VA_DEMO, 0x100000, PAGE_SIZE_4K, 3, false },                        /* new PDPT, PD, PT */
        { PD_VA(2) + PAGE_4K(1), 0x9000000, PAGE_SIZE_4K, 3, true },         /* copy PDPT, PD; split 2M */
        { 1 * GIB + PD_VA(1) + PAGE_4K(1), 0x9000000, PAGE_SIZE_4K, 3, true }, /* copy PDPT; split 1G, 2M */
        { 1 * GIB + PD_VA(1), 8 * GIB, PAGE_SIZE_2M, 2, true },               /* copy PDPT; split 1G */
        { PD_VA(FW_PD_TABLE) + PAGE_4K(300), 0x9000000, PAGE_SIZE_4K, 3, true }, /* copy PDPT, PD, PT */
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct world *w = world_new(true);

        assert_int_equal(map_case(w, &cases[i]), PG_OK);
        assert_int_equal(w->allocated, 1 + cases[i].allocs);
        assert_int_equal(w->flush_count, cases[i].repoints); /* one per map, however many copies */
        world_free(w);
        for (unsigned n = 1; n <= cases[i].allocs; n++)
            check_allocation_failure(&cases[i], n);
    }
}

/* Unmapping or protecting a page of the firmware's 1 GiB page needs 3 allocations (PDPT copy,
 * 1 GiB and 2 MiB splits): failing any of them changes no translation. The unmap that failed
 * after copying the PDPT flushes; the protect that follows repoints nothing and does not. */
static void test_allocation_failure_in_protect_and_unmap_changes_nothing(void **state)
{
    uint64_t va = 1 * GIB + PAGE_4K(3);

    (void)state;
    for (unsigned n = 1; n <= 3; n++) {
        struct world *w = world_new(true);

        take_samples(w, &before, va);
        world_fail_allocation(w, n);
        assert_int_equal(pg_unmap(&w->as, virt(va)), PG_NO_MEMORY);
        assert_int_equal(pg_protect(&w->as, virt(va), PAGE_SIZE_4K, PAGE_READ_ONLY), PG_NO_MEMORY);
        assert_int_equal(w->allocated, 1 + n - 1);
        assert_int_equal(w->invlpg_count, 0);
        assert_int_equal(w->flush_count, n > 1);
        scan_tree(w);
        assert_samples_unchanged(w, &before, NO_EXCEPTION, PAGE_SIZE_4K);
        world_free(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_map4k_round_trips_through_translate),
        WORLD_TEST(test_map2m_round_trips_through_translate),
        WORLD_TEST(test_map1g_round_trips_through_translate),
        WORLD_TEST(test_map_seed_demo_address_uses_pml4_index_511),
        WORLD_TEST(test_new_tables_are_zeroed_and_linked_present_rw_only),
        WORLD_TEST(test_map4k_over_existing_4k_page_is_already_mapped),
        WORLD_TEST(test_map2m_over_existing_2m_page_is_already_mapped),
        WORLD_TEST(test_map2m_over_existing_table_is_already_mapped),
        WORLD_TEST(test_map1g_over_existing_table_or_1g_page_is_already_mapped),
        WORLD_TEST(test_operations_reject_non_canonical_address),
        WORLD_TEST(test_map_rejects_unaligned_virtual_address),
        WORLD_TEST(test_map_rejects_unaligned_or_too_wide_physical_address),
        WORLD_TEST(test_map_range_uses_2m_pages_when_aligned),
        WORLD_TEST(test_map_range_uses_4k_pages_at_unaligned_head_and_tail),
        WORLD_TEST(test_map_range_uses_4k_pages_when_physical_address_is_unaligned),
        WORLD_TEST(test_map_range_stops_at_first_error),
        WORLD_TEST(test_map_range_rejects_unaligned_or_wrapping_ranges),
        cmocka_unit_test(test_allocation_failure_at_each_point_leaves_tables_consistent),
        cmocka_unit_test(test_allocation_failure_in_protect_and_unmap_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
