/* Pure: the kernel-and-config steps of a boot, in the loader's order (src/uefi/boot.c's stage table).
 * The loader's stages call each step and carry out what it decided with firmware calls;
 * build/ember-inspect calls the very same steps on the host and only reports. Reads, allocations
 * and messages come in through the small callback tables below, so nothing here names UEFI. */
#ifndef EMBER_PIPELINE_H
#define EMBER_PIPELINE_H

#include "core/config.h"
#include "core/decide.h"
#include "core/elf.h"
#include "core/lscan.h"
#include "core/mbload.h"
#include "core/reloc.h"

/* The loader's stages these steps belong to, as src/uefi/boot.c names them (and ember-inspect reports). */
#define PIPE_STAGE_READ_CONFIG "read the config"
#define PIPE_STAGE_READ_HEADERS "read kernel headers"
#define PIPE_STAGE_PLACE "place kernel"
#define PIPE_STAGE_DEMO "demo mapping"
#define PIPE_STAGE_LOAD "load kernel segments"
#define PIPE_STAGE_CHOOSE_PROTOCOL "choose protocol"

/* The kernel file. read_at returns false when the read failed; the reader has said why (the
 * pipeline then refuses with DECIDE_FIRMWARE and no line of its own). zero clears loaded bytes
 * (NULL: a plain loop; the loader passes the firmware's SetMem, which is faster under TCG). */
struct pipe_reader {
    void *ctx;
    bool (*read_at)(void *ctx, uint64_t offset, void *buf, uint64_t len);
    void (*zero)(void *ctx, void *buf, uint64_t len);
    uint64_t size; /* bytes in the file */
};

/* What a step says besides a refusal: the loader logs it, the inspector lists the warnings. */
enum pipe_level { PIPE_INFO, PIPE_WARN };
struct pipe_sink {
    void *ctx;
    void (*say)(void *ctx, enum pipe_level level, const char *line);
};
void pipe_say(const struct pipe_sink *sink, enum pipe_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The ELF header and program header table exactly as read and validated. */
struct kernel_headers {
    elf64_ehdr_t ehdr;
    uint64_t head_len;             /* bytes of ehdr read (the header, or a shorter file) */
    elf64_phdr_t phdrs[ELF_MAX_PHNUM];
    uint64_t phoff, phsize;        /* where the program headers are in the file */
};

/* A Multiboot kernel to boot: which version and where its bytes go. version 0: not one. */
struct pipe_multiboot {
    unsigned version;              /* 1 or 2; 0 = not a Multiboot kernel */
    bool page_align_modules;
    bool keep_boot_services;       /* MB2 tags 7 and 9: enter at efi64_entry in 64-bit mode, boot
                                    * services running (the kernel exits them) */
    uint32_t efi64_entry;
    uint32_t fb_width, fb_height;  /* the framebuffer the header prefers (MB2 tag 5, MB1 flag 2); 0: none */
    bool console_required;         /* MB2 console flags tag, bit 0: a console must be there (GOP's framebuffer) */
    bool console_tag_optional;     /* ... in a tag the loader may ignore: booted without one, with a WARN */
    uint32_t required_tags;        /* bit N: the information request requires tag type N (N < 32) */
    bool relocatable;              /* MB2 tag 10: where the image may go when its link address cannot */
    uint32_t reloc_min, reloc_max, reloc_align, reloc_preference;
    struct mb_plan plan;
};

/* Stage "read kernel headers", first: under protocol=auto a file that is not ELF64 or an ELF64 whose
 * entry lies below 4 GiB (a 32-bit entry: no Limine kernel has one), or under
 * protocol=multiboot1/multiboot2 any file, is looked at for its Multiboot header (Multiboot 2 first,
 * as GRUB and Limine prefer it); one found is logged tag by tag through sink, its segments planned
 * (core/mbload.h) into *out. window holds MB2_SEARCH_BYTES (the caller's buffer). True with
 * out->version 0: not a Multiboot kernel - go on with the ELF64 steps; true with 1 or 2: boot it
 * by that protocol. False: refused (a malformed header, one asking for what ember cannot give, a
 * header absent under protocol=multiboot*). */
bool pipe_check_multiboot(const struct ember_config *cfg, const struct pipe_reader *rd, uint8_t *window,
                          const struct pipe_sink *sink, struct pipe_multiboot *out, struct decide_diag *diag);

/* The Multiboot 2 information tags only the machine or the file can fill, so that a required request
 * for one is checked at boot (the loader's stage "check the machine"; ember-inspect lists them as
 * assumptions): what fills tag `type`, or NULL when ember always can. */
const char *pipe_mb2_machine_need(uint32_t type);

/* The protocol of pipe_check_multiboot's verdict: Multiboot 2 or 1, or (version 0, an ELF64 kernel)
 * ember until pipe_choose_protocol decides between ember and Limine. */
enum decide_protocol pipe_multiboot_protocol(const struct pipe_multiboot *k);

/* Stage "read kernel headers": the file is not empty, the ELF header and program headers (read
 * through rd, never the whole file) pass the rules of decide_elf_options, the plan is built, and a
 * relocatable kernel under protocol=auto is planned again at the Limine floor. */
bool pipe_read_headers(const struct ember_config *cfg, uint64_t kaslr_seed, const struct pipe_reader *rd,
                       struct kernel_headers *h, struct elf_plan *plan, struct decide_diag *diag);

/* Physical memory for stage "place kernel". claim_at takes exactly [phys, phys + pages * 4 KiB) or
 * fails; claim_span takes pages anywhere with base == congruent (mod align); release gives a claim
 * back. busy_type names the memory type at the first busy byte of [phys, phys + size) (*busy_at),
 * or returns NULL when that range is free (the claim failed for another reason). */
struct place_ops {
    void *ctx;
    bool (*claim_at)(void *ctx, uint64_t phys, uint64_t pages);
    bool (*claim_span)(void *ctx, uint64_t pages, uint64_t align, uint64_t congruent, uint64_t *base);
    void (*release)(void *ctx, uint64_t phys, uint64_t pages);
    const char *(*busy_type)(void *ctx, uint64_t phys, uint64_t size, uint64_t *busy_at);
};

struct kernel_placement {
    uint64_t region_phys[ELF_MAX_LOAD_SEGMENTS]; /* where each plan region's first byte is */
    bool spanned;                  /* the higher-half regions share one claim_span */
    uint64_t busy;                 /* spanned: the p_paddr that was not free (0: p_paddr not tried) */
    uint64_t span_lo, span_hi, span_base; /* spanned: virtual [lo, hi) at physical span_base */
};

/* Stage "place kernel": lower-half regions at paddr == vaddr; higher-half regions at their p_paddr
 * (ET_EXEC, protocol not limine) or else in one span that keeps their relative layout, 2 MiB-
 * congruent with the first vaddr when the span is that big. */
bool pipe_place(const struct ember_config *cfg, const struct elf_plan *plan, const struct place_ops *ops,
                const struct pipe_sink *sink, struct kernel_placement *out, struct decide_diag *diag);

/* Resolves path as Limine does for an internal module: from the root when it starts with '/' or
 * '\\', else after dir[0..dir_len) (the kernel's directory); '.' components dropped, '..' going up,
 * never above the root. out gets '/' separators and one leading '/'. False when it does not fit. */
bool pipe_resolve_path(const char *dir, size_t dir_len, const char *path, char *out, size_t cap);

/* The kernel's regions as loaded: region i's first byte at base[i] (the loader: its physical
 * address through the identity map; the inspector: a host buffer of the region's size). */
struct pipe_image {
    const struct elf_plan *plan;
    uint8_t *base[ELF_MAX_LOAD_SEGMENTS];
};

/* The loaded byte at kernel virtual address vaddr (after any slide); NULL unless [vaddr, vaddr +
 * len) lies wholly inside one region. */
void *pipe_image_ptr(const struct pipe_image *img, uint64_t vaddr, uint64_t len);

/* Stage "demo mapping": demo_map=yes maps DECIDE_DEMO_VIRT, which no kernel region may use. */
bool pipe_demo_page(const struct ember_config *cfg, const struct elf_plan *plan, struct decide_diag *diag);

/* Stage "load kernel segments": each segment's file bytes at its place in its region, every other
 * byte of the region zero (written once). */
bool pipe_load_regions(const struct pipe_image *img, const struct pipe_reader *rd, struct decide_diag *diag);

/* What stage "choose protocol" decided for a Limine kernel. */
struct limine_decision {
    bool scanned;                  /* the request scan succeeded: scan is valid */
    struct lscan_result scan;      /* its ptr fields point into the image */
    uint64_t revision;             /* the base revision ember boots the kernel with */
    struct reloc_stats reloc;      /* relocations applied (relocatable kernels) */
    unsigned internal_count;       /* module request revision 1: the kernel's own modules */
    struct config_module internal[EMBER_MAX_MODULES];
};

struct protocol_decision {
    enum decide_protocol protocol;
    char why[200];                 /* the reason, as the loader logs it after "protocol NAME (" */
    uint64_t entry;                /* where ember jumps */
    uint64_t stack_size;           /* bytes of kernel stack */
    struct limine_decision limine; /* protocol == DECIDE_PROTO_LIMINE */
};

/* The loader's work inside stage "choose protocol", run at its place in the order: after the
 * Limine scan, before the tag is written back and the kernel relocated (the executable file copy
 * must see the file's bytes). false refuses the kernel (DECIDE_FIRMWARE: the hook said why). */
struct pipe_hooks {
    void *ctx;
    bool (*after_scan)(void *ctx, const struct lscan_result *scan);
};

/* Stage "choose protocol": protocol= or detection on the loaded bytes, then the protocol's rules.
 * For Limine: layout (region_phys), request scan, base revision, hooks->after_scan, revision
 * write-back, relocation, the requests that change the boot (stack size, paging mode, entry
 * point) and the module request's internal modules. Writes into the image (tag, relocations). */
bool pipe_choose_protocol(const struct ember_config *cfg, const struct pipe_image *img, const uint64_t *region_phys,
                          const struct pipe_hooks *hooks, const struct pipe_sink *sink, struct protocol_decision *out,
                          struct decide_diag *diag);

#endif
