/* Probe kernels that break a rule of the spec:
 *   BAD_DUPLICATE     two memory map requests ("The bootloader will refuse to boot an executable
 *                     with multiple of the same request IDs"): must be refused, starting it fails.
 * and three breaches Limine boots through (its source, common/protos/limine.c), which a drop-in
 * must boot the same way (and, with strict=yes in ember.cfg, refuse):
 *   BAD_RESPONSE_SET  a memory map request whose response pointer is already non-NULL in the file:
 *                     Limine overwrites it with its answer.
 *   BAD_MISALIGNED    a memory map request at an address = 4 mod 8: Limine's scan steps by 8 bytes
 *                     and never sees it, so it stays unanswered (response still NULL).
 *   BAD_TAG_OUTSIDE   a base revision 3 tag before the start marker: Limine's scan never sees it,
 *                     so the kernel is loaded as revision 0 and the tag keeps its words. */
#include "probe.h"
#include "requests.h"

#define BAD_REVISION 3
#define BOGUS_RESPONSE 0xffffffff8badf000ULL

REQUEST_MARKERS;
#ifdef BAD_TAG_OUTSIDE
__attribute__((used, section(".requests_pre"), aligned(8))) static volatile uint64_t base_revision[3] =
    LP_BASE_REVISION(BAD_REVISION);
#else
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(BAD_REVISION);
#endif
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };

#if defined(BAD_DUPLICATE)
#define KERNEL_NAME "bad-duplicate"
#define WHY "two memory map requests"
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };
REQUEST struct lp_memmap_request memmap_again_req = { .id = LP_ID_MEMMAP };
#elif defined(BAD_RESPONSE_SET)
#define KERNEL_NAME "bad-response-set"
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP,
                                                .response = (struct lp_memmap_response *)BOGUS_RESPONSE };
#elif defined(BAD_MISALIGNED)
#define KERNEL_NAME "bad-misaligned"
/* Written in assembly so the compiler cannot align it: 8-byte boundary, 4 bytes of padding, then the
 * request words (id, revision 0, response NULL). */
__asm__(".pushsection .requests, \"aw\"\n"
        ".balign 8\n"
        ".skip 4\n"
        ".globl misaligned_memmap_request\n"
        "misaligned_memmap_request:\n"
        ".quad 0xc7b1dd30df4c8b88, 0x0a82e883a194f07b, 0x67cf3d9d378a806f, 0xe304acdfc50c3c62\n"
        ".quad 0, 0\n"
        ".popsection\n");
extern volatile uint64_t misaligned_memmap_request[6];
#elif defined(BAD_TAG_OUTSIDE)
#define KERNEL_NAME "bad-tag-outside"
#else
#error "define BAD_DUPLICATE, BAD_RESPONSE_SET, BAD_MISALIGNED or BAD_TAG_OUTSIDE (limine.mk)"
#endif

/* What Limine gives the kernel for its breach. */
static void check_as_limine_boots_it(void)
{
#if defined(BAD_DUPLICATE)
    check(false, EXIT_FAIL_BOOTED, "loader refuses the kernel", "it started %s with %s", KERNEL_NAME, WHY);
#elif defined(BAD_RESPONSE_SET)
    const struct lp_memmap_response *r = memmap_req.response;
    check(r != (const void *)BOGUS_RESPONSE && hhdm_pointer(r) && r->entry_count > 0, EXIT_FAIL_RESPONSE,
          "preset response overwritten with the answer", "response %p", (const void *)r);
#elif defined(BAD_MISALIGNED)
    check(misaligned_memmap_request[5] == 0, EXIT_FAIL_REVISION, "misaligned request never answered",
          "response word 0x%llx at %p", (unsigned long long)misaligned_memmap_request[5],
          (void *)misaligned_memmap_request);
#else
    check(base_revision[1] == LP_TAG_MAGIC1 && base_revision[2] == BAD_REVISION, EXIT_FAIL_REVISION,
          "tag outside the markers left alone (loaded as revision 0)", "words 0x%llx %llu",
          (unsigned long long)base_revision[1], (unsigned long long)base_revision[2]);
#endif
}

__attribute__((noreturn)) void probe_main(void);

void probe_main(void)
{
    probe_start(KERNEL_NAME, base_revision, BAD_REVISION, hhdm_req.response, NULL);
    check(hhdm_req.response != NULL, EXIT_FAIL_RESPONSE, "HHDM request inside the markers answered", "response %p",
          (void *)hhdm_req.response);
    check_as_limine_boots_it();
    probe_finish();
}
