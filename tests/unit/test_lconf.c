/* Host tests of limine.conf syntax: options, comments, macros, globals and notes (src/core/lconf.c). */
#include "lconf_fixtures.h"

/* A limine.conf in the shape of limine-c-template's, written here from CONFIG.md. */
static const char template_conf[] =
    "# Seconds before Limine boots the entry on its own.\n"
    "timeout: 3\n"
    "\n"
    "# A menu entry: its title follows the slash.\n"
    "/Limine Template\n"
    "    # This kernel speaks the Limine boot protocol.\n"
    "    protocol: limine\n"
    "\n"
    "    # boot():/ is the volume that holds limine.conf.\n"
    "    path: boot():/boot/myos\n";

static void test_lconf_parses_the_template(void **state)
{
    const struct lconf_entry *e;

    (void)state;
    lexpect_ok(template_conf);
    assert_true(lc.timeout_set);
    assert_int_equal(lc.timeout_ms, 3000);
    assert_int_equal(lc.entry_count, 1);
    e = &lc.entries[0];
    assert_string_equal(T(e->name), "Limine Template");
    assert_int_equal(e->line, 5);
    assert_int_equal(e->depth, 1);
    assert_int_equal(e->parent, -1);
    assert_string_equal(T(e->protocol), "limine");
    assert_int_equal(e->protocol_line, 7);
    assert_string_equal(T(e->path), "boot():/boot/myos");
    assert_int_equal(e->path_line, 10);
    assert_string_equal(T(e->cmdline), "(absent)");
    assert_int_equal(lc.note_count, 0);
    assert_int_equal(boot_text(template_conf), LCONF_OK);
    assert_string_equal(lcfg.kernel, "/boot/myos");
    assert_int_equal(lcfg.protocol, PROTOCOL_LIMINE);
    assert_string_equal(lcfg.cmdline, "");
    assert_int_equal(lcfg.module_count, 0);
    assert_int_equal(lpick.menu_index, 1);
    assert_false(lpick.fell_back);
}

static void test_lconf_names_every_error(void **state)
{
    (void)state;
    assert_string_equal(lconf_error_name(LCONF_OK), "ok");
    assert_string_equal(lconf_error_name(LCONF_ERR_SYNTAX), "syntax");
    assert_string_equal(lconf_error_name(LCONF_ERR_BAD_VALUE), "bad-value");
    assert_string_equal(lconf_error_name(LCONF_ERR_TOO_LONG), "too-long");
    assert_string_equal(lconf_error_name(LCONF_ERR_TOO_MANY), "too-many");
    assert_string_equal(lconf_error_name(LCONF_ERR_NO_ENTRY), "no-entry");
    assert_string_equal(lconf_error_name(LCONF_ERR_PROTOCOL), "protocol");
    assert_string_equal(lconf_error_name(LCONF_ERR_NO_PATH), "no-path");
    assert_string_equal(lconf_error_name(LCONF_ERR_UNSUPPORTED), "unsupported");
    assert_string_equal(lconf_error_name((enum lconf_error)42), "unknown");
}

static void test_lconf_comments_are_whole_lines_only(void **state)
{
    (void)state;
    lexpect_ok("# top\n  # indented\n/E\n#protocol: linux\n protocol: limine\n"
               "cmdline: quiet # not a comment\n");
    assert_string_equal(T(lc.entries[0].protocol), "limine");
    assert_string_equal(T(lc.entries[0].cmdline), "quiet # not a comment");
    assert_int_equal(lc.note_count, 0);
}

static void test_lconf_option_names_ignore_case_values_keep_it(void **state)
{
    const struct lconf_entry *e;

    (void)state;
    lexpect_ok("TIMEOUT: 7\n/E\nProtocol: Limine\nKERNEL_PATH:\tboot():/K \t\n"
               "CmdLine:   a=b c:d  \n");
    assert_int_equal(lc.timeout_ms, 7000);
    e = &lc.entries[0];
    assert_string_equal(T(e->protocol), "Limine");
    assert_string_equal(T(e->kernel_path), "boot():/K");
    assert_string_equal(T(e->cmdline), "a=b c:d");
}

static void test_lconf_key_is_exactly_what_precedes_the_colon(void **state)
{
    char line[160];

    (void)state;
    lexpect_ok("timeout : 3\n/E\nprotocol :limine\n");
    assert_false(lc.timeout_set);
    assert_string_equal(T(lc.entries[0].protocol), "(absent)");
    assert_int_equal(lc.note_count, 2);
    assert_int_equal(lc.notes[0].kind, LCONF_NOTE_UNKNOWN_KEY);
    assert_int_equal(lc.notes[0].line, 1);
    assert_string_equal(T(lc.notes[0].key), "timeout ");
    lconf_note_format(&lc, &lc.notes[1], line, sizeof line);
    assert_string_equal(line, "limine.conf:3: 'protocol ': not a Limine option; ignored, as "
                              "Limine does");
}

static void test_lconf_accepts_crlf_bom_and_no_final_newline(void **state)
{
    (void)state;
    lexpect_ok("\xef\xbb\xbftimeout: 1\r\n/E\r\n  protocol: limine\r\n  path: boot():/k\r");
    assert_int_equal(lc.timeout_ms, 1000);
    assert_string_equal(T(lc.entries[0].protocol), "limine");
    assert_string_equal(T(lc.entries[0].path), "boot():/k");
}

static void test_lconf_rejects_nul_and_oversized_files(void **state)
{
    static char big[LCONF_FILE_MAX_BYTES + 1];

    (void)state;
    assert_int_equal(lparse_bytes("/E\nprotocol: li\0mine\n", 21), LCONF_ERR_SYNTAX);
    assert_int_equal(ldiag.line, 2);
    assert_string_equal(ldiag.message, "limine.conf:2: NUL byte in line (is the file UTF-16?)");
    memset(big, '#', sizeof big);
    assert_int_equal(lparse_bytes(big, sizeof big), LCONF_ERR_TOO_LONG);
    assert_int_equal(ldiag.line, 0);
    assert_string_equal(ldiag.message, "limine.conf: 65537 bytes, more than ember reads (65536)");
    assert_int_equal(lparse_bytes(big, sizeof big - 1), LCONF_OK);
}

static void test_lconf_expands_macros_anywhere_after_gathering_them(void **state)
{
    const struct lconf_entry *e;

    (void)state;
    lexpect_ok("${K}=boot():/boot/kernel\n"
               "/${NAME} on ${ARCH}\n"
               "protocol: limine\n"
               "path: ${K}\n"
               "cmdline: fw=${FW_TYPE} root=${ROOT} x=${NONE}!\n"
               "${ROOT}=/dev/sda1\n"
               "${NAME}=first\n"
               "${NAME}=My OS\n");
    e = &lc.entries[0];
    assert_string_equal(T(e->name), "My OS on x86-64");
    assert_string_equal(T(e->path), "boot():/boot/kernel");
    assert_string_equal(T(e->cmdline), "fw=UEFI root=/dev/sda1 x=!");
    assert_int_equal(lc.note_count, 1);
    assert_int_equal(lc.notes[0].kind, LCONF_NOTE_UNDEFINED_MACRO);
    assert_int_equal(lc.notes[0].line, 5);
    assert_string_equal(T(lc.notes[0].key), "NONE");
}

static void test_lconf_macros_can_make_whole_lines(void **state)
{
    (void)state;
    lexpect_ok("${ARCH}=mine\n${P}=protocol: limine\n${E}=/Made\n${E}\n${P}\npath: ${ARCH}\n");
    assert_int_equal(lc.entry_count, 1);
    assert_string_equal(T(lc.entries[0].name), "Made");
    assert_string_equal(T(lc.entries[0].protocol), "limine");
    assert_string_equal(T(lc.entries[0].path), "mine");
}

static void test_lconf_rejects_broken_macros(void **state)
{
    char text[4200];
    int i;

    (void)state;
    lexpect_error("/E\ncmdline: a ${OPEN b\n", LCONF_ERR_SYNTAX, 2,
                  "limine.conf:2: '${' without a closing '}' (Limine stops here too)");
    snprintf(text, sizeof text, "${%01100d}=x\n", 0);
    lexpect_error(text, LCONF_ERR_TOO_LONG, 1, "limine.conf:1: macro name too long (max 1023 bytes)");
    text[0] = '\0';
    for (i = 0; i <= LCONF_MAX_MACROS; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "${M%d}=v\n", i);
    lexpect_error(text, LCONF_ERR_TOO_MANY, 33, "limine.conf:33: more than 32 macros");
    snprintf(text, sizeof text, "${X}=%02040d\n/E\ncmdline: ${X}${X}${X}\n", 0);
    lexpect_error(text, LCONF_ERR_TOO_LONG, 3,
                  "limine.conf:3: line longer than 4096 bytes with its macros expanded");
}

static void test_lconf_reads_timeout_as_limine_does(void **state)
{
    (void)state;
    lexpect_ok("/E\n");
    assert_false(lc.timeout_set);
    assert_int_equal(lc.timeout_ms, 5000);
    lexpect_ok("timeout: no\n");
    assert_true(lc.timeout_never);
    lexpect_ok("timeout: 0.25\n");
    assert_int_equal(lc.timeout_ms, 250);
    assert_false(lc.timeout_never);
    lexpect_ok("timeout: 1.0001\n");
    assert_int_equal(lc.timeout_ms, 1001);
    lexpect_ok("timeout: 3s\n");
    assert_int_equal(lc.timeout_ms, 3000);
    lexpect_ok("timeout: soon\n");
    assert_true(lc.timeout_set);
    assert_int_equal(lc.timeout_ms, 0);
    lexpect_ok("timeout: 123456789\n");
    assert_int_equal(lc.timeout_ms, 9999000);
}

static void test_lconf_reads_global_switches(void **state)
{
    (void)state;
    lexpect_ok("quiet: yes\nserial: yes\nverbose: yes\nremember_last_entry: YES\n"
               "default_entry: 2\n");
    assert_true(lc.quiet && lc.serial && lc.verbose && lc.remember_last_entry);
    assert_string_equal(T(lc.default_entry), "2");
    assert_int_equal(lc.default_entry_line, 5);
    lexpect_ok("quiet: Yes\nserial: on\nverbose: true\nremember_last_entry: no\n");
    assert_false(lc.quiet || lc.serial || lc.verbose || lc.remember_last_entry);
}

static void test_lconf_first_global_wins(void **state)
{
    (void)state;
    lexpect_ok("timeout: 1\ndefault_entry: 2\nTimeout: 9\ndefault_entry: 3\n");
    assert_int_equal(lc.timeout_ms, 1000);
    assert_string_equal(T(lc.default_entry), "2");
    assert_int_equal(lc.note_count, 2);
    assert_int_equal(lc.notes[0].kind, LCONF_NOTE_DUPLICATE);
    assert_int_equal(lc.notes[0].line, 3);
    assert_int_equal(lc.notes[1].line, 4);
}

static void test_lconf_notes_what_limine_ignores(void **state)
{
    static const enum lconf_note_kind kinds[] = {
        LCONF_NOTE_IGNORED_KEY, LCONF_NOTE_IGNORED_KEY, LCONF_NOTE_IGNORED_KEY,
        LCONF_NOTE_IGNORED_KEY, LCONF_NOTE_IGNORED_KEY, LCONF_NOTE_MISPLACED,
        LCONF_NOTE_UNKNOWN_KEY, LCONF_NOTE_NOT_AN_OPTION, LCONF_NOTE_MISPLACED,
        LCONF_NOTE_IGNORED_KEY, LCONF_NOTE_STRAY_MODULE_STRING,
    };
    char line[160];
    size_t i;

    (void)state;
    lexpect_ok("interface_branding: My OS\nterm_palette: 000000;ffffff\nwallpaper: boot():/bg.png\n"
               "wallpaper_style: centered\nbackdrop: 008080\nprotocol: limine\nfrobnicate: 1\n"
               "just words\n/E\ntimeout: 1\nimage_path: boot():/x.efi\nmodule_string: early\n"
               "protocol: limine\n");
    assert_int_equal(lc.note_count, ARRAY_LEN(kinds));
    for (i = 0; i < ARRAY_LEN(kinds); i++) {
        assert_int_equal(lc.notes[i].kind, kinds[i]);
        assert_int_equal(lc.notes[i].line, i < 8 ? i + 1 : i + 2);
    }
    assert_false(lc.timeout_set);
    assert_string_equal(T(lc.entries[0].protocol), "limine");
    lconf_note_format(&lc, &lc.notes[5], line, sizeof line);
    assert_string_equal(line, "limine.conf:6: 'protocol': Limine does not read it here (global "
                              "options go before the first entry, entry options under an entry); "
                              "ignored");
    lconf_note_format(&lc, &lc.notes[7], line, sizeof line);
    assert_string_equal(line, "limine.conf:8: 'just words': no ':' - not an option, entry, macro "
                              "or comment; ignored, as Limine does");
}

static void test_lconf_counts_notes_past_those_it_keeps(void **state)
{
    char text[400] = "";
    int i;

    (void)state;
    for (i = 0; i < LCONF_MAX_NOTES + 4; i++)
        strcat(text, "bogus: 1\n");
    lexpect_ok(text);
    assert_int_equal(lc.note_count, LCONF_MAX_NOTES + 4);
    assert_int_equal(lc.notes[LCONF_MAX_NOTES - 1].line, LCONF_MAX_NOTES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lconf_parses_the_template),
        cmocka_unit_test(test_lconf_names_every_error),
        cmocka_unit_test(test_lconf_comments_are_whole_lines_only),
        cmocka_unit_test(test_lconf_option_names_ignore_case_values_keep_it),
        cmocka_unit_test(test_lconf_key_is_exactly_what_precedes_the_colon),
        cmocka_unit_test(test_lconf_accepts_crlf_bom_and_no_final_newline),
        cmocka_unit_test(test_lconf_rejects_nul_and_oversized_files),
        cmocka_unit_test(test_lconf_expands_macros_anywhere_after_gathering_them),
        cmocka_unit_test(test_lconf_macros_can_make_whole_lines),
        cmocka_unit_test(test_lconf_rejects_broken_macros),
        cmocka_unit_test(test_lconf_reads_timeout_as_limine_does),
        cmocka_unit_test(test_lconf_reads_global_switches),
        cmocka_unit_test(test_lconf_first_global_wins),
        cmocka_unit_test(test_lconf_notes_what_limine_ignores),
        cmocka_unit_test(test_lconf_counts_notes_past_those_it_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
