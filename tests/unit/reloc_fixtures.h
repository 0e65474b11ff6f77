/* reloc_apply test fixtures: a fake loaded image of two segments in host memory (host). */
#ifndef EMBER_TESTS_RELOC_FIXTURES_H
#define EMBER_TESTS_RELOC_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/reloc.h"

/* Linked layout, as ld -pie lays a kernel out at 0: segment 0 holds the read-only tables, segment 1
 * (after a gap no map call may reach) the dynamic array and the words to relocate. */
#define SEG0_VADDR 0x0ULL
#define SEG0_SIZE 0x4000ULL
#define SEG1_VADDR 0x10000ULL
#define SEG1_SIZE 0x2000ULL
#define GAP_VADDR 0x8000ULL /* between the segments */

#define RELA_VADDR 0x1000ULL
#define PLT_VADDR 0x1800ULL
#define RELR_VADDR 0x2000ULL
#define SYMTAB_VADDR 0x2800ULL
#define STRTAB_VADDR 0x3000ULL
#define DYN_VADDR SEG1_VADDR
#define DYN_MAX_ENTRIES 32
#define DATA_VADDR 0x11000ULL /* words to relocate */

#define TEST_SLIDE 0xffffffff80000000ULL /* Limine's floor for a kernel linked at 0 */
#define R_INFO(sym, type) ((uint64_t)(sym) << 32 | (uint32_t)(type))
#define ST_INFO(bind, type) ((uint8_t)((bind) << 4 | (type)))
#define STB_GLOBAL 1
#define STT_FUNC 2
#define TEXT_SHNDX 7 /* any defined section index */

/* The image: each segment is its own exact-size heap block, so ASan sees any access past one. */
struct fake_image {
    uint8_t *seg[2];
    struct reloc_image img;
    unsigned dyn_entries;     /* written so far by dyn_add() */
    uint64_t dynamic_size;    /* bytes passed to reloc_apply: the entries + DT_NULL */
    unsigned map_calls;
};

static const uint64_t seg_vaddr[2] = { SEG0_VADDR, SEG1_VADDR };
static const uint64_t seg_size[2] = { SEG0_SIZE, SEG1_SIZE };

/* The map contract reloc_apply relies on, checked: never empty, never wrapping; NULL unless the
 * range is wholly inside one segment. */
static inline void *fake_map(void *ctx, uint64_t vaddr, uint64_t len)
{
    struct fake_image *fi = ctx;
    uint64_t end = 0;

    fi->map_calls++;
    if (len == 0 || __builtin_add_overflow(vaddr, len, &end)) {
        fail_msg("map asked for [0x%lx, +0x%lx): empty or wrapping", vaddr, len);
        return NULL;
    }
    for (unsigned i = 0; i < 2; i++)
        if (vaddr >= seg_vaddr[i] && end <= seg_vaddr[i] + seg_size[i])
            return fi->seg[i] + (vaddr - seg_vaddr[i]);
    return NULL;
}

/* Host pointer to the linked address vaddr (the test writes its fixtures through this). */
static inline uint8_t *at(struct fake_image *fi, uint64_t vaddr)
{
    for (unsigned i = 0; i < 2; i++)
        if (vaddr >= seg_vaddr[i] && vaddr < seg_vaddr[i] + seg_size[i])
            return fi->seg[i] + (vaddr - seg_vaddr[i]);
    fail_msg("fixture address 0x%lx is in no segment", vaddr);
    return NULL;
}

static inline uint64_t get_u64(struct fake_image *fi, uint64_t vaddr)
{
    uint64_t v;
    memcpy(&v, at(fi, vaddr), sizeof v);
    return v;
}

static inline void put_u64(struct fake_image *fi, uint64_t vaddr, uint64_t v)
{
    memcpy(at(fi, vaddr), &v, sizeof v);
}

/* Two zeroed segments, no dynamic entries yet, the given slide. */
static inline void image_init(struct fake_image *fi, uint64_t slide)
{
    memset(fi, 0, sizeof *fi);
    for (unsigned i = 0; i < 2; i++) {
        fi->seg[i] = calloc(1, seg_size[i]);
        assert_non_null(fi->seg[i]);
    }
    fi->img = (struct reloc_image){ .map = fake_map, .ctx = fi, .slide = slide };
}

static inline void image_free(struct fake_image *fi)
{
    free(fi->seg[0]);
    free(fi->seg[1]);
}

/* Appends (tag, val) to the dynamic array and keeps it DT_NULL-terminated. */
static inline void dyn_add(struct fake_image *fi, int64_t tag, uint64_t val)
{
    elf64_dyn_t d = { tag, val }, end = { ELF_DT_NULL, 0 };

    assert_true(fi->dyn_entries + 1 < DYN_MAX_ENTRIES);
    memcpy(at(fi, DYN_VADDR + fi->dyn_entries * sizeof d), &d, sizeof d);
    fi->dyn_entries++;
    memcpy(at(fi, DYN_VADDR + fi->dyn_entries * sizeof d), &end, sizeof end);
    fi->dynamic_size = (fi->dyn_entries + 1) * sizeof d;
}

/* Writes RELA entry `index` of the table at table_vaddr. */
static inline void rela_put(struct fake_image *fi, uint64_t table_vaddr, unsigned index,
                            uint64_t offset, uint64_t info, int64_t addend)
{
    elf64_rela_t r = { offset, info, addend };
    memcpy(at(fi, table_vaddr + index * sizeof r), &r, sizeof r);
}

/* Writes symbol `index` of the table at SYMTAB_VADDR. */
static inline void sym_put(struct fake_image *fi, unsigned index, uint32_t name, uint8_t info,
                           uint16_t shndx, uint64_t value)
{
    elf64_sym_t s = { .st_name = name, .st_info = info, .st_shndx = shndx, .st_value = value };
    memcpy(at(fi, SYMTAB_VADDR + index * sizeof s), &s, sizeof s);
}

/* A DT_RELA table of `count` entries at RELA_VADDR (the entries are written separately). */
static inline void dyn_rela(struct fake_image *fi, unsigned count)
{
    dyn_add(fi, ELF_DT_RELA, RELA_VADDR);
    dyn_add(fi, ELF_DT_RELASZ, count * sizeof(elf64_rela_t));
    dyn_add(fi, ELF_DT_RELAENT, sizeof(elf64_rela_t));
}

/* DT_SYMTAB and DT_SYMENT, plus DT_STRTAB with `strings` (NUL-separated, strings_len bytes). */
static inline void dyn_symtab(struct fake_image *fi, const char *strings, size_t strings_len)
{
    dyn_add(fi, ELF_DT_SYMTAB, SYMTAB_VADDR);
    dyn_add(fi, ELF_DT_SYMENT, sizeof(elf64_sym_t));
    dyn_add(fi, ELF_DT_STRTAB, STRTAB_VADDR);
    dyn_add(fi, ELF_DT_STRSZ, strings_len);
    memcpy(at(fi, STRTAB_VADDR), strings, strings_len);
}

/* A DT_RELR table of `count` words at RELR_VADDR, filled from words[]. */
static inline void dyn_relr(struct fake_image *fi, const uint64_t *words, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        put_u64(fi, RELR_VADDR + i * sizeof words[0], words[i]);
    dyn_add(fi, ELF_DT_RELR, RELR_VADDR);
    dyn_add(fi, ELF_DT_RELRSZ, count * sizeof words[0]);
    dyn_add(fi, ELF_DT_RELRENT, sizeof words[0]);
}

static inline void assert_reloc_diag(const struct reloc_diag *diag, enum reloc_error want)
{
    const char *name = reloc_error_name(want);
    size_t len = strlen(name);

    assert_int_equal(diag->code, want);
    if (want == RELOC_OK) {
        assert_string_equal(diag->message, "");
        return;
    }
    if (strncmp(diag->message, name, len) != 0 || strncmp(diag->message + len, ": ", 2) != 0)
        fail_msg("message \"%s\" does not start with \"%s: \"", diag->message, name);
}

/* reloc_apply on the image's dynamic array; stats and diag start poisoned. */
static inline enum reloc_error apply(struct fake_image *fi, struct reloc_stats *stats,
                                     struct reloc_diag *diag)
{
    memset(stats, 0xa5, sizeof *stats);
    memset(diag, 0x5a, sizeof *diag);
    return reloc_apply(&fi->img, DYN_VADDR, fi->dynamic_size, stats, diag);
}

static inline struct reloc_stats expect_ok(struct fake_image *fi)
{
    struct reloc_stats stats;
    struct reloc_diag diag;

    if (apply(fi, &stats, &diag) != RELOC_OK)
        fail_msg("unexpected failure: %s", diag.message);
    assert_reloc_diag(&diag, RELOC_OK);
    return stats;
}

/* Expects rule `want` with a message naming it; returns the diag. */
static inline struct reloc_diag expect_error(struct fake_image *fi, enum reloc_error want)
{
    struct reloc_stats stats;
    struct reloc_diag diag;

    assert_int_equal(apply(fi, &stats, &diag), want);
    assert_reloc_diag(&diag, want);
    return diag;
}

static inline unsigned stats_total(const struct reloc_stats *s)
{
    return s->relative + s->relr + s->glob_dat + s->jump_slot + s->abs64;
}

#endif
