#!/usr/bin/env bash
# Disk-image tests: scripts/mkimage.sh builds a GPT + FAT32 image with the sample kernel, an ember.cfg
# and a module; check its layout, then boot it under OVMF from virtio-blk and from AHCI.
# Prints "ok   image/NAME" or "FAIL image/NAME: reason" per assertion, then "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

WORK=build/image-tests
KERNEL_PASS=33
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   image/$1"; }
fail() { failed=$((failed + 1)); echo "FAIL image/$1: $2"; }
check() { # check NAME REASON-IF-FAILED COMMAND...
    local name=$1 reason=$2; shift 2
    if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "$reason"; fi
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

mkdir -p "$WORK"
for f in build/BOOTX64.EFI build/kernel/kernel.elf; do
    [ -f "$f" ] || { fail prerequisites "$f missing (run make first)"; finish; }
done
# Snapshot the inputs: the build may be rewritten while the test runs.
cp build/BOOTX64.EFI "$WORK/BOOTX64.EFI"
cp build/kernel/kernel.elf "$WORK/kernel.elf"

# --- inputs: a module with a known FNV-1a checksum, an ember.cfg that asks the kernel to verify it --
printf 'hello from the ember disk image\n\x00\x01\x02\xfe\xff binary tail\n' > "$WORK/hello.txt"
fnv=$(python3 - "$WORK/hello.txt" <<'EOF'
import sys
h = 0x811c9dc5
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
print(f"{h:08x}")
EOF
)
cmdline="from-image expect_module=hello:$fnv"
printf 'cmdline=%s\nmodule=/hello.txt hello\n' "$cmdline" > "$WORK/ember.cfg"

# --- build the image ----------------------------------------------------------------------------------
img=$WORK/ember.img
rm -f "$img"
if out=$(scripts/mkimage.sh "$img" --loader "$WORK/BOOTX64.EFI" --kernel "$WORK/kernel.elf" \
         --config "$WORK/ember.cfg" --module "$WORK/hello.txt" 2>&1) && [ -f "$img" ]; then
    ok mkimage
else
    fail mkimage "scripts/mkimage.sh failed: $out"
    finish
fi
check "size-64mib" "image is $(stat -c %s "$img") bytes, expected 64 MiB" \
    test "$(stat -c %s "$img")" -eq $((64 * 1024 * 1024))

# --- layout: GPT, one EFI System partition at 1 MiB inside the disk; FAT32 with the right files ------
dump=$(sfdisk --dump "$img" 2>&1)
parts=$(grep -c '^[^ ]*img[0-9]* : start=' <<<"$dump")
if grep -q '^label: gpt$' <<<"$dump" && [ "$parts" -eq 1 ] \
   && grep -qE '^[^ ]+ : start= *2048, size= *[0-9]+, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B,' <<<"$dump"; then
    ok gpt-esp-at-1mib
else
    fail gpt-esp-at-1mib "sfdisk --dump: $(tr '\n' '|' <<<"$dump")"
fi
read -r pstart psize < <(sfdisk --json "$img" | python3 -c '
import json, sys
p = json.load(sys.stdin)["partitiontable"]["partitions"][0]
print(p["start"], p["size"])' 2>/dev/null) || { pstart=0; psize=0; }
last_lba=$(sed -n 's/^last-lba: //p' <<<"$dump")
check partition-fills-disk "partition $pstart+$psize sectors vs last-lba $last_lba" \
    test "$((pstart + psize - 1))" -le "${last_lba:-0}" -a "$((pstart + psize))" -ge "$(( ${last_lba:-0} - 2048 ))"

export MTOOLS_SKIP_CHECK=1
fat="$img@@1M"
boot_dir=$(mdir -i "$fat" ::/EFI/BOOT 2>&1)
check esp-has-bootx64 "mdir ::/EFI/BOOT: $(tr '\n' '|' <<<"$boot_dir")" grep -qE '^BOOTX64 +EFI ' <<<"$boot_dir"
root_files=$(mdir -i "$fat" -b :: 2>&1 | sort | tr '\n' ' ')
check esp-root-files "root holds: $root_files" test "$root_files" = "::/EFI/ ::/ember.cfg ::/hello.txt ::/kernel.elf "
rm -f "$WORK/check."*
mcopy -n -i "$fat" ::/EFI/BOOT/BOOTX64.EFI "$WORK/check.efi" >/dev/null 2>&1
mcopy -n -i "$fat" ::/kernel.elf "$WORK/check.elf" >/dev/null 2>&1
mcopy -n -i "$fat" ::/hello.txt "$WORK/check.mod" >/dev/null 2>&1
mcopy -n -i "$fat" ::/ember.cfg "$WORK/check.cfg" >/dev/null 2>&1
check esp-contents-match "files read back from the image differ from their sources" \
    bash -c "cmp '$WORK/check.efi' '$WORK/BOOTX64.EFI' && cmp '$WORK/check.elf' '$WORK/kernel.elf' \
             && cmp '$WORK/check.mod' '$WORK/hello.txt' && cmp '$WORK/check.cfg' '$WORK/ember.cfg'"
fsck=$(command -v fsck.fat || echo /usr/sbin/fsck.fat)
if [ -x "$fsck" ] && [ "$psize" -gt 0 ]; then
    dd if="$img" of="$WORK/check.part" bs=512 skip="$pstart" count="$psize" status=none
    fsck_out=$("$fsck" -n "$WORK/check.part" 2>&1); st=$?
    fat_type=$(minfo -i "$fat" :: 2>/dev/null | sed -n 's/^disk type="\(.*\)"$/\1/p' | tr -d ' ')
    check fat32-clean "fsck.fat exit $st ($(tail -n 1 <<<"$fsck_out")), type '$fat_type'" \
        test "$st" -eq 0 -a "$fat_type" = FAT32
    rm -f "$WORK/check.part"
else
    fail fat32-clean "fsck.fat not available (install dosfstools)"
fi
rm -f "$WORK/check."*

# --- mkimage.sh's own rules: refusals and growth ---------------------------------------------------------
expect_refusal() { # expect_refusal NAME MESSAGE MKIMAGE-ARGS...
    local name=$1 msg=$2 out st; shift 2
    rm -f "$WORK/bad.img"
    out=$(scripts/mkimage.sh "$WORK/bad.img" "$@" 2>&1); st=$?
    if [ $st -eq 0 ]; then fail "$name" "exit 0, expected a refusal"
    elif [ -e "$WORK/bad.img" ]; then fail "$name" "an image was left behind"
    elif ! grep -qF -- "$msg" <<<"$out"; then fail "$name" "no '$msg' in: $out"
    else ok "$name"; fi
}
expect_refusal mkimage-refuses-missing-kernel "kernel not found: $WORK/nope.elf" \
    --loader "$WORK/BOOTX64.EFI" --kernel "$WORK/nope.elf"
expect_refusal mkimage-refuses-non-pe-loader "is not a PE/EFI executable" \
    --loader "$WORK/kernel.elf" --kernel "$WORK/kernel.elf"
expect_refusal mkimage-refuses-name-clash "clashes with" \
    --loader "$WORK/BOOTX64.EFI" --kernel "$WORK/kernel.elf" --module "$WORK/kernel.elf"
truncate -s 40M "$WORK/big.bin"
rm -f "$WORK/grow.img"
out=$(scripts/mkimage.sh "$WORK/grow.img" --loader "$WORK/BOOTX64.EFI" --kernel "$WORK/kernel.elf" \
      --module "$WORK/big.bin" --size-mib 8 2>&1); st=$?
gsize=$(stat -c %s "$WORK/grow.img" 2>/dev/null || echo 0)
if [ $st -ne 0 ]; then fail mkimage-grows-for-payload "exit $st: $out"
elif [ "$gsize" -le $((40 * 1024 * 1024)) ]; then fail mkimage-grows-for-payload "image is only $gsize bytes"
elif [ "$(mdir -i "$WORK/grow.img@@1M" -b ::/big.bin 2>&1)" != ::/big.bin ]; then
    fail mkimage-grows-for-payload "big.bin missing from the grown image"
else ok mkimage-grows-for-payload; fi
rm -f "$WORK/big.bin" "$WORK/grow.img" "$WORK/bad.img"

# --- `make image KERNEL=...`, then `make run-image` alone: it must boot the kernel the image was made
# with (tests/run/outcome.c: one line, then the pass value), not rebuild the image with the default.
# In the background, beside the two boots below.
remembered() {
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    unset MAKEFLAGS MFLAGS MAKELEVEL  # no jobserver of an outer make: only a warning here
    rm -rf "$WORK/remember"*
    make --no-print-directory image IMAGE="$WORK/remember.img" KERNEL=build/kernel/outcome.elf \
        >"$WORK/remember-image.out" 2>&1 || return
    make --no-print-directory run-image IMAGE="$WORK/remember.img" RUN_DIR="$WORK/remember-run" TIMEOUT=90 \
        GDB_PORT="$port" </dev/null >"$WORK/remember-run.out" 2>&1
}
[ -f build/kernel/outcome.elf ] && { remembered; echo $? >"$WORK/remember.status"; } &
remember_pid=$!

# --- boot it: virtio-blk and AHCI in parallel (each on its own copy: QEMU locks the image file) -------
cp --sparse=always "$img" "$WORK/ember-ahci.img"
declare -A pid status elapsed
start=$(date +%s.%N)
for bus in virtio ahci; do
    disk=$img; [ $bus = ahci ] && disk=$WORK/ember-ahci.img
    rm -f "$WORK/serial-$bus.log"
    # A VARS copy per bus, kept between runs: a VARS store that has booted once starts faster.
    scripts/qemu.sh --image "$disk" --disk-bus $bus --serial "$WORK/serial-$bus.log" --timeout 90 \
        --vars "$WORK/$bus.vars.fd" >"$WORK/qemu-$bus.out" 2>&1 &
    pid[$bus]=$!
done
for bus in virtio ahci; do
    wait "${pid[$bus]}"; status[$bus]=$?
    elapsed[$bus]=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
done

for bus in virtio ahci; do
    log=$WORK/serial-$bus.clean.log
    python3 -c '
import re, sys
raw = open(sys.argv[1], "rb").read() if __import__("os").path.exists(sys.argv[1]) else b""
sys.stdout.write(re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", raw.decode("utf-8", "replace")).replace("\r", ""))
' "$WORK/serial-$bus.log" > "$log"
    before=$failed
    check "boot-$bus-exit" "exit status ${status[$bus]}, expected $KERNEL_PASS (kernel pass; 0 = triple fault, 124 = timeout)" \
        test "${status[$bus]}" -eq $KERNEL_PASS
    if [ $bus = ahci ]; then
        check "boot-$bus-from-sata" "firmware did not boot from a SATA (AHCI) device" \
            grep -qE '^BdsDxe: starting Boot[0-9A-F]+ .* from .*/Sata\(' "$log"
    else
        check "boot-$bus-from-virtio" "firmware did not boot from the virtio disk" \
            grep -qE '^BdsDxe: starting Boot[0-9A-F]+ .* from PciRoot\(0x0\)/Pci\([0-9a-fA-Fx,]+\)$' "$log"
    fi
    check "boot-$bus-all-checks" "no 'ember-kernel: all N checks passed'" \
        grep -qE '^ember-kernel: all [0-9]+ checks passed$' "$log"
    check "boot-$bus-cmdline" "no 'ember-kernel: cmdline: \"$cmdline\"'" \
        grep -qxF "ember-kernel: cmdline: \"$cmdline\"" "$log"
    check "boot-$bus-module" "no 'ember-kernel: ok   module contents: hello: ... fnv1a32 $fnv'" \
        grep -qE "^ember-kernel: ok   module contents: hello: [0-9]+ bytes at 0x[0-9a-f]+, fnv1a32 $fnv \(expected $fnv\)$" "$log"
    check "boot-$bus-no-exception" "firmware exception or assertion in the log" \
        bash -c "! grep -qE 'X64 Exception Type|!!!! ' '$log'"
    if [ $failed -ne $before ]; then
        echo "     --- $bus: booted in ${elapsed[$bus]}s; qemu.sh said: $(tail -c 300 "$WORK/qemu-$bus.out")"
        echo "     --- serial tail ---"
        tail -n 15 "$log" | sed 's/^/     /'
    fi
done
rm -f "$WORK/ember-ahci.img"

wait "$remember_pid"
run_out=$(sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$WORK/remember-run.out" 2>/dev/null)
last=$(grep -v '^\s*$' <<<"$run_out" | tail -n 1)
if [ ! -f build/kernel/outcome.elf ]; then fail run-image-boots-its-kernel "build/kernel/outcome.elf missing (run make all)"
elif [ "$(cat "$WORK/remember.status" 2>/dev/null)" != 0 ]; then
    fail run-image-boots-its-kernel "make status $(cat "$WORK/remember.status" 2>/dev/null); $(tail -c 300 "$WORK/remember-image.out" "$WORK/remember-run.out" 2>/dev/null)"
elif grep -q '  IMAGE ' <<<"$run_out"; then fail run-image-boots-its-kernel "make run-image rebuilt the image"
elif ! grep -q '^outcome-kernel: ' <<<"$run_out" || grep -q '^ember-kernel: ' <<<"$run_out"; then
    fail run-image-boots-its-kernel "not the image's kernel: $(grep -m1 -E '^(outcome|ember)-kernel: ' <<<"$run_out")"
elif [ "$last" != "ember: kernel passed (isa-debug-exit 0x10, QEMU status 33); exit status 0" ]; then
    fail run-image-boots-its-kernel "last line: $last"
else ok run-image-boots-its-kernel; fi
finish
