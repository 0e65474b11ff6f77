# GDB helpers for ember (GDB 13, Python 3.11).  Load with `gdb -x scripts/gdb/ember.py` or `source` it.
#
#   vmmap [START [END]] [--cr3 ADDR]   the current 4-level address space, one line per contiguous run
#   vmmap --raw ADDR [--cr3 ADDR]      same as vmwalk ADDR
#   vmwalk ADDR [--cr3 ADDR]           every level of one translation, raw entries decoded
#   ember-symbols [--ember SO] [--base ADDR | --log FILE] [--kernel ELF]
#                                      loader symbols at the image base ember logs; kernel symbols
#   ember-attach HOST:PORT [--kernel ELF] [--log FILE] [--ember SO]
#                                      what `make debug` runs: connect, load all symbols, say one line
#
# Page tables are read from guest *physical* memory through QEMU's gdbstub
# (`maintenance packet Qqemu.PhyMemMode:1`), one 4 KiB read per table, cached for one command.
import os
import re
import struct

import gdb

PAGE_4K = 1 << 12
PAGE_2M = 1 << 21
PAGE_1G = 1 << 30
ADDR_MASK = 0x000FFFFFFFFFF000
ENTRIES = 512

P, RW, US, PWT, PCD, A, D, PS, G = (1 << b for b in range(9))
PAT_PT = 1 << 7        # PAT bit of a 4 KiB PTE
XD = 1 << 63

LEVELS = ("PML4", "PDPT", "PD", "PT")
SHIFTS = (39, 30, 21, 12)

HERE = os.path.dirname(os.path.abspath(os.path.expanduser(__file__))) if "__file__" in globals() else os.getcwd()
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

HELP = ("ember.py: vmmap [START [END]] [--cr3 X] | vmmap --raw ADDR | vmwalk ADDR [--cr3 X] | "
        "ember-symbols [--base B | --log FILE] [--ember SO] [--kernel ELF] | ember-attach HOST:PORT  "
        "(help CMD for details)")


def canonical(va):
    """Sign-extends a 48-bit virtual address to 64 bits."""
    va &= (1 << 48) - 1
    return va | 0xFFFF000000000000 if va & (1 << 47) else va


def to_int(text):
    """A number or any GDB expression (symbol, $register) as an unsigned 64-bit integer."""
    try:
        return int(text, 0) & 0xFFFFFFFFFFFFFFFF
    except ValueError:
        pass
    value = gdb.parse_and_eval(text)
    if value.type.strip_typedefs().code == gdb.TYPE_CODE_VOID:
        raise gdb.GdbError(f"{text}: no value")
    return int(value.cast(gdb.lookup_type("unsigned long long"))) & 0xFFFFFFFFFFFFFFFF


def read_register(name):
    """A register's value as an int, or None when the target does not expose it."""
    try:
        value = gdb.parse_and_eval("$" + name)
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_VOID:
            return None
        return int(value.cast(gdb.lookup_type("unsigned long long")))
    except gdb.error:
        return None


def split_options(argv, options, flags=()):
    """Pulls `--opt VALUE` (options) and `--flag` (flags) out of argv; returns (dict, positional)."""
    found, rest, i = {}, [], 0
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=")
        if name in options:
            if eq:
                found[name] = inline
            elif i + 1 < len(argv):
                found[name] = argv[i + 1]
                i += 1
            else:
                raise gdb.GdbError(f"{name} needs a value")
        elif arg in flags:
            found[arg] = True
        elif arg.startswith("--") and len(arg) > 2:
            raise gdb.GdbError(f"unknown option {arg}")
        else:
            rest.append(arg)
        i += 1
    return found, rest


def require_target():
    inferior = gdb.selected_inferior()
    if inferior.pid == 0 or not inferior.threads():
        raise gdb.GdbError("no running target: `target remote :1234` first")


def table_root(opts):
    """The PML4's physical address: --cr3, else the target's CR3 (PCID / flag bits masked off)."""
    require_target()
    if "--cr3" in opts:
        return to_int(opts["--cr3"]) & ADDR_MASK
    cr3 = read_register("cr3")
    if cr3 is None:
        raise gdb.GdbError("the target exposes no $cr3 register: pass --cr3 ADDR")
    cr0 = read_register("cr0")
    if cr0 is not None and not cr0 & (1 << 31):
        raise gdb.GdbError(f"paging is off (CR0 = {cr0:#x}); pass --cr3 ADDR to walk a table anyway")
    cr4 = read_register("cr4")
    if cr4 is not None and cr4 & (1 << 12):
        raise gdb.GdbError("CR4.LA57 is set: 5-level paging is not supported")
    return cr3 & ADDR_MASK


class PhysTables:
    """Reads page tables from guest physical memory, each whole table once per command."""

    def __init__(self):
        self.cache = {}
        self.inferior = gdb.selected_inferior()

    def __enter__(self):
        require_target()
        try:
            reply = gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
        except gdb.error as e:
            raise gdb.GdbError(f"cannot switch QEMU's gdbstub to physical memory mode: {e}")
        if '"OK"' not in reply:
            raise gdb.GdbError("the target did not accept Qqemu.PhyMemMode (not QEMU's gdbstub?): "
                               + reply.strip().replace("\n", " "))
        return self

    def __exit__(self, *exc):
        try:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
        finally:
            try:
                gdb.execute("maintenance flush dcache", to_string=True)
            except gdb.error:
                pass
        return False

    def table(self, phys):
        entries = self.cache.get(phys)
        if entries is None:
            try:
                data = self.inferior.read_memory(phys, PAGE_4K)
            except gdb.MemoryError as e:
                raise gdb.GdbError(f"cannot read the page table at physical {phys:#x}: {e}")
            entries = struct.unpack("<512Q", bytes(data))
            self.cache[phys] = entries
        return entries


def flag_text(writable, executable, user, leaf):
    text = "R" + ("W" if writable else "-") + ("X" if executable else "-")
    words = [text, "USER" if user else "KERN"]
    if leaf & A:
        words.append("ACCESSED")
    if leaf & D:
        words.append("DIRTY")
    if leaf & G:
        words.append("GLOBAL")
    return "[" + " ".join(words) + "]"


def walk_all(tables, root, lo, hi):
    """Yields (virt, phys, page_size, flags) for every mapped page overlapping [lo, hi) (canonical
    addresses, unsigned order)."""

    def visit(phys, level, base, rw, us, xd):
        shift = SHIFTS[level]
        span = 1 << shift
        entries = tables.table(phys)
        for i in range(ENTRIES):
            e = entries[i]
            if not e & 1:
                continue
            va = canonical(base + (i << shift)) if level == 0 else base + (i << shift)
            if va + span <= lo or va >= hi:
                continue
            nrw, nus, nxd = rw and e & RW, us and e & US, xd or e & XD
            if level == 3 or (level in (1, 2) and e & PS):
                mask = ADDR_MASK if level == 3 else ADDR_MASK & ~(span - 1)
                yield va, e & mask, span, flag_text(nrw, not nxd, nus, e)
            else:
                yield from visit(e & ADDR_MASK, level + 1, va, nrw, nus, nxd)

    yield from visit(root, 0, 0, True, True, False)


def merge_runs(pages):
    """Merges virtually + physically contiguous pages of the same size and flags."""
    run = None
    for va, pa, size, flags in pages:
        if run and run[1] == va and run[3] == pa and run[4] == size and run[6] == flags:
            run[1] += size
            run[3] += size
            run[5] += 1
            continue
        if run:
            yield run
        run = [va, va + size, pa, pa + size, size, 1, flags]
    if run:
        yield run


def format_run(run):
    vs, ve, ps, pe, size, count, flags = run
    return f"{vs:#018x}-{ve:#018x} {ps:#018x}-{pe:#018x} {ve - vs:#x} {size:#x} {count} {flags}"


def entry_bits(entry, level):
    """The set bits of one entry by name (PS at PDPT/PD, PAT at PT)."""
    names = [(P, "P"), (RW, "RW"), (US, "US"), (PWT, "PWT"), (PCD, "PCD"), (A, "A"), (D, "D"),
             (PS, "PAT" if level == 3 else "PS"), (G, "G"), (XD, "XD")]
    return " ".join(n for bit, n in names if entry & bit) or "-"


def do_walk(va, opts):
    va &= 0xFFFFFFFFFFFFFFFF
    if canonical(va) != va:
        raise gdb.GdbError(f"{va:#x} is not a canonical address")
    root = table_root(opts)
    lines = []
    with PhysTables() as tables:
        phys, rw, us, xd = root, True, True, False
        for level in range(4):
            index = (va >> SHIFTS[level]) & 0x1FF
            e = tables.table(phys)[index]
            leaf = level == 3 or (level in (1, 2) and e & PS and e & P)
            span = 1 << SHIFTS[level]
            mask = ADDR_MASK & ~(span - 1) if leaf else ADDR_MASK
            lines.append(f"{LEVELS[level]:<4} index {index:3d}  table {phys:#014x}  entry {e:#018x}  "
                         f"[{entry_bits(e, level)}]  addr {e & mask:#x}")
            if not e & P:
                lines.append(f"{va:#018x} not mapped ({LEVELS[level]} entry {index} not present)")
                break
            rw, us, xd = rw and e & RW, us and e & US, xd or e & XD
            if leaf:
                pa = (e & mask) | (va & (span - 1))
                lines.append(f"{va:#018x} -> {pa:#x} (page size {span:#x}) {flag_text(rw, not xd, us, e)}")
                break
            phys = e & ADDR_MASK
    gdb.write("\n".join(lines) + "\n")


class VmmapCommand(gdb.Command):
    """Show the current 4-level page tables as contiguous runs.

Usage: vmmap [START [END]] [--cr3 ADDR]
       vmmap --raw ADDR [--cr3 ADDR]    (same as vmwalk ADDR)

Reads CR3 (or --cr3), walks the tables in guest physical memory and prints one line per run of pages
that are contiguous virtually and physically with the same page size and flags. START/END limit the
output to pages overlapping [START, END); START alone shows the page holding START.
Flags: R, W if writable at every level, X if no level sets XD; KERN, or USER when US is set at every
level; ACCESSED, DIRTY and GLOBAL from the leaf entry."""

    def __init__(self):
        super().__init__("vmmap", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        opts, rest = split_options(gdb.string_to_argv(arg), ("--cr3", "--raw"))
        if "--raw" in opts:
            if rest:
                raise gdb.GdbError("usage: vmmap --raw ADDR [--cr3 ADDR]")
            return do_walk(to_int(opts["--raw"]), opts)
        if len(rest) > 2:
            raise gdb.GdbError("usage: vmmap [START [END]] [--cr3 ADDR]")
        lo = to_int(rest[0]) if rest else 0
        hi = to_int(rest[1]) if len(rest) > 1 else (lo + 1 if rest else 1 << 64)
        if hi <= lo:
            raise gdb.GdbError("END must be above START")
        root = table_root(opts)
        with PhysTables() as tables:
            runs = list(merge_runs(walk_all(tables, root, lo, hi)))
        out = ["Virtual address start-end  Physical address start-end  Total size  Page size  Count  Flags"]
        out += [format_run(r) for r in runs]
        if not runs:
            out.append("(nothing mapped)")
        gdb.write("\n".join(out) + "\n")


class VmwalkCommand(gdb.Command):
    """Walk the page tables for one virtual address, level by level.

Usage: vmwalk ADDR [--cr3 ADDR]

Prints, per level, the table's physical address, the index, the raw entry and its decoded bits
(P RW US PWT PCD A D PS/PAT G XD, address), stopping at a leaf or a non-present entry; then
`ADDR -> PHYS (page size S) [flags]` or `not mapped`."""

    def __init__(self):
        super().__init__("vmwalk", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        opts, rest = split_options(gdb.string_to_argv(arg), ("--cr3",))
        if len(rest) != 1:
            raise gdb.GdbError("usage: vmwalk ADDR [--cr3 ADDR]")
        do_walk(to_int(rest[0]), opts)


IMAGE_BASE = re.compile(rb"\(ember\): image base (0x[0-9a-fA-F]+)")


def base_from_log(path):
    """The image base of the last boot logged in a serial log, or None."""
    try:
        with open(path, "rb") as f:
            found = IMAGE_BASE.findall(f.read())
    except OSError as e:
        raise gdb.GdbError(f"cannot read the serial log {path}: {e.strerror}")
    return int(found[-1], 16) if found else None


def find_file(path):
    if os.path.exists(path):
        return os.path.abspath(path)
    alt = os.path.join(ROOT, path)
    return alt if os.path.exists(alt) else None


def execute_with(command, **settings):
    """gdb.execute(command, to_string=True) with on/off settings (confirm=False, ...) for it alone."""
    names = {name.replace("_", "-"): value for name, value in settings.items()}
    saved = {name: gdb.parameter(name) for name in names}
    for name, value in names.items():
        gdb.execute(f"set {name} {'on' if value else 'off'}")
    try:
        return gdb.execute(command, to_string=True)
    finally:
        for name, value in saved.items():
            gdb.execute(f"set {name} {'on' if value else 'off'}")


def replace_symbol_file(path, extra):
    """add-symbol-file, first removing an earlier copy of the same file."""
    for objfile in gdb.objfiles():
        if objfile.filename and os.path.realpath(objfile.filename) == os.path.realpath(path):
            execute_with(f"remove-symbol-file {objfile.filename}", confirm=False)
    execute_with(f"add-symbol-file {path}{extra}", confirm=False)


class EmberSymbolsCommand(gdb.Command):
    """Load ember's and the kernel's symbols.

Usage: ember-symbols [--ember build/ember.so] [--base ADDR | --log FILE] [--kernel ELF]

ember.so is gnu-efi's ELF linked at 0 (PE ImageBase 0, same section offsets as BOOTX64.EFI), so it is
loaded with `add-symbol-file build/ember.so -o BASE`, BASE being where the firmware put the image:
--base, else the last `image base 0x...` line of the serial log (--log FILE, else $EMBER_SERIAL_LOG).
--kernel ELF adds the kernel's symbols at its linked addresses."""

    def __init__(self):
        super().__init__("ember-symbols", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        opts, rest = split_options(gdb.string_to_argv(arg), ("--ember", "--base", "--log", "--kernel"))
        if rest:
            raise gdb.GdbError("usage: ember-symbols [--ember SO] [--base ADDR | --log FILE] [--kernel ELF]")
        ember = find_file(opts.get("--ember", "build/ember.so"))
        if ember is None:
            raise gdb.GdbError(f"{opts.get('--ember', 'build/ember.so')} not found (make all)")
        base, source = None, None
        if "--base" in opts:
            base, source = to_int(opts["--base"]), "--base"
        else:
            log = opts.get("--log") or os.environ.get("EMBER_SERIAL_LOG")
            if log:
                base, source = base_from_log(log), log
        kernel = None
        if "--kernel" in opts:
            kernel = find_file(opts["--kernel"])
            if kernel is None:
                raise gdb.GdbError(f"{opts['--kernel']} not found")
        if base is not None:
            replace_symbol_file(ember, f" -o {base:#x}")
            gdb.write(f"ember-symbols: {ember} at image base {base:#x} (from {source})\n")
        if kernel is not None:
            replace_symbol_file(kernel, "")
            gdb.write(f"ember-symbols: {kernel} at its linked addresses\n")
        if base is None:
            why = f"no `image base` line in {source} yet (let ember start, then run this again)" if source \
                else "no image base: pass --base ADDR or --log FILE (or set EMBER_SERIAL_LOG)"
            if kernel is None:
                raise gdb.GdbError(f"ember-symbols: {why}")
            gdb.write(f"ember-symbols: loader symbols not loaded: {why}\n")


class LoaderSymbols:
    """ember.so's symbols at the image base the serial log names, loaded silently as soon as the log
    has it (and again when a later boot logs another base): a stop is where they become useful."""

    def __init__(self, ember, log):
        self.ember, self.log, self.base = ember, log, None

    def load(self):
        """True when the symbols are loaded at the logged base (now or before)."""
        try:
            base = base_from_log(self.log)
        except gdb.GdbError:
            base = None
        if base is not None and base != self.base:
            replace_symbol_file(self.ember, f" -o {base:#x}")
            self.base = base
        return self.base is not None

    def on_stop(self, _event):
        try:
            self.load()
        except gdb.error as e:
            gdb.write(f"ember-attach: loader symbols: {e}\n")


class EmberAttachCommand(gdb.Command):
    """Connect to QEMU's gdbstub with every symbol that can be loaded, quietly (`make debug`).

Usage: ember-attach HOST:PORT [--kernel ELF] [--log FILE] [--ember build/ember.so]

ELF becomes GDB's program (symbols at their linked addresses); ember.so's symbols load at the image
base ember logs in FILE (else $EMBER_SERIAL_LOG): at once when the log has it, else by themselves at
the first stop after it does. One line says where the target stopped and what is still pending.
When GDB exits, QEMU is told to quit (`make debug` ends with GDB)."""

    def __init__(self):
        super().__init__("ember-attach", gdb.COMMAND_RUNNING)
        self.loader, self.quits_qemu = None, False

    def invoke(self, arg, from_tty):
        opts, rest = split_options(gdb.string_to_argv(arg), ("--kernel", "--log", "--ember"))
        if len(rest) != 1:
            raise gdb.GdbError("usage: ember-attach HOST:PORT [--kernel ELF] [--log FILE] [--ember SO]")
        kernel = find_file(opts["--kernel"]) if "--kernel" in opts else None
        if "--kernel" in opts and kernel is None:
            raise gdb.GdbError(f"{opts['--kernel']} not found")
        ember = find_file(opts.get("--ember", "build/ember.so"))
        log = opts.get("--log") or os.environ.get("EMBER_SERIAL_LOG")
        if kernel:
            execute_with(f"file {kernel}", confirm=False)
        # suppressed: the frame line of the stop at connect ("0x000000000000fff0 in ?? ()")
        execute_with(f"target remote {rest[0]}", suppress_cli_notifications=True)
        pc = read_register("pc")
        said = [f"ember-attach: {rest[0]}, " + ("attached" if pc is None else f"stopped at {pc:#x}") +
                (" (the reset vector)" if pc == 0xFFF0 else "")]
        if kernel:
            said.append(f"kernel symbols from {os.path.relpath(kernel)}")
        if self.loader is not None:
            gdb.events.stop.disconnect(self.loader.on_stop)
            self.loader = None
        if ember is None or not log:
            said.append("no loader symbols: " + ("build/ember.so not found (make all)" if ember is None
                                                 else "no serial log (--log FILE)"))
        else:
            self.loader = LoaderSymbols(ember, log)
            gdb.events.stop.connect(self.loader.on_stop)
            said.append(f"loader symbols at image base {self.loader.base:#x}" if self.loader.load() else
                        "loader symbols load at the first stop after ember logs its image base")
        if not self.quits_qemu:  # only here: GDB attached to `make run` by hand leaves QEMU running
            gdb.events.gdb_exiting.connect(quit_qemu)
            self.quits_qemu = True
        gdb.write("; ".join(said) + ". Commands: vmmap, vmwalk, ember-symbols (help CMD).\n")


def quit_qemu(_event):
    """GDB is exiting: QEMU quits through its gdbstub (a signal would make it print a line). QEMU does
    not answer, so GDB's complaints about the lost connection go to /dev/null."""
    inferior = gdb.selected_inferior()
    if inferior.pid == 0 or not inferior.threads():
        return
    for command in ("set logging file /dev/null", "set logging redirect on", "set logging enabled on"):
        gdb.execute(command, to_string=True)
    for command in ("monitor quit", "disconnect"):  # disconnect: else GDB detaches from a dead target
        try:
            gdb.execute(command, to_string=True)
        except gdb.error:
            pass
    gdb.execute("set logging enabled off", to_string=True)


VmmapCommand()
VmwalkCommand()
EmberSymbolsCommand()
EmberAttachCommand()

if gdb.current_progspace().filename is None:
    gdb.execute("set architecture i386:x86-64", to_string=True)
if not os.environ.get("EMBER_GDB_QUIET"):  # make debug: ember-attach says it in its one line
    gdb.write(HELP + "\n")
