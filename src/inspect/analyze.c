/* ember-inspect's analysis: the loader's own pipeline (src/core/pipeline.h) run on the host,
 * step by step in the loader's order, with a model of physical memory and the kernel's regions in
 * host buffers. Nothing here decides; it records what the steps decided and what they assumed. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/fmt.h"
#include "ember/limine.h"
#include "core/sha256.h"
#include "core/mbheader.h"
#include "inspect.h"

#define SPAN_MODEL_BASE 0x1000000ULL /* where a span is shown when ember picks the address at boot */
#define PHYS_LIMIT (1ULL << 52)      /* no physical address reaches this (SDM Vol. 3A 4.1.4, MAXPHYADDR) */

void inspect_assume(struct inspect_report *r, const char *fmt, ...)
{
    va_list ap;

    if (r->assumption_count == INSPECT_MAX_ASSUMPTIONS)
        return;
    va_start(ap, fmt);
    fmt_vformat(r->assumptions[r->assumption_count++], INSPECT_TEXT_MAX, fmt, ap);
    va_end(ap);
}

/* The pipeline's WARN lines are the loader's warnings: the report lists them. */
static void say(void *ctx, enum pipe_level level, const char *line)
{
    struct inspect_report *r = ctx;

    if (level == PIPE_WARN && r->warning_count < INSPECT_MAX_WARNINGS)
        fmt_format(r->warnings[r->warning_count++], INSPECT_TEXT_MAX, "%s", line);
    if (level == PIPE_INFO && strncmp(line, "multiboot", 9) == 0 && r->multiboot_count < INSPECT_MAX_WARNINGS)
        fmt_format(r->multiboot[r->multiboot_count++], INSPECT_TEXT_MAX, "%s", line);
}

static bool refused(struct inspect_report *r, const char *stage)
{
    r->verdict = INSPECT_REFUSED;
    r->stage = stage;
    return false;
}

struct file_bytes {
    const uint8_t *data;
};

static bool read_bytes(void *ctx, uint64_t offset, void *buf, uint64_t len)
{
    const struct file_bytes *f = ctx;
    memcpy(buf, f->data + offset, len);
    return true;
}

/* The regions come zeroed from mmap and are written once: nothing to clear, and a huge .bss stays
 * untouched (no host memory). */
static void already_zero(void *ctx, void *buf, uint64_t len)
{
    (void)ctx, (void)buf, (void)len;
}

/* Stage "read the config" (ember.cfg). */
static bool read_config(struct inspect_report *r, const char *text, size_t len)
{
    struct config_diag d;

    config_defaults(&r->cfg);
    r->config_given = text != NULL;
    if (text != NULL && !decide_config_size(len, &r->diag))
        return refused(r, PIPE_STAGE_READ_CONFIG);
    if (text == NULL || config_parse(text, len, &r->cfg, &d) == CONFIG_OK)
        return true;
    r->diag.rule = DECIDE_OK;
    r->diag.rule_name = config_error_name(d.code);
    fmt_format(r->diag.message, sizeof r->diag.message, "%s", d.message);
    return refused(r, PIPE_STAGE_READ_CONFIG);
}

/* Physical memory as the model sees it: every claim succeeds unless it overlaps an earlier one or
 * lies past any machine's physical addresses (the firmware's own use is a boot-time fact). */
struct phys_model {
    struct { uint64_t base, end; } claims[ELF_MAX_LOAD_SEGMENTS + 1];
    unsigned count;
};

static bool model_claim_at(void *ctx, uint64_t base, uint64_t pages)
{
    struct phys_model *m = ctx;
    uint64_t size = pages * PAGE_SIZE_4K;

    if (base >= PHYS_LIMIT || size > PHYS_LIMIT - base || m->count == ARRAY_LEN(m->claims))
        return false;
    for (unsigned i = 0; i < m->count; i++)
        if (base < m->claims[i].end && m->claims[i].base < base + size)
            return false;
    m->claims[m->count].base = base;
    m->claims[m->count++].end = base + size;
    return true;
}

static bool model_claim_span(void *ctx, uint64_t pages, uint64_t align, uint64_t congruent, uint64_t *base)
{
    struct phys_model *m = ctx;
    uint64_t at = SPAN_MODEL_BASE;

    for (unsigned i = 0; i < m->count; i++)
        at = m->claims[i].end > at ? m->claims[i].end : at;
    at = align_down(at + align - 1, align) + (congruent & (align - 1));
    *base = at;
    return model_claim_at(ctx, at, pages);
}

static void model_release(void *ctx, uint64_t base, uint64_t pages)
{
    struct phys_model *m = ctx;
    (void)pages;
    for (unsigned i = 0; i < m->count; i++)
        if (m->claims[i].base == base) {
            m->claims[i] = m->claims[--m->count];
            return;
        }
}

static const char *model_busy_type(void *ctx, uint64_t base, uint64_t size, uint64_t *busy_at)
{
    (void)ctx, (void)base, (void)size, (void)busy_at;
    return "another kernel region's";
}

/* A lower-half kernel boots only where its own addresses are free RAM: the verdict says so, with
 * touching regions as one range. */
static void lower_half_condition(const struct elf_plan *plan, struct inspect_report *r)
{
    size_t n = 0;
    unsigned ranges = 0;

    for (unsigned i = 0; i < plan->region_count && n < sizeof r->condition; i++) {
        const struct elf_region *g = &plan->regions[i];
        uint64_t end = g->vaddr + g->size;
        if (!decide_in_lower_half(g))
            continue;
        while (i + 1 < plan->region_count && decide_in_lower_half(&plan->regions[i + 1]) &&
               plan->regions[i + 1].vaddr == end)
        {
            i++;
            end = plan->regions[i].vaddr + plan->regions[i].size;
        }
        n += fmt_format(r->condition + n, sizeof r->condition - n, "%s[0x%llx, 0x%llx)", ranges++ ? " and " : "",
                        (unsigned long long)g->vaddr, (unsigned long long)end);
    }
    if (ranges != 0 && n < sizeof r->condition)
        fmt_format(r->condition + n, sizeof r->condition - n, " %s free RAM at boot", ranges > 1 ? "are" : "is");
}

/* Stage "place kernel", and what it assumes about the machine. */
static bool place(struct inspect_report *r, const struct pipe_sink *sink)
{
    static struct phys_model model;
    struct place_ops ops = { &model, model_claim_at, model_claim_span, model_release, model_busy_type };
    const struct kernel_placement *p = &r->placement_result;
    const struct elf_plan *plan = &r->plan;

    memset(&model, 0, sizeof model);
    if (!pipe_place(&r->cfg, plan, &ops, sink, &r->placement_result, &r->diag))
        return refused(r, PIPE_STAGE_PLACE);
    bool any_higher = false;
    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *g = &plan->regions[i];
        r->region_phys[i] = p->region_phys[i];
        if (!decide_in_lower_half(g))
            any_higher = true;
        else
            inspect_assume(r, "[0x%llx, 0x%llx) is free RAM at boot: a lower-half segment loads at paddr == vaddr",
                           (unsigned long long)g->vaddr, (unsigned long long)(g->vaddr + g->size));
    }
    lower_half_condition(plan, r);
    if (!any_higher) {
        fmt_format(r->placement, sizeof r->placement, "lower half: every segment at paddr == vaddr");
    } else if (p->spanned) {
        uint64_t align = p->span_hi - p->span_lo >= PAGE_SIZE_2M ? PAGE_SIZE_2M : PAGE_SIZE_4K;
        fmt_format(r->placement, sizeof r->placement, "one piece of %llu KiB wherever it fits at boot, at the same "
                   "offset in a %s page as 0x%llx (shown at 0x%llx)", (unsigned long long)((p->span_hi - p->span_lo) / KIB),
                   align == PAGE_SIZE_2M ? "2 MiB" : "4 KiB", (unsigned long long)p->span_lo,
                   (unsigned long long)p->span_base);
    } else {
        fmt_format(r->placement, sizeof r->placement, "at p_paddr; when that is busy at boot, one piece elsewhere "
                   "with the same page sizes");
        inspect_assume(r, "p_paddr ranges are free RAM at boot (else the kernel moves in one piece, same page sizes)");
    }
    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *g = &plan->regions[i];
        r->kernel_bytes += g->size;
        for (unsigned k = g->first; k < g->first + g->count; k++)
            r->segs[k].phys = r->region_phys[i] + (plan->segments[k].vaddr - g->vaddr);
    }
    return true;
}

/* Stage "load kernel segments": each region in a host buffer of its full size (zero pages cost
 * nothing until touched), filled by the loader's own step; then the pin. */
static bool load_segments(struct inspect_report *r, const struct pipe_reader *rd, const uint8_t *file,
                          struct pipe_image *img)
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    char what[CONFIG_PATH_MAX + 16];
    struct sha256_ctx ctx;

    img->plan = &r->plan;
    for (unsigned i = 0; i < r->plan.region_count; i++) {
        void *p = mmap(NULL, r->plan.regions[i].size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            fmt_format(r->placement, sizeof r->placement, "the host cannot hold region %u (%llu KiB)", i + 1,
                       (unsigned long long)(r->plan.regions[i].size / KIB));
            return false;
        }
        img->base[i] = p;
    }
    if (!pipe_load_regions(img, rd, &r->diag))
        return refused(r, PIPE_STAGE_LOAD);
    sha256_init(&ctx);
    sha256_update(&ctx, file, (size_t)r->kernel_size);
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, r->kernel_sha256);
    fmt_format(what, sizeof what, "kernel %s", r->cfg.kernel);
    if (r->cfg.has_kernel_sha256 && !decide_pin(what, digest, r->cfg.kernel_sha256, r->kernel_sha256, &r->diag))
        return refused(r, PIPE_STAGE_LOAD);
    return true;
}

/* Stage "choose protocol". */
static bool choose_protocol(struct inspect_report *r, const struct pipe_image *img, const struct pipe_sink *sink)
{
    static struct protocol_decision d;
    bool ok = pipe_choose_protocol(&r->cfg, img, r->region_phys, NULL, sink, &d, &r->diag);

    r->have_protocol = true;
    r->protocol = d.protocol;
    fmt_format(r->protocol_why, sizeof r->protocol_why, "%s", d.why);
    r->entry = d.entry;
    r->stack_size = d.stack_size;
    r->limine_scanned = d.limine.scanned;
    r->scan = d.limine.scan;
    r->base_revision = d.limine.revision;
    r->internal_modules = d.limine.internal_count;
    if (!ok)
        return refused(r, PIPE_STAGE_CHOOSE_PROTOCOL);
    if (d.protocol == DECIDE_PROTO_LIMINE)
        inspect_limine_requests(r);
    return true;
}

/* Boot-time facts every boot depends on, said once. */
static void common_assumptions(struct inspect_report *r)
{
    inspect_assume(r, "%llu KiB of free RAM for the kernel's segments", (unsigned long long)(r->kernel_bytes / KIB));
    if (r->cfg.module_count + r->internal_modules > 0)
        inspect_assume(r, "the %u module file(s) named in ember.cfg and by the kernel are on the ESP (read at boot)",
                       r->cfg.module_count + r->internal_modules);
    if (r->cfg.fail_alloc_at != 0 || r->cfg.test_faults != 0)
        inspect_assume(r, "test knobs are set (fail_alloc_at/test_fault): the boot fails or bends on purpose");
    inspect_assume(r, "the direct map covers the RAM found at boot: its page tables come on top of the ones shown");
}

/* What the loader's stage "check the machine" finds at boot: a display for a required console or
 * framebuffer, and the firmware's tables for the information tags the header requires. */
static void assume_multiboot_machine(struct inspect_report *r, const struct pipe_multiboot *k)
{
    if (k->console_required && !k->console_tag_optional)
        inspect_assume(r, "multiboot2: the machine has a display (GOP): the console flags tag requires a console");
    for (uint32_t type = 0; type < 32; type++)
        if ((k->required_tags >> type) & 1 && pipe_mb2_machine_need(type) != NULL)
            inspect_assume(r, "multiboot2: the required information tag %u is filled: the machine or file has %s",
                           (unsigned)type, pipe_mb2_machine_need(type));
}

/* The loader's stages that depend only on ember.cfg and the kernel's bytes, in its order. false
 * when the host could not model them (out of memory). */
static bool run_stages(struct inspect_report *r, const uint8_t *kernel, uint64_t size, struct pipe_image *img)
{
    static struct kernel_headers headers;
    static uint8_t window[MB2_SEARCH_BYTES];
    struct file_bytes bytes = { kernel };
    struct pipe_reader rd = { &bytes, read_bytes, already_zero, size };
    struct pipe_sink sink = { r, say };

    if (!pipe_check_multiboot(&r->cfg, &rd, window, &sink, &r->multiboot_plan, &r->diag))
        return refused(r, PIPE_STAGE_READ_HEADERS), true;
    if (r->multiboot_plan.version != 0) {
        inspect_assume(r, "multiboot%s: its physical pages are free RAM at boot, the info structure and modules fit "
                       "below 4 GiB", r->multiboot_plan.version == 2 ? "2" : "");
        assume_multiboot_machine(r, &r->multiboot_plan);
        return true;
    }
    if (!pipe_read_headers(&r->cfg, 0, &rd, &headers, &r->plan, &r->diag)) /* kaslr: the smallest slide */
        return refused(r, PIPE_STAGE_READ_HEADERS), true;
    r->have_plan = true;
    if (r->plan.is_dyn && r->cfg.kaslr)
        inspect_assume(r, "kaslr=yes: the slide is a random 2 MiB step in the top 2 GiB at boot (shown: the smallest)");
    if (!place(r, &sink))
        return true;
    if (!inspect_page_model(r))
        return false;
    if (!pipe_demo_page(&r->cfg, &r->plan, &r->diag))
        return refused(r, PIPE_STAGE_DEMO), true;
    if (!load_segments(r, &rd, kernel, img))
        return r->verdict == INSPECT_REFUSED;
    if (choose_protocol(r, img, &sink))
        common_assumptions(r);
    return true;
}

/* The stages after the config, and the host memory they mapped given back. */
static bool run_after_config(struct inspect_report *r, const uint8_t *kernel, uint64_t size)
{
    struct pipe_image img;
    bool host_ok;

    memset(&img, 0, sizeof img);
    host_ok = run_stages(r, kernel, size, &img);
    for (unsigned i = 0; i < ELF_MAX_LOAD_SEGMENTS; i++)
        if (img.base[i] != NULL)
            munmap(img.base[i], r->plan.regions[i].size);
    return host_ok;
}

bool inspect_run(const uint8_t *kernel, uint64_t size, const char *config_text, size_t config_len,
                 struct inspect_report *r)
{
    memset(r, 0, sizeof *r);
    r->verdict = INSPECT_BOOTS;
    r->kernel_size = size;
    return !read_config(r, config_text, config_len) || run_after_config(r, kernel, size);
}

bool inspect_run_parsed(const uint8_t *kernel, uint64_t size, const struct ember_config *cfg, struct inspect_report *r)
{
    memset(r, 0, sizeof *r);
    r->verdict = INSPECT_BOOTS;
    r->kernel_size = size;
    r->config_given = true;
    r->cfg = *cfg;
    return run_after_config(r, kernel, size);
}

void inspect_config_refused(struct inspect_report *r, const char *rule, const char *message)
{
    memset(r, 0, sizeof *r);
    config_defaults(&r->cfg);
    r->config_given = true;
    r->diag.rule = DECIDE_OK;
    r->diag.rule_name = rule;
    fmt_format(r->diag.message, sizeof r->diag.message, "%s", message);
    refused(r, PIPE_STAGE_READ_CONFIG);
}
