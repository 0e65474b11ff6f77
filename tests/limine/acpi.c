/* Probe check: "The legacy PICs (if available) have all IRQs masked" and "IO APIC IRQs (only those
 * with delivery mode fixed (0b000) or lowest priority (0b001)) are all masked". The I/O APICs come
 * from the MADT, found through RSDP -> XSDT (or RSDT). */
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
#define REDIR_MASKED (1u << 16)
#define MAX_TABLES 64

/* The whole ACPI table at phys (header first, then its length), or NULL when unreachable or too short. */
static const volatile uint8_t *acpi_table(uint64_t phys)
{
    enum phys_via via;
    const volatile uint8_t *h = phys_access(phys, SDT_HEADER, &via);
    if (h == NULL)
        return NULL;
    uint32_t len = *(const volatile uint32_t *)(h + SDT_LENGTH_OFFSET);
    return len >= SDT_HEADER ? phys_access(phys, len, &via) : NULL;
}

/* The MADT's physical address via the XSDT (ACPI 2.0+) or RSDT, or 0. */
static uint64_t find_madt(uint64_t rsdp_phys)
{
    enum phys_via via;
    const volatile uint8_t *rsdp = phys_access(rsdp_phys, RSDP_XSDT_OFFSET + 8, &via);
    if (rsdp == NULL)
        return 0;
    bool x = rsdp[RSDP_REVISION_OFFSET] >= ACPI_2_0;
    uint64_t sdt = x ? *(const volatile uint64_t *)(rsdp + RSDP_XSDT_OFFSET)
                     : *(const volatile uint32_t *)(rsdp + RSDP_RSDT_OFFSET);
    const volatile uint8_t *t = sdt ? acpi_table(sdt) : NULL;
    if (t == NULL)
        return 0;
    unsigned width = x ? 8 : 4;
    uint64_t count = (*(const volatile uint32_t *)(t + SDT_LENGTH_OFFSET) - SDT_HEADER) / width;
    for (uint64_t i = 0; i < count && i < MAX_TABLES; i++) {
        const volatile uint8_t *e = t + SDT_HEADER + i * width;
        uint64_t phys = x ? *(const volatile uint64_t *)e : *(const volatile uint32_t *)e;
        const volatile uint8_t *h = acpi_table(phys);
        if (h && h[0] == 'A' && h[1] == 'P' && h[2] == 'I' && h[3] == 'C')
            return phys;
    }
    return 0;
}

/* Reads I/O APIC register reg through its MMIO window. */
static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
    base[IOREGSEL / 4] = reg;
    return base[IOWIN / 4];
}

/* Counts, for one I/O APIC, its entries, those with fixed/lowest-priority delivery, and those of them
 * left unmasked. Returns false when its registers cannot be reached. */
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
        if (mode != REDIR_FIXED && mode != REDIR_LOWEST)
            continue;
        (*relevant)++;
        *unmasked += !(low & REDIR_MASKED);
    }
    note("I/O APIC at 0x%llx %s: %u redirection entries", (unsigned long long)phys, via_name(via), max + 1);
    return true;
}

/* Every MADT I/O APIC: fixed and lowest-priority redirection entries masked. */
static void check_ioapics(uint64_t rsdp_phys)
{
    uint64_t madt_phys = find_madt(rsdp_phys);
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
    check(ioapics > 0 && unreachable == 0 && unmasked == 0, EXIT_FAIL_FIRMWARE, "I/O APIC fixed/lowest IRQs masked",
          "%u I/O APICs (%u unreachable), %u entries, %u fixed/lowest, %u unmasked", ioapics, unreachable, entries,
          relevant, unmasked);
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
