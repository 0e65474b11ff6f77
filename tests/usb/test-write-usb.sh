#!/usr/bin/env bash
# scripts/write-usb.sh against fake devices: a fake `lsblk` (answers from JSON files), fake `dd` and
# `sync` (record their arguments) first in PATH. Nothing real is ever written.
# Prints "ok   usb/NAME" or "FAIL usb/NAME: reason" per case, then "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

WORK=$PWD/build/usb-tests
FAKE=$WORK/bin
DEVS=$WORK/devices
CALLS=$WORK/calls.log
SCRIPT=$PWD/scripts/write-usb.sh
passed=0 failed=0

rm -rf "$FAKE" "$DEVS"
mkdir -p "$FAKE" "$DEVS"

# --- fakes --------------------------------------------------------------------------------------------
cat > "$FAKE/lsblk" <<'EOF'
#!/usr/bin/env bash
# fake lsblk: the last argument names the device; its JSON answer is $FAKE_LSBLK_DIR/<basename>.json
echo "lsblk $*" >> "$FAKE_CALLS"
dev=${!#}
f=$FAKE_LSBLK_DIR/$(basename -- "$dev").json
[ -f "$f" ] || { echo "lsblk: $dev: not a block device" >&2; exit 32; }
cat "$f"
EOF
cat > "$FAKE/dd" <<'EOF'
#!/usr/bin/env bash
echo "dd $*" >> "$FAKE_CALLS"
EOF
cat > "$FAKE/sync" <<'EOF'
#!/usr/bin/env bash
echo "sync $*" >> "$FAKE_CALLS"
EOF
chmod +x "$FAKE/lsblk" "$FAKE/dd" "$FAKE/sync"

# dev NAME TYPE RM TRAN SIZE MODEL MOUNT [CHILD-NAME CHILD-MOUNT]...: a JSON answer like lsblk 2.38's
# (rm as a JSON boolean, mountpoints as a list; "-" = null). Collected, then written by one python3 run.
specs=()
dev() { specs+=("$(printf '%s\t' "$@")"); }
GiB=$((1024 * 1024 * 1024))
dev sdb     disk 1 usb  $((16 * GiB))  "SanDisk Ultra"   - sdb1 - sdb2 -
dev sdb1    part 1 -    $((8 * GiB))   -                 -
dev sda     disk 0 sata $((512 * GiB)) "Samsung SSD 870" - sda1 - sda2 -
dev nvme0n1 disk 0 nvme $((1024 * GiB)) "WD Black SN850" -
dev sdc     disk 1 usb  $((32 * GiB))  "Kingston DT"     - sdc1 /media/user/STICK
dev sdd     disk 1 usb  $((1024 * 1024)) "Tiny Stick"    -
dev sde     disk 1 usb  $((8 * GiB))   "Superfloppy"     /media/user/FLOPPY
dev mmcblk0 disk 1 mmc  $((64 * GiB))  "SD64G"           -
dev sdf     disk 0 usb  $((256 * GiB)) "USB SSD T7"      - sdf1 -
dev sdg     disk 1 usb  $((16 * GiB))  "Swap Stick"      - sdg1 "[SWAP]"
printf '%s\n' "${specs[@]}" | python3 -c '
import json, sys
out = sys.argv[1]
nul = lambda v: None if v == "-" else v
for line in sys.stdin:
    name, typ, rm, tran, size, model, mount, *kids = line.rstrip("\n").rstrip("\t").split("\t")
    d = {"name": f"/dev/{name}", "type": typ, "rm": rm == "1", "tran": nul(tran), "size": int(size),
         "model": nul(model), "mountpoints": [nul(mount)]}
    if kids:
        d["children"] = [{"name": f"/dev/{k}", "type": "part", "rm": rm == "1", "tran": None,
                          "size": int(size) // 2, "model": None, "mountpoints": [nul(m)]}
                         for k, m in zip(kids[::2], kids[1::2])]
    json.dump({"blockdevices": [d]}, open(f"{out}/{name}.json", "w"), indent=3)
' "$DEVS"
# Older lsblk (util-linux < 2.37): rm as "1"/"0" strings and a single "mountpoint".
cat > "$DEVS/sdh.json" <<'EOF'
{"blockdevices": [{"name": "/dev/sdh", "type": "disk", "rm": "1", "tran": "usb", "size": 8000000000,
  "model": "Old Stick", "mountpoint": null,
  "children": [{"name": "/dev/sdh1", "type": "part", "rm": "1", "tran": null, "size": 7999000000,
                "model": null, "mountpoint": "/mnt/old"}]}]}
EOF

IMG=$WORK/ember.img
head -c $((2 * 1024 * 1024)) /dev/zero > "$IMG"   # 2 MiB: bigger than sdd, smaller than the rest

# run [--stdin TEXT] [--block-check] ARGS...: runs write-usb.sh with the fakes; sets $status, $out, $calls.
run() {
    local input="" skip=1
    while :; do
        case "$1" in
            --stdin) input=$2; shift 2 ;;
            --block-check) skip=""; shift ;;
            *) break ;;
        esac
    done
    rm -f "$CALLS"; touch "$CALLS"
    out=$(printf '%s' "$input" | env PATH="$FAKE:$PATH" FAKE_CALLS="$CALLS" FAKE_LSBLK_DIR="$DEVS" \
          EMBER_USB_SKIP_BLOCK_CHECK=$skip "$SCRIPT" "$@" 2>&1)
    status=$?
    calls=$(cat "$CALLS")
}
result() { # result NAME REASON... (no reason = pass)
    local name=$1; shift
    if [ $# -eq 0 ]; then passed=$((passed + 1)); echo "ok   usb/$name"
    else failed=$((failed + 1)); echo "FAIL usb/$name: $*"; echo "     output: $(tr '\n' '|' <<<"$out")"; fi
}
dd_called() { grep -q '^dd ' <<<"$calls"; }

# refused NAME REGEX ARGS...: exit 2, a message matching REGEX, and no dd.
refused() {
    local name=$1 regex=$2; shift 2
    run "$@"
    if [ "$status" -ne 2 ]; then result "$name" "exit $status, expected 2"
    elif ! grep -qE "$regex" <<<"$out"; then result "$name" "message does not match /$regex/"
    elif dd_called; then result "$name" "dd was called: $calls"
    else result "$name"; fi
}

# --- refusals ---------------------------------------------------------------------------------------
refused refuse-partition        'refusing: /dev/sdb1 is a part, not a whole disk' --image "$IMG" /dev/sdb1
refused refuse-sata-fixed-disk  "refusing: /dev/sda \(Samsung SSD 870, 512.0 GiB\) is a non-removable disk on transport 'sata'" \
                                --image "$IMG" /dev/sda
refused refuse-nvme             "refusing: /dev/nvme0n1 .*transport 'nvme', not a USB stick" --image "$IMG" /dev/nvme0n1
refused refuse-removable-not-usb "refusing: /dev/mmcblk0 \(SD64G, 64.0 GiB\) is on transport 'mmc', not usb" \
                                --image "$IMG" /dev/mmcblk0
refused refuse-mounted-partition 'refusing: /dev/sdc .*has mounted file systems: /dev/sdc1 on /media/user/STICK' \
                                --image "$IMG" /dev/sdc
refused refuse-mounted-disk     'refusing: /dev/sde .*has mounted file systems: /dev/sde on /media/user/FLOPPY' \
                                --image "$IMG" /dev/sde
refused refuse-swap-partition   'refusing: /dev/sdg .*has mounted file systems: /dev/sdg1 on \[SWAP\]' --image "$IMG" /dev/sdg
refused refuse-mounted-old-lsblk 'refusing: /dev/sdh .*has mounted file systems: /dev/sdh1 on /mnt/old' --image "$IMG" /dev/sdh
refused refuse-too-small        'refusing: /dev/sdd \(Tiny Stick, 1.0 MiB\) is smaller than the image .*\(2.0 MiB\)' \
                                --image "$IMG" /dev/sdd
refused refuse-missing-image    "refusing: image $WORK/nope.img not found" --image "$WORK/nope.img" /dev/sdb
refused refuse-relative-path    'refusing: sdb is not a device path under /dev' --image "$IMG" sdb
refused refuse-path-outside-dev "refusing: $WORK/ember.img is not a device path under /dev" --image "$IMG" "$IMG"
refused refuse-dotdot-path      "refusing: /dev/../tmp/x: no '.' or '..' components" --image "$IMG" /dev/../tmp/x
refused refuse-unknown-device   'refusing: lsblk does not know /dev/sdq' --image "$IMG" /dev/sdq
refused refuse-not-block-device 'refusing: /dev/null is not a block device' --block-check --image "$IMG" /dev/null
grep -q '^lsblk ' <<<"$calls" && result refuse-not-block-device-before-lsblk "lsblk consulted: $calls" \
    || result refuse-not-block-device-before-lsblk

# --- accepted devices ---------------------------------------------------------------------------------
want_dd="dd if=$IMG of=/dev/sdb bs=4M conv=fsync oflag=direct status=progress"
run --image "$IMG" --dry-run /dev/sdb
if [ "$status" -ne 0 ]; then result dry-run-prints-commands "exit $status, expected 0"
elif ! grep -qxF "$want_dd" <<<"$out"; then result dry-run-prints-commands "no line '$want_dd'"
elif ! grep -qx 'sync' <<<"$out"; then result dry-run-prints-commands "no 'sync' line"
elif dd_called || grep -q '^sync' <<<"$calls"; then result dry-run-prints-commands "dd/sync were called: $calls"
else result dry-run-prints-commands; fi
grep -q -- '-J -b -p -o NAME,TYPE,RM,TRAN,SIZE,MODEL,MOUNTPOINTS -- /dev/sdb$' <<<"$calls" \
    && result dry-run-asks-lsblk || result dry-run-asks-lsblk "lsblk calls: $calls"

run --image "$IMG" --dry-run /dev/sdf
[ "$status" -eq 0 ] && grep -qF "of=/dev/sdf " <<<"$out" && ! dd_called \
    && result usb-fixed-disk-allowed || result usb-fixed-disk-allowed "exit $status (a non-removable disk on usb is fine)"

run --stdin $'no\n' --image "$IMG" /dev/sdb
if [ "$status" -eq 0 ]; then result confirm-no-aborts "exit 0 after answering no"
elif ! grep -qF 'Type YES to overwrite /dev/sdb (SanDisk Ultra, 16.0 GiB)' <<<"$out"; then result confirm-no-aborts "no prompt"
elif ! grep -q 'aborted, nothing written' <<<"$out"; then result confirm-no-aborts "no 'aborted' message"
elif dd_called; then result confirm-no-aborts "dd was called: $calls"
else result confirm-no-aborts; fi

run --stdin $'yes\n' --image "$IMG" /dev/sdb
[ "$status" -ne 0 ] && ! dd_called && result confirm-lowercase-yes-aborts \
    || result confirm-lowercase-yes-aborts "exit $status, calls: $calls"
run --image "$IMG" /dev/sdb   # stdin empty (EOF): abort
[ "$status" -ne 0 ] && ! dd_called && result confirm-eof-aborts || result confirm-eof-aborts "exit $status, calls: $calls"

run --stdin $'YES\n' --image "$IMG" /dev/sdb
[ "$status" -eq 0 ] && grep -qxF "$want_dd" <<<"$calls" && result confirm-YES-writes \
    || result confirm-YES-writes "exit $status, calls: $calls"

run --image "$IMG" --yes /dev/sdb
if [ "$status" -ne 0 ]; then result yes-writes-with-dd "exit $status, expected 0"
elif ! grep -qxF "$want_dd" <<<"$calls"; then result yes-writes-with-dd "dd calls: $(grep '^dd' <<<"$calls")"
elif [ "$(grep -c . <<<"$calls")" -ne 3 ] || [ "$(sed -n 2p <<<"$calls")" != "$want_dd" ] \
     || [ "$(sed -n 3p <<<"$calls")" != "sync " ]; then result yes-writes-with-dd "expected lsblk, dd, sync in order: $calls"
elif grep -q 'Type YES' <<<"$out"; then result yes-writes-with-dd "asked despite --yes"
else result yes-writes-with-dd; fi

# The default image is build/ember.img, relative to the caller's directory.
mkdir -p "$WORK/cwd/build" "$WORK/empty"
cp "$IMG" "$WORK/cwd/build/ember.img"
cd "$WORK/cwd" || exit 1
run --yes /dev/sdb
[ "$status" -eq 0 ] && grep -qxF "dd if=build/ember.img of=/dev/sdb bs=4M conv=fsync oflag=direct status=progress" <<<"$calls" \
    && result default-image || result default-image "exit $status, calls: $calls"
cd "$WORK/empty" || exit 1
refused refuse-missing-default-image 'refusing: image build/ember.img not found \(build it with: make image\)' /dev/sdb
cd - >/dev/null || exit 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
