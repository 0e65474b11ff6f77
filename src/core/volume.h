/* Pure: the volume part of a path, as Limine writes it (CONFIG.md "Paths"), and which firmware
 * volume it names. A path is "/dir/file" (the boot volume: the one ember was loaded from) or
 * "resource(argument):/dir/file" with resource one of
 *   boot()        the boot volume              boot(N)    partition N of the boot drive
 *   hdd(D:P)      drive D, partition P         hdd(D:)    drive D, unpartitioned (whole drive)
 *   guid(G)       GPT partition GUID G         uuid(G)    the same
 *   fslabel(L)    the file system labelled L
 * Drives and partitions count from 1. The loader, ember.cfg, limine.conf and ember-inspect split
 * paths here, and the loader picks volumes with volume_matches over what the firmware says of each. */
#ifndef EMBER_VOLUME_H
#define EMBER_VOLUME_H

#include "core/types.h"

#define VOLUME_LABEL_MAX 64   /* bytes of a file system label, NUL included */
#define VOLUME_NAME_MAX  80   /* "fslabel(<label>)" and the other resource(argument) forms */

enum volume_kind {
    VOLUME_BOOT = 0,     /* "/path" or boot():/path */
    VOLUME_BOOT_PART,    /* boot(N): */
    VOLUME_HDD,          /* hdd(D:P): (P 0 = whole drive) */
    VOLUME_GUID,         /* guid(G): or uuid(G): */
    VOLUME_FSLABEL,      /* fslabel(L): */
};

struct volume_ref {
    enum volume_kind kind;
    uint32_t drive;              /* VOLUME_HDD: 1-based */
    uint32_t partition;          /* VOLUME_BOOT_PART, VOLUME_HDD: 1-based, 0 = the whole drive */
    uint8_t guid[16];            /* VOLUME_GUID: in the EFI byte order (first three fields LE) */
    char label[VOLUME_LABEL_MAX];/* VOLUME_FSLABEL */
};

/* What the firmware says of one file system volume. */
struct volume_facts {
    bool is_boot;                /* the volume ember was loaded from */
    bool on_boot_drive;          /* on the same drive as the boot volume */
    uint32_t drive;              /* 1-based number among the hard drives, 0 = not known */
    uint32_t partition;          /* 1-based partition number, 0 = the whole drive */
    bool has_part_guid;          /* a GPT partition: part_guid is its unique partition GUID */
    uint8_t part_guid[16];
    char label[VOLUME_LABEL_MAX];/* the file system's label, "" when it has none */
};

/* Splits path into the volume it names (*ref) and the path on that volume (*rest, pointing into
 * path). A path with no '(' before its first '/' or '\' is on the boot volume, whole. Else it must
 * be a resource this file lists, a well-formed argument, "):" and '/' or '\': false, with *why
 * saying what is wrong in a static string, when it is not. */
bool volume_split(const char *path, struct volume_ref *ref, const char **rest, const char **why);

/* True when the volume v is the one ref names. */
bool volume_matches(const struct volume_ref *ref, const struct volume_facts *v);

/* ref as Limine writes it ("boot()", "hdd(1:2)", "guid(736b5698-...)", "fslabel(DATA)") into out. */
void volume_name(const struct volume_ref *ref, char out[VOLUME_NAME_MAX]);

/* The GUID text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case) as EFI bytes. */
bool volume_parse_guid(const char *text, size_t len, uint8_t out[16]);

/* A firmware device path (UEFI 2.10 10.3) of a partition or drive, read without trusting it:
 * the bytes before its hard-drive media node name the drive. */
struct volume_devpath {
    size_t drive_len;            /* bytes of the path before the HD (or CD-ROM) node: the drive's own path */
    bool is_partition;           /* a hard-drive media node was found */
    bool is_cdrom;               /* a CD-ROM media node was found */
    uint32_t partition;          /* the HD node's PartitionNumber */
    uint8_t signature_type;      /* 1 MBR (signature = the MBR disk id), 2 GPT (= the partition GUID) */
    uint8_t signature[16];
};

/* Where a file was read from, as the Limine protocol's struct limine_file tells it (zero = not
 * known or not applicable). */
struct volume_where {
    uint32_t partition;          /* 1-based partition index, 0 = unpartitioned */
    uint32_t mbr_disk_id;        /* an MBR partition's disk signature */
    uint8_t gpt_disk_guid[16];   /* the GPT header's disk GUID (the loader reads LBA 1) */
    uint8_t gpt_part_guid[16];   /* the GPT partition's unique GUID */
};

/* w's partition, MBR disk id and GPT partition GUID from the hard-drive node d; the disk GUID is
 * left as it is. */
void volume_where_from(const struct volume_devpath *d, struct volume_where *w);

/* Walks the device path in dp[0..max) up to its end node. False when a node's length is below 4,
 * runs past max, or no end node is found. */
bool volume_read_devpath(const uint8_t *dp, size_t max, struct volume_devpath *out);

/* The disk GUID of a GPT header block (LBA 1, len bytes): false when the block has no "EFI PART"
 * signature. */
bool volume_gpt_disk_guid(const uint8_t *lba1, size_t len, uint8_t out[16]);

#endif
