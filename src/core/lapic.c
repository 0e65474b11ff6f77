/* Pure local APIC set-up: the Limine base revision 5 plan and the C loop that applies it. */
#include "core/lapic.h"

/* The LVT entries and the version-register index each needs to exist (Timer, LINT0/1 and Error
 * exist on every integrated local APIC). LINT0 and LINT1 are steps STEP_LINT0 and STEP_LINT0 + 1. */
#define STEP_LINT0 3
static const struct { uint16_t offset; uint8_t min_max_lvt; } lvts[] = {
    { LAPIC_REG_LVT_TIMER, 0 },
    { LAPIC_REG_LVT_THERMAL, LAPIC_MAX_LVT_THERMAL },
    { LAPIC_REG_LVT_PERF, LAPIC_MAX_LVT_PERF },
    { LAPIC_REG_LVT_LINT0, 0 },
    { LAPIC_REG_LVT_LINT1, 0 },
    { LAPIC_REG_LVT_ERROR, 0 },
    { LAPIC_REG_LVT_CMCI, LAPIC_MAX_LVT_CMCI },
};

/* LVT polarity and trigger bits for MPS INTI flags. 00 conforms to the bus (ISA: active high,
 * edge); the reserved value 10 is treated the same way. */
static uint32_t inti_to_lvt(uint16_t flags)
{
    uint32_t bits = 0;

    if ((flags & MPS_INTI_POLARITY_MASK) == MPS_INTI_ACTIVE_LOW)
        bits |= LAPIC_LVT_ACTIVE_LOW;
    if (((flags >> MPS_INTI_TRIGGER_SHIFT) & MPS_INTI_POLARITY_MASK) == MPS_INTI_LEVEL)
        bits |= LAPIC_LVT_LEVEL;
    return bits;
}

/* Builds the plan (contract in lapic.h). */
void lapic_plan_rev5(const struct madt_info *madt, uint32_t uid, struct lapic_plan *out)
{
    unsigned n = 0, i;

    for (i = 0; i < ARRAY_LEN(lvts); i++)
        out->steps[n++] = (struct lapic_step){ lvts[i].offset, lvts[i].min_max_lvt, 1,
                                               LAPIC_LVT_STATUS_RO, LAPIC_LVT_MASKED };
    for (i = 0; madt != NULL && i < madt->nmi_count; i++) {
        const struct madt_lapic_nmi *e = &madt->nmis[i];
        struct lapic_step *s = &out->steps[STEP_LINT0 + (e->lint & 1)];
        if (e->lint > 1 || (!e->all && e->acpi_uid != uid))
            continue;
        s->clear = LAPIC_LVT_DELIVERY_MASK | LAPIC_LVT_ACTIVE_LOW | LAPIC_LVT_LEVEL
                 | LAPIC_LVT_STATUS_RO;
        s->set = LAPIC_LVT_DELIVERY_NMI | inti_to_lvt(e->flags) | LAPIC_LVT_MASKED;
    }
    out->steps[n++] = (struct lapic_step){ LAPIC_REG_TPR, 0, 0, 0xFFFFFFFFu, 0 };
    out->steps[n++] = (struct lapic_step){ LAPIC_REG_SVR, 0, 0, 0xFFFFFFFFu, LAPIC_SVR_REV5 };
    out->count = n;
    out->pad = 0;
}

/* Applies plan to regs (contract in lapic.h). */
unsigned lapic_apply(const struct lapic_plan *plan, const struct lapic_regs *regs)
{
    uint32_t max_lvt = (regs->read(regs->ctx, LAPIC_REG_VERSION) >> LAPIC_VERSION_MAX_LVT_SHIFT) & 0xFF;
    unsigned written = 0, i;

    for (i = 0; i < plan->count && i < LAPIC_PLAN_MAX_STEPS; i++) {
        const struct lapic_step *s = &plan->steps[i];
        uint32_t v, mode;
        if (max_lvt < s->min_max_lvt)
            continue;
        v = regs->read(regs->ctx, s->offset);
        mode = (v & LAPIC_LVT_DELIVERY_MASK) >> LAPIC_LVT_DELIVERY_SHIFT;
        if (s->lvt && !((LAPIC_MASKABLE_MODES >> mode) & 1))
            continue;
        regs->write(regs->ctx, s->offset, (v & ~s->clear) | s->set);
        written += s->lvt;
    }
    return written;
}
