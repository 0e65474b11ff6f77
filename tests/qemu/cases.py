"""The QEMU integration cases: good boots, kernel variants, bad kernels, bad configs, failed allocations."""
import os
import re
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import mutate

KERNEL_PASS = 33      # sample kernel: every check passed
SENTINEL_OK = 253     # ember returned to firmware, which booted the sentinel
BANNER = r"^\[INFO \] \(ember\): ember \S+ - UEFI bootloader for x86-64$"
KERNEL_OK = r"^ember-kernel: all \d+ checks passed$"
RETURNED = r"^ember-sentinel: firmware regained control, no ember memory left"


@dataclass
class Case:
    name: str
    loader: str
    kernel: Optional[str] = None
    kernel_bytes: Optional[Callable[[], bytes]] = None
    config: Optional[str] = None
    files: List[Tuple[str, str]] = field(default_factory=list)
    exit: object = KERNEL_PASS  # an exit status, or a list of acceptable ones
    expect: List[str] = field(default_factory=list)
    reject: List[str] = field(default_factory=list)
    sentinel: bool = True
    sentinel_efi: Optional[str] = None  # default build/SENTINEL.EFI
    secure: bool = False
    image: Optional[str] = None
    qemu_args: List[str] = field(default_factory=list)
    timeout: int = 90
    prepare: Optional[Callable[[str], None]] = None
    check: Optional[Callable[[str, int], List[str]]] = None


def bad(name, loader, expect, **kw):
    """A boot ember must refuse: the error line, then a clean return to firmware (sentinel)."""
    return Case(name, loader, exit=SENTINEL_OK, expect=[BANNER, r"^\[ERROR\] \(ember\): .*" + expect, RETURNED,
                r"boot failed in stage"], reject=[r"handing off"], **kw)


def firmware_tables_unchanged(log, _status):
    sums = __import__("re").findall(r"firmware page tables (before|after): (\d+) pages, checksum (0x[0-9a-f]+)", log)
    if len(sums) != 2:
        return [f"expected a before and an after firmware-table checksum, got {sums}"]
    if sums[0][1:] != sums[1][1:]:
        return [f"firmware page tables changed: {sums}"]
    return []


def good_cases(build, loader):
    kdir = os.path.join(build, "kernel")
    k = lambda v: os.path.join(kdir, f"kernel-{v}.elf")
    return [
        Case("boot-default", loader, k("default"), sentinel=False,
             expect=[BANNER, r"firmware: EDK II", r"Kernel ELF information:", r"Entry Point\s+: 0xffffffff80100000",
                     r"Is 64-bit\s+: 1", r"# of Program Headers: 3", r"# of Section Headers: \d+", KERNEL_OK],
             reject=[r"demo mapping"],
             check=allocation_count_below_limit),
        Case("paging-demo-and-cow", loader, k("default"), config="log_level=debug\ndemo_map=yes\n", sentinel=False,
             expect=[r"demo mapping 0xffffffffdead0000 -> 0x[0-9a-f]+: wrote 0x1badb002deadbeef, read back "
                     r"0x1badb002deadbeef through the identity map: ok",
                     r"identity split check: page 0x[0-9a-f]+ was in a 2048 KiB firmware page; 0 of 512 neighbours changed",
                     r"p_paddr 0x100000 is not free: region 0xffffffff80100000 loaded at 0x", KERNEL_OK],
             check=firmware_tables_unchanged),
        Case("variant-aligned2m", loader, k("aligned2m"), sentinel=False,
             expect=[r"ok   \.data mapped with 2 MiB pages", KERNEL_OK]),
        Case("variant-unaligned", loader, k("unaligned"), sentinel=False, expect=[KERNEL_OK]),
        Case("variant-lowhalf", loader, k("lowhalf"), sentinel=False,
             expect=[r"region 0x400000 overlaps \d+ mapped pages \(firmware identity map\): replacing them",
                     r"ok   \.text is R-X", KERNEL_OK]),
        Case("variant-physbusy", loader, k("physbusy"), sentinel=False,
             expect=[r"p_paddr 0x1f000000 is not free: region 0xffffffff80100000 loaded at 0x", KERNEL_OK]),
        Case("variant-bigbss", loader, k("bigbss"), sentinel=False,
             expect=[r"memsz 0x40[0-9a-f]{5} flags RW-", r"\.bss zeroed: 65536 KiB checked, 0 non-zero", KERNEL_OK]),
        Case("variant-manyseg", loader, k("manyseg"), sentinel=False,
             expect=[r"# of Program Headers: 11", r"many small segments loaded: 8 segments, 0 wrong", KERNEL_OK]),
    ] + [Case(f"odd-{name}", loader, kernel_bytes=(lambda fn=fn: fn(open(k("default"), "rb").read())),
              sentinel=False, expect=[KERNEL_OK]) for name, fn in mutate.VALID_ODDITIES]


def fnv1a32(data):
    h = 0x811c9dc5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


MODULE_A = bytes(range(256)) * 37 + b"tail"          # 9476 bytes: not a page multiple
MODULE_B = b"#!initrd\n" + b"x" * 8192                # page-crossing, default name


def write_modules(workdir):
    os.makedirs(os.path.join(workdir, "esp", "boot"), exist_ok=True)
    open(os.path.join(workdir, "esp", "boot", "a.bin"), "wb").write(MODULE_A)
    open(os.path.join(workdir, "esp", "initrd.img"), "wb").write(MODULE_B)


def config_cases(build, loader):
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    cfg = ("# modules and a command line reach the kernel intact\n"
           f"cmdline=console=ttyS0 expect_module=alpha:{fnv1a32(MODULE_A)} expect_module=/initrd.img:{fnv1a32(MODULE_B)}\n"
           "module=/boot/a.bin alpha\n"
           "module = /initrd.img\n"
           "stack_size=128K\n")
    return [Case("config-cmdline-and-modules", loader, kernel, config=cfg, sentinel=False, prepare=write_modules,
                 expect=[r'ember-kernel: cmdline: "console=ttyS0 expect_module=alpha:',
                         rf"ok   module contents: alpha: 9476 bytes at 0x[0-9a-f]+000, fnv1a32 {fnv1a32(MODULE_A)}",
                         rf"ok   module contents: /initrd.img: 8201 bytes at 0x[0-9a-f]+000, fnv1a32 {fnv1a32(MODULE_B)}",
                         r"stack 0x[0-9a-f]+ \(128 KiB\)", KERNEL_OK])]


def bad_kernel_cases(build, loader):
    src = os.path.join(build, "kernel", "kernel-default.elf")
    cases = []
    for name, fn, pattern in mutate.CORPUS:
        if fn is None:  # a PE file instead of an ELF: ember itself
            fn = lambda _data: open(loader, "rb").read()
        cases.append(bad(f"bad-kernel-{name}", loader, pattern,
                         kernel_bytes=lambda fn=fn: fn(open(src, "rb").read())))
    cases.append(bad("bad-kernel-missing", loader, r"file not found: \\kernel\.elf"))
    cases.append(bad("bad-kernel-directory", loader, r"\\kernel\.elf is a directory",
                     prepare=lambda d: os.makedirs(os.path.join(d, "esp", "kernel.elf"))))
    return cases


def bad_config_cases(build, loader):
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    return [
        bad("bad-config-unknown-key", loader, r"ember\.cfg:2: unknown key 'kernal'", kernel=kernel,
            config="# comment\nkernal=\\kernel.elf\n"),
        bad("bad-config-bad-value", loader, r"ember\.cfg:1: bad value 'maybe' for allow_wx", kernel=kernel,
            config="allow_wx=maybe\n"),
        bad("bad-config-syntax", loader, r"ember\.cfg:3: ", kernel=kernel, config="\n\njust words\n"),
        bad("bad-config-kernel-path", loader, r"file not found: /boot/nope\.elf", kernel=kernel,
            config="kernel=/boot/nope.elf\n"),
        bad("bad-config-missing-module", loader, r"module 1 \(/initrd\.img\) cannot be loaded", kernel=kernel,
            config="module=/initrd.img\n"),
    ]


ALLOCATION_POINTS = 12  # more than a normal boot of the sample kernel makes (checked in boot-default)


def allocation_count_below_limit(log, _status):
    m = re.search(r"(\d+) firmware allocations made", log)
    if not m or int(m.group(1)) >= ALLOCATION_POINTS:
        return [f"allocation count {m and m.group(1)} not below ALLOCATION_POINTS={ALLOCATION_POINTS}"]
    return []


def injected_failure_handled(n):
    """The Nth allocation fails: either ember recovers (a fixed-address allocation falls back) and the
    kernel passes, or it logs the failure and returns to firmware with everything freed."""
    def check(log, status):
        injected = re.search(rf"failed: EFI_OUT_OF_RESOURCES \(injected failure #{n}\)", log)
        if status == SENTINEL_OK and not (injected and re.search(RETURNED, log, re.M)):
            return ["returned to firmware without the injected failure line or a clean sentinel"]
        if status == KERNEL_PASS and not injected and not re.search(r"(\d+) firmware allocations made", log):
            return ["kernel ran but no allocation count was logged"]
        if status == KERNEL_PASS and not injected:
            made = int(re.search(r"(\d+) firmware allocations made", log).group(1))
            past = re.search(rf"fail_alloc_at={n} is already past", log)
            if made >= n and not past:
                return [f"allocation #{n} of {made} should have failed"]
        return []
    return check


def allocation_failure_cases(build, loader):
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    return [Case(f"alloc-fail-{n}", loader, kernel, config=f"fail_alloc_at={n}\n", exit=[KERNEL_PASS, SENTINEL_OK],
                 expect=[BANNER], check=injected_failure_handled(n)) for n in range(1, ALLOCATION_POINTS + 1)]


def machine_matrix_cases(build, loader):
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    m = lambda name, args, expect: Case(f"machine-{name}", loader, kernel, sentinel=False, qemu_args=args,
                                        expect=expect + [KERNEL_OK])
    return [
        m("no-nx", ["-cpu", "qemu64,-nx"], [r"CPU has no NX: no XD bits will be set", r"NX off",
                                            r"ok   \.data/\.bss is RWX", r"ok   no XD bits without NX"]),
        m("1g-pages", ["-cpu", "qemu64,+pdpe1gb"], [r"1 GiB pages yes", r"with 1 GiB pages",
                                                    r"direct map covers all memory: .*page size 0x40000000"]),
        m("no-1g-pages", ["-cpu", "qemu64,-pdpe1gb"], [r"1 GiB pages no", r"with 2 MiB pages"]),
        m("64m", ["-m", "64M"], [r"direct map: 0x100000000 bytes"]),
        m("8g", ["-m", "8G"], [r"direct map: 0x2[0-9a-f]{8} bytes"]),
        m("smp4", ["-smp", "4"], []),
    ]


def sha256_of(path):
    return __import__("hashlib").sha256(open(path, "rb").read()).hexdigest()


def tampered(path):
    """The kernel with one byte of its .rodata changed: still a valid ELF."""
    data = bytearray(open(path, "rb").read())
    data[0x3000] ^= 0xFF
    return bytes(data)


def secure_boot_cases(build):
    sb = os.path.join(build, "secboot")
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    signed, pinned = os.path.join(sb, "BOOTX64.signed.EFI"), os.path.join(sb, "PINNED.signed.EFI")
    sentinel = os.path.join(sb, "SENTINEL.signed.EFI")
    pin = f"kernel_sha256={sha256_of(kernel)}\n" if os.path.exists(kernel) else ""
    pinned_cfg = open(os.path.join(os.path.dirname(__file__), "pinned.cfg")).read()
    sec = dict(secure=True, sentinel_efi=sentinel, timeout=150)
    return [
        Case("secure-unsigned-refused", os.path.join(build, "BOOTX64.EFI"), kernel, exit=SENTINEL_OK,
             expect=[r"failed to load Boot0001 .*: (Access Denied|Security Violation)", RETURNED], reject=[BANNER], **sec),
        Case("secure-signed-boots", signed, kernel, config=pin, sentinel=False,
             expect=[BANNER, r"kernel SHA-256 [0-9a-f]{64} matches the pinned value", KERNEL_OK], **sec),
        bad("secure-tampered-kernel", signed, r"kernel \\kernel\.elf SHA-256 mismatch: file has [0-9a-f]{64}, "
            r"ember\.cfg pins [0-9a-f]{64}", kernel_bytes=lambda: tampered(kernel), config=pin, **sec),
        Case("secure-pinned-config", pinned, kernel, config=pinned_cfg, sentinel=False,
             expect=[r"ember\.cfg SHA-256 matches the value pinned in this build", r'cmdline: "pinned configuration"',
                     KERNEL_OK], **sec),
        bad("secure-pinned-config-edited", pinned, r"ember\.cfg SHA-256 [0-9a-f]{64} does not match the value pinned",
            kernel=kernel, config=pinned_cfg + "log_level=debug\n", **sec),
        bad("secure-pinned-config-missing", pinned, r"this build pins ember\.cfg, but there is no ember\.cfg",
            kernel=kernel, **sec),
    ]


def all_cases(build):
    loader = os.path.join(build, "BOOTX64.EFI")
    return (good_cases(build, loader) + bad_kernel_cases(build, loader) + bad_config_cases(build, loader)
            + allocation_failure_cases(build, loader) + machine_matrix_cases(build, loader)
            + secure_boot_cases(build) + config_cases(build, loader))
