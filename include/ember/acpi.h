/* Pure ACPI: finds a table through the RSDP and XSDT/RSDT (ACPI 6.5, 5.2). */
#ifndef EMBER_ACPI_H
#define EMBER_ACPI_H

#include "ember/types.h"

/* Returns a pointer to physical [addr, addr + len), or NULL when that range cannot be read.
 * The pointer must stay valid until the acpi_* call that asked for it returns. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t addr, uint64_t len);

struct acpi_access {
    acpi_map_fn map;
    void *ctx;
};

/* Bytes in a table signature ("APIC", "XSDT", ...). */
#define ACPI_SIGNATURE_LEN 4
/* Bytes in the common table header (Signature .. Creator Revision). */
#define ACPI_TABLE_HEADER_LENGTH 36
/* A table (or RSDP) claiming more than this is treated as corrupt: real ones are a few KiB. */
#define ACPI_MAX_TABLE_LENGTH (1 * MIB)

/* One rule per code; acpi_error_name() gives the rule name used in log lines and tests. */
enum acpi_error {
    ACPI_OK = 0,
    ACPI_ERR_UNMAPPED,            /* the map callback refused a range, or the range wraps */
    ACPI_ERR_RSDP_SIGNATURE,      /* not "RSD PTR " */
    ACPI_ERR_RSDP_CHECKSUM,       /* the first 20 bytes do not sum to 0 */
    ACPI_ERR_RSDP_LENGTH,         /* revision >= 2: Length < 36 or > ACPI_MAX_TABLE_LENGTH */
    ACPI_ERR_RSDP_EXT_CHECKSUM,   /* revision >= 2: the Length bytes do not sum to 0 */
    ACPI_ERR_NO_ROOT_TABLE,       /* neither an XSDT nor an RSDT address */
    ACPI_ERR_ROOT_SIGNATURE,      /* the XSDT/RSDT address holds another table */
    ACPI_ERR_ROOT_LENGTH,         /* XSDT/RSDT entries are not a whole number of addresses */
    ACPI_ERR_TABLE_LENGTH,        /* a header Length < 36, > ACPI_MAX_TABLE_LENGTH, or wrapping */
    ACPI_ERR_TABLE_CHECKSUM,      /* a table's Length bytes do not sum to 0 */
    ACPI_ERR_NOT_FOUND,           /* no root entry has the signature */
    ACPI_ERR_COUNT
};

/* A failed rule: its code, the physical address at fault (the table) and one line
 * "<rule-name>: <details>" naming the table, its address and the offending values. */
struct acpi_diag {
    enum acpi_error code;
    uint64_t address;
    char message[192];
};

/* Validates the RSDP at physical rsdp (signature, checksum of the first 20 bytes; for revision >= 2
 * Length and the extended checksum), then walks the XSDT (revision >= 2 with a non-zero
 * XsdtAddress) or else the RSDT, checking every table header it reads (signature of the root,
 * Length 36..ACPI_MAX_TABLE_LENGTH without wrapping, checksum). Null root entries are skipped.
 * On success *table and *length (bytes) give the first table whose signature matches; on error
 * they are left alone. diag may be NULL. */
enum acpi_error acpi_find_table(const struct acpi_access *io, uint64_t rsdp,
                                const char signature[ACPI_SIGNATURE_LEN], uint64_t *table,
                                uint32_t *length, struct acpi_diag *diag);

/* Rule name, e.g. "rsdp-checksum"; stable, used by log lines and tests. */
const char *acpi_error_name(enum acpi_error err);

#endif
