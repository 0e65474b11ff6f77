"""Multiboot kernels: the probe kernels (tests/multiboot/, written from the specs) booted by both
protocols from ember.cfg and from limine.conf, with modules, checking the machine state and every
information field against the spec; kernels written byte by byte (synth.py) for the header rules -
a malformed header refused by its rule, protocol=multiboot* without the header refused, a load range
the firmware holds refused naming it - each a clean return to firmware with ember-inspect printing
the same line."""
import os

import case as qemu_cases
import synth
from cases_limine import fnv1a32

MBPROBE_OK = r"^mbprobe: all \d+ checks passed$"
SYNTH_RAN = 15                                   # synth.elf32's entry: isa-debug-exit 7
MODULE_A = bytes(range(256)) * 20 + b"mb-a"      # 5124 bytes
MODULE_B = b"multiboot module b\n" * 300        # 5700 bytes


# a firmware that left interrupt lines open: ember must mask them all before the 32-bit entry
OPEN_IRQS = "test_fault=open-irqs"
OPENED_IRQS = r"test_fault open-irqs: the PICs' lines and [1-9]\d* I/O APIC entries unmasked"


def probe_config(protocol, modules=True, extra=()):
    mods = [("mb-a.bin", MODULE_A), ("mb-b.bin", MODULE_B)] if modules else []
    lines = [f"protocol={protocol}", f'cmdline="mbprobe modules={len(mods)} fb=1 trailing words"', *extra]
    lines += [f"module=/{name} fnv1a={fnv1a32(data)} size={len(data)}" for name, data in mods]
    return "\n".join(lines) + "\n"


def write_modules(workdir):
    esp = os.path.join(workdir, "esp")
    os.makedirs(esp, exist_ok=True)
    open(os.path.join(esp, "mb-a.bin"), "wb").write(MODULE_A)
    open(os.path.join(esp, "mb-b.bin"), "wb").write(MODULE_B)


def limine_conf(workdir, extra=""):
    """A limine.conf entry of protocol multiboot2 (no ember.cfg): the same probe, one module."""
    esp = os.path.join(workdir, "esp")
    os.makedirs(os.path.join(esp, "boot", "limine"), exist_ok=True)
    open(os.path.join(esp, "boot", "mb-a.bin"), "wb").write(MODULE_A)
    with open(os.path.join(esp, "boot", "limine", "limine.conf"), "w") as f:
        f.write("timeout: 0\n/Multiboot 2\n    protocol: multiboot2\n    path: boot():/kernel.elf\n"
                "    cmdline: mbprobe modules=1\n    module_path: boot():/boot/mb-a.bin\n"
                f"    module_string: fnv1a={fnv1a32(MODULE_A)} size={len(MODULE_A)}\n" + extra)


def multiboot_cases(build, loader):
    probe = lambda v: os.path.join(build, "multiboot", f"mb{v}.elf")
    both = synth.elf32(synth.mb2_header() + synth.mb1_header())
    return [
        # the probes: Multiboot 2 and 1 at 1 MiB, from ember.cfg, with two modules
        *[qemu_cases.Case(f"multiboot{v}-probe", loader, probe(v), config=probe_config(f"multiboot{v}", extra=[OPEN_IRQS]),
                          sentinel=False, prepare=write_modules,
                          expect=[rf"multiboot{'2' if v == 2 else ''} kernel /kernel\.elf: booted by the Multiboot", OPENED_IRQS,
                                  MBPROBE_OK],
                          reject=[r"^mbprobe: FAIL"])
          for v in (1, 2)],
        # the EFI amd64 entry with boot services kept (tags 7 and 9): the kernel exits them itself
        qemu_cases.Case("multiboot2-efi64-boot-services", loader, probe("2-efi64"), config='cmdline="mbprobe efi64"\n',
                        sentinel=False, expect=[r"entered at 0x[0-9a-f]+ in 64-bit mode with boot services running",
                                                r"^mbprobe: ok   the kernel's own ExitBootServices", MBPROBE_OK],
                        reject=[r"^mbprobe: FAIL", r"exiting boot services"]),
        # Multiboot 1 with the a.out kludge (flag 16): loaded by the header's address fields
        qemu_cases.Case("multiboot1-aout-probe", loader, probe("1-aout"),
                        config=probe_config("auto", modules=False).replace("trailing words", "sections=0").replace("fb=1", "fb=0"),
                        sentinel=False, expect=[r"multiboot: 1 segment\(s\) by its address fields at physical "
                                                r"\[0x100000, 0x10[0-9a-f]{4}\), entry 0x1000[0-9a-f]{2}", MBPROBE_OK],
                        reject=[r"^mbprobe: FAIL"]),
        # linked in the higher half (0xC0100000, loaded at 1 MiB by AT()): the ELF entry is a link address,
        # made physical through its segment as GRUB does; the probe turns its own paging on
        qemu_cases.Case("multiboot2-higher-half-probe", loader, probe("2-hh"), config=probe_config("multiboot2"),
                        sentinel=False, prepare=write_modules,
                        expect=[r"multiboot2: 2 segment\(s\) by its ELF32 headers .*entry 0x100088", MBPROBE_OK],
                        reject=[r"^mbprobe: FAIL"]),
        # an ELF64 file with a 32-bit entry below 4 GiB: protocol=auto boots it by Multiboot 2
        qemu_cases.Case("multiboot2-probe-elf64", loader, os.path.join(build, "multiboot", "mb2-elf64.elf"),
                        config=probe_config("auto", modules=False), sentinel=False,
                        expect=[r"multiboot2: 2 segment\(s\) by its ELF64 headers", MBPROBE_OK], reject=[r"^mbprobe: FAIL"]),
        # the osdev wiki's Bare Bones (written here), as a new user builds it: no ember.cfg, at 2 MiB
        qemu_cases.Case("multiboot-barebones", loader, os.path.join(build, "multiboot", "barebones.elf"), sentinel=False,
                        expect=[r"multiboot kernel /kernel\.elf: booted by the Multiboot protocol",
                                r"^Hello, kernel World!$"]),
        # protocol=auto finds the header of an ELF32 kernel; limine.conf's protocol: multiboot2 boots it too
        qemu_cases.Case("multiboot2-probe-auto-limine-conf", loader, probe(2), config=None, sentinel=False,
                        prepare=limine_conf, expect=[r"entry 'Multiboot 2'", MBPROBE_OK], reject=[r"^mbprobe: FAIL"]),
        # limine.conf's resolution overrides the mode the header prefers (1024x768), as Limine's does; the
        # probe checks the framebuffer tag against the display registers
        qemu_cases.Case("multiboot2-limine-conf-resolution", loader, probe(2), config=None, sentinel=False,
                        prepare=lambda d: limine_conf(d, "    resolution: 800x600\n"),
                        expect=[r"limine\.conf resolution: GOP mode \d+, 800x600", r"framebuffer 800x600 pitch 3200",
                                r"^mbprobe: ok   framebuffer matches the display registers: 0x[0-9a-f]+ 800x600", MBPROBE_OK],
                        reject=[r"^mbprobe: FAIL", r"the framebuffer the kernel prefers"]),
        # a file with both headers: protocol=multiboot1 reads the Multiboot 1 one
        qemu_cases.Case("multiboot1-forced", loader, kernel_bytes=lambda: both, config="protocol=multiboot1\n",
                        sentinel=False, exit=SYNTH_RAN,
                        expect=[r"multiboot: header at file offset 0x1018", r"booted by the Multiboot protocol"]),
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
        qemu_cases.bad("multiboot2-overlapping-segments", loader,
                       r"kernel /kernel\.elf: multiboot2: segments overlap at physical 0x1[0-9a-f]{5}: each byte must "
                       r"have one source$", kernel_bytes=lambda: synth.elf32(synth.mb2_header(), overlap=True)),
        # a required request for a tag ember does not give (3.1.4: the loader must fail)
        qemu_cases.bad("multiboot2-required-request-unmet", loader,
                       r"kernel /kernel\.elf: multiboot2: the information request requires tag type 5, which ember does "
                       r"not give",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(1, (1, 5))))),
        # linked into boot-services memory - the firmware's page tables, at 0x1f801000 on this OVMF (its
        # "firmware CR3 at entry"): staged, moved into place after ExitBootServices with paging off; the
        # kernel runs there
        qemu_cases.Case("multiboot2-staged-over-boot-services", loader, sentinel=False, exit=SYNTH_RAN,
                        kernel_bytes=lambda: synth.elf32(synth.mb2_header(), load=0x1F801000),
                        expect=[r"firmware CR3 at entry 0x1f801000",
                                r"multiboot: physical \[0x1f801000, 0x1f802000\) is boot-services memory until "
                                r"ExitBootServices: staged at 0x[0-9a-f]+, moved into place after it"]),
        # the same staging with an odd layout: code from 0x10 into the page, data right after it in the
        # same page, 12 KiB of bss over the firmware's page tables; the kernel checks its data word and
        # that its bss reads zero (exit 7, else 9)
        qemu_cases.Case("multiboot2-staged-odd-layout", loader, sentinel=False, exit=SYNTH_RAN,
                        kernel_bytes=lambda: synth.mb2_odd_layout(0x1F801000),
                        expect=[r"multiboot: physical \[0x1f801000, 0x1f805000\) is boot-services memory until "
                                r"ExitBootServices: staged at 0x[0-9a-f]+, moved into place after it",
                                r"multiboot: segment 1: 4 bytes at 0x1f801054, 12284 zeroed"]),
        # linked where no RAM is, with the relocatable tag (min, max, align, prefer lowest): moved inside
        # its bounds, and it runs there
        qemu_cases.Case("multiboot2-relocatable", loader, sentinel=False, exit=SYNTH_RAN,
                        kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(10, (0x2000000, 0x3FFFFFF,
                                                                                              0x200000, 1))),
                                                         load=0xFEE00000),
                        expect=[r"multiboot2: relocatable tag: its link address 0xfee00000 is not free; loaded at "
                                r"0x2[0-9a-f]{6} instead \(inside \[0x2000000, 0x3ffffff\], lowest first\)",
                                r"handing off to the kernel at 0x2[0-9a-f]{6} "]),
        # linked where the firmware's memory is (the local APIC's page): refused naming the range
        qemu_cases.bad("multiboot2-load-range-taken", loader, r"multiboot: physical \[0xfee00000, 0xfee01000\) is not free "
                       r"\(.* at 0xfee00000\), and will not be after ExitBootServices",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(), load=0xFEE00000)),
        # the console flags tag (3.1.6) with "a console required" and no display at all (-vga none: no GOP,
        # and UEFI has no EGA text): refused when the tag is required, booted with a WARN when optional
        qemu_cases.bad("multiboot2-console-required-no-display", loader,
                       r"multiboot2: the console flags tag requires a console, and this machine has no framebuffer",
                       vga="none", kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(4, (1,))))),
        # required requests for tags only the machine or the file can fill, where they cannot (3.1.3: the
        # loader must fail): the framebuffer on a machine without a display; ELF section headers of a
        # file that has none
        qemu_cases.bad("multiboot2-required-framebuffer-no-display", loader,
                       r"multiboot2: the information request requires tag type 8, and this machine or file has no "
                       r"framebuffer \(GOP\) to fill it", vga="none",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(1, (8,))))),
        qemu_cases.bad("multiboot2-required-sections-none", loader,
                       r"multiboot2: the information request requires tag type 9, and this machine or file has no "
                       r"ELF section headers ember can load to fill it",
                       kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(1, (9,))))),
        qemu_cases.Case("multiboot2-console-optional-no-display", loader, sentinel=False, exit=SYNTH_RAN, vga="none",
                        kernel_bytes=lambda: synth.elf32(synth.mb2_header(synth.mb2_tag(4, (1,), optional=True))),
                        expect=[r"^\[WARN \] \(ember\): multiboot2: the console flags tag asks for a console and this "
                                r"machine has no framebuffer: the tag is optional"]),
        qemu_cases.bad("multiboot2-forced-on-a-limine-kernel", loader,
                       r"kernel /kernel\.elf has no Multiboot 2 header \(magic 0xE85250D6, 8-byte aligned, in the first "
                       r"32 KiB\): protocol=multiboot2 needs one$",
                       kernel=os.path.join(build, "limine", "template.elf"), config="protocol=multiboot2\n"),
    ]
