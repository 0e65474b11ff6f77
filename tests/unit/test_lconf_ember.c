/* Host tests of mapping a limine.conf entry onto ember's config, and the search paths (lconf_ember.c, lconf_pick.c). */
#include "lconf_fixtures.h"

#define HASH128 "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef" \
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_lconf_maps_every_limine_key(void **state)
{
    const struct lconf_entry *e;

    (void)state;
    assert_int_equal(boot_text("/OS\ncomment: the OS\nprotocol: limine\npath: boot():/boot/os.elf\n"
                               "cmdline: console=ttyS0 debug\nkaslr: yes\nrandomise_hhdm_base: no\n"
                               "paging_mode: 4level\nresolution: 800x600\ntextmode: yes\n"
                               "dtb_path: boot():/x.dtb\nmodule_path: boot():/initrd\n"
                               "module_string: initrd\n"),
                     LCONF_OK);
    e = &lc.entries[0];
    assert_string_equal(T(e->comment), "the OS");
    assert_int_equal(e->resolution_line, 9);
    assert_int_equal(e->textmode_line, 10);
    assert_int_equal(e->dtb_path_line, 11);
    assert_int_equal(e->kaslr_line, 6);
    assert_int_equal(e->paging_line, 8);
    assert_int_equal(lcfg.protocol, PROTOCOL_LIMINE);
    assert_int_equal(lcfg.fb_width, 800); /* resolution: bpp 32 when left out */
    assert_int_equal(lcfg.fb_height, 600);
    assert_int_equal(lcfg.fb_bpp, 32);
    assert_string_equal(lcfg.kernel, "/boot/os.elf");
    assert_string_equal(lcfg.cmdline, "console=ttyS0 debug");
    assert_int_equal(lcfg.module_count, 1);
    assert_string_equal(lcfg.modules[0].path, "/initrd");
    assert_string_equal(lcfg.modules[0].name, "initrd");
    assert_false(lcfg.modules[0].has_sha256 || lcfg.modules[0].optional);
    assert_true(lboot.kaslr);
    assert_false(lboot.randomise_hhdm_base);
    assert_int_equal(lboot.max_paging_level, 4);
    assert_int_equal(lboot.min_paging_level, 4);
    assert_string_equal(lboot.kernel_hash, "");
    assert_int_equal(lcfg.log_level, LOG_INFO); /* ember's own defaults stay */
    assert_int_equal(lcfg.stack_size, 64 * 1024);
    assert_string_equal(ldiag.message, "");
}

/* resolution (CONFIG.md: WIDTHxHEIGHT[xBPP]): the mode asked for, or nothing for any other text. */
static void test_lconf_resolution_forms(void **state)
{
    static const struct { const char *value; uint32_t w, h, bpp; } forms[] = {
        { "1024x768x32", 1024, 768, 32 }, { "1280x800x24", 1280, 800, 24 }, { "640x480", 640, 480, 32 },
        { "1024", 0, 0, 0 },              { "0x768", 0, 0, 0 },             { "1024x0", 0, 0, 0 },
        { "1024*768", 0, 0, 0 },          { "big", 0, 0, 0 },               { "1024x768x32x8", 0, 0, 0 },
        { "1024x768x0", 0, 0, 0 },        { "99999999x768", 0, 0, 0 },
    };
    char text[160];
    (void)state;

    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(text, sizeof text, "/OS\nprotocol: multiboot2\npath: boot():/k\nresolution: %s\n", forms[i].value);
        assert_int_equal(boot_text(text), LCONF_OK);
        assert_int_equal(lcfg.fb_width, forms[i].w);
        assert_int_equal(lcfg.fb_height, forms[i].h);
        assert_int_equal(lcfg.fb_bpp, forms[i].bpp);
    }
    assert_int_equal(boot_text("/OS\nprotocol: limine\npath: boot():/k\nresolution: 800x600\nresolution: 640x480\n"),
                     LCONF_OK);
    assert_int_equal(lcfg.fb_width, 800); /* the first, as for every single-valued option */
}

static void test_lconf_older_names_and_which_wins(void **state)
{
    (void)state;
    assert_int_equal(boot_text("/E\nprotocol: limine\nkernel_path: boot():/old\n"
                               "kernel_cmdline: old\n"),
                     LCONF_OK);
    assert_string_equal(lcfg.kernel, "/old");
    assert_string_equal(lcfg.cmdline, "old");
    /* Limine reads path before kernel_path, kernel_cmdline before cmdline, whatever the order */
    assert_int_equal(boot_text("/E\nprotocol: limine\nkernel_path: boot():/old\npath: boot():/new\n"
                               "cmdline: new\nkernel_cmdline: old\n"),
                     LCONF_OK);
    assert_string_equal(lcfg.kernel, "/new");
    assert_string_equal(lcfg.cmdline, "old");
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/a\npath: boot():/b\n"), LCONF_OK);
    assert_string_equal(lcfg.kernel, "/a");
    assert_int_equal(lc.notes[0].kind, LCONF_NOTE_DUPLICATE);
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/k\nkaslr: yes\n"
                               "randomize_hhdm_base: no\nrandomise_hhdm_base: YES\n"),
                     LCONF_OK);
    assert_true(lboot.randomise_hhdm_base);
}

static void test_lconf_modules_pair_with_their_strings(void **state)
{
    (void)state;
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/k\nmodule_string: stray\n"
                               "module_path: boot():/a\nmodule_cmdline: a-old\nmodule_string: a\n"
                               "module_string: a-again\nmodule_path: boot():/b\n"
                               "module_path: boot():/c\nmodule_cmdline: c-old\n"),
                     LCONF_OK);
    assert_int_equal(lcfg.module_count, 3);
    assert_string_equal(lcfg.modules[0].name, "a");
    assert_string_equal(lcfg.modules[1].path, "/b");
    assert_string_equal(lcfg.modules[1].name, "");
    assert_string_equal(lcfg.modules[2].name, "c-old");
    assert_int_equal(lc.note_count, 2);
    assert_int_equal(lc.notes[0].kind, LCONF_NOTE_STRAY_MODULE_STRING);
    assert_int_equal(lc.notes[0].line, 4);
    assert_int_equal(lc.notes[1].line, 8);
}

static void test_lconf_refuses_more_modules_than_ember_loads(void **state)
{
    char text[2048] = "/E\nprotocol: limine\npath: boot():/k\n";
    int i;

    (void)state;
    for (i = 0; i < EMBER_MAX_MODULES; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "module_path: boot():/m%d\n", i);
    assert_int_equal(boot_text(text), LCONF_OK);
    assert_int_equal(lcfg.module_count, EMBER_MAX_MODULES);
    assert_string_equal(lcfg.modules[15].path, "/m15");
    strcat(text, "module_path: boot():/m16\nmodule_string: ignored\n");
    boot_error(text, LCONF_ERR_TOO_MANY, 19, "limine.conf:19: entry 'E' has 17 modules (ember "
                                             "loads at most 16)");
    char long_string[400];
    memset(long_string, 'x', 256);
    long_string[256] = '\0';
    snprintf(text, sizeof text, "/E\nprotocol: limine\npath: boot():/k\nmodule_path: boot():/m\nmodule_string: %s\n",
             long_string);
    boot_error(text, LCONF_ERR_TOO_LONG, 4, "limine.conf:4: module_string of this module too long (256 bytes, "
                                            "ember keeps 255)");
    long_string[255] = '\0';
    snprintf(text, sizeof text, "/E\nprotocol: limine\npath: boot():/k\nmodule_path: boot():/m\nmodule_string: %s\n",
             long_string);
    assert_int_equal(boot_text(text), LCONF_OK);
    assert_string_equal(lcfg.modules[0].name, long_string);
}

static void test_lconf_paths_become_ember_paths(void **state)
{
    (void)state;
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():///boot//k.elf\n"
                               "module_path: boot():/m#" HASH128 "\n"),
                     LCONF_OK);
    assert_string_equal(lcfg.kernel, "/boot/k.elf");
    assert_string_equal(lcfg.modules[0].path, "/m");
    assert_string_equal(lboot.module_hash[0], HASH128);
    assert_true(lcfg.modules[0].has_blake2b); /* 128 digits: a BLAKE2b pin the loader checks */
    assert_int_equal(lcfg.modules[0].blake2b[0], 0x01);
    assert_int_equal(lcfg.modules[0].blake2b[63], 0xef);
    assert_false(lcfg.has_kernel_blake2b);
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/a#b/k#" HASH128 "\n"), LCONF_OK);
    assert_string_equal(lcfg.kernel, "/a#b/k");
    assert_string_equal(lboot.kernel_hash, HASH128);
    assert_true(lcfg.has_kernel_blake2b);
    boot_error("/E\nprotocol: limine\npath: boot():/k#" HASH128 "\nmodule_path: boot():/m#"
               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", LCONF_ERR_UNSUPPORTED, 4,
               "limine.conf:4: a 64-digit BLAKE3 #hash: ember checks BLAKE2b hashes only (128 digits, b2sum)");
    boot_error("/E\nprotocol: limine\npath: boot():/k#abc\n", LCONF_ERR_BAD_VALUE, 3,
               "limine.conf:3: path 'boot():/k#abc': a hash is 64, 128 or 256 hex digits "
               "(Limine stops too)");
    boot_error("/E\nprotocol: limine\npath: /boot/k\n", LCONF_ERR_BAD_VALUE, 3,
               "limine.conf:3: path '/boot/k' is not a Limine path (expected boot():/dir/file)");
    boot_error("/E\nprotocol: limine\npath: boot():/\n", LCONF_ERR_BAD_VALUE, 3, NULL);
    boot_error("/E\nprotocol: limine\npath: boot():k\n", LCONF_ERR_BAD_VALUE, 3, NULL);
    boot_error("/E\nprotocol: limine\npath: boot():/"
               "0123456789012345678901234567890123456789012345678901234567890123456789"
               "0123456789012345678901234567890123456789012345678901234567890123456789\n",
               LCONF_ERR_TOO_LONG, 3, NULL);
}

/* Every resource of CONFIG.md's "Paths" that names a FAT volume becomes an ember path with that
 * volume in front (core/volume.h); optical drives, the network and gzip are refused by name. */
static void test_lconf_other_volumes_and_refusals(void **state)
{
    static const char *const kept[][2] = {
        { "boot():/boot//k", "/boot/k" },
        { "boot(2):/boot/k", "boot(2):/boot/k" },
        { "hdd(1:2):/k", "hdd(1:2):/k" },
        { "hdd(2:):/k", "hdd(2:):/k" },
        { "guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/k", "guid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/k" },
        { "uuid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/k", "uuid(736b5698-5ae1-4dff-be2c-ef8f44a61c52):/k" },
        { "fslabel(MY DATA):/a/k", "fslabel(MY DATA):/a/k" },
    };
    char text[192];
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(kept); i++) {
        snprintf(text, sizeof text, "/E\nprotocol: limine\npath: %s\nmodule_path: %s\n", kept[i][0], kept[i][0]);
        assert_int_equal(boot_text(text), LCONF_OK);
        assert_string_equal(lcfg.kernel, kept[i][1]);
        assert_string_equal(lcfg.modules[0].path, kept[i][1]);
    }
    boot_error("/E\nprotocol: limine\npath: odd(1:):/k\n", LCONF_ERR_UNSUPPORTED, 3,
               "limine.conf:3: path 'odd(1:):/k': odd(): optical drives are not read by ember (copy the files "
               "to a FAT volume)");
    boot_error("/E\nprotocol: limine\npath: boot():/k\nmodule_path: tftp():/m\n", LCONF_ERR_UNSUPPORTED, 4,
               "limine.conf:4: module_path 'tftp():/m': tftp(): ember does not load files over the network");
    boot_error("/E\nprotocol: limine\npath: $boot():/k.gz\n", LCONF_ERR_UNSUPPORTED, 3,
               "limine.conf:3: path '$boot():/k.gz': gzip-compressed ($) files are not read yet");
    boot_error("/E\nprotocol: limine\npath: disk(1):/k\n", LCONF_ERR_BAD_VALUE, 3,
               "limine.conf:3: path 'disk(1):/k': unknown resource (Limine's: boot hdd odd guid uuid fslabel tftp)");
    boot_error("/E\nprotocol: limine\npath: BOOT():/k\n", LCONF_ERR_BAD_VALUE, 3, NULL);
    boot_error("/E\nprotocol: limine\npath: hdd(0:1):/k\n", LCONF_ERR_BAD_VALUE, 3,
               "limine.conf:3: path 'hdd(0:1):/k': hdd(D:P): wants a drive number from 1, ':', and a partition "
               "number from 1 or nothing");
    boot_error("/E\nprotocol: limine\npath: guid(nope):/k\n", LCONF_ERR_BAD_VALUE, 3, NULL);
}

/* hash_mismatch_panic: no (either case) turns a hash mismatch into a warning, as in Limine's uri.c;
 * anything else, or nothing, keeps the refusal. */
static void test_lconf_hash_mismatch_panic(void **state)
{
    static const struct { const char *global; bool warns; } cases[] = {
        { "", false }, { "hash_mismatch_panic: no\n", true }, { "hash_mismatch_panic: NO\n", true },
        { "hash_mismatch_panic: yes\n", false }, { "hash_mismatch_panic: nope\n", false },
    };
    char text[160];

    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        snprintf(text, sizeof text, "%s/E\nprotocol: limine\npath: boot():/k\n", cases[i].global);
        assert_int_equal(boot_text(text), LCONF_OK);
        assert_int_equal(lcfg.hash_mismatch_warns, cases[i].warns);
    }
}

static void test_lconf_boots_the_limine_and_multiboot_protocols(void **state)
{
    static const char *const others[] = {
        "linux", "efi", "uefi", "efi_chainload", "efi_boot_entry", "bios",
    };
    static const struct { const char *name; enum config_protocol protocol; } booted[] = {
        { "limine", PROTOCOL_LIMINE }, { "multiboot", PROTOCOL_MULTIBOOT1 }, { "multiboot1", PROTOCOL_MULTIBOOT1 },
        { "multiboot2", PROTOCOL_MULTIBOOT2 },
    };
    char text[128], want[128];
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(booted); i++) {
        snprintf(text, sizeof text, "/E\nprotocol: %s\npath: boot():/k\n", booted[i].name);
        assert_int_equal(boot_text(text), LCONF_OK);
        assert_int_equal(lcfg.protocol, booted[i].protocol);
    }
    for (i = 0; i < ARRAY_LEN(others); i++) {
        snprintf(text, sizeof text, "/E\nprotocol: %s\npath: boot():/k\n", others[i]);
        snprintf(want, sizeof want, "limine.conf:2: protocol %s: ember boots Limine and Multiboot "
                                    "kernels only", others[i]);
        if (strcmp(others[i], "bios") == 0) /* hidden on UEFI: the only entry is then no row */
            continue;
        boot_error(text, LCONF_ERR_PROTOCOL, 2, want);
    }
    boot_error("/E\nprotocol: Limine\npath: boot():/k\n", LCONF_ERR_PROTOCOL, 2,
               "limine.conf:2: protocol 'Limine': Limine matches protocol names case-sensitively "
               "and refuses it; write 'limine'");
    boot_error("/E\nprotocol: stivale2\n", LCONF_ERR_PROTOCOL, 2,
               "limine.conf:2: unknown protocol 'stivale2' (Limine refuses it too)");
    boot_error("/E\npath: boot():/k\n", LCONF_ERR_PROTOCOL, 1,
               "limine.conf:1: entry 'E' has no protocol (Limine refuses it too)");
    boot_error("/E\nprotocol: limine\ncmdline: x\n", LCONF_ERR_NO_PATH, 1,
               "limine.conf:1: entry 'E' has no path (or kernel_path)");
}

static void test_lconf_to_ember_refuses_a_directory(void **state)
{
    (void)state;
    lexpect_ok("/Dir\nprotocol: limine\npath: boot():/k\n//Child\n");
    config_defaults(&lcfg);
    assert_int_equal(lconf_to_ember(&lc, &lc.entries[0], &lcfg, &lboot, &ldiag), LCONF_ERR_NO_ENTRY);
    assert_string_equal(ldiag.message, "limine.conf:1: 'Dir' is a directory, not an entry");
    assert_int_equal(lconf_to_ember(&lc, &lc.entries[1], &lcfg, &lboot, NULL), LCONF_ERR_PROTOCOL);
}

static void test_lconf_kaslr_and_paging_read_as_limine_does(void **state)
{
    (void)state;
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/k\nkaslr: Yes\n"), LCONF_OK);
    assert_false(lboot.kaslr); /* Limine compares with "yes" exactly */
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/k\nkaslr: yes\n"), LCONF_OK);
    assert_true(lboot.kaslr && lboot.randomise_hhdm_base);
    assert_int_equal(lboot.max_paging_level, 0);
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/k\nmax_paging_mode: 5LEVEL\n"
                               "min_paging_mode: 4level\n"),
                     LCONF_OK);
    assert_int_equal(lboot.max_paging_level, 5);
    assert_int_equal(lboot.min_paging_level, 4);
    assert_int_equal(boot_text("/E\nprotocol: limine\npath: boot():/k\nmax_paging_mode: 4level\n"
                               "paging_mode: 5level\n"),
                     LCONF_OK);
    assert_int_equal(lboot.max_paging_level, 5);
    boot_error("/E\nprotocol: limine\npath: boot():/k\npaging_mode: sv48\n", LCONF_ERR_BAD_VALUE,
               4, "limine.conf:4: paging mode 'sv48': Limine takes 4level or 5level on x86-64 (and "
                  "stops otherwise)");
    boot_error("/E\nprotocol: limine\npath: boot():/k\nmin_paging_mode: 5level\n"
               "max_paging_mode: 4level\n",
               LCONF_ERR_BAD_VALUE, 4, NULL);
}

static void test_lconf_refuses_a_cmdline_ember_cannot_pass(void **state)
{
    char text[EMBER_CMDLINE_MAX + 64];

    (void)state;
    snprintf(text, sizeof text, "/E\nprotocol: limine\npath: boot():/k\ncmdline: %0*d\n",
             EMBER_CMDLINE_MAX, 0);
    boot_error(text, LCONF_ERR_TOO_LONG, 1, "limine.conf:1: entry 'E': command line too long "
                                            "(1024 bytes, max 1023)");
}

static void test_lconf_search_paths_in_limines_order(void **state)
{
    char out[CONFIG_PATH_MAX];

    (void)state;
    assert_string_equal(lconf_search_paths[0], "/boot/limine/limine.conf");
    assert_string_equal(lconf_search_paths[1], "/boot/limine.conf");
    assert_string_equal(lconf_search_paths[2], "/limine/limine.conf");
    assert_string_equal(lconf_search_paths[3], "/limine.conf");
    assert_true(lconf_app_dir_path("\\EFI\\BOOT\\BOOTX64.EFI", out, sizeof out));
    assert_string_equal(out, "/EFI/BOOT/limine.conf");
    assert_true(lconf_app_dir_path("BOOTX64.EFI", out, sizeof out));
    assert_string_equal(out, "/limine.conf");
    assert_true(lconf_app_dir_path("EFI/x.efi", out, sizeof out));
    assert_string_equal(out, "/EFI/limine.conf");
    assert_false(lconf_app_dir_path("", out, sizeof out));
    assert_false(lconf_app_dir_path("\\EFI\\BOOT\\BOOTX64.EFI", out, 21));
    assert_true(lconf_app_dir_path("\\EFI\\BOOT\\BOOTX64.EFI", out, 22));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lconf_maps_every_limine_key),
        cmocka_unit_test(test_lconf_resolution_forms),
        cmocka_unit_test(test_lconf_older_names_and_which_wins),
        cmocka_unit_test(test_lconf_modules_pair_with_their_strings),
        cmocka_unit_test(test_lconf_refuses_more_modules_than_ember_loads),
        cmocka_unit_test(test_lconf_paths_become_ember_paths),
        cmocka_unit_test(test_lconf_other_volumes_and_refusals),
        cmocka_unit_test(test_lconf_hash_mismatch_panic),
        cmocka_unit_test(test_lconf_boots_the_limine_and_multiboot_protocols),
        cmocka_unit_test(test_lconf_to_ember_refuses_a_directory),
        cmocka_unit_test(test_lconf_kaslr_and_paging_read_as_limine_does),
        cmocka_unit_test(test_lconf_refuses_a_cmdline_ember_cannot_pass),
        cmocka_unit_test(test_lconf_search_paths_in_limines_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
