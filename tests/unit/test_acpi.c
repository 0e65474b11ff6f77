/* Host tests of acpi_find_table: RSDP checks, XSDT/RSDT walks and every table-header rule (src/core/acpi.c). */
#include "acpi_fixtures.h"

static enum acpi_error find(const char *sig, uint64_t *table, uint32_t *len, struct acpi_diag *d)
{
    return acpi_find_table(&fake_io, RSDP_ADDR, sig, table, len, d);
}

/* The lookup fails with code and a message containing needle; *table and *len stay untouched. */
static void expect_find_error(const char *sig, enum acpi_error code, const char *needle)
{
    uint64_t table = 0x1234;
    uint32_t len = 0x5678;
    struct acpi_diag d;

    assert_int_equal(find(sig, &table, &len, &d), code);
    assert_diag(&d, code, needle);
    assert_int_equal(table, 0x1234);
    assert_int_equal(len, 0x5678);
}

static void expect_found(const char *sig, uint64_t want_table, uint32_t want_len)
{
    uint64_t table = 0;
    uint32_t len = 0;
    struct acpi_diag d;

    assert_int_equal(find(sig, &table, &len, &d), ACPI_OK);
    assert_int_equal(d.code, ACPI_OK);
    assert_string_equal(d.message, "");
    assert_int_equal(table, want_table);
    assert_int_equal(len, want_len);
}

/* --- finding tables -------------------------------------------------------------------------- */

static void test_acpi_finds_madt_through_xsdt_of_revision_2_rsdp(void **state)
{
    (void)state;
    platform_init(2);
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
    expect_found("HPET", HPET_ADDR, HPET_LENGTH);
    assert_int_equal(mem.refused, 0);
}

static void test_acpi_finds_madt_through_rsdt_of_revision_0_rsdp(void **state)
{
    (void)state;
    platform_init(0);
    /* The RSDT lists no HPET, so finding it proves the walk went through the RSDT. */
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
    expect_find_error("HPET", ACPI_ERR_NOT_FOUND, "'HPET'");
}

static void test_acpi_ignores_revision_2_fields_of_revision_0_rsdp(void **state)
{
    (void)state;
    platform_init(0);
    put_le(RSDP_ADDR + 20, 0xffffffff, 4); /* Length and XsdtAddress: garbage in ACPI 1.0 */
    put_le(RSDP_ADDR + 24, 0xdeadbeefULL, 8);
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
}

static void test_acpi_uses_rsdt_when_revision_2_rsdp_has_no_xsdt(void **state)
{
    (void)state;
    platform_init(2);
    put_rsdp(RSDP_ADDR, 2, (uint32_t)RSDT_ADDR, 0);
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
    expect_find_error("HPET", ACPI_ERR_NOT_FOUND, "RSDT");
}

static void test_acpi_prefers_xsdt_over_rsdt(void **state)
{
    const uint64_t rsdt_entries[] = { SPARE_ADDR };
    (void)state;
    platform_init(2);
    put_table(SPARE_ADDR, "APIC", 48); /* a decoy only the RSDT lists */
    put_root(RSDT_ADDR, 4, rsdt_entries, 1);
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
}

static void test_acpi_returns_first_of_two_tables_with_the_signature(void **state)
{
    const uint64_t entries[] = { FACP_ADDR, SPARE_ADDR, MADT_ADDR };
    (void)state;
    platform_init(2);
    put_table(SPARE_ADDR, "APIC", 60);
    put_root(XSDT_ADDR, 8, entries, 3);
    expect_found("APIC", SPARE_ADDR, 60);
}

static void test_acpi_skips_null_root_entries(void **state)
{
    const uint64_t entries[] = { 0, FACP_ADDR, 0, MADT_ADDR };
    (void)state;
    platform_init(2);
    put_root(XSDT_ADDR, 8, entries, 4);
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
    assert_int_equal(mem.refused, 0);
}

static void test_acpi_reads_xsdt_entries_above_4g(void **state)
{
    const uint64_t entries[] = { FACP_ADDR, HIGH_BASE + 0x100 };
    (void)state;
    platform_init(2);
    put_table(HIGH_BASE + 0x100, "SSDT", 40);
    put_root(XSDT_ADDR, 8, entries, 2);
    expect_found("SSDT", HIGH_BASE + 0x100, 40);
}

static void test_acpi_accepts_table_ending_at_top_of_address_space(void **state)
{
    const uint64_t entries[] = { 0ULL - 40 };
    (void)state;
    platform_init(2);
    put_table(0ULL - 40, "SSDT", 40);
    put_root(XSDT_ADDR, 8, entries, 1);
    expect_found("SSDT", 0ULL - 40, 40);
}

static void test_acpi_reports_missing_madt(void **state)
{
    const uint64_t entries[] = { FACP_ADDR, HPET_ADDR };
    (void)state;
    platform_init(2);
    put_root(XSDT_ADDR, 8, entries, 2);
    expect_find_error("APIC", ACPI_ERR_NOT_FOUND, "no 'APIC' table among the 2 entries of the "
                      "XSDT at 0x7f00100");
}

static void test_acpi_reports_missing_table_in_empty_xsdt(void **state)
{
    (void)state;
    platform_init(2);
    put_root(XSDT_ADDR, 8, NULL, 0);
    expect_find_error("APIC", ACPI_ERR_NOT_FOUND, "among the 0 entries");
}

/* --- the RSDP -------------------------------------------------------------------------------- */

static void test_acpi_rejects_bad_rsdp_signature(void **state)
{
    (void)state;
    platform_init(2);
    memcpy(at(RSDP_ADDR, 8), "RSD PTR!", 8);
    expect_find_error("APIC", ACPI_ERR_RSDP_SIGNATURE, "RSDP at 0x7f00040");
}

static void test_acpi_rejects_bad_rsdp_checksum(void **state)
{
    (void)state;
    platform_init(0);
    put_le(RSDP_ADDR + 16, RSDT_ADDR + 1, 4);
    expect_find_error("APIC", ACPI_ERR_RSDP_CHECKSUM, "RSDP at 0x7f00040: first 20 bytes");
}

static void test_acpi_rejects_bad_rsdp_extended_checksum(void **state)
{
    (void)state;
    platform_init(2);
    put_le(RSDP_ADDR + 24, XSDT_ADDR + 1, 8); /* outside the first 20 bytes */
    expect_find_error("APIC", ACPI_ERR_RSDP_EXT_CHECKSUM, "its 36 bytes sum to");
}

static void test_acpi_checks_extended_checksum_over_rsdp_length(void **state)
{
    (void)state;
    platform_init(2);
    /* A longer RSDP (a future revision): the extended checksum covers all 40 bytes. */
    put_le(RSDP_ADDR + 20, 40, 4);
    put_le(RSDP_ADDR + 36, 0x55, 4);
    fix_sum(RSDP_ADDR, RSDP_V1_BYTES, RSDP_CHECKSUM_OFF);
    fix_sum(RSDP_ADDR, 40, RSDP_EXT_CHECKSUM_OFF);
    expect_found("APIC", MADT_ADDR, table_length(MADT_ADDR));
    put_le(RSDP_ADDR + 36, 0x56, 4);
    expect_find_error("APIC", ACPI_ERR_RSDP_EXT_CHECKSUM, "its 40 bytes");
}

static void test_acpi_rejects_rsdp_length_shorter_than_revision_2_layout(void **state)
{
    (void)state;
    platform_init(2);
    put_le(RSDP_ADDR + 20, RSDP_V2_BYTES - 1, 4);
    fix_sum(RSDP_ADDR, RSDP_V1_BYTES, RSDP_CHECKSUM_OFF);
    fix_sum(RSDP_ADDR, RSDP_V2_BYTES, RSDP_EXT_CHECKSUM_OFF);
    expect_find_error("APIC", ACPI_ERR_RSDP_LENGTH, "has length 35");
}

static void test_acpi_rejects_rsdp_length_over_limit(void **state)
{
    (void)state;
    platform_init(2);
    put_le(RSDP_ADDR + 20, ACPI_MAX_TABLE_LENGTH + 1, 4);
    fix_sum(RSDP_ADDR, RSDP_V1_BYTES, RSDP_CHECKSUM_OFF);
    expect_find_error("APIC", ACPI_ERR_RSDP_LENGTH, "has length 1048577");
}

static void test_acpi_rejects_rsdp_without_root_table(void **state)
{
    (void)state;
    platform_init(2);
    put_rsdp(RSDP_ADDR, 2, 0, 0);
    expect_find_error("APIC", ACPI_ERR_NO_ROOT_TABLE, "neither an XSDT nor an RSDT");
}

#define RSDP_AT_END (PHYS_BASE + LOW_SIZE - RSDP_V1_BYTES)

static void test_acpi_rejects_rsdp_outside_mapped_memory(void **state)
{
    uint64_t table;
    uint32_t len;
    struct acpi_diag d;
    (void)state;
    platform_init(2);
    assert_int_equal(acpi_find_table(&fake_io, 0xe0000, "APIC", &table, &len, &d),
                     ACPI_ERR_UNMAPPED);
    assert_diag(&d, ACPI_ERR_UNMAPPED, "cannot read RSDP at 0xe0000");
    assert_int_equal(d.address, 0xe0000);
    /* A revision 2 RSDP in the last 20 mapped bytes: its 36-byte layout cannot be read. */
    memcpy(at(RSDP_AT_END, 8), "RSD PTR ", 8);
    put_le(RSDP_AT_END + 15, 2, 1);
    put_le(RSDP_AT_END + 16, RSDT_ADDR, 4);
    fix_sum(RSDP_AT_END, RSDP_V1_BYTES, RSDP_CHECKSUM_OFF);
    assert_int_equal(acpi_find_table(&fake_io, RSDP_AT_END, "APIC", &table, &len, &d),
                     ACPI_ERR_UNMAPPED);
    assert_diag(&d, ACPI_ERR_UNMAPPED, "(36 bytes)");
}

static void test_acpi_rejects_rsdp_range_that_wraps(void **state)
{
    uint64_t table;
    uint32_t len;
    struct acpi_diag d;
    (void)state;
    platform_init(2);
    mem.maps = 0;
    assert_int_equal(acpi_find_table(&fake_io, 0ULL - 8, "APIC", &table, &len, &d),
                     ACPI_ERR_UNMAPPED);
    assert_diag(&d, ACPI_ERR_UNMAPPED, "RSDP at 0xfffffffffffffff8");
    assert_int_equal(mem.maps, 0); /* refused before asking the callback */
}

/* --- the root table and the tables it lists --------------------------------------------------- */

static void test_acpi_rejects_bad_xsdt_checksum(void **state)
{
    (void)state;
    platform_init(2);
    put_le(XSDT_ADDR + 36, HPET_ADDR, 8);
    expect_find_error("APIC", ACPI_ERR_TABLE_CHECKSUM, "'XSDT' at 0x7f00100 (60 bytes)");
}

static void test_acpi_rejects_bad_rsdt_checksum(void **state)
{
    (void)state;
    platform_init(0);
    put_le(RSDT_ADDR + 36, HPET_ADDR, 4);
    expect_find_error("APIC", ACPI_ERR_TABLE_CHECKSUM, "'RSDT' at 0x7f00200");
}

static void test_acpi_rejects_root_with_wrong_signature(void **state)
{
    (void)state;
    platform_init(2);
    put_rsdp(RSDP_ADDR, 2, (uint32_t)RSDT_ADDR, RSDT_ADDR); /* XsdtAddress names the RSDT */
    expect_find_error("APIC", ACPI_ERR_ROOT_SIGNATURE, "XSDT at 0x7f00200 has signature 'RSDT'");
}

static void test_acpi_rejects_xsdt_with_partial_entry(void **state)
{
    (void)state;
    platform_init(2);
    put_le(XSDT_ADDR + SDT_LENGTH_OFF, 36 + 3 * 8 - 4, 4); /* 2.5 entries */
    fix_table(XSDT_ADDR);
    expect_find_error("APIC", ACPI_ERR_ROOT_LENGTH, "XSDT at 0x7f00100 has length 56");
}

static void test_acpi_rejects_root_table_shorter_than_header(void **state)
{
    (void)state;
    platform_init(2);
    put_le(XSDT_ADDR + SDT_LENGTH_OFF, 35, 4);
    expect_find_error("APIC", ACPI_ERR_TABLE_LENGTH, "'XSDT' at 0x7f00100 has length 35");
}

static void test_acpi_rejects_table_length_over_limit(void **state)
{
    (void)state;
    platform_init(2);
    put_le(HPET_ADDR + SDT_LENGTH_OFF, ACPI_MAX_TABLE_LENGTH + 1, 4);
    expect_find_error("APIC", ACPI_ERR_TABLE_LENGTH,
                      "XSDT entry 1 'HPET' at 0x7f00400 has length 1048577");
    /* Exactly the limit is allowed: it fails later, only because the fake RAM is smaller. */
    put_le(HPET_ADDR + SDT_LENGTH_OFF, ACPI_MAX_TABLE_LENGTH, 4);
    expect_find_error("APIC", ACPI_ERR_UNMAPPED, "(1048576 bytes)");
}

static void test_acpi_rejects_table_length_that_wraps(void **state)
{
    const uint64_t entries[] = { 0ULL - 64 };
    (void)state;
    platform_init(2);
    put_header(0ULL - 64, "SSDT", 65);
    put_root(XSDT_ADDR, 8, entries, 1);
    expect_find_error("SSDT", ACPI_ERR_TABLE_LENGTH, "at 0xffffffffffffffc0 has length 65");
}

static void test_acpi_rejects_table_running_past_mapped_memory(void **state)
{
    const uint64_t entries[] = { PHYS_BASE + LOW_SIZE - 64 };
    (void)state;
    platform_init(2);
    put_header(PHYS_BASE + LOW_SIZE - 64, "APIC", 128);
    put_root(XSDT_ADDR, 8, entries, 1);
    expect_find_error("APIC", ACPI_ERR_UNMAPPED, "cannot read XSDT entry 0 at 0x7f0ffc0 "
                      "(128 bytes)");
}

static void test_acpi_rejects_root_entry_pointing_at_unmapped_memory(void **state)
{
    const uint64_t entries[] = { FACP_ADDR, 0x1000 };
    (void)state;
    platform_init(2);
    put_root(XSDT_ADDR, 8, entries, 2);
    expect_find_error("APIC", ACPI_ERR_UNMAPPED, "cannot read XSDT entry 1 at 0x1000");
}

static void test_acpi_rejects_bad_checksum_in_table_walked_before_the_match(void **state)
{
    (void)state;
    platform_init(2);
    put_le(FACP_ADDR + 40, 0x77, 1);
    expect_find_error("APIC", ACPI_ERR_TABLE_CHECKSUM, "XSDT entry 0 'FACP' at 0x7f00300");
}

static void test_acpi_rejects_bad_checksum_of_the_matching_table(void **state)
{
    (void)state;
    platform_init(2);
    put_le(MADT_ADDR + 36, 0xfee00001u, 4);
    expect_find_error("APIC", ACPI_ERR_TABLE_CHECKSUM, "XSDT entry 2 'APIC' at 0x7f01000");
}

static void test_acpi_shows_unprintable_signature_bytes_as_question_marks(void **state)
{
    (void)state;
    platform_init(2);
    memcpy(at(FACP_ADDR, 4), "F\001\377P", 4);
    put_le(FACP_ADDR + SDT_LENGTH_OFF, 0, 4);
    expect_find_error("APIC", ACPI_ERR_TABLE_LENGTH, "'F??P'");
}

/* --- diagnostics ----------------------------------------------------------------------------- */

static void test_acpi_records_faulting_address_in_diag(void **state)
{
    uint64_t table;
    uint32_t len;
    struct acpi_diag d;
    (void)state;
    platform_init(2);
    put_le(HPET_ADDR + 40, 0x77, 1);
    assert_int_equal(find("APIC", &table, &len, &d), ACPI_ERR_TABLE_CHECKSUM);
    assert_int_equal(d.address, HPET_ADDR);
}

static void test_acpi_accepts_null_diag(void **state)
{
    uint64_t table = 0;
    uint32_t len = 0;
    (void)state;
    platform_init(2);
    assert_int_equal(find("APIC", &table, &len, NULL), ACPI_OK);
    assert_int_equal(table, MADT_ADDR);
    memcpy(at(RSDP_ADDR, 1), "X", 1);
    assert_int_equal(find("APIC", &table, &len, NULL), ACPI_ERR_RSDP_SIGNATURE);
}

static void test_acpi_names_every_error_distinctly(void **state)
{
    unsigned i, j;
    (void)state;
    for (i = 0; i < ACPI_ERR_COUNT; i++) {
        assert_string_not_equal(acpi_error_name(i), "unknown");
        for (j = 0; j < i; j++)
            assert_string_not_equal(acpi_error_name(i), acpi_error_name(j));
    }
    assert_string_equal(acpi_error_name(ACPI_ERR_COUNT), "unknown");
    assert_string_equal(acpi_error_name((enum acpi_error)-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acpi_finds_madt_through_xsdt_of_revision_2_rsdp),
        cmocka_unit_test(test_acpi_finds_madt_through_rsdt_of_revision_0_rsdp),
        cmocka_unit_test(test_acpi_ignores_revision_2_fields_of_revision_0_rsdp),
        cmocka_unit_test(test_acpi_uses_rsdt_when_revision_2_rsdp_has_no_xsdt),
        cmocka_unit_test(test_acpi_prefers_xsdt_over_rsdt),
        cmocka_unit_test(test_acpi_returns_first_of_two_tables_with_the_signature),
        cmocka_unit_test(test_acpi_skips_null_root_entries),
        cmocka_unit_test(test_acpi_reads_xsdt_entries_above_4g),
        cmocka_unit_test(test_acpi_accepts_table_ending_at_top_of_address_space),
        cmocka_unit_test(test_acpi_reports_missing_madt),
        cmocka_unit_test(test_acpi_reports_missing_table_in_empty_xsdt),
        cmocka_unit_test(test_acpi_rejects_bad_rsdp_signature),
        cmocka_unit_test(test_acpi_rejects_bad_rsdp_checksum),
        cmocka_unit_test(test_acpi_rejects_bad_rsdp_extended_checksum),
        cmocka_unit_test(test_acpi_checks_extended_checksum_over_rsdp_length),
        cmocka_unit_test(test_acpi_rejects_rsdp_length_shorter_than_revision_2_layout),
        cmocka_unit_test(test_acpi_rejects_rsdp_length_over_limit),
        cmocka_unit_test(test_acpi_rejects_rsdp_without_root_table),
        cmocka_unit_test(test_acpi_rejects_rsdp_outside_mapped_memory),
        cmocka_unit_test(test_acpi_rejects_rsdp_range_that_wraps),
        cmocka_unit_test(test_acpi_rejects_bad_xsdt_checksum),
        cmocka_unit_test(test_acpi_rejects_bad_rsdt_checksum),
        cmocka_unit_test(test_acpi_rejects_root_with_wrong_signature),
        cmocka_unit_test(test_acpi_rejects_xsdt_with_partial_entry),
        cmocka_unit_test(test_acpi_rejects_root_table_shorter_than_header),
        cmocka_unit_test(test_acpi_rejects_table_length_over_limit),
        cmocka_unit_test(test_acpi_rejects_table_length_that_wraps),
        cmocka_unit_test(test_acpi_rejects_table_running_past_mapped_memory),
        cmocka_unit_test(test_acpi_rejects_root_entry_pointing_at_unmapped_memory),
        cmocka_unit_test(test_acpi_rejects_bad_checksum_in_table_walked_before_the_match),
        cmocka_unit_test(test_acpi_rejects_bad_checksum_of_the_matching_table),
        cmocka_unit_test(test_acpi_shows_unprintable_signature_bytes_as_question_marks),
        cmocka_unit_test(test_acpi_records_faulting_address_in_diag),
        cmocka_unit_test(test_acpi_accepts_null_diag),
        cmocka_unit_test(test_acpi_names_every_error_distinctly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
