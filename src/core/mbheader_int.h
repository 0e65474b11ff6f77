/* Pure, internal to mbheader*.c: the search and address rules both Multiboot versions share. */
#ifndef EMBER_MBHEADER_INT_H
#define EMBER_MBHEADER_INT_H

#include "core/mbheader.h"

#define MB1_NAME "multiboot"
#define MB2_NAME "multiboot2"
#define MB_WORD 4u

/* The little-endian u32 at p (any alignment). */
uint32_t mb_u32(const uint8_t *p);

/* Sets d to MB_OK and "". */
void mb_diag_clear(struct mb_diag *d);

/* Records code and "<proto>: <message>" in d; returns MB_MALFORMED. */
__attribute__((format(printf, 4, 5)))
enum mb_status mb_fail(struct mb_diag *d, enum mb_error code, const char *proto, const char *fmt, ...);

/* Looks for the header among the offsets 0, align, 2 * align, ... whose first fixed_bytes lie in
 * file[0, min(len, window)): the first with magic whose fixed words (fixed_bytes / 4 of them,
 * checksum included) sum to 0 mod 2^32. MB_FOUND: *at is its offset. MB_MALFORMED: magic seen
 * but no sum holds, d says where the first was. MB_ABSENT: no magic at any such offset. */
enum mb_status mb_locate(const uint8_t *file, size_t len, uint32_t window, uint32_t align, uint32_t magic,
                         uint32_t fixed_bytes, const char *proto, uint32_t *at, struct mb_diag *d);

/* Checks the header spanning [at, at + bytes) against the window and the file. */
enum mb_status mb_check_extent(size_t len, uint32_t window, uint32_t at, uint64_t bytes, const char *proto,
                               const char *what, struct mb_diag *d);

/* The address fields' load plan (struct mb_load), checked against the a.out rules in
 * mbheader.h. header_at: the header's file offset; from_start: load_addr 0xFFFFFFFF means the
 * file's beginning (MB2). */
enum mb_status mb_plan_load(const struct mb_address *a, uint32_t header_at, size_t len, bool from_start,
                            const char *proto, struct mb_load *out, struct mb_diag *d);

/* entry_addr must be a byte of [load_addr, load_addr + size). */
enum mb_status mb_check_entry(const struct mb_load *l, uint32_t entry_addr, const char *proto,
                              struct mb_diag *d);

#endif
