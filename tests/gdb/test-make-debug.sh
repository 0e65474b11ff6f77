#!/usr/bin/env bash
# `make debug` scripted as the README shows it: GDB_ARGS="-batch -ex 'hbreak kmain' -ex c -ex 'p/x \$pc' ..."
# must reach GDB as written (its $ too), GDB must start quietly (one ember-attach line, no warnings,
# no "?? ()" frame line), stop at kmain, and have ember.so's symbols by then without being asked.
# One line per check, then "N passed, N failed". Needs `make all` first.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   make-debug/$1"; }
fail() { failed=$((failed + 1)); echo "FAIL make-debug/$1: $2"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

KERNEL=build/kernel/kernel.elf
for f in build/BOOTX64.EFI build/ember.so "$KERNEL"; do
    [ -f "$f" ] || { fail prerequisites "$f missing (run make all)"; finish; }
done
W=build/make-debug-tests
rm -rf "$W" && mkdir -p "$W"
unset MAKEFLAGS MFLAGS MAKELEVEL  # no jobserver of an outer make: only a warning here
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

start=$(date +%s)
# TIMEOUT bounds QEMU, timeout(1) GDB. As in the README: \$ keeps $pc from this shell, the single
# quotes from make's shell, and make itself must leave it alone.
timeout -k 5 150 make --no-print-directory debug KERNEL="$KERNEL" GDB_PORT="$port" TIMEOUT=120 \
    DEBUG_SERIAL="$W/serial.log" DEBUG_ESP="$W/esp" \
    GDB_ARGS="-batch -ex 'hbreak kmain' -ex c -ex 'p/x \$pc' -ex 'info address efi_main'" \
    </dev/null >"$W/out" 2>&1
status=$?
elapsed=$(($(date +%s) - start))
out=$(cat "$W/out")

kmain=$(nm "$KERNEL" | awk '$3 == "kmain" { print $1 }')
efi_main=$(nm build/ember.so | awk '$3 == "efi_main" { print $1 }')
base=$(grep -aoE 'image base 0x[0-9a-f]+' "$W/serial.log" 2>/dev/null | tail -n 1 | awk '{ print $3 }')

[ "$status" -eq 0 ] && ok make-status || fail make-status "make debug exited $status"
attach=$(grep -c '^ember-attach: ' <<<"$out")
if [ "$attach" -eq 1 ] && grep -qE "^ember-attach: 127\.0\.0\.1:$port, stopped at 0xfff0 \(the reset vector\); kernel symbols from $KERNEL; loader symbols load at the first stop" <<<"$out"; then
    ok one-attach-line
else
    fail one-attach-line "$attach ember-attach lines: $(grep '^ember-attach: ' <<<"$out" | head -2)"
fi
noise=$(grep -E '^(warning: |ember-symbols: |ember\.py: )|in \?\? \(\)|terminating on signal|Remote communication error' <<<"$out")
[ -z "$noise" ] && ok quiet || fail quiet "$(tr '\n' '|' <<<"$noise")"
if [ -n "$kmain" ] && grep -qx "\$1 = 0x$(sed 's/^0*//' <<<"$kmain")" <<<"$out"; then
    ok gdb-args-as-written
else
    fail gdb-args-as-written "no '\$1 = 0x${kmain#"${kmain%%[!0]*}"}' (kmain) from p/x \$pc: $(grep -m1 -E '^\$1|No symbol' <<<"$out")"
fi
want=""
[ -n "$base" ] && [ -n "$efi_main" ] && want=$(printf '0x%x' $((base + 0x$efi_main)))
if [ -n "$want" ] && grep -qF "Symbol \"efi_main\" is a function at address $want." <<<"$out"; then
    ok loader-symbols-at-the-stop
else
    fail loader-symbols-at-the-stop "expected efi_main at $want (image base ${base:-?}): $(grep -m1 'efi_main' <<<"$out")"
fi
echo "     (one boot to kmain under GDB: ${elapsed} s)"
[ "$failed" -ne 0 ] && sed 's/^/     /' "$W/out" | tail -n 15
finish
