/* Pure: every byte of a file once, in order, from the pieces already in memory or from gap reads. */
#include "core/filewalk.h"

const char *filewalk_error_name(enum filewalk_error err)
{
    switch (err) {
    case FILEWALK_OK: return "ok";
    case FILEWALK_TOO_MANY_PIECES: return "too-many-pieces";
    case FILEWALK_PIECE_OUTSIDE: return "piece-outside-file";
    case FILEWALK_DISAGREE: return "pieces-disagree";
    case FILEWALK_READ_FAILED: return "read-failed";
    }
    return "unknown";
}

/* Copies the non-empty pieces into out sorted by offset (insertion sort: n is small). */
static size_t sort_pieces(const struct filewalk_piece *in, size_t n, struct filewalk_piece *out)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        if (in[i].len == 0)
            continue;
        size_t j = count++;
        for (; j > 0 && out[j - 1].offset > in[i].offset; j--)
            out[j] = out[j - 1];
        out[j] = in[i];
    }
    return count;
}

/* Reads [from, to) through the scratch buffer and consumes it. */
static bool consume_gap(const struct filewalk_io *io, uint64_t from, uint64_t to)
{
    while (from < to) {
        uint64_t len = to - from < io->scratch_size ? to - from : io->scratch_size;
        if (!io->read(io->ctx, from, io->scratch, len))
            return false;
        io->consume(io->ctx, io->scratch, len);
        from += len;
    }
    return true;
}

/* Compares piece p's bytes below `upto` with every earlier piece holding the same file bytes.
 * The file bytes [p.offset, upto) were all consumed from earlier pieces (no gap lies there). */
static bool agrees_with_earlier(const struct filewalk_piece *sorted, size_t index, uint64_t upto,
                                uint64_t *bad_offset)
{
    const struct filewalk_piece *p = &sorted[index];

    for (size_t q = 0; q < index; q++) {
        uint64_t lo = sorted[q].offset > p->offset ? sorted[q].offset : p->offset;
        uint64_t hi = sorted[q].offset + sorted[q].len;
        hi = hi < upto ? hi : upto;
        for (uint64_t at = lo; at < hi; at++) {
            uint8_t mine = ((const uint8_t *)p->data)[at - p->offset];
            uint8_t theirs = ((const uint8_t *)sorted[q].data)[at - sorted[q].offset];
            if (mine != theirs) {
                *bad_offset = at;
                return false;
            }
        }
    }
    return true;
}

enum filewalk_error filewalk_run(const struct filewalk_piece *pieces, size_t n, uint64_t file_size,
                                 const struct filewalk_io *io, uint64_t *bad_offset)
{
    struct filewalk_piece sorted[FILEWALK_MAX_PIECES];
    uint64_t cursor = 0, end;
    size_t count;

    *bad_offset = 0;
    if (n > FILEWALK_MAX_PIECES)
        return FILEWALK_TOO_MANY_PIECES;
    count = sort_pieces(pieces, n, sorted);
    for (size_t i = 0; i < count; i++) {
        const struct filewalk_piece *p = &sorted[i];
        if (__builtin_add_overflow(p->offset, p->len, &end) || end > file_size) {
            *bad_offset = p->offset;
            return FILEWALK_PIECE_OUTSIDE;
        }
        if (p->offset > cursor && !consume_gap(io, cursor, p->offset))
            return FILEWALK_READ_FAILED;
        uint64_t from = p->offset > cursor ? p->offset : cursor;
        if (!agrees_with_earlier(sorted, i, from < end ? from : end, bad_offset))
            return FILEWALK_DISAGREE;
        if (end > from) {
            io->consume(io->ctx, (const uint8_t *)p->data + (from - p->offset), end - from);
            cursor = end;
        }
    }
    return consume_gap(io, cursor, file_size) ? FILEWALK_OK : FILEWALK_READ_FAILED;
}
