/* ember's own boot protocol (include/ember/bootinfo.h): the loader core's facts as struct
 * ember_bootinfo, the firmware's identity map kept in the lower half, a direct map of everything. */
#include "core/decide.h"
#include "core/fmt.h"
#include "uefi/log.h"
#include "core/memmap.h"
#include "proto/proto.h"

static EFI_STATUS ember_prepare(struct boot *b)
{
    b->stack_size = b->decision->stack_size;
    b->smp.wanted = b->config.smp != SMP_NO;
    b->smp.x2apic_wanted = b->config.smp == SMP_X2APIC;
    return EFI_SUCCESS;
}

/* Segments into the firmware-identity space ember runs on, then physical [0, hhdm_size). */
static EFI_STATUS ember_map(struct boot *b)
{
    EFI_STATUS status = space_map_segments(b, &b->space);

    b->kernel_space = &b->space;
    if (!EFI_ERROR(status))
        status = space_map_direct(b, &b->space, 0, b->hhdm_size, PAGE_READ_WRITE);
    if (!EFI_ERROR(status))
        log_info("direct map: 0x%llx bytes at 0x%llx with %s pages", (unsigned long long)b->hhdm_size,
                 (unsigned long long)b->hhdm_offset, b->hhdm_page_size == PAGE_SIZE_1G ? "1 GiB" : "2 MiB");
    return status;
}

/* The kernel's extent: of a kernel in both halves, the higher-half part in kernel_virt/phys_*
 * (where phys = virt - kernel_virt_base + kernel_phys_base can hold) and the lower-half part, at
 * phys == virt, in kernel_lower_*. */
static void fill_kernel_fields(const struct boot *b, struct ember_bootinfo *info)
{
    struct kernel_extent high = boot_kernel_extent(b, false), low = boot_kernel_extent(b, true);
    const struct kernel_extent *main = high.virt_size != 0 ? &high : &low;

    info->kernel_phys_base = main->phys_base;
    info->kernel_phys_size = main->phys_size;
    info->kernel_virt_base = main->virt_base;
    info->kernel_virt_size = main->virt_size;
    if (high.virt_size != 0 && low.virt_size != 0) {
        info->kernel_lower_virt_base = low.virt_base;
        info->kernel_lower_size = low.virt_size;
    }
    info->kernel_entry = b->kernel.plan.entry;
}

static void fill_firmware_fields(const struct boot *b, struct ember_bootinfo *info)
{
    const struct firmware_facts *f = &b->facts;

    info->framebuffer = f->framebuffer;
    info->acpi_rsdp = f->acpi_rsdp;
    info->acpi_revision = f->acpi_revision;
    info->smbios_major = f->smbios3_entry != 0 ? 3 : f->smbios2_entry != 0 ? 2 : 0;
    info->smbios_entry = f->smbios3_entry != 0 ? f->smbios3_entry : f->smbios2_entry;
    info->efi_system_table = f->efi_system_table;
}

/* The CPU list: the BSP and every AP ember starts, in MADT order; APs keep the BSP's GDT,
 * selectors and PAT (the firmware's, as at entry) and poll their entry's goto_address. */
static void fill_cpu_list(struct boot *b, struct ember_bootinfo *info, struct ember_cpu *cpus)
{
    struct smp_state *s = &b->smp;
    unsigned n = 0, k = 0;

    arch_read_gdt(&s->gdt_limit, &s->gdt_base, &s->code_sel, &s->data_sel);
    s->pat = arch_read_pat();
    for (unsigned i = 0; i < s->plan.count; i++) {
        const struct smp_cpu *c = &s->plan.cpus[i];
        if (c->verdict != SMP_START && c->verdict != SMP_IS_BSP)
            continue;
        cpus[n] = (struct ember_cpu){ .processor_id = c->acpi_uid, .apic_id = c->apic_id,
                                      .stack_size = b->stack_size };
        if (c->verdict == SMP_IS_BSP) {
            cpus[n].state = EMBER_CPU_BSP;
            cpus[n].stack_base = b->stack;
        } else {
            cpus[n].state = EMBER_CPU_MISSING; /* until it checks in (finish) */
            cpus[n].stack_base = smp_stack_base(b, k);
            s->slots[k].goto_ptr = (uint64_t)(uintptr_t)&cpus[n].goto_address;
            s->slots[k].argument = (uint64_t)(uintptr_t)&cpus[n];
            k++;
        }
        n++;
    }
    if (s->plan.bsp_index < 0)
        cpus[n++] = (struct ember_cpu){ .apic_id = s->bsp_apic_id, .stack_base = b->stack,
                                        .stack_size = b->stack_size, .state = EMBER_CPU_BSP };
    info->cpus = (uint64_t)(uintptr_t)cpus;
    info->cpu_count = n;
    info->bsp_apic_id = s->bsp_apic_id;
    info->x2apic_enabled = s->x2apic;
}

/* The boot info page(s) (type reclaimable), filled from the facts; the memory map comes in finish. */
static EFI_STATUS ember_build(struct boot *b)
{
    EFI_PHYSICAL_ADDRESS block;
    UINTN cpus_bytes = b->smp.active ? (b->smp.plan.count + 1) * sizeof(struct ember_cpu) : 0;
    UINTN pages = (sizeof *b->info + cpus_bytes + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;
    EFI_STATUS status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE, pages, &block);
    struct ember_bootinfo *info;

    if (EFI_ERROR(status))
        return status;
    info = b->info = (struct ember_bootinfo *)(uintptr_t)block;
    uefi_call_wrapper(BS->SetMem, 3, info, pages * PAGE_SIZE_4K, 0);
    info->magic = EMBER_BOOTINFO_MAGIC;
    info->version = EMBER_BOOTINFO_VERSION;
    info->size = sizeof *info;
    fill_firmware_fields(b, info);
    fmt_format(info->cmdline, sizeof info->cmdline, "%s", b->config.cmdline);
    for (unsigned i = 0; i < b->module_count; i++) {
        info->modules[i].base = b->modules[i].base;
        info->modules[i].size = b->modules[i].size;
        fmt_format(info->modules[i].name, sizeof info->modules[i].name, "%s", b->modules[i].name);
    }
    info->module_count = b->module_count;
    fill_kernel_fields(b, info);
    info->page_table_root = b->space.root.addr;
    info->stack_base = b->stack;
    info->stack_size = b->stack_size;
    info->hhdm_offset = b->hhdm_offset;
    info->hhdm_size = b->hhdm_size;
    info->hhdm_page_size = b->hhdm_page_size;
    info->nx_enabled = b->nx;
    info->tsc.entry = b->tsc.entry;
    info->tsc.kernel_read = b->tsc.kernel_read;
    info->tsc.mapped = b->tsc.mapped;
    info->tsc.tsc_hz = b->facts.tsc_hz;
    if (b->smp.active)
        fill_cpu_list(b, info, (struct ember_cpu *)(info + 1));
    log_info("boot info at 0x%llx", (unsigned long long)block);
    return EFI_SUCCESS;
}

static void ember_finish(struct boot *b)
{
    struct ember_bootinfo *info = b->info;

    info->memmap = (uint64_t)(uintptr_t)b->memory.memmap;
    info->memmap_count = b->memory.memmap_count;
    info->efi_memmap = (uint64_t)(uintptr_t)b->memory.efi_map;
    info->efi_memmap_size = b->memory.final_map_size;
    info->efi_memmap_desc_size = b->memory.final_desc_size;
    info->efi_memmap_desc_version = b->memory.final_desc_version;
    info->tsc.exit_boot_services = b->tsc.exit;
    for (uint32_t i = 0, k = 0; b->smp.active && i < info->cpu_count; i++) {
        struct ember_cpu *c = &((struct ember_cpu *)(uintptr_t)info->cpus)[i];
        if (c->state == EMBER_CPU_BSP)
            continue;
        if (b->smp.slots[k++].state == AP_SLOT_ARRIVED) {
            c->state = EMBER_CPU_PARKED;
            info->cpus_parked++;
        }
    }
}

__attribute__((noreturn)) static void ember_enter(struct boot *b)
{
    b->info->tsc.handoff = b->tsc.handoff;
    arch_handoff(b->kernel.plan.entry, (uint64_t)(uintptr_t)b->info, b->hhdm_offset + b->stack + b->stack_size,
                 b->space.root.addr);
}

const struct protocol proto_ember = {
    .name = "ember",
    .stages = paging_stages,
    .prepare = ember_prepare,
    .map = ember_map,
    .build = ember_build,
    .finish = ember_finish,
    .enter = ember_enter,
};
