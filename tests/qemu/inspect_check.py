"""ember-inspect against the loader: after every QEMU case, build/ember-inspect runs on the
same kernel and ember.cfg, and its verdict must be the loader's.

- the loader handed off: ember-inspect says "boot";
- the loader refused in a stage that depends only on ember.cfg and the kernel's bytes (read
  ember.cfg, read kernel headers, load kernel segments, choose protocol): ember-inspect refuses in
  that stage with exactly the loader's error line;
- the loader refused for a boot-time fact (files on the ESP, busy memory, firmware tables, an
  injected failure: fail_alloc_at= or test_fault= in ember.cfg): ember-inspect cannot know it, so it
  must say "boot" and list assumptions.
Cases that run another loader build (pinned or signed) or no kernel are not compared; a case that
lays out a whole ESP (inspect_esp) is compared with `ember-inspect --esp`."""
import json
import os
import re
import subprocess

INSPECT_STAGES = {"read the config", "read kernel headers", "demo mapping", "load kernel segments", "choose protocol"}
# Error lines of those stages that come from the ESP's contents, not from the kernel or ember.cfg.
BOOT_TIME_LINES = [r"^file not found: ", r"^cannot open ", r"^read error in "]
ERROR_LINE = re.compile(r"^\[ERROR\] \(ember\): (.*)$", re.M)
STAGE_LINE = re.compile(r"boot failed in stage '([^']+)'")
BANNER = re.compile(r"^\[INFO \] \(ember\): ember \S+ - UEFI bootloader", re.M)
# Where a loader line names its rule: "invalid kernel PATH: RULE: ..." (ELF), "limine: ... (RULE)" (scan).
RULE_IN_LINE = [re.compile(r"^invalid kernel \S+: ([a-z0-9-]+): "), re.compile(r"^limine: .* \(([a-z0-9 -]+)\)$")]


def loader_outcome(log):
    """("boot", None, None), ("refuse", stage, first error line), or None when ember never ran or the
    log ends before either."""
    if not BANNER.search(log):
        return None
    if "handing off to the kernel" in log:
        return "boot", None, None
    stage, error = STAGE_LINE.search(log), ERROR_LINE.search(log)
    if stage is None:
        return None
    return "refuse", stage.group(1), error.group(1) if error else None


def inspect(build, case, workdir):
    kernel = os.path.join(workdir, "kernel.elf") if case.kernel_bytes is not None else case.kernel
    args = [os.path.join(build, "ember-inspect"), kernel, "--json"]
    if case.inspect_esp:
        args = [os.path.join(build, "ember-inspect"), "--esp", os.path.join(workdir, "esp"), "--json"]
    elif case.config is not None:
        args += ["--config", os.path.join(workdir, "ember.cfg")]
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode not in (0, 1):
        return None, f"ember-inspect exit {proc.returncode}: {proc.stderr.strip()}"
    report = json.loads(proc.stdout)
    if (proc.returncode == 0) != (report["verdict"] == "boot"):
        return None, f"exit status {proc.returncode} disagrees with verdict {report['verdict']}"
    return report, None


def comparable(build, case):
    return case.loader == os.path.join(build, "BOOTX64.EFI") and (case.kernel or case.kernel_bytes or case.inspect_esp)


def disagreements(build, case, workdir, log):
    """Reasons ember-inspect disagrees with what the loader did in this case's log (empty: agrees).
    None when the case is not compared."""
    outcome = loader_outcome(log)
    if not comparable(build, case) or outcome is None:
        return None
    report, error = inspect(build, case, workdir)
    if error:
        return [error]
    verdict, stage, line = outcome
    said = f"ember-inspect: {report['verdict']} ({report['stage']}: {report['error']})"
    if verdict == "boot":
        return [] if report["verdict"] == "boot" else [f"the loader booted the kernel; {said}"]
    injected = report["config"]["fail_alloc_at"] != 0 or report["config"]["test_faults"]
    knowable = (stage in INSPECT_STAGES and line is not None and not injected
                and not any(re.search(p, line) for p in BOOT_TIME_LINES))
    if not knowable:
        if report["verdict"] == "boot" and report["assumptions"]:
            return []
        return [f"the loader refused in '{stage}' for a boot-time fact ({line}); {said}, "
                f"{len(report['assumptions'])} assumptions"]
    if report["verdict"] != "refuse" or report["stage"] != stage or report["error"] != line:
        return [f"the loader refused in '{stage}': {line}; {said}"]
    named = [m.group(1) for m in (r.search(line) for r in RULE_IN_LINE) if m]
    if named and report["rule"] != named[0]:
        return [f"the loader's line names rule {named[0]}, ember-inspect says {report['rule']}"]
    return []
