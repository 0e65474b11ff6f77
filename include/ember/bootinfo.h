/* ember boot protocol: what a kernel receives from ember. Freestanding C (stdint.h only).
 *
 * HANDOFF CONTRACT (x86-64)
 *   - 64-bit long mode, 4-level paging (ember refuses to boot when the firmware runs 5-level paging,
 *     CR4.LA57 = 1), interrupts disabled (IF = 0), direction flag clear.
 *   - CR0.WP = 1: read-only pages are read-only in ring 0 too, so W^X holds for the kernel itself
 *     (a ring-0 store to .text raises #PF). ember sets it even when the firmware left it clear.
 *   - The firmware's GDT is still loaded; load your own GDT and IDT before enabling interrupts.
 *   - CR3 = ember's PML4 (reported in bootinfo->page_table_root). Its mappings:
 *       * lower half: the firmware's identity map of physical memory (as OVMF/real firmware built it;
 *         tables the firmware owns are shared, ember copies a table before changing it);
 *       * every PT_LOAD segment at its p_vaddr with its own permissions: PF_X -> read+execute,
 *         PF_W -> read+write+no-execute, else read-only+no-execute (W^X; XD only when the CPU has NX);
 *       * physical placement: a segment linked in the lower half (p_vaddr < 2^47, where the identity
 *         map lives) is loaded at paddr == p_vaddr, whatever p_paddr says; when that memory is not
 *         free RAM the kernel is refused before anything is mapped, with a line naming the segment,
 *         its range and the memory found there. Higher-half segments load at p_paddr when all of it
 *         is free, else the whole higher-half kernel goes into ONE allocation keeping the ELF's
 *         layout: phys = virt - kernel_virt_base + kernel_phys_base for every higher-half kernel
 *         page (this also holds at p_paddr when the ELF's p_paddr - p_vaddr is the same for every
 *         segment). A kernel with segments in both halves (a lower-half boot stub and a higher-half
 *         body) has kernel_virt_* / kernel_phys_* describe its higher-half part and
 *         kernel_lower_* its lower-half part (at phys == virt);
 *       * a higher-half direct map (HHDM) of physical memory: virtual = physical + hhdm_offset,
 *         read+write+no-execute, covering [0, hhdm_size), which holds every range of the memory
 *         map (the framebuffer's too); 1 GiB pages when the CPU has them, else 2 MiB.
 *       * no global (G) bits: CR4.PGE belongs to the kernel.
 *   - RDI = physical address of struct ember_bootinfo (identity-mapped, and also visible at
 *     + hhdm_offset). Every address inside it is physical unless its name says _vaddr.
 *   - RSP = top of a fresh stack (stack_base + stack_size in the HHDM, stack_size default 64 KiB)
 *     with a zero return address pushed: RSP + 8 is 16-byte aligned, exactly as after a call.
 *     The entry point is a SysV function: void kmain(struct ember_bootinfo *info). It must not return:
 *     a return jumps to address 0 (undefined; the firmware's IDT is stale). Halt with: for (;;) cli; hlt.
 *   - The framebuffer (when there is one) is cleared to black: ember's log went to COM1 and the
 *     screen, and only COM1 keeps it.
 *   - Boot services have been exited. The EFI system table and runtime services remain valid.
 *     If ExitBootServices fails once, ember retries with a fresh map (UEFI 2.10 7.4: only
 *     GetMemoryMap and ExitBootServices from then on, log on COM1 only); if every retry fails it
 *     halts with a COM1 line, because returning to a half-shut-down firmware is not safe.
 *
 * MEMORY THE KERNEL MAY REUSE
 *   EMBER_MEM_USABLE at once. EMBER_MEM_BOOTLOADER_RECLAIMABLE (ember's image, this structure, the
 *   stack, firmware boot-services memory that still holds the firmware's GDT and the identity-map
 *   tables) only after the kernel has copied what it needs from this structure and switched to its own
 *   GDT, stack and page tables. EMBER_MEM_PAGE_TABLES holds ember's tables: reusable after loading a
 *   CR3 of the kernel's own on the BSP and, when APs are parked (cpus_parked > 0), only after every
 *   parked AP has been released and has loaded a CR3 of the kernel's own too: a parked AP polls
 *   goto_address and fetches the kernel's code through ember's tables. ACPI reclaimable after the
 *   kernel has parsed the ACPI tables.
 */
#ifndef EMBER_BOOTINFO_H
#define EMBER_BOOTINFO_H

#include <stdint.h>

#define EMBER_BOOTINFO_MAGIC 0x4f4f4252454d4245ULL /* "EMBERBOO" little-endian */
/* Version 2 added the CPU list (cpus .. x2apic_enabled), version 3 the lower-half part of a kernel
 * in both halves (kernel_lower_*). A kernel reads a field only when version and size say it is
 * there: fields are only ever appended. */
#define EMBER_BOOTINFO_VERSION 3

/* Default higher-half direct map offset (the kernel must read hhdm_offset, not assume this). */
#define EMBER_HHDM_OFFSET 0xffff800000000000ULL
/* ember keeps [EMBER_HHDM_OFFSET, + EMBER_HHDM_MAX_SIZE) for the direct map (64 TiB of physical
 * memory at most): a kernel linked there is refused. */
#define EMBER_HHDM_MAX_SIZE 0x400000000000ULL

enum ember_memory_type {
    EMBER_MEM_USABLE = 1,
    EMBER_MEM_BOOTLOADER_RECLAIMABLE = 2,
    EMBER_MEM_KERNEL = 3,           /* the kernel's PT_LOAD segments */
    EMBER_MEM_MODULES = 4,          /* modules from ember.cfg */
    EMBER_MEM_PAGE_TABLES = 5,      /* ember-built page tables, live in CR3 */
    EMBER_MEM_ACPI_RECLAIMABLE = 6,
    EMBER_MEM_ACPI_NVS = 7,
    EMBER_MEM_RESERVED = 8,
    EMBER_MEM_MMIO = 9,
    EMBER_MEM_FRAMEBUFFER = 10,
    EMBER_MEM_BAD = 11,             /* EfiUnusableMemory: the firmware found errors in it */
    EMBER_MEM_EFI_RUNTIME_CODE = 12,
    EMBER_MEM_EFI_RUNTIME_DATA = 13,
};

/* One range of the normalised memory map: sorted by base, non-overlapping, adjacent ranges of the
 * same type merged. base and length are multiples of 4 KiB. Ranges that are not page multiples
 * (the framebuffer) are widened outward to whole pages, so the EMBER_MEM_FRAMEBUFFER entry may
 * cover a little more than the framebuffer's bytes: use framebuffer.base/size for its extent. */
struct ember_memmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum ember_memory_type */
    uint32_t reserved;
};

enum ember_pixel_format {
    EMBER_PIXEL_RGBX_8BPC = 0, /* byte order R, G, B, reserved */
    EMBER_PIXEL_BGRX_8BPC = 1, /* byte order B, G, R, reserved */
    EMBER_PIXEL_BITMASK = 2,   /* see the masks */
};

struct ember_framebuffer {
    uint64_t base;    /* physical address; 0 when there is no framebuffer (no GOP, or a mode ember
                       * cannot describe): then every field is 0 and the memory map has no
                       * EMBER_MEM_FRAMEBUFFER range */
    uint64_t size;    /* bytes */
    uint32_t width;   /* pixels */
    uint32_t height;  /* pixels */
    uint32_t pitch;   /* bytes per scanline */
    uint32_t bpp;     /* bits per pixel */
    uint32_t pixel_format; /* enum ember_pixel_format */
    uint32_t red_mask, green_mask, blue_mask, reserved_mask;
    uint32_t pad;
};

struct ember_module {
    uint64_t base;     /* physical, page-aligned */
    uint64_t size;     /* bytes of file content; memory up to the next page is zeroed */
    char name[64];     /* NUL-terminated: the name given in ember.cfg, or the path */
};

/* TSC values (rdtsc) at each loader stage; tsc_hz is 0 when ember could not calibrate. */
struct ember_timestamps {
    uint64_t entry;
    uint64_t kernel_read;
    uint64_t mapped;
    uint64_t exit_boot_services;
    uint64_t handoff;
    uint64_t tsc_hz;
};

/* APPLICATION PROCESSORS (bootinfo version 2; only with smp=yes or smp=x2apic in ember.cfg)
 *   ember reads the ACPI MADT, and after ExitBootServices starts every enabled processor other than
 *   the BSP with INIT-SIPI-SIPI. Each AP climbs to long mode and parks; cpus[] lists the BSP and
 *   every AP ember tried to start, in MADT order; without a usable MADT, the BSP alone (no AP is
 *   started). A parked AP (state EMBER_CPU_PARKED):
 *     - polls goto_address; an atomic (aligned 8-byte) store of a function address releases it:
 *       void ap_main(struct ember_cpu *cpu), RDI = physical address of its own entry;
 *     - runs on the same CR3 (page_table_root), GDT and segment selectors as the BSP at entry, the
 *       same CR0 (WP set), CR4, EFER, PAT and MTRRs; IF = 0, DF = 0, no IDT (load your own first);
 *     - RSP = hhdm_offset + stack_base + stack_size of its entry, with a zero return address pushed
 *       (RSP + 8 is 16-byte aligned); every other general register is 0;
 *     - its parking code and stack are bootloader-reclaimable: release every AP before reusing it;
 *       it walks ember's page tables until it loads a CR3 of the kernel's own: reuse
 *       EMBER_MEM_PAGE_TABLES only after every released AP has done so.
 *   An AP that does not check in within a bounded time is EMBER_CPU_MISSING: never release it.
 *   CPUs the MADT marks disabled or only online-capable are not started and not listed. */
enum ember_cpu_state {
    EMBER_CPU_BSP = 1,      /* the processor running kmain */
    EMBER_CPU_PARKED = 2,   /* started, waiting on goto_address */
    EMBER_CPU_MISSING = 3,  /* sent INIT-SIPI-SIPI but never checked in */
};

struct ember_cpu {
    uint32_t processor_id;   /* ACPI Processor UID (MADT) */
    uint32_t apic_id;        /* local APIC ID (the x2APIC ID when x2apic_enabled) */
    uint64_t goto_address;   /* 0 until the kernel writes it; unused for the BSP */
    uint64_t extra_argument; /* free for the kernel (0 at entry) */
    uint64_t stack_base;     /* physical address of the lowest byte of this CPU's stack */
    uint64_t stack_size;     /* bytes (bootinfo stack_size) */
    uint32_t state;          /* enum ember_cpu_state */
    uint32_t reserved;
};

#define EMBER_MAX_MODULES 16
#define EMBER_CMDLINE_MAX 1024

struct ember_bootinfo {
    uint64_t magic;        /* EMBER_BOOTINFO_MAGIC */
    uint32_t version;      /* EMBER_BOOTINFO_VERSION */
    uint32_t size;         /* bytes of this structure (not counting the arrays it points to) */

    /* Normalised memory map (see struct ember_memmap_entry). */
    uint64_t memmap;       /* physical address of struct ember_memmap_entry[memmap_count] */
    uint64_t memmap_count;

    /* The raw UEFI memory map as GetMemoryMap returned it before ExitBootServices:
     * step through it by efi_memmap_desc_size bytes, never by sizeof(EFI_MEMORY_DESCRIPTOR). */
    uint64_t efi_memmap;
    uint64_t efi_memmap_size;
    uint64_t efi_memmap_desc_size;
    uint32_t efi_memmap_desc_version;
    uint32_t pad0;

    struct ember_framebuffer framebuffer;

    uint64_t acpi_rsdp;      /* physical address of the RSDP, 0 if absent */
    uint32_t acpi_revision;  /* 2 for an ACPI 2.0+ XSDP, 0 for ACPI 1.0 */
    uint32_t smbios_major;   /* 3 for an SMBIOS 3.0 64-bit entry point, 2 for 2.x, 0 if absent */
    uint64_t smbios_entry;   /* physical address of the SMBIOS entry point */
    uint64_t efi_system_table; /* physical address of EFI_SYSTEM_TABLE */

    char cmdline[EMBER_CMDLINE_MAX]; /* NUL-terminated, from ember.cfg cmdline= */

    uint64_t module_count;
    struct ember_module modules[EMBER_MAX_MODULES];

    /* The loaded segments; of a kernel in both halves, the higher-half ones (see kernel_lower_*). */
    uint64_t kernel_phys_base;  /* lowest physical address of those segments */
    uint64_t kernel_phys_size;  /* bytes spanned by them (page-aligned) */
    uint64_t kernel_virt_base;  /* their lowest p_vaddr, page-aligned down */
    uint64_t kernel_virt_size;  /* bytes from kernel_virt_base to the end of the last (page-aligned) */
    uint64_t kernel_entry;      /* e_entry */

    uint64_t page_table_root;   /* physical address of the PML4 (== CR3 at entry) */
    uint64_t stack_base;        /* physical address of the lowest byte of the stack */
    uint64_t stack_size;        /* bytes */
    uint64_t hhdm_offset;       /* virtual = physical + hhdm_offset in the direct map */
    uint64_t hhdm_size;         /* the direct map covers physical [0, hhdm_size) */
    uint32_t hhdm_page_size;    /* 1 GiB or 2 MiB */
    uint32_t nx_enabled;        /* 1 when EFER.NXE is set and segments use XD */

    struct ember_timestamps tsc;

    /* version >= 2: see APPLICATION PROCESSORS above. All zero when smp=no. */
    uint64_t cpus;            /* physical address of struct ember_cpu[cpu_count] */
    uint32_t cpu_count;       /* the BSP and every AP ember tried to start */
    uint32_t bsp_apic_id;
    uint32_t cpus_parked;     /* entries with state EMBER_CPU_PARKED */
    uint32_t x2apic_enabled;  /* 1: every CPU runs its local APIC in x2APIC mode */

    /* version >= 3: a kernel with segments in both halves, its lower-half part: [base, base + size)
     * (page-aligned) at phys == virt. Both 0 when every segment lies in one half. */
    uint64_t kernel_lower_virt_base;
    uint64_t kernel_lower_size;
};

#endif
