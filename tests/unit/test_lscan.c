/* Host tests of the Limine request scanner (src/core/lscan.c): kinds, tag, write-back, what is scanned. */
#include "lscan_fixtures.h"

/* Every request kind with its id words as the protocol text writes them (typed from the spec,
 * not from limine.h, so a slip in either shows up here) and ember's name for it. */
static const struct {
    enum lscan_kind kind;
    uint64_t id2, id3;
    const char *name;
} spec_ids[] = {
    { LSCAN_BOOTLOADER_INFO, 0xf55038d8e2a1202f, 0x279426fcf5f59740, "bootloader info" },
    { LSCAN_FIRMWARE_TYPE, 0x8c2f75d90bef28a8, 0x7045a4688eac00c3, "firmware type" },
    { LSCAN_STACK_SIZE, 0x224ef0460a8e8926, 0xe1cb0fc25f46ea3d, "stack size" },
    { LSCAN_HHDM, 0x48dcf1cb8ad2b852, 0x63984e959a98244b, "HHDM" },
    { LSCAN_FRAMEBUFFER, 0x9d5827dcd881dd75, 0xa3148604f6fab11b, "framebuffer" },
    { LSCAN_PAGING_MODE, 0x95c1a0edab0944cb, 0xa4e5cb3842f7488a, "paging mode" },
    { LSCAN_MP, 0x95a67b819a1b857e, 0xa0b61b723b6a73e0, "MP" },
    { LSCAN_MEMMAP, 0x67cf3d9d378a806f, 0xe304acdfc50c3c62, "memory map" },
    { LSCAN_ENTRY_POINT, 0x13d86c035a1cd3e1, 0x2b0caa89d8f3026a, "entry point" },
    { LSCAN_EXECUTABLE_FILE, 0xad97e90e83f1ed67, 0x31eb5d1c5ff23b69, "executable file" },
    { LSCAN_MODULE, 0x3e7e279702be32af, 0xca1c4f3bd1280cee, "module" },
    { LSCAN_RSDP, 0xc5e77b6b397e7b43, 0x27637845accdcf3c, "RSDP" },
    { LSCAN_SMBIOS, 0x9e9046f11e095391, 0xaa4a520fefbde5ee, "SMBIOS" },
    { LSCAN_EFI_SYSTEM_TABLE, 0x5ceba5163eaaf6d6, 0x0a6981610cf65fcc, "EFI system table" },
    { LSCAN_EFI_MEMMAP, 0x7df62a431d6872d5, 0xa4fcdfb3e57306c8, "EFI memory map" },
    { LSCAN_DATE_AT_BOOT, 0x502746e184c088aa, 0xfbc5ec83e6327893, "date at boot" },
    { LSCAN_EXECUTABLE_ADDRESS, 0x71ba76863cc55f63, 0xb2644a48c516a487, "executable address" },
    { LSCAN_EXECUTABLE_CMDLINE, 0x4b161536e598651e, 0xb390ad4a2f1f303a, "executable cmdline" },
    { LSCAN_DTB, 0xb40ddb48fb54bac7, 0x545081493f81ffb7, "device tree blob" },
    { LSCAN_BOOTLOADER_PERFORMANCE, 0x6b50ad9bf36d13ad, 0xdc4c7e88fc759e17, "bootloader performance" },
    { LSCAN_TSC_FREQUENCY, 0x10f2ee1d87d195e4, 0xf747a2b78f6ddb31, "TSC frequency" },
    { LSCAN_ENTROPY, 0x65ea80255d5682c5, 0x9117240723f493eb, "entropy" },
    { LSCAN_KEEP_IOMMU, 0x8ebaabe51f490179, 0x2aa86a59ffb4ab0f, "keep IOMMU" },
    { LSCAN_TPM_EVENT_LOG, 0x98e094fc7e76e979, 0xee8d8775c54e1d1f, "TPM event log" },
    { LSCAN_FLANTERM_FB_INIT, 0x3259399fe7c5f126, 0xe01c1c8c5db9d1a9, "flanterm FB init params" },
};
#define SPEC_KINDS (sizeof spec_ids / sizeof spec_ids[0])
#define STRIDE 9 /* words between placed requests: alternates even and odd word indices */

static void test_lscan_recognises_every_request_kind(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(SPEC_KINDS, LSCAN_KIND_COUNT - 1);
    image_reset();
    for (i = 0; i < SPEC_KINDS; i++)
        place_id(1 + i * STRIDE, spec_ids[i].id2, spec_ids[i].id3, i);
    expect_ok_scan();
    assert_int_equal(result.count, SPEC_KINDS);
    assert_int_equal(result.matches, SPEC_KINDS);
    for (i = 0; i < SPEC_KINDS; i++) {
        const struct lscan_request *q = &result.requests[i];
        assert_int_equal(q->kind, spec_ids[i].kind);
        assert_int_equal(q->verdict, LSCAN_VERDICT_OK);
        assert_false(q->outside_markers);
        assert_int_equal(q->vaddr, vaddr_of_word(1 + i * STRIDE));
        assert_ptr_equal(q->ptr, (uint8_t *)&image[1 + i * STRIDE]);
        assert_int_equal(q->id[0], LIMINE_COMMON_MAGIC0);
        assert_int_equal(q->id[1], LIMINE_COMMON_MAGIC1);
        assert_int_equal(q->id[2], spec_ids[i].id2);
        assert_int_equal(q->id[3], spec_ids[i].id3);
        assert_int_equal(q->revision, i);
        assert_int_equal(q->response, 0);
    }
    assert_false(result.has_tag);
    assert_int_equal(result.revision, 0);
}

static void test_lscan_names_every_kind(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < SPEC_KINDS; i++)
        assert_string_equal(lscan_kind_name(spec_ids[i].kind), spec_ids[i].name);
    assert_string_equal(lscan_kind_name(LSCAN_UNKNOWN), "unknown");
    assert_string_equal(lscan_kind_name(LSCAN_KIND_COUNT), "unknown");
    assert_string_equal(lscan_kind_name((enum lscan_kind)-1), "unknown");
    assert_string_equal(lscan_verdict_name(LSCAN_VERDICT_OUTSIDE_MARKERS), "outside the markers");
    assert_string_equal(lscan_verdict_name((enum lscan_verdict)99), "unknown");
    assert_string_equal(lscan_error_name(LSCAN_ERR_DUPLICATE_REQUEST), "duplicate request");
    assert_string_equal(lscan_error_name((enum lscan_error)99), "unknown");
}

/* The request fields after the header are the kernel's; the scan reads the header only. */
static void test_lscan_reads_header_of_structs_with_fields(void **state)
{
    struct limine_stack_size_request *ss = (struct limine_stack_size_request *)&image[10];
    struct limine_module_request *mod;
    (void)state;
    image_reset();
    *ss = (struct limine_stack_size_request){ { LIMINE_REQUEST_ID(STACK_SIZE), 0, 0 }, 256 * 1024 };
    mod = (struct limine_module_request *)&image[17];
    *mod = (struct limine_module_request){ { LIMINE_REQUEST_ID(MODULE), 1, 0 }, 2, 0x1234 };
    expect_ok_scan();
    assert_int_equal(result.count, 2);
    assert_int_equal(result.requests[0].kind, LSCAN_STACK_SIZE);
    assert_int_equal(result.requests[1].kind, LSCAN_MODULE);
    assert_int_equal(result.requests[1].revision, LIMINE_MODULE_REQUEST_REVISION_INTERNAL);
    assert_ptr_equal(result.requests[1].ptr, (uint8_t *)mod);
}

static void test_lscan_reports_unknown_id_without_error(void **state)
{
    (void)state;
    image_reset();
    place_id(4, 0x0785a0aea5d0750f, 0x1c1936fee0d6cf6e, 0); /* the removed terminal request */
    place_hhdm(20);
    expect_ok_scan();
    assert_int_equal(result.count, 2);
    assert_int_equal(result.requests[0].kind, LSCAN_UNKNOWN);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_UNKNOWN_ID);
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_OK);
}

static void test_lscan_finds_base_revision_tag(void **state)
{
    (void)state;
    image_reset();
    place_tag(7, 3);
    place_hhdm(12);
    expect_ok_scan();
    assert_true(result.has_tag);
    assert_int_equal(result.tag_count, 1);
    assert_int_equal(result.revision, 3);
    assert_int_equal(result.tag_vaddr, vaddr_of_word(7));
    assert_ptr_equal(result.tag, (uint8_t *)&image[7]);
    assert_false(result.markers_binding); /* binding needs a marker too */
}

static void test_lscan_without_tag_is_revision_0(void **state)
{
    (void)state;
    image_reset();
    place_hhdm(12);
    image[30] = LIMINE_BASE_REVISION_MAGIC0; /* half a tag is no tag */
    image[32] = LIMINE_BASE_REVISION_MAGIC1;
    expect_ok_scan();
    assert_false(result.has_tag);
    assert_int_equal(result.revision, 0);
    assert_null(result.tag);
}

static void test_lscan_write_back_honoured_revision_sets_loaded_and_clears_requested(void **state)
{
    (void)state;
    image_reset();
    place_tag(7, 3);
    expect_ok_scan();
    lscan_write_back_revision(&result, 3);
    assert_int_equal(image[7], LIMINE_BASE_REVISION_MAGIC0);
    assert_int_equal(image[8], 3);
    assert_int_equal(image[9], 0);
}

static void test_lscan_write_back_unsupported_revision_keeps_requested(void **state)
{
    (void)state;
    image_reset();
    place_tag(7, 5);
    expect_ok_scan();
    lscan_write_back_revision(&result, 3);
    assert_int_equal(image[8], 3); /* the revision used, always */
    assert_int_equal(image[9], 5); /* unchanged: the kernel learns 5 was not honoured */
    image_reset();
    place_tag(7, 0);
    expect_ok_scan();
    lscan_write_back_revision(&result, 0);
    assert_int_equal(image[8], 0);
    assert_int_equal(image[9], 0);
}

static void test_lscan_write_back_without_tag_writes_nothing(void **state)
{
    uint64_t before[IMAGE_WORDS];
    (void)state;
    image_reset();
    place_hhdm(12);
    memcpy(before, image, sizeof image);
    expect_ok_scan();
    lscan_write_back_revision(&result, 3);
    assert_memory_equal(before, image, sizeof image);
}

/* memsz > filesz: bytes past filesz are .bss to the scanner even if the buffer holds a request. */
static void test_lscan_never_sees_request_in_bss(void **state)
{
    struct lscan_segment s = image_segment(0, 64);
    (void)state;
    image_reset();
    place_hhdm(10);
    place_id(64, LIMINE_MEMMAP_ID2, LIMINE_MEMMAP_ID3, 0);
    place_tag(80, 3);
    s.memsz = 128 * WORD;
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.requests[0].kind, LSCAN_HHDM);
    assert_false(result.has_tag);
}

/* A request whose header runs past filesz is not taken (the file cannot hold it). */
static void test_lscan_ignores_request_cut_by_end_of_file(void **state)
{
    struct lscan_segment s = image_segment(0, 15);
    (void)state;
    image_reset();
    place_hhdm(10); /* words 10..15: one word past the file */
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_int_equal(result.count, 0);
    s.filesz += WORD;
    s.memsz += WORD;
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_int_equal(result.count, 1);
}

/* The probe looks at every second word: requests at both word parities, at the first and the
 * last possible word, all found once and in order. */
static void test_lscan_finds_requests_at_every_word_parity(void **state)
{
    static const size_t at[] = { 0, 7, 14, 22, 29, IMAGE_WORDS - 7, IMAGE_WORDS - 6 };
    struct lscan_segment s = image_segment(0, IMAGE_WORDS);
    size_t i;
    (void)state;
    image_reset();
    for (i = 0; i < sizeof at / sizeof at[0] - 1; i++)
        place_id(at[i], 0x1000 + i, 0x2000 + i, 0);
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_int_equal(result.count, sizeof at / sizeof at[0] - 1);
    for (i = 0; i < result.count; i++)
        assert_int_equal(result.requests[i].vaddr, vaddr_of_word(at[i]));
    image_reset();
    place_id(at[6], 0x3000, 0x4000, 0);
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.requests[0].vaddr, vaddr_of_word(at[6]));
}

/* Bytes full of the probe's low bytes (0x88, 0x03, ...) take the slow path everywhere and still
 * yield exactly the placed items. */
static void test_lscan_finds_items_among_probe_lookalikes(void **state)
{
    static const uint8_t noise[] = { 0x88, 0x7b, 0xc8, 0xdc, 0xae, 0xcf, 0x03, 0x62, 0x30, 0x83 };
    size_t i;
    (void)state;
    image_reset();
    for (i = 0; i < sizeof image; i++)
        ((uint8_t *)image)[i] = noise[i % sizeof noise];
    place_tag(211, 2);
    place_start_marker(200);
    place_hhdm(301);
    place_id(400, LIMINE_MEMMAP_ID2, LIMINE_MEMMAP_ID3, 0);
    place_end_marker(500);
    expect_ok_scan();
    assert_int_equal(result.count, 2);
    assert_int_equal(result.requests[0].kind, LSCAN_HHDM);
    assert_int_equal(result.requests[1].kind, LSCAN_MEMMAP);
    assert_int_equal(result.tag_vaddr, vaddr_of_word(211));
    assert_int_equal(result.start_vaddr, vaddr_of_word(200));
    assert_int_equal(result.end_vaddr, vaddr_of_word(500));
}

/* A segment whose vaddr is 4 mod 8: its aligned words start 4 bytes into the data. */
static void test_lscan_scans_aligned_vaddrs_of_an_unaligned_segment(void **state)
{
    uint8_t *bytes = (uint8_t *)image;
    struct lscan_segment s = { IMAGE_VADDR + 4, bytes + 4, 512, 512, 0 };
    (void)state;
    image_reset();
    place_hhdm(2); /* data offset 12: vaddr IMAGE_VADDR + 16, aligned */
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_int_equal(result.count, 1);
    assert_int_equal(result.requests[0].vaddr, IMAGE_VADDR + 16);
    assert_ptr_equal(result.requests[0].ptr, bytes + 16);
}

static void test_lscan_scans_every_segment(void **state)
{
    struct lscan_segment segs[3] = { image_segment(0, 100), image_segment(100, 0),
                                     image_segment(200, 100) };
    (void)state;
    image_reset();
    place_hhdm(10);
    place_tag(150, 3); /* between the segments: not loaded */
    place_tag(210, 1);
    place_id(250, LIMINE_RSDP_ID2, LIMINE_RSDP_ID3, 0);
    segs[2].memsz = 4096;
    assert_int_equal(scan(segs, 3), LSCAN_OK);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.requests[0].vaddr, vaddr_of_word(10));
    assert_int_equal(result.requests[1].kind, LSCAN_RSDP);
    assert_int_equal(result.revision, 1);
    assert_int_equal(scan(segs, 0), LSCAN_OK);
    assert_int_equal(result.count, 0);
}

static void test_lscan_detect_names_what_it_found(void **state)
{
    struct lscan_segment s = image_segment(0, IMAGE_WORDS);
    char why[96];
    (void)state;
    image_reset();
    place_hhdm(12);
    assert_true(lscan_detect(&s, 1, why, sizeof why));
    assert_non_null(strstr(why, "HHDM request at"));
    assert_non_null(strstr(why, hex_word(12)));
    place_tag(40, 3);
    assert_true(lscan_detect(&s, 1, why, sizeof why));
    assert_non_null(strstr(why, "base revision 3 tag at"));
    image_reset();
    place_id(12, 1, 2, 0);
    assert_true(lscan_detect(&s, 1, why, sizeof why));
    assert_non_null(strstr(why, "unknown id"));
}

static void test_lscan_detect_false_for_plain_bytes(void **state)
{
    struct lscan_segment s = image_segment(0, IMAGE_WORDS);
    char why[96];
    size_t i;
    (void)state;
    image_reset();
    for (i = 0; i < IMAGE_WORDS; i++)
        image[i] = 0x9090909090909090ULL ^ (i * 0x0101010101010101ULL);
    image[100] = LIMINE_COMMON_MAGIC0; /* the first word alone is not a request */
    assert_false(lscan_detect(&s, 1, why, sizeof why));
    assert_string_equal(why, "no Limine base revision tag, request or marker in the file-backed bytes");
    s.filesz = 0;
    assert_false(lscan_detect(&s, 1, why, sizeof why));
    s.filesz = s.memsz + 1;
    assert_false(lscan_detect(&s, 1, why, sizeof why));
    assert_non_null(strstr(why, "not scannable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lscan_recognises_every_request_kind),
        cmocka_unit_test(test_lscan_names_every_kind),
        cmocka_unit_test(test_lscan_reads_header_of_structs_with_fields),
        cmocka_unit_test(test_lscan_reports_unknown_id_without_error),
        cmocka_unit_test(test_lscan_finds_base_revision_tag),
        cmocka_unit_test(test_lscan_without_tag_is_revision_0),
        cmocka_unit_test(test_lscan_write_back_honoured_revision_sets_loaded_and_clears_requested),
        cmocka_unit_test(test_lscan_write_back_unsupported_revision_keeps_requested),
        cmocka_unit_test(test_lscan_write_back_without_tag_writes_nothing),
        cmocka_unit_test(test_lscan_never_sees_request_in_bss),
        cmocka_unit_test(test_lscan_ignores_request_cut_by_end_of_file),
        cmocka_unit_test(test_lscan_finds_requests_at_every_word_parity),
        cmocka_unit_test(test_lscan_finds_items_among_probe_lookalikes),
        cmocka_unit_test(test_lscan_scans_aligned_vaddrs_of_an_unaligned_segment),
        cmocka_unit_test(test_lscan_scans_every_segment),
        cmocka_unit_test(test_lscan_detect_names_what_it_found),
        cmocka_unit_test(test_lscan_detect_false_for_plain_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
