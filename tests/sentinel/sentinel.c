/* Firmware-return sentinel: booted after ember; proves ember returned cleanly and freed its memory. */
#include <efi.h>
#include <efilib.h>

#include "arch/x86_64/cpu.h"

#define DEBUG_EXIT_PORT 0xf4
#define SENTINEL_OK 0x7e    /* QEMU exit status (0x7e << 1) | 1 = 253 */
#define SENTINEL_LEAK 0x7d  /* 251: ember left its own memory types behind */
#define EMBER_TYPE_FIRST 0x80000000u
#define EMBER_TYPE_LAST 0x800000FFu

/* Counts descriptors of ember's OS-loader memory types and checks whether CR3 lies in one. */
static UINTN count_ember_ranges(UINT64 cr3, BOOLEAN *cr3_in_ember)
{
    UINTN entries = 0, key = 0, desc_size = 0, leaked = 0;
    UINT32 version = 0;
    EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &version);

    *cr3_in_ember = FALSE;
    if (map == NULL)
        return 0;
    for (UINTN i = 0; i < entries; i++) {
        EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * desc_size);
        UINT64 end = d->PhysicalStart + d->NumberOfPages * 4096;
        if (d->Type < EMBER_TYPE_FIRST || d->Type > EMBER_TYPE_LAST)
            continue;
        leaked++;
        Print(L"ember-sentinel: leaked type 0x%x at 0x%lx (%ld pages)\n", d->Type, d->PhysicalStart,
              d->NumberOfPages);
        if (cr3 >= d->PhysicalStart && cr3 < end)
            *cr3_in_ember = TRUE;
    }
    FreePool(map);
    return leaked;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
    BOOLEAN cr3_in_ember;
    UINT64 cr3;
    UINTN leaked;

    InitializeLib(image, system_table);
    cr3 = cpu_read_cr3() & ~0xFFFULL;
    leaked = count_ember_ranges(cr3, &cr3_in_ember);
    if (leaked == 0 && !cr3_in_ember) {
        Print(L"ember-sentinel: firmware regained control, no ember memory left, CR3 0x%lx\n", cr3);
        cpu_outb(DEBUG_EXIT_PORT, SENTINEL_OK);
    }
    Print(L"ember-sentinel: LEAK: %ld ember ranges left, CR3 0x%lx in ember memory: %d\n", leaked,
          cr3, cr3_in_ember);
    cpu_outb(DEBUG_EXIT_PORT, SENTINEL_LEAK);
    return EFI_SUCCESS;
}
