/* The Limine MP feature: the request asks ember to start the APs (src/uefi/aps.c); the response lists
 * the BSP and every AP that checked in, each parked on its limine_mp_info's goto_address. */
#include "uefi/log.h"
#include "core/memmap.h"
#include "proto/limine/state.h"
#include "core/smp.h"

#define LIMINE_MP_RESPONSE_REVISION 0

/* Prepare: the request's presence asks for the APs, its flags bit 0 for x2APIC. */
/* Limine's x2APIC rule (smp_x2apic_action), carried out on the BSP before any AP is planned. */
static EFI_STATUS x2apic_as_limine(struct boot *b, bool mp_requested)
{
    bool on = arch_x2apic_on();

    switch (smp_x2apic_action(on, b->smp.x2apic_wanted, on && arch_x2apic_can_disable(), mp_requested)) {
    case SMP_X2APIC_LEAVE: return EFI_SUCCESS;
    case SMP_X2APIC_SWITCH_OFF:
        arch_x2apic_disable();
        log_info("limine: the firmware left x2APIC on and the kernel does not accept it (MP flags bit 0): "
                 "back to xAPIC mode, as Limine does");
        return EFI_SUCCESS;
    case SMP_X2APIC_KEEP_LOCKED:
        log_warn("limine: the platform locked x2APIC on: the kernel gets it so");
        return EFI_SUCCESS;
    default:
        log_error("limine: the platform locked x2APIC on and the kernel's MP request does not accept it: "
                  "set the request's x2APIC flag (bit 0)");
        return EFI_UNSUPPORTED;
    }
}

EFI_STATUS limine_mp_prepare(struct boot *b, const struct limine_state *st)
{
    const struct lscan_request *r = limine_find_request(st, LSCAN_MP);
    uint64_t flags = 0;
    struct decide_diag unused; /* decide_requests_whole refused any request cut off before this */

    if (r != NULL) {
        decide_request_field(r, __builtin_offsetof(struct limine_mp_request, flags), &flags, &unused);
        b->smp.wanted = true;
        b->smp.x2apic_wanted = (flags & LIMINE_MP_REQUEST_X86_64_X2APIC) != 0;
    }
    return x2apic_as_limine(b, r != NULL);
}

/* Build: the response, one limine_mp_info per planned CPU and the pointer array (filled in finish),
 * in one reclaimable allocation. Without a MADT the plan is empty and the response lists the BSP. */
void *limine_mp_answer(struct boot *b, struct limine_state *st)
{
    struct smp_state *s = &b->smp;
    unsigned n = 0, k = 0, cap;
    EFI_PHYSICAL_ADDRESS block;
    UINTN bytes;

    if (!s->active)
        return NULL;
    cap = s->plan.count + 1;
    bytes = sizeof *st->mp + cap * (sizeof *st->mp_infos + sizeof *st->mp_ptrs);
    if (EFI_ERROR(mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE,
                                  (bytes + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K, &block)))
        return NULL;
    uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)block, bytes, 0);
    st->mp = (struct limine_mp_response *)(uintptr_t)block;
    st->mp_infos = (struct limine_mp_info *)(st->mp + 1);
    st->mp_ptrs = (uint64_t *)(st->mp_infos + cap);
    s->gdt_limit = GDT_LIMINE_ENTRIES * 8 - 1;
    s->gdt_base = b->hhdm_offset + st->gdt_phys;
    s->code_sel = 0x28;
    s->data_sel = 0x30;
    s->pat = ARCH_PAT_LIMINE;
    for (unsigned i = 0; i < s->plan.count; i++) {
        const struct smp_cpu *c = &s->plan.cpus[i];
        if (c->verdict != SMP_START && c->verdict != SMP_IS_BSP)
            continue;
        st->mp_infos[n] = (struct limine_mp_info){ .processor_id = c->acpi_uid, .lapic_id = c->apic_id };
        if (c->verdict == SMP_START) {
            s->slots[k].goto_ptr = b->hhdm_offset + (uint64_t)(uintptr_t)&st->mp_infos[n].goto_address;
            s->slots[k].argument = b->hhdm_offset + (uint64_t)(uintptr_t)&st->mp_infos[n];
            k++;
        }
        n++;
    }
    if (s->plan.bsp_index < 0)
        st->mp_infos[n++] = (struct limine_mp_info){ .lapic_id = s->bsp_apic_id };
    st->mp_info_count = n;
    st->mp->revision = LIMINE_MP_RESPONSE_REVISION;
    st->mp->bsp_lapic_id = s->bsp_apic_id;
    return st->mp;
}

/* Finish (after the APs were started): the BSP and the APs that checked in. */
void limine_mp_finish(struct boot *b, struct limine_state *st)
{
    const struct smp_state *s = &b->smp;
    uint64_t count = 0;

    if (st->mp == NULL)
        return;
    for (unsigned i = 0, k = 0; i < st->mp_info_count; i++) {
        bool is_bsp = st->mp_infos[i].lapic_id == s->bsp_apic_id;
        if (is_bsp || s->slots[k++].state == AP_SLOT_ARRIVED)
            st->mp_ptrs[count++] = b->hhdm_offset + (uint64_t)(uintptr_t)&st->mp_infos[i];
    }
    st->mp->flags = s->x2apic ? LIMINE_MP_RESPONSE_X86_64_X2APIC : 0;
    st->mp->cpu_count = count;
    st->mp->cpus = b->hhdm_offset + (uint64_t)(uintptr_t)st->mp_ptrs;
}
