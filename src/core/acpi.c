/* Pure ACPI: checks the RSDP, walks the XSDT/RSDT to a table and parses the MADT, via a map callback. */
#include "core/acpi.h"

#include "core/bytes.h"
#include "core/fmt.h"
#include "core/types.h"

/* RSDP (ACPI 6.5, 5.2.5.3): the ACPI 1.0 part is 20 bytes, revision 2 adds Length .. Reserved. */
#define RSDP_SIGNATURE "RSD PTR "
#define RSDP_SIGNATURE_LEN 8
#define RSDP_V1_LENGTH 20
#define RSDP_V2_MIN_LENGTH 36
#define RSDP_REVISION_V2 2
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_LENGTH 20
#define RSDP_OFF_XSDT 24

/* System description table header (5.2.6). */
#define SDT_OFF_LENGTH 4
#define XSDT_ENTRY_SIZE 8
#define RSDT_ENTRY_SIZE 4

/* MADT (5.2.12): Local Interrupt Controller Address, Flags, then the entries. */
#define MADT_OFF_LAPIC_ADDRESS 36
#define MADT_OFF_FLAGS 40
#define MADT_ENTRIES_OFFSET 44
#define MADT_ENTRY_HEADER_LENGTH 2

/* Field offsets inside the entries ember reads, from the entry start. */
#define LAPIC_OFF_UID 2
#define LAPIC_OFF_ID 3
#define LAPIC_OFF_FLAGS 4
#define IOAPIC_OFF_ID 2
#define IOAPIC_OFF_ADDRESS 4
#define IOAPIC_OFF_GSI_BASE 8
#define ISO_OFF_BUS 2
#define ISO_OFF_SOURCE 3
#define ISO_OFF_GSI 4
#define ISO_OFF_FLAGS 8
#define LAPIC_OVERRIDE_OFF_ADDRESS 4
#define X2APIC_OFF_ID 4
#define X2APIC_OFF_FLAGS 8
#define X2APIC_OFF_UID 12
#define LAPIC_NMI_OFF_UID 2      /* type 4: u8 UID, u16 flags, u8 LINT# */
#define LAPIC_NMI_OFF_FLAGS 3
#define LAPIC_NMI_OFF_LINT 5
#define X2APIC_NMI_OFF_FLAGS 2   /* type 0x0A: u16 flags, u32 UID, u8 LINT#, 3 reserved */
#define X2APIC_NMI_OFF_UID 4
#define X2APIC_NMI_OFF_LINT 8
#define LAPIC_NMI_ALL 0xFFu
#define X2APIC_NMI_ALL 0xFFFFFFFFu

#define ASCII_PRINTABLE_FIRST 0x20
#define ASCII_PRINTABLE_LAST 0x7e

/* An entry type ember reads: its spec Length and its name in messages. */
struct entry_kind {
    uint8_t type;
    uint8_t length;
    const char *name;
};

static const struct entry_kind entry_kinds[] = {
    { MADT_TYPE_LOCAL_APIC, 8, "Processor Local APIC" },
    { MADT_TYPE_IO_APIC, 12, "I/O APIC" },
    { MADT_TYPE_SOURCE_OVERRIDE, 10, "Interrupt Source Override" },
    { MADT_TYPE_LAPIC_ADDRESS_OVERRIDE, 12, "Local APIC Address Override" },
    { MADT_TYPE_LOCAL_X2APIC, 16, "Processor Local x2APIC" },
    { MADT_TYPE_LAPIC_NMI, 6, "Local APIC NMI" },
    { MADT_TYPE_X2APIC_NMI, 12, "Local x2APIC NMI" },
};

static const char rule_names[ACPI_ERR_COUNT][30] = {
    [ACPI_OK] = "ok",
    [ACPI_ERR_UNMAPPED] = "unmapped",
    [ACPI_ERR_RSDP_SIGNATURE] = "rsdp-signature",
    [ACPI_ERR_RSDP_CHECKSUM] = "rsdp-checksum",
    [ACPI_ERR_RSDP_LENGTH] = "rsdp-length",
    [ACPI_ERR_RSDP_EXT_CHECKSUM] = "rsdp-extended-checksum",
    [ACPI_ERR_NO_ROOT_TABLE] = "no-root-table",
    [ACPI_ERR_ROOT_SIGNATURE] = "root-signature",
    [ACPI_ERR_ROOT_LENGTH] = "root-length",
    [ACPI_ERR_TABLE_LENGTH] = "table-length",
    [ACPI_ERR_TABLE_CHECKSUM] = "table-checksum",
    [ACPI_ERR_NOT_FOUND] = "table-not-found",
    [ACPI_ERR_MADT_SIGNATURE] = "madt-signature",
    [ACPI_ERR_MADT_LENGTH] = "madt-length",
    [ACPI_ERR_ENTRY_TOO_SHORT] = "madt-entry-too-short",
    [ACPI_ERR_ENTRY_PAST_END] = "madt-entry-past-end",
    [ACPI_ERR_ENTRY_BAD_LENGTH] = "madt-entry-bad-length",
    [ACPI_ERR_DUPLICATE_LAPIC_OVERRIDE] = "madt-duplicate-lapic-override",
    [ACPI_ERR_IOMMU_ENTRY] = "iommu-entry",
};

/* Rule name for err, "unknown" outside the enum. */
const char *acpi_error_name(enum acpi_error err)
{
    if ((unsigned)err >= ACPI_ERR_COUNT || rule_names[err][0] == '\0')
        return "unknown";
    return rule_names[err];
}

/* Records err in diag (contract in acpi.h). */
enum acpi_error acpi_fail(struct acpi_diag *diag, enum acpi_error err, uint64_t address,
                          const char *details, ...)
{
    char prefix[48];
    va_list ap;

    if (diag == NULL)
        return err;
    diag->code = err;
    diag->address = address;
    fmt_format(prefix, sizeof prefix, "%s: ", acpi_error_name(err));
    va_start(ap, details);
    fmt_vdiag(diag->message, sizeof diag->message, prefix, details, ap);
    va_end(ap);
    return err;
}

/* Clears diag (when non-NULL) and returns ACPI_OK. */
static enum acpi_error succeed(struct acpi_diag *diag)
{
    if (diag != NULL) {
        diag->code = ACPI_OK;
        diag->address = 0;
        diag->message[0] = '\0';
    }
    return ACPI_OK;
}

/* Sum of len bytes at p, modulo 256: 0 for a valid ACPI checksum. */
static uint8_t sum_bytes(const uint8_t *p, uint64_t len)
{
    uint8_t sum = 0;

    while (len-- > 0)
        sum = (uint8_t)(sum + *p++);
    return sum;
}

/* True when the n bytes at p equal the first n characters of s. */
static bool same_bytes(const uint8_t *p, const char *s, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (p[i] != (uint8_t)s[i])
            return false;
    return true;
}

/* Copies the 4-byte signature at p into out as a C string, non-printable bytes shown as '?'. */
static void printable_signature(const uint8_t *p, char out[ACPI_SIGNATURE_LEN + 1])
{
    unsigned i;

    for (i = 0; i < ACPI_SIGNATURE_LEN; i++)
        out[i] = p[i] >= ASCII_PRINTABLE_FIRST && p[i] <= ASCII_PRINTABLE_LAST ? (char)p[i] : '?';
    out[ACPI_SIGNATURE_LEN] = '\0';
}

/* Maps [addr, addr + len) (len > 0) into *out. Fails with ACPI_ERR_UNMAPPED, naming `what`, when
 * the range wraps past 2^64 or the callback refuses it. */
static enum acpi_error map_range(const struct acpi_access *io, uint64_t addr, uint64_t len,
                                 const char *what, const uint8_t **out, struct acpi_diag *diag)
{
    uint64_t last;
    const void *p = NULL;

    if (!__builtin_add_overflow(addr, len - 1, &last))
        p = io->map(io->ctx, addr, len);
    if (p == NULL)
        return acpi_fail(diag, ACPI_ERR_UNMAPPED, addr, "cannot read %s at 0x%llx (%llu bytes)", what,
                         (unsigned long long)addr, (unsigned long long)len);
    *out = p;
    return ACPI_OK;
}

/* Reads the table at addr, called `role` in messages ("root table", "XSDT entry 2"): maps its
 * header, checks the signature against want_sig (when non-NULL; mismatch is sig_err), checks
 * Length (36..ACPI_MAX_TABLE_LENGTH, not wrapping), maps all Length bytes and checks the checksum.
 * On success *table points at the whole table and *length is its Length. */
static enum acpi_error read_table(const struct acpi_access *io, uint64_t addr, const char *role,
                                  const char *want_sig, enum acpi_error sig_err,
                                  const uint8_t **table, uint32_t *length, struct acpi_diag *diag)
{
    const uint8_t *p = NULL;
    char sig[ACPI_SIGNATURE_LEN + 1];
    uint32_t len;
    uint64_t last;
    enum acpi_error err;

    err = map_range(io, addr, ACPI_TABLE_HEADER_LENGTH, role, &p, diag);
    if (err != ACPI_OK)
        return err;
    printable_signature(p, sig);
    if (want_sig != NULL && !same_bytes(p, want_sig, ACPI_SIGNATURE_LEN))
        return acpi_fail(diag, sig_err, addr, "%s at 0x%llx has signature '%s', want '%s'", role,
                         (unsigned long long)addr, sig, want_sig);
    len = (uint32_t)le_load(p + SDT_OFF_LENGTH, 4);
    if (len < ACPI_TABLE_HEADER_LENGTH || len > ACPI_MAX_TABLE_LENGTH
        || __builtin_add_overflow(addr, (uint64_t)len - 1, &last))
        return acpi_fail(diag, ACPI_ERR_TABLE_LENGTH, addr,
                         "%s '%s' at 0x%llx has length %u (want %u..%llu, not wrapping)", role, sig,
                         (unsigned long long)addr, len, ACPI_TABLE_HEADER_LENGTH,
                         (unsigned long long)ACPI_MAX_TABLE_LENGTH);
    err = map_range(io, addr, len, role, &p, diag);
    if (err != ACPI_OK)
        return err;
    if (sum_bytes(p, len) != 0)
        return acpi_fail(diag, ACPI_ERR_TABLE_CHECKSUM, addr,
                         "%s '%s' at 0x%llx (%u bytes) sums to 0x%x, want 0", role, sig,
                         (unsigned long long)addr, len, sum_bytes(p, len));
    *table = p;
    *length = len;
    return ACPI_OK;
}

/* The root table the RSDP names: its address, entry width and signature. */
struct root_ref {
    uint64_t addr;
    unsigned entry_size;
    const char *signature;
};

/* Validates the RSDP at addr and picks the root: the XSDT for revision >= 2 with a non-zero
 * XsdtAddress, else the RSDT. Fails when neither address is set. */
static enum acpi_error read_rsdp(const struct acpi_access *io, uint64_t addr,
                                 struct root_ref *root, struct acpi_diag *diag)
{
    const uint8_t *p = NULL;
    uint32_t len;
    uint8_t revision;
    enum acpi_error err = map_range(io, addr, RSDP_V1_LENGTH, "RSDP", &p, diag);

    if (err != ACPI_OK)
        return err;
    if (!same_bytes(p, RSDP_SIGNATURE, RSDP_SIGNATURE_LEN))
        return acpi_fail(diag, ACPI_ERR_RSDP_SIGNATURE, addr,
                         "RSDP at 0x%llx does not start with \"" RSDP_SIGNATURE "\"",
                         (unsigned long long)addr);
    if (sum_bytes(p, RSDP_V1_LENGTH) != 0)
        return acpi_fail(diag, ACPI_ERR_RSDP_CHECKSUM, addr,
                         "RSDP at 0x%llx: first %u bytes sum to 0x%x, want 0", (unsigned long long)addr,
                         RSDP_V1_LENGTH, sum_bytes(p, RSDP_V1_LENGTH));
    revision = p[RSDP_OFF_REVISION];
    *root = (struct root_ref){ le_load(p + RSDP_OFF_RSDT, 4), RSDT_ENTRY_SIZE, "RSDT" };
    if (revision >= RSDP_REVISION_V2) {
        err = map_range(io, addr, RSDP_V2_MIN_LENGTH, "RSDP", &p, diag);
        if (err != ACPI_OK)
            return err;
        len = (uint32_t)le_load(p + RSDP_OFF_LENGTH, 4);
        if (len < RSDP_V2_MIN_LENGTH || len > ACPI_MAX_TABLE_LENGTH)
            return acpi_fail(diag, ACPI_ERR_RSDP_LENGTH, addr,
                             "RSDP at 0x%llx (revision %u) has length %u, want %u..%llu",
                             (unsigned long long)addr, revision, len, RSDP_V2_MIN_LENGTH,
                             (unsigned long long)ACPI_MAX_TABLE_LENGTH);
        err = map_range(io, addr, len, "RSDP", &p, diag);
        if (err != ACPI_OK)
            return err;
        if (sum_bytes(p, len) != 0)
            return acpi_fail(diag, ACPI_ERR_RSDP_EXT_CHECKSUM, addr,
                             "RSDP at 0x%llx: its %u bytes sum to 0x%x, want 0",
                             (unsigned long long)addr, len, sum_bytes(p, len));
        if (le_load(p + RSDP_OFF_XSDT, 8) != 0)
            *root = (struct root_ref){ le_load(p + RSDP_OFF_XSDT, 8), XSDT_ENTRY_SIZE, "XSDT" };
    }
    if (root->addr == 0)
        return acpi_fail(diag, ACPI_ERR_NO_ROOT_TABLE, addr,
                         "RSDP at 0x%llx (revision %u) gives neither an XSDT nor an RSDT address",
                         (unsigned long long)addr, revision);
    return ACPI_OK;
}

/* RSDP -> root table -> first table with `signature` (contract in acpi.h): every header read is
 * checked, so a corrupt table before the match stops the walk. */
enum acpi_error acpi_find_table(const struct acpi_access *io, uint64_t rsdp,
                                const char signature[ACPI_SIGNATURE_LEN], uint64_t *table,
                                uint32_t *length, struct acpi_diag *diag)
{
    struct root_ref root = { 0, 0, NULL };
    const uint8_t *rt = NULL, *entry = NULL;
    uint32_t root_len, entry_len, count, i;
    char role[40], want[ACPI_SIGNATURE_LEN + 1];
    enum acpi_error err = read_rsdp(io, rsdp, &root, diag);

    if (err != ACPI_OK)
        return err;
    err = read_table(io, root.addr, root.signature, root.signature, ACPI_ERR_ROOT_SIGNATURE, &rt,
                     &root_len, diag);
    if (err != ACPI_OK)
        return err;
    if ((root_len - ACPI_TABLE_HEADER_LENGTH) % root.entry_size != 0)
        return acpi_fail(diag, ACPI_ERR_ROOT_LENGTH, root.addr,
                         "%s at 0x%llx has length %u: %u header bytes then not a whole number of "
                         "%u-byte entries", root.signature, (unsigned long long)root.addr, root_len,
                         ACPI_TABLE_HEADER_LENGTH, root.entry_size);
    count = (root_len - ACPI_TABLE_HEADER_LENGTH) / root.entry_size;
    for (i = 0; i < count; i++) {
        uint64_t addr = le_load(rt + ACPI_TABLE_HEADER_LENGTH + i * root.entry_size,
                                root.entry_size);
        if (addr == 0)
            continue;
        fmt_format(role, sizeof role, "%s entry %u", root.signature, i);
        err = read_table(io, addr, role, NULL, ACPI_OK, &entry, &entry_len, diag);
        if (err != ACPI_OK)
            return err;
        if (same_bytes(entry, signature, ACPI_SIGNATURE_LEN)) {
            *table = addr;
            *length = entry_len;
            return succeed(diag);
        }
    }
    printable_signature((const uint8_t *)signature, want);
    return acpi_fail(diag, ACPI_ERR_NOT_FOUND, root.addr, "no '%s' table among the %u entries of the "
                     "%s at 0x%llx", want, count, root.signature, (unsigned long long)root.addr);
}

/* --- MADT ----------------------------------------------------------------------------------- */

/* The entry kind for type, or NULL for a type ember skips. */
static const struct entry_kind *find_kind(uint8_t type)
{
    size_t i;

    for (i = 0; i < ARRAY_LEN(entry_kinds); i++)
        if (entry_kinds[i].type == type)
            return &entry_kinds[i];
    return NULL;
}

/* Appends a CPU (or counts it in cpu_overflow when the array is full). */
static void add_cpu(struct madt_info *out, uint8_t source, uint32_t apic_id, uint32_t uid,
                    uint32_t flags)
{
    bool enabled = (flags & MADT_CPU_ENABLED) != 0;

    if (out->cpu_count == MADT_MAX_CPUS) {
        out->cpu_overflow++;
        return;
    }
    out->cpus[out->cpu_count++] = (struct madt_cpu){
        .apic_id = apic_id,
        .acpi_uid = uid,
        .flags = flags,
        .source = source,
        .enabled = enabled,
        .online_capable = !enabled && (flags & MADT_CPU_ONLINE_CAPABLE) != 0,
    };
}

/* Appends a LINT-to-NMI entry (or counts it in nmi_overflow when the array is full). */
static void add_nmi(struct madt_info *out, uint32_t uid, bool all, uint16_t flags, uint8_t lint)
{
    if (out->nmi_count == MADT_MAX_LAPIC_NMIS) {
        out->nmi_overflow++;
        return;
    }
    out->nmis[out->nmi_count++] = (struct madt_lapic_nmi){ uid, all, flags, lint };
}

/* Stores the known entry e (type and Length already checked) in *out. Fails only on a second
 * Local APIC Address Override, at physical address `at`. */
static enum acpi_error store_entry(const uint8_t *e, uint64_t at, uint32_t offset,
                                   struct madt_info *out, struct acpi_diag *diag)
{
    switch (e[0]) {
    case MADT_TYPE_LOCAL_APIC:
        add_cpu(out, MADT_TYPE_LOCAL_APIC, e[LAPIC_OFF_ID], e[LAPIC_OFF_UID],
                (uint32_t)le_load(e + LAPIC_OFF_FLAGS, 4));
        break;
    case MADT_TYPE_LOCAL_X2APIC:
        add_cpu(out, MADT_TYPE_LOCAL_X2APIC, (uint32_t)le_load(e + X2APIC_OFF_ID, 4),
                (uint32_t)le_load(e + X2APIC_OFF_UID, 4),
                (uint32_t)le_load(e + X2APIC_OFF_FLAGS, 4));
        break;
    case MADT_TYPE_IO_APIC:
        if (out->ioapic_count == MADT_MAX_IOAPICS) {
            out->ioapic_overflow++;
            break;
        }
        out->ioapics[out->ioapic_count++] = (struct madt_ioapic){
            e[IOAPIC_OFF_ID], (uint32_t)le_load(e + IOAPIC_OFF_ADDRESS, 4),
            (uint32_t)le_load(e + IOAPIC_OFF_GSI_BASE, 4) };
        break;
    case MADT_TYPE_SOURCE_OVERRIDE:
        if (out->override_count == MADT_MAX_OVERRIDES) {
            out->override_overflow++;
            break;
        }
        out->overrides[out->override_count++] = (struct madt_override){
            e[ISO_OFF_BUS], e[ISO_OFF_SOURCE], (uint32_t)le_load(e + ISO_OFF_GSI, 4),
            (uint16_t)le_load(e + ISO_OFF_FLAGS, 2) };
        break;
    case MADT_TYPE_LAPIC_NMI:
        add_nmi(out, e[LAPIC_NMI_OFF_UID], e[LAPIC_NMI_OFF_UID] == LAPIC_NMI_ALL,
                (uint16_t)le_load(e + LAPIC_NMI_OFF_FLAGS, 2), e[LAPIC_NMI_OFF_LINT]);
        break;
    case MADT_TYPE_X2APIC_NMI: {
        uint32_t uid = (uint32_t)le_load(e + X2APIC_NMI_OFF_UID, 4);
        add_nmi(out, uid, uid == X2APIC_NMI_ALL, (uint16_t)le_load(e + X2APIC_NMI_OFF_FLAGS, 2),
                e[X2APIC_NMI_OFF_LINT]);
        break;
    }
    case MADT_TYPE_LAPIC_ADDRESS_OVERRIDE:
        if (out->lapic_address_overridden)
            return acpi_fail(diag, ACPI_ERR_DUPLICATE_LAPIC_OVERRIDE, at,
                             "MADT entry at offset %u (0x%llx) is a second Local APIC Address "
                             "Override; the spec allows one", offset, (unsigned long long)at);
        out->lapic_address = le_load(e + LAPIC_OVERRIDE_OFF_ADDRESS, 8);
        out->lapic_address_overridden = true;
        break;
    }
    return ACPI_OK;
}

/* Checks the entry at offset in the MADT t (len bytes, at physical madt) and stores it when its
 * type is known. On success *entry_len is its Length (>= 2), the step to the next entry. */
static enum acpi_error parse_entry(const uint8_t *t, uint32_t len, uint64_t madt, uint32_t offset,
                                   struct madt_info *out, uint32_t *entry_len,
                                   struct acpi_diag *diag)
{
    const struct entry_kind *kind;
    uint64_t at = madt + offset;
    uint8_t type, elen;

    if (len - offset < MADT_ENTRY_HEADER_LENGTH)
        return acpi_fail(diag, ACPI_ERR_ENTRY_PAST_END, at,
                         "MADT at 0x%llx (%u bytes): entry at offset %u needs a %u-byte header, "
                         "%u bytes left", (unsigned long long)madt, len, offset,
                         MADT_ENTRY_HEADER_LENGTH, len - offset);
    type = t[offset];
    elen = t[offset + 1];
    if (elen < MADT_ENTRY_HEADER_LENGTH)
        return acpi_fail(diag, ACPI_ERR_ENTRY_TOO_SHORT, at,
                         "MADT at 0x%llx: entry at offset %u (type %u) has length %u, want >= %u",
                         (unsigned long long)madt, offset, type, elen, MADT_ENTRY_HEADER_LENGTH);
    if (elen > len - offset)
        return acpi_fail(diag, ACPI_ERR_ENTRY_PAST_END, at,
                         "MADT at 0x%llx (%u bytes): entry at offset %u (type %u, length %u) runs "
                         "past the end", (unsigned long long)madt, len, offset, type, elen);
    kind = find_kind(type);
    if (kind != NULL && elen != kind->length)
        return acpi_fail(diag, ACPI_ERR_ENTRY_BAD_LENGTH, at,
                         "MADT at 0x%llx: entry at offset %u (type %u, %s) has length %u, want %u",
                         (unsigned long long)madt, offset, type, kind->name, elen, kind->length);
    *entry_len = elen;
    return kind != NULL ? store_entry(t + offset, at, offset, out, diag) : ACPI_OK;
}

/* Checks the MADT's header and fills *out from its entries in table order (contract in acpi.h). */
enum acpi_error acpi_parse_madt(const struct acpi_access *io, uint64_t madt, uint32_t length,
                                struct madt_info *out, struct acpi_diag *diag)
{
    const uint8_t *t;
    uint32_t len, offset, step = 0;
    enum acpi_error err;

    out->lapic_address = 0;
    out->lapic_address_overridden = false;
    out->flags = 0;
    out->cpu_count = out->cpu_overflow = 0;
    out->ioapic_count = out->ioapic_overflow = 0;
    out->override_count = out->override_overflow = 0;
    out->nmi_count = out->nmi_overflow = 0;
    err = read_table(io, madt, "MADT", "APIC", ACPI_ERR_MADT_SIGNATURE, &t, &len, diag);
    if (err != ACPI_OK)
        return err;
    if (len != length || len < MADT_ENTRIES_OFFSET)
        return acpi_fail(diag, ACPI_ERR_MADT_LENGTH, madt,
                         "MADT at 0x%llx has length %u, want %u and at least %u",
                         (unsigned long long)madt, len, length, MADT_ENTRIES_OFFSET);
    out->lapic_address = le_load(t + MADT_OFF_LAPIC_ADDRESS, 4);
    out->flags = (uint32_t)le_load(t + MADT_OFF_FLAGS, 4);
    for (offset = MADT_ENTRIES_OFFSET; offset < len; offset += step) {
        err = parse_entry(t, len, madt, offset, out, &step, diag);
        if (err != ACPI_OK)
            return err;
    }
    return succeed(diag);
}
