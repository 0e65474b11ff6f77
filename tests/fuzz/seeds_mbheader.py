"""Seeds for fuzz_mbheader (make_seeds.py --write): Multiboot 1 and 2 headers placed in files."""
import struct

# --- Multiboot headers: byte 0 = fuzz_mbheader.c's checksum bits (0: fix them all), then a file --
MB1_MAGIC, MB2_MAGIC = 0x1BADB002, 0xE85250D6
MB1_PAGE_ALIGN, MB1_MEMORY, MB1_VIDEO, MB1_AOUT = 1, 2, 4, 1 << 16
MB2_OPTIONAL = 1
U32 = 0xFFFFFFFF


def mb1_header(flags, aout=None, video=None):
    """Magic, flags, checksum; then the address fields (flag 16) and the graphics fields (flag 2),
    which sit at offset 32 whether or not the address fields are used."""
    out = struct.pack("<III", MB1_MAGIC, flags, (-(MB1_MAGIC + flags)) & U32)
    if aout or video:
        out += struct.pack("<5I", *(aout or (0,) * 5))
    if video:
        out += struct.pack("<4I", *video)
    return out


def mb2_tag(tag_type, flags, *fields):
    body = struct.pack("<HHI", tag_type, flags, 8 + 4 * len(fields)) + struct.pack(f"<{len(fields)}I", *fields)
    return body + bytes(-len(body) % 8)  # the next tag starts 8-aligned


def mb2_header(tags):
    body = b"".join(tags) + mb2_tag(0, 0)
    length = 16 + len(body)
    return struct.pack("<IIII", MB2_MAGIC, 0, length, (-(MB2_MAGIC + length)) & U32) + body


def mb_file(size, *placed):
    out = bytearray(size)
    for at, data in placed:
        out[at:at + len(data)] = data
    return b"\0" + bytes(out)


def mbheader_seeds():
    phys = 0x100000
    mb2_all = mb2_header([
        mb2_tag(1, 0, 4, 6, 8, 14),
        mb2_tag(2, 0, phys + 0x40, phys, phys + 0x600, phys + 0x1000),
        mb2_tag(3, 0, phys + 0x200),
        mb2_tag(4, MB2_OPTIONAL, 3),
        mb2_tag(5, MB2_OPTIONAL, 1024, 768, 32),
        mb2_tag(6, 0),
        mb2_tag(7, MB2_OPTIONAL),
        mb2_tag(8, MB2_OPTIONAL, phys + 0x300),
        mb2_tag(9, MB2_OPTIONAL, phys + 0x400),
        mb2_tag(10, MB2_OPTIONAL, 0x200000, 0x40000000, 0x1000, 1),
        mb2_tag(0x40, MB2_OPTIONAL, 1, 2),  # a type ember does not know, optional: skipped
    ])
    mb1_aout = mb1_header(MB1_PAGE_ALIGN | MB1_MEMORY | MB1_VIDEO | MB1_AOUT,
                          (phys + 0x20, phys, phys + 0x500, phys + 0x900, phys + 0x100), (0, 1024, 768, 32))
    return {
        "mb2-all-tags.bin": mb_file(0x600, (0x40, mb2_all)),
        "mb1-aout-video.bin": mb_file(0x600, (0x20, mb1_aout)),
        "both-elf-style.bin": mb_file(0x200, (0x40, mb1_header(MB1_PAGE_ALIGN | MB1_MEMORY)),
                                      (0x80, mb2_header([mb2_tag(5, MB2_OPTIONAL, 0, 0, 32)]))),
        # Each header ending where its window does (8192, 32768): this seed's size also lifts
        # libFuzzer's input length limit past both windows.
        "at-window-ends.bin": mb_file(0x8000 + 0x40, (0x2000 - 48, mb1_header(MB1_VIDEO, None, (1, 80, 25, 0))),
                                      (0x8000 - 32, mb2_header([mb2_tag(6, 0)]))),
    }
