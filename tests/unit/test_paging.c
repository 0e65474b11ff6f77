/* Host tests of the page-table code (arch/x86_64/paging.c) over simulated physical memory. */
#include "paging_arena.h"

#define VA_FREE 0x0000008000000000ULL /* PML4[1]: no firmware tables there */
#define VA_DEMO 0xFFFFFFFFDEAD0000ULL /* the seed's demo address */
#define NON_CANONICAL 0x0000800000000000ULL
#define NO_EXCEPTION NON_CANONICAL /* no sample is excepted */
#define PAGE_4K(n) ((uint64_t)(n) * PAGE_SIZE_4K)
#define PD_VA(i) ((uint64_t)(i) * PAGE_SIZE_2M) /* the firmware's identity-mapped 2 MiB page i */

static const enum page_attr all_attrs[] = { PAGE_READ_ONLY, PAGE_READ_WRITE, PAGE_EXECUTABLE,
                                            PAGE_WRITE_EXECUTE };

/* --- helpers ------------------------------------------------------------------------------------ */

static struct translation xlate(struct world *w, uint64_t va)
{
    struct translation t = { 0 };
    enum pg_error err = pg_translate(&w->as, virt(va), &t);

    if (err != PG_OK)
        fail_msg("translate(0x%llx): %s", (unsigned long long)va, pg_error_name(err));
    return t;
}

static enum pg_error xlate_err(struct world *w, uint64_t va)
{
    struct translation t;

    return pg_translate(&w->as, virt(va), &t);
}

static void assert_maps(struct world *w, uint64_t va, uint64_t pa, uint64_t size, enum page_attr attr)
{
    struct translation t = xlate(w, va);

    assert_int_equal(t.phys.addr, pa);
    assert_int_equal(t.page_size, size);
    assert_int_equal(t.attr, attr);
}

static uint64_t *table_at(struct world *w, uint64_t entry)
{
    return world_phys_to_ptr(w, phys(entry & PTE_ADDR_MASK));
}

static uint64_t *root(struct world *w)
{
    return table_at(w, w->as.root.addr);
}

static unsigned idx(uint64_t va, unsigned shift)
{
    return (va >> shift) & (PT_ENTRIES - 1);
}

static bool is_fw_table(uint64_t addr, int level)
{
    return (level == 3 && addr == FW_PAGE(FW_PDPT)) || (level == 2 && addr == FW_PAGE(FW_PD)) ||
           (level == 1 && addr == FW_PAGE(FW_PT));
}

struct tree_stats {
    unsigned tables, leaves, xd;
};

/* Walks the whole tree under a level table: no entry is uninitialised (poison), and every present
 * table pointer leads to an owned page or the firmware table of that level. */
static void scan_table(struct world *w, uint64_t table, int level, struct tree_stats *st)
{
    const uint64_t *t = table_at(w, table);

    st->tables++;
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = t[i], next = e & PTE_ADDR_MASK;

        if (e == POISON)
            fail_msg("entry %u of level-%d table 0x%llx is uninitialised", i, level,
                     (unsigned long long)table);
        if (!(e & PTE_P))
            continue;
        if (e & PTE_XD)
            st->xd++;
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            st->leaves++;
            continue;
        }
        if (!world_owns(w, phys(next)) && !is_fw_table(next, level - 1))
            fail_msg("entry %u of level-%d table points to 0x%llx, neither owned nor firmware", i,
                     level, (unsigned long long)next);
        scan_table(w, next, level - 1, st);
    }
}

static struct tree_stats scan_tree(struct world *w)
{
    struct tree_stats st = { 0 };

    scan_table(w, w->as.root.addr, 4, &st);
    return st;
}

/* Translations of a fixed set of addresses, to prove an operation left them alone. */
#define MAX_SAMPLES 2048
struct samples {
    unsigned n;
    uint64_t va[MAX_SAMPLES];
    enum pg_error err[MAX_SAMPLES];
    struct translation t[MAX_SAMPLES];
};
static struct samples before;

static void take_samples(struct world *w, struct samples *s, uint64_t extra)
{
    s->n = 0;
    for (uint64_t i = 0; i < PT_ENTRIES; i++) {
        s->va[s->n++] = PD_VA(i) + 0x123;
        s->va[s->n++] = PD_VA(FW_PD_TABLE) + PAGE_4K(i);
        s->va[s->n++] = 1 * GIB + PD_VA(i) + 0x5000;
    }
    s->va[s->n++] = VA_FREE + 0x5000;
    s->va[s->n++] = VA_DEMO;
    s->va[s->n++] = 2 * GIB;
    s->va[s->n++] = extra;
    for (unsigned i = 0; i < s->n; i++) {
        memset(&s->t[i], 0, sizeof s->t[i]);
        s->err[i] = pg_translate(&w->as, virt(s->va[i]), &s->t[i]);
    }
}

/* Every sample translates as before, except those in the except_size page at except. */
static void assert_samples_unchanged(struct world *w, const struct samples *s, uint64_t except,
                                     uint64_t except_size)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct translation t = { 0 };

        if (align_down(s->va[i], except_size) == align_down(except, except_size))
            continue;
        assert_int_equal(pg_translate(&w->as, virt(s->va[i]), &t), s->err[i]);
        assert_int_equal(t.phys.addr, s->t[i].phys.addr);
        assert_int_equal(t.attr, s->t[i].attr);
        assert_int_equal(t.leaf & ~(PTE_PS | PTE_PAT_4K | PTE_PAT_LARGE | PTE_ADDR_MASK),
                         s->t[i].leaf & ~(PTE_PS | PTE_PAT_4K | PTE_PAT_LARGE | PTE_ADDR_MASK));
    }
}

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
    assert_true(pg_is_canonical(virt(0)));
    assert_true(pg_is_canonical(virt(0x00007FFFFFFFFFFFULL)));
    assert_true(pg_is_canonical(virt(0xFFFF800000000000ULL)));
    assert_true(pg_is_canonical(virt(0xFFFFFFFFFFFFFFFFULL)));
    assert_false(pg_is_canonical(virt(NON_CANONICAL)));
    assert_false(pg_is_canonical(virt(0xFFFF7FFFFFFFFFFFULL)));
    assert_false(pg_is_canonical(virt(0x0001000000000000ULL)));
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
}

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

/* Maps one 4 KiB page inside the firmware 2 MiB page at base: the page is split, the other 511
 * pages translate as before (4 KiB now), the firmware PD is never written. */
static void check_map_inside_firmware_2m_page(struct world *w, uint64_t base)
{
    uint64_t va = base + PAGE_4K(1);
    struct translation old = xlate(w, base);

    w->invlpg_count = 0;
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
    assert_int_equal(w->invlpg_count, 1);
    assert_maps(w, 1 * GIB + PD_VA(1) + 0x777, 8 * GIB + 0x777, PAGE_SIZE_2M, PAGE_READ_ONLY);
    for (size_t i = 0; i < ARRAY_LEN(sample); i++) {
        uint64_t va = 1 * GIB + PD_VA(sample[i]);

        assert_maps(w, va + 0x1234, va + 0x1234, PAGE_SIZE_2M, PAGE_WRITE_EXECUTE);
        assert_int_equal(xlate(w, va).leaf, va | FW_1G_BITS);
    }
    /* Splitting one of those 2 MiB pages again moves PAT to bit 7. */
    assert_int_equal(map4k_to(&w->as, virt(1 * GIB + PD_VA(2) + PAGE_4K(1)), phys(0x9000000), PAGE_READ_ONLY),
                     PG_OK);
    assert_int_equal(xlate(w, 1 * GIB + PD_VA(2) + PAGE_4K(3)).leaf,
                     (1 * GIB + PD_VA(2) + PAGE_4K(3)) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD | PTE_PAT_4K);
}

static void test_map4k_into_free_slot_of_firmware_pt_copies_it_first(void **state)
{
    struct world *w = *state;
    uint64_t va = PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT + 7);

    take_samples(w, &before, va);
    assert_int_equal(map4k_to(&w->as, virt(va), phys(0x9000000), PAGE_READ_WRITE), PG_OK);
    assert_int_equal(w->allocated, 1 + 3); /* PDPT, PD and PT copies */
    assert_int_equal(w->invlpg_count, 0);
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
}

static void test_unmap_of_unmapped_address_is_not_present(void **state)
{
    struct world *w = *state;

    assert_int_equal(pg_unmap(&w->as, virt(VA_FREE)), PG_NOT_PRESENT);
    assert_int_equal(pg_unmap(&w->as, virt(PD_VA(FW_PD_TABLE) + PAGE_4K(FW_PT_PRESENT))), PG_NOT_PRESENT);
    assert_int_equal(w->allocated, 1);
    assert_int_equal(w->invlpg_count, 0);
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
};

static enum pg_error map_case(struct world *w, const struct fail_case *c)
{
    if (c->size == PAGE_SIZE_2M)
        return map2m_to(&w->as, virt(c->va), phys(c->pa), PAGE_READ_ONLY);
    return map4k_to(&w->as, virt(c->va), phys(c->pa), PAGE_READ_ONLY);
}

/* Failing allocation n of c: PG_NO_MEMORY, every translation (the target's too) as before, no
 * entry points to an uninitialised page, and the same map then works with memory. */
static void check_allocation_failure(const struct fail_case *c, unsigned n)
{
    struct world *w = world_new(true);

    take_samples(w, &before, c->va);
    world_fail_allocation(w, n);
    assert_int_equal(map_case(w, c), PG_NO_MEMORY);
    assert_int_equal(w->allocated, 1 + n - 1);
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
        { VA_FREE + PAGE_4K(5), 0x9000000, PAGE_SIZE_4K, 3 },        /* new PDPT, PD, PT */
        { VA_DEMO, 0x100000, PAGE_SIZE_4K, 3 },                        /* new PDPT, PD, PT */
        { PD_VA(2) + PAGE_4K(1), 0x9000000, PAGE_SIZE_4K, 3 },        /* copy PDPT, PD; split 2M */
        { 1 * GIB + PD_VA(1) + PAGE_4K(1), 0x9000000, PAGE_SIZE_4K, 3 }, /* copy PDPT; split 1G, 2M */
        { 1 * GIB + PD_VA(1), 8 * GIB, PAGE_SIZE_2M, 2 },              /* copy PDPT; split 1G */
        { PD_VA(FW_PD_TABLE) + PAGE_4K(300), 0x9000000, PAGE_SIZE_4K, 3 }, /* copy PDPT, PD, PT */
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct world *w = world_new(true);

        assert_int_equal(map_case(w, &cases[i]), PG_OK);
        assert_int_equal(w->allocated, 1 + cases[i].allocs);
        world_free(w);
        for (unsigned n = 1; n <= cases[i].allocs; n++)
            check_allocation_failure(&cases[i], n);
    }
}

/* Unmapping or protecting a page of the firmware's 1 GiB page needs 3 allocations (PDPT copy,
 * 1 GiB and 2 MiB splits): failing any of them changes no translation. */
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
        scan_tree(w);
        assert_samples_unchanged(w, &before, NO_EXCEPTION, PAGE_SIZE_4K);
        world_free(w);
    }
}

#define WORLD_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_nx, teardown_world)
#define NO_NX_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_no_nx, teardown_world)

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
        WORLD_TEST(test_map4k_round_trips_through_translate),
        WORLD_TEST(test_map2m_round_trips_through_translate),
        WORLD_TEST(test_map1g_round_trips_through_translate),
        WORLD_TEST(test_map_seed_demo_address_uses_pml4_index_511),
        WORLD_TEST(test_new_tables_are_zeroed_and_linked_present_rw_only),
        WORLD_TEST(test_map4k_inside_firmware_2m_page_splits_it_and_keeps_other_511_pages),
        WORLD_TEST(test_split_turns_parent_into_permissive_table_entry),
        WORLD_TEST(test_split_of_2m_page_moves_pat_from_bit12_to_bit7),
        WORLD_TEST(test_map_inside_firmware_1g_page_splits_it_into_2m_pages_keeping_pat),
        WORLD_TEST(test_map4k_into_free_slot_of_firmware_pt_copies_it_first),
        WORLD_TEST(test_cow_leaves_every_firmware_table_byte_identical),
        WORLD_TEST(test_map4k_over_existing_4k_page_is_already_mapped),
        WORLD_TEST(test_map2m_over_existing_2m_page_is_already_mapped),
        WORLD_TEST(test_map2m_over_existing_table_is_already_mapped),
        WORLD_TEST(test_map1g_over_existing_table_or_1g_page_is_already_mapped),
        WORLD_TEST(test_operations_reject_non_canonical_address),
        WORLD_TEST(test_map_rejects_unaligned_virtual_address),
        WORLD_TEST(test_map_rejects_unaligned_or_too_wide_physical_address),
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
