#!/usr/bin/env bash
# GDB helpers (scripts/gdb/ember.py) against a real boot: QEMU+OVMF paused on a private gdbstub port,
# ember.cfg with demo_map=yes, a hardware breakpoint on the sample kernel's entry, then vmmap, vmwalk,
# ember-symbols and `info registers cr3` on the kernel's address space, judged against the ELF
# (readelf/nm) and against what ember logged on the serial port. One line per check, then
# "N passed, N failed"; non-zero exit on failure. Needs `make all` first.
set -uo pipefail
cd "$(dirname "$0")/../.."

KERNEL=${KERNEL_ELF:-build/kernel/kernel.elf}
GDB_TIMEOUT=120
QEMU_TIMEOUT=150

for f in build/BOOTX64.EFI build/ember.so "$KERNEL" scripts/gdb/ember.py; do
    if [ ! -f "$f" ]; then
        echo "FAIL gdb/prerequisites: $f is missing (run make all)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

mkdir -p build/gdb-tests
W=$(mktemp -d "$PWD/build/gdb-tests/run.XXXXXX")
wrapper_pid=""

# Kills this run's QEMU (by its -pidfile, checked to be QEMU) and the qemu.sh wrapper.
stop_qemu() {
    local pid
    if [ -f "$W/qemu.pid" ]; then
        pid=$(cat "$W/qemu.pid" 2>/dev/null)
        if [ -n "$pid" ] && grep -q qemu-system "/proc/$pid/cmdline" 2>/dev/null; then
            kill "$pid" 2>/dev/null
            for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -9 "$pid" 2>/dev/null
        fi
        rm -f "$W/qemu.pid"
    fi
    if [ -n "$wrapper_pid" ]; then
        kill "$wrapper_pid" 2>/dev/null
        wait "$wrapper_pid" 2>/dev/null
        wrapper_pid=""
    fi
}
status=1
cleanup() {
    stop_qemu
    # keep the evidence of a failed run; a passing run leaves nothing behind
    if [ "$status" -eq 0 ]; then rm -rf "$W"; else echo "(gdb test files kept in ${W#"$PWD"/})"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_gdbstub PIDFILE PORT WRAPPER: 0 once *our* QEMU (pid from PIDFILE) listens on 127.0.0.1:PORT, so
# GDB cannot attach to anyone else's; 1 if qemu.sh (WRAPPER) or QEMU ended first (e.g. the port was
# taken); 2 on timeout.
wait_gdbstub() {
    python3 - "$1" "$2" "$3" <<'EOF'
import os, sys, time
pidfile, port, wrapper = sys.argv[1], int(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        if open(f"/proc/{wrapper}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
            sys.exit(1)
    except OSError:
        sys.exit(1)
    try:
        pid = int(open(pidfile).read().split()[0])
    except (OSError, ValueError, IndexError):
        time.sleep(0.05)
        continue
    if not os.path.exists(f"/proc/{pid}"):
        sys.exit(1)
    listening = set()
    for line in open("/proc/net/tcp").readlines()[1:]:  # IPv4: qemu.sh --gdb-port binds 127.0.0.1
        f = line.split()
        if f[3] == "0A" and f[1] == f"0100007F:{port:04X}":
            listening.add(f[9])
    try:
        mine = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        mine = set()
    if any(f"socket:[{inode}]" in mine for inode in listening):
        sys.exit(0)
    time.sleep(0.05)
sys.exit(2)
EOF
}

entry=$(readelf -h "$KERNEL" | awk '/Entry point address/ { print $4 }')
printf 'demo_map=yes\n' >"$W/ember.cfg"

# What GDB does: every step prints a marker line, errors are caught so later steps still run.
cat >"$W/drive.py" <<'EOF'
import os
import re
import time

import gdb

env = os.environ


def step(tag, command):
    print(f"=={tag}", flush=True)
    try:
        start = time.monotonic()
        out = gdb.execute(command, to_string=True)
        print(out, end="" if out.endswith("\n") else "\n")
        print(f"==TIME {tag} {time.monotonic() - start:.3f}")
    except gdb.error as e:
        print(f"ERROR: {e}")
    print(flush=True)


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set tcp connect-timeout 30")
step("CONNECT", f"target remote 127.0.0.1:{env['GDB_PORT']}")
step("HBREAK", f"hbreak *{env['ENTRY']}")
step("CONTINUE", "continue")
step("PC", "p/x $pc")
step("SYMBOLS", f"ember-symbols --log {env['SERIAL']} --kernel {env['KERNEL']}")
step("EFI_MAIN", "info address efi_main")
step("ENTRY_SYMBOL", f"info symbol {env['ENTRY']}")
step("VMMAP", "vmmap")
step("RANGE", f"vmmap {env['KLO']} {env['KHI']}")
step("WALK_DEMO", "vmwalk 0xffffffffdead0000")
step("WALK_ENTRY", f"vmwalk {env['ENTRY']}")
step("RAW_ENTRY", f"vmmap --raw {env['ENTRY']}")
step("WALK_UNMAPPED", "vmwalk 0x700000000000")
step("CR3", "info registers cr3")
# --cr3: walk the firmware's own tree (ember logged its root; ember never writes it)
log = open(env["SERIAL"], "rb").read().decode("utf-8", "replace") if os.path.exists(env["SERIAL"]) else ""
found = re.findall(r"firmware PML4 (0x[0-9a-f]+) copied", log)
if found:
    step("FW_WALK_DEMO", f"vmwalk 0xffffffffdead0000 --cr3 {found[-1]}")
    step("FW_WALK_LOW", f"vmwalk 0x100000 --cr3 {found[-1]}")
step("KILL", "kill")
EOF

# Kernel segments' span, for the range-filter check.
read -r klo khi < <(readelf -lW "$KERNEL" | python3 -c '
import re, sys
segs = [(int(v, 16), int(v, 16) + int(m, 16)) for v, m in
        re.findall(r"^\s*LOAD\s+\S+ (0x[0-9a-f]+) \S+ \S+ (0x[0-9a-f]+)", sys.stdin.read(), re.M)]
print(hex(min(s[0] for s in segs) & ~0xFFF), hex((max(s[1] for s in segs) + 0xFFF) & ~0xFFF))')
if [ -z "$entry" ] || [ -z "${khi:-}" ]; then
    echo "FAIL gdb/prerequisites: cannot read the entry point / segments of $KERNEL"
    echo "0 passed, 1 failed"
    exit 1
fi

start=$(date +%s%N)
for attempt in 1 2 3; do
    port=$(free_port)
    rm -f "$W/serial.log" "$W/qemu.pid"
    scripts/qemu.sh --esp "$W/esp" --loader build/BOOTX64.EFI --kernel "$KERNEL" --config "$W/ember.cfg" \
        --serial "$W/serial.log" --timeout "$QEMU_TIMEOUT" --gdb-wait --gdb-port "$port" \
        -- -pidfile "$W/qemu.pid" >"$W/qemu.out" 2>&1 </dev/null &
    wrapper_pid=$!
    wait_gdbstub "$W/qemu.pid" "$port" "$wrapper_pid"
    wait_status=$?
    if [ $wait_status -ne 0 ]; then
        stop_qemu
        # a port taken between free_port and QEMU's bind: try another one
        [ $attempt -lt 3 ] && continue
        echo "QEMU's gdbstub never listened on port $port (status $wait_status)" >"$W/gdb.out"
        gdb_status=1
        break
    fi
    GDB_PORT=$port ENTRY=$entry SERIAL="$W/serial.log" KERNEL="$KERNEL" KLO=$klo KHI=$khi \
        timeout --foreground -k 5 "$GDB_TIMEOUT" \
        gdb -nx -q -batch -x scripts/gdb/ember.py -x "$W/drive.py" >"$W/gdb.out" 2>&1 </dev/null
    gdb_status=$?
    stop_qemu
    break
done
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))

result=$(python3 - "$W" "$KERNEL" "$entry" "$klo" "$khi" "$gdb_status" "$elapsed" <<'EOF'
import os
import re
import subprocess
import sys

workdir, kernel, entry, klo, khi, gdb_status, elapsed = sys.argv[1:]
entry, klo, khi = int(entry, 16), int(klo, 16), int(khi, 16)
out = open(f"{workdir}/gdb.out", errors="replace").read()
try:
    raw = open(f"{workdir}/serial.log", "rb").read().decode("utf-8", "replace")
except OSError:
    raw = ""
log = re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", raw).replace("\r", "")

sections, tag = {}, None
for line in out.splitlines():
    m = re.match(r"^==(\w+)$", line)
    if m:
        tag = m.group(1)
        sections[tag] = []
    elif tag and not line.startswith("==TIME"):
        sections[tag].append(line)
times = {m.group(1): float(m.group(2)) for m in re.finditer(r"^==TIME (\w+) ([\d.]+)$", out, re.M)}
text = {k: "\n".join(v).strip() for k, v in sections.items()}

passed = failed = 0


def check(name, problems):
    global passed, failed
    problems = [p for p in problems if p]
    if problems:
        failed += 1
        print(f"FAIL gdb/{name}: " + "; ".join(problems))
    else:
        passed += 1
        print(f"ok   gdb/{name}")


def logged(pattern, what):
    m = re.findall(pattern, log, re.M)
    return int(m[-1], 16) if m else None


RUN = re.compile(r"^(0x[0-9a-f]{16})-(0x[0-9a-f]{16,17}) (0x[0-9a-f]{16})-(0x[0-9a-f]{16}) (0x[0-9a-f]+) "
                 r"(0x[0-9a-f]+) (\d+) \[([RWX-]{3}) (KERN|USER)((?: [A-Z]+)*)\]$")


def runs(tag):
    """(vstart, vend, pstart, pend, page, count, perms, ring, extra) per vmmap line of a section."""
    result = []
    for line in sections.get(tag, []):
        m = RUN.match(line)
        if m:
            g = m.groups()
            result.append((int(g[0], 16), int(g[1], 16), int(g[2], 16), int(g[3], 16), int(g[5], 16),
                           int(g[6]), g[7], g[8], g[9].split()))
    return result


def translate(rs, va):
    for r in rs:
        if r[0] <= va < r[1]:
            return r[2] + (va - r[0]), r
    return None, None


def covers(rs, lo, hi, perms, phys_of_lo=None):
    """Problems if [lo, hi) is not covered contiguously by runs with `perms`, KERN, mapped linearly
    from phys_of_lo (when given)."""
    problems, va = [], lo
    while va < hi:
        pa, r = translate(rs, va)
        if r is None:
            return problems + [f"{va:#x} not in vmmap"]
        if r[6] != perms or r[7] != "KERN":
            problems.append(f"run {r[0]:#x}-{r[1]:#x} is [{r[6]} {r[7]}], expected [{perms} KERN]")
        if phys_of_lo is not None and pa != phys_of_lo + (va - lo):
            problems.append(f"{va:#x} -> {pa:#x}, expected {phys_of_lo + (va - lo):#x}")
        va = r[1]
    return problems


def last_walk_line(tag):
    lines = [l for l in sections.get(tag, []) if l.strip()]
    return lines[-1] if lines else "(no output)"


WALK_FINAL = re.compile(r"^(0x[0-9a-f]+) -> (0x[0-9a-f]+) \(page size (0x[0-9a-f]+)\) \[([RWX-]{3}) (KERN|USER).*\]$")

# --- the boot itself ---------------------------------------------------------------------------
vm = runs("VMMAP")
pc = re.search(r"= (0x[0-9a-f]+)", text.get("PC", ""))
check("stopped-at-kernel-entry", [
    "" if "CONNECT" in sections and "ERROR" not in text.get("CONNECT", "") else
    f"GDB could not attach: {text.get('CONNECT', out[-300:])}",
    "" if pc and int(pc.group(1), 16) == entry else
    f"pc is {pc.group(1) if pc else '?'}, expected {entry:#x} (continue said: {text.get('CONTINUE', '')[-200:]})",
    "" if "handing off to the kernel" in log else "ember did not log the handoff",
])

# --- ember-symbols: the image base ember logged, efi_main at base + its ELF value -----------------
base = logged(r"\(ember\): image base (0x[0-9a-f]+)", "image base")
nm = subprocess.run(["nm", "build/ember.so"], capture_output=True, text=True).stdout
efi_main = re.search(r"^([0-9a-f]+) [Tt] efi_main$", nm, re.M)
addr = re.search(r"efi_main\" is a function at address (0x[0-9a-f]+)", text.get("EFI_MAIN", ""))
check("ember-symbols", [
    "" if base is not None else "no `image base` line in the serial log",
    "" if base is not None and f"at image base {base:#x}" in text.get("SYMBOLS", "") else
    f"ember-symbols said: {text.get('SYMBOLS', '(nothing)')[:200]}",
    "" if addr and efi_main and base is not None and int(addr.group(1), 16) == base + int(efi_main.group(1), 16) else
    f"efi_main: {text.get('EFI_MAIN', '?')[:120]} (expected base + {efi_main.group(1) if efi_main else '?'})",
    "" if os.path.basename(kernel) in text.get("ENTRY_SYMBOL", "") and "No symbol" not in text.get("ENTRY_SYMBOL", "") else
    f"kernel entry symbol: {text.get('ENTRY_SYMBOL', '?')[:120]}",
])

# --- vmmap: the kernel's segments, at the physical addresses ember logged -------------------------
readelf = subprocess.run(["readelf", "-lW", kernel], capture_output=True, text=True).stdout
segments = re.findall(r"^\s*LOAD\s+0x[0-9a-f]+ (0x[0-9a-f]+) 0x[0-9a-f]+ 0x[0-9a-f]+ (0x[0-9a-f]+) ([RWE ]{3}) ",
                      readelf, re.M)
names = {}
if not vm:
    check("vmmap-parses", [f"no vmmap runs in the output: {text.get('VMMAP', out[-300:])[:300]}"])
for vaddr, memsz, flags in segments:
    vaddr, memsz = int(vaddr, 16), int(memsz, 16)
    perms = "R" + ("W" if "W" in flags else "-") + ("X" if "E" in flags else "-")
    name = {"R-X": "text", "R--": "rodata", "RW-": "data"}.get(perms, perms)
    names[name] = names.get(name, 0) + 1
    name += str(names[name]) if names[name] > 1 else ""
    paddr = logged(rf"segment vaddr {vaddr:#x} paddr (0x[0-9a-f]+) ", "segment")
    lo, hi = vaddr & ~0xFFF, (vaddr + memsz + 0xFFF) & ~0xFFF
    check(f"vmmap-kernel-{name}", [
        "" if paddr is not None else f"ember logged no `segment vaddr {vaddr:#x}` line",
    ] + covers(vm, lo, hi, perms, None if paddr is None else paddr & ~0xFFF))

demo_phys = logged(r"demo mapping 0xffffffffdead0000 -> (0x[0-9a-f]+):", "demo")
check("vmmap-demo-page", [
    "" if demo_phys is not None else "ember logged no demo mapping",
    # 0x100000 when free; the sample kernel is placed first and takes it, so any page will do
    "" if demo_phys is not None and demo_phys % 0x1000 == 0 else f"demo page at {demo_phys} is not page-aligned",
] + covers(vm, 0xFFFFFFFFDEAD0000, 0xFFFFFFFFDEAD1000, "RW-", demo_phys))

check("vmmap-identity", [
    "" if any(r[0] == 0 and r[2] == 0 for r in vm) else "no run starts at 0x0000000000000000 -> 0x0",
])

hhdm = re.findall(r"direct map: (0x[0-9a-f]+) bytes at (0x[0-9a-f]+) with", log)
hhdm_size, hhdm_off = (int(hhdm[-1][0], 16), int(hhdm[-1][1], 16)) if hhdm else (None, None)
check("vmmap-direct-map", [
    "" if hhdm else "ember logged no direct map",
    "" if hhdm_off == 0xFFFF800000000000 else f"direct map at {hhdm_off}, expected 0xffff800000000000",
    "" if any(r[0] == 0xFFFF800000000000 and r[2] == 0 for r in vm) else "no run starts at 0xffff800000000000 -> 0x0",
] + (covers(vm, hhdm_off, hhdm_off + hhdm_size, "RW-", 0) if hhdm else []))

rng = runs("RANGE")
expect = [r for r in vm if r[0] < khi and r[1] > klo]
check("vmmap-range-filter", [
    "" if rng and rng == expect else f"`vmmap {klo:#x} {khi:#x}` gave {len(rng)} runs, the full map has "
                                     f"{len(expect)} there: {sections.get('RANGE', [])[:4]}",
    "" if all(klo <= r[0] and r[1] <= khi for r in rng) else "runs outside the range",
])

check("vmmap-speed", [
    "" if "VMMAP" in times and times["VMMAP"] < 30 else f"full vmmap took {times.get('VMMAP', '?')} s (limit 30)",
])
print(f"     (full vmmap: {times.get('VMMAP', 0):.2f} s, {len(vm)} runs)")

# --- vmwalk ---------------------------------------------------------------------------------------
levels = [l.split()[0] for l in sections.get("WALK_DEMO", []) if re.match(r"^(PML4|PDPT|PD|PT) ", l)]
idx = [int(m) for m in re.findall(r"^\w+\s+index\s+(\d+)", text.get("WALK_DEMO", ""), re.M)]
va = 0xFFFFFFFFDEAD0000
m = WALK_FINAL.match(last_walk_line("WALK_DEMO"))
check("vmwalk-demo-page", [
    "" if levels == ["PML4", "PDPT", "PD", "PT"] else f"levels {levels}",
    "" if idx == [(va >> s) & 0x1FF for s in (39, 30, 21, 12)] else f"indices {idx}",
    "" if m and int(m.group(2), 16) == demo_phys and m.group(3) == "0x1000" and m.group(4) == "RW-" else
    f"final line: {last_walk_line('WALK_DEMO')}",
])

seg = logged(rf"segment vaddr {entry:#x} paddr (0x[0-9a-f]+) ", "entry segment")
m = WALK_FINAL.match(last_walk_line("WALK_ENTRY"))
check("vmwalk-kernel-entry-matches-loader", [
    "" if seg is not None else f"ember logged no segment at {entry:#x}",
    "" if m and seg is not None and int(m.group(2), 16) == seg and m.group(4) == "R-X" else
    f"final line: {last_walk_line('WALK_ENTRY')}; ember loaded it at {seg if seg is None else hex(seg)}",
    "" if not vm or translate(vm, entry)[0] == seg else "vmmap and vmwalk disagree",
])

check("vmmap-raw-is-vmwalk", [
    "" if text.get("RAW_ENTRY") and text.get("RAW_ENTRY") == text.get("WALK_ENTRY") else
    "`vmmap --raw ENTRY` differs from `vmwalk ENTRY`",
])

check("vmwalk-unmapped", [
    "" if re.search(r"^0x0000700000000000 not mapped", text.get("WALK_UNMAPPED", ""), re.M) else
    f"got: {last_walk_line('WALK_UNMAPPED')}",
])

fw_root = logged(r"firmware PML4 (0x[0-9a-f]+) copied", "firmware root")
fw_table = re.search(r"^PML4\s+index\s+\d+\s+table (0x[0-9a-f]+)", text.get("FW_WALK_LOW", ""), re.M)
m = WALK_FINAL.match(last_walk_line("FW_WALK_LOW"))
check("vmwalk-cr3-option", [
    "" if fw_root is not None else "ember logged no firmware PML4",
    "" if fw_table and int(fw_table.group(1), 16) == fw_root else
    f"walk did not start at the --cr3 table: {text.get('FW_WALK_LOW', '?')[:160]}",
    "" if m and int(m.group(2), 16) == 0x100000 and m.group(3) == "0x200000" else
    f"firmware view of 0x100000: {last_walk_line('FW_WALK_LOW')} (expected a 2 MiB identity page)",
    "" if "not mapped" in last_walk_line("FW_WALK_DEMO") else
    f"firmware view of the demo page: {last_walk_line('FW_WALK_DEMO')} (expected not mapped)",
])

# --- CR3 ------------------------------------------------------------------------------------------
root = logged(r"copied to (0x[0-9a-f]+), CR3 loaded", "root")
cr3 = re.search(r"^cr3\s+(0x[0-9a-f]+)", text.get("CR3", ""), re.M)
table = re.search(r"^PML4\s+index\s+\d+\s+table (0x[0-9a-f]+)", text.get("WALK_ENTRY", ""), re.M)
check("cr3-is-embers-root", [
    "" if cr3 else f"info registers cr3: {text.get('CR3', '?')[:100]}",
    "" if cr3 and root is not None and int(cr3.group(1), 16) & ~0xFFF == root else
    f"cr3 {cr3.group(1) if cr3 else '?'}, ember logged root {root if root is None else hex(root)}",
    "" if cr3 and table and int(table.group(1), 16) == int(cr3.group(1), 16) & ~0xFFF else "vmwalk did not start at CR3",
])

print(f"     (boot + gdb session: {int(elapsed) / 1000:.1f} s, gdb exit status {gdb_status})")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
)
status=$?
echo "$result"
if ! tail -n 1 <<<"$result" | grep -qE '^[0-9]+ passed, [0-9]+ failed$'; then
    echo "FAIL gdb/checker: the checker crashed (exit $status)"
    echo "0 passed, 1 failed"
    status=1
fi
exit $status
