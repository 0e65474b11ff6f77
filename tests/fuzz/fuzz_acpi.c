/* libFuzzer harness: the input is fake physical memory (RSDP at 0) for acpi_find_table + parse_madt. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acpi.h"
#include "core/smp.h"

#define FUZZ_NAME "fuzz_acpi"
#include "fuzz_common.h"

/* ACPI layout the harness needs for its checks and its checksum repair (ACPI 6.5, 5.2). */
#define RSDP_ADDRESS 0
#define RSDP_V1_LENGTH 20
#define RSDP_V2_MIN_LENGTH 36
#define RSDP_OFF_CHECKSUM 8
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_LENGTH 20
#define RSDP_OFF_XSDT 24
#define RSDP_OFF_EXT_CHECKSUM 32
#define SDT_OFF_LENGTH 4
#define SDT_OFF_CHECKSUM 9
#define MADT_OFF_LAPIC_ADDRESS 36
#define MADT_ENTRIES_OFFSET 44
#define SENTINEL_TABLE 0x5a5a5a5a5a5a5a5aULL
#define SENTINEL_LENGTH 0xa5a5a5a5u

static uint64_t load_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    while (bytes-- > 0)
        v = v << 8 | p[bytes];
    return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len-- > 0)
        s = (uint8_t)(s + *p++);
    return s;
}

/* --- fake physical memory: every mapping is an exactly-sized heap copy --------------------- */

/* The buffer, and the copies handed out during one module call (freed by unmap_all). ASan then
 * reports any read past the length the module asked for, not only past the input. */
struct fake_phys {
    const uint8_t *mem;
    size_t size;
    void **blocks;
    size_t count, cap;
};

static const void *fake_map(void *ctx, uint64_t addr, uint64_t len)
{
    struct fake_phys *f = ctx;
    void *copy;

    check(len > 0, "map is never asked for 0 bytes");
    if (addr > f->size || len > f->size - addr)
        return NULL;
    if (f->count == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->blocks = realloc(f->blocks, f->cap * sizeof *f->blocks);
        check(f->blocks != NULL, "realloc");
    }
    copy = malloc(len);
    check(copy != NULL, "malloc");
    memcpy(copy, f->mem + addr, len);
    f->blocks[f->count++] = copy;
    return copy;
}

static void unmap_all(struct fake_phys *f)
{
    while (f->count > 0)
        free(f->blocks[--f->count]);
}

/* --- checksum repair, so the fuzzer gets past the checksums into the walk and the MADT ------ */

/* Sets the checksum byte at off of the len-byte table at t when the table lies in the buffer. */
static void fix_checksum(uint8_t *m, size_t size, uint64_t t, uint64_t len, unsigned off)
{
    if (t > size || len > size - t || len <= off)
        return;
    m[t + off] = 0;
    m[t + off] = (uint8_t)(0x100 - sum(m + t, len));
}

/* Sets the checksum of the table whose header is at t, over its Length, when both fit. */
static void fix_table(uint8_t *m, size_t size, uint64_t t)
{
    if (t > size || size - t < ACPI_TABLE_HEADER_LENGTH)
        return;
    fix_checksum(m, size, t, load_le(m + t + SDT_OFF_LENGTH, 4), SDT_OFF_CHECKSUM);
}

/* Best effort: makes the RSDP, the root table and each table it lists sum to 0 (overlapping
 * tables may undo each other; the module must cope either way). */
static void repair(uint8_t *m, size_t size)
{
    uint64_t root, rlen, i, width = 4;

    if (size < RSDP_V1_LENGTH)
        return;
    fix_checksum(m, size, RSDP_ADDRESS, RSDP_V1_LENGTH, RSDP_OFF_CHECKSUM);
    root = load_le(m + RSDP_OFF_RSDT, 4);
    if (m[RSDP_OFF_REVISION] >= 2 && size >= RSDP_V2_MIN_LENGTH) {
        fix_checksum(m, size, RSDP_ADDRESS, load_le(m + RSDP_OFF_LENGTH, 4), RSDP_OFF_EXT_CHECKSUM);
        if (load_le(m + RSDP_OFF_XSDT, 8) != 0) {
            root = load_le(m + RSDP_OFF_XSDT, 8);
            width = 8;
        }
    }
    if (root > size || size - root < ACPI_TABLE_HEADER_LENGTH)
        return;
    rlen = load_le(m + root + SDT_OFF_LENGTH, 4);
    if (rlen < ACPI_TABLE_HEADER_LENGTH || rlen > size - root)
        return;
    for (i = ACPI_TABLE_HEADER_LENGTH; i + width <= rlen; i += width)
        fix_table(m, size, load_le(m + root + i, (unsigned)width));
    fix_table(m, size, root);
}

/* --- invariants ------------------------------------------------------------------------------ */

static void check_diag(enum acpi_error err, const struct acpi_diag *d)
{
    const char *name = acpi_error_name(err);

    check((unsigned)err < ACPI_ERR_COUNT, "error code within the enum");
    check(d->code == err, "diag code is the returned code");
    check(strlen(d->message) < sizeof d->message, "diag message is NUL-terminated");
    check(err == ACPI_OK ? d->message[0] == '\0'
                         : strncmp(d->message, name, strlen(name)) == 0 && d->message[0] != '\0',
          "diag message is empty on success, starts with the rule name on error");
}

/* The MADT entries again, by a plain walk (the module said they are well-formed): CPU i must be
 * the i-th type 0/9 entry, and the counts plus overflows must match the entries of each type. */
static void check_madt_model(const uint8_t *t, uint32_t len, const struct madt_info *info)
{
    unsigned cpus = 0, ioapics = 0, overrides = 0;
    uint32_t off;

    check(info->cpu_count <= MADT_MAX_CPUS && info->ioapic_count <= MADT_MAX_IOAPICS
              && info->override_count <= MADT_MAX_OVERRIDES, "counts within the caps");
    check(info->lapic_address_overridden
              || info->lapic_address == load_le(t + MADT_OFF_LAPIC_ADDRESS, 4),
          "without an override the LAPIC address is the 32-bit field");
    for (off = MADT_ENTRIES_OFFSET; off < len; off += t[off + 1]) {
        const uint8_t *e = t + off;
        check(len - off >= 2 && e[1] >= 2 && e[1] <= len - off, "accepted entries are in bounds");
        if (e[0] == MADT_TYPE_LOCAL_APIC || e[0] == MADT_TYPE_LOCAL_X2APIC) {
            if (cpus < info->cpu_count) {
                const struct madt_cpu *c = &info->cpus[cpus];
                bool x2 = e[0] == MADT_TYPE_LOCAL_X2APIC;
                check(c->source == e[0], "CPU i comes from the i-th type 0 or type 9 entry");
                check(c->apic_id == (x2 ? load_le(e + 4, 4) : e[3]), "CPU APIC ID");
                check(c->acpi_uid == (x2 ? load_le(e + 12, 4) : e[2]), "CPU ACPI UID");
                check(c->flags == load_le(e + (x2 ? 8 : 4), 4), "CPU flags");
                check(c->enabled == ((c->flags & MADT_CPU_ENABLED) != 0), "enabled is bit 0");
                check(!(c->enabled && c->online_capable), "online-capable only when disabled");
            }
            cpus++;
        }
        ioapics += e[0] == MADT_TYPE_IO_APIC;
        overrides += e[0] == MADT_TYPE_SOURCE_OVERRIDE;
    }
    check(cpus == info->cpu_count + info->cpu_overflow, "every CPU entry stored or counted");
    check(ioapics == info->ioapic_count + info->ioapic_overflow,
          "every I/O APIC stored or counted");
    check(overrides == info->override_count + info->override_overflow,
          "every override stored or counted");
}

/* True when both parses reported the same thing (fields, not padding). */
static bool same_madt(const struct madt_info *a, const struct madt_info *b)
{
    unsigned i;
    bool same = a->lapic_address == b->lapic_address && a->flags == b->flags
             && a->lapic_address_overridden == b->lapic_address_overridden
             && a->cpu_count == b->cpu_count && a->cpu_overflow == b->cpu_overflow
             && a->ioapic_count == b->ioapic_count && a->ioapic_overflow == b->ioapic_overflow
             && a->override_count == b->override_count
             && a->override_overflow == b->override_overflow;

    for (i = 0; same && i < a->cpu_count; i++)
        same = a->cpus[i].apic_id == b->cpus[i].apic_id
            && a->cpus[i].acpi_uid == b->cpus[i].acpi_uid && a->cpus[i].flags == b->cpus[i].flags
            && a->cpus[i].source == b->cpus[i].source && a->cpus[i].enabled == b->cpus[i].enabled
            && a->cpus[i].online_capable == b->cpus[i].online_capable;
    for (i = 0; same && i < a->ioapic_count; i++)
        same = a->ioapics[i].id == b->ioapics[i].id
            && a->ioapics[i].address == b->ioapics[i].address
            && a->ioapics[i].gsi_base == b->ioapics[i].gsi_base;
    for (i = 0; same && i < a->override_count; i++)
        same = a->overrides[i].bus == b->overrides[i].bus
            && a->overrides[i].source == b->overrides[i].source
            && a->overrides[i].gsi == b->overrides[i].gsi
            && a->overrides[i].flags == b->overrides[i].flags;
    return same;
}

/* Parses the MADT at [table, table + len) twice; checks determinism and, on success, the model. */
/* The SMP plan of a parsed MADT (BSP = the first entry's APIC ID): every START entry is enabled,
 * addressable without x2APIC, not the BSP and listed once; the count of starts adds up. */
static void check_smp_plan(const struct madt_info *m)
{
    static struct smp_plan plan;
    uint32_t bsp = m->cpu_count > 0 ? m->cpus[0].apic_id : 0;
    unsigned starts = 0;

    smp_plan_cpus(m, bsp, 0, &plan);
    check(plan.count == (m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS), "plan lists every cpu");
    for (unsigned i = 0; i < plan.count; i++) {
        if (plan.cpus[i].verdict != SMP_START)
            continue;
        starts++;
        check(m->cpus[i].enabled && plan.cpus[i].apic_id <= SMP_XAPIC_MAX_ID && plan.cpus[i].apic_id != bsp,
              "a started cpu is enabled, xAPIC-addressable and not the BSP");
        for (unsigned j = 0; j < i; j++)
            check(plan.cpus[j].apic_id != plan.cpus[i].apic_id, "a started cpu is listed once");
    }
    check(starts == plan.to_start, "to_start counts the starts");
    check(m->cpu_count == 0 || plan.bsp_index == 0, "the BSP is found");
}

static enum acpi_error check_madt(struct fake_phys *f, uint64_t table, uint32_t len)
{
    struct madt_info *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    struct acpi_diag da, db;
    enum acpi_error ea, eb;
    struct acpi_access io = { fake_map, f };

    check(a != NULL && b != NULL, "malloc");
    ea = acpi_parse_madt(&io, table, len, a, &da);
    unmap_all(f);
    eb = acpi_parse_madt(&io, table, len, b, &db);
    unmap_all(f);
    check_diag(ea, &da);
    check(ea == eb && da.address == db.address && strcmp(da.message, db.message) == 0,
          "a second MADT parse reports the same error");
    if (ea == ACPI_OK) {
        check(same_madt(a, b), "a second MADT parse gives the same result");
        check_madt_model(f->mem + table, len, a);
        check_smp_plan(a);
    }
    free(b);
    free(a);
    return ea;
}

/* Finds the MADT in memory m (RSDP at 0) twice, checks what was found, then parses it. Returns
 * the first error on the way, ACPI_OK when the MADT parsed. */
static enum acpi_error check_memory(const uint8_t *m, size_t size)
{
    struct fake_phys f = { m, size, NULL, 0, 0 };
    struct acpi_access io = { fake_map, &f };
    struct acpi_diag d1, d2;
    uint64_t t1 = SENTINEL_TABLE, t2 = SENTINEL_TABLE;
    uint32_t l1 = SENTINEL_LENGTH, l2 = SENTINEL_LENGTH;
    enum acpi_error e1, e2;

    e1 = acpi_find_table(&io, RSDP_ADDRESS, "APIC", &t1, &l1, &d1);
    unmap_all(&f);
    e2 = acpi_find_table(&io, RSDP_ADDRESS, "APIC", &t2, &l2, &d2);
    unmap_all(&f);
    check_diag(e1, &d1);
    check(e1 == e2 && t1 == t2 && l1 == l2 && strcmp(d1.message, d2.message) == 0,
          "a second lookup gives the same result");
    if (e1 != ACPI_OK) {
        check(t1 == SENTINEL_TABLE && l1 == SENTINEL_LENGTH, "outputs untouched on error");
    } else {
        check(t1 <= size && l1 <= size - t1, "the table found lies in memory");
        check(memcmp(m + t1, "APIC", ACPI_SIGNATURE_LEN) == 0, "the table found is an MADT");
        check(l1 == load_le(m + t1 + SDT_OFF_LENGTH, 4), "length is the header's Length");
        check(l1 >= ACPI_TABLE_HEADER_LENGTH && l1 <= ACPI_MAX_TABLE_LENGTH, "length is sane");
        check(sum(m + t1, l1) == 0, "the table found has a valid checksum");
        e1 = check_madt(&f, t1, l1);
    }
    free(f.blocks);
    return e1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed;
    enum acpi_error err = check_memory(data, size);

    check(!expect_ok || err == ACPI_OK, "seed: the MADT is found and parses");
    fixed = malloc(size ? size : 1);
    check(fixed != NULL, "malloc");
    memcpy(fixed, data, size);
    repair(fixed, size);
    check_memory(fixed, size);
    free(fixed);
    return 0;
}
