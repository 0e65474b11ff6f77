/* Host tests of the boot menu model (src/core/lmenu.c): rows, directories, cursor, keys, timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/lmenu.h"

static struct lconf lc;
static struct lmenu menu;

static void parse(const char *text)
{
    struct lconf_diag d;
    if (lconf_parse(text, strlen(text), &lc, &d) != LCONF_OK)
        fail_msg("%s", d.message);
}

static const char *row(unsigned r)
{
    static char buf[128];
    lmenu_row_text(&menu, r, buf, sizeof buf);
    return buf;
}

static const char TREE[] = "/A\nprotocol: limine\npath: boot():/a\n"
                           "/Dir\n//B\nprotocol: limine\npath: boot():/b\n"
                           "/+Open\n//C\nprotocol: limine\npath: boot():/c\n"
                           "/D\nprotocol: linux\npath: boot():/d\n";

static void test_lmenu_rows_as_limine_first_shows_them(void **state)
{
    (void)state;
    parse(TREE);
    lmenu_init(&menu, &lc, NULL);
    assert_int_equal(menu.row_count, 5); /* A, Dir (closed), Open, C, D */
    assert_string_equal(row(0), "> A");
    assert_string_equal(row(1), "  [+] Dir");
    assert_string_equal(row(2), "  [-] Open");
    assert_string_equal(row(3), "    C");
    assert_string_equal(row(4), "  D");
}

static void test_lmenu_keys_move_wrap_open_and_choose(void **state)
{
    (void)state;
    parse(TREE);
    lmenu_init(&menu, &lc, NULL);
    assert_null(lmenu_key(&menu, LMENU_KEY_UP)); /* wraps to the last row */
    assert_string_equal(row(4), "> D");
    assert_null(lmenu_key(&menu, LMENU_KEY_DOWN));
    assert_null(lmenu_key(&menu, LMENU_KEY_DOWN));
    assert_null(lmenu_key(&menu, LMENU_KEY_ENTER)); /* opens Dir: B appears under it */
    assert_int_equal(menu.row_count, 6);
    assert_string_equal(row(1), "> [-] Dir");
    assert_string_equal(row(2), "    B");
    assert_null(lmenu_key(&menu, LMENU_KEY_OTHER));
    assert_null(lmenu_key(&menu, LMENU_KEY_DOWN));
    const struct lconf_entry *e = lmenu_key(&menu, LMENU_KEY_ENTER);
    assert_non_null(e);
    assert_string_equal(lconf_text(&lc, e->name), "B");
    assert_null(lmenu_key(&menu, LMENU_KEY_UP));
    assert_null(lmenu_key(&menu, LMENU_KEY_ENTER)); /* closes Dir again, the cursor stays on it */
    assert_int_equal(menu.row_count, 5);
    assert_string_equal(row(1), "> [+] Dir");
}

/* The cursor starts on the default entry, its directories opened on the way. */
static void test_lmenu_cursor_on_the_default_entry(void **state)
{
    (void)state;
    parse(TREE);
    lmenu_init(&menu, &lc, &lc.entries[2]); /* B, inside the closed Dir */
    assert_int_equal(menu.row_count, 6);
    assert_string_equal(row(2), ">   B");
}

static void test_lmenu_timeout_as_limine_reads_it(void **state)
{
    (void)state;
    parse("/A\nprotocol: limine\npath: boot():/a\n");
    assert_int_equal(lmenu_timeout_ms(&lc), LMENU_DEFAULT_TIMEOUT_MS);
    parse("timeout: 0\n/A\nprotocol: limine\npath: boot():/a\n");
    assert_int_equal(lmenu_timeout_ms(&lc), 0);
    parse("timeout: 3\n/A\nprotocol: limine\npath: boot():/a\n");
    assert_int_equal(lmenu_timeout_ms(&lc), 3000);
    parse("timeout: no\n/A\nprotocol: limine\npath: boot():/a\n");
    assert_int_equal(lmenu_timeout_ms(&lc), LMENU_WAIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lmenu_rows_as_limine_first_shows_them),
        cmocka_unit_test(test_lmenu_keys_move_wrap_open_and_choose),
        cmocka_unit_test(test_lmenu_cursor_on_the_default_entry),
        cmocka_unit_test(test_lmenu_timeout_as_limine_reads_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
