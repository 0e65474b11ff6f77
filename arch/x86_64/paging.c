/* x86-64 4-level page tables: entry constructors, and map/protect/unmap/translate over a copy-on-write walk. */
#include "arch/x86_64/paging.h"
#include "core/bytes.h"

/* Table levels, named after the entry they hold: LV4 = PML4E .. LV1 = PTE. */
enum { LV1 = 1, LV2, LV3, LV4 };

static const unsigned level_shift[] = { 0, PT_SHIFT, PD_SHIFT, PDPT_SHIFT, PML4_SHIFT };
/* Address bits of a leaf entry at each level (a large page's low bits hold PAT and reserved bits). */
static const uint64_t leaf_addr_mask[] = { 0, PTE_ADDR_MASK, PTE_ADDR_MASK_2M, PTE_ADDR_MASK_1G };

/* Bytes mapped by one entry at level. */
static uint64_t level_size(int level)
{
    return 1ULL << level_shift[level];
}

/* Index of va's entry in a level table. */
static unsigned index_of(virt_addr_t va, int level)
{
    return (va.addr >> level_shift[level]) & (PT_ENTRIES - 1);
}

/* A present entry maps a page (instead of pointing to a table): always at LV1, with PS at LV2/LV3.
 * Bit 7 of a PML4E is reserved, never PS. */
static bool is_leaf(uint64_t entry, int level)
{
    switch (level) {
    case LV1: return true;
    case LV2: return ((pde_t){ .raw = entry }).table.ps;
    case LV3: return ((pdpte_t){ .raw = entry }).table.ps;
    default: return false;
    }
}

/* The table page at physical address table, through the address space's hook. */
static uint64_t *table_ptr(const struct address_space *as, uint64_t table)
{
    return as->phys_to_ptr(as->hook_ctx, phys(table & PTE_ADDR_MASK));
}

static bool owns(const struct address_space *as, uint64_t table)
{
    return as->alloc.owns(as->alloc.ctx, phys(table & PTE_ADDR_MASK));
}

/* Writes an entry of a table the CPU may be walking: one 64-bit store, ordered after the stores
 * that filled any table it points to (a compiler barrier; x86 keeps stores in order). */
static void set_entry(uint64_t *slot, uint64_t entry)
{
    __atomic_store_n(slot, entry, __ATOMIC_RELEASE);
}

/* Allocates one table page (contents undefined) and returns its address and pointer. */
static enum pg_error alloc_table(const struct address_space *as, phys_addr_t *page, uint64_t **table)
{
    if (!as->alloc.alloc(as->alloc.ctx, page))
        return PG_NO_MEMORY;
    *table = table_ptr(as, page->addr);
    return PG_OK;
}

/* attr's access rights. XD only when nx (EFER.NXE: the bit is reserved otherwise). */
static bool attr_writable(enum page_attr attr)
{
    return attr == PAGE_READ_WRITE || attr == PAGE_WRITE_EXECUTE || attr == PAGE_WRITE_EXECUTE_WC;
}

static bool attr_no_execute(enum page_attr attr, bool nx)
{
    return nx && (attr == PAGE_READ_WRITE || attr == PAGE_READ_ONLY);
}

/* Write-combining is PAT entry 5 = PAT | PWT (ember's PAT MSR layout); every other attr is entry 0,
 * write-back. The PAT bit is bit 7 in a PTE and bit 12 in a large page: the fields say which. */
static bool attr_wc(enum page_attr attr)
{
    return attr == PAGE_WRITE_EXECUTE_WC;
}

/* Table-pointing entries are present and writable, never US, XD or G: permissions live in the
 * leaves (an intermediate entry can only take rights away). */
pml4e_t pml4e_new_map_table(phys_addr_t table)
{
    return (pml4e_t){ .bits = { .present = 1, .rw = 1, .phys = table.addr >> PT_SHIFT } };
}

pdpte_t pdpte_new_map_table(phys_addr_t table)
{
    return (pdpte_t){ .table = { .present = 1, .rw = 1, .phys = table.addr >> PT_SHIFT } };
}

pde_t pde_new_map_table(phys_addr_t table)
{
    return (pde_t){ .table = { .present = 1, .rw = 1, .phys = table.addr >> PT_SHIFT } };
}

pdpte_t pdpte_new_map_page(phys_addr_t page_1g, enum page_attr attr, bool nx)
{
    return (pdpte_t){ .page = { .present = 1, .rw = attr_writable(attr), .xd = attr_no_execute(attr, nx),
                                .pwt = attr_wc(attr), .pat = attr_wc(attr), .ps = 1,
                                .phys = page_1g.addr >> PDPT_SHIFT } };
}

pde_t pde_new_map_page(phys_addr_t page_2m, enum page_attr attr, bool nx)
{
    return (pde_t){ .page = { .present = 1, .rw = attr_writable(attr), .xd = attr_no_execute(attr, nx),
                              .pwt = attr_wc(attr), .pat = attr_wc(attr), .ps = 1,
                              .phys = page_2m.addr >> PD_SHIFT } };
}

pte_t pte_new_map_page(phys_addr_t page_4k, enum page_attr attr, bool nx)
{
    return (pte_t){ .bits = { .present = 1, .rw = attr_writable(attr), .xd = attr_no_execute(attr, nx),
                              .pwt = attr_wc(attr), .pat = attr_wc(attr), .phys = page_4k.addr >> PT_SHIFT } };
}

/* Present + the RW/XD bits for attr, as a mask for rewriting a leaf of any level in place. */
uint64_t pg_attr_bits(enum page_attr attr, bool nx)
{
    return pte_new_map_page(phys(0), attr, nx).raw & (PTE_P | PTE_RW | PTE_XD);
}

/* The page_attr a leaf's RW/XD bits stand for. Without nx, XD is never set, so !RW reads as
 * executable and RW as read-write. */
static enum page_attr decode_attr(uint64_t leaf, bool nx)
{
    pte_t rights = { .raw = leaf }; /* RW and XD sit at the same bits at every level */
    bool rw = rights.bits.rw, xd = rights.bits.xd;

    if (!nx)
        return rw ? PAGE_READ_WRITE : PAGE_EXECUTABLE;
    if (rw)
        return xd ? PAGE_READ_WRITE : PAGE_WRITE_EXECUTE;
    return xd ? PAGE_READ_ONLY : PAGE_EXECUTABLE;
}

const char *pg_error_name(enum pg_error err)
{
    switch (err) {
    case PG_OK: return "ok";
    case PG_NO_MEMORY: return "no-memory";
    case PG_NOT_PRESENT: return "not-present";
    case PG_NOT_CANONICAL: return "not-canonical";
    case PG_UNALIGNED: return "unaligned";
    case PG_ALREADY_MAPPED: return "already-mapped";
    }
    return "unknown";
}

/* The entry linking a fresh table from a level entry: P|RW, no US, XD or G. */
static uint64_t table_entry(int level, phys_addr_t table)
{
    switch (level) {
    case LV4: return pml4e_new_map_table(table).raw;
    case LV3: return pdpte_new_map_table(table).raw;
    default: return pde_new_map_table(table).raw;
    }
}

/* Links a new zeroed table into the non-present *slot at level. Allocates one page. */
static enum pg_error link_new_table(const struct address_space *as, uint64_t *slot, int level)
{
    phys_addr_t page;
    uint64_t *table;

    if (alloc_table(as, &page, &table) != PG_OK)
        return PG_NO_MEMORY;
    for (int i = 0; i < PT_ENTRIES; i++)
        table[i] = 0;
    set_entry(slot, table_entry(level, page));
    return PG_OK;
}

/* Copies the 512 entries of the table at `from` (raw entry or address: bits 12..51 are used) into a
 * new page, returned in *page. Allocates one page; never writes the source. */
static enum pg_error alloc_copy_of_table(const struct address_space *as, uint64_t from, phys_addr_t *page)
{
    const uint64_t *src = table_ptr(as, from);
    uint64_t *table;

    if (alloc_table(as, page, &table) != PG_OK)
        return PG_NO_MEMORY;
    for (int i = 0; i < PT_ENTRIES; i++)
        table[i] = src[i];
    return PG_OK;
}

/* Copy-on-write: copies the table *slot points to (a firmware table, never written) into a new
 * page and repoints *slot there, keeping its other bits. Sets *repointed: the CPU may still cache
 * the old table, so the caller owes a flush_all (see invalidate). Allocates one page. */
static enum pg_error copy_table(const struct address_space *as, uint64_t *slot, bool *repointed)
{
    phys_addr_t page;

    if (alloc_copy_of_table(as, *slot, &page) != PG_OK)
        return PG_NO_MEMORY;
    set_entry(slot, (*slot & ~PTE_ADDR_MASK) | (page.addr & PTE_ADDR_MASK));
    *repointed = true;
    return PG_OK;
}

/* Replaces the large page in *slot (LV3: 1 GiB, LV2: 2 MiB) with a table of 512 next-level pages
 * mapping the same addresses with identical attributes; PAT moves from bit 12 to bit 7 in 4 KiB
 * PTEs. The table is filled completely before *slot points to it, so translations never change.
 * The parent becomes P|RW|A plus its old US (permissions now live in the leaves). Sets
 * *repointed: the page size changed, so the caller owes a flush_all (see invalidate). One page. */
static enum pg_error split(const struct address_space *as, uint64_t *slot, int level, bool *repointed)
{
    uint64_t large = *slot, base = large & leaf_addr_mask[level], step = level_size(level - 1);
    uint64_t attrs = (large & ~PTE_ADDR_MASK) | (large & PTE_PAT_LARGE);
    phys_addr_t page;
    uint64_t *table;

    if (level == LV2) { /* bit 7 of a PTE is PAT where the PDE had PS; bit 12 is address */
        pte_t small = { .raw = large & ~PTE_ADDR_MASK };

        small.bits.pat = ((pde_t){ .raw = large }).page.pat;
        attrs = small.raw;
    }
    if (alloc_table(as, &page, &table) != PG_OK)
        return PG_NO_MEMORY;
    for (int i = 0; i < PT_ENTRIES; i++)
        table[i] = attrs | (base + (uint64_t)i * step);
    set_entry(slot, table_entry(level, page) | (large & PTE_US) | PTE_A);
    *repointed = true;
    return PG_OK;
}

/* Finds the slot of va's entry at level (LV4..LV1) and returns it in *entry, its level in *found.
 * create = false: reads only. Stops early at a large page above level (*found > level);
 *   PG_NOT_PRESENT when a table on the way is missing. The slot at level may be non-present.
 * create = true: makes the whole path ours: allocates missing tables (zeroed), copies firmware
 *   tables before writing into them and splits large pages in the way, so *entry lies in an owned
 *   table and *found == level. The root must be owned (pg_clone_root). On PG_NO_MEMORY every table
 *   is still consistent: a new table is linked only once complete. *repointed is set (never
 *   cleared) when a copy or split repointed a present entry, also when the walk then fails.
 * PG_NOT_CANONICAL for a non-canonical va. repointed may be NULL when create is false. */
static enum pg_error walk(const struct address_space *as, virt_addr_t va, int level, bool create,
                          uint64_t **entry, int *found, bool *repointed)
{
    uint64_t *table;

    if (!is_canonical(va.addr))
        return PG_NOT_CANONICAL;
    table = table_ptr(as, as->root.addr);
    for (int lvl = LV4; lvl > level; lvl--) {
        uint64_t *slot = &table[index_of(va, lvl)];
        enum pg_error err = PG_OK;

        if (!(*slot & PTE_P)) {
            if (!create)
                return PG_NOT_PRESENT;
            err = link_new_table(as, slot, lvl);
        } else if (is_leaf(*slot, lvl)) {
            if (!create) {
                *entry = slot;
                *found = lvl;
                return PG_OK;
            }
            err = split(as, slot, lvl, repointed);
        } else if (create && !owns(as, *slot)) {
            err = copy_table(as, slot, repointed);
        }
        if (err != PG_OK)
            return err;
        table = table_ptr(as, *slot);
    }
    *entry = &table[index_of(va, level)];
    *found = level;
    return PG_OK;
}

/* Read-only: the present leaf mapping va, its slot and level; PG_NOT_PRESENT if none. */
static enum pg_error find_leaf(const struct address_space *as, virt_addr_t va, uint64_t **slot,
                               int *level)
{
    enum pg_error err = walk(as, va, LV1, false, slot, level, NULL);

    if (err == PG_OK && !(**slot & PTE_P))
        return PG_NOT_PRESENT;
    return err;
}

/* Invalidation owed by one walk(create = true) towards va plus the leaf write after it; called
 * after the last write, on failure too. SDM Vol. 3A 4.10.4.2: a modified entry that maps a page
 * needs INVLPG for each page number it translates; one that references a table needs INVLPG for
 * each page number below it, or MOV to CR3 when it controls no global pages.
 * - leaf_changed (the present leaf mapping va was rewritten): invlpg va, even when a flush
 *   follows, since a leaf copied from the firmware may carry G and MOV to CR3 keeps those.
 * - repointed (a copy or split changed a present entry's address or page size): up to 512 GiB
 *   below it, so one flush_all (MOV to CR3) for the whole walk. Global pages below it keep their
 *   translations (copies and splits change none), so a stale global entry is still right.
 * Filling a non-present entry needs neither (4.10.4.3: nothing is cached from an entry with P = 0). */
static void invalidate(const struct address_space *as, virt_addr_t va, bool leaf_changed, bool repointed)
{
    if (leaf_changed)
        as->invlpg(as->hook_ctx, va);
    if (repointed)
        as->flush_all(as->hook_ctx);
}

/* Allocates the root and copies the 512 entries of the firmware PML4 at fw_root (low CR3 flag bits
 * ignored) into it. Lower levels stay shared with the firmware until written. One page. */
enum pg_error pg_clone_root(struct address_space *as, phys_addr_t fw_root)
{
    phys_addr_t page;

    if (alloc_copy_of_table(as, fw_root.addr, &page) != PG_OK)
        return PG_NO_MEMORY;
    as->root = phys(page.addr & PTE_ADDR_MASK);
    return PG_OK;
}

/* Writes leaf (built for pa by the level's constructor) as va's entry at level. va and pa must be
 * aligned to the page size (pa also below 2^52). PG_ALREADY_MAPPED if a present entry of that level
 * (a page of the same size, or a table) is there. A larger page covering va is split and the one
 * entry overwritten, followed by invlpg; a new entry needs none. Copies and splits on the way end
 * with one flush_all. Allocates up to 3 pages. */
static enum pg_error map_page(const struct address_space *as, virt_addr_t va, phys_addr_t pa,
                              int level, uint64_t leaf)
{
    uint64_t *slot;
    int found;
    bool remap, repointed = false;
    enum pg_error err;

    if (!is_canonical(va.addr))
        return PG_NOT_CANONICAL;
    if (!is_aligned(va.addr, level_size(level)) || (pa.addr & ~leaf_addr_mask[level]) != 0)
        return PG_UNALIGNED;
    err = walk(as, va, level, false, &slot, &found, NULL);
    if (err == PG_OK && found == level && (*slot & PTE_P))
        return PG_ALREADY_MAPPED;
    if (err != PG_OK && err != PG_NOT_PRESENT)
        return err;
    remap = err == PG_OK && found > level;
    err = walk(as, va, level, true, &slot, &found, &repointed);
    if (err == PG_OK)
        set_entry(slot, leaf);
    invalidate(as, va, err == PG_OK && remap, repointed);
    return err;
}

enum pg_error map4k_to(struct address_space *as, virt_addr_t va, phys_addr_t pa, enum page_attr attr)
{
    return map_page(as, va, pa, LV1, pte_new_map_page(pa, attr, as->nx).raw);
}

enum pg_error map2m_to(struct address_space *as, virt_addr_t va, phys_addr_t pa, enum page_attr attr)
{
    return map_page(as, va, pa, LV2, pde_new_map_page(pa, attr, as->nx).raw);
}

enum pg_error map1g_to(struct address_space *as, virt_addr_t va, phys_addr_t pa, enum page_attr attr)
{
    return map_page(as, va, pa, LV3, pdpte_new_map_page(pa, attr, as->nx).raw);
}

/* [addr, addr + size) runs past 2^64. */
static bool range_wraps(uint64_t addr, uint64_t size)
{
    return size != 0 && addr + (size - 1) < addr;
}

/* Maps [va, va + size) to [pa, pa + size): a 2 MiB page wherever va and pa are 2 MiB aligned and at
 * least 2 MiB remain, 4 KiB pages elsewhere. Stops at the first error and returns it; pages mapped
 * before it stay mapped. PG_UNALIGNED if va, pa or size is not 4 KiB aligned or a range wraps. */
enum pg_error pg_map_range(struct address_space *as, virt_addr_t va, phys_addr_t pa, uint64_t size,
                           enum page_attr attr)
{
    if (!is_aligned(va.addr | pa.addr | size, PAGE_SIZE_4K) || range_wraps(va.addr, size) ||
        range_wraps(pa.addr, size))
        return PG_UNALIGNED;
    while (size > 0) {
        uint64_t step = PAGE_SIZE_4K;
        enum pg_error err;

        if (is_aligned(va.addr | pa.addr, PAGE_SIZE_2M) && size >= PAGE_SIZE_2M) {
            step = PAGE_SIZE_2M;
            err = map2m_to(as, va, pa, attr);
        } else {
            err = map4k_to(as, va, pa, attr);
        }
        if (err != PG_OK)
            return err;
        va.addr += step;
        pa.addr += step;
        size -= step;
    }
    return PG_OK;
}

/* Gives the present leaf *slot at *level (covering va, at most len bytes from va on) the RW/XD bits
 * perm. A page that already has them is left alone, even if it straddles the range. Otherwise the
 * largest page starting at va and ending within len is rewritten (splitting what is larger), with
 * invlpg, and flush_all after copies or splits. *step = bytes of the range dealt with. */
static enum pg_error protect_page(const struct address_space *as, virt_addr_t va, uint64_t len,
                                  uint64_t perm, uint64_t *slot, int level, uint64_t *step)
{
    uint64_t size = level_size(level);
    bool repointed = false;
    enum pg_error err;

    *step = align_down(va.addr, size) + size - va.addr;
    if ((*slot & (PTE_RW | PTE_XD)) == perm)
        return PG_OK;
    while (level > LV1 && (!is_aligned(va.addr, size) || size > len))
        size = level_size(--level);
    err = walk(as, va, level, true, &slot, &level, &repointed);
    if (err == PG_OK) {
        set_entry(slot, (*slot & ~(PTE_RW | PTE_XD)) | perm);
        *step = size;
    }
    invalidate(as, va, err == PG_OK, repointed);
    return err;
}

/* Sets the permissions of every page in [va, va + len) (4 KiB aligned) to attr, keeping all other
 * bits (address, PAT, PWT/PCD, A/D, ...). Large pages inside the range are rewritten whole; those
 * straddling an edge are split first. Stops at the first hole (PG_NOT_PRESENT) or error, keeping
 * the changes made before it. May allocate (copies and splits). */
enum pg_error pg_protect(struct address_space *as, virt_addr_t va, uint64_t len, enum page_attr attr)
{
    uint64_t perm = pg_attr_bits(attr, as->nx) & (PTE_RW | PTE_XD);

    if (!is_aligned(va.addr | len, PAGE_SIZE_4K) || range_wraps(va.addr, len))
        return PG_UNALIGNED;
    while (len > 0) {
        uint64_t *slot, step;
        int level;
        enum pg_error err = find_leaf(as, va, &slot, &level);

        if (err == PG_OK)
            err = protect_page(as, va, len, perm, slot, level, &step);
        if (err != PG_OK)
            return err;
        if (step > len)
            step = len;
        va.addr += step;
        len -= step;
    }
    return PG_OK;
}

/* Removes the 4 KiB mapping at va, splitting a large page that covers it (its other pages stay
 * mapped), then invlpg (and flush_all after copies or splits). PG_NOT_PRESENT if va is not
 * mapped. May allocate (copies and splits). */
enum pg_error pg_unmap(struct address_space *as, virt_addr_t va)
{
    uint64_t *slot;
    int level;
    bool repointed = false;
    enum pg_error err;

    if (!is_aligned(va.addr, PAGE_SIZE_4K))
        return PG_UNALIGNED;
    err = find_leaf(as, va, &slot, &level);
    if (err != PG_OK)
        return err;
    err = walk(as, va, LV1, true, &slot, &level, &repointed);
    if (err == PG_OK)
        set_entry(slot, 0);
    invalidate(as, va, err == PG_OK, repointed);
    return err;
}

/* Read-only walk: va's physical address (with the offset in its page), page size, attr and raw
 * leaf. Permissions come from the leaf alone (ember keeps intermediate entries permissive). */
enum pg_error pg_translate(const struct address_space *as, virt_addr_t va, struct translation *out)
{
    uint64_t *slot, size;
    int level;
    enum pg_error err = find_leaf(as, va, &slot, &level);

    if (err != PG_OK)
        return err;
    size = level_size(level);
    out->leaf = *slot;
    out->page_size = size;
    out->phys = phys((*slot & leaf_addr_mask[level]) | (va.addr & (size - 1)));
    out->attr = decode_attr(*slot, as->nx);
    return PG_OK;
}
