"""Disks set up for Limine, booted with only BOOTX64.EFI replaced: no ember.cfg, a limine.conf where
Limine looks for one (its CONFIG.md order: beside the executable, then /boot/limine/, /boot/,
/limine/, the root), its default entry booted, the rest said or refused in one line."""
import hashlib
import os

import case as qemu_cases

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
MENU_TITLE = r"^ember: /boot/limine/limine\.conf \(Up/Down or k/j, Enter"


def write(workdir, rel, text):
    path = os.path.join(workdir, "files", rel.replace("/", "_"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def conf_case(name, loader, confs, kernel_at, kernel, **kw):
    """A case whose ESP holds the kernel at kernel_at and each (path, text) of confs, no ember.cfg."""
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
        # every key of the rich config, from the root location
        conf_case("lconf-rich-root", loader, [("/limine.conf", RICH_CONF)], "/boot/k2", template, sentinel=False,
                  expect=[chosen.format("/limine\\.conf", "", "Template with a module") + r".*: kernel /boot/k2, "
                          r"1 module\(s\), cmdline \"console=ttyS0 arch=x86-64\"",
                          r"\[WARN \] \(ember\): limine\.conf:\d+: .*frobnicate",
                          r"resolution/textmode/dtb_path ignored on UEFI x86-64",
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
        # the menu, driven over COM1: j moves down to an entry ember cannot boot, Enter says why and
        # the menu comes back; the down arrow (ESC [ B) and Enter boot the third entry
        conf_case("lconf-menu-keys", loader, [("/boot/limine/limine.conf", MENU_CONF)], "/boot/myos", template,
                  sentinel=False, timeout=120,
                  serial_keys=[(MENU_TITLE, b"j"), (r"^> Linux", b"\r"), (r"protocol linux: ember boots", b"\x1b[B"),
                               (r"^> Third", b"\r")],
                  expect=[r"^> First", r"limine\.conf:7: protocol linux: ember boots Limine-protocol kernels only",
                          chosen.format("/boot/limine/limine\\.conf", "", "Third") + r" \(from the menu\).*"
                          r"cmdline \"third\"", PROBE_OK]),
        # the template's disk as `make all-hdd` lays it out: the countdown runs out, the default entry boots
        conf_case("lconf-menu-countdown", loader, [("/boot/limine/limine.conf", TEMPLATE_CONF)], "/boot/myos",
                  template, sentinel=False,
                  expect=[r"ember: booting 'Limine Template' in 3 s", r"ember: booting 'Limine Template' in 1 s",
                          chosen.format("/boot/limine/limine\\.conf", "", "Limine Template") +
                          r".*: kernel /boot/myos, 0 module\(s\)", PROBE_OK]),
        # an entry of a protocol ember does not boot: one line, back to firmware
        qemu_cases.bad("lconf-linux-entry", loader, r"limine\.conf:3: .*protocol linux.*Limine-protocol kernels only",
                       prepare=lambda d: conf_case("", "", [("/boot/limine/limine.conf", linux)], "/boot/myos",
                                                   template).prepare(d), inspect_esp=True),
    ]
