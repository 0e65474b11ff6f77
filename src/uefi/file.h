/* Files on the volume ember was started from (LoadedImage->DeviceHandle), and on the firmware's
 * other file system volumes by the volume prefix of their path (core/volume.h, volumes.c). */
#ifndef EMBER_FILE_H
#define EMBER_FILE_H

#include "core/volume.h"
#include "uefi/efi.h"

struct boot;

struct file {
    EFI_FILE_HANDLE handle;
    EFI_FILE_HANDLE volume_root; /* another volume's root, opened for this file, closed with it */
    UINT64 size;             /* bytes */
    char path[128];          /* for log lines: the path as given, volume prefix and all */
    struct volume_where where; /* what the Limine protocol says of the file's volume */
};

/* Opens the root directory of the boot volume. The caller closes it with file_close_root. */
EFI_STATUS file_open_boot_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root);
void file_close_root(EFI_FILE_HANDLE root);

/* Opens path ('/' or '\' separators) read-only and learns its size. A missing file gives
 * EFI_NOT_FOUND, a directory EFI_INVALID_PARAMETER; each failure is logged with the path. When
 * quiet_missing, a missing file is returned without a log line (optional files). */
EFI_STATUS file_open(EFI_FILE_HANDLE root, const char *path, bool quiet_missing, struct file *f);
void file_close(struct file *f);

/* file_open of path under root (another volume's, say) whose log lines and f->path say shown. */
EFI_STATUS file_open_shown(EFI_FILE_HANDLE root, const char *path, const char *shown, bool quiet_missing,
                           struct file *f);

/* file_open for a path of ember.cfg or limine.conf: "/dir/file" on the boot volume, or on the volume
 * its prefix names ("fslabel(DATA):/dir/file"). A prefix no volume answers to is an error that
 * lists the volumes the firmware has. f->where tells where the file is. */
EFI_STATUS volume_file_open(struct boot *b, const char *path, bool quiet_missing, struct file *f);

/* Learns b->boot_where, for the files volume_file_open reads from the boot volume. */
void volume_learn_boot(struct boot *b);

/* The partition numbers of the boot drive's other file systems, ascending, into out[0..cap);
 * returns how many. */
unsigned volume_boot_drive_partitions(struct boot *b, uint32_t *out, unsigned cap);

/* Opens partition `partition` of the boot drive: its root (closed by the caller) and where it is. */
EFI_STATUS volume_open_boot_partition(struct boot *b, uint32_t partition, EFI_FILE_HANDLE *root,
                                      struct volume_where *where);

/* Reads exactly len bytes at offset into buf (SetPosition, then Read until done: short reads are
 * continued, a zero-byte read is EFI_END_OF_FILE). Failures are logged. */
EFI_STATUS file_read_at(struct file *f, UINT64 offset, void *buf, UINT64 len);

/* Number of Read calls made so far (bench and tests). */
UINT64 file_read_calls(void);

#endif
