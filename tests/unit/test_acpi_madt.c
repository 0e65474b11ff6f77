/* Host tests of acpi_parse_madt: every entry type ember reads, the caps, and every entry rule. */
#include <stdio.h>

#include "acpi_fixtures.h"

static struct madt_info info;

static enum acpi_error parse(uint64_t addr, struct acpi_diag *d)
{
    return acpi_parse_madt(&fake_io, addr, table_length(addr), &info, d);
}

static void expect_parsed(uint64_t addr)
{
    struct acpi_diag d;

    assert_int_equal(parse(addr, &d), ACPI_OK);
    assert_int_equal(d.code, ACPI_OK);
    assert_string_equal(d.message, "");
}

static void expect_parse_error(uint64_t addr, enum acpi_error code, const char *needle)
{
    struct acpi_diag d;

    assert_int_equal(parse(addr, &d), code);
    assert_diag(&d, code, needle);
}

static void assert_cpu(const struct madt_cpu *c, uint8_t source, uint32_t apic_id, uint32_t uid,
                       bool enabled, bool online_capable)
{
    assert_int_equal(c->source, source);
    assert_int_equal(c->apic_id, apic_id);
    assert_int_equal(c->acpi_uid, uid);
    assert_int_equal(c->enabled, enabled);
    assert_int_equal(c->online_capable, online_capable);
}

/* An MADT at SPARE_ADDR with no entries yet. */
static void begin_spare(struct madt_builder *b)
{
    memset(&mem, GARBAGE, sizeof mem);
    madt_begin(b, SPARE_ADDR, STD_LAPIC_ADDRESS, 0);
}

/* --- what the MADT says -------------------------------------------------------------------- */

static void test_madt_reads_every_entry_type_of_the_standard_table(void **state)
{
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_std_madt(MADT_ADDR, true);
    expect_parsed(MADT_ADDR);
    assert_int_equal(info.flags, MADT_FLAG_PCAT_COMPAT);
    assert_int_equal(info.cpu_count, 6);
    assert_cpu(&info.cpus[0], MADT_TYPE_LOCAL_APIC, 0, 0, true, false);
    assert_cpu(&info.cpus[1], MADT_TYPE_LOCAL_APIC, 1, 1, true, false);
    assert_cpu(&info.cpus[2], MADT_TYPE_LOCAL_APIC, 2, 2, false, false);
    assert_cpu(&info.cpus[3], MADT_TYPE_LOCAL_APIC, 3, 3, false, true);
    assert_cpu(&info.cpus[4], MADT_TYPE_LOCAL_X2APIC, 0x100, 0x104, true, false);
    assert_cpu(&info.cpus[5], MADT_TYPE_LOCAL_X2APIC, 0x101, 0x105, false, true);
    assert_int_equal(info.cpus[3].flags, MADT_CPU_ONLINE_CAPABLE);
    assert_int_equal(info.ioapic_count, 1);
    assert_int_equal(info.ioapics[0].id, 8);
    assert_int_equal(info.ioapics[0].address, 0xfec00000u);
    assert_int_equal(info.ioapics[0].gsi_base, 0);
    assert_int_equal(info.override_count, 2);
    assert_int_equal(info.overrides[0].bus, 0);
    assert_int_equal(info.overrides[0].source, 0);
    assert_int_equal(info.overrides[0].gsi, 2);
    assert_int_equal(info.overrides[0].flags, 0);
    assert_int_equal(info.overrides[1].source, 9);
    assert_int_equal(info.overrides[1].gsi, 9);
    assert_int_equal(info.overrides[1].flags, 0xd);
    assert_true(info.lapic_address_overridden);
    assert_int_equal(info.lapic_address, OVERRIDE_LAPIC_ADDRESS);
    assert_int_equal(info.cpu_overflow + info.ioapic_overflow + info.override_overflow, 0);
}

static void test_madt_cpu_is_startable_when_enabled_or_online_capable(void **state)
{
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_std_madt(MADT_ADDR, false);
    expect_parsed(MADT_ADDR);
    assert_true(madt_cpu_startable(&info.cpus[0]));
    assert_false(madt_cpu_startable(&info.cpus[2]));
    assert_true(madt_cpu_startable(&info.cpus[3]));
    assert_true(madt_cpu_startable(&info.cpus[5]));
}

static void test_madt_ignores_online_capable_bit_of_enabled_cpu(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_lapic(&b, 7, 9, MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE); /* reserved when enabled */
    madt_x2apic(&b, 0x200, MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE, 0x300);
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_cpu(&info.cpus[0], MADT_TYPE_LOCAL_APIC, 9, 7, true, false);
    assert_cpu(&info.cpus[1], MADT_TYPE_LOCAL_X2APIC, 0x200, 0x300, true, false);
    assert_int_equal(info.cpus[0].flags, MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE);
}

static void test_madt_keeps_32bit_lapic_address_without_override(void **state)
{
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_std_madt(MADT_ADDR, false);
    expect_parsed(MADT_ADDR);
    assert_false(info.lapic_address_overridden);
    assert_int_equal(info.lapic_address, STD_LAPIC_ADDRESS);
}

static void test_madt_address_override_replaces_32bit_lapic_address(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_lapic_override(&b, 0xfffffffe00000000ULL); /* before any CPU: order does not matter */
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_true(info.lapic_address_overridden);
    assert_int_equal(info.lapic_address, 0xfffffffe00000000ULL);
}

static void test_madt_rejects_second_address_override(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_lapic_override(&b, OVERRIDE_LAPIC_ADDRESS);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_lapic_override(&b, OVERRIDE_LAPIC_ADDRESS);
    madt_end(&b);
    expect_parse_error(SPARE_ADDR, ACPI_ERR_DUPLICATE_LAPIC_OVERRIDE, "entry at offset 64");
}

static void test_madt_skips_unknown_entry_types_by_length(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_entry(&b, 3, 8);     /* NMI Source */
    madt_entry(&b, 0xb, 82);  /* GIC CPU interface */
    madt_entry(&b, 0x7f, 2);  /* an empty reserved type */
    madt_entry(&b, 0xff, 200);
    madt_lapic(&b, 5, 6, MADT_CPU_ENABLED);
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_int_equal(info.cpu_count, 1);
    assert_cpu(&info.cpus[0], MADT_TYPE_LOCAL_APIC, 6, 5, true, false);
    assert_int_equal(info.ioapic_count + info.override_count, 0);
}

static void test_madt_accepts_table_without_entries(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_int_equal(info.cpu_count + info.ioapic_count + info.override_count, 0);
    assert_int_equal(info.lapic_address, STD_LAPIC_ADDRESS);
}

static void test_madt_counts_cpus_beyond_cap(void **state)
{
    struct madt_builder b;
    unsigned i;
    (void)state;
    begin_spare(&b);
    for (i = 0; i < MADT_MAX_CPUS + 5; i++) {
        if (i % 2)
            madt_x2apic(&b, i, MADT_CPU_ENABLED, i);
        else
            madt_lapic(&b, (uint8_t)i, (uint8_t)i, MADT_CPU_ENABLED);
    }
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_int_equal(info.cpu_count, MADT_MAX_CPUS);
    assert_int_equal(info.cpu_overflow, 5);
    assert_cpu(&info.cpus[MADT_MAX_CPUS - 1], MADT_TYPE_LOCAL_X2APIC, MADT_MAX_CPUS - 1,
               MADT_MAX_CPUS - 1, true, false);
}

static void test_madt_counts_ioapics_and_overrides_beyond_cap(void **state)
{
    struct madt_builder b;
    unsigned i;
    (void)state;
    begin_spare(&b);
    for (i = 0; i < MADT_MAX_IOAPICS + 2; i++)
        madt_ioapic(&b, (uint8_t)i, 0xfec00000u + i * 0x1000, i * 24);
    for (i = 0; i < MADT_MAX_OVERRIDES + 3; i++)
        madt_iso(&b, 0, (uint8_t)i, i + 100, 0);
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_int_equal(info.ioapic_count, MADT_MAX_IOAPICS);
    assert_int_equal(info.ioapic_overflow, 2);
    assert_int_equal(info.ioapics[MADT_MAX_IOAPICS - 1].gsi_base, (MADT_MAX_IOAPICS - 1) * 24);
    assert_int_equal(info.override_count, MADT_MAX_OVERRIDES);
    assert_int_equal(info.override_overflow, 3);
    assert_int_equal(info.overrides[MADT_MAX_OVERRIDES - 1].gsi, MADT_MAX_OVERRIDES - 1 + 100);
}

static void test_madt_resets_results_of_an_earlier_parse(void **state)
{
    struct madt_builder b;
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_std_madt(MADT_ADDR, true);
    expect_parsed(MADT_ADDR);
    madt_begin(&b, SPARE_ADDR, 0xfee10000u, 0);
    madt_lapic(&b, 0, 4, MADT_CPU_ENABLED);
    madt_end(&b);
    expect_parsed(SPARE_ADDR);
    assert_int_equal(info.cpu_count, 1);
    assert_int_equal(info.ioapic_count + info.override_count, 0);
    assert_false(info.lapic_address_overridden);
    assert_int_equal(info.lapic_address, 0xfee10000u);
    assert_int_equal(info.flags, 0);
}

static void test_madt_parses_table_found_by_acpi_find_table(void **state)
{
    uint8_t rev[] = { 0, 2 };
    uint64_t table;
    uint32_t len;
    unsigned i;
    (void)state;
    for (i = 0; i < ARRAY_LEN(rev); i++) {
        platform_init(rev[i]);
        assert_int_equal(acpi_find_table(&fake_io, RSDP_ADDR, "APIC", &table, &len, NULL),
                         ACPI_OK);
        assert_int_equal(acpi_parse_madt(&fake_io, table, len, &info, NULL), ACPI_OK);
        assert_int_equal(info.cpu_count, 6);
    }
}

/* --- the table ------------------------------------------------------------------------------- */

static void test_madt_rejects_bad_checksum(void **state)
{
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_std_madt(MADT_ADDR, false);
    put_le(MADT_ADDR + 44 + 3, 7, 1); /* APIC ID of the first CPU */
    expect_parse_error(MADT_ADDR, ACPI_ERR_TABLE_CHECKSUM, "MADT 'APIC' at 0x7f01000");
}

static void test_madt_rejects_wrong_signature(void **state)
{
    (void)state;
    platform_init(2);
    expect_parse_error(FACP_ADDR, ACPI_ERR_MADT_SIGNATURE,
                       "MADT at 0x7f00300 has signature 'FACP', want 'APIC'");
}

static void test_madt_rejects_length_that_disagrees_with_caller(void **state)
{
    struct acpi_diag d;
    uint32_t len;
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    len = put_std_madt(MADT_ADDR, false);
    assert_int_equal(acpi_parse_madt(&fake_io, MADT_ADDR, len - 8, &info, &d),
                     ACPI_ERR_MADT_LENGTH);
    assert_diag(&d, ACPI_ERR_MADT_LENGTH, "has length 140, want 132");
}

static void test_madt_rejects_table_shorter_than_fixed_fields(void **state)
{
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_table(SPARE_ADDR, "APIC", MADT_HEADER_BYTES - 4); /* no Flags field */
    expect_parse_error(SPARE_ADDR, ACPI_ERR_MADT_LENGTH, "has length 40, want 40 and at least 44");
}

static void test_madt_rejects_table_past_mapped_memory(void **state)
{
    struct madt_builder b;
    uint64_t addr = PHYS_BASE + LOW_SIZE - 64;
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    madt_begin(&b, addr, STD_LAPIC_ADDRESS, 0);
    put_le(addr + SDT_LENGTH_OFF, 100, 4);
    expect_parse_error(addr, ACPI_ERR_UNMAPPED, "cannot read MADT at 0x7f0ffc0 (100 bytes)");
}

/* --- entries --------------------------------------------------------------------------------- */

static void test_madt_rejects_entry_shorter_than_two_bytes(void **state)
{
    struct madt_builder b;
    uint8_t len;
    (void)state;
    for (len = 0; len < 2; len++) {
        begin_spare(&b);
        madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
        madt_entry(&b, 0x80, len);
        b.len += 2 - len; /* keep the (too short) entry's 2-byte header inside the table */
        madt_end(&b);
        expect_parse_error(SPARE_ADDR, ACPI_ERR_ENTRY_TOO_SHORT, "entry at offset 52 (type 128)");
    }
}

static void test_madt_rejects_entry_running_past_table_end(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_x2apic(&b, 1, MADT_CPU_ENABLED, 1);
    b.len -= 1; /* the x2APIC entry's last byte falls outside the table */
    madt_end(&b);
    expect_parse_error(SPARE_ADDR, ACPI_ERR_ENTRY_PAST_END,
                       "(67 bytes): entry at offset 52 (type 9, length 16) runs past the end");
}

static void test_madt_rejects_lone_byte_after_last_entry(void **state)
{
    struct madt_builder b;
    (void)state;
    begin_spare(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    b.len += 1;
    put_le(SPARE_ADDR + 52, MADT_TYPE_LOCAL_APIC, 1);
    madt_end(&b);
    expect_parse_error(SPARE_ADDR, ACPI_ERR_ENTRY_PAST_END,
                       "entry at offset 52 needs a 2-byte header, 1 bytes left");
}

static void test_madt_rejects_wrong_length_for_each_known_type(void **state)
{
    static const struct { uint8_t type, length; const char *name; } kinds[] = {
        { MADT_TYPE_LOCAL_APIC, 8, "Processor Local APIC" },
        { MADT_TYPE_IO_APIC, 12, "I/O APIC" },
        { MADT_TYPE_SOURCE_OVERRIDE, 10, "Interrupt Source Override" },
        { MADT_TYPE_LAPIC_ADDRESS_OVERRIDE, 12, "Local APIC Address Override" },
        { MADT_TYPE_LOCAL_X2APIC, 16, "Processor Local x2APIC" },
        { MADT_TYPE_LAPIC_NMI, 6, "Local APIC NMI" },
        { MADT_TYPE_X2APIC_NMI, 12, "Local x2APIC NMI" },
    };
    struct madt_builder b;
    char want[96];
    unsigned i, delta;
    (void)state;
    for (i = 0; i < ARRAY_LEN(kinds); i++) {
        for (delta = 0; delta < 2; delta++) {
            uint8_t len = (uint8_t)(delta ? kinds[i].length + 1 : kinds[i].length - 1);
            begin_spare(&b);
            madt_entry(&b, kinds[i].type, len);
            madt_end(&b);
            snprintf(want, sizeof want, "entry at offset 44 (type %u, %s) has length %u, want %u",
                     kinds[i].type, kinds[i].name, len, kinds[i].length);
            expect_parse_error(SPARE_ADDR, ACPI_ERR_ENTRY_BAD_LENGTH, want);
        }
    }
}

static void test_madt_records_entry_address_in_diag(void **state)
{
    struct madt_builder b;
    struct acpi_diag d;
    (void)state;
    begin_spare(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_entry(&b, MADT_TYPE_IO_APIC, 8);
    madt_end(&b);
    assert_int_equal(parse(SPARE_ADDR, &d), ACPI_ERR_ENTRY_BAD_LENGTH);
    assert_int_equal(d.address, SPARE_ADDR + 52);
}

static void test_madt_accepts_null_diag(void **state)
{
    struct madt_builder b;
    (void)state;
    memset(&mem, GARBAGE, sizeof mem);
    put_std_madt(MADT_ADDR, false);
    assert_int_equal(parse(MADT_ADDR, NULL), ACPI_OK);
    begin_spare(&b);
    madt_entry(&b, MADT_TYPE_LOCAL_APIC, 0);
    b.len += 2;
    madt_end(&b);
    assert_int_equal(parse(SPARE_ADDR, NULL), ACPI_ERR_ENTRY_TOO_SHORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_madt_reads_every_entry_type_of_the_standard_table),
        cmocka_unit_test(test_madt_cpu_is_startable_when_enabled_or_online_capable),
        cmocka_unit_test(test_madt_ignores_online_capable_bit_of_enabled_cpu),
        cmocka_unit_test(test_madt_keeps_32bit_lapic_address_without_override),
        cmocka_unit_test(test_madt_address_override_replaces_32bit_lapic_address),
        cmocka_unit_test(test_madt_rejects_second_address_override),
        cmocka_unit_test(test_madt_skips_unknown_entry_types_by_length),
        cmocka_unit_test(test_madt_accepts_table_without_entries),
        cmocka_unit_test(test_madt_counts_cpus_beyond_cap),
        cmocka_unit_test(test_madt_counts_ioapics_and_overrides_beyond_cap),
        cmocka_unit_test(test_madt_resets_results_of_an_earlier_parse),
        cmocka_unit_test(test_madt_parses_table_found_by_acpi_find_table),
        cmocka_unit_test(test_madt_rejects_bad_checksum),
        cmocka_unit_test(test_madt_rejects_wrong_signature),
        cmocka_unit_test(test_madt_rejects_length_that_disagrees_with_caller),
        cmocka_unit_test(test_madt_rejects_table_shorter_than_fixed_fields),
        cmocka_unit_test(test_madt_rejects_table_past_mapped_memory),
        cmocka_unit_test(test_madt_rejects_entry_shorter_than_two_bytes),
        cmocka_unit_test(test_madt_rejects_entry_running_past_table_end),
        cmocka_unit_test(test_madt_rejects_lone_byte_after_last_entry),
        cmocka_unit_test(test_madt_rejects_wrong_length_for_each_known_type),
        cmocka_unit_test(test_madt_records_entry_address_in_diag),
        cmocka_unit_test(test_madt_accepts_null_diag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
