/* Host tests of lscan_bss_symbols: request-like symbols in .bss are named, nothing else is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/lscan.h"

static uint8_t symtab[24 * 8];
static const char strtab[] = "\0memmap_request\0hhdm_req\0counter\0big_buffer_request\0tiny_request";
static size_t nsyms;

static void add_sym(uint32_t name, uint8_t type, uint64_t value, uint64_t size)
{
    uint8_t *s = symtab + 24 * nsyms++;
    memset(s, 0, 24);
    memcpy(s, &name, 4);
    s[4] = type;
    memcpy(s + 8, &value, 8);
    memcpy(s + 16, &size, 8);
}

/* .data [0x1000, 0x1100) from the file, .bss up to 0x3000. */
static const struct lscan_segment seg = { 0x1000, NULL, 0x100, 0x2000, 0 };

static void test_lscan_bss_names_request_objects_in_bss_only(void **state)
{
    struct lscan_bss_symbol out[4];
    (void)state;
    nsyms = 0;
    add_sym(1, 1, 0x2000, 48);   /* memmap_request in .bss: named */
    add_sym(16, 1, 0x1040, 48);  /* hhdm_req in the file bytes: seen by the scan, not named */
    add_sym(25, 1, 0x2100, 64);  /* counter: not request-like */
    add_sym(33, 2, 0x2200, 64);  /* big_buffer_request but a function (STT_FUNC) */
    add_sym(52, 1, 0x2300, 8);   /* tiny_request: smaller than a request header */
    add_sym(16, 1, 0x2400, 56);  /* hhdm_req in .bss: named */
    assert_int_equal(lscan_bss_symbols(symtab, 24 * nsyms, strtab, sizeof strtab, 0, &seg, 1, out, 4), 2);
    assert_string_equal(out[0].name, "memmap_request");
    assert_int_equal(out[0].vaddr, 0x2000);
    assert_string_equal(out[1].name, "hhdm_req");
    assert_int_equal(out[1].size, 56);
}

static void test_lscan_bss_applies_slide_and_stays_inside_buffers(void **state)
{
    struct lscan_bss_symbol out[1];
    (void)state;
    nsyms = 0;
    add_sym(1, 1, 0x2000 - 0x500, 48);         /* linked low, slid by 0x500 into .bss */
    add_sym(sizeof strtab + 10, 1, 0x2000, 48); /* name offset past the string table: skipped */
    assert_int_equal(lscan_bss_symbols(symtab, 24 * nsyms, strtab, sizeof strtab, 0x500, &seg, 1, out, 1), 1);
    assert_int_equal(out[0].vaddr, 0x2000);
    assert_int_equal(lscan_bss_symbols(symtab, 23, strtab, sizeof strtab, 0x500, &seg, 1, out, 1), 0);
    assert_int_equal(lscan_bss_symbols(symtab, 24, strtab, 5, 0x500, &seg, 1, out, 1), 0); /* name cut */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lscan_bss_names_request_objects_in_bss_only),
        cmocka_unit_test(test_lscan_bss_applies_slide_and_stays_inside_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
