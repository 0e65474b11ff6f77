/* The firmware's file system volumes: what each is (its device path, drive number, partition,
 * GPT GUIDs, label), which one a path's volume prefix names (core/volume.h decides) and where a
 * file was read from (the Limine protocol's struct limine_file tells the kernel). */
#include "core/fmt.h"
#include "uefi/boot.h"
#include "uefi/file.h"
#include "uefi/log.h"

#define DEVPATH_MAX 4096          /* bytes of a device path walked at most: firmware paths are far shorter */
#define FS_INFO_BYTES 512         /* EFI_FILE_SYSTEM_INFO with a label of up to ~230 characters */
#define OPTICAL_BLOCK_SIZE 2048
#define GPT_HEADER_LBA 1

static EFI_GUID devpath_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static EFI_GUID block_io_guid = EFI_BLOCK_IO_PROTOCOL_GUID;
static EFI_GUID fs_info_guid = EFI_FILE_SYSTEM_INFO_ID;

/* One volume as the firmware describes it. */
struct volume {
    EFI_HANDLE handle;
    const uint8_t *devpath;
    struct volume_devpath dp;
    struct volume_facts facts;
    EFI_BLOCK_IO *drive_io;       /* the whole drive it is on, when the firmware lists it */
};

static bool read_devpath(EFI_HANDLE h, const uint8_t **dp, struct volume_devpath *out)
{
    EFI_DEVICE_PATH *p = NULL;

    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, h, &devpath_guid, (void **)&p)) || p == NULL)
        return false;
    *dp = (const uint8_t *)p;
    return volume_read_devpath(*dp, DEVPATH_MAX, out);
}

static bool same_drive(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i < a_len; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* v's drive number as Limine counts hard drives (whole-drive Block I/O handles, partitions and
 * optical media left out, in the firmware's handle order, from 1) and that drive's Block I/O. */
static void find_drive(struct volume *v)
{
    EFI_HANDLE *handles = NULL;
    UINTN count = 0;
    uint32_t n = 0;

    if (EFI_ERROR(uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &block_io_guid, NULL, &count, &handles)))
        return;
    for (UINTN i = 0; i < count && v->facts.drive == 0; i++) {
        EFI_BLOCK_IO *io = NULL;
        const uint8_t *dp;
        struct volume_devpath d;
        if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, handles[i], &block_io_guid, (void **)&io)) ||
            io == NULL || io->Media->LogicalPartition || !read_devpath(handles[i], &dp, &d) || d.is_partition ||
            d.is_cdrom || (io->Media->RemovableMedia && io->Media->BlockSize == OPTICAL_BLOCK_SIZE))
            continue;
        n++;
        if (same_drive(dp, d.drive_len, v->devpath, v->dp.drive_len)) {
            v->facts.drive = n;
            v->drive_io = io;
        }
    }
    mem_free_pool(handles);
}

/* The label of the file system at root, trailing blanks dropped, non-ASCII as '?'. */
static void read_label(EFI_FILE_HANDLE root, char out[VOLUME_LABEL_MAX])
{
    UINT64 buffer[FS_INFO_BYTES / sizeof(UINT64)];
    EFI_FILE_SYSTEM_INFO *info = (EFI_FILE_SYSTEM_INFO *)buffer;
    UINTN size = sizeof buffer, max = (sizeof buffer - __builtin_offsetof(EFI_FILE_SYSTEM_INFO, VolumeLabel)) / sizeof(CHAR16);
    size_t n = 0;

    out[0] = '\0';
    if (EFI_ERROR(uefi_call_wrapper(root->GetInfo, 4, root, &fs_info_guid, &size, info)))
        return;
    for (; n < max && n + 1 < VOLUME_LABEL_MAX && info->VolumeLabel[n] != 0; n++)
        out[n] = info->VolumeLabel[n] < 0x80 ? (char)info->VolumeLabel[n] : '?';
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static EFI_STATUS open_root(EFI_HANDLE h, EFI_FILE_HANDLE *root)
{
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_STATUS status = uefi_call_wrapper(BS->HandleProtocol, 3, h, &efi_simple_fs_guid, (void **)&fs);

    *root = NULL;
    return EFI_ERROR(status) ? status : uefi_call_wrapper(fs->OpenVolume, 2, fs, root);
}

/* What the firmware says of the file system volume on handle h (boot: the volume ember was loaded
 * from, boot_dp its device path); its label only when asked for (it costs opening the volume).
 * False when h has no readable device path. */
static bool describe(EFI_HANDLE h, EFI_HANDLE boot, const struct volume *boot_volume, bool label, struct volume *v)
{
    EFI_FILE_HANDLE root;

    *v = (struct volume){ .handle = h };
    if (!read_devpath(h, &v->devpath, &v->dp))
        return false;
    v->facts.is_boot = h == boot;
    v->facts.on_boot_drive = v->facts.is_boot || (boot_volume != NULL && same_drive(v->devpath, v->dp.drive_len,
                                                                                    boot_volume->devpath,
                                                                                    boot_volume->dp.drive_len));
    v->facts.partition = v->dp.is_partition ? v->dp.partition : 0;
    v->facts.has_part_guid = v->dp.is_partition && v->dp.signature_type == 2;
    for (unsigned i = 0; v->facts.has_part_guid && i < sizeof v->facts.part_guid; i++)
        v->facts.part_guid[i] = v->dp.signature[i];
    find_drive(v);
    if (label && !EFI_ERROR(open_root(h, &root))) {
        read_label(root, v->facts.label);
        file_close_root(root);
    }
    return true;
}

/* w for a file on v: the partition, MBR id and GUIDs; the disk GUID read from the drive's GPT header. */
static void where_of(const struct volume *v, struct volume_where *w)
{
    EFI_BLOCK_IO_MEDIA *media = v->drive_io != NULL ? v->drive_io->Media : NULL;
    void *block = NULL;

    *w = (struct volume_where){ 0 };
    volume_where_from(&v->dp, w);
    if (media == NULL || !v->facts.has_part_guid || media->BlockSize == 0 ||
        EFI_ERROR(mem_alloc_pool(media->BlockSize, &block)))
        return;
    if (!EFI_ERROR(uefi_call_wrapper(v->drive_io->ReadBlocks, 5, v->drive_io, media->MediaId, (EFI_LBA)GPT_HEADER_LBA,
                                     (UINTN)media->BlockSize, block)) &&
        !volume_gpt_disk_guid(block, media->BlockSize, w->gpt_disk_guid))
        log_debug("the drive of partition %u has no GPT header at LBA 1", (unsigned)v->facts.partition);
    mem_free_pool(block);
}

/* Logs one volume as a path would name it. */
static void log_volume(const struct volume *v)
{
    struct volume_ref guid = { .kind = VOLUME_GUID };
    char name[VOLUME_NAME_MAX] = "";

    for (unsigned i = 0; v->facts.has_part_guid && i < sizeof guid.guid; i++)
        guid.guid[i] = v->facts.part_guid[i];
    if (v->facts.has_part_guid)
        volume_name(&guid, name);
    log_info("  volume hdd(%u:%u)%s: fslabel(%s) %s", (unsigned)v->facts.drive, (unsigned)v->facts.partition,
             v->facts.is_boot ? " = boot()" : "", v->facts.label, name);
}

/* The volume ref names, into *found. EFI_NOT_FOUND when none does: unless path is NULL, after an
 * error line for path listing every volume. */
static EFI_STATUS find_volume(struct boot *b, const struct volume_ref *ref, const char *path, struct volume *found)
{
    EFI_LOADED_IMAGE *loaded = NULL;
    EFI_HANDLE *handles = NULL;
    UINTN count = 0;
    struct volume boot_volume, v;
    bool have_boot = false;
    char name[VOLUME_NAME_MAX];
    EFI_STATUS status = uefi_call_wrapper(BS->HandleProtocol, 3, b->image, &efi_loaded_image_guid, (void **)&loaded);

    if (!EFI_ERROR(status))
        status = uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &efi_simple_fs_guid, NULL, &count, &handles);
    if (EFI_ERROR(status)) {
        log_error("%s: cannot list the firmware's file systems: %s", path != NULL ? path : "volumes",
                  efi_status_name(status));
        return status;
    }
    have_boot = describe(loaded->DeviceHandle, loaded->DeviceHandle, NULL, false, &boot_volume);
    for (UINTN pass = 0; pass < (path != NULL ? 2u : 1u); pass++) { /* pass 1 lists them for the error */
        for (UINTN i = 0; i < count; i++) {
            if (!describe(handles[i], loaded->DeviceHandle, have_boot ? &boot_volume : NULL,
                          pass == 1 || ref->kind == VOLUME_FSLABEL, &v))
                continue;
            if (pass == 1)
                log_volume(&v);
            else if (volume_matches(ref, &v.facts)) {
                *found = v;
                mem_free_pool(handles);
                return EFI_SUCCESS;
            }
        }
        volume_name(ref, name);
        if (pass == 0 && path != NULL)
            log_error("%s: no file system is %s; the firmware has %u:", path, name, (unsigned)count);
    }
    mem_free_pool(handles);
    return EFI_NOT_FOUND;
}

EFI_STATUS volume_file_open(struct boot *b, const char *path, bool quiet_missing, struct file *f)
{
    struct volume_ref ref;
    struct volume v;
    const char *rest, *why;
    EFI_STATUS status;

    f->handle = f->volume_root = NULL;
    f->where = (struct volume_where){ 0 };
    if (!volume_split(path, &ref, &rest, &why)) {
        log_error("%s: %s", path, why);
        return EFI_INVALID_PARAMETER;
    }
    if (ref.kind == VOLUME_BOOT) {
        status = file_open_shown(b->root, rest, path, quiet_missing, f);
        if (!EFI_ERROR(status) && b->boot_where_known)
            f->where = b->boot_where;
        return status;
    }
    status = find_volume(b, &ref, path, &v);
    if (!EFI_ERROR(status)) {
        status = open_root(v.handle, &f->volume_root);
        if (EFI_ERROR(status))
            log_error("%s: cannot open its volume: %s", path, efi_status_name(status));
    }
    if (!EFI_ERROR(status))
        status = file_open_shown(f->volume_root, rest, path, quiet_missing, f);
    if (EFI_ERROR(status)) {
        file_close(f);
        return status;
    }
    where_of(&v, &f->where);
    return EFI_SUCCESS;
}

/* Learns where the boot volume is (struct volume_where) once, for every file read from it. */
void volume_learn_boot(struct boot *b)
{
    EFI_LOADED_IMAGE *loaded = NULL;
    struct volume v;

    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, b->image, &efi_loaded_image_guid, (void **)&loaded)) ||
        !describe(loaded->DeviceHandle, loaded->DeviceHandle, NULL, false, &v))
        return;
    where_of(&v, &b->boot_where);
    b->boot_where_known = true;
    log_debug("boot volume: hdd(%u:%u)", (unsigned)v.facts.drive, (unsigned)v.facts.partition);
}

unsigned volume_boot_drive_partitions(struct boot *b, uint32_t *out, unsigned cap)
{
    EFI_LOADED_IMAGE *loaded = NULL;
    EFI_HANDLE *handles = NULL;
    UINTN count = 0;
    struct volume boot_volume, v;
    unsigned n = 0;

    if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, b->image, &efi_loaded_image_guid, (void **)&loaded)) ||
        !describe(loaded->DeviceHandle, loaded->DeviceHandle, NULL, false, &boot_volume) ||
        EFI_ERROR(uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &efi_simple_fs_guid, NULL, &count, &handles)))
        return 0;
    for (UINTN i = 0; i < count && n < cap; i++) {
        if (!describe(handles[i], loaded->DeviceHandle, &boot_volume, false, &v) || v.facts.is_boot ||
            !v.facts.on_boot_drive || v.facts.partition == 0)
            continue;
        unsigned at = n++;
        for (; at > 0 && out[at - 1] > v.facts.partition; at--) /* ascending, as Limine scans them */
            out[at] = out[at - 1];
        out[at] = v.facts.partition;
    }
    mem_free_pool(handles);
    return n;
}

EFI_STATUS volume_open_boot_partition(struct boot *b, uint32_t partition, EFI_FILE_HANDLE *root,
                                      struct volume_where *where)
{
    struct volume_ref ref = { .kind = VOLUME_BOOT_PART, .partition = partition };
    struct volume v;
    EFI_STATUS status = find_volume(b, &ref, NULL, &v);

    *root = NULL;
    if (!EFI_ERROR(status))
        status = open_root(v.handle, root);
    if (!EFI_ERROR(status))
        where_of(&v, where);
    return status;
}
