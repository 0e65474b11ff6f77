/* Paging test world: an allocator arena, a read-only fake firmware tree and shared checks. */
#ifndef EMBER_TESTS_PAGING_ARENA_H
#define EMBER_TESTS_PAGING_ARENA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86_64/paging.h"

/* Table pages ember allocates live at physical [ARENA_BASE, ARENA_BASE + ARENA_PAGES pages). */
#define ARENA_BASE 0x40000000ULL
#define ARENA_PAGES 512u
/* The firmware's tables live at physical FW_BASE, one page each, mapped read-only once built. */
#define FW_BASE 0x1FC00000ULL
enum { FW_PML4, FW_PDPT, FW_PD, FW_PT, FW_PAGES };
#define FW_PAGE(i) (FW_BASE + (uint64_t)(i) * PAGE_SIZE_4K)
/* Freshly allocated pages are filled with this, so a table linked before being initialised shows. */
#define POISON 0xA5A5A5A5A5A5A5A5ULL
#define MAX_INVLPG 1024u

/* The firmware's identity map of the first 2 GiB:
 *   PML4[0] -> PDPT; PDPT[0] -> PD of 2 MiB pages (RWX), PDPT[1] = 1 GiB page at 1 GiB (PAT, PCD);
 *   PD[FW_PD_TABLE] -> PT: 4 KiB pages for its first FW_PT_PRESENT entries, the rest absent;
 *   PD[FW_PD_RX] read + execute; PD[FW_PD_PAT] with PAT, PWT, G; PD[FW_PD_XD] RW + XD (nx only). */
enum { FW_PD_TABLE = 3, FW_PD_RX = 5, FW_PD_PAT = 7, FW_PD_XD = 9, FW_PT_PRESENT = 256, FW_PT_RX = 1,
       FW_PT_PAT = 2 };
#define FW_1G_BITS (PTE_P | PTE_RW | PTE_PS | PTE_A | PTE_D | PTE_PCD | PTE_PAT_LARGE)
#define FW_2M_BITS (PTE_P | PTE_RW | PTE_PS | PTE_A | PTE_D)
#define FW_TABLE_BITS (PTE_P | PTE_RW | PTE_A)

struct world {
    uint8_t *arena;             /* ARENA_PAGES pages */
    uint8_t *fw;                /* FW_PAGES pages, PROT_READ once built */
    uint8_t fw_snapshot[FW_PAGES * PAGE_SIZE_4K];
    unsigned allocated;         /* arena pages handed out */
    unsigned fail_at;           /* 0: never; else allocation number fail_at and later fail */
    unsigned invlpg_count;
    uint64_t invlpg_addr[MAX_INVLPG];
    unsigned flush_count;       /* flush_all calls */
    uint64_t watch_va;          /* translated at every flush_all into at_flush (0: not watched) */
    enum pg_error at_flush_err;
    struct translation at_flush;
    struct address_space as;
};

static inline void *world_phys_to_ptr(void *ctx, phys_addr_t addr)
{
    struct world *w = ctx;

    if (addr.addr >= ARENA_BASE && addr.addr < ARENA_BASE + ARENA_PAGES * PAGE_SIZE_4K)
        return w->arena + (addr.addr - ARENA_BASE);
    if (addr.addr >= FW_BASE && addr.addr < FW_PAGE(FW_PAGES))
        return w->fw + (addr.addr - FW_BASE);
    fail_msg("phys_to_ptr(0x%llx) is outside simulated memory", (unsigned long long)addr.addr);
    return NULL;
}

static inline bool world_alloc(void *ctx, phys_addr_t *page)
{
    struct world *w = ctx;

    if (w->fail_at != 0 && w->allocated + 1 >= w->fail_at)
        return false;
    if (w->allocated == ARENA_PAGES)
        return false;
    *page = phys(ARENA_BASE + (uint64_t)w->allocated * PAGE_SIZE_4K);
    for (size_t i = 0; i < PT_ENTRIES; i++)
        ((uint64_t *)(w->arena + (size_t)w->allocated * PAGE_SIZE_4K))[i] = POISON;
    w->allocated++;
    return true;
}

static inline bool world_owns(void *ctx, phys_addr_t page)
{
    struct world *w = ctx;

    return page.addr >= ARENA_BASE && is_aligned(page.addr, PAGE_SIZE_4K) &&
           page.addr < ARENA_BASE + (uint64_t)w->allocated * PAGE_SIZE_4K;
}

static inline void world_invlpg(void *ctx, virt_addr_t addr)
{
    struct world *w = ctx;

    if (w->invlpg_count < MAX_INVLPG)
        w->invlpg_addr[w->invlpg_count] = addr.addr;
    w->invlpg_count++;
}

/* Counts the flush; with watch_va set, records how watch_va translated at that moment, so a test
 * can tell a flush issued after the last write from one issued before it. */
static inline void world_flush_all(void *ctx)
{
    struct world *w = ctx;

    w->flush_count++;
    if (w->watch_va != 0) {
        memset(&w->at_flush, 0, sizeof w->at_flush);
        w->at_flush_err = pg_translate(&w->as, virt(w->watch_va), &w->at_flush);
    }
}

/* Forgets the invalidations so far, so a test counts only those of the operation that follows. */
static inline void world_reset_invalidations(struct world *w)
{
    w->invlpg_count = 0;
    w->flush_count = 0;
}

/* Makes the n-th allocation from now (1-based) and all later ones fail; 0 restores the allocator. */
static inline void world_fail_allocation(struct world *w, unsigned n)
{
    w->fail_at = n == 0 ? 0 : w->allocated + n;
}

static inline uint64_t *fw_table(struct world *w, int page)
{
    return (uint64_t *)(w->fw + (size_t)page * PAGE_SIZE_4K);
}

static inline void build_firmware(struct world *w, bool nx)
{
    uint64_t *pml4 = fw_table(w, FW_PML4), *pdpt = fw_table(w, FW_PDPT);
    uint64_t *pd = fw_table(w, FW_PD), *pt = fw_table(w, FW_PT);

    pml4[0] = FW_PAGE(FW_PDPT) | FW_TABLE_BITS;
    pdpt[0] = FW_PAGE(FW_PD) | FW_TABLE_BITS;
    pdpt[1] = 1 * GIB | FW_1G_BITS;
    for (uint64_t i = 0; i < PT_ENTRIES; i++)
        pd[i] = i * PAGE_SIZE_2M | FW_2M_BITS;
    pd[FW_PD_TABLE] = FW_PAGE(FW_PT) | FW_TABLE_BITS;
    pd[FW_PD_RX] &= ~PTE_RW;
    pd[FW_PD_PAT] |= PTE_PAT_LARGE | PTE_PWT | PTE_G;
    if (nx)
        pd[FW_PD_XD] |= PTE_XD;
    for (uint64_t i = 0; i < FW_PT_PRESENT; i++)
        pt[i] = (FW_PD_TABLE * PAGE_SIZE_2M + i * PAGE_SIZE_4K) | PTE_P | PTE_RW | PTE_A | PTE_D;
    pt[FW_PT_RX] &= ~PTE_RW;
    pt[FW_PT_PAT] |= PTE_PAT_4K;
}

/* A world with the firmware tree built and write-protected, and ember's root cloned from it. */
static inline struct world *world_new(bool nx)
{
    struct world *w = calloc(1, sizeof *w);
    size_t fw_bytes = FW_PAGES * PAGE_SIZE_4K;

    assert_non_null(w);
    w->arena = aligned_alloc(PAGE_SIZE_4K, ARENA_PAGES * PAGE_SIZE_4K);
    assert_non_null(w->arena);
    w->fw = mmap(NULL, fw_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(w->fw != MAP_FAILED);
    build_firmware(w, nx);
    memcpy(w->fw_snapshot, w->fw, fw_bytes);
    assert_int_equal(mprotect(w->fw, fw_bytes, PROT_READ), 0);
    w->as = (struct address_space){
        .nx = nx,
        .phys_to_ptr = world_phys_to_ptr,
        .invlpg = world_invlpg,
        .flush_all = world_flush_all,
        .hook_ctx = w,
        .alloc = { .alloc = world_alloc, .owns = world_owns, .ctx = w },
    };
    assert_int_equal(pg_clone_root(&w->as, phys(FW_PAGE(FW_PML4))), PG_OK);
    return w;
}

/* Checks that no firmware table changed (copy-on-write), then frees the world. */
static inline void world_free(struct world *w)
{
    assert_memory_equal(w->fw, w->fw_snapshot, FW_PAGES * PAGE_SIZE_4K);
    assert_int_equal(munmap(w->fw, FW_PAGES * PAGE_SIZE_4K), 0);
    free(w->arena);
    free(w);
}

static inline int setup_nx(void **state)
{
    *state = world_new(true);
    return 0;
}

static inline int setup_no_nx(void **state)
{
    *state = world_new(false);
    return 0;
}

static inline int teardown_world(void **state)
{
    world_free(*state);
    return 0;
}

#define VA_FREE 0x0000008000000000ULL /* PML4[1]: no firmware tables there */
#define VA_DEMO 0xFFFFFFFFDEAD0000ULL /* config demo_map=yes maps this page */
#define NON_CANONICAL 0x0000800000000000ULL
#define NO_EXCEPTION NON_CANONICAL /* no sample is excepted */
#define PAGE_4K(n) ((uint64_t)(n) * PAGE_SIZE_4K)
#define PD_VA(i) ((uint64_t)(i) * PAGE_SIZE_2M) /* the firmware's identity-mapped 2 MiB page i */

static const enum page_attr all_attrs[] = { PAGE_READ_ONLY, PAGE_READ_WRITE, PAGE_EXECUTABLE,
                                            PAGE_WRITE_EXECUTE };

/* --- checks shared by the paging tests ---------------------------------------------------------- */

static inline struct translation xlate(struct world *w, uint64_t va)
{
    struct translation t = { 0 };
    enum pg_error err = pg_translate(&w->as, virt(va), &t);

    if (err != PG_OK)
        fail_msg("translate(0x%llx): %s", (unsigned long long)va, pg_error_name(err));
    return t;
}

static inline enum pg_error xlate_err(struct world *w, uint64_t va)
{
    struct translation t;

    return pg_translate(&w->as, virt(va), &t);
}

static inline void assert_maps(struct world *w, uint64_t va, uint64_t pa, uint64_t size,
                               enum page_attr attr)
{
    struct translation t = xlate(w, va);

    assert_int_equal(t.phys.addr, pa);
    assert_int_equal(t.page_size, size);
    assert_int_equal(t.attr, attr);
}

static inline uint64_t *table_at(struct world *w, uint64_t entry)
{
    return world_phys_to_ptr(w, phys(entry & PTE_ADDR_MASK));
}

static inline uint64_t *root(struct world *w)
{
    return table_at(w, w->as.root.addr);
}

static inline unsigned idx(uint64_t va, unsigned shift)
{
    return (va >> shift) & (PT_ENTRIES - 1);
}

static inline bool is_fw_table(uint64_t addr, int level)
{
    return (level == 3 && addr == FW_PAGE(FW_PDPT)) || (level == 2 && addr == FW_PAGE(FW_PD)) ||
           (level == 1 && addr == FW_PAGE(FW_PT));
}

struct tree_stats {
    unsigned tables, leaves, xd;
};

/* Walks the whole tree under a level table: no entry is uninitialised (poison), and every present
 * table pointer leads to an owned page or the firmware table of that level. */
static inline void scan_table(struct world *w, uint64_t table, int level, struct tree_stats *st)
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

static inline struct tree_stats scan_tree(struct world *w)
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

static inline void take_samples(struct world *w, struct samples *s, uint64_t extra)
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
static inline void assert_samples_unchanged(struct world *w, const struct samples *s,
                                            uint64_t except, uint64_t except_size)
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

#define WORLD_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_nx, teardown_world)
#define NO_NX_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_no_nx, teardown_world)

#endif
