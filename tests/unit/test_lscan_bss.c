/* Host tests of lscan_bss_symbols: request-like symbols in .bss are named, nothing else is, and each
 * symbol costs a bounded number of string-table bytes whatever the tables hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/lscan.h"

static uint8_t symtab[24 * 8];
static const char strtab[] = "\0memmap_request\0hhdm_req\0counter\0big_buffer_request\0tiny_request";
static size_t nsyms;

static void put_sym(uint8_t *s, uint32_t name, uint8_t type, uint64_t value, uint64_t size)
{
    memset(s, 0, 24);
    memcpy(s, &name, 4);
    s[4] = type;
    memcpy(s + 8, &value, 8);
    memcpy(s + 16, &size, 8);
}

static void add_sym(uint32_t name, uint8_t type, uint64_t value, uint64_t size)
{
    put_sym(symtab + 24 * nsyms++, name, type, value, size);
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

/* A name may be LSCAN_BSS_NAME_MAX bytes long, not one more. */
static void test_lscan_bss_skips_names_past_the_bound(void **state)
{
    char table[2 + 2 * (LSCAN_BSS_NAME_MAX + 1)] = { 0 };
    struct lscan_bss_symbol out[2];
    uint32_t longest = 1, too_long = 1 + LSCAN_BSS_NAME_MAX + 1;
    (void)state;
    memset(table + longest, 'x', LSCAN_BSS_NAME_MAX);
    memcpy(table + longest, "hhdm_request", 12);
    memset(table + too_long, 'x', LSCAN_BSS_NAME_MAX + 1);
    memcpy(table + too_long, "fb_request", 10);
    nsyms = 0;
    add_sym(longest, 1, 0x2000, 48);
    add_sym(too_long, 1, 0x2100, 48);
    assert_int_equal(lscan_bss_symbols(symtab, 24 * nsyms, table, sizeof table, 0, &seg, 1, out, 2), 1);
    assert_int_equal(strlen(out[0].name), LSCAN_BSS_NAME_MAX);
    assert_int_equal(out[0].vaddr, 0x2000);
}

/* The cost bound made observable: a 4 MiB string table whose readable part is only its first two
 * pages (the rest PROT_NONE) and holds one NUL. Symbols whose names start anywhere in it without a
 * NUL in reach must be rejected after at most LSCAN_BSS_NAME_MAX + 1 bytes: reading on to the end
 * of the table faults. */
static void test_lscan_bss_reads_a_bounded_name_per_symbol(void **state)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE), readable = 2 * page, table_size = 4u << 20;
    const uint32_t good = (uint32_t)page + 100, names[] = { 0, 1, 99, (uint32_t)page - 300, (uint32_t)page + 113,
                                                           (uint32_t)(readable - LSCAN_BSS_NAME_MAX - 1) };
    struct lscan_bss_symbol out[2];
    char *table = mmap(NULL, table_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)state;
    assert_true(table != MAP_FAILED);
    memset(table, 'r', readable);
    memcpy(table + good, "hhdm_request", 13);
    assert_int_equal(mprotect(table + readable, table_size - readable, PROT_NONE), 0);
    nsyms = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        add_sym(names[i], 1, 0x2000 + 0x40 * i, 48);
    add_sym(good, 1, 0x2800, 48);
    assert_int_equal(lscan_bss_symbols(symtab, 24 * nsyms, table, table_size, 0, &seg, 1, out, 2), 1);
    assert_string_equal(out[0].name, "hhdm_request");
    assert_int_equal(out[0].vaddr, 0x2800);
    munmap(table, table_size);
}

#define BIG_TABLE (4u << 20)   /* the loader's limit for either table */
#define BIG_TABLE_SECONDS 10   /* linear work takes well under a second, even with ASan */

static void too_slow(int sig)
{
    static const char msg[] = "lscan_bss_symbols: a 4 MiB malformed table took over 10 s (not linear)\n";
    (void)sig;
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

/* The review's case at the loader's limits: 4 MiB of symbols, all request-sized objects in .bss
 * whose names run into a 4 MiB string table without a NUL, and one real request name at its
 * start. Quadratic work is ~10^11 steps (minutes); the answer must come within the alarm. */
static void test_lscan_bss_malformed_tables_cost_linear_time(void **state)
{
    const size_t count = BIG_TABLE / 24;
    uint8_t *syms = malloc(count * 24);
    char *table = malloc(BIG_TABLE);
    struct lscan_bss_symbol out[2];
    (void)state;
    assert_non_null(syms);
    assert_non_null(table);
    memset(table, 'a', BIG_TABLE);
    memcpy(table, "memmap_request", 15);
    for (size_t i = 0; i + 1 < count; i++)
        put_sym(syms + 24 * i, 15, 1, 0x2000, 48);
    put_sym(syms + 24 * (count - 1), 0, 1, 0x2400, 48);
    signal(SIGALRM, too_slow);
    alarm(BIG_TABLE_SECONDS);
    size_t found = lscan_bss_symbols(syms, count * 24, table, BIG_TABLE, 0, &seg, 1, out, 2);
    alarm(0);
    assert_int_equal(found, 1);
    assert_string_equal(out[0].name, "memmap_request");
    assert_int_equal(out[0].vaddr, 0x2400);
    free(table);
    free(syms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lscan_bss_names_request_objects_in_bss_only),
        cmocka_unit_test(test_lscan_bss_applies_slide_and_stays_inside_buffers),
        cmocka_unit_test(test_lscan_bss_skips_names_past_the_bound),
        cmocka_unit_test(test_lscan_bss_reads_a_bounded_name_per_symbol),
        cmocka_unit_test(test_lscan_bss_malformed_tables_cost_linear_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
