/* The argument block of arch/x86_64/ap_boot.S, shared by the assembly (offsets) and C (struct). */
#ifndef EMBER_ARCH_X86_64_AP_BOOT_H
#define EMBER_ARCH_X86_64_AP_BOOT_H

#define AB_GDTR16 0        /* lgdtl operand: limit, 32-bit base of AB_GDT (physical) */
#define AB_FAR32 8         /* ljmpl operand: offset (physical), selector 0x08 */
#define AB_FAR64 16        /* ljmp operand: offset (physical), selector 0x18 */
#define AB_GDT 24          /* null, code32 0x08, data32 0x10, code64 0x18 */
#define AB_TEMP_CR3 56     /* u32: the temporary PML4, below 4 GiB */
#define AB_EFER_OR 60      /* u32: IA32_EFER bits to set in 32-bit mode (LME, NXE, SCE as the BSP) */
#define AB_ALIAS 64        /* u64: this page's address in the temporary and the kernel's tables */
#define AB_KERNEL_CR3 72
#define AB_CR0 80
#define AB_CR4 88
#define AB_SLOTS 96        /* u64: kernel-virtual address of struct ap_slot[AB_SLOT_COUNT] */
#define AB_SLOT_COUNT 104  /* u32 */
#define AB_X2APIC 108      /* u32: 1 = switch to x2APIC mode, read the ID from MSR 0x802 */
#define AB_CODE_SEL 112    /* u16 */
#define AB_DATA_SEL 114    /* u16 */
#define AB_GDTR64 118      /* lgdt operand: u16 limit, u64 base (kernel-virtual) */
#define AB_MSR_COUNT 128   /* u32 */
#define AB_LAPIC_MMIO 136  /* u64: the local APIC page in the kernel's tables (xAPIC mode) */
#define AB_MSRS 144        /* {u32 index, u32 pad, u64 value}[AB_MAX_MSRS], written in order */
#define AB_MAX_MSRS 48
#define AB_SIZE (AB_MSRS + 16 * AB_MAX_MSRS)

#define AP_SLOT_BYTES 40
#define AP_SLOT_LAPIC_PLAN 32 /* u64: kernel-virtual struct lapic_plan, 0: local APIC left alone */

/* struct lapic_plan as ap_boot.S walks it (core/lapic.h): u32 count, steps from byte 8, each
 * {u16 offset, u8 min_max_lvt, u8 lvt, u32 clear, u32 set}. */
#define LP_STEPS 8
#define LP_STEP_BYTES 12
#define LP_MASKABLE_MODES 0x93
#define LP_REG_VERSION 0x30
#define LP_X2APIC_MSR_BASE 0x800
#define AP_SLOT_WAITING_VALUE 1
#define AP_SLOT_ARRIVED_VALUE 2

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "core/lapic.h"
#include "core/smp.h"

struct ap_boot_msr {
    uint32_t index, pad;
    uint64_t value;
};

struct __attribute__((packed)) ap_boot_args {
    uint16_t gdtr16_limit;
    uint32_t gdtr16_base;
    uint16_t pad0;
    uint32_t far32_offset;
    uint16_t far32_sel;
    uint16_t pad1;
    uint32_t far64_offset;
    uint16_t far64_sel;
    uint16_t pad2;
    uint64_t gdt[4];
    uint32_t temp_cr3;
    uint32_t efer_or;
    uint64_t alias;
    uint64_t kernel_cr3;
    uint64_t cr0, cr4;
    uint64_t slots;
    uint32_t slot_count;
    uint32_t x2apic;
    uint16_t code_sel, data_sel;
    uint16_t pad3;
    uint16_t gdtr64_limit;
    uint64_t gdtr64_base;
    uint32_t msr_count, pad4;
    uint64_t lapic_mmio;
    struct ap_boot_msr msrs[AB_MAX_MSRS];
};

_Static_assert(__builtin_offsetof(struct ap_boot_args, far32_offset) == AB_FAR32, "ap_boot far32");
_Static_assert(__builtin_offsetof(struct ap_boot_args, far64_offset) == AB_FAR64, "ap_boot far64");
_Static_assert(__builtin_offsetof(struct ap_boot_args, gdt) == AB_GDT, "ap_boot gdt");
_Static_assert(__builtin_offsetof(struct ap_boot_args, temp_cr3) == AB_TEMP_CR3, "ap_boot temp_cr3");
_Static_assert(__builtin_offsetof(struct ap_boot_args, slots) == AB_SLOTS, "ap_boot slots");
_Static_assert(__builtin_offsetof(struct ap_boot_args, code_sel) == AB_CODE_SEL, "ap_boot code_sel");
_Static_assert(__builtin_offsetof(struct ap_boot_args, gdtr64_limit) == AB_GDTR64, "ap_boot gdtr64");
_Static_assert(__builtin_offsetof(struct ap_boot_args, msr_count) == AB_MSR_COUNT, "ap_boot msr_count");
_Static_assert(__builtin_offsetof(struct ap_boot_args, lapic_mmio) == AB_LAPIC_MMIO, "ap_boot lapic_mmio");
_Static_assert(__builtin_offsetof(struct ap_boot_args, msrs) == AB_MSRS, "ap_boot msrs");
_Static_assert(sizeof(struct ap_slot) == AP_SLOT_BYTES, "ap_slot size");
_Static_assert(__builtin_offsetof(struct ap_slot, lapic_plan) == AP_SLOT_LAPIC_PLAN, "ap_slot plan");
_Static_assert(LP_STEPS == LAPIC_PLAN_STEPS_OFFSET && LP_STEP_BYTES == LAPIC_STEP_BYTES, "lapic_plan");
_Static_assert(LP_MASKABLE_MODES == LAPIC_MASKABLE_MODES && LP_REG_VERSION == LAPIC_REG_VERSION
               && LP_X2APIC_MSR_BASE == LAPIC_X2APIC_MSR_BASE, "lapic constants");
_Static_assert(sizeof(struct ap_boot_args) == AB_SIZE, "ap_boot size");
#endif

#endif
