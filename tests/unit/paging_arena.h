/* Simulated physical memory for the paging tests: an allocator arena and a read-only fake firmware tree. */
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
    struct address_space as;
};

static void *world_phys_to_ptr(void *ctx, phys_addr_t addr)
{
    struct world *w = ctx;

    if (addr.addr >= ARENA_BASE && addr.addr < ARENA_BASE + ARENA_PAGES * PAGE_SIZE_4K)
        return w->arena + (addr.addr - ARENA_BASE);
    if (addr.addr >= FW_BASE && addr.addr < FW_PAGE(FW_PAGES))
        return w->fw + (addr.addr - FW_BASE);
    fail_msg("phys_to_ptr(0x%llx) is outside simulated memory", (unsigned long long)addr.addr);
    return NULL;
}

static bool world_alloc(void *ctx, phys_addr_t *page)
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

static bool world_owns(void *ctx, phys_addr_t page)
{
    struct world *w = ctx;

    return page.addr >= ARENA_BASE && is_aligned(page.addr, PAGE_SIZE_4K) &&
           page.addr < ARENA_BASE + (uint64_t)w->allocated * PAGE_SIZE_4K;
}

static void world_invlpg(void *ctx, virt_addr_t addr)
{
    struct world *w = ctx;

    if (w->invlpg_count < MAX_INVLPG)
        w->invlpg_addr[w->invlpg_count] = addr.addr;
    w->invlpg_count++;
}

/* Makes the n-th allocation from now (1-based) and all later ones fail; 0 restores the allocator. */
static void world_fail_allocation(struct world *w, unsigned n)
{
    w->fail_at = n == 0 ? 0 : w->allocated + n;
}

static uint64_t *fw_table(struct world *w, int page)
{
    return (uint64_t *)(w->fw + (size_t)page * PAGE_SIZE_4K);
}

static void build_firmware(struct world *w, bool nx)
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
static struct world *world_new(bool nx)
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
        .hook_ctx = w,
        .alloc = { .alloc = world_alloc, .owns = world_owns, .ctx = w },
    };
    assert_int_equal(pg_clone_root(&w->as, phys(FW_PAGE(FW_PML4))), PG_OK);
    return w;
}

/* Checks that no firmware table changed (copy-on-write), then frees the world. */
static void world_free(struct world *w)
{
    assert_memory_equal(w->fw, w->fw_snapshot, FW_PAGES * PAGE_SIZE_4K);
    assert_int_equal(munmap(w->fw, FW_PAGES * PAGE_SIZE_4K), 0);
    free(w->arena);
    free(w);
}

static int setup_nx(void **state)
{
    *state = world_new(true);
    return 0;
}

static int setup_no_nx(void **state)
{
    *state = world_new(false);
    return 0;
}

static int teardown_world(void **state)
{
    world_free(*state);
    return 0;
}

#endif
