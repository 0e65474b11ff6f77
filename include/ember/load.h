/* Reading, placing and mapping the kernel's PT_LOAD segments. */
#ifndef EMBER_LOAD_H
#define EMBER_LOAD_H

#include "arch/arch.h"
#include "ember/elf.h"
#include "ember/file.h"

/* Opens the kernel at path, reads its ELF header and program header table only (never the whole
 * file), validates them and fills *plan. Logs the seed's "Kernel ELF information" lines on success
 * and one error line naming the failed rule otherwise. On success *kernel stays open. */
EFI_STATUS load_read_plan(EFI_FILE_HANDLE root, const char *path, const struct elf_options *opts,
                          struct file *kernel, struct elf_plan *plan);

#endif
