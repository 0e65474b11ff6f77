#!/usr/bin/env python3
"""Host-side view of a kernel's Limine requests, as a loader scanning the loaded image would see
them: every base-revision tag, start/end marker and request id in the file-backed bytes of each
PT_LOAD (any 4-byte offset, flagged when not 8-byte aligned), whether it lies between the last start
marker and the first end marker, and its response word. Also lists the PT_LOADs and what a loader
would have to zero-fill (p_memsz > p_filesz), to sanity-check the probe kernels without booting them.

usage: scan_requests.py KERNEL.elf..."""
import struct
import sys

PT_LOAD, PT_DYNAMIC = 1, 2
MAGIC = (0xc7b1dd30df4c8b88, 0x0a82e883a194f07b)
TAG = (0xf9562b2d5c95a6c8, 0x6a7b384944536bdc)
START = (0xf6b8f4b39de7d1ae, 0xfab91a6940fcb9cf, 0x785c6ed015d3e316, 0x181e920a7852b9d9)
END = (0xadc0e0531bb10d03, 0x9572709f31764c62)
IDS = {
    (0xf55038d8e2a1202f, 0x279426fcf5f59740): "bootloader info",
    (0x4b161536e598651e, 0xb390ad4a2f1f303a): "executable cmdline",
    (0x8c2f75d90bef28a8, 0x7045a4688eac00c3): "firmware type",
    (0x224ef0460a8e8926, 0xe1cb0fc25f46ea3d): "stack size",
    (0x48dcf1cb8ad2b852, 0x63984e959a98244b): "HHDM",
    (0x9d5827dcd881dd75, 0xa3148604f6fab11b): "framebuffer",
    (0x95c1a0edab0944cb, 0xa4e5cb3842f7488a): "paging mode",
    (0x67cf3d9d378a806f, 0xe304acdfc50c3c62): "memory map",
    (0x13d86c035a1cd3e1, 0x2b0caa89d8f3026a): "entry point",
    (0xad97e90e83f1ed67, 0x31eb5d1c5ff23b69): "executable file",
    (0x3e7e279702be32af, 0xca1c4f3bd1280cee): "module",
    (0xc5e77b6b397e7b43, 0x27637845accdcf3c): "RSDP",
    (0x9e9046f11e095391, 0xaa4a520fefbde5ee): "SMBIOS",
    (0x95a67b819a1b857e, 0xa0b61b723b6a73e0): "MP",
    (0x5ceba5163eaaf6d6, 0x0a6981610cf65fcc): "EFI system table",
    (0x7df62a431d6872d5, 0xa4fcdfb3e57306c8): "EFI memory map",
    (0x502746e184c088aa, 0xfbc5ec83e6327893): "date at boot",
    (0x71ba76863cc55f63, 0xb2644a48c516a487): "executable address",
}


def words(data, off, n):
    return struct.unpack_from(f"<{n}Q", data, off) if off + 8 * n <= len(data) else ()


def scan(path):
    data = open(path, "rb").read()
    e_type, = struct.unpack_from("<H", data, 0x10)
    e_entry, phoff = struct.unpack_from("<QQ", data, 0x18)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    print(f"{path}: e_type {e_type}, e_entry {e_entry:#x}")
    found = []
    for i in range(phnum):
        p_type, flags, offset, vaddr, _paddr, filesz, memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == PT_DYNAMIC:
            print(f"  DYNAMIC vaddr {vaddr:#x} size {filesz:#x}")
        if p_type != PT_LOAD:
            continue
        perms = "".join(c if flags & b else "-" for c, b in (("R", 4), ("W", 2), ("X", 1)))
        print(f"  LOAD vaddr {vaddr:#018x} filesz {filesz:#x} memsz {memsz:#x} {perms}"
              + (f" (zero-fill {memsz - filesz:#x})" if memsz > filesz else "")
              + (" zero-size" if memsz == 0 else ""))
        seg = data[offset:offset + filesz]
        for off in range(0, max(0, len(seg) - 15), 4):
            w = words(seg, off, 2)
            va = vaddr + off
            if w == MAGIC and len(words(seg, off, 6)) == 6:
                ident = words(seg, off + 16, 2)
                resp = words(seg, off + 40, 1)[0]
                found.append((va, "request", IDS.get(ident, f"unknown {ident[0]:#x}"), resp))
            elif w == TAG and words(seg, off, 3):
                found.append((va, "tag", f"base revision {words(seg, off, 3)[2]}", None))
            elif w == START[:2] and words(seg, off, 4) == START:
                found.append((va, "start", "start marker", None))
            elif w == END:
                found.append((va, "end", "end marker", None))
    starts = [va for va, kind, _, _ in found if kind == "start"]
    ends = [va for va, kind, _, _ in found if kind == "end"]
    lo, hi = (starts[-1] if starts else None), (ends[0] if ends else None)
    for va, kind, what, resp in sorted(found):
        inside = "" if lo is None or hi is None or kind in ("start", "end") else (
            " inside" if lo < va < hi else " OUTSIDE markers")
        align = "" if va % 8 == 0 else f" MISALIGNED ({va % 8} mod 8)"
        extra = "" if resp is None else f" response {resp:#x}"
        print(f"  {va:#018x} {what}{extra}{inside}{align}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        scan(p)
