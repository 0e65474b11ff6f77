/* Pure ELF64 validation: turns an untrusted kernel header + program headers into a segment plan. */
#ifndef EMBER_ELF_H
#define EMBER_ELF_H

#include "core/types.h"

/* ELF64 on-disk structures (System V gABI), defined here so the loader needs no libc headers. */
typedef struct {
    uint8_t e_ident[16];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
} elf64_ehdr_t;

typedef struct {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
} elf64_phdr_t;

#define ELF_IDENT_CLASS 4
#define ELF_IDENT_DATA 5
#define ELF_IDENT_VERSION 6
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_VERSION_CURRENT 1
#define ELF_TYPE_EXEC 2
#define ELF_TYPE_DYN 3
#define ELF_MACHINE_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PT_DYNAMIC 2
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

/* More program headers than this is treated as a malformed or hostile file. */
#define ELF_MAX_PHNUM 64
/* Segments ember will load; also bounds the plan's fixed-size array. */
#define ELF_MAX_LOAD_SEGMENTS 32
/* Bytes of one Elf64_Dyn entry (d_tag, d_un): a PT_DYNAMIC smaller than this holds nothing. */
#define ELF_DYN_ENTRY_SIZE 16

/* The Limine protocol's floor: "The protocol mandates kernels to load themselves at or above
 * 0xffffffff80000000. Lower half kernels are not supported." (PROTOCOL.md, Entry memory layout). */
#define ELF_LIMINE_MIN_VADDR 0xffffffff80000000ULL
/* An ET_DYN slide is a multiple of this or of the largest p_align, whichever is larger: every
 * segment keeps its alignment, and a kernel laid out for 2 MiB pages can still be mapped with them. */
#define ELF_SLIDE_GRANULE PAGE_SIZE_2M

/* One rule per code; elf_error_name() gives the rule name used in log lines and tests. */
enum elf_error {
    ELF_OK = 0,
    ELF_ERR_TRUNCATED_HEADER,  /* file shorter than the ELF header */
    ELF_ERR_BAD_MAGIC,
    ELF_ERR_NOT_64BIT,
    ELF_ERR_NOT_LITTLE_ENDIAN,
    ELF_ERR_BAD_VERSION,
    ELF_ERR_BAD_MACHINE,
    ELF_ERR_NOT_EXECUTABLE,    /* e_type not ET_EXEC (nor ET_DYN with allow_dyn) */
    ELF_ERR_BAD_PHENTSIZE,
    ELF_ERR_TOO_MANY_PHDRS,    /* e_phnum > ELF_MAX_PHNUM */
    ELF_ERR_PHDRS_OUTSIDE_FILE,
    ELF_ERR_SEGMENT_OUTSIDE_FILE,
    ELF_ERR_FILESZ_EXCEEDS_MEMSZ,
    ELF_ERR_NON_CANONICAL,
    ELF_ERR_SEGMENT_WRAPS,
    ELF_ERR_BAD_ALIGN,         /* p_align not a power of two */
    ELF_ERR_MISALIGNED_SEGMENT,/* p_vaddr != p_offset mod p_align */
    ELF_ERR_OVERLAPPING_SEGMENTS,
    ELF_ERR_ENTRY_NOT_EXECUTABLE,
    ELF_ERR_NO_LOAD_SEGMENTS,
    ELF_ERR_TOO_MANY_SEGMENTS,
    ELF_ERR_WRITABLE_AND_EXECUTABLE,
    ELF_ERR_SHARED_PAGE_PERMISSIONS,
    ELF_ERR_PHYS_WRAPS,        /* p_paddr + p_memsz wraps */
    ELF_ERR_SHARED_PAGE_PHYS,  /* segments share a page but disagree on its physical address */
    ELF_ERR_RESERVED_RANGE,    /* a segment overlaps elf_options' reserved range (ember's direct map) */
    ELF_ERR_DYN_WITHOUT_DYNAMIC, /* ET_DYN without a PT_DYNAMIC: nothing says how to relocate it */
    ELF_ERR_BAD_DYNAMIC,       /* two PT_DYNAMICs, or one outside the file bytes of every segment */
    ELF_ERR_BELOW_MIN_VADDR,   /* ET_EXEC starting below elf_options.min_vaddr (it cannot slide) */
    ELF_ERR_SLIDE_OUT_OF_RANGE,/* the slide up to min_vaddr would wrap 2^64 or leave canonical space */
    ELF_ERR_COUNT
};

struct elf_segment {
    uint64_t offset;  /* file offset of the first byte */
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;  /* bytes read from the file */
    uint64_t memsz;   /* bytes in memory; [filesz, memsz) is zeroed */
    uint64_t align;
    uint32_t flags;   /* ELF_PF_* */
    enum page_attr attr;
    unsigned phdr;    /* its program header's index (0-based, as readelf numbers segments) */
};

/* Page-aligned virtual range loaded as one allocation: one segment, or several that share pages
 * (same permissions and the same vaddr - paddr delta, else the plan is rejected). */
struct elf_region {
    uint64_t vaddr;   /* page-aligned down */
    uint64_t paddr;   /* page-aligned down; preferred physical address */
    uint64_t size;    /* bytes, a multiple of 4 KiB */
    enum page_attr attr;
    unsigned first;   /* index of its first segment in elf_plan.segments */
    unsigned count;   /* segments in the region, consecutive */
};

struct elf_plan {
    uint64_t entry;
    uint16_t phnum;
    uint16_t shnum;
    unsigned count;   /* PT_LOAD segments, sorted by vaddr */
    struct elf_segment segments[ELF_MAX_LOAD_SEGMENTS];
    unsigned region_count;
    struct elf_region regions[ELF_MAX_LOAD_SEGMENTS];
    uint64_t vaddr_min;  /* lowest vaddr, page-aligned down */
    uint64_t vaddr_end;  /* highest vaddr + memsz, page-aligned up */
    /* Every vaddr above (segments, regions, entry, vaddr_min/end) and dynamic_vaddr is final: the
     * linked value + slide. File offsets and paddrs are the file's own. */
    uint64_t slide;      /* 0 unless an ET_DYN was slid up to elf_options.min_vaddr (or by kaslr) */
    uint64_t slide_positions; /* kaslr: how many slides the seed chose from (0 without kaslr) */
    bool is_dyn;         /* ET_DYN: the loader must relocate it (reloc_apply) once it is read */
    uint64_t dynamic_vaddr; /* PT_DYNAMIC's final address (linked p_vaddr + slide); 0 for ET_EXEC */
    uint64_t dynamic_size;  /* PT_DYNAMIC's p_memsz in bytes; 0 for ET_EXEC */
};

/* A failed rule: its code and a one-line message naming the rule and the offending values. */
struct elf_diag {
    enum elf_error code;
    char message[256];
};

/* Zero-initialised options (or NULL) are ember's own protocol: ET_EXEC only, no address floor. */
struct elf_options {
    bool allow_wx; /* accept PF_W|PF_X segments (mapped PAGE_WRITE_EXECUTE) */
    bool allow_dyn; /* accept ET_DYN with a PT_DYNAMIC (Limine's relocatable kernels) */
    /* 0 = none. Else the plan's lowest page must be at or above it: an ET_DYN below it is slid up
     * (see elf_plan.slide), an ET_EXEC below it is rejected (below-min-vaddr). */
    uint64_t min_vaddr;
    /* Non-zero (kaslr): an ET_DYN's slide also moves it up a random number of granules, chosen from
     * this seed, as far as the image stays below 2^64 (elf_plan.slide_positions says how many). */
    uint64_t kaslr_seed;
    /* Virtual range no segment may overlap (reserved_size 0 = none), named in the error line. */
    uint64_t reserved_base, reserved_size;
    const char *reserved_name;
};

/* Checks the ELF header (the first `len` bytes of a file of `file_size` bytes) under opts (NULL =
 * defaults; only allow_dyn matters here) and, on success, reports where the program header table
 * lies: [*phoff, *phoff + *phsize). */
enum elf_error elf_check_header(const void *data, size_t len, uint64_t file_size,
                                const struct elf_options *opts, uint64_t *phoff, uint64_t *phsize,
                                struct elf_diag *diag);

/* Validates the program header table `phdrs` (e_phnum entries, already read from the file) against
 * the header and builds the plan. PT_LOADs with p_memsz 0 are skipped whatever their other fields.
 * An ET_DYN below opts->min_vaddr is slid (elf_plan.slide). Nothing is allocated; the plan is
 * filled only on success. */
enum elf_error elf_build_plan(const elf64_ehdr_t *ehdr, const void *phdrs, uint64_t file_size,
                              const struct elf_options *opts, struct elf_plan *plan,
                              struct elf_diag *diag);

/* Rule name, e.g. "bad-magic"; stable, used by log lines and tests. */
/* One clause saying what to do about a rule (for the end of its refusal line); "" for ELF_OK. */
const char *elf_rule_hint(enum elf_error err);
const char *elf_error_name(enum elf_error err);

/* The W^X rule's failure for program header phdr with p_flags flags (ELF_ERR_WRITABLE_AND_EXECUTABLE):
 * the plan's, and pipe_choose_protocol's for a W+X segment it let through that no protocol takes. */
enum elf_error elf_refuse_wx(unsigned phdr, uint32_t flags, struct elf_diag *diag);

/* PF_R/PF_W/PF_X -> page_attr. Returns false for W+X unless allow_wx. */
bool elf_flags_to_attr(uint32_t flags, bool allow_wx, enum page_attr *attr);


#endif
