/* Limine base revision 5: the BSP's local APIC and the IOMMUs, carried out after ExitBootServices
 * from the pure plans in src/core/lapic.c and src/core/iommu.c. */
#include "proto/limine/machine.h"
#include "core/iommu.h"
#include "core/lapic.h"
#include "uefi/log.h"

/* The BSP's plan from its MADT UID (LAPIC_UID_NONE when the MADT does not list it). */
void limine_lapic_init_bsp(struct boot *b)
{
    const struct madt_info *madt = b->facts.madt;
    const struct lapic_regs regs = { arch_lapic_read, arch_lapic_write, NULL };
    struct lapic_plan plan;
    uint32_t id, uid = LAPIC_UID_NONE;

    if (!arch_lapic_enable())
        return;
    id = arch_apic_id(arch_x2apic_on());
    for (unsigned i = 0; madt != NULL && i < madt->cpu_count; i++)
        if (madt->cpus[i].apic_id == id)
            uid = madt->cpus[i].acpi_uid;
    lapic_plan_rev5(madt, uid, &plan);
    log_debug("limine: BSP LAPIC uid %u: %u LVTs", uid, lapic_apply(&plan, &regs));
}

static uint32_t mmio_read(void *ctx, uint64_t addr)
{
    (void)ctx;
    return *(volatile uint32_t *)(uintptr_t)addr;
}

static void mmio_write(void *ctx, uint64_t addr, uint32_t value)
{
    (void)ctx;
    *(volatile uint32_t *)(uintptr_t)addr = value;
}

/* The units of the DMAR and the IVRS; a table that is absent adds none, a bad one is logged. */
static void find_units(struct boot *b, struct iommu_list *list)
{
    static const char sigs[2][ACPI_SIGNATURE_LEN] = { "DMAR", "IVRS" }; /* by enum iommu_kind */
    struct acpi_access io = { boot_acpi_identity, b };
    struct acpi_diag diag;
    uint64_t table;
    uint32_t length;

    for (unsigned k = 0; k < 2 && b->facts.acpi_rsdp != 0; k++) {
        enum acpi_error err = acpi_find_table(&io, b->facts.acpi_rsdp, sigs[k], &table, &length, &diag);
        if (err == ACPI_OK)
            err = iommu_parse(&io, table, length, (enum iommu_kind)k, list, &diag);
        if (err != ACPI_OK && err != ACPI_ERR_NOT_FOUND)
            log_warn("limine: IOMMU: %s", diag.message);
    }
}

void limine_iommus_off(struct boot *b, bool keep)
{
    static const char outcome[][8] = { "was off", "off", "stuck" }; /* by enum iommu_outcome */
    const struct iommu_regs regs = { mmio_read, mmio_write, NULL };
    struct iommu_list list;

    if (keep)
        return;
    list.count = list.overflow = 0;
    find_units(b, &list);
    for (unsigned i = 0; i < list.count; i++) {
        enum iommu_outcome r = iommu_disable(&regs, &list.units[i]);
        log_write(r == IOMMU_STUCK ? LOG_WARN : LOG_DEBUG, "limine: IOMMU 0x%llx %s",
                  (unsigned long long)list.units[i].base, outcome[r]);
    }
}
