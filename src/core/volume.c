/* Pure: Limine's volume prefixes on paths and the volumes they name (volume.h). */
#include "core/volume.h"
#include "core/bytes.h"
#include "core/fmt.h"

#define DECIMAL_DIGITS_MAX 9       /* partition and drive numbers: no overflow in 32 bits */
#define GUID_TEXT_LEN 36
#define DP_HEADER 4                /* Type, SubType, Length[2] */
#define DP_TYPE_MEDIA 4
#define DP_SUB_HARDDRIVE 1
#define DP_SUB_CDROM 2
#define DP_TYPE_END 0x7f
#define DP_SUB_END_ENTIRE 0xff
#define DP_HD_LEN 42               /* UEFI 2.10 10.3.5.1 */
#define DP_HD_PARTITION 4
#define DP_HD_SIGNATURE 24
#define DP_HD_SIGNATURE_TYPE 41
#define SIGNATURE_MBR 1            /* HD node SignatureType: a 32-bit MBR disk signature */
#define SIGNATURE_GUID 2           /* a GPT partition GUID */
#define GPT_SIGNATURE "EFI PART"
#define GPT_DISK_GUID 56
#define GPT_HEADER_MIN 92

static size_t text_len(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

static bool same_bytes(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* True when p[0..n) spells word exactly. */
static bool spells(const char *p, size_t n, const char *word)
{
    return n == text_len(word) && same_bytes(p, word, n);
}

/* A decimal number of 1..9 digits in p[0..n). */
static bool decimal(const char *p, size_t n, uint32_t *out)
{
    uint32_t v = 0;

    if (n == 0 || n > DECIMAL_DIGITS_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(p[i] - '0');
    }
    *out = v;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool volume_parse_guid(const char *text, size_t len, uint8_t out[16])
{
    /* Where each byte of the EFI layout comes from in the text: the first three fields are
     * little-endian numbers, the last two are bytes in order. */
    static const uint8_t text_pos[16] = { 6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34 };

    if (len != GUID_TEXT_LEN || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        return false;
    for (size_t i = 0; i < GUID_TEXT_LEN; i++)
        if (i != 8 && i != 13 && i != 18 && i != 23 && hex_digit(text[i]) < 0)
            return false;
    for (unsigned i = 0; i < 16; i++)
        out[i] = (uint8_t)(hex_digit(text[text_pos[i]]) << 4 | hex_digit(text[text_pos[i] + 1]));
    return true;
}

/* The argument of boot(arg) or hdd(arg) into ref. */
static bool drive_argument(const char *arg, size_t n, bool hdd, struct volume_ref *ref, const char **why)
{
    size_t colon = 0;

    if (!hdd) {
        ref->kind = n == 0 ? VOLUME_BOOT : VOLUME_BOOT_PART;
        *why = "boot(N): wants a partition number from 1";
        return n == 0 || (decimal(arg, n, &ref->partition) && ref->partition > 0);
    }
    ref->kind = VOLUME_HDD;
    *why = "hdd(D:P): wants a drive number from 1, ':', and a partition number from 1 or nothing";
    while (colon < n && arg[colon] != ':')
        colon++;
    if (colon == n || !decimal(arg, colon, &ref->drive) || ref->drive == 0)
        return false;
    ref->partition = 0;
    return colon + 1 == n || (decimal(arg + colon + 1, n - colon - 1, &ref->partition) && ref->partition > 0);
}

/* ref from resource(arg), both as written. */
static bool resource_argument(const char *res, size_t rn, const char *arg, size_t an, struct volume_ref *ref,
                              const char **why)
{
    if (spells(res, rn, "boot") || spells(res, rn, "hdd"))
        return drive_argument(arg, an, spells(res, rn, "hdd"), ref, why);
    if (spells(res, rn, "guid") || spells(res, rn, "uuid")) {
        ref->kind = VOLUME_GUID;
        *why = "guid(G): wants a GUID such as 736b5698-5ae1-4dff-be2c-ef8f44a61c52";
        return volume_parse_guid(arg, an, ref->guid);
    }
    if (spells(res, rn, "fslabel")) {
        ref->kind = VOLUME_FSLABEL;
        *why = "fslabel(L): wants a label of 1 to 63 bytes";
        if (an == 0 || an >= VOLUME_LABEL_MAX)
            return false;
        for (size_t i = 0; i < an; i++)
            ref->label[i] = arg[i];
        ref->label[an] = '\0';
        return true;
    }
    if (spells(res, rn, "odd"))
        *why = "odd(): optical drives are not read by ember (copy the files to a FAT volume)";
    else if (spells(res, rn, "tftp"))
        *why = "tftp(): ember does not load files over the network";
    else
        *why = "unknown resource (Limine's: boot hdd odd guid uuid fslabel tftp)";
    return false;
}

bool volume_split(const char *path, struct volume_ref *ref, const char **rest, const char **why)
{
    size_t open = 0, close;

    *ref = (struct volume_ref){ .kind = VOLUME_BOOT };
    *rest = path;
    *why = "a volume is written resource(argument):/ as in boot(2):/";
    while (path[open] != '\0' && path[open] != '(' && path[open] != '/' && path[open] != '\\')
        open++;
    if (path[open] != '(')
        return true;          /* no '(' before the first separator: a path on the boot volume */
    if (open == 0)
        return false;
    for (close = open + 1; path[close] != '\0'; close++)
        if (path[close] == ')' && path[close + 1] == ':')
            break;
    if (path[close] == '\0')
        return false;
    if (!resource_argument(path, open, path + open + 1, close - open - 1, ref, why))
        return false;
    *rest = path + close + 2;
    *why = "the path after the volume starts with '/'";
    return **rest == '/' || **rest == '\\';
}

bool volume_matches(const struct volume_ref *ref, const struct volume_facts *v)
{
    switch (ref->kind) {
    case VOLUME_BOOT:
        return v->is_boot;
    case VOLUME_BOOT_PART:
        return v->on_boot_drive && v->partition == ref->partition;
    case VOLUME_HDD:
        return v->drive != 0 && v->drive == ref->drive && v->partition == ref->partition;
    case VOLUME_GUID:
        return v->has_part_guid && same_bytes(v->part_guid, ref->guid, sizeof ref->guid);
    case VOLUME_FSLABEL:
        return v->label[0] != '\0' && spells(v->label, text_len(v->label), ref->label);
    }
    return false;
}

void volume_name(const struct volume_ref *ref, char out[VOLUME_NAME_MAX])
{
    const uint8_t *g = ref->guid;

    switch (ref->kind) {
    case VOLUME_BOOT:
        fmt_format(out, VOLUME_NAME_MAX, "boot()");
        return;
    case VOLUME_BOOT_PART:
        fmt_format(out, VOLUME_NAME_MAX, "boot(%u)", (unsigned)ref->partition);
        return;
    case VOLUME_HDD:
        if (ref->partition == 0)
            fmt_format(out, VOLUME_NAME_MAX, "hdd(%u:)", (unsigned)ref->drive);
        else
            fmt_format(out, VOLUME_NAME_MAX, "hdd(%u:%u)", (unsigned)ref->drive, (unsigned)ref->partition);
        return;
    case VOLUME_GUID:
        fmt_format(out, VOLUME_NAME_MAX, "guid(%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x)",
                   (unsigned)le_load(g, 4), (unsigned)le_load(g + 4, 2), (unsigned)le_load(g + 6, 2), g[8], g[9],
                   g[10], g[11], g[12], g[13], g[14], g[15]);
        return;
    case VOLUME_FSLABEL:
        fmt_format(out, VOLUME_NAME_MAX, "fslabel(%s)", ref->label);
        return;
    }
    out[0] = '\0';
}

bool volume_read_devpath(const uint8_t *dp, size_t max, struct volume_devpath *out)
{
    size_t at = 0;
    bool media = false;

    *out = (struct volume_devpath){ 0 };
    while (at + DP_HEADER <= max) {
        const uint8_t *node = dp + at;
        size_t len = (size_t)le_load(node + 2, 2);
        if (len < DP_HEADER || len > max - at)
            return false;
        if (node[0] == DP_TYPE_END && node[1] == DP_SUB_END_ENTIRE) {
            if (!media)
                out->drive_len = at;
            return true;
        }
        if (!media && node[0] == DP_TYPE_MEDIA && node[1] == DP_SUB_HARDDRIVE && len >= DP_HD_LEN) {
            media = out->is_partition = true;
            out->drive_len = at;
            out->partition = (uint32_t)le_load(node + DP_HD_PARTITION, 4);
            out->signature_type = node[DP_HD_SIGNATURE_TYPE];
            for (unsigned i = 0; i < sizeof out->signature; i++)
                out->signature[i] = node[DP_HD_SIGNATURE + i];
        } else if (!media && node[0] == DP_TYPE_MEDIA && node[1] == DP_SUB_CDROM) {
            media = out->is_cdrom = true;
            out->drive_len = at;
        }
        at += len;
    }
    return false;
}

void volume_where_from(const struct volume_devpath *d, struct volume_where *w)
{
    w->partition = d->is_partition ? d->partition : 0;
    w->mbr_disk_id = d->is_partition && d->signature_type == SIGNATURE_MBR ? (uint32_t)le_load(d->signature, 4) : 0;
    for (unsigned i = 0; i < sizeof w->gpt_part_guid; i++)
        w->gpt_part_guid[i] = d->is_partition && d->signature_type == SIGNATURE_GUID ? d->signature[i] : 0;
}

bool volume_gpt_disk_guid(const uint8_t *lba1, size_t len, uint8_t out[16])
{
    if (len < GPT_HEADER_MIN || !same_bytes(lba1, GPT_SIGNATURE, 8))
        return false;
    for (unsigned i = 0; i < 16; i++)
        out[i] = lba1[GPT_DISK_GUID + i];
    return true;
}
