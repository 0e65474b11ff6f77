/* Pure: find a Limine kernel's base-revision tag, request markers and requests in its loaded bytes. */
#ifndef EMBER_LSCAN_H
#define EMBER_LSCAN_H

#include "ember/limine.h"
#include "core/types.h"

/* Requests one scan records; more is LSCAN_ERR_TOO_MANY_REQUESTS (the protocol names ~20). */
#define LSCAN_MAX_REQUESTS 64
#define LSCAN_MESSAGE_MAX 160

/* One loaded segment. data holds the segment's bytes as loaded (at least filesz of them; the
 * loader's buffer holds memsz): only [0, filesz) came from the file, so only those are scanned —
 * a request in .bss is all zero at load time and never seen. data is writable because the loader
 * later writes responses and the revision back through the pointers the scan returns. */
struct lscan_segment {
    uint64_t vaddr;
    uint8_t *data;
    uint64_t filesz; /* bytes */
    uint64_t memsz;  /* bytes, >= filesz */
    uint64_t backed; /* bytes readable at data (the loader: up to its region's end); below memsz: memsz */
};

/* The requests ember knows by id. LSCAN_UNKNOWN: common magic with id words no kind has. */
enum lscan_kind {
    LSCAN_UNKNOWN = 0,
    LSCAN_BOOTLOADER_INFO,
    LSCAN_FIRMWARE_TYPE,
    LSCAN_STACK_SIZE,
    LSCAN_HHDM,
    LSCAN_FRAMEBUFFER,
    LSCAN_PAGING_MODE,
    LSCAN_MP, /* answered by src/proto/limine/mp.c when the MADT is usable */
    LSCAN_MEMMAP,
    LSCAN_ENTRY_POINT,
    LSCAN_EXECUTABLE_FILE,
    LSCAN_MODULE,
    LSCAN_RSDP,
    LSCAN_SMBIOS,
    LSCAN_EFI_SYSTEM_TABLE,
    LSCAN_EFI_MEMMAP,
    LSCAN_DATE_AT_BOOT,
    LSCAN_EXECUTABLE_ADDRESS,
    LSCAN_EXECUTABLE_CMDLINE,
    LSCAN_DTB, /* known, never answered on x86 UEFI */
    LSCAN_BOOTLOADER_PERFORMANCE,
    LSCAN_TSC_FREQUENCY,
    LSCAN_ENTROPY,
    LSCAN_KEEP_IOMMU,
    LSCAN_TPM_EVENT_LOG,
    LSCAN_FLANTERM_FB_INIT, /* known, never answered: ember keeps no terminal on the screen */
    LSCAN_KIND_COUNT,
};

/* What the scan concluded about one id match. Only LSCAN_VERDICT_OK requests are answered. */
enum lscan_verdict {
    LSCAN_VERDICT_OK = 0,
    LSCAN_VERDICT_UNKNOWN_ID,      /* common magic, unknown id words: ignored, not an error */
    LSCAN_VERDICT_DUPLICATE,       /* a second request with the same id (an error) */
    LSCAN_VERDICT_OUTSIDE_MARKERS, /* outside binding markers (revision >= 2): not a request */
};

struct lscan_request {
    enum lscan_kind kind;
    enum lscan_verdict verdict;
    bool outside_markers; /* markers exist and this lies outside them (also when only hints) */
    uint64_t vaddr;       /* 8-byte aligned */
    uint8_t *ptr;         /* its first byte in the segment's data: the loader writes through it */
    uint64_t backed;      /* bytes readable at ptr: a field past them is not part of the image */
    uint64_t id[LIMINE_ID_WORDS];
    uint64_t revision;
    uint64_t response;    /* as found in the file */
};

struct lscan_result {
    /* base-revision tag; revision is what the kernel asks for (0 without a tag) */
    bool has_tag;
    bool tag_outside_markers;
    bool tag_ignored; /* outside the markers it makes binding: Limine never sees it (revision 0) */
    uint64_t revision;
    uint64_t tag_vaddr;
    uint8_t *tag; /* its first byte in the data; lscan_write_back_revision writes through it */
    unsigned tag_count;
    /* markers as Limine reads them: the scan stops at the first end marker and a start marker
     * resets it, so the window is [the last start marker before the first end marker, that end
     * marker). A start marker after the end marker (a linker script that reversed them) is not
     * part of it: late_start says where the first such one lies. */
    bool has_start, has_end;
    uint64_t start_vaddr, end_vaddr;
    unsigned start_count, end_count;
    bool late_start;
    uint64_t late_start_vaddr;
    bool markers_binding; /* a marker exists and revision >= 2: outside requests are not requests */
    /* the first common-magic match at a vaddr == 4 (mod 8), which no loader reads */
    bool has_misaligned;
    uint64_t misaligned_vaddr;
    enum lscan_kind misaligned_kind;
    /* requests, in scan order (segments as given, ascending vaddr in each) */
    size_t count;   /* entries in requests[] */
    size_t matches; /* id matches seen, > count when requests[] overflowed */
    struct lscan_request requests[LSCAN_MAX_REQUESTS];
};

enum lscan_error {
    LSCAN_OK = 0,
    LSCAN_ERR_BAD_SEGMENT,         /* filesz > memsz, vaddr + memsz wraps, or no data */
    LSCAN_ERR_TOO_MANY_REQUESTS,   /* more id matches than LSCAN_MAX_REQUESTS */
    LSCAN_ERR_DUPLICATE_TAG,       /* two base-revision tags */
    LSCAN_ERR_DUPLICATE_REQUEST,   /* two requests with the same id */
    /* breaches Limine boots through: only lscan_tolerated reports them (strict=yes refuses) */
    LSCAN_ERR_MARKERS_REVERSED,    /* a start marker after the end marker */
    LSCAN_ERR_TAG_OUTSIDE_MARKERS, /* a revision >= 2 tag outside the markers it makes binding */
    LSCAN_ERR_MISALIGNED_REQUEST,  /* a request at a vaddr == 4 (mod 8) */
    LSCAN_ERR_RESPONSE_SET,        /* a request whose response field is not 0 in the file */
};

struct lscan_diag {
    enum lscan_error code;
    char message[LSCAN_MESSAGE_MAX]; /* "duplicate HHDM request at 0x... (first at 0x...)" */
};

/* Rules taken from the protocol text (limine-protocol PROTOCOL.md, base revisions 0-3; trunk agrees):
 * - Requests and the base-revision tag lie "on an 8-byte aligned boundary" of the loaded image.
 *   Only file-backed bytes can hold them: .bss is zero when the loader looks.
 * - Markers: "The bootloader will only accept requests placed between the last start marker found
 *   [...] and the first end marker found." "For base revisions 0 and 1, the requests delimiters are
 *   hints. The bootloader can still search for requests and base revision tags outside the
 *   delimited area if it doesn't support the hints." From revision 2 "the delimiters must be
 *   honoured, if present". ember's reading:
 *     - "last" and "first" are by vaddr (independent of segment order); either marker alone bounds
 *       one side ("start and/or end markers"); an end marker below the start marker is an error.
 *     - revision >= 2: a request outside [start, end) is not a request (verdict OUTSIDE_MARKERS).
 *     - revision 0-1: markers are hints ember does not rely on: a request outside them is still
 *       answered, as a loader that ignores the hints would, and flagged outside_markers so the
 *       loader can warn. Kernels that booted on such loaders keep booting.
 *     - the tag decides which of the two applies, so a revision >= 2 tag outside its own binding
 *       markers is an error rather than silently falling back to revision 0.
 * - "There may only be 1 of the same request. The bootloader will refuse to boot an executable
 *   with multiple of the same request IDs." ember also refuses a second tag, a request whose
 *   response field is not 0 in the file, and a request at a vaddr == 4 (mod 8) (never read by any
 *   loader: a silent NULL response otherwise). */

/* Scans segs[0..n) once and fills *out (all of it, on success and on error). diag may be NULL;
 * it gets the first error found, or LSCAN_OK and "". Reads only the file-backed bytes of each
 * segment; writes nothing to them. */
enum lscan_error lscan_scan(const struct lscan_segment *segs, size_t n, struct lscan_result *out,
                            struct lscan_diag *diag);

/* Writes the base revision ember used back into the tag. The spec: "if the executable's requested
 * base revision is supported, the 3rd component of the base revision tag must be set to 0 by the
 * bootloader"; otherwise the loader communicates "failure to comply [...] by leaving the 3rd
 * component of the base revision tag unchanged"; and a loader supporting revision 3 must "always
 * set the 2nd component of the base revision tag to the base revision actually used to load the
 * executable, regardless of whether it was the requested one or not". So: word 1 = loaded_revision
 * always; word 2 = 0 when loaded_revision is the revision asked for, else left as it is. No tag:
 * nothing is written (the kernel asked for nothing; revision 0 applies). */
void lscan_write_back_revision(struct lscan_result *r, uint64_t loaded_revision);

/* For protocol=auto: true when the bytes look like a Limine kernel — a base-revision tag, a
 * marker, a (possibly misaligned) request not excluded by binding markers — with a one-line
 * reason in why[0..cap) either way ("base revision 3 tag at 0x..."). */
bool lscan_detect(const struct lscan_segment *segs, size_t n, char *why, size_t cap);

/* A kernel symbol that looks like a request but lies in a segment's .bss part (zero in the file, so
 * the scan can never see it): the classic "my response is NULL" mistake. */
struct lscan_bss_symbol {
    const char *name;  /* points into the caller's string table */
    uint64_t vaddr;    /* final (slid) address */
    uint64_t size;     /* bytes */
};

/* Longest symbol name lscan_bss_symbols considers. A request variable's name, mangled or not, is
 * far shorter; the bound keeps each symbol's cost O(LSCAN_BSS_NAME_MAX) whatever the tables hold. */
#define LSCAN_BSS_NAME_MAX 256

/* Walks an ELF64 symbol table (symtab_size bytes of 24-byte entries, names in strtab) for object
 * symbols of at least a request header's size whose name contains "request" or "_req" and whose
 * address (+ slide) lies in [vaddr + filesz, vaddr + memsz) of a segment. A name must end with a
 * NUL inside strtab within LSCAN_BSS_NAME_MAX bytes (longer or unterminated names are skipped), so
 * it reads at most LSCAN_BSS_NAME_MAX + 1 string bytes per symbol: linear in the symbol count.
 * Writes up to cap of them to out and returns how many there are. Never reads outside the three
 * buffers. Pure. */
size_t lscan_bss_symbols(const void *symtab, uint64_t symtab_size, const char *strtab, uint64_t strtab_size,
                         uint64_t slide, const struct lscan_segment *segs, size_t n,
                         struct lscan_bss_symbol *out, size_t cap);

/* Why ember never answers a request of kind k, or NULL when it may: the device tree (none on x86
 * UEFI), flanterm's init parameters (ember leaves no terminal on the screen to continue) and the
 * TPM event log (not read yet). */
const char *lscan_never_answered(enum lscan_kind k);

/* "HHDM", "memory map", ...; "unknown" for LSCAN_UNKNOWN and out-of-range values. Static. */
const char *lscan_kind_name(enum lscan_kind kind);
const char *lscan_verdict_name(enum lscan_verdict verdict);
const char *lscan_error_name(enum lscan_error err);
/* What to do about a refusal of this code, one clause. Static. */
const char *lscan_error_hint(enum lscan_error err);

/* Breaches of the spec that Limine boots through (its source, common/protos/limine.c): a start
 * marker after the end marker (its scan stops at the end marker), a base-revision tag outside the
 * markers it makes binding (never seen: revision 0, the tag left alone), a request 4 bytes off its
 * alignment (its scan steps by 8: never seen, never answered), a response field that is not 0 in
 * the file (overwritten by the answer). ember boots such a kernel the same way; strict=yes refuses
 * it. Breach n (0 .. LSCAN_TOLERATED_COUNT - 1): true when r has it, with *diag (code and what
 * breaks the rule) and *instead (what ember does, as Limine does) filled. */
#define LSCAN_TOLERATED_COUNT 4
bool lscan_tolerated(const struct lscan_result *r, unsigned n, struct lscan_diag *diag, const char **instead);

#endif
