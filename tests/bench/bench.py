#!/usr/bin/env python3
"""`make bench`: ember against the I/O floor (FLOOR.EFI) and a firmware-only boot (NULL.EFI).

Per kernel and disk, floor and ember boot alternately (same QEMU flags, one run at a time), each run
with a private copy of a VARS file that has booted once. Prints a markdown table and writes it, with
the machine and versions, to tests/bench/results.md. Exit 0 unless a run crashed or ended wrongly.
"""
import argparse, datetime, json, os, re, shutil, signal, statistics, struct, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD, WORK = ROOT / "build", ROOT / "build" / "bench" / "run"
RESULTS = ROOT / "tests" / "bench" / "results.md"
KERNELS = {"sample": "kernel/kernel.elf", "bench16": "kernel/kernel-bench16.elf",
           "bench64": "kernel/kernel-bench64.elf", "bench64a": "kernel/kernel-bench64a.elf",
           "limine64": "limine/bench64l.elf"}  # the Limine-protocol template kernel + 64 MiB .rodata
# ember-O2: the same loader built at -O2 (tests/bench/bench.mk), to weigh the -Os that ships
LOADERS = {"ember": "BOOTX64.EFI", "ember-O2": "bench/BOOTX64-O2.EFI", "floor": "bench/FLOOR.EFI",
           "null": "bench/NULL.EFI"}
DISKS = ("virtio", "ahci", "vvfat")
EXPECTED = {"ember": 33, "ember-O2": 33, "floor": 99, "null": 99}  # QEMU exit status: (v << 1) | 1
MARK = {"ember": "ember-kernel: hello", "ember-O2": "ember-kernel: hello", "floor": "floor:", "null": "null: firmware"}
LOADERS_PER_KERNEL = ("floor", "ember", "ember-O2")
BANNER, ERROR = "(ember): ember ", "[ERROR]"
POLL_S, TIMEOUT_S = 0.002, 90
K4, M2, G1 = 1 << 12, 1 << 21, 1 << 30


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec=".1f", suffix="", scale=1):
    return "n/a" if value is None else f"{value * scale:{spec}}{suffix}"


# --- ELF and the analytic page-table minimum -----------------------------------------------------------

def pt_loads(path):
    """(vaddr, memsz) of each PT_LOAD with a non-zero memsz."""
    data = Path(path).read_bytes()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    phdrs = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]
    return [(vaddr, memsz) for p_type, _, _, vaddr, _, _, memsz, _ in phdrs if p_type == 1 and memsz]


def kernel_pages(loads, paddr_of):
    """(va, page size) of the kernel's map: page-rounded segments (merged where they share a page),
    2 MiB pages wherever va and pa are 2 MiB aligned and 2 MiB remain, 4 KiB pages elsewhere."""
    ranges = []
    for vaddr, memsz in sorted(loads):
        start, end = vaddr & ~(K4 - 1), (vaddr + memsz + K4 - 1) & ~(K4 - 1)
        pa = paddr_of[vaddr] - (vaddr - start)
        if ranges and start < ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end, pa])
    pages = []
    for start, end, pa in ranges:
        va = start
        while va < end:
            big = (va | (pa + va - start)) % M2 == 0 and end - va >= M2
            pages.append((va, M2 if big else K4))
            va += M2 if big else K4
    return pages


def min_tables(loads, paddr_of, hhdm):
    """Fewest tables for the kernel map plus the direct map: PDPTs + PDs + PTs + the one PML4 (ember's
    copy of the firmware's: the only copy-on-write copy the kernel's view needs)."""
    offset, size, page = hhdm
    pages = kernel_pages(loads, paddr_of) + [(offset + pa, page) for pa in range(0, size, page)]
    pdpts = {va >> 39 for va, _ in pages}
    pds = {va >> 30 for va, sz in pages if sz <= M2}
    pts = {va >> 21 for va, sz in pages if sz == K4}
    return len(pdpts) + len(pds) + len(pts), 1


# --- one QEMU run ----------------------------------------------------------------------------------------

def clean(raw):
    text = raw.decode("utf-8", "replace").replace("\r", "")
    return re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", text)


def descendants(pid):
    kids = []
    for children in Path("/proc").glob(f"{pid}/task/*/children"):
        for child in children.read_text().split():
            kids += [int(child)] + descendants(int(child))
    return kids


def stop(proc):
    """Ends the qemu.sh we started and its children (timeout, qemu), by pid."""
    for pid in reversed([proc.pid] + descendants(proc.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def disk_args(disk, loader, kernel):
    if disk == "vvfat":
        cfg = ["--config", str(WORK / "ember.cfg")] if loader.startswith("ember") else []
        return ["--esp", str(WORK / f"esp-{loader}-{kernel}")] + cfg
    return ["--image", str(WORK / f"{loader}-{kernel}.img"), "--disk-bus", disk]


def boot(disk, loader, kernel, vars_from, until=None):
    """One sequential QEMU run. Returns status (None when stopped at `until`), lines as
    (seconds since start, text) and the whole serial text."""
    serial, vars_ = WORK / "serial.log", WORK / "vars.fd"
    shutil.copyfile(vars_from, vars_)
    serial.write_bytes(b"")
    cmd = [str(WORK / "in" / "qemu.sh"), "--vars", str(vars_), "--serial", str(serial),
           "--timeout", str(TIMEOUT_S)] + disk_args(disk, loader, kernel)
    lines, pending = [], b""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        with open(serial, "rb") as f:
            while True:
                exited = proc.poll() is not None
                *complete, pending = (pending + f.read()).split(b"\n")
                now = time.monotonic() - start
                lines += [(now, clean(raw)) for raw in complete]
                if until and any(until in text for _, text in lines[len(lines) - len(complete):]):
                    stop(proc)
                if exited or proc.returncode is not None:
                    break
                time.sleep(POLL_S)
        if pending:
            lines.append((time.monotonic() - start, clean(pending)))
    finally:
        if proc.poll() is None:
            stop(proc)
    status = None if until and proc.returncode < 0 else proc.returncode
    return status, lines, "\n".join(text for _, text in lines)


def first(lines, needle, last=False):
    """Seconds from the start to the first (or last) serial line containing needle."""
    hits = [t for t, text in lines if needle in text]
    return (hits[-1] if last else hits[0]) if hits else None


# --- parsing the logs --------------------------------------------------------------------------------------

def parse_floor(text):
    m = re.search(r"floor: (\d+) segments, (\d+) bytes, read_us=(\d+) total_us=(\d+)", text)
    return {"read_us": int(m[3]), "total_us": int(m[4])} if m else {}


def parse_ember(text):
    out = {}
    m = re.search(r"timings \(us from entry\): config (\d+), headers (\d+), kernel read (\d+), mapped (\d+), "
                  r"exit boot services (\d+), handoff (\d+)", text)
    if m:
        config, headers, read, mapped, ebs, handoff = map(int, m.groups())
        out.update(config_us=config, headers_us=headers, read_us=read - headers, map_us=mapped - read,
                   ebs_us=ebs - mapped, handoff_us=handoff)
    m = re.search(r"direct map: 0x(\w+) bytes at 0x(\w+) with (1 GiB|2 MiB) pages; (\d+) page-table", text)
    if m:
        out.update(hhdm=(int(m[2], 16), int(m[1], 16), G1 if m[3] == "1 GiB" else M2), pt_pages=int(m[4]))
    out["paddr"] = {int(v, 16): int(p, 16) for v, p in re.findall(r"segment vaddr 0x(\w+) paddr 0x(\w+)", text)}
    m = re.search(r"kernel loaded: (\d+) segment\(s\) in (\d+) region\(s\), (\d+) Read calls", text)
    if m:
        out.update(segments=int(m[1]), reads=int(m[3]))
    return out


# --- preparation: inputs, images, ESP directories, warm VARS ------------------------------------------------

def sh(*cmd):
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def snapshot(kernels):
    """Copies the inputs (the build may change under us) and makes the bad-header kernel."""
    files = {name: WORK / "in" / Path(rel).name for name, rel in {**LOADERS, **kernels}.items()}
    (WORK / "in").mkdir(parents=True)
    for name, rel in {**LOADERS, **kernels}.items():
        shutil.copyfile(BUILD / rel, files[name])
    shutil.copy2(ROOT / "scripts" / "qemu.sh", WORK / "in" / "qemu.sh")  # bash reads scripts as it runs
    bad = bytearray(files["bench64"].read_bytes())
    bad[0] = 0
    files["bad64"] = WORK / "in" / "kernel-bad64.elf"
    files["bad64"].write_bytes(bad)
    (WORK / "ember.cfg").write_text("log_level=debug\n")
    return files


def prepare(targets, disks, files):
    """An image per (loader, kernel) for the block disks and an ESP directory for vvfat."""
    for loader, kernel in targets:
        cfg = ["--config", str(WORK / "ember.cfg")] if loader.startswith("ember") else []
        if set(disks) & {"virtio", "ahci"}:
            sh("scripts/mkimage.sh", str(WORK / f"{loader}-{kernel}.img"), "--loader", str(files[loader]),
               "--kernel", str(files[kernel]), *cfg)
        if "vvfat" in disks:
            esp = WORK / f"esp-{loader}-{kernel}"
            (esp / "EFI/BOOT").mkdir(parents=True)
            shutil.copyfile(files[loader], esp / "EFI/BOOT/BOOTX64.EFI")
            shutil.copyfile(files[kernel], esp / "kernel.elf")


def warm_vars(disk):
    """A VARS file that has booted once on this disk (NOTES: saves ~0.9 s per boot)."""
    warm = WORK / f"warm-{disk}.fd"
    shutil.copyfile("/usr/share/OVMF/OVMF_VARS_4M.fd", warm)
    status, _, _ = boot(disk, "null", "sample", warm)
    shutil.copyfile(WORK / "vars.fd", warm)
    if status != EXPECTED["null"]:
        sys.exit(f"bench: warm-up boot on {disk} ended with status {status}")
    return warm


# --- the measurement loop ------------------------------------------------------------------------------------

def run_one(runs, disk, loader, kernel, warm, until=None):
    status, lines, text = boot(disk, loader, kernel, warm, until)
    data = parse_ember(text) if loader.startswith("ember") else parse_floor(text) if loader == "floor" else {}
    hash_s = gap(lines, "Section Headers", "firmware page tables before")  # debug-only work in the read phase
    data.update(status=status, wall=first(lines, MARK[loader]), banner=first(lines, BANNER), hash_s=hash_s,
                error=first(lines, ERROR), elf_info=first(lines, "Kernel ELF information"), lines=lines)
    ok = (first(lines, ERROR) is not None) if kernel == "bad64" else status == EXPECTED[loader]
    if not ok:
        log = WORK / f"failed-{disk}-{loader}-{kernel}-{len(runs.get((disk, loader, kernel), []))}.log"
        log.write_text(text)
        print(f"bench: FAILED {disk} {loader} {kernel}: status {status}; serial in {log}", file=sys.stderr)
    data["ok"] = ok
    runs.setdefault((disk, loader, kernel), []).append(data)
    return data


def measure(args, kernels, disks):
    """Sequential runs; per round and disk: NULL, then floor, ember for each kernel (alternating)."""
    runs, total = {}, args.runs * len(disks) * (1 + len(LOADERS_PER_KERNEL) * len(kernels)) + args.runs
    done, t0 = 0, time.monotonic()
    for disk in disks:
        warm = warm_vars(disk)
        for _ in range(args.runs):
            plan = [("null", "sample")] + [(ld, k) for k in kernels for ld in LOADERS_PER_KERNEL]
            plan += [("ember", "bad64")] if disk == "virtio" else []
            for loader, kernel in plan:
                data = run_one(runs, disk, loader, kernel, warm, ERROR if kernel == "bad64" else None)
                done += 1
                print(f"[{done}/{total} {time.monotonic() - t0:5.0f}s] {disk:6} {loader:5} {kernel:8} "
                      f"status {data['status']} wall {fmt(data['wall'], '.2f', ' s')}", file=sys.stderr)
    return runs


# --- summary ---------------------------------------------------------------------------------------------------

def row(runs, files, disk, kernel):
    fl, em, nl = runs[(disk, "floor", kernel)], runs[(disk, "ember", kernel)], runs[(disk, "null", "sample")]
    floor_us, read_us = median([r.get("read_us") for r in fl]), median([r.get("read_us") for r in em])
    ratio = read_us / floor_us if read_us and floor_us else None
    pairs = [(f["read_us"], e["read_us"], e["hash_s"]) for f, e in zip(fl, em) if e.get("read_us") and f.get("read_us")]
    paired = median([e / f for f, e, _ in pairs])
    no_hash = median([(e - h * 1e6) / f for f, e, h in pairs if h is not None])
    wall, null_wall = median([r["wall"] for r in em]), median([r["wall"] for r in nl])
    last, tables, reads = em[-1], "n/a", "n/a"
    if "hhdm" in last and last["paddr"]:
        need, cow = min_tables(pt_loads(files[kernel]), last["paddr"], last["hhdm"])
        tables = f"{last['pt_pages']} vs {need} + {cow}"
    if "reads" in last:
        reads = f"{last['reads'] - 3} / {last['segments']}"
    ratios = " · ".join(fmt(x, ".2f", "×") for x in (ratio, paired, no_hash))
    cells = [kernel, disk, fmt(floor_us, scale=1e-3), fmt(read_us, scale=1e-3), ratios,
             fmt(median([r.get("handoff_us") for r in em]), scale=1e-3), fmt(median([r["wall"] for r in fl]), ".2f"),
             fmt(wall, ".2f"), fmt(null_wall, ".2f"),
             fmt(None if None in (wall, null_wall) else wall - null_wall, "+.2f"), tables, reads]
    return "| " + " | ".join(cells) + " |"


def optimisation_note(runs, files, kernels, disks):
    """-Os (shipped) against -O2: size, and the medians of entry→handoff and of the segment read."""
    os_size, o2_size = files["ember"].stat().st_size, files["ember-O2"].stat().st_size
    lines = [f"-Os against -O2 (same sources, interleaved runs): BOOTX64.EFI {os_size} vs {o2_size} bytes "
             f"({os_size / o2_size:.2f}×)."]
    for disk in disks:
        for kernel in kernels:
            es, e2 = runs.get((disk, "ember", kernel), []), runs.get((disk, "ember-O2", kernel), [])
            hs, h2 = median([r.get("handoff_us") for r in es]), median([r.get("handoff_us") for r in e2])
            rs, r2 = median([r.get("read_us") for r in es]), median([r.get("read_us") for r in e2])
            ratio = lambda a, b: fmt(a / b if a and b else None, ".2f", "×")
            lines.append(f"- {kernel} on {disk}: entry→handoff {fmt(hs, scale=1e-3)} vs {fmt(h2, scale=1e-3)} ms "
                         f"({ratio(hs, h2)}), kernel read {fmt(rs, scale=1e-3)} vs {fmt(r2, scale=1e-3)} ms "
                         f"({ratio(rs, r2)})")
    return "\n".join(lines)


def results_table(runs, files, kernels, disks):
    head = ("| kernel | disk | floor read ms | ember read ms | ember/floor: medians · paired · w/o debug hash "
            "| ember entry→handoff ms "
            "| floor wall s | ember wall s | NULL wall s | ember − NULL s | PT pages: used vs min + COW "
            "| segment Reads / segments |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    rows += [row(runs, files, d, k) for k in kernels for d in disks]
    return "\n".join(rows)


def breakdown(runs, disk, kernel):
    """Where ember's time goes (medians, µs from entry, from its TSC timings)."""
    em = runs.get((disk, "ember", kernel), [])
    keys = ("config_us", "headers_us", "read_us", "map_us", "ebs_us", "handoff_us")
    med = {k: median([r.get(k) for r in em]) for k in keys}
    hdr = med["headers_us"] - med["config_us"] if med["headers_us"] and med["config_us"] else None
    gaps = [("entry → config read", med["config_us"]), ("config → headers read", hdr),
            ("headers → kernel read (debug-only table hash, PML4 copy, segments)", med["read_us"]),
            ("kernel read → mapped (boot info, direct map)", med["map_us"]),
            ("mapped → boot services exited", med["ebs_us"]), ("entry → handoff", med["handoff_us"])]
    out = [f"Where ember's time goes ({kernel} on {disk}, medians; TSC timings, then gaps between serial lines):", ""]
    out += [f"- {name}: {fmt(v, '.1f', ' ms', 1e-3)}" for name, v in gaps]
    for name, a, b in WALL_GAPS:
        out.append(f"- {name}: {fmt(median([gap(r['lines'], a, b) for r in em]), '.0f', ' ms', 1e3)}")
    return "\n".join(out)


WALL_GAPS = [  # (what happens between the two lines, line a, line b); ("!", x) = the last line with x
    ("hash of the firmware's table pages, before", "Section Headers", "firmware page tables before"),
    ("PML4 copy + CR3 load", "firmware page tables before", "page tables: firmware"),
    ("regions before the last (place, Read, zero, map) + placing the last", "page tables: firmware",
     ("!", "segment vaddr")),
    ("last region: zero, Read, map", ("!", "segment vaddr"), "kernel loaded:"),
    ("boot info (incl. TSC calibration: a 2 ms Stall)", "framebuffer", "boot info at"),
    ("direct map (2 MiB pages)", "boot info at", "direct map:"),
    ("hash of the firmware's table pages, after", "firmware allocations made", "firmware page tables after"),
]


def gap(lines, a, b):
    ta, tb = (first(lines, x[1], True) if isinstance(x, tuple) else first(lines, x) for x in (a, b))
    return None if ta is None or tb is None else tb - ta


def reject_summary(runs):
    bad = runs.get(("virtio", "ember", "bad64"), [])
    good = runs.get(("virtio", "ember", "bench64"), [])
    null = runs.get(("virtio", "null", "sample"), [])
    reject = median([r["error"] - r["banner"] for r in bad if r["error"] and r["banner"]])
    parse = median([r["elf_info"] - r["banner"] for r in good if r["elf_info"] and r["banner"]])
    err_wall, null_wall = median([r["error"] for r in bad]), median([r["wall"] for r in null])
    return (f"Bad-header 64 MiB kernel (bench64, e_ident[0] = 0) on virtio: banner → `[ERROR]` line "
            f"{fmt(reject, '.0f', ' ms', 1e3)} (good bench64: banner → ELF info {fmt(parse, '.0f', ' ms', 1e3)}); "
            f"wall to the error line "
            f"{fmt(err_wall, '.2f')} s vs NULL.EFI {fmt(null_wall, '.2f')} s.")


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    ovmf = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "ovmf"], capture_output=True, text=True).stdout
    return f"{os.cpu_count()} CPUs, {cpu}; {qemu}; OVMF {ovmf or '?'}"


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(args, runs, files, kernels, disks, started, load_before):
    """Prints the table and notes; writes results.md and the raw runs (build/bench/run/runs.json)."""
    table = results_table(runs, files, kernels, disks)
    size = files["ember"].stat().st_size
    notes = [reject_summary(runs), f"BOOTX64.EFI: {size} bytes ({size / 1000:.1f} KB).",
             optimisation_note(runs, files, kernels, disks), breakdown(runs, "virtio", "bench64")]
    command = " ".join(["python3", "tests/bench/bench.py"] + sys.argv[1:])
    print(table + "\n\n" + "\n\n".join(notes))
    RESULTS.write_text(f"# ember benchmark results\n\n{started:%Y-%m-%d %H:%M} · `{command}` (via `make bench`) · "
                       f"{args.runs} runs per cell\n\n{machine()}; load average (1/5/15 min) {load_before} before, "
                       f"{load_average()} after\n\n{table}\n\n" + "\n\n".join(notes) + "\n\n" + LEGEND)
    raw = {" ".join(key): [{k: v for k, v in r.items() if k != "paddr"} for r in rs] for key, rs in runs.items()}
    (WORK / "runs.json").write_text(json.dumps(raw, indent=1))
    print(f"\nbench: wrote {RESULTS.relative_to(ROOT)}, raw runs in {(WORK / 'runs.json').relative_to(ROOT)}",
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, help="runs per loader, kernel and disk (default 5, --quick 3)")
    ap.add_argument("--quick", action="store_true", help="3 runs, sample + bench64 + limine64, virtio only")
    ap.add_argument("--only", help="comma-separated kernels (e.g. bench64,limine64)")
    args = ap.parse_args()
    kernels, disks = dict(KERNELS), DISKS
    if args.quick:
        disks, kernels = ("virtio",), {k: KERNELS[k] for k in ("sample", "bench64", "limine64")}
    if args.only:
        kernels = {k: KERNELS[k] for k in ["sample", "bench64"] + args.only.split(",")}  # null and bad64 need them
    args.runs = args.runs or (3 if args.quick else 5)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if WORK.exists():
        shutil.rmtree(WORK)
    files = snapshot(kernels)
    prepare([("null", "sample"), ("ember", "bad64")] + [(ld, k) for k in kernels for ld in LOADERS_PER_KERNEL],
            disks, files)
    started, load_before = datetime.datetime.now(), load_average()
    runs = measure(args, list(kernels), disks)
    report(args, runs, files, list(kernels), disks, started, load_before)
    return 0 if all(r["ok"] for rs in runs.values() for r in rs) else 1


LEGEND = """Columns: floor read = FLOOR.EFI's `read_us` (AllocatePages + one Read per PT_LOAD); ember read =
`kernel read - headers` from ember's debug timings (page-table takeover, allocation, Read,
zeroing and mapping of the segments); ember/floor = ratio of their medians over the same interleaved runs ·
median of the per-pair ratios (floor run i, then ember run i) · the same without the firmware-table hash that
ember computes only at log_level=debug (the serial-line gap before its `firmware page tables before` line);
wall = seconds from starting scripts/qemu.sh to the first serial line of the kernel (`ember-kernel: hello`),
of FLOOR.EFI (`floor:`) or of NULL.EFI (firmware only); PT pages = page-table pages ember reports in use vs
the analytic minimum for the kernel's PT_LOADs at the physical addresses ember logged plus the direct map
(PDPTs + PDs + PTs, 2 MiB pages wherever vaddr and paddr are 2 MiB aligned) + 1 copy-on-write copy (the
PML4); segment Reads = Read calls minus ember.cfg and the two header reads."""


if __name__ == "__main__":
    sys.exit(main())
