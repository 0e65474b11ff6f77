/* Sample kernel: walk the live 4-level tables through ember's direct map (HHDM). */
#include "kernel.h"

#define ADDR_MASK 0x000FFFFFFFFFF000ULL
#define P (1ULL << 0)
#define RW (1ULL << 1)
#define PS (1ULL << 7)
#define XD (1ULL << 63)

static const uint64_t *table_at(const struct ember_bootinfo *info, uint64_t phys)
{
    return (const uint64_t *)(phys + info->hhdm_offset);
}

bool walk_page_tables(const struct ember_bootinfo *info, uint64_t virt, struct kernel_leaf *leaf)
{
    uint64_t table = entry_cr3 & ADDR_MASK;
    bool writable = true, executable = true;

    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t entry = table_at(info, table)[(virt >> shift) & 511];
        if (!(entry & P))
            return false;
        writable = writable && (entry & RW);
        executable = executable && !(entry & XD);
        if (level == 1 || (entry & PS)) {
            uint64_t size = 1ULL << shift;
            leaf->page_size = size;
            leaf->entry = entry;
            leaf->phys = (entry & ADDR_MASK & ~(size - 1)) + (virt & (size - 1));
            leaf->writable = writable;
            leaf->executable = executable;
            return true;
        }
        table = entry & ADDR_MASK;
    }
    return false;
}
