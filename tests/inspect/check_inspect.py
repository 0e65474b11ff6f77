"""ember-inspect's command line, from the outside: every README example runs and prints what the README
shows; --help reads like a manual page; exit statuses 0/1/2 mean what --help says; --json is one
valid JSON object that agrees with the text. Prints ok/FAIL lines and "N passed, N failed"."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

INSPECT = "build/ember-inspect"
SANITIZED = "build/host-san/ember-inspect"
README_SECTION = "## Inspecting a kernel on the host"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} inspect-cli/{name}" + ("" if ok else f": {detail}"))


# As a user's shell runs them: not as a sub-make of `make test` (which would print "Entering directory").
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}


def run(args, shell=False):
    return subprocess.run(args, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          executable="/bin/bash" if shell else None, env=CLEAN_ENV)


def readme_examples():
    """(command, expected lines) pairs from the console block of the README's ember-inspect section."""
    text = open("README.md").read()
    section = text[text.index(README_SECTION):]
    block = re.search(r"```console\n(.*?)```", section, re.S).group(1)
    examples = []
    for line in block.splitlines():
        if line.startswith("$ "):
            examples.append((line[2:], []))
        elif examples:
            examples[-1][1].append(line)
    return examples


def shows(expected, output):
    """True when output holds the expected lines in order: consecutive, except where "..." stands for
    any number of lines."""
    lines, at, gap = output.splitlines(), 0, False
    for want in expected:
        if want == "...":
            gap = True
            continue
        if gap:
            while at < len(lines) and lines[at] != want:
                at += 1
        if at >= len(lines) or lines[at] != want:
            return False
        at, gap = at + 1, False
    return gap or at == len(lines)


def check_readme():
    examples = readme_examples()
    check("README has examples", len(examples) >= 2, f"{len(examples)} found")
    for cmd, expected in examples:
        proc = run(cmd, shell=True)
        check(f"README: {cmd[:60]}", shows(expected, proc.stdout), f"output was:\n{proc.stdout}{proc.stderr}")


def check_manual():
    proc = run([INSPECT, "--help"])
    headings = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES"]
    missing = [h for h in headings if not re.search(rf"^{h}$", proc.stdout, re.M)]
    check("--help is a manual page", proc.returncode == 0 and not missing, f"exit {proc.returncode}, missing {missing}")
    check("-h is --help", run([INSPECT, "-h"]).stdout == proc.stdout)
    for opt in ["--config", "--esp", "--volume", "--json", "--help"]:
        check(f"--help documents {opt}", opt in proc.stdout)


def check_exit_statuses():
    with tempfile.TemporaryDirectory() as tmp:
        bad_cfg = os.path.join(tmp, "bad.cfg")
        open(bad_cfg, "w").write("kernal=\\kernel.elf\n")
        esp, bad_esp = os.path.join(tmp, "esp"), os.path.join(tmp, "bad-esp")
        for d, conf in ((esp, "/OS\n    protocol: limine\n    path: boot():/boot/os\n"),
                        (bad_esp, "/OS\n    protocol: multiboot2\n    path: boot():/boot/os\n")):
            os.makedirs(os.path.join(d, "boot", "limine"))
            open(os.path.join(d, "boot", "limine", "limine.conf"), "w").write(conf)
            shutil.copy("build/limine/template.elf", os.path.join(d, "boot", "os"))
        vol_esp, data = os.path.join(tmp, "vol-esp"), os.path.join(tmp, "data")
        os.makedirs(os.path.join(vol_esp, "boot", "limine"))
        os.makedirs(os.path.join(data, "k"))
        open(os.path.join(vol_esp, "boot", "limine", "limine.conf"), "w").write(
            "/OS\n    protocol: limine\n    path: fslabel(DATA):/k/os\n")
        shutil.copy("build/limine/template.elf", os.path.join(data, "k", "os"))
        cases = [
            ("limine.conf on an ESP", [INSPECT, "--esp", esp], 0, None),
            ("limine.conf entry ember cannot boot", [INSPECT, "--esp", bad_esp], 1, None),
            ("--esp with a kernel", [INSPECT, "--esp", esp, "build/kernel/kernel.elf"], 2, r"^usage:"),
            ("kernel on a volume not given", [INSPECT, "--esp", vol_esp], 2,
             r"fslabel\(DATA\):/k/os is on fslabel\(DATA\): give that volume's files with --volume 'fslabel\(DATA\)=DIR'"),
            ("kernel on another --volume", [INSPECT, "--esp", vol_esp, "--volume", f"hdd(1:2)={esp}",
                                            "--volume", f"fslabel(DATA)={data}"], 0, None),
            ("--volume without --esp", [INSPECT, "build/kernel/kernel.elf", "--volume", f"boot(2)={data}"], 2,
             r"^usage:"),
            ("--volume without '='", [INSPECT, "--esp", vol_esp, "--volume", data], 2, r"^usage:"),
            ("no arguments", [INSPECT], 2, r"^usage: ember-inspect KERNEL"),
            ("unknown option", [INSPECT, "build/kernel/kernel.elf", "--frobnicate"], 2, r"^usage:"),
            ("two kernels", [INSPECT, "build/kernel/kernel.elf", "build/kernel/kernel.elf"], 2, r"^usage:"),
            ("--config without a file", [INSPECT, "build/kernel/kernel.elf", "--config"], 2, r"^usage:"),
            ("missing kernel", [INSPECT, os.path.join(tmp, "none.elf")], 2, r"cannot read .*none\.elf"),
            ("missing config", [INSPECT, "build/kernel/kernel.elf", "--config", os.path.join(tmp, "x.cfg")], 2,
             r"cannot read .*x\.cfg"),
            ("a directory as kernel", [INSPECT, tmp], 2, r"cannot read"),
            ("good kernel", [INSPECT, "build/kernel/kernel.elf"], 0, None),
            ("bad config", [INSPECT, "build/kernel/kernel.elf", "--config", bad_cfg], 1, None),
            ("bad kernel", [INSPECT, "build/limine/bad-duplicate.elf"], 1, None),
        ]
        for name, args, status, stderr in cases:
            proc = run(args)
            ok = proc.returncode == status and (stderr is None or re.search(stderr, proc.stderr, re.M))
            check(f"exit {status}: {name}", bool(ok), f"exit {proc.returncode}, stderr {proc.stderr.strip()!r}")
        text = run([INSPECT, "build/kernel/kernel.elf", "--config", bad_cfg]).stdout
        check("bad config: the loader's error line", "[ERROR] (ember): ember.cfg:1: unknown key 'kernal'" in text, text)


def check_json():
    for kernel in ["build/kernel/kernel.elf", "build/limine/probe-r3.elf", "build/limine/reloc.elf",
                   "build/limine/bad-duplicate.elf", "build/kernel/kernel-lowhalf.elf"]:
        proc, text = run([INSPECT, kernel, "--json"]), run([INSPECT, kernel]).stdout
        try:
            report = json.loads(proc.stdout)
        except ValueError as e:
            check(f"--json is JSON: {kernel}", False, str(e))
            continue
        verdict = "boot" if "verdict: ember would boot" in text else "refuse"
        same = report["verdict"] == verdict and (proc.returncode == 0) == (verdict == "boot")
        check(f"--json agrees with the text: {kernel}", same, f"json {report['verdict']}, text {verdict}")
        if report["verdict"] == "refuse":
            check(f"--json error is the text's: {kernel}", f"[ERROR] (ember): {report['error']}" in text)
        else:
            count = len(report["segments"])
            check(f"--json lists the segments: {kernel}", f"segments: {count} PT_LOAD" in text and count > 0)


def check_conditional_verdict():
    """A lower-half kernel boots only where its addresses are free RAM: the verdict itself says so
    (the touching segments as one range); a higher-half kernel's verdict has no condition."""
    low = run([INSPECT, "build/kernel/kernel-lowhalf.elf"])
    first = low.stdout.splitlines()[0] if low.stdout else ""
    check("lower half: the verdict names the range it needs", low.returncode == 0 and
          re.fullmatch(r"verdict: ember would boot this kernel if \[0x400000, 0x4[0-9a-f]{5}\) is free RAM at boot",
                       first) is not None, first)
    high = run([INSPECT, "--json", "build/kernel/kernel.elf"])
    check("higher half: no condition", high.returncode == 0 and json.loads(high.stdout).get("condition", 0) is None,
          high.stdout[:200])


def check_make_inspect():
    proc = run("make -s inspect", shell=True)
    check("make inspect: the sample kernel, as make run boots it",
          proc.returncode == 0 and proc.stdout == run([INSPECT, "build/kernel/kernel.elf"]).stdout, proc.stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as cfg:
        cfg.write("protocol=limine\n")
        cfg.flush()
        proc = run(f"make -s inspect KERNEL=build/kernel/kernel-lowhalf.elf CONFIG={cfg.name}", shell=True)
        check("make inspect CONFIG=: a refusal is exit 1 with the loader's line", proc.returncode != 0 and
              "[ERROR] (ember): invalid kernel /kernel.elf: below-min-vaddr" in proc.stdout, proc.stdout)


def check_sanitized():
    """The kernels laid out to probe the inspector (tests/qemu/cases_agree.py, whose QEMU cases hold the
    loader to the same verdicts), through an ASan+UBSan build: the verdict, and not one sanitizer line."""
    sys.path.insert(0, os.path.join("tests", "qemu"))
    import cases_agree  # noqa: E402
    kernels = [
        ("internal-17", cases_agree.internal_modules_17(), "", "limine-too-many-modules"),
        ("stack-request-cut", cases_agree.stack_request_ends_image(), "", "limine-request-cut-off"),
        ("demo-page", cases_agree.on_demo_page(), "demo_map=yes\n", "demo-page-taken"),
        ("same-paddr", cases_agree.same_paddr("build/limine/template.elf")(), "", None),
        ("reloc-in-bss", open("build/limine/reloc-bss.elf", "rb").read(), "", None),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, data, config, rule in kernels:
            kernel, cfg = os.path.join(tmp, name + ".elf"), os.path.join(tmp, name + ".cfg")
            open(kernel, "wb").write(data)
            open(cfg, "w").write(config)
            proc = run([SANITIZED, kernel, "--config", cfg, "--json"])
            report = json.loads(proc.stdout) if proc.returncode in (0, 1) else {}
            got = (report.get("verdict"), report.get("rule"))
            check(f"ASan+UBSan: {name}", got == (("refuse", rule) if rule else ("boot", None)) and
                  not re.search(r"Sanitizer|runtime error", proc.stderr), f"{got}, exit {proc.returncode}, "
                  f"stderr {proc.stderr.strip()[:300]!r}")


check_readme()
check_manual()
check_exit_statuses()
check_json()
check_conditional_verdict()
check_make_inspect()
check_sanitized()
passed = sum(results)
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
