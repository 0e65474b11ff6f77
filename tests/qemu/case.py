"""The QEMU case record and what every group of cases shares: exit statuses, the log lines of a boot and
of a clean return to firmware, and the shape of a refused boot. A leaf: it imports no case module."""
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

KERNEL_PASS = 33      # sample kernel: every check passed
SENTINEL_OK = 253     # ember returned to firmware, which booted the sentinel
BANNER = r"^\[INFO \] \(ember\): ember \S+ - UEFI bootloader for x86-64$"
KERNEL_OK = r"^ember-kernel: all \d+ checks passed$"
RETURNED = r"^ember-sentinel: firmware regained control, no ember memory left"
ENTRY_CR3 = r"firmware CR3 at entry (0x[0-9a-f]+)"
SENTINEL_CR3 = r"ember-sentinel: firmware regained control, no ember memory left, CR3 (0x[0-9a-fA-F]+)"


def cr3_restored(log, _status):
    """The sentinel runs on the very CR3 ember found at entry: ember put the firmware's tables back."""
    entry, after = re.search(ENTRY_CR3, log), re.search(SENTINEL_CR3, log)
    if not entry or not after:
        return [f"need both the entry CR3 line and the sentinel's CR3 (got {entry and entry.group(1)}, "
                f"{after and after.group(1)})"]
    if int(entry.group(1), 16) != int(after.group(1), 16):
        return [f"CR3 after return {after.group(1)} != firmware CR3 at entry {entry.group(1)}"]
    return []


def all_checks(*checks):
    checks = [c for c in checks if c is not None]
    return lambda log, status: [p for c in checks for p in c(log, status)]


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
    image: Optional[str] = None      # a disk image instead of the ESP: relative to the case's directory or absolute
    disk_bus: Optional[str] = None   # the image's bus (qemu.sh --disk-bus): virtio, ahci or usb
    machine: Optional[str] = None    # qemu.sh --machine (q35 unless given)
    vga: Optional[str] = None        # qemu.sh --vga (std unless given; none = no display device)
    qemu_args: List[str] = field(default_factory=list)
    timeout: int = 90
    prepare: Optional[Callable[[str], None]] = None
    check: Optional[Callable[[str, int], List[str]]] = None
    inspect_esp: bool = False        # compare with `ember-inspect --esp` on the ESP (no kernel= of its own)
    serial_keys: List[Tuple[str, bytes]] = field(default_factory=list)  # (wait for this in COM1's output, then type)
    reboot_expect: List[str] = field(default_factory=list)  # boot again (same disk, same UEFI variables,
                                                             # no keys): that log must show these


def bad(name, loader, expect, check=None, reject=(), **kw):
    """A boot ember must refuse: the error line, then a clean return to firmware (sentinel) on the
    firmware's own page tables."""
    return Case(name, loader, exit=SENTINEL_OK, expect=[BANNER, r"^\[ERROR\] \(ember\): .*" + expect, RETURNED,
                r"boot failed in stage"], reject=[r"handing off", *reject], check=all_checks(cr3_restored, check),
                **kw)


def mkimage(workdir, image, args):
    """Runs scripts/mkimage.sh to write workdir/image with args; its output lands in mkimage.log, and
    when it fails there is no image and the boot fails on that."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(workdir, "mkimage.log"), "w") as log:
        subprocess.run([os.path.join(root, "scripts", "mkimage.sh"), os.path.join(workdir, image)] + args,
                       stdout=log, stderr=subprocess.STDOUT, check=False)
