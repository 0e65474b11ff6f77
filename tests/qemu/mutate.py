#!/usr/bin/env python3
"""Malformed-kernel corpus: bad kernels derived from the sample kernel by mutation.

Each entry is (name, mutate(bytes) -> bytes, expected log pattern). The pattern names the ELF rule
ember must report (see elf_error_name in src/core/elf.c) or the file-level error.
"""
import struct

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_NOTE = 1, 4


class Elf:
    """A mutable view of an ELF64 file: header fields and program headers by name."""

    def __init__(self, data: bytes):
        self.data = bytearray(data)
        f = EHDR.unpack_from(self.data, 0)
        self.ident = bytearray(f[0])
        (self.type, self.machine, self.version, self.entry, self.phoff, self.shoff, self.flags,
         self.ehsize, self.phentsize, self.phnum, self.shentsize, self.shnum, self.shstrndx) = f[1:]
        self.ph = [list(PHDR.unpack_from(self.data, self.phoff + i * PHDR.size)) for i in range(self.phnum)]

    def loads(self):
        """Indexes of PT_LOAD headers, in file order."""
        return [i for i, p in enumerate(self.ph) if p[0] == PT_LOAD]

    def build(self) -> bytes:
        out = bytearray(self.data)
        EHDR.pack_into(out, 0, bytes(self.ident), self.type, self.machine, self.version, self.entry, self.phoff,
                       self.shoff, self.flags, self.ehsize, self.phentsize, self.phnum, self.shentsize,
                       self.shnum, self.shstrndx)
        for i, p in enumerate(self.ph):
            if self.phoff + (i + 1) * PHDR.size <= len(out):
                PHDR.pack_into(out, self.phoff + i * PHDR.size, *p)
        return bytes(out)


# program header field indexes
P_TYPE, P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN = range(8)


def edit(fn):
    """Wraps fn(elf) that edits an Elf in place into a bytes -> bytes mutation."""
    def mutate(data):
        e = Elf(data)
        fn(e)
        return e.build()
    return mutate


def seg(n, field, value):
    def fn(e):
        e.ph[e.loads()[n]][field] = value
    return edit(fn)


def ident(index, value):
    def fn(e):
        e.ident[index] = value
    return edit(fn)


def field(name, value):
    return edit(lambda e: setattr(e, name, value))


def truncate(length_fn):
    return lambda data: data[:length_fn(Elf(data))]


def shared_page(e):
    """Moves .rodata into the last page of .text (different permissions, no byte overlap)."""
    text, ro = e.ph[e.loads()[0]], e.ph[e.loads()[1]]
    ro[P_VADDR] = text[P_VADDR] + text[P_MEMSZ] + 0x10
    ro[P_OFFSET] = text[P_OFFSET] + text[P_FILESZ] + 0x10
    ro[P_ALIGN] = 0x10


def no_loads(e):
    for i in e.loads():
        e.ph[i][P_TYPE] = PT_NOTE


def elf32(_data):
    """A minimal, well-formed 32-bit ELF header for i386."""
    ident = b"\x7fELF\x01\x01\x01" + bytes(9)
    hdr = struct.pack("<16sHHIIIIIHHHHHH", ident, 2, 3, 1, 0x100000, 52, 0, 0, 52, 32, 1, 0, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5, 0x1000)
    return hdr + ph + bytes(0x1100 - len(hdr) - len(ph))


CORPUS = [
    ("bad-magic-0", ident(0, 0), r"bad-magic"),
    ("bad-magic-3", ident(3, ord("G")), r"bad-magic"),
    ("class-32", ident(4, 1), r"not-64bit"),
    ("class-invalid", ident(4, 7), r"not-64bit"),
    ("big-endian", ident(5, 2), r"not-little-endian"),
    ("ident-version-0", ident(6, 0), r"bad-version"),
    ("e-version-2", field("version", 2), r"bad-version"),
    ("machine-i386", field("machine", 3), r"bad-machine"),
    ("machine-aarch64", field("machine", 183), r"bad-machine"),
    # protocol=auto accepts ET_DYN for the Limine protocol, which needs a PT_DYNAMIC to relocate it
    ("type-dyn", field("type", 3), r"dyn-without-dynamic"),
    ("type-rel", field("type", 1), r"not-executable"),
    ("phentsize-32", field("phentsize", 32), r"bad-phentsize"),
    ("phnum-0", field("phnum", 0), r"no-load-segments"),
    ("phnum-huge", field("phnum", 65535), r"too-many-phdrs"),
    ("phnum-65", field("phnum", 65), r"too-many-phdrs"),
    ("phoff-past-eof", field("phoff", 0x10000000), r"phdrs-outside-file"),
    ("phoff-overflow", field("phoff", 2**64 - 16), r"phdrs-outside-file"),
    ("entry-outside", field("entry", 0xffffffff90000000), r"entry-not-executable"),
    ("entry-zero", field("entry", 0), r"entry-not-executable"),
    ("entry-in-rodata", edit(lambda e: setattr(e, "entry", e.ph[e.loads()[1]][P_VADDR])), r"entry-not-executable"),
    ("truncated-10", truncate(lambda e: 10), r"truncated-header"),
    ("truncated-63", truncate(lambda e: 63), r"truncated-header"),
    ("truncated-in-phdrs", truncate(lambda e: e.phoff + 60), r"phdrs-outside-file"),
    ("truncated-in-text", truncate(lambda e: e.ph[e.loads()[0]][P_OFFSET] + 0x100), r"segment-outside-file"),
    ("truncated-in-data", truncate(lambda e: e.ph[e.loads()[2]][P_OFFSET] + 8), r"segment-outside-file"),
    ("offset-filesz-overflow", seg(0, P_FILESZ, 2**64 - 0x800), r"segment-outside-file"),
    ("offset-huge", seg(1, P_OFFSET, 2**63 - 1), r"segment-outside-file"),
    ("filesz-gt-memsz", edit(lambda e: e.ph[e.loads()[2]].__setitem__(P_MEMSZ, 0x10)), r"filesz-exceeds-memsz"),
    ("vaddr-non-canonical", seg(2, P_VADDR, 0x0000800000003000), r"non-canonical"),
    ("vaddr-wraps", edit(lambda e: (e.ph[e.loads()[2]].__setitem__(P_VADDR, 0xfffffffffffff000),
                                    e.ph[e.loads()[2]].__setitem__(P_MEMSZ, 0x20000))), r"segment-wraps"),
    ("overlapping-segments", edit(lambda e: e.ph[e.loads()[1]].__setitem__(P_VADDR, e.ph[e.loads()[0]][P_VADDR] + 0x1000)),
     r"overlapping-segments|misaligned-segment"),
    ("align-not-power-of-two", seg(0, P_ALIGN, 0x3000), r"bad-align"),
    ("misaligned-vaddr", seg(2, P_ALIGN, 0x200000), r"misaligned-segment"),
    ("no-pt-load", edit(no_loads), r"no-load-segments"),
    ("writable-and-executable", seg(2, P_FLAGS, 7), r"writable-and-executable"),
    ("shared-page-permissions", edit(shared_page), r"shared-page-permissions"),
    # lower half, beyond all RAM: it cannot sit at paddr == vaddr, so it is refused by name
    ("memsz-100-gib-low", edit(lambda e: e.ph[e.loads()[2]].__setitem__(P_VADDR, 0x400000003000) or
                               e.ph[e.loads()[2]].__setitem__(P_MEMSZ, 100 * 2**30)),
     r"program header \d \[0x400000003000, 0x4019[0-9a-f]{8}\) is in the identity-mapped lower half, so it must load "
     r"at paddr == vaddr, but 0x400000003000 is no memory at all"),
    # higher half: no 100 GiB of RAM for it anywhere
    ("memsz-100-gib-high", edit(lambda e: e.ph[e.loads()[2]].__setitem__(P_VADDR, 0xffffc00000003000) or
                                e.ph[e.loads()[2]].__setitem__(P_MEMSZ, 100 * 2**30)),
     r"AllocatePages\(.*failed: EFI_OUT_OF_RESOURCES"),
    ("in-direct-map", seg(2, P_VADDR, 0xffff800000103000),
     r"in-reserved-range: segment at p_vaddr 0xffff800000103000 .* overlaps ember's direct map"),
    ("empty-file", lambda data: b"", r"is empty"),
    ("elf32-i386", elf32, r"not-64bit"),
    ("pe-file", None, r"bad-magic"),  # the runner substitutes BOOTX64.EFI
]

# Unusual but valid: ember must still boot these (exit code = sample kernel pass).
VALID_ODDITIES = [
    ("paddr-zero", edit(lambda e: [e.ph[i].__setitem__(P_PADDR, e.ph[i][P_PADDR] - 0x100000) for i in e.loads()])),
    ("paddr-beyond-ram", edit(lambda e: [e.ph[i].__setitem__(P_PADDR, e.ph[i][P_PADDR] + 0x40000000000) for i in e.loads()])),
]
