/* Pure: the physical ranges of the ACPI and SMBIOS tables (fwranges.h). */
#include "core/fwranges.h"
#include "core/bytes.h"

/* ACPI 6.5 5.2.5.3 (RSDP), 5.2.6 (table header), 5.2.9 (FADT), 5.2.10 (FACS). */
#define RSDP_REVISION_OFF 15
#define RSDP_RSDT_OFF 16
#define RSDP_LENGTH_OFF 20
#define RSDP_XSDT_OFF 24
#define RSDP_V1_BYTES 20
#define RSDP_V2_BYTES 36
#define TABLE_LENGTH_OFF 4
#define FACS_MIN_BYTES 64
#define FADT_FACS_OFF 36
#define FADT_DSDT_OFF 40
#define FADT_X_FACS_OFF 132
#define FADT_X_DSDT_OFF 140

/* SMBIOS 3.7 5.2.1 (2.1 entry point) and 5.2.2 (3.0 entry point). */
#define SMBIOS2_LENGTH_OFF 5
#define SMBIOS2_TABLE_LENGTH_OFF 0x16
#define SMBIOS2_TABLE_ADDRESS_OFF 0x18
#define SMBIOS2_MIN_BYTES 0x1F
#define SMBIOS3_LENGTH_OFF 6
#define SMBIOS3_TABLE_MAX_OFF 0x0C
#define SMBIOS3_TABLE_ADDRESS_OFF 0x10
#define SMBIOS3_MIN_BYTES 0x18

/* The length field at offset off (bytes wide) of the structure at addr, 0 when unreadable. */
static uint64_t read_field(const struct acpi_access *io, uint64_t addr, unsigned off, unsigned bytes)
{
    const uint8_t *p = addr != 0 ? io->map(io->ctx, addr, off + bytes) : NULL;
    return p != NULL ? le_load(p + off, bytes) : 0;
}

/* Adds the table at addr when its header length is plausible (at least min bytes). */
static bool add_table(const struct acpi_access *io, uint64_t addr, uint64_t min, struct lmemmap_firmware_ranges *out)
{
    uint64_t length = read_field(io, addr, TABLE_LENGTH_OFF, 4);

    if (length < min || length > ACPI_MAX_TABLE_LENGTH)
        return false;
    lmemmap_add_firmware_range(out, addr, length);
    return true;
}

/* The FADT's FACS and DSDT: the 32-bit fields, and the X_ fields when the table is long enough. */
static unsigned add_fadt_children(const struct acpi_access *io, uint64_t fadt, uint64_t length,
                                  struct lmemmap_firmware_ranges *out)
{
    static const struct { uint8_t off, bytes; bool facs; } fields[] = {
        { FADT_FACS_OFF, 4, true }, { FADT_DSDT_OFF, 4, false },
        { FADT_X_FACS_OFF, 8, true }, { FADT_X_DSDT_OFF, 8, false },
    };
    unsigned added = 0;

    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].off + fields[i].bytes > length)
            continue;
        uint64_t child = read_field(io, fadt, fields[i].off, fields[i].bytes);
        added += add_table(io, child, fields[i].facs ? FACS_MIN_BYTES : ACPI_TABLE_HEADER_LENGTH, out);
    }
    return added;
}

/* The root table (entry_size 4: RSDT, 8: XSDT), then every table it lists. */
static unsigned add_root(const struct acpi_access *io, uint64_t root, unsigned entry_size,
                         struct lmemmap_firmware_ranges *out)
{
    uint64_t length = read_field(io, root, TABLE_LENGTH_OFF, 4);
    const uint8_t *entries;
    unsigned added = 0;

    if (!add_table(io, root, ACPI_TABLE_HEADER_LENGTH, out) || (entries = io->map(io->ctx, root, length)) == NULL)
        return 0;
    for (uint64_t at = ACPI_TABLE_HEADER_LENGTH; at + entry_size <= length; at += entry_size) {
        uint64_t table = le_load(entries + at, entry_size);
        const uint8_t *sig = table != 0 ? io->map(io->ctx, table, ACPI_TABLE_HEADER_LENGTH) : NULL;
        if (sig == NULL || !add_table(io, table, ACPI_TABLE_HEADER_LENGTH, out))
            continue;
        uint64_t table_length = le_load(sig + TABLE_LENGTH_OFF, 4);
        added++;
        if (sig[0] == 'F' && sig[1] == 'A' && sig[2] == 'C' && sig[3] == 'P')
            added += add_fadt_children(io, table, table_length, out);
        entries = io->map(io->ctx, root, length); /* the callback may have reused its window */
        if (entries == NULL)
            break;
    }
    return added + 1;
}

unsigned fwranges_acpi(const struct acpi_access *io, uint64_t rsdp, struct lmemmap_firmware_ranges *out)
{
    uint64_t revision = read_field(io, rsdp, RSDP_REVISION_OFF, 1), length = RSDP_V1_BYTES, xsdt = 0;
    unsigned added;

    if (rsdp == 0 || io->map(io->ctx, rsdp, RSDP_V1_BYTES) == NULL)
        return 0;
    if (revision >= 2) {
        length = read_field(io, rsdp, RSDP_LENGTH_OFF, 4);
        length = length >= RSDP_V2_BYTES && length <= PAGE_SIZE_4K ? length : RSDP_V2_BYTES;
        xsdt = read_field(io, rsdp, RSDP_XSDT_OFF, 8);
    }
    lmemmap_add_firmware_range(out, rsdp, length);
    added = 1 + add_root(io, read_field(io, rsdp, RSDP_RSDT_OFF, 4), 4, out);
    return added + (xsdt != 0 ? add_root(io, xsdt, 8, out) : 0);
}

/* One entry point (its own length byte at len_off, at least min bytes) and its structure table. */
static unsigned add_smbios(const struct acpi_access *io, uint64_t entry, unsigned len_off, uint64_t min,
                           uint64_t table_length, uint64_t table, struct lmemmap_firmware_ranges *out)
{
    uint64_t length = read_field(io, entry, len_off, 1);

    if (length < min)
        return 0;
    lmemmap_add_firmware_range(out, entry, length);
    lmemmap_add_firmware_range(out, table, table != 0 ? table_length : 0);
    return table != 0 && table_length != 0 ? 2 : 1;
}

unsigned fwranges_smbios(const struct acpi_access *io, uint64_t entry32, uint64_t entry64,
                         struct lmemmap_firmware_ranges *out)
{
    unsigned added = 0;

    if (entry32 != 0)
        added += add_smbios(io, entry32, SMBIOS2_LENGTH_OFF, SMBIOS2_MIN_BYTES,
                            read_field(io, entry32, SMBIOS2_TABLE_LENGTH_OFF, 2),
                            read_field(io, entry32, SMBIOS2_TABLE_ADDRESS_OFF, 4), out);
    if (entry64 != 0)
        added += add_smbios(io, entry64, SMBIOS3_LENGTH_OFF, SMBIOS3_MIN_BYTES,
                            read_field(io, entry64, SMBIOS3_TABLE_MAX_OFF, 4),
                            read_field(io, entry64, SMBIOS3_TABLE_ADDRESS_OFF, 8), out);
    return added;
}
