/* Pure x86-64 dynamic relocation of a loaded ET_DYN image, every access through the caller's map. */
#include "core/reloc.h"
#include "core/bytes.h"

#include <stdarg.h>

#include "core/fmt.h"
#include "core/types.h"

#define DYN_SIZE sizeof(elf64_dyn_t)
#define RELA_SIZE sizeof(elf64_rela_t)
#define SYM_SIZE sizeof(elf64_sym_t)
#define WORD_SIZE 8u
#define TRACKED_TAGS 38     /* tags 0..ELF_DT_RELRENT are recorded, by number */
#define NAME_SHOWN 40       /* bytes of a symbol's name quoted in an error line */
#define R_TYPE_MASK 0xffffffffu
#define R_SYM_SHIFT 32
#define ST_BIND_SHIFT 4
#define ST_TYPE_MASK 0xfu

_Static_assert(sizeof(elf64_dyn_t) == 16 && sizeof(elf64_rela_t) == 24 && sizeof(elf64_sym_t) == 24,
               "ELF64 entry sizes (gABI)");

static const char rule_names[RELOC_ERR_COUNT][22] = {
    [RELOC_OK] = "ok",
    [RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE] = "dynamic-outside-image",
    [RELOC_ERR_UNTERMINATED_DYNAMIC] = "unterminated-dynamic",
    [RELOC_ERR_DUPLICATE_TAG] = "duplicate-tag",
    [RELOC_ERR_REL_NOT_SUPPORTED] = "rel-not-supported",
    [RELOC_ERR_BAD_PLTREL] = "bad-pltrel",
    [RELOC_ERR_BAD_ENTSIZE] = "bad-entsize",
    [RELOC_ERR_BAD_TABLE_SIZE] = "bad-table-size",
    [RELOC_ERR_TABLE_OUTSIDE_IMAGE] = "table-outside-image",
    [RELOC_ERR_UNSUPPORTED_TYPE] = "unsupported-type",
    [RELOC_ERR_NO_SYMTAB] = "no-symtab",
    [RELOC_ERR_UNDEFINED_SYMBOL] = "undefined-symbol",
    [RELOC_ERR_TARGET_OUTSIDE_IMAGE] = "target-outside-image",
    [RELOC_ERR_RELR_BITMAP_FIRST] = "relr-bitmap-first",
    [RELOC_ERR_IFUNC_SYMBOL] = "ifunc-symbol",
};

/* What to do about each failure, one clause for the refusal line: a relocation table written by
 * the standard toolchain never fails these, so most say how to link. */
static const char rule_hints[RELOC_ERR_COUNT][48] = {
    [RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE] = "keep .dynamic in a PT_LOAD segment",
    [RELOC_ERR_UNTERMINATED_DYNAMIC] = "relink with GNU ld or lld",
    [RELOC_ERR_DUPLICATE_TAG] = "relink with GNU ld or lld",
    [RELOC_ERR_REL_NOT_SUPPORTED] = "link for x86-64, which uses RELA",
    [RELOC_ERR_BAD_PLTREL] = "link for x86-64, which uses RELA",
    [RELOC_ERR_BAD_ENTSIZE] = "relink with GNU ld or lld",
    [RELOC_ERR_BAD_TABLE_SIZE] = "relink with GNU ld or lld",
    [RELOC_ERR_TABLE_OUTSIDE_IMAGE] = "keep the relocation tables in PT_LOADs",
    [RELOC_ERR_UNSUPPORTED_TYPE] = "link with -pie --no-dynamic-linker -z text",
    [RELOC_ERR_NO_SYMTAB] = "relink with GNU ld or lld",
    [RELOC_ERR_UNDEFINED_SYMBOL] = "define it in the kernel, or drop its use",
    [RELOC_ERR_TARGET_OUTSIDE_IMAGE] = "relink with GNU ld or lld",
    [RELOC_ERR_RELR_BITMAP_FIRST] = "relink with GNU ld or lld",
    [RELOC_ERR_IFUNC_SYMBOL] = "build the kernel without ifunc symbols",
};

const char *reloc_error_hint(enum reloc_error err)
{
    return (unsigned)err < RELOC_ERR_COUNT ? rule_hints[err] : "";
}

/* The x86-64 psABI's names, so an unsupported relocation is reported the way readelf shows it. */
static const char type_names[][25] = {
    "R_X86_64_NONE", "R_X86_64_64", "R_X86_64_PC32", "R_X86_64_GOT32", "R_X86_64_PLT32",
    "R_X86_64_COPY", "R_X86_64_GLOB_DAT", "R_X86_64_JUMP_SLOT", "R_X86_64_RELATIVE",
    "R_X86_64_GOTPCREL", "R_X86_64_32", "R_X86_64_32S", "R_X86_64_16", "R_X86_64_PC16",
    "R_X86_64_8", "R_X86_64_PC8", "R_X86_64_DTPMOD64", "R_X86_64_DTPOFF64", "R_X86_64_TPOFF64",
    "R_X86_64_TLSGD", "R_X86_64_TLSLD", "R_X86_64_DTPOFF32", "R_X86_64_GOTTPOFF",
    "R_X86_64_TPOFF32", "R_X86_64_PC64", "R_X86_64_GOTOFF64", "R_X86_64_GOTPC32",
    "R_X86_64_GOT64", "R_X86_64_GOTPCREL64", "R_X86_64_GOTPC64", "R_X86_64_GOTPLT64",
    "R_X86_64_PLTOFF64", "R_X86_64_SIZE32", "R_X86_64_SIZE64", "R_X86_64_GOTPC32_TLSDESC",
    "R_X86_64_TLSDESC_CALL", "R_X86_64_TLSDESC", "R_X86_64_IRELATIVE", "R_X86_64_RELATIVE64",
    "", "", "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX",
};

/* The tags read_dynamic() records (and refuses twice); any other tag is skipped. */
#define TAG_BIT(tag) (1ULL << (tag))
static const uint64_t tracked_tags =
    TAG_BIT(ELF_DT_PLTRELSZ) | TAG_BIT(ELF_DT_STRTAB) | TAG_BIT(ELF_DT_SYMTAB) |
    TAG_BIT(ELF_DT_RELA) | TAG_BIT(ELF_DT_RELASZ) | TAG_BIT(ELF_DT_RELAENT) |
    TAG_BIT(ELF_DT_STRSZ) | TAG_BIT(ELF_DT_SYMENT) | TAG_BIT(ELF_DT_REL) | TAG_BIT(ELF_DT_RELSZ) |
    TAG_BIT(ELF_DT_RELENT) | TAG_BIT(ELF_DT_PLTREL) | TAG_BIT(ELF_DT_JMPREL) |
    TAG_BIT(ELF_DT_RELRSZ) | TAG_BIT(ELF_DT_RELR) | TAG_BIT(ELF_DT_RELRENT);

/* The recorded part of the dynamic array: val[tag] is meaningful when bit tag of seen is set. */
struct dynamic {
    uint64_t seen;
    uint64_t val[TRACKED_TAGS];
};

/* One reloc_apply call's state. */
struct run {
    const struct reloc_image *img;
    struct dynamic dyn;
    struct reloc_stats stats;
    struct reloc_diag *diag;
};

const char *reloc_error_name(enum reloc_error err)
{
    if ((unsigned)err >= RELOC_ERR_COUNT || rule_names[err][0] == '\0')
        return "unknown";
    return rule_names[err];
}

const char *reloc_type_name(uint32_t type)
{
    if (type >= ARRAY_LEN(type_names) || type_names[type][0] == '\0')
        return "R_X86_64_?";
    return type_names[type];
}

/* Records err in run->diag (when non-NULL) as "<rule-name>: <details>" and returns it. */
__attribute__((format(printf, 3, 4)))
static enum reloc_error fail(struct run *run, enum reloc_error err, const char *details, ...)
{
    struct reloc_diag *diag = run->diag;
    char prefix[48];
    va_list ap;

    if (diag == NULL)
        return err;
    diag->code = err;
    fmt_format(prefix, sizeof prefix, "%s: ", reloc_error_name(err));
    va_start(ap, details);
    fmt_vdiag(diag->message, sizeof diag->message, prefix, details, ap);
    va_end(ap);
    return err;
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    while (n-- > 0)
        *d++ = *s++;
}

/* The loaded bytes of [vaddr, vaddr + len), or NULL when the range is empty, wraps 2^64 or is not
 * inside one loaded segment: the map never sees a range it could misjudge by overflow. */
static uint8_t *map_range(const struct run *run, uint64_t vaddr, uint64_t len)
{
    uint64_t end;

    if (len == 0 || __builtin_add_overflow(vaddr, len, &end))
        return NULL;
    return run->img->map(run->img->ctx, vaddr, len);
}

static bool has_tag(const struct dynamic *dyn, unsigned tag)
{
    return (dyn->seen & TAG_BIT(tag)) != 0;
}

/* The value of tag as text for an error line: "0x..." in buf (cap bytes), or "missing". */
static const char *tag_text(const struct dynamic *dyn, unsigned tag, char *buf, size_t cap)
{
    if (!has_tag(dyn, tag))
        return "missing";
    fmt_format(buf, cap, "0x%lx", dyn->val[tag]);
    return buf;
}

/* Records the tracked tags of the dynamic array at [vaddr, vaddr + size) up to its DT_NULL.
 * Entries past the last whole one in size are never read. */
static enum reloc_error read_dynamic(struct run *run, uint64_t vaddr, uint64_t size)
{
    uint64_t count = size / DYN_SIZE;
    const uint8_t *bytes;

    if (count == 0)
        return fail(run, RELOC_ERR_UNTERMINATED_DYNAMIC,
                    "dynamic array at 0x%lx: 0x%lx bytes hold no entry", vaddr, size);
    bytes = map_range(run, vaddr, count * DYN_SIZE);
    if (bytes == NULL)
        return fail(run, RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE,
                    "dynamic array [0x%lx, +0x%lx) is not inside one loaded segment", vaddr,
                    count * DYN_SIZE);
    for (uint64_t i = 0; i < count; i++) {
        elf64_dyn_t d;
        copy_bytes(&d, bytes + i * DYN_SIZE, sizeof d);
        if (d.d_tag == ELF_DT_NULL)
            return RELOC_OK;
        if (d.d_tag < 0 || d.d_tag >= TRACKED_TAGS || (tracked_tags & TAG_BIT(d.d_tag)) == 0)
            continue;
        if (has_tag(&run->dyn, (unsigned)d.d_tag))
            return fail(run, RELOC_ERR_DUPLICATE_TAG, "dynamic entry %lu repeats tag %ld", i,
                        d.d_tag);
        run->dyn.seen |= TAG_BIT(d.d_tag);
        run->dyn.val[d.d_tag] = d.d_val;
    }
    return fail(run, RELOC_ERR_UNTERMINATED_DYNAMIC,
                "dynamic array at 0x%lx: no DT_NULL in its 0x%lx entries", vaddr, count);
}

/* Entry sizes and the table kinds ember refuses: no DT_REL*, DT_PLTREL == DT_RELA when there is a
 * PLT table (or the tag at all), DT_RELAENT/DT_SYMENT 24 and DT_RELRENT 8 where they matter. */
static enum reloc_error check_dynamic(struct run *run)
{
    const struct dynamic *d = &run->dyn;
    char text[24];

    if (has_tag(d, ELF_DT_REL) || has_tag(d, ELF_DT_RELSZ) || has_tag(d, ELF_DT_RELENT))
        return fail(run, RELOC_ERR_REL_NOT_SUPPORTED,
                    "DT_REL relocations (no addends) are not x86-64's form: link with RELA");
    if ((has_tag(d, ELF_DT_JMPREL) || has_tag(d, ELF_DT_PLTREL))
        && d->val[ELF_DT_PLTREL] != ELF_DT_RELA)
        return fail(run, RELOC_ERR_BAD_PLTREL, "DT_PLTREL %s, want 0x%x (DT_RELA)",
                    tag_text(d, ELF_DT_PLTREL, text, sizeof text), ELF_DT_RELA);
    if (has_tag(d, ELF_DT_RELA) && d->val[ELF_DT_RELAENT] != RELA_SIZE)
        return fail(run, RELOC_ERR_BAD_ENTSIZE, "DT_RELAENT %s, want 0x%zx",
                    tag_text(d, ELF_DT_RELAENT, text, sizeof text), RELA_SIZE);
    if ((has_tag(d, ELF_DT_SYMTAB) || has_tag(d, ELF_DT_SYMENT)) && d->val[ELF_DT_SYMENT] != SYM_SIZE)
        return fail(run, RELOC_ERR_BAD_ENTSIZE, "DT_SYMENT %s, want 0x%zx",
                    tag_text(d, ELF_DT_SYMENT, text, sizeof text), SYM_SIZE);
    if (has_tag(d, ELF_DT_RELR) && d->val[ELF_DT_RELRENT] != ELF_RELR_ENTRY_SIZE)
        return fail(run, RELOC_ERR_BAD_ENTSIZE, "DT_RELRENT %s, want 0x%x",
                    tag_text(d, ELF_DT_RELRENT, text, sizeof text), ELF_RELR_ENTRY_SIZE);
    return RELOC_OK;
}

/* Maps the table named by addr_tag/size_tag (entries of entsize bytes) into *table and *count.
 * No address and no (or a zero) size: an empty table. An address without a size, a size without an
 * address, or a size that is not whole entries is refused; so is a table outside the image. */
static enum reloc_error map_table(struct run *run, unsigned addr_tag, unsigned size_tag,
                                  uint64_t entsize, const char *what, const uint8_t **table,
                                  uint64_t *count)
{
    const struct dynamic *d = &run->dyn;
    uint64_t addr = d->val[addr_tag], size = d->val[size_tag];
    char addr_text[24], size_text[24];

    *table = NULL;
    *count = 0;
    if (!has_tag(d, addr_tag) && (!has_tag(d, size_tag) || size == 0))
        return RELOC_OK;
    if (!has_tag(d, addr_tag) || !has_tag(d, size_tag) || size % entsize != 0)
        return fail(run, RELOC_ERR_BAD_TABLE_SIZE,
                    "%s table: address %s, size %s (entries of 0x%lx bytes)", what,
                    tag_text(d, addr_tag, addr_text, sizeof addr_text),
                    tag_text(d, size_tag, size_text, sizeof size_text), entsize);
    if (size == 0)
        return RELOC_OK;
    *table = map_range(run, addr, size);
    if (*table == NULL)
        return fail(run, RELOC_ERR_TABLE_OUTSIDE_IMAGE,
                    "%s table [0x%lx, +0x%lx) is not inside one loaded segment", what, addr, size);
    *count = size / entsize;
    return RELOC_OK;
}

/* Copies up to cap - 1 bytes of string-table entry st_name into out, NUL-terminated, '?' for
 * anything unprintable; stops at the NUL, DT_STRSZ or the first byte the map refuses. */
static void symbol_name(const struct run *run, uint32_t st_name, char *out, size_t cap)
{
    const struct dynamic *d = &run->dyn;
    size_t n = 0;

    for (; has_tag(d, ELF_DT_STRTAB) && n + 1 < cap; n++) {
        uint64_t index = (uint64_t)st_name + n, addr;
        const uint8_t *p;
        if ((has_tag(d, ELF_DT_STRSZ) && index >= d->val[ELF_DT_STRSZ])
            || __builtin_add_overflow(d->val[ELF_DT_STRTAB], index, &addr))
            break;
        p = map_range(run, addr, 1);
        if (p == NULL || *p == '\0')
            break;
        out[n] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
    }
    out[n] = '\0';
}

/* S for relocation r of type `type` against symbol `sym`: 0 for index 0 or a weak undefined
 * symbol, st_value for SHN_ABS, st_value + slide for any symbol the image defines. An undefined
 * non-weak symbol is refused (nothing outside the kernel can define it), and so is an
 * STT_GNU_IFUNC (its value is a resolver the kernel would have to run first). */
static enum reloc_error symbol_value(struct run *run, uint32_t type, uint32_t sym,
                                     const elf64_rela_t *r, uint64_t *value)
{
    const struct dynamic *d = &run->dyn;
    const uint8_t *bytes;
    uint64_t offset;
    elf64_sym_t s;
    char name[NAME_SHOWN + 1];

    *value = 0;
    if (sym == ELF_STN_UNDEF)
        return RELOC_OK;
    if (!has_tag(d, ELF_DT_SYMTAB))
        return fail(run, RELOC_ERR_NO_SYMTAB, "%s (%u) at r_offset 0x%lx names symbol %u, but there "
                    "is no DT_SYMTAB", reloc_type_name(type), type, r->r_offset, sym);
    offset = (uint64_t)sym * SYM_SIZE; /* < 2^32 * 24: no overflow */
    if (__builtin_add_overflow(d->val[ELF_DT_SYMTAB], offset, &offset))
        bytes = NULL;
    else
        bytes = map_range(run, offset, SYM_SIZE);
    if (bytes == NULL)
        return fail(run, RELOC_ERR_TABLE_OUTSIDE_IMAGE, "%s (%u) at r_offset 0x%lx: symbol %u of "
                    "DT_SYMTAB 0x%lx is not inside one loaded segment", reloc_type_name(type), type,
                    r->r_offset, sym, d->val[ELF_DT_SYMTAB]);
    copy_bytes(&s, bytes, sizeof s);
    if (s.st_shndx == ELF_SHN_UNDEF) {
        if (s.st_info >> ST_BIND_SHIFT == ELF_STB_WEAK)
            return RELOC_OK;
        symbol_name(run, s.st_name, name, sizeof name);
        return fail(run, RELOC_ERR_UNDEFINED_SYMBOL, "%s (%u) at r_offset 0x%lx: symbol %u '%s' is "
                    "undefined and not weak", reloc_type_name(type), type, r->r_offset, sym, name);
    }
    if ((s.st_info & ST_TYPE_MASK) == ELF_STT_GNU_IFUNC) {
        symbol_name(run, s.st_name, name, sizeof name);
        return fail(run, RELOC_ERR_IFUNC_SYMBOL, "%s (%u) at r_offset 0x%lx: symbol %u '%s' is an "
                    "IFUNC: its resolver would have to run", reloc_type_name(type), type,
                    r->r_offset, sym, name);
    }
    *value = s.st_value + (s.st_shndx == ELF_SHN_ABS ? 0 : run->img->slide);
    return RELOC_OK;
}

/* Applies one RELA entry (copied out of its table). */
static enum reloc_error apply_rela(struct run *run, const elf64_rela_t *r)
{
    uint32_t type = (uint32_t)(r->r_info & R_TYPE_MASK), sym = (uint32_t)(r->r_info >> R_SYM_SHIFT);
    uint64_t value = 0;
    unsigned *counter;
    uint8_t *target;
    enum reloc_error err = RELOC_OK;

    switch (type) {
    case ELF_R_X86_64_NONE:
        return RELOC_OK;
    case ELF_R_X86_64_RELATIVE: counter = &run->stats.relative; break;
    case ELF_R_X86_64_64: counter = &run->stats.abs64; break;
    case ELF_R_X86_64_GLOB_DAT: counter = &run->stats.glob_dat; break;
    case ELF_R_X86_64_JUMP_SLOT: counter = &run->stats.jump_slot; break;
    default:
        return fail(run, RELOC_ERR_UNSUPPORTED_TYPE, "%s (%u) at r_offset 0x%lx: not supported",
                    reloc_type_name(type), type, r->r_offset);
    }
    target = map_range(run, r->r_offset, WORD_SIZE);
    if (target == NULL)
        return fail(run, RELOC_ERR_TARGET_OUTSIDE_IMAGE, "%s (%u) at r_offset 0x%lx: the word is "
                    "not inside one loaded segment", reloc_type_name(type), type, r->r_offset);
    if (type == ELF_R_X86_64_RELATIVE)
        value = run->img->slide + (uint64_t)r->r_addend;
    else
        err = symbol_value(run, type, sym, r, &value);
    if (err != RELOC_OK)
        return err;
    if (type == ELF_R_X86_64_64)
        value += (uint64_t)r->r_addend;
    le_store64(target, value);
    (*counter)++;
    return RELOC_OK;
}

/* Applies the count RELA entries of a table map_table() returned. */
static enum reloc_error apply_rela_table(struct run *run, const uint8_t *table, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        elf64_rela_t r;
        enum reloc_error err;
        copy_bytes(&r, table + i * RELA_SIZE, sizeof r);
        err = apply_rela(run, &r);
        if (err != RELOC_OK)
            return err;
    }
    return RELOC_OK;
}

/* Adds the slide to the word at addr, which RELR entry `index` names. */
static enum reloc_error relr_word(struct run *run, uint64_t addr, uint64_t index)
{
    uint8_t *p = map_range(run, addr, WORD_SIZE);

    if (p == NULL)
        return fail(run, RELOC_ERR_TARGET_OUTSIDE_IMAGE,
                    "RELR entry %lu: the word at 0x%lx is not inside one loaded segment", index, addr);
    le_store64(p, le_load64(p) + run->img->slide);
    run->stats.relr++;
    return RELOC_OK;
}

/* RELR: an even entry is the address of a word to relocate, and the next address is the word
 * after it; an odd entry is a bitmap whose bits 1..63 relocate the 63 words from the next address
 * on, which then moves 63 words further. A bitmap needs an address entry before it, and must not
 * reach past 2^64. */
static enum reloc_error apply_relr(struct run *run, const uint8_t *table, uint64_t count)
{
    uint64_t next = 0;
    bool have_next = false, wrapped = false;

    for (uint64_t i = 0; i < count; i++) {
        uint64_t entry = le_load64(table + i * ELF_RELR_ENTRY_SIZE);
        enum reloc_error err = RELOC_OK;
        if ((entry & 1) == 0) {
            err = relr_word(run, entry, i);
            have_next = true;
            wrapped = __builtin_add_overflow(entry, WORD_SIZE, &next);
        } else if (!have_next) {
            return fail(run, RELOC_ERR_RELR_BITMAP_FIRST,
                        "RELR entry %lu (0x%lx) is a bitmap with no address entry before it", i, entry);
        } else if (wrapped) {
            return fail(run, RELOC_ERR_TARGET_OUTSIDE_IMAGE,
                        "RELR entry %lu (0x%lx): its words would lie past 2^64", i, entry);
        } else {
            for (unsigned bit = 1; bit <= ELF_RELR_BITMAP_BITS && err == RELOC_OK; bit++) {
                uint64_t addr;
                if (((entry >> bit) & 1) == 0)
                    continue;
                if (__builtin_add_overflow(next, (uint64_t)(bit - 1) * WORD_SIZE, &addr))
                    return fail(run, RELOC_ERR_TARGET_OUTSIDE_IMAGE,
                                "RELR entry %lu (0x%lx): bit %u names a word past 2^64", i, entry, bit);
                err = relr_word(run, addr, i);
            }
            wrapped = __builtin_add_overflow(next, (uint64_t)ELF_RELR_BITMAP_BITS * WORD_SIZE, &next);
        }
        if (err != RELOC_OK)
            return err;
    }
    return RELOC_OK;
}

enum reloc_error reloc_apply(const struct reloc_image *img, uint64_t dynamic_linked_vaddr,
                             uint64_t dynamic_size, struct reloc_stats *stats,
                             struct reloc_diag *diag)
{
    struct run run = { .img = img, .diag = diag };
    const uint8_t *rela = NULL, *plt = NULL, *relr = NULL;
    uint64_t rela_count = 0, plt_count = 0, relr_count = 0;
    enum reloc_error err;

    err = read_dynamic(&run, dynamic_linked_vaddr, dynamic_size);
    if (err == RELOC_OK)
        err = check_dynamic(&run);
    if (err == RELOC_OK)
        err = map_table(&run, ELF_DT_RELA, ELF_DT_RELASZ, RELA_SIZE, "DT_RELA", &rela, &rela_count);
    if (err == RELOC_OK)
        err = map_table(&run, ELF_DT_JMPREL, ELF_DT_PLTRELSZ, RELA_SIZE, "DT_JMPREL", &plt, &plt_count);
    if (err == RELOC_OK)
        err = map_table(&run, ELF_DT_RELR, ELF_DT_RELRSZ, ELF_RELR_ENTRY_SIZE, "DT_RELR", &relr,
                        &relr_count);
    if (err == RELOC_OK)
        err = apply_rela_table(&run, rela, rela_count);
    if (err == RELOC_OK)
        err = apply_rela_table(&run, plt, plt_count);
    if (err == RELOC_OK)
        err = apply_relr(&run, relr, relr_count);
    if (stats != NULL)
        *stats = run.stats;
    if (err == RELOC_OK && diag != NULL) {
        diag->code = RELOC_OK;
        diag->message[0] = '\0';
    }
    return err;
}
