#!/usr/bin/env python3
"""QEMU integration tests: boot ember under OVMF (TCG) and judge serial output + exit status.

Oracle: QEMU's exit status from isa-debug-exit (sample kernel pass = 33, sentinel = 253; 0 means a
triple fault, 124 a timeout) and regular expressions over the serial log. Every case runs with a
timeout and -no-reboot. Prints one line per case and "N passed, N failed" at the end.
"""
import argparse
import concurrent.futures
import dataclasses
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from cases import all_cases, deferred_cases  # noqa: E402
import inspect_check  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
WORK = os.path.join(BUILD, "qemu-tests")
EXIT_NAMES = {0: "triple fault / reset", 124: "timeout", 33: "kernel pass", 253: "sentinel ok",
              79: "kernel: unexpected exception",
              251: "sentinel: ember leaked memory"}
SECOND_BOOT = "\n--- second boot ---\n"
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def clean_log(raw: bytes) -> str:
    return ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


def prepare(case, workdir):
    """Builds the case's ESP inputs; returns the qemu.sh argument list."""
    if os.path.exists(workdir):
        shutil.rmtree(workdir)
    os.makedirs(workdir)
    args = [os.path.join(ROOT, "scripts", "qemu.sh"), "--esp", os.path.join(workdir, "esp"),
            "--loader", case.loader, "--serial", os.path.join(workdir, "serial.log"),
            "--timeout", str(case.timeout)]
    if case.kernel_bytes is not None:
        path = os.path.join(workdir, "kernel.elf")
        with open(path, "wb") as f:
            f.write(case.kernel_bytes())
        args += ["--kernel", path]
    elif case.kernel:
        args += ["--kernel", case.kernel]
    if case.config is not None:
        path = os.path.join(workdir, "ember.cfg")
        with open(path, "w") as f:
            f.write(case.config)
        args += ["--config", path]
    for src, dest in case.files:
        args += ["--file", f"{src}:{dest}"]
    if case.sentinel:
        args += ["--sentinel", case.sentinel_efi or os.path.join(BUILD, "SENTINEL.EFI")]
    if case.secure:
        args += ["--secure"]
    if case.image:
        args += ["--image", os.path.join(workdir, case.image)]
    if case.disk_bus:
        args += ["--disk-bus", case.disk_bus]
    if case.machine:
        args += ["--machine", case.machine]
    if case.vga:
        args += ["--vga", case.vga]
    if case.serial_keys:
        args += ["--serial-input", os.path.join(workdir, "com1.sock")]
    if case.prepare:
        case.prepare(workdir)
    return args + ["--"] + case.qemu_args


def serial_over_socket(workdir, keys, deadline):
    """COM1 through QEMU's socket, which qemu.sh makes QEMU wait for before the guest starts: every
    byte QEMU sends is written to serial.log exactly once (QEMU's own logfile writes a byte again each
    time a full socket makes it retry), and each (pattern, keys) is typed once the output shows
    pattern once more than when it became the one to wait for."""
    log_path, sock_path = os.path.join(workdir, "serial.log"), os.path.join(workdir, "com1.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while time.monotonic() < deadline:
        try:
            sock.connect(sock_path)
            break
        except OSError:
            time.sleep(0.05)
    keys, baseline, received = list(keys), 0, bytearray()
    with sock, open(log_path, "wb") as log:
        while time.monotonic() < deadline:
            try:
                if not select.select([sock], [], [], 0.05)[0]:
                    continue
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return  # QEMU closed COM1
            log.write(data)
            log.flush()
            received += data
            if keys and len(re.findall(keys[0][0], clean_log(bytes(received)), re.M)) > baseline:
                sock.sendall(keys.pop(0)[1])
                baseline = len(re.findall(keys[0][0], clean_log(bytes(received)), re.M)) if keys else 0


def run_qemu(case, workdir, args, keys):
    """One QEMU run; with a COM1 socket (case.serial_keys), its reader-typist around it."""
    link = None
    if case.serial_keys:
        link = threading.Thread(target=serial_over_socket, args=(workdir, keys, time.monotonic() + case.timeout),
                                daemon=True)
        link.start()
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if link is not None:
        link.join(timeout=10)
    return proc


def judge(case, status, log):
    """Returns a list of reasons the case failed (empty = pass)."""
    problems = []
    allowed = case.exit if isinstance(case.exit, (list, tuple)) else [case.exit]
    if status not in allowed:
        want = " or ".join(f"{e} ({EXIT_NAMES.get(e, '?')})" for e in allowed)
        problems.append(f"exit status {status} ({EXIT_NAMES.get(status, '?')}), expected {want}")
    for pattern in case.expect:
        if not re.search(pattern, log, re.M):
            problems.append(f"missing /{pattern}/")
    for pattern in case.reject + [r"X64 Exception Type", r"!!!! "]:
        if re.search(pattern, log, re.M):
            problems.append(f"unexpected /{pattern}/")
    if case.check:
        problems += case.check(log, status)
    return problems


def run_case(case):
    """Runs one case; a fault in the case's own Python (its prepare step, a check) fails that case
    with the exception named instead of stopping every other case."""
    try:
        return run_case_unguarded(case)
    except Exception as e:  # noqa: BLE001 - any harness fault is this case's failure
        case.inspect_problems = None
        return case, [f"the case's harness raised {type(e).__name__}: {e}"], 0.0, ""


def run_case_unguarded(case):
    workdir = os.path.join(WORK, case.name)
    args = prepare(case, workdir)
    start = time.monotonic()
    proc = run_qemu(case, workdir, args, case.serial_keys)
    elapsed = time.monotonic() - start
    log_path = os.path.join(workdir, "serial.log")
    log = clean_log(open(log_path, "rb").read()) if os.path.exists(log_path) else ""
    problems = judge(dataclasses.replace(case, check=None) if case.reboot_expect else case, proc.returncode, log)
    if problems and proc.stdout.strip():
        problems.append("qemu.sh said: " + proc.stdout.decode(errors="replace").strip()[-300:])
    if case.reboot_expect and not problems:  # case.check then sees both logs, SECOND_BOOT between them
        again = run_qemu(case, workdir, args, [])
        second = clean_log(open(log_path, "rb").read()) if os.path.exists(log_path) else ""
        problems = [f"second boot: {p}" for p in judge(dataclasses.replace(case, expect=case.reboot_expect, check=None),
                                                       again.returncode, second)]
        log, elapsed = log + SECOND_BOOT + second, time.monotonic() - start
        problems += case.check(log, again.returncode) if case.check else []
    case.inspect_problems = inspect_check.disagreements(BUILD, case, workdir, log)
    return case, problems, elapsed, log


def report(case, problems, elapsed, log):
    """Prints one case's verdict; returns True when it passed."""
    if not problems:
        print(f"ok   qemu/{case.name} ({elapsed:.1f}s)")
        sys.stdout.flush()
        return True
    print(f"FAIL qemu/{case.name} ({elapsed:.1f}s)")
    for p in problems:
        print(f"     {p}")
    tail = "\n".join(log.strip().splitlines()[-15:])
    print("     --- serial tail ---\n" + "\n".join("     " + l for l in tail.splitlines()))
    sys.stdout.flush()
    return False


def report_inspect(case):
    """Prints whether ember-inspect agreed with the loader on this case; returns True when it did."""
    if not case.inspect_problems:
        print(f"ok   inspect/{case.name}")
        return True
    print(f"FAIL inspect/{case.name}")
    for p in case.inspect_problems:
        print(f"     {p}")
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--filter", default="", help="run cases whose name contains this")
    parser.add_argument("--jobs", type=int, default=max(2, (os.cpu_count() or 2) + 1))
    parser.add_argument("--list", action="store_true")
    opts = parser.parse_args()
    probe_name, deferred_prefix, expand = deferred_cases(BUILD)
    everything = all_cases(BUILD)
    cases = [c for c in everything if opts.filter in c.name]
    # deferred cases are made from the probe's log: run the probe too, and first
    want_deferred = opts.filter in deferred_prefix or opts.filter.startswith(deferred_prefix)
    if want_deferred and not any(c.name == probe_name for c in cases):
        cases.append(next(c for c in everything if c.name == probe_name))
    cases.sort(key=lambda c: c.name != probe_name)
    if opts.list:
        print("\n".join(c.name for c in cases) + (f"\n{deferred_prefix}* (made from {probe_name}'s log)"
                                                  if want_deferred else ""))
        return 0
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        pending = {pool.submit(run_case, c) for c in cases}
        while pending:
            done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                case, problems, elapsed, log = future.result()
                if want_deferred and case.name == probe_name:
                    try:
                        more = [c for c in expand(log) if opts.filter in c.name]
                    except RuntimeError as e:
                        problems, more = problems + [str(e)], []
                    pending |= {pool.submit(run_case, c) for c in more}
                if report(case, problems, elapsed, log):
                    passed += 1
                else:
                    failed += 1
                if case.inspect_problems is not None:
                    agreed = report_inspect(case)
                    passed, failed = passed + agreed, failed + (not agreed)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
