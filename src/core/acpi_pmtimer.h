/* The ACPI power-management timer: a 3.579545 MHz counter every non-HW-reduced x86 platform has,
 * found through the FADT. Pure: the table is read through struct acpi_access. */
#ifndef EMBER_ACPI_PMTIMER_H
#define EMBER_ACPI_PMTIMER_H

#include "core/acpi.h"

#define ACPI_PM_TIMER_HZ 3579545ULL

struct acpi_pm_timer {
    uint16_t port;  /* I/O port of the counter */
    bool bits32;    /* FADT TMR_VAL_EXT: 32 counting bits, else 24 */
};

/* The PM timer of the FADT at fadt, `length` bytes as acpi_find_table reported ("FACP", already
 * checked). X_PM_TMR_BLK wins when it is a System I/O address; else PM_TMR_BLK. False when the FADT
 * has neither (HW-reduced ACPI), is too short for PM_TMR_BLK, or puts the timer in memory space. */
bool acpi_fadt_pm_timer(const struct acpi_access *io, uint64_t fadt, uint32_t length, struct acpi_pm_timer *out);

/* Ticks the counter advanced from start to end, having wrapped at most once. */
uint32_t acpi_pm_timer_ticks(uint32_t start, uint32_t end, bool bits32);

#endif
