/* Probe kernels: shared declarations (entry state, report, exit codes, page walk, the checks). */
#ifndef LPROBE_PROBE_H
#define LPROBE_PROBE_H

/* isa-debug-exit: QEMU exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
#define EXIT_CODE_EXCEPTION 0x27 /* 79, the same value the sample kernel uses */

/* struct entry_state offsets, shared with entry.S: the 15 general registers other than RSP in the
 * order rax rbx rcx rdx rsi rdi rbp r8..r15, then RSP, the word at RSP, RFLAGS, CR0, CR3, CR4, the
 * entry code's run-time address, the six segment selectors, TR and LDTR (STR/SLDT), and IDTR as SIDT
 * stored it at ENTRY_IDTR: its 2-byte limit there and its 8-byte base right after, so the base lands
 * 8-byte aligned at ENTRY_IDT_BASE (the probe loads its own IDT in probe_start, after entry.S). */
#define ENTRY_GPR_COUNT 15
#define ENTRY_RSP 120
#define ENTRY_RETURN 128
#define ENTRY_RFLAGS 136
#define ENTRY_CR0 144
#define ENTRY_CR3 152
#define ENTRY_CR4 160
#define ENTRY_RIP 168
#define ENTRY_CS 176
#define ENTRY_DS 178
#define ENTRY_ES 180
#define ENTRY_SS 182
#define ENTRY_FS 184
#define ENTRY_GS 186
#define ENTRY_TR 188
#define ENTRY_LDTR 190
#define ENTRY_IDTR 198
#define ENTRY_IDT_BASE 200
#define ENTRY_STATE_SIZE 208

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* isa-debug-exit values: the first failed check's class (QEMU status in the comment). */
enum probe_exit {
    EXIT_PASS = 0x10,           /* 33: every check passed */
    EXIT_FAIL_RESPONSE = 0x30,  /* 97: a response missing, or of an unknown revision */
    EXIT_FAIL_CPU = 0x31,       /* 99: registers, flags, control registers, GDT, PAT, PIC, stack */
    EXIT_FAIL_PAGING = 0x32,    /* 101: HHDM, identity map, lower half, kernel mapping, caching */
    EXIT_FAIL_MEMMAP = 0x33,    /* 103: memory map */
    EXIT_FAIL_FILES = 0x34,     /* 105: executable file, command line, modules */
    EXIT_FAIL_FIRMWARE = 0x35,  /* 107: RSDP, SMBIOS, EFI tables, IOAPIC, date */
    EXIT_FAIL_FB = 0x36,        /* 109: framebuffer */
    EXIT_FAIL_WRONG_ENTRY = 0x37, /* 111: the ELF entry ran although the entry point was requested */
    EXIT_FAIL_RELOC = 0x38,     /* 113: relocations, slide */
    EXIT_FAIL_REVISION = 0x39,  /* 115: base-revision tag, markers, requests the loader must ignore */
    EXIT_FAIL_BOOTED = 0x3a,    /* 117: a kernel the loader must refuse was started */
    EXIT_FAIL_EXCEPTION = EXIT_CODE_EXCEPTION, /* 79: an exception */
};

/* CPU state entry.S captured before any other instruction ran. */
struct entry_state {
    uint64_t gpr[ENTRY_GPR_COUNT];
    uint64_t rsp, return_address, rflags, cr0, cr3, cr4, rip;
    uint16_t cs, ds, es, ss, fs, gs;
    uint16_t tr, ldtr;
    uint16_t pad[3];
    uint16_t idt_limit; /* SIDT's limit half; its base half follows */
    uint64_t idt_base;
};
_Static_assert(sizeof(struct entry_state) == ENTRY_STATE_SIZE, "entry.S offsets");
_Static_assert(offsetof(struct entry_state, rip) == ENTRY_RIP, "entry.S offsets");
_Static_assert(offsetof(struct entry_state, gs) == ENTRY_GS, "entry.S offsets");
_Static_assert(offsetof(struct entry_state, tr) == ENTRY_TR, "entry.S offsets");
_Static_assert(offsetof(struct entry_state, ldtr) == ENTRY_LDTR, "entry.S offsets");
_Static_assert(offsetof(struct entry_state, idt_limit) == ENTRY_IDTR, "entry.S offsets");
_Static_assert(offsetof(struct entry_state, idt_base) == ENTRY_IDT_BASE && ENTRY_IDT_BASE == ENTRY_IDTR + 2,
               "SIDT stores the base 2 bytes after the limit");
extern struct entry_state entry_state;

/* What the checks hold the loader to, filled by each kernel's main before the checks run. */
struct probe_boot {
    const char *kernel;         /* probe name for the report */
    uint64_t requested_revision;
    unsigned revision;          /* the base revision the loader says it used (or the requested one) */
    uint64_t hhdm;              /* HHDM offset, valid when have_hhdm */
    bool have_hhdm;
    const struct lp_memmap_response *memmap; /* NULL when not answered */
    bool nx, pat;               /* CPUID: NX and PAT present */
    uint64_t requested_stack;   /* stack size request, 0 when none */
    bool data_wx;               /* the kernel's data segment has PF_W|PF_X (template-wx) */
};
extern struct probe_boot boot;

/* Linker-script symbols (limine.ld.S): the image and its segments. */
extern char __image_start[], __requests_start[], __requests_end[], __text_start[], __text_end[],
    __rodata_start[], __rodata_end[], __data_start[], __data_end[], __bss_start[], __image_end[];

#define PAGE_SIZE 4096ULL
#define GIB (1ULL << 30)
#define FOUR_GIB (4ULL << 30)
#define HIGHER_HALF_KERNEL 0xffffffff80000000ULL

/* report.c: COM1 lines "probe: ok   NAME: DETAIL" / "probe: FAIL NAME: DETAIL" and the exit. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void check(bool ok, enum probe_exit cls, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool probe_failed(void);
__attribute__((noreturn)) void probe_exit(enum probe_exit code);
__attribute__((noreturn)) void probe_finish(void);
uint32_t fnv1a32(const void *data, uint64_t len);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
bool str_eq(const char *a, const char *b);
bool str_contains(const char *s, const char *needle);
uint64_t str_len(const char *s);
bool ascii_string(const char *s, uint64_t max);
const char *word_value(const char *text, const char *key, char *out, uint64_t cap);
uint64_t parse_hex(const char *s);
uint64_t parse_dec(const char *s);

/* idt.c: every vector reports and exits with EXIT_FAIL_EXCEPTION. */
void idt_install(void);

/* paging.c: the live 4-level tables, read through the HHDM. */
struct leaf {
    uint64_t phys;   /* physical address of virt (valid when mapped) */
    uint64_t entry;  /* the raw leaf or the non-present entry */
    uint64_t size;   /* bytes the final entry covers, mapped or not */
    bool writable, executable, user;
    unsigned pat;    /* PAT index 0-7 selected by PWT/PCD/PAT */
};
bool page_walk(uint64_t virt, struct leaf *leaf);
bool range_maps_to(uint64_t virt, uint64_t len, uint64_t phys, uint64_t *bad);
uint64_t virt_to_phys(const void *p, bool *mapped);
enum phys_via { VIA_NONE, VIA_HHDM, VIA_WINDOW };
void *phys_access(uint64_t phys, uint64_t len, enum phys_via *via);
const char *via_name(enum phys_via via);
bool hhdm_pointer(const void *p);
unsigned page_tables_of(uint64_t virt, uint64_t out[4]);

/* checks_memmap.c helpers, also used by the other checks. A type mask has bit n set for type n. */
#define MEMMAP_TYPE_BITS 32
#define MEMMAP_TYPE_BIT(type) (1u << (type))
int memmap_type_at(uint64_t phys);
bool phys_range_typed(uint64_t phys, uint64_t len, unsigned type_mask, uint64_t *bad);
bool virt_range_typed(const void *p, uint64_t len, uint64_t type, uint64_t *bad);
bool in_reclaimable(const void *p, uint64_t len);
const char *memmap_type_name(uint64_t type);

/* acpi.c: reading ACPI tables by physical address (through phys_access). */
#define ACPI_MAX_TABLES 64
#define ACPI_SDT_LENGTH_OFFSET 4
const volatile uint8_t *acpi_table(uint64_t phys);
uint64_t acpi_root(uint64_t rsdp_phys, bool xsdt);
unsigned acpi_root_entries(uint64_t root_phys, bool xsdt, uint64_t *out, unsigned max);
uint64_t acpi_find_table(uint64_t rsdp_phys, const char *sig);
bool delivery_mode_masked(unsigned mode, unsigned revision);

/* The checks; each records its results through check(). */
void check_base_revision(volatile uint64_t *tag, bool expect_supported);
void check_entry_registers(bool expect_zero_regs);
void check_entry_cpu(void);
void check_entry_cpu_rev5(void);
void check_gdt(void);
void check_stack(void);
void check_interrupt_controllers(const struct lp_rsdp_response *rsdp);
void check_local_apic(const struct lp_rsdp_response *rsdp);
/* checks_lapic.c: the xAPIC register page of the calling CPU mapped for every CPU on these page tables
 * (NULL in x2APIC mode, without an APIC, or unreachable; *phys its physical address), and the base
 * revision 5 checks of registers lapic_read_regs read, each check's name prefixed with who. */
struct lapic_regs;
volatile uint32_t *lapic_mmio_map(uint64_t *phys);
void judge_local_apic(const char *who, const struct lapic_regs *r, const struct lp_rsdp_response *rsdp);
void check_iommus(const struct lp_rsdp_response *rsdp);
void check_table_placement(const struct lp_rsdp_response *rsdp, const struct lp_smbios_response *smbios,
                           const struct lp_efi_system_table_response *efi);
void check_memmap(void);
void check_efi_memmap(const struct lp_efi_memmap_response *r);
void check_hhdm(const struct lp_hhdm_response *r, const char *cmdline);
void check_lower_half(void);
void check_kernel_mapping(void);
void check_executable_address(const struct lp_executable_address_response *r, uint64_t entry_virt);
void check_executable_file(const struct lp_executable_file_response *r, uint64_t elf_entry, uint64_t slide,
                           const char *cmdline);
void check_cmdline(const struct lp_executable_cmdline_response *c, const struct lp_executable_file_response *f);
void check_modules(const struct lp_module_response *r, const char *cmdline, bool internal_requested);
bool firmware_table_physical(bool physical_in_rev4);
bool firmware_table_phys(uint64_t address, bool physical_in_rev4, uint64_t *phys);
void check_rsdp(const struct lp_rsdp_response *r);
void check_smbios(const struct lp_smbios_response *r);
void check_efi_system_table(const struct lp_efi_system_table_response *r);
void check_date(const struct lp_date_at_boot_response *r);
uint64_t check_tsc_frequency(const struct lp_tsc_frequency_response *r);
void check_bootloader_performance(const struct lp_bootloader_performance_response *r, uint64_t tsc_hz);
void check_entropy(const struct lp_entropy_response *r, uint64_t asked, const char *cmdline);
void check_bootloader_info(const struct lp_bootloader_info_response *r);
void check_firmware_type(const struct lp_firmware_type_response *r);
void check_paging_mode(const struct lp_paging_mode_response *r);
void check_framebuffer(const struct lp_framebuffer_response *r, const char *cmdline);
bool check_response(const void *resp, const char *name, uint64_t max_revision);

/* Common start for every probe kernel: IDT, CPU features, HHDM and memory map into `boot`. */
void probe_start(const char *kernel, volatile uint64_t *tag, uint64_t requested, const struct lp_hhdm_response *hhdm,
                 const struct lp_memmap_response *memmap);

#endif /* __ASSEMBLER__ */
#endif
