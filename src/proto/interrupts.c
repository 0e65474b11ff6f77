/* The legacy interrupt controllers as a protocol hands them over: the kernel enters with IF clear and
 * must not meet a line the firmware left unmasked (Limine's and the Multiboot protocols' entry state). */
#include "core/acpi.h"
#include "core/ioapic.h"
#include "uefi/log.h"
#include "proto/proto.h"
#include "arch/arch.h"

#define PIC_MASTER_DATA 0x21 /* OCW1: the interrupt mask register */
#define PIC_SLAVE_DATA 0xA1

unsigned proto_find_ioapics(const struct boot *b, const char *who, uint64_t *out, unsigned cap)
{
    const struct madt_info *madt = b->facts.madt;
    unsigned n = 0;

    if (madt == NULL) {
        log_warn("%s: no usable MADT (%s): I/O APIC entries are left as the firmware set them", who,
                 b->facts.madt_why);
        return 0;
    }
    for (unsigned i = 0; i < madt->ioapic_count && n < cap; i++)
        out[n++] = madt->ioapics[i].address;
    return n;
}

unsigned proto_keep_identity_mapped(uint64_t *ioapics, unsigned count, const char *who)
{
    struct address_space now = { .root = arch_read_page_root(), .phys_to_ptr = arch_identity_phys_to_ptr };
    unsigned kept = 0;

    for (unsigned i = 0; i < count; i++) {
        struct translation t;
        if (pg_translate(&now, virt(ioapics[i]), &t) == PG_OK && t.phys.addr == ioapics[i])
            ioapics[kept++] = ioapics[i];
        else
            log_warn("%s: the I/O APIC at 0x%llx is not identity-mapped by the page tables in CR3: its entries "
                     "are left as the firmware set them", who, (unsigned long long)ioapics[i]);
    }
    return kept;
}

/* IOREGSEL/IOWIN access to the I/O APIC at ctx (its physical MMIO base, identity-mapped). */
static uint32_t ioapic_read(void *ctx, uint32_t reg)
{
    volatile uint32_t *base = ctx;
    base[IOAPIC_MMIO_IOREGSEL / 4] = reg;
    return base[IOAPIC_MMIO_IOWIN / 4];
}

static void ioapic_write(void *ctx, uint32_t reg, uint32_t value)
{
    volatile uint32_t *base = ctx;
    base[IOAPIC_MMIO_IOREGSEL / 4] = reg;
    base[IOAPIC_MMIO_IOWIN / 4] = value;
}

/* test_fault open-irqs: every PIC line and I/O APIC fixed-delivery entry unmasked, as a firmware
 * might leave them (IF stays clear: nothing is delivered). */
static void open_lines(const uint64_t *ioapics, unsigned count)
{
    unsigned opened = 0;

    arch_port_write8(PIC_MASTER_DATA, 0x00);
    arch_port_write8(PIC_SLAVE_DATA, 0x00);
    for (unsigned i = 0; i < count; i++) {
        struct ioapic_regs io = { ioapic_read, ioapic_write, (void *)(uintptr_t)ioapics[i] };
        for (unsigned n = 0; n < ioapic_entry_count(&io); n++) {
            uint32_t low = io.read(io.ctx, ioapic_redir_low(n));
            if (((low >> IOAPIC_REDIR_DELIVERY_SHIFT) & IOAPIC_REDIR_DELIVERY_MASK) == IOAPIC_DELIVERY_FIXED &&
                (low & IOAPIC_REDIR_MASKED)) {
                io.write(io.ctx, ioapic_redir_low(n), low & ~IOAPIC_REDIR_MASKED);
                opened++;
            }
        }
    }
    log_warn("test_fault open-irqs: the PICs' lines and %u I/O APIC entries unmasked", opened);
}

void proto_mask_interrupts(const struct boot *b, const uint64_t *ioapics, unsigned count, bool nmi_and_extint,
                           const char *who)
{
    if (b->config.test_faults & CONFIG_FAULT_OPEN_IRQS)
        open_lines(ioapics, count);
    arch_port_write8(PIC_MASTER_DATA, 0xFF);
    arch_port_write8(PIC_SLAVE_DATA, 0xFF);
    for (unsigned i = 0; i < count; i++) {
        struct ioapic_regs io = { ioapic_read, ioapic_write, (void *)(uintptr_t)ioapics[i] };
        unsigned masked = ioapic_mask_entries(&io, nmi_and_extint);
        log_debug("%s: I/O APIC at 0x%llx: %u entries masked", who, (unsigned long long)ioapics[i], masked);
    }
}
