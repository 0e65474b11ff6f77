/* Pure check that the CPU's paging mode is the one ember builds tables for (4-level, long mode). */
#ifndef EMBER_ARCH_X86_64_CPUMODE_H
#define EMBER_ARCH_X86_64_CPUMODE_H

#include "core/types.h"

/* Control-register bits the check reads (SDM Vol. 3A 2.5 for CR0/CR4, 2.2.1 table 2-1 for IA32_EFER).
 * cpu.h names the bits ember writes. */
#define CR0_PG (1ULL << 31)   /* paging enabled */
#define CR4_PAE (1ULL << 5)   /* physical address extension: 64-bit entries */
#define CR4_LA57 (1ULL << 12) /* 57-bit linear addresses: 5-level paging */
#define EFER_LMA (1ULL << 10) /* IA-32e (long) mode active, read-only */

/* Raw values of CR0, CR4 and IA32_EFER, read by arch_read_control_regs or faked by tests. */
struct control_regs {
    uint64_t cr0, cr4, efer;
};

/* NULL when ember can take over the tables of a CPU in this state: paging on, PAE, long mode
 * active and 4-level paging (LA57 clear). Otherwise a one-line static reason that names the bit;
 * the first failing check wins. Reads only those four bits. */
const char *arch_check_paging_mode(const struct control_regs *regs);

#endif
