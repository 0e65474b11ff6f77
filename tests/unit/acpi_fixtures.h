/* Fake physical memory with RSDP and XSDT/RSDT builders for the ACPI tests (host only). */
#ifndef EMBER_TESTS_ACPI_FIXTURES_H
#define EMBER_TESTS_ACPI_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ember/acpi.h"

/* Two readable windows: low RAM at PHYS_BASE, and the last page below 2^64 (for wrap tests).
 * Address 0 and everything else is unmapped. */
#define PHYS_BASE 0x7f00000ULL
#define LOW_SIZE (64 * KIB)
#define HIGH_BASE (0ULL - PAGE_SIZE_4K)
#define HIGH_SIZE PAGE_SIZE_4K
#define GARBAGE 0xAA

/* Where the standard platform puts things. */
#define RSDP_ADDR (PHYS_BASE + 0x40)
#define XSDT_ADDR (PHYS_BASE + 0x100)
#define RSDT_ADDR (PHYS_BASE + 0x200)
#define FACP_ADDR (PHYS_BASE + 0x300)
#define HPET_ADDR (PHYS_BASE + 0x400)
#define MADT_ADDR (PHYS_BASE + 0x1000)
#define SPARE_ADDR (PHYS_BASE + 0x8000) /* free for a test's extra tables */
#define FACP_LENGTH 116
#define HPET_LENGTH 56
#define MADT_LENGTH 140

#define RSDP_V1_BYTES 20
#define RSDP_V2_BYTES 36
#define RSDP_CHECKSUM_OFF 8
#define RSDP_EXT_CHECKSUM_OFF 32
#define SDT_CHECKSUM_OFF 9
#define SDT_LENGTH_OFF 4

struct fake_mem {
    uint8_t low[LOW_SIZE];
    uint8_t high[HIGH_SIZE];
    unsigned maps, refused;
};

static struct fake_mem mem;

/* The map callback: a pointer into one window when [addr, addr + len) lies wholly inside it. */
static inline const void *fake_map(void *ctx, uint64_t addr, uint64_t len)
{
    struct fake_mem *m = ctx;

    m->maps++;
    if (addr >= PHYS_BASE && addr - PHYS_BASE <= LOW_SIZE && len <= LOW_SIZE - (addr - PHYS_BASE))
        return m->low + (addr - PHYS_BASE);
    if (addr >= HIGH_BASE && len <= HIGH_SIZE - (addr - HIGH_BASE))
        return m->high + (addr - HIGH_BASE);
    m->refused++;
    return NULL;
}

static const struct acpi_access fake_io = { fake_map, &mem };

/* Writable bytes at physical addr (n of them must be inside a window). */
static inline uint8_t *at(uint64_t addr, uint64_t n)
{
    uint8_t *p = (uint8_t *)fake_map(&mem, addr, n);

    assert_non_null(p);
    return p;
}

static inline void put_le(uint64_t addr, uint64_t value, unsigned bytes)
{
    uint8_t *p = at(addr, bytes);
    unsigned i;

    for (i = 0; i < bytes; i++)
        p[i] = (uint8_t)(value >> (8 * i));
}

static inline uint8_t byte_sum(uint64_t addr, uint64_t len)
{
    const uint8_t *p = at(addr, len);
    uint8_t sum = 0;

    while (len-- > 0)
        sum = (uint8_t)(sum + *p++);
    return sum;
}

/* Sets the checksum byte at addr + sum_off so the len bytes at addr sum to 0. */
static inline void fix_sum(uint64_t addr, uint64_t len, unsigned sum_off)
{
    uint8_t *c = at(addr + sum_off, 1);

    *c = 0;
    *c = (uint8_t)(0x100 - byte_sum(addr, len));
}

static inline uint32_t table_length(uint64_t addr)
{
    const uint8_t *p = at(addr + SDT_LENGTH_OFF, 4);
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Recomputes the checksum of the table at addr over its header Length. */
static inline void fix_table(uint64_t addr)
{
    fix_sum(addr, table_length(addr), SDT_CHECKSUM_OFF);
}

/* A table header with signature sig and Length len; the body is left as it is. */
static inline void put_header(uint64_t addr, const char *sig, uint32_t len)
{
    memcpy(at(addr, 4), sig, 4);
    put_le(addr + SDT_LENGTH_OFF, len, 4);
    put_le(addr + 8, 1, 1);                      /* Revision */
    memcpy(at(addr + 10, 6), "EMBERT", 6);        /* OEMID */
    memcpy(at(addr + 16, 8), "FIXTURE ", 8);      /* OEM Table ID */
}

/* A complete dummy table of len bytes with a valid checksum. */
static inline void put_table(uint64_t addr, const char *sig, uint32_t len)
{
    put_header(addr, sig, len);
    fix_table(addr);
}

/* An RSDP of the given revision with valid checksums (rev >= 2: Length 36, XsdtAddress xsdt). */
static inline void put_rsdp(uint64_t addr, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    memcpy(at(addr, 8), "RSD PTR ", 8);
    memcpy(at(addr + 9, 6), "EMBERT", 6);
    put_le(addr + 15, revision, 1);
    put_le(addr + 16, rsdt, 4);
    if (revision >= 2) {
        put_le(addr + 20, RSDP_V2_BYTES, 4);
        put_le(addr + 24, xsdt, 8);
        put_le(addr + 33, 0, 3);
        fix_sum(addr, RSDP_V1_BYTES, RSDP_CHECKSUM_OFF);
        fix_sum(addr, RSDP_V2_BYTES, RSDP_EXT_CHECKSUM_OFF);
    } else {
        fix_sum(addr, RSDP_V1_BYTES, RSDP_CHECKSUM_OFF);
    }
}

/* An XSDT (entry_size 8) or RSDT (4) at addr listing n addresses. */
static inline void put_root(uint64_t addr, unsigned entry_size, const uint64_t *entries, unsigned n)
{
    unsigned i;

    put_header(addr, entry_size == 8 ? "XSDT" : "RSDT", 36 + entry_size * n);
    for (i = 0; i < n; i++)
        put_le(addr + 36 + i * entry_size, entries[i], entry_size);
    fix_table(addr);
}

/* The standard platform: RSDP (revision rev) -> XSDT [FACP, HPET, MADT] and RSDT [FACP, MADT]. */
static inline void platform_init(uint8_t rev)
{
    const uint64_t xsdt_entries[] = { FACP_ADDR, HPET_ADDR, MADT_ADDR };
    const uint64_t rsdt_entries[] = { FACP_ADDR, MADT_ADDR };

    memset(&mem, GARBAGE, sizeof mem);
    mem.maps = mem.refused = 0;
    put_table(FACP_ADDR, "FACP", FACP_LENGTH);
    put_table(HPET_ADDR, "HPET", HPET_LENGTH);
    put_table(MADT_ADDR, "APIC", MADT_LENGTH);
    put_root(XSDT_ADDR, 8, xsdt_entries, 3);
    put_root(RSDT_ADDR, 4, rsdt_entries, 2);
    put_rsdp(RSDP_ADDR, rev, (uint32_t)RSDT_ADDR, XSDT_ADDR);
}

/* The diag says code, its message starts with the rule name and contains `needle`. */
static inline void assert_diag(const struct acpi_diag *d, enum acpi_error code, const char *needle)
{
    assert_int_equal(d->code, code);
    assert_int_equal(strncmp(d->message, acpi_error_name(code), strlen(acpi_error_name(code))), 0);
    if (strstr(d->message, needle) == NULL)
        fail_msg("diag message \"%s\" lacks \"%s\"", d->message, needle);
}

#endif
