/* Sample kernel: checks everything ember promised in include/ember/bootinfo.h and reports on COM1. */
#include <stdarg.h>

#include "core/fmt.h"
#include "kernel.h"

uint64_t entry_rsp, entry_rflags, entry_cr0, entry_cr3, entry_return_address;

static unsigned checks_run, checks_failed;
static enum kernel_exit first_failure = EXIT_PASS;

void check(bool ok, enum kernel_exit cls, const char *name, const char *fmt, ...)
{
    char detail[160];
    va_list ap;

    va_start(ap, fmt);
    fmt_vformat(detail, sizeof detail, fmt, ap);
    va_end(ap);
    checks_run++;
    if (!ok) {
        checks_failed++;
        if (first_failure == EXIT_PASS)
            first_failure = cls;
    }
    kprintf("ember-kernel: %-4s %s: %s\n", ok ? "ok" : "FAIL", name, detail);
}

__attribute__((noreturn)) void kmain(struct ember_bootinfo *info);

/* The entry point ember calls: loads the kernel's IDT, runs every check (the rest only when the boot
 * info and CPU state are sound) and exits QEMU with EXIT_PASS or the first failure's class. */
void kmain(struct ember_bootinfo *info)
{
    kprintf("ember-kernel: hello from the sample kernel, bootinfo at %p\n", (void *)info);
    idt_install(); /* from here on a stray exception is a reported failure, not a triple fault */
    check_bootinfo_and_cpu(info);
    if (first_failure == EXIT_PASS) {
        check_paging(info);
        check_text_write_faults();
        check_segments(info);
        check_kernel_placement(info);
        check_memmap(info);
        check_direct_map_memory(info);
        check_firmware_tables(info);
        check_config(info);
        check_smp(info); /* last: it hands the APs the kernel's code */
    }
    if (checks_failed == 0) {
        kprintf("ember-kernel: all %u checks passed\n", checks_run);
        kernel_exit(EXIT_PASS);
    }
    kprintf("ember-kernel: %u of %u checks FAILED\n", checks_failed, checks_run);
    kernel_exit(first_failure);
}
