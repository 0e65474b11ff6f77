/* Probe checks: where the firmware tables lie in the memory map and whether the HHDM reaches them.
 * Base revision 4: "ACPI tables (that being RSDP, RSDT, XSDT, all tables pointed to by RSDT and XSDT,
 * FACS, X_FACS, DSDT, X_DSDT - if present) are guaranteed to be mapped within ACPI_RECLAIMABLE,
 * ACPI_NVS, or RESERVED_MAPPED regions"; base revision 5: SMBIOS "32-bit and 64-bit entry points and
 * their structure tables" and "the EFI system table and the data it references (runtime services
 * table, configuration table array, and firmware vendor string)" as RESERVED_MAPPED entries. Those
 * types are HHDM-mapped from revision 4 on, so every table must also be reachable through the HHDM. */
#include "probe.h"

#define RSDP_V1_LENGTH 20
#define RSDP_REVISION_OFFSET 15
#define RSDP_LENGTH_OFFSET 20
#define ACPI_2_0 2
#define FADT_FIRMWARE_CTRL 36 /* FACS, 32-bit */
#define FADT_DSDT 40
#define FADT_X_FIRMWARE_CTRL 132 /* 64-bit forms (ACPI 2.0+ FADTs) */
#define FADT_X_DSDT 140
#define FACS_LENGTH_OFFSET 4
#define SMBIOS2_LENGTH_OFFSET 5
#define SMBIOS2_TABLE_LENGTH 0x16 /* u16 */
#define SMBIOS2_TABLE_ADDRESS 0x18 /* u32 */
#define SMBIOS3_LENGTH_OFFSET 6
#define SMBIOS3_TABLE_MAX 0x0C /* u32: the structure table's maximum size */
#define SMBIOS3_TABLE_ADDRESS 0x10 /* u64 */
#define SMBIOS_ENTRY_READ 0x20 /* bytes of an entry point read to find its fields */
#define EFI_ST_VENDOR 24 /* EFI_SYSTEM_TABLE (x64): FirmwareVendor, CHAR16 * */
#define EFI_ST_RUNTIME 88 /* RuntimeServices */
#define EFI_ST_TABLE_COUNT 104 /* NumberOfTableEntries */
#define EFI_ST_CONFIG 112 /* ConfigurationTable */
#define EFI_ST_SIZE 120
#define EFI_HEADER_SIZE_OFFSET 12 /* EFI_TABLE_HEADER.HeaderSize: the whole table's size */
#define EFI_HEADER_MIN 24
#define EFI_CONFIG_ENTRY 24 /* EFI_GUID + VOID * */
#define EFI_VENDOR_MAX_CHARS 256

/* One family of tables: what the revision allows them to lie in, and what was found. */
struct placement {
    unsigned types; /* memory-map type mask */
    unsigned tables, misplaced, unmapped, unreadable;
    char first[48]; /* the first table that broke a rule */
    uint64_t first_phys;
    int first_type;
};

/* Records the table `name` at [phys, phys + len): in an allowed region, and mapped at HHDM + phys. */
static void place(struct placement *p, const char *name, uint64_t phys, uint64_t len)
{
    uint64_t bad;
    bool typed = phys_range_typed(phys, len, p->types, &bad);
    bool mapped = range_maps_to(boot.hhdm + phys, len, phys, &bad);

    p->tables++;
    p->misplaced += !typed;
    p->unmapped += !mapped;
    if ((typed && mapped) || p->first[0] != '\0')
        return;
    unsigned n = 0;
    for (; name[n] != '\0' && n + 1 < sizeof p->first; n++)
        p->first[n] = name[n];
    p->first[n] = '\0';
    p->first_phys = phys;
    p->first_type = memmap_type_at(phys);
}

/* Reports one family as one check line. */
static void report_placement(const struct placement *p, const char *title, const char *allowed)
{
    const char *type = p->first_type < 0 ? "in no entry" : memmap_type_name((uint64_t)p->first_type);
    check(p->tables > 0 && p->misplaced == 0 && p->unmapped == 0 && p->unreadable == 0, EXIT_FAIL_FIRMWARE, title,
          "%u tables: %u outside %s, %u not HHDM-mapped, %u unreadable; first %s at 0x%llx (%s)", p->tables,
          p->misplaced, allowed, p->unmapped, p->unreadable, p->first[0] ? p->first : "-",
          (unsigned long long)p->first_phys, p->first[0] ? type : "-");
}

/* An SDT-style table at phys: records it, named by its signature (fallback_name when that is not
 * printable), with the length its header gives. */
static void place_sdt(struct placement *p, uint64_t phys, const char *fallback_name)
{
    const volatile uint8_t *t = acpi_table(phys);
    char name[5] = { 0 };
    bool printable = true;

    if (t == NULL) {
        p->unreadable++;
        return;
    }
    for (unsigned i = 0; i < 4; i++) {
        name[i] = (char)t[i];
        printable = printable && t[i] >= ' ' && t[i] <= '~';
    }
    place(p, printable ? name : fallback_name, phys, *(const volatile uint32_t *)(t + ACPI_SDT_LENGTH_OFFSET));
}

/* The FACS at phys: not an SDT (no checksum, 64-byte minimum), but its length is at the same offset. */
static void place_facs(struct placement *p, uint64_t phys)
{
    enum phys_via via;
    const volatile uint8_t *f = phys_access(phys, FACS_LENGTH_OFFSET + 4, &via);

    if (f == NULL) {
        p->unreadable++;
        return;
    }
    place(p, "FACS", phys, *(const volatile uint32_t *)(f + FACS_LENGTH_OFFSET));
}

/* The FADT's FACS and DSDT, in both the 32-bit and (when the FADT is long enough) 64-bit fields. */
static void place_fadt_children(struct placement *p, uint64_t fadt_phys)
{
    const volatile uint8_t *f = acpi_table(fadt_phys);
    uint32_t len = f ? *(const volatile uint32_t *)(f + ACPI_SDT_LENGTH_OFFSET) : 0;

    if (f == NULL)
        return;
    if (len >= FADT_FIRMWARE_CTRL + 4 && *(const volatile uint32_t *)(f + FADT_FIRMWARE_CTRL))
        place_facs(p, *(const volatile uint32_t *)(f + FADT_FIRMWARE_CTRL));
    if (len >= FADT_DSDT + 4 && *(const volatile uint32_t *)(f + FADT_DSDT))
        place_sdt(p, *(const volatile uint32_t *)(f + FADT_DSDT), "DSDT");
    if (len >= FADT_X_FIRMWARE_CTRL + 8 && *(const volatile uint64_t *)(f + FADT_X_FIRMWARE_CTRL))
        place_facs(p, *(const volatile uint64_t *)(f + FADT_X_FIRMWARE_CTRL));
    if (len >= FADT_X_DSDT + 8 && *(const volatile uint64_t *)(f + FADT_X_DSDT))
        place_sdt(p, *(const volatile uint64_t *)(f + FADT_X_DSDT), "X_DSDT");
}

/* Base revision 4: the RSDP, both root tables, every table either lists, and the FADT's FACS/DSDT. */
static void check_acpi_placement(const struct lp_rsdp_response *r)
{
    struct placement p = { .types = MEMMAP_TYPE_BIT(LP_MEM_ACPI_RECLAIMABLE) | MEMMAP_TYPE_BIT(LP_MEM_ACPI_NVS) |
                                    MEMMAP_TYPE_BIT(LP_MEM_RESERVED_MAPPED) };
    uint64_t rsdp_phys, tables[ACPI_MAX_TABLES];
    enum phys_via via;

    if (r == NULL || r->address == 0 || !firmware_table_phys(r->address, false, &rsdp_phys))
        return; /* check_rsdp reported it */
    const volatile uint8_t *rsdp = phys_access(rsdp_phys, RSDP_LENGTH_OFFSET + 4, &via);
    if (rsdp == NULL)
        return;
    bool v2 = rsdp[RSDP_REVISION_OFFSET] >= ACPI_2_0;
    place(&p, "RSDP", rsdp_phys, v2 ? *(const volatile uint32_t *)(rsdp + RSDP_LENGTH_OFFSET) : RSDP_V1_LENGTH);
    for (int x = 0; x <= 1; x++) {
        uint64_t root = acpi_root(rsdp_phys, x);
        if (root == 0)
            continue;
        place_sdt(&p, root, x ? "XSDT" : "RSDT");
        unsigned n = acpi_root_entries(root, x, tables, ACPI_MAX_TABLES);
        for (unsigned i = 0; i < n; i++) {
            place_sdt(&p, tables[i], "table");
            const volatile uint8_t *h = acpi_table(tables[i]);
            if (h && h[0] == 'F' && h[1] == 'A' && h[2] == 'C' && h[3] == 'P')
                place_fadt_children(&p, tables[i]);
        }
    }
    report_placement(&p, "ACPI tables in ACPI/reserved-mapped memory, HHDM-mapped (base revision >= 4)",
                     "ACPI reclaimable/NVS/reserved mapped");
}

/* One SMBIOS entry point (HHDM or physical per revision) and the structure table it names. */
static void place_smbios_entry(struct placement *p, uint64_t address, bool v3)
{
    uint64_t phys;
    enum phys_via via;
    const volatile uint8_t *e = firmware_table_phys(address, true, &phys) ? phys_access(phys, SMBIOS_ENTRY_READ, &via)
                                                                          : NULL;
    if (e == NULL) {
        p->unreadable++;
        return;
    }
    if (v3) {
        place(p, "SMBIOS 3 entry point", phys, e[SMBIOS3_LENGTH_OFFSET]);
        place(p, "SMBIOS 3 structure table", *(const volatile uint64_t *)(e + SMBIOS3_TABLE_ADDRESS),
              *(const volatile uint32_t *)(e + SMBIOS3_TABLE_MAX));
    } else {
        place(p, "SMBIOS 2 entry point", phys, e[SMBIOS2_LENGTH_OFFSET]);
        place(p, "SMBIOS 2 structure table", *(const volatile uint32_t *)(e + SMBIOS2_TABLE_ADDRESS),
              *(const volatile uint16_t *)(e + SMBIOS2_TABLE_LENGTH));
    }
}

/* Base revision 5: both SMBIOS entry points and their structure tables in RESERVED_MAPPED entries. */
static void check_smbios_placement(const struct lp_smbios_response *r)
{
    struct placement p = { .types = MEMMAP_TYPE_BIT(LP_MEM_RESERVED_MAPPED) };

    if (r == NULL || (r->entry_32 == 0 && r->entry_64 == 0))
        return; /* check_smbios reported it */
    if (r->entry_32)
        place_smbios_entry(&p, r->entry_32, false);
    if (r->entry_64)
        place_smbios_entry(&p, r->entry_64, true);
    report_placement(&p, "SMBIOS tables in reserved-mapped memory, HHDM-mapped (base revision >= 5)",
                     "reserved mapped");
}

/* The byte length of the NUL-terminated CHAR16 string at phys, terminator included (bounded). */
static uint64_t char16_bytes(uint64_t phys)
{
    enum phys_via via;
    const volatile uint16_t *s = phys_access(phys, EFI_VENDOR_MAX_CHARS * 2, &via);
    uint64_t n = 0;

    while (s != NULL && n < EFI_VENDOR_MAX_CHARS && s[n] != 0)
        n++;
    return (n + 1) * 2;
}

/* Base revision 5: the EFI system table, its runtime services table, its configuration table array
 * and its firmware vendor string in RESERVED_MAPPED entries. */
static void check_efi_placement(const struct lp_efi_system_table_response *r)
{
    struct placement p = { .types = MEMMAP_TYPE_BIT(LP_MEM_RESERVED_MAPPED) };
    uint64_t phys;
    enum phys_via via;

    if (r == NULL || r->address == 0 || !firmware_table_phys(r->address, true, &phys))
        return; /* check_efi_system_table reported it */
    const volatile uint8_t *st = phys_access(phys, EFI_ST_SIZE, &via);
    if (st == NULL)
        return;
    place(&p, "EFI system table", phys, *(const volatile uint32_t *)(st + EFI_HEADER_SIZE_OFFSET));
    uint64_t rt = *(const volatile uint64_t *)(st + EFI_ST_RUNTIME);
    const volatile uint8_t *rth = rt ? phys_access(rt, EFI_HEADER_MIN, &via) : NULL;
    if (rth != NULL)
        place(&p, "EFI runtime services", rt, *(const volatile uint32_t *)(rth + EFI_HEADER_SIZE_OFFSET));
    else
        p.unreadable++;
    uint64_t config = *(const volatile uint64_t *)(st + EFI_ST_CONFIG);
    uint64_t count = *(const volatile uint64_t *)(st + EFI_ST_TABLE_COUNT);
    if (config != 0 && count != 0)
        place(&p, "EFI configuration tables", config, count * EFI_CONFIG_ENTRY);
    uint64_t vendor = *(const volatile uint64_t *)(st + EFI_ST_VENDOR);
    if (vendor != 0)
        place(&p, "EFI firmware vendor", vendor, char16_bytes(vendor));
    report_placement(&p, "EFI system table and its data in reserved-mapped memory, HHDM-mapped (base revision >= 5)",
                     "reserved mapped");
}

/* The placement guarantees of the revision the loader used: none before 4. */
void check_table_placement(const struct lp_rsdp_response *rsdp, const struct lp_smbios_response *smbios,
                           const struct lp_efi_system_table_response *efi)
{
    if (boot.revision < 4 || boot.memmap == NULL || boot.memmap->entries == NULL)
        return;
    check_acpi_placement(rsdp);
    if (boot.revision < 5)
        return;
    check_smbios_placement(smbios);
    check_efi_placement(efi);
}
