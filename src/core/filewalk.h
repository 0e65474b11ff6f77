/* Pure: visit every byte of a file exactly once, in order, taking the bytes ember already holds in
 * memory (headers, loaded segments) from there and reading only the gaps. Lets ember hash the bytes
 * that will run instead of a second read of the file. */
#ifndef EMBER_FILEWALK_H
#define EMBER_FILEWALK_H

#include "core/types.h"

#define FILEWALK_MAX_PIECES 40

/* File bytes [offset, offset + len) as they are in memory at data. */
struct filewalk_piece {
    uint64_t offset;
    uint64_t len;
    const void *data;
};

enum filewalk_error {
    FILEWALK_OK = 0,
    FILEWALK_TOO_MANY_PIECES, /* more than FILEWALK_MAX_PIECES */
    FILEWALK_PIECE_OUTSIDE,   /* a piece ends past the file (or wraps) */
    FILEWALK_DISAGREE,        /* two pieces hold the same file byte with different values */
    FILEWALK_READ_FAILED,     /* the read callback failed */
};

struct filewalk_io {
    /* Reads file bytes [offset, offset + len) into buf; false on failure. */
    bool (*read)(void *ctx, uint64_t offset, void *buf, uint64_t len);
    /* Receives the file's bytes in order, each exactly once. */
    void (*consume)(void *ctx, const void *data, uint64_t len);
    void *ctx;
    void *scratch;          /* gap reads go through here */
    uint64_t scratch_size;  /* > 0 */
};

/* Feeds file bytes [0, file_size) to io->consume in order. A byte inside a piece comes from the
 * piece with the lowest offset that holds it; every other piece holding it must have the same
 * value (else FILEWALK_DISAGREE, at *bad_offset). Bytes outside every piece are read through
 * io->scratch. Pieces may come in any order; zero-length pieces are ignored. On error, consume
 * may already have seen a prefix of the file. */
enum filewalk_error filewalk_run(const struct filewalk_piece *pieces, size_t n, uint64_t file_size,
                                 const struct filewalk_io *io, uint64_t *bad_offset);

const char *filewalk_error_name(enum filewalk_error err);

#endif
