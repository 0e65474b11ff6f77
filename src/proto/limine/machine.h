/* The Limine base revision 5 machine state that needs the CPU and ACPI: the BSP's local APIC and
 * the IOMMUs (src/proto/limine/machine.c). The APs' local APICs: set b->smp.lapic_init in prepare. */
#ifndef EMBER_PROTO_LIMINE_MACHINE_H
#define EMBER_PROTO_LIMINE_MACHINE_H

#include "uefi/boot.h"

/* After ExitBootServices and after the APs were started (the BSP's x2APIC switch is done): the
 * BSP's local APIC gets lapic_plan_rev5 for its own MADT UID, through MSRs in x2APIC mode, else
 * its MMIO page through the identity map. Logs one debug line. */
void limine_lapic_init_bsp(struct boot *b);

/* After ExitBootServices (identity map still loaded): finds the DMAR and IVRS through the RSDP and
 * turns every VT-d unit's DMA translation and interrupt remapping, and every AMD-Vi unit, off;
 * with keep (the kernel made the x86-64 Keep IOMMU request) touches nothing. A missing table is
 * normal; a malformed one is logged and its units are left alone. */
void limine_iommus_off(struct boot *b, bool keep);

#endif
