/* Fake physical memory with RSDP, XSDT/RSDT and MADT builders for the ACPI tests (host only). */
#ifndef EMBER_TESTS_ACPI_FIXTURES_H
#define EMBER_TESTS_ACPI_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/acpi.h"

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

#define RSDP_V1_BYTES 20
#define RSDP_V2_BYTES 36
#define RSDP_CHECKSUM_OFF 8
#define RSDP_EXT_CHECKSUM_OFF 32
#define SDT_CHECKSUM_OFF 9
#define SDT_LENGTH_OFF 4
#define MADT_HEADER_BYTES 44
#define STD_LAPIC_ADDRESS 0xfee00000u
#define OVERRIDE_LAPIC_ADDRESS 0x1fee00000ULL

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

/* --- MADT builder: madt_begin, entries, madt_end (sets Length and the checksum) ---------------- */

struct madt_builder {
    uint64_t addr;
    uint32_t len;
};

static inline void madt_begin(struct madt_builder *b, uint64_t addr, uint32_t lapic, uint32_t flags)
{
    b->addr = addr;
    b->len = MADT_HEADER_BYTES;
    put_header(addr, "APIC", MADT_HEADER_BYTES);
    put_le(addr + 36, lapic, 4);
    put_le(addr + 40, flags, 4);
}

/* Appends an entry header (type, len) and returns the entry's address; the body is zeroed. */
static inline uint64_t madt_entry(struct madt_builder *b, uint8_t type, uint8_t len)
{
    uint64_t e = b->addr + b->len;

    memset(at(e, len > 2 ? len : 2), 0, len > 2 ? len : 2);
    put_le(e, type, 1);
    put_le(e + 1, len, 1);
    b->len += len;
    return e;
}

static inline void madt_lapic(struct madt_builder *b, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    uint64_t e = madt_entry(b, MADT_TYPE_LOCAL_APIC, 8);
    put_le(e + 2, uid, 1);
    put_le(e + 3, apic_id, 1);
    put_le(e + 4, flags, 4);
}

static inline void madt_ioapic(struct madt_builder *b, uint8_t id, uint32_t address, uint32_t gsi)
{
    uint64_t e = madt_entry(b, MADT_TYPE_IO_APIC, 12);
    put_le(e + 2, id, 1);
    put_le(e + 4, address, 4);
    put_le(e + 8, gsi, 4);
}

static inline void madt_iso(struct madt_builder *b, uint8_t bus, uint8_t source, uint32_t gsi,
                            uint16_t flags)
{
    uint64_t e = madt_entry(b, MADT_TYPE_SOURCE_OVERRIDE, 10);
    put_le(e + 2, bus, 1);
    put_le(e + 3, source, 1);
    put_le(e + 4, gsi, 4);
    put_le(e + 8, flags, 2);
}

static inline void madt_lapic_override(struct madt_builder *b, uint64_t address)
{
    uint64_t e = madt_entry(b, MADT_TYPE_LAPIC_ADDRESS_OVERRIDE, 12);
    put_le(e + 4, address, 8);
}

static inline void madt_x2apic(struct madt_builder *b, uint32_t x2apic_id, uint32_t flags,
                               uint32_t uid)
{
    uint64_t e = madt_entry(b, MADT_TYPE_LOCAL_X2APIC, 16);
    put_le(e + 4, x2apic_id, 4);
    put_le(e + 8, flags, 4);
    put_le(e + 12, uid, 4);
}

static inline void madt_lapic_nmi(struct madt_builder *b, uint8_t uid, uint16_t flags, uint8_t lint)
{
    uint64_t e = madt_entry(b, MADT_TYPE_LAPIC_NMI, 6);
    put_le(e + 2, uid, 1);
    put_le(e + 3, flags, 2);
    put_le(e + 5, lint, 1);
}

static inline void madt_x2apic_nmi(struct madt_builder *b, uint32_t uid, uint16_t flags, uint8_t lint)
{
    uint64_t e = madt_entry(b, MADT_TYPE_X2APIC_NMI, 12);
    put_le(e + 2, flags, 2);
    put_le(e + 4, uid, 4);
    put_le(e + 8, lint, 1);
}

/* Finishes the MADT: Length = bytes appended so far, valid checksum. Returns the Length. */
static inline uint32_t madt_end(struct madt_builder *b)
{
    put_le(b->addr + SDT_LENGTH_OFF, b->len, 4);
    fix_table(b->addr);
    return b->len;
}

/* The standard MADT: 4 local APICs (APIC 2 disabled, APIC 3 online-capable), 2 x2APICs (one
 * enabled, one online-capable), 1 I/O APIC, 2 source overrides, PCAT_COMPAT and, when asked, a
 * Local APIC Address Override in the middle. Returns its Length. */
static inline uint32_t put_std_madt(uint64_t addr, bool address_override)
{
    struct madt_builder b;

    madt_begin(&b, addr, STD_LAPIC_ADDRESS, MADT_FLAG_PCAT_COMPAT);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_lapic(&b, 1, 1, MADT_CPU_ENABLED);
    madt_ioapic(&b, 8, 0xfec00000u, 0);
    madt_lapic(&b, 2, 2, 0);
    madt_lapic(&b, 3, 3, MADT_CPU_ONLINE_CAPABLE);
    madt_iso(&b, 0, 0, 2, 0);
    if (address_override)
        madt_lapic_override(&b, OVERRIDE_LAPIC_ADDRESS);
    madt_iso(&b, 0, 9, 9, 0xd);
    madt_x2apic(&b, 0x100, MADT_CPU_ENABLED, 0x104);
    madt_x2apic(&b, 0x101, MADT_CPU_ONLINE_CAPABLE, 0x105);
    return madt_end(&b);
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
    put_std_madt(MADT_ADDR, false);
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
