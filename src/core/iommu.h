/* Pure IOMMU discovery and shut-down: Intel VT-d units from the DMAR, AMD-Vi units from the IVRS, and
 * the register sequences that turn them off, through caller callbacks (fake registers in tests). */
#ifndef EMBER_IOMMU_H
#define EMBER_IOMMU_H

#include "core/acpi.h"
#include "core/types.h"

#define IOMMU_MAX_UNITS 16

/* VT-d (spec 11.4): Global Command (write-only) and Global Status registers, 32 bits. */
#define VTD_REG_GCMD 0x18
#define VTD_REG_GSTS 0x1C
#define VTD_TE (1u << 31)     /* translation enable / TES */
#define VTD_IRE (1u << 25)    /* interrupt remapping enable / IRES */
/* The GSTS bits that mirror a persistent GCMD control (TE, EAFL, QIE, IRE, CFI); the others are
 * one-shot commands (SRTP, SFL, WBF, SIRTP) and must not be re-issued by a write. */
#define VTD_PERSISTENT ((1u << 31) | (1u << 28) | (1u << 26) | (1u << 25) | (1u << 23))
/* GSTS reads until a disable is seen; the hardware takes a few microseconds. */
#define VTD_POLL_LIMIT 1000000u

/* AMD-Vi: the IOMMU Control register (64 bits), bit 0 IommuEn, reached through its low dword:
 * the spec allows aligned 4-byte accesses to the MMIO registers. */
#define AMDVI_REG_CONTROL 0x18
#define AMDVI_IOMMU_EN 1u

enum iommu_kind { IOMMU_VTD, IOMMU_AMDVI };

struct iommu_unit {
    uint64_t base;        /* physical MMIO base of the register set */
    enum iommu_kind kind;
};

struct iommu_list {
    unsigned count, overflow;
    struct iommu_unit units[IOMMU_MAX_UNITS];
};

/* Adds the units of the DMAR (its DRHD structures, type 0) or the IVRS (its IVHD blocks, types
 * 0x10, 0x11, 0x40; a base listed by several blocks is kept once) at physical addr, `length`
 * bytes as acpi_find_table reported (so header and checksum are already checked). Units past
 * IOMMU_MAX_UNITS are counted in overflow. Fails with ACPI_ERR_IOMMU_ENTRY (diag says where;
 * may be NULL) on a structure too short or past the end, or a table shorter than its fixed
 * fields, and then adds nothing. */
enum acpi_error iommu_parse(const struct acpi_access *io, uint64_t addr, uint32_t length,
                            enum iommu_kind kind, struct iommu_list *out, struct acpi_diag *diag);

/* 32-bit MMIO by physical address. */
struct iommu_regs {
    uint32_t (*read)(void *ctx, uint64_t addr);
    void (*write)(void *ctx, uint64_t addr, uint32_t value);
    void *ctx;
};

enum iommu_outcome {
    IOMMU_WAS_OFF = 0,    /* nothing to do (or nothing answers at the base: reads all ones) */
    IOMMU_TURNED_OFF,
    IOMMU_STUCK,          /* VT-d: GSTS still shows TES / IRES after VTD_POLL_LIMIT reads */
};

/* Turns the unit off. VT-d: when GSTS shows TES, GCMD = persistent GSTS bits without TE, then
 * poll; the same for IRES / IRE (one control per write, as the spec asks). AMD-Vi: clears
 * IommuEn in the Control register, every other bit kept. All ones: nothing answers, left alone. */
enum iommu_outcome iommu_disable(const struct iommu_regs *regs, const struct iommu_unit *unit);

#endif
