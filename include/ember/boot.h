/* The state of one boot, passed from stage to stage (src/boot.c tells the story). */
#ifndef EMBER_BOOT_H
#define EMBER_BOOT_H

#include "arch/arch.h"
#include "ember/bootinfo.h"
#include "ember/config.h"
#include "ember/efi.h"
#include "ember/elf.h"
#include "ember/file.h"

#define TABLE_POOL_BATCHES 64

/* Ranges besides the firmware's descriptors in the final map (the framebuffer), and the size of the
 * normalised-map array for a raw map of n descriptors (memmap_normalize's scratch rule). */
#define MAP_EXTRA_RANGES 1
#define MEMMAP_OUT_SLOTS(n) (3 * ((n) + MAP_EXTRA_RANGES))

/* Page-table pages come from batches of AllocatePages (type EMBER_UEFI_TYPE_PAGE_TABLES). */
struct table_pool {
    struct { EFI_PHYSICAL_ADDRESS base; UINTN pages; } batches[TABLE_POOL_BATCHES];
    unsigned batch_count;
    UINTN used_in_last;     /* pages handed out from the newest batch */
    UINTN pages_handed_out; /* total, for logs and bench */
};

struct loaded_region {
    phys_addr_t phys;   /* where the region's pages are */
    uint64_t pages;
};

/* The ELF header and program header table exactly as read and validated. */
struct kernel_headers {
    elf64_ehdr_t ehdr;
    uint64_t head_len;             /* bytes of ehdr read (the header, or a shorter file) */
    elf64_phdr_t phdrs[ELF_MAX_PHNUM];
    uint64_t phoff, phsize;        /* where the program headers are in the file */
};

struct boot {
    EFI_HANDLE image;
    uint64_t tsc_entry;            /* TSC at efi_main, before the boot info exists */
    uint64_t tsc_config;           /* after ember.cfg */
    uint64_t tsc_headers;          /* after ELF validation */
    uint64_t tsc_kernel_read;      /* after the last segment read */
    EFI_FILE_HANDLE root;          /* boot volume */
    struct ember_config config;
    struct file kernel;
    struct kernel_headers headers;
    struct elf_plan plan;

    struct cpu_features cpu;
    bool nx;                       /* EFER.NXE on: XD bits allowed */
    phys_addr_t firmware_root;     /* CR3 at entry, restored on failure */
    bool root_switched;            /* CR3 points at ember's PML4 */
    struct address_space space;
    struct table_pool tables;

    struct loaded_region regions[ELF_MAX_LOAD_SEGMENTS];
    struct ember_bootinfo *info;   /* identity address of the boot info page(s) */
    EFI_PHYSICAL_ADDRESS stack;    /* lowest byte of the kernel stack */
    void *efi_map;                 /* raw map buffer, capacity efi_map_capacity bytes */
    UINTN efi_map_capacity;
    struct ember_memmap_entry *memmap; /* capacity memmap_capacity entries */
    UINTN memmap_capacity;
};

/* Stages: each logs its own failure (with the status name) and returns the status. */
EFI_STATUS stage_open_volume(struct boot *b);
EFI_STATUS stage_read_config(struct boot *b);
EFI_STATUS stage_read_kernel_headers(struct boot *b);
EFI_STATUS stage_place_kernel(struct boot *b);
EFI_STATUS stage_take_over_page_tables(struct boot *b);
EFI_STATUS stage_demo_mapping(struct boot *b);
EFI_STATUS stage_load_segments(struct boot *b);
EFI_STATUS stage_load_modules(struct boot *b);
EFI_STATUS stage_gather_bootinfo(struct boot *b);
EFI_STATUS stage_map_kernel_view(struct boot *b);
EFI_STATUS stage_exit_boot_services(struct boot *b);

void log_banner(struct boot *b);

/* Pins (src/pin.c): EFI_SECURITY_VIOLATION with an error line when the loaded bytes do not hash to
 * the value ember.cfg pins. pin_check_kernel hashes the kernel file from the headers and segments
 * in memory, reading only the bytes ember did not load; without kernel_sha256= it does nothing. */
EFI_STATUS pin_check_kernel(struct boot *b);
EFI_STATUS pin_check_bytes(const char *what, const void *data, uint64_t len, const uint8_t want[32]);

/* Page-table pages for b->space (struct pg_allocator over b->tables). */
struct pg_allocator table_pool_allocator(struct table_pool *pool);
/* Gives unused pages of the newest batch back to the firmware (before the final memory map). */
void table_pool_trim(struct table_pool *pool);

/* EFI status for a paging error, after logging what failed. */
EFI_STATUS paging_failure(enum pg_error err, const char *what, uint64_t virt);

#endif
