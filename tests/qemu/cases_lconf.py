"""Disks set up for Limine, booted with only BOOTX64.EFI replaced: no ember.cfg, a limine.conf where
Limine looks for one (its CONFIG.md order: beside the executable, then /boot/limine/, /boot/,
/limine/, the root), its default entry booted, the rest said or refused in one line."""
import hashlib
import os
import re

import case as qemu_cases
from cases_limine import CMDLINE_TRICKY, INTERNAL, MODULE_A, MODULE_B, fnv1a32

PROBE_OK = r"^probe: all \d+ checks passed$"

# The limine-c-template's own limine.conf (its GNUmakefile copies it to /boot/limine/), written here
TEMPLATE_CONF = """# Timeout in seconds that Limine will use before automatically booting.
timeout: 3

# The entry name that will be displayed in the boot menu.
/Limine Template
    # We use the Limine boot protocol.
    protocol: limine

    # Path to the kernel to boot. boot():/ represents the partition on which limine.conf is located.
    path: boot():/boot/myos
"""

# Macros, a directory with a sub-entry, default_entry counting rows as Limine's menu does, older key
# names, a module with its string, keys Limine ignores on UEFI and one it does not know
RICH_CONF = """${KERNEL}=boot():/boot/k2
timeout: 0
default_entry: 3
interface_branding: My OS
term_palette: 000000;aa0000

/Linux (not booted)
    protocol: linux
    path: boot():/vmlinuz
/+Tests
//Template with a module
    protocol: limine
    kernel_path: ${KERNEL}
    kernel_cmdline: console=ttyS0 arch=${ARCH}
    module_path: boot():/boot/mod.bin
    module_string: the module
    resolution: 1024x768
    frobnicate: yes
"""


# Three entries, the middle one of a protocol ember does not boot; the menu waits for a key
MENU_CONF = """timeout: no

/First
    protocol: limine
    path: boot():/boot/myos
/Linux
    protocol: linux
    path: boot():/vmlinuz
/Third
    protocol: limine
    path: boot():/boot/myos
    cmdline: third
"""
# remember_last_entry: Limine's variable holds the entry's path ("Dir/Second")
REMEMBER_CONF = """timeout: 1
default_entry: 2
remember_last_entry: yes

/+Dir
//First
    protocol: limine
    path: boot():/boot/myos
//Second
    protocol: limine
    path: boot():/boot/myos
    cmdline: second
"""
MENU_TITLE = r"^ember: /boot/limine/limine\.conf \(Up/Down or k/j, Enter"


RANDOM_HHDM_CONF = f"""timeout: 0
/Random HHDM
    protocol: limine
    path: boot():/boot/myos
    cmdline: lprobe: hhdm=random internal={fnv1a32(INTERNAL)} {CMDLINE_TRICKY} :lprobe
    randomise_hhdm_base: yes
"""


def write_internal(workdir):
    """The internal module a probe kernel asks for, beside the kernel at /boot/myos."""
    open(os.path.join(workdir, "esp", "boot", "probe-internal.bin"), "wb").write(INTERNAL)


def write(workdir, rel, text):
    path = os.path.join(workdir, "files", rel.replace("/", "_"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def conf_case(name, loader, confs, kernel_at, kernel, prepare_more=None, **kw):
    """A case whose ESP holds the kernel at kernel_at and each (path, text) of confs, no ember.cfg
    (and what prepare_more(workdir) adds)."""
    def prepare(workdir):
        esp = os.path.join(workdir, "esp")
        for rel, text in confs:
            os.makedirs(os.path.dirname(os.path.join(esp, rel.lstrip("/"))), exist_ok=True)
            with open(os.path.join(esp, rel.lstrip("/")), "w") as f:
                f.write(text)
        os.makedirs(os.path.dirname(os.path.join(esp, kernel_at.lstrip("/"))), exist_ok=True)
        with open(kernel, "rb") as src, open(os.path.join(esp, kernel_at.lstrip("/")), "wb") as dst:
            dst.write(src.read())
        with open(os.path.join(esp, "boot", "mod.bin"), "wb") as f:
            f.write(b"M" * 300)
        if prepare_more is not None:
            prepare_more(workdir)
    return qemu_cases.Case(name, loader, prepare=prepare, inspect_esp=True, **kw)


def hashed_conf(kernel_file, module_hash):
    """A limine.conf pinning the kernel (by its file's BLAKE2b) and the module (by module_hash)."""
    with open(kernel_file, "rb") as f:
        kernel_hash = hashlib.blake2b(f.read()).hexdigest()
    return (f"/Pinned\n    protocol: limine\n    path: boot():/boot/myos#{kernel_hash}\n"
            f"    module_path: boot():/boot/mod.bin#{module_hash}\n")


def limine_disk(loader, kernel):
    """A prepare step that builds a disk as the limine-c-template's `make all-hdd` lays it out (GPT,
    one FAT ESP, /boot/limine/limine.conf, the kernel at /boot/myos) with ember's BOOTX64.EFI at
    /EFI/BOOT/, through scripts/mkimage.sh --file."""
    def prepare(workdir):
        conf = os.path.join(workdir, "limine.conf")
        with open(conf, "w") as f:
            f.write(TEMPLATE_CONF)
        qemu_cases.mkimage(workdir, "limine.img", ["--loader", loader, "--file", conf + ":/boot/limine/limine.conf",
                                                   "--file", kernel + ":/boot/myos"])
    return prepare


DATA_GUID = "736b5698-5ae1-4dff-be2c-ef8f44a61c52"   # the data partition's unique GUID (CONFIG.md's example)
DISK_GUID = "0e3a2c6f-51d4-4b8e-9a1d-3c5b7e9f0a21"


def volumes_disk(loader, kernel):
    """A disk with the ESP (limine.conf, one module) and a data partition labelled DATA holding the
    kernel, its internal module and two modules, each named through another of Limine's resources;
    every file's string carries the host's hash, size and volume (part=, partguid=, diskguid=), which
    the probe checks against its struct limine_file."""
    def prepare(workdir):
        elf = open(kernel, "rb").read()
        on_data = f"part=2 partguid={DATA_GUID} diskguid={DISK_GUID}"
        words = ["lprobe:", "modules=4", f"internal={fnv1a32(INTERNAL)}", f"file={fnv1a32(elf)}",
                 f"filesize={len(elf)}", "path=/boot/myos", on_data, CMDLINE_TRICKY, ":lprobe"]
        mods = [(f"guid({DATA_GUID}):/mods/a.bin", MODULE_A, on_data),
                ("fslabel(DATA):/mods/b.bin", MODULE_B, "part=2"),
                ("hdd(1:2):/mods/a.bin", MODULE_A, on_data),
                ("boot():/boot/esp.bin", MODULE_B, f"part=1 diskguid={DISK_GUID}")]
        conf = "timeout: 0\n/Volumes\n    protocol: limine\n    path: boot(2):/boot/myos\n" + \
               f"    cmdline: {' '.join(words)}\n" + "".join(
                   f"    module_path: {path}\n    module_string: fnv1a={fnv1a32(data)} size={len(data)} {where}\n"
                   for path, data, where in mods)
        files = {"limine.conf": conf.encode(), "a.bin": MODULE_A, "b.bin": MODULE_B, "internal.bin": INTERNAL}
        for name, data in files.items():
            open(os.path.join(workdir, name), "wb").write(data)
        at = lambda name, dest: f"{os.path.join(workdir, name)}:{dest}"
        qemu_cases.mkimage(workdir, "volumes.img", [
            "--loader", loader, "--file", at("limine.conf", "/boot/limine/limine.conf"), "--file", at("b.bin", "/boot/esp.bin"),
            "--data-file", f"{kernel}:/boot/myos", "--data-file", at("internal.bin", "/boot/probe-internal.bin"),
            "--data-file", at("a.bin", "/mods/a.bin"), "--data-file", at("b.bin", "/mods/b.bin"),
            "--data-guid", DATA_GUID, "--disk-guid", DISK_GUID])
    return prepare


def config_on_partition_2(loader, kernel):
    """A disk whose ESP holds only BOOTX64.EFI; limine.conf and the kernel are on partition 2."""
    def prepare(workdir):
        conf = os.path.join(workdir, "limine.conf")
        with open(conf, "w") as f:
            f.write(TEMPLATE_CONF.replace("timeout: 3", "timeout: 0"))
        qemu_cases.mkimage(workdir, "part2.img", ["--loader", loader, "--data-file", conf + ":/limine.conf",
                                                  "--data-file", kernel + ":/boot/myos"])
    return prepare


SLID = r"relocatable kernel \(ET_DYN\): slid by (0x[0-9a-f]+)"
HHDM_AT = r"randomise_hhdm_base: the direct map at (0x[0-9a-f]+)"


def layouts_differ(log, _status):
    """kaslr: yes booted twice: the slide or the direct map moved (equal both times: ~1 in 3e7)."""
    first, second = log.split("\n--- second boot ---\n")
    pick = lambda text: (re.findall(SLID, text), re.findall(HHDM_AT, text))
    return [] if pick(first) != pick(second) else [f"two boots, one layout: {pick(first)}"]


def layouts_same(log, _status):
    """kaslr: no booted twice: the very same slide, the fixed direct map."""
    first, second = log.split("\n--- second boot ---\n")
    pick = lambda text: (re.findall(SLID, text), re.findall(HHDM_AT, text))
    return [] if pick(first) == pick(second) and not pick(first)[1] else [f"{pick(first)} then {pick(second)}"]


def kaslr_conf(value):
    return f"timeout: 0\n/Reloc\n    protocol: limine\n    path: boot():/boot/myos\n    kaslr: {value}\n"


def lconf_cases(build, loader):
    template = os.path.join(build, "limine", "template.elf")
    module_hash = hashlib.blake2b(b"M" * 300).hexdigest()
    chosen = r"no ember\.cfg: {}, entry {}'{}'"
    linux = "timeout: 0\n/Linux\n    protocol: linux\n    path: boot():/vmlinuz\n"
    return [
        # the same disk as an image: on virtio and on a USB stick
        *[qemu_cases.Case(f"lconf-template-image-{bus}", loader, image="limine.img", disk_bus=bus, sentinel=False,
                          prepare=limine_disk(loader, template),
                          expect=[chosen.format("/boot/limine/limine\\.conf", "", "Limine Template"), PROBE_OK])
          for bus in ("virtio", "usb")],
        # paths on the second partition by each of Limine's resources; every file's volume as Limine gives it
        qemu_cases.Case("lconf-volumes", loader, image="volumes.img", sentinel=False,
                        prepare=volumes_disk(loader, os.path.join(build, "limine", "probe-r6.elf")),
                        expect=[chosen.format("/boot/limine/limine\\.conf", "", "Volumes") +
                                r".*: kernel boot\(2\):/boot/myos, 4 module\(s\)",
                                r"limine: internal module 1: boot\(2\):/boot/probe-internal\.bin",
                                r"^probe: ok   executable file's volume: /boot/myos: partition 2", PROBE_OK],
                        reject=[r"^probe: FAIL"],
                        check=lambda log, _s: [] if len(re.findall(r"^probe: ok   module's volume: ", log, re.M)) == 5
                        else ["not every module's volume was checked (want 5 'module's volume' lines)"]),
        # randomise_hhdm_base: yes - the direct map at one of Limine's draws, every HHDM check passing there
        conf_case("lconf-random-hhdm", loader, [("/boot/limine/limine.conf", RANDOM_HHDM_CONF)], "/boot/myos",
                  os.path.join(build, "limine", "probe-r6.elf"), sentinel=False, prepare_more=write_internal,
                  expect=[r"randomise_hhdm_base: the direct map at 0xffff[89a-f][0-9a-f]{3}[048c]0000000 \(a random",
                          r"^probe: ok   HHDM offset randomised as Limine draws it", PROBE_OK],
                  reject=[r"^probe: FAIL"]),
        # no limine.conf on the ESP: Limine goes on to the boot drive's other partitions, and boot():
        # becomes the partition where it found one
        qemu_cases.Case("lconf-config-on-partition-2", loader, image="part2.img", sentinel=False,
                        prepare=config_on_partition_2(loader, template),
                        expect=[r"no limine\.conf on the boot volume: /limine\.conf on partition 2 of the boot drive",
                                chosen.format("/limine\\.conf", "", "Limine Template") + r".*: kernel /boot/myos",
                                PROBE_OK]),
        # kaslr as Limine does it: two boots differ (slide, and the direct map, which follows kaslr);
        # kaslr: no boots the same layout twice
        *[conf_case(f"lconf-kaslr-{value}-two-boots", loader, [("/boot/limine/limine.conf", kaslr_conf(value))],
                    "/boot/myos", os.path.join(build, "limine", "reloc.elf"), sentinel=False,
                    expect=[SLID, PROBE_OK], reboot_expect=[SLID, PROBE_OK], check=check)
          for value, check in (("yes", layouts_differ), ("no", layouts_same))],
        # a volume no file system answers to: one line, the volumes listed, back to firmware
        qemu_cases.bad("lconf-volume-missing", loader, r"fslabel\(NOPE\):/boot/myos: no file system is "
                       r"fslabel\(NOPE\); the firmware has \d+:",
                       prepare=lambda d: conf_case("", "", [("/boot/limine/limine.conf", TEMPLATE_CONF.replace(
                           "boot():/boot/myos", "fslabel(NOPE):/boot/myos").replace("timeout: 3", "timeout: 0"))], "/boot/myos", template).prepare(d),
                       check=lambda log, _s: [] if re.search(r"^\[INFO \] \(ember\):   volume hdd\(\d+:\d+\) = boot\(\)", log, re.M)
                       else ["the boot volume is not among the volumes listed"]),
        # every key of the rich config, from the root location
        conf_case("lconf-rich-root", loader, [("/limine.conf", RICH_CONF)], "/boot/k2", template, sentinel=False,
                  expect=[chosen.format("/limine\\.conf", "", "Template with a module") + r".*: kernel /boot/k2, "
                          r"1 module\(s\), cmdline \"console=ttyS0 arch=x86-64\"",
                          r"\[WARN \] \(ember\): limine\.conf:\d+: .*frobnicate",
                          r"limine\.conf resolution: GOP mode \d+, 1024x768", r"framebuffer 1024x768 pitch 4096",
                          r"module the module: 300 bytes at 0x", PROBE_OK]),
        # Limine's order: beside the executable (/EFI/BOOT/) before /boot/limine/
        conf_case("lconf-beside-executable-first", loader,
                  [("/EFI/BOOT/limine.conf", TEMPLATE_CONF), ("/boot/limine/limine.conf", linux)], "/boot/myos",
                  template, sentinel=False, expect=[chosen.format("/EFI/BOOT/limine\\.conf", "", "Limine Template"),
                                                    PROBE_OK]),
        # ember.cfg, when there is one, wins
        conf_case("lconf-ember-cfg-wins", loader, [("/boot/limine/limine.conf", linux)], "/kernel.elf", template,
                  config="", sentinel=False, expect=[r"ember\.cfg: kernel /kernel\.elf", PROBE_OK],
                  reject=[r"limine\.conf"]),
        # #<BLAKE2b> pins on the kernel and module paths: checked over the loaded bytes
        conf_case("lconf-blake2b-pins", loader, [("/boot/limine/limine.conf", hashed_conf(template, module_hash))],
                  "/boot/myos", template, sentinel=False,
                  expect=[r"kernel /boot/myos BLAKE2b matches its path's #suffix",
                          r"module 1 \(/boot/mod\.bin\) BLAKE2b matches its path's #suffix", PROBE_OK]),
        qemu_cases.bad("lconf-blake2b-wrong", loader, r"module 1 \(/boot/mod\.bin\) BLAKE2b mismatch: file has "
                       + module_hash + r", its path's '#' suffix pins 0{16}\.\.\.: copy the right file or update the hash$",
                       prepare=lambda d: conf_case("", "", [("/boot/limine/limine.conf", hashed_conf(template, "0" * 128))],
                                                   "/boot/myos", template).prepare(d), inspect_esp=True),
        # hash_mismatch_panic: no - Limine warns and boots; so does ember, in one WARN line
        conf_case("lconf-blake2b-wrong-no-panic", loader, [("/boot/limine/limine.conf", "hash_mismatch_panic: no\n" +
                                                             hashed_conf(template, "0" * 128))],
                  "/boot/myos", template, sentinel=False,
                  expect=[r"^\[WARN \] \(ember\): module 1 \(/boot/mod\.bin\) BLAKE2b mismatch: .*\(limine\.conf says "
                          r"hash_mismatch_panic: no - booting it anyway, as Limine does\)$", PROBE_OK]),
        # the menu, driven over COM1: j moves down to an entry ember cannot boot, Enter says why and
        # the menu comes back; the down arrow (ESC [ B) and Enter boot the third entry
        conf_case("lconf-menu-keys", loader, [("/boot/limine/limine.conf", MENU_CONF)], "/boot/myos", template,
                  sentinel=False, timeout=120,
                  serial_keys=[(MENU_TITLE, b"j"), (r"^> Linux", b"\r"), (r"protocol linux: ember boots", b"\x1b[B"),
                               (r"^> Third", b"\r")],
                  expect=[r"^> First", r"limine\.conf:7: protocol linux: ember boots Limine and Multiboot kernels only",
                          chosen.format("/boot/limine/limine\\.conf", "", "Third") + r" \(from the menu\).*"
                          r"cmdline \"third\"", PROBE_OK]),
        # remember_last_entry: the entry chosen from the menu is stored in Limine's variable, and the
        # next boot's countdown starts on it (and boots it)
        conf_case("lconf-remember-last-entry", loader, [("/boot/limine/limine.conf", REMEMBER_CONF)], "/boot/myos",
                  template, sentinel=False, timeout=120,
                  serial_keys=[(MENU_TITLE, b"j"), (r"^>\s+Second", b"\r")],
                  expect=[chosen.format("/boot/limine/limine\\.conf", "", "Second") + r" \(from the menu\)", PROBE_OK],
                  reboot_expect=[r"remember_last_entry: 'Dir/Second' was booted last$",
                                 chosen.format("/boot/limine/limine\\.conf", "", "Second") + r" \(from the menu\)",
                                 PROBE_OK]),
        # the template's disk as `make all-hdd` lays it out: the countdown runs out, the default entry boots
        conf_case("lconf-menu-countdown", loader, [("/boot/limine/limine.conf", TEMPLATE_CONF)], "/boot/myos",
                  template, sentinel=False,
                  expect=[r"ember: booting 'Limine Template' in 3 s", r"ember: booting 'Limine Template' in 1 s",
                          chosen.format("/boot/limine/limine\\.conf", "", "Limine Template") +
                          r".*: kernel /boot/myos, 0 module\(s\)", PROBE_OK]),
        # an entry of a protocol ember does not boot: one line, back to firmware
        qemu_cases.bad("lconf-linux-entry", loader, r"limine\.conf:3: .*protocol linux.*Limine and Multiboot kernels only",
                       prepare=lambda d: conf_case("", "", [("/boot/limine/limine.conf", linux)], "/boot/myos",
                                                   template).prepare(d), inspect_esp=True),
    ]
