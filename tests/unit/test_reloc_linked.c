/* Host tests of reloc_apply on real ld output: tests/unit/reloc_kernel.c linked as a static PIE
 * with DT_RELR and as a -z now shared object (tests/unit/fixtures.mk), loaded into host memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/reloc.h"

#define MARKER_MAGIC 0x52454c4f434b4d4bULL /* as in reloc_kernel.c */
#define SLIDE ELF_LIMINE_MIN_VADDR
#define MAX_SEGMENTS 8

/* struct marker of reloc_kernel.c, as words. */
enum { M_MAGIC, M_SELF, M_ENTRY, M_TEXT, M_WEAK, M_COUNT, M_WORDS };

/* The fixture's PT_LOADs, each read into its own memsz-sized heap block at its linked vaddr. */
struct loaded {
    unsigned count;
    uint64_t vaddr[MAX_SEGMENTS], memsz[MAX_SEGMENTS];
    uint8_t *bytes[MAX_SEGMENTS];
    elf64_ehdr_t ehdr;
    uint64_t dynamic_vaddr, dynamic_size;
};

static void *loaded_map(void *ctx, uint64_t vaddr, uint64_t len)
{
    struct loaded *l = ctx;

    for (unsigned i = 0; i < l->count; i++)
        if (vaddr >= l->vaddr[i] && vaddr - l->vaddr[i] <= l->memsz[i]
            && len <= l->memsz[i] - (vaddr - l->vaddr[i]))
            return l->bytes[i] + (vaddr - l->vaddr[i]);
    return NULL;
}

/* Reads the whole file at RELOC_FIXTURE_DIR/name; *size gets its length. */
static uint8_t *read_fixture(const char *name, size_t *size)
{
    char path[512];
    FILE *file;
    uint8_t *data;
    long len;

    snprintf(path, sizeof path, "%s/%s", RELOC_FIXTURE_DIR, name);
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s (built by tests/unit/fixtures.mk)", path);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    len = ftell(file);
    assert_true(len > (long)sizeof(elf64_ehdr_t));
    data = malloc((size_t)len);
    assert_non_null(data);
    rewind(file);
    assert_int_equal(fread(data, 1, (size_t)len, file), (size_t)len);
    fclose(file);
    *size = (size_t)len;
    return data;
}

/* Loads the fixture's PT_LOADs (trusted: the test's own toolchain output) and finds PT_DYNAMIC. */
static void load(const char *name, struct loaded *l)
{
    size_t size;
    uint8_t *file = read_fixture(name, &size);

    memset(l, 0, sizeof *l);
    memcpy(&l->ehdr, file, sizeof l->ehdr);
    assert_int_equal(l->ehdr.e_type, ELF_TYPE_DYN);
    for (unsigned i = 0; i < l->ehdr.e_phnum; i++) {
        elf64_phdr_t ph;
        memcpy(&ph, file + l->ehdr.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == ELF_PT_DYNAMIC) {
            l->dynamic_vaddr = ph.p_vaddr;
            l->dynamic_size = ph.p_memsz;
        }
        if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
            continue;
        assert_true(l->count < MAX_SEGMENTS && ph.p_offset + ph.p_filesz <= size);
        l->vaddr[l->count] = ph.p_vaddr;
        l->memsz[l->count] = ph.p_memsz;
        l->bytes[l->count] = calloc(1, ph.p_memsz);
        assert_non_null(l->bytes[l->count]);
        memcpy(l->bytes[l->count], file + ph.p_offset, ph.p_filesz);
        l->count++;
    }
    assert_true(l->dynamic_size > 0);
    free(file);
}

static void unload(struct loaded *l)
{
    for (unsigned i = 0; i < l->count; i++)
        free(l->bytes[i]);
}

/* Linked address of the one 8-byte-aligned MARKER_MAGIC word in the loaded image. */
static uint64_t find_marker(const struct loaded *l)
{
    uint64_t found = 0;
    unsigned hits = 0;

    for (unsigned i = 0; i < l->count; i++)
        for (uint64_t off = (8 - l->vaddr[i] % 8) % 8; off + 8 <= l->memsz[i]; off += 8) {
            uint64_t word;
            memcpy(&word, l->bytes[i] + off, sizeof word);
            if (word == MARKER_MAGIC) {
                found = l->vaddr[i] + off;
                hits++;
            }
        }
    assert_int_equal(hits, 1);
    return found;
}

/* Relocates the fixture by SLIDE and checks the marker's pointers now hold final addresses. */
static struct reloc_stats relocate_and_check(const char *name)
{
    struct loaded l;
    struct reloc_image img = { .map = loaded_map, .ctx = &l, .slide = SLIDE };
    struct reloc_stats stats;
    struct reloc_diag diag;
    uint64_t marker, m[M_WORDS];
    const char *text;

    load(name, &l);
    if (reloc_apply(&img, l.dynamic_vaddr, l.dynamic_size, &stats, &diag) != RELOC_OK)
        fail_msg("%s: %s", name, diag.message);
    marker = find_marker(&l);
    memcpy(m, loaded_map(&l, marker, sizeof m), sizeof m);
    assert_int_equal(m[M_SELF], marker + SLIDE);
    assert_int_equal(m[M_ENTRY], l.ehdr.e_entry + SLIDE);
    text = loaded_map(&l, m[M_TEXT] - SLIDE, sizeof "hello");
    assert_non_null(text);
    assert_memory_equal(text, "hello", sizeof "hello");
    assert_int_equal(m[M_WEAK], 0);
    assert_non_null(loaded_map(&l, m[M_COUNT] - SLIDE, sizeof(int))); /* count, in .bss */
    unload(&l);
    return stats;
}

static void test_reloc_relocates_static_pie_with_relr(void **state)
{
    struct reloc_stats stats;
    (void)state;
    stats = relocate_and_check("static-pie-relr.elf");
    assert_true(stats.relr >= 4); /* self, entry, text, count: packed as RELR, nothing else */
    assert_int_equal(stats.relative + stats.abs64 + stats.glob_dat + stats.jump_slot, 0);
}

static void test_reloc_relocates_shared_object_with_symbol_relocations(void **state)
{
    struct reloc_stats stats;
    (void)state;
    stats = relocate_and_check("shared-now.elf");
    assert_true(stats.abs64 >= 4);     /* self, entry, weak, count name preemptible symbols */
    assert_true(stats.relative >= 1);  /* text points at a local string */
    assert_true(stats.glob_dat >= 1);  /* count reached through the GOT */
    assert_true(stats.jump_slot >= 1); /* bump called through the PLT */
    assert_int_equal(stats.relr, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_relocates_static_pie_with_relr),
        cmocka_unit_test(test_reloc_relocates_shared_object_with_symbol_relocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
