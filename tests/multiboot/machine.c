/* The probe's checks of the machine against the hardware itself, never the loader's word: the
 * interrupt controllers (8259 OCW1 mask registers; each I/O APIC the ACPI MADT lists) and the
 * framebuffer (QEMU -vga std's Bochs DISPI mode registers and its PCI BAR 0). */
#include "probe.h"
#include "../include/dispi.h"

#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xA1
#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define STDVGA_ID 0x11111234u     /* device 0x1111, vendor 0x1234: QEMU's standard VGA */
#define MADT_ENTRIES_AT 44
#define MADT_IOAPIC 1
#define IOAPIC_VERSION 1
#define IOAPIC_REDTBL 0x10
#define REDIR_MASKED (1u << 16)
#define REDIR_DELIVERY(low) (((low) >> 8) & 7u)
#define DELIVERY_SMI 2u
#define DELIVERY_INIT 5u

static inline uint32_t mem32(uint32_t at) { return *(const volatile uint32_t *)(uintptr_t)at; }

static uint32_t pci_read(unsigned dev, unsigned reg)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | dev << 11 | reg);
    return inl(PCI_CONFIG_DATA);
}

/* The unmasked fixed, lowest-priority, NMI or ExtINT entries of the I/O APIC at base. */
static unsigned ioapic_open_entries(uint32_t base)
{
    volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)base;
    io[0] = IOAPIC_VERSION;
    unsigned last = (io[4] >> 16) & 0xff, open = 0;
    for (unsigned n = 0; n <= last; n++) {
        io[0] = IOAPIC_REDTBL + 2 * n;
        uint32_t low = io[4];
        unsigned mode = REDIR_DELIVERY(low);
        open += !(low & REDIR_MASKED) && mode != DELIVERY_SMI && mode != DELIVERY_INIT;
    }
    return open;
}

/* The MADT through the RSDP copy (its XSDT when ACPI 2.0 gives one, else its RSDT), or 0. */
static uint32_t find_madt(const uint8_t *rsdp, uint32_t len)
{
    bool x = len >= 36 && rsdp[15] >= 2;
    uint32_t sdt = x ? *(const uint32_t *)(rsdp + 24) : *(const uint32_t *)(rsdp + 16);
    uint32_t step = x ? 8 : 4;
    for (uint32_t at = sdt + 36; sdt != 0 && at + step <= sdt + mem32(sdt + 4); at += step)
        if (starts((const char *)(uintptr_t)mem32(at), "APIC"))
            return mem32(at);
    return 0;
}

void check_interrupt_controllers(const uint8_t *rsdp, uint32_t rsdp_len)
{
    uint8_t master = inb(PIC_MASTER_DATA), slave = inb(PIC_SLAVE_DATA);
    check(master == 0xff && slave == 0xff, "8259 PICs: every line masked", "IMR 0x%x, 0x%x", master, slave);
    if (rsdp == NULL)
        return;
    uint32_t madt = find_madt(rsdp, rsdp_len), ioapics = 0, open = 0;
    for (uint32_t at = madt + MADT_ENTRIES_AT; madt != 0 && at + 2 <= madt + mem32(madt + 4);
         at += *(const uint8_t *)(uintptr_t)(at + 1)) {
        if (*(const uint8_t *)(uintptr_t)(at + 1) < 2)
            break;
        if (*(const uint8_t *)(uintptr_t)at == MADT_IOAPIC) {
            ioapics++;
            open += ioapic_open_entries(mem32(at + 4));
        }
    }
    check(madt != 0 && ioapics > 0 && open == 0, "I/O APICs: every interrupt entry masked",
          "MADT at 0x%x, %u I/O APICs, %u entries open", madt, ioapics, open);
}

/* The framebuffer against the display mode the hardware is in, when QEMU's standard VGA is there. */
void check_framebuffer_hardware(uint64_t addr, uint32_t pitch, uint32_t width, uint32_t height, uint32_t bpp)
{
    struct dispi_mode hw;
    uint32_t bar0 = 0;
    for (unsigned dev = 0; dev < 32 && bar0 == 0; dev++)
        if (pci_read(dev, 0) == STDVGA_ID)
            bar0 = pci_read(dev, 0x10) & ~0xfu;
    if (!dispi_probe(&hw) || !(hw.enable & DISPI_ENABLED) || bar0 == 0) {
        print("mbprobe: framebuffer not checked against the hardware: no enabled standard VGA\n");
        return;
    }
    check(addr == bar0 && width == hw.xres && height == hw.yres && bpp == hw.bpp &&
          pitch == (uint32_t)hw.virt_width * (hw.bpp / 8),
          "framebuffer matches the display registers", "0x%llx %ux%u pitch %u bpp %u; BAR 0x%x, DISPI %ux%u "
          "virtual width %u bpp %u", (unsigned long long)addr, width, height, pitch, bpp, bar0, hw.xres, hw.yres,
          hw.virt_width, hw.bpp);
}
