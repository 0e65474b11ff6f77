/* Pure: request-like kernel symbols in .bss, which no loader can see (zero in the file). */
#include "core/lscan.h"
#include "core/bytes.h"

#define SYM_SIZE 24            /* Elf64_Sym */
#define STT_OBJECT 1
#define SYM_TYPE_MASK 0xf
#define NO_NAME ((size_t)-1)

/* Length of the NUL-terminated name at strtab[at..], or NO_NAME when no NUL lies within the
 * table's first LSCAN_BSS_NAME_MAX + 1 bytes from at. Reads at most that many bytes, so a table
 * without NULs costs each symbol O(LSCAN_BSS_NAME_MAX), not the rest of the table. */
static size_t name_length(const char *strtab, uint64_t size, uint64_t at)
{
    uint64_t room = at < size ? size - at : 0;
    size_t limit = room < LSCAN_BSS_NAME_MAX + 1 ? (size_t)room : LSCAN_BSS_NAME_MAX + 1;

    for (size_t i = 0; i < limit; i++)
        if (strtab[at + i] == '\0')
            return i;
    return NO_NAME;
}

/* True when name[0..len) holds needle. The needles ("request", "_req") have no prefix that is
 * also a suffix, so each position's compare stops within a few bytes: O(len) overall. */
static bool contains(const char *name, size_t len, const char *needle)
{
    for (size_t i = 0; i < len; i++) {
        size_t k = 0;
        while (needle[k] != '\0' && i + k < len && name[i + k] == needle[k])
            k++;
        if (needle[k] == '\0')
            return true;
    }
    return false;
}

/* True when [vaddr, vaddr + size) lies inside the memory-only tail of a segment. */
static bool in_bss(const struct lscan_segment *segs, size_t n, uint64_t vaddr, uint64_t size)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t lo = segs[i].vaddr + segs[i].filesz, hi = segs[i].vaddr + segs[i].memsz;
        if (vaddr >= lo && vaddr < hi && size <= hi - vaddr)
            return true;
    }
    return false;
}

size_t lscan_bss_symbols(const void *symtab, uint64_t symtab_size, const char *strtab, uint64_t strtab_size,
                         uint64_t slide, const struct lscan_segment *segs, size_t n,
                         struct lscan_bss_symbol *out, size_t cap)
{
    const uint8_t *p = symtab;
    size_t found = 0;

    for (uint64_t at = 0; at + SYM_SIZE <= symtab_size; at += SYM_SIZE) {
        const uint8_t *sym = p + at;
        uint64_t name = (uint64_t)sym[0] | (uint64_t)sym[1] << 8 | (uint64_t)sym[2] << 16 | (uint64_t)sym[3] << 24;
        uint64_t value = le_load64(sym + 8) + slide, size = le_load64(sym + 16);
        if ((sym[4] & SYM_TYPE_MASK) != STT_OBJECT || size < LIMINE_REQUEST_HEADER_SIZE || !in_bss(segs, n, value, size))
            continue;
        size_t len = name_length(strtab, strtab_size, name);
        if (len == NO_NAME || !(contains(strtab + name, len, "request") || contains(strtab + name, len, "_req")))
            continue;
        if (found < cap)
            out[found] = (struct lscan_bss_symbol){ strtab + name, value, size };
        found++;
    }
    return found;
}
