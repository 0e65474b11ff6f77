"""Kernels laid out to probe whether ember-inspect gives the loader's verdict: each is a
case whose loader outcome is asserted here, and the inspect agreement check (inspect_check.py) that
runs after every case then holds ember-inspect to the same outcome, stage and error line."""
import hashlib
import os
import struct

import case as qemu_cases
import mutate
import synth

TEXT = 0xFFFFFFFF80000000
DATA = TEXT + synth.PAGE
PROBE_OK = r"^probe: all \d+ checks passed$"


def internal_modules_17():
    """Module request revision 1 naming 17 internal modules: one more than ember loads."""
    data = synth.base_revision_tag(3) + bytes(8) + synth.request("MODULE", 1, (17, DATA + 0x200))
    data += bytes(0x200 - len(data)) + struct.pack("<17Q", *([0] * 17))
    return synth.elf(TEXT, [(TEXT, 0x200000, synth.PF_R | synth.PF_X, synth.EXIT_15, synth.PAGE),
                            (DATA, 0x201000, synth.PF_R | synth.PF_W, data, synth.PAGE)])


def stack_request_ends_image():
    """A stack size request whose 48-byte header ends the image: its stack_size field has no bytes."""
    tail = synth.request("STACK_SIZE")
    data = synth.base_revision_tag(3) + bytes(synth.PAGE - 24 - len(tail)) + tail
    return synth.elf(TEXT, [(TEXT, 0x200000, synth.PF_R | synth.PF_X, synth.EXIT_15, synth.PAGE),
                            (DATA, 0x201000, synth.PF_R | synth.PF_W, data, synth.PAGE)])


def on_demo_page():
    """An ember-protocol kernel whose only segment is the page demo_map=yes maps."""
    demo = 0xFFFFFFFFDEAD0000
    return synth.elf(demo, [(demo, 0x200000, synth.PF_R | synth.PF_X, synth.EXIT_15, synth.PAGE)])


ABS_MODULE = b"A" * 100


def internal_module_paths(suffix=b""):
    """Two required internal modules named as real kernels name them: an absolute path and a dotted
    one (Limine resolves both; ember must load /mods/abs.bin and, next to /boot/k.elf, /boot/rel.bin).
    suffix follows the absolute path: Limine's `#<hash>` pin."""
    at = lambda off: DATA + off
    data = synth.base_revision_tag(3) + bytes(8) + synth.request("MODULE", 1, (2, at(0x200)))
    layout = {0x200: struct.pack("<2Q", at(0x300), at(0x318)),
              0x300: struct.pack("<3Q", at(0x500), at(0x440), 1) + struct.pack("<3Q", at(0x480), at(0x4C0), 1),
              0x500: b"/mods/abs.bin" + suffix + b"\0", 0x440: b"abs\0", 0x480: b"./sub/../rel.bin\0", 0x4C0: b"\0"}
    for off, blob in sorted(layout.items()):
        data += bytes(off - len(data)) + blob
    return synth.elf(TEXT, [(TEXT, 0x200000, synth.PF_R | synth.PF_X, synth.EXIT_15, synth.PAGE),
                            (DATA, 0x201000, synth.PF_R | synth.PF_W, data, synth.PAGE)])


def put_internal_module_files(workdir, suffix=b""):
    esp = os.path.join(workdir, "esp")
    for rel, blob in (("boot/k.elf", internal_module_paths(suffix)), ("mods/abs.bin", ABS_MODULE),
                      ("boot/rel.bin", b"R" * 200)):
        os.makedirs(os.path.dirname(os.path.join(esp, rel)), exist_ok=True)
        open(os.path.join(esp, rel), "wb").write(blob)


def hashed_module(suffix):
    """Case arguments: the internal-module kernel with `suffix` after its absolute module path."""
    return dict(kernel_bytes=lambda: internal_module_paths(suffix), config="protocol=limine\nkernel=/boot/k.elf\n",
                prepare=lambda d: put_internal_module_files(d, suffix))


WRONG_HASH = b"#" + hashlib.blake2b(b"B" * 100).hexdigest().encode()


def same_paddr(template):
    """The Limine template kernel with its second PT_LOAD at the first one's p_paddr."""
    def mutate_bytes():
        e = mutate.Elf(open(template, "rb").read())
        loads = e.loads()
        e.ph[loads[1]][mutate.P_PADDR] = e.ph[loads[0]][mutate.P_PADDR]
        return e.build()
    return mutate_bytes


def agree_cases(build, loader):
    lk = lambda name: os.path.join(build, "limine", f"{name}.elf")
    bad = qemu_cases.bad
    return [
        bad("agree-internal-17", loader, r"limine: 17 internal modules and 0 from ember\.cfg: ember loads at most 16: name fewer modules$",
            kernel_bytes=internal_modules_17, check=stage_is("choose protocol")),
        bad("agree-stack-request-cut", loader, r"limine: the stack size request at 0xffffffff80001fd0 is cut off: its "
            r"field at \+48 lies past the end of the kernel image", kernel_bytes=stack_request_ends_image,
            check=stage_is("choose protocol")),
        bad("agree-demo-page", loader, r"demo_map=yes maps the demo page at 0xffffffffdead0000, but kernel program header 0 "
            r"\[0xffffffffdead0000, 0xffffffffdead1000\) is there", kernel_bytes=on_demo_page,
            config="demo_map=yes\n", check=stage_is("demo mapping")),
        # two regions cannot both have one p_paddr: the second claim fails and the kernel moves in one piece
        qemu_cases.Case("agree-same-paddr", loader, kernel_bytes=same_paddr(lk("template")), config="", sentinel=False,
                        expect=[r"protocol limine \(auto: ", r"p_paddr 0x[0-9a-f]+ is not free: kernel \[0xffffffff80000000, "
                                r"0x[0-9a-f]+\) loaded at 0x[0-9a-f]+ in one piece", PROBE_OK]),
        # internal module paths as Limine resolves them: absolute from the root, '.' and '..' resolved
        qemu_cases.Case("limine-internal-module-paths", loader, kernel_bytes=internal_module_paths,
                        config="protocol=limine\nkernel=/boot/k.elf\n", sentinel=False, exit=15,
                        prepare=put_internal_module_files,
                        expect=[r"limine: internal module 1: /mods/abs\.bin \(required\)",
                                r"limine: internal module 2: /boot/rel\.bin \(required\)",
                                r"module abs: 100 bytes at 0x", r"module /boot/rel\.bin: 200 bytes at 0x"],
                        reject=[r"not found", r"\[ERROR\]"]),
        # Limine's #<BLAKE2b> pin on a module path: the right hash boots, a wrong one and a BLAKE3-length
        # one are refused
        qemu_cases.Case("limine-internal-module-blake2b", loader, sentinel=False, exit=15,
                        expect=[r"limine: internal module 1: /mods/abs\.bin \(required\)",
                                r"module 1 \(/mods/abs\.bin\) BLAKE2b matches its path's #suffix"],
                        reject=[r"\[ERROR\]"], **hashed_module(b"#" + hashlib.blake2b(ABS_MODULE).hexdigest().encode())),
        bad("agree-internal-module-blake2b-wrong", loader, r"module 1 \(/mods/abs\.bin\) BLAKE2b mismatch: file has "
            + hashlib.blake2b(ABS_MODULE).hexdigest() + r", its path's '#' suffix pins " + WRONG_HASH[1:17].decode()
            + r"\.\.\.: copy the right "
            r"file or update the hash$", check=stage_is("load modules"), **hashed_module(WRONG_HASH)),
        bad("agree-internal-module-blake3", loader, r"limine: internal module 1: its path's '#' suffix has 64 characters, "
            r"not the 128 hex digits of a BLAKE2b hash \(ember checks no other\): pin it with b2sum's output$",
            check=stage_is("choose protocol"), **hashed_module(b"#" + b"ab" * 32)),
        # a relocation whose target lies in the zero-filled part of a segment (past p_filesz)
        qemu_cases.Case("agree-reloc-in-bss", loader, lk("reloc-bss"), config="", sentinel=False,
                        expect=[r"limine: relocated by 0x[0-9a-f]+: [1-9]\d* RELATIVE",
                                r"^probe: ok   relocated pointer past p_filesz:", PROBE_OK]),
    ]


def stage_is(stage):
    def check(log, _status):
        return [] if f"boot failed in stage '{stage}'" in log else [f"expected a refusal in stage '{stage}'"]
    return check
