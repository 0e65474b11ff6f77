/* In-memory ELF64 kernel images for the ELF validator's tests (host only, libc allowed). */
#ifndef EMBER_TESTS_ELF_FIXTURES_H
#define EMBER_TESTS_ELF_FIXTURES_H

#include <stdint.h>
#include <string.h>

#include "ember/elf.h"

#define FIXTURE_MAX_PHDRS ELF_MAX_PHNUM
#define FIXTURE_FILE_SIZE 0x5000ULL
#define FIXTURE_PHOFF 0x40ULL

/* The valid image: text (R+X), rodata (R), data+bss (R+W, memsz > filesz), each page-aligned. */
#define FIXTURE_TEXT_VADDR 0xffffffff80000000ULL
#define FIXTURE_TEXT_PADDR 0x100000ULL
#define FIXTURE_RODATA_VADDR 0xffffffff80002000ULL
#define FIXTURE_DATA_VADDR 0xffffffff80003000ULL
#define FIXTURE_ENTRY (FIXTURE_TEXT_VADDR + 0x10)

/* An ELF header plus its program header table, kept typed; fixture_write() lays it out as bytes. */
struct elf_fixture {
    elf64_ehdr_t ehdr;
    elf64_phdr_t phdrs[FIXTURE_MAX_PHDRS];
    uint64_t file_size;
    struct elf_options opts;
};

/* Appends a program header and bumps e_phnum; returns it so a test can tweak one field. */
static inline elf64_phdr_t *fixture_add(struct elf_fixture *f, uint32_t type, uint32_t flags,
                                        uint64_t offset, uint64_t vaddr, uint64_t paddr,
                                        uint64_t filesz, uint64_t memsz, uint64_t align)
{
    elf64_phdr_t *ph = &f->phdrs[f->ehdr.e_phnum++];

    *ph = (elf64_phdr_t){
        .p_type = type, .p_flags = flags, .p_offset = offset, .p_vaddr = vaddr,
        .p_paddr = paddr, .p_filesz = filesz, .p_memsz = memsz, .p_align = align,
    };
    return ph;
}

/* A header with no program headers yet (e_phnum == 0). */
static inline void fixture_init_empty(struct elf_fixture *f)
{
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA_LSB,
                                       ELF_VERSION_CURRENT };

    memset(f, 0, sizeof *f);
    memcpy(f->ehdr.e_ident, ident, sizeof ident);
    f->ehdr.e_type = ELF_TYPE_EXEC;
    f->ehdr.e_machine = ELF_MACHINE_X86_64;
    f->ehdr.e_version = ELF_VERSION_CURRENT;
    f->ehdr.e_entry = FIXTURE_ENTRY;
    f->ehdr.e_phoff = FIXTURE_PHOFF;
    f->ehdr.e_ehsize = sizeof(elf64_ehdr_t);
    f->ehdr.e_phentsize = sizeof(elf64_phdr_t);
    f->ehdr.e_shentsize = 64;
    f->ehdr.e_shnum = 7;
    f->file_size = FIXTURE_FILE_SIZE;
}

/* The valid three-segment kernel: phdr 0 text, 1 rodata, 2 data+bss. */
static inline void fixture_init(struct elf_fixture *f)
{
    fixture_init_empty(f);
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, FIXTURE_TEXT_VADDR, 0x100000,
                0x1800, 0x1800, 0x1000);
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R, 0x3000, FIXTURE_RODATA_VADDR, 0x102000, 0x800, 0x800,
                0x1000);
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x4000, FIXTURE_DATA_VADDR, 0x103000, 0x400,
                0x2400, 0x1000);
}

/* Lays the header at offset 0 and the program header table at e_phoff into buf (cap bytes,
 * zero-filled first). The table (at most FIXTURE_MAX_PHDRS entries, even when a test sets
 * e_phnum higher) is written only when it fits. */
static inline void fixture_write(const struct elf_fixture *f, uint8_t *buf, size_t cap)
{
    size_t entries = f->ehdr.e_phnum < FIXTURE_MAX_PHDRS ? f->ehdr.e_phnum : FIXTURE_MAX_PHDRS;
    size_t table = entries * sizeof(elf64_phdr_t);

    memset(buf, 0, cap);
    memcpy(buf, &f->ehdr, sizeof f->ehdr);
    if (f->ehdr.e_phoff <= cap && table <= cap - f->ehdr.e_phoff)
        memcpy(buf + f->ehdr.e_phoff, f->phdrs, table);
}

#endif
