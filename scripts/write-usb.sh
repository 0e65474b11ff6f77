#!/usr/bin/env bash
# Write ember's disk image to a USB stick, refusing anything that is not clearly a USB stick.
#
# usage: scripts/write-usb.sh [--dry-run] [--yes] [--image IMG] DEVICE
#   DEVICE     the whole USB disk, e.g. /dev/sdb or /dev/disk/by-id/usb-... (never a partition)
#   --image    the image to write (default build/ember.img; make image builds it)
#   --dry-run  check everything, print the commands that would run, write nothing
#   --yes      do not ask for confirmation
#
# Refuses (exit 2): a missing image; a DEVICE that is not a block device under /dev; a partition; a
# device not on USB (a non-removable SATA/NVMe disk, ...); a device with any mounted file system
# (itself or a partition, swap included); a device smaller than the image.
# Exit 1: aborted at the prompt, or dd/sync failed. Writing a device normally needs root (sudo).
#
# Tests: EMBER_USB_SKIP_BLOCK_CHECK=1 skips the `[ -b DEVICE ]` test, so a fake `lsblk` early in PATH
# can describe devices that do not exist; everything else is decided from lsblk's answer alone.
set -euo pipefail

prog=write-usb.sh
refuse() { echo "$prog: refusing: $*" >&2; exit 2; }
die() { echo "$prog: error: $*" >&2; exit 1; }
usage() {
    echo "usage: scripts/write-usb.sh [--dry-run] [--yes] [--image IMG] DEVICE" >&2
    exit 2
}

image=build/ember.img dry_run=0 yes=0 device=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=1; shift ;;
        --yes|-y) yes=1; shift ;;
        --image) [ $# -ge 2 ] || usage; image=$2; shift 2 ;;
        -h|--help) usage ;;
        --) shift; [ $# -eq 1 ] || usage; device=$1; shift ;;
        -*) echo "$prog: unknown option $1" >&2; usage ;;
        *) [ -z "$device" ] || { echo "$prog: only one DEVICE, got '$device' and '$1'" >&2; usage; }
           device=$1; shift ;;
    esac
done
[ -n "$device" ] || { echo "$prog: no DEVICE given" >&2; usage; }

# --- the image ---------------------------------------------------------------------------------------
[ -e "$image" ] || refuse "image $image not found (build it with: make image)"
[ -f "$image" ] || refuse "image $image is not a regular file"
[ -r "$image" ] || refuse "image $image is not readable"
image_size=$(stat -L -c %s -- "$image")
[ "$image_size" -gt 0 ] || refuse "image $image is empty"

# --- the device: a path under /dev (symlinks such as /dev/disk/by-id/usb-* resolved) -----------------
case "$device" in
    /dev/*) ;;
    *) refuse "$device is not a device path under /dev (give the whole disk, e.g. /dev/sdb)" ;;
esac
case "/$device/" in
    */../*|*/./*) refuse "$device: no '.' or '..' components, please" ;;
esac
if [ -L "$device" ]; then
    resolved=$(readlink -f -- "$device")
    case "$resolved" in
        /dev/*) device=$resolved ;;
        *) refuse "$device points to $resolved, which is not under /dev" ;;
    esac
fi
if [ -z "${EMBER_USB_SKIP_BLOCK_CHECK:-}" ]; then
    [ -e "$device" ] || refuse "$device does not exist"
    [ -b "$device" ] || refuse "$device is not a block device"
fi

command -v lsblk >/dev/null || die "lsblk not found (util-linux)"
command -v python3 >/dev/null || die "python3 not found"

# One lsblk call describes the device and everything below it (partitions, crypt/LVM holders).
# Python turns its JSON into: NAME TYPE RM TRAN SIZE MODEL MOUNTS (tab-separated; MOUNTS = "a, b").
lsblk_json=$(lsblk -J -b -p -o NAME,TYPE,RM,TRAN,SIZE,MODEL,MOUNTPOINTS -- "$device" 2>&1) \
    || refuse "lsblk does not know $device: $(head -n 1 <<<"$lsblk_json")"
info=$(python3 -c '
import json, sys

def text(v):
    if v is None: return "-"
    if isinstance(v, bool): return "1" if v else "0"
    return " ".join(str(v).split()) or "-"

def mounts(dev):
    """(path, mountpoint) for the device and every descendant, MOUNTPOINT (older lsblk) or MOUNTPOINTS."""
    found = []
    points = dev.get("mountpoints", [dev.get("mountpoint")])
    for m in points or []:
        if m:
            found.append(str(dev.get("name")) + " on " + str(m))
    for child in dev.get("children") or []:
        found += mounts(child)
    return found

try:
    devs = json.loads(sys.stdin.read())["blockdevices"]
except Exception as e:
    print(f"ERROR\tunreadable lsblk output ({e})"); sys.exit()
if len(devs) != 1:
    print(f"ERROR\tlsblk reported {len(devs)} devices"); sys.exit()
d = devs[0]
print("\t".join([text(d.get("name")), text(d.get("type")), text(d.get("rm")), text(d.get("tran")),
                 text(d.get("size")), text(d.get("model")), ", ".join(mounts(d)) or "-"]))
' <<<"$lsblk_json") || die "could not parse lsblk output"
IFS=$'\t' read -r name type rm tran size model mounts <<<"$info"
[ "$name" != ERROR ] || refuse "lsblk does not describe $device clearly: $type"

human() { # bytes -> "14.9 GiB"
    awk -v n="$1" 'BEGIN { split("B KiB MiB GiB TiB", u, " "); i = 1
        while (n >= 1024 && i < 5) { n /= 1024; i++ }
        if (i == 1) printf "%d B\n", n; else printf "%.1f %s\n", n, u[i] }'
}
[[ "$size" =~ ^[0-9]+$ ]] || refuse "lsblk gives no size in bytes for $device ('$size')"
[ "$model" != - ] || model="unknown model"
[ "$tran" != - ] || tran=none
desc="$model, $(human "$size")"

# --- the rules ---------------------------------------------------------------------------------------
[ "$type" = disk ] \
    || refuse "$device is a $type, not a whole disk (write the disk itself, e.g. /dev/sdb, not /dev/sdb1)"
if [ "$tran" != usb ]; then
    [ "$rm" = 1 ] || refuse "$device ($desc) is a non-removable disk on transport '$tran', not a USB stick"
    refuse "$device ($desc) is on transport '$tran', not usb"
fi
[ "$mounts" = - ] || refuse "$device ($desc) has mounted file systems: $mounts (unmount them first)"
[ "$size" -ge "$image_size" ] \
    || refuse "$device ($desc) is smaller than the image $image ($(human "$image_size"))"

# --- confirm and write ---------------------------------------------------------------------------------
dd_cmd=(dd "if=$image" "of=$device" bs=4M conv=fsync oflag=direct status=progress)
echo "$prog: target $device: $desc, transport usb, removable $rm, nothing mounted"
echo "$prog: image  $image: $(human "$image_size")"
if [ $dry_run = 1 ]; then
    echo "$prog: dry run, would run:"
    line=$(printf '%q ' "${dd_cmd[@]}")
    echo "${line% }"
    echo sync
    exit 0
fi
if [ -z "${EMBER_USB_SKIP_BLOCK_CHECK:-}" ] && ! [ -w "$device" ]; then
    die "cannot write $device as $(id -un): run with sudo"
fi
if [ $yes = 0 ]; then
    printf 'Type YES to overwrite %s (%s): ' "$device" "$desc"
    answer=""
    read -r answer || true
    [ "$answer" = YES ] || { echo "$prog: aborted, nothing written" >&2; exit 1; }
fi
echo "$prog: writing $image to $device ..."
"${dd_cmd[@]}" || die "dd failed (exit $?); the stick is probably unusable now, rerun to retry"
sync || die "sync failed (exit $?)"
echo "$prog: done: $device holds $image; it boots on UEFI machines from the removable-media path"
