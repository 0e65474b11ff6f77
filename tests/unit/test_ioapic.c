/* Host tests of the I/O APIC helpers against a fake 24-entry I/O APIC (src/core/ioapic.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/ioapic.h"

#define FAKE_ENTRIES 24
#define FAKE_REGS (IOAPIC_REG_REDTBL + 2 * 256)
/* Read-only low-dword bits: Delivery Status (12) and Remote IRR (14). */
#define READ_ONLY_BITS ((1u << 12) | (1u << 14))
#define VERSION_VALUE(entries) ((uint32_t)((entries) - 1) << IOAPIC_VERSION_MAX_ENTRY_SHIFT | 0x20u)

/* A fake I/O APIC: register file, how many entries it decodes, and a write log. */
struct fake_ioapic {
    uint32_t regs[FAKE_REGS];
    unsigned entries;
    unsigned writes;
    uint32_t written[FAKE_REGS]; /* how often each register was written */
};

static struct fake_ioapic fake;

/* True when reg is the version register or a register of one of the decoded entries. */
static int decoded(const struct fake_ioapic *f, uint32_t reg)
{
    return reg == IOAPIC_REG_VERSION
        || (reg >= IOAPIC_REG_REDTBL && reg < IOAPIC_REG_REDTBL + 2 * f->entries);
}

static uint32_t fake_read(void *ctx, uint32_t reg)
{
    struct fake_ioapic *f = ctx;

    if (!decoded(f, reg))
        fail_msg("read of register 0x%x, which this I/O APIC does not have", reg);
    return f->regs[reg];
}

/* Writes only land on redirection low dwords; read-only bits keep their value. */
static void fake_write(void *ctx, uint32_t reg, uint32_t value)
{
    struct fake_ioapic *f = ctx;

    if (!decoded(f, reg) || reg == IOAPIC_REG_VERSION || (reg - IOAPIC_REG_REDTBL) % 2 != 0)
        fail_msg("write of 0x%x to register 0x%x, not a redirection low dword", value, reg);
    f->regs[reg] = (value & ~READ_ONLY_BITS) | (f->regs[reg] & READ_ONLY_BITS);
    f->writes++;
    f->written[reg]++;
}

static const struct ioapic_regs fake_io = { fake_read, fake_write, &fake };

static uint32_t low(unsigned n) { return fake.regs[ioapic_redir_low(n)]; }
static uint32_t high(unsigned n) { return fake.regs[ioapic_redir_low(n) + 1]; }

static uint32_t entry_low(uint32_t mode, uint32_t vector, bool masked)
{
    return mode << IOAPIC_REDIR_DELIVERY_SHIFT | vector | (masked ? IOAPIC_REDIR_MASKED : 0);
}

/* 24 entries, mode by n % 8 (fixed, lowest, SMI, reserved 3, NMI, INIT, reserved 6, ExtINT),
 * vector 0x30 + n, destination n in the high dword, entries 16..23 already masked; entry 1 with
 * its Remote IRR set and entry 8 with Delivery Status set. */
static void fake_init(void)
{
    unsigned n;

    memset(&fake, 0, sizeof fake);
    fake.entries = FAKE_ENTRIES;
    fake.regs[IOAPIC_REG_VERSION] = VERSION_VALUE(FAKE_ENTRIES);
    for (n = 0; n < FAKE_ENTRIES; n++) {
        fake.regs[ioapic_redir_low(n)] = entry_low(n % 8, 0x30 + n, n >= 16);
        fake.regs[ioapic_redir_low(n) + 1] = n << 24;
    }
    fake.regs[ioapic_redir_low(1)] |= 1u << 14;
    fake.regs[ioapic_redir_low(8)] |= 1u << 12;
}

static void test_ioapic_reads_entry_count_from_version_register(void **state)
{
    (void)state;
    fake_init();
    assert_int_equal(ioapic_entry_count(&fake_io), FAKE_ENTRIES);
    fake.regs[IOAPIC_REG_VERSION] = VERSION_VALUE(240);
    assert_int_equal(ioapic_entry_count(&fake_io), 240);
    fake.regs[IOAPIC_REG_VERSION] = 0xff000011u; /* bits 24-31 are reserved, not part of it */
    assert_int_equal(ioapic_entry_count(&fake_io), 1);
}

static void test_ioapic_masks_fixed_and_lowest_priority_entries_only(void **state)
{
    unsigned n;
    (void)state;
    fake_init();
    /* Entries 0, 1, 8, 9 are fixed or lowest and unmasked; 16, 17 are already masked. */
    assert_int_equal(ioapic_mask_entries(&fake_io, false), 4);
    for (n = 0; n < FAKE_ENTRIES; n++) {
        uint32_t mode = n % 8;
        bool want_masked = mode <= IOAPIC_DELIVERY_LOWEST || n >= 16;
        assert_int_equal((low(n) & IOAPIC_REDIR_MASKED) != 0, want_masked);
    }
}

static void test_ioapic_leaves_nmi_smi_init_extint_entries_alone(void **state)
{
    unsigned n;
    (void)state;
    fake_init();
    ioapic_mask_entries(&fake_io, false);
    for (n = 0; n < 16; n++) {
        if (n % 8 <= IOAPIC_DELIVERY_LOWEST)
            continue;
        assert_int_equal(fake.written[ioapic_redir_low(n)], 0);
        assert_int_equal(low(n), entry_low(n % 8, 0x30 + n, false));
    }
}

/* Base revision 5: "entries with NMI (0b100) or ExtINT (0b111) delivery mode are also masked"; SMI,
 * INIT and the reserved modes still are not, and the rest of each entry is kept. */
static void test_ioapic_revision_5_masks_nmi_and_extint_too(void **state)
{
    unsigned n;
    (void)state;
    fake_init();
    /* unmasked (n < 16): fixed 0/8, lowest 1/9, NMI 4/12, ExtINT 7/15 */
    assert_int_equal(ioapic_mask_entries(&fake_io, true), 8);
    for (n = 0; n < FAKE_ENTRIES; n++) {
        uint32_t mode = n % 8;
        bool chosen = mode <= IOAPIC_DELIVERY_LOWEST || mode == IOAPIC_DELIVERY_NMI || mode == IOAPIC_DELIVERY_EXTINT;
        assert_int_equal((low(n) & IOAPIC_REDIR_MASKED) != 0, chosen || n >= 16);
        if (n < 16 && !chosen)
            assert_int_equal(fake.written[ioapic_redir_low(n)], 0);
    }
    assert_int_equal(low(12), entry_low(IOAPIC_DELIVERY_NMI, 0x30 + 12, true));
    assert_int_equal(high(15), 15u << 24);
}

static void test_ioapic_does_not_count_or_rewrite_already_masked_entries(void **state)
{
    (void)state;
    fake_init();
    assert_int_equal(ioapic_mask_entries(&fake_io, false), 4);
    assert_int_equal(fake.written[ioapic_redir_low(16)], 0);
    assert_int_equal(fake.written[ioapic_redir_low(17)], 0);
    assert_int_equal(fake.writes, 4);
    /* A second pass finds nothing left to mask. */
    assert_int_equal(ioapic_mask_entries(&fake_io, false), 0);
    assert_int_equal(fake.writes, 4);
}

static void test_ioapic_keeps_vector_and_other_bits_and_high_dword(void **state)
{
    unsigned n;
    (void)state;
    fake_init();
    ioapic_mask_entries(&fake_io, false);
    for (n = 0; n < FAKE_ENTRIES; n++) {
        assert_int_equal(low(n) & IOAPIC_REDIR_VECTOR_MASK, 0x30 + n);
        assert_int_equal((low(n) >> IOAPIC_REDIR_DELIVERY_SHIFT) & IOAPIC_REDIR_DELIVERY_MASK,
                         n % 8);
        assert_int_equal(high(n), n << 24);
        assert_int_equal(fake.written[ioapic_redir_low(n) + 1], 0);
    }
    assert_int_equal(low(1) & (1u << 14), 1u << 14);
    assert_int_equal(low(8) & (1u << 12), 1u << 12);
    /* Level-triggered active-low entry: trigger (15) and polarity (13) bits survive masking. */
    fake.regs[ioapic_redir_low(0)] = entry_low(IOAPIC_DELIVERY_FIXED, 0x41, false)
                                   | 1u << 15 | 1u << 13;
    ioapic_mask_entries(&fake_io, false);
    assert_int_equal(low(0), entry_low(IOAPIC_DELIVERY_FIXED, 0x41, true) | 1u << 15 | 1u << 13);
}

static void test_ioapic_touches_only_the_entries_it_has(void **state)
{
    unsigned n;
    (void)state;
    fake_init();
    fake.entries = 3; /* the fake fails the test on any access past entry 2 */
    fake.regs[IOAPIC_REG_VERSION] = VERSION_VALUE(3);
    assert_int_equal(ioapic_mask_entries(&fake_io, false), 2);
    for (n = 3; n < FAKE_ENTRIES; n++)
        assert_int_equal(low(n) & IOAPIC_REDIR_MASKED, n >= 16 ? IOAPIC_REDIR_MASKED : 0);
}

static void test_ioapic_leaves_absent_ioapic_alone(void **state)
{
    (void)state;
    fake_init();
    fake.entries = 0; /* nothing decodes: any redirection access fails the test */
    fake.regs[IOAPIC_REG_VERSION] = 0xffffffffu;
    assert_int_equal(ioapic_entry_count(&fake_io), 0);
    assert_int_equal(ioapic_mask_entries(&fake_io, false), 0);
    assert_int_equal(fake.writes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ioapic_reads_entry_count_from_version_register),
        cmocka_unit_test(test_ioapic_masks_fixed_and_lowest_priority_entries_only),
        cmocka_unit_test(test_ioapic_leaves_nmi_smi_init_extint_entries_alone),
        cmocka_unit_test(test_ioapic_revision_5_masks_nmi_and_extint_too),
        cmocka_unit_test(test_ioapic_does_not_count_or_rewrite_already_masked_entries),
        cmocka_unit_test(test_ioapic_keeps_vector_and_other_bits_and_high_dword),
        cmocka_unit_test(test_ioapic_touches_only_the_entries_it_has),
        cmocka_unit_test(test_ioapic_leaves_absent_ioapic_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
