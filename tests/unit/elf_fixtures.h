/* ELF validator test fixtures: in-memory ELF64 kernel images and shared expectations (host). */
#ifndef EMBER_TESTS_ELF_FIXTURES_H
#define EMBER_TESTS_ELF_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/elf.h"

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

/* --- expectations shared by the ELF tests --------------------------------------------------- */

#define PLAN_POISON 0xa5

static inline void assert_diag(const struct elf_diag *diag, enum elf_error want)
{
    const char *name = elf_error_name(want);
    size_t len = strlen(name);

    assert_int_equal(diag->code, want);
    if (want == ELF_OK) {
        assert_string_equal(diag->message, "");
        return;
    }
    if (strncmp(diag->message, name, len) != 0 || strncmp(diag->message + len, ": ", 2) != 0)
        fail_msg("message \"%s\" does not start with \"%s: \"", diag->message, name);
}

static inline bool plan_is_poisoned(const struct elf_plan *plan)
{
    const uint8_t *bytes = (const uint8_t *)plan;
    size_t i;

    for (i = 0; i < sizeof *plan; i++)
        if (bytes[i] != PLAN_POISON)
            return false;
    return true;
}

/* Runs elf_build_plan on the fixture; the plan starts poisoned so a failure can prove it left
 * the plan alone. */
static inline enum elf_error build(struct elf_fixture *f, struct elf_plan *plan,
                                   struct elf_diag *diag)
{
    memset(plan, PLAN_POISON, sizeof *plan);
    memset(diag, 0x5a, sizeof *diag);
    return elf_build_plan(&f->ehdr, f->phdrs, f->file_size, &f->opts, plan, diag);
}

static inline void expect_plan_ok(struct elf_fixture *f, struct elf_plan *plan)
{
    struct elf_diag diag;

    if (build(f, plan, &diag) != ELF_OK)
        fail_msg("unexpected failure: %s", diag.message);
    assert_diag(&diag, ELF_OK);
}

/* Expects rule `want`, a message naming it, and an untouched plan; returns the diag. */
static inline struct elf_diag expect_plan_error(struct elf_fixture *f, enum elf_error want)
{
    struct elf_plan plan;
    struct elf_diag diag;

    assert_int_equal(build(f, &plan, &diag), want);
    assert_diag(&diag, want);
    assert_true(plan_is_poisoned(&plan));
    return diag;
}

static uint8_t image[FIXTURE_FILE_SIZE];

/* Runs elf_check_header on the fixture laid out as bytes (len bytes available). */
static inline enum elf_error check_header(const struct elf_fixture *f, size_t len, uint64_t *phoff,
                                          uint64_t *phsize, struct elf_diag *diag)
{
    fixture_write(f, image, sizeof image);
    return elf_check_header(image, len, f->file_size, &f->opts, phoff, phsize, diag);
}

static inline void expect_header_ok(const struct elf_fixture *f)
{
    uint64_t phoff = 0, phsize = 0;
    struct elf_diag diag;

    if (check_header(f, sizeof(elf64_ehdr_t), &phoff, &phsize, &diag) != ELF_OK)
        fail_msg("unexpected failure: %s", diag.message);
    assert_diag(&diag, ELF_OK);
    assert_int_equal(phoff, f->ehdr.e_phoff);
    assert_int_equal(phsize, f->ehdr.e_phnum * sizeof(elf64_phdr_t));
}

static inline void expect_header_error(struct elf_fixture *f, size_t len, enum elf_error want)
{
    uint64_t phoff = 0x1111, phsize = 0x2222;
    struct elf_diag diag;

    assert_int_equal(check_header(f, len, &phoff, &phsize, &diag), want);
    assert_diag(&diag, want);
    assert_int_equal(phoff, 0x1111); /* outputs untouched on failure */
    assert_int_equal(phsize, 0x2222);
    /* elf_build_plan re-checks the header and must stop at the same rule. */
    expect_plan_error(f, want);
}

#endif
