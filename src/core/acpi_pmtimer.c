/* The ACPI PM timer's port from the FADT (ACPI 6.5 5.2.9, FADT fields PM_TMR_BLK, Flags, X_PM_TMR_BLK). */
#include "core/acpi_pmtimer.h"
#include "core/bytes.h"

#define FADT_OFF_PM_TMR_BLK 76
#define FADT_OFF_FLAGS 112
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)
#define FADT_OFF_X_PM_TMR_BLK 208 /* a 12-byte Generic Address Structure */
#define GAS_BYTES 12
#define GAS_OFF_ADDRESS 4
#define GAS_SPACE_SYSTEM_IO 1
#define PORT_MAX 0xffffu

bool acpi_fadt_pm_timer(const struct acpi_access *io, uint64_t fadt, uint32_t length, struct acpi_pm_timer *out)
{
    const uint8_t *t = io->map(io->ctx, fadt, length);
    uint64_t port = 0;

    if (t == NULL || length < FADT_OFF_PM_TMR_BLK + 4)
        return false;
    if (length >= FADT_OFF_X_PM_TMR_BLK + GAS_BYTES && t[FADT_OFF_X_PM_TMR_BLK] == GAS_SPACE_SYSTEM_IO)
        port = le_load64(t + FADT_OFF_X_PM_TMR_BLK + GAS_OFF_ADDRESS);
    if (port == 0)
        port = le_load(t + FADT_OFF_PM_TMR_BLK, 4);
    if (port == 0 || port > PORT_MAX)
        return false;
    out->port = (uint16_t)port;
    out->bits32 = length >= FADT_OFF_FLAGS + 4 && (le_load(t + FADT_OFF_FLAGS, 4) & FADT_FLAG_TMR_VAL_EXT) != 0;
    return true;
}

uint32_t acpi_pm_timer_ticks(uint32_t start, uint32_t end, bool bits32)
{
    uint32_t mask = bits32 ? 0xffffffffu : 0xffffffu;

    return (end - start) & mask;
}
