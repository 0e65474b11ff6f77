#!/usr/bin/env python3
"""The README against real `make run` output, for tests/run/test-run.sh.

  check.py extract README DIR     write the kernel recipe's files (mykernel/kernel.c, mykernel/kernel.ld)
                                  under DIR, its build commands to DIR/build.sh and print the KERNEL= of
                                  its `make run` line
  check.py sample README OUTPUT   the "What `make run` shows" block against a real run's output
  check.py table README ENDINGS   the table of closing lines against ENDINGS ("STATUS<TAB>LINE" per run)
  check.py ctrl-a-x SERIAL TEXT CMD...  run CMD on a new terminal, type Ctrl-A X once SERIAL holds TEXT
                                  (a line the guest prints before it goes quiet: typed in the middle
                                  of the firmware's escape sequences, the quit splits one); prints what
                                  the terminal showed, exits with CMD's status

In README text, every hexadecimal (0x...) and decimal number stands for any number of its kind:
addresses and counts differ from boot to boot. Exit status 0 when it matches, else 1 and one line per
difference.
"""
import os
import pty
import re
import select
import subprocess
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
NUMBER = re.compile(r"(\b0x[0-9a-fA-F]+\b|\b\d+\b)")


def section(readme, title):
    """The text of one `## ` section of the README."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not m:
        sys.exit(f"README has no section '## {title}'")
    return m.group(1)


def blocks(text):
    """(info string, lines) of every fenced block."""
    return [(m.group(1), m.group(2).split("\n")) for m in re.finditer(r"^```(\S*)\n(.*?)\n```$", text, re.M | re.S)]


def pattern(line):
    """A README line as a regular expression: its numbers match any number of their kind."""
    parts = NUMBER.split(line)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        else:
            out.append(r"0x[0-9a-fA-F]+" if part.startswith("0x") else r"\d+")
    return re.compile("".join(out))


def clean(text):
    """Terminal output as lines: no escapes, no carriage returns, no blank lines."""
    lines = ANSI.sub("", text).replace("\r", "").split("\n")
    return [line for line in lines if line.strip()]


def extract(readme_path, outdir):
    text = section(open(readme_path).read(), "Writing a kernel for ember")
    found, commands, run_line = {}, [], None
    for info, lines in blocks(text):
        m = re.match(r"^/\* (mykernel/[\w.]+): ", lines[0])
        if m:
            found[m.group(1)] = "\n".join(lines) + "\n"
        elif info == "sh":
            for command in "\n".join(lines).replace("\\\n", " ").split("\n"):
                command = re.sub(r"\s+#.*$", "", command).strip()
                if command.startswith("make run "):
                    run_line = command
                elif command:
                    commands.append(command)
    missing = [f for f in ("mykernel/kernel.c", "mykernel/kernel.ld") if f not in found]
    kernel = re.search(r"\bKERNEL=(\S+)", run_line or "")
    if missing or not commands or not kernel:
        sys.exit(f"README's kernel recipe: missing {missing or ''} {'' if commands else 'gcc/ld commands'} "
                 f"{'' if kernel else 'a make run KERNEL=... line'}")
    os.makedirs(os.path.join(outdir, "mykernel"), exist_ok=True)
    for name, body in found.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(body)
    with open(os.path.join(outdir, "build.sh"), "w") as f:
        f.write("set -e\n" + "\n".join(commands) + "\n")
    print(kernel.group(1))
    return 0


def sample(readme_path, output_path):
    """Chunks of the README block (split at `...` lines) must each be consecutive output lines, in
    order, and the last one must end the output."""
    consoles = [lines for info, lines in blocks(section(open(readme_path).read(), "What `make run` shows"))
                if info == "console"]
    if not consoles:
        print("no ```console block in 'What `make run` shows'")
        return 1
    readme = [l for l in consoles[0] if not l.startswith("$ ")]
    chunks, chunk = [], []
    for line in readme + ["..."]:
        if line == "...":
            if chunk:
                chunks.append(chunk)
            chunk = []
        else:
            chunk.append(line)
    out = clean(open(output_path, errors="replace").read())
    pos = 0
    for n, chunk in enumerate(chunks):
        pats = [pattern(l) for l in chunk]
        starts = [i for i in range(pos, len(out) - len(chunk) + 1)
                  if all(p.fullmatch(out[i + k]) for k, p in enumerate(pats))]
        if not starts:
            absent = [l for l, p in zip(chunk, pats) if not any(p.fullmatch(o) for o in out[pos:])]
            print(f"README block, part {n + 1}: " + (f"no output line after line {pos} is {absent[0]!r}" if absent
                  else f"its {len(chunk)} lines are in the output, but not one after the other"))
            return 1
        pos = starts[0] + len(chunk)
    if pos != len(out):
        print(f"README block ends at output line {pos} of {len(out)}: the output goes on with {out[pos]!r}")
        return 1
    return 0


def table(readme_path, endings_path):
    """Each row's closing line matches a real run's closing line with the row's status, and every
    real run's (status, line) is in the table."""
    rows = re.findall(r"^\|[^|\n]*\| `(ember: [^`]*)` \| (\d+) \|$", section(open(readme_path).read(),
                                                                          "What `make run` shows"), re.M)
    real = [l.split("\t", 1) for l in open(endings_path).read().splitlines() if "\t" in l]
    problems = []
    for line, status in rows:
        if not any(s == status and pattern(line).fullmatch(r) for s, r in real):
            problems.append(f"README row '{line}' (status {status}): no run ended like that")
    for status, line in real:
        if not any(s == status and pattern(l).fullmatch(line) for l, s in rows):
            problems.append(f"a run ended '{line}' (status {status}): not in the README's table")
    print("\n".join(problems) if problems else f"{len(rows)} rows, each one a real ending")
    return 1 if problems else 0


def ctrl_a_x(serial, text, cmd):
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    shown, typed, deadline = b"", False, time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        try:
            chunk = os.read(master, 65536) if ready else b""
        except OSError:  # the terminal closed: everything on it ended
            break
        if ready and not chunk:
            break
        shown += chunk
        if not typed and os.path.exists(serial) and text.encode() in open(serial, "rb").read():
            os.write(master, b"\x01x")
            typed = True
    if proc.poll() is None:
        proc.kill()
    status = proc.wait()
    sys.stdout.write(shown.decode("utf-8", "replace"))
    return status


def main(argv):
    if len(argv) >= 4 and argv[0] == "ctrl-a-x":
        return ctrl_a_x(argv[1], argv[2], argv[3:])
    commands = {"extract": extract, "sample": sample, "table": table}
    if len(argv) != 3 or argv[0] not in commands:
        sys.exit(__doc__)
    return commands[argv[0]](argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
