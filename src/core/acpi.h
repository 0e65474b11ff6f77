/* Pure ACPI: finds a table through the RSDP and XSDT/RSDT, and parses the MADT (ACPI 6.5, 5.2 / 5.2.12). */
#ifndef EMBER_ACPI_H
#define EMBER_ACPI_H

#include "core/types.h"

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

/* MADT limits: entries past a cap are counted in *_overflow, not stored. */
#define MADT_MAX_CPUS 256
#define MADT_MAX_IOAPICS 16
#define MADT_MAX_OVERRIDES 32
#define MADT_MAX_LAPIC_NMIS 16

/* MADT Flags bit 0: the system also has a PC-AT dual 8259 setup (mask it before using the APICs). */
#define MADT_FLAG_PCAT_COMPAT 1u

/* Interrupt controller structure types ember reads; all others are skipped by their length. */
#define MADT_TYPE_LOCAL_APIC 0
#define MADT_TYPE_IO_APIC 1
#define MADT_TYPE_SOURCE_OVERRIDE 2
#define MADT_TYPE_LAPIC_NMI 4
#define MADT_TYPE_LAPIC_ADDRESS_OVERRIDE 5
#define MADT_TYPE_LOCAL_X2APIC 9
#define MADT_TYPE_X2APIC_NMI 0x0A

/* Local APIC / x2APIC Flags. Online Capable is reserved (must be 0) when Enabled is set. */
#define MADT_CPU_ENABLED 1u
#define MADT_CPU_ONLINE_CAPABLE 2u

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
    ACPI_ERR_MADT_SIGNATURE,      /* acpi_parse_madt given something other than "APIC" */
    ACPI_ERR_MADT_LENGTH,         /* shorter than its fixed fields, or not the length given */
    ACPI_ERR_ENTRY_TOO_SHORT,     /* an entry Length < 2 */
    ACPI_ERR_ENTRY_PAST_END,      /* an entry (or its 2-byte header) runs past the table end */
    ACPI_ERR_ENTRY_BAD_LENGTH,    /* a known entry type with another Length than the spec's */
    ACPI_ERR_DUPLICATE_LAPIC_OVERRIDE, /* more than one Local APIC Address Override */
    ACPI_ERR_IOMMU_ENTRY,         /* a DMAR / IVRS structure too short or past the end (or no room
                                   * for the table's fixed fields) */
    ACPI_ERR_COUNT
};

/* A failed rule: its code, the physical address at fault (the table or MADT entry) and one line
 * "<rule-name>: <details>" naming the table, its address and the offending values. */
struct acpi_diag {
    enum acpi_error code;
    uint64_t address;
    char message[192];
};

struct madt_cpu {
    uint32_t apic_id;     /* xAPIC ID (0..255) from type 0, x2APIC ID from type 9 */
    uint32_t acpi_uid;    /* ACPI Processor ID (type 0, 0..255) or ACPI Processor UID (type 9) */
    uint32_t flags;       /* raw Flags */
    uint8_t source;       /* MADT_TYPE_LOCAL_APIC or MADT_TYPE_LOCAL_X2APIC */
    bool enabled;         /* ready for use */
    bool online_capable;  /* not enabled, but the hardware can enable it at runtime */
};

struct madt_ioapic {
    uint8_t id;
    uint32_t address;     /* physical MMIO base */
    uint32_t gsi_base;    /* first global system interrupt it handles */
};

struct madt_override {
    uint8_t bus;          /* 0 = ISA */
    uint8_t source;       /* bus-relative IRQ */
    uint32_t gsi;
    uint16_t flags;       /* MPS INTI flags: polarity bits 0-1, trigger mode bits 2-3 */
};

/* Local APIC NMI (type 4) or Local x2APIC NMI (type 0x0A): which LINT pin of which processors is
 * wired to NMI. all: the UID field was 0xFF (type 4) or 0xFFFFFFFF (type 0x0A). */
struct madt_lapic_nmi {
    uint32_t acpi_uid;    /* the processor's ACPI Processor (U)ID, meaningless when all */
    bool all;
    uint16_t flags;       /* MPS INTI flags: polarity bits 0-1, trigger mode bits 2-3 */
    uint8_t lint;         /* 0 or 1 on real tables; others are kept and ignored by users */
};

struct madt_info {
    uint64_t lapic_address;  /* the 32-bit field, or the type-5 override's 64-bit address */
    bool lapic_address_overridden;
    uint32_t flags;          /* MADT Flags (MADT_FLAG_PCAT_COMPAT) */
    unsigned cpu_count, cpu_overflow;
    struct madt_cpu cpus[MADT_MAX_CPUS];   /* in table order */
    unsigned ioapic_count, ioapic_overflow;
    struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
    unsigned override_count, override_overflow;
    struct madt_override overrides[MADT_MAX_OVERRIDES];
    unsigned nmi_count, nmi_overflow;
    struct madt_lapic_nmi nmis[MADT_MAX_LAPIC_NMIS]; /* types 4 and 0x0A, in table order */
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

/* Parses the MADT at physical madt, whose header must say `length` bytes (as acpi_find_table
 * reported): signature "APIC", checksum, then every entry (Length >= 2, inside the table, the
 * spec's Length for the types listed above). The counts and scalar fields of *out are reset first
 * (array slots past the counts are not touched); on error *out may be partly filled and must not
 * be used. diag may be NULL. */
enum acpi_error acpi_parse_madt(const struct acpi_access *io, uint64_t madt, uint32_t length,
                                struct madt_info *out, struct acpi_diag *diag);

/* True when the CPU can be started: enabled, or online-capable. */
static inline bool madt_cpu_startable(const struct madt_cpu *cpu)
{
    return cpu->enabled || cpu->online_capable;
}

/* Records err in diag (when non-NULL) as "<rule-name>: <details>" with the faulting address and
 * returns err: how every ACPI parser (acpi.c, iommu.c) reports a broken rule. */
enum acpi_error acpi_fail(struct acpi_diag *diag, enum acpi_error err, uint64_t address,
                          const char *details, ...) __attribute__((format(printf, 4, 5)));

/* Rule name, e.g. "rsdp-checksum"; stable, used by log lines and tests. */
const char *acpi_error_name(enum acpi_error err);

#endif
