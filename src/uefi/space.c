/* The kernel's address space: page-table pool, taking over CR3, the demo page at 0xFFFFFFFFDEAD0000, the direct map. */
#include "uefi/boot.h"
#include "uefi/log.h"
#include "core/memmap.h"
#include "proto/proto.h"

#define TABLE_BATCH_PAGES 16
#define DEMO_VIRT DECIDE_DEMO_VIRT
#define DEMO_PHYS 0x100000ULL
#define DEMO_VALUE 0x1BADB002DEADBEEFULL

static bool pool_alloc(void *ctx, phys_addr_t *page)
{
    struct table_pool *pool = ctx;

    if (pool->batch_count == 0 || pool->used_in_last == pool->batches[pool->batch_count - 1].pages) {
        EFI_PHYSICAL_ADDRESS base;
        if (pool->batch_count == TABLE_POOL_BATCHES) {
            log_error("page-table pool: all %u batches used", TABLE_POOL_BATCHES);
            return false;
        }
        if (EFI_ERROR(mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_PAGE_TABLES, TABLE_BATCH_PAGES, &base)))
            return false;
        pool->batches[pool->batch_count].base = base;
        pool->batches[pool->batch_count].pages = TABLE_BATCH_PAGES;
        pool->batch_count++;
        pool->used_in_last = 0;
    }
    *page = phys(pool->batches[pool->batch_count - 1].base + pool->used_in_last * PAGE_SIZE_4K);
    pool->used_in_last++;
    pool->pages_handed_out++;
    return true;
}

static bool pool_owns(void *ctx, phys_addr_t page)
{
    const struct table_pool *pool = ctx;
    for (unsigned i = 0; i < pool->batch_count; i++)
        if (page.addr >= pool->batches[i].base &&
            page.addr - pool->batches[i].base < pool->batches[i].pages * PAGE_SIZE_4K)
            return true;
    return false;
}

struct pg_allocator table_pool_allocator(struct table_pool *pool)
{
    return (struct pg_allocator){ pool_alloc, pool_owns, pool };
}

void table_pool_trim(struct table_pool *pool)
{
    if (pool->batch_count == 0)
        return;
    unsigned last = pool->batch_count - 1;
    mem_shrink_pages(pool->batches[last].base, pool->batches[last].pages, pool->used_in_last);
    pool->batches[last].pages = pool->used_in_last;
}

EFI_STATUS paging_failure(enum pg_error err, const char *what, uint64_t virt)
{
    log_error("%s failed at 0x%llx: %s", what, (unsigned long long)virt, pg_error_name(err));
    return err == PG_NO_MEMORY ? EFI_OUT_OF_RESOURCES : EFI_LOAD_ERROR;
}

/* Hashes a table page's entries without their Accessed and Dirty bits: the CPU sets those in the
 * firmware's entries that ember's tables share, which is not a write by ember. */
static uint64_t hash_page(uint64_t hash, phys_addr_t page)
{
    const uint64_t *entries = (const uint64_t *)(uintptr_t)page.addr;
    for (unsigned k = 0; k < PT_ENTRIES; k++) {
        uint64_t e = entries[k] & ~(PTE_A | PTE_D);
        for (unsigned byte = 0; byte < 8; byte++)
            hash = (hash ^ ((e >> (8 * byte)) & 0xFF)) * 0x100000001b3ULL;
    }
    return hash;
}

/* FNV-1a over the firmware's table pages (PML4, PDPTs, PDs, PTs) reachable from the firmware's
 * own root, which ember never writes: a debug log before and after proves the whole tree unchanged.
 * *pages receives the number of pages hashed. */
static uint64_t hash_table_tree(phys_addr_t table, int level, uint64_t hash, unsigned *pages)
{
    const uint64_t *entries = (const uint64_t *)(uintptr_t)table.addr;

    hash = hash_page(hash, table);
    (*pages)++;
    if (level == 1)
        return hash;
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if ((entries[i] & PTE_P) && !(level < 4 && (entries[i] & PTE_PS)))
            hash = hash_table_tree(phys(entries[i] & PTE_ADDR_MASK), level - 1, hash, pages);
    return hash;
}

static void log_firmware_tables(struct boot *b, const char *when)
{
    unsigned pages = 0;

    if (!log_enabled(LOG_DEBUG)) /* hashing ~1000 table pages costs ~17 ms under TCG */
        return;
    uint64_t hash = hash_table_tree(b->firmware_root, 4, 0xcbf29ce484222325ULL, &pages);
    log_debug("firmware page tables %s: %u pages, checksum 0x%016llx", when, pages, (unsigned long long)hash);
}

EFI_STATUS stage_take_over_page_tables(struct boot *b)
{
    struct pg_allocator alloc = table_pool_allocator(&b->tables);
    struct control_regs regs = arch_read_control_regs();
    const char *why = arch_check_paging_mode(&regs);
    enum pg_error err;

    if (why != NULL) { /* before NXE is touched or a table page allocated */
        log_error("cannot take over paging: %s", why);
        return EFI_UNSUPPORTED;
    }
    log_debug("paging mode: CR0 0x%llx, CR4 0x%llx, EFER 0x%llx (4-level, long mode)",
              (unsigned long long)regs.cr0, (unsigned long long)regs.cr4, (unsigned long long)regs.efer);
    b->cpu = arch_cpu_features();
    b->nx = arch_enable_nx(&b->cpu);
    if (!b->nx)
        log_warn("CPU has no NX: no XD bits will be set, data pages stay executable");
    b->firmware_root = arch_read_page_root();
    log_firmware_tables(b, "before");
    err = set_lv4_writable(&b->space, &alloc, b->nx, &b->firmware_root);
    if (err != PG_OK)
        return paging_failure(err, "set_lv4_writable", 0);
    b->root_switched = true;
    log_info("page tables: firmware PML4 0x%llx copied to 0x%llx, CR3 loaded (NX %s, 1 GiB pages %s)",
             (unsigned long long)b->firmware_root.addr, (unsigned long long)b->space.root.addr,
             b->nx ? "on" : "off", b->cpu.pages_1g ? "yes" : "no");
    return EFI_SUCCESS;
}

/* Forces a split + copy-on-write of the firmware's identity map around `page` and proves every
 * other page of its 2 MiB neighbourhood still translates exactly as before. */
static EFI_STATUS check_identity_split(struct boot *b, phys_addr_t page)
{
    uint64_t base = align_down(page.addr, PAGE_SIZE_2M);
    struct translation before, after, target;
    unsigned changed = 0;
    enum pg_error err = pg_translate(&b->space, virt(page.addr), &target);

    if (err != PG_OK)
        return paging_failure(err, "identity translate", page.addr);
    err = pg_protect(&b->space, virt(page.addr), PAGE_SIZE_4K, PAGE_READ_ONLY);
    if (err == PG_OK)
        err = pg_protect(&b->space, virt(page.addr), PAGE_SIZE_4K, target.attr);
    if (err != PG_OK)
        return paging_failure(err, "identity protect", page.addr);
    for (uint64_t va = base; va < base + PAGE_SIZE_2M; va += PAGE_SIZE_4K) {
        /* the firmware tree is untouched, so it still tells what the translation was */
        struct address_space firmware_view = b->space;
        firmware_view.root = b->firmware_root;
        bool ok = pg_translate(&firmware_view, virt(va), &before) == PG_OK &&
                  pg_translate(&b->space, virt(va), &after) == PG_OK && before.phys.addr == after.phys.addr &&
                  before.attr == after.attr;
        changed += !ok;
    }
    log_info("identity split check: page 0x%llx was in a %llu KiB firmware page; %u of 512 neighbours changed",
             (unsigned long long)page.addr, (unsigned long long)(target.page_size / KIB), changed);
    return changed == 0 ? EFI_SUCCESS : EFI_LOAD_ERROR;
}

/* The demo mapping, with demo_map=yes in ember.cfg: map 0xFFFFFFFFDEAD0000 -> a page at 0x100000
 * (or anywhere, when that is taken), write through the new address, read back through the identity
 * map, then force a split + copy-on-write of the firmware's identity map around that page. The page
 * stays mapped through handoff so `vmmap` shows it. Off by default: it costs five table pages. */
EFI_STATUS stage_demo_mapping(struct boot *b)
{
    EFI_PHYSICAL_ADDRESS page = DEMO_PHYS;
    EFI_STATUS status;
    enum pg_error err;
    struct decide_diag diag;

    if (!pipe_demo_page(&b->config, &b->kernel.plan, &diag))
        return log_refusal(b, &diag);
    if (!b->config.demo_map)
        return EFI_SUCCESS;
    status = mem_alloc_pages(AllocateAddress, EMBER_UEFI_TYPE_RECLAIMABLE, 1, &page);
    if (EFI_ERROR(status))
        status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE, 1, &page);
    if (EFI_ERROR(status))
        return status;
    err = map4k_to(&b->space, virt(DEMO_VIRT), phys(page), PAGE_READ_WRITE);
    if (err != PG_OK)
        return paging_failure(err, "map4k_to (demo)", DEMO_VIRT);
    *(volatile uint64_t *)(uintptr_t)DEMO_VIRT = DEMO_VALUE;
    uint64_t readback = *(volatile uint64_t *)(uintptr_t)page;
    log_info("demo mapping 0x%llx -> 0x%llx: wrote 0x%llx, read back 0x%llx through the identity map: %s",
             DEMO_VIRT, (unsigned long long)page, DEMO_VALUE, (unsigned long long)readback,
             readback == DEMO_VALUE ? "ok" : "MISMATCH");
    if (readback != DEMO_VALUE)
        return EFI_LOAD_ERROR;
    return check_identity_split(b, phys(page));
}

/* True when the firmware's PML4 maps anything in [vaddr, vaddr + size): only then can a kernel
 * region collide with the firmware's identity map (ember's own mappings never overlap a region). */
static bool firmware_maps_any(const struct boot *b, uint64_t vaddr, uint64_t size)
{
    const uint64_t *pml4 = (const uint64_t *)(uintptr_t)b->firmware_root.addr;
    for (uint64_t i = (vaddr >> PML4_SHIFT) & 511; i <= ((vaddr + size - 1) >> PML4_SHIFT & 511); i++)
        if (pml4[i] & PTE_P)
            return true;
    return false;
}

/* Maps a region. Pages the firmware's identity map already has there (a kernel linked in the lower
 * half) are unmapped first and the region is then mapped with 4 KiB pages. */
static EFI_STATUS map_region(struct boot *b, struct address_space *as, const struct elf_region *r,
                             phys_addr_t base)
{
    unsigned replaced = 0;
    struct translation t;
    enum pg_error err = PG_OK;
    uint64_t check_size = firmware_maps_any(b, r->vaddr, r->size) ? r->size : 0;

    for (uint64_t off = 0; off < check_size && err == PG_OK; off += PAGE_SIZE_4K)
        if (pg_translate(as, virt(r->vaddr + off), &t) == PG_OK) {
            replaced++;
            err = pg_unmap(as, virt(r->vaddr + off));
        }
    if (replaced > 0) {
        log_info("region 0x%llx overlaps %u mapped pages (firmware identity map): replacing them",
                 (unsigned long long)r->vaddr, replaced);
        for (uint64_t off = 0; off < r->size && err == PG_OK; off += PAGE_SIZE_4K)
            err = map4k_to(as, virt(r->vaddr + off), phys(base.addr + off), r->attr);
    } else if (err == PG_OK) {
        err = pg_map_range(as, virt(r->vaddr), base, r->size, r->attr);
    }
    return err == PG_OK ? EFI_SUCCESS : paging_failure(err, "mapping kernel region", r->vaddr);
}

EFI_STATUS space_map_segments(struct boot *b, struct address_space *as)
{
    for (unsigned i = 0; i < b->kernel.plan.region_count; i++) {
        EFI_STATUS status = map_region(b, as, &b->kernel.plan.regions[i], b->kernel.regions[i].phys);
        if (EFI_ERROR(status))
            return status;
    }
    return EFI_SUCCESS;
}

/* Maps one page of `size` bytes (1 GiB, 2 MiB or 4 KiB) of the direct map. */
static enum pg_error map_direct_page(struct address_space *as, virt_addr_t va, phys_addr_t pa, uint64_t size,
                                     enum page_attr attr)
{
    if (size == PAGE_SIZE_1G)
        return map1g_to(as, va, pa, attr);
    if (size == PAGE_SIZE_2M)
        return map2m_to(as, va, pa, attr);
    return map4k_to(as, va, pa, attr);
}

EFI_STATUS space_map_direct(struct boot *b, struct address_space *as, uint64_t base, uint64_t size,
                            enum page_attr attr)
{
    static const uint64_t sizes[] = { PAGE_SIZE_1G, PAGE_SIZE_2M, PAGE_SIZE_4K };
    uint64_t pa = align_down(base, PAGE_SIZE_4K), end;

    if (!align_up_checked(base + size, PAGE_SIZE_4K, &end))
        return paging_failure(PG_UNALIGNED, "direct map", base);
    while (pa < end) {
        virt_addr_t va = virt(b->hhdm_offset + pa);
        enum pg_error err = PG_ALREADY_MAPPED;
        uint64_t step = PAGE_SIZE_4K;
        struct translation t;
        if (pg_translate(as, va, &t) == PG_OK) { /* mapped by an earlier range: keep it as it is */
            pa = align_down(pa, t.page_size) + t.page_size;
            continue;
        }
        /* the largest page that fits; where part of it is mapped already (ranges given by a protocol
         * may share pages, e.g. the framebuffer inside [0, 4 GiB)) the next size down fills the rest */
        for (unsigned i = 0; i < ARRAY_LEN(sizes) && err == PG_ALREADY_MAPPED; i++) {
            if (sizes[i] > b->hhdm_page_size || !is_aligned(pa, sizes[i]) || end - pa < sizes[i])
                continue;
            step = sizes[i];
            err = map_direct_page(as, va, phys(pa), step, attr);
        }
        if (err == PG_ALREADY_MAPPED)
            err = PG_OK;
        if (err != PG_OK)
            return paging_failure(err, "direct map", va.addr);
        pa += step;
    }
    return EFI_SUCCESS;
}

EFI_STATUS stage_map_kernel_view(struct boot *b)
{
    EFI_STATUS status = b->proto->map(b);

    if (EFI_ERROR(status))
        return status;
    b->tsc.mapped = arch_timestamp();
    log_info("%s view mapped; %llu page-table pages in use", b->proto->name,
             (unsigned long long)b->tables.pages_handed_out);
    log_firmware_tables(b, "after");
    return EFI_SUCCESS;
}
