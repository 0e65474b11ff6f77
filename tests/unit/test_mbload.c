/* Host tests of a Multiboot kernel's physical segments (src/core/mbload.c): ELF32 and ELF64 program
 * headers at p_paddr, the entry made physical, the address fields winning, and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mbload.h"

static uint8_t head[4096];
static struct mb_plan plan;
static char why[MB_PLAN_MESSAGE_MAX];

static void put(size_t at, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        head[at + i] = (uint8_t)(v >> (8 * i));
}

/* An ELF32 (class 1) or ELF64 (class 2) header with n program headers at 0x40 / 0x40. */
static void elf_header(unsigned elf_class, uint64_t entry, unsigned n)
{
    bool is64 = elf_class == 2;
    memset(head, 0, sizeof head);
    memcpy(head, "\x7f" "ELF", 4);
    head[4] = (uint8_t)elf_class;
    head[5] = 1;
    put(16, 2, 2);
    put(18, is64 ? 62 : 3, 2);
    put(24, entry, is64 ? 8 : 4);
    put(is64 ? 32 : 28, 0x40, is64 ? 8 : 4);
    put(is64 ? 54 : 42, is64 ? 56 : 32, 2);
    put(is64 ? 56 : 44, n, 2);
}

static void phdr(unsigned elf_class, unsigned i, uint64_t off, uint64_t vaddr, uint64_t paddr, uint64_t filesz,
                 uint64_t memsz)
{
    bool is64 = elf_class == 2;
    size_t at = 0x40 + i * (is64 ? 56 : 32);
    unsigned w = is64 ? 8 : 4;
    put(at, 1, 4);
    put(at + (is64 ? 8 : 4), off, w);
    put(at + (is64 ? 16 : 8), vaddr, w);
    put(at + (is64 ? 24 : 12), paddr, w);
    put(at + (is64 ? 32 : 16), filesz, w);
    put(at + (is64 ? 40 : 20), memsz, w);
}

static bool run(uint64_t file_size, const struct mb_load *load, uint32_t load_entry, uint32_t entry_override)
{
    return mb_plan_load_segments(head, sizeof head, file_size, load, load_entry, entry_override, &plan, why);
}

static void test_mbload_elf32_at_paddr(void **state)
{
    (void)state;
    elf_header(1, 0x10000c, 2);
    phdr(1, 0, 0x1000, 0x100000, 0x100000, 0x2345, 0x2345);
    phdr(1, 1, 0x4000, 0x103000, 0x103000, 0x100, 0x5000); /* bss */
    assert_true(run(0x5000, NULL, 0, 0));
    assert_int_equal(plan.count, 2);
    assert_int_equal(plan.entry, 0x10000c);
    assert_int_equal(plan.load_base, 0x100000);
    assert_false(plan.elf64 || plan.from_address_fields);
    assert_int_equal(plan.range_count, 1); /* the segments touch: one claim from 1 MiB, 8 pages */
    assert_int_equal(plan.range[0].base, 0x100000);
    assert_int_equal(plan.range[0].pages, 8);
    assert_int_equal(plan.seg[1].memsz, 0x5000);
}

static void test_mbload_higher_half_entry_made_physical(void **state)
{
    (void)state;
    elf_header(2, 0xffffffff80100010ULL, 2);
    phdr(2, 0, 0x1000, 0xffffffff80100000ULL, 0x200000, 0x800, 0x800);
    phdr(2, 1, 0x2000, 0xffffffff80400000ULL, 0x500000, 0x10, 0x10);
    assert_true(run(0x3000, NULL, 0, 0));
    assert_true(plan.elf64);
    assert_int_equal(plan.entry, 0x200010);
    assert_int_equal(plan.range_count, 2);
    assert_true(run(0x3000, NULL, 0, 0x500004)); /* an entry address tag wins */
    assert_int_equal(plan.entry, 0x500004);
}

static void test_mbload_address_fields_win(void **state)
{
    struct mb_load load = { .file_offset = 0, .load_addr = 0x100000, .size = 0x1800, .bss_end = 0x104000 };
    (void)state;
    memset(head, 0, sizeof head); /* not ELF at all: an a.out kludge kernel */
    assert_true(run(0x1800, &load, 0x100020, 0));
    assert_true(plan.from_address_fields);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.seg[0].filesz, 0x1800);
    assert_int_equal(plan.seg[0].memsz, 0x4000);
    assert_int_equal(plan.entry, 0x100020);
}

static void test_mbload_refusals(void **state)
{
    (void)state;
    memset(head, 0, sizeof head);
    assert_false(run(100, NULL, 0, 0));
    assert_non_null(strstr(why, "not a little-endian ELF32 or ELF64"));
    elf_header(1, 0x100000, 2);
    phdr(1, 0, 0x1000, 0x100000, 0x100000, 0x2000, 0x2000);
    phdr(1, 1, 0x3000, 0x101000, 0x101000, 0x10, 0x10);
    assert_false(run(0x4000, NULL, 0, 0));
    assert_non_null(strstr(why, "segments overlap at physical 0x101000"));
    phdr(1, 1, 0x3000, 0x200000, 0x200000, 0x2000, 0x10); /* filesz > memsz */
    assert_false(run(0x8000, NULL, 0, 0));
    assert_non_null(strstr(why, "program header 1"));
    phdr(1, 1, 0x3000, 0xfffff000, 0xfffff000, 0x10, 0x2000); /* past 4 GiB */
    assert_false(run(0x8000, NULL, 0, 0));
    assert_non_null(strstr(why, "past 4 GiB"));
    phdr(1, 1, 0x3000, 0x200000, 0x200000, 0x10, 0x10);
    assert_false(run(0x2000, NULL, 0, 0)); /* segment 0 passes the file's end */
    assert_non_null(strstr(why, "do not lie in the file"));
    elf_header(1, 0x900000, 1);
    phdr(1, 0, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
    assert_false(run(0x2000, NULL, 0, 0));
    assert_non_null(strstr(why, "entry point 0x900000 is in no loaded segment"));
    put(18, 62, 2); /* ELF32 with machine x86-64 */
    assert_false(run(0x2000, NULL, 0, 0));
    assert_non_null(strstr(why, "ELF type 2 machine 62"));
    elf_header(1, 0x100000, 200); /* program headers past the head */
    assert_false(run(0x2000, NULL, 0, 0));
    assert_non_null(strstr(why, "program headers (200 at 0x40)"));
    elf_header(1, 0x100000, 1); /* memsz 0 only: nothing to load */
    phdr(1, 0, 0x1000, 0x100000, 0x100000, 0, 0);
    assert_false(run(0x2000, NULL, 0, 0));
    assert_non_null(strstr(why, "nothing to load"));
}

/* ELF section headers (MB2 tag 9, MB1 syms): the table found from the ELF header, which sections
 * ember loads besides the segments, their total, sh_addr patched; malformed tables refused. */
static void test_mbload_sections(void **state)
{
    static uint8_t table[3 * 40];
    struct mb_sections s;
    uint64_t off, size;
    uint32_t bytes;
    (void)state;

    elf_header(1, 0x100000, 1);
    put(32, 0x3000, 4);   /* e_shoff */
    put(46, 40, 2);       /* e_shentsize */
    put(48, 3, 2);        /* e_shnum */
    put(50, 2, 2);        /* e_shstrndx */
    assert_true(mb_sections_find(head, sizeof head, 0x3000 + 120, &s, why));
    assert_int_equal(s.num, 3);
    assert_int_equal(s.entsize, 40);
    assert_int_equal(s.shndx, 2);
    memset(table, 0, sizeof table);
    table[40 + 4] = 1;                 /* section 1: PROGBITS, SHF_ALLOC: a segment has it */
    table[40 + 8] = 2;
    table[40 + 20] = 0x10;
    table[80 + 4] = 3;                 /* section 2: STRTAB, not allocated: ember loads it */
    table[80 + 16] = 0x10;             /* sh_offset 0x10 */
    table[80 + 20] = 13;               /* sh_size 13 */
    assert_false(mb_section_loaded(table, &s, 0, &off, &size));
    assert_false(mb_section_loaded(table, &s, 1, &off, &size));
    assert_true(mb_section_loaded(table, &s, 2, &off, &size));
    assert_int_equal(off, 0x10);
    assert_int_equal(size, 13);
    assert_true(mb_sections_size(table, &s, 0x4000, &bytes));
    assert_int_equal(bytes, 120 + 16);
    mb_section_set_addr(table, &s, 2, 0x1234568);
    assert_int_equal(table[80 + 12], 0x68);
    assert_int_equal(table[80 + 15], 0x01);
    table[80 + 16] = 0xff;             /* now past the file's end */
    table[80 + 17] = 0xff;
    assert_false(mb_sections_size(table, &s, 0x4000, &bytes));
    put(46, 32, 2);                    /* an entry size not ELF32's */
    assert_false(mb_sections_find(head, sizeof head, 0x4000, &s, why));
    assert_non_null(strstr(why, "break the ELF rules"));
    put(48, 0, 2);
    assert_false(mb_sections_find(head, sizeof head, 0x4000, &s, why));
    assert_non_null(strstr(why, "no section headers"));
}

/* The relocatable tag's move: every segment, page range and the entry by one distance. */
static void test_mbload_move(void **state)
{
    (void)state;
    elf_header(1, 0x10000c, 2);
    phdr(1, 0, 0x1000, 0x100000, 0x100000, 0x2345, 0x2345);
    phdr(1, 1, 0x4000, 0x105000, 0x105000, 0x100, 0x1000);
    assert_true(run(0x5000, NULL, 0, 0));
    assert_int_equal(mb_plan_span(&plan), 0x6000);
    mb_plan_move(&plan, 0x2000000);
    assert_int_equal(plan.load_base, 0x2000000);
    assert_int_equal(plan.entry, 0x200000c);
    assert_int_equal(plan.seg[1].paddr, 0x2005000);
    assert_int_equal(plan.range[0].base, 0x2000000);
    assert_int_equal(plan.range[1].base, 0x2005000);
    mb_plan_move(&plan, 0x80000); /* down as well */
    assert_int_equal(plan.entry, 0x8000c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbload_elf32_at_paddr),
        cmocka_unit_test(test_mbload_higher_half_entry_made_physical),
        cmocka_unit_test(test_mbload_address_fields_win),
        cmocka_unit_test(test_mbload_refusals),
        cmocka_unit_test(test_mbload_sections),
        cmocka_unit_test(test_mbload_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
