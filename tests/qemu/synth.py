"""Small ELF64 kernels written byte by byte, for layouts no compiler run gives easily (a request that
ends its image, a segment on the demo page). Request ids and magics come from the probes' own reading
of the Limine spec (tests/limine/proto.h), not from ember's headers."""
import os
import re
import struct

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAGE = 0x1000
PF_X, PF_W, PF_R = 1, 2, 4
# mov dx, 0xf4; mov al, 7; out dx, al; cli; hlt: isa-debug-exit status 15 if ember ever started it
EXIT_15 = bytes([0x66, 0xBA, 0xF4, 0x00, 0xB0, 0x07, 0xEE, 0xFA, 0xF4])


def _proto_h():
    with open(os.path.join(ROOT, "tests", "limine", "proto.h")) as f:
        return f.read()


def _const(text, name):
    return int(re.search(rf"#define {name} (0x[0-9a-fA-F]+)ULL", text).group(1), 16)


def request_id(name):
    """The four id words of request LP_ID_<name>: the common magic, then the request's two words."""
    text = _proto_h()
    words = re.search(rf"#define LP_ID_{name} LP_ID\((0x[0-9a-fA-F]+)ULL, (0x[0-9a-fA-F]+)ULL\)", text)
    return [_const(text, "LP_MAGIC0"), _const(text, "LP_MAGIC1"), int(words.group(1), 16), int(words.group(2), 16)]


def base_revision_tag(revision):
    text = _proto_h()
    return struct.pack("<3Q", _const(text, "LP_TAG_MAGIC0"), _const(text, "LP_TAG_MAGIC1"), revision)


def request(name, revision=0, fields=()):
    """A request: id, revision, a zero response, then the request's own fields."""
    return struct.pack(f"<{6 + len(fields)}Q", *request_id(name), revision, 0, *fields)


def elf(entry, segments):
    """ET_EXEC for x86-64. segments: (vaddr, paddr, flags, data, memsz), in ascending vaddr; each
    segment's bytes start page-aligned in the file, so p_offset == p_vaddr (mod 4 KiB) holds."""
    phoff, count = 64, len(segments)
    offset = PAGE
    phdrs, body = b"", bytearray()
    for vaddr, paddr, flags, data, memsz in segments:
        at = offset + len(body) + (vaddr % PAGE)
        body += bytes(at - offset - len(body)) + data
        body += bytes(-len(body) % PAGE)
        phdrs += struct.pack("<IIQQQQQQ", 1, flags, at, vaddr, paddr, len(data), memsz, PAGE)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, entry, phoff, 0, 0, 64, 56, count, 64, 0, 0)
    head = ehdr + phdrs
    return head + bytes(PAGE - len(head)) + bytes(body)


# Multiboot, from the specs (0.6.96 3.1.1, 2.0 3.1.1): magic words and the header layouts.
MB1_MAGIC, MB2_MAGIC = 0x1BADB002, 0xE85250D6


def mb1_header(flags=0x3):
    return struct.pack("<3I", MB1_MAGIC, flags, -(MB1_MAGIC + flags) & 0xFFFFFFFF)


def mb2_header(tags=b"", checksum_delta=0):
    """magic, architecture 0 (i386), header_length, checksum; the tags, then the end tag."""
    body = tags + struct.pack("<HHI", 0, 0, 8)
    length = 16 + len(body)
    checksum = (-(MB2_MAGIC + length) + checksum_delta) & 0xFFFFFFFF
    return struct.pack("<4I", MB2_MAGIC, 0, length, checksum) + body


def mb2_tag(tag_type, fields=(), optional=False):
    data = struct.pack(f"<{len(fields)}I", *fields)
    tag = struct.pack("<HHI", tag_type, 1 if optional else 0, 8 + len(data)) + data
    return tag + bytes(-len(tag) % 8)


def elf32(header, load=0x100000, overlap=False):
    """ET_EXEC for i386: one RX PT_LOAD at physical and virtual `load`, its bytes the Multiboot header
    (8-byte aligned at the segment's start, file offset 0x1000), then the entry: isa-debug-exit status
    15 (`mov $7, %al; out %al, $0xf4; cli; hlt`), so a case sees that the kernel ran."""
    code = header + bytes(-len(header) % 8) + bytes([0xB0, 0x07, 0xE6, 0xF4, 0xFA, 0xF4])
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    count = 2 if overlap else 1  # overlap: a second PT_LOAD over the first's last byte
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, load + len(header), 52, 0, 0, 52, 32, count, 40, 0, 0)
    phdr = struct.pack("<8I", 1, PAGE, load, load, len(code), len(code), PF_R | PF_X, PAGE)
    if overlap:
        phdr += struct.pack("<8I", 1, PAGE, load + len(code) - 1, load + len(code) - 1, 1, 1, PF_R, PAGE)
    head = ehdr + phdr
    return head + bytes(PAGE - len(head)) + code


def elf32_segments(entry, segments):
    """ET_EXEC for i386 with p_vaddr == p_paddr. segments: (paddr, flags, data, memsz) in ascending
    paddr; each one's bytes start on a file page of their own at paddr's offset in its page, so two
    segments may share a physical page."""
    count, body = len(segments), bytearray()
    phdrs = b""
    for paddr, flags, data, memsz in segments:
        at = PAGE + len(body) + paddr % PAGE
        body += bytes(paddr % PAGE) + data
        body += bytes(-len(body) % PAGE)
        phdrs += struct.pack("<8I", 1, at, paddr, paddr, len(data), memsz, flags, PAGE)
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52, 32, count, 40, 0, 0)
    head = ehdr + phdrs
    return head + bytes(PAGE - len(head)) + bytes(body)


def mb2_odd_layout(base):
    """A Multiboot 2 kernel whose code segment starts 0x10 into the page at base and whose data
    segment starts right after it, in the same page: 4 bytes 0xDEADBEEF, then 12 KiB of bss over
    whatever was there. Its entry checks the data word and three bss words (start, middle, last)
    and exits through isa-debug-exit with 7 (status 15) when all hold, 9 (status 19) otherwise."""
    header = mb2_header()
    code_at = base + 0x10
    code_len = 43  # the instructions below
    data_at = (code_at + len(header) + code_len + 3) & ~3
    le = lambda v: struct.pack("<I", v)
    good, bad = bytes([0xB0, 0x07, 0xE6, 0xF4, 0xFA, 0xF4]), bytes([0xB0, 0x09, 0xE6, 0xF4, 0xFA, 0xF4])
    tail = (b"\xA1" + le(data_at + 4) + b"\x0B\x05" + le(data_at + 0x1000) + b"\x0B\x05" + le(data_at + 0x2FFC)
            + b"\x75" + bytes([len(good)]) + good)
    code = b"\xA1" + le(data_at) + b"\x3D" + le(0xDEADBEEF) + b"\x75" + bytes([len(tail)]) + tail + bad
    assert len(code) == code_len
    text = header + code
    return elf32_segments(code_at + len(header), [(code_at, PF_R | PF_X, text, len(text)),
                                                  (data_at, PF_R | PF_W, le(0xDEADBEEF), 0x3000)])
