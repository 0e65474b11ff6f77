/* ember-inspect: the kernel's own mapping built by the loader's paging code (arch/x86_64/paging.c)
 * in simulated physical memory, to count the table pages and the page size of every leaf. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86_64/paging.h"
#include "core/fmt.h"
#include "inspect.h"

/* Table pages live at simulated physical [MODEL_BASE, + MODEL_PAGES pages): an address no kernel
 * segment in the model uses (page 0 is the empty "firmware" root ember clones). */
#define MODEL_BASE 0x7f0000000000ULL
#define MODEL_PAGES 4096u
#define MODEL_BYTES ((size_t)MODEL_PAGES * PAGE_SIZE_4K)

struct model {
    uint8_t *pages;
    unsigned used; /* pages handed out, the firmware root included */
};

static void *model_ptr(void *ctx, phys_addr_t a)
{
    struct model *m = ctx;
    if (a.addr < MODEL_BASE || a.addr >= MODEL_BASE + (uint64_t)MODEL_PAGES * PAGE_SIZE_4K)
        abort(); /* the paging code only ever touches table pages */
    return m->pages + (a.addr - MODEL_BASE);
}

static bool model_alloc(void *ctx, phys_addr_t *page)
{
    struct model *m = ctx;
    if (m->used == MODEL_PAGES)
        return false;
    *page = phys(MODEL_BASE + (uint64_t)m->used++ * PAGE_SIZE_4K);
    return true;
}

static bool model_owns(void *ctx, phys_addr_t page)
{
    const struct model *m = ctx;
    return page.addr >= MODEL_BASE + PAGE_SIZE_4K && page.addr < MODEL_BASE + (uint64_t)m->used * PAGE_SIZE_4K;
}

static void no_invlpg(void *ctx, virt_addr_t a) { (void)ctx, (void)a; }
static void no_flush(void *ctx) { (void)ctx; }

/* Counts the leaves covering segment s: every distinct 4 KiB and 2 MiB page. */
static void count_leaves(const struct address_space *as, const struct elf_segment *s, struct inspect_segment *out)
{
    uint64_t last_2m = UINT64_MAX;
    uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);

    for (uint64_t va = s->vaddr & ~(PAGE_SIZE_4K - 1); va < end; va += PAGE_SIZE_4K) {
        struct translation t;
        if (pg_translate(as, virt(va), &t) != PG_OK)
            continue;
        if (t.page_size == PAGE_SIZE_4K)
            out->pages_4k++;
        else if ((va & ~(PAGE_SIZE_2M - 1)) != last_2m)
            out->pages_2m++, last_2m = va & ~(PAGE_SIZE_2M - 1);
    }
}

bool inspect_page_model(struct inspect_report *r)
{
    /* mmap: zero pages that cost nothing until the paging code touches them */
    void *pages = mmap(NULL, MODEL_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct model m = { pages == MAP_FAILED ? NULL : pages, 1 };
    struct address_space as = { .nx = true, .phys_to_ptr = model_ptr, .invlpg = no_invlpg, .flush_all = no_flush,
                                .hook_ctx = &m, .alloc = { model_alloc, model_owns, &m } };
    enum pg_error err = m.pages == NULL ? PG_NO_MEMORY : pg_clone_root(&as, phys(MODEL_BASE));

    for (unsigned i = 0; err == PG_OK && i < r->plan.region_count; i++) {
        const struct elf_region *g = &r->plan.regions[i];
        err = pg_map_range(&as, virt(g->vaddr), phys(r->region_phys[i]), g->size, g->attr);
    }
    for (unsigned k = 0; err == PG_OK && k < r->plan.count; k++)
        count_leaves(&as, &r->plan.segments[k], &r->segs[k]);
    r->table_pages = m.used - 1; /* the firmware root is not ember's */
    if (m.pages != NULL)
        munmap(m.pages, MODEL_BYTES);
    if (err == PG_NO_MEMORY && m.pages != NULL) { /* a huge kernel: say so, the verdict still stands */
        r->tables_beyond_model = true;
        return true;
    }
    if (err != PG_OK)
        inspect_assume(r, "no page-table count: the loader's paging code refused the model (%s)", pg_error_name(err));
    return m.pages != NULL;
}
