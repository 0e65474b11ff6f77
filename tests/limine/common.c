/* Probe kernels: what every probe does first (IDT, CPU features, the HHDM and memory map it walks
 * with), and the common response check. */
#include "cpu.h"
#include "probe.h"
#include "../include/cpuident.h"

struct entry_state entry_state;
struct probe_boot boot;

/* Loads the IDT, reads CPUID, and records the HHDM offset and memory map (either may be NULL) and the
 * base revision the kernel was built to request in `boot` (not read back from the tag: a loader that
 * supports the revision has cleared that word by now). */
void probe_start(const char *kernel, volatile uint64_t *tag, uint64_t requested, const struct lp_hhdm_response *hhdm,
                 const struct lp_memmap_response *memmap)
{
    idt_install();
    boot.kernel = kernel;
    boot.requested_revision = requested;
    boot.revision = (unsigned)boot.requested_revision;
    kprintf("probe: %s: requested base revision %llu, tag now %llx %llx %llu, entry at 0x%llx\n", kernel,
            (unsigned long long)requested, (unsigned long long)tag[0], (unsigned long long)tag[LP_TAG_LOADED],
            (unsigned long long)tag[LP_TAG_REQUESTED], (unsigned long long)entry_state.rip);
    boot.nx = cpu_has_ext_leaf(CPUID_EXT_FEATURES) && (cpu_cpuid(CPUID_EXT_FEATURES, 0).edx & CPUID_EXT_EDX_NX);
    boot.pat = (cpu_cpuid(CPUID_FEATURES, 0).edx & CPUID_FEATURES_EDX_PAT) != 0;
    struct cpu_ident id;
    cpuident_read(&id);
    note("cpu %s family 0x%x model 0x%x: NX %s, PAT %s, 1 GiB pages %s", id.vendor, id.family, id.model,
         boot.nx ? "yes" : "no", boot.pat ? "yes" : "no", id.pages_1g ? "yes" : "no");
    boot.have_hhdm = hhdm != NULL;
    boot.hhdm = hhdm ? hhdm->offset : 0;
    boot.memmap = memmap;
}

/* A response must be there, of a revision the spec defines, and (once the HHDM and memory map are
 * known) an HHDM pointer into bootloader-reclaimable memory. Records one check; returns whether the
 * response can be read. */
bool check_response(const void *resp, const char *name, uint64_t max_revision)
{
    const volatile uint64_t *r = resp;
    char title[64];
    uint64_t n = 0;

    for (const char *s = name; *s != '\0' && n + 10 < sizeof title; s++)
        title[n++] = *s;
    for (const char *s = " response"; *s != '\0'; s++)
        title[n++] = *s;
    title[n] = '\0';
    if (r == NULL) {
        check(false, EXIT_FAIL_RESPONSE, title, "NULL");
        return false;
    }
    bool placed = !boot.have_hhdm || boot.memmap == NULL || (hhdm_pointer(resp) && in_reclaimable(resp, 2 * sizeof *r));
    check(r[0] <= max_revision && placed, EXIT_FAIL_RESPONSE, title, "at %p, revision %llu%s", resp,
          (unsigned long long)r[0], placed ? "" : ", not an HHDM pointer into bootloader-reclaimable memory");
    return true;
}
