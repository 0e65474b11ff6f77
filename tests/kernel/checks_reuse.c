/* Sample kernel check (cmdline "smp_reuse_tables=1", with smp=yes): the order bootinfo.h gives for
 * reusing EMBER_MEM_PAGE_TABLES while APs are parked works. The BSP copies the live tables into
 * usable memory (its "own CR3"), releases every AP, each AP loads that CR3 and counts in; only then
 * the BSP overwrites every page ember typed EMBER_MEM_PAGE_TABLES with all-ones entries (present,
 * pointing nowhere sane), and the APs reload their CR3 and count in again: an AP still walking
 * ember's tables would triple-fault the machine instead. */
#include "kernel.h"
#include "tests/include/aptest.h"

#define PAGE 4096ULL
#define ADDR_MASK 0x000FFFFFFFFFF000ULL
#define P (1ULL << 0)
#define PS (1ULL << 7)
#define MAX_TABLE_PAGES 256

static const struct ember_bootinfo *reuse_info;
static uint64_t pool_next, pool_end;
static unsigned copied, overflow;
static volatile uint32_t aps_after_reuse, tables_reused;
uint64_t reuse_cr3; /* the kernel's own root once built; 0 when this check is off */

static uint64_t *hhdm(uint64_t phys)
{
    return (uint64_t *)(phys + reuse_info->hhdm_offset);
}

/* A usable range of at least MAX_TABLE_PAGES pages above 1 MiB for the copy (a bump allocator). */
static bool find_pool(void)
{
    const struct ember_memmap_entry *map = (const void *)reuse_info->memmap;
    for (uint64_t i = 0; i < reuse_info->memmap_count; i++)
        if (map[i].type == EMBER_MEM_USABLE && map[i].base >= 0x100000 && map[i].length >= MAX_TABLE_PAGES * PAGE) {
            pool_next = map[i].base;
            pool_end = map[i].base + MAX_TABLE_PAGES * PAGE;
            return true;
        }
    return false;
}

/* Copies the table at phys (level 4 = PML4 .. 1 = PT) and every table below it that lies in
 * EMBER_MEM_PAGE_TABLES memory; the firmware's tables (boot-services memory, which this kernel does
 * not reuse) are shared, as ember shares them. Leaves keep their targets. Returns the copy's
 * physical address, 0 when the pool ran out. */
static uint64_t copy_tree(uint64_t phys, int level)
{
    if (memmap_type_at(reuse_info, phys) != EMBER_MEM_PAGE_TABLES)
        return phys;
    if (pool_next >= pool_end) {
        overflow++;
        return 0;
    }
    uint64_t copy = pool_next;
    const uint64_t *src = hhdm(phys);
    uint64_t *dst = hhdm(copy);

    pool_next += PAGE;
    copied++;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = src[i];
        dst[i] = e;
        if (level > 1 && (e & P) && !(level < 4 && (e & PS))) {
            uint64_t child = copy_tree(e & ADDR_MASK, level - 1);
            dst[i] = (e & ~ADDR_MASK) | child;
        }
    }
    return copy;
}

void reuse_prepare(const struct ember_bootinfo *info)
{
    uint64_t cr3;

    reuse_info = info;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    uint64_t root = find_pool() ? copy_tree(cr3 & ADDR_MASK, 4) : 0;
    check(root != 0 && overflow == 0, EXIT_FAIL_SMP, "own copy of the page tables", "%u pages copied, pool %s",
          copied, pool_end ? "found" : "not found");
    if (root == 0 || overflow != 0)
        return;
    __asm__ volatile("mov %0, %%cr3" ::"r"(root) : "memory");
    reuse_cr3 = root;
}

/* On a released AP, after its report: the kernel's CR3, then (once the BSP reused ember's tables) a
 * CR3 reload that walks the kernel's tables afresh. */
void ap_run_on_own_tables(volatile uint32_t *count)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(reuse_cr3) : "memory");
    __atomic_fetch_add(count, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&tables_reused, __ATOMIC_ACQUIRE) == 0)
        __asm__ volatile("pause");
    __asm__ volatile("mov %0, %%cr3" ::"r"(reuse_cr3) : "memory");
    ap_count_in_and_halt(&aps_after_reuse);
}

/* On the BSP, after every AP counted in on the kernel's CR3: overwrite ember's tables, let the APs go
 * on, and see them all come back. */
void reuse_tables_and_check(unsigned parked)
{
    const struct ember_memmap_entry *map = (const void *)reuse_info->memmap;
    uint64_t pages = 0;

    for (uint64_t i = 0; i < reuse_info->memmap_count; i++) {
        if (map[i].type != EMBER_MEM_PAGE_TABLES)
            continue;
        for (uint64_t off = 0; off < map[i].length; off += sizeof(uint64_t))
            *hhdm(map[i].base + off) = ~0ULL;
        pages += map[i].length / PAGE;
    }
    __asm__ volatile("mov %0, %%cr3" ::"r"(reuse_cr3) : "memory");
    __atomic_store_n(&tables_reused, 1, __ATOMIC_RELEASE);
    bool all = ap_wait_count(&aps_after_reuse, parked);
    check(pages > 0 && all, EXIT_FAIL_SMP, "APs run on after EMBER_MEM_PAGE_TABLES was reused",
          "%llu pages overwritten, %u of %u APs reloaded CR3 and went on", (unsigned long long)pages,
          aps_after_reuse, parked);
}
