/* Probe kernels with requests a loader must not see, which must therefore stay unanswered:
 *   OUTSIDE_MARKERS  base revision 2 (markers binding): a bootloader info request before the start
 *                    marker, a date-at-boot request and a second memory map request after the end
 *                    marker (in .data). The second memory map request is no duplicate: outside the
 *                    markers it is not a request at all.
 *   IN_BSS           a date-at-boot request at the end of .data, cut off the segment's file bytes by
 *                    trim_filesz.py: the file holds it, the loaded image (zero-filled .bss) does not.
 * Both also check the requests inside the markers were answered and the usual layout. */
#include "probe.h"
#include "requests.h"

#if defined(OUTSIDE_MARKERS)
#define KERNEL_NAME "outside-markers"
#define EDGE_REVISION 2
#elif defined(IN_BSS)
#define KERNEL_NAME "in-bss"
#define EDGE_REVISION 3
#else
#error "define OUTSIDE_MARKERS or IN_BSS (limine.mk)"
#endif
#define REQUEST_WORDS 6

REQUEST_MARKERS;
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(EDGE_REVISION);
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };

#ifdef OUTSIDE_MARKERS
__attribute__((used, section(".requests_pre"), aligned(8))) static volatile struct lp_bootloader_info_request
    before_start_req = { .id = LP_ID_BOOTLOADER_INFO };
__attribute__((used, section(".data"), aligned(8))) static volatile struct lp_date_at_boot_request after_end_req = {
    .id = LP_ID_DATE_AT_BOOT
};
__attribute__((used, section(".data"), aligned(8))) static volatile struct lp_memmap_request after_end_memmap_req = {
    .id = LP_ID_MEMMAP
};

/* The three requests outside the markers stayed NULL; the ones inside were answered. */
static void check_edge(void)
{
    check(before_start_req.response == NULL, EXIT_FAIL_REVISION, "request before the start marker ignored",
          "bootloader info response %p", (void *)before_start_req.response);
    check(after_end_req.response == NULL && after_end_memmap_req.response == NULL, EXIT_FAIL_REVISION,
          "requests after the end marker ignored", "date response %p, second memory map response %p",
          (void *)after_end_req.response, (void *)after_end_memmap_req.response);
}
#else
__attribute__((used, section(".requests_tail"), aligned(8))) static volatile struct lp_date_at_boot_request
    in_bss_request = { .id = LP_ID_DATE_AT_BOOT };

/* The request's bytes in memory are the zero fill, and nothing answered it. */
static void check_edge(void)
{
    unsigned nonzero = 0;
    for (unsigned i = 0; i < REQUEST_WORDS; i++)
        nonzero += ((volatile uint64_t *)&in_bss_request)[i] != 0;
    check(nonzero == 0, EXIT_FAIL_REVISION, "request past p_filesz zero-filled", "%u of %u words non-zero at %p",
          nonzero, REQUEST_WORDS, (void *)&in_bss_request);
    check(in_bss_request.response == NULL, EXIT_FAIL_REVISION, "request past p_filesz not answered", "response %p",
          (void *)in_bss_request.response);
}
#endif

__attribute__((noreturn)) void probe_main(void);

/* The ELF entry point: base revision, the edge requests, then the usual layout checks. */
void probe_main(void)
{
    probe_start(KERNEL_NAME, base_revision, EDGE_REVISION, hhdm_req.response, memmap_req.response);
    check_base_revision(base_revision, true);
    check_edge();
    check_entry_registers(true);
    if (!boot.have_hhdm) {
        check(false, EXIT_FAIL_RESPONSE, "HHDM response", "NULL: nothing else can be checked");
        probe_finish();
    }
    check_lower_half();
    check_memmap();
    check_hhdm(hhdm_req.response, NULL);
    check_kernel_mapping();
    probe_finish();
}
