/* Probe kernels a loader must refuse (and return to firmware with a clear error):
 *   BAD_DUPLICATE     two memory map requests ("The bootloader will refuse to boot an executable
 *                     with multiple of the same request IDs")
 *   BAD_RESPONSE_SET  a request whose response pointer is already non-NULL in the file
 *   BAD_MISALIGNED    a memory map request at an address = 4 mod 8 (requests must be 8-byte aligned)
 * The latter two are ember's own strictness, not a spec mandate. Starting any of them is a failure. */
#include "probe.h"
#include "requests.h"

#define BAD_REVISION 3
#define BOGUS_RESPONSE 0xffffffff8badf000ULL

REQUEST_MARKERS;
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(BAD_REVISION);
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };

#if defined(BAD_DUPLICATE)
#define KERNEL_NAME "bad-duplicate"
#define WHY "two memory map requests"
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };
REQUEST struct lp_memmap_request memmap_again_req = { .id = LP_ID_MEMMAP };
#elif defined(BAD_RESPONSE_SET)
#define KERNEL_NAME "bad-response-set"
#define WHY "a memory map request whose response field was set in the file"
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP,
                                                .response = (struct lp_memmap_response *)BOGUS_RESPONSE };
#elif defined(BAD_MISALIGNED)
#define KERNEL_NAME "bad-misaligned"
#define WHY "a memory map request at 4 mod 8"
/* Written in assembly so the compiler cannot align it: 8-byte boundary, 4 bytes of padding, then the
 * five request words (id, revision 0, response NULL). */
__asm__(".pushsection .requests, \"aw\"\n"
        ".balign 8\n"
        ".skip 4\n"
        ".globl misaligned_memmap_request\n"
        "misaligned_memmap_request:\n"
        ".quad 0xc7b1dd30df4c8b88, 0x0a82e883a194f07b, 0x67cf3d9d378a806f, 0xe304acdfc50c3c62\n"
        ".quad 0, 0\n"
        ".popsection\n");
#else
#error "define BAD_DUPLICATE, BAD_RESPONSE_SET or BAD_MISALIGNED (limine.mk)"
#endif

__attribute__((noreturn)) void probe_main(void);

/* Reached only if the loader started a kernel it had to refuse: says so and fails. */
void probe_main(void)
{
    probe_start(KERNEL_NAME, base_revision, BAD_REVISION, hhdm_req.response, NULL);
    check(false, EXIT_FAIL_BOOTED, "loader refuses the kernel", "it started %s with %s", KERNEL_NAME, WHY);
    probe_finish();
}
