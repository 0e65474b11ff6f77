/* Pure: stage "read kernel headers", first step - a Multiboot kernel is named as one, with what its
 * header asks for and where it loads, before an ELF64 rule could refuse it for something else: the
 * point where the Multiboot protocols branch off the ELF64 ones. */
#include "core/bytes.h"
#include "core/fmt.h"
#include "core/mbinfo.h"
#include "core/mbload.h"
#include "core/pipeline.h"

#define ELF_MAGIC_BYTES 4
#define ELF_CLASS_AT 4
#define ELF_CLASS64 2
#define ELF64_ENTRY_AT 24
#define ELF_HEAD_BYTES 64        /* an ELF64 header: enough to tell where a kernel enters */
#define FOUR_GIB (1ULL << 32)

static bool is_elf64(const uint8_t *w, uint64_t len)
{
    return len > ELF_CLASS_AT && w[0] == 0x7f && w[1] == 'E' && w[2] == 'L' && w[3] == 'F' &&
           w[ELF_CLASS_AT] == ELF_CLASS64;
}

/* The ELF64 header's e_entry (the window holds at least the header when is_elf64). */
static uint64_t elf64_entry(const uint8_t *w, uint64_t len)
{
    return len >= ELF64_ENTRY_AT + 8 ? le_load(w + ELF64_ENTRY_AT, 8) : 0;
}

/* What ember does with each Multiboot 2 header tag. */
static const char *const tag_verdict[MB2_TAG_TYPE_COUNT] = {
    [MB2_TAG_INFO_REQUEST] = "honoured: each tag ember gives is there (a required one it does not give is refused)",
    [MB2_TAG_ADDRESS] = "honoured: the kernel loads by its fields",
    [MB2_TAG_ENTRY] = "honoured: the 32-bit entry",
    [MB2_TAG_CONSOLE_FLAGS] = "the GOP framebuffer is the console (UEFI has no EGA text); a required console "
                              "without one is refused",
    [MB2_TAG_FRAMEBUFFER] = "the GOP mode of that width and height if the firmware has one, else the current one",
    [MB2_TAG_MODULE_ALIGN] = "honoured: every module is page-aligned",
    [MB2_TAG_EFI_BS] = "honoured with an EFI amd64 entry tag (boot services kept), else ember exits them",
    [MB2_TAG_ENTRY_EFI32] = "not used: ember boots x86-64 firmware only",
    [MB2_TAG_ENTRY_EFI64] = "honoured with the EFI boot services tag: the 64-bit entry",
    [MB2_TAG_RELOCATABLE] = "honoured when the link address is not free: moved within its bounds",
};

/* One line per tag of the Multiboot 2 header, as the loader logs them. */
static void say_mb2(const struct mb2_header *h, const struct pipe_sink *sink)
{
    pipe_say(sink, PIPE_INFO, "multiboot2: header at file offset 0x%x, %u tag(s)", (unsigned)h->offset,
             h->tag_count);
    for (unsigned t = 1; t < MB2_TAG_TYPE_COUNT; t++)
        if (h->tags[t].present)
            pipe_say(sink, PIPE_INFO, "multiboot2:   %s tag (%s): %s", mb2_tag_name(t),
                     h->tags[t].optional ? "optional" : "required", tag_verdict[t]);
    for (unsigned i = 0; i < h->request_count && i < MB2_MAX_REQUESTS; i++)
        pipe_say(sink, PIPE_INFO, "multiboot2:   asks for information tag %u (%s)", (unsigned)h->requests[i],
                 (h->required_requests >> i) & 1 ? "required" : "optional");
    for (unsigned i = 0; i < h->ignored_count && i < MB2_MAX_IGNORED; i++)
        pipe_say(sink, PIPE_INFO, "multiboot2:   unknown optional tag type %u: skipped", (unsigned)h->ignored[i].type);
}

static void say_mb1(const struct mb1_header *h, const struct pipe_sink *sink)
{
    pipe_say(sink, PIPE_INFO, "multiboot: header at file offset 0x%x, flags 0x%x%s%s%s%s", (unsigned)h->offset,
             (unsigned)h->flags, h->page_align_modules ? ", modules page-aligned" : "",
             h->memory_info ? ", memory information" : "", h->video ? ", video mode" : "",
             h->aout_kludge ? ", load addresses in the header" : "");
}

/* A header found malformed: its rule, the spec's words, and what to fix. */
static bool malformed(const char *kernel, const struct mb_diag *d, struct decide_diag *diag)
{
    decide_refuse(diag, DECIDE_MULTIBOOT_HEADER, "kernel %s: %s: %s", kernel, d->message, mb_error_hint(d->code));
    diag->rule_name = mb_error_name(d->code);
    return false;
}

/* The kernel's physical segments by the header and ELF headers: logged, or the rule that fails. */
static bool plan_segments(const char *kernel, const char *proto, const uint8_t *window, uint64_t len,
                          const struct pipe_reader *rd, const struct mb_load *load, uint32_t load_entry,
                          uint32_t entry_override, const struct pipe_sink *sink, struct mb_plan *plan,
                          struct decide_diag *diag)
{
    char why[MB_PLAN_MESSAGE_MAX];
    const struct mb_segment *last;

    if (!mb_plan_load_segments(window, (size_t)len, rd->size, load, load_entry, entry_override, plan, why))
        return decide_refuse(diag, DECIDE_MULTIBOOT_HEADER, "kernel %s: %s: %s", kernel, proto, why);
    last = &plan->seg[plan->count - 1];
    pipe_say(sink, PIPE_INFO, "%s: %u segment(s) by its %s at physical [0x%x, 0x%llx), entry 0x%x", proto, plan->count,
             plan->from_address_fields ? "address fields" : plan->elf64 ? "ELF64 headers" : "ELF32 headers",
             (unsigned)plan->load_base, (unsigned long long)last->paddr + last->memsz, (unsigned)plan->entry);
    return true;
}

#define TAG_BIT(type) (1u << (type))

/* What ember gives a Multiboot 2 kernel (mbinfo.h): with boot services kept, the map tags give way
 * to "boot services not terminated" and the image handle (the kernel reads the map itself). A
 * required request for anything else is refused as the spec asks; so is the EFI boot services tag
 * required without an EFI amd64 entry to go with it. */
static bool mb2_supported(const char *kernel, const struct mb2_header *h, bool keep_bs, struct decide_diag *diag)
{
    /* bit N: tag type N is given (all types ember gives are below 32) */
    const uint32_t always = TAG_BIT(MB2_INFO_END) | TAG_BIT(MB2_INFO_CMDLINE) | TAG_BIT(MB2_INFO_LOADER_NAME) |
                            TAG_BIT(MB2_INFO_MODULE) | TAG_BIT(MB2_INFO_FRAMEBUFFER) | TAG_BIT(MB2_INFO_ELF_SECTIONS) |
                            TAG_BIT(MB2_INFO_EFI64_SYSTEM_TABLE) | TAG_BIT(MB2_INFO_SMBIOS) | TAG_BIT(MB2_INFO_ACPI_OLD) |
                            TAG_BIT(MB2_INFO_ACPI_NEW) | TAG_BIT(MB2_INFO_LOAD_BASE);
    const uint32_t given = always | (keep_bs ? TAG_BIT(MB2_INFO_EFI_BS_NOT_TERMINATED) | TAG_BIT(MB2_INFO_EFI64_IMAGE_HANDLE)
                                             : TAG_BIT(MB2_INFO_BASIC_MEMORY) | TAG_BIT(MB2_INFO_MMAP) |
                                                   TAG_BIT(MB2_INFO_EFI_MMAP));

    for (unsigned i = 0; i < h->request_count && i < MB2_MAX_REQUESTS; i++) {
        bool known = !((h->required_requests >> i) & 1) || (h->requests[i] < 32 && ((given >> h->requests[i]) & 1));
        if (!known)
            return decide_refuse(diag, DECIDE_MULTIBOOT_HEADER, "kernel %s: multiboot2: the information request "
                                 "requires tag type %u, which ember does not give: mark the request optional "
                                 "(flags bit 0) or drop that type", kernel, (unsigned)h->requests[i]);
    }
    if (h->tags[MB2_TAG_EFI_BS].present && !h->tags[MB2_TAG_EFI_BS].optional && !keep_bs)
        return decide_refuse(diag, DECIDE_MULTIBOOT_HEADER, "kernel %s: multiboot2: the EFI boot services tag is "
                             "required without an EFI amd64 entry tag: add one (ember enters x86-64 kernels "
                             "with boot services only there) or mark it optional", kernel);
    return true;
}

const char *pipe_mb2_machine_need(uint32_t type)
{
    switch (type) {
    case MB2_INFO_FRAMEBUFFER: return "framebuffer (GOP)";
    case MB2_INFO_ELF_SECTIONS: return "ELF section headers ember can load";
    case MB2_INFO_SMBIOS: return "SMBIOS tables";
    case MB2_INFO_ACPI_OLD: return "ACPI RSDP";
    case MB2_INFO_ACPI_NEW: return "ACPI 2.0 RSDP";
    default: return NULL;
    }
}

enum decide_protocol pipe_multiboot_protocol(const struct pipe_multiboot *k)
{
    return k->version == 2 ? DECIDE_PROTO_MULTIBOOT2 : k->version == 1 ? DECIDE_PROTO_MULTIBOOT1 : DECIDE_PROTO_EMBER;
}

/* What the loader needs of a Multiboot 2 header's tags. */
static void take_mb2(const struct mb2_header *h2, struct pipe_multiboot *out)
{
    const struct mb2_tag_seen *console = &h2->tags[MB2_TAG_CONSOLE_FLAGS];

    out->version = 2;
    out->page_align_modules = true;
    out->keep_boot_services = h2->tags[MB2_TAG_EFI_BS].present && h2->tags[MB2_TAG_ENTRY_EFI64].present;
    out->efi64_entry = h2->efi64_entry_addr;
    out->fb_width = h2->tags[MB2_TAG_FRAMEBUFFER].present ? h2->fb_width : 0;
    out->fb_height = h2->tags[MB2_TAG_FRAMEBUFFER].present ? h2->fb_height : 0;
    out->console_required = console->present && (h2->console_flags & MB2_CONSOLE_REQUIRED) != 0;
    out->console_tag_optional = console->optional;
    for (unsigned i = 0; i < h2->request_count && i < MB2_MAX_REQUESTS; i++)
        out->required_tags |= (h2->required_requests >> i) & 1 && h2->requests[i] < 32 ? 1u << h2->requests[i] : 0;
    out->relocatable = h2->tags[MB2_TAG_RELOCATABLE].present;
    out->reloc_min = h2->reloc_min_addr;
    out->reloc_max = h2->reloc_max_addr;
    out->reloc_align = h2->reloc_align;
    out->reloc_preference = h2->reloc_preference;
}

bool pipe_check_multiboot(const struct ember_config *cfg, const struct pipe_reader *rd, uint8_t *window,
                          const struct pipe_sink *sink, struct pipe_multiboot *out, struct decide_diag *diag)
{
    uint64_t len = rd->size < MB2_SEARCH_BYTES ? rd->size : MB2_SEARCH_BYTES;
    bool want1 = cfg->protocol == PROTOCOL_MULTIBOOT1, want2 = cfg->protocol == PROTOCOL_MULTIBOOT2;
    struct mb2_header h2;
    struct mb1_header h1;
    struct mb_diag d;
    enum mb_status st;

    *out = (struct pipe_multiboot){ 0 };
    if (cfg->protocol != PROTOCOL_AUTO && !want1 && !want2)
        return true;
    /* the ELF header first: most kernels are ELF64 with a 64-bit entry, and need no more read here */
    uint64_t head = len < ELF_HEAD_BYTES ? len : ELF_HEAD_BYTES;
    if (!rd->read_at(rd->ctx, 0, window, head))
        return decide_firmware_failure(diag);
    if (cfg->protocol == PROTOCOL_AUTO && is_elf64(window, head) && elf64_entry(window, head) >= FOUR_GIB)
        return true; /* a 64-bit entry: the Limine and ember rules (a Limine kernel enters in the top 2 GiB) */
    if (len > head && !rd->read_at(rd->ctx, head, window + head, len - head))
        return decide_firmware_failure(diag);
    st = want1 ? MB_ABSENT : mb2_find(window, (size_t)len, &h2, &d);
    if (st == MB_MALFORMED)
        return malformed(cfg->kernel, &d, diag);
    if (st == MB_FOUND) {
        say_mb2(&h2, sink);
        take_mb2(&h2, out);
        if (out->keep_boot_services)
            pipe_say(sink, PIPE_INFO, "multiboot2: EFI boot services and amd64 entry tags: entered at 0x%x in 64-bit "
                     "mode with boot services running", (unsigned)h2.efi64_entry_addr);
        return plan_segments(cfg->kernel, "multiboot2", window, len, rd,
                             h2.tags[MB2_TAG_ADDRESS].present ? &h2.load : NULL, h2.entry_addr,
                             out->keep_boot_services ? h2.efi64_entry_addr
                                                     : h2.tags[MB2_TAG_ENTRY].present ? h2.entry_addr : 0,
                             sink, &out->plan, diag) &&
               mb2_supported(cfg->kernel, &h2, out->keep_boot_services, diag);
    }
    st = want2 ? MB_ABSENT : mb1_find(window, (size_t)len, &h1, &d);
    if (st == MB_MALFORMED)
        return malformed(cfg->kernel, &d, diag);
    if (st == MB_FOUND) {
        say_mb1(&h1, sink);
        out->version = 1;
        out->fb_width = h1.video && h1.mode_type == 0 ? h1.width : 0; /* linear graphics preferred */
        out->fb_height = h1.video && h1.mode_type == 0 ? h1.height : 0;
        out->page_align_modules = true; /* always: ember loads every module page-aligned */
        return plan_segments(cfg->kernel, "multiboot", window, len, rd, h1.aout_kludge ? &h1.load : NULL,
                             h1.entry_addr, 0, sink, &out->plan, diag);
    }
    if (want2)
        return decide_refuse(diag, DECIDE_MULTIBOOT_HEADER, "kernel %s has no Multiboot 2 header (magic 0xE85250D6, "
                             "8-byte aligned, in the first 32 KiB): protocol=multiboot2 needs one", cfg->kernel);
    if (want1)
        return decide_refuse(diag, DECIDE_MULTIBOOT_HEADER, "kernel %s has no Multiboot header (magic 0x1BADB002, "
                             "4-byte aligned, in the first 8 KiB): protocol=multiboot1 needs one", cfg->kernel);
    return true;
}
