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
    log_debug("limine: BSP APIC %u uid %u: %u LVTs masked", id, uid, lapic_apply(&plan, &regs));
}

static uint64_t mmio_read(void *ctx, uint64_t addr, unsigned bytes)
{
    (void)ctx;
    if (bytes == 8)
        return *(volatile uint64_t *)(uintptr_t)addr;
    return *(volatile uint32_t *)(uintptr_t)addr;
}

static void mmio_write(void *ctx, uint64_t addr, uint64_t value, unsigned bytes)
{
    (void)ctx;
    if (bytes == 8)
        *(volatile uint64_t *)(uintptr_t)addr = value;
    else
        *(volatile uint32_t *)(uintptr_t)addr = (uint32_t)value;
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
            log_warn("limine: IOMMUs left on: %s", diag.message);
    }
}

void limine_iommus_off(struct boot *b, bool keep)
{
    const struct iommu_regs regs = { mmio_read, mmio_write, NULL };
    struct iommu_list list = { 0 };

    if (keep) {
        log_debug("limine: keep IOMMU requested");
        return;
    }
    find_units(b, &list);
    for (unsigned i = 0; i < list.count; i++) {
        enum iommu_outcome r = iommu_disable(&regs, &list.units[i]);
        if (r == IOMMU_STUCK)
            log_warn("limine: IOMMU at 0x%llx did not turn off", (unsigned long long)list.units[i].base);
        else
            log_debug("limine: IOMMU at 0x%llx %s", (unsigned long long)list.units[i].base,
                      r == IOMMU_TURNED_OFF ? "turned off" : "was off");
    }
}
