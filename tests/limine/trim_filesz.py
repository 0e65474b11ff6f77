#!/usr/bin/env python3
"""Build step of the in-bss probe kernel: cut the request `in_bss_request` off the file bytes of the
PT_LOAD that ends with it (p_filesz = its address - p_vaddr; p_memsz unchanged). The file keeps the
request's bytes; a loader that zero-fills [p_filesz, p_memsz) as ELF says loads zeros there.

usage: trim_filesz.py [--symbol SYMBOL] IN.elf OUT.elf   (SYMBOL defaults to in_bss_request)"""
import struct
import sys

PT_LOAD = 1
SHT_SYMTAB = 2


def symbol(data, name):
    """Returns (st_value, st_size) of the named symbol from .symtab."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != SHT_SYMTAB:
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], sh[9]):
            st_name, _info, _other, _shndx, value, size = struct.unpack_from("<IBBHQQ", data, off)
            start = strtab[4] + st_name
            if data[start:data.index(b"\0", start)] == name.encode():
                return value, size
    raise SystemExit(f"trim_filesz: no symbol {name}")


def main():
    args = sys.argv[1:]
    name = "in_bss_request"
    if args[:1] == ["--symbol"]:
        name, args = args[1], args[2:]
    src, dst = args
    data = bytearray(open(src, "rb").read())
    value, size = symbol(data, name)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, _flags, _offset, vaddr, _paddr, filesz, memsz, _align = struct.unpack_from("<IIQQQQQQ", data, at)
        if p_type != PT_LOAD or not vaddr <= value < vaddr + memsz:
            continue
        if value + size != vaddr + filesz:
            raise SystemExit(f"trim_filesz: {name} [{value:#x}, {value + size:#x}) does not end the file bytes "
                             f"of the segment at {vaddr:#x} (p_filesz {filesz:#x})")
        struct.pack_into("<Q", data, at + 32, value - vaddr)
        open(dst, "wb").write(data)
        return
    raise SystemExit(f"trim_filesz: no PT_LOAD holds {name} at {value:#x}")


if __name__ == "__main__":
    main()
