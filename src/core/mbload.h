/* Pure: where a Multiboot kernel's bytes go. Multiboot kernels start with paging off, so every byte
 * goes to its physical address: the p_paddr of each PT_LOAD of an ELF32 or ELF64 file, or the
 * header's address fields (Multiboot 1 flag 16, the Multiboot 2 address tag), which "the boot loader
 * should use instead of the fields in the actual executable header" (Multiboot 0.6.96 3.1.3). */
#ifndef EMBER_MBLOAD_H
#define EMBER_MBLOAD_H

#include "core/mbheader.h"

#define MB_MAX_SEGMENTS 16
#define MB_PLAN_MESSAGE_MAX 160

/* file[file_offset, + filesz) goes to physical paddr; [paddr + filesz, paddr + memsz) is zeroed. */
struct mb_segment {
    uint32_t paddr, file_offset, filesz, memsz;
};

/* The 4 KiB pages the segments touch, merged where they meet or share a page. */
struct mb_pages {
    uint32_t base;   /* 4 KiB aligned */
    uint32_t pages;
};

struct mb_plan {
    unsigned count;
    struct mb_segment seg[MB_MAX_SEGMENTS];
    unsigned range_count;
    struct mb_pages range[MB_MAX_SEGMENTS];
    uint32_t entry;          /* physical: where the 32-bit entry jumps */
    uint32_t load_base;      /* the lowest byte loaded (Multiboot 2 "image load base physical address") */
    bool elf64;              /* the ELF headers were ELF64 (an x86-64 kernel with a 32-bit entry) */
    bool from_address_fields;/* the header's address fields placed it, not the ELF headers */
};

/* The plan for a kernel file of file_size bytes whose first head_len bytes are head (its first
 * 32 KiB: the ELF headers must lie there). load: the header's checked address fields, or NULL to
 * use the ELF headers; entry_override: the Multiboot 2 entry address tag's, or 0 for none (the
 * address fields bring their own entry). ELF rules: class 1 with machine 3 or class 2 with machine
 * 62, little-endian, ET_EXEC; PT_LOAD segments with p_filesz <= p_memsz inside the file, ending at
 * or below 4 GiB, not overlapping; at least one; ELF e_entry turned physical through the segment
 * whose p_vaddr range holds it (as GRUB and Limine do), and inside a loaded segment. False with
 * why (a static-free message in why[MB_PLAN_MESSAGE_MAX]) when a rule fails. */
bool mb_plan_load_segments(const uint8_t *head, size_t head_len, uint64_t file_size, const struct mb_load *load,
                           uint32_t load_entry, uint32_t entry_override, struct mb_plan *out,
                           char why[MB_PLAN_MESSAGE_MAX]);

/* Moves the whole plan to load_base new_base (the relocatable tag's choice; 4 KiB-aligned, the
 * image ending at or below 4 GiB - the caller found it so): every segment, page range and the entry
 * by the same distance. */
void mb_plan_move(struct mb_plan *p, uint32_t new_base);

/* Bytes from the plan's first page to the end of its last: the span a relocation needs free. */
uint32_t mb_plan_span(const struct mb_plan *p);

/* The ELF section header table a Multiboot kernel is given (MB2 tag 9, MB1 "syms"): where it is in
 * the file and which sections ember loads besides the segments (those not SHF_ALLOC, not NOBITS,
 * with bytes: the symbol and string tables a kernel reads for its backtraces). */
#define MB_MAX_SECTIONS 512
#define MB_SECTIONS_MAX_BYTES (256 * KIB)   /* the table and the sections loaded for it */

struct mb_sections {
    uint32_t num, entsize, shndx;   /* as the ELF header gives them */
    uint64_t table_offset;          /* in the file; table bytes: num * entsize */
    uint32_t load_bytes;            /* the table and every section loaded, each 8-byte aligned */
};

/* From the ELF header at head (ELF32 or ELF64, as mb_plan_load_segments checked it): false, with
 * why, when the file has no section headers or they break a rule (outside the file, an entry size
 * not the class's, too many, more than MB_SECTIONS_MAX_BYTES to load). */
bool mb_sections_find(const uint8_t *head, size_t head_len, uint64_t file_size, struct mb_sections *out,
                      char why[MB_PLAN_MESSAGE_MAX]);

/* With the table read into table[0, num * entsize): the bytes the table and the sections loaded for
 * it take, each 8-byte aligned; false when a section lies outside the file or the sum passes
 * MB_SECTIONS_MAX_BYTES. */
bool mb_sections_size(const uint8_t *table, const struct mb_sections *s, uint64_t file_size, uint32_t *bytes);

/* Section i of the table: whether ember loads it, its file offset and size. */
bool mb_section_loaded(const uint8_t *table, const struct mb_sections *s, uint32_t i, uint64_t *offset, uint64_t *size);

/* Writes addr into section i's sh_addr (where ember loaded it). */
void mb_section_set_addr(uint8_t *table, const struct mb_sections *s, uint32_t i, uint64_t addr);

#endif
