/* Probe check: the Framebuffer feature - geometry, pixel masks, the HHDM mapping (write-combining
 * through PAT5 when the CPU has a PAT), the EDID blob, the mode list, and the Bochs DISPI registers
 * QEMU -vga std programs. Draws a bar across the top when it all holds. "framebuffers=0" on the
 * command line says the machine has no display: then no framebuffer may be reported. */
#include "cpu.h"
#include "probe.h"
#include "../include/dispi.h"

#define DISPI_REG_ID 0
#define DISPI_REG_XRES 1
#define DISPI_REG_YRES 2
#define DISPI_REG_BPP 3
#define DISPI_REG_ENABLE 4
#define DISPI_REG_VIRT_WIDTH 6
#define BITS_PER_BYTE 8
#define PAT_WC 5
#define EDID_BLOCK 128
#define MAX_FRAMEBUFFERS 8
#define MAX_MODES 4096
#define BAR_ROWS 16

/* Bytes a pixel of bpp bits occupies. */
static uint64_t bytes_per_pixel(uint64_t bpp)
{
    return (bpp + BITS_PER_BYTE - 1) / BITS_PER_BYTE;
}

/* A mask of size bits at shift. */
static uint64_t mask_of(uint8_t size, uint8_t shift)
{
    return size >= 64 ? ~0ULL : ((1ULL << size) - 1) << shift;
}

/* RGB memory model, each channel non-empty inside bpp, channels disjoint, a pitch that holds a row. */
static bool geometry_ok(uint64_t width, uint64_t height, uint64_t pitch, uint16_t bpp, uint8_t model,
                        const uint8_t masks[6])
{
    uint64_t r = mask_of(masks[0], masks[1]), g = mask_of(masks[2], masks[3]), b = mask_of(masks[4], masks[5]);
    bool fits = masks[0] && masks[2] && masks[4] && masks[0] + masks[1] <= bpp && masks[2] + masks[3] <= bpp &&
                masks[4] + masks[5] <= bpp;
    return model == LP_FB_MEMORY_MODEL_RGB && width > 0 && height > 0 && bpp > 0 && fits && !(r & g) && !(r & b) &&
           !(g & b) && pitch >= width * bytes_per_pixel(bpp);
}

/* The EDID blob is NULL or a valid 128-byte block: the 00 FF FF FF FF FF FF 00 header, checksum 0. */
static void check_edid(const struct lp_framebuffer *fb)
{
    static const uint8_t header[8] = { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };
    bool ok = true;
    uint8_t sum = 0;

    if (fb->edid != NULL) {
        ok = fb->edid_size >= EDID_BLOCK && hhdm_pointer(fb->edid) && in_reclaimable(fb->edid, fb->edid_size);
        for (unsigned i = 0; ok && i < EDID_BLOCK; i++) {
            ok = i >= sizeof header || fb->edid[i] == header[i];
            sum = (uint8_t)(sum + fb->edid[i]);
        }
        ok = ok && sum == 0;
    }
    check(ok, EXIT_FAIL_FB, "EDID NULL or valid", "at %p, %llu bytes", (const void *)fb->edid,
          (unsigned long long)fb->edid_size);
}

/* Response revision 1: every mode pointer present, each mode self-consistent. */
static void check_modes(const struct lp_framebuffer *fb)
{
    unsigned bad = 0;
    bool array = fb->mode_count == 0 || (fb->modes != NULL && fb->mode_count <= MAX_MODES &&
                                         in_reclaimable(fb->modes, fb->mode_count * sizeof fb->modes[0]));
    for (uint64_t i = 0; array && i < fb->mode_count; i++) {
        const struct lp_video_mode *m = fb->modes[i];
        const uint8_t masks[6] = { m ? m->red_mask_size : 0, m ? m->red_mask_shift : 0, m ? m->green_mask_size : 0,
                                   m ? m->green_mask_shift : 0, m ? m->blue_mask_size : 0, m ? m->blue_mask_shift : 0 };
        bad += m == NULL || !in_reclaimable(m, sizeof *m) ||
               !geometry_ok(m->width, m->height, m->pitch, m->bpp, m->memory_model, masks);
    }
    check(array && bad == 0, EXIT_FAIL_FB, "video mode list", "%llu modes, %u bad", (unsigned long long)fb->mode_count,
          bad);
}

/* The framebuffer's HHDM mapping: every byte mapped to address - offset, write-combining (PAT5)
 * when the CPU has a PAT. */
static bool check_fb_mapping(const struct lp_framebuffer *fb)
{
    uint64_t va = (uint64_t)fb->address, len = fb->pitch * fb->height, bad = 0;
    struct leaf first, last;

    bool mapped = hhdm_pointer(fb->address) && range_maps_to(va, len, va - boot.hhdm, &bad);
    check(mapped, EXIT_FAIL_FB, "framebuffer mapped through the HHDM", "%p + 0x%llx, first bad 0x%llx", fb->address,
          (unsigned long long)len, (unsigned long long)bad);
    if (mapped && boot.pat && page_walk(va, &first) && page_walk(va + len - 1, &last))
        check(first.pat == PAT_WC && last.pat == PAT_WC, EXIT_FAIL_FB, "framebuffer write-combining (PAT5)",
              "PAT index %u at the start, %u at the end", first.pat, last.pat);
    int type = memmap_type_at(va - boot.hhdm);
    note("framebuffer phys 0x%llx in a %s memory map entry", (unsigned long long)(va - boot.hhdm),
         type < 0 ? "missing" : memmap_type_name((uint64_t)type));
    return mapped;
}

/* Against the DISPI mode registers when that device is there and enabled. */
static void check_fb_hardware(const struct lp_framebuffer *fb)
{
    struct dispi_mode hw;
    if (!dispi_probe(&hw) || !(hw.enable & DISPI_ENABLED)) {
        note("no enabled Bochs DISPI device (id 0x%x): framebuffer not compared with the hardware", hw.id);
        return;
    }
    uint16_t x = hw.xres, y = hw.yres, bpp = hw.bpp, vw = hw.virt_width;
    check(fb->width == x && fb->height == y && fb->bpp == bpp && fb->pitch == vw * bytes_per_pixel(bpp), EXIT_FAIL_FB,
          "framebuffer matches the display mode", "%llux%llu pitch %llu bpp %u; DISPI %ux%u virtual width %u bpp %u",
          (unsigned long long)fb->width, (unsigned long long)fb->height, (unsigned long long)fb->pitch, fb->bpp, x, y,
          vw, bpp);
}

/* Fills the top rows yellow (full red and green) through the masks (32 bpp only) and reads the first pixel back. */
static void draw_bar(const struct lp_framebuffer *fb)
{
    if (fb->bpp != 32)
        return;
    uint32_t px = (uint32_t)(mask_of(fb->red_mask_size, fb->red_mask_shift) | mask_of(fb->green_mask_size, fb->green_mask_shift));
    for (uint64_t row = 0; row < BAR_ROWS && row < fb->height; row++)
        for (uint64_t col = 0; col < fb->width; col++)
            ((volatile uint32_t *)((uint8_t *)fb->address + row * fb->pitch))[col] = px;
    uint32_t back = *(volatile uint32_t *)fb->address;
    check(back == px, EXIT_FAIL_FB, "framebuffer drawn", "wrote 0x%08x, read 0x%08x", px, back);
}

/* A machine without a display: the response lists the framebuffers there are, so none is either no
 * response (what Limine itself does) or a response with a count of 0; either way the memory map
 * has no framebuffer entry. The detail says which of the two the loader chose. */
static void check_no_framebuffer(const struct lp_framebuffer_response *r)
{
    uint64_t ranges = 0, count = r != NULL ? r->framebuffer_count : 0;
    struct dispi_mode hw;

    for (uint64_t i = 0; boot.memmap != NULL && boot.memmap->entries != NULL && i < boot.memmap->entry_count; i++)
        ranges += boot.memmap->entries[i] != NULL && boot.memmap->entries[i]->type == LP_MEM_FRAMEBUFFER;
    check(count == 0 && ranges == 0, EXIT_FAIL_FB, "no framebuffer reported",
          "%s %llu framebuffers, %llu framebuffer entries in the memory map, %s",
          r == NULL ? "response NULL:" : "response lists", (unsigned long long)count, (unsigned long long)ranges,
          dispi_probe(&hw) ? "a DISPI device is present" : "no DISPI device");
}

/* Checks the framebuffer response and its first framebuffer, then draws on it; with framebuffers=0
 * in cmdline (may be NULL), checks that none is reported. */
void check_framebuffer(const struct lp_framebuffer_response *r, const char *cmdline)
{
    char count[8];
    if (cmdline != NULL && word_value(cmdline, "framebuffers", count, sizeof count) && parse_dec(count) == 0) {
        check_no_framebuffer(r);
        return;
    }
    if (!check_response(r, "framebuffer", LP_FRAMEBUFFER_RESPONSE_REVISION_MAX))
        return;
    bool array = r->framebuffer_count > 0 && r->framebuffer_count <= MAX_FRAMEBUFFERS && r->framebuffers != NULL;
    const struct lp_framebuffer *fb = array ? r->framebuffers[0] : NULL;
    bool placed = array && fb != NULL &&
                  in_reclaimable(r->framebuffers, r->framebuffer_count * sizeof r->framebuffers[0]) &&
                  in_reclaimable(fb, sizeof *fb);
    check(placed, EXIT_FAIL_FB, "framebuffer list", "%llu framebuffers, array %p, first at %p%s",
          (unsigned long long)r->framebuffer_count, (void *)r->framebuffers, (const void *)fb,
          array && fb && !placed ? ", not in bootloader-reclaimable memory" : "");
    if (fb == NULL)
        return;
    const uint8_t masks[6] = { fb->red_mask_size, fb->red_mask_shift, fb->green_mask_size,
                               fb->green_mask_shift, fb->blue_mask_size, fb->blue_mask_shift };
    bool geometry = fb->address != NULL && geometry_ok(fb->width, fb->height, fb->pitch, fb->bpp, fb->memory_model, masks);
    check(geometry, EXIT_FAIL_FB, "framebuffer geometry", "%llux%llu pitch %llu bpp %u model %u R %u@%u G %u@%u B %u@%u",
          (unsigned long long)fb->width, (unsigned long long)fb->height, (unsigned long long)fb->pitch, fb->bpp,
          fb->memory_model, masks[0], masks[1], masks[2], masks[3], masks[4], masks[5]);
    if (!geometry)
        return;
    bool mapped = check_fb_mapping(fb);
    check_fb_hardware(fb);
    check_edid(fb);
    if (r->revision >= 1)
        check_modes(fb);
    if (mapped)
        draw_bar(fb);
}
