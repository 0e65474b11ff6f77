/* Pure: the decisions ember makes from the kernel's bytes and ember.cfg alone, before any firmware
 * fact matters - ELF options, the relocatable re-plan, the protocol, the Limine layout and boot
 * requests. The loader's stages and build/ember-inspect call these same functions, so what the
 * inspector says is what the loader does. Each refusal fills a decide_diag: a rule name and the
 * exact line the loader logs as its error. */
#ifndef EMBER_DECIDE_H
#define EMBER_DECIDE_H

#include "core/blake2b.h"
#include "core/config.h"
#include "core/elf.h"
#include "core/lscan.h"
#include "core/reloc.h"
#include "core/sha256.h"

#define LIMINE_REVISION_NEWEST 6 /* the newest base revision ember implements */
#define LIMINE_DEFAULT_STACK (64 * KIB)
#define DECIDE_MESSAGE_MAX 320
/* demo_map=yes: a demo page at 0xFFFFFFFFDEAD0000, mapped in ember's tables through the handoff */
#define DECIDE_DEMO_VIRT 0xFFFFFFFFDEAD0000ULL

enum decide_rule {
    DECIDE_OK = 0,
    DECIDE_INVALID_ELF,          /* an ELF rule failed (the message names it) */
    DECIDE_RELOCATABLE_FOR_EMBER,/* ET_DYN under ember's own protocol */
    DECIDE_LIMINE_BELOW_FLOOR,   /* a Limine kernel below LIMINE_KERNEL_MIN_VADDR */
    DECIDE_LIMINE_PADDR_LAYOUT,  /* regions not at one uniform phys - virt offset */
    DECIDE_LIMINE_SCAN,          /* the request scan failed (the message names the scan rule) */
    DECIDE_LIMINE_STACK_SIZE,    /* stack size request that no page count can hold */
    DECIDE_LIMINE_PAGING_MODE,   /* paging mode request needs 5-level paging */
    DECIDE_LIMINE_ENTRY_POINT,   /* entry point request outside every executable segment */
    DECIDE_LIMINE_RELOCATION,    /* a dynamic relocation ember cannot apply (the message names it) */
    DECIDE_PIN_MISMATCH,         /* kernel_sha256= / module sha256= does not match the bytes */
    DECIDE_CONFIG_TOO_BIG,       /* ember.cfg over CONFIG_FILE_MAX_BYTES */
    DECIDE_EMPTY_KERNEL,         /* a kernel file of 0 bytes */
    DECIDE_FIRMWARE,             /* a read, allocation or hook failed: the loader logged it already */
    DECIDE_LOWER_HALF_BUSY,      /* a lower-half region cannot have paddr == vaddr */
    DECIDE_NO_ROOM_FOR_KERNEL,   /* no free range holds the higher-half span */
    DECIDE_DEMO_PAGE_TAKEN,      /* demo_map=yes, and a kernel region covers the demo page */
    DECIDE_LIMINE_REQUEST_CUT,   /* a request field lies past the end of the image */
    DECIDE_LIMINE_TOO_MANY_MODULES, /* internal modules + ember.cfg's > EMBER_MAX_MODULES */
    DECIDE_LIMINE_BAD_INTERNAL_MODULE, /* an internal module's path or string is not in the image */
    DECIDE_MULTIBOOT_HEADER,     /* a Multiboot header breaking a rule of its spec, or absent under protocol=multiboot* */
    DECIDE_RULE_COUNT
};

struct decide_diag {
    enum decide_rule rule;
    const char *rule_name;                /* decide_rule_name, or the ELF / scan rule's own name */
    char message[DECIDE_MESSAGE_MAX];     /* the loader's error line, without the log prefix */
};

enum decide_protocol { DECIDE_PROTO_EMBER, DECIDE_PROTO_LIMINE, DECIDE_PROTO_MULTIBOOT1, DECIDE_PROTO_MULTIBOOT2 };

/* Fills diag with rule and the formatted message; returns false (the kernel is refused). The one
 * way decide*.c words a refusal. */
bool decide_refuse(struct decide_diag *diag, enum decide_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The lower canonical half, [0, 2^47), where the firmware's identity map lives: a region there is
 * placed at paddr == vaddr (stage "place kernel"). */
#define DECIDE_LOWER_HALF_END (1ULL << 47)
static inline bool decide_in_lower_half(const struct elf_region *r)
{
    return r->vaddr < DECIDE_LOWER_HALF_END;
}

/* "invalid-elf", "relocatable-for-ember-protocol", ...; "ok" for DECIDE_OK. Static. */
const char *decide_rule_name(enum decide_rule rule);

/* ember.cfg of len bytes is small enough to parse; false (diag filled) when it is not. */
bool decide_config_size(uint64_t len, struct decide_diag *diag);

/* The kernel file at path is not empty; false (diag filled) when it is. */
bool decide_kernel_size(const char *path, uint64_t size, struct decide_diag *diag);

/* The ELF options ember reads the kernel under for this config (stage "read kernel headers"):
 * W+X only with allow_wx, ET_DYN unless protocol=ember, the Limine floor with protocol=limine, and
 * ember's direct-map window reserved. */
void decide_elf_options(const struct ember_config *cfg, uint64_t kaslr_seed, struct elf_options *opts);

/* The direct map's offset for hhdm_size bytes of physical memory: EMBER_HHDM_OFFSET, or with
 * cfg->randomise_hhdm (limine.conf's randomise_hhdm_base) Limine's draw from random - a whole
 * 1 GiB step below 2^45 (a quarter of the 48-bit higher half) above EMBER_HHDM_OFFSET - taken
 * down by whole steps until the map ends at least 1 GiB below ember's window's top, where the
 * trampoline pages live. */
uint64_t decide_hhdm_offset(const struct ember_config *cfg, uint64_t random, uint64_t hhdm_size);

/* After elf_build_plan succeeded under decide_elf_options: a relocatable kernel under
 * protocol=auto is Limine's, so it is planned again slid up to the Limine floor. false (diag
 * filled, message "invalid kernel PATH: RULE: ...") when that plan fails. */
bool decide_replan_relocatable(const struct ember_config *cfg, uint64_t kaslr_seed, const elf64_ehdr_t *eh,
                               const elf64_phdr_t *phdrs, uint64_t file_size, struct elf_plan *plan,
                               struct decide_diag *diag);

/* The diag for an ELF rule failure of the kernel at path: "invalid kernel PATH: MESSAGE". */
void decide_elf_failure(const char *path, const struct elf_diag *elf, struct decide_diag *diag);

/* Which protocol boots the kernel: protocol= in ember.cfg, else (auto) Limine when limine_marks
 * (lscan_detect on the loaded bytes; detect_why its reason), else ember's. *why gets the reason the
 * loader logs after "protocol NAME (". */
enum decide_protocol decide_protocol(const struct ember_config *cfg, bool limine_marks, const char *detect_why,
                                     char *why, size_t cap);

/* ember's own protocol takes ET_EXEC kernels only. */
bool decide_ember_kernel(const struct ember_config *cfg, const struct elf_plan *plan, struct decide_diag *diag);

/* The Limine layout rules: at or above the floor, and every region at the same phys - virt offset
 * as the first (region_phys[i]: where region i is, or will be, in physical memory). */
bool decide_limine_layout(const struct elf_plan *plan, const uint64_t *region_phys, struct decide_diag *diag);

/* The plan's segments as lscan wants them, region i's bytes at region_base[i] (its first, page-aligned
 * byte). Returns their number (plan->count). */
size_t decide_scan_segments(const struct elf_plan *plan, uint8_t *const *region_base, struct lscan_segment *out);

/* The base revision ember boots a Limine kernel with: the tag's (0 without one), or the newest ember
 * implements when the kernel asks for a newer one (the write-back tells it which). */
uint64_t decide_limine_revision(const struct lscan_result *scan);

/* The diag for a failed request scan (lscan_scan's diag). */
void decide_scan_failure(const struct lscan_diag *scan, struct decide_diag *diag);

/* The first OK request of kind k in the scan, or NULL. */
const struct lscan_request *decide_find_request(const struct lscan_result *scan, enum lscan_kind k);

/* The Limine requests that change the boot itself: stack size (*stack_size: the bytes the kernel
 * gets), paging mode (4-level only), entry point (*entry: the address ember jumps to). */
bool decide_limine_boot_requests(const struct lscan_result *scan, const struct elf_plan *plan,
                                 uint64_t *stack_size, uint64_t *entry, struct decide_diag *diag);

/* The 8-byte field at offset in request r; false (diag filled) when it lies past the bytes that back
 * the request (r->backed): every read of a request field past the 48-byte header goes through here. */
bool decide_request_field(const struct lscan_request *r, size_t offset, uint64_t *value, struct decide_diag *diag);

/* Every answerable request lies wholly in the image, its kind's fields included (after the scan). */
bool decide_requests_whole(const struct lscan_result *scan, struct decide_diag *diag);

/* Refusals the pipeline's steps make (each fills diag and returns false). DECIDE_FIRMWARE has no
 * line: the loader's callback logged what failed. which: decide_name_region's "program header 2"
 * (the 0-based index readelf gives a segment; every line names segments that way). */
bool decide_firmware_failure(struct decide_diag *diag);
void decide_name_region(const struct elf_plan *plan, const struct elf_region *r, char *out, size_t cap);
bool decide_lower_half_busy(const char *which, uint64_t vaddr, uint64_t size, const char *type, uint64_t busy_at,
                            struct decide_diag *diag);
bool decide_no_room_for_kernel(uint64_t busy, uint64_t lo, uint64_t hi, struct decide_diag *diag);
bool decide_demo_page_taken(const struct elf_plan *plan, const struct elf_region *r, struct decide_diag *diag);
bool decide_too_many_modules(uint64_t internal, unsigned configured, struct decide_diag *diag);
bool decide_bad_internal_module(uint64_t index, size_t hash_digits, struct decide_diag *diag);

/* A BLAKE2b-512 pin from a Limine path's `#<hash>` suffix: true when digest is the pinned value,
 * false with the mismatch line naming both. */
bool decide_pin_blake2b(const char *what, const uint8_t digest[BLAKE2B_DIGEST_SIZE],
                        const uint8_t want[BLAKE2B_DIGEST_SIZE], struct decide_diag *diag);

/* A relocatable kernel's relocations could not be applied (reloc_apply's diag). */
void decide_reloc_failure(const struct reloc_diag *reloc, struct decide_diag *diag);

/* A SHA-256 pin (what: "kernel \\kernel.elf", "module 1 (/a.bin)"): true when digest is the pinned
 * value; false with the mismatch line. *got_hex gets the digest in hex either way. */
bool decide_pin(const char *what, const uint8_t digest[SHA256_DIGEST_SIZE], const uint8_t want[SHA256_DIGEST_SIZE],
                char got_hex[SHA256_HEX_SIZE], struct decide_diag *diag);

#endif
