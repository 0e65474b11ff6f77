/* Open and read files on the boot volume, with short reads handled and every failure logged. */
#include "uefi/file.h"
#include "core/fmt.h"
#include "uefi/log.h"

#define FILE_INFO_BUFFER 512
#define MAX_READ_CHUNK (256 * MIB) /* bounded so one call cannot ask the firmware for an absurd size */

static UINT64 read_calls;

EFI_STATUS file_open_boot_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
    EFI_LOADED_IMAGE *loaded = NULL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_STATUS status;

    status = uefi_call_wrapper(BS->HandleProtocol, 3, image, &efi_loaded_image_guid, (void **)&loaded);
    if (EFI_ERROR(status)) {
        log_error("cannot get LoadedImage protocol: %s", efi_status_name(status));
        return status;
    }
    status = uefi_call_wrapper(BS->HandleProtocol, 3, loaded->DeviceHandle, &efi_simple_fs_guid,
                               (void **)&fs);
    if (EFI_ERROR(status)) {
        log_error("boot device has no file system: %s", efi_status_name(status));
        return status;
    }
    status = uefi_call_wrapper(fs->OpenVolume, 2, fs, root);
    if (EFI_ERROR(status))
        log_error("cannot open the boot volume: %s", efi_status_name(status));
    return status;
}

void file_close_root(EFI_FILE_HANDLE root)
{
    if (root != NULL)
        uefi_call_wrapper(root->Close, 1, root);
}

/* ASCII path -> CHAR16 with '\' separators. False when it does not fit. */
static bool to_uefi_path(const char *path, CHAR16 *out, size_t cap)
{
    size_t n = 0;
    for (; path[n] != '\0'; n++) {
        if (n + 1 >= cap)
            return false;
        out[n] = path[n] == '/' ? L'\\' : (CHAR16)(unsigned char)path[n];
    }
    out[n] = 0;
    return true;
}

static EFI_STATUS read_file_info(struct file *f)
{
    UINT8 buffer[FILE_INFO_BUFFER] __attribute__((aligned(8)));
    UINTN size = sizeof buffer;
    EFI_FILE_INFO *info = (EFI_FILE_INFO *)buffer;
    EFI_STATUS status = uefi_call_wrapper(f->handle->GetInfo, 4, f->handle, &efi_file_info_guid, &size, info);

    if (EFI_ERROR(status)) {
        log_error("cannot get file info of %s: %s", f->path, efi_status_name(status));
        return status;
    }
    if (info->Attribute & EFI_FILE_DIRECTORY) {
        log_error("%s is a directory, not a file", f->path);
        return EFI_INVALID_PARAMETER;
    }
    f->size = info->FileSize;
    return EFI_SUCCESS;
}

/* Opens path under root; log lines and f->path say shown (the path with its volume). */
EFI_STATUS file_open_shown(EFI_FILE_HANDLE root, const char *path, const char *shown, bool quiet_missing,
                           struct file *f)
{
    CHAR16 wide[sizeof f->path];
    EFI_STATUS status;

    f->handle = NULL;
    f->size = 0;
    fmt_format(f->path, sizeof f->path, "%s", shown);
    path = path != NULL ? path : shown;
    if (!to_uefi_path(path, wide, ARRAY_LEN(wide))) {
        log_error("path too long: %s", shown);
        return EFI_INVALID_PARAMETER;
    }
    status = uefi_call_wrapper(root->Open, 5, root, &f->handle, wide, EFI_FILE_MODE_READ, 0ULL);
    if (EFI_ERROR(status)) {
        f->handle = NULL;
        if (status == EFI_NOT_FOUND && quiet_missing)
            return status;
        if (status == EFI_NOT_FOUND)
            log_error("file not found: %s", shown);
        else
            log_error("cannot open %s: %s", shown, efi_status_name(status));
        return status;
    }
    status = read_file_info(f);
    if (EFI_ERROR(status))
        file_close(f);
    return status;
}

EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path, bool quiet_missing, struct file *f)
{
    f->volume_root = NULL;
    f->where = (struct volume_where){ 0 };
    return file_open_shown(root, NULL, path, quiet_missing, f);
}

void file_close(struct file *f)
{
    if (f->handle != NULL)
        uefi_call_wrapper(f->handle->Close, 1, f->handle);
    f->handle = NULL;
    file_close_root(f->volume_root);
    f->volume_root = NULL;
}

EFI_STATUS file_read_at(struct file *f, UINT64 offset, void *buf, UINT64 len)
{
    UINT8 *dst = buf;
    UINT64 done = 0;
    EFI_STATUS status = uefi_call_wrapper(f->handle->SetPosition, 2, f->handle, offset);

    if (EFI_ERROR(status)) {
        log_error("cannot seek %s to 0x%llx: %s", f->path, (unsigned long long)offset, efi_status_name(status));
        return status;
    }
    while (done < len) {
        UINTN chunk = (UINTN)(len - done < MAX_READ_CHUNK ? len - done : MAX_READ_CHUNK);
        read_calls++;
        status = uefi_call_wrapper(f->handle->Read, 3, f->handle, &chunk, dst + done);
        if (EFI_ERROR(status)) {
            log_error("read error in %s at 0x%llx: %s", f->path, (unsigned long long)(offset + done),
                      efi_status_name(status));
            return status;
        }
        if (chunk == 0) {
            log_error("unexpected end of %s at 0x%llx (wanted 0x%llx more bytes)", f->path,
                      (unsigned long long)(offset + done), (unsigned long long)(len - done));
            return EFI_END_OF_FILE;
        }
        done += chunk;
    }
    return EFI_SUCCESS;
}

UINT64 file_read_calls(void)
{
    return read_calls;
}
