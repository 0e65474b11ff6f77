#!/usr/bin/env python3
"""Seed corpora for the libFuzzer harnesses in tests/fuzz/.

  make_seeds.py --write               regenerate the committed binary seeds (corpus/elf,
                                      corpus/memmap, corpus/acpi, corpus/lscan, corpus/reloc,
                                      corpus/inspect, corpus/mbheader; corpus/config and
                                      corpus/lconf are hand-written)
  make_seeds.py --workdir build/fuzz  fill build/fuzz/corpus-{elf,...,mbheader} (every harness) with the
                                      committed seeds, plus build/kernel/*.elf for elf and every built
                                      kernel for inspect

Every committed seed is valid: the seed-only runs (FUZZ_EXPECT_OK=1) require each to parse.
The memmap input format is the one fuzz_memmap.c reads: a desc_size selector byte, an extra-range
count byte, 20-byte extra ranges, then the raw map. An acpi input is fake physical memory as
fuzz_acpi.c reads it: the RSDP at offset 0, every table address an offset into the input.
"""
import argparse
import glob
import os
import shutil
import struct
import sys

from seeds_mbheader import mbheader_seeds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESSES = ("elf", "config", "memmap", "acpi", "lscan", "reloc", "inspect", "lconf", "mbheader")

# --- ELF64 ------------------------------------------------------------------------------
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_STACK = 1, 2, 4, 0x6474E551
ET_EXEC, ET_DYN = 2, 3
PF_X, PF_W, PF_R = 1, 2, 4
HIGH = 0xFFFFFFFF80000000


def elf(entry, phdrs, size, e_type=ET_EXEC):
    """An x86-64 file (ET_EXEC unless e_type says) of `size` bytes: header, program headers at
    64, zero filler. phdrs are (type, flags, offset, vaddr, paddr, filesz, memsz, align) tuples."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    out = bytearray(size)
    EHDR.pack_into(out, 0, ident, e_type, 62, 1, entry, EHDR.size, 0, 0, EHDR.size, PHDR.size,
                   len(phdrs), 64, 0, 0)
    for i, ph in enumerate(phdrs):
        PHDR.pack_into(out, EHDR.size + i * PHDR.size, *ph)
    for i in range(EHDR.size + len(phdrs) * PHDR.size, size):  # recognisable "segment" bytes
        out[i] = 0x90 if i % 7 else 0xC3
    return bytes(out)


def max_segments():
    """ELF_MAX_LOAD_SEGMENTS (32) one-page PT_LOADs, the first R+X; a 33rd PT_LOAD follows the
    table in the file, so bumping e_phnum by one reaches the too-many-segments rule."""
    def load(i):
        off = 0x780 + 8 * i
        return (PT_LOAD, PF_R | (PF_X if i == 0 else 0), off, HIGH + i * 0x1000 + off,
                0x300000 + i * 0x1000 + off, 8, 8, 0x1000)
    data = bytearray(elf(HIGH + 0x784, [load(i) for i in range(33)], 0x880))
    struct.pack_into("<H", data, 0x38, 32)  # e_phnum
    return bytes(data)


def elf_seeds():
    return {
        "max-segments.elf": max_segments(),
        # text (R+X), rodata (R), data + bss (R+W): the usual kernel, in three pages.
        "three-segments.elf": elf(HIGH + 0x110, [
            (PT_LOAD, PF_R | PF_X, 0x100, HIGH + 0x100, 0x100100, 0x40, 0x40, 0x1000),
            (PT_LOAD, PF_R, 0x140, HIGH + 0x1140, 0x101140, 0x40, 0x40, 0x1000),
            (PT_LOAD, PF_R | PF_W, 0x180, HIGH + 0x2180, 0x102180, 0x20, 0x1000, 0x1000),
        ], 0x1A0),
        # Two read-only segments sharing a page (one region), an empty PT_LOAD, a note, a stack.
        "shared-page.elf": elf(HIGH + 0x31A8, [
            (PT_NOTE, PF_R, 0x120, 0, 0, 0x10, 0x10, 4),
            (PT_LOAD, PF_R, 0x140, HIGH + 0x1140, 0x201140, 0x20, 0x20, 0x1000),
            (PT_LOAD, PF_R, 0x160, HIGH + 0x1160, 0x201160, 0x20, 0x80, 0x1000),
            (PT_LOAD, PF_R | PF_W, 0x1A0, HIGH + 0x21A0, 0x2021A0, 0, 0, 0x1000),
            (PT_LOAD, PF_R | PF_X, 0x1A0, HIGH + 0x31A0, 0x2031A0, 0x10, 0x10, 0x1000),
            (PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16),
        ], 0x1B0),
        # Lower-half kernel on 2 MiB alignment; its text segment includes the ELF header.
        "lower-half-2m.elf": elf(0x200080, [
            (PT_LOAD, PF_R | PF_X, 0, 0x200000, 0x200000, 0xF0, 0xF0, 0x200000),
            (PT_LOAD, PF_R | PF_W, 0xF0, 0x4000F0, 0x4000F0, 0x10, 0x3000, 0x200000),
        ], 0x100),
        # One R+W+X segment: valid only with allow_wx.
        "wx.elf": elf(HIGH + 0x100008, [
            (PT_LOAD, PF_R | PF_W | PF_X, 0x80, HIGH + 0x100000, 0x100000, 0x10, 0x20, 0x10),
        ], 0x90),
        # The limine-c-template's habit: two empty PT_LOADs at vaddr 0 before the kernel.
        "template-empty-loads.elf": elf(HIGH + 0x1100, [
            (PT_LOAD, PF_R, 0, 0, 0, 0, 0, 0x1000),
            (PT_LOAD, PF_R | PF_W, 0, 0, 0, 0, 0, 0x1000),
            (PT_LOAD, PF_R | PF_X, 0x100, HIGH + 0x1100, 0x101100, 0x40, 0x40, 0x1000),
            (PT_LOAD, PF_R | PF_W, 0x140, HIGH + 0x2140, 0x102140, 0x20, 0x1000, 0x1000),
        ], 0x160),
        # Relocatable, linked at 0 as ld -pie does: valid with allow_dyn, slid under min_vaddr.
        "dyn-at-zero.elf": elf(0x100, [
            (PT_LOAD, PF_R | PF_X, 0, 0, 0, 0x140, 0x140, 0x1000),
            (PT_LOAD, PF_R | PF_W, 0x140, 0x1140, 0x1140, 0x40, 0x1000, 0x1000),
            (PT_DYNAMIC, PF_R | PF_W, 0x150, 0x1150, 0x1150, 0x20, 0x20, 8),
        ], 0x180, ET_DYN),
    }


# --- raw UEFI memory maps ----------------------------------------------------------------
DESC = struct.Struct("<IIQQQQ")  # type, pad, physical_start, virtual_start, pages, attribute
EXTRA = struct.Struct("<QQI")    # base, length (bytes), ember type
CONV, LDR_CODE, LDR_DATA, BS_CODE, BS_DATA, RT_CODE, RT_DATA = 7, 1, 2, 3, 4, 5, 6
RESERVED, UNUSABLE, ACPI_RECLAIM, ACPI_NVS, MMIO = 0, 8, 9, 10, 11
WB_ATTRS, RUNTIME = 0xF, 1 << 63


def memmap(stride_selector, descs, stride, extras=()):
    """A fuzz_memmap input: selector byte (desc_size 40 + 8 * (b % 4)), extra count, extras, map."""
    assert stride == 40 + 8 * (stride_selector % 4)
    out = bytearray([stride_selector, len(extras)])
    for e in extras:
        out += EXTRA.pack(*e)
    for d in descs:
        rec = bytearray(stride)
        t, base, pages = d[:3]
        attr = d[3] if len(d) > 3 else WB_ATTRS
        DESC.pack_into(rec, 0, t, 0, base, 0, pages, attr)
        out += rec
    return bytes(out)


def memmap_seeds():
    ovmf = [  # shaped like OVMF's map under QEMU q35 with 256 MiB
        (BS_CODE, 0x0, 0x1), (CONV, 0x1000, 0x9F), (CONV, 0x100000, 0x700),
        (ACPI_NVS, 0x800000, 0x8), (CONV, 0x808000, 0x3), (ACPI_NVS, 0x80B000, 0x1),
        (CONV, 0x80C000, 0x4), (ACPI_NVS, 0x810000, 0xF0), (BS_DATA, 0x900000, 0x200),
        (CONV, 0xB00000, 0x5000), (LDR_CODE, 0x5B00000, 0x40), (LDR_DATA, 0x5B40000, 0x100),
        (BS_DATA, 0x5C40000, 0x1000), (CONV, 0x6C40000, 0x8000),
        (RT_DATA, 0xEC40000, 0x100, RUNTIME | WB_ATTRS),
        (RT_CODE, 0xED40000, 0x80, RUNTIME | WB_ATTRS), (RESERVED, 0xEDC0000, 0x40),
        (ACPI_RECLAIM, 0xEE00000, 0x10), (ACPI_NVS, 0xEE10000, 0x80), (BS_CODE, 0xEE90000, 0x900),
        (RT_DATA, 0xF790000, 0x100, RUNTIME | WB_ATTRS), (BS_DATA, 0xF890000, 0x770),
        (RESERVED, 0xB0000000, 0x10000, 1), (MMIO, 0xFFC00000, 0x400, RUNTIME | 1),
        (RESERVED, 0xFD00000000, 0x300000, 0),
    ]
    overlaps = [  # unsorted, overlapping, adjacent equal types, a zero-length descriptor
        (CONV, 0x200000, 0x100), (CONV, 0x100000, 0x100), (BS_DATA, 0x180000, 0x10),
        (UNUSABLE, 0x1F0000, 0x20), (CONV, 0x300000, 0), (ACPI_RECLAIM, 0x300000, 0x2),
        (RT_CODE, 0x302000, 0x1), (RT_CODE, 0x303000, 0x1),
    ]
    fb_and_kernel = [(10, 0x80000000, 0x300000), (3, 0x100000, 0x2000)]  # framebuffer, kernel
    ember_types = [  # ember's own OS-loader types and types ember treats as reserved
        (0x80000000, 0x100000, 0x10), (0x80000001, 0x110000, 0x4), (0x80000002, 0x114000, 0x8),
        (0x80000003, 0x11C000, 0x4), (13, 0x120000, 0x1), (14, 0x121000, 0x100),
        (15, 0x221000, 0x100), (0x70000000, 0x321000, 0x1), (12, 0x322000, 0x2),
        (CONV, 0xFFFFFFFFFFF00000, 0xFF),  # ends one page below 2^64
    ]
    return {
        "ovmf-48.bin": memmap(1, ovmf, 48),
        "overlaps-40-extra.bin": memmap(0, overlaps, 40, fb_and_kernel),
        "ember-types-56.bin": memmap(2, ember_types, 56, [(0, 0x500000, 0x1234)]),
        "tiny-64.bin": memmap(3, [(CONV, 0x1000, 0x9F)], 64),
    }


# --- fake physical memory with ACPI tables (RSDP at offset 0) ----------------------------
SDT_HEADER = struct.Struct("<4sIBB6s8sI4sI")  # ACPI 6.5, 5.2.6
RSDP_V1 = struct.Struct("<8sB6sBI")            # 5.2.5.3: the ACPI 1.0 part, 20 bytes
RSDP_V2_TAIL = struct.Struct("<IQB3s")         # Length, XsdtAddress, Extended Checksum, Reserved
RSDP_CHECKSUM, RSDP_EXT_CHECKSUM, SDT_CHECKSUM = 8, 32, 9
ENABLED, ONLINE_CAPABLE, PCAT_COMPAT = 1, 2, 1


def fix_sum(buf, length, off):
    """Sets buf[off] so that the first `length` bytes of buf sum to 0 modulo 256."""
    buf[off] = 0
    buf[off] = -sum(buf[:length]) & 0xFF


def sdt(sig, body):
    """A table: common header (valid checksum) followed by body."""
    out = bytearray(SDT_HEADER.pack(sig, SDT_HEADER.size + len(body), 1, 0, b"EMBERS",
                                    b"SEEDTBL ", 1, b"EMBR", 1) + body)
    fix_sum(out, len(out), SDT_CHECKSUM)
    return bytes(out)


def rsdp(revision, rsdt, xsdt=0):
    out = bytearray(RSDP_V1.pack(b"RSD PTR ", 0, b"EMBERS", revision, rsdt))
    if revision >= 2:
        out += RSDP_V2_TAIL.pack(RSDP_V1.size + RSDP_V2_TAIL.size, xsdt, 0, bytes(3))
        fix_sum(out, RSDP_V1.size, RSDP_CHECKSUM)
        fix_sum(out, len(out), RSDP_EXT_CHECKSUM)
    else:
        fix_sum(out, RSDP_V1.size, RSDP_CHECKSUM)
    return bytes(out)


def root(sig, entries):
    return sdt(sig, b"".join(struct.pack("<Q" if sig == b"XSDT" else "<I", e) for e in entries))


def madt(entries, lapic=0xFEE00000, flags=PCAT_COMPAT):
    return sdt(b"APIC", struct.pack("<II", lapic, flags) + b"".join(entries))


def lapic(uid, apic_id, flags):
    return struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)


def ioapic(ioapic_id, address, gsi_base):
    return struct.pack("<BBBBII", 1, 12, ioapic_id, 0, address, gsi_base)


def iso(bus, source, gsi, flags):
    return struct.pack("<BBBBIH", 2, 10, bus, source, gsi, flags)


def lapic_override(address):
    return struct.pack("<BBHQ", 5, 12, 0, address)


def x2apic(x2apic_id, flags, uid):
    return struct.pack("<BBHIII", 9, 16, 0, x2apic_id, flags, uid)


def skipped(entry_type, length):
    """An entry of a type ember does not read (NMI source, LAPIC NMI, ...), zero body."""
    return bytes([entry_type, length]) + bytes(length - 2)


def memory(pieces):
    """Fake physical memory: (offset, bytes) pieces, gaps 0xEE; the RSDP must be at offset 0."""
    spans = sorted((off, off + len(data)) for off, data in pieces)
    assert spans[0][0] == 0 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    size = spans[-1][1]
    out = bytearray(b"\xEE" * size)
    for off, data in pieces:
        out[off:off + len(data)] = data
    return bytes(out)


def acpi_seeds():
    standard = madt([  # 4 local APICs (one disabled, one online-capable), 2 x2APICs, an I/O APIC,
        lapic(0, 0, ENABLED), lapic(1, 1, ENABLED),    # 2 overrides and an address override
        ioapic(8, 0xFEC00000, 0), lapic(2, 2, 0), lapic(3, 3, ONLINE_CAPABLE),
        iso(0, 0, 2, 0), lapic_override(0x1FEE00000), iso(0, 9, 9, 0xD),
        x2apic(0x100, ENABLED, 0x104), x2apic(0x101, ONLINE_CAPABLE, 0x105),
    ])
    facp, hpet = sdt(b"FACP", bytes(80)), sdt(b"HPET", bytes(20))
    many = madt([lapic(i & 0xFF, i & 0xFF, ENABLED) for i in range(260)]
                + [ioapic(i, 0xFEC00000 + 0x1000 * i, 24 * i) for i in range(18)]
                + [iso(0, i, i, 0) for i in range(34)])
    odd = madt([skipped(3, 8), x2apic(0x200, ENABLED, 0), skipped(4, 6), skipped(0xA, 12),
                skipped(0x7F, 2), x2apic(0x201, ENABLED, 1)], flags=0)
    return {
        "rev2-xsdt.bin": memory([(0, rsdp(2, 0x68, 0x30)), (0x30, root(b"XSDT", [0xA0, 0x120])),
                                 (0x68, root(b"RSDT", [0x120])), (0xA0, facp), (0x120, standard)]),
        "rev0-rsdt.bin": memory([(0, rsdp(0, 0x20)), (0x20, root(b"RSDT", [0x50, 0x90])),
                                 (0x50, hpet), (0x90, standard)]),
        "rev2-rsdt-only.bin": memory([(0, rsdp(2, 0x40, 0)), (0x40, root(b"RSDT", [0, 0x70])),
                                      (0x70, odd)]),
        "two-madts-first-wins.bin": memory([(0, rsdp(2, 0, 0x30)),
                                            (0x30, root(b"XSDT", [0x70, 0x100])),
                                            (0x70, odd), (0x100, standard)]),
        "many-entries.bin": memory([(0, rsdp(2, 0, 0x30)), (0x30, root(b"XSDT", [0x60])),
                                    (0x60, many)]),
    }

# --- Limine-style loaded segments (fuzz_lscan) -------------------------------------------
LIMINE_COMMON = (0xC7B1DD30DF4C8B88, 0x0A82E883A194F07B)
LIMINE_TAG = (0xF9562B2D5C95A6C8, 0x6A7B384944536BDC)
LIMINE_START = (0xF6B8F4B39DE7D1AE, 0xFAB91A6940FCB9CF, 0x785C6ED015D3E316, 0x181E920A7852B9D9)
LIMINE_END = (0xADC0E0531BB10D03, 0x9572709F31764C62)
LIMINE_IDS = {  # id words 2-3, from the protocol text
    "bootloader_info": (0xF55038D8E2A1202F, 0x279426FCF5F59740),
    "stack_size": (0x224EF0460A8E8926, 0xE1CB0FC25F46EA3D),
    "hhdm": (0x48DCF1CB8AD2B852, 0x63984E959A98244B),
    "framebuffer": (0x9D5827DCD881DD75, 0xA3148604F6FAB11B),
    "paging_mode": (0x95C1A0EDAB0944CB, 0xA4E5CB3842F7488A),
    "memmap": (0x67CF3D9D378A806F, 0xE304ACDFC50C3C62),
    "module": (0x3E7E279702BE32AF, 0xCA1C4F3BD1280CEE),
    "rsdp": (0xC5E77B6B397E7B43, 0x27637845ACCDCF3C),
    "executable_address": (0x71BA76863CC55F63, 0xB2644A48C516A487),
    "terminal": (0x0785A0AEA5D0750F, 0x1C1936FEE0D6CF6E),  # removed from the protocol: unknown
}


def words(*ws):
    return struct.pack("<%dQ" % len(ws), *ws)


def limine_request(name, revision=0, fields=()):
    """A request: common magic, id words, revision, response 0, then its own fields."""
    return words(*LIMINE_COMMON, *LIMINE_IDS[name], revision, 0, *fields)


def code_like(n, seed):
    """n bytes of deterministic noise rich in the scanner's probe bytes (0x88, 0x03, ...)."""
    probe = (0x88, 0x7B, 0xC8, 0xDC, 0xAE, 0xCF, 0x03, 0x62, 0x30, 0x83)
    out, x = bytearray(), seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(probe[x % len(probe)] if i % 3 == 0 else (x >> 16) & 0xFF)
    return bytes(out)


def lscan_input(segments, write_back, rotate=0, reversed_slots=False):
    """A fuzz_lscan input; segments are (bytes, vaddr % 8, .bss in 64-byte units)."""
    out = bytearray([(len(segments) - 1) | rotate << 2 | int(reversed_slots) << 4 | write_back << 5])
    for data, misalign, bss in segments:
        out += struct.pack("<HBB", len(data), misalign, bss)
    for data, _, _ in segments:
        out += data
    return bytes(out)


def elf_symbol(name, info, value, size):
    """An Elf64_Sym: st_name, st_info, st_other, st_shndx, st_value, st_size."""
    return struct.pack("<IBBHQQ", name, info, 0, 0, value, size)


def lscan_seeds():
    rev3 = (code_like(64, 1) + words(*LIMINE_START) + words(*LIMINE_TAG, 3)
            + limine_request("bootloader_info") + limine_request("hhdm")
            + limine_request("memmap") + limine_request("framebuffer")
            + limine_request("stack_size", 0, (0x40000,))
            + limine_request("paging_mode", 1, (0, 1, 0))
            + limine_request("module", 1, (0, 0)) + words(*LIMINE_END) + code_like(40, 2))
    hint_code = code_like(48, 3) + limine_request("hhdm") + code_like(24, 4)
    hint_data = (words(*LIMINE_START) + words(*LIMINE_TAG, 1) + limine_request("memmap")
                 + words(*LIMINE_END))
    no_tag = (bytes(4) + limine_request("rsdp") + code_like(16, 5)  # vaddr 4 mod 8: 4 pad bytes
              + limine_request("executable_address") + limine_request("terminal"))
    outside = code_like(32, 6) + limine_request("framebuffer")  # outside binding markers
    bound = (words(*LIMINE_START) + words(*LIMINE_TAG, 2) + limine_request("hhdm")
             + limine_request("framebuffer") + words(*LIMINE_END))
    # fuzz_lscan reads its first segment as a symbol table and string table too: one object
    # symbol (value 48, in the 64-byte .bss right after these 47 bytes) named by the bytes after it
    bss_symbol = elf_symbol(24, 1, 48, 48) + b"memmap_request\0" + bytes(8)
    return {
        "rev3-markers.bin": lscan_input([(rev3, 0, 16)], 3),
        "rev1-hint-outside.bin": lscan_input([(hint_code, 0, 0), (hint_data, 0, 4)], 1, rotate=1),
        "rev0-no-tag-unaligned.bin": lscan_input([(no_tag, 4, 0)], 0),
        "rev2-three-segments.bin": lscan_input([(outside, 0, 0), (bound, 0, 0), (b"", 0, 32)], 2,
                                               reversed_slots=True),
        "bss-request-symbol.bin": lscan_input([(bss_symbol, 0, 1)], 0),
    }


# --- reloc_apply inputs ------------------------------------------------------------------
DYN = struct.Struct("<qQ")
RELA = struct.Struct("<QQq")
SYM = struct.Struct("<IBBHQQ")
DT = dict(NULL=0, PLTRELSZ=2, STRTAB=5, SYMTAB=6, RELA=7, RELASZ=8, RELAENT=9, STRSZ=10,
          SYMENT=11, PLTREL=20, JMPREL=23, RELRSZ=35, RELR=36, RELRENT=37)
R_64, R_GLOB_DAT, R_JUMP_SLOT, R_RELATIVE = 1, 6, 7, 8
STB_GLOBAL, STB_WEAK, STT_FUNC = 1, 2, 2
SLIDE_LIMINE, SLIDE_RAW = 2, 3


def reloc_input(slide_selector, tags, tables, size=0x800, raw_slide=0):
    """A fuzz_reloc input: the dynamic array (tags + DT_NULL) at image offset 0, then
    tables[offset] = bytes placed in the image (linked at 0, so offsets are addresses)."""
    image = bytearray(size)
    dyn = b"".join(DYN.pack(DT[t], v) for t, v in tags) + DYN.pack(0, 0)
    image[0:len(dyn)] = dyn
    for off, data in tables.items():
        image[off:off + len(data)] = data
    return struct.pack("<BHHQ", slide_selector, 0, len(dyn), raw_slide) + bytes(image)


def reloc_seeds():
    rela = lambda *rs: b"".join(RELA.pack(off, sym << 32 | typ, add) for off, sym, typ, add in rs)
    relr = lambda *ws: b"".join(struct.pack("<Q", w) for w in ws)
    rela_tags = lambda off, n: [("RELA", off), ("RELASZ", 24 * n), ("RELAENT", 24)]
    relr_tags = lambda off, n: [("RELR", off), ("RELRSZ", 8 * n), ("RELRENT", 8)]
    strings = b"\0kmain\0hook\0"
    syms = (SYM.pack(0, 0, 0, 0, 0, 0) + SYM.pack(1, STB_GLOBAL << 4 | STT_FUNC, 0, 7, 0x120, 0)
            + SYM.pack(7, STB_WEAK << 4 | STT_FUNC, 0, 0, 0, 0))
    return {
        # RELATIVE entries and a RELR address + bitmap run over the data at 0x600.
        "relative-relr.bin": reloc_input(SLIDE_LIMINE, rela_tags(0x100, 2) + relr_tags(0x200, 2), {
            0x100: rela((0x600, 0, R_RELATIVE, 0x120), (0x608, 0, R_RELATIVE, 0x600)),
            0x200: relr(0x610, 1 | 1 << 1 | 1 << 3),
        }),
        # Symbol relocations: R_X86_64_64 and GLOB_DAT (one weak undefined), a PLT JUMP_SLOT.
        "symbols-plt.bin": reloc_input(SLIDE_LIMINE, rela_tags(0x100, 3) + [
            ("JMPREL", 0x180), ("PLTRELSZ", 24), ("PLTREL", 7), ("SYMTAB", 0x300), ("SYMENT", 24),
            ("STRTAB", 0x380), ("STRSZ", len(strings))], {
            0x100: rela((0x600, 1, R_64, 8), (0x608, 1, R_GLOB_DAT, 0), (0x610, 2, R_GLOB_DAT, 0)),
            0x180: rela((0x618, 1, R_JUMP_SLOT, 0)),
            0x300: syms,
            0x380: strings,
        }),
        # Nothing to relocate, and a raw, odd slide.
        "empty.bin": reloc_input(0, [], {}, size=0x40),
        "raw-slide.bin": reloc_input(SLIDE_RAW, rela_tags(0x100, 1), {
            0x100: rela((0x7f8, 0, R_RELATIVE, -8)),
        }, raw_slide=0x123456789000),
    }


# --- ember-inspect inputs: u16 config length (0xFFFF: none), config, kernel --------------------
NO_CONFIG = 0xFFFF


def inspect_input(kernel, config=None):
    head = struct.pack("<H", NO_CONFIG if config is None else len(config))
    return head + (config or b"") + kernel


def inspect_seeds():
    seeds = {f"{name}-default.bin": inspect_input(data) for name, data in elf_seeds().items()}
    three = elf_seeds()["three-segments.elf"]
    seeds["three-segments-config.bin"] = inspect_input(three, b"protocol=ember\nallow_wx=yes\ndemo_map=yes\n")
    seeds["dyn-limine.bin"] = inspect_input(elf_seeds()["dyn-at-zero.elf"], b"protocol=limine\nstack_size=32K\n")
    return seeds


# --- commands ---------------------------------------------------------------------------
def write_seeds():
    for name, seeds in (("elf", elf_seeds()), ("memmap", memmap_seeds()), ("acpi", acpi_seeds()),
                        ("lscan", lscan_seeds()), ("reloc", reloc_seeds()), ("inspect", inspect_seeds()),
                        ("mbheader", mbheader_seeds())):
        d = os.path.join(HERE, "corpus", name)
        os.makedirs(d, exist_ok=True)
        for f, data in seeds.items():
            with open(os.path.join(d, f), "wb") as fh:
                fh.write(data)
            print(f"  {os.path.relpath(os.path.join(d, f), ROOT)}: {len(data)} bytes")


def fill_workdir(workdir):
    """Copies committed seeds (and the built sample kernels, for elf) into workdir/corpus-NAME;
    inputs libFuzzer already saved there are kept."""
    for name in HARNESSES:
        dst = os.path.join(workdir, f"corpus-{name}")
        os.makedirs(dst, exist_ok=True)
        sources = glob.glob(os.path.join(HERE, "corpus", name, "*"))
        if name == "elf":
            sources += glob.glob(os.path.join(ROOT, "build", "kernel", "*.elf"))
            sources += glob.glob(os.path.join(ROOT, "build", "host", "reloc-fixtures", "*.elf"))
        for src in sources:
            shutil.copyfile(src, os.path.join(dst, "seed-" + os.path.basename(src)))
        multiboot = glob.glob(os.path.join(ROOT, "build", "multiboot", "*.elf"))
        if name == "inspect":  # every built kernel, without an ember.cfg (the Multiboot probes also forced)
            for src in glob.glob(os.path.join(ROOT, "build", "kernel", "*.elf")) + \
                    glob.glob(os.path.join(ROOT, "build", "limine", "*.elf")) + multiboot:
                with open(src, "rb") as f, open(os.path.join(dst, "seed-built-" + os.path.basename(src)), "wb") as o:
                    o.write(inspect_input(f.read()))
            for src in multiboot:
                with open(src, "rb") as f, open(os.path.join(dst, "seed-forced-" + os.path.basename(src)), "wb") as o:
                    o.write(inspect_input(f.read(), b"protocol=multiboot1\nmodule=/m.bin\n"))
        if name == "mbheader":  # the Multiboot probes as built, checksums kept
            for src in multiboot:
                with open(src, "rb") as f, open(os.path.join(dst, "seed-built-" + os.path.basename(src)), "wb") as o:
                    o.write(bytes([3]) + f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="regenerate committed binary seeds")
    ap.add_argument("--workdir", help="fill WORKDIR/corpus-{elf,config,memmap,acpi,lscan,reloc}")
    args = ap.parse_args()
    if not args.write and not args.workdir:
        ap.error("give --write and/or --workdir")
    if args.write:
        write_seeds()
    if args.workdir:
        fill_workdir(args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
