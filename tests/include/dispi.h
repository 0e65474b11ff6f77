/* Test kernels: the display mode QEMU's -vga std is really in, from its Bochs VBE "DISPI" registers
 * (QEMU hw/display/vga_int.h, Bochs iodev/display/vga.h; OVMF QemuVideoDxe programs them), so a
 * framebuffer description can be checked against the hardware instead of the loader's word. */
#ifndef EMBER_TESTS_DISPI_H
#define EMBER_TESTS_DISPI_H

#include <stdbool.h>
#include <stdint.h>

#define DISPI_INDEX_PORT 0x01CE
#define DISPI_DATA_PORT 0x01CF
#define DISPI_REG_ID 0
#define DISPI_REG_XRES 1
#define DISPI_REG_YRES 2
#define DISPI_REG_BPP 3
#define DISPI_REG_ENABLE 4
#define DISPI_REG_VIRT_WIDTH 6
#define DISPI_ID_FIRST 0xB0C0
#define DISPI_ID_LAST 0xB0C5
#define DISPI_ENABLED 0x01

struct dispi_mode {
    uint16_t id, xres, yres, bpp, enable, virt_width;
};

/* DISPI register reg: its index to the index port, then a 16-bit read of the data port. */
static inline uint16_t dispi_read(uint16_t reg)
{
    uint16_t value;
    __asm__ volatile("outw %0, %1" : : "a"(reg), "Nd"((uint16_t)DISPI_INDEX_PORT));
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"((uint16_t)DISPI_DATA_PORT));
    return value;
}

/* Reads the mode registers into *mode. True when the ID register holds a DISPI ID (nothing on these
 * ports reads back 0xFFFF); mode->enable then says whether the mode is active. */
static inline bool dispi_probe(struct dispi_mode *mode)
{
    mode->id = dispi_read(DISPI_REG_ID);
    if (mode->id < DISPI_ID_FIRST || mode->id > DISPI_ID_LAST)
        return false;
    mode->xres = dispi_read(DISPI_REG_XRES);
    mode->yres = dispi_read(DISPI_REG_YRES);
    mode->bpp = dispi_read(DISPI_REG_BPP);
    mode->enable = dispi_read(DISPI_REG_ENABLE);
    mode->virt_width = dispi_read(DISPI_REG_VIRT_WIDTH);
    return true;
}

#endif
