"""Multiboot kernels (issue 23, detection): named as Multiboot 1 or 2 kernels with their header's
tags, a malformed header refused by its rule, protocol=multiboot* without the header refused - each
a clean return to firmware, and ember-inspect printing the same line. The kernels are written byte by
byte from the specs (synth.py)."""
import os

import case as qemu_cases
import synth

NOT_YET = r": ember does not boot Multiboot kernels yet: boot it with GRUB or Limine, or add a Limine base revision tag and requests$"


def multiboot_cases(build, loader):
    info_request = synth.mb2_tag(1, (6, 8))
    framebuffer = synth.mb2_tag(5, (1024, 768, 32), optional=True)
    mb2 = synth.elf32(synth.mb2_header(info_request + framebuffer))
    both = synth.elf32(synth.mb2_header() + synth.mb1_header())
    return [
        qemu_cases.bad("multiboot2-elf32-named", loader,
                       r"kernel /kernel\.elf is a Multiboot 2 kernel \(header at file offset 0x1000\)" + NOT_YET,
                       kernel_bytes=lambda: mb2,
                       check=lambda log, _s: [] if "multiboot2:   framebuffer tag (optional)" in log
                       else ["the header's tags were not listed"]),
        qemu_cases.bad("multiboot1-forced", loader,
                       r"kernel /kernel\.elf is a Multiboot kernel \(header at file offset 0x1018\)" + NOT_YET,
                       kernel_bytes=lambda: both, config="protocol=multiboot1\n"),
        qemu_cases.bad("multiboot2-bad-checksum", loader,
                       r"kernel /kernel\.elf: multiboot2: .*checksum",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(checksum_delta=1))),
        qemu_cases.bad("multiboot2-unknown-required-tag", loader, r"kernel /kernel\.elf: multiboot2: .*tag type 42",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(42)))),
        # the address tag asks for more bytes than the file has
        qemu_cases.bad("multiboot2-load-past-file", loader,
                       r"kernel /kernel\.elf: multiboot2: header at 0x1000: 0x100000 bytes to load from file offset 0x0, "
                       r"the file has 0x[0-9a-f]+ there: set load_end_addr within the file's bytes",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(
                           synth.mb2_tag(2, (0x101000, 0x100000, 0x200000, 0)) + synth.mb2_tag(3, (0x101000,))))),
        qemu_cases.bad("multiboot2-forced-on-a-limine-kernel", loader,
                       r"kernel /kernel\.elf has no Multiboot 2 header \(magic 0xE85250D6, 8-byte aligned, in the first "
                       r"32 KiB\): protocol=multiboot2 needs one$",
                       kernel=os.path.join(build, "limine", "template.elf"), config="protocol=multiboot2\n"),
    ]
