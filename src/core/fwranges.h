/* Pure: where the firmware's ACPI and SMBIOS tables lie in physical memory, as ranges for the Limine
 * memory map (base revision 4: ACPI; 5: SMBIOS). */
#ifndef EMBER_FWRANGES_H
#define EMBER_FWRANGES_H

#include "core/acpi.h"
#include "core/lmemmap.h"

/* Adds the RSDP, the RSDT and XSDT, every table either lists, and the FADT's FACS and DSDT (both
 * the 32-bit and the X_ fields) - the spec's list for revision 4 - to out, each by the length its
 * header gives. A table that cannot be read or claims a length outside [header,
 * ACPI_MAX_TABLE_LENGTH] is skipped, not an error: the ranges only widen what the kernel gets
 * mapped. Returns the number of tables added. */
unsigned fwranges_acpi(const struct acpi_access *io, uint64_t rsdp, struct lmemmap_firmware_ranges *out);

/* Adds the SMBIOS 2.x ("_SM_", entry32) and 3.x ("_SM3_", entry64) entry points and the structure
 * tables they point to (0: absent). Returns the number of ranges added. */
unsigned fwranges_smbios(const struct acpi_access *io, uint64_t entry32, uint64_t entry64,
                         struct lmemmap_firmware_ranges *out);

#endif
