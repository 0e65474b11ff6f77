/* The state of one boot, passed from stage to stage (src/uefi/boot.c tells the story). */
#ifndef EMBER_BOOT_H
#define EMBER_BOOT_H

#include "arch/arch.h"
#include "ember/bootinfo.h"
#include "core/config.h"
#include "uefi/efi.h"
#include "core/elf.h"
#include "uefi/file.h"
#include "core/pipeline.h"
#include "core/smp.h"

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

/* What the firmware offers every protocol (gathered by stage_gather_facts). Addresses physical. */
struct firmware_facts {
    struct ember_framebuffer framebuffer; /* base 0: none */
    uint64_t acpi_rsdp;        /* 0 if absent */
    uint32_t acpi_revision;    /* 2: ACPI 2.0+ XSDP, 0: ACPI 1.0 RSDP */
    uint64_t smbios3_entry;    /* SMBIOS 3.x 64-bit entry point, 0 if absent */
    uint64_t smbios2_entry;    /* SMBIOS 2.x 32-bit entry point, 0 if absent */
    uint64_t efi_system_table;
    uint64_t boot_time;        /* UNIX seconds (UTC) from the firmware clock, 0 if unknown */
    uint64_t tsc_hz;           /* 0: not calibrated */
    const struct madt_info *madt; /* read once (pool); NULL: none usable, madt_why says why */
    char madt_why[96];
};

/* A module from ember.cfg as loaded: page-aligned, zero-filled to its page end. */
struct loaded_module {
    uint64_t base, size;       /* physical; bytes of file content */
    char name[64];             /* the name given in ember.cfg, or the path */
    const char *string;        /* the name as given: "" when ember.cfg (or the kernel) gave none */
    const char *path;          /* as written in ember.cfg (points into b->config) */
    struct volume_where where; /* the volume it was read from */
};

struct protocol;
struct madt_info;
struct ap_slot;

/* Application processors (src/uefi/aps.c). The protocol's prepare sets wanted/x2apic_wanted; its build
 * sets the GDT, selectors and PAT the APs load, and fills slots' goto_ptr/argument. */
struct smp_state {
    bool wanted, x2apic_wanted;
    bool active;                   /* APs asked for: plan is valid (empty without a MADT) */
    bool x2apic;                   /* every local APIC in x2APIC mode from the start on */
    bool lapic_init;               /* set by the protocol's prepare (Limine base revision >= 5): each
                                    * AP applies lapic_plan_rev5 to its local APIC before check-in */
    uint32_t bsp_apic_id;
    struct smp_plan plan;          /* ~3 KiB, on the firmware stack with struct boot */
    struct ap_slot *slots;         /* one per SMP_START entry of plan, in plan order */
    unsigned slot_count;
    EFI_PHYSICAL_ADDRESS code_page, temp_root, slots_phys, stacks;
    uint16_t gdt_limit, code_sel, data_sel;
    uint64_t gdt_base, pat;
    unsigned arrived, missing;
};

struct loaded_region {
    phys_addr_t phys;   /* where the region's pages are */
    uint64_t pages;
};

/* TSC readings along the boot (debug timings, make bench). */
struct boot_times {
    uint64_t entry;                /* efi_main, before the boot info exists */
    uint64_t config;               /* after ember.cfg */
    uint64_t headers;              /* after ELF validation */
    uint64_t kernel_read;          /* after the last segment read */
    uint64_t mapped, exit, handoff;
};

/* The kernel file and where its bytes went (stages "read kernel headers" to "choose protocol"). */
struct boot_kernel {
    struct file file;
    struct kernel_headers headers;
    struct elf_plan plan;
    struct kernel_placement placement;
    struct loaded_region regions[ELF_MAX_LOAD_SEGMENTS];
    struct pipe_image loaded;      /* the regions through the identity map */
    EFI_PHYSICAL_ADDRESS file_copy; /* the file's bytes, when a protocol asks for them */
    uint64_t file_copy_size;
};

/* The firmware's memory map buffers and, after ExitBootServices, the final map. */
struct boot_memory {
    void *efi_map;                 /* raw map buffer, capacity efi_map_capacity bytes */
    UINTN efi_map_capacity;
    struct ember_memmap_entry *memmap; /* capacity memmap_capacity entries */
    UINTN memmap_capacity;
    size_t memmap_count;           /* after ExitBootServices: entries of the final normalised map */
    UINTN final_map_size, final_desc_size; /* the final raw map in efi_map */
    UINT32 final_desc_version;
};

struct boot {
    EFI_HANDLE image;
    EFI_FILE_HANDLE root;          /* boot volume */
    struct volume_where boot_where; /* where the boot volume is (volume_learn_boot) */
    bool boot_where_known;
    struct ember_config config;
    EFI_STATUS firmware_status;    /* the last firmware call a pipeline callback made */
    struct boot_kernel kernel;
    struct boot_times tsc;

    /* paging: ember's tables over the firmware's */
    struct cpu_features cpu;
    bool nx;                       /* EFER.NXE on: XD bits allowed */
    phys_addr_t firmware_root;     /* CR3 at entry, restored on failure */
    bool root_switched;            /* CR3 points at ember's PML4 */
    struct address_space space;
    struct table_pool tables;

    /* the handoff: what the protocol gives the kernel */
    struct protocol_decision *decision; /* stage "choose protocol" (pool) */
    const struct protocol *proto;  /* chosen after the segments are loaded */
    void *proto_state;             /* the protocol's own state */
    struct address_space *kernel_space; /* the tables CR3 holds at entry (set by proto->map) */
    struct firmware_facts facts;
    struct smp_state smp;
    struct loaded_module modules[EMBER_MAX_MODULES];
    unsigned module_count;
    uint64_t stack_size;           /* bytes (the protocol may change config.stack_size) */
    EFI_PHYSICAL_ADDRESS stack;    /* lowest byte of the kernel stack */
    uint64_t hhdm_offset, hhdm_size; /* direct map: physical [0, hhdm_size) at hhdm_offset */
    uint32_t hhdm_page_size;
    struct ember_bootinfo *info;   /* ember protocol: identity address of the boot info */
    struct boot_memory memory;
};

/* One step of a boot, named in the failure line. A list of them ends with { NULL, NULL }; the
 * protocol's list (struct protocol's stages) runs after "read kernel headers". */
struct stage {
    const char *name;
    EFI_STATUS (*run)(struct boot *b);
};

/* An ELF64 kernel in ember's page tables (boot.c): the stages the ember and Limine protocols share. */
extern const struct stage paging_stages[];

/* Sets the GOP mode of width x height (bpp 32: GOP's 8-bit-per-colour RGB or BGR modes; no other
 * depth has one), logging "why: GOP mode N" or, when there is none, that the mode stays. */
bool boot_set_gop_mode(uint32_t width, uint32_t height, uint32_t bpp, const char *why);

/* Stages: each logs its own failure (with the status name) and returns the status. */
EFI_STATUS stage_open_volume(struct boot *b);
EFI_STATUS stage_read_config(struct boot *b);
EFI_STATUS stage_read_kernel_headers(struct boot *b);
EFI_STATUS stage_place_kernel(struct boot *b);
EFI_STATUS stage_take_over_page_tables(struct boot *b);
EFI_STATUS stage_demo_mapping(struct boot *b);
EFI_STATUS stage_load_segments(struct boot *b);
EFI_STATUS stage_load_modules(struct boot *b);
EFI_STATUS stage_choose_protocol(struct boot *b);
EFI_STATUS stage_gather_facts(struct boot *b);
EFI_STATUS stage_build_handoff(struct boot *b);
EFI_STATUS stage_map_kernel_view(struct boot *b);
EFI_STATUS stage_exit_boot_services(struct boot *b);
EFI_STATUS stage_prepare_aps(struct boot *b);
EFI_STATUS stage_finish_handoff(struct boot *b);

/* src/uefi/aps.c: stage "map AP start-up page" (its alias in the kernel's tables, after proto->map:
 * the last page tables of a boot), stage "start application processors" (after ExitBootServices: no
 * allocation, never fails); slot k's stack. */
EFI_STATUS stage_map_ap_page(struct boot *b);
EFI_STATUS stage_start_aps(struct boot *b);
uint64_t smp_stack_base(const struct boot *b, unsigned slot);
/* ACPI tables through the identity map, inside physical [0, hhdm_size). */
const void *boot_acpi_identity(void *ctx, uint64_t addr, uint64_t len);

void log_banner(struct boot *b);

/* src/uefi/pipe_efi.c: the pipeline's callbacks for this boot (each failing firmware call leaves its
 * status in b->firmware_status), and a refusal logged as the error line with its EFI status (b may be
 * NULL outside a boot's firmware calls: a DECIDE_FIRMWARE rule then yields EFI_LOAD_ERROR). */
struct pipe_sink boot_sink(struct boot *b);
struct pipe_reader boot_kernel_reader(struct boot *b);
struct place_ops boot_place_ops(struct boot *b);
EFI_STATUS log_refusal(struct boot *b, const struct decide_diag *diag);

/* src/uefi/lconf_efi.c: with no ember.cfg, the first limine.conf in Limine's search order fills
 * b->config from its default entry (*found: one exists). Errors are logged. */
EFI_STATUS limine_conf_read(struct boot *b, bool *found);

/* src/uefi/menu.c: the menu of a limine.conf whose timeout is not 0 (lmenu_timeout_ms), cursor on
 * dflt, message (may be "") shown under the rows (a refused choice); returns the entry chosen, or
 * the one under the cursor when the countdown runs out. */
struct lconf;
struct lconf_entry;
const struct lconf_entry *menu_choose(const struct lconf *lc, const char *path, const struct lconf_entry *dflt,
                                      const char *message);

/* Physical address of segment s's first byte, s being one of region's segments. */
static inline uint64_t boot_segment_phys(const struct boot *b, unsigned region, const struct elf_segment *s)
{
    return b->kernel.regions[region].phys.addr + (s->vaddr - b->kernel.plan.regions[region].vaddr);
}

/* Lowest physical address of the kernel's regions and the bytes up to the end of the highest. */
struct kernel_extent {
    uint64_t virt_base, virt_size, phys_base, phys_size;
};
/* The virtual and physical span of the kernel's regions in one half (lower: p_vaddr below 2^47);
 * all zero when it has none there. */
struct kernel_extent boot_kernel_extent(const struct boot *b, bool lower_half);
/* TSC ticks per microsecond (the calibrated frequency / 10^6); 0 when the TSC is not calibrated. */
uint64_t boot_tsc_per_us(const struct boot *b);

/* Pins (src/uefi/pin.c): EFI_SECURITY_VIOLATION with an error line when the loaded bytes do not hash to
 * the value ember.cfg pins. pin_check_kernel hashes the kernel file from the headers and segments
 * in memory, reading only the bytes ember did not load; without kernel_sha256= it does nothing. */
EFI_STATUS pin_check_kernel(struct boot *b);

/* A limine.conf #<BLAKE2b> pin over digest: a mismatch refuses the boot, or only warns when
 * limine.conf says hash_mismatch_panic: no (as Limine). Logs either way. */
EFI_STATUS pin_blake2b_verdict(struct boot *b, const char *what, const uint8_t digest[64], const uint8_t want[64]);
/* Feeds the kernel file's bytes, in order, to consume: the headers and segments from memory (as
 * loaded, before any relocation), only the rest read from the still-open file. */
EFI_STATUS boot_walk_kernel_file(struct boot *b, void (*consume)(void *ctx, const void *data, uint64_t len),
                                 void *ctx);
EFI_STATUS pin_check_bytes(const char *what, const void *data, uint64_t len, const uint8_t want[32]);

/* Page-table pages for b->space (struct pg_allocator over b->tables). */
struct pg_allocator table_pool_allocator(struct table_pool *pool);
/* Gives unused pages of the newest batch back to the firmware (before the final memory map). */
void table_pool_trim(struct table_pool *pool);

/* EFI status for a paging error, after logging what failed. */
EFI_STATUS paging_failure(enum pg_error err, const char *what, uint64_t virt);

#endif
