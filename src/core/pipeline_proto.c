/* Stage "choose protocol", pure (see src/core/pipeline.h): the protocol, then its rules. */
#include "core/blake2b.h"
#include "core/bytes.h"
#include "core/config_text.h"
#include "core/fmt.h"
#include "ember/limine.h"
#include "core/pipeline.h"
#include "core/volume.h"

/* The image's segments as lscan wants them. Returns their number. */
static size_t scan_segments(const struct pipe_image *img, struct lscan_segment *out)
{
    return decide_scan_segments(img->plan, img->base, out);
}

/* Copies the kernel's NUL-terminated string at vaddr into out[0..cap); false when it is not inside
 * the image or does not fit. */
static bool image_string(const struct pipe_image *img, uint64_t vaddr, char *out, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        const char *c = pipe_image_ptr(img, vaddr + i, 1);
        if (c == NULL)
            return false;
        out[i] = *c;
        if (*c == '\0')
            return true;
    }
    return false;
}

static bool is_separator(char c)
{
    return c == '/' || c == '\\';
}

bool pipe_resolve_path(const char *dir, size_t dir_len, const char *path, char *out, size_t cap)
{
    size_t n = 0;

    if (cap < 2)
        return false;
    out[n++] = '/';
    for (int part = is_separator(*path) ? 1 : 0; part < 2; part++) {
        const char *s = part == 0 ? dir : path;
        size_t len = part == 0 ? dir_len : 0;
        while (part == 1 && path[len] != '\0') /* no strlen: the loader links no libc */
            len++;
        for (size_t i = 0; i < len;) {
            size_t start = i;
            while (i < len && !is_separator(s[i]))
                i++;
            size_t comp = i - start;
            i += i < len; /* the separator */
            if (comp == 0 || (comp == 1 && s[start] == '.'))
                continue;
            if (comp == 2 && s[start] == '.' && s[start + 1] == '.') {
                while (n > 1 && out[n - 1] != '/')
                    n--;
                n -= n > 1; /* the separator before the dropped component */
                continue;
            }
            if (n + comp + 1 >= cap)
                return false;
            if (n > 1)
                out[n++] = '/';
            __builtin_memcpy(out + n, s + start, comp);
            n += comp;
        }
    }
    out[n] = '\0';
    return true;
}

/* m's path as Limine resolves an internal module's: on the kernel's volume (its prefix kept), from
 * that volume's root when it starts with '/', else from the kernel's directory. Limine splits a `#<hash>` suffix off at the last '#'
 * and checks the file against it: 128 hex digits pin a BLAKE2b-512 (m->blake2b); anything else
 * after a '#' (BLAKE3's 64 or 256 digits among it, which ember does not compute) is refused,
 * *hash_digits saying how long it was. */
static bool internal_module_path(const char *kernel, char *path, struct config_module *m, size_t *hash_digits)
{
    size_t dir = 0, hash = 0, end = 0, prefix = 0;
    struct volume_ref volume;
    const char *on_volume, *why;

    for (; path[end] != '\0'; end++)
        hash = path[end] == '#' ? end + 1 : hash;
    *hash_digits = 0;
    if (hash != 0) {
        *hash_digits = end - hash;
        if (!parse_hex_bytes((struct slice){ path + hash, end - hash }, m->blake2b, BLAKE2B_DIGEST_SIZE))
            return false;
        m->has_blake2b = true;
        path[hash - 1] = '\0';
    }
    if (!volume_split(kernel, &volume, &on_volume, &why))
        return false;
    for (; kernel + prefix < on_volume; prefix++) /* the kernel's volume, e.g. "boot(2):" */
        m->path[prefix] = kernel[prefix];
    for (size_t i = 0; on_volume[i] != '\0'; i++)
        if (is_separator(on_volume[i]))
            dir = i + 1;
    return pipe_resolve_path(on_volume, dir, path, m->path + prefix, sizeof m->path - prefix);
}

/* Module request revision 1: the modules the kernel names itself, loaded first by the loader (a
 * missing one without the required flag is skipped). At most EMBER_MAX_MODULES with ember.cfg's. */
static bool internal_modules(const struct ember_config *cfg, const struct pipe_image *img,
                             const struct pipe_sink *sink, struct limine_decision *out, struct decide_diag *diag)
{
    const struct lscan_request *r = decide_find_request(&out->scan, LSCAN_MODULE);
    uint64_t n = 0, list = 0;

    if (r == NULL || r->revision < LIMINE_MODULE_REQUEST_REVISION_INTERNAL)
        return true;
    if (!decide_request_field(r, __builtin_offsetof(struct limine_module_request, internal_module_count), &n, diag) ||
        (n != 0 && !decide_request_field(r, __builtin_offsetof(struct limine_module_request, internal_modules), &list, diag)))
        return false;
    if (n == 0)
        return true;
    if (n > EMBER_MAX_MODULES - cfg->module_count)
        return decide_too_many_modules(n, cfg->module_count, diag);
    for (uint64_t i = 0; i < n; i++) {
        /* the kernel's pointers and structs may sit at any address: read them by bytes */
        const uint8_t *slot = pipe_image_ptr(img, list + 8 * i, 8);
        const void *at = slot != NULL ? pipe_image_ptr(img, le_load64(slot), sizeof(struct limine_internal_module)) : NULL;
        struct limine_internal_module copy;
        const struct limine_internal_module *im = at != NULL ? __builtin_memcpy(&copy, at, sizeof copy) : NULL;
        struct config_module *m = &out->internal[i];
        char path[CONFIG_PATH_MAX + 1 + BLAKE2B_HEX_DIGITS]; /* the path, then its #hash */
        size_t hash_digits = 0;
        *m = (struct config_module){ .optional = im != NULL && !(im->flags & LIMINE_INTERNAL_MODULE_REQUIRED) };
        if (im == NULL || !image_string(img, im->path, path, sizeof path) ||
            !image_string(img, im->string, m->name, sizeof m->name) ||
            !internal_module_path(cfg->kernel, path, m, &hash_digits))
            return decide_bad_internal_module(i + 1, hash_digits, diag);
        pipe_say(sink, PIPE_INFO, "limine: internal module %llu: %s (%s)", (unsigned long long)i + 1, m->path,
                 m->optional ? "optional" : "required");
    }
    out->internal_count = (unsigned)n;
    return true;
}

/* reloc_apply's view of the image: a linked (pre-slide) address is the final one minus the slide. */
static void *linked_ptr(void *ctx, uint64_t linked_vaddr, uint64_t len)
{
    const struct pipe_image *img = ctx;
    return pipe_image_ptr(img, linked_vaddr + img->plan->slide, len);
}

/* A relocatable kernel gets its dynamic relocations against the address it was slid to. */
static bool relocate(const struct pipe_image *img, const struct pipe_sink *sink, struct reloc_stats *stats,
                     struct decide_diag *diag)
{
    const struct elf_plan *plan = img->plan;
    struct reloc_image ri = { linked_ptr, (void *)img, plan->slide };
    struct reloc_diag rd;

    if (!plan->is_dyn)
        return true;
    if (reloc_apply(&ri, plan->dynamic_vaddr - plan->slide, plan->dynamic_size, stats, &rd) != RELOC_OK) {
        decide_reloc_failure(&rd, diag);
        return false;
    }
    pipe_say(sink, PIPE_INFO, "limine: relocated by 0x%llx: %u RELATIVE, %u RELR, %u 64, %u GLOB_DAT, %u JUMP_SLOT",
             (unsigned long long)plan->slide, stats->relative, stats->relr, stats->abs64, stats->glob_dat,
             stats->jump_slot);
    return true;
}

/* The base revision to boot with: the tag's, or the newest ember has when the kernel asks for a
 * newer one (the spec lets a loader pick any revision it supports, and the write-back says which). */
static void choose_revision(const struct pipe_sink *sink, struct limine_decision *out)
{
    uint64_t asked = out->scan.has_tag && !out->scan.tag_ignored ? out->scan.revision : 0;

    out->revision = decide_limine_revision(&out->scan);
    if (asked > LIMINE_REVISION_NEWEST)
        pipe_say(sink, PIPE_WARN, "limine: the kernel asks for base revision %llu; ember supports 0-%u: booting it "
                 "as revision %u", (unsigned long long)asked, LIMINE_REVISION_NEWEST, LIMINE_REVISION_NEWEST);
    else
        pipe_say(sink, PIPE_INFO, "limine: base revision %llu (%s)", (unsigned long long)out->revision,
                 asked != 0 || (out->scan.has_tag && !out->scan.tag_ignored) ? "from the kernel's tag"
                                                                              : "no tag: revision 0");
}

/* Each breach Limine boots through (lscan_tolerated): one WARN line naming the rule and what ember
 * does instead, or with strict=yes the refusal of the first. */
static bool tolerate_as_limine(const struct ember_config *cfg, const struct lscan_result *scan,
                               const struct pipe_sink *sink, struct decide_diag *diag)
{
    struct lscan_diag breach;
    const char *instead;

    for (unsigned n = 0; n < LSCAN_TOLERATED_COUNT; n++) {
        if (!lscan_tolerated(scan, n, &breach, &instead))
            continue;
        if (cfg->strict) {
            struct lscan_diag said = breach;
            fmt_format(breach.message, sizeof breach.message, "%s: Limine boots it, ember.cfg says strict=yes",
                       said.message);
            decide_scan_failure(&breach, diag);
            return false;
        }
        pipe_say(sink, PIPE_WARN, "limine: %s: %s (strict=yes refuses)", breach.message, instead);
    }
    return true;
}

static bool prepare_limine(const struct ember_config *cfg, const struct pipe_image *img, const uint64_t *region_phys,
                           const struct pipe_hooks *hooks, const struct pipe_sink *sink,
                           struct protocol_decision *out, struct decide_diag *diag)
{
    struct limine_decision *l = &out->limine;
    struct lscan_segment segs[ELF_MAX_LOAD_SEGMENTS];
    struct lscan_diag scan_diag;

    if (!decide_limine_layout(img->plan, region_phys, diag))
        return false;
    if (lscan_scan(segs, scan_segments(img, segs), &l->scan, &scan_diag) != LSCAN_OK) {
        decide_scan_failure(&scan_diag, diag);
        return false;
    }
    l->scanned = true;
    if (!decide_requests_whole(&l->scan, diag) || !tolerate_as_limine(cfg, &l->scan, sink, diag))
        return false;
    choose_revision(sink, l);
    if (hooks != NULL && hooks->after_scan != NULL && !hooks->after_scan(hooks->ctx, &l->scan))
        return decide_firmware_failure(diag);
    lscan_write_back_revision(&l->scan, l->revision);
    return relocate(img, sink, &l->reloc, diag) &&
           decide_limine_boot_requests(&l->scan, img->plan, &out->stack_size, &out->entry, diag) &&
           internal_modules(cfg, img, sink, l, diag);
}

/* W+X segments, which the ELF plan let through for a possible Limine kernel (decide_elf_options):
 * a WARN each when ember.cfg allows them or the kernel is Limine's (Limine maps them so), else the
 * ELF rule's refusal, as if the plan had refused them. */
static bool permissions_for_protocol(const struct ember_config *cfg, const struct elf_plan *plan, bool limine,
                                     const struct pipe_sink *sink, struct decide_diag *diag)
{
    for (unsigned k = 0; k < plan->count; k++) {
        const struct elf_segment *seg = &plan->segments[k];
        if (seg->attr != PAGE_WRITE_EXECUTE)
            continue;
        if (!cfg->allow_wx && !limine) {
            struct elf_diag elf;
            elf_refuse_wx(seg->phdr, seg->flags, &elf);
            decide_elf_failure(cfg->kernel, &elf, diag);
            return false;
        }
        pipe_say(sink, PIPE_WARN, "kernel program header %u (p_vaddr 0x%llx) is writable and executable: mapped "
                 "W+X %s", seg->phdr, (unsigned long long)seg->vaddr,
                 cfg->allow_wx ? "because ember.cfg says allow_wx=yes" : "as Limine maps it (strict=yes refuses)");
    }
    return true;
}

bool pipe_choose_protocol(const struct ember_config *cfg, const struct pipe_image *img, const uint64_t *region_phys,
                          const struct pipe_hooks *hooks, const struct pipe_sink *sink, struct protocol_decision *out,
                          struct decide_diag *diag)
{
    struct lscan_segment segs[ELF_MAX_LOAD_SEGMENTS];
    char detect_why[160] = "";
    bool automatic = cfg->protocol != PROTOCOL_LIMINE && cfg->protocol != PROTOCOL_EMBER;
    bool marks = automatic && lscan_detect(segs, scan_segments(img, segs), detect_why, sizeof detect_why);

    __builtin_memset(out, 0, sizeof *out);
    out->protocol = decide_protocol(cfg, marks, detect_why, out->why, sizeof out->why);
    out->entry = img->plan->entry;
    out->stack_size = cfg->stack_size;
    pipe_say(sink, PIPE_INFO, "protocol %s (%s)", out->protocol == DECIDE_PROTO_LIMINE ? "limine" : "ember",
             out->why);
    if (!permissions_for_protocol(cfg, img->plan, out->protocol == DECIDE_PROTO_LIMINE, sink, diag))
        return false;
    if (out->protocol == DECIDE_PROTO_LIMINE)
        return prepare_limine(cfg, img, region_phys, hooks, sink, out, diag);
    return decide_ember_kernel(cfg, img->plan, diag);
}
