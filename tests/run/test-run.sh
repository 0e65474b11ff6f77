#!/usr/bin/env bash
# `make run` as a user meets it in the first hour, against the README:
#   - the kernel of "Writing a kernel for ember", built with the README's own commands, boots with
#     `make run KERNEL=...`: its line on serial, the pass ending, make's status 0;
#   - `make run` with the defaults prints what the README's sample shows (numbers aside);
#   - every ending of scripts/run.sh (tests/run/outcome.c picks one through ember.cfg's cmdline):
#     its closing line last, its exit status, and the README's table of them;
#   - a refusal shows ember's [ERROR] lines right above the closing line.
# One line per check, then "N passed, N failed". Needs `make all` first. QEMU runs 3 at a time.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
W=build/run-tests
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   run/$1"; }
fail() { failed=$((failed + 1)); echo "FAIL run/$1: $2"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
for f in build/BOOTX64.EFI build/SENTINEL.EFI build/kernel/kernel.elf build/kernel/outcome.elf; do
    [ -f "$f" ] || { fail prerequisites "$f missing (run make all)"; finish; }
done
rm -rf "$W" && mkdir -p "$W"
# make run from inside `make test`: a jobserver of the outer make would only add a warning
unset MAKEFLAGS MFLAGS MAKELEVEL
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- the README's kernel, built by the README's commands in a folder of a stand-in checkout ----------
mkdir -p "$W/readme" && ln -s "$ROOT/include" "$W/readme/include"
if kernel=$(python3 tests/run/check.py extract README.md "$W/readme" 2>&1) \
   && out=$(cd "$W/readme" && bash build.sh 2>&1) && [ -z "$out" ] && [ -f "$W/readme/$kernel" ]; then
    ok readme-kernel-builds
else
    fail readme-kernel-builds "${out:-$kernel}"
fi

# --- the boots: each case writes $W/NAME.out (terminal) and $W/NAME.status ----------------------------
cfg() { printf 'cmdline=%s\n' "$2" >"$W/$1.cfg"; echo "$W/$1.cfg"; }
printf 'not an ELF file\n' >"$W/not-elf.elf"
direct() { # direct NAME RUN.SH-ARGS...: scripts/run.sh as `make run` calls it, without a gdbstub
    local name=$1; shift
    scripts/run.sh --log-dir "$W/$name" "$@" --no-gdb --sentinel build/SENTINEL.EFI --esp "$W/$name/esp" \
        --loader build/BOOTX64.EFI
}
boot() { # boot NAME COMMAND...
    local name=$1; shift
    "$@" </dev/null >"$W/$name.out" 2>&1
    echo $? >"$W/$name.status"
}
jobs_running() { jobs -rp | wc -l; }
start=$(date +%s)
for c in sample readme exit reset refused timeout quit qemu-fails; do
    while [ "$(jobs_running)" -ge 3 ]; do wait -n; done
    case $c in
        sample) boot sample make --no-print-directory run RUN_DIR="$W/sample" TIMEOUT=120 GDB_PORT="$(free_port)" & ;;
        readme) boot readme make --no-print-directory run KERNEL="$W/readme/${kernel:-none}" RUN_DIR="$W/readme-run" \
                    TIMEOUT=120 GDB_PORT="$(free_port)" & ;;
        exit) boot exit direct exit --timeout 120 --kernel build/kernel/outcome.elf --config "$(cfg exit exit=0x7)" & ;;
        reset) boot reset direct reset --timeout 120 --kernel build/kernel/outcome.elf --config "$(cfg reset triple-fault)" & ;;
        refused) boot refused direct refused --timeout 120 --kernel "$W/not-elf.elf" & ;;
        timeout) boot timeout direct timeout --timeout 8 --kernel build/kernel/outcome.elf --config "$(cfg timeout spin)" & ;;
        quit) boot quit python3 tests/run/check.py ctrl-a-x "$W/quit/serial.log" "outcome-kernel:" scripts/run.sh --log-dir "$W/quit" \
                  --timeout 120 --no-gdb --esp "$W/quit/esp" --loader build/BOOTX64.EFI --kernel build/kernel/outcome.elf \
                  --config "$(cfg quit spin)" & ;;
        qemu-fails) boot qemu-fails direct qemu-fails --timeout 120 --kernel build/kernel/outcome.elf -- -no-such-option & ;;
    esac
done
wait
elapsed=$(($(date +%s) - start))

# ending NAME STATUS CLOSING-LINE [PATTERN-IN-OUTPUT]: status, the closing line last, the kernel's line
ending() {
    local name=$1 want=$2 line=$3 expect=${4:-} status last
    status=$(cat "$W/$name.status" 2>/dev/null || echo none)
    last=$(sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$W/$name.out" | grep -v '^\s*$' | tail -n 1)
    printf '%s\t%s\n' "$status" "$last" >>"$W/endings"
    if [ "$status" != "$want" ]; then fail "$name" "exit status $status, expected $want; last line: $last"
    elif [ "$last" != "$line" ]; then fail "$name" "last line '$last', expected '$line'"
    elif [ -n "$expect" ] && ! grep -qE "$expect" "$W/$name.out"; then fail "$name" "no /$expect/ in the output"
    else ok "$name"; return 0; fi
    tail -n 12 "$W/$name.out" | sed 's/^/     /'
}
pass_line="ember: kernel passed (isa-debug-exit 0x10, QEMU status 33); exit status 0"
ending readme 0 "$pass_line" '^mykernel: hello from kmain'
ending sample 0 "$pass_line" '^ember-kernel: all [0-9]+ checks passed'
ending exit 1 "ember: kernel exited with code 0x7 (isa-debug-exit, QEMU status 15); exit status 1" '^outcome-kernel: exit=0x7'
ending reset 3 "ember: the machine reset (triple fault); exit status 3" '^outcome-kernel: triple-fault'
ending refused 4 "ember: returned to firmware: the kernel was refused; exit status 4" '^ember-sentinel: firmware regained control'
ending timeout 5 "ember: timeout: QEMU stopped after 8 s; exit status 5"
ending quit 6 "ember: QEMU was quit (Ctrl-A X); exit status 6"
ending qemu-fails 7 "ember: QEMU failed (status 1); exit status 7"

# A refusal ends with ember's own error lines, the ones it printed before returning to firmware.
clean=$(sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$W/refused.out" | grep -v '^\s*$')
errors=$(grep -E '^\[ERROR\] \(ember\): ' <<<"$clean" | sort -u)
above=$(tail -n 3 <<<"$clean" | head -n 2)
if grep -q 'truncated-header' <<<"$errors" && [ "$(sort <<<"$above")" = "$errors" ]; then
    ok refused-error-lines-last
else
    fail refused-error-lines-last "the lines above the closing line: $(tr '\n' '|' <<<"$above"); ember said: $(tr '\n' '|' <<<"$errors")"
fi

if out=$(python3 tests/run/check.py sample README.md "$W/sample.out"); then ok readme-sample-output
else fail readme-sample-output "$out"; fi
if out=$(python3 tests/run/check.py table README.md "$W/endings"); then ok readme-endings-table
else fail readme-endings-table "$(tr '\n' ';' <<<"$out")"; fi
echo "     (8 QEMU runs, 3 at a time: ${elapsed} s)"
finish
