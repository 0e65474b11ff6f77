/* ember-inspect's analysis: the loader's stages that depend only on ember.cfg and the kernel's bytes,
 * run through the same pure functions the loader calls, in the loader's order. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ember/fmt.h"
#include "ember/limine.h"
#include "ember/sha256.h"
#include "inspect.h"

#define SPAN_MODEL_BASE 0x1000000ULL /* where the span is shown when ember picks the address at boot */
#define PHYS_LIMIT (1ULL << 52)      /* no physical address reaches this (SDM Vol. 3A 4.1.4, MAXPHYADDR) */

/* The kernel's regions in host memory, as the loader holds them after "load kernel segments", up to
 * each region's last file-backed byte (the zeros past it are never read: a huge .bss costs nothing). */
struct image {
    uint8_t *region[ELF_MAX_LOAD_SEGMENTS];
    uint64_t held[ELF_MAX_LOAD_SEGMENTS]; /* bytes of region[i] */
    const struct elf_plan *plan;
};

void inspect_assume(struct inspect_report *r, const char *fmt, ...)
{
    va_list ap;

    if (r->assumption_count == INSPECT_MAX_ASSUMPTIONS)
        return;
    va_start(ap, fmt);
    fmt_vformat(r->assumptions[r->assumption_count++], INSPECT_TEXT_MAX, fmt, ap);
    va_end(ap);
}

static bool refused(struct inspect_report *r, const char *stage)
{
    r->verdict = INSPECT_REFUSED;
    r->stage = stage;
    return false;
}

/* Stage "read ember.cfg". */
static bool read_config(struct inspect_report *r, const char *text, size_t len)
{
    struct config_diag d;

    config_defaults(&r->cfg);
    r->config_given = text != NULL;
    if (text != NULL && !decide_config_size(len, &r->diag))
        return refused(r, "read ember.cfg");
    if (text == NULL || config_parse(text, len, &r->cfg, &d) == CONFIG_OK)
        return true;
    r->diag.rule = DECIDE_OK;
    r->diag.rule_name = config_error_name(d.code);
    fmt_format(r->diag.message, sizeof r->diag.message, "%s", d.message);
    return refused(r, "read ember.cfg");
}

/* Stage "read kernel headers": header, program headers, plan, the relocatable re-plan. */
static bool read_headers(struct inspect_report *r, const uint8_t *file, uint64_t size)
{
    struct elf_options opts;
    struct elf_diag elf = { ELF_OK, "" };
    elf64_ehdr_t eh;
    static elf64_phdr_t phdrs[ELF_MAX_PHNUM];
    uint64_t phoff, phsize, head = size < sizeof eh ? size : sizeof eh;

    if (!decide_kernel_size(r->cfg.kernel, size, &r->diag))
        return refused(r, "read kernel headers");
    decide_elf_options(&r->cfg, &opts);
    memset(&eh, 0, sizeof eh);
    memcpy(&eh, file, head);
    bool valid = elf_check_header(&eh, head, size, &opts, &phoff, &phsize, &elf) == ELF_OK;
    if (valid) /* the header rules keep [phoff, phoff + phsize) inside the file and phdrs[] */
        memcpy(phdrs, file + phoff, phsize);
    if (!valid || elf_build_plan(&eh, phdrs, size, &opts, &r->plan, &elf) != ELF_OK) {
        decide_elf_failure(r->cfg.kernel, &elf, &r->diag);
        return refused(r, "read kernel headers");
    }
    if (!decide_replan_relocatable(&r->cfg, &eh, phdrs, size, &r->plan, &r->diag))
        return refused(r, "read kernel headers");
    r->have_plan = true;
    return true;
}

/* Where stage "place kernel" would put each region (src/place.c): lower half at paddr == vaddr,
 * higher half at p_paddr (ember, auto), else one piece ember picks at boot, 2 MiB-congruent. */
static void model_placement(struct inspect_report *r)
{
    uint64_t *region_phys = r->region_phys;
    const struct elf_plan *p = &r->plan;
    bool span = config_protocol_is(&r->cfg, "limine") || p->is_dyn;
    uint64_t lo = UINT64_MAX, hi = 0;
    bool paddr_impossible = false;

    for (unsigned i = 0; i < p->region_count; i++) {
        const struct elf_region *g = &p->regions[i];
        if (decide_in_lower_half(g)) {
            region_phys[i] = g->vaddr;
            inspect_assume(r, "[0x%llx, 0x%llx) is free RAM at boot: a lower-half segment loads at paddr == vaddr",
                           (unsigned long long)g->vaddr, (unsigned long long)(g->vaddr + g->size));
            continue;
        }
        lo = g->vaddr < lo ? g->vaddr : lo;
        hi = g->vaddr + g->size;
        region_phys[i] = g->paddr;
        paddr_impossible |= g->paddr >= PHYS_LIMIT || g->size > PHYS_LIMIT - g->paddr;
    }
    span |= paddr_impossible; /* AllocateAddress there fails on every machine: place_span */
    if (lo == UINT64_MAX) {
        fmt_format(r->placement, sizeof r->placement, "lower half: every segment at paddr == vaddr");
        return;
    }
    uint64_t align = hi - lo >= PAGE_SIZE_2M ? PAGE_SIZE_2M : PAGE_SIZE_4K;
    uint64_t base = SPAN_MODEL_BASE + (lo & (align - 1));
    if (span) {
        for (unsigned i = 0; i < p->region_count; i++)
            if (!decide_in_lower_half(&p->regions[i]))
                region_phys[i] = base + (p->regions[i].vaddr - lo);
        fmt_format(r->placement, sizeof r->placement, "one piece of %llu KiB wherever it fits at boot, %s-congruent "
                   "with 0x%llx (shown at 0x%llx)", (unsigned long long)((hi - lo) / KIB),
                   align == PAGE_SIZE_2M ? "2 MiB" : "4 KiB", (unsigned long long)lo, (unsigned long long)base);
        return;
    }
    fmt_format(r->placement, sizeof r->placement, "at p_paddr; when that is busy at boot, one piece elsewhere, "
               "%s-congruent with 0x%llx", align == PAGE_SIZE_2M ? "2 MiB" : "4 KiB", (unsigned long long)lo);
    inspect_assume(r, "p_paddr ranges are free RAM at boot (else the kernel moves in one piece, same page sizes)");
}

/* Stage "load kernel segments": each region's bytes (file bytes, zeros elsewhere), then the pin. */
static bool load_segments(struct inspect_report *r, const uint8_t *file, uint64_t size, struct image *img)
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    char what[CONFIG_PATH_MAX + 16];

    img->plan = &r->plan;
    for (unsigned i = 0; i < r->plan.region_count; i++) {
        const struct elf_region *g = &r->plan.regions[i];
        for (unsigned k = g->first; k < g->first + g->count; k++) {
            uint64_t end = r->plan.segments[k].vaddr - g->vaddr + r->plan.segments[k].filesz;
            img->held[i] = end > img->held[i] ? end : img->held[i];
        }
        if ((img->region[i] = calloc(1, img->held[i] + 1)) == NULL)
            return false;
        for (unsigned k = g->first; k < g->first + g->count; k++) {
            const struct elf_segment *s = &r->plan.segments[k];
            memcpy(img->region[i] + (s->vaddr - g->vaddr), file + s->offset, s->filesz);
        }
    }
    sha256_init(&ctx);
    sha256_update(&ctx, file, (size_t)size);
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, r->kernel_sha256);
    fmt_format(what, sizeof what, "kernel %s", r->cfg.kernel);
    if (r->cfg.has_kernel_sha256 && !decide_pin(what, digest, r->cfg.kernel_sha256, r->kernel_sha256, &r->diag))
        return refused(r, "load kernel segments");
    return true;
}

/* reloc_apply's view: linked address + slide inside one region. */
static void *image_ptr(void *ctx, uint64_t linked, uint64_t len)
{
    const struct image *img = ctx;
    uint64_t va = linked + img->plan->slide;
    for (unsigned i = 0; i < img->plan->region_count; i++) {
        const struct elf_region *g = &img->plan->regions[i];
        if (va >= g->vaddr && va - g->vaddr <= img->held[i] && len <= img->held[i] - (va - g->vaddr))
            return img->region[i] + (va - g->vaddr);
    }
    return NULL;
}



/* Stage "choose protocol" for a Limine kernel (limine_prepare's order): layout, scan, revision,
 * relocation, the boot-changing requests. */
static bool prepare_limine(struct inspect_report *r, struct image *img)
{
    struct lscan_segment segs[ELF_MAX_LOAD_SEGMENTS];
    struct lscan_diag scan_diag;
    struct reloc_diag reloc_diag;
    struct reloc_stats stats;

    if (!decide_limine_layout(&r->plan, r->region_phys, &r->diag))
        return refused(r, "choose protocol");
    if (lscan_scan(segs, decide_scan_segments(&r->plan, img->region, segs), &r->scan, &scan_diag) != LSCAN_OK) {
        decide_scan_failure(&scan_diag, &r->diag);
        return refused(r, "choose protocol");
    }
    r->limine_scanned = true;
    r->base_revision = decide_limine_revision(&r->scan);
    if (r->scan.has_tag && r->scan.revision != r->base_revision)
        inspect_assume(r, "none: the kernel asks for base revision %llu; ember boots it as revision %llu (a warning)",
                       (unsigned long long)r->scan.revision, (unsigned long long)r->base_revision);
    struct reloc_image ri = { image_ptr, img, r->plan.slide };
    if (r->plan.is_dyn &&
        reloc_apply(&ri, r->plan.dynamic_vaddr - r->plan.slide, r->plan.dynamic_size, &stats, &reloc_diag) != RELOC_OK) {
        decide_reloc_failure(&reloc_diag, &r->diag);
        return refused(r, "choose protocol");
    }
    if (!decide_limine_boot_requests(&r->scan, &r->plan, &r->stack_size, &r->entry, &r->diag))
        return refused(r, "choose protocol");
    inspect_limine_requests(r);
    return true;
}

/* Stage "choose protocol". */
static bool choose_protocol(struct inspect_report *r, struct image *img)
{
    struct lscan_segment segs[ELF_MAX_LOAD_SEGMENTS];
    char detect_why[160] = "";
    bool automatic = !config_protocol_is(&r->cfg, "limine") && !config_protocol_is(&r->cfg, "ember");
    bool marks = automatic &&
                 lscan_detect(segs, decide_scan_segments(&r->plan, img->region, segs), detect_why, sizeof detect_why);

    r->protocol = decide_protocol(&r->cfg, marks, detect_why, r->protocol_why, sizeof r->protocol_why);
    r->have_protocol = true;
    r->entry = r->plan.entry;
    r->stack_size = r->cfg.stack_size;
    if (r->protocol == DECIDE_PROTO_LIMINE)
        return prepare_limine(r, img);
    if (!decide_ember_kernel(&r->cfg, &r->plan, &r->diag))
        return refused(r, "choose protocol");
    return true;
}

/* Boot-time facts every boot depends on, said once. */
static void common_assumptions(struct inspect_report *r)
{
    inspect_assume(r, "%llu KiB of free RAM for the kernel's segments", (unsigned long long)(r->kernel_bytes / KIB));
    if (r->cfg.module_count > 0)
        inspect_assume(r, "the %u module file(s) in ember.cfg are on the ESP (read at boot)", r->cfg.module_count);
    if (r->cfg.fail_alloc_at != 0 || r->cfg.test_faults != 0)
        inspect_assume(r, "test knobs are set (fail_alloc_at/test_fault): the boot fails or bends on purpose");
    inspect_assume(r, "the direct map covers the RAM found at boot: its page tables come on top of the ones shown");
}

bool inspect_run(const uint8_t *kernel, uint64_t size, const char *config_text, size_t config_len,
                 struct inspect_report *r)
{
    static struct image img;
    bool host_ok;

    memset(&img, 0, sizeof img);
    memset(r, 0, sizeof *r);
    r->verdict = INSPECT_BOOTS;
    r->kernel_size = size;
    if (!read_config(r, config_text, config_len) || !read_headers(r, kernel, size))
        return true;
    model_placement(r);
    for (unsigned i = 0; i < r->plan.region_count; i++) {
        const struct elf_region *g = &r->plan.regions[i];
        r->kernel_bytes += g->size;
        for (unsigned k = g->first; k < g->first + g->count; k++)
            r->segs[k].phys = r->region_phys[i] + (r->plan.segments[k].vaddr - g->vaddr);
    }
    if (!inspect_page_model(r))
        return false;
    bool ok = load_segments(r, kernel, size, &img) && choose_protocol(r, &img);
    if (ok)
        common_assumptions(r);
    host_ok = ok || r->verdict == INSPECT_REFUSED;
    for (unsigned i = 0; i < ELF_MAX_LOAD_SEGMENTS; i++)
        free(img.region[i]);
    return host_ok;
}
