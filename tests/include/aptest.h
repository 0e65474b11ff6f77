/* Test kernels' application-processor checks, shared by the sample kernel and the Limine probes:
 * the state a released AP arrived with (ap_entry.S), the rules both protocols hold it to (the same
 * CR3, CR0, CR4, EFER, PAT, GDT and selectors as the BSP, its own stack and entry in RDI, IF = DF = 0,
 * every other general register zero, its own APIC ID), and a bounded wait for the APs to report. */
#ifndef EMBER_TEST_APTEST_H
#define EMBER_TEST_APTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GDTR as SGDT stores it, padded to the 16 bytes ap_entry.S reserves. */
struct __attribute__((packed)) ap_gdtr {
    uint16_t limit;
    uint64_t base;
    uint8_t pad[6];
};

/* What ap_entry.S saved, lowest address first (the reverse of its pushes). */
struct ap_frame {
    struct ap_gdtr gdtr;
    uint64_t gs, fs, ss, es, ds, cs;
    uint64_t pat, efer, cr4, cr3, cr0, rflags;
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx;
    uint64_t rsp, rax;
};
_Static_assert(sizeof(struct ap_frame) == 16 + 12 * 8 + 16 * 8, "ap_entry.S pushes");

/* rsp when the protocol does not fix the AP's stack address (Limine): the rule is skipped and the
 * kernel checks ap_report.rsp itself. */
#define AP_ANY_RSP UINT64_MAX

/* What one AP must arrive with: the BSP's state (ap_expect_bsp) plus its own entry and stack. */
struct ap_expect {
    uint64_t rdi, rsp, extra_argument;
    uint64_t cr0, cr3, cr4, efer, pat, gdt_base;
    uint16_t gdt_limit, cs, ds, es, ss, fs, gs;
    uint32_t apic_id;
    bool x2apic;
};

/* What one AP reported: arrived is set last (release order), failures counts broken rules and
 * first names the first of them with what the AP had and what it should have had (or how many hold). */
struct ap_report {
    uint64_t rsp; /* as handed over */
    uint32_t failures;
    char first[120];
    volatile uint32_t arrived;
};

/* The BSP's own state now, for every field of ap_expect but rdi, rsp, extra_argument and apic_id;
 * call it before changing any of it (the kernels load their own IDT only). Also records the BSP's
 * IDTR, which ap_load_bsp_idt loads on an AP. */
void ap_expect_bsp(struct ap_expect *e, bool x2apic);

/* On an AP: loads the IDT the BSP had when ap_expect_bsp ran, so a fault is a report, not a
 * triple fault. */
void ap_load_bsp_idt(void);

/* This CPU's APIC ID: the x2APIC ID (MSR 0x802) in x2APIC mode, else CPUID.1:EBX[31:24]. */
uint32_t ap_own_apic_id(bool x2apic);

/* On an AP: checks f against e (extra_seen: the extra argument the AP read from its entry), fills r
 * and marks it arrived. */
void ap_evaluate(const struct ap_frame *f, const struct ap_expect *e, uint64_t extra_seen, struct ap_report *r);

/* Releases one AP: stores extra_argument, then the goto address, with an aligned 8-byte store. */
void ap_release(volatile uint64_t *goto_address, volatile uint64_t *extra, uint64_t extra_argument);

/* On the BSP: waits until *count reaches want or about 2-3 s of wall time (CMOS clock) pass.
 * Returns true when it reached want. */
bool ap_wait_count(volatile uint32_t *count, uint32_t want);

/* On an AP, after reporting: counts itself in and halts for good. */
__attribute__((noreturn)) void ap_count_in_and_halt(volatile uint32_t *count);

/* ap_entry.S: the address the kernels release their APs to. It calls the kernel's ap_main. */
void ap_entry(void);
__attribute__((noreturn)) void ap_main(uint64_t rdi, const struct ap_frame *f);

#endif
