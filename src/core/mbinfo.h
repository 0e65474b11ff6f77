/* Pure: the Multiboot information structures, written into a caller's buffer below 4 GiB (the
 * loader's) or a host buffer (the tests), field by field from the specs: Multiboot 2 (2.0, 3.6) as
 * 8-byte aligned tags, Multiboot 1 (0.6.96, 3.3) as the fixed struct with its flags. Addresses are
 * the physical ones the kernel will see; `phys` is where buf[0] lies. */
#ifndef EMBER_MBINFO_H
#define EMBER_MBINFO_H

#include "ember/bootinfo.h"
#include "core/types.h"

#define MB2_BOOT_MAGIC 0x36D76289u     /* EAX at a Multiboot 2 entry */
#define MB1_BOOT_MAGIC 0x2BADB002u     /* EAX at a Multiboot 1 entry */

/* Multiboot 2 information tag types (2.0, 3.6): the ones ember gives. */
enum mb2_info_type {
    MB2_INFO_END = 0,
    MB2_INFO_CMDLINE = 1,
    MB2_INFO_LOADER_NAME = 2,
    MB2_INFO_MODULE = 3,
    MB2_INFO_BASIC_MEMORY = 4,
    MB2_INFO_MMAP = 6,
    MB2_INFO_FRAMEBUFFER = 8,
    MB2_INFO_ELF_SECTIONS = 9,
    MB2_INFO_EFI64_SYSTEM_TABLE = 12,
    MB2_INFO_SMBIOS = 13,
    MB2_INFO_ACPI_OLD = 14,
    MB2_INFO_ACPI_NEW = 15,
    MB2_INFO_EFI_MMAP = 17,
    MB2_INFO_EFI_BS_NOT_TERMINATED = 18,
    MB2_INFO_EFI64_IMAGE_HANDLE = 20,
    MB2_INFO_LOAD_BASE = 21,
};

/* Multiboot memory types (both specs). */
enum mb_memory_type { MB_MEM_AVAILABLE = 1, MB_MEM_RESERVED = 2, MB_MEM_ACPI = 3, MB_MEM_NVS = 4, MB_MEM_BAD = 5 };

/* The framebuffer, as GOP gave it (RGB, 32 bpp). */
struct mb_fb {
    uint64_t addr;
    uint32_t pitch, width, height;
    uint8_t bpp;
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct mb_module_info {
    uint32_t start, end;             /* physical, end exclusive */
    const char *string;              /* "" when none */
};

/* A structure being written: buf[0, cap) at physical phys; `used` bytes so far. */
struct mb_writer {
    uint8_t *buf;
    uint32_t phys, cap, used;
    bool overflow;                   /* a write did not fit: the structure is not to be used */
};

/* The Multiboot type of an ember memory map type: usable is available, ACPI reclaimable and NVS keep
 * theirs, bad memory is bad, and everything ember or the firmware keeps (the kernel, modules, this
 * structure, runtime services, the framebuffer) is reserved - so a kernel that takes what the map
 * calls available never takes itself. */
enum mb_memory_type mb_memory_type(uint32_t ember_type);

/* mem_lower / mem_upper in KiB (the specs' "basic memory information"): the RAM from 0 (at most
 * 640 KiB) and from 1 MiB up to the first hole, whoever holds it (the kernel sits at 1 MiB). The map
 * is sorted by base. */
void mb_basic_memory(const struct ember_memmap_entry *map, size_t count, uint32_t *lower_kib, uint32_t *upper_kib);

/* in[0..n) with the page ranges held[0..hn) (sorted, apart) typed EMBER_MEM_KERNEL, entries split
 * where they cut them: a kernel moved into boot-services memory after ExitBootServices, which the
 * firmware's map then calls usable. Returns the entries written to out, 0 when cap is too small
 * (n + 2 * hn always suffices). */
struct mb_pages;
size_t mb_hold_ranges(const struct ember_memmap_entry *in, size_t n, const struct mb_pages *held, unsigned hn,
                      struct ember_memmap_entry *out, size_t cap);

/* --- Multiboot 2: mb2_begin, then tags in any order, then mb2_finish ---------------------------- */
void mb2_begin(struct mb_writer *w, uint8_t *buf, uint32_t phys, uint32_t cap);
void mb2_string_tag(struct mb_writer *w, uint32_t type, const char *s);   /* 1 command line, 2 loader name */
void mb2_module_tag(struct mb_writer *w, const struct mb_module_info *m); /* 3 */
void mb2_basic_memory_tag(struct mb_writer *w, uint32_t lower_kib, uint32_t upper_kib); /* 4 */
void mb2_memory_map_tag(struct mb_writer *w, const struct ember_memmap_entry *map, size_t count); /* 6 */
void mb2_framebuffer_tag(struct mb_writer *w, const struct mb_fb *fb);   /* 8, RGB */
void mb2_u64_tag(struct mb_writer *w, uint32_t type, uint64_t value);     /* 12 EFI64 system table, 20 image handle */
void mb2_copy_tag(struct mb_writer *w, uint32_t type, const void *data, uint32_t len); /* 14/15 RSDP copies */
void mb2_u32_tag(struct mb_writer *w, uint32_t type, uint32_t value);     /* 21 load base address */
/* 13: SMBIOS major.minor, then a copy of the entry point structure (ep, len bytes). */
void mb2_smbios_tag(struct mb_writer *w, uint8_t major, uint8_t minor, const void *ep, uint32_t len);
/* 17: the firmware's memory map as ExitBootServices left it (descriptor size and version, then
 * the descriptors). */
void mb2_efi_map_tag(struct mb_writer *w, uint32_t desc_size, uint32_t desc_version, const void *map, uint32_t size);
/* 9: the ELF section header table (num entries of entsize bytes, names in section shndx), with the
 * u32 fields GRUB's multiboot2.h gives them (the kernels' layout; the spec's text says u16). */
void mb2_elf_sections_tag(struct mb_writer *w, uint32_t num, uint32_t entsize, uint32_t shndx, const void *table);
/* The end tag and total_size; returns the structure's size (0 on overflow). */
uint32_t mb2_finish(struct mb_writer *w);

/* Bytes a memory map tag of count entries takes (to reserve room before the final map is known). */
uint32_t mb2_memory_map_bytes(size_t count);

/* --- Multiboot 1: the fixed struct at the writer's start, its pieces after it ------------------ */
#define MB1_INFO_BYTES 116u
#define MB1_INFO_MEMORY (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_ELF_SECTIONS (1u << 5)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)
#define MB1_INFO_FRAMEBUFFER (1u << 12)

void mb1_begin(struct mb_writer *w, uint8_t *buf, uint32_t phys, uint32_t cap);
void mb1_set_memory(struct mb_writer *w, uint32_t lower_kib, uint32_t upper_kib);
void mb1_set_string(struct mb_writer *w, uint32_t flag, const char *s); /* MB1_INFO_CMDLINE or _LOADER_NAME */
void mb1_set_modules(struct mb_writer *w, const struct mb_module_info *mods, unsigned count);
void mb1_set_memory_map(struct mb_writer *w, const struct ember_memmap_entry *map, size_t count);
void mb1_set_framebuffer(struct mb_writer *w, const struct mb_fb *fb);
/* flag 5: the ELF section header table at physical table_phys. */
void mb1_set_elf_sections(struct mb_writer *w, uint32_t num, uint32_t entsize, uint32_t table_phys, uint32_t shndx);

#endif
