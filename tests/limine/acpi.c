/* Probe check: "The legacy PICs (if available) have all IRQs masked" and the I/O APIC redirection
 * entries "with Fixed (0b000) or Lowest Priority (0b001) delivery mode are masked" ("For base revision
 * 5 or greater, entries with NMI (0b100) or ExtINT (0b111) delivery mode are also masked"). The I/O
 * APICs come from the MADT, found through RSDP -> XSDT (or RSDT); the table helpers here serve the
 * other ACPI-reading checks too. */
#include "cpu.h"
#include "probe.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1
#define PIC_ALL_MASKED 0xFF
#define RSDP_REVISION_OFFSET 15
#define RSDP_RSDT_OFFSET 16
#define RSDP_XSDT_OFFSET 24
#define ACPI_2_0 2
#define SDT_HEADER 36
#define SDT_LENGTH_OFFSET 4
#define MADT_ENTRIES_OFFSET 44
#define MADT_IOAPIC 1
#define MADT_IOAPIC_ADDRESS_OFFSET 4
#define IOAPIC_WINDOW_BYTES 0x20
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VERSION_REG 1
#define IOAPIC_MAX_ENTRY_SHIFT 16
#define IOAPIC_REDIR_BASE 0x10
#define REDIR_DELIVERY_SHIFT 8
#define REDIR_DELIVERY_MASK 7u
#define REDIR_FIXED 0u
#define REDIR_LOWEST 1u
#define REDIR_NMI 4u
#define REDIR_EXTINT 7u
#define REDIR_MASKED (1u << 16)

/* The whole ACPI table at phys (header first, then its length), or NULL when unreachable or too short. */
const volatile uint8_t *acpi_table(uint64_t phys)
{
    enum phys_via via;
    const volatile uint8_t *h = phys_access(phys, SDT_HEADER, &via);
    if (h == NULL)
        return NULL;
    uint32_t len = *(const volatile uint32_t *)(h + SDT_LENGTH_OFFSET);
    return len >= SDT_HEADER ? phys_access(phys, len, &via) : NULL;
}

/* The physical address of the root table: the XSDT (xsdt, ACPI 2.0+ RSDPs only) or the RSDT; 0 when
 * the RSDP is unreachable or has none. */
uint64_t acpi_root(uint64_t rsdp_phys, bool xsdt)
{
    enum phys_via via;
    const volatile uint8_t *rsdp = phys_access(rsdp_phys, RSDP_XSDT_OFFSET + 8, &via);
    if (rsdp == NULL)
        return 0;
    if (xsdt)
        return rsdp[RSDP_REVISION_OFFSET] >= ACPI_2_0 ? *(const volatile uint64_t *)(rsdp + RSDP_XSDT_OFFSET) : 0;
    return *(const volatile uint32_t *)(rsdp + RSDP_RSDT_OFFSET);
}

/* Stores the physical addresses the root table at root_phys lists (8-byte entries for the XSDT,
 * 4-byte for the RSDT) in out[0..max); returns how many there are (at most max). */
unsigned acpi_root_entries(uint64_t root_phys, bool xsdt, uint64_t *out, unsigned max)
{
    const volatile uint8_t *t = root_phys ? acpi_table(root_phys) : NULL;
    unsigned width = xsdt ? 8 : 4, n = 0;
    if (t == NULL)
        return 0;
    uint64_t count = (*(const volatile uint32_t *)(t + SDT_LENGTH_OFFSET) - SDT_HEADER) / width;
    for (uint64_t i = 0; i < count && n < max; i++) {
        const volatile uint8_t *e = t + SDT_HEADER + i * width;
        out[n++] = xsdt ? *(const volatile uint64_t *)e : *(const volatile uint32_t *)e;
    }
    return n;
}

/* The physical address of the first table with signature sig (4 characters) listed by the XSDT
 * (ACPI 2.0+) or else the RSDT, or 0. */
uint64_t acpi_find_table(uint64_t rsdp_phys, const char *sig)
{
    uint64_t tables[ACPI_MAX_TABLES];
    bool xsdt = acpi_root(rsdp_phys, true) != 0;
    unsigned n = acpi_root_entries(acpi_root(rsdp_phys, xsdt), xsdt, tables, ACPI_MAX_TABLES);

    for (unsigned i = 0; i < n; i++) {
        const volatile uint8_t *h = acpi_table(tables[i]);
        if (h && h[0] == (uint8_t)sig[0] && h[1] == (uint8_t)sig[1] && h[2] == (uint8_t)sig[2] && h[3] == (uint8_t)sig[3])
            return tables[i];
    }
    return 0;
}

/* Reads I/O APIC register reg through its MMIO window. */
static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
    base[IOREGSEL / 4] = reg;
    return base[IOWIN / 4];
}

/* True when base revision `revision` requires an I/O APIC or LVT entry of this delivery mode to be
 * masked: Fixed and Lowest Priority always, NMI and ExtINT too from base revision 5. */
bool delivery_mode_masked(unsigned mode, unsigned revision)
{
    return mode == REDIR_FIXED || mode == REDIR_LOWEST || (revision >= 5 && (mode == REDIR_NMI || mode == REDIR_EXTINT));
}

/* Counts, for one I/O APIC, its entries, those with a delivery mode the revision masks, and those of
 * them left unmasked. Returns false when its registers cannot be reached. */
static bool survey_ioapic(uint64_t phys, unsigned *entries, unsigned *relevant, unsigned *unmasked)
{
    enum phys_via via;
    volatile uint32_t *io = phys_access(phys, IOAPIC_WINDOW_BYTES, &via);
    if (io == NULL)
        return false;
    unsigned max = (ioapic_read(io, IOAPIC_VERSION_REG) >> IOAPIC_MAX_ENTRY_SHIFT) & 0xFF;
    for (unsigned i = 0; i <= max; i++) {
        uint32_t low = ioapic_read(io, IOAPIC_REDIR_BASE + 2 * i);
        unsigned mode = (low >> REDIR_DELIVERY_SHIFT) & REDIR_DELIVERY_MASK;
        (*entries)++;
        if (!delivery_mode_masked(mode, boot.revision))
            continue;
        (*relevant)++;
        *unmasked += !(low & REDIR_MASKED);
    }
    note("I/O APIC at 0x%llx %s: %u redirection entries", (unsigned long long)phys, via_name(via), max + 1);
    return true;
}

/* Every MADT I/O APIC: the redirection entries of the modes the revision masks are masked. */
static void check_ioapics(uint64_t rsdp_phys)
{
    uint64_t madt_phys = acpi_find_table(rsdp_phys, "APIC");
    const volatile uint8_t *madt = madt_phys ? acpi_table(madt_phys) : NULL;
    unsigned ioapics = 0, unreachable = 0, entries = 0, relevant = 0, unmasked = 0;

    check(madt != NULL, EXIT_FAIL_FIRMWARE, "MADT found through the RSDP", "at 0x%llx", (unsigned long long)madt_phys);
    if (madt == NULL)
        return;
    uint32_t len = *(const volatile uint32_t *)(madt + SDT_LENGTH_OFFSET);
    for (uint32_t off = MADT_ENTRIES_OFFSET; off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1]) {
        if (madt[off] != MADT_IOAPIC)
            continue;
        ioapics++;
        uint32_t address = *(const volatile uint32_t *)(madt + off + MADT_IOAPIC_ADDRESS_OFFSET);
        unreachable += !survey_ioapic(address, &entries, &relevant, &unmasked);
    }
    const char *modes = boot.revision >= 5 ? "fixed/lowest/NMI/ExtINT" : "fixed/lowest";
    check(ioapics > 0 && unreachable == 0 && unmasked == 0, EXIT_FAIL_FIRMWARE,
          boot.revision >= 5 ? "I/O APIC fixed/lowest/NMI/ExtINT IRQs masked (base revision >= 5)"
                             : "I/O APIC fixed/lowest IRQs masked",
          "%u I/O APICs (%u unreachable), %u entries, %u %s, %u unmasked", ioapics, unreachable, entries, relevant,
          modes, unmasked);
}

/* The legacy PIC mask registers, then the I/O APICs the RSDP response leads to. */
void check_interrupt_controllers(const struct lp_rsdp_response *rsdp)
{
    uint8_t m1 = cpu_inb(PIC1_DATA), m2 = cpu_inb(PIC2_DATA);
    uint64_t phys;

    check(m1 == PIC_ALL_MASKED && m2 == PIC_ALL_MASKED, EXIT_FAIL_CPU, "legacy PIC IRQs masked",
          "master IMR 0x%02x, slave IMR 0x%02x", m1, m2);
    if (rsdp != NULL && rsdp->address != 0 && firmware_table_phys(rsdp->address, false, &phys))
        check_ioapics(phys);
}
