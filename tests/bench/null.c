/* Firmware-only boot for `make bench`: an EFI app that exits QEMU at once (status 99). */
#include <efi.h>
#include <efilib.h>

#include "arch/x86_64/cpu.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
    InitializeLib(image, system_table);
    Print(L"null: firmware reached the app\n");
    cpu_outb(0xf4, 0x31);
    return EFI_SUCCESS;
}
