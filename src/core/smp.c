/* Pure SMP planning and start-up sequence (src/core/smp.h). */
#include "core/smp.h"

static const char reasons[SMP_VERDICT_COUNT][48] = {
    [SMP_START] = "started",
    [SMP_IS_BSP] = "the bootstrap processor",
    [SMP_SKIP_DISABLED] = "disabled in the MADT",
    [SMP_SKIP_ONLINE_CAPABLE] = "online-capable only (hot-plug), not present now",
    [SMP_SKIP_NEEDS_X2APIC] = "APIC id above 254 needs x2APIC",
    [SMP_SKIP_DUPLICATE] = "duplicate APIC id in the MADT",
};

const char *smp_verdict_reason(enum smp_verdict v)
{
    return (unsigned)v < SMP_VERDICT_COUNT ? reasons[v] : "unknown";
}

static bool listed_before(const struct smp_plan *plan, unsigned i)
{
    for (unsigned j = 0; j < i; j++)
        if (plan->cpus[j].apic_id == plan->cpus[i].apic_id)
            return true;
    return false;
}

static enum smp_verdict verdict_for(const struct madt_cpu *c, const struct smp_plan *plan, unsigned i,
                                    uint32_t bsp_apic_id, unsigned flags)
{
    if (listed_before(plan, i))
        return SMP_SKIP_DUPLICATE;
    if (c->apic_id == bsp_apic_id)
        return SMP_IS_BSP;
    if (!c->enabled && !(flags & SMP_PLAN_START_DISABLED))
        return c->online_capable ? SMP_SKIP_ONLINE_CAPABLE : SMP_SKIP_DISABLED;
    if (c->apic_id > SMP_XAPIC_MAX_ID && !(flags & SMP_PLAN_X2APIC))
        return SMP_SKIP_NEEDS_X2APIC;
    return SMP_START;
}

void smp_plan_cpus(const struct madt_info *madt, uint32_t bsp_apic_id, unsigned flags, struct smp_plan *out)
{
    out->count = 0;
    out->to_start = 0;
    out->bsp_index = -1;
    for (unsigned i = 0; i < madt->cpu_count && i < SMP_MAX_CPUS; i++) {
        const struct madt_cpu *c = &madt->cpus[i];
        struct smp_cpu *p = &out->cpus[out->count];
        p->apic_id = c->apic_id;
        p->acpi_uid = c->acpi_uid;
        p->verdict = verdict_for(c, out, out->count, bsp_apic_id, flags);
        if (p->verdict == SMP_IS_BSP)
            out->bsp_index = (int)out->count;
        out->to_start += p->verdict == SMP_START;
        out->count++;
    }
}

static uint64_t ticks_for_us(uint64_t tsc_hz, uint64_t us)
{
    return (tsc_hz != 0 ? tsc_hz : SMP_TSC_HZ_UNKNOWN) / 1000000 * us;
}

static void wait_us(const struct smp_ops *ops, uint64_t tsc_hz, uint64_t us)
{
    uint64_t start = ops->now(ops->ctx), ticks = ticks_for_us(tsc_hz, us);

    while (ops->now(ops->ctx) - start < ticks)
        __builtin_ia32_pause();
}

static unsigned count_waiting(struct ap_slot *slots, unsigned n)
{
    unsigned waiting = 0;

    for (unsigned i = 0; i < n; i++)
        waiting += __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == AP_SLOT_WAITING;
    return waiting;
}

void smp_start_aps(const struct smp_ops *ops, struct ap_slot *slots, unsigned n, uint8_t vector,
                   uint64_t tsc_hz, uint64_t timeout_us, struct smp_start_result *out)
{
    uint64_t t0 = ops->now(ops->ctx), deadline_ticks = ticks_for_us(tsc_hz, timeout_us), t = t0;

    for (unsigned i = 0; i < n; i++)
        ops->send_init(ops->ctx, slots[i].apic_id);
    wait_us(ops, tsc_hz, SMP_INIT_DELAY_US);
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < n; i++)
            if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == AP_SLOT_WAITING)
                ops->send_startup(ops->ctx, slots[i].apic_id, vector);
        wait_us(ops, tsc_hz, SMP_STARTUP_DELAY_US);
    }
    uint64_t waited_from = ops->now(ops->ctx);
    while (count_waiting(slots, n) != 0 && (t = ops->now(ops->ctx)) - waited_from < deadline_ticks)
        __builtin_ia32_pause();
    t = ops->now(ops->ctx);
    out->arrived = out->missing = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t expected = AP_SLOT_WAITING;
        __atomic_compare_exchange_n(&slots[i].state, &expected, AP_SLOT_ABANDONED, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == AP_SLOT_ARRIVED)
            out->arrived++;
        else
            out->missing++;
    }
    out->elapsed_us = (t - t0) / ((tsc_hz != 0 ? tsc_hz : SMP_TSC_HZ_UNKNOWN) / 1000000);
}

enum smp_x2apic_action smp_x2apic_action(bool firmware_on, bool kernel_accepts, bool can_switch_off,
                                         bool mp_requested)
{
    if (!firmware_on || kernel_accepts)
        return SMP_X2APIC_LEAVE;
    if (can_switch_off)
        return SMP_X2APIC_SWITCH_OFF;
    return mp_requested ? SMP_X2APIC_REFUSE : SMP_X2APIC_KEEP_LOCKED;
}
