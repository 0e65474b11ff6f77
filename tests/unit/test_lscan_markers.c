/* Host tests of the request markers (src/core/lscan.c): hints for base revisions 0-1, binding from 2. */
#include "lscan_fixtures.h"
#include "core/decide.h"

/* Layout shared by most tests: an HHDM request before the markers, a memory-map request between
 * them, a framebuffer request after them; the tag at word 104 (inside) with `revision`. */
#define BEFORE 20
#define START 99 /* odd word indices for both markers: the probe sees their second word */
#define TAG 104
#define INSIDE 110
#define END 201
#define AFTER 220

static void place_layout(uint64_t revision)
{
    image_reset();
    place_hhdm(BEFORE);
    place_start_marker(START);
    place_tag(TAG, revision);
    place_id(INSIDE, LIMINE_MEMMAP_ID2, LIMINE_MEMMAP_ID3, 0);
    place_end_marker(END);
    place_id(AFTER, LIMINE_FRAMEBUFFER_ID2, LIMINE_FRAMEBUFFER_ID3, 0);
}

static void test_lscan_revision_2_request_outside_markers_is_not_a_request(void **state)
{
    (void)state;
    place_layout(2);
    expect_ok_scan();
    assert_true(result.markers_binding);
    assert_int_equal(result.start_vaddr, vaddr_of_word(START));
    assert_int_equal(result.end_vaddr, vaddr_of_word(END));
    assert_int_equal(result.count, 3);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
    assert_true(result.requests[0].outside_markers);
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_OK);
    assert_false(result.requests[1].outside_markers);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
}

/* Revision 3 binds the same way (any revision >= 2 does). */
static void test_lscan_revision_3_request_inside_markers_is_ok(void **state)
{
    (void)state;
    place_layout(3);
    expect_ok_scan();
    assert_true(result.markers_binding);
    assert_int_equal(result.requests[1].kind, LSCAN_MEMMAP);
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_OK);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
}

/* Revisions 0-1: markers are hints; ember answers the outside requests too and flags them. */
static void test_lscan_revision_1_markers_are_hints(void **state)
{
    size_t i;
    (void)state;
    place_layout(1);
    expect_ok_scan();
    assert_false(result.markers_binding);
    for (i = 0; i < 3; i++)
        assert_int_equal(result.requests[i].verdict, LSCAN_VERDICT_OK);
    assert_true(result.requests[0].outside_markers);
    assert_false(result.requests[1].outside_markers);
    assert_true(result.requests[2].outside_markers);
}

static void test_lscan_revision_0_without_tag_markers_are_hints(void **state)
{
    (void)state;
    place_layout(0);
    image[TAG] = 0; /* no tag at all */
    expect_ok_scan();
    assert_false(result.has_tag);
    assert_false(result.markers_binding);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OK);
    assert_true(result.requests[0].outside_markers);
}

/* Outside binding markers a request does not exist, so it cannot be a duplicate either. */
static void test_lscan_revision_2_copy_outside_markers_is_no_duplicate(void **state)
{
    (void)state;
    place_layout(2);
    place_id(BEFORE, LIMINE_MEMMAP_ID2, LIMINE_MEMMAP_ID3, 0);
    place_id(AFTER, LIMINE_MEMMAP_ID2, LIMINE_MEMMAP_ID3, 0)->response = 5;
    expect_ok_scan();
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_OK);
    /* with hints the same layout is a duplicate */
    image[TAG + 2] = 1;
    expect_error(LSCAN_ERR_DUPLICATE_REQUEST, hex_word(INSIDE), hex_word(BEFORE), NULL);
}

/* A binding tag outside its markers: Limine's scan never sees it, so the kernel boots as revision
 * 0 with the tag ignored (not written back), and the breach is named. */
static void test_lscan_revision_2_tag_outside_markers_is_ignored(void **state)
{
    (void)state;
    place_layout(2);
    image[TAG] = 0;
    place_tag(AFTER + 10, 2);
    expect_tolerated(LSCAN_ERR_TAG_OUTSIDE_MARKERS, "base revision 2 tag at", hex_word(AFTER + 10), NULL);
    assert_true(result.tag_ignored);
    assert_int_equal(decide_limine_revision(&result), 0);
    lscan_write_back_revision(&result, 0);
    assert_int_equal(image[AFTER + 10 + 1], LIMINE_BASE_REVISION_MAGIC1); /* word 1 untouched */
    assert_int_equal(image[AFTER + 10 + 2], 2);                          /* word 2 untouched */
    place_layout(1);
    image[TAG] = 0;
    place_tag(AFTER + 10, 1);
    expect_ok_scan();
    assert_true(result.tag_outside_markers);
    assert_false(result.tag_ignored); /* hints only: the tag counts */
    assert_int_equal(result.revision, 1);
}

/* "the last start marker found [...] and the first end marker found", by vaddr. */
static void test_lscan_uses_last_start_and_first_end_marker(void **state)
{
    (void)state;
    place_layout(2);
    place_start_marker(10);  /* an earlier start: superseded */
    place_end_marker(300);   /* a later end: superseded */
    expect_ok_scan();
    assert_int_equal(result.start_count, 2);
    assert_int_equal(result.end_count, 2);
    assert_int_equal(result.start_vaddr, vaddr_of_word(START));
    assert_int_equal(result.end_vaddr, vaddr_of_word(END));
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
}

/* "start and/or end markers": one marker bounds one side. */
static void test_lscan_single_marker_bounds_one_side(void **state)
{
    (void)state;
    place_layout(2);
    image[END] = 0;
    expect_ok_scan();
    assert_false(result.has_end);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_OK);
    place_layout(2);
    image[START] = 0;
    expect_ok_scan();
    assert_false(result.has_start);
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OK);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
}

/* Markers in one segment bound requests in another: the bounds are vaddrs. */
static void test_lscan_markers_bound_across_segments(void **state)
{
    struct lscan_segment segs[3] = { image_segment(201, 100), image_segment(0, 99),
                                     image_segment(99, 102) };
    (void)state;
    place_layout(3);
    assert_int_equal(scan(segs, 3), LSCAN_OK);
    assert_int_equal(result.count, 3);
    /* scan order follows the segments: after, before, inside */
    assert_int_equal(result.requests[0].vaddr, vaddr_of_word(AFTER));
    assert_int_equal(result.requests[0].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
    assert_int_equal(result.requests[1].verdict, LSCAN_VERDICT_OUTSIDE_MARKERS);
    assert_int_equal(result.requests[2].verdict, LSCAN_VERDICT_OK);
}

static void test_lscan_detect_reports_markers_without_requests(void **state)
{
    struct lscan_segment s = image_segment(0, IMAGE_WORDS);
    char why[96];
    (void)state;
    place_layout(2);
    image[TAG] = 0;
    image[INSIDE] = 0;
    /* no tag; requests only outside, markers are hints: the first outside one counts */
    assert_true(lscan_detect(&s, 1, why, sizeof why));
    assert_non_null(strstr(why, "HHDM request at"));
    /* only the markers left (the requests in .bss, say): still a Limine kernel */
    image[BEFORE] = 0;
    image[AFTER] = 0;
    assert_true(lscan_detect(&s, 1, why, sizeof why));
    assert_non_null(strstr(why, "request marker at"));
    assert_non_null(strstr(why, hex_word(START)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lscan_revision_2_request_outside_markers_is_not_a_request),
        cmocka_unit_test(test_lscan_revision_3_request_inside_markers_is_ok),
        cmocka_unit_test(test_lscan_revision_1_markers_are_hints),
        cmocka_unit_test(test_lscan_revision_0_without_tag_markers_are_hints),
        cmocka_unit_test(test_lscan_revision_2_copy_outside_markers_is_no_duplicate),
        cmocka_unit_test(test_lscan_revision_2_tag_outside_markers_is_ignored),
        cmocka_unit_test(test_lscan_uses_last_start_and_first_end_marker),
        cmocka_unit_test(test_lscan_single_marker_bounds_one_side),
        cmocka_unit_test(test_lscan_markers_bound_across_segments),
        cmocka_unit_test(test_lscan_detect_reports_markers_without_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
