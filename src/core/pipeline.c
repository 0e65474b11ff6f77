/* The kernel-and-config steps of a boot, pure (see src/core/pipeline.h). */
#include "core/pipeline.h"
#include "core/fmt.h"
#include "ember/limine.h"

void pipe_say(const struct pipe_sink *sink, enum pipe_level level, const char *fmt, ...)
{
    char line[DECIDE_MESSAGE_MAX];
    va_list ap;

    if (sink == NULL || sink->say == NULL)
        return;
    va_start(ap, fmt);
    fmt_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    sink->say(sink->ctx, level, line);
}

bool pipe_read_headers(const struct ember_config *cfg, uint64_t kaslr_seed, const struct pipe_reader *rd,
                       struct kernel_headers *h, struct elf_plan *plan, struct decide_diag *diag)
{
    struct elf_options opts;
    struct elf_diag elf = { ELF_OK, "" };

    if (!decide_kernel_size(cfg->kernel, rd->size, diag))
        return false;
    decide_elf_options(cfg, kaslr_seed, &opts);
    __builtin_memset(&h->ehdr, 0, sizeof h->ehdr);
    h->head_len = rd->size < sizeof h->ehdr ? rd->size : sizeof h->ehdr;
    if (!rd->read_at(rd->ctx, 0, &h->ehdr, h->head_len))
        return decide_firmware_failure(diag);
    /* the header rules keep [phoff, phoff + phsize) inside the file and inside phdrs[] */
    if (elf_check_header(&h->ehdr, h->head_len, rd->size, &opts, &h->phoff, &h->phsize, &elf) == ELF_OK) {
        if (!rd->read_at(rd->ctx, h->phoff, h->phdrs, h->phsize))
            return decide_firmware_failure(diag);
        elf_build_plan(&h->ehdr, h->phdrs, rd->size, &opts, plan, &elf);
    }
    if (elf.code != ELF_OK) {
        decide_elf_failure(cfg->kernel, &elf, diag);
        return false;
    }
    return decide_replan_relocatable(cfg, kaslr_seed, &h->ehdr, h->phdrs, rd->size, plan, diag);
}

static uint64_t region_pages(const struct elf_region *r)
{
    return r->size / PAGE_SIZE_4K;
}

/* A lower-half region gets exactly the physical pages its virtual range names: anything else would
 * point the firmware's identity addresses at other memory while the firmware still runs on this
 * CR3, and leave [vaddr, vaddr + size) free for the firmware to hand to someone else. */
static bool place_lower_half(const struct elf_plan *plan, unsigned i, const struct place_ops *ops,
                             const struct pipe_sink *sink, struct kernel_placement *out, struct decide_diag *diag)
{
    const struct elf_region *r = &plan->regions[i];
    char which[48];

    decide_name_region(plan, r, which, sizeof which);
    if (!ops->claim_at(ops->ctx, r->vaddr, region_pages(r))) {
        uint64_t busy_at = r->vaddr;
        const char *type = ops->busy_type(ops->ctx, r->vaddr, r->size, &busy_at);
        return decide_lower_half_busy(which, r->vaddr, r->size, type, busy_at, diag);
    }
    if (r->paddr != r->vaddr)
        pipe_say(sink, PIPE_INFO, "kernel %s: p_paddr 0x%llx ignored: a lower-half segment loads at paddr == vaddr "
                 "0x%llx", which, (unsigned long long)r->paddr, (unsigned long long)r->vaddr);
    out->region_phys[i] = r->vaddr;
    return true;
}

/* Claims every higher-half region at its p_paddr. True when all of them got it; otherwise the
 * claims made are given back and out->busy is the first p_paddr that was not free. A segment whose
 * p_paddr sits at another page offset than its p_vaddr cannot be mapped there: warned, false. */
static bool place_at_paddr(const struct elf_plan *plan, const struct place_ops *ops, const struct pipe_sink *sink,
                           struct kernel_placement *out)
{
    unsigned placed[ELF_MAX_LOAD_SEGMENTS], n = 0;

    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_segment *s = &plan->segments[plan->regions[i].first];
        if (!decide_in_lower_half(&plan->regions[i]) && (s->paddr ^ s->vaddr) & (PAGE_SIZE_4K - 1)) {
            pipe_say(sink, PIPE_WARN, "kernel program header %u (p_vaddr 0x%llx): p_paddr 0x%llx is at another offset "
                     "in its page (0x%llx, not 0x%llx), so no page mapping puts it at its p_paddr: loading the kernel "
                     "in one piece elsewhere", s->phdr, (unsigned long long)s->vaddr, (unsigned long long)s->paddr,
                     (unsigned long long)(s->paddr & (PAGE_SIZE_4K - 1)),
                     (unsigned long long)(s->vaddr & (PAGE_SIZE_4K - 1)));
            return false;
        }
    }
    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        if (decide_in_lower_half(r))
            continue;
        if (!ops->claim_at(ops->ctx, r->paddr, region_pages(r))) {
            out->busy = r->paddr;
            while (n-- > 0)
                ops->release(ops->ctx, out->region_phys[placed[n]], region_pages(&plan->regions[placed[n]]));
            return false;
        }
        out->region_phys[i] = r->paddr;
        placed[n++] = i;
    }
    return true;
}

/* One claim for the span of all higher-half regions, so phys = virt - span_lo + span_base holds
 * for every one of their pages. */
static bool place_span(const struct ember_config *cfg, const struct elf_plan *plan, const struct place_ops *ops,
                       const struct pipe_sink *sink, struct kernel_placement *out, struct decide_diag *diag)
{
    uint64_t lo = UINT64_MAX, hi = 0;

    for (unsigned i = 0; i < plan->region_count; i++)
        if (!decide_in_lower_half(&plan->regions[i])) {
            lo = plan->regions[i].vaddr < lo ? plan->regions[i].vaddr : lo;
            hi = plan->regions[i].vaddr + plan->regions[i].size;
        }
    uint64_t align = hi - lo >= PAGE_SIZE_2M ? PAGE_SIZE_2M : PAGE_SIZE_4K;
    if (!ops->claim_span(ops->ctx, (hi - lo) / PAGE_SIZE_4K, align, lo, &out->span_base))
        return decide_no_room_for_kernel(out->busy, lo, hi, diag);
    out->spanned = true;
    out->span_lo = lo;
    out->span_hi = hi;
    for (unsigned i = 0; i < plan->region_count; i++)
        if (!decide_in_lower_half(&plan->regions[i]))
            out->region_phys[i] = out->span_base + (plan->regions[i].vaddr - lo);
    if (cfg->protocol == PROTOCOL_LIMINE)
        pipe_say(sink, PIPE_INFO, "protocol=limine: kernel [0x%llx, 0x%llx) loaded at 0x%llx in one piece",
                 (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)out->span_base);
    else if (out->busy != 0)
        pipe_say(sink, PIPE_INFO, "p_paddr 0x%llx is not free: kernel [0x%llx, 0x%llx) loaded at 0x%llx in one "
                 "piece (phys = virt - 0x%llx + 0x%llx)", (unsigned long long)out->busy, (unsigned long long)lo,
                 (unsigned long long)hi, (unsigned long long)out->span_base, (unsigned long long)lo,
                 (unsigned long long)out->span_base);
    else
        pipe_say(sink, PIPE_INFO, "kernel [0x%llx, 0x%llx) loaded at 0x%llx in one piece (phys = virt - 0x%llx + "
                 "0x%llx)", (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)out->span_base,
                 (unsigned long long)lo, (unsigned long long)out->span_base);
    return true;
}

bool pipe_place(const struct ember_config *cfg, const struct elf_plan *plan, const struct place_ops *ops,
                const struct pipe_sink *sink, struct kernel_placement *out, struct decide_diag *diag)
{
    bool any_higher = false;

    __builtin_memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < plan->region_count; i++) {
        if (!decide_in_lower_half(&plan->regions[i]))
            any_higher = true;
        else if (!place_lower_half(plan, i, ops, sink, out, diag))
            return false;
    }
    if (!any_higher)
        return true;
    /* the Limine protocol loads the kernel in one piece wherever it fits; p_paddr is not its business */
    if (cfg->protocol != PROTOCOL_LIMINE && !plan->is_dyn && place_at_paddr(plan, ops, sink, out))
        return true;
    return place_span(cfg, plan, ops, sink, out, diag);
}

void *pipe_image_ptr(const struct pipe_image *img, uint64_t vaddr, uint64_t len)
{
    for (unsigned i = 0; i < img->plan->region_count; i++) {
        const struct elf_region *r = &img->plan->regions[i];
        if (vaddr >= r->vaddr && vaddr - r->vaddr <= r->size && len <= r->size - (vaddr - r->vaddr))
            return img->base[i] + (vaddr - r->vaddr);
    }
    return NULL;
}

bool pipe_demo_page(const struct ember_config *cfg, const struct elf_plan *plan, struct decide_diag *diag)
{
    if (!cfg->demo_map)
        return true;
    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        if (DECIDE_DEMO_VIRT >= r->vaddr && DECIDE_DEMO_VIRT - r->vaddr < r->size)
            return decide_demo_page_taken(plan, r, diag);
    }
    return true;
}

static void zero(const struct pipe_reader *rd, uint8_t *buf, uint64_t len)
{
    if (len == 0)
        return;
    if (rd->zero != NULL)
        rd->zero(rd->ctx, buf, len);
    else
        for (uint64_t i = 0; i < len; i++)
            buf[i] = 0;
}

bool pipe_load_regions(const struct pipe_image *img, const struct pipe_reader *rd, struct decide_diag *diag)
{
    const struct elf_plan *plan = img->plan;

    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        uint64_t cursor = 0; /* offset in the region up to which bytes are final */
        for (unsigned k = r->first; k < r->first + r->count; k++) {
            const struct elf_segment *s = &plan->segments[k];
            uint64_t at = s->vaddr - r->vaddr;
            if (at > cursor)
                zero(rd, img->base[i] + cursor, at - cursor);
            if (!rd->read_at(rd->ctx, s->offset, img->base[i] + at, s->filesz))
                return decide_firmware_failure(diag);
            cursor = at + s->filesz;
        }
        zero(rd, img->base[i] + cursor, r->size - cursor);
    }
    return true;
}
