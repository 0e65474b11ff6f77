"""The QEMU integration cases: good boots, kernel variants, bad kernels, bad configs, failed allocations."""
import hashlib
import os
import re

import cases_agree
import cases_lconf
import cases_limine
import cases_multiboot
import cases_machines
import cases_smp
import mutate
from case import (BANNER, KERNEL_OK, KERNEL_PASS, RETURNED, SENTINEL_OK, Case, all_checks, bad,  # noqa: F401
                  cr3_restored)

def firmware_tables_unchanged(log, _status):
    sums = re.findall(r"firmware page tables (before|after): (\d+) pages, checksum (0x[0-9a-f]+)", log)
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
             reject=[r"demo mapping"]),
        Case("paging-demo-and-cow", loader, k("default"), config="log_level=debug\ndemo_map=yes\n", sentinel=False,
             expect=[r"demo mapping 0xffffffffdead0000 -> 0x[0-9a-f]+: wrote 0x1badb002deadbeef, read back "
                     r"0x1badb002deadbeef through the identity map: ok",
                     r"identity split check: page 0x[0-9a-f]+ was in a 2048 KiB firmware page; 0 of 512 neighbours changed",
                     KERNEL_OK],
             # the kernel is placed before ember allocates anything of its own, so it gets its p_paddr
             reject=[r"p_paddr 0x100000 is not free"],
             check=firmware_tables_unchanged),
        Case("variant-aligned2m", loader, k("aligned2m"), sentinel=False,
             expect=[r"ok   \.data mapped with 2 MiB pages", KERNEL_OK]),
        Case("variant-unaligned", loader, k("unaligned"), sentinel=False, expect=[KERNEL_OK]),
        Case("variant-lowhalf", loader, k("lowhalf"), sentinel=False,
             expect=[r"region 0x400000 overlaps \d+ mapped pages \(firmware identity map\): replacing them",
                     r"ok   \.text is R-X", KERNEL_OK]),
        Case("variant-physbusy", loader, k("physbusy"), sentinel=False,
             expect=[r"p_paddr 0x1f000000 is not free: kernel \[0xffffffff80100000, 0xffffffff801[0-9a-f]{5}\) "
                     r"loaded at 0x[0-9a-f]+ in one piece", KERNEL_OK]),
        Case("variant-paddr-offset", loader, k("paddroff"), sentinel=False,
             expect=[r"\[WARN \] \(ember\): kernel program header 0 \(p_vaddr 0xffffffff80100000\): p_paddr 0x100800 "
                     r"is at another offset in its page \(0x800, not 0x0\)",
                     r"kernel \[0xffffffff80100000, 0xffffffff801[0-9a-f]{5}\) loaded at 0x[0-9a-f]+ in one piece",
                     KERNEL_OK], reject=[r"not free"]),
        Case("variant-mixed", loader, k("mixed"), sentinel=False,
             expect=[r"p_paddr 0x1f000000 is not free: kernel \[0xffffffff80100000, 0xffffffff801[0-9a-f]{5}\) "
                     r"loaded at 0x[0-9a-f]+ in one piece", r"ok   kernel_virt_\* is the higher-half part",
                     r"ok   kernel_lower_\* is the lower-half stub", r"ok   lower-half stub at phys == virt, loaded",
                     r"ok   kernel keeps its ELF layout in physical memory", KERNEL_OK]),
        Case("variant-bigbss", loader, k("bigbss"), sentinel=False,
             expect=[r"memsz 0x40[0-9a-f]{5} flags RW-", r"\.bss zeroed: 65536 KiB checked, 0 non-zero", KERNEL_OK]),
        Case("variant-manyseg", loader, k("manyseg"), sentinel=False,
             expect=[r"# of Program Headers: 11", r"many small segments loaded: 8 segments, 0 wrong", KERNEL_OK]),
    ] + [Case(f"odd-{name}", loader, kernel_bytes=(lambda fn=fn: fn(open(k("default"), "rb").read())),
              sentinel=False, expect=[KERNEL_OK]) for name, fn in mutate.VALID_ODDITIES]


def lower_half_cases(build, loader):
    """Kernels linked in the lower half (the firmware's identity map): at paddr == vaddr or refused."""
    k = lambda v: os.path.join(build, "kernel", f"kernel-{v}.elf")
    return [
        Case("lowhalf-free-ram", loader, k("lowfree"), sentinel=False,
             expect=[r"segment vaddr 0x2000000 paddr 0x2000000 ", r"ok   lower-half kernel at paddr == vaddr",
                     KERNEL_OK], reject=[r"not free"]),
        # free when ember starts: ember's own page tables must not take it before the kernel is placed
        Case("lowhalf-top-of-ram", loader, k("lowtop"), sentinel=False,
             expect=[r"segment vaddr 0x1fe03000 paddr 0x1fe03000 ", r"ok   lower-half kernel at paddr == vaddr",
                     KERNEL_OK], reject=[r"not free"]),
        Case("lowhalf-paddr-busy", loader, k("lowbusy"), sentinel=False,
             expect=[r"kernel program header 0: p_paddr 0x1f000000 ignored: a lower-half segment loads at paddr == vaddr "
                     r"0x600000", r"segment vaddr 0x600000 paddr 0x600000 ", KERNEL_OK],
             reject=[r"p_paddr 0x1f000000 is not free"]),
        # inside memory OVMF uses (512 MiB guest): refused before anything is mapped, never remapped
        bad("lowhalf-in-firmware-memory", loader, r"kernel program header 0 \[0x805000, 0x8[0-9a-f]{5}\) is in the "
            r"identity-mapped lower half, so it must load at paddr == vaddr, but 0x806000 is EfiACPIMemoryNVS memory: "
            r"link it in the higher half or at free RAM", kernel=k("lowfw"), reject=[r"page tables: firmware PML4"]),
    ]


def contract_cases(build, loader):
    """CR0.WP, ExitBootServices retries, growing memory-map buffers: each through a test_fault knob
    that makes ember meet the broken firmware or device the rule is for."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    return [
        Case("fault-clear-wp", loader, kernel, config="test_fault=clear-wp\n", sentinel=False,
             expect=[r"test_fault clear-wp is on", r"ok   CR0\.WP is set", r"ok   write to \.text faults", KERNEL_OK]),
        Case("fault-ebs-stale-key-once", loader, kernel, config="test_fault=ebs-stale-key-once\n", sentinel=False,
             expect=[r"ExitBootServices attempt 1 failed: EFI_INVALID_PARAMETER; from here on only GetMemoryMap",
                     r"boot services exited \(attempt 2\)", KERNEL_OK]),
        Case("fault-ebs-stale-key-always", loader, kernel, config="test_fault=ebs-stale-key-always\n",
             sentinel=True, exit=124, timeout=35,
             expect=[r"ExitBootServices attempt 1 failed",
                     r"ExitBootServices failed on every attempt: EFI_INVALID_PARAMETER; boot services may already "
                     r"be partly shut down .* cannot return to firmware: halting"],
             reject=[r"handing off", r"ember-sentinel", r"boot failed in stage"]),
        Case("fault-map-buffer-small", loader, kernel, config="test_fault=map-buffer-small\n", sentinel=False,
             expect=[r"memory map needs \d+ bytes: map buffers grown to \d+ bytes at 0x", r"boot services exited", KERNEL_OK]),
        # the Limine direct map reads the current map too: its buffer is replaced by a larger one
        Case("fault-map-buffer-small-limine", loader, os.path.join(build, "limine", "template.elf"),
             config="protocol=limine\ntest_fault=map-buffer-small\n", sentinel=False,
             expect=[r"memory map: a buffer of \d+ bytes was too small \(\d+ needed\): trying \d+ bytes",
                     r"^probe: all \d+ checks passed$"]),
    ]


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
                         r"stack 0x[0-9a-f]+ \(128 KiB\)", KERNEL_OK])] + pin_cases(build, loader)


def pin_cases(build, loader):
    """kernel_sha256= and module ... sha256= pin the bytes ember loads: a file changed on disk, or a
    device that answers the loading read differently (test_fault), is refused before the handoff."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    if not os.path.exists(kernel):
        return []
    hexdigest = lambda data: hashlib.sha256(data).hexdigest()
    pins = f"kernel_sha256={sha256_of(kernel)}\nmodule=/boot/a.bin alpha sha256={hexdigest(MODULE_A)}\n"
    mismatch = r"SHA-256 mismatch: file has [0-9a-f]{64}, ember\.cfg pins [0-9a-f]{64}"

    def tampered_module(workdir):
        write_modules(workdir)
        open(os.path.join(workdir, "esp", "boot", "a.bin"), "wb").write(MODULE_A[:-1] + b"!")
    return [
        Case("pin-kernel-and-module-ok", loader, kernel, config=pins, sentinel=False, prepare=write_modules,
             expect=[r"kernel /kernel\.elf SHA-256 [0-9a-f]{64} matches the pinned value",
                     rf"module 1 \(/boot/a\.bin\) SHA-256 {hexdigest(MODULE_A)} matches the pinned value", KERNEL_OK]),
        bad("pin-kernel-corrupt-read", loader, r"kernel /kernel\.elf " + mismatch, kernel=kernel,
            config=pins + "test_fault=corrupt-kernel-read\n", prepare=write_modules),
        bad("pin-module-tampered", loader, r"module 1 \(/boot/a\.bin\) " + mismatch, kernel=kernel, config=pins,
            prepare=tampered_module),
        bad("pin-module-corrupt-read", loader, r"module 1 \(/boot/a\.bin\) " + mismatch, kernel=kernel,
            config=pins + "test_fault=corrupt-module-read\n", prepare=write_modules),
    ]


def bad_kernel_cases(build, loader):
    src = os.path.join(build, "kernel", "kernel-default.elf")
    cases = []
    for name, fn, pattern in mutate.CORPUS:
        if fn is None:  # a PE file instead of an ELF: ember itself
            fn = lambda _data: open(loader, "rb").read()
        cases.append(bad(f"bad-kernel-{name}", loader, pattern,
                         kernel_bytes=lambda fn=fn: fn(open(src, "rb").read())))
    cases.append(bad("bad-kernel-missing", loader, r"file not found: /kernel\.elf"))
    cases.append(bad("bad-kernel-directory", loader, r"/kernel\.elf is a directory",
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


ALLOCATIONS_MADE = r"^\[INFO \] \(ember\): (\d+) firmware allocations made$"
ALLOCATION_PROBE = "boot-default"  # its log says how many allocations a normal boot makes


def allocations_made(log):
    m = re.search(ALLOCATIONS_MADE, log, re.M)
    return int(m.group(1)) if m else None


def injected_failure_handled(n):
    """Allocation n fails: ember either recovers (a fixed-address allocation falls back) and the kernel
    passes, or logs the failure and returns to firmware with everything freed."""
    def check(log, status):
        if status == KERNEL_PASS and allocations_made(log) is None:
            return ["kernel ran but no allocation count was logged"]
        return []
    return check


def allocation_failure_cases(build, loader, made):
    """One case per allocation the loader reported for a normal boot (`made`, from the probe's log),
    each of which must show that allocation failing, plus one case past the last allocation that must
    boot untouched and report the same count: no allocation is left out, none is counted twice."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    cases = [Case(f"alloc-fail-{n}", loader, kernel, config=f"fail_alloc_at={n}\n", exit=[KERNEL_PASS, SENTINEL_OK],
                  expect=[BANNER, rf"failed: EFI_OUT_OF_RESOURCES \(injected failure #{n}\)"],
                  check=injected_failure_handled(n)) for n in range(1, made + 1)]
    cases.append(Case(f"alloc-fail-{made + 1}-past-the-last", loader, kernel, config=f"fail_alloc_at={made + 1}\n",
                      sentinel=False, expect=[KERNEL_OK, rf"^\[INFO \] \(ember\): {made} firmware allocations made$"],
                      reject=[r"injected failure"]))
    return cases


def deferred_cases(build):
    """Cases that depend on what another case logged: (probe case name, prefix, log -> cases)."""
    loader = os.path.join(build, "BOOTX64.EFI")

    def expand(log):
        made = allocations_made(log)
        if not made:
            raise RuntimeError(f"{ALLOCATION_PROBE} did not log its allocation count")
        return allocation_failure_cases(build, loader, made)
    return ALLOCATION_PROBE, "alloc-fail-", expand


def sha256_of(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


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
             expect=[BANNER, r"kernel /kernel\.elf SHA-256 [0-9a-f]{64} matches the pinned value", KERNEL_OK], **sec),
        bad("secure-tampered-kernel", signed, r"kernel /kernel\.elf SHA-256 mismatch: file has [0-9a-f]{64}, "
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
            + cases_machines.machine_cases(build, loader) + lower_half_cases(build, loader) + contract_cases(build, loader)
            + secure_boot_cases(build) + config_cases(build, loader) + cases_limine.limine_cases(build, loader)
            + cases_smp.smp_cases(build, loader) + cases_agree.agree_cases(build, loader)
            + cases_lconf.lconf_cases(build, loader) + cases_multiboot.multiboot_cases(build, loader))
