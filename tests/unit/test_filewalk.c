/* Host tests of filewalk_run: every file byte once, in order, from memory pieces or gap reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/filewalk.h"

#define FILE_SIZE 5000

struct fake {
    uint8_t file[FILE_SIZE];   /* what the device returns */
    uint8_t seen[FILE_SIZE];   /* what consume received, in order */
    uint64_t seen_len;
    unsigned reads;
    bool fail_reads;
    uint8_t scratch[100];
};

static bool fake_read(void *ctx, uint64_t offset, void *buf, uint64_t len)
{
    struct fake *f = ctx;
    f->reads++;
    if (f->fail_reads || offset + len > FILE_SIZE)
        return false;
    memcpy(buf, f->file + offset, len);
    return true;
}

static void fake_consume(void *ctx, const void *data, uint64_t len)
{
    struct fake *f = ctx;
    assert_true(f->seen_len + len <= FILE_SIZE);
    memcpy(f->seen + f->seen_len, data, len);
    f->seen_len += len;
}

static struct fake fk;

static struct filewalk_io fake_io(void)
{
    memset(&fk, 0, sizeof fk);
    for (unsigned i = 0; i < FILE_SIZE; i++)
        fk.file[i] = (uint8_t)(i * 7 + (i >> 8));
    return (struct filewalk_io){ fake_read, fake_consume, &fk, fk.scratch, sizeof fk.scratch };
}

/* A piece holding a private copy of file bytes [offset, offset + len). */
static uint8_t copies[4][FILE_SIZE];
static struct filewalk_piece piece(unsigned copy, uint64_t offset, uint64_t len)
{
    memcpy(copies[copy], fk.file + offset, len);
    return (struct filewalk_piece){ offset, len, copies[copy] };
}

static void test_filewalk_reads_whole_file_when_no_pieces(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad;
    (void)state;
    assert_int_equal(filewalk_run(NULL, 0, FILE_SIZE, &io, &bad), FILEWALK_OK);
    assert_int_equal(fk.seen_len, FILE_SIZE);
    assert_memory_equal(fk.seen, fk.file, FILE_SIZE);
    assert_int_equal(fk.reads, (FILE_SIZE + 99) / 100); /* chunks of the scratch size */
}

static void test_filewalk_takes_pieces_from_memory_and_reads_only_gaps(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad;
    (void)state;
    struct filewalk_piece p[] = { piece(0, 3000, 1500), piece(1, 64, 56 * 3) }; /* out of order */
    memset(fk.file + 64, 0xEE, 56 * 3); /* the device now says otherwise: memory must win */
    memset(fk.file + 3000, 0xEE, 1500);
    assert_int_equal(filewalk_run(p, 2, FILE_SIZE, &io, &bad), FILEWALK_OK);
    assert_int_equal(fk.seen_len, FILE_SIZE);
    assert_memory_equal(fk.seen + 64, copies[1], 56 * 3);
    assert_memory_equal(fk.seen + 3000, copies[0], 1500);
    assert_memory_equal(fk.seen, fk.file, 64);
    assert_memory_equal(fk.seen + 4500, fk.file + 4500, 500);
    /* gaps: [0,64) 1 read, [232,3000) 28 reads, [4500,5000) 5 reads */
    assert_int_equal(fk.reads, 1 + 28 + 5);
}

static void test_filewalk_accepts_overlapping_pieces_that_agree(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad;
    (void)state;
    /* an ELF header read on its own and again as part of the first PT_LOAD at offset 0 */
    struct filewalk_piece p[] = { piece(0, 0, 64), piece(1, 0, 4096), piece(2, 100, 50) };
    assert_int_equal(filewalk_run(p, 3, FILE_SIZE, &io, &bad), FILEWALK_OK);
    assert_int_equal(fk.seen_len, FILE_SIZE);
    assert_memory_equal(fk.seen, fk.file, FILE_SIZE);
}

static void test_filewalk_reports_overlap_that_disagrees(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad = 0;
    (void)state;
    struct filewalk_piece p[] = { piece(0, 0, 64), piece(1, 0, 4096) };
    copies[1][40] ^= 1; /* the segment's copy of the header differs from the validated header */
    assert_int_equal(filewalk_run(p, 2, FILE_SIZE, &io, &bad), FILEWALK_DISAGREE);
    assert_int_equal(bad, 40);
}

static void test_filewalk_reports_piece_nested_inside_another_that_disagrees(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad = 0;
    (void)state;
    struct filewalk_piece p[] = { piece(0, 1000, 2000), piece(1, 1500, 10) };
    copies[1][9] ^= 0x80;
    assert_int_equal(filewalk_run(p, 2, FILE_SIZE, &io, &bad), FILEWALK_DISAGREE);
    assert_int_equal(bad, 1509);
}

static void test_filewalk_rejects_piece_past_end_and_too_many_pieces(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad = 0;
    struct filewalk_piece many[FILEWALK_MAX_PIECES + 1];
    (void)state;
    struct filewalk_piece p[] = { piece(0, 4990, 10), { 4995, 10, copies[1] } };
    assert_int_equal(filewalk_run(p, 2, FILE_SIZE, &io, &bad), FILEWALK_PIECE_OUTSIDE);
    assert_int_equal(bad, 4995);
    struct filewalk_piece wrap = { UINT64_MAX - 1, 4, copies[0] };
    assert_int_equal(filewalk_run(&wrap, 1, FILE_SIZE, &io, &bad), FILEWALK_PIECE_OUTSIDE);
    memset(many, 0, sizeof many);
    assert_int_equal(filewalk_run(many, FILEWALK_MAX_PIECES + 1, FILE_SIZE, &io, &bad),
                     FILEWALK_TOO_MANY_PIECES);
    fk.seen_len = 0;
    assert_int_equal(filewalk_run(many, FILEWALK_MAX_PIECES, FILE_SIZE, &io, &bad), FILEWALK_OK);
}

static void test_filewalk_reports_failed_gap_read(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad;
    (void)state;
    struct filewalk_piece p[] = { piece(0, 0, 4000) };
    fk.fail_reads = true;
    assert_int_equal(filewalk_run(p, 1, FILE_SIZE, &io, &bad), FILEWALK_READ_FAILED);
    assert_int_equal(fk.seen_len, 4000);
    assert_string_equal(filewalk_error_name(FILEWALK_READ_FAILED), "read-failed");
}

static void test_filewalk_needs_no_read_when_pieces_cover_the_file(void **state)
{
    struct filewalk_io io = fake_io();
    uint64_t bad;
    (void)state;
    struct filewalk_piece p[] = { piece(0, 0, 2500), piece(1, 2500, 2500), { 10, 0, NULL } };
    fk.fail_reads = true;
    assert_int_equal(filewalk_run(p, 3, FILE_SIZE, &io, &bad), FILEWALK_OK);
    assert_int_equal(fk.reads, 0);
    assert_memory_equal(fk.seen, fk.file, FILE_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filewalk_reads_whole_file_when_no_pieces),
        cmocka_unit_test(test_filewalk_takes_pieces_from_memory_and_reads_only_gaps),
        cmocka_unit_test(test_filewalk_accepts_overlapping_pieces_that_agree),
        cmocka_unit_test(test_filewalk_reports_overlap_that_disagrees),
        cmocka_unit_test(test_filewalk_reports_piece_nested_inside_another_that_disagrees),
        cmocka_unit_test(test_filewalk_rejects_piece_past_end_and_too_many_pieces),
        cmocka_unit_test(test_filewalk_reports_failed_gap_read),
        cmocka_unit_test(test_filewalk_needs_no_read_when_pieces_cover_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
