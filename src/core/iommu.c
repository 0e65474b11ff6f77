/* Pure IOMMU discovery (DMAR DRHD, IVRS IVHD) and the VT-d / AMD-Vi disable sequences. */
#include "core/iommu.h"

#include "core/bytes.h"

/* Both tables: the 36-byte header, 12 bytes of their own (DMAR: Host Address Width, Flags,
 * reserved; IVRS: IVinfo, reserved), then structures whose Length is the u16 at offset 2. */
#define REMAP_FIRST_OFFSET 48
#define REMAP_OFF_LENGTH 2
/* DMAR DRHD (VT-d 8.3): type u16 0, Register Base Address u64 at 8. */
#define DMAR_TYPE_DRHD 0
/* IVRS IVHD (AMD IOMMU spec 5.2.2): type u8, IOMMU Base Address u64 at 8. */
#define IVHD_TYPE_LEGACY 0x10
#define IVHD_TYPE_EFR 0x11
#define IVHD_TYPE_ACPI_HID 0x40
#define UNIT_OFF_BASE 8
#define UNIT_MIN_LENGTH 16
#define STRUCT_MIN_LENGTH 4

#define ALL_ONES_32 0xFFFFFFFFu

/* True when structure s (of its table's kind) describes a register set, i.e. carries a base. */
static bool is_unit(const uint8_t *s, enum iommu_kind kind)
{
    if (kind == IOMMU_VTD)
        return le_load(s, 2) == DMAR_TYPE_DRHD;
    return s[0] == IVHD_TYPE_LEGACY || s[0] == IVHD_TYPE_EFR || s[0] == IVHD_TYPE_ACPI_HID;
}

/* Appends a unit unless its base is listed already (IVHD types 0x10 and 0x11 name one IOMMU). */
static void add_unit(struct iommu_list *out, uint64_t base, enum iommu_kind kind)
{
    for (unsigned i = 0; i < out->count; i++)
        if (out->units[i].base == base)
            return;
    if (out->count == IOMMU_MAX_UNITS)
        out->overflow++;
    else
        out->units[out->count++] = (struct iommu_unit){ base, kind };
}

/* One pass; on a bad structure the counts are put back, so a bad table adds nothing. A table
 * too short for its fixed fields fails as a structure of length 0 at offset 48. */
enum acpi_error iommu_parse(const struct acpi_access *io, uint64_t addr, uint32_t length,
                            enum iommu_kind kind, struct iommu_list *out, struct acpi_diag *diag)
{
    const uint8_t *t = io->map(io->ctx, addr, length);
    unsigned count = out->count, overflow = out->overflow;
    uint32_t off, len;

    for (off = REMAP_FIRST_OFFSET; off < length || length < REMAP_FIRST_OFFSET; off += len) {
        uint32_t left = length > off ? length - off : 0;
        bool unit = false;
        len = 0;
        if (left >= STRUCT_MIN_LENGTH) {
            len = (uint32_t)le_load(t + off + REMAP_OFF_LENGTH, 2);
            unit = is_unit(t + off, kind);
        }
        if (len < STRUCT_MIN_LENGTH || len > left || (unit && len < UNIT_MIN_LENGTH)) {
            out->count = count;
            out->overflow = overflow;
            return acpi_fail(diag, ACPI_ERR_IOMMU_ENTRY, addr + off, "%s at offset %u: length %u of %u",
                             kind == IOMMU_VTD ? "DMAR" : "IVRS", off, len, length);
        }
        if (unit)
            add_unit(out, le_load(t + off + UNIT_OFF_BASE, 8), kind);
    }
    return ACPI_OK;
}

/* VT-d: clears one persistent control (bit) when GSTS shows it, then waits for GSTS to agree. */
static enum iommu_outcome vtd_clear(const struct iommu_regs *r, uint64_t base, uint32_t bit)
{
    uint32_t sts = r->read(r->ctx, base + VTD_REG_GSTS);

    if (sts == ALL_ONES_32 || !(sts & bit))
        return IOMMU_WAS_OFF;
    r->write(r->ctx, base + VTD_REG_GCMD, (sts & VTD_PERSISTENT) & ~bit);
    for (uint32_t i = 0; i < VTD_POLL_LIMIT; i++)
        if (!(r->read(r->ctx, base + VTD_REG_GSTS) & bit))
            return IOMMU_TURNED_OFF;
    return IOMMU_STUCK;
}

/* Turns one unit off (contract in iommu.h). */
enum iommu_outcome iommu_disable(const struct iommu_regs *regs, const struct iommu_unit *unit)
{
    enum iommu_outcome te, ire;
    uint32_t ctl;

    if (unit->kind == IOMMU_VTD) {
        te = vtd_clear(regs, unit->base, VTD_TE);
        ire = vtd_clear(regs, unit->base, VTD_IRE);
        return te > ire ? te : ire;
    }
    ctl = regs->read(regs->ctx, unit->base + AMDVI_REG_CONTROL);
    if (ctl == ALL_ONES_32 || !(ctl & AMDVI_IOMMU_EN))
        return IOMMU_WAS_OFF;
    regs->write(regs->ctx, unit->base + AMDVI_REG_CONTROL, ctl & ~AMDVI_IOMMU_EN);
    return IOMMU_TURNED_OFF;
}
