/* Sample kernel: shared declarations (serial report, exit codes, page-table walk, checks). */
#ifndef EMBER_SAMPLE_KERNEL_H
#define EMBER_SAMPLE_KERNEL_H

/* isa-debug-exit: the port, and the exit value the exception stubs (traps.S) use without C. */
#define DEBUG_EXIT_PORT 0xf4
#define EXIT_CODE_EXCEPTION 0x27

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ember/bootinfo.h"

/* isa-debug-exit values; QEMU exits with (value << 1) | 1. */
enum kernel_exit {
    EXIT_PASS = 0x10,             /* 33: every check passed */
    EXIT_FAIL_BOOTINFO = 0x20,    /* 65: magic, version, size */
    EXIT_FAIL_CPU_STATE = 0x21,   /* 67: RSP alignment, IF, DF, CR3 */
    EXIT_FAIL_PAGING = 0x22,      /* 69: W^X, XD, direct map */
    EXIT_FAIL_SEGMENTS = 0x23,    /* 71: .data, .bss, extra segments */
    EXIT_FAIL_MEMMAP = 0x24,      /* 73: memory map */
    EXIT_FAIL_FIRMWARE = 0x25,    /* 75: RSDP, SMBIOS, framebuffer */
    EXIT_FAIL_CONFIG = 0x26,      /* 77: cmdline, modules */
    EXIT_FAIL_EXCEPTION = EXIT_CODE_EXCEPTION, /* 79: an exception the kernel did not provoke */
    EXIT_FAIL_SMP = 0x28,         /* 81: CPU list, application processors */
};

/* CPU state captured by entry.S before any C code runs. */
extern uint64_t entry_rsp, entry_rflags, entry_cr0, entry_cr3, entry_return_address;

/* Linker-script symbols. */
extern char __kernel_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[],
    __bss_start[], __kernel_end[];

void serial_write(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void kernel_exit(enum kernel_exit code);

/* Page-table walk through the direct map. Returns false when virt is not mapped. */
struct kernel_leaf {
    uint64_t phys;
    uint64_t entry;      /* raw leaf */
    uint64_t page_size;
    bool writable;       /* RW on every level */
    bool executable;     /* no XD on any level */
};
bool walk_page_tables(const struct ember_bootinfo *info, uint64_t virt, struct kernel_leaf *leaf);

/* A check records a failure with its class; the report lists every check. */
void check(bool ok, enum kernel_exit cls, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The kernel's own IDT (idt.c): every vector reports and exits; loaded once, kept loaded. */
void idt_install(void);

void check_bootinfo_and_cpu(const struct ember_bootinfo *info);
void check_text_write_faults(void);
void check_paging(const struct ember_bootinfo *info);
void check_segments(const struct ember_bootinfo *info);
void check_kernel_placement(const struct ember_bootinfo *info);
void check_memmap(const struct ember_bootinfo *info);
void check_direct_map_memory(const struct ember_bootinfo *info);
void check_firmware_tables(const struct ember_bootinfo *info);
void check_config(const struct ember_bootinfo *info);
/* The framebuffer, or its absence, against bootinfo.h and the display hardware (checks_fb.c). */
void check_framebuffer_report(const struct ember_bootinfo *info);
void check_smp(const struct ember_bootinfo *info);

/* checks_reuse.c (cmdline smp_reuse_tables=1): the BSP's own copy of the tables (reuse_cr3, 0 when
 * off), the APs moving onto it, and ember's tables overwritten after that. */
extern uint64_t reuse_cr3;
void reuse_prepare(const struct ember_bootinfo *info);
__attribute__((noreturn)) void ap_run_on_own_tables(volatile uint32_t *count);
void reuse_tables_and_check(unsigned parked);

/* The memory-map type (enum ember_memmap_type) of the page holding phys; 0 when no entry covers it. */
uint32_t memmap_type_at(const struct ember_bootinfo *info, uint64_t phys);
/* The decimal value of the cmdline word KEY=N (key includes the '='), or dflt when absent. */
uint64_t cmdline_number(const struct ember_bootinfo *info, const char *key, uint64_t dflt);

#endif /* __ASSEMBLER__ */
#endif
