"""QEMU cases for the Limine-protocol probe kernels (build/limine/*.elf, tests/limine/limine.mk).

limine_cases(build, loader) returns them in tests/qemu/cases.py's Case style: the probes pass with
isa-debug-exit 0x10 (QEMU status 33) and "probe: all N checks passed"; the malformed kernels must be
refused with an error line and a clean return to firmware (the sentinel, 253), like bad(...).
Each probe's other exit codes name the first failed check's class (tests/limine/probe.h):
97 response, 99 CPU state, 101 paging/HHDM, 103 memory map, 105 files, 107 firmware tables,
109 framebuffer, 111 ELF entry used despite the entry point request, 113 relocation,
115 base-revision tag or requests outside the markers, 117 a kernel that had to be refused ran,
79 an exception.

The command line and modules carry their own expectations: the kernel checks each config module's
bytes against the "fnv1a=HEX size=N" in its own string, the internal module (probe-r3 to probe-r6 and
newer-revision) against the command line's internal=HEX, and the command line itself against its
"lprobe: " / " :lprobe" ends and a fragment with quotes, a hash and two blanks.
"""
import os

import case as qemu_cases

PROBE_OK = r"^probe: all \d+ checks passed$"
PROBE_FAILED = r"^probe: FAIL "
PROBE_RAN = r"^probe: "
LIMINE_CFG = "protocol=limine\n"
REVERSED_WARN = (r"\[WARN \] \(ember\): limine: request end marker at 0x[0-9a-f]+ lies before the start marker at "
                 r"0x[0-9a-f]+: Limine stops at the end marker, so ember reads the requests before it "
                 r"\(strict=yes refuses\)$")
STRICT = r": Limine boots it, ember.cfg says strict=yes \((?:{})\): [a-z].*, or strict=no$"

# Module contents: sizes that are not page multiples, one crossing pages, deterministic bytes.
MODULE_A = bytes(range(256)) * 37 + b"tail"                 # 9476 bytes at /boot/probe-a.bin
MODULE_B = b"#!probe module b\n" + bytes(range(7, 250)) * 40  # 9737 bytes at /probe-b.bin
INTERNAL = b"probe internal module contents\n" * 200        # 6200 bytes, asked for by the kernel
INTERNAL_PATH = "probe-internal.bin"                        # relative to /kernel.elf
CMDLINE_TRICKY = "q='a b' #hash  2sp"                       # must match checks_files.c


def fnv1a32(data):
    """FNV-1a, 32 bits, as 8 hex digits: what the kernel computes over a module's bytes."""
    h = 0x811c9dc5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def write_probe_files(workdir):
    """The ESP files a full probe reads: two config modules and the internal module."""
    esp = os.path.join(workdir, "esp")
    os.makedirs(os.path.join(esp, "boot"), exist_ok=True)
    open(os.path.join(esp, "boot", "probe-a.bin"), "wb").write(MODULE_A)
    open(os.path.join(esp, "probe-b.bin"), "wb").write(MODULE_B)
    open(os.path.join(esp, INTERNAL_PATH), "wb").write(INTERNAL)


def probe_config(internal, kernel, expect=()):
    """ember.cfg for a full probe: protocol, the quoted command line with its expectations (the
    kernel file's own hash and size among them, plus the words in expect, such as framebuffers=0),
    modules."""
    elf = open(kernel, "rb").read() if os.path.exists(kernel) else b""
    words = ["lprobe:", "modules=2"] + ([f"internal={fnv1a32(INTERNAL)}"] if internal else []) + list(expect) + \
            [f"file={fnv1a32(elf)}", f"filesize={len(elf)}", "path=/kernel.elf", CMDLINE_TRICKY, ":lprobe"]
    return (LIMINE_CFG + f'cmdline="{" ".join(words)}"\n'
            f"module=/boot/probe-a.bin fnv1a={fnv1a32(MODULE_A)} size={len(MODULE_A)}\n"
            f"module=/probe-b.bin fnv1a={fnv1a32(MODULE_B)} size={len(MODULE_B)}\n")


def passing(name, loader, kernel, config=LIMINE_CFG, expect=(), **kw):
    """A probe that must boot and pass every check."""
    return qemu_cases.Case(name, loader, kernel, config=config, sentinel=False,
                           expect=[qemu_cases.BANNER, *expect, PROBE_OK], reject=[PROBE_FAILED], **kw)


def refused(name, loader, kernel, pattern):
    """A kernel ember must refuse before starting it: the error line, then back to firmware."""
    return qemu_cases.bad(name, loader, pattern, kernel=kernel, config=LIMINE_CFG, reject=[PROBE_RAN])


def probe_cases(build, loader):
    """The full probes (every request, every check), on the default machine and on a few others."""
    k = lambda name: os.path.join(build, "limine", f"{name}.elf")

    def full(kernel, internal, suffix="", expect_more=(), config_more="", **kw):
        return passing(kernel + suffix, loader, k(kernel), config=probe_config(internal, k(kernel)) + config_more,
                       prepare=write_probe_files,
                       expect=[r"^probe: ok   module count:", r"^probe: ok   cmdline intact:",
                               r"^probe: ok   executable file is the file on disk:", *expect_more], **kw)
    return [
        full("probe-r0", False),
        full("probe-r1", False),
        full("probe-r2", False),
        full("probe-r3", True),
        # base revisions 4-6: the loader must report each as supported (word 2 cleared, word 1 = N) and
        # meet its rules: RESERVED_MAPPED and the ACPI tables in the HHDM (4); SMBIOS/EFI tables,
        # strict entry state, local APIC, I/O APIC NMI/ExtINT and IOMMUs (5); nothing new on x86-64 (6)
        full("probe-r4", True),
        full("probe-r5", True),
        # on a firmware that left the interrupt lines open (test_fault): masked by the entry state
        full("probe-r6", True, config_more="test_fault=open-irqs\n",
             expect_more=[r"test_fault open-irqs: the PICs' lines and [1-9]\d* I/O APIC entries unmasked"]),
        # a VT-d IOMMU with interrupt remapping: from base revision 5, translation and remapping off
        full("probe-r5", True, "-intel-iommu", machine="q35,kernel-irqchip=split",
             qemu_args=["-device", "intel-iommu,intremap=on"],
             expect_more=[r"^probe: ok   IOMMUs: .*DMAR present.*: [1-9]\d* IOMMUs"]),
        full("probe-r5", True, "-amd-iommu", qemu_args=["-device", "amd-iommu"],
             expect_more=[r"^probe: ok   IOMMUs: .*IVRS present: [1-9]"]),
        full("newer-revision", True),
        # above 4 GiB: revision 0 identity-maps and HHDM-maps it, revision 3 maps only its usable parts
        full("probe-r0", False, "-8g", qemu_args=["-m", "8G"], timeout=150),
        full("probe-r3", True, "-8g", qemu_args=["-m", "8G"], timeout=150),
        # without NX, EFER.NXE must stay clear and nothing is mapped XD
        full("probe-r3", True, "-no-nx", qemu_args=["-cpu", "qemu64,-nx"]),
        # the start marker after the end marker: Limine stops at the end marker and boots it; so does
        # ember, with one WARN line; strict=yes keeps the refusal
        full("probe-reversed", True, expect_more=[REVERSED_WARN]),
        qemu_cases.bad("probe-reversed-strict", loader, r"limine: request end marker at 0x[0-9a-f]+ lies "
                       r"before the start marker at 0x[0-9a-f]+" + STRICT.format("markers reversed"),
                       kernel=k("probe-reversed"), config=LIMINE_CFG + "strict=yes\n", reject=[PROBE_RAN]),
    ]


def layout_cases(build, loader):
    """Kernels laid out like real Limine kernels, and requests a loader must not see."""
    k = lambda name: os.path.join(build, "limine", f"{name}.elf")
    return [
        passing("template", loader, k("template"), expect=[r"^probe: ok   screen black at entry:",
                                                           r"^probe: ok   framebuffer drawn:"]),
        # W+X data: Limine maps it RWX, so does ember, with one WARN line; strict=yes refuses
        passing("template-wx", loader, k("template-wx"), expect=[
            r"^\[WARN \] \(ember\): kernel program header \d+ \(p_vaddr 0x[0-9a-f]+\) is writable and executable: "
            r"mapped W\+X as Limine maps it \(strict=yes refuses\)$", r"^probe: ok   \.data/\.bss RWX:"]),
        qemu_cases.bad("template-wx-strict", loader, r"invalid kernel /kernel\.elf: writable-and-executable: program "
                       r"header \d+ p_flags 0x7 has PF_W\|PF_X: split it", kernel=k("template-wx"),
                       config=LIMINE_CFG + "strict=yes\n", reject=[PROBE_RAN]),
        passing("zeroload", loader, k("zeroload"), expect=[r"^probe: ok   executable virtual base:"]),
        passing("reloc", loader, k("reloc"), expect=[r"^probe: ok   relocated pointers:",
                                                     r"^probe: ok   slid into the top 2 GiB:"]),
        passing("relr", loader, k("relr"), expect=[r"^probe: ok   relocated pointers:"]),
        # kaslr=yes (limine.conf's `kaslr: yes`): a random 2 MiB step in the top 2 GiB, relocated there
        passing("reloc-kaslr", loader, k("reloc"), config=LIMINE_CFG + "kaslr=yes\n",
                qemu_args=["-device", "virtio-rng-pci"],
                expect=[r"relocatable kernel \(ET_DYN\): slid by 0x[0-9a-f]+ to 0xffffffff[89a-f][0-9a-f]{7} \(kaslr: a "
                        r"random one of the positions in the top 2 GiB\)", r"^probe: ok   relocated pointers:",
                        r"^probe: ok   slid into the top 2 GiB:"],
                check=lambda log, _status: ["the slide came from the TSC"] if "kaslr: no entropy source" in log else []),
        # without an entropy source the TSC decides, and the line says it is guessable
        passing("reloc-kaslr-tsc", loader, k("reloc"), config=LIMINE_CFG + "kaslr=yes\n",
                expect=[r"kaslr: no entropy source: the TSC stands in", r"\(kaslr: a random one of",
                        r"^probe: ok   relocated pointers:"]),
        passing("outside-markers", loader, k("outside-markers"),
                expect=[r"^probe: ok   request before the start marker ignored:",
                        r"^probe: ok   requests after the end marker ignored:"]),
        passing("in-bss", loader, k("in-bss"), expect=[r"^probe: ok   request past p_filesz not answered:",
                                                       r"limine: symbol 'in_bss_request' at 0xffffffff8[0-9a-f]+ "
                                                       r"\(48 bytes\) is in \.bss, so it is zero in the file"]),
    ]


def refusal_cases(build, loader):
    """The duplicate request Limine refuses too; the breaches Limine boots through, booted the same
    way with one WARN line, and refused under strict=yes."""
    k = lambda name: os.path.join(build, "limine", f"{name}.elf")
    warn = lambda text: r"^\[WARN \] \(ember\): limine: " + text + r".* \(strict=yes refuses\)$"
    breaches = [
        ("bad-response-set", r"memory map request at 0x[0-9a-f]+ has response 0xffffffff8badf000 in the file, not 0",
         "response not 0", r"^probe: ok   preset response overwritten with the answer:"),
        ("bad-misaligned", r"memory map request at 0x[0-9a-f]*4 is 4 bytes off its 8-byte alignment",
         "misaligned request", r"^probe: ok   misaligned request never answered:"),
        ("bad-tag-outside", r"base revision 3 tag at 0x[0-9a-f]+ lies outside the request markers, binding from "
         r"revision 2", "base revision tag outside markers", r"^probe: ok   tag outside the markers left alone"),
    ]
    cases = [refused("bad-duplicate", loader, k("bad-duplicate"),
                     r"limine: duplicate memory map request at 0x[0-9a-f]+ \(first at 0x[0-9a-f]+\)")]
    for name, breach, rule, probe_line in breaches:
        cases.append(passing(name, loader, k(name), expect=[warn(breach), probe_line]))
        cases.append(qemu_cases.bad(name + "-strict", loader, r"limine: " + breach + STRICT.format(rule),
                                    kernel=k(name), config=LIMINE_CFG + "strict=yes\n", reject=[PROBE_RAN]))
    return cases


def limine_cases(build, loader):
    """Every Limine probe case; names start with "limine-"."""
    all_cases = probe_cases(build, loader) + layout_cases(build, loader) + refusal_cases(build, loader)
    for case in all_cases:
        case.name = "limine-" + case.name
    return all_cases
