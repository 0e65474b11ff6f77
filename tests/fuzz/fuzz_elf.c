/* libFuzzer harness: any input as a whole kernel file through elf_check_header + elf_build_plan. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/elf.h"

#define EHDR_SIZE sizeof(elf64_ehdr_t)
#define PHDR_SIZE sizeof(elf64_phdr_t)
#define POISON 0xa5 /* fills outputs first, so a field the code forgets to write shows up */

#define FUZZ_NAME "fuzz_elf"
#include "fuzz_common.h"

/* The diag matches err: "" on success, else "<rule-name>: ..." NUL-terminated in its array. */
static void check_diag(enum elf_error err, const struct elf_diag *diag)
{
    const char *name = elf_error_name(err);
    size_t len = strnlen(diag->message, sizeof diag->message), name_len = strlen(name);

    check(diag->code == err, "diag.code is the returned code");
    check(len < sizeof diag->message, "diag.message is NUL-terminated");
    if (err == ELF_OK) {
        check(len == 0, "diag.message is empty on success");
        return;
    }
    check((unsigned)err < ELF_ERR_COUNT && strcmp(name, "unknown") != 0, "error code has a name");
    check(len > name_len + 1 && memcmp(diag->message, name, name_len) == 0
              && diag->message[name_len] == ':',
          "diag.message starts with elf_error_name(code) and ':'");
}

static bool segments_equal(const struct elf_segment *a, const struct elf_segment *b)
{
    return a->offset == b->offset && a->vaddr == b->vaddr && a->paddr == b->paddr
           && a->filesz == b->filesz && a->memsz == b->memsz && a->align == b->align
           && a->flags == b->flags && a->attr == b->attr;
}

static bool regions_equal(const struct elf_region *a, const struct elf_region *b)
{
    return a->vaddr == b->vaddr && a->paddr == b->paddr && a->size == b->size
           && a->attr == b->attr && a->first == b->first && a->count == b->count;
}

/* Field by field (the structs have padding): every slot, so unused ones must match too. */
static bool plans_equal(const struct elf_plan *a, const struct elf_plan *b)
{
    unsigned i;

    if (a->entry != b->entry || a->phnum != b->phnum || a->shnum != b->shnum
        || a->count != b->count || a->region_count != b->region_count
        || a->vaddr_min != b->vaddr_min || a->vaddr_end != b->vaddr_end)
        return false;
    for (i = 0; i < ELF_MAX_LOAD_SEGMENTS; i++)
        if (!segments_equal(&a->segments[i], &b->segments[i])
            || !regions_equal(&a->regions[i], &b->regions[i]))
            return false;
    return true;
}

/* One loaded segment on its own: inside the file, memsz covers filesz, one canonical half,
 * no wrap, attr derived from the flags. */
static void check_segment(const struct elf_segment *seg, uint64_t file_size, bool allow_wx)
{
    uint64_t file_end, end, phys_end;
    enum page_attr attr;

    check(seg->memsz > 0, "segment memsz > 0");
    check(seg->filesz <= seg->memsz, "segment filesz <= memsz");
    check(!__builtin_add_overflow(seg->offset, seg->filesz, &file_end) && file_end <= file_size,
          "segment offset + filesz <= file size");
    check(!__builtin_add_overflow(seg->vaddr, seg->memsz, &end), "segment vaddr + memsz no wrap");
    check(elf_is_canonical(seg->vaddr) && elf_is_canonical(end - 1)
              && ((seg->vaddr ^ (end - 1)) >> 47) == 0,
          "segment lies in one canonical half");
    check(!__builtin_add_overflow(seg->paddr, seg->memsz, &phys_end), "segment paddr no wrap");
    check(elf_flags_to_attr(seg->flags, allow_wx, &attr) && attr == seg->attr,
          "segment attr comes from its flags");
    check(allow_wx || seg->attr != PAGE_WRITE_EXECUTE, "no W+X segment without allow_wx");
}

/* The plan's segments are exactly the non-empty PT_LOADs of the table, sorted by vaddr. */
static void check_segments_match_table(const struct elf_plan *plan, const uint8_t *table,
                                       unsigned phnum)
{
    unsigned i, matched = 0, loads = 0;

    for (i = 0; i < phnum; i++) {
        elf64_phdr_t ph;
        unsigned k;

        memcpy(&ph, table + (size_t)i * PHDR_SIZE, sizeof ph);
        if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
            continue;
        loads++;
        for (k = 0; k < plan->count; k++) {
            const struct elf_segment *s = &plan->segments[k];
            if (s->vaddr == ph.p_vaddr && s->offset == ph.p_offset && s->paddr == ph.p_paddr
                && s->filesz == ph.p_filesz && s->memsz == ph.p_memsz && s->align == ph.p_align
                && s->flags == ph.p_flags) {
                matched++;
                break;
            }
        }
    }
    check(loads == plan->count && matched == plan->count,
          "plan segments are the non-empty PT_LOADs of the table");
}

/* Regions: consecutive runs of segments, page-aligned, exactly covering their segments' pages,
 * one attr and one vaddr - paddr delta each, sorted and disjoint. */
static void check_regions(const struct elf_plan *plan)
{
    unsigned r, i, next = 0;
    uint64_t prev_end = 0;

    check(plan->region_count >= 1 && plan->region_count <= plan->count, "region count in range");
    for (r = 0; r < plan->region_count; r++) {
        const struct elf_region *reg = &plan->regions[r];
        const struct elf_segment *first = &plan->segments[reg->first], *last;
        uint64_t end, last_end;

        check(reg->first == next && reg->count >= 1 && reg->count <= plan->count - next,
              "regions take consecutive runs of segments");
        next += reg->count;
        last = &plan->segments[reg->first + reg->count - 1];
        check(is_aligned(reg->vaddr, PAGE_SIZE_4K) && is_aligned(reg->paddr, PAGE_SIZE_4K)
                  && is_aligned(reg->size, PAGE_SIZE_4K) && reg->size > 0,
              "region page-aligned and non-empty");
        check(!__builtin_add_overflow(reg->vaddr, reg->size, &end), "region end no wrap");
        check(r == 0 || reg->vaddr >= prev_end, "regions sorted and disjoint");
        prev_end = end;
        check(reg->vaddr == align_down(first->vaddr, PAGE_SIZE_4K), "region starts at its page");
        check(align_up_checked(last->vaddr + last->memsz, PAGE_SIZE_4K, &last_end)
                  && last_end == end,
              "region ends at the page end of its last segment");
        check(reg->paddr == align_down(first->paddr, PAGE_SIZE_4K), "region paddr from first");
        for (i = reg->first; i < reg->first + reg->count; i++) {
            const struct elf_segment *seg = &plan->segments[i];
            check(seg->attr == reg->attr, "segments of a region share its attr");
            check(seg->vaddr - seg->paddr == first->vaddr - first->paddr,
                  "segments of a region share vaddr - paddr");
            check(seg->vaddr >= reg->vaddr && seg->vaddr + seg->memsz <= end,
                  "region covers its segments");
        }
    }
    check(next == plan->count, "regions cover every segment");
}

/* Every invariant of a successful plan for the file (size bytes, table = its phdrs). */
static void check_plan(const struct elf_plan *plan, const elf64_ehdr_t *eh, const uint8_t *table,
                       uint64_t size, bool allow_wx)
{
    static const struct elf_segment no_segment;
    static const struct elf_region no_region;
    const struct elf_region *last;
    bool entry_ok = false;
    unsigned i;

    check(plan->count >= 1 && plan->count <= ELF_MAX_LOAD_SEGMENTS, "segment count in range");
    check(plan->entry == eh->e_entry && plan->phnum == eh->e_phnum && plan->shnum == eh->e_shnum,
          "entry, phnum and shnum copied from the header");
    for (i = 0; i < plan->count; i++) {
        const struct elf_segment *seg = &plan->segments[i];
        check_segment(seg, size, allow_wx);
        check(i == 0 || plan->segments[i - 1].vaddr + plan->segments[i - 1].memsz <= seg->vaddr,
              "segments sorted by vaddr and non-overlapping");
        if (plan->entry >= seg->vaddr && plan->entry - seg->vaddr < seg->memsz)
            entry_ok = seg->attr == PAGE_EXECUTABLE || seg->attr == PAGE_WRITE_EXECUTE;
    }
    check(entry_ok, "entry inside an executable segment");
    check_segments_match_table(plan, table, eh->e_phnum);
    check_regions(plan);
    last = &plan->regions[plan->region_count - 1];
    check(plan->vaddr_min == plan->regions[0].vaddr && plan->vaddr_end == last->vaddr + last->size,
          "vaddr_min and vaddr_end span the regions");
    for (i = plan->count; i < ELF_MAX_LOAD_SEGMENTS; i++)
        check(segments_equal(&plan->segments[i], &no_segment), "unused segment slots zeroed");
    for (i = plan->region_count; i < ELF_MAX_LOAD_SEGMENTS; i++)
        check(regions_equal(&plan->regions[i], &no_region), "unused region slots zeroed");
}

/* elf_build_plan on the header and table, with and without a diag; checks the diag and, on
 * success, the plan. */
static enum elf_error build(const elf64_ehdr_t *eh, const uint8_t *table, uint64_t size,
                            bool allow_wx, struct elf_plan *plan)
{
    const struct elf_options opts = { .allow_wx = allow_wx };
    struct elf_plan again;
    struct elf_diag diag;
    enum elf_error err;

    memset(plan, POISON, sizeof *plan);
    memset(&diag, POISON, sizeof diag);
    err = elf_build_plan(eh, table, size, &opts, plan, &diag);
    check_diag(err, &diag);
    if (err == ELF_OK)
        check_plan(plan, eh, table, size, allow_wx);
    /* NULL options mean allow_wx = false. */
    check(elf_build_plan(eh, table, size, allow_wx ? &opts : NULL, &again, NULL) == err,
          "a NULL diag changes nothing");
    check(err != ELF_OK || plans_equal(plan, &again), "elf_build_plan is deterministic");
    return err;
}

/* Header and table copied to exactly-sized heap blocks, so ASan sees any read past them. */
static void check_table(const uint8_t *data, size_t size, uint64_t phoff, uint64_t phsize)
{
    elf64_ehdr_t *eh = malloc(EHDR_SIZE);
    uint8_t *table = malloc(phsize);
    struct elf_plan strict, lenient;
    enum elf_error err_strict, err_lenient;

    check(eh != NULL && table != NULL, "malloc");
    memcpy(eh, data, EHDR_SIZE);
    memcpy(table, data + phoff, phsize);
    err_strict = build(eh, table, size, false, &strict);
    err_lenient = build(eh, table, size, true, &lenient);
    /* allow_wx only lifts the W+X rule: any other outcome must not change. */
    if (err_strict != ELF_ERR_WRITABLE_AND_EXECUTABLE)
        check(err_lenient == err_strict, "allow_wx changes only the writable-and-executable rule");
    if (err_strict == ELF_OK)
        check(plans_equal(&strict, &lenient), "allow_wx does not change a W^X plan");
    check(!expect_ok || err_lenient == ELF_OK, "seed gives a plan");
    free(table);
    free(eh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = size < EHDR_SIZE ? size : EHDR_SIZE;
    uint64_t phoff = 0, phsize = 0, phoff2 = 0, phsize2 = 0;
    struct elf_diag diag;
    enum elf_error err;

    memset(&diag, POISON, sizeof diag);
    err = elf_check_header(data, len, size, NULL, &phoff, &phsize, &diag);
    check_diag(err, &diag);
    check(elf_check_header(data, len, size, NULL, &phoff2, &phsize2, NULL) == err,
          "a NULL diag changes nothing");
    if (err != ELF_OK) {
        check(!expect_ok, "seed passes the header checks");
        return 0;
    }
    check(phoff == phoff2 && phsize == phsize2, "header check is deterministic");
    check(phoff <= size && phsize <= size - phoff, "phdr table inside the file");
    check(phsize > 0 && phsize % PHDR_SIZE == 0 && phsize / PHDR_SIZE <= ELF_MAX_PHNUM,
          "phdr table holds 1..ELF_MAX_PHNUM entries");
    check_table(data, size, phoff, phsize);
    return 0;
}
