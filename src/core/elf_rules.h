/* Private to the ELF validator (src/core/elf.c + src/core/elf_dyn.c): what the two files share. */
#ifndef EMBER_SRC_ELF_RULES_H
#define EMBER_SRC_ELF_RULES_H

#include <stdarg.h>

#include "core/elf.h"

/* The PT_DYNAMIC headers elf.c met while collecting segments. */
struct elf_dynamic_phdrs {
    unsigned count;          /* PT_DYNAMICs in the table */
    unsigned first_index;    /* phdr index of the first (when count >= 1) */
    unsigned second_index;   /* phdr index of the second (when count >= 2) */
    elf64_phdr_t first;
};

/* Records err in diag (when non-NULL) as "<rule-name>: <details>" and returns it. */
enum elf_error elf_vfail(struct elf_diag *diag, enum elf_error err, const char *details, va_list ap);

/* elf_vfail with the details as arguments: every rule's one-line failure. */
__attribute__((format(printf, 3, 4)))
static inline enum elf_error fail(struct elf_diag *diag, enum elf_error err, const char *details, ...)
{
    va_list ap;

    va_start(ap, details);
    err = elf_vfail(diag, err, details, ap);
    va_end(ap);
    return err;
}

/* The rules after the regions are built (src/core/elf_dyn.c). For ET_DYN: exactly one PT_DYNAMIC,
 * holding an entry, inside one segment's file bytes (dyn-without-dynamic, bad-dynamic), recorded in
 * plan; then the slide up to opts->min_vaddr (slide-out-of-range). For ET_EXEC: the floor
 * (below-min-vaddr). plan's segments, regions, vaddr_min and vaddr_end must be set; on success they
 * are final (slid) and plan's slide, is_dyn and dynamic_* are set. On failure plan may be partly
 * updated: discard it. */
enum elf_error elf_place(struct elf_plan *plan, const elf64_ehdr_t *eh,
                         const struct elf_dynamic_phdrs *dyn, const struct elf_options *opts,
                         struct elf_diag *diag);

#endif
