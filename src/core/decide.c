/* The loader's kernel-and-config decisions, pure (see src/core/decide.h). */
#include "core/decide.h"
#include "ember/bootinfo.h"
#include "core/fmt.h"
#include "ember/limine.h"

static const char rule_names[DECIDE_RULE_COUNT][37] = {
    [DECIDE_OK] = "ok",
    [DECIDE_INVALID_ELF] = "invalid-elf",
    [DECIDE_RELOCATABLE_FOR_EMBER] = "relocatable-for-ember-protocol",
    [DECIDE_LIMINE_BELOW_FLOOR] = "limine-below-kernel-floor",
    [DECIDE_LIMINE_PADDR_LAYOUT] = "limine-paddr-not-uniform",
    [DECIDE_LIMINE_SCAN] = "limine-request-scan",
    [DECIDE_LIMINE_STACK_SIZE] = "limine-stack-size-too-big",
    [DECIDE_LIMINE_PAGING_MODE] = "limine-needs-5-level-paging",
    [DECIDE_LIMINE_ENTRY_POINT] = "limine-entry-point-not-code",
    [DECIDE_LIMINE_RELOCATION] = "limine-relocation",
    [DECIDE_PIN_MISMATCH] = "sha256-pin-mismatch",
    [DECIDE_CONFIG_TOO_BIG] = "config-too-big",
    [DECIDE_EMPTY_KERNEL] = "empty-kernel",
    [DECIDE_FIRMWARE] = "firmware",
    [DECIDE_LOWER_HALF_BUSY] = "lower-half-range-busy",
    [DECIDE_NO_ROOM_FOR_KERNEL] = "no-room-for-kernel",
    [DECIDE_DEMO_PAGE_TAKEN] = "demo-page-taken",
    [DECIDE_LIMINE_REQUEST_CUT] = "limine-request-cut-off",
    [DECIDE_LIMINE_TOO_MANY_MODULES] = "limine-too-many-modules",
    [DECIDE_LIMINE_BAD_INTERNAL_MODULE] = "limine-internal-module-outside-image",
    [DECIDE_MULTIBOOT_HEADER] = "multiboot-header",
};

const char *decide_rule_name(enum decide_rule rule)
{
    return (unsigned)rule < DECIDE_RULE_COUNT ? rule_names[rule] : "unknown";
}

bool decide_refuse(struct decide_diag *diag, enum decide_rule rule, const char *fmt, ...)
{
    va_list ap;

    diag->rule = rule;
    diag->rule_name = decide_rule_name(rule);
    va_start(ap, fmt);
    fmt_vdiag(diag->message, sizeof diag->message, "", fmt, ap);
    va_end(ap);
    return false;
}

bool decide_config_size(uint64_t len, struct decide_diag *diag)
{
    if (len <= CONFIG_FILE_MAX_BYTES)
        return true;
    return decide_refuse(diag, DECIDE_CONFIG_TOO_BIG, "ember.cfg is %llu bytes; the limit is %llu: shorten it", (unsigned long long)len,
                  (unsigned long long)CONFIG_FILE_MAX_BYTES);
}

bool decide_kernel_size(const char *path, uint64_t size, struct decide_diag *diag)
{
    if (size != 0)
        return true;
    return decide_refuse(diag, DECIDE_EMPTY_KERNEL, "kernel %s is empty (0 bytes): copy the kernel to the ESP again", path);
}

void decide_elf_options(const struct ember_config *cfg, uint64_t kaslr_seed, struct elf_options *opts)
{
    /* ember's own protocol: ET_EXEC only, no address floor; relocatable kernels are Limine's, and
     * protocol=limine also refuses ET_EXEC below its floor (auto decides that after the scan). W+X
     * segments: Limine maps them so, which a Limine kernel may count on, so they pass here unless
     * the kernel can only be ember's or strict=yes; pipe_choose_protocol settles the rest. */
    *opts = (struct elf_options){ .allow_wx = cfg->allow_wx || (cfg->protocol != PROTOCOL_EMBER && !cfg->strict),
                                  .reserved_base = EMBER_HHDM_OFFSET,
                                  .reserved_size = EMBER_HHDM_MAX_SIZE,
                                  .reserved_name = "ember's direct map",
                                  .allow_dyn = cfg->protocol != PROTOCOL_EMBER,
                                  .kaslr_seed = cfg->kaslr ? kaslr_seed : 0,
                                  .min_vaddr = cfg->protocol == PROTOCOL_LIMINE ? LIMINE_KERNEL_MIN_VADDR : 0 };
}

uint64_t decide_hhdm_offset(const struct ember_config *cfg, uint64_t random, uint64_t hhdm_size)
{
    const uint64_t draw_mask = (1ULL << 45) - 1;
    uint64_t step = random & ~(PAGE_SIZE_1G - 1) & draw_mask;
    uint64_t room = EMBER_HHDM_MAX_SIZE - PAGE_SIZE_1G; /* the top GiB holds the trampoline aliases */

    if (!cfg->randomise_hhdm || hhdm_size >= room)
        return EMBER_HHDM_OFFSET;
    if (step > room - hhdm_size)
        step = align_down(room - hhdm_size, PAGE_SIZE_1G);
    return EMBER_HHDM_OFFSET + step;
}

void decide_elf_failure(const char *path, const struct elf_diag *elf, struct decide_diag *diag)
{
    const char *hint = elf_rule_hint(elf->code);

    decide_refuse(diag, DECIDE_INVALID_ELF, "invalid kernel %s: %s%s%s", path, elf->message, hint[0] ? ": " : "", hint);
    diag->rule_name = elf_error_name(elf->code);
}

bool decide_replan_relocatable(const struct ember_config *cfg, uint64_t kaslr_seed, const elf64_ehdr_t *eh,
                               const elf64_phdr_t *phdrs, uint64_t file_size, struct elf_plan *plan,
                               struct decide_diag *diag)
{
    struct elf_options opts;
    struct elf_diag elf = { ELF_OK, "" };

    decide_elf_options(cfg, kaslr_seed, &opts);
    if (!plan->is_dyn || opts.min_vaddr != 0)
        return true;
    opts.min_vaddr = LIMINE_KERNEL_MIN_VADDR; /* protocol=auto: slid as Limine slides it */
    if (elf_build_plan(eh, phdrs, file_size, &opts, plan, &elf) == ELF_OK)
        return true;
    decide_elf_failure(cfg->kernel, &elf, diag);
    return false;
}

enum decide_protocol decide_protocol(const struct ember_config *cfg, bool limine_marks, const char *detect_why,
                                     char *why, size_t cap)
{
    if (cfg->protocol == PROTOCOL_LIMINE || cfg->protocol == PROTOCOL_EMBER) {
        fmt_format(why, cap, cfg->from_limine_conf ? "limine.conf entry: protocol %s" : "ember.cfg protocol=%s",
                   config_protocol_name(cfg->protocol));
        return cfg->protocol == PROTOCOL_LIMINE ? DECIDE_PROTO_LIMINE : DECIDE_PROTO_EMBER;
    }
    if (limine_marks) {
        fmt_format(why, cap, "auto: %s", detect_why);
        return DECIDE_PROTO_LIMINE;
    }
    fmt_format(why, cap, "auto: %s", detect_why[0] != '\0' ? detect_why : "no other protocol's marks in the kernel");
    return DECIDE_PROTO_EMBER;
}

bool decide_ember_kernel(const struct ember_config *cfg, const struct elf_plan *plan, struct decide_diag *diag)
{
    if (!plan->is_dyn)
        return true;
    return decide_refuse(diag, DECIDE_RELOCATABLE_FOR_EMBER,
                  "kernel %s is relocatable (ET_DYN): ember's own protocol loads ET_EXEC kernels only; "
                  "Limine-protocol kernels may be relocatable (protocol=limine or auto)", cfg->kernel);
}

bool decide_limine_layout(const struct elf_plan *plan, const uint64_t *region_phys, struct decide_diag *diag)
{
    if (plan->vaddr_min < LIMINE_KERNEL_MIN_VADDR)
        return decide_refuse(diag, DECIDE_LIMINE_BELOW_FLOOR,
                      "limine: the kernel is linked at 0x%llx; Limine-protocol kernels live at or above 0x%llx "
                      "(relink it there, or link it position-independent)", (unsigned long long)plan->vaddr_min,
                      LIMINE_KERNEL_MIN_VADDR);
    for (unsigned i = 1; i < plan->region_count; i++)
        if (region_phys[i] - plan->regions[i].vaddr != region_phys[0] - plan->regions[0].vaddr)
            return decide_refuse(diag, DECIDE_LIMINE_PADDR_LAYOUT,
                          "limine: the kernel's p_paddr layout is not one uniform offset from its vaddrs (segment "
                          "at 0x%llx); Limine kernels are loaded physically contiguous: set protocol=limine in "
                          "ember.cfg or relink with one AT() offset", (unsigned long long)plan->regions[i].vaddr);
    return true;
}

size_t decide_scan_segments(const struct elf_plan *plan, uint8_t *const *region_base, struct lscan_segment *out)
{
    size_t n = 0;

    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        for (unsigned k = r->first; k < r->first + r->count; k++) {
            const struct elf_segment *s = &plan->segments[k];
            out[n++] = (struct lscan_segment){ s->vaddr, region_base[i] + (s->vaddr - r->vaddr), s->filesz, s->memsz,
                                               r->vaddr + r->size - s->vaddr };
        }
    }
    return n;
}

uint64_t decide_limine_revision(const struct lscan_result *scan)
{
    uint64_t asked = scan->has_tag && !scan->tag_ignored ? scan->revision : 0;
    return asked <= LIMINE_REVISION_NEWEST ? asked : LIMINE_REVISION_NEWEST;
}

void decide_scan_failure(const struct lscan_diag *scan, struct decide_diag *diag)
{
    decide_refuse(diag, DECIDE_LIMINE_SCAN, "limine: %s (%s): %s", scan->message, lscan_error_name(scan->code),
           lscan_error_hint(scan->code));
    diag->rule_name = lscan_error_name(scan->code);
}

const struct lscan_request *decide_find_request(const struct lscan_result *scan, enum lscan_kind k)
{
    for (size_t i = 0; i < scan->count; i++)
        if (scan->requests[i].kind == k && scan->requests[i].verdict == LSCAN_VERDICT_OK)
            return &scan->requests[i];
    return NULL;
}

/* The entry point request's address must lie in an executable segment. */
static bool in_code(const struct elf_plan *plan, uint64_t entry)
{
    for (unsigned i = 0; i < plan->count; i++) {
        const struct elf_segment *s = &plan->segments[i];
        if ((s->flags & ELF_PF_X) && entry >= s->vaddr && entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

bool decide_request_field(const struct lscan_request *r, size_t offset, uint64_t *value, struct decide_diag *diag)
{
    if (offset > r->backed || r->backed - offset < sizeof *value)
        return decide_refuse(diag, DECIDE_LIMINE_REQUEST_CUT,
                      "limine: the %s request at 0x%llx is cut off: its field at +%zu lies past the end of the kernel "
                      "image; a request must lie wholly inside its segment", lscan_kind_name(r->kind),
                      (unsigned long long)r->vaddr, offset);
    __builtin_memcpy(value, r->ptr + offset, sizeof *value);
    return true;
}

/* Bytes of request r's struct for its kind and revision (the fields ember reads). */
static uint64_t request_size(const struct lscan_request *r)
{
    switch (r->kind) {
    case LSCAN_STACK_SIZE: return sizeof(struct limine_stack_size_request);
    case LSCAN_ENTRY_POINT: return sizeof(struct limine_entry_point_request);
    case LSCAN_MP: return sizeof(struct limine_mp_request);
    case LSCAN_ENTROPY: return sizeof(struct limine_entropy_request);
    case LSCAN_PAGING_MODE:
        return r->revision >= LIMINE_PAGING_MODE_REQUEST_REVISION_RANGE ? sizeof(struct limine_paging_mode_request)
                                                                         : __builtin_offsetof(struct limine_paging_mode_request, max_mode);
    case LSCAN_MODULE:
        return r->revision >= LIMINE_MODULE_REQUEST_REVISION_INTERNAL ? sizeof(struct limine_module_request)
                                                                       : LIMINE_REQUEST_HEADER_SIZE;
    default: return LIMINE_REQUEST_HEADER_SIZE;
    }
}

bool decide_requests_whole(const struct lscan_result *scan, struct decide_diag *diag)
{
    uint64_t unused;

    for (size_t i = 0; i < scan->count; i++) {
        const struct lscan_request *r = &scan->requests[i];
        if (r->verdict == LSCAN_VERDICT_OK && !decide_request_field(r, request_size(r) - 8, &unused, diag))
            return false;
    }
    return true;
}

bool decide_limine_boot_requests(const struct lscan_result *scan, const struct elf_plan *plan,
                                 uint64_t *stack_size, uint64_t *entry, struct decide_diag *diag)
{
    const struct lscan_request *r;
    uint64_t want, size, min = LIMINE_PAGING_MODE_X86_64_MIN;

    *stack_size = LIMINE_DEFAULT_STACK;
    *entry = plan->entry;
    if ((r = decide_find_request(scan, LSCAN_STACK_SIZE)) != NULL) {
        if (!decide_request_field(r, __builtin_offsetof(struct limine_stack_size_request, stack_size), &want, diag))
            return false;
        /* no cap but memory, as Limine: a stack that does not fit fails its allocation, by name */
        if (!align_up_checked(want, PAGE_SIZE_4K, &size))
            return decide_refuse(diag, DECIDE_LIMINE_STACK_SIZE,
                          "limine: stack size request asks for %llu bytes, past the end of the address space: "
                          "ask for less", (unsigned long long)want);
        *stack_size = size > LIMINE_DEFAULT_STACK ? size : LIMINE_DEFAULT_STACK;
    }
    if ((r = decide_find_request(scan, LSCAN_PAGING_MODE)) != NULL) {
        if (r->revision >= LIMINE_PAGING_MODE_REQUEST_REVISION_RANGE &&
            !decide_request_field(r, __builtin_offsetof(struct limine_paging_mode_request, min_mode), &min, diag))
            return false;
        if (min > LIMINE_PAGING_MODE_X86_64_4LVL)
            return decide_refuse(diag, DECIDE_LIMINE_PAGING_MODE,
                          "limine: the kernel needs 5-level paging (paging mode request min_mode %llu); ember "
                          "provides 4-level paging only: accept 4-level (min_mode 0)", (unsigned long long)min);
    }
    if ((r = decide_find_request(scan, LSCAN_ENTRY_POINT)) != NULL) {
        if (!decide_request_field(r, __builtin_offsetof(struct limine_entry_point_request, entry), &want, diag))
            return false;
        if (!in_code(plan, want))
            return decide_refuse(diag, DECIDE_LIMINE_ENTRY_POINT,
                          "limine: entry point request names 0x%llx, which is in no executable segment: point it at a function",
                          (unsigned long long)want);
        *entry = want;
    }
    return true;
}

void decide_reloc_failure(const struct reloc_diag *reloc, struct decide_diag *diag)
{
    const char *hint = reloc_error_hint(reloc->code);

    decide_refuse(diag, DECIDE_LIMINE_RELOCATION, "limine: cannot relocate the kernel: %s%s%s", reloc->message,
           hint[0] ? ": " : "", hint);
    diag->rule_name = reloc_error_name(reloc->code);
}

bool decide_pin(const char *what, const uint8_t digest[SHA256_DIGEST_SIZE], const uint8_t want[SHA256_DIGEST_SIZE],
                char got_hex[SHA256_HEX_SIZE], struct decide_diag *diag)
{
    char want_hex[SHA256_HEX_SIZE];

    sha256_to_hex(digest, got_hex);
    sha256_to_hex(want, want_hex);
    for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++)
        if (digest[i] != want[i])
            return decide_refuse(diag, DECIDE_PIN_MISMATCH, "%s SHA-256 mismatch: file has %s, ember.cfg pins %s: copy the right file or update the pin", what,
                          got_hex, want_hex);
    return true;
}

bool decide_firmware_failure(struct decide_diag *diag)
{
    diag->rule = DECIDE_FIRMWARE;
    diag->rule_name = decide_rule_name(DECIDE_FIRMWARE);
    diag->message[0] = '\0';
    return false;
}

void decide_name_region(const struct elf_plan *plan, const struct elf_region *r, char *out, size_t cap)
{
    size_t n = fmt_format(out, cap, "program header%s", r->count == 1 ? "" : "s");

    for (unsigned k = 0; k < r->count && n < cap; k++)
        n += fmt_format(out + n, cap - n, "%s %u", k == 0 ? "" : ",", plan->segments[r->first + k].phdr);
}

bool decide_lower_half_busy(const char *which, uint64_t vaddr, uint64_t size, const char *type, uint64_t busy_at,
                            struct decide_diag *diag)
{
    if (type == NULL) /* the map says free, yet the claim failed (an injected failure, say) */
        return decide_refuse(diag, DECIDE_LOWER_HALF_BUSY, "kernel %s [0x%llx, 0x%llx) is in the identity-mapped lower half, "
                      "so it must load at paddr == vaddr, and allocating it there failed: link it in the higher half", which,
                      (unsigned long long)vaddr, (unsigned long long)(vaddr + size));
    return decide_refuse(diag, DECIDE_LOWER_HALF_BUSY, "kernel %s [0x%llx, 0x%llx) is in the identity-mapped lower half, so "
                  "it must load at paddr == vaddr, but 0x%llx is %s memory: link it in the higher half or at free RAM", which,
                  (unsigned long long)vaddr, (unsigned long long)(vaddr + size), (unsigned long long)busy_at, type);
}

bool decide_no_room_for_kernel(uint64_t busy, uint64_t lo, uint64_t hi, struct decide_diag *diag)
{
    char paddr[64] = "";

    if (busy != 0)
        fmt_format(paddr, sizeof paddr, "p_paddr 0x%llx is not free, and ", (unsigned long long)busy);
    return decide_refuse(diag, DECIDE_NO_ROOM_FOR_KERNEL, "%sno free range holds the kernel's whole span [0x%llx, 0x%llx) "
                  "(%llu KiB) in one piece: give the machine more memory or the kernel fewer bytes", paddr, (unsigned long long)lo, (unsigned long long)hi,
                  (unsigned long long)((hi - lo) / KIB));
}

bool decide_demo_page_taken(const struct elf_plan *plan, const struct elf_region *r, struct decide_diag *diag)
{
    char which[48];

    decide_name_region(plan, r, which, sizeof which);
    return decide_refuse(diag, DECIDE_DEMO_PAGE_TAKEN, "demo_map=yes maps the demo page at 0x%llx, but kernel %s [0x%llx, "
                  "0x%llx) is there: turn demo_map off or link the kernel elsewhere", DECIDE_DEMO_VIRT, which,
                  (unsigned long long)r->vaddr, (unsigned long long)(r->vaddr + r->size));
}

bool decide_too_many_modules(uint64_t internal, unsigned configured, struct decide_diag *diag)
{
    return decide_refuse(diag, DECIDE_LIMINE_TOO_MANY_MODULES, "limine: %llu internal modules and %u from ember.cfg: ember "
                  "loads at most %u: name fewer modules", (unsigned long long)internal, configured, EMBER_MAX_MODULES);
}

bool decide_bad_internal_module(uint64_t index, size_t hash_digits, struct decide_diag *diag)
{
    if (hash_digits != 0)
        return decide_refuse(diag, DECIDE_LIMINE_BAD_INTERNAL_MODULE, "limine: internal module %llu: its path's '#' suffix "
                      "has %zu characters, not the 128 hex digits of a BLAKE2b hash (ember checks no other): pin it "
                      "with b2sum's output", (unsigned long long)index, hash_digits);
    return decide_refuse(diag, DECIDE_LIMINE_BAD_INTERNAL_MODULE, "limine: internal module %llu: its path or string is "
                  "outside the kernel image or too long: keep both in initialised data", (unsigned long long)index);
}

bool decide_pin_blake2b(const char *what, const uint8_t digest[BLAKE2B_DIGEST_SIZE],
                        const uint8_t want[BLAKE2B_DIGEST_SIZE], struct decide_diag *diag)
{
    char got_hex[2 * BLAKE2B_DIGEST_SIZE + 1];
    static const char digits[] = "0123456789abcdef";
    bool same = true;

    for (unsigned i = 0; i < BLAKE2B_DIGEST_SIZE; i++) {
        got_hex[2 * i] = digits[digest[i] >> 4], got_hex[2 * i + 1] = digits[digest[i] & 15];
        same = same && digest[i] == want[i];
    }
    got_hex[2 * BLAKE2B_DIGEST_SIZE] = '\0';
    /* the whole digest the file has (what a new pin needs), the pinned one by its first 8 bytes */
    return same || decide_refuse(diag, DECIDE_PIN_MISMATCH, "%s BLAKE2b mismatch: file has %s, its path's '#' suffix pins "
                          "%02x%02x%02x%02x%02x%02x%02x%02x...: copy the right file or update the hash", what, got_hex,
                          want[0], want[1], want[2], want[3], want[4], want[5], want[6], want[7]);
}
