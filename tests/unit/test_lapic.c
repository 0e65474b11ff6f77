/* Host tests of the revision 5 local APIC plan and its C loop against a fake local APIC (src/core/lapic.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/lapic.h"

#define FAKE_REGS 64                   /* xAPIC offsets 0x000..0x3F0, one register per 16 bytes */
#define VECTOR 0x4Bu
#define MODE(m) ((uint32_t)(m) << LAPIC_LVT_DELIVERY_SHIFT)
#define UID 7u

/* A fake local APIC: registers, the last LVT index it reports, and the order of writes. */
struct fake_lapic {
    uint32_t regs[FAKE_REGS];
    unsigned max_lvt;
    unsigned writes;
    uint32_t order[32];
};

static struct fake_lapic fake;
static struct madt_info madt;

/* True when this APIC has the register: the LVTs beyond LINT/Timer/Error need the version's count. */
static bool present(uint32_t offset)
{
    switch (offset) {
    case LAPIC_REG_LVT_PERF: return fake.max_lvt >= 4;
    case LAPIC_REG_LVT_THERMAL: return fake.max_lvt >= 5;
    case LAPIC_REG_LVT_CMCI: return fake.max_lvt >= 6;
    default: return offset % 16 == 0 && offset / 16 < FAKE_REGS;
    }
}

static uint32_t fake_read(void *ctx, uint32_t offset)
{
    (void)ctx;
    if (!present(offset))
        fail_msg("read of 0x%x, which this local APIC does not have", offset);
    if (offset == LAPIC_REG_VERSION)
        return (uint32_t)fake.max_lvt << LAPIC_VERSION_MAX_LVT_SHIFT | 0x14u;
    return fake.regs[offset / 16];
}

/* Read-only LVT status bits keep their value (and the plan writes them as 0); the version register
 * cannot be written. */
static void fake_write(void *ctx, uint32_t offset, uint32_t value)
{
    uint32_t *r = &fake.regs[offset / 16];
    uint32_t ro = offset >= LAPIC_REG_LVT_CMCI ? LAPIC_LVT_STATUS_RO : 0;
    (void)ctx;
    if (!present(offset) || offset == LAPIC_REG_VERSION)
        fail_msg("write of 0x%x to 0x%x", value, offset);
    if (value & ro)
        fail_msg("write of read-only status bits to 0x%x: 0x%x", offset, value);
    *r = (value & ~ro) | (*r & ro);
    fake.order[fake.writes++ % 32] = offset;
}

static const struct lapic_regs regs = { fake_read, fake_write, &fake };

static uint32_t reg(uint32_t offset) { return fake.regs[offset / 16]; }

/* Every LVT unmasked with delivery mode `mode` and VECTOR, max LVT index max_lvt. */
static void fake_reset(unsigned max_lvt, uint32_t mode)
{
    static const uint32_t lvts[] = { LAPIC_REG_LVT_CMCI, LAPIC_REG_LVT_TIMER, LAPIC_REG_LVT_THERMAL,
                                     LAPIC_REG_LVT_PERF, LAPIC_REG_LVT_LINT0, LAPIC_REG_LVT_LINT1,
                                     LAPIC_REG_LVT_ERROR };
    memset(&fake, 0, sizeof fake);
    memset(&madt, 0, sizeof madt);
    fake.max_lvt = max_lvt;
    for (unsigned i = 0; i < sizeof lvts / sizeof lvts[0]; i++)
        fake.regs[lvts[i] / 16] = MODE(mode) | VECTOR;
    fake.regs[LAPIC_REG_SVR / 16] = 0xFF;
    fake.regs[LAPIC_REG_TPR / 16] = 0x20;
}

static unsigned run(uint32_t uid)
{
    struct lapic_plan plan;

    lapic_plan_rev5(&madt, uid, &plan);
    return lapic_apply(&plan, &regs);
}

static void add_nmi(uint32_t uid, bool all, uint16_t flags, uint8_t lint)
{
    madt.nmis[madt.nmi_count++] = (struct madt_lapic_nmi){ uid, all, flags, lint };
}

static void test_lapic_masks_lvts_with_fixed_lowest_nmi_extint_and_leaves_the_rest(void **state)
{
    (void)state;
    for (uint32_t mode = 0; mode < 8; mode++) {
        bool maskable = mode == 0 || mode == 1 || mode == 4 || mode == 7;
        fake_reset(6, mode);
        assert_int_equal(run(UID), maskable ? 7 : 0);
        assert_int_equal(reg(LAPIC_REG_LVT_LINT0), MODE(mode) | VECTOR | (maskable ? LAPIC_LVT_MASKED : 0));
        assert_int_equal(reg(LAPIC_REG_LVT_CMCI), MODE(mode) | VECTOR | (maskable ? LAPIC_LVT_MASKED : 0));
        assert_int_equal(fake.writes, maskable ? 9 : 2); /* + TPR and SVR */
    }
}

static void test_lapic_keeps_every_other_lvt_bit(void **state)
{
    uint32_t lint1 = MODE(7) | LAPIC_LVT_ACTIVE_LOW | LAPIC_LVT_LEVEL | (1u << 14) | VECTOR;
    (void)state;
    fake_reset(5, 0);
    fake.regs[LAPIC_REG_LVT_LINT1 / 16] = lint1;
    fake.regs[LAPIC_REG_LVT_TIMER / 16] = (2u << 17) | (1u << 12) | VECTOR; /* TSC-deadline, pending */
    run(UID);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT1), lint1 | LAPIC_LVT_MASKED);
    assert_int_equal(reg(LAPIC_REG_LVT_TIMER), (2u << 17) | (1u << 12) | VECTOR | LAPIC_LVT_MASKED);
}

static void test_lapic_sets_tpr_zero_and_svr_0x1ff_after_the_lvts(void **state)
{
    (void)state;
    fake_reset(4, 0);
    fake.regs[LAPIC_REG_SVR / 16] = 0x10FF | (1u << 9); /* EOI suppression, focus off, disabled */
    run(UID);
    assert_int_equal(reg(LAPIC_REG_TPR), 0);
    assert_int_equal(reg(LAPIC_REG_SVR), LAPIC_SVR_REV5);
    assert_int_equal(fake.order[fake.writes - 2], LAPIC_REG_TPR);
    assert_int_equal(fake.order[fake.writes - 1], LAPIC_REG_SVR);
}

static void test_lapic_touches_only_the_lvts_the_version_register_counts(void **state)
{
    static const unsigned want[] = { 4, 5, 6, 7 }; /* max LVT 3, 4, 5, 6 */
    (void)state;
    for (unsigned max = 3; max <= 6; max++) {
        fake_reset(max, 0);
        assert_int_equal(run(UID), want[max - 3]); /* fake_read fails on an absent register */
        assert_int_equal(reg(LAPIC_REG_LVT_PERF) & LAPIC_LVT_MASKED, max >= 4 ? LAPIC_LVT_MASKED : 0);
        assert_int_equal(reg(LAPIC_REG_LVT_THERMAL) & LAPIC_LVT_MASKED, max >= 5 ? LAPIC_LVT_MASKED : 0);
        assert_int_equal(reg(LAPIC_REG_LVT_CMCI) & LAPIC_LVT_MASKED, max >= 6 ? LAPIC_LVT_MASKED : 0);
    }
}

static void test_lapic_nmi_entry_for_all_makes_lint_nmi_edge_high_masked(void **state)
{
    (void)state;
    fake_reset(5, 7);
    fake.regs[LAPIC_REG_LVT_LINT1 / 16] = MODE(0) | LAPIC_LVT_ACTIVE_LOW | LAPIC_LVT_LEVEL | VECTOR;
    add_nmi(0xFF, true, 0, 1);
    run(UID);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT1), LAPIC_LVT_DELIVERY_NMI | LAPIC_LVT_MASKED | VECTOR);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT0), MODE(7) | LAPIC_LVT_MASKED | VECTOR); /* ExtINT kept */
}

static void test_lapic_nmi_polarity_and_trigger_follow_the_mps_inti_flags(void **state)
{
    static const struct { uint16_t flags; uint32_t bits; } cases[] = {
        { 0x0, 0 },                                          /* bus default: ISA high, edge */
        { 0x5, 0 },                                          /* high, edge */
        { 0x7, LAPIC_LVT_ACTIVE_LOW },                       /* low, edge */
        { 0xD, LAPIC_LVT_LEVEL },                            /* high, level */
        { 0xF, LAPIC_LVT_ACTIVE_LOW | LAPIC_LVT_LEVEL },     /* low, level */
        { 0xA, 0 },                                          /* reserved values: the default */
    };
    (void)state;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_reset(5, 0);
        add_nmi(0, true, cases[i].flags, 0);
        run(UID);
        assert_int_equal(reg(LAPIC_REG_LVT_LINT0),
                         LAPIC_LVT_DELIVERY_NMI | cases[i].bits | LAPIC_LVT_MASKED | VECTOR);
    }
}

static void test_lapic_nmi_entry_applies_only_to_its_uid(void **state)
{
    (void)state;
    fake_reset(5, 0);
    add_nmi(UID + 1, false, 0xF, 0);
    add_nmi(UID, false, 0x5, 1);
    run(UID);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT0), MODE(0) | LAPIC_LVT_MASKED | VECTOR);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT1), LAPIC_LVT_DELIVERY_NMI | LAPIC_LVT_MASKED | VECTOR);
}

static void test_lapic_unknown_uid_gets_only_the_all_processor_entries(void **state)
{
    (void)state;
    fake_reset(5, 0);
    add_nmi(0xFF, false, 0, 0);          /* a type-4 entry for UID 255 is not "all" here */
    add_nmi(0xFFFFFFFFu, true, 0, 1);
    run(LAPIC_UID_NONE);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT0), MODE(0) | LAPIC_LVT_MASKED | VECTOR);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT1), LAPIC_LVT_DELIVERY_NMI | LAPIC_LVT_MASKED | VECTOR);
}

static void test_lapic_later_nmi_entry_wins_and_other_lints_are_ignored(void **state)
{
    (void)state;
    fake_reset(5, 1);
    add_nmi(UID, false, 0xF, 1);
    add_nmi(UID, true, 0x5, 1);
    add_nmi(UID, true, 0xF, 2);          /* no LINT2: ignored, LINT0 untouched by it */
    run(UID);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT1), LAPIC_LVT_DELIVERY_NMI | LAPIC_LVT_MASKED | VECTOR);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT0), MODE(1) | LAPIC_LVT_MASKED | VECTOR);
}

static void test_lapic_nmi_entry_leaves_lint_with_smi_init_or_reserved_mode_alone(void **state)
{
    static const uint32_t modes[] = { 2, 3, 5, 6 };
    (void)state;
    for (unsigned i = 0; i < 4; i++) {
        fake_reset(5, 0);
        fake.regs[LAPIC_REG_LVT_LINT0 / 16] = MODE(modes[i]) | LAPIC_LVT_LEVEL | VECTOR;
        add_nmi(0, true, 0x7, 0);
        assert_int_equal(run(UID), 5);
        assert_int_equal(reg(LAPIC_REG_LVT_LINT0), MODE(modes[i]) | LAPIC_LVT_LEVEL | VECTOR);
    }
}

static void test_lapic_plan_without_madt_masks_and_enables(void **state)
{
    struct lapic_plan plan;
    (void)state;
    fake_reset(6, 4);
    lapic_plan_rev5(NULL, UID, &plan);
    assert_int_equal(plan.count, LAPIC_PLAN_MAX_STEPS);
    assert_int_equal(lapic_apply(&plan, &regs), 7);
    assert_int_equal(reg(LAPIC_REG_LVT_LINT1), MODE(4) | LAPIC_LVT_MASKED | VECTOR);
    assert_int_equal(reg(LAPIC_REG_SVR), LAPIC_SVR_REV5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lapic_masks_lvts_with_fixed_lowest_nmi_extint_and_leaves_the_rest),
        cmocka_unit_test(test_lapic_keeps_every_other_lvt_bit),
        cmocka_unit_test(test_lapic_sets_tpr_zero_and_svr_0x1ff_after_the_lvts),
        cmocka_unit_test(test_lapic_touches_only_the_lvts_the_version_register_counts),
        cmocka_unit_test(test_lapic_nmi_entry_for_all_makes_lint_nmi_edge_high_masked),
        cmocka_unit_test(test_lapic_nmi_polarity_and_trigger_follow_the_mps_inti_flags),
        cmocka_unit_test(test_lapic_nmi_entry_applies_only_to_its_uid),
        cmocka_unit_test(test_lapic_unknown_uid_gets_only_the_all_processor_entries),
        cmocka_unit_test(test_lapic_later_nmi_entry_wins_and_other_lints_are_ignored),
        cmocka_unit_test(test_lapic_nmi_entry_leaves_lint_with_smi_init_or_reserved_mode_alone),
        cmocka_unit_test(test_lapic_plan_without_madt_masks_and_enables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
