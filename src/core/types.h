/* Address types and size constants shared by every ember module (host and firmware builds). */
#ifndef EMBER_TYPES_H
#define EMBER_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical and virtual addresses are distinct single-member structs so that
 * passing one where the other is expected is a compile error, not a bug. */
typedef struct { uint64_t addr; } phys_addr_t;
typedef struct { uint64_t addr; } virt_addr_t;

static inline phys_addr_t phys(uint64_t addr) { return (phys_addr_t){ addr }; }
static inline virt_addr_t virt(uint64_t addr) { return (virt_addr_t){ addr }; }

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define GIB (1024ULL * MIB)

#define PAGE_SIZE_4K (4 * KIB)
#define PAGE_SIZE_2M (2 * MIB)
#define PAGE_SIZE_1G (1 * GIB)

static inline uint64_t align_down(uint64_t value, uint64_t align) { return value & ~(align - 1); }
static inline bool is_aligned(uint64_t value, uint64_t align) { return (value & (align - 1)) == 0; }

/* Rounds value up to align (a power of two). Returns false instead of wrapping past 2^64. */
static inline bool align_up_checked(uint64_t value, uint64_t align, uint64_t *out)
{
    uint64_t sum;
    if (__builtin_add_overflow(value, align - 1, &sum))
        return false;
    *out = sum & ~(align - 1);
    return true;
}

/* Loader-level permission of a mapped range. ELF flags become this, and this becomes page-table
 * bits in exactly one place (arch/x86_64/paging.c), so each step is testable on its own. */
enum page_attr {
    PAGE_READ_ONLY = 0,
    PAGE_READ_WRITE,    /* data: writable, never executable */
    PAGE_EXECUTABLE,    /* code: read + execute, never writable */
    PAGE_WRITE_EXECUTE, /* only when ember.cfg says allow_wx=yes, and the Limine protocol's direct map */
    PAGE_WRITE_EXECUTE_WC, /* as PAGE_WRITE_EXECUTE, write-combining (PAT entry 5 in the Limine
                            * layout): the Limine protocol's framebuffer in the direct map */
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
