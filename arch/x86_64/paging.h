/* x86-64 4-level paging: one entry type per level, and the operations ember builds address spaces with.
 * Pure: physical memory is reached through address_space.phys_to_ptr and table pages come from
 * address_space.alloc, so host tests run this code over a simulated arena.
 * TLB rule (SDM Vol. 3A 4.10.4): changing an existing entry is followed by invlpg or a full flush.
 * Every rewritten present leaf gets invlpg; an operation step that repointed present entries (a
 * copy-on-write of a firmware table, a split of a 2 MiB / 1 GiB page) ends with one flush_all,
 * after its last write, on failure too. Filling a non-present entry is followed by neither. */
#ifndef EMBER_ARCH_X86_64_PAGING_H
#define EMBER_ARCH_X86_64_PAGING_H

#include "core/types.h"

#define PT_ENTRIES 512
#define PML4_SHIFT 39
#define PDPT_SHIFT 30
#define PD_SHIFT 21
#define PT_SHIFT 12
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL  /* bits 12..51 */
#define PTE_ADDR_MASK_2M 0x000FFFFFFFE00000ULL
#define PTE_ADDR_MASK_1G 0x000FFFFFC0000000ULL

/* Raw bit positions (SDM Vol. 3A, 4.5, tables 4-15 to 4-20). */
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)        /* PDPTE/PDE: maps a 1 GiB / 2 MiB page */
#define PTE_PAT_4K (1ULL << 7)    /* PTE: PAT bit of a 4 KiB page */
#define PTE_G (1ULL << 8)
#define PTE_PAT_LARGE (1ULL << 12)/* PDPTE/PDE with PS: PAT bit of a large page */
#define PTE_XD (1ULL << 63)

/* Lv4 entry: always points to a PDPT (bit 7 is reserved and must be 0). */
typedef union {
    struct {
        uint64_t present : 1, rw : 1, us : 1, pwt : 1, pcd : 1, accessed : 1, ignored6 : 1,
            reserved_ps : 1, ignored8 : 3, restart : 1, phys : 40, ignored52 : 11, xd : 1;
    } bits;
    uint64_t raw;
} pml4e_t;

/* Lv3 entry: points to a PD, or (ps = 1) maps a 1 GiB page with PAT at bit 12. */
typedef union {
    struct {
        uint64_t present : 1, rw : 1, us : 1, pwt : 1, pcd : 1, accessed : 1, ignored6 : 1, ps : 1,
            ignored8 : 3, restart : 1, phys : 40, ignored52 : 11, xd : 1;
    } table;
    struct {
        uint64_t present : 1, rw : 1, us : 1, pwt : 1, pcd : 1, accessed : 1, dirty : 1, ps : 1,
            global : 1, ignored9 : 2, restart : 1, pat : 1, reserved13 : 17, phys : 22,
            ignored52 : 7, pk : 4, xd : 1;
    } page;
    uint64_t raw;
} pdpte_t;

/* Lv2 entry: points to a PT, or (ps = 1) maps a 2 MiB page with PAT at bit 12. */
typedef union {
    struct {
        uint64_t present : 1, rw : 1, us : 1, pwt : 1, pcd : 1, accessed : 1, ignored6 : 1, ps : 1,
            ignored8 : 3, restart : 1, phys : 40, ignored52 : 11, xd : 1;
    } table;
    struct {
        uint64_t present : 1, rw : 1, us : 1, pwt : 1, pcd : 1, accessed : 1, dirty : 1, ps : 1,
            global : 1, ignored9 : 2, restart : 1, pat : 1, reserved13 : 8, phys : 31,
            ignored52 : 7, pk : 4, xd : 1;
    } page;
    uint64_t raw;
} pde_t;

/* Lv1 entry: always maps a 4 KiB page; bit 7 is PAT, not PS. */
typedef union {
    struct {
        uint64_t present : 1, rw : 1, us : 1, pwt : 1, pcd : 1, accessed : 1, dirty : 1, pat : 1,
            global : 1, ignored9 : 2, restart : 1, phys : 40, ignored52 : 7, pk : 4, xd : 1;
    } bits;
    uint64_t raw;
} pte_t;

_Static_assert(sizeof(pml4e_t) == 8, "PML4E is 64 bits");
_Static_assert(sizeof(pdpte_t) == 8, "PDPTE is 64 bits");
_Static_assert(sizeof(pde_t) == 8, "PDE is 64 bits");
_Static_assert(sizeof(pte_t) == 8, "PTE is 64 bits");

/* Constructors exist only where legal: a PML4E cannot map a page and a PTE cannot point to a
 * table. `nx` says whether XD may be set (EFER.NXE on); `attr` decides RW and XD. */
pml4e_t pml4e_new_map_table(phys_addr_t table);
pdpte_t pdpte_new_map_table(phys_addr_t table);
pdpte_t pdpte_new_map_page(phys_addr_t page_1g, enum page_attr attr, bool nx);
pde_t pde_new_map_table(phys_addr_t table);
pde_t pde_new_map_page(phys_addr_t page_2m, enum page_attr attr, bool nx);
pte_t pte_new_map_page(phys_addr_t page_4k, enum page_attr attr, bool nx);

enum pg_error {
    PG_OK = 0,
    PG_NO_MEMORY,
    PG_NOT_PRESENT,
    PG_NOT_CANONICAL,
    PG_UNALIGNED,      /* invalid (unaligned) address or size */
    PG_ALREADY_MAPPED,
};
const char *pg_error_name(enum pg_error err);

/* Where table pages come from. alloc returns one 4 KiB-aligned page (contents undefined) or false;
 * owns says whether a table page was handed out by alloc (only those may be written). */
struct pg_allocator {
    bool (*alloc)(void *ctx, phys_addr_t *page);
    bool (*owns)(void *ctx, phys_addr_t page);
    void *ctx;
};

struct address_space {
    /* invlpg and flush_all are required (not NULL); root must be owned (set by pg_clone_root)
     * before any map. */
    phys_addr_t root;                        /* the PML4 page, owned */
    bool nx;                                 /* EFER.NXE is on: XD may be set */
    void *(*phys_to_ptr)(void *ctx, phys_addr_t addr); /* physical page -> pointer we can use */
    void (*invlpg)(void *ctx, virt_addr_t addr);       /* after rewriting a present leaf at addr */
    /* After repointing a present entry (copy or split): invalidate every non-global translation
     * and all paging-structure caches (reload CR3). ember never sets G itself. */
    void (*flush_all)(void *ctx);
    void *hook_ctx;
    struct pg_allocator alloc;
};

struct translation {
    phys_addr_t phys;   /* the physical address virt translates to */
    uint64_t page_size; /* PAGE_SIZE_4K, _2M or _1G */
    enum page_attr attr;
    uint64_t leaf;      /* raw leaf entry */
};

/* Copies the PML4 at fw_root into a freshly allocated page and makes it as->root. The firmware's
 * tables are left untouched; lower levels are shared until written (copy-on-write). */
enum pg_error pg_clone_root(struct address_space *as, phys_addr_t fw_root);

/* Maps one 4 KiB / 2 MiB page. Missing tables are allocated and zeroed, firmware tables on the path
 * are copied before the first write, large pages in the way are split (never overwritten).
 * Fails with PG_ALREADY_MAPPED when a mapping of the same size, or a table (2 MiB / 1 GiB), already
 * exists at virt; a page inside a larger mapping is remapped (split, invlpg and flush_all).
 * PG_UNALIGNED also for phys >= 2^52. */
enum pg_error map4k_to(struct address_space *as, virt_addr_t virt, phys_addr_t phys, enum page_attr attr);
enum pg_error map2m_to(struct address_space *as, virt_addr_t virt, phys_addr_t phys, enum page_attr attr);
enum pg_error map1g_to(struct address_space *as, virt_addr_t virt, phys_addr_t phys, enum page_attr attr);

/* Maps [virt, virt + size) -> [phys, ...) using 2 MiB pages where both addresses and the remaining
 * size allow, 4 KiB pages elsewhere. virt, phys and size must be 4 KiB aligned. */
enum pg_error pg_map_range(struct address_space *as, virt_addr_t virt, phys_addr_t phys,
                           uint64_t size, enum page_attr attr);

/* Changes the permissions of every mapped page in [virt, virt + len) (4 KiB aligned), splitting
 * large pages that straddle the range edges; invlpg per changed entry, flush_all after each copy or
 * split. PG_NOT_PRESENT on a hole. */
enum pg_error pg_protect(struct address_space *as, virt_addr_t virt, uint64_t len, enum page_attr attr);

/* Removes the 4 KiB mapping at virt (splitting a large page if needed), with invlpg (and flush_all
 * after a split or copy).
 * PG_UNALIGNED if virt is not 4 KiB aligned, PG_NOT_PRESENT if nothing is mapped there. */
enum pg_error pg_unmap(struct address_space *as, virt_addr_t virt);

/* Read-only walk: never allocates or writes. */
enum pg_error pg_translate(const struct address_space *as, virt_addr_t virt, struct translation *out);

/* Leaf bits for attr at a level: the single place page_attr becomes RW/XD bits. */
uint64_t pg_attr_bits(enum page_attr attr, bool nx);

#endif
