/* Host tests of the Multiboot 2 header finder (src/core/mbheader_mb2.c): search, magic fields, tags. */
#include "mbheader_fixtures.h"

#define FB_FLAGS_OPTIONAL MB2_TAG_OPTIONAL

static void test_mb2_finds_minimal_header_at_offset_0(void **state)
{
    (void)state;
    file_reset(4096);
    mb2_minimal(0);
    expect_mb2_found();
    assert_int_equal(h2.offset, 0);
    assert_int_equal(h2.architecture, MB2_ARCH_I386);
    assert_int_equal(h2.header_length, 24);
    assert_int_equal(h2.tag_count, 0);
    assert_false(h2.tags[MB2_TAG_ADDRESS].present);
}

/* "contained completely within the first 32768 bytes": a 24-byte header ending at 32768 is the last. */
static void test_mb2_finds_header_ending_at_the_window(void **state)
{
    (void)state;
    file_reset(FILE_BYTES);
    mb2_minimal(MB2_SEARCH_BYTES - 24);
    expect_mb2_found();
    assert_int_equal(h2.offset, MB2_SEARCH_BYTES - 24);
}

static void test_mb2_absent_past_the_window_and_in_empty_files(void **state)
{
    (void)state;
    file_reset(FILE_BYTES);
    mb2_minimal(MB2_SEARCH_BYTES);
    assert_int_equal(run_mb2(), MB_ABSENT);
    assert_int_equal(diag.code, MB_OK);
    file_reset(0);
    assert_int_equal(run_mb2(), MB_ABSENT);
    file_reset(15); /* too short for the 16 bytes of magic fields */
    put32(0, MB2_MAGIC);
    assert_int_equal(run_mb2(), MB_ABSENT);
}

/* Magic fields inside the window, tags past it: the header is not "contained completely". */
static void test_mb2_refuses_header_length_past_the_window(void **state)
{
    (void)state;
    file_reset(FILE_BYTES);
    mb2_minimal(MB2_SEARCH_BYTES - 16);
    expect_mb2_error(MB_ERR_PAST_WINDOW, "header at 0x7ff0", "0x8008", "32768", NULL);
}

static void test_mb2_refuses_header_past_the_end_of_the_file(void **state)
{
    (void)state;
    file_reset(64);
    mb2_minimal(40); /* ends at 64 */
    expect_mb2_found();
    file_len = 60;
    expect_mb2_error(MB_ERR_TRUNCATED, "header at 0x28", "0x40", "0x3c", NULL);
}

/* "must be 64-bit aligned": magic 4 bytes off is not a header, even with a good checksum. */
static void test_mb2_ignores_misaligned_magic(void **state)
{
    (void)state;
    file_reset(4096);
    mb2_minimal(4);
    assert_int_equal(run_mb2(), MB_ABSENT);
    mb2_minimal(0x104);
    mb2_minimal(0x200);
    expect_mb2_found();
    assert_int_equal(h2.offset, 0x200);
}

static void test_mb2_refuses_wrong_checksum(void **state)
{
    (void)state;
    file_reset(4096);
    mb2_minimal(0x40);
    put32(0x40 + 12, 0x12345678);
    expect_mb2_error(MB_ERR_CHECKSUM, "magic 0xe85250d6 at 0x40", "checksum 0x12345678", NULL);
}

/* Magic with a failing sum (a constant in code, say) before the real header is not the header. */
static void test_mb2_skips_magic_without_checksum_before_header(void **state)
{
    (void)state;
    file_reset(4096);
    put32(0x10, MB2_MAGIC);
    mb2_minimal(0x80);
    expect_mb2_found();
    assert_int_equal(h2.offset, 0x80);
}

static void test_mb2_refuses_other_architectures(void **state)
{
    (void)state;
    file_reset(4096);
    mb2_begin(0, MB2_ARCH_MIPS32);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_ARCHITECTURE, "architecture 4 (32-bit MIPS)", NULL);
    mb2_begin(0, 1);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_ARCHITECTURE, "architecture 1 (undefined)", NULL);
}

static void test_mb2_refuses_header_length_below_magic_fields(void **state)
{
    (void)state;
    file_reset(4096);
    mb2_minimal(0);
    mb2_seal_length(12);
    expect_mb2_error(MB_ERR_MB2_HEADER_LENGTH, "header_length 12", NULL);
}

/* Every known tag type with its values; tags of sizes 12 and 20 are padded to 8. */
static void test_mb2_records_every_known_tag(void **state)
{
    static const uint32_t requests[] = { 6, 8, 14 };
    static const uint32_t address[] = { 0x100000, 0x100000, 0x108000, 0x110000 };
    static const uint32_t entry[] = { 0x100040 };
    static const uint32_t console[] = { 3 };
    static const uint32_t fb[] = { 1024, 768, 32 };
    static const uint32_t efi32[] = { 0x100080 };
    static const uint32_t efi64[] = { 0x1000c0 };
    static const uint32_t reloc[] = { 0x200000, 0x40000000, 0x1000, 1 };
    uint32_t at[MB2_TAG_TYPE_COUNT];
    (void)state;

    file_reset(0x9000);
    mb2_begin(0, MB2_ARCH_I386);
    at[1] = mb2_tag(MB2_TAG_INFO_REQUEST, 0, 8 + 12, requests, 3);
    at[2] = mb2_tag(MB2_TAG_ADDRESS, 0, 24, address, 4);
    at[3] = mb2_tag(MB2_TAG_ENTRY, 0, 12, entry, 1);
    at[4] = mb2_tag(MB2_TAG_CONSOLE_FLAGS, MB2_TAG_OPTIONAL, 12, console, 1);
    at[5] = mb2_tag(MB2_TAG_FRAMEBUFFER, FB_FLAGS_OPTIONAL, 20, fb, 3);
    at[6] = mb2_tag(MB2_TAG_MODULE_ALIGN, 0, 8, NULL, 0);
    at[7] = mb2_tag(MB2_TAG_EFI_BS, MB2_TAG_OPTIONAL, 8, NULL, 0);
    at[8] = mb2_tag(MB2_TAG_ENTRY_EFI32, 0, 12, efi32, 1);
    at[9] = mb2_tag(MB2_TAG_ENTRY_EFI64, 0, 12, efi64, 1);
    at[10] = mb2_tag(MB2_TAG_RELOCATABLE, MB2_TAG_OPTIONAL, 24, reloc, 4);
    mb2_end();
    expect_mb2_found();
    assert_int_equal(h2.tag_count, 10);
    assert_int_equal(at[4], 16 + 24 + 24 + 16); /* the entry tag's 12 bytes padded to 16 */
    for (unsigned t = 1; t < MB2_TAG_TYPE_COUNT; t++) {
        assert_true(h2.tags[t].present);
        assert_int_equal(h2.tags[t].offset, at[t]);
        assert_int_equal(h2.tags[t].optional, t == 4 || t == 5 || t == 7 || t == 10);
    }
    assert_int_equal(h2.tags[MB2_TAG_FRAMEBUFFER].size, 20);
    assert_int_equal(h2.request_count, 3);
    assert_memory_equal(h2.requests, requests, sizeof requests);
    assert_int_equal(h2.address.header_addr, 0x100000);
    assert_int_equal(h2.address.load_addr, 0x100000);
    assert_int_equal(h2.address.load_end_addr, 0x108000);
    assert_int_equal(h2.address.bss_end_addr, 0x110000);
    assert_int_equal(h2.load.file_offset, 0);
    assert_int_equal(h2.load.load_addr, 0x100000);
    assert_int_equal(h2.load.size, 0x8000);
    assert_int_equal(h2.load.bss_end, 0x110000);
    assert_int_equal(h2.entry_addr, 0x100040);
    assert_int_equal(h2.console_flags, 3);
    assert_int_equal(h2.fb_width, 1024);
    assert_int_equal(h2.fb_height, 768);
    assert_int_equal(h2.fb_depth, 32);
    assert_int_equal(h2.efi32_entry_addr, 0x100080);
    assert_int_equal(h2.efi64_entry_addr, 0x1000c0);
    assert_int_equal(h2.reloc_min_addr, 0x200000);
    assert_int_equal(h2.reloc_max_addr, 0x40000000);
    assert_int_equal(h2.reloc_align, 0x1000);
    assert_int_equal(h2.reloc_preference, 1);
    assert_int_equal(h2.ignored_count, 0);
}

static void test_mb2_refuses_unknown_required_tag_and_skips_optional_one(void **state)
{
    static const uint32_t junk[] = { 1, 2 };
    (void)state;
    file_reset(4096);
    mb2_begin(0x20, MB2_ARCH_I386);
    mb2_tag(11, 0, 16, junk, 2);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_UNKNOWN_REQUIRED, "required tag type 11 that ember does not know", "+0x10", NULL);

    mb2_begin(0x20, MB2_ARCH_I386);
    mb2_tag(11, MB2_TAG_OPTIONAL, 16, junk, 2);
    mb2_tag(0x1234, MB2_TAG_OPTIONAL, 13, NULL, 0); /* any size: it is skipped */
    mb2_end();
    expect_mb2_found();
    assert_int_equal(h2.ignored_count, 2);
    assert_int_equal(h2.ignored[0].type, 11);
    assert_int_equal(h2.ignored[0].offset, 16);
    assert_int_equal(h2.ignored[1].type, 0x1234);
    assert_int_equal(h2.ignored[1].offset, 32);
    assert_int_equal(h2.ignored[1].size, 13);
    assert_int_equal(h2.tag_count, 2);
}

static void test_mb2_refuses_tag_past_header_length(void **state)
{
    static const uint32_t fb[] = { 800, 600, 32 };
    (void)state;
    file_reset(4096);
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_FRAMEBUFFER, 0, 20, fb, 3);
    mb2_seal_length(16 + 16); /* cuts the framebuffer tag */
    expect_mb2_error(MB_ERR_MB2_TAG_PAST_END, "tag type 5 at +0x10", "past header_length 0x20", NULL);
    mb2_seal_length(16 + 4); /* not even the tag's header fits */
    expect_mb2_error(MB_ERR_MB2_TAG_PAST_END, "+0x10 has no room", NULL);
}

static void test_mb2_refuses_tags_without_end_tag(void **state)
{
    static const uint32_t entry[] = { 0x100000 };
    (void)state;
    file_reset(4096);
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_ENTRY, 0, 12, entry, 1);
    mb2_seal_length(16 + 12);
    expect_mb2_error(MB_ERR_MB2_NO_END_TAG, "without an end tag", NULL);
    mb2_seal_length(16); /* no tags at all */
    expect_mb2_error(MB_ERR_MB2_NO_END_TAG, "header_length 0x10", NULL);
}

static void test_mb2_refuses_wrong_tag_sizes(void **state)
{
    static const uint32_t fields[] = { 1024, 768, 32, 0, 0 };
    (void)state;
    file_reset(4096);
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL, 24, fields, 4); /* an old draft's size */
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_TAG_SIZE, "framebuffer tag (type 5) at +0x10 has size 24, the spec's is 20", NULL);

    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 8 + 6, fields, 2);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_TAG_SIZE, "size 14", "8 + 4 per requested type", NULL);

    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_MODULE_ALIGN, 0, 4, NULL, 0);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_TAG_SIZE, "size 4, less than its own 8-byte header", NULL);

    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_END, 0, 16, fields, 2);
    mb2_seal_length(32);
    expect_mb2_error(MB_ERR_MB2_TAG_SIZE, "end tag at +0x10 has size 16", NULL);
}

static void test_mb2_refuses_bad_relocatable_tag(void **state)
{
    uint32_t reloc[] = { 0x100000, 0x200000, 0x1000, 3 };
    (void)state;
    file_reset(4096);
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_RELOCATABLE, 0, 24, reloc, 4);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_RELOCATABLE, "preference 3", NULL);
    reloc[3] = 2;
    reloc[0] = 0x300000;
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_RELOCATABLE, 0, 24, reloc, 4);
    mb2_end();
    expect_mb2_error(MB_ERR_MB2_RELOCATABLE, "min_addr 0x300000 is above max_addr 0x200000", NULL);
}

/* More requests than requests[] holds: all counted, the first MB2_MAX_REQUESTS kept, across tags. */
static void test_mb2_counts_requests_past_the_array(void **state)
{
    uint32_t types[MB2_MAX_REQUESTS];
    (void)state;
    for (unsigned i = 0; i < MB2_MAX_REQUESTS; i++)
        types[i] = i + 1;
    file_reset(4096);
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 8 + 4 * 20, types, 20);
    mb2_tag(MB2_TAG_INFO_REQUEST, MB2_TAG_OPTIONAL, 8 + 4 * 20, types, 20);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 8, NULL, 0); /* an empty list is a list */
    mb2_end();
    expect_mb2_found();
    assert_int_equal(h2.request_count, 40);
    assert_int_equal(h2.requests[19], 20);
    assert_int_equal(h2.requests[20], 1);
    assert_int_equal(h2.requests[MB2_MAX_REQUESTS - 1], 12);
    assert_false(h2.tags[MB2_TAG_INFO_REQUEST].optional); /* the last one's flags */
}

/* load_addr -1: "the file must be loaded from its beginning", header_addr placing it. */
static void test_mb2_address_tag_load_from_file_start(void **state)
{
    uint32_t address[] = { 0x100200, 0xffffffff, 0, 0 };
    uint32_t entry[] = { 0x100000 + 0x1000 };
    (void)state;
    file_reset(0x2000);
    mb2_begin(0x200, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_ADDRESS, 0, 24, address, 4);
    mb2_tag(MB2_TAG_ENTRY, 0, 12, entry, 1);
    mb2_end();
    expect_mb2_found();
    assert_int_equal(h2.load.file_offset, 0);
    assert_int_equal(h2.load.load_addr, 0x100000);
    assert_int_equal(h2.load.size, 0x2000);
    assert_int_equal(h2.load.bss_end, 0x102000);

    entry[0] = 0x102000; /* one past the loaded bytes */
    mb2_begin(0x200, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_ADDRESS, 0, 24, address, 4);
    mb2_tag(MB2_TAG_ENTRY, 0, 12, entry, 1);
    mb2_end();
    expect_mb2_error(MB_ERR_ENTRY_OUTSIDE, "entry_addr 0x102000", "[0x100000, 0x102000)", NULL);

    address[0] = 0x100; /* below the header's offset 0x200: the file's start would be below 0 */
    mb2_begin(0x200, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_ADDRESS, 0, 24, address, 4);
    mb2_end();
    expect_mb2_error(MB_ERR_LOAD_BEFORE_FILE, "header_addr 0x100 with load_addr -1", NULL);
}

static void test_mb2_accepts_null_diag_and_clears_it_on_success(void **state)
{
    (void)state;
    file_reset(4096);
    mb2_minimal(0);
    put32(12, 0);
    assert_int_equal(mb2_find(file, file_len, &h2, NULL), MB_MALFORMED);
    mb2_minimal(0);
    expect_mb2_found(); /* the fixture poisons the diag first */
}

/* The two finders are independent: a file may carry both headers. */
static void test_mb_finds_both_headers_in_one_file(void **state)
{
    (void)state;
    file_reset(8192);
    mb1_put(0x0c, MB1_FLAG_MEMORY_INFO);
    mb2_minimal(0x20);
    expect_mb1_found();
    expect_mb2_found();
    assert_int_equal(h1.offset, 0x0c);
    assert_int_equal(h2.offset, 0x20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mb2_finds_minimal_header_at_offset_0),
        cmocka_unit_test(test_mb2_finds_header_ending_at_the_window),
        cmocka_unit_test(test_mb2_absent_past_the_window_and_in_empty_files),
        cmocka_unit_test(test_mb2_refuses_header_length_past_the_window),
        cmocka_unit_test(test_mb2_refuses_header_past_the_end_of_the_file),
        cmocka_unit_test(test_mb2_ignores_misaligned_magic),
        cmocka_unit_test(test_mb2_refuses_wrong_checksum),
        cmocka_unit_test(test_mb2_skips_magic_without_checksum_before_header),
        cmocka_unit_test(test_mb2_refuses_other_architectures),
        cmocka_unit_test(test_mb2_refuses_header_length_below_magic_fields),
        cmocka_unit_test(test_mb2_records_every_known_tag),
        cmocka_unit_test(test_mb2_refuses_unknown_required_tag_and_skips_optional_one),
        cmocka_unit_test(test_mb2_refuses_tag_past_header_length),
        cmocka_unit_test(test_mb2_refuses_tags_without_end_tag),
        cmocka_unit_test(test_mb2_refuses_wrong_tag_sizes),
        cmocka_unit_test(test_mb2_refuses_bad_relocatable_tag),
        cmocka_unit_test(test_mb2_counts_requests_past_the_array),
        cmocka_unit_test(test_mb2_address_tag_load_from_file_start),
        cmocka_unit_test(test_mb2_accepts_null_diag_and_clears_it_on_success),
        cmocka_unit_test(test_mb_finds_both_headers_in_one_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
