/* Host test: the README's limine.conf example ("Coming from Limine") parses, and its default entry
 * means what the README says (src/core/lconf*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/lconf.h"
#include "readme_fixtures.h"

#define README_HEADING "## Coming from Limine"

static struct lconf lc;

static void test_lconf_readme_example_boots_my_os(void **state)
{
    char *md = read_readme();
    const char *block = NULL;
    size_t len = 0;
    struct lconf_diag diag;
    struct lconf_pick pick;
    struct lconf_boot boot;
    struct ember_config cfg;
    const struct lconf_entry *e;
    (void)state;
    if (md == NULL)
        fail_msg("cannot read README.md (run from the repo root or set EMBER_README)");
    if (!readme_find_block(md, README_HEADING, &block, &len))
        fail_msg("README.md has no fenced code block under '" README_HEADING "'");
    if (lconf_parse(block, len, &lc, &diag) != LCONF_OK)
        fail_msg("README limine.conf example: %s", diag.message);
    free(md);
    e = lconf_default_entry(&lc, &pick, &diag);
    assert_non_null(e);
    assert_int_equal(pick.menu_index, 2);
    assert_string_equal(lconf_text(&lc, e->name), "My OS");
    config_defaults(&cfg);
    assert_int_equal(lconf_to_ember(&lc, e, &cfg, &boot, &diag), LCONF_OK);
    assert_string_equal(cfg.kernel, "/boot/myos");
    assert_string_equal(cfg.cmdline, "console=ttyS0");
    assert_int_equal(cfg.module_count, 1);
    assert_string_equal(cfg.modules[0].path, "boot(2):/initrd.tar");
    assert_true(lc.remember_last_entry);
    assert_string_equal(cfg.modules[0].name, "initrd");
    assert_int_equal(cfg.protocol, PROTOCOL_LIMINE);
    assert_int_equal(lc.timeout_ms, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lconf_readme_example_boots_my_os),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
