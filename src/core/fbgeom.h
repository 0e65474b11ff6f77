/* Pure: a GOP mode (format, masks, resolution, scanline, framebuffer) -> struct ember_framebuffer. */
#ifndef EMBER_FBGEOM_H
#define EMBER_FBGEOM_H

#include "ember/bootinfo.h"
#include "core/types.h"

/* EFI_GRAPHICS_PIXEL_FORMAT (UEFI 2.10, 12.9) as plain numbers so this module needs no firmware
 * headers. Values from 4 up are not formats (PixelFormatMax and beyond). */
enum {
    GOP_PIXEL_RGBX_8BPC = 0, /* PixelRedGreenBlueReserved8BitPerColor: bytes R, G, B, reserved */
    GOP_PIXEL_BGRX_8BPC = 1, /* PixelBlueGreenRedReserved8BitPerColor: bytes B, G, R, reserved */
    GOP_PIXEL_BITMASK = 2,   /* PixelBitMask: the four masks say which bits are what */
    GOP_PIXEL_BLT_ONLY = 3,  /* PixelBltOnly: no linear framebuffer, Blt() only */
};

/* The fields of EFI_GRAPHICS_OUTPUT_MODE_INFORMATION and EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE that
 * describe the framebuffer, copied by the caller from the firmware's structures. */
struct gop_mode {
    uint32_t pixel_format;          /* PixelFormat: GOP_PIXEL_* */
    uint32_t red_mask;              /* PixelInformation: meaningful for GOP_PIXEL_BITMASK only */
    uint32_t green_mask;            /* (firmware may leave garbage in them for other formats) */
    uint32_t blue_mask;
    uint32_t reserved_mask;
    uint32_t horizontal_resolution; /* visible pixels per scanline */
    uint32_t vertical_resolution;   /* scanlines */
    uint32_t pixels_per_scan_line;  /* pixels per scanline in memory, >= horizontal_resolution */
    uint64_t frame_buffer_base;     /* physical address */
    uint64_t frame_buffer_size;     /* bytes */
};

/* Describes the linear framebuffer of mode in *fb: base, size, width, height, bpp, pitch (bytes per
 * scanline = pixels_per_scan_line * whole bytes per pixel), pixel_format and masks (fixed masks
 * for the 8-bit-per-colour formats, the mode's own for bit-mask modes, bpp then being the highest
 * mask bit rounded up to whole bytes). Returns false, *fb all zero (base 0 means "no framebuffer"
 * in bootinfo.h) and *why a static string saying which rule refused the mode, when there is no
 * usable linear framebuffer: Blt-only or unknown format, zero resolution, scanline shorter than
 * the width, bit-mask modes with overlapping or no colour bits, a pitch that does not fit 32 bits,
 * a buffer smaller than pitch * height, a base of 0, or a buffer whose end wraps past 2^64 once
 * rounded up to a page (the memory map rounds it so). *why is untouched on success. */
bool fbgeom_from_gop(const struct gop_mode *mode, struct ember_framebuffer *fb, const char **why);

#endif
