/* Probe check: "For base revision 5 or greater, all Intel VT-d IOMMUs have DMA translation and
 * interrupt remapping disabled, and all AMD-Vi IOMMUs are disabled" (the probes never make the Keep
 * IOMMU request). The IOMMUs come from the DMAR table's DRHD structures (VT-d: Global Status TES and
 * IRES clear) and the IVRS table's IVHD blocks (AMD-Vi: Control Register IommuEn clear). */
#include "probe.h"

#define DMAR_STRUCTURES_OFFSET 48 /* header, host address width, flags, 10 reserved bytes */
#define DMAR_DRHD 0
#define DRHD_REGISTER_BASE 8
#define VTD_GSTS 0x1C
#define VTD_GSTS_TES (1u << 31)  /* translation enable status */
#define VTD_GSTS_IRES (1u << 25) /* interrupt remapping enable status */
#define IVRS_BLOCKS_OFFSET 48 /* header, IVinfo, 8 reserved bytes */
#define IVHD_10 0x10
#define IVHD_11 0x11
#define IVHD_40 0x40
#define IVHD_BASE 8
#define AMDVI_CONTROL 0x18
#define AMDVI_CONTROL_EN (1ULL << 0)
#define IOMMU_REGISTERS_READ 0x20
#define STRUCT_HEADER 4 /* type, (flags,) length: enough to walk */

/* What the IOMMUs showed: how many, how many enabled, and the first enabled one. */
struct iommu_survey {
    unsigned found, enabled, unreachable;
    uint64_t first_base, first_status;
};

/* Records one IOMMU: enabled when (status & enabled_bits) != 0. */
static void record(struct iommu_survey *s, uint64_t base, uint64_t status, uint64_t enabled_bits)
{
    s->found++;
    if ((status & enabled_bits) && s->enabled++ == 0)
        s->first_base = base, s->first_status = status;
}

/* Every DRHD of the DMAR table at phys: its Global Status register. */
static void survey_vtd(uint64_t phys, struct iommu_survey *s)
{
    const volatile uint8_t *t = acpi_table(phys);
    uint32_t len = t ? *(const volatile uint32_t *)(t + ACPI_SDT_LENGTH_OFFSET) : 0;
    enum phys_via via;

    for (uint32_t off = DMAR_STRUCTURES_OFFSET; off + STRUCT_HEADER <= len;) {
        uint16_t type = *(const volatile uint16_t *)(t + off), size = *(const volatile uint16_t *)(t + off + 2);
        if (size < STRUCT_HEADER)
            break;
        if (type == DMAR_DRHD) {
            uint64_t base = *(const volatile uint64_t *)(t + off + DRHD_REGISTER_BASE);
            const volatile uint8_t *r = phys_access(base, IOMMU_REGISTERS_READ, &via);
            if (r == NULL)
                s->unreachable++;
            else
                record(s, base, *(const volatile uint32_t *)(r + VTD_GSTS), VTD_GSTS_TES | VTD_GSTS_IRES);
        }
        off += size;
    }
}

/* Every IVHD block of the IVRS table at phys: its Control register. */
static void survey_amdvi(uint64_t phys, struct iommu_survey *s)
{
    const volatile uint8_t *t = acpi_table(phys);
    uint32_t len = t ? *(const volatile uint32_t *)(t + ACPI_SDT_LENGTH_OFFSET) : 0;
    enum phys_via via;

    for (uint32_t off = IVRS_BLOCKS_OFFSET; off + STRUCT_HEADER <= len;) {
        uint8_t type = t[off];
        uint16_t size = *(const volatile uint16_t *)(t + off + 2);
        if (size < STRUCT_HEADER)
            break;
        if (type == IVHD_10 || type == IVHD_11 || type == IVHD_40) {
            uint64_t base = *(const volatile uint64_t *)(t + off + IVHD_BASE);
            const volatile uint8_t *r = phys_access(base, IOMMU_REGISTERS_READ, &via);
            if (r == NULL)
                s->unreachable++;
            else
                record(s, base, *(const volatile uint64_t *)(r + AMDVI_CONTROL), AMDVI_CONTROL_EN);
        }
        off += size;
    }
}

/* Base revision 5 or later: every VT-d and AMD-Vi IOMMU the ACPI tables list is off. */
void check_iommus(const struct lp_rsdp_response *rsdp)
{
    struct iommu_survey s = { 0 };
    uint64_t rsdp_phys;

    if (boot.revision < 5 || rsdp == NULL || rsdp->address == 0 || !firmware_table_phys(rsdp->address, false, &rsdp_phys))
        return;
    uint64_t dmar = acpi_find_table(rsdp_phys, "DMAR"), ivrs = acpi_find_table(rsdp_phys, "IVRS");
    if (dmar == 0 && ivrs == 0) {
        note("no DMAR or IVRS table: no IOMMU to check");
        return;
    }
    if (dmar)
        survey_vtd(dmar, &s);
    if (ivrs)
        survey_amdvi(ivrs, &s);
    check(s.found > 0 && s.enabled == 0 && s.unreachable == 0, EXIT_FAIL_FIRMWARE,
          "IOMMUs: VT-d translation and interrupt remapping off, AMD-Vi off (base revision >= 5)",
          "DMAR %s, IVRS %s: %u IOMMUs (%u unreachable), %u enabled (first at 0x%llx: status 0x%llx)",
          dmar ? "present" : "absent", ivrs ? "present" : "absent", s.found, s.unreachable, s.enabled,
          (unsigned long long)s.first_base, (unsigned long long)s.first_status);
}
