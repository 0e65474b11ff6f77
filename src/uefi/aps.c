/* Application processors in the loader: read the MADT and plan (before ExitBootServices), allocate
 * the AP page below 1 MiB, its temporary tables, the slots and the stacks; after the exit, send
 * INIT-SIPI-SIPI (src/core/smp.c) and report who checked in. bootinfo.h states the AP's state. */
#include "uefi/boot.h"
#include "uefi/log.h"
#include "core/memmap.h"
#include "core/smp.h"
#include "core/lapic.h"

/* The AP page's executable alias, next to the Limine handoff trampoline's, in the window ember
 * keeps for its direct map (no kernel is linked there). */
#define AP_BOOT_ALIAS (EMBER_HHDM_OFFSET + EMBER_HHDM_MAX_SIZE - 2 * PAGE_SIZE_4K)
/* The local APIC page for xAPIC-mode APs with a plan (the kernel's direct map may not cover MMIO);
 * write-back in the PAT, uncached through the MTRRs as every firmware sets the APIC range. */
#define AP_LAPIC_ALIAS (EMBER_HHDM_OFFSET + EMBER_HHDM_MAX_SIZE - 3 * PAGE_SIZE_4K)
#define AP_BOOT_MAX_ADDRESS 0x9FFFFull   /* conventional memory: STARTUP vectors are page numbers < 0x100 */
#define TEMP_TABLE_PAGES 8               /* PML4 + 2 x (PDPT, PD, PT), one spare */
#define BELOW_4G 0xFFFFFFFFull
#define CHECKIN_TIMEOUT_US 1000000u

struct bump {
    uint64_t base;
    unsigned used;
};

static bool bump_alloc(void *ctx, phys_addr_t *page)
{
    struct bump *bp = ctx;
    if (bp->used == TEMP_TABLE_PAGES)
        return false;
    page->addr = bp->base + (uint64_t)bp->used++ * PAGE_SIZE_4K;
    return true;
}

static bool bump_owns(void *ctx, phys_addr_t page)
{
    const struct bump *bp = ctx;
    return page.addr >= bp->base && page.addr < bp->base + TEMP_TABLE_PAGES * PAGE_SIZE_4K;
}

static void no_flush(void *ctx, virt_addr_t addr)
{
    (void)ctx;
    (void)addr;
}

static void no_flush_all(void *ctx)
{
    (void)ctx;
}

/* Tables (never loaded on the BSP) mapping the AP page at its physical address and its alias. */
static EFI_STATUS build_temp_tables(struct smp_state *s)
{
    EFI_PHYSICAL_ADDRESS base = BELOW_4G;
    EFI_STATUS status = mem_alloc_pages(AllocateMaxAddress, EMBER_UEFI_TYPE_RECLAIMABLE, TEMP_TABLE_PAGES, &base);
    struct bump bp = { 0, 1 };
    struct address_space as = { .nx = false, .phys_to_ptr = arch_identity_phys_to_ptr, .invlpg = no_flush,
                                .flush_all = no_flush_all };
    enum pg_error err;

    if (EFI_ERROR(status)) {
        log_error("smp: no memory below 4 GiB for the AP start-up tables: %s", efi_status_name(status));
        return status;
    }
    bp.base = base;
    as.alloc = (struct pg_allocator){ bump_alloc, bump_owns, &bp };
    as.root.addr = base;
    uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)base, PAGE_SIZE_4K, 0);
    err = map4k_to(&as, virt(s->code_page), phys(s->code_page), PAGE_EXECUTABLE);
    if (err == PG_OK)
        err = map4k_to(&as, virt(AP_BOOT_ALIAS), phys(s->code_page), PAGE_EXECUTABLE);
    if (err != PG_OK)
        return paging_failure(err, "smp: the AP start-up tables", AP_BOOT_ALIAS);
    s->temp_root = base;
    return EFI_SUCCESS;
}

static void log_plan(const struct boot *b)
{
    const struct smp_state *s = &b->smp;

    for (unsigned i = 0; i < s->plan.count; i++)
        if (s->plan.cpus[i].verdict != SMP_START && s->plan.cpus[i].verdict != SMP_IS_BSP)
            log_info("smp: cpu apic_id=%u uid=%u not started: %s", s->plan.cpus[i].apic_id, s->plan.cpus[i].acpi_uid,
                     smp_verdict_reason(s->plan.cpus[i].verdict));
    if (s->plan.bsp_index < 0)
        log_warn("smp: the MADT does not list the BSP (apic_id=%u)", s->bsp_apic_id);
    log_info("smp: %u processors in the MADT, BSP apic_id=%u, %u to start (%s)", s->plan.count, s->bsp_apic_id,
             s->plan.to_start, s->x2apic ? "x2APIC" : "xAPIC");
}

/* The x2APIC decision, the BSP's APIC ID and the MADT's processors as a plan. Without a usable MADT
 * (logged) the plan is empty: the CPU list still names the BSP, as the Limine spec asks of an MP
 * response "even on single-processor system", and no AP is started. */
static void read_plan(struct boot *b)
{
    struct smp_state *s = &b->smp;
    unsigned flags = 0;

    s->x2apic = arch_x2apic_on() || (s->x2apic_wanted && arch_cpu_has_x2apic());
    if (s->x2apic_wanted && !s->x2apic)
        log_info("smp: x2APIC asked for, but the CPU has none: the APICs stay in xAPIC mode");
    s->bsp_apic_id = arch_apic_id(s->x2apic);
    s->plan = (struct smp_plan){ .bsp_index = -1 };
    if (b->facts.madt == NULL) {
        log_warn("smp: no usable MADT (%s): only the BSP (apic_id=%u) is listed, no AP is started",
                 b->facts.madt_why, s->bsp_apic_id);
        return;
    }
    flags |= s->x2apic ? SMP_PLAN_X2APIC : 0;
    if (b->config.test_faults & CONFIG_FAULT_SMP_START_DISABLED) {
        log_warn("test_fault smp-start-disabled: CPUs the MADT marks disabled are started too");
        flags |= SMP_PLAN_START_DISABLED;
    }
    smp_plan_cpus(b->facts.madt, s->bsp_apic_id, flags, &s->plan);
    log_plan(b);
}

/* The slots and, with lapic_init, one local APIC plan per slot after them; then the stacks. */
static EFI_STATUS alloc_slots_and_stacks(struct boot *b)
{
    struct smp_state *s = &b->smp;
    size_t per_slot = sizeof(struct ap_slot) + (s->lapic_init ? sizeof(struct lapic_plan) : 0);
    UINTN slot_pages = (s->slot_count * per_slot + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;
    struct lapic_plan *plans;
    EFI_STATUS status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE, slot_pages, &s->slots_phys);

    if (!EFI_ERROR(status))
        status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE,
                                 (UINTN)(s->slot_count * b->stack_size / PAGE_SIZE_4K), &s->stacks);
    if (EFI_ERROR(status)) {
        log_error("smp: no memory for %u AP stacks of %llu bytes: %s", s->slot_count,
                  (unsigned long long)b->stack_size, efi_status_name(status));
        return status;
    }
    s->slots = (struct ap_slot *)(uintptr_t)s->slots_phys;
    plans = (struct lapic_plan *)(s->slots + s->slot_count);
    for (unsigned i = 0, k = 0; i < s->plan.count; i++) {
        if (s->plan.cpus[i].verdict != SMP_START)
            continue;
        s->slots[k] = (struct ap_slot){ .apic_id = s->plan.cpus[i].apic_id, .state = AP_SLOT_WAITING,
                                        .stack_top = b->hhdm_offset + smp_stack_base(b, k) + b->stack_size };
        if (s->lapic_init) {
            lapic_plan_rev5(b->facts.madt, s->plan.cpus[i].acpi_uid, &plans[k]);
            s->slots[k].lapic_plan = b->hhdm_offset + (uint64_t)(uintptr_t)&plans[k];
        }
        k++;
    }
    return EFI_SUCCESS;
}

EFI_STATUS stage_prepare_aps(struct boot *b)
{
    struct smp_state *s = &b->smp;
    EFI_STATUS status;

    if (!s->wanted)
        return EFI_SUCCESS;
    read_plan(b);
    s->active = true;
    s->slot_count = s->plan.to_start;
    if (s->slot_count == 0)
        return EFI_SUCCESS;
    s->code_page = AP_BOOT_MAX_ADDRESS;
    status = mem_alloc_pages(AllocateMaxAddress, EMBER_UEFI_TYPE_RECLAIMABLE, 1, &s->code_page);
    if (EFI_ERROR(status)) {
        log_error("smp: no free page below 640 KiB for the AP start-up code: %s", efi_status_name(status));
        return status;
    }
    arch_ap_boot_install((void *)(uintptr_t)s->code_page, s->code_page);
    status = build_temp_tables(s);
    if (!EFI_ERROR(status))
        status = alloc_slots_and_stacks(b);
    if (!EFI_ERROR(status))
        log_info("smp: AP start-up page at 0x%llx (vector 0x%02llx), %u stacks of %llu KiB",
                 (unsigned long long)s->code_page, (unsigned long long)(s->code_page >> 12), s->slot_count,
                 (unsigned long long)(b->stack_size / KIB));
    return status;
}

EFI_STATUS stage_map_ap_page(struct boot *b)
{
    enum pg_error err = PG_OK;

    if (b->smp.slot_count > 0)
        err = map4k_to(b->kernel_space, virt(AP_BOOT_ALIAS), phys(b->smp.code_page), PAGE_EXECUTABLE);
    if (err == PG_OK && b->smp.slot_count > 0 && b->smp.lapic_init && !b->smp.x2apic)
        err = map4k_to(b->kernel_space, virt(AP_LAPIC_ALIAS), phys(arch_lapic_base()), PAGE_READ_WRITE);
    if (err != PG_OK)
        return paging_failure(err, "smp: mapping the AP start-up page", AP_BOOT_ALIAS);
    table_pool_trim(&b->tables); /* no page table is made after this: the rest goes back */
    return EFI_SUCCESS;
}

uint64_t smp_stack_base(const struct boot *b, unsigned slot)
{
    return b->smp.stacks + (uint64_t)slot * b->stack_size;
}

static void fill_args(struct boot *b, struct ap_boot_args *a)
{
    struct smp_state *s = &b->smp;

    a->temp_cr3 = (uint32_t)s->temp_root;
    a->alias = AP_BOOT_ALIAS;
    a->kernel_cr3 = b->kernel_space->root.addr;
    a->slots = b->hhdm_offset + s->slots_phys;
    a->slot_count = s->slot_count;
    a->x2apic = s->x2apic;
    a->lapic_mmio = AP_LAPIC_ALIAS; /* mapped (and used) in xAPIC mode only */
    a->code_sel = s->code_sel;
    a->data_sel = s->data_sel;
    a->gdtr64_limit = s->gdt_limit;
    a->gdtr64_base = s->gdt_base;
    arch_ap_boot_capture(a, s->pat);
    if (s->lapic_init) { /* Limine base revision 5: the APs get the BSP's trimmed CR0/CR4/EFER too */
        a->cr0 &= ARCH_CR0_LIMINE_KEEP;
        a->cr4 &= ARCH_CR4_LIMINE_KEEP;
        a->efer_or &= (uint32_t)ARCH_EFER_LIMINE_KEEP;
    }
}

EFI_STATUS stage_start_aps(struct boot *b)
{
    struct smp_state *s = &b->smp;
    struct smp_start_result r;
    bool x2apic = s->x2apic;
    struct smp_ops ops = arch_smp_ops(&x2apic);

    if (!s->active)
        return EFI_SUCCESS;
    if (s->x2apic && !arch_x2apic_on())
        arch_x2apic_enable();
    if (s->slot_count == 0)
        return EFI_SUCCESS;
    fill_args(b, (struct ap_boot_args *)((char *)(uintptr_t)s->code_page + (arch_ap_boot_size() - AB_SIZE)));
    smp_start_aps(&ops, s->slots, s->slot_count, (uint8_t)(s->code_page >> 12), b->facts.tsc_hz,
                  CHECKIN_TIMEOUT_US, &r);
    s->arrived = r.arrived;
    s->missing = r.missing;
    for (unsigned k = 0; k < s->slot_count; k++)
        if (s->slots[k].state != AP_SLOT_ARRIVED)
            for (unsigned i = 0; i < s->plan.count; i++)
                if (s->plan.cpus[i].verdict == SMP_START && s->plan.cpus[i].apic_id == s->slots[k].apic_id)
                    log_warn("smp: cpu apic_id=%u uid=%u did not check in within %u ms: reported missing",
                             s->plan.cpus[i].apic_id, s->plan.cpus[i].acpi_uid, CHECKIN_TIMEOUT_US / 1000);
    log_info("smp: %u of %u application processors parked in %llu us", r.arrived, s->slot_count,
             (unsigned long long)r.elapsed_us);
    return EFI_SUCCESS;
}
