/* Pure: GOP mode information -> ember's framebuffer description; refuses modes it cannot describe. */
#include "core/fbgeom.h"

#define BITS_PER_BYTE 8
#define BITS_PER_MASK 32
/* Both 8-bit-per-colour formats: one byte each of red, green, blue and reserved. */
#define BYTES_PER_PIXEL_8BPC 4

/* Byte n of a pixel as a mask of the little-endian 32-bit value that holds it. */
#define MASK_BYTE0 0x000000FFu
#define MASK_BYTE1 0x0000FF00u
#define MASK_BYTE2 0x00FF0000u
#define MASK_BYTE3 0xFF000000u

/* Stores reason in *why and returns false, so each refusal is one line. */
static bool refuse(const char **why, const char *reason)
{
    *why = reason;
    return false;
}

/* Sets fb's format, its bpp (bytes whole bytes) and its four masks; returns bytes. */
static unsigned set_layout(struct ember_framebuffer *fb, uint32_t format, unsigned bytes, const uint32_t mask[4])
{
    fb->pixel_format = format;
    fb->bpp = bytes * BITS_PER_BYTE;
    fb->red_mask = mask[0];
    fb->green_mask = mask[1];
    fb->blue_mask = mask[2];
    fb->reserved_mask = mask[3];
    return bytes;
}

/* An 8-bit-per-colour format whose red and blue bytes are at red and blue (green is always byte 1,
 * reserved byte 3). */
static unsigned layout_8bpc(struct ember_framebuffer *fb, uint32_t format, uint32_t red, uint32_t blue)
{
    return set_layout(fb, format, BYTES_PER_PIXEL_8BPC, (const uint32_t[4]){ red, MASK_BYTE1, blue, MASK_BYTE3 });
}

/* Sets fb's format, bpp and masks from a bit-mask mode: the masks as given, bpp the number of bits
 * up to the highest set bit of any mask rounded up to whole bytes. Returns the bytes per pixel, or
 * 0 with *why when the masks have no colour bits or share a bit (UEFI forbids overlap). */
static unsigned layout_bitmask(const struct gop_mode *mode, struct ember_framebuffer *fb, const char **why)
{
    uint32_t r = mode->red_mask, g = mode->green_mask, b = mode->blue_mask, x = mode->reserved_mask;
    unsigned bits, bytes;

    if ((r | g | b) == 0)
        return refuse(why, "bit-mask mode has no red, green or blue bits");
    if (((r & g) | (r & b) | (r & x) | (g & b) | (g & x) | (b & x)) != 0)
        return refuse(why, "bit-mask mode has overlapping masks");
    bits = BITS_PER_MASK - (unsigned)__builtin_clz(r | g | b | x);
    bytes = (bits + BITS_PER_BYTE - 1) / BITS_PER_BYTE;
    return set_layout(fb, EMBER_PIXEL_BITMASK, bytes, (const uint32_t[4]){ r, g, b, x });
}

/* Sets fb's format, bpp and masks for mode's pixel format. Returns the bytes per pixel, or 0 with
 * *why when the format has no linear framebuffer ember can describe. */
static unsigned pixel_layout(const struct gop_mode *mode, struct ember_framebuffer *fb, const char **why)
{
    switch (mode->pixel_format) {
    case GOP_PIXEL_RGBX_8BPC:
        return layout_8bpc(fb, EMBER_PIXEL_RGBX_8BPC, MASK_BYTE0, MASK_BYTE2);
    case GOP_PIXEL_BGRX_8BPC:
        return layout_8bpc(fb, EMBER_PIXEL_BGRX_8BPC, MASK_BYTE2, MASK_BYTE0);
    case GOP_PIXEL_BITMASK:
        return layout_bitmask(mode, fb, why);
    case GOP_PIXEL_BLT_ONLY:
        return refuse(why, "Blt-only mode (PixelBltOnly)");
    default:
        return refuse(why, "unknown pixel format");
    }
}

/* Fills *fb from mode, or zeroes it and says why in *why (the rules are in fbgeom.h). */
bool fbgeom_from_gop(const struct gop_mode *mode, struct ember_framebuffer *fb, const char **why)
{
    struct ember_framebuffer f = { 0 };
    unsigned bytes_per_pixel = pixel_layout(mode, &f, why);
    uint64_t pitch = (uint64_t)mode->pixels_per_scan_line * bytes_per_pixel, end;

    *fb = (struct ember_framebuffer){ 0 };
    if (bytes_per_pixel == 0)
        return false;
    if (mode->horizontal_resolution == 0 || mode->vertical_resolution == 0)
        return refuse(why, "zero width or height");
    if (mode->pixels_per_scan_line < mode->horizontal_resolution)
        return refuse(why, "pixels per scanline smaller than the width");
    if (pitch > UINT32_MAX)
        return refuse(why, "pitch does not fit in 32 bits");
    /* pitch and height are both below 2^32, so the product fits in 64 bits */
    if (mode->frame_buffer_size < pitch * mode->vertical_resolution)
        return refuse(why, "framebuffer smaller than pitch * height");
    if (mode->frame_buffer_base == 0)
        return refuse(why, "framebuffer base is 0");
    if (__builtin_add_overflow(mode->frame_buffer_base, mode->frame_buffer_size, &end)
        || !align_up_checked(end, PAGE_SIZE_4K, &end))
        return refuse(why, "framebuffer end wraps past 2^64");
    f.base = mode->frame_buffer_base;
    f.size = mode->frame_buffer_size;
    f.width = mode->horizontal_resolution;
    f.height = mode->vertical_resolution;
    f.pitch = (uint32_t)pitch;
    *fb = f;
    return true;
}
