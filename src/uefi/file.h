/* Files on the volume ember was started from (LoadedImage->DeviceHandle). */
#ifndef EMBER_FILE_H
#define EMBER_FILE_H

#include "uefi/efi.h"

struct file {
    EFI_FILE_HANDLE handle;
    UINT64 size;             /* bytes */
    char path[128];          /* for log lines */
};

/* Opens the root directory of the boot volume. The caller closes it with file_close_root. */
EFI_STATUS file_open_boot_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root);
void file_close_root(EFI_FILE_HANDLE root);

/* Opens path ('/' or '\' separators) read-only and learns its size. A missing file gives
 * EFI_NOT_FOUND, a directory EFI_INVALID_PARAMETER; each failure is logged with the path. When
 * quiet_missing, a missing file is returned without a log line (optional files). */
EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path, bool quiet_missing, struct file *f);
void file_close(struct file *f);

/* Reads exactly len bytes at offset into buf (SetPosition, then Read until done: short reads are
 * continued, a zero-byte read is EFI_END_OF_FILE). Failures are logged. */
EFI_STATUS file_read_at(struct file *f, UINT64 offset, void *buf, UINT64 len);

/* Number of Read calls made so far (bench and tests). */
UINT64 file_read_calls(void);

#endif
