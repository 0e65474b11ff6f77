/* Pure I/O APIC helpers: entry count and masking of redirection entries, through register callbacks. */
#include "core/ioapic.h"

#define REGISTER_ALL_ONES 0xffffffffu

/* Redirection entries from the version register, 0 when it reads all ones (ioapic.h). */
unsigned ioapic_entry_count(const struct ioapic_regs *io)
{
    uint32_t version = io->read(io->ctx, IOAPIC_REG_VERSION);

    if (version == REGISTER_ALL_ONES)
        return 0;
    return ((version >> IOAPIC_VERSION_MAX_ENTRY_SHIFT) & IOAPIC_VERSION_MAX_ENTRY_MASK) + 1;
}

/* True when an entry of this delivery mode is to be masked (ioapic.h). */
static bool masked_mode(uint32_t mode, bool nmi_and_extint)
{
    if (mode == IOAPIC_DELIVERY_FIXED || mode == IOAPIC_DELIVERY_LOWEST)
        return true;
    return nmi_and_extint && (mode == IOAPIC_DELIVERY_NMI || mode == IOAPIC_DELIVERY_EXTINT);
}

/* Masks the unmasked entries of the chosen delivery modes and returns how many (ioapic.h). */
unsigned ioapic_mask_entries(const struct ioapic_regs *io, bool nmi_and_extint)
{
    unsigned count = ioapic_entry_count(io), masked = 0, n;

    for (n = 0; n < count; n++) {
        uint32_t low = io->read(io->ctx, ioapic_redir_low(n));
        uint32_t mode = (low >> IOAPIC_REDIR_DELIVERY_SHIFT) & IOAPIC_REDIR_DELIVERY_MASK;
        if (!masked_mode(mode, nmi_and_extint))
            continue;
        if (low & IOAPIC_REDIR_MASKED)
            continue;
        io->write(io->ctx, ioapic_redir_low(n), low | IOAPIC_REDIR_MASKED);
        masked++;
    }
    return masked;
}
