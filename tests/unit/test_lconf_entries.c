/* Host tests of limine.conf entries: the tree, '+', and which entry Limine boots (lconf.c, lconf_pick.c). */
#include "lconf_fixtures.h"

static const char tree_conf[] =
    "/Top\n"                 /* row 1 */
    "protocol: limine\n"
    "/Closed\n"              /* row 2: a directory, collapsed */
    "comment: a folder\n"
    "//Inside\n"
    "protocol: limine\n"
    "///Deep\n"
    "protocol: limine\n"
    "/+ Open\n"              /* row 3: an expanded directory */
    "//First\n"              /* row 4 */
    "protocol: limine\n"
    "//Twin\n"               /* row 5 */
    "//Twin\n"               /* row 6 */
    "/Last\n";               /* row 7 */

static void test_lconf_builds_the_entry_tree(void **state)
{
    const struct lconf_entry *e;

    (void)state;
    lexpect_ok(tree_conf);
    assert_int_equal(lc.entry_count, 9);
    e = entry_named("Closed");
    assert_true(e->directory);
    assert_false(e->expanded);
    assert_string_equal(T(e->comment), "a folder");
    assert_int_equal(entry_named("Inside")->parent, 1);
    assert_true(entry_named("Inside")->directory);
    assert_int_equal(entry_named("Deep")->depth, 3);
    assert_int_equal(entry_named("Deep")->parent, 2);
    e = entry_named("Open");
    assert_true(e->directory && e->expanded);
    assert_int_equal(e->line, 9);
    assert_int_equal(entry_named("First")->parent, 4);
    assert_int_equal(entry_named("Last")->parent, -1);
    assert_false(entry_named("Last")->directory);
    assert_false(entry_named("Top")->directory);
}

static void test_lconf_default_entry_counts_rows_of_the_menu(void **state)
{
    static const char *const rows[] = { "Top", NULL, NULL, "First", "Twin", "Twin", "Last" };
    char text[sizeof tree_conf + 32];
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(rows); i++) {
        snprintf(text, sizeof text, "default_entry: %zu\n%s", i + 1, tree_conf);
        if (rows[i] == NULL) {
            assert_null(default_title(text));
            assert_int_equal(ldiag.code, LCONF_ERR_NO_ENTRY);
            continue;
        }
        assert_string_equal(default_title(text), rows[i]);
        assert_int_equal(lpick.menu_index, i + 1);
        assert_false(lpick.fell_back);
    }
    assert_int_equal(lconf_default_entry(&lc, NULL, NULL) - lc.entries, 8);
}

static void test_lconf_default_directory_is_not_booted(void **state)
{
    (void)state;
    assert_null(default_title("timeout: 0\ndefault_entry: 2\n/A\n/Dir\n//B\n"));
    assert_int_equal(ldiag.code, LCONF_ERR_NO_ENTRY);
    assert_int_equal(ldiag.line, 2);
    assert_string_equal(ldiag.message, "limine.conf:2: the default entry (menu row 2) is the "
                                       "directory 'Dir': Limine waits at its menu; set "
                                       "default_entry to an entry inside it");
    assert_null(default_title("/Dir\n//B\n"));
    assert_int_equal(ldiag.line, 1);
}

static void test_lconf_default_entry_zero_empty_or_past_the_end_is_row_one(void **state)
{
    (void)state;
    assert_string_equal(default_title("/A\n/B\n"), "A");
    assert_false(lpick.fell_back);
    assert_string_equal(default_title("default_entry: 0\n/A\n/B\n"), "A");
    assert_false(lpick.fell_back);
    assert_string_equal(default_title("default_entry:\n/A\n/B\n"), "A");
    assert_string_equal(default_title("default_entry: 3\n/A\n/B\n"), "A");
    assert_true(lpick.fell_back);
    assert_int_equal(lpick.menu_index, 1);
    assert_string_equal(default_title("default_entry: 99999999999999999999\n/A\n/B\n"), "A");
    assert_true(lpick.fell_back);
}

static void test_lconf_default_entry_by_path(void **state)
{
    char text[sizeof tree_conf + 64];

    (void)state;
    snprintf(text, sizeof text, "default_entry: Closed/Inside/Deep\n%s", tree_conf);
    assert_string_equal(default_title(text), "Deep");
    assert_int_equal(lpick.menu_index, 4); /* Top, Closed, Inside, Deep: the path opens both */
    assert_false(lpick.fell_back);
    snprintf(text, sizeof text, "default_entry: Open/Twin#1\n%s", tree_conf);
    assert_string_equal(default_title(text), "Twin");
    assert_int_equal(lpick.menu_index, 6);
    assert_int_equal(lconf_default_entry(&lc, NULL, NULL)->line, 14);
    snprintf(text, sizeof text, "default_entry: Open/Twin\n%s", tree_conf);
    assert_string_equal(default_title(text), "Twin");
    assert_int_equal(lpick.menu_index, 5);
    assert_int_equal(lconf_default_entry(&lc, NULL, NULL)->line, 13);
    snprintf(text, sizeof text, "default_entry: Open\n%s", tree_conf); /* a directory: no match */
    assert_string_equal(default_title(text), "Top");
    assert_true(lpick.fell_back);
    snprintf(text, sizeof text, "default_entry: Last/x\n%s", tree_conf);
    assert_string_equal(default_title(text), "Top");
    assert_true(lpick.fell_back);
}

static void test_lconf_default_entry_path_escapes(void **state)
{
    (void)state;
    assert_string_equal(default_title("default_entry: A\\/B \\#2\\\\\n/X\n/A/B #2\\\n"), "A/B #2\\");
    assert_int_equal(lpick.menu_index, 2);
    assert_string_equal(default_title("default_entry: N#x\n/N\n/N#x\n"), "N#x");
    assert_int_equal(lpick.menu_index, 2);
}

/* remember_last_entry: every bootable entry's path (escapes and "#N" duplicates included) names
 * that very entry again; directories and unknown paths name none. */
static void test_lconf_entry_paths_round_trip(void **state)
{
    char path[128];
    unsigned checked = 0;
    (void)state;

    lexpect_ok(tree_conf);
    for (unsigned i = 0; i < lc.entry_count; i++) {
        const struct lconf_entry *e = &lc.entries[i];
        assert_true(lconf_entry_path(&lc, e, path, sizeof path));
        if (e->directory || e->orphan || e->hidden) {
            assert_null(lconf_find_entry(&lc, path, strlen(path)));
            continue;
        }
        assert_ptr_equal(lconf_find_entry(&lc, path, strlen(path)), e);
        checked++;
    }
    assert_true(checked >= 4);
    assert_true(lconf_entry_path(&lc, lconf_find_entry(&lc, "Open/Twin#1", 11), path, sizeof path));
    assert_string_equal(path, "Open/Twin#1");
    assert_true(lconf_entry_path(&lc, lconf_find_entry(&lc, "Closed/Inside/Deep", 18), path, sizeof path));
    assert_string_equal(path, "Closed/Inside/Deep");
    assert_false(lconf_entry_path(&lc, lconf_find_entry(&lc, "Closed/Inside/Deep", 18), path, 10));
    assert_null(lconf_find_entry(&lc, "Nope", 4));
    lexpect_ok("/X\n/A/B #2\\\n");
    assert_true(lconf_entry_path(&lc, &lc.entries[1], path, sizeof path));
    assert_string_equal(path, "A\\/B \\#2\\\\");
    assert_ptr_equal(lconf_find_entry(&lc, path, strlen(path)), &lc.entries[1]);
}

static void test_lconf_hidden_entries_are_not_rows(void **state)
{
    (void)state;
    assert_string_equal(default_title("default_entry: 2\n/Bios\nprotocol: bios\n/Fw\n"
                                      "if_fw_type: bios\n/Arm\nif_arch: aarch64 riscv64\n"
                                      "/One\nif_fw_type: uefi\n/Two\nif_arch: aarch64  X86-64\n"),
                        "Two");
    assert_true(entry_named("Bios")->hidden && entry_named("Fw")->hidden);
    assert_true(entry_named("Arm")->hidden);
    assert_false(entry_named("One")->hidden || entry_named("Two")->hidden);
    assert_null(default_title("/Bios\nprotocol: bios_chainload\n"));
    assert_int_equal(ldiag.code, LCONF_ERR_NO_ENTRY);
    assert_string_equal(ldiag.message, "limine.conf: no entry Limine lists on UEFI x86-64 "
                                       "(protocol bios, if_fw_type or if_arch hide them all)");
    assert_null(default_title("timeout: 1\n"));
    assert_string_equal(ldiag.message, "limine.conf: no entry (an entry starts with '/Title')");
}

static void test_lconf_orphan_sub_entries_are_noted_not_listed(void **state)
{
    (void)state;
    assert_string_equal(default_title("//Lost\nprotocol: limine\n////Deeper\n/Real\n"), "Real");
    assert_true(entry_named("Lost")->orphan && entry_named("Deeper")->orphan);
    assert_false(entry_named("Real")->orphan);
    assert_int_equal(lc.note_count, 2);
    assert_int_equal(lc.notes[0].kind, LCONF_NOTE_ORPHAN_ENTRY);
    assert_string_equal(T(lc.notes[1].key), "Deeper");
}

static void test_lconf_rejects_parentless_and_untitled_entries(void **state)
{
    (void)state;
    lexpect_error("/A\n//B\n////C\n", LCONF_ERR_SYNTAX, 3,
                  "limine.conf:3: sub-entry 'C' is 2 levels below the entry on line 2 (Limine "
                  "stops: parentless child)");
    lexpect_error("/A\n/\n", LCONF_ERR_SYNTAX, 2, "limine.conf:2: entry '/' has no title");
    lexpect_error("/A\n//+   \n", LCONF_ERR_SYNTAX, 2, NULL);
}

static void test_lconf_titles_as_limine_reads_them(void **state)
{
    char text[128];

    (void)state;
    lexpect_ok("/   Spaced  \n/\tTabbed\n/ +NotOpen\n//Child\n");
    assert_string_equal(T(lc.entries[0].name), "Spaced");
    assert_string_equal(T(lc.entries[1].name), "\tTabbed");
    assert_string_equal(T(lc.entries[2].name), "+NotOpen");
    assert_false(lc.entries[2].expanded);
    snprintf(text, sizeof text, "/%070d\n", 7);
    lexpect_ok(text);
    assert_int_equal(strlen(T(lc.entries[0].name)), LCONF_NAME_LINE_MAX - 1);
}

static void test_lconf_rejects_too_many_entries(void **state)
{
    char text[LCONF_MAX_ENTRIES * 8];
    int i;

    (void)state;
    text[0] = '\0';
    for (i = 0; i < LCONF_MAX_ENTRIES; i++)
        strcat(text, "/E\n");
    lexpect_ok(text);
    strcat(text, "/E\n");
    lexpect_error(text, LCONF_ERR_TOO_MANY, LCONF_MAX_ENTRIES + 1,
                  "limine.conf:65: more than 64 entries");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lconf_builds_the_entry_tree),
        cmocka_unit_test(test_lconf_default_entry_counts_rows_of_the_menu),
        cmocka_unit_test(test_lconf_default_directory_is_not_booted),
        cmocka_unit_test(test_lconf_default_entry_zero_empty_or_past_the_end_is_row_one),
        cmocka_unit_test(test_lconf_default_entry_by_path),
        cmocka_unit_test(test_lconf_default_entry_path_escapes),
        cmocka_unit_test(test_lconf_entry_paths_round_trip),
        cmocka_unit_test(test_lconf_hidden_entries_are_not_rows),
        cmocka_unit_test(test_lconf_orphan_sub_entries_are_noted_not_listed),
        cmocka_unit_test(test_lconf_rejects_parentless_and_untitled_entries),
        cmocka_unit_test(test_lconf_titles_as_limine_reads_them),
        cmocka_unit_test(test_lconf_rejects_too_many_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
