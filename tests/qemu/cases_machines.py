"""QEMU cases on machines other than the default (q35, 512 MiB, qemu64, -vga std, the ESP on AHCI):
CPU features, memory sizes and splits around the 32-bit PCI hole, the i440fx board, an IOMMU, a USB
stick, no display at all, and other CPU models under both protocols.

Every case holds the kernel to its own contract checks (the sample kernel's exit 33 and "all N checks
passed", the Limine probe's "all N checks passed") and names the lines that show the machine really
was the one asked for (the boot device path, the CPU's vendor and model, the ACPI tables, the RAM
above 4 GiB), so a case whose QEMU option was lost fails instead of passing on the default machine."""
import os

import cases_limine
from case import BANNER, KERNEL_OK, Case, mkimage

CHECK_FAILED = r"^ember-kernel: FAIL "
# The sample kernel's report of RAM above 4 GiB (checks_memory.c): the MiB it found, written through
# the identity map and read back through the direct map at the highest usable page, and back.
HIGH_RAM = (r"^ember-kernel: ok   RAM above 4 GiB in the direct map: {mib} MiB of RAM above 4 GiB, \d+ MiB usable; "
            r"top usable page 0x[0-9a-f]+ same through the identity and direct maps$")
COVERS_MAP = r"^ember-kernel: ok   direct map covers the memory map: \d+ entries, direct map 0x{size:x} bytes, 0 past"
ACPI_TABLES = r"^ember-kernel: ok   ACPI tables from the RSDP: XSDT at 0x[0-9a-f]+: \d+ tables, 0 bad: "
BOOTED_FROM = r"^BdsDxe: starting Boot[0-9A-F]{{4}} .* from {path}"
GIB = 1 << 30


def ember(name, loader, kernel, qemu_args=(), expect=(), reject=(), **kw):
    """The sample kernel on a machine: every check passes, none fails, plus the lines in expect."""
    return Case(f"machine-{name}", loader, kernel, sentinel=False, qemu_args=list(qemu_args),
                expect=[BANNER, *expect, KERNEL_OK], reject=[CHECK_FAILED, *reject], **kw)


def machine_matrix_cases(build, loader):
    """CPU features ember must follow, and memory sizes that change the direct map."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    m = lambda name, args, expect, **kw: ember(name, loader, kernel, args, expect, **kw)
    return [
        m("no-nx", ["-cpu", "qemu64,-nx"], [r"CPU has no NX: no XD bits will be set", r"NX off",
                                            r"ok   \.data/\.bss is RWX", r"ok   no XD bits without NX",
                                            r"ok   boot info follows CPUID: .*NX no \(nx_enabled 0, EFER\.NXE 0\)"]),
        m("1g-pages", ["-cpu", "qemu64,+pdpe1gb"], [r"1 GiB pages yes", r"with 1 GiB pages",
                                                    r"direct map covers all memory: .*page size 0x40000000"]),
        m("no-1g-pages", ["-cpu", "qemu64,-pdpe1gb"], [r"1 GiB pages no", r"with 2 MiB pages"]),
        m("64m", ["-m", "64M"], [r"direct map: 0x100000000 bytes", r"no usable RAM above 4 GiB \(0 MiB"]),
        # q35 keeps 2 GiB below the 32-bit PCI hole once RAM reaches 2.75 GiB: 6 GiB above 4 GiB
        m("8g", ["-m", "8G"], [r"direct map: 0x280000000 bytes", COVERS_MAP.format(size=10 * GIB),
                               HIGH_RAM.format(mib=6 * 1024)], timeout=150),
        m("12g", ["-m", "12G"], [r"direct map: 0x380000000 bytes", COVERS_MAP.format(size=14 * GIB),
                                 HIGH_RAM.format(mib=10 * 1024)], timeout=150),
        # APs exist but the config does not ask for them: ember leaves them alone, bootinfo lists none
        m("smp4", ["-smp", "4"], [r"ok   no CPU list without smp=yes"]),
    ]


def board_cases(build, loader):
    """The i440fx board and an IOMMU: other chipsets, other ACPI tables, other boot devices."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    return [
        # i440fx + PIIX: the ESP on the PIIX IDE controller, no PCIe (so no MCFG table), and RAM split
        # at 3 GiB instead of q35's 2 GiB: 1 GiB of a 4 GiB guest lies above 4 GiB
        ember("pc-4g", loader, kernel, ["-m", "4G"], machine="pc", timeout=150,
              expect=[BOOTED_FROM.format(path=r"PciRoot\(0x0\)/Pci\(0x1,0x1\)/Ata\(Primary,Master,0x0\)$"),
                      ACPI_TABLES + r"FACP APIC ", r"ok   framebuffer matches the display mode: ",
                      r"direct map: 0x140000000 bytes", COVERS_MAP.format(size=5 * GIB), HIGH_RAM.format(mib=1024)],
              reject=[r"ACPI tables from the RSDP: .*MCFG"]),
        # VT-d with interrupt remapping (QEMU accepts intremap=on under TCG; kernel-irqchip=split is
        # what KVM would need): the RSDP ember hands over leads to the DMAR table, the APs still start
        ember("intel-iommu", loader, kernel, ["-device", "intel-iommu,intremap=on", "-smp", "2"],
              machine="q35,kernel-irqchip=split", config="smp=yes\ncmdline=smp_expect=2\n",
              expect=[ACPI_TABLES + r".*\bMCFG\b.*\bDMAR\b", r"smp: 1 of 1 application processors parked in \d+ us",
                      r"ok   CPU states: "]),
    ]


USB_MODULE = b"ember on a USB stick\n" + bytes(range(256)) * 17   # 4373 bytes: not a page multiple


def usb_image(loader, kernel):
    """A prepare step that builds the image `make image` builds (scripts/mkimage.sh: GPT, one FAT32
    ESP) from loader, kernel, the case's ember.cfg and a module."""
    def prepare(workdir):
        module = os.path.join(workdir, "stick.bin")
        with open(module, "wb") as f:
            f.write(USB_MODULE)
        mkimage(workdir, "ember.img", ["--loader", loader, "--kernel", kernel, "--config",
                                                  os.path.join(workdir, "ember.cfg"), "--module", module])
    return prepare


def usb_case(build, loader):
    """README's third use: BOOTX64.EFI on a USB stick. The image on usb-storage behind an XHCI
    controller, no other disk: OVMF's USB stack finds the ESP, ember reads the kernel, config and
    module through it."""
    fnv = cases_limine.fnv1a32(USB_MODULE)
    kernel = os.path.join(build, "kernel", "kernel.elf")  # make image's default KERNEL
    return ember("usb-stick", loader, kernel, image="ember.img", disk_bus="usb", prepare=usb_image(loader, kernel),
                 config=f"cmdline=from-usb expect_module=stick:{fnv}\nmodule=/stick.bin stick\n",
                 expect=[BOOTED_FROM.format(path=r"PciRoot\(0x0\)/Pci\([0-9A-Fa-fx,]+\)/USB\(0x0,0x0\)$"),
                         r'^ember-kernel: cmdline: "from-usb expect_module=stick:',
                         rf"ok   module contents: stick: {len(USB_MODULE)} bytes at 0x[0-9a-f]+000, fnv1a32 {fnv}"],
                 reject=[r"BdsDxe: starting .*/(Sata|Ata)\("])


def display_cases(build, loader):
    """No display device at all (-vga none): no GOP, serial only. The kernel must get no framebuffer
    rather than a wrong one. ember's protocol: base 0 and every field 0, no framebuffer range in the
    memory map (bootinfo.h). Limine: the framebuffer response lists the framebuffers there are;
    ember gives no response at all (src/proto/limine/responses.c, as Limine itself does), which the
    probe accepts as it would a response with 0 framebuffers; the case holds ember to the NULL."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    probe = os.path.join(build, "limine", "probe-r3.elf")
    framebuffer_lines = [r"framebuffer matches the display mode", r"framebuffer self-consistent",
                         r"^\[INFO \] \(ember\): framebuffer \d+x\d+", r"framebuffer (geometry|list|drawn)"]
    return [
        ember("vga-none-ember", loader, kernel, vga="none", config="cmdline=fb_expect=0\n",
              expect=[r"no linear framebuffer \(GOP: EFI_NOT_FOUND\)",
                      r"^ember-kernel: ok   framebuffer count as expected: fb_expect=0, none at 0x0$",
                      r"^ember-kernel: ok   no framebuffer reported as absent: 0 non-zero bytes in the description, "
                      r"0 framebuffer ranges in the memory map, no DISPI device$"],
              reject=framebuffer_lines),
        limine_probe("vga-none-limine", loader, probe, vga="none", words=["framebuffers=0"],
                     expect=[r"no linear framebuffer \(GOP: EFI_NOT_FOUND\)",
                             r"limine: request framebuffer \(revision \d+\) at 0x[0-9a-f]+: not answered: nothing to "
                             r"report on this machine$",
                             r"^probe: ok   no framebuffer reported: response NULL: 0 framebuffers, 0 framebuffer "
                             r"entries in the memory map, no DISPI device$"],
                     reject=framebuffer_lines),
        # a virtio RNG gives OVMF an EFI_RNG_PROTOCOL: the entropy request is answered from it
        limine_probe("virtio-rng-limine", loader, probe, words=["entropy=yes"], qemu_args=["-device", "virtio-rng-pci"],
                     expect=[r"limine: entropy: 4 of 4 values asked for, from EFI_RNG_PROTOCOL$",
                             r"^probe: ok   entropy values: 4 of 4, 4 distinct non-zero$"]),
    ]


def limine_probe(name, loader, probe, words=(), expect=(), reject=(), **kw):
    """The full Limine probe (every request, every check, modules and command line) on a machine."""
    return Case(f"machine-{name}", loader, probe, config=cases_limine.probe_config(True, probe, words), sentinel=False,
                prepare=cases_limine.write_probe_files,
                expect=[BANNER, r"protocol limine", *expect, r"^probe: ok   module count:",
                        cases_limine.PROBE_OK],
                reject=[cases_limine.PROBE_FAILED, *reject], **kw)


# Named models QEMU 7.2's TCG runs: it drops the features it cannot emulate (PCID, x2APIC, TSC
# deadline, INVPCID on Haswell; RDSEED, SHA, TOPOEXT, ... on EPYC) with a warning each, nothing fatal.
# (case suffix, -cpu model, CPUID vendor, display family, display model, has 1 GiB pages)
CPU_MODELS = [
    ("haswell", "Haswell-noTSX", "GenuineIntel", 0x6, 0x3c, False),
    ("epyc", "EPYC", "AuthenticAMD", 0x17, 0x1, True),
]


def cpu_model_cases(build, loader):
    """An Intel and an AMD model, each with ember's sample kernel and the Limine probe. The kernels
    name the CPU they run on (CPUID), so a lost -cpu fails; ember's paging choices follow it."""
    kernel = os.path.join(build, "kernel", "kernel-default.elf")
    probe = os.path.join(build, "limine", "probe-r3.elf")
    cases = []
    for suffix, model, vendor, family, cpu_model, pages_1g in CPU_MODELS:
        cpu = f"{vendor} family 0x{family:x} model 0x{cpu_model:x}"
        yes_no = "yes" if pages_1g else "no"
        page = 0x40000000 if pages_1g else 0x200000
        ember_lines = [rf"CR3 loaded \(NX on, 1 GiB pages {yes_no}\)",
                       rf"ok   boot info follows CPUID: {cpu}: NX yes \(nx_enabled 1, EFER\.NXE 1\), 1 GiB pages "
                       rf"{yes_no} \(direct map page 0x{page:x}\)$"]
        cases.append(ember(f"cpu-{suffix}-ember", loader, kernel, ["-cpu", model], ember_lines))
        cases.append(limine_probe(f"cpu-{suffix}-limine", loader, probe, qemu_args=["-cpu", model],
                                  expect=[rf"^probe: info cpu {cpu}: NX yes, PAT yes, 1 GiB pages {yes_no}$",
                                          r"^probe: ok   EFER LME, LMA set; NXE iff the CPU has NX"]))
    return cases


def machine_cases(build, loader):
    """Every machine case; names start with "machine-"."""
    return (machine_matrix_cases(build, loader) + board_cases(build, loader) + [usb_case(build, loader)]
            + display_cases(build, loader) + cpu_model_cases(build, loader))
