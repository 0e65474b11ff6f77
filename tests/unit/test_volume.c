/* Host tests of Limine's volume prefixes (src/core/volume.c): splitting paths as CONFIG.md writes
 * them, refusing malformed ones by name, picking the volume a prefix names, and reading firmware
 * device paths and GPT headers built here byte by byte from the UEFI 2.10 layouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/volume.h"

/* 736b5698-5ae1-4dff-be2c-ef8f44a61c52 in EFI order (CONFIG.md's example GUID). */
static const uint8_t EXAMPLE_GUID[16] = { 0x98, 0x56, 0x6b, 0x73, 0xe1, 0x5a, 0xff, 0x4d,
                                          0xbe, 0x2c, 0xef, 0x8f, 0x44, 0xa6, 0x1c, 0x52 };

static struct volume_ref split_ok(const char *path, const char *want_rest)
{
    struct volume_ref ref;
    const char *rest, *why;

    assert_true(volume_split(path, &ref, &rest, &why));
    assert_string_equal(rest, want_rest);
    return ref;
}

static void split_bad(const char *path, const char *why_part)
{
    struct volume_ref ref;
    const char *rest, *why = NULL;

    assert_false(volume_split(path, &ref, &rest, &why));
    assert_non_null(why);
    assert_non_null(strstr(why, why_part));
}

static void test_volume_split_each_resource(void **state)
{
    struct volume_ref r;
    char name[VOLUME_NAME_MAX];
    (void)state;

    assert_int_equal(split_ok("/boot/k", "/boot/k").kind, VOLUME_BOOT);
    assert_int_equal(split_ok("\\EFI\\k", "\\EFI\\k").kind, VOLUME_BOOT);
    assert_int_equal(split_ok("boot():/k", "/k").kind, VOLUME_BOOT);
    assert_int_equal(split_ok("kernel.elf", "kernel.elf").kind, VOLUME_BOOT); /* relative to the root */
    assert_int_equal(split_ok("boot:/k", "boot:/k").kind, VOLUME_BOOT);       /* ':' is FAT's to refuse */
    r = split_ok("boot(2):/boot/k", "/boot/k");
    assert_int_equal(r.kind, VOLUME_BOOT_PART);
    assert_int_equal(r.partition, 2);
    r = split_ok("hdd(3:1):/k", "/k");
    assert_int_equal(r.kind, VOLUME_HDD);
    assert_int_equal(r.drive, 3);
    assert_int_equal(r.partition, 1);
    r = split_ok("hdd(2:):/k", "/k");
    assert_int_equal(r.drive, 2);
    assert_int_equal(r.partition, 0);
    volume_name(&r, name);
    assert_string_equal(name, "hdd(2:)");
    r = split_ok("guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/a", "/a");
    assert_int_equal(r.kind, VOLUME_GUID);
    assert_memory_equal(r.guid, EXAMPLE_GUID, 16);
    r = split_ok("uuid(736B5698-5AE1-4DFF-BE2C-EF8F44A61C52):/a", "/a");
    assert_memory_equal(r.guid, EXAMPLE_GUID, 16);
    volume_name(&r, name);
    assert_string_equal(name, "guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52)");
    r = split_ok("fslabel(MY DATA):/x/y", "/x/y");
    assert_int_equal(r.kind, VOLUME_FSLABEL);
    assert_string_equal(r.label, "MY DATA");
    volume_name(&r, name);
    assert_string_equal(name, "fslabel(MY DATA)");
}

static void test_volume_split_refusals(void **state)
{
    (void)state;
    split_bad("boot()/k", "resource(argument):/");
    split_bad("boot():k", "after the volume starts with '/'");
    split_bad("boot(0):/k", "partition number from 1");
    split_bad("boot(x):/k", "partition number from 1");
    split_bad("hdd(1):/k", "drive number from 1");
    split_bad("hdd(0:1):/k", "drive number from 1");
    split_bad("hdd(1:0):/k", "partition number from 1");
    split_bad("hdd(1:1234567890):/k", "partition number from 1");
    split_bad("guid(736b5698-5ae1-4dff-be2c-ef8f44a61c5):/k", "wants a GUID");
    split_bad("guid(736b5698x5ae1-4dff-be2c-ef8f44a61c52):/k", "wants a GUID");
    split_bad("guid(736b5698-5ae1-4dff-be2c-ef8f44a61cg2):/k", "wants a GUID");
    split_bad("fslabel():/k", "label of 1 to 63");
    split_bad("odd(1:1):/k", "optical");
    split_bad("tftp():/k", "network");
    split_bad("Boot():/k", "unknown resource");
    split_bad("(1):/k", "resource(argument):/");
    split_bad("fslabel(A/B:/k", "resource(argument):/");
}

static void test_volume_matches_each_kind(void **state)
{
    struct volume_facts boot = { .is_boot = true, .on_boot_drive = true, .drive = 1, .partition = 1,
                                 .has_part_guid = true, .label = "EMBER" };
    struct volume_facts data = { .on_boot_drive = true, .drive = 1, .partition = 2, .has_part_guid = true,
                                 .label = "DATA" };
    struct volume_facts other = { .drive = 2, .partition = 0, .label = "" };
    struct volume_ref r;
    (void)state;

    memcpy(data.part_guid, EXAMPLE_GUID, 16);
    r = split_ok("/k", "/k");
    assert_true(volume_matches(&r, &boot));
    assert_false(volume_matches(&r, &data));
    r = split_ok("boot(2):/k", "/k");
    assert_true(volume_matches(&r, &data));
    assert_false(volume_matches(&r, &boot));
    other.partition = 2;
    assert_false(volume_matches(&r, &other)); /* partition 2 of another drive */
    other.partition = 0;
    r = split_ok("hdd(1:2):/k", "/k");
    assert_true(volume_matches(&r, &data));
    r = split_ok("hdd(2:):/k", "/k");
    assert_true(volume_matches(&r, &other));
    assert_false(volume_matches(&r, &data));
    r = split_ok("guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/k", "/k");
    assert_true(volume_matches(&r, &data));
    assert_false(volume_matches(&r, &boot)); /* a zero GUID is not the example */
    data.has_part_guid = false;
    assert_false(volume_matches(&r, &data)); /* an MBR partition has no partition GUID */
    r = split_ok("fslabel(DATA):/k", "/k");
    assert_true(volume_matches(&r, &data));
    assert_false(volume_matches(&r, &boot));
    r = split_ok("fslabel(data):/k", "/k");
    assert_false(volume_matches(&r, &data)); /* labels compare exactly, as Limine's strcmp */
    struct volume_facts unknown = { .drive = 0, .partition = 0 };
    r = split_ok("hdd(1:):/k", "/k");
    unknown.drive = 0;
    assert_false(volume_matches(&r, &unknown)); /* drive 0 is "not known", never drive 1 */
}

/* A device path: PciRoot/Pci/.../HD(part, GPT, guid)/End, node by node. */
static size_t node(uint8_t *at, uint8_t type, uint8_t sub, size_t len)
{
    memset(at, 0, len);
    at[0] = type;
    at[1] = sub;
    at[2] = (uint8_t)len;
    at[3] = (uint8_t)(len >> 8);
    return len;
}

static void test_volume_devpath_partition_and_drive(void **state)
{
    uint8_t dp[128];
    size_t n = 0, drive_len;
    struct volume_devpath d;
    (void)state;

    n += node(dp + n, 2, 1, 12);          /* ACPI PciRoot */
    n += node(dp + n, 1, 1, 6);           /* PCI */
    drive_len = n;
    n += node(dp + n, 4, 1, 42);          /* HD */
    dp[drive_len + 4] = 2;                /* PartitionNumber */
    memcpy(dp + drive_len + 24, EXAMPLE_GUID, 16);
    dp[drive_len + 40] = 2;               /* MBRType: GPT */
    dp[drive_len + 41] = 2;               /* SignatureType: GUID */
    n += node(dp + n, 0x7f, 0xff, 4);
    assert_true(volume_read_devpath(dp, n, &d));
    assert_true(d.is_partition);
    assert_int_equal(d.drive_len, drive_len);
    assert_int_equal(d.partition, 2);
    assert_int_equal(d.signature_type, 2);
    assert_memory_equal(d.signature, EXAMPLE_GUID, 16);
    struct volume_where w = { .mbr_disk_id = 7 };
    volume_where_from(&d, &w);
    assert_int_equal(w.partition, 2);
    assert_int_equal(w.mbr_disk_id, 0);
    assert_memory_equal(w.gpt_part_guid, EXAMPLE_GUID, 16);
    dp[drive_len + 41] = 1;               /* SignatureType: MBR, its disk id in the first 4 bytes */
    assert_true(volume_read_devpath(dp, n, &d));
    volume_where_from(&d, &w);
    assert_int_equal(w.mbr_disk_id, 0x736b5698);
    assert_memory_equal(w.gpt_part_guid, (uint8_t[16]){ 0 }, 16);
    /* the drive itself: no media node, all of it is the drive */
    assert_true(volume_read_devpath(dp, drive_len + 4, &d) == false); /* no end node within max */
    n = drive_len;
    n += node(dp + n, 0x7f, 0xff, 4);
    assert_true(volume_read_devpath(dp, n, &d));
    assert_false(d.is_partition);
    assert_int_equal(d.drive_len, drive_len);
}

static void test_volume_devpath_malformed(void **state)
{
    uint8_t dp[64];
    struct volume_devpath d;
    (void)state;

    node(dp, 1, 1, 6);
    dp[2] = 3;                             /* a length below the header */
    assert_false(volume_read_devpath(dp, sizeof dp, &d));
    node(dp, 1, 1, 6);
    dp[2] = 200;                           /* past the buffer */
    assert_false(volume_read_devpath(dp, sizeof dp, &d));
    node(dp, 4, 1, 20);                    /* an HD node too short to be one: not a partition */
    node(dp + 20, 0x7f, 0xff, 4);
    assert_true(volume_read_devpath(dp, 24, &d));
    assert_false(d.is_partition);
    node(dp, 4, 2, 24);                    /* CD-ROM */
    node(dp + 24, 0x7f, 0xff, 4);
    assert_true(volume_read_devpath(dp, 28, &d));
    assert_true(d.is_cdrom);
    assert_int_equal(d.drive_len, 0);
}

static void test_volume_gpt_disk_guid(void **state)
{
    uint8_t lba1[512] = { 0 };
    uint8_t guid[16];
    (void)state;

    assert_false(volume_gpt_disk_guid(lba1, sizeof lba1, guid));
    memcpy(lba1, "EFI PART", 8);
    memcpy(lba1 + 56, EXAMPLE_GUID, 16);
    assert_false(volume_gpt_disk_guid(lba1, 91, guid));
    assert_true(volume_gpt_disk_guid(lba1, sizeof lba1, guid));
    assert_memory_equal(guid, EXAMPLE_GUID, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volume_split_each_resource),
        cmocka_unit_test(test_volume_split_refusals),
        cmocka_unit_test(test_volume_matches_each_kind),
        cmocka_unit_test(test_volume_devpath_partition_and_drive),
        cmocka_unit_test(test_volume_devpath_malformed),
        cmocka_unit_test(test_volume_gpt_disk_guid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
