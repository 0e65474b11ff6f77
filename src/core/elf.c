/* Pure ELF64 validation: checks an untrusted kernel image and builds the loader's segment plan. */
#include "core/bytes.h"
#include "core/elf.h"

#include "core/fmt.h"
#include "core/types.h"
#include "elf_rules.h"

static const char rule_names[ELF_ERR_COUNT][24] = {
    [ELF_OK] = "ok",
    [ELF_ERR_TRUNCATED_HEADER] = "truncated-header",
    [ELF_ERR_BAD_MAGIC] = "bad-magic",
    [ELF_ERR_NOT_64BIT] = "not-64bit",
    [ELF_ERR_NOT_LITTLE_ENDIAN] = "not-little-endian",
    [ELF_ERR_BAD_VERSION] = "bad-version",
    [ELF_ERR_BAD_MACHINE] = "bad-machine",
    [ELF_ERR_NOT_EXECUTABLE] = "not-executable",
    [ELF_ERR_BAD_PHENTSIZE] = "bad-phentsize",
    [ELF_ERR_TOO_MANY_PHDRS] = "too-many-phdrs",
    [ELF_ERR_PHDRS_OUTSIDE_FILE] = "phdrs-outside-file",
    [ELF_ERR_SEGMENT_OUTSIDE_FILE] = "segment-outside-file",
    [ELF_ERR_FILESZ_EXCEEDS_MEMSZ] = "filesz-exceeds-memsz",
    [ELF_ERR_NON_CANONICAL] = "non-canonical",
    [ELF_ERR_SEGMENT_WRAPS] = "segment-wraps",
    [ELF_ERR_BAD_ALIGN] = "bad-align",
    [ELF_ERR_MISALIGNED_SEGMENT] = "misaligned-segment",
    [ELF_ERR_OVERLAPPING_SEGMENTS] = "overlapping-segments",
    [ELF_ERR_ENTRY_NOT_EXECUTABLE] = "entry-not-executable",
    [ELF_ERR_NO_LOAD_SEGMENTS] = "no-load-segments",
    [ELF_ERR_TOO_MANY_SEGMENTS] = "too-many-segments",
    [ELF_ERR_WRITABLE_AND_EXECUTABLE] = "writable-and-executable",
    [ELF_ERR_SHARED_PAGE_PERMISSIONS] = "shared-page-permissions",
    [ELF_ERR_PHYS_WRAPS] = "phys-wraps",
    [ELF_ERR_SHARED_PAGE_PHYS] = "shared-page-phys",
    [ELF_ERR_RESERVED_RANGE] = "in-reserved-range",
    [ELF_ERR_DYN_WITHOUT_DYNAMIC] = "dyn-without-dynamic",
    [ELF_ERR_BAD_DYNAMIC] = "bad-dynamic",
    [ELF_ERR_BELOW_MIN_VADDR] = "below-min-vaddr",
    [ELF_ERR_SLIDE_OUT_OF_RANGE] = "slide-out-of-range",
};

/* What to do about each rule, one clause for the end of the refusal line. */
static const char rule_hints[ELF_ERR_COUNT][56] = {
    [ELF_ERR_TRUNCATED_HEADER] = "the file is cut short: copy the kernel again",
    [ELF_ERR_BAD_MAGIC] = "point kernel= at the ELF file, not an image or archive",
    [ELF_ERR_NOT_64BIT] = "build for x86-64 (ELFCLASS64)",
    [ELF_ERR_NOT_LITTLE_ENDIAN] = "build for x86-64 (little-endian)",
    [ELF_ERR_BAD_VERSION] = "the header is damaged: rebuild the kernel",
    [ELF_ERR_BAD_MACHINE] = "build for x86-64 (EM_X86_64)",
    [ELF_ERR_NOT_EXECUTABLE] = "link an executable (ld, not ld -r or -shared)",
    [ELF_ERR_BAD_PHENTSIZE] = "the header is damaged: rebuild the kernel",
    [ELF_ERR_TOO_MANY_PHDRS] = "merge sections into fewer segments (linker script PHDRS)",
    [ELF_ERR_PHDRS_OUTSIDE_FILE] = "the file is cut short: copy the kernel again",
    [ELF_ERR_SEGMENT_OUTSIDE_FILE] = "the file is cut short: copy the kernel again",
    [ELF_ERR_FILESZ_EXCEEDS_MEMSZ] = "the header is damaged: rebuild the kernel",
    [ELF_ERR_NON_CANONICAL] = "link below 2^47 or at or above 0xffff800000000000",
    [ELF_ERR_SEGMENT_WRAPS] = "link the segment lower",
    [ELF_ERR_BAD_ALIGN] = "give the segment a power-of-two alignment",
    [ELF_ERR_MISALIGNED_SEGMENT] = "link with -z max-page-size=0x1000",
    [ELF_ERR_OVERLAPPING_SEGMENTS] = "fix the linker script's addresses",
    [ELF_ERR_ENTRY_NOT_EXECUTABLE] = "set ENTRY() to a function in an R-X segment",
    [ELF_ERR_NO_LOAD_SEGMENTS] = "link the kernel with its code in a PT_LOAD",
    [ELF_ERR_TOO_MANY_SEGMENTS] = "merge sections into fewer segments (linker script PHDRS)",
    [ELF_ERR_WRITABLE_AND_EXECUTABLE] = "split it (PHDRS in the linker script) or allow_wx=yes",
    [ELF_ERR_SHARED_PAGE_PERMISSIONS] = "align each segment to 4 KiB (ALIGN(4096))",
    [ELF_ERR_PHYS_WRAPS] = "fix the AT() load addresses",
    [ELF_ERR_SHARED_PAGE_PHYS] = "use one AT() offset for segments that share a page",
    [ELF_ERR_RESERVED_RANGE] = "link the kernel elsewhere",
    [ELF_ERR_DYN_WITHOUT_DYNAMIC] = "link with -pie (or as ET_EXEC, -no-pie)",
    [ELF_ERR_BAD_DYNAMIC] = "relink: the dynamic section is damaged",
    [ELF_ERR_BELOW_MIN_VADDR] = "link at or above the address named",
    [ELF_ERR_SLIDE_OUT_OF_RANGE] = "link the kernel lower (it must fit above the floor)",
};

const char *elf_rule_hint(enum elf_error err)
{
    return (unsigned)err < ELF_ERR_COUNT ? rule_hints[err] : "";
}

const char *elf_error_name(enum elf_error err)
{
    if ((unsigned)err >= ELF_ERR_COUNT || rule_names[err][0] == '\0')
        return "unknown";
    return rule_names[err];
}

/* Shared with src/core/elf_dyn.c through elf_rules.h. */
enum elf_error elf_vfail(struct elf_diag *diag, enum elf_error err, const char *details, va_list ap)
{
    char prefix[48];

    if (diag == NULL)
        return err;
    diag->code = err;
    fmt_format(prefix, sizeof prefix, "%s: ", elf_error_name(err));
    fmt_vdiag(diag->message, sizeof diag->message, prefix, details, ap);
    return err;
}


static enum elf_error succeed(struct elf_diag *diag)
{
    if (diag != NULL) {
        diag->code = ELF_OK;
        diag->message[0] = '\0';
    }
    return ELF_OK;
}

/* The input buffers may have any alignment, so headers are copied out byte by byte. */
static void copy_bytes(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    while (n-- > 0)
        *d++ = *s++;
}

enum elf_error elf_refuse_wx(unsigned phdr, uint32_t flags, struct elf_diag *diag)
{
    return fail(diag, ELF_ERR_WRITABLE_AND_EXECUTABLE, "program header %u p_flags 0x%x has PF_W|PF_X", phdr, flags);
}

bool elf_flags_to_attr(uint32_t flags, bool allow_wx, enum page_attr *attr)
{
    bool writable = (flags & ELF_PF_W) != 0;
    bool executable = (flags & ELF_PF_X) != 0;

    if (writable && executable) {
        if (!allow_wx)
            return false;
        *attr = PAGE_WRITE_EXECUTE;
    } else if (executable) {
        *attr = PAGE_EXECUTABLE;
    } else if (writable) {
        *attr = PAGE_READ_WRITE;
    } else {
        *attr = PAGE_READ_ONLY;
    }
    return true;
}

static bool attr_is_executable(enum page_attr attr)
{
    return attr == PAGE_EXECUTABLE || attr == PAGE_WRITE_EXECUTE;
}

/* Identification fields: magic, class, byte order, version. */
static enum elf_error check_ident(const elf64_ehdr_t *eh, struct elf_diag *diag)
{
    const uint8_t *id = eh->e_ident;

    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return fail(diag, ELF_ERR_BAD_MAGIC,
                    "e_ident[0..3] 0x%x 0x%x 0x%x 0x%x, want 0x7f 0x45 0x4c 0x46",
                    id[0], id[1], id[2], id[3]);
    if (id[ELF_IDENT_CLASS] != ELF_CLASS64)
        return fail(diag, ELF_ERR_NOT_64BIT, "EI_CLASS 0x%x, want 0x%x", id[ELF_IDENT_CLASS],
                    ELF_CLASS64);
    if (id[ELF_IDENT_DATA] != ELF_DATA_LSB)
        return fail(diag, ELF_ERR_NOT_LITTLE_ENDIAN, "EI_DATA 0x%x, want 0x%x", id[ELF_IDENT_DATA],
                    ELF_DATA_LSB);
    if (id[ELF_IDENT_VERSION] != ELF_VERSION_CURRENT || eh->e_version != ELF_VERSION_CURRENT)
        return fail(diag, ELF_ERR_BAD_VERSION, "EI_VERSION 0x%x e_version 0x%x, want 0x%x",
                    id[ELF_IDENT_VERSION], eh->e_version, ELF_VERSION_CURRENT);
    return ELF_OK;
}

/* Every header rule for a file of file_size bytes (ET_DYN only with allow_dyn); on success
 * [*phoff, *phoff + *phsize) is the program header table, inside the file and holding
 * 1..ELF_MAX_PHNUM entries. */
static enum elf_error check_ehdr(const elf64_ehdr_t *eh, uint64_t file_size, bool allow_dyn,
                                 uint64_t *phoff, uint64_t *phsize, struct elf_diag *diag)
{
    uint64_t table_size, table_end;
    enum elf_error err;

    if (file_size < sizeof(elf64_ehdr_t))
        return fail(diag, ELF_ERR_TRUNCATED_HEADER, "file size 0x%lx < header size 0x%zx",
                    file_size, sizeof(elf64_ehdr_t));
    err = check_ident(eh, diag);
    if (err != ELF_OK)
        return err;
    if (eh->e_machine != ELF_MACHINE_X86_64)
        return fail(diag, ELF_ERR_BAD_MACHINE, "e_machine 0x%x, want 0x%x", eh->e_machine,
                    ELF_MACHINE_X86_64);
    if (eh->e_type != ELF_TYPE_EXEC && !(allow_dyn && eh->e_type == ELF_TYPE_DYN))
        return fail(diag, ELF_ERR_NOT_EXECUTABLE, "e_type 0x%x, want 0x%x (ET_EXEC)%s", eh->e_type,
                    ELF_TYPE_EXEC, allow_dyn ? " or 0x3 (ET_DYN)" : "");
    if (eh->e_phentsize != sizeof(elf64_phdr_t))
        return fail(diag, ELF_ERR_BAD_PHENTSIZE, "e_phentsize 0x%x, want 0x%zx", eh->e_phentsize,
                    sizeof(elf64_phdr_t));
    if (eh->e_phnum > ELF_MAX_PHNUM)
        return fail(diag, ELF_ERR_TOO_MANY_PHDRS, "e_phnum 0x%x > max 0x%x", eh->e_phnum,
                    ELF_MAX_PHNUM);
    if (eh->e_phnum == 0)
        return fail(diag, ELF_ERR_NO_LOAD_SEGMENTS, "e_phnum 0x0");
    if (__builtin_mul_overflow((uint64_t)eh->e_phnum, (uint64_t)eh->e_phentsize, &table_size) ||
        __builtin_add_overflow(eh->e_phoff, table_size, &table_end) || table_end > file_size)
        return fail(diag, ELF_ERR_PHDRS_OUTSIDE_FILE,
                    "e_phoff 0x%lx + 0x%x * 0x%x overflows or exceeds file size 0x%lx", eh->e_phoff,
                    eh->e_phnum, eh->e_phentsize, file_size);
    *phoff = eh->e_phoff;
    *phsize = table_size;
    return ELF_OK;
}

enum elf_error elf_check_header(const void *data, size_t len, uint64_t file_size,
                                const struct elf_options *opts, uint64_t *phoff, uint64_t *phsize,
                                struct elf_diag *diag)
{
    elf64_ehdr_t eh;
    enum elf_error err;

    if (len < sizeof eh)
        return fail(diag, ELF_ERR_TRUNCATED_HEADER, "have 0x%zx bytes < header size 0x%zx", len,
                    sizeof eh);
    copy_bytes(&eh, data, sizeof eh);
    err = check_ehdr(&eh, file_size, opts != NULL && opts->allow_dyn, phoff, phsize, diag);
    return err != ELF_OK ? err : succeed(diag);
}

/* Placement rules of one PT_LOAD with memsz > 0: no wrap (virtual, page-rounded, physical),
 * wholly inside one canonical half, power-of-two p_align that p_vaddr and p_offset agree on. */
static enum elf_error check_placement(const elf64_phdr_t *ph, unsigned index, struct elf_diag *diag)
{
    uint64_t end, page_end, phys_end, phys_page_end;

    if (!is_canonical(ph->p_vaddr))
        return fail(diag, ELF_ERR_NON_CANONICAL, "program header %u p_vaddr 0x%lx", index, ph->p_vaddr);
    if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) ||
        !align_up_checked(end, PAGE_SIZE_4K, &page_end))
        return fail(diag, ELF_ERR_SEGMENT_WRAPS, "program header %u p_vaddr 0x%lx + p_memsz 0x%lx wraps 2^64",
                    index, ph->p_vaddr, ph->p_memsz);
    /* p_vaddr is canonical and end does not wrap, so the last byte is canonical and the hole is
     * not spanned exactly when bits 63..47 of both agree. */
    if (((ph->p_vaddr ^ (end - 1)) >> 47) != 0)
        return fail(diag, ELF_ERR_NON_CANONICAL,
                    "program header %u last byte 0x%lx (p_vaddr 0x%lx p_memsz 0x%lx) is not in the same "
                    "canonical half", index, end - 1, ph->p_vaddr, ph->p_memsz);
    if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &phys_end) ||
        !align_up_checked(phys_end, PAGE_SIZE_4K, &phys_page_end))
        return fail(diag, ELF_ERR_PHYS_WRAPS, "program header %u p_paddr 0x%lx + p_memsz 0x%lx wraps 2^64",
                    index, ph->p_paddr, ph->p_memsz);
    if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)) != 0)
        return fail(diag, ELF_ERR_BAD_ALIGN, "program header %u p_align 0x%lx is not a power of two", index,
                    ph->p_align);
    if (ph->p_align >= PAGE_SIZE_4K && ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align)
        return fail(diag, ELF_ERR_MISALIGNED_SEGMENT,
                    "program header %u p_vaddr 0x%lx and p_offset 0x%lx differ mod p_align 0x%lx", index,
                    ph->p_vaddr, ph->p_offset, ph->p_align);
    return ELF_OK;
}

/* Validates PT_LOAD number index, which occupies memory (p_memsz > 0), and fills *seg. */
static enum elf_error check_load_segment(const elf64_phdr_t *ph, unsigned index, uint64_t file_size,
                                         bool allow_wx, struct elf_segment *seg,
                                         struct elf_diag *diag)
{
    uint64_t file_end;
    enum page_attr attr;
    enum elf_error err;

    if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &file_end) || file_end > file_size)
        return fail(diag, ELF_ERR_SEGMENT_OUTSIDE_FILE,
                    "program header %u p_offset 0x%lx + p_filesz 0x%lx overflows or exceeds file size 0x%lx",
                    index, ph->p_offset, ph->p_filesz, file_size);
    if (ph->p_filesz > ph->p_memsz)
        return fail(diag, ELF_ERR_FILESZ_EXCEEDS_MEMSZ, "program header %u p_filesz 0x%lx > p_memsz 0x%lx",
                    index, ph->p_filesz, ph->p_memsz);
    err = check_placement(ph, index, diag);
    if (err != ELF_OK)
        return err;
    if (!elf_flags_to_attr(ph->p_flags, allow_wx, &attr))
        return elf_refuse_wx(index, ph->p_flags, diag);
    seg->offset = ph->p_offset;
    seg->vaddr = ph->p_vaddr;
    seg->paddr = ph->p_paddr;
    seg->filesz = ph->p_filesz;
    seg->memsz = ph->p_memsz;
    seg->align = ph->p_align;
    seg->flags = ph->p_flags;
    seg->phdr = index;
    seg->attr = attr;
    return ELF_OK;
}

/* Reads the e_phnum program headers at phdrs and appends every non-empty PT_LOAD to plan. A
 * PT_LOAD with p_memsz 0 loads nothing, so it is skipped unchecked and uncounted whatever its
 * vaddr, offset, filesz or align (the limine-c-template links two at vaddr 0). PT_DYNAMICs are
 * counted in *dyn, which keeps the first (elf_place() judges them). */
static enum elf_error collect_segments(const elf64_ehdr_t *eh, const void *phdrs,
                                       uint64_t file_size, bool allow_wx, struct elf_plan *plan,
                                       struct elf_dynamic_phdrs *dyn, struct elf_diag *diag)
{
    const uint8_t *table = phdrs;
    unsigned i;

    plan->count = 0;
    for (i = 0; i < eh->e_phnum; i++) {
        elf64_phdr_t ph;
        enum elf_error err;

        copy_bytes(&ph, table + (size_t)i * sizeof ph, sizeof ph);
        if (ph.p_type == ELF_PT_DYNAMIC) {
            if (dyn->count == 0) {
                dyn->first = ph;
                dyn->first_index = i;
            } else if (dyn->count == 1) {
                dyn->second_index = i;
            }
            dyn->count++;
        }
        if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
            continue;
        if (plan->count == ELF_MAX_LOAD_SEGMENTS)
            return fail(diag, ELF_ERR_TOO_MANY_SEGMENTS,
                        "program header %u is non-empty PT_LOAD number 0x%x > max 0x%x", i,
                        plan->count + 1, ELF_MAX_LOAD_SEGMENTS);
        err = check_load_segment(&ph, i, file_size, allow_wx, &plan->segments[plan->count], diag);
        if (err != ELF_OK)
            return err;
        plan->count++;
    }
    if (plan->count == 0)
        return fail(diag, ELF_ERR_NO_LOAD_SEGMENTS, "none of 0x%x phdrs is a non-empty PT_LOAD",
                    eh->e_phnum);
    return ELF_OK;
}

static void sort_by_vaddr(struct elf_segment *segs, unsigned count)
{
    unsigned i, j;

    for (i = 1; i < count; i++) {
        struct elf_segment key = segs[i];
        for (j = i; j > 0 && segs[j - 1].vaddr > key.vaddr; j--)
            segs[j] = segs[j - 1];
        segs[j] = key;
    }
}

/* segs is sorted by vaddr, so any overlap shows up between neighbours. */
static enum elf_error check_overlaps(const struct elf_segment *segs, unsigned count,
                                     struct elf_diag *diag)
{
    unsigned i;

    for (i = 1; i < count; i++) {
        const struct elf_segment *prev = &segs[i - 1], *cur = &segs[i];
        if (cur->vaddr < prev->vaddr + prev->memsz)
            return fail(diag, ELF_ERR_OVERLAPPING_SEGMENTS,
                        "[0x%lx, 0x%lx) overlaps [0x%lx, 0x%lx)", prev->vaddr,
                        prev->vaddr + prev->memsz, cur->vaddr, cur->vaddr + cur->memsz);
    }
    return ELF_OK;
}

/* End of seg's last page; check_placement() proved this does not wrap. */
static uint64_t page_end_of(const struct elf_segment *seg)
{
    return align_down(seg->vaddr + seg->memsz + (PAGE_SIZE_4K - 1), PAGE_SIZE_4K);
}

/* Groups the sorted, non-overlapping segments into regions: a segment that shares a page with
 * the current region joins it, provided it agrees on permissions and on vaddr - paddr. */
static enum elf_error build_regions(struct elf_plan *plan, struct elf_diag *diag)
{
    struct elf_region *region = NULL;
    unsigned i;

    plan->region_count = 0;
    for (i = 0; i < plan->count; i++) {
        const struct elf_segment *seg = &plan->segments[i];
        uint64_t page_start = align_down(seg->vaddr, PAGE_SIZE_4K);
        uint64_t page_end = page_end_of(seg);

        if (region != NULL && page_start < region->vaddr + region->size) {
            const struct elf_segment *first = &plan->segments[region->first];
            if (seg->attr != region->attr)
                return fail(diag, ELF_ERR_SHARED_PAGE_PERMISSIONS,
                            "segments at 0x%lx and 0x%lx share page 0x%lx with attrs %u and %u",
                            plan->segments[i - 1].vaddr, seg->vaddr, page_start,
                            (unsigned)region->attr, (unsigned)seg->attr);
            if (seg->vaddr - seg->paddr != first->vaddr - first->paddr)
                return fail(diag, ELF_ERR_SHARED_PAGE_PHYS,
                            "segments at 0x%lx and 0x%lx share page 0x%lx, "
                            "vaddr - paddr 0x%lx vs 0x%lx",
                            first->vaddr, seg->vaddr, page_start, first->vaddr - first->paddr,
                            seg->vaddr - seg->paddr);
            region->size = page_end - region->vaddr;
            region->count++;
            continue;
        }
        region = &plan->regions[plan->region_count++];
        region->vaddr = page_start;
        region->paddr = align_down(seg->paddr, PAGE_SIZE_4K);
        region->size = page_end - page_start;
        region->attr = seg->attr;
        region->first = i;
        region->count = 1;
    }
    /* p_paddr rounded down plus the virtual page span can pass 2^64 when p_vaddr and p_paddr sit at
     * different offsets in their pages, even though each segment's own range does not wrap */
    for (i = 0; i < plan->region_count; i++)
        if (plan->regions[i].paddr > UINT64_MAX - plan->regions[i].size)
            return fail(diag, ELF_ERR_PHYS_WRAPS, "region at 0x%lx: paddr 0x%lx + size 0x%lx wraps 2^64",
                        plan->regions[i].vaddr, plan->regions[i].paddr, plan->regions[i].size);
    return ELF_OK;
}

static enum elf_error check_entry(const struct elf_plan *plan, struct elf_diag *diag)
{
    unsigned i;

    for (i = 0; i < plan->count; i++) {
        const struct elf_segment *seg = &plan->segments[i];
        if (plan->entry >= seg->vaddr && plan->entry - seg->vaddr < seg->memsz) {
            if (attr_is_executable(seg->attr))
                return ELF_OK;
            return fail(diag, ELF_ERR_ENTRY_NOT_EXECUTABLE,
                        "e_entry 0x%lx is in segment at 0x%lx with p_flags 0x%x", plan->entry,
                        seg->vaddr, seg->flags);
        }
    }
    return fail(diag, ELF_ERR_ENTRY_NOT_EXECUTABLE, "e_entry 0x%lx is outside every segment",
                plan->entry);
}

/* No region may overlap the range the loader keeps for itself (opts->reserved_*, e.g. the direct
 * map): mapping the kernel there would fail late or shadow the loader's own mapping. */
static enum elf_error check_reserved(const struct elf_plan *plan, const struct elf_options *opts,
                                     struct elf_diag *diag)
{
    if (opts == NULL || opts->reserved_size == 0)
        return ELF_OK;
    uint64_t lo = opts->reserved_base, last = opts->reserved_base + (opts->reserved_size - 1);
    for (unsigned i = 0; i < plan->region_count; i++) {
        const struct elf_region *r = &plan->regions[i];
        if (r->vaddr <= last && r->vaddr + (r->size - 1) >= lo)
            return fail(diag, ELF_ERR_RESERVED_RANGE,
                        "segment at p_vaddr 0x%lx (region [0x%lx, 0x%lx)) overlaps %s [0x%lx, 0x%lx]: link "
                        "the kernel elsewhere", plan->segments[r->first].vaddr, r->vaddr, r->vaddr + r->size,
                        opts->reserved_name != NULL ? opts->reserved_name : "the reserved range", lo, last);
    }
    return ELF_OK;
}

enum elf_error elf_build_plan(const elf64_ehdr_t *ehdr, const void *phdrs, uint64_t file_size,
                              const struct elf_options *opts, struct elf_plan *plan,
                              struct elf_diag *diag)
{
    struct elf_plan work = { 0 }; /* unused slots stay zero in the caller's copy */
    struct elf_dynamic_phdrs dyn = { 0 };
    elf64_ehdr_t eh;
    uint64_t phoff, phsize;
    const struct elf_region *last;
    enum elf_error err;

    copy_bytes(&eh, ehdr, sizeof eh);
    err = check_ehdr(&eh, file_size, opts != NULL && opts->allow_dyn, &phoff, &phsize, diag);
    if (err == ELF_OK)
        err = collect_segments(&eh, phdrs, file_size, opts != NULL && opts->allow_wx, &work, &dyn,
                               diag);
    if (err != ELF_OK)
        return err;
    sort_by_vaddr(work.segments, work.count);
    err = check_overlaps(work.segments, work.count, diag);
    if (err == ELF_OK)
        err = build_regions(&work, diag);
    if (err != ELF_OK)
        return err;
    last = &work.regions[work.region_count - 1];
    work.vaddr_min = work.regions[0].vaddr;
    work.vaddr_end = last->vaddr + last->size;
    /* from here on every address is final: the reserved range and the entry see the slid image */
    err = elf_place(&work, &eh, &dyn, opts, diag);
    if (err == ELF_OK)
        err = check_reserved(&work, opts, diag);
    work.entry = eh.e_entry + work.slide; /* mod 2^64: inside a segment before iff after */
    if (err == ELF_OK)
        err = check_entry(&work, diag);
    if (err != ELF_OK)
        return err;
    work.phnum = eh.e_phnum;
    work.shnum = eh.e_shnum;
    *plan = work;
    return succeed(diag);
}
