/* Pure x86-64 ELF64 dynamic relocation: applies a loaded ET_DYN kernel's RELA, RELR and PLT
 * relocations through the caller's map of the loaded image (no memory is touched any other way). */
#ifndef EMBER_RELOC_H
#define EMBER_RELOC_H

#include "core/types.h"

/* Dynamic array tags ember reads or refuses (gABI "Dynamic Section"; RELR: DT_RELRSZ 35,
 * DT_RELR 36, DT_RELRENT 37). Every other tag is ignored. */
#define ELF_DT_NULL 0
#define ELF_DT_PLTRELSZ 2
#define ELF_DT_STRTAB 5
#define ELF_DT_SYMTAB 6
#define ELF_DT_RELA 7
#define ELF_DT_RELASZ 8
#define ELF_DT_RELAENT 9
#define ELF_DT_STRSZ 10
#define ELF_DT_SYMENT 11
#define ELF_DT_REL 17
#define ELF_DT_RELSZ 18
#define ELF_DT_RELENT 19
#define ELF_DT_PLTREL 20
#define ELF_DT_JMPREL 23
#define ELF_DT_RELRSZ 35
#define ELF_DT_RELR 36
#define ELF_DT_RELRENT 37

/* x86-64 psABI relocation types ember applies (A addend, B slide, S symbol value). */
#define ELF_R_X86_64_NONE 0
#define ELF_R_X86_64_64 1        /* word64: S + A */
#define ELF_R_X86_64_GLOB_DAT 6  /* word64: S */
#define ELF_R_X86_64_JUMP_SLOT 7 /* word64: S */
#define ELF_R_X86_64_RELATIVE 8  /* word64: B + A */

/* Symbol table fields (gABI "Symbol Table"). */
#define ELF_SHN_UNDEF 0
#define ELF_SHN_ABS 0xfff1       /* absolute value: not moved by the slide */
#define ELF_STB_WEAK 2           /* binding = st_info >> 4 */
#define ELF_STT_GNU_IFUNC 10     /* type = st_info & 0xf; its value is a resolver to call */
#define ELF_STN_UNDEF 0          /* symbol index 0: the value used is 0 */

/* On-disk entries (their sizes are what DT_RELAENT, DT_SYMENT and DT_RELRENT must say). */
typedef struct {
    int64_t d_tag;
    uint64_t d_val;
} elf64_dyn_t;

typedef struct {
    uint64_t r_offset; /* linked address of the word to relocate */
    uint64_t r_info;   /* symbol index << 32 | type */
    int64_t r_addend;
} elf64_rela_t;

typedef struct {
    uint32_t st_name;
    uint8_t st_info;
    uint8_t st_other;
    uint16_t st_shndx;
    uint64_t st_value;
    uint64_t st_size;
} elf64_sym_t;

#define ELF_RELR_ENTRY_SIZE 8
#define ELF_RELR_BITMAP_BITS 63 /* words a bitmap entry covers after its flag bit */

/* One rule per code; reloc_error_name() gives the name used in log lines and tests. */
enum reloc_error {
    RELOC_OK = 0,
    RELOC_ERR_DYNAMIC_OUTSIDE_IMAGE, /* the dynamic array is not inside one loaded segment */
    RELOC_ERR_UNTERMINATED_DYNAMIC,  /* no DT_NULL within dynamic_size */
    RELOC_ERR_DUPLICATE_TAG,         /* a tag ember reads appears twice */
    RELOC_ERR_REL_NOT_SUPPORTED,     /* DT_REL/DT_RELSZ/DT_RELENT: no addends, not x86-64's form */
    RELOC_ERR_BAD_PLTREL,            /* DT_PLTREL missing (with DT_JMPREL) or not DT_RELA */
    RELOC_ERR_BAD_ENTSIZE,           /* DT_RELAENT != 24, DT_SYMENT != 24, DT_RELRENT != 8 */
    RELOC_ERR_BAD_TABLE_SIZE,        /* address without size (or back), size not whole entries */
    RELOC_ERR_TABLE_OUTSIDE_IMAGE,   /* a table or symbol entry is not inside one loaded segment */
    RELOC_ERR_UNSUPPORTED_TYPE,      /* a relocation type ember does not apply */
    RELOC_ERR_NO_SYMTAB,             /* a symbol relocation but no DT_SYMTAB */
    RELOC_ERR_UNDEFINED_SYMBOL,      /* symbol not defined by the image and not weak */
    RELOC_ERR_TARGET_OUTSIDE_IMAGE,  /* the word to relocate is not inside one loaded segment */
    RELOC_ERR_RELR_BITMAP_FIRST,     /* a RELR bitmap with no address entry before it */
    RELOC_ERR_IFUNC_SYMBOL,          /* against an STT_GNU_IFUNC: its resolver would have to run */
    RELOC_ERR_COUNT
};

/* Returns a pointer to the loaded bytes of the linked (pre-slide) virtual range
 * [linked_vaddr, linked_vaddr + len), or NULL when the range is not wholly inside one loaded
 * segment. reloc_apply never asks for a range that wraps 2^64 or is empty, and reads or writes only
 * the len bytes returned (at any alignment); the pointers must stay valid for the whole call. */
typedef void *(*reloc_map_fn)(void *ctx, uint64_t linked_vaddr, uint64_t len);

struct reloc_image {
    reloc_map_fn map;
    void *ctx;      /* passed to map */
    uint64_t slide; /* final address - linked address (elf_plan.slide; B in the psABI) */
};

/* Relocations applied, by kind (R_X86_64_NONE is not counted). */
struct reloc_stats {
    unsigned relative;  /* R_X86_64_RELATIVE */
    unsigned relr;      /* words relocated by DT_RELR entries (a bitmap entry covers up to 63) */
    unsigned glob_dat;  /* R_X86_64_GLOB_DAT */
    unsigned jump_slot; /* R_X86_64_JUMP_SLOT */
    unsigned abs64;     /* R_X86_64_64 */
};

/* A failed rule: its code and one line naming the rule and the offending values. */
struct reloc_diag {
    enum reloc_error code;
    char message[160];
};

/* Reads the dynamic array at linked address dynamic_linked_vaddr (dynamic_size bytes, up to its
 * DT_NULL) and applies every DT_RELA, DT_JMPREL (PLT, DT_PLTREL == DT_RELA) and DT_RELR
 * relocation in that order: RELATIVE = slide + A, RELR word += slide, 64 = S + A, GLOB_DAT and
 * JUMP_SLOT = S, where S = st_value + slide for a symbol the image defines (st_value for SHN_ABS,
 * 0 for a weak undefined or symbol index 0; an STT_GNU_IFUNC is refused). Every byte read or
 * written goes through img->map. stats (optional) counts what was applied, also on failure; diag
 * (optional) says why it failed. On failure the image may be partly relocated and must not run. */
enum reloc_error reloc_apply(const struct reloc_image *img, uint64_t dynamic_linked_vaddr,
                             uint64_t dynamic_size, struct reloc_stats *stats,
                             struct reloc_diag *diag);

/* Rule name, e.g. "undefined-symbol"; stable, used by log lines and tests. */
const char *reloc_error_name(enum reloc_error err);
/* What to do about err, one clause ("" for RELOC_OK). Static. */
const char *reloc_error_hint(enum reloc_error err);

/* "R_X86_64_PC32" for a psABI type number, "R_X86_64_?" for one it does not name. */
const char *reloc_type_name(uint32_t type);

#endif
