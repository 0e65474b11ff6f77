"""QEMU cases for application processors, both protocols, at -smp 1, 2, 4 and 8, with a MADT that
lists CPUs QEMU never starts (-smp 2,maxcpus=4: ids 2 and 3 marked disabled) and with no MADT.

The sample kernel (smp=yes) and the Limine probe "mp" release every AP; each AP checks its own
state (tests/include/aptest.c) and counts itself in; the BSP waits (bounded) and checks the count.
The command line tells the kernels what to expect: smp_expect=N CPUs listed (ember: the BSP and
every AP ember tried; Limine: the BSP and the APs that came up), smp_missing=M of them missing."""
import os
import re

import case as qemu_cases

SMP_PARKED = r"smp: {n} of {n} application processors parked in \d+ us"
AP_OK = r"AP state at release: (apic_id|lapic) \d+: \d+ rules hold"
# base revision 5: the checks each AP's own local APIC registers must pass (checks_lapic.c)
AP_LAPIC_CHECKS = ("enabled in IA32_APIC_BASE", "SVR 0x1FF, TPR 0", "LVT entries masked")


def ember_smp(name, kernel, qemu_args, expect_cpus, expect, missing=0, extra_cfg="", smp="yes", words=""):
    cmdline = f"smp_expect={expect_cpus}" + (f" smp_missing={missing}" if missing else "") + words
    return qemu_cases.Case(f"smp-{name}", kernel[0], kernel[1], config=f"smp={smp}\n{extra_cfg}cmdline={cmdline}\n",
                           sentinel=False, qemu_args=qemu_args,
                           expect=[qemu_cases.BANNER, *expect, r"ok   CPU states: ", qemu_cases.KERNEL_OK],
                           reject=[r"ember-kernel: FAIL"], check=aps_reported(expect_cpus - 1 - missing))


def limine_smp(name, kernel, qemu_args, expect_cpus, expect, extra_cfg="", check=None):
    return qemu_cases.Case(f"limine-smp-{name}", kernel[0], kernel[1],
                           config=f"protocol=limine\n{extra_cfg}cmdline=smp_expect={expect_cpus}\n", sentinel=False,
                           qemu_args=qemu_args, expect=[qemu_cases.BANNER, *expect, r"^probe: ok   MP cpu_count: ",
                                                        r"^probe: all \d+ checks passed$"],
                           reject=[r"^probe: FAIL "], check=qemu_cases.all_checks(aps_reported(expect_cpus - 1), check))


def aps_reported(n):
    """Exactly n APs reported a passing state: none skipped, none counted twice."""
    def check(log, _status):
        got = len(re.findall(AP_OK, log))
        return [] if got == n else [f"{got} APs reported their state, expected {n}"]
    return check


def ap_lapics_passed(n):
    """Each of n distinct APs passed every check of its own local APIC (the BSP's lines have no "AP")."""
    def check(log, _status):
        problems = []
        for name in AP_LAPIC_CHECKS:
            ids = re.findall(r"^probe: ok   AP (\d+) local APIC " + re.escape(name), log, re.M)
            if len(set(ids)) != n or len(ids) != n:
                problems.append(f"'{name}' passed for APs {ids}, expected {n} distinct APs")
        return problems
    return check


def smp_cases(build, loader):
    ember = (loader, os.path.join(build, "kernel", "kernel-default.elf"))
    mp = (loader, os.path.join(build, "limine", "mp.elf"))
    mp_x2 = (loader, os.path.join(build, "limine", "mp-x2apic.elf"))
    mp_r0 = (loader, os.path.join(build, "limine", "mp-r0.elf"))
    mp_r5 = (loader, os.path.join(build, "limine", "mp-r5.elf"))
    lowhalf = (loader, os.path.join(build, "kernel", "kernel-lowhalf.elf"))
    disabled = r"smp: cpu apic_id={0} uid={0} not started: disabled in the MADT"
    missing = r"smp: cpu apic_id={0} uid={0} did not check in within 1000 ms: reported missing"
    forced = "test_fault=smp-start-disabled\n"
    cases = []
    for n in (1, 2, 4, 8):
        started = [SMP_PARKED.format(n=n - 1)] if n > 1 else [r"smp: 1 processors in the MADT, BSP apic_id=0, 0 to start"]
        cases.append(ember_smp(f"{n}", ember, ["-smp", str(n)], n, started))
        cases.append(limine_smp(f"{n}", mp, ["-smp", str(n)], n, started))
    two_of_four = ["-smp", "2,maxcpus=4"]
    cases += [
        ember_smp("2-of-4", ember, two_of_four, 2, [disabled.format(2), disabled.format(3), SMP_PARKED.format(n=1)]),
        ember_smp("2-of-4-forced", ember, two_of_four, 4, [missing.format(2), missing.format(3),
                                                          r"smp: 1 of 3 application processors parked"],
                  missing=2, extra_cfg=forced),
        limine_smp("2-of-4", mp, two_of_four, 2, [disabled.format(2), disabled.format(3), SMP_PARKED.format(n=1)]),
        limine_smp("2-of-4-forced", mp, two_of_four, 2, [missing.format(2), missing.format(3),
                                                        r"smp: 1 of 3 application processors parked"],
                   extra_cfg=forced),
        # x2APIC asked for (MP flags bit 0) on a CPU without it (QEMU TCG): xAPIC, flags 0, said so
        limine_smp("x2apic-absent", mp_x2, ["-smp", "4"], 4,
                   [r"smp: x2APIC asked for, but the CPU has none", SMP_PARKED.format(n=3)]),
        # layouts the default kernels do not have: a lower-half kernel replacing the identity map of its
        # own pages, with 128 KiB stacks; Limine base revision 0, which keeps the identity map
        ember_smp("4-lowhalf-128k", lowhalf, ["-smp", "4"], 4, [SMP_PARKED.format(n=3), r"3 stacks of 128 KiB"],
                  extra_cfg="stack_size=128K\n"),
        limine_smp("4-revision-0", mp_r0, ["-smp", "4"], 4, [r"limine: base revision 0", SMP_PARKED.format(n=3)]),
        # base revision 5: the local APIC of every AP, not only the BSP's, as the revision initialises it;
        # each AP reads its own registers (xAPIC page mapped by the BSP) and the BSP judges them
        limine_smp("4-revision-5", mp_r5, ["-smp", "4"], 4,
                   [r"limine: base revision 5", SMP_PARKED.format(n=3),
                    r"^probe: ok   local APIC SVR 0x1FF, TPR 0 \(base revision >= 5\)"],
                   check=ap_lapics_passed(3)),
        # smp=x2apic in ember.cfg, the same fallback for ember's protocol
        ember_smp("x2apic-absent", ember, ["-smp", "2"], 2,
                  [r"smp: x2APIC asked for, but the CPU has none", SMP_PARKED.format(n=1)], smp="x2apic"),
    ]
    # bootinfo.h's order for reusing EMBER_MEM_PAGE_TABLES with parked APs: release them, let each
    # load the kernel's own CR3, then overwrite ember's tables; the APs must run on
    cases.append(ember_smp("4-reuse-tables", ember, ["-smp", "4"], 4,
                           [SMP_PARKED.format(n=3), r"ok   own copy of the page tables: ",
                            r"ok   APs run on after EMBER_MEM_PAGE_TABLES was reused: \d+ pages overwritten, 3 of 3"],
                           words=" smp_reuse_tables=1"))
    # ACPI off: OVMF's XSDT has no MADT. The Limine spec: an MP response "even on single-processor
    # system", with only the BSP; ember's CPU list names the BSP the same way.
    no_madt = [r"smp: no usable MADT \(table-not-found: .*\): only the BSP \(apic_id=0\) is listed"]
    cases += [ember_smp("no-madt", ember, ["-smp", "2", "-machine", "acpi=off"], 1, no_madt),
              limine_smp("no-madt", mp, ["-smp", "2", "-machine", "acpi=off"], 1,
                         no_madt + [r"limine: request MP \(revision 0\) at 0x[0-9a-f]+: answered"])]
    return cases
