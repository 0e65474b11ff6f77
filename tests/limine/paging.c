/* Probe kernels: walks the live 4-level page tables through the HHDM, and reaches physical memory
 * the HHDM does not map (base revision 3 leaves ACPI and MMIO out) through a window of its own. */
#include "cpu.h"
#include "probe.h"

#define ADDR_MASK 0x000FFFFFFFFFF000ULL
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_PAT_4K (1ULL << 7)
#define PTE_PAT_LARGE (1ULL << 12)
#define PTE_XD (1ULL << 63)
#define TABLE_ENTRIES 512
#define LEVELS 4
#define LEVEL_BITS 9
#define PAGE_SHIFT 12
#define CANONICAL_SHIFT 47
#define PML4_SHIFT 39
#define LOWER_HALF_SLOTS 256
#define PAGE_2M (2ULL << 20)
#define WINDOW_GIBS 4
#define EFER_NXE (1ULL << 11)

/* True for canonical 48-bit addresses. */
static bool canonical(uint64_t va)
{
    int64_t top = (int64_t)va >> CANONICAL_SHIFT;
    return top == 0 || top == -1;
}

/* The page table at physical address phys, read through the HHDM. */
static volatile uint64_t *table_at(uint64_t phys)
{
    return (volatile uint64_t *)(phys + boot.hhdm);
}

/* PAT index (0-7) a leaf selects: PAT:PCD:PWT (SDM Vol. 3A §11.12.3). */
static unsigned pat_index(uint64_t entry, bool large)
{
    unsigned pat = (entry & (large ? PTE_PAT_LARGE : PTE_PAT_4K)) != 0;
    return pat << 2 | ((entry & PTE_PCD) != 0) << 1 | ((entry & PTE_PWT) != 0);
}

/* Walks CR3's tables for virt. Returns true and fills *leaf when virt is mapped; either way
 * leaf->size is how many bytes the entry the walk ended at covers (so callers can skip holes). */
bool page_walk(uint64_t virt, struct leaf *leaf)
{
    uint64_t table = cpu_cr3() & ADDR_MASK;
    bool writable = true, executable = true, user = true;

    *leaf = (struct leaf){ .size = PAGE_SIZE };
    if (!boot.have_hhdm || !canonical(virt))
        return false;
    for (int level = LEVELS; level >= 1; level--) {
        unsigned shift = PAGE_SHIFT + LEVEL_BITS * (unsigned)(level - 1);
        uint64_t entry = table_at(table)[(virt >> shift) & (TABLE_ENTRIES - 1)];
        leaf->entry = entry;
        leaf->size = 1ULL << shift;
        if (!(entry & PTE_P))
            return false;
        writable = writable && (entry & PTE_RW);
        executable = executable && !(entry & PTE_XD);
        user = user && (entry & PTE_US);
        if (level == 1 || (level < LEVELS && (entry & PTE_PS))) {
            leaf->phys = (entry & ADDR_MASK & ~(leaf->size - 1)) + (virt & (leaf->size - 1));
            leaf->writable = writable;
            leaf->executable = executable;
            leaf->user = user;
            leaf->pat = pat_index(entry, level > 1);
            return true;
        }
        table = entry & ADDR_MASK;
    }
    return false;
}

/* True when every byte of [virt, virt + len) is mapped to phys + (its offset). Otherwise false and
 * *bad is the first virtual address that is unmapped or maps elsewhere. */
bool range_maps_to(uint64_t virt, uint64_t len, uint64_t phys, uint64_t *bad)
{
    uint64_t end = virt + len < virt ? UINT64_MAX : virt + len;
    for (uint64_t va = virt; va < end;) {
        struct leaf leaf;
        if (!page_walk(va, &leaf) || leaf.phys != phys + (va - virt)) {
            *bad = va;
            return false;
        }
        uint64_t next = (va & ~(leaf.size - 1)) + leaf.size;
        if (next <= va) /* wrapped at the top of the address space */
            break;
        va = next;
    }
    return true;
}

/* The physical address p maps to; *mapped says whether it is mapped at all. */
uint64_t virt_to_phys(const void *p, bool *mapped)
{
    struct leaf leaf;
    *mapped = page_walk((uint64_t)p, &leaf);
    return *mapped ? leaf.phys : 0;
}

/* True when p is an HHDM pointer: at or above the offset and mapped to p - offset. */
bool hhdm_pointer(const void *p)
{
    uint64_t va = (uint64_t)p, bad;
    return boot.have_hhdm && va >= boot.hhdm && range_maps_to(va, 1, va - boot.hhdm, &bad);
}

/* The window: the probe's own mapping of physical [0, 4 GiB) with 2 MiB pages in a free lower-half
 * PML4 slot, built on first use. Its tables live in .bss. */
static uint64_t window_pdpt[TABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t window_pd[WINDOW_GIBS][TABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t window_base;
static bool window_ready;

/* Builds the window; returns false when no lower-half slot is free or its tables are unmapped. */
static bool window_build(void)
{
    volatile uint64_t *pml4 = table_at(cpu_cr3() & ADDR_MASK);
    unsigned slot = 1; /* never slot 0: base revision 0 keeps its identity map there */
    uint64_t xd = (cpu_rdmsr(MSR_EFER) & EFER_NXE) ? PTE_XD : 0; /* XD is reserved without EFER.NXE */
    bool mapped;

    while (slot < LOWER_HALF_SLOTS && (pml4[slot] & PTE_P))
        slot++;
    if (slot == LOWER_HALF_SLOTS)
        return false;
    for (unsigned g = 0; g < WINDOW_GIBS; g++) {
        for (unsigned i = 0; i < TABLE_ENTRIES; i++)
            window_pd[g][i] = (g * GIB + i * PAGE_2M) | PTE_P | PTE_RW | PTE_PS | xd;
        window_pdpt[g] = virt_to_phys(window_pd[g], &mapped) | PTE_P | PTE_RW;
        if (!mapped)
            return false;
    }
    uint64_t pdpt = virt_to_phys(window_pdpt, &mapped);
    if (!mapped)
        return false;
    pml4[slot] = pdpt | PTE_P | PTE_RW;
    window_base = (uint64_t)slot << PML4_SHIFT;
    window_ready = true;
    note("physical window: [0, 4 GiB) at 0x%llx (PML4 slot %u)", (unsigned long long)window_base, slot);
    return true;
}

/* A pointer through which [phys, phys + len) can be read: the HHDM when it maps the range, else
 * the window for memory below 4 GiB, else NULL. *via says which. */
void *phys_access(uint64_t phys, uint64_t len, enum phys_via *via)
{
    uint64_t bad;
    *via = VIA_NONE;
    if (boot.have_hhdm && range_maps_to(phys + boot.hhdm, len, phys, &bad)) {
        *via = VIA_HHDM;
        return (void *)(phys + boot.hhdm);
    }
    if (phys + len > (uint64_t)WINDOW_GIBS * GIB || (!window_ready && !window_build()))
        return NULL;
    *via = VIA_WINDOW;
    return (void *)(window_base + phys);
}

/* Name of a phys_access route, for report lines. */
const char *via_name(enum phys_via via)
{
    return via == VIA_HHDM ? "via HHDM" : via == VIA_WINDOW ? "via own window" : "not reachable";
}

/* Stores the physical address of each table the walk for virt reads (PML4 first) in out[0..3];
 * returns how many there are (the walk stops at a leaf or a non-present entry). */
unsigned page_tables_of(uint64_t virt, uint64_t out[LEVELS])
{
    uint64_t table = cpu_cr3() & ADDR_MASK;
    unsigned n = 0;

    for (int level = LEVELS; level >= 1 && boot.have_hhdm; level--) {
        out[n++] = table;
        uint64_t entry = table_at(table)[(virt >> (PAGE_SHIFT + LEVEL_BITS * (unsigned)(level - 1))) & (TABLE_ENTRIES - 1)];
        if (!(entry & PTE_P) || level == 1 || (level < LEVELS && (entry & PTE_PS)))
            break;
        table = entry & ADDR_MASK;
    }
    return n;
}
