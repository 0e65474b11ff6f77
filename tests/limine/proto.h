/* Limine boot protocol, written for the probe kernels from the spec text (PROTOCOL.md, trunk: base
 * revisions 0-6): ids, markers, the base-revision tag, request and response layouts.
 * Deliberately independent of ember's own header so a layout mistake on either side shows up. */
#ifndef LPROBE_PROTO_H
#define LPROBE_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* Every request id starts with these two words ("Request" section of the spec). */
#define LP_MAGIC0 0xc7b1dd30df4c8b88ULL
#define LP_MAGIC1 0x0a82e883a194f07bULL
#define LP_ID(a, b) { LP_MAGIC0, LP_MAGIC1, (a), (b) }

/* "Requests Delimiters": hints for base revisions 0-1, binding from 2 on. */
#define LP_START_MARKER { 0xf6b8f4b39de7d1aeULL, 0xfab91a6940fcb9cfULL, 0x785c6ed015d3e316ULL, 0x181e920a7852b9d9ULL }
#define LP_END_MARKER { 0xadc0e0531bb10d03ULL, 0x9572709f31764c62ULL }

/* "Base Revisions": three words, magic, magic, requested revision. A loader that supports the
 * revision writes 0 into word 2; a loader supporting revision 3 or later writes the revision it
 * actually used into word 1 (so word 1 != LP_TAG_MAGIC1 means "loaded revision is known"). */
#define LP_TAG_MAGIC0 0xf9562b2d5c95a6c8ULL
#define LP_TAG_MAGIC1 0x6a7b384944536bdcULL
#define LP_BASE_REVISION(n) { LP_TAG_MAGIC0, LP_TAG_MAGIC1, (n) }
#define LP_TAG_LOADED 1    /* index of the loaded-revision word */
#define LP_TAG_REQUESTED 2 /* index of the requested-revision word */

/* Request id words 3-4 (Feature List). */
#define LP_ID_BOOTLOADER_INFO LP_ID(0xf55038d8e2a1202fULL, 0x279426fcf5f59740ULL)
#define LP_ID_EXECUTABLE_CMDLINE LP_ID(0x4b161536e598651eULL, 0xb390ad4a2f1f303aULL)
#define LP_ID_FIRMWARE_TYPE LP_ID(0x8c2f75d90bef28a8ULL, 0x7045a4688eac00c3ULL)
#define LP_ID_STACK_SIZE LP_ID(0x224ef0460a8e8926ULL, 0xe1cb0fc25f46ea3dULL)
#define LP_ID_HHDM LP_ID(0x48dcf1cb8ad2b852ULL, 0x63984e959a98244bULL)
#define LP_ID_FRAMEBUFFER LP_ID(0x9d5827dcd881dd75ULL, 0xa3148604f6fab11bULL)
#define LP_ID_PAGING_MODE LP_ID(0x95c1a0edab0944cbULL, 0xa4e5cb3842f7488aULL)
#define LP_ID_MEMMAP LP_ID(0x67cf3d9d378a806fULL, 0xe304acdfc50c3c62ULL)
#define LP_ID_ENTRY_POINT LP_ID(0x13d86c035a1cd3e1ULL, 0x2b0caa89d8f3026aULL)
#define LP_ID_EXECUTABLE_FILE LP_ID(0xad97e90e83f1ed67ULL, 0x31eb5d1c5ff23b69ULL)
#define LP_ID_MODULE LP_ID(0x3e7e279702be32afULL, 0xca1c4f3bd1280ceeULL)
#define LP_ID_RSDP LP_ID(0xc5e77b6b397e7b43ULL, 0x27637845accdcf3cULL)
#define LP_ID_SMBIOS LP_ID(0x9e9046f11e095391ULL, 0xaa4a520fefbde5eeULL)
#define LP_ID_EFI_SYSTEM_TABLE LP_ID(0x5ceba5163eaaf6d6ULL, 0x0a6981610cf65fccULL)
#define LP_ID_EFI_MEMMAP LP_ID(0x7df62a431d6872d5ULL, 0xa4fcdfb3e57306c8ULL)
#define LP_ID_DATE_AT_BOOT LP_ID(0x502746e184c088aaULL, 0xfbc5ec83e6327893ULL)
#define LP_ID_BOOTLOADER_PERFORMANCE LP_ID(0x6b50ad9bf36d13adULL, 0xdc4c7e88fc759e17ULL)
#define LP_ID_TSC_FREQUENCY LP_ID(0x10f2ee1d87d195e4ULL, 0xf747a2b78f6ddb31ULL)
#define LP_ID_ENTROPY LP_ID(0x65ea80255d5682c5ULL, 0x9117240723f493ebULL)
#define LP_ID_EXECUTABLE_ADDRESS LP_ID(0x71ba76863cc55f63ULL, 0xb2644a48c516a487ULL)
#define LP_ID_MP LP_ID(0x95a67b819a1b857eULL, 0xa0b61b723b6a73e0ULL)

/* The three members every request starts with. Responses are HHDM pointers (General Notes),
 * except the ones the spec calls physical in base revision 3. */
#define LP_REQUEST_HEAD(resp_type) \
    uint64_t id[4];                \
    uint64_t revision;             \
    resp_type *response

/* Highest response revision each feature defines in the spec: a larger one claims fields that do
 * not exist. */
#define LP_RESPONSE_REVISION_MAX 0
#define LP_FRAMEBUFFER_RESPONSE_REVISION_MAX 1 /* 1 adds mode_count/modes */
#define LP_MODULE_RESPONSE_REVISION_MAX 2      /* 1 honours internal modules, 2 compressed ones */
#define LP_FILE_REVISION_MAX 0

struct lp_bootloader_info_response {
    uint64_t revision;
    const char *name;
    const char *version;
};
struct lp_bootloader_info_request {
    LP_REQUEST_HEAD(struct lp_bootloader_info_response);
};

struct lp_executable_cmdline_response {
    uint64_t revision;
    const char *cmdline;
};
struct lp_executable_cmdline_request {
    LP_REQUEST_HEAD(struct lp_executable_cmdline_response);
};

#define LP_FIRMWARE_X86BIOS 0
#define LP_FIRMWARE_EFI32 1
#define LP_FIRMWARE_EFI64 2
struct lp_firmware_type_response {
    uint64_t revision;
    uint64_t firmware_type;
};
struct lp_firmware_type_request {
    LP_REQUEST_HEAD(struct lp_firmware_type_response);
};

struct lp_stack_size_response {
    uint64_t revision;
};
struct lp_stack_size_request {
    LP_REQUEST_HEAD(struct lp_stack_size_response);
    uint64_t stack_size; /* bytes */
};

struct lp_hhdm_response {
    uint64_t revision;
    uint64_t offset;
};
struct lp_hhdm_request {
    LP_REQUEST_HEAD(struct lp_hhdm_response);
};

#define LP_FB_MEMORY_MODEL_RGB 1
struct lp_video_mode {
    uint64_t pitch, width, height;
    uint16_t bpp;
    uint8_t memory_model;
    uint8_t red_mask_size, red_mask_shift;
    uint8_t green_mask_size, green_mask_shift;
    uint8_t blue_mask_size, blue_mask_shift;
};
struct lp_framebuffer {
    void *address;
    uint64_t width, height, pitch; /* pitch in bytes */
    uint16_t bpp;
    uint8_t memory_model;
    uint8_t red_mask_size, red_mask_shift;
    uint8_t green_mask_size, green_mask_shift;
    uint8_t blue_mask_size, blue_mask_shift;
    uint8_t unused[7];
    uint64_t edid_size;
    const uint8_t *edid;
    /* response revision 1 */
    uint64_t mode_count;
    struct lp_video_mode **modes;
};
struct lp_framebuffer_response {
    uint64_t revision;
    uint64_t framebuffer_count;
    struct lp_framebuffer **framebuffers;
};
struct lp_framebuffer_request {
    LP_REQUEST_HEAD(struct lp_framebuffer_response);
};

#define LP_PAGING_MODE_X86_64_4LVL 0
#define LP_PAGING_MODE_X86_64_5LVL 1
struct lp_paging_mode_response {
    uint64_t revision;
    uint64_t mode;
};
struct lp_paging_mode_request {
    LP_REQUEST_HEAD(struct lp_paging_mode_response);
    uint64_t mode;
    uint64_t max_mode; /* request revision 1 */
    uint64_t min_mode; /* request revision 1 */
};

/* Memory map types; 8 (reserved-mapped: ACPI tables from base revision 4; SMBIOS, EFI runtime
 * services and the EFI system table too from 5) exists from base revision 4 only. */
enum lp_memmap_type {
    LP_MEM_USABLE = 0,
    LP_MEM_RESERVED = 1,
    LP_MEM_ACPI_RECLAIMABLE = 2,
    LP_MEM_ACPI_NVS = 3,
    LP_MEM_BAD = 4,
    LP_MEM_BOOTLOADER_RECLAIMABLE = 5,
    LP_MEM_EXECUTABLE_AND_MODULES = 6,
    LP_MEM_FRAMEBUFFER = 7,
    LP_MEM_RESERVED_MAPPED = 8,
    LP_MEM_TYPE_COUNT_REV3 = 8, /* types 0-7 before base revision 4 */
    LP_MEM_TYPE_COUNT_REV4 = 9, /* types 0-8 from base revision 4 on */
};
struct lp_memmap_entry {
    uint64_t base, length, type;
};
struct lp_memmap_response {
    uint64_t revision;
    uint64_t entry_count;
    struct lp_memmap_entry **entries;
};
struct lp_memmap_request {
    LP_REQUEST_HEAD(struct lp_memmap_response);
};

struct lp_entry_point_response {
    uint64_t revision;
};
struct lp_entry_point_request {
    LP_REQUEST_HEAD(struct lp_entry_point_response);
    void (*entry)(void);
};

struct lp_uuid {
    uint32_t a;
    uint16_t b, c;
    uint8_t d[8];
};
#define LP_MEDIA_GENERIC 0
struct lp_file {
    uint64_t revision;
    void *address; /* at least 4 KiB aligned */
    uint64_t size;
    const char *path;   /* with a leading slash */
    const char *string; /* "cmdline" in older texts */
    uint32_t media_type;
    uint32_t unused;
    uint32_t tftp_ip, tftp_port;
    uint32_t partition_index, mbr_disk_id;
    struct lp_uuid gpt_disk_uuid, gpt_part_uuid, part_uuid;
};

struct lp_executable_file_response {
    uint64_t revision;
    struct lp_file *executable_file;
};
struct lp_executable_file_request {
    LP_REQUEST_HEAD(struct lp_executable_file_response);
};

#define LP_INTERNAL_MODULE_REQUIRED (1ULL << 0)
struct lp_internal_module {
    const char *path; /* relative to the executable */
    const char *string;
    uint64_t flags;
};
struct lp_module_response {
    uint64_t revision;
    uint64_t module_count;
    struct lp_file **modules;
};
struct lp_module_request {
    LP_REQUEST_HEAD(struct lp_module_response);
    uint64_t internal_module_count;                 /* request revision 1 */
    const struct lp_internal_module *const *internal_modules; /* request revision 1 */
};

/* RSDP, SMBIOS entry points and the EFI system table: HHDM pointers, except the RSDP in base
 * revision 3 and the SMBIOS entry points and EFI system table in 3 and 4, which are physical. */
struct lp_rsdp_response {
    uint64_t revision;
    uint64_t address;
};
struct lp_rsdp_request {
    LP_REQUEST_HEAD(struct lp_rsdp_response);
};
struct lp_smbios_response {
    uint64_t revision;
    uint64_t entry_32, entry_64; /* 0 when absent */
};
struct lp_smbios_request {
    LP_REQUEST_HEAD(struct lp_smbios_response);
};
struct lp_efi_system_table_response {
    uint64_t revision;
    uint64_t address;
};
struct lp_efi_system_table_request {
    LP_REQUEST_HEAD(struct lp_efi_system_table_response);
};

struct lp_efi_memmap_response {
    uint64_t revision;
    const void *memmap; /* HHDM pointer */
    uint64_t memmap_size, desc_size, desc_version;
};
struct lp_efi_memmap_request {
    LP_REQUEST_HEAD(struct lp_efi_memmap_response);
};

struct lp_date_at_boot_response {
    uint64_t revision;
    int64_t timestamp; /* UNIX seconds from the RTC */
};
struct lp_date_at_boot_request {
    LP_REQUEST_HEAD(struct lp_date_at_boot_response);
};

/* Bootloader performance: microseconds from one origin the loader picks. */
struct lp_bootloader_performance_response {
    uint64_t revision;
    uint64_t reset_usec, init_usec, exec_usec;
};
struct lp_bootloader_performance_request {
    LP_REQUEST_HEAD(struct lp_bootloader_performance_response);
};

struct lp_entropy_response {
    uint64_t revision;
    uint64_t value_count;
    uint64_t *values;
};
struct lp_entropy_request {
    LP_REQUEST_HEAD(struct lp_entropy_response);
    uint64_t value_count;
};

struct lp_tsc_frequency_response {
    uint64_t revision;
    uint64_t frequency; /* Hz */
};
struct lp_tsc_frequency_request {
    LP_REQUEST_HEAD(struct lp_tsc_frequency_response);
};

struct lp_executable_address_response {
    uint64_t revision;
    uint64_t physical_base, virtual_base;
};
struct lp_executable_address_request {
    LP_REQUEST_HEAD(struct lp_executable_address_response);
};

/* MP (x86-64): the request asks the loader to start the APs; flags bit 0 asks for x2APIC. Each AP
 * parks until an atomic write to its goto_address, then jumps there with RDI = its own info (HHDM
 * pointer), on its own stack, otherwise in the state the BSP had at entry. */
#define LP_MP_REQUEST_X2APIC (1ULL << 0)
#define LP_MP_RESPONSE_X2APIC (1u << 0)
struct lp_mp_info {
    uint32_t processor_id; /* ACPI Processor UID */
    uint32_t lapic_id;
    uint64_t reserved;
    uint64_t goto_address; /* NULL until the kernel writes it; unused for the BSP */
    uint64_t extra_argument;
};
struct lp_mp_response {
    uint64_t revision;
    uint32_t flags; /* bit 0: x2APIC enabled */
    uint32_t bsp_lapic_id;
    uint64_t cpu_count; /* the BSP included */
    struct lp_mp_info **cpus;
};
struct lp_mp_request {
    LP_REQUEST_HEAD(struct lp_mp_response);
    uint64_t flags;
};

/* Layouts the spec fixes: a mistake here would hide the same mistake in ember. */
_Static_assert(offsetof(struct lp_memmap_request, response) == 40, "request head is 5 words");
_Static_assert(sizeof(struct lp_memmap_entry) == 24, "memmap entry is base, length, type");
_Static_assert(offsetof(struct lp_framebuffer, edid_size) == 48, "framebuffer edid_size offset");
_Static_assert(sizeof(struct lp_framebuffer) == 80, "framebuffer with revision 1 fields");
_Static_assert(sizeof(struct lp_video_mode) == 40, "video mode size");
_Static_assert(offsetof(struct lp_file, media_type) == 40, "file media_type offset");
_Static_assert(sizeof(struct lp_file) == 112, "file structure size");
_Static_assert(sizeof(struct lp_stack_size_request) == 56, "stack size request size");
_Static_assert(sizeof(struct lp_paging_mode_request) == 72, "paging mode request revision 1 size");
_Static_assert(sizeof(struct lp_module_request) == 64, "module request revision 1 size");
_Static_assert(sizeof(struct lp_efi_memmap_response) == 40, "EFI memmap response size");
_Static_assert(sizeof(struct lp_mp_info) == 32, "MP info size");
_Static_assert(sizeof(struct lp_mp_response) == 32, "MP response size");
_Static_assert(sizeof(struct lp_mp_request) == 56, "MP request size");

#endif
