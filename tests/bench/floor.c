/* I/O floor for `make bench`: the least any loader must spend to get a kernel's PT_LOAD bytes into
 * memory: open \kernel.elf on the boot volume, one AllocatePages and one Read per segment. */
#include <efi.h>
#include <efilib.h>

#include "arch/x86_64/cpu.h"
#include "core/elf.h"

#define DEBUG_EXIT_PORT 0xf4
#define FLOOR_DONE 0x31 /* QEMU exit status 99 */

static EFI_FILE_HANDLE open_kernel(EFI_HANDLE image)
{
    EFI_LOADED_IMAGE *loaded;
    EFI_FILE_IO_INTERFACE *fs;
    EFI_FILE_HANDLE root, file;

    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&loaded)) ||
        EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, loaded->DeviceHandle, &FileSystemProtocol, (void **)&fs)) ||
        EFI_ERROR(uefi_call_wrapper(fs->OpenVolume, 2, fs, &root)) ||
        EFI_ERROR(uefi_call_wrapper(root->Open, 5, root, &file, L"\\kernel.elf", EFI_FILE_MODE_READ, 0ULL)))
        return NULL;
    return file;
}

static EFI_STATUS read_at(EFI_FILE_HANDLE f, UINT64 offset, void *buf, UINTN len)
{
    EFI_STATUS status = uefi_call_wrapper(f->SetPosition, 2, f, offset);
    if (!EFI_ERROR(status))
        status = uefi_call_wrapper(f->Read, 3, f, &len, buf);
    return status;
}

static UINT64 tsc_per_us(void)
{
    UINT64 start = cpu_rdtsc();
    uefi_call_wrapper(BS->Stall, 1, 10000);
    return (cpu_rdtsc() - start) / 10000;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
    elf64_ehdr_t ehdr;
    elf64_phdr_t phdrs[ELF_MAX_PHNUM];
    UINT64 bytes = 0, entry = cpu_rdtsc(), start, done;
    unsigned segments = 0;

    InitializeLib(image, system_table);
    EFI_FILE_HANDLE f = open_kernel(image);
    if (f == NULL || EFI_ERROR(read_at(f, 0, &ehdr, sizeof ehdr)) || ehdr.e_phnum > ELF_MAX_PHNUM ||
        EFI_ERROR(read_at(f, ehdr.e_phoff, phdrs, ehdr.e_phnum * sizeof(elf64_phdr_t)))) {
        Print(L"floor: cannot read \\kernel.elf\n");
        return EFI_LOAD_ERROR;
    }
    start = cpu_rdtsc();
    for (unsigned i = 0; i < ehdr.e_phnum; i++) {
        EFI_PHYSICAL_ADDRESS addr;
        if (phdrs[i].p_type != ELF_PT_LOAD || phdrs[i].p_filesz == 0)
            continue;
        if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
                                        (phdrs[i].p_filesz + 4095) / 4096, &addr)) ||
            EFI_ERROR(read_at(f, phdrs[i].p_offset, (void *)addr, phdrs[i].p_filesz)))
            return EFI_LOAD_ERROR;
        bytes += phdrs[i].p_filesz;
        segments++;
    }
    done = cpu_rdtsc();
    UINT64 per_us = tsc_per_us();
    Print(L"floor: %d segments, %ld bytes, read_us=%ld total_us=%ld\n", segments, bytes, (done - start) / per_us,
          (done - entry) / per_us);
    cpu_outb(DEBUG_EXIT_PORT, FLOOR_DONE);
    return EFI_SUCCESS;
}
