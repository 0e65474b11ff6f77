/* Host tests of IOMMU discovery (DMAR, IVRS) and the VT-d / AMD-Vi disable sequences (src/core/iommu.c). */
#include "acpi_fixtures.h"
#include "core/iommu.h"

#define BODY 48                       /* header + the 12 table-specific bytes */
#define VTD_BASE 0xfed90000ull
#define AMD_BASE 0xfeb80000ull
#define RTPS (1u << 30)               /* a one-shot status bit: must never come back as a command */
#define QIES (1u << 26)

static struct iommu_list list;

/* A DMAR or IVRS at SPARE_ADDR with no structures yet; returns the offset of the first. */
static uint32_t begin(const char *sig)
{
    memset(&mem, GARBAGE, sizeof mem);
    memset(&list, 0, sizeof list);
    put_header(SPARE_ADDR, sig, BODY);
    memset(at(SPARE_ADDR + 36, 12), 0, 12);
    return BODY;
}

/* Appends a structure (DMAR: u16 type; IVRS: u8 type, u8 flags) of len bytes, base at +8 when
 * len allows; returns the next offset. */
static uint32_t put_struct(uint32_t off, bool dmar, uint16_t type, uint16_t len, uint64_t base)
{
    memset(at(SPARE_ADDR + off, len), 0, len);
    put_le(SPARE_ADDR + off, type, dmar ? 2 : 1);
    put_le(SPARE_ADDR + off + 2, len, 2);
    if (len >= 16)
        put_le(SPARE_ADDR + off + 8, base, 8);
    return off + len;
}

static uint32_t end(uint32_t len)
{
    put_le(SPARE_ADDR + SDT_LENGTH_OFF, len, 4);
    fix_table(SPARE_ADDR);
    return len;
}

static enum acpi_error parse(uint32_t len, enum iommu_kind kind, struct acpi_diag *d)
{
    return iommu_parse(&fake_io, SPARE_ADDR, len, kind, &list, d);
}

static void test_iommu_dmar_lists_each_drhd_and_skips_other_structures(void **state)
{
    uint32_t off = begin("DMAR");
    (void)state;
    off = put_struct(off, true, 0, 24, VTD_BASE);          /* DRHD with one device scope */
    off = put_struct(off, true, 1, 32, 0x7f000000);        /* RMRR: not a unit */
    off = put_struct(off, true, 0, 16, VTD_BASE + 0x1000);
    off = put_struct(off, true, 2, 8, 0);                  /* ATSR */
    assert_int_equal(parse(end(off), IOMMU_VTD, NULL), ACPI_OK);
    assert_int_equal(list.count, 2);
    assert_int_equal(list.units[0].base, VTD_BASE);
    assert_int_equal(list.units[0].kind, IOMMU_VTD);
    assert_int_equal(list.units[1].base, VTD_BASE + 0x1000);
}

static void test_iommu_ivrs_lists_ivhd_types_once_per_base_and_skips_ivmd(void **state)
{
    uint32_t off = begin("IVRS");
    (void)state;
    off = put_struct(off, false, 0x10, 24, AMD_BASE);
    off = put_struct(off, false, 0x11, 40, AMD_BASE);      /* the same IOMMU, newer block */
    off = put_struct(off, false, 0x20, 32, 0x7f000000);    /* IVMD: memory, not a unit */
    off = put_struct(off, false, 0x40, 40, AMD_BASE + 0x4000);
    assert_int_equal(parse(end(off), IOMMU_AMDVI, NULL), ACPI_OK);
    assert_int_equal(list.count, 2);
    assert_int_equal(list.units[0].base, AMD_BASE);
    assert_int_equal(list.units[1].base, AMD_BASE + 0x4000);
    assert_int_equal(list.units[1].kind, IOMMU_AMDVI);
}

static void test_iommu_counts_units_past_the_cap(void **state)
{
    uint32_t off = begin("DMAR");
    (void)state;
    for (unsigned i = 0; i < IOMMU_MAX_UNITS + 2; i++)
        off = put_struct(off, true, 0, 16, VTD_BASE + i * 0x1000ull);
    assert_int_equal(parse(end(off), IOMMU_VTD, NULL), ACPI_OK);
    assert_int_equal(list.count, IOMMU_MAX_UNITS);
    assert_int_equal(list.overflow, 2);
}

static void test_iommu_rejects_table_shorter_than_its_fixed_fields(void **state)
{
    struct acpi_diag d;
    (void)state;
    begin("DMAR");
    assert_int_equal(parse(end(40), IOMMU_VTD, &d), ACPI_ERR_IOMMU_ENTRY);
    assert_diag(&d, ACPI_ERR_IOMMU_ENTRY, "DMAR at offset 48: length 0 of 40");
}

static void test_iommu_rejects_bad_structures_and_adds_nothing(void **state)
{
    static const struct { uint16_t type, len; uint32_t extra; const char *needle; } cases[] = {
        { 0, 2, 0, "DMAR at offset 72: length 2 of 80" },     /* Length < 4: would loop forever */
        { 0, 64, 0, "DMAR at offset 72: length 64 of 96" },  /* past the end */
        { 0, 12, 0, "DMAR at offset 72: length 12 of 84" },  /* a DRHD too short for its base */
        { 0, 0, 2, "DMAR at offset 72: length 0 of 74" },     /* 2 stray bytes: no room for a Length */
    };
    struct acpi_diag d;
    (void)state;
    for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
        uint32_t off = put_struct(begin("DMAR"), true, 0, 24, VTD_BASE), len;
        if (cases[i].extra != 0) {
            memset(at(SPARE_ADDR + off, 2), 0, 2);
            len = off + cases[i].extra;
        } else {
            put_struct(off, true, cases[i].type, cases[i].len >= 4 ? cases[i].len : 8, 0);
            put_le(SPARE_ADDR + off + 2, cases[i].len, 2);
            len = off + (cases[i].len == 64 ? 24 : cases[i].len >= 4 ? cases[i].len : 8);
        }
        assert_int_equal(parse(end(len), IOMMU_VTD, &d), ACPI_ERR_IOMMU_ENTRY);
        assert_diag(&d, ACPI_ERR_IOMMU_ENTRY, cases[i].needle);
        assert_int_equal(d.address, SPARE_ADDR + off);
        assert_int_equal(list.count, 0);
    }
}

/* --- the disable sequences against fake registers ------------------------------------------ */

/* One VT-d unit (GCMD/GSTS) and one AMD-Vi unit (Control). GSTS follows a GCMD write after
 * `delay` reads; `stuck` never follows. */
struct fake_units {
    uint32_t gsts, pending;
    unsigned delay, reads, gcmd_writes;
    bool stuck;
    uint64_t amd_control;
    unsigned amd_writes;
};

static struct fake_units hw;

static uint32_t hw_read(void *ctx, uint64_t addr)
{
    (void)ctx;
    if (addr == VTD_BASE + VTD_REG_GSTS) {
        if (hw.delay > 0 && --hw.delay == 0 && !hw.stuck)
            hw.gsts = hw.pending;
        hw.reads++;
        return hw.gsts;
    }
    if (addr == AMD_BASE + AMDVI_REG_CONTROL)
        return (uint32_t)hw.amd_control;
    if (addr == AMD_BASE + AMDVI_REG_CONTROL + 4)
        return (uint32_t)(hw.amd_control >> 32);
    fail_msg("read at 0x%llx", (unsigned long long)addr);
    return 0;
}

/* A GCMD write may change only one persistent control and carry no one-shot command. */
static void hw_write(void *ctx, uint64_t addr, uint32_t value)
{
    uint32_t changed = value ^ (hw.gsts & VTD_PERSISTENT);
    (void)ctx;
    if (addr == VTD_BASE + VTD_REG_GCMD) {
        if (value & ~VTD_PERSISTENT)
            fail_msg("GCMD write 0x%x re-issues a one-shot command", value);
        if (changed & (changed - 1))
            fail_msg("GCMD write 0x%x changes several controls at once", value);
        hw.pending = value | (hw.gsts & ~VTD_PERSISTENT);
        hw.delay = 3;
        hw.gcmd_writes++;
        return;
    }
    if (addr == AMD_BASE + AMDVI_REG_CONTROL) {
        hw.amd_control = (hw.amd_control & ~0xFFFFFFFFull) | value;
        hw.amd_writes++;
        return;
    }
    fail_msg("write of 0x%x at 0x%llx", value, (unsigned long long)addr);
}

static const struct iommu_regs hw_regs = { hw_read, hw_write, &hw };
static const struct iommu_unit vtd = { VTD_BASE, IOMMU_VTD }, amd = { AMD_BASE, IOMMU_AMDVI };

static void test_iommu_vtd_turns_off_translation_then_remapping_keeping_other_controls(void **state)
{
    (void)state;
    memset(&hw, 0, sizeof hw);
    hw.gsts = VTD_TE | VTD_IRE | QIES | RTPS | (1u << 24); /* + IRTPS: one-shot status */
    assert_int_equal(iommu_disable(&hw_regs, &vtd), IOMMU_TURNED_OFF);
    assert_int_equal(hw.gcmd_writes, 2);
    assert_int_equal(hw.gsts & (VTD_TE | VTD_IRE), 0);
    assert_int_equal(hw.gsts & QIES, QIES);
}

static void test_iommu_vtd_already_off_is_not_written(void **state)
{
    (void)state;
    memset(&hw, 0, sizeof hw);
    hw.gsts = QIES | RTPS;
    assert_int_equal(iommu_disable(&hw_regs, &vtd), IOMMU_WAS_OFF);
    assert_int_equal(hw.gcmd_writes, 0);
    hw.gsts = 0xFFFFFFFFu;                 /* nothing answers at the base */
    assert_int_equal(iommu_disable(&hw_regs, &vtd), IOMMU_WAS_OFF);
    assert_int_equal(hw.gcmd_writes, 0);
}

static void test_iommu_vtd_remapping_only_is_turned_off(void **state)
{
    (void)state;
    memset(&hw, 0, sizeof hw);
    hw.gsts = VTD_IRE | QIES;
    assert_int_equal(iommu_disable(&hw_regs, &vtd), IOMMU_TURNED_OFF);
    assert_int_equal(hw.gcmd_writes, 1);
    assert_int_equal(hw.gsts, QIES);
}

static void test_iommu_vtd_that_never_acknowledges_is_reported_stuck_after_a_bounded_poll(void **state)
{
    (void)state;
    memset(&hw, 0, sizeof hw);
    hw.gsts = VTD_TE;
    hw.stuck = true;
    assert_int_equal(iommu_disable(&hw_regs, &vtd), IOMMU_STUCK);
    assert_true(hw.reads <= VTD_POLL_LIMIT + 2);
}

static void test_iommu_amdvi_clears_only_iommu_enable(void **state)
{
    (void)state;
    memset(&hw, 0, sizeof hw);
    hw.amd_control = 0xFFFFFFFFull;          /* nothing answers at the base */
    assert_int_equal(iommu_disable(&hw_regs, &amd), IOMMU_WAS_OFF);
    hw.amd_control = 0x0000000300000F1Dull;
    assert_int_equal(iommu_disable(&hw_regs, &amd), IOMMU_TURNED_OFF);
    assert_int_equal(hw.amd_control, 0x0000000300000F1Cull);
    assert_int_equal(iommu_disable(&hw_regs, &amd), IOMMU_WAS_OFF);
    assert_int_equal(hw.amd_writes, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iommu_dmar_lists_each_drhd_and_skips_other_structures),
        cmocka_unit_test(test_iommu_ivrs_lists_ivhd_types_once_per_base_and_skips_ivmd),
        cmocka_unit_test(test_iommu_counts_units_past_the_cap),
        cmocka_unit_test(test_iommu_rejects_table_shorter_than_its_fixed_fields),
        cmocka_unit_test(test_iommu_rejects_bad_structures_and_adds_nothing),
        cmocka_unit_test(test_iommu_vtd_turns_off_translation_then_remapping_keeping_other_controls),
        cmocka_unit_test(test_iommu_vtd_already_off_is_not_written),
        cmocka_unit_test(test_iommu_vtd_remapping_only_is_turned_off),
        cmocka_unit_test(test_iommu_vtd_that_never_acknowledges_is_reported_stuck_after_a_bounded_poll),
        cmocka_unit_test(test_iommu_amdvi_clears_only_iommu_enable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
