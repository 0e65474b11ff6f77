/* Probe kernels "template" and "zeroload" (ZEROLOAD): a kernel built the way the limine-c-template
 * builds one - base revision 6 (the newest; 0-5 are deprecated), markers, requests in their own kept section, a framebuffer request,
 * -ffunction-sections with --gc-sections - that draws on the framebuffer and reports. zeroload is the
 * same kernel linked with two zero-size PT_LOADs at vaddr 0 before its real segments. */
#include "probe.h"
#include "requests.h"

#define TEMPLATE_REVISION 6
#define LINE_COLOUR 0xffffff

#if defined(ZEROLOAD)
#define KERNEL_NAME "zeroload"
#elif defined(WX_DATA)
#define KERNEL_NAME "template-wx"
#else
#define KERNEL_NAME "template"
#endif

REQUEST_MARKERS;
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(TEMPLATE_REVISION);
REQUEST struct lp_framebuffer_request framebuffer_req = { .id = LP_ID_FRAMEBUFFER };
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };
REQUEST struct lp_executable_address_request executable_address_req = { .id = LP_ID_EXECUTABLE_ADDRESS };

/* The template's own drawing: a white diagonal from the top-left corner (32 bpp only). */
static void draw_diagonal(const struct lp_framebuffer_response *r)
{
    if (r == NULL || r->framebuffer_count < 1 || r->framebuffers == NULL || r->framebuffers[0] == NULL)
        return;
    const struct lp_framebuffer *fb = r->framebuffers[0];
    if (fb->bpp != 32 || fb->address == NULL)
        return;
    for (uint64_t i = 0; i < fb->width && i < fb->height; i++)
        ((volatile uint32_t *)((uint8_t *)fb->address + i * fb->pitch))[i] = LINE_COLOUR;
}

/* The screen the kernel gets is black, as Limine leaves it: every visible pixel of the first
 * framebuffer reads zero before the kernel draws (the loader's log goes to COM1 only). */
static void check_black(const struct lp_framebuffer_response *r)
{
    uint64_t lit = 0, first = 0;
    if (r == NULL || r->framebuffer_count < 1 || r->framebuffers == NULL || r->framebuffers[0] == NULL)
        return; /* check_framebuffer reports the missing response */
    const struct lp_framebuffer *fb = r->framebuffers[0];
    uint64_t row_bytes = fb->width * (fb->bpp / 8);
    for (uint64_t y = 0; y < fb->height && fb->address != NULL; y++) {
        const volatile uint8_t *row = (const volatile uint8_t *)fb->address + y * fb->pitch;
        for (uint64_t x = 0; x < row_bytes; x++)
            if (row[x] != 0 && lit++ == 0)
                first = y * fb->pitch + x;
    }
    check(fb->address != NULL && lit == 0, EXIT_FAIL_FB, "screen black at entry",
          "%llux%llu: %llu non-zero bytes, the first at offset 0x%llx", (unsigned long long)fb->width,
          (unsigned long long)fb->height, (unsigned long long)lit, (unsigned long long)first);
}

#ifdef PAYLOAD_SIZE
/* make bench: initialised read-only bytes the loader must read from the file (not .bss), kept by
 * --gc-sections through -u bench_payload. */
__attribute__((used, section(".rodata.bench_payload"))) const unsigned char bench_payload[PAYLOAD_SIZE] = { 1 };
#endif

__attribute__((noreturn)) void probe_main(void);

/* The ELF entry point: checks the base revision, entry state, memory map, HHDM, the kernel's own
 * mapping and the framebuffer, then draws. */
void probe_main(void)
{
    probe_start(KERNEL_NAME, base_revision, TEMPLATE_REVISION, hhdm_req.response, memmap_req.response);
#ifdef WX_DATA
    boot.data_wx = true; /* Limine maps a PF_W|PF_X segment writable and executable */
#endif
    check_base_revision(base_revision, true);
    check_entry_registers(true);
    check_entry_cpu();
    if (!boot.have_hhdm) {
        check(false, EXIT_FAIL_RESPONSE, "HHDM response", "NULL: nothing else can be checked");
        probe_finish();
    }
    check_lower_half();
    check_memmap();
    check_hhdm(hhdm_req.response, NULL);
    check_kernel_mapping();
    check_stack();
    check_executable_address(executable_address_req.response, entry_state.rip);
    check_black(framebuffer_req.response);
    check_framebuffer(framebuffer_req.response, NULL);
    draw_diagonal(framebuffer_req.response);
    probe_finish();
}
