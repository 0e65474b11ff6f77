/* Sample kernel check: the framebuffer ember reports against the display mode the hardware is in
 * (QEMU -vga std: the Bochs VBE "DISPI" registers), else against itself; no framebuffer against
 * bootinfo.h's "absent" and the hardware. The cmdline may say what to expect: "fb_expect=N"
 * framebuffers (0 on a machine without a display, 1 with one). */
#include "kcpu.h"
#include "kernel.h"
#include "../include/dispi.h"

#define BITS_PER_BYTE 8
#define BAR_ROWS 8
#define BAR_RED 0xff
#define BAR_GREEN 0x88
#define BAR_BLUE 0x00

/* Bytes one pixel of bpp bits occupies (15 bpp takes 2). */
static uint32_t bytes_per_pixel(uint32_t bpp)
{
    return (bpp + BITS_PER_BYTE - 1) / BITS_PER_BYTE;
}

/* True when the pixel format can describe bpp-bit pixels: the 8-bit-per-channel formats are
 * 32 bpp; bitmask needs disjoint, non-zero R/G/B masks that, with the reserved mask, fit in bpp bits. */
static bool format_fits_bpp(const struct ember_framebuffer *fb)
{
    if (fb->pixel_format == EMBER_PIXEL_RGBX_8BPC || fb->pixel_format == EMBER_PIXEL_BGRX_8BPC)
        return fb->bpp == 32;
    if (fb->pixel_format != EMBER_PIXEL_BITMASK || fb->bpp == 0 || fb->bpp > 32)
        return false;
    uint32_t r = fb->red_mask, g = fb->green_mask, b = fb->blue_mask, x = fb->reserved_mask;
    uint64_t fits = (1ULL << fb->bpp) - 1;
    bool disjoint = !(r & g) && !(r & b) && !(g & b) && !((r | g | b) & x);
    return r != 0 && g != 0 && b != 0 && disjoint && ((uint64_t)(r | g | b | x) & ~fits) == 0;
}

/* True for the depths a linear framebuffer uses. */
static bool common_bpp(uint32_t bpp)
{
    return bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

/* Places an 8-bit channel value in the field mask selects (its top bits when the field is narrower). */
static uint32_t channel_in_mask(uint8_t value, uint32_t mask)
{
    if (mask == 0)
        return 0;
    unsigned shift = (unsigned)__builtin_ctz(mask), width = 0;
    while (width + shift < 32 && (mask >> (shift + width)) & 1)
        width++;
    uint32_t field = width >= BITS_PER_BYTE ? (uint32_t)value << (width - BITS_PER_BYTE)
                                            : (uint32_t)value >> (BITS_PER_BYTE - width);
    return (field << shift) & mask;
}

/* Returns the 32-bit pixel value of colour (r, g, b) in fb's pixel format. */
static uint32_t pixel32(const struct ember_framebuffer *fb, uint8_t r, uint8_t g, uint8_t b)
{
    if (fb->pixel_format == EMBER_PIXEL_RGBX_8BPC)
        return (uint32_t)r | (uint32_t)g << 8 | (uint32_t)b << 16;
    if (fb->pixel_format == EMBER_PIXEL_BGRX_8BPC)
        return (uint32_t)b | (uint32_t)g << 8 | (uint32_t)r << 16;
    return channel_in_mask(r, fb->red_mask) | channel_in_mask(g, fb->green_mask) |
           channel_in_mask(b, fb->blue_mask);
}

/* A visible sign of life: an orange bar across the top. Only 32 bpp is drawn; fb was checked. */
static void draw_bar(const struct ember_framebuffer *fb)
{
    if (fb->bpp != 32)
        return;
    uint32_t pixel = pixel32(fb, BAR_RED, BAR_GREEN, BAR_BLUE);
    for (uint32_t y = 0; y < BAR_ROWS && y < fb->height; y++)
        for (uint32_t x = 0; x < fb->width; x++)
            ((volatile uint32_t *)(fb->base + (uint64_t)y * fb->pitch))[x] = pixel;
}

/* Visible pixels whose colour bits are not zero (32 bpp; other depths: any non-zero byte). */
static uint64_t lit_pixels(const struct ember_framebuffer *fb)
{
    uint32_t colour = fb->pixel_format == EMBER_PIXEL_BITMASK ? fb->red_mask | fb->green_mask | fb->blue_mask
                                                              : 0x00ffffffu;
    uint64_t lit = 0, row_bytes = (uint64_t)fb->width * bytes_per_pixel(fb->bpp);

    for (uint32_t y = 0; y < fb->height && (uint64_t)(y + 1) * fb->pitch <= fb->size; y++) {
        const volatile uint8_t *row = (const volatile uint8_t *)(fb->base + (uint64_t)y * fb->pitch);
        for (uint64_t x = 0; x < row_bytes; x += fb->bpp == 32 ? 4 : 1)
            lit += fb->bpp == 32 ? (*(const volatile uint32_t *)(row + x) & colour) != 0 : row[x] != 0;
    }
    return lit;
}

/* Checks a reported framebuffer (base != 0): against the DISPI mode when that device is present and
 * enabled, else for self-consistency only, saying so. Draws the bar when the check passed. */
static void check_framebuffer(const struct ember_framebuffer *fb)
{
    struct dispi_mode hw;
    bool covers = fb->size >= (uint64_t)fb->pitch * fb->height;
    bool ok;

    if (dispi_probe(&hw) && (hw.enable & DISPI_ENABLED)) {
        ok = fb->width == hw.xres && fb->height == hw.yres && fb->bpp == hw.bpp &&
             fb->pitch == (uint32_t)hw.virt_width * bytes_per_pixel(hw.bpp) && covers && format_fits_bpp(fb);
        check(ok, EXIT_FAIL_FIRMWARE, "framebuffer matches the display mode",
              "at 0x%llx: %ux%u pitch %u bpp %u format %u; DISPI 0x%x: %ux%u virtual width %u bpp %u",
              (unsigned long long)fb->base, fb->width, fb->height, fb->pitch, fb->bpp, fb->pixel_format, hw.id,
              hw.xres, hw.yres, hw.virt_width, hw.bpp);
    } else {
        ok = fb->width > 0 && fb->height > 0 && common_bpp(fb->bpp) &&
             fb->pitch >= fb->width * bytes_per_pixel(fb->bpp) && covers && format_fits_bpp(fb);
        check(ok, EXIT_FAIL_FIRMWARE, "framebuffer self-consistent",
              "%ux%u pitch %u bpp %u format %u; hardware not checked (%s)", fb->width, fb->height, fb->pitch,
              fb->bpp, fb->pixel_format, hw.id >= DISPI_ID_FIRST && hw.id <= DISPI_ID_LAST ? "DISPI disabled"
                                                                                         : "no DISPI device");
    }
    uint64_t lit = covers ? lit_pixels(fb) : 0;
    check(covers && lit == 0, EXIT_FAIL_FIRMWARE, "screen black at entry", "%llu pixels lit",
          (unsigned long long)lit);
    if (ok)
        draw_bar(fb);
}

/* bootinfo.h: the direct map covers physical [0, hhdm_size), and the framebuffer is physical memory
 * the memory map lists: a kernel that drops the identity map reaches it there. Both its ends must be
 * mapped, writable, at their own physical addresses. */
static void check_framebuffer_in_direct_map(const struct ember_bootinfo *info)
{
    const struct ember_framebuffer *fb = &info->framebuffer;
    uint64_t ends[2] = { fb->base, fb->base + fb->size - 1 };
    bool ok = ends[1] < info->hhdm_size;

    for (unsigned i = 0; i < 2 && ok; i++) {
        struct kernel_leaf leaf;
        ok = walk_page_tables(info, ends[i] + info->hhdm_offset, &leaf) && leaf.phys == ends[i] && leaf.writable;
    }
    check(ok, EXIT_FAIL_PAGING, "framebuffer in the direct map", "[0x%llx, 0x%llx), direct map 0x%llx bytes",
          (unsigned long long)ends[0], (unsigned long long)ends[1] + 1, (unsigned long long)info->hhdm_size);
}

/* No framebuffer (base 0): bootinfo.h's "absent" is a description that is all zero and a memory map
 * without a framebuffer range; and the hardware must agree: an enabled DISPI mode is a display the
 * firmware's GOP drives, which ember should have reported. */
static void check_no_framebuffer(const struct ember_bootinfo *info)
{
    const uint8_t *bytes = (const uint8_t *)&info->framebuffer;
    const struct ember_memmap_entry *map = (const void *)info->memmap;
    unsigned nonzero = 0, ranges = 0;
    struct dispi_mode hw;

    for (unsigned i = 0; i < sizeof info->framebuffer; i++)
        nonzero += bytes[i] != 0;
    for (uint64_t i = 0; i < info->memmap_count; i++)
        ranges += map[i].type == EMBER_MEM_FRAMEBUFFER;
    bool device = dispi_probe(&hw), display = device && (hw.enable & DISPI_ENABLED);
    check(nonzero == 0 && ranges == 0 && !display, EXIT_FAIL_FIRMWARE, "no framebuffer reported as absent",
          "%u non-zero bytes in the description, %u framebuffer ranges in the memory map, %s", nonzero, ranges,
          display ? "yet the DISPI display is enabled" : device ? "DISPI display disabled" : "no DISPI device");
}

void check_framebuffer_report(const struct ember_bootinfo *info)
{
    const struct ember_framebuffer *fb = &info->framebuffer;
    uint64_t expected = cmdline_number(info, "fb_expect=", UINT64_MAX);

    if (expected != UINT64_MAX)
        check((fb->base != 0) == (expected != 0), EXIT_FAIL_FIRMWARE, "framebuffer count as expected",
              "fb_expect=%llu, %s at 0x%llx", (unsigned long long)expected, fb->base != 0 ? "one" : "none",
              (unsigned long long)fb->base);
    if (fb->base != 0) {
        check_framebuffer(fb);
        check_framebuffer_in_direct_map(info);
    } else
        check_no_framebuffer(info);
}
