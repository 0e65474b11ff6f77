/* Decides from control-register values whether ember's 4-level page tables fit the running CPU. */
#include "arch/x86_64/cpumode.h"

const char *arch_check_paging_mode(const struct control_regs *regs)
{
    if (!(regs->cr0 & CR0_PG))
        return "CR0.PG is clear: paging is off, so there are no firmware page tables to take over";
    if (!(regs->cr4 & CR4_PAE))
        return "CR4.PAE is clear: the firmware runs 32-bit paging, not ember's 64-bit entries";
    if (!(regs->efer & EFER_LMA))
        return "EFER.LMA is clear: the CPU is not in long mode, so 4-level paging is not in use";
    if (regs->cr4 & CR4_LA57)
        return "CR4.LA57 is set: the firmware runs 5-level paging, which ember does not support";
    return NULL;
}
