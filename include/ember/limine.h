/* The Limine boot protocol's words and structures (base revisions 0-3), written for ember from the
 * protocol text (limine-protocol PROTOCOL.md; trunk where it renamed a field). Freestanding C. */
#ifndef EMBER_LIMINE_H
#define EMBER_LIMINE_H

#include <stdint.h>

/* How the protocol works, in short.
 * - The kernel ("executable") holds requests in its loaded image, each on an 8-byte boundary:
 *   four id words (the two common magic words, then two words naming the request), the request's
 *   revision, a response pointer the kernel leaves 0, then fields of that request. One request of
 *   each id at most; the loader refuses a kernel with two.
 * - The loader answers a request by writing the address of a response into its response field,
 *   or leaves the field untouched. A response opens with its own revision, then its fields.
 * - A base-revision tag (three words: two magic words, then the revision N asked for) selects
 *   behaviour outside any request; no tag means revision 0.
 * - Start and end markers bound where requests (and the tag) are accepted: hints for revisions
 *   0 and 1, binding for revision 2 and later.
 * Every pointer the protocol defines is a uint64_t here: an address in the kernel's address space
 * (the HHDM address, unless a comment says physical) that the loader writes and never follows.
 * Response revisions marked below say from which revision the loader provides the field.
 * Layouts are those of x86-64 (uint64_t 8-byte aligned); the protocol has no 32-bit form. */

/* --- magic words ------------------------------------------------------------------------------ */

/* First two id words of every request. */
#define LIMINE_COMMON_MAGIC0 0xc7b1dd30df4c8b88ULL
#define LIMINE_COMMON_MAGIC1 0x0a82e883a194f07bULL

/* Base-revision tag: MAGIC0, MAGIC1, N. */
#define LIMINE_BASE_REVISION_MAGIC0 0xf9562b2d5c95a6c8ULL
#define LIMINE_BASE_REVISION_MAGIC1 0x6a7b384944536bdcULL
#define LIMINE_BASE_REVISION_TAG_WORDS 3
/* Word the loader sets to the base revision it used (any loader supporting revision 3 must). */
#define LIMINE_BASE_REVISION_TAG_LOADED 1
/* Word holding N; the loader sets it to 0 when it honours N and leaves it when it does not. */
#define LIMINE_BASE_REVISION_TAG_REQUESTED 2
#define LIMINE_BASE_REVISION_MAX_KNOWN 3     /* the revisions this header describes: 0-3 */
#define LIMINE_BASE_REVISION_MARKERS_BINDING 2 /* from this revision on, markers must be honoured */

/* Request delimiters: accept requests between the last start marker and the first end marker. */
#define LIMINE_START_MARKER0 0xf6b8f4b39de7d1aeULL
#define LIMINE_START_MARKER1 0xfab91a6940fcb9cfULL
#define LIMINE_START_MARKER2 0x785c6ed015d3e316ULL
#define LIMINE_START_MARKER3 0x181e920a7852b9d9ULL
#define LIMINE_START_MARKER_WORDS 4
#define LIMINE_END_MARKER0 0xadc0e0531bb10d03ULL
#define LIMINE_END_MARKER1 0x9572709f31764c62ULL
#define LIMINE_END_MARKER_WORDS 2

/* --- request ids: words 2 and 3 (0 and 1 are the common magic) --------------------------------- */
#define LIMINE_BOOTLOADER_INFO_ID2     0xf55038d8e2a1202fULL
#define LIMINE_BOOTLOADER_INFO_ID3     0x279426fcf5f59740ULL
#define LIMINE_FIRMWARE_TYPE_ID2       0x8c2f75d90bef28a8ULL
#define LIMINE_FIRMWARE_TYPE_ID3       0x7045a4688eac00c3ULL
#define LIMINE_STACK_SIZE_ID2          0x224ef0460a8e8926ULL
#define LIMINE_STACK_SIZE_ID3          0xe1cb0fc25f46ea3dULL
#define LIMINE_HHDM_ID2                0x48dcf1cb8ad2b852ULL
#define LIMINE_HHDM_ID3                0x63984e959a98244bULL
#define LIMINE_FRAMEBUFFER_ID2         0x9d5827dcd881dd75ULL
#define LIMINE_FRAMEBUFFER_ID3         0xa3148604f6fab11bULL
#define LIMINE_PAGING_MODE_ID2         0x95c1a0edab0944cbULL
#define LIMINE_PAGING_MODE_ID3         0xa4e5cb3842f7488aULL
#define LIMINE_MP_ID2                  0x95a67b819a1b857eULL /* not answered by ember yet */
#define LIMINE_MP_ID3                  0xa0b61b723b6a73e0ULL
#define LIMINE_MEMMAP_ID2              0x67cf3d9d378a806fULL
#define LIMINE_MEMMAP_ID3              0xe304acdfc50c3c62ULL
#define LIMINE_ENTRY_POINT_ID2         0x13d86c035a1cd3e1ULL
#define LIMINE_ENTRY_POINT_ID3         0x2b0caa89d8f3026aULL
#define LIMINE_EXECUTABLE_FILE_ID2     0xad97e90e83f1ed67ULL /* "kernel file" in older texts */
#define LIMINE_EXECUTABLE_FILE_ID3     0x31eb5d1c5ff23b69ULL
#define LIMINE_MODULE_ID2              0x3e7e279702be32afULL
#define LIMINE_MODULE_ID3              0xca1c4f3bd1280ceeULL
#define LIMINE_RSDP_ID2                0xc5e77b6b397e7b43ULL
#define LIMINE_RSDP_ID3                0x27637845accdcf3cULL
#define LIMINE_SMBIOS_ID2              0x9e9046f11e095391ULL
#define LIMINE_SMBIOS_ID3              0xaa4a520fefbde5eeULL
#define LIMINE_EFI_SYSTEM_TABLE_ID2    0x5ceba5163eaaf6d6ULL
#define LIMINE_EFI_SYSTEM_TABLE_ID3    0x0a6981610cf65fccULL
#define LIMINE_EFI_MEMMAP_ID2          0x7df62a431d6872d5ULL
#define LIMINE_EFI_MEMMAP_ID3          0xa4fcdfb3e57306c8ULL
#define LIMINE_DATE_AT_BOOT_ID2        0x502746e184c088aaULL /* "boot time" in the 0-3 text */
#define LIMINE_DATE_AT_BOOT_ID3        0xfbc5ec83e6327893ULL
#define LIMINE_EXECUTABLE_ADDRESS_ID2  0x71ba76863cc55f63ULL
#define LIMINE_EXECUTABLE_ADDRESS_ID3  0xb2644a48c516a487ULL
#define LIMINE_EXECUTABLE_CMDLINE_ID2  0x4b161536e598651eULL /* added after the 0-3 text (trunk) */
#define LIMINE_EXECUTABLE_CMDLINE_ID3  0xb390ad4a2f1f303aULL
#define LIMINE_DTB_ID2                 0xb40ddb48fb54bac7ULL /* no device tree on x86 UEFI: never answered */
#define LIMINE_DTB_ID3                 0x545081493f81ffb7ULL
#define LIMINE_BOOTLOADER_PERFORMANCE_ID2 0x6b50ad9bf36d13adULL /* trunk */
#define LIMINE_BOOTLOADER_PERFORMANCE_ID3 0xdc4c7e88fc759e17ULL
#define LIMINE_TSC_FREQUENCY_ID2       0x10f2ee1d87d195e4ULL /* trunk, x86-64 only */
#define LIMINE_TSC_FREQUENCY_ID3       0xf747a2b78f6ddb31ULL
#define LIMINE_ENTROPY_ID2             0x65ea80255d5682c5ULL /* trunk */
#define LIMINE_ENTROPY_ID3             0x9117240723f493ebULL
#define LIMINE_KEEP_IOMMU_ID2          0x8ebaabe51f490179ULL /* trunk, x86-64 only */
#define LIMINE_KEEP_IOMMU_ID3          0x2aa86a59ffb4ab0fULL
#define LIMINE_TPM_EVENT_LOG_ID2       0x98e094fc7e76e979ULL /* trunk, UEFI only */
#define LIMINE_TPM_EVENT_LOG_ID3       0xee8d8775c54e1d1fULL
#define LIMINE_FLANTERM_FB_INIT_ID2    0x3259399fe7c5f126ULL /* trunk: flanterm FB init params */
#define LIMINE_FLANTERM_FB_INIT_ID3    0xe01c1c8c5db9d1a9ULL

/* The four id words of request NAME (BOOTLOADER_INFO, HHDM, ...), as an array initialiser. */
#define LIMINE_REQUEST_ID(NAME) \
    { LIMINE_COMMON_MAGIC0, LIMINE_COMMON_MAGIC1, LIMINE_##NAME##_ID2, LIMINE_##NAME##_ID3 }

/* --- the common request header ---------------------------------------------------------------- */

#define LIMINE_ID_WORDS 4

/* Kernels live at or above this address; relocatable ones linked lower are slid up to it. */
#define LIMINE_KERNEL_MIN_VADDR 0xffffffff80000000ULL

/* Opens every request. `revision` says which fields the kernel provides (the loader treats a
 * higher revision than it knows as the highest it knows); `response` is 0 until answered. */
struct limine_request_header {
    uint64_t id[LIMINE_ID_WORDS];
    uint64_t revision;
    uint64_t response; /* address of the response, written by the loader */
};

/* Requests with no field of their own are just the header. */
struct limine_bootloader_info_request { struct limine_request_header hdr; };
struct limine_firmware_type_request { struct limine_request_header hdr; };
struct limine_hhdm_request { struct limine_request_header hdr; };
struct limine_framebuffer_request { struct limine_request_header hdr; };
struct limine_memmap_request { struct limine_request_header hdr; };
struct limine_executable_file_request { struct limine_request_header hdr; };
struct limine_executable_cmdline_request { struct limine_request_header hdr; };
struct limine_rsdp_request { struct limine_request_header hdr; };
struct limine_smbios_request { struct limine_request_header hdr; };
struct limine_efi_system_table_request { struct limine_request_header hdr; };
struct limine_efi_memmap_request { struct limine_request_header hdr; };
struct limine_date_at_boot_request { struct limine_request_header hdr; };
struct limine_executable_address_request { struct limine_request_header hdr; };
struct limine_dtb_request { struct limine_request_header hdr; };
struct limine_bootloader_performance_request { struct limine_request_header hdr; };
struct limine_tsc_frequency_request { struct limine_request_header hdr; };

/* Entropy: value_count random 64-bit values asked for. */
struct limine_entropy_request {
    struct limine_request_header hdr;
    uint64_t value_count;
};

/* --- requests with fields, and every response ------------------------------------------------ */

/* Bootloader info: two NUL-terminated ASCII strings. */
struct limine_bootloader_info_response {
    uint64_t revision;
    uint64_t name;    /* address of "ember" */
    uint64_t version; /* address of the version string */
};

/* Firmware type. */
#define LIMINE_FIRMWARE_TYPE_X86BIOS 0
#define LIMINE_FIRMWARE_TYPE_UEFI32 1
#define LIMINE_FIRMWARE_TYPE_UEFI64 2
#define LIMINE_FIRMWARE_TYPE_SBI 3
struct limine_firmware_type_response {
    uint64_t revision;
    uint64_t firmware_type; /* LIMINE_FIRMWARE_TYPE_* */
};

/* Stack size: the kernel asks for a stack of stack_size bytes (also for each MP processor). */
struct limine_stack_size_request {
    struct limine_request_header hdr;
    uint64_t stack_size;
};
struct limine_stack_size_response { uint64_t revision; };

/* Higher-half direct map: virtual = physical + offset. */
struct limine_hhdm_response {
    uint64_t revision;
    uint64_t offset;
};

/* Framebuffer: an array of pointers to framebuffer descriptions. No framebuffer, no response. */
#define LIMINE_FRAMEBUFFER_RGB 1                  /* memory_model */
#define LIMINE_FRAMEBUFFER_RESPONSE_REVISION_MODES 1 /* mode_count and modes exist */
struct limine_framebuffer_response {
    uint64_t revision;
    uint64_t framebuffer_count;
    uint64_t framebuffers; /* address of framebuffer_count addresses of struct limine_framebuffer */
};
struct limine_framebuffer {
    uint64_t address; /* the pixels */
    uint64_t width;   /* pixels */
    uint64_t height;  /* pixels */
    uint64_t pitch;   /* bytes per row */
    uint16_t bpp;     /* bits per pixel */
    uint8_t memory_model;
    uint8_t red_mask_size, red_mask_shift;
    uint8_t green_mask_size, green_mask_shift;
    uint8_t blue_mask_size, blue_mask_shift;
    uint8_t unused[7];
    uint64_t edid_size; /* bytes */
    uint64_t edid;      /* address of the display's EDID blob, 0 when unknown */
    /* from framebuffer response revision 1 (the request itself has no revision-1 field) */
    uint64_t mode_count;
    uint64_t modes; /* address of mode_count addresses of struct limine_video_mode */
};
struct limine_video_mode {
    uint64_t pitch;  /* bytes per row */
    uint64_t width;  /* pixels */
    uint64_t height; /* pixels */
    uint16_t bpp;
    uint8_t memory_model;
    uint8_t red_mask_size, red_mask_shift;
    uint8_t green_mask_size, green_mask_shift;
    uint8_t blue_mask_size, blue_mask_shift;
};

/* Paging mode: preferred mode, and (request revision 1) the range the kernel accepts. Revision 0
 * means max_mode = mode, min_mode = 4-level; no request means 4-level. */
#define LIMINE_PAGING_MODE_X86_64_4LVL 0
#define LIMINE_PAGING_MODE_X86_64_5LVL 1
#define LIMINE_PAGING_MODE_X86_64_DEFAULT LIMINE_PAGING_MODE_X86_64_4LVL
#define LIMINE_PAGING_MODE_X86_64_MIN LIMINE_PAGING_MODE_X86_64_4LVL
#define LIMINE_PAGING_MODE_REQUEST_REVISION_RANGE 1
struct limine_paging_mode_request {
    struct limine_request_header hdr;
    uint64_t mode;
    uint64_t max_mode; /* request revision 1 */
    uint64_t min_mode; /* request revision 1 */
};
struct limine_paging_mode_response {
    uint64_t revision;
    uint64_t mode; /* the mode actually enabled */
};

/* MP (x86-64 layout): starts the other processors. Named so the scanner knows it; not answered. */
#define LIMINE_MP_REQUEST_X86_64_X2APIC (1u << 0)  /* request flags: enable x2APIC if possible */
#define LIMINE_MP_RESPONSE_X86_64_X2APIC (1u << 0) /* response flags: x2APIC was enabled */
struct limine_mp_request {
    struct limine_request_header hdr;
    uint64_t flags;
};
struct limine_mp_response {
    uint64_t revision;
    uint32_t flags;
    uint32_t bsp_lapic_id;
    uint64_t cpu_count; /* includes the bootstrap processor */
    uint64_t cpus;      /* address of cpu_count addresses of struct limine_mp_info */
};
struct limine_mp_info {
    uint32_t processor_id; /* ACPI processor UID (MADT) */
    uint32_t lapic_id;
    uint64_t reserved;
    uint64_t goto_address;   /* an atomic write here starts the parked processor at that address */
    uint64_t extra_argument; /* free for the kernel */
};

/* Memory map: sorted by base; usable and bootloader-reclaimable entries are 4 KiB aligned and
 * overlap nothing. Types other than those two are informative only. */
#define LIMINE_MEMMAP_USABLE 0
#define LIMINE_MEMMAP_RESERVED 1
#define LIMINE_MEMMAP_ACPI_RECLAIMABLE 2
#define LIMINE_MEMMAP_ACPI_NVS 3
#define LIMINE_MEMMAP_BAD_MEMORY 4
#define LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE 5
#define LIMINE_MEMMAP_EXECUTABLE_AND_MODULES 6 /* the kernel and modules */
#define LIMINE_MEMMAP_FRAMEBUFFER 7
#define LIMINE_MEMMAP_RESERVED_MAPPED 8 /* base revision 4 on: reserved, but in the direct map */
struct limine_memmap_response {
    uint64_t revision;
    uint64_t entry_count;
    uint64_t entries; /* address of entry_count addresses of struct limine_memmap_entry */
};
struct limine_memmap_entry {
    uint64_t base;   /* physical, bytes */
    uint64_t length; /* bytes */
    uint64_t type;   /* LIMINE_MEMMAP_* */
};

/* Entry point: jump here instead of the ELF entry. */
struct limine_entry_point_request {
    struct limine_request_header hdr;
    uint64_t entry; /* a function inside the loaded image */
};
struct limine_entry_point_response { uint64_t revision; };

/* A loaded file (the kernel or a module). Layout of the 0-3 text: tftp_ip is one u32 there
 * (trunk: four octets, same offset and size); `string` was called cmdline there. */
struct limine_uuid {
    uint32_t a;
    uint16_t b;
    uint16_t c;
    uint8_t d[8];
};
#define LIMINE_MEDIA_TYPE_GENERIC 0
#define LIMINE_MEDIA_TYPE_OPTICAL 1
#define LIMINE_MEDIA_TYPE_TFTP 2
struct limine_file {
    uint64_t revision;
    uint64_t address; /* the file's bytes, at least 4 KiB aligned */
    uint64_t size;    /* bytes */
    uint64_t path;    /* address of the path on its volume, with a leading '/' */
    uint64_t string;  /* address of the command line / string given with the file */
    uint32_t media_type; /* LIMINE_MEDIA_TYPE_* */
    uint32_t unused;
    uint32_t tftp_ip;    /* TFTP server, 0 when not loaded over TFTP */
    uint32_t tftp_port;
    uint32_t partition_index; /* 1-based; 0 = unpartitioned or unknown */
    uint32_t mbr_disk_id;     /* 0 = unknown */
    struct limine_uuid gpt_disk_uuid; /* all zero = unknown, likewise below */
    struct limine_uuid gpt_part_uuid;
    struct limine_uuid part_uuid;     /* the filesystem's UUID */
};

/* Executable file: the kernel's own file. */
struct limine_executable_file_response {
    uint64_t revision;
    uint64_t executable_file; /* address of a struct limine_file */
};

/* Executable command line: the same string as the executable file's `string`. */
struct limine_executable_cmdline_response {
    uint64_t revision;
    uint64_t cmdline; /* address of a NUL-terminated ASCII string */
};

/* Modules. Request revision 1 adds modules the kernel names itself ("internal"), loaded before
 * the configured ones; they are honoured when the response revision is >= 1. */
#define LIMINE_MODULE_REQUEST_REVISION_INTERNAL 1
#define LIMINE_MODULE_RESPONSE_REVISION_INTERNAL 1
#define LIMINE_INTERNAL_MODULE_REQUIRED (1u << 0)   /* fail the boot when the file is missing */
#define LIMINE_INTERNAL_MODULE_COMPRESSED (1u << 1) /* deprecated gzip flag (response revision 2) */
struct limine_internal_module {
    uint64_t path;   /* address of a path relative to the kernel's directory */
    uint64_t string; /* address of the module's command line ("cmdline" in the 0-3 text) */
    uint64_t flags;  /* LIMINE_INTERNAL_MODULE_* */
};
struct limine_module_request {
    struct limine_request_header hdr;
    uint64_t internal_module_count;  /* request revision 1 */
    uint64_t internal_modules; /* address of that many addresses of struct limine_internal_module */
};
struct limine_module_response {
    uint64_t revision;
    uint64_t module_count;
    uint64_t modules; /* address of module_count addresses of struct limine_file */
};

/* Firmware tables: physical addresses for base revision 3, HHDM addresses before it (trunk:
 * RSDP is HHDM again from revision 4, SMBIOS and the system table from revision 5). */
struct limine_rsdp_response {
    uint64_t revision;
    uint64_t address;
};
struct limine_smbios_response {
    uint64_t revision;
    uint64_t entry_32; /* 32-bit entry point, 0 when absent */
    uint64_t entry_64; /* 64-bit entry point, 0 when absent */
};
struct limine_efi_system_table_response {
    uint64_t revision;
    uint64_t address;
};

/* EFI memory map as firmware gave it, in bootloader-reclaimable memory (HHDM address). */
struct limine_efi_memmap_response {
    uint64_t revision;
    uint64_t memmap;
    uint64_t memmap_size;  /* bytes */
    uint64_t desc_size;    /* bytes per descriptor */
    uint64_t desc_version;
};

/* Date at boot: UNIX time in seconds from the RTC ("boot_time" in the 0-3 text). */
struct limine_date_at_boot_response {
    uint64_t revision;
    int64_t timestamp;
};

/* Bootloader performance: three moments in microseconds from one arbitrary origin (ember: the TSC
 * at reset, so reset_usec is 0): the machine's reset, the loader's start, the handoff. */
struct limine_bootloader_performance_response {
    uint64_t revision;
    uint64_t reset_usec;
    uint64_t init_usec;
    uint64_t exec_usec;
};

/* Entropy: value_count values (at most the loader's limit) at values, an HHDM address in
 * bootloader-reclaimable memory. */
struct limine_entropy_response {
    uint64_t revision;
    uint64_t value_count;
    uint64_t values;
};

/* x86-64 keep IOMMU: the response is its revision only; with it, base revision 5's "IOMMUs off"
 * is skipped. */
struct limine_keep_iommu_response { uint64_t revision; };

/* TPM event log: the firmware's log, format 1 (TCG 1.2) or 2 (TCG 2, crypto agile). */
#define LIMINE_TPM_EVENT_LOG_FORMAT_TCG_1_2 1
#define LIMINE_TPM_EVENT_LOG_FORMAT_TCG_2 2
struct limine_tpm_event_log_response {
    uint64_t revision;
    uint64_t format;
    uint64_t size;    /* bytes */
    uint64_t address; /* the log, NULL when size is 0 */
};

/* TSC frequency in Hz (x86-64). */
struct limine_tsc_frequency_response {
    uint64_t revision;
    uint64_t frequency;
};

/* Executable address: where the kernel's image starts, physically and virtually. */
struct limine_executable_address_response {
    uint64_t revision;
    uint64_t physical_base;
    uint64_t virtual_base;
};

/* Device tree blob (never answered on x86 UEFI). */
struct limine_dtb_response {
    uint64_t revision;
    uint64_t dtb_ptr;
};

/* --- sizes and offsets the protocol text implies ---------------------------------------------- */
#define LIMINE_REQUEST_HEADER_SIZE 48
_Static_assert(sizeof(struct limine_request_header) == LIMINE_REQUEST_HEADER_SIZE, "request header");
_Static_assert(__builtin_offsetof(struct limine_request_header, revision) == 32, "revision after id");
_Static_assert(__builtin_offsetof(struct limine_request_header, response) == 40, "response at 40");
_Static_assert(sizeof(struct limine_hhdm_request) == LIMINE_REQUEST_HEADER_SIZE, "header only");
_Static_assert(__builtin_offsetof(struct limine_stack_size_request, stack_size) == 48, "stack_size");
_Static_assert(__builtin_offsetof(struct limine_paging_mode_request, min_mode) == 64, "min_mode");
_Static_assert(sizeof(struct limine_module_request) == 64, "module request, revision 1");
_Static_assert(sizeof(struct limine_internal_module) == 24, "internal module");
_Static_assert(sizeof(struct limine_memmap_entry) == 24, "memmap entry");
_Static_assert(__builtin_offsetof(struct limine_framebuffer, edid_size) == 48, "edid after pad");
_Static_assert(sizeof(struct limine_framebuffer) == 80, "framebuffer with modes");
_Static_assert(sizeof(struct limine_video_mode) == 40, "video mode, padded to 8");
_Static_assert(sizeof(struct limine_uuid) == 16, "uuid");
_Static_assert(__builtin_offsetof(struct limine_file, media_type) == 40, "media_type");
_Static_assert(__builtin_offsetof(struct limine_file, gpt_disk_uuid) == 64, "uuids at 64");
_Static_assert(sizeof(struct limine_file) == 112, "file");
_Static_assert(sizeof(struct limine_mp_info) == 32, "mp info");
_Static_assert(__builtin_offsetof(struct limine_mp_response, cpu_count) == 16, "mp response");
_Static_assert(sizeof(struct limine_efi_memmap_response) == 40, "efi memmap response");

#endif
