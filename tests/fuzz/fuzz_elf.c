/* libFuzzer harness: any input as a whole kernel file through elf_check_header + elf_build_plan,
 * under ember's options and Limine's (allow_dyn, min_vaddr: ET_DYN slid up to the floor). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/elf.h"

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
        || a->vaddr_min != b->vaddr_min || a->vaddr_end != b->vaddr_end || a->slide != b->slide
        || a->is_dyn != b->is_dyn || a->dynamic_vaddr != b->dynamic_vaddr
        || a->dynamic_size != b->dynamic_size)
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
    check(is_canonical(seg->vaddr) && is_canonical(end - 1)
              && ((seg->vaddr ^ (end - 1)) >> 47) == 0,
          "segment lies in one canonical half");
    check(!__builtin_add_overflow(seg->paddr, seg->memsz, &phys_end), "segment paddr no wrap");
    check(elf_flags_to_attr(seg->flags, allow_wx, &attr) && attr == seg->attr,
          "segment attr comes from its flags");
    check(allow_wx || seg->attr != PAGE_WRITE_EXECUTE, "no W+X segment without allow_wx");
}

/* The plan's segments are exactly the non-empty PT_LOADs of the table, slid, sorted by vaddr. */
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
            if (s->vaddr == ph.p_vaddr + plan->slide && s->offset == ph.p_offset
                && s->paddr == ph.p_paddr
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

/* The slide rules: 0 for ET_EXEC and when nothing is below min_vaddr, else the smallest multiple
 * of max(2 MiB, largest p_align) lifting the image to min_vaddr; every page at or above it and
 * each segment's vaddr == offset (mod p_align) kept; PT_DYNAMIC recorded at its slid address. */
static void check_slide(const struct elf_plan *plan, const elf64_ehdr_t *eh, const uint8_t *table,
                        const struct elf_options *opts)
{
    uint64_t granule = ELF_SLIDE_GRANULE, dynamic = 0, dynamic_size = 0;
    unsigned i, dynamics = 0;

    for (i = 0; i < plan->count; i++) {
        const struct elf_segment *seg = &plan->segments[i];
        if (seg->align > granule)
            granule = seg->align;
        check(seg->align < PAGE_SIZE_4K || seg->vaddr % seg->align == seg->offset % seg->align,
              "a slid segment keeps vaddr == offset (mod p_align)");
        check(seg->vaddr >= opts->min_vaddr, "every segment at or above min_vaddr");
    }
    for (i = 0; i < plan->region_count; i++)
        check(plan->regions[i].vaddr >= opts->min_vaddr, "every region at or above min_vaddr");
    check(plan->is_dyn == (eh->e_type == ELF_TYPE_DYN) && (opts->allow_dyn || !plan->is_dyn),
          "is_dyn exactly for ET_DYN, and only with allow_dyn");
    check(plan->is_dyn || (plan->slide == 0 && plan->dynamic_vaddr == 0 && plan->dynamic_size == 0),
          "an ET_EXEC plan is never slid and has no dynamic array");
    check(plan->slide % granule == 0, "the slide is a multiple of max(2 MiB, largest p_align)");
    check(plan->slide == 0 || plan->vaddr_min - granule < opts->min_vaddr,
          "the slide is the smallest that reaches min_vaddr");
    check(opts->min_vaddr != 0 || plan->slide == 0, "no floor, no slide");
    if (!plan->is_dyn)
        return;
    for (i = 0; i < eh->e_phnum; i++) {
        elf64_phdr_t ph;
        memcpy(&ph, table + (size_t)i * PHDR_SIZE, sizeof ph);
        if (ph.p_type == ELF_PT_DYNAMIC) {
            dynamics++;
            dynamic = ph.p_vaddr;
            dynamic_size = ph.p_memsz;
        }
    }
    check(dynamics == 1 && plan->dynamic_vaddr == dynamic + plan->slide
              && plan->dynamic_size == dynamic_size && dynamic_size >= ELF_DYN_ENTRY_SIZE,
          "the one PT_DYNAMIC is recorded at its slid address");
    for (i = 0; i < plan->count; i++) {
        const struct elf_segment *seg = &plan->segments[i];
        if (plan->dynamic_vaddr >= seg->vaddr && plan->dynamic_vaddr - seg->vaddr <= seg->filesz
            && dynamic_size <= seg->filesz - (plan->dynamic_vaddr - seg->vaddr))
            return;
    }
    check(false, "PT_DYNAMIC lies in one segment's file bytes");
}

/* Every invariant of a successful plan for the file (size bytes, table = its phdrs). */
static void check_plan(const struct elf_plan *plan, const elf64_ehdr_t *eh, const uint8_t *table,
                       uint64_t size, const struct elf_options *opts)
{
    bool allow_wx = opts->allow_wx;
    static const struct elf_segment no_segment;
    static const struct elf_region no_region;
    const struct elf_region *last;
    bool entry_ok = false;
    unsigned i;

    check(plan->count >= 1 && plan->count <= ELF_MAX_LOAD_SEGMENTS, "segment count in range");
    check(plan->entry == eh->e_entry + plan->slide && plan->phnum == eh->e_phnum
              && plan->shnum == eh->e_shnum,
          "entry (slid), phnum and shnum copied from the header");
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
    check_slide(plan, eh, table, opts);
    last = &plan->regions[plan->region_count - 1];
    check(plan->vaddr_min == plan->regions[0].vaddr && plan->vaddr_end == last->vaddr + last->size,
          "vaddr_min and vaddr_end span the regions");
    for (i = plan->count; i < ELF_MAX_LOAD_SEGMENTS; i++)
        check(segments_equal(&plan->segments[i], &no_segment), "unused segment slots zeroed");
    for (i = plan->region_count; i < ELF_MAX_LOAD_SEGMENTS; i++)
        check(regions_equal(&plan->regions[i], &no_region), "unused region slots zeroed");
}

/* elf_build_plan on the header and table under opts, with and without a diag; checks the diag
 * and, on success, the plan. */
static enum elf_error build(const elf64_ehdr_t *eh, const uint8_t *table, uint64_t size,
                            const struct elf_options *opts, struct elf_plan *plan)
{
    static const struct elf_options defaults;
    struct elf_plan again;
    struct elf_diag diag;
    enum elf_error err;
    bool is_default = memcmp(opts, &defaults, sizeof defaults) == 0;

    memset(plan, POISON, sizeof *plan);
    memset(&diag, POISON, sizeof diag);
    err = elf_build_plan(eh, table, size, opts, plan, &diag);
    check_diag(err, &diag);
    if (err == ELF_OK)
        check_plan(plan, eh, table, size, opts);
    /* NULL options mean the zero defaults. */
    check(elf_build_plan(eh, table, size, is_default ? NULL : opts, &again, NULL) == err,
          "a NULL diag changes nothing");
    check(err != ELF_OK || plans_equal(plan, &again), "elf_build_plan is deterministic");
    return err;
}

/* min_vaddr on an ET_EXEC adds exactly the below-min-vaddr rule, checked before the entry. */
static void check_exec_floor(enum elf_error plain, const struct elf_plan *plain_plan,
                             enum elf_error floored, const struct elf_plan *floored_plan)
{
    if (plain == ELF_OK && plain_plan->vaddr_min >= ELF_LIMINE_MIN_VADDR)
        check(floored == ELF_OK && plans_equal(plain_plan, floored_plan),
              "an ET_EXEC above the floor plans as without it");
    else if (plain == ELF_OK)
        check(floored == ELF_ERR_BELOW_MIN_VADDR, "an ET_EXEC below the floor is below-min-vaddr");
    else
        check(floored == plain
                  || (floored == ELF_ERR_BELOW_MIN_VADDR && plain == ELF_ERR_ENTRY_NOT_EXECUTABLE),
              "the floor changes nothing else for an ET_EXEC");
}

/* The floor on an ET_DYN only slides it: same outcome unless the slide does not fit (checked
 * before the entry), and the slid plan is the unslid one moved by slide. */
static void check_dyn_floor(enum elf_error plain, const struct elf_plan *plain_plan,
                            enum elf_error floored, const struct elf_plan *floored_plan)
{
    check(floored == plain
              || (floored == ELF_ERR_SLIDE_OUT_OF_RANGE
                  && (plain == ELF_OK || plain == ELF_ERR_ENTRY_NOT_EXECUTABLE)),
          "the floor changes an ET_DYN's outcome only by slide-out-of-range");
    if (plain != ELF_OK || floored != ELF_OK)
        return;
    check(plain_plan->slide == 0 && floored_plan->count == plain_plan->count
              && floored_plan->region_count == plain_plan->region_count
              && floored_plan->entry == plain_plan->entry + floored_plan->slide
              && floored_plan->vaddr_min == plain_plan->vaddr_min + floored_plan->slide
              && floored_plan->dynamic_vaddr == plain_plan->dynamic_vaddr + floored_plan->slide,
          "the slid plan is the unslid one moved by slide");
    for (unsigned i = 0; i < plain_plan->count; i++)
        check(floored_plan->segments[i].vaddr == plain_plan->segments[i].vaddr + floored_plan->slide
                  && floored_plan->segments[i].offset == plain_plan->segments[i].offset
                  && floored_plan->segments[i].paddr == plain_plan->segments[i].paddr,
              "sliding moves each vaddr, never an offset or paddr");
}

/* Header and table copied to exactly-sized heap blocks, so ASan sees any read past them. */
static void check_table(const uint8_t *data, size_t size, uint64_t phoff, uint64_t phsize)
{
    const struct elf_options strict_opts = { 0 }, lenient_opts = { .allow_wx = true };
    const struct elf_options exec_floor = { .min_vaddr = ELF_LIMINE_MIN_VADDR };
    const struct elf_options dyn_opts = { .allow_wx = true, .allow_dyn = true };
    const struct elf_options limine = { .allow_wx = true, .allow_dyn = true,
                                        .min_vaddr = ELF_LIMINE_MIN_VADDR };
    elf64_ehdr_t *eh = malloc(EHDR_SIZE);
    uint8_t *table = malloc(phsize);
    struct elf_plan *plans = malloc(5 * sizeof *plans);
    enum elf_error strict, lenient, floored, dyn, slid;

    check(eh != NULL && table != NULL && plans != NULL, "malloc");
    memcpy(eh, data, EHDR_SIZE);
    memcpy(table, data + phoff, phsize);
    strict = build(eh, table, size, &strict_opts, &plans[0]);
    lenient = build(eh, table, size, &lenient_opts, &plans[1]);
    floored = build(eh, table, size, &exec_floor, &plans[2]);
    dyn = build(eh, table, size, &dyn_opts, &plans[3]);
    slid = build(eh, table, size, &limine, &plans[4]);
    /* allow_wx only lifts the W+X rule: any other outcome must not change. */
    if (strict != ELF_ERR_WRITABLE_AND_EXECUTABLE)
        check(lenient == strict, "allow_wx changes only the writable-and-executable rule");
    if (strict == ELF_OK)
        check(plans_equal(&plans[0], &plans[1]), "allow_wx does not change a W^X plan");
    if (eh->e_type == ELF_TYPE_DYN) {
        check(strict == ELF_ERR_NOT_EXECUTABLE && floored == ELF_ERR_NOT_EXECUTABLE,
              "ET_DYN is not-executable without allow_dyn");
        check_dyn_floor(dyn, &plans[3], slid, &plans[4]);
    } else {
        check(dyn == lenient && (dyn != ELF_OK || plans_equal(&plans[1], &plans[3])),
              "allow_dyn does not change an ET_EXEC");
        check_exec_floor(strict, &plans[0], floored, &plans[2]);
    }
    check(!expect_ok || dyn == ELF_OK, "seed gives a plan");
    free(plans);
    free(table);
    free(eh);
}

/* The header rules elf_check_header applies before e_type. */
static bool fails_before_type(enum elf_error err)
{
    return err == ELF_ERR_TRUNCATED_HEADER || err == ELF_ERR_BAD_MAGIC || err == ELF_ERR_NOT_64BIT
           || err == ELF_ERR_NOT_LITTLE_ENDIAN || err == ELF_ERR_BAD_VERSION
           || err == ELF_ERR_BAD_MACHINE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = size < EHDR_SIZE ? size : EHDR_SIZE;
    const struct elf_options dyn_opts = { .allow_dyn = true };
    uint64_t phoff = 0, phsize = 0, phoff2 = 0, phsize2 = 0;
    struct elf_diag diag;
    enum elf_error err, plain;
    bool is_dyn;

    memset(&diag, POISON, sizeof diag);
    err = elf_check_header(data, len, size, &dyn_opts, &phoff, &phsize, &diag);
    check_diag(err, &diag);
    check(elf_check_header(data, len, size, &dyn_opts, &phoff2, &phsize2, NULL) == err,
          "a NULL diag changes nothing");
    /* without allow_dyn an ET_DYN stops at the e_type rule, unless an earlier rule stopped it */
    plain = elf_check_header(data, len, size, NULL, &phoff2, &phsize2, NULL);
    is_dyn = size >= EHDR_SIZE && data[16] == ELF_TYPE_DYN && data[17] == 0;
    check(plain == (is_dyn && !fails_before_type(err) ? ELF_ERR_NOT_EXECUTABLE : err),
          "allow_dyn changes the header check only for ET_DYN");
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
