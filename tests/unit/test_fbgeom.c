/* Host tests of turning a GOP mode into struct ember_framebuffer, and of every refusal (src/core/fbgeom.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/fbgeom.h"

#define GARBAGE 0xAA
#define OVMF_STALE_MASK 0xAFAFAFAFu /* what OVMF leaves in the masks of non-bit-mask modes */
#define FB_BASE 0x80000000ULL
#define WIDTH 1000
#define HEIGHT 600
#define PPSL 1024 /* scanlines padded past the width */

static const char *const untouched = "untouched";

/* A valid mode of format with padded scanlines, stale masks, and a buffer of exactly pitch * height
 * bytes for bytes_per_pixel. */
static struct gop_mode mode_of(uint32_t format, unsigned bytes_per_pixel)
{
    return (struct gop_mode){
        .pixel_format = format,
        .red_mask = OVMF_STALE_MASK,
        .green_mask = OVMF_STALE_MASK,
        .blue_mask = OVMF_STALE_MASK,
        .reserved_mask = OVMF_STALE_MASK,
        .horizontal_resolution = WIDTH,
        .vertical_resolution = HEIGHT,
        .pixels_per_scan_line = PPSL,
        .frame_buffer_base = FB_BASE,
        .frame_buffer_size = (uint64_t)PPSL * bytes_per_pixel * HEIGHT,
    };
}

static struct gop_mode bitmask_mode(uint32_t r, uint32_t g, uint32_t b, uint32_t x, unsigned bytes)
{
    struct gop_mode m = mode_of(GOP_PIXEL_BITMASK, bytes);
    m.red_mask = r;
    m.green_mask = g;
    m.blue_mask = b;
    m.reserved_mask = x;
    return m;
}

/* Runs fbgeom_from_gop on m, which must be accepted, into *fb (prefilled with garbage). */
static void expect_accepted(const struct gop_mode *m, struct ember_framebuffer *fb)
{
    const char *why = untouched;
    memset(fb, GARBAGE, sizeof *fb);
    assert_true(fbgeom_from_gop(m, fb, &why));
    assert_ptr_equal(why, untouched);
    assert_int_equal(fb->base, m->frame_buffer_base);
    assert_int_equal(fb->size, m->frame_buffer_size);
    assert_int_equal(fb->width, m->horizontal_resolution);
    assert_int_equal(fb->height, m->vertical_resolution);
    assert_int_equal(fb->pad, 0);
}

static void expect_masks(const struct ember_framebuffer *fb, uint32_t r, uint32_t g, uint32_t b, uint32_t x)
{
    assert_int_equal(fb->red_mask, r);
    assert_int_equal(fb->green_mask, g);
    assert_int_equal(fb->blue_mask, b);
    assert_int_equal(fb->reserved_mask, x);
}

/* m must be refused with a reason containing `reason`, and *fb left all zero. */
static void expect_refused(const struct gop_mode *m, const char *reason)
{
    static const struct ember_framebuffer zero;
    struct ember_framebuffer fb;
    const char *why = NULL;

    memset(&fb, GARBAGE, sizeof fb);
    assert_false(fbgeom_from_gop(m, &fb, &why));
    assert_non_null(why);
    if (strstr(why, reason) == NULL)
        fail_msg("reason \"%s\" does not mention \"%s\"", why, reason);
    assert_memory_equal(&fb, &zero, sizeof fb);
}

static void test_fbgeom_rgbx_mode_is_32bpp_with_red_in_byte_zero(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    struct ember_framebuffer fb;
    (void)state;
    m.frame_buffer_size += 0x3000; /* firmware may round up: size is its figure, not pitch * height */
    expect_accepted(&m, &fb);
    assert_int_equal(fb.pixel_format, EMBER_PIXEL_RGBX_8BPC);
    assert_int_equal(fb.bpp, 32);
    assert_int_equal(fb.pitch, PPSL * 4);
    expect_masks(&fb, 0x000000FF, 0x0000FF00, 0x00FF0000, 0xFF000000);
}

static void test_fbgeom_bgrx_mode_is_32bpp_with_blue_in_byte_zero(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_BGRX_8BPC, 4);
    struct ember_framebuffer fb;
    (void)state;
    expect_accepted(&m, &fb);
    assert_int_equal(fb.pixel_format, EMBER_PIXEL_BGRX_8BPC);
    assert_int_equal(fb.bpp, 32);
    assert_int_equal(fb.pitch, PPSL * 4);
    expect_masks(&fb, 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000);
}

static void test_fbgeom_bitmask_565_mode_is_16bpp_with_two_byte_pixels(void **state)
{
    struct gop_mode m = bitmask_mode(0xF800, 0x07E0, 0x001F, 0, 2);
    struct ember_framebuffer fb;
    (void)state;
    expect_accepted(&m, &fb);
    assert_int_equal(fb.pixel_format, EMBER_PIXEL_BITMASK);
    assert_int_equal(fb.bpp, 16);
    assert_int_equal(fb.pitch, PPSL * 2);
    expect_masks(&fb, 0xF800, 0x07E0, 0x001F, 0);
}

static void test_fbgeom_bitmask_24bit_mode_is_24bpp_with_three_byte_pixels(void **state)
{
    struct gop_mode m = bitmask_mode(0xFF0000, 0x00FF00, 0x0000FF, 0, 3);
    struct ember_framebuffer fb;
    (void)state;
    expect_accepted(&m, &fb);
    assert_int_equal(fb.pixel_format, EMBER_PIXEL_BITMASK);
    assert_int_equal(fb.bpp, 24);
    assert_int_equal(fb.pitch, PPSL * 3);
    expect_masks(&fb, 0xFF0000, 0x00FF00, 0x0000FF, 0);
}

static void test_fbgeom_bitmask_555_mode_rounds_15_bits_up_to_16bpp(void **state)
{
    struct gop_mode m = bitmask_mode(0x7C00, 0x03E0, 0x001F, 0, 2);
    struct ember_framebuffer fb;
    (void)state;
    expect_accepted(&m, &fb);
    assert_int_equal(fb.bpp, 16);
    assert_int_equal(fb.pitch, PPSL * 2);
}

static void test_fbgeom_bitmask_reserved_bits_count_towards_bpp(void **state)
{
    struct gop_mode m = bitmask_mode(0xF800, 0x07E0, 0x001F, 0x00FF0000, 3); /* padding byte on top */
    struct gop_mode wide = bitmask_mode(0x3FF00000, 0x000FFC00, 0x000003FF, 0xC0000000, 4); /* 2:10:10:10 */
    struct ember_framebuffer fb;
    (void)state;
    expect_accepted(&m, &fb);
    assert_int_equal(fb.bpp, 24);
    assert_int_equal(fb.pitch, PPSL * 3);
    expect_masks(&fb, 0xF800, 0x07E0, 0x001F, 0x00FF0000);
    expect_accepted(&wide, &fb);
    assert_int_equal(fb.bpp, 32);
    assert_int_equal(fb.pitch, PPSL * 4);
}

static void test_fbgeom_unpadded_scanline_has_pitch_of_width(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_BGRX_8BPC, 4);
    struct ember_framebuffer fb;
    (void)state;
    m.pixels_per_scan_line = WIDTH;
    m.frame_buffer_size = (uint64_t)WIDTH * 4 * HEIGHT;
    expect_accepted(&m, &fb);
    assert_int_equal(fb.pitch, WIDTH * 4);
}

static void test_fbgeom_refuses_blt_only_and_unknown_formats(void **state)
{
    static const uint32_t unknown[] = { 4, 0x7FFFFFFF, 0xFFFFFFFF };
    struct gop_mode m = mode_of(GOP_PIXEL_BLT_ONLY, 4);
    size_t i;
    (void)state;
    expect_refused(&m, "Blt");
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        m.pixel_format = unknown[i];
        expect_refused(&m, "unknown pixel format");
    }
}

static void test_fbgeom_refuses_zero_width_or_height(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    (void)state;
    m.horizontal_resolution = 0;
    expect_refused(&m, "zero width or height");
    m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    m.vertical_resolution = 0;
    expect_refused(&m, "zero width or height");
}

static void test_fbgeom_refuses_scanline_shorter_than_width(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    (void)state;
    m.pixels_per_scan_line = WIDTH - 1;
    expect_refused(&m, "pixels per scanline");
}

static void test_fbgeom_refuses_bitmask_without_colour_bits(void **state)
{
    struct gop_mode none = bitmask_mode(0, 0, 0, 0, 4);
    struct gop_mode reserved_only = bitmask_mode(0, 0, 0, 0xFFFFFFFF, 4);
    (void)state;
    expect_refused(&none, "no red, green or blue bits");
    expect_refused(&reserved_only, "no red, green or blue bits");
}

/* Every pair of masks sharing one bit is refused, reserved included. */
static void test_fbgeom_refuses_bitmask_with_overlapping_masks(void **state)
{
    static const uint32_t base[4] = { 0xFF0000, 0x00FF00, 0x0000FF, 0xFF000000 };
    uint32_t masks[4];
    size_t i, j;
    (void)state;
    for (i = 0; i < 4; i++) {
        for (j = 0; j < 4; j++) {
            struct gop_mode m;
            if (i == j)
                continue;
            memcpy(masks, base, sizeof masks);
            masks[i] |= base[j] & -base[j]; /* the lowest bit of mask j */
            m = bitmask_mode(masks[0], masks[1], masks[2], masks[3], 4);
            expect_refused(&m, "overlapping masks");
        }
    }
}

static void test_fbgeom_refuses_buffer_smaller_than_pitch_times_height(void **state)
{
    struct gop_mode m = bitmask_mode(0xF800, 0x07E0, 0x001F, 0, 2);
    struct ember_framebuffer fb;
    (void)state;
    expect_accepted(&m, &fb); /* exactly PPSL * 2 * HEIGHT */
    m.frame_buffer_size -= 1;
    expect_refused(&m, "smaller than pitch * height");
    m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    m.frame_buffer_size = (uint64_t)WIDTH * 4 * HEIGHT; /* enough for the width, not the pitch */
    expect_refused(&m, "smaller than pitch * height");
}

static void test_fbgeom_refuses_pitch_wider_than_32_bits(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    (void)state;
    m.pixels_per_scan_line = 0x40000000; /* * 4 bytes = 2^32 */
    m.vertical_resolution = 1;
    m.frame_buffer_size = 0x100000000ULL;
    expect_refused(&m, "pitch does not fit in 32 bits");
}

static void test_fbgeom_refuses_base_zero_and_wrapping_end(void **state)
{
    struct gop_mode m = mode_of(GOP_PIXEL_RGBX_8BPC, 4);
    struct ember_framebuffer fb;
    (void)state;
    m.frame_buffer_base = 0;
    expect_refused(&m, "base is 0");
    m.frame_buffer_base = UINT64_MAX - m.frame_buffer_size + 2; /* base + size = 2^64 + 1 */
    expect_refused(&m, "wraps");
    m.frame_buffer_base = UINT64_MAX - m.frame_buffer_size + 1; /* ends at 2^64 */
    expect_refused(&m, "wraps");
    m.frame_buffer_base = 0xFFFFFFFFFFFFF001ULL - m.frame_buffer_size; /* ends 1 byte into the last page */
    expect_refused(&m, "wraps");
    m.frame_buffer_base = 0xFFFFFFFFFFFFF000ULL - m.frame_buffer_size; /* ends on the last page */
    expect_accepted(&m, &fb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fbgeom_rgbx_mode_is_32bpp_with_red_in_byte_zero),
        cmocka_unit_test(test_fbgeom_bgrx_mode_is_32bpp_with_blue_in_byte_zero),
        cmocka_unit_test(test_fbgeom_bitmask_565_mode_is_16bpp_with_two_byte_pixels),
        cmocka_unit_test(test_fbgeom_bitmask_24bit_mode_is_24bpp_with_three_byte_pixels),
        cmocka_unit_test(test_fbgeom_bitmask_555_mode_rounds_15_bits_up_to_16bpp),
        cmocka_unit_test(test_fbgeom_bitmask_reserved_bits_count_towards_bpp),
        cmocka_unit_test(test_fbgeom_unpadded_scanline_has_pitch_of_width),
        cmocka_unit_test(test_fbgeom_refuses_blt_only_and_unknown_formats),
        cmocka_unit_test(test_fbgeom_refuses_zero_width_or_height),
        cmocka_unit_test(test_fbgeom_refuses_scanline_shorter_than_width),
        cmocka_unit_test(test_fbgeom_refuses_bitmask_without_colour_bits),
        cmocka_unit_test(test_fbgeom_refuses_bitmask_with_overlapping_masks),
        cmocka_unit_test(test_fbgeom_refuses_buffer_smaller_than_pitch_times_height),
        cmocka_unit_test(test_fbgeom_refuses_pitch_wider_than_32_bits),
        cmocka_unit_test(test_fbgeom_refuses_base_zero_and_wrapping_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
