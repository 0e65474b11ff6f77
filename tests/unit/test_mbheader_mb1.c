/* Host tests of the Multiboot 1 header finder and the a.out address rules (src/core/mbheader.c). */
#include "mbheader_fixtures.h"

#define KLUDGE MB1_FLAG_AOUT_KLUDGE
#define HDR 0x40u          /* where the kludge tests put the header */
#define PHYS 0x100000u     /* where they load the file's first byte */

static void test_mb1_finds_header_at_offset_0(void **state)
{
    (void)state;
    file_reset(4096);
    mb1_put(0, MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO);
    expect_mb1_found();
    assert_int_equal(h1.offset, 0);
    assert_int_equal(h1.flags, 3);
    assert_true(h1.page_align_modules);
    assert_true(h1.memory_info);
    assert_false(h1.video);
    assert_false(h1.aout_kludge);
    assert_int_equal(h1.ignored_flags, 0);
}

/* "contained completely within the first 8192 bytes": the header's size depends on its flags. */
static void test_mb1_finds_header_ending_at_the_window(void **state)
{
    (void)state;
    file_reset(FILE_BYTES);
    mb1_put(MB1_SEARCH_BYTES - 12, 0);
    expect_mb1_found();
    assert_int_equal(h1.offset, MB1_SEARCH_BYTES - 12);

    file_reset(FILE_BYTES);
    mb1_put(MB1_SEARCH_BYTES - 48, MB1_FLAG_VIDEO);
    expect_mb1_found();
    assert_int_equal(h1.offset, MB1_SEARCH_BYTES - 48);
}

static void test_mb1_absent_past_the_window(void **state)
{
    (void)state;
    file_reset(FILE_BYTES);
    mb1_put(MB1_SEARCH_BYTES - 8, 0); /* its checksum word is past 8192 */
    mb1_put(MB1_SEARCH_BYTES, 0);
    assert_int_equal(run_mb1(), MB_ABSENT);
    assert_int_equal(diag.code, MB_OK);
    file_reset(0);
    assert_int_equal(run_mb1(), MB_ABSENT);
}

/* Magic, flags and checksum inside the window, the fields flag 2 enables past it. */
static void test_mb1_refuses_flag_fields_past_the_window(void **state)
{
    (void)state;
    file_reset(FILE_BYTES);
    mb1_put(MB1_SEARCH_BYTES - 32, MB1_FLAG_VIDEO);
    expect_mb1_error(MB_ERR_PAST_WINDOW, "header at 0x1fe0", "end at 0x2010", "8192", NULL);
}

static void test_mb1_refuses_flag_fields_past_the_end_of_the_file(void **state)
{
    (void)state;
    file_reset(0x50);
    mb1_put(0x30, KLUDGE); /* fields to 0x50 */
    mb1_put_aout(0x30, PHYS + 0x30, PHYS, 0, 0, PHYS);
    expect_mb1_found();
    file_len = 0x4c;
    expect_mb1_error(MB_ERR_TRUNCATED, "header at 0x30", "0x50", "file's end 0x4c", NULL);
}

/* "must be longword (32-bit) aligned". */
static void test_mb1_ignores_misaligned_magic(void **state)
{
    (void)state;
    file_reset(4096);
    mb1_put(2, 0);
    assert_int_equal(run_mb1(), MB_ABSENT);
    mb1_put(0x102, 0);
    mb1_put(0x204, 0);
    expect_mb1_found();
    assert_int_equal(h1.offset, 0x204);
}

static void test_mb1_refuses_wrong_checksum(void **state)
{
    (void)state;
    file_reset(4096);
    mb1_put(0x20, 0);
    put32(0x28, 0xdeadbeef);
    expect_mb1_error(MB_ERR_CHECKSUM, "magic 0x1badb002 at 0x20", "checksum 0xdeadbeef", NULL);
    mb1_put(0x100, 0); /* a good header after a bad candidate is the header */
    expect_mb1_found();
    assert_int_equal(h1.offset, 0x100);
}

/* Bits 0-15: "if the boot loader sees any of these bits set but doesn't understand the flag ...
 * it must notify the user and fail to load"; bits 16-31 "it may simply ignore". */
static void test_mb1_refuses_unknown_required_flags_and_ignores_optional_ones(void **state)
{
    (void)state;
    file_reset(4096);
    mb1_put(0, MB1_FLAG_MEMORY_INFO | 1u << 3 | 1u << 15);
    expect_mb1_error(MB_ERR_MB1_REQUIRED_FLAGS, "flags 0x800a", "bits 0x8008", NULL);
    mb1_put(0, MB1_FLAG_MEMORY_INFO | 1u << 17 | 1u << 31);
    expect_mb1_found();
    assert_int_equal(h1.ignored_flags, 1u << 17 | 1u << 31);
    assert_false(h1.aout_kludge);
}

static void test_mb1_reads_video_fields(void **state)
{
    (void)state;
    file_reset(4096);
    mb1_put(0x10, MB1_FLAG_VIDEO);
    put32(0x10 + 32, 0);
    put32(0x10 + 36, 1280);
    put32(0x10 + 40, 1024);
    put32(0x10 + 44, 24);
    expect_mb1_found();
    assert_true(h1.video);
    assert_int_equal(h1.mode_type, 0);
    assert_int_equal(h1.width, 1280);
    assert_int_equal(h1.height, 1024);
    assert_int_equal(h1.depth, 24);
    assert_int_equal(h1.address.header_addr, 0); /* without flag 16 the address fields are not read */
}

/* Flag 16: file[HDR - (header_addr - load_addr) ...] loads at load_addr. */
static void test_mb1_plans_aout_kludge_load(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE | MB1_FLAG_VIDEO);
    mb1_put_aout(HDR, PHYS + 0x20, PHYS, PHYS + 0x2000, PHYS + 0x5000, PHYS + 0x100);
    expect_mb1_found();
    assert_true(h1.aout_kludge);
    assert_int_equal(h1.address.header_addr, PHYS + 0x20);
    assert_int_equal(h1.entry_addr, PHYS + 0x100);
    assert_int_equal(h1.load.file_offset, HDR - 0x20);
    assert_int_equal(h1.load.load_addr, PHYS);
    assert_int_equal(h1.load.size, 0x2000);
    assert_int_equal(h1.load.bss_end, PHYS + 0x5000);
}

/* load_end_addr 0: "the text and data segments occupy the whole OS image file"; bss_end_addr 0:
 * "no bss segment is present". */
static void test_mb1_zero_load_end_and_bss_end_mean_whole_file_and_no_bss(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, 0, 0, PHYS + 0x2fff);
    expect_mb1_found();
    assert_int_equal(h1.load.file_offset, 0);
    assert_int_equal(h1.load.size, 0x3000);
    assert_int_equal(h1.load.bss_end, PHYS + 0x3000);
}

/* "load_addr must be less than or equal to header_addr". */
static void test_mb1_refuses_load_addr_above_header_addr(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS, PHYS + 4, 0, 0, PHYS + 8);
    expect_mb1_error(MB_ERR_LOAD_AFTER_HEADER, "load_addr 0x100004 is above header_addr 0x100000", NULL);
}

/* The load starts at "the offset at which the header was found, minus (header_addr - load_addr)". */
static void test_mb1_refuses_load_starting_before_the_file(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS + HDR + 4, PHYS, 0, 0, PHYS + 8);
    expect_mb1_error(MB_ERR_LOAD_BEFORE_FILE, "header at 0x40", "= 0x44", NULL);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, 0, 0, PHYS + 8); /* exactly the file's start */
    expect_mb1_found();
    assert_int_equal(h1.load.file_offset, 0);
}

static void test_mb1_refuses_load_end_below_load_addr(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS - 1, 0, PHYS);
    expect_mb1_error(MB_ERR_LOAD_END, "load_end_addr 0xfffff is below the load address 0x100000", NULL);
}

/* "(load_end_addr - load_addr) specifies how much data to load": the file must hold it. */
static void test_mb1_refuses_load_past_the_end_of_the_file(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS + 0x3001, 0, PHYS);
    expect_mb1_error(MB_ERR_LOAD_PAST_FILE, "0x3001 bytes to load", "the file has 0x3000", NULL);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS + 0x3000, 0, PHYS);
    expect_mb1_found();
}

/* Addresses are 32-bit: the loaded bytes must end at or below 4 GiB. */
static void test_mb1_refuses_load_past_4gib(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, 0xfffff000 + HDR, 0xfffff000, 0, 0, 0xfffff000);
    expect_mb1_error(MB_ERR_LOAD_END, "end past 4 GiB", NULL);
}

static void test_mb1_refuses_bss_end_below_loaded_bytes(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS + 0x2000, PHYS + 0x1fff, PHYS);
    expect_mb1_error(MB_ERR_BSS_END, "bss_end_addr 0x101fff", "end 0x102000", NULL);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, 0, PHYS + 0x2fff, PHYS); /* load_end 0: the file's end */
    expect_mb1_error(MB_ERR_BSS_END, "end 0x103000", NULL);
}

static void test_mb1_refuses_entry_outside_loaded_bytes(void **state)
{
    (void)state;
    file_reset(0x3000);
    mb1_put(HDR, KLUDGE);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS + 0x2000, PHYS + 0x4000, PHYS - 1);
    expect_mb1_error(MB_ERR_ENTRY_OUTSIDE, "entry_addr 0xfffff", "[0x100000, 0x102000)", NULL);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS + 0x2000, PHYS + 0x4000, PHYS + 0x2000); /* in the bss */
    expect_mb1_error(MB_ERR_ENTRY_OUTSIDE, "entry_addr 0x102000", NULL);
    mb1_put_aout(HDR, PHYS + HDR, PHYS, PHYS + 0x2000, PHYS + 0x4000, PHYS + 0x1fff);
    expect_mb1_found();
}

static void test_mb_every_error_has_a_name_and_a_hint(void **state)
{
    (void)state;
    for (unsigned e = MB_OK + 1; e < MB_ERROR_COUNT; e++) {
        assert_string_not_equal(mb_error_name((enum mb_error)e), "unknown");
        assert_true(mb_error_hint((enum mb_error)e)[0] != '\0');
    }
    assert_string_equal(mb_error_name(MB_ERROR_COUNT), "unknown");
    assert_string_equal(mb_error_hint(MB_OK), "");
    assert_string_equal(mb_status_name(MB_MALFORMED), "malformed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mb1_finds_header_at_offset_0),
        cmocka_unit_test(test_mb1_finds_header_ending_at_the_window),
        cmocka_unit_test(test_mb1_absent_past_the_window),
        cmocka_unit_test(test_mb1_refuses_flag_fields_past_the_window),
        cmocka_unit_test(test_mb1_refuses_flag_fields_past_the_end_of_the_file),
        cmocka_unit_test(test_mb1_ignores_misaligned_magic),
        cmocka_unit_test(test_mb1_refuses_wrong_checksum),
        cmocka_unit_test(test_mb1_refuses_unknown_required_flags_and_ignores_optional_ones),
        cmocka_unit_test(test_mb1_reads_video_fields),
        cmocka_unit_test(test_mb1_plans_aout_kludge_load),
        cmocka_unit_test(test_mb1_zero_load_end_and_bss_end_mean_whole_file_and_no_bss),
        cmocka_unit_test(test_mb1_refuses_load_addr_above_header_addr),
        cmocka_unit_test(test_mb1_refuses_load_starting_before_the_file),
        cmocka_unit_test(test_mb1_refuses_load_end_below_load_addr),
        cmocka_unit_test(test_mb1_refuses_load_past_the_end_of_the_file),
        cmocka_unit_test(test_mb1_refuses_load_past_4gib),
        cmocka_unit_test(test_mb1_refuses_bss_end_below_loaded_bytes),
        cmocka_unit_test(test_mb1_refuses_entry_outside_loaded_bytes),
        cmocka_unit_test(test_mb_every_error_has_a_name_and_a_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
