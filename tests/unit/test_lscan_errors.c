/* Host tests of the Limine request scanner's refusals and of the breaches Limine boots through
 * (src/core/lscan.c, lscan_lenient.c): each names the vaddr. */
#include "lscan_fixtures.h"

static void test_lscan_reports_duplicate_request(void **state)
{
    (void)state;
    image_reset();
    place_hhdm(10);
    place_id(30, LIMINE_MEMMAP_ID2, LIMINE_MEMMAP_ID3, 0);
    place_hhdm(51);
    expect_error(LSCAN_ERR_DUPLICATE_REQUEST, "duplicate HHDM request at", hex_word(51),
                 "first at", hex_word(10), NULL);
    assert_int_equal(result.count, 3);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OK);
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_OK);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_DUPLICATE);
}

/* "There may only be 1 of the same request": ids ember does not know count too. */
static void test_lscan_reports_duplicate_unknown_id(void **state)
{
    (void)state;
    image_reset();
    place_id(10, 0x1111, 0x2222, 0);
    place_id(20, 0x1111, 0x2223, 0);
    place_id(30, 0x1111, 0x2222, 0);
    expect_error(LSCAN_ERR_DUPLICATE_REQUEST, hex_word(30), hex_word(10), NULL);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_UNKNOWN_ID);
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_UNKNOWN_ID);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_DUPLICATE);
}

/* Limine overwrites a response field that is not 0 when it answers: a request all the same. */
static void test_lscan_tolerates_response_not_zero(void **state)
{
    (void)state;
    image_reset();
    place_hhdm(10)->response = 0xffff800000001000ULL;
    expect_tolerated(LSCAN_ERR_RESPONSE_SET, "HHDM request at", hex_word(10), "0xffff800000001000", NULL);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OK);
    assert_int_equal(result.requests[0].response, 0xffff800000001000ULL);
    /* an unknown id is never answered, so its response field is nobody's business */
    image_reset();
    place_id(10, 7, 8, 0)->response = 1;
    expect_ok_scan();
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_UNKNOWN_ID);
    assert_false(lscan_tolerated(&result, 3, &diag, &(const char *){ NULL }));
}

/* A request placed 4 bytes off an aligned vaddr (a packed section, a 4-aligned array): Limine's
 * 8-byte scan never sees it, so it is no request, and the breach is named. */
static void test_lscan_tolerates_misaligned_request(void **state)
{
    uint8_t *bytes = (uint8_t *)image;
    static const uint64_t hhdm_id[4] = LIMINE_REQUEST_ID(HHDM);
    (void)state;
    image_reset();
    memcpy(bytes + 8 * 20 + 4, hhdm_id, sizeof hhdm_id);
    expect_tolerated(LSCAN_ERR_MISALIGNED_REQUEST, "HHDM request at", "0xffffffff800000a4", "4 bytes off", NULL);
    assert_true(result.has_misaligned);
    assert_int_equal(result.misaligned_vaddr, IMAGE_VADDR + 8 * 20 + 4);
    assert_int_equal(result.misaligned_kind, LSCAN_HHDM);
    assert_int_equal(result.count, 0);
    {
        /* the magic ends 4 bytes into a partial last word, after an even number of whole words */
        struct lscan_segment s = image_segment(0, 23);
        s.filesz = 8 * 20 + 4 + 2 * WORD;
        assert_int_equal(scan(&s, 1), LSCAN_OK);
        assert_true(result.has_misaligned);
        assert_int_equal(result.misaligned_vaddr, IMAGE_VADDR + 8 * 20 + 4);
    }
    /* the other word parity; then the file ends inside the id words (kind unknown), then
     * inside the common magic (nothing to see) */
    image_reset();
    memcpy(bytes + 8 * 21 + 4, hhdm_id, sizeof hhdm_id);
    expect_tolerated(LSCAN_ERR_MISALIGNED_REQUEST, "0xffffffff800000ac", NULL);
    assert_int_equal(result.misaligned_kind, LSCAN_HHDM);
    {
        struct lscan_segment s = image_segment(0, 24);
        assert_int_equal(scan(&s, 1), LSCAN_OK);
        assert_true(result.has_misaligned);
        assert_int_equal(result.misaligned_kind, LSCAN_UNKNOWN);
        s.filesz = 8 * 21 + 4 + 2 * WORD; /* the magic ends with the file */
        assert_int_equal(scan(&s, 1), LSCAN_OK);
        assert_true(result.has_misaligned);
        s.filesz--;
        assert_int_equal(scan(&s, 1), LSCAN_OK);
        assert_false(result.has_misaligned);
    }
}

/* A segment starting 4 bytes before an aligned vaddr may hold a misaligned request at byte 0. */
static void test_lscan_finds_misaligned_request_at_segment_start(void **state)
{
    uint8_t *bytes = (uint8_t *)image;
    static const uint64_t memmap_id[4] = LIMINE_REQUEST_ID(MEMMAP);
    struct lscan_segment s = { IMAGE_VADDR + 4, bytes, 256, 256, 0 };
    (void)state;
    image_reset();
    memcpy(bytes, memmap_id, sizeof memmap_id);
    assert_int_equal(scan(&s, 1), LSCAN_OK);
    assert_true(result.has_misaligned);
    assert_int_equal(result.misaligned_vaddr, IMAGE_VADDR + 4);
    assert_int_equal(result.misaligned_kind, LSCAN_MEMMAP);
}

static void test_lscan_reports_second_base_revision_tag(void **state)
{
    (void)state;
    image_reset();
    place_tag(10, 3);
    place_hhdm(20);
    place_tag(41, 2);
    expect_error(LSCAN_ERR_DUPLICATE_TAG, "second base revision tag at", hex_word(41),
                 "first at", hex_word(10), NULL);
    assert_int_equal(result.tag_count, 2);
    assert_int_equal(result.revision, 3); /* the first one's, for the log line */
}

/* Reversed markers, as Limine reads them: the scan stops at the first end marker, so the start
 * marker after it is ignored (late_start) and the window is [image start, end marker). */
static void test_lscan_reads_reversed_markers_as_limine_does(void **state)
{
    (void)state;
    image_reset();
    place_tag(2, 3);
    place_hhdm(6);
    place_end_marker(12);
    place_start_marker(40);
    expect_tolerated(LSCAN_ERR_MARKERS_REVERSED, hex_word(12), hex_word(40), NULL);
    assert_true(result.late_start && result.has_end && !result.has_start);
    assert_int_equal(result.late_start_vaddr, vaddr_of_word(40));
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OK); /* before the end marker: a request */
}

static void test_lscan_reports_too_many_requests(void **state)
{
    size_t i;
    (void)state;
    image_reset();
    for (i = 0; i < LSCAN_MAX_REQUESTS + 2; i++)
        place_id(6 * i, 0x5000 + i, 0x6000, 0);
    expect_error(LSCAN_ERR_TOO_MANY_REQUESTS, "66 Limine requests, more than 64",
                 hex_word(6 * LSCAN_MAX_REQUESTS), NULL);
    assert_int_equal(result.count, LSCAN_MAX_REQUESTS);
    assert_int_equal(result.matches, LSCAN_MAX_REQUESTS + 2);
    assert_int_equal(result.requests[LSCAN_MAX_REQUESTS - 1].vaddr,
                     vaddr_of_word(6 * (LSCAN_MAX_REQUESTS - 1)));
    /* exactly the capacity is fine */
    image_reset();
    for (i = 0; i < LSCAN_MAX_REQUESTS; i++)
        place_id(6 * i, 0x5000 + i, 0x6000, 0);
    expect_ok_scan();
    assert_int_equal(result.count, LSCAN_MAX_REQUESTS);
}

static void test_lscan_rejects_inconsistent_segment(void **state)
{
    struct lscan_segment segs[2] = { image_segment(0, 64), image_segment(64, 64) };
    (void)state;
    image_reset();
    place_hhdm(10);
    segs[1].filesz = segs[1].memsz + 1;
    assert_int_equal(scan(segs, 2), LSCAN_ERR_BAD_SEGMENT);
    assert_non_null(strstr(diag.message, "segment 1 at 0xffffffff80000200: filesz 0x201 > memsz 0x200"));
    assert_int_equal(result.count, 0); /* nothing scanned */
    segs[1] = image_segment(64, 64);
    segs[1].vaddr = UINT64_MAX - 16;
    assert_int_equal(scan(segs, 2), LSCAN_ERR_BAD_SEGMENT);
    assert_non_null(strstr(diag.message, "passes 2^64"));
    segs[1] = (struct lscan_segment){ IMAGE_VADDR, NULL, 8, 8, 0 };
    assert_int_equal(scan(segs, 2), LSCAN_ERR_BAD_SEGMENT);
    assert_non_null(strstr(diag.message, "no data"));
}

/* The first error is the one reported; the result is still complete for the log. */
static void test_lscan_reports_first_error_and_fills_result(void **state)
{
    (void)state;
    image_reset();
    place_hhdm(10);
    place_hhdm(20);
    place_id(30, LIMINE_RSDP_ID2, LIMINE_RSDP_ID3, 0)->response = 1;
    expect_error(LSCAN_ERR_DUPLICATE_REQUEST, hex_word(20), NULL);
    assert_int_equal(result.count, 3);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_OK); /* its set response is tolerated */
}

static void test_lscan_accepts_null_diag_and_clears_diag_on_success(void **state)
{
    struct lscan_segment s = image_segment(0, IMAGE_WORDS);
    (void)state;
    image_reset();
    place_hhdm(10);
    place_hhdm(20);
    assert_int_equal(lscan_scan(&s, 1, &result, NULL), LSCAN_ERR_DUPLICATE_REQUEST);
    image_reset();
    place_hhdm(10);
    expect_ok_scan(); /* the fixture poisons the diag first */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lscan_reports_duplicate_request),
        cmocka_unit_test(test_lscan_reports_duplicate_unknown_id),
        cmocka_unit_test(test_lscan_tolerates_response_not_zero),
        cmocka_unit_test(test_lscan_tolerates_misaligned_request),
        cmocka_unit_test(test_lscan_finds_misaligned_request_at_segment_start),
        cmocka_unit_test(test_lscan_reports_second_base_revision_tag),
        cmocka_unit_test(test_lscan_reads_reversed_markers_as_limine_does),
        cmocka_unit_test(test_lscan_reports_too_many_requests),
        cmocka_unit_test(test_lscan_rejects_inconsistent_segment),
        cmocka_unit_test(test_lscan_reports_first_error_and_fills_result),
        cmocka_unit_test(test_lscan_accepts_null_diag_and_clears_diag_on_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
