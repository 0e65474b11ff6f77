/* Pure I/O APIC helpers (82093AA register model): registers reached through caller callbacks. */
#ifndef EMBER_IOAPIC_H
#define EMBER_IOAPIC_H

#include "core/types.h"

/* MMIO layout: write a register index to IOREGSEL, then read or write it through IOWIN. */
#define IOAPIC_MMIO_IOREGSEL 0x00
#define IOAPIC_MMIO_IOWIN 0x10

/* Register indexes. Redirection entry n is the pair (REDTBL + 2n: low 32 bits, + 1: high). */
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_REDTBL 0x10

/* Version register: bits 16-23 hold the index of the last redirection entry. */
#define IOAPIC_VERSION_MAX_ENTRY_SHIFT 16
#define IOAPIC_VERSION_MAX_ENTRY_MASK 0xffu

/* Low dword of a redirection entry. */
#define IOAPIC_REDIR_VECTOR_MASK 0xffu
#define IOAPIC_REDIR_DELIVERY_SHIFT 8
#define IOAPIC_REDIR_DELIVERY_MASK 0x7u
#define IOAPIC_REDIR_MASKED (1u << 16)

/* Delivery modes (bits 8-10). */
#define IOAPIC_DELIVERY_FIXED 0u
#define IOAPIC_DELIVERY_LOWEST 1u
#define IOAPIC_DELIVERY_SMI 2u
#define IOAPIC_DELIVERY_NMI 4u
#define IOAPIC_DELIVERY_INIT 5u
#define IOAPIC_DELIVERY_EXTINT 7u

/* One I/O APIC's registers: read/write do the IOREGSEL/IOWIN dance (or fake it in tests). */
struct ioapic_regs {
    uint32_t (*read)(void *ctx, uint32_t reg);
    void (*write)(void *ctx, uint32_t reg, uint32_t value);
    void *ctx;
};

/* Register index of the low dword of redirection entry n (the high dword is one above). */
static inline uint32_t ioapic_redir_low(unsigned n)
{
    return IOAPIC_REG_REDTBL + 2 * n;
}

/* Number of redirection entries (max index + 1, 1..256), read from the version register; 0 when it
 * reads all ones (nothing answers at that address). */
unsigned ioapic_entry_count(const struct ioapic_regs *io);

/* Sets the mask bit of every unmasked redirection entry whose delivery mode is fixed or lowest
 * priority, and NMI or ExtINT too when nmi_and_extint (Limine base revision 5), rewriting only its
 * low dword with every other bit kept; the other modes (SMI, INIT, reserved) are left alone.
 * Returns how many entries it masked (already masked ones are neither written nor counted). */
unsigned ioapic_mask_entries(const struct ioapic_regs *io, bool nmi_and_extint);

#endif
