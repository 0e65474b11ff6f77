/* Pure: the byte-level helpers every parser shares - little-endian loads and stores at any
 * alignment (firmware tables, memory maps, ELF relocations, kernel images promise none) and the
 * canonical-address rule of 48-bit virtual addresses. */
#ifndef EMBER_BYTES_H
#define EMBER_BYTES_H

#include "core/types.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "le64 loads with one move: a little-endian CPU");

/* The unsigned value of `bytes` (1..8) little-endian bytes at p. */
static inline uint64_t le_load(const void *p, unsigned bytes)
{
    const uint8_t *b = p;
    uint64_t v = 0;

    while (bytes-- > 0)
        v = v << 8 | b[bytes];
    return v;
}

/* 8 little-endian bytes at p: one unaligned move on x86-64 (the scanner's hot loop uses it). */
static inline uint64_t le_load64(const void *p)
{
    uint64_t v;

    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline void le_store64(void *p, uint64_t v)
{
    __builtin_memcpy(p, &v, sizeof v);
}

/* Canonical for 48-bit virtual addresses (SDM Vol. 1 3.3.7.1): bits 63..47 all equal. */
static inline bool is_canonical(uint64_t addr)
{
    uint64_t top = addr >> 47;
    return top == 0 || top == 0x1ffff;
}

#endif
