/* Pure: find and check a kernel file's Multiboot 1 and Multiboot 2 headers in its first bytes. */
#ifndef EMBER_MBHEADER_H
#define EMBER_MBHEADER_H

#include "core/types.h"

/*
 * How a caller uses it (the loader, ember-inspect): with the kernel file's bytes in memory,
 *
 *   struct mb2_header h2; struct mb1_header h1; struct mb_diag d;
 *   switch (mb2_find(file, len, &h2, &d)) {
 *   case MB_FOUND:     boot it as Multiboot 2 (h2 says what the kernel asks for);
 *   case MB_MALFORMED: refuse: log d.message and mb_error_hint(d.code);
 *   case MB_ABSENT:    try mb1_find() the same way; absent too: not a Multiboot kernel.
 *   }
 *
 * Each finder reads only file[0 .. min(len, its search window)) and never writes it. Neither
 * decides what ember supports beyond the header's own rules: the caller still refuses a required
 * (optional bit clear) tag it cannot honour, e.g. an information request for a tag type it does
 * not provide (the spec: "If the bootloader does not understand the meaning of the requested tag
 * it must fail with an error"), or a required framebuffer tag without GOP. A file may carry both
 * headers; the caller picks (GRUB's multiboot2 command reads only the Multiboot 2 one).
 */

#define MB1_MAGIC 0x1BADB002u
#define MB1_SEARCH_BYTES 8192u  /* "contained completely within the first 8192 bytes" */
#define MB1_ALIGN 4u            /* "must be longword (32-bit) aligned" */
#define MB1_BASE_BYTES 12u      /* magic, flags, checksum */
#define MB1_AOUT_END 32u        /* header bytes when the address fields (flag 16) are present */
#define MB1_VIDEO_END 48u       /* header bytes when the graphics fields (flag 2) are present */

/* MB1 flags. Bits 0-15 are requirements: an unknown one set means refuse. */
#define MB1_FLAG_PAGE_ALIGN (1u << 0)  /* modules page (4 KiB) aligned */
#define MB1_FLAG_MEMORY_INFO (1u << 1) /* mem_* (and mmap_* if the loader can) wanted */
#define MB1_FLAG_VIDEO (1u << 2)       /* video mode table wanted; mode_type.. present */
#define MB1_FLAG_AOUT_KLUDGE (1u << 16) /* header_addr..entry_addr present and to be used */
#define MB1_REQUIRED_MASK 0xffffu
#define MB1_KNOWN_REQUIRED (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO | MB1_FLAG_VIDEO)

#define MB2_MAGIC 0xE85250D6u
#define MB2_SEARCH_BYTES 32768u /* "contained completely within the first 32768 bytes" */
#define MB2_ALIGN 8u            /* "must be 64-bit aligned"; tags start 8-byte aligned too */
#define MB2_FIXED_BYTES 16u     /* magic, architecture, header_length, checksum */
#define MB2_TAG_HEADER_BYTES 8u /* u16 type, u16 flags, u32 size */
#define MB2_ARCH_I386 0u        /* "'0' means 32-bit (protected) mode of i386" */
#define MB2_ARCH_MIPS32 4u      /* "'4' means 32-bit MIPS": never ours */
#define MB2_TAG_OPTIONAL 1u     /* tag flags bit 0 */

/* MB2 header tag types (spec 3.1.3-3.1.13). */
enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_INFO_REQUEST = 1,
    MB2_TAG_ADDRESS = 2,
    MB2_TAG_ENTRY = 3,
    MB2_TAG_CONSOLE_FLAGS = 4,
    MB2_TAG_FRAMEBUFFER = 5,
    MB2_TAG_MODULE_ALIGN = 6,
    MB2_TAG_EFI_BS = 7,
    MB2_TAG_ENTRY_EFI32 = 8,
    MB2_TAG_ENTRY_EFI64 = 9,
    MB2_TAG_RELOCATABLE = 10,
    MB2_TAG_TYPE_COUNT,
};

#define MB2_MAX_REQUESTS 32 /* information request types kept; request_count goes on counting */
#define MB2_MAX_IGNORED 8   /* unknown optional tags kept; ignored_count goes on counting */
#define MB_MESSAGE_MAX 192

enum mb_status {
    MB_ABSENT = 0, /* no header: not an error */
    MB_FOUND,      /* a header that follows every rule below */
    MB_MALFORMED,  /* a header (magic at an aligned offset) breaking a rule: diag says which */
};

/* One rule each; mb_error_name() names them, mb_error_hint() says what to fix. */
enum mb_error {
    MB_OK = 0,
    MB_ERR_CHECKSUM,             /* magic at an aligned offset, no candidate's checksum holds */
    MB_ERR_PAST_WINDOW,          /* the header (its flag-enabled fields, header_length) passes the window */
    MB_ERR_TRUNCATED,            /* the file ends inside the header */
    MB_ERR_MB1_REQUIRED_FLAGS,   /* a flag in bits 0-15 ember does not know */
    MB_ERR_MB2_ARCHITECTURE,     /* architecture not 0 (4 = MIPS, others undefined) */
    MB_ERR_MB2_HEADER_LENGTH,    /* header_length below the 16 bytes of magic fields */
    MB_ERR_MB2_TAG_PAST_END,     /* a tag ends past header_length */
    MB_ERR_MB2_TAG_SIZE,         /* a known tag's size is not its type's (end tag: 8) */
    MB_ERR_MB2_NO_END_TAG,       /* header_length reached without a type 0 tag */
    MB_ERR_MB2_UNKNOWN_REQUIRED, /* a tag type ember does not know, optional bit clear */
    MB_ERR_MB2_RELOCATABLE,      /* relocatable tag: preference not 0-2, or min_addr > max_addr */
    MB_ERR_LOAD_AFTER_HEADER,    /* load_addr > header_addr */
    MB_ERR_LOAD_BEFORE_FILE,     /* header_addr - load_addr > the header's file offset */
    MB_ERR_LOAD_END,             /* load_end_addr (not 0) < load_addr, or the load passes 4 GiB */
    MB_ERR_LOAD_PAST_FILE,       /* load_end_addr - load_addr more bytes than the file has */
    MB_ERR_BSS_END,              /* bss_end_addr (not 0) < the end of the loaded bytes */
    MB_ERR_ENTRY_OUTSIDE,        /* entry_addr outside [load_addr, end of the loaded bytes) */
    MB_ERROR_COUNT,
};

struct mb_diag {
    enum mb_error code;
    char message[MB_MESSAGE_MAX]; /* "multiboot2: header at 0x40: tag type 11 at 0x58 ..." */
};

/* The a.out-style address fields (MB1 flag 16, MB2 address tag), physical, as found. */
struct mb_address {
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
};

/* What the address fields mean for loading, checked: file[file_offset, file_offset + size) goes
 * to physical load_addr; [load_addr + size, bss_end) is zeroed (bss_end == load_addr + size when
 * there is no bss). load_end_addr 0 means to the end of the file, bss_end_addr 0 no bss, and
 * (MB2 only) load_addr 0xFFFFFFFF "the file must be loaded from its beginning". */
struct mb_load {
    uint32_t file_offset; /* bytes into the file */
    uint32_t load_addr;   /* physical */
    uint32_t size;        /* bytes from the file */
    uint32_t bss_end;     /* physical, exclusive */
};

struct mb1_header {
    uint32_t offset;        /* of the magic, in the file: a multiple of 4 below 8192 */
    uint32_t flags;
    uint32_t ignored_flags; /* bits 17-31 set: optional features ember does not know */
    bool page_align_modules, memory_info, video, aout_kludge; /* flags 0, 1, 2, 16 */
    /* aout_kludge only */
    struct mb_address address;
    uint32_t entry_addr;
    struct mb_load load;
    /* video only: mode_type 0 linear graphics, 1 EGA text; 0 in width/height/depth: no preference */
    uint32_t mode_type, width, height, depth;
};

/* A tag as found: offset from the header's start (a multiple of 8, >= 16) and its size field. */
/* Console flags tag (3.1.6): "at least one of supported consoles must be present", "the OS image has
 * EGA text support". */
#define MB2_CONSOLE_REQUIRED 1u
#define MB2_CONSOLE_EGA_TEXT 2u

struct mb2_tag_seen {
    bool present;
    bool optional; /* flags bit 0 */
    uint32_t offset;
    uint32_t size;
};

struct mb2_header {
    uint32_t offset;        /* of the magic, in the file: a multiple of 8 below 32768 */
    uint32_t architecture;  /* always MB2_ARCH_I386 when found */
    uint32_t header_length; /* bytes, magic fields and tags */
    unsigned tag_count;     /* tags before the end tag, ignored ones too */
    /* the last tag of each known type (a loader reading tags in order keeps the last); index 0 unused */
    struct mb2_tag_seen tags[MB2_TAG_TYPE_COUNT];
    unsigned request_count; /* information request types listed, all tags of type 1 together */
    uint32_t requests[MB2_MAX_REQUESTS];
    uint32_t required_requests; /* bit i: requests[i] came in a request tag without the optional bit
                                 * (a header may hold several, each with its own flag) */
    struct mb_address address; /* address tag */
    struct mb_load load;       /* address tag: what it means, checked */
    uint32_t entry_addr;       /* entry address tag */
    uint32_t console_flags;    /* MB2_CONSOLE_REQUIRED, MB2_CONSOLE_EGA_TEXT */
    uint32_t fb_width, fb_height, fb_depth; /* preferred mode; 0 = no preference */
    uint32_t efi32_entry_addr, efi64_entry_addr; /* used only with the EFI boot services tag */
    uint32_t reloc_min_addr, reloc_max_addr, reloc_align, reloc_preference;
    /* unknown tag types with the optional bit set: skipped */
    unsigned ignored_count;
    struct {
        uint16_t type;
        uint32_t offset, size;
    } ignored[MB2_MAX_IGNORED];
};

/* Rules, from the Multiboot2 Specification version 2.0 (3.1):
 * - "The Multiboot2 header must be contained completely within the first 32768 bytes of the OS
 *   image, and must be 64-bit aligned." Candidates: magic at file offsets 0, 8, ... whose 16 magic
 *   field bytes lie in the window; the first whose checksum holds is the header ("when added to
 *   the other magic fields ... must have a 32-bit unsigned sum of zero"). Magic at other offsets
 *   is not a header. Magic with no holding checksum is MB_ERR_CHECKSUM (the first one named).
 * - architecture: "'0' means 32-bit (protected) mode of i386. '4' means 32-bit MIPS."
 * - Tags "following each other padded when necessary in order for each tag to start at 8-bytes
 *   aligned address": the next tag is at this one + size rounded up to 8. "'size' contains the
 *   size of tag including header fields": at least 8 and inside header_length. "Tags are
 *   terminated by a tag of type '0' and size '8'." Known types have the size their layout gives
 *   (information request: 8 + 4n). "If bit '0' of 'flags' (also known as 'optional') is set, the
 *   bootloader may ignore this tag if it lacks relevant support": otherwise it must not.
 * - Relocatable tag: preference "'0' means none, '1' ... lowest possible address ... '2' ...
 *   highest"; min_addr above max_addr leaves nowhere to load.
 * - Address tag: the a.out rules of mb1_find, with load_addr 0xFFFFFFFF meaning "loaded from its
 *   beginning" (then header_addr - the header's offset is where the file's byte 0 goes). When an
 *   entry address tag is present too, its entry_addr must lie in the loaded bytes.
 * Fills *out (zeroed first) and *diag (MB_OK and "" unless MB_MALFORMED); diag may be NULL. */
enum mb_status mb2_find(const uint8_t *file, size_t len, struct mb2_header *out, struct mb_diag *diag);

/* Rules, from the Multiboot Specification version 0.6.96 (3.1):
 * - "The Multiboot header must be contained completely within the first 8192 bytes of the OS
 *   image, and must be longword (32-bit) aligned." Candidates and MB_ERR_CHECKSUM as mb2_find,
 *   checksum: "a 32-bit unsigned value which, when added to the other magic fields (i.e. 'magic'
 *   and 'flags'), must have a 32-bit unsigned sum of zero". The fields flags 16 and 2 enable
 *   (up to offset 32 and 48) are part of the header: they too must lie in the window and file.
 * - "Bits 0-15 indicate requirements; if the boot loader sees any of these bits set but doesn't
 *   understand the flag or can't fulfill the requirements it indicates for some reason, it must
 *   notify the user and fail to load the OS image. Bits 16-31 indicate optional features; if any
 *   bits in this range are set but the boot loader doesn't understand them, it may simply ignore
 *   them". ember knows bits 0, 1, 2 and 16.
 * - Flag 16 (3.1.3): "load_addr must be less than or equal to header_addr"; "The offset in the OS
 *   image file at which to start loading is defined by the offset at which the header was found,
 *   minus (header_addr - load_addr)" (so that must not be negative); "(load_end_addr - load_addr)
 *   specifies how much data to load" (the file must hold it), "If this field is zero, the boot
 *   loader assumes that the text and data segments occupy the whole OS image file"; bss_end_addr
 *   "the end of the bss segment" (so not before the loaded data), "If this field is zero, the
 *   boot loader assumes that no bss segment is present"; entry_addr "The physical address to
 *   which the boot loader should jump": ember requires it inside the loaded bytes. Everything
 *   must end at or below 4 GiB (32-bit fields).
 * Fills *out (zeroed first) and *diag as mb2_find. */
enum mb_status mb1_find(const uint8_t *file, size_t len, struct mb1_header *out, struct mb_diag *diag);

/* "checksum", "unknown required tag", ...; "unknown" for out-of-range values. Static. */
const char *mb_error_name(enum mb_error err);
/* What to change in the kernel about a refusal of this code, one clause; "" for MB_OK. Static. */
const char *mb_error_hint(enum mb_error err);
/* "information request", "framebuffer", ... (spec 3.1.3-3.1.13); "unknown" past the known types. Static. */
const char *mb2_tag_name(unsigned type);
/* "absent", "found", "malformed". Static. */
const char *mb_status_name(enum mb_status status);

#endif
