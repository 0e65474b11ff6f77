#!/usr/bin/env bash
# Build a bootable GPT disk image for ember: one EFI System Partition (FAT32) from 1 MiB to the end.
# No root, no loop devices: sfdisk writes the partition table into a regular file, mtools writes
# the file system at the partition's byte offset (img@@1M).
#
# usage: scripts/mkimage.sh OUT.img --loader BOOTX64.EFI --kernel KERNEL.elf [--config ember.cfg]
#                           [--module FILE]... [--file SRC:/DEST]... [--size-mib N]
#                           [--data-file SRC:/DEST]... [--data-label L] [--data-guid GUID] [--disk-guid GUID]
#
# Layout of the ESP:  /EFI/BOOT/BOOTX64.EFI  /kernel.elf  /ember.cfg (if given)  /<module basenames>
# and each --file at its DEST (directories made as needed): a disk laid out for Limine, say
# (--file limine.conf:/boot/limine/limine.conf --file myos:/boot/myos), needs no --kernel.
# Each --data-file goes to a second partition (FAT, 16 MiB, Microsoft basic data, label DATA unless
# --data-label, unique GUID --data-guid or sfdisk's random one) after the ESP: what boot(2):,
# hdd(1:2):, guid(...) and fslabel(...) paths in limine.conf or ember.cfg name. --disk-guid sets the
# GPT's disk GUID (else sfdisk picks one).
# The image is 64 MiB unless --size-mib says otherwise; it grows when the payload needs more room
# (and never goes below 36 MiB, the smallest disk that holds a FAT32 file system with 512-byte clusters).
set -euo pipefail

prog=mkimage.sh
die() { echo "$prog: error: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }
usage() {
    echo "usage: scripts/mkimage.sh OUT.img --loader BOOTX64.EFI --kernel KERNEL.elf [--config ember.cfg]" >&2
    echo "                           [--module FILE]... [--file SRC:/DEST]... [--size-mib N]" >&2
    echo "                           [--data-file SRC:/DEST]... [--data-label L] [--data-guid GUID] [--disk-guid GUID]" >&2
    exit 2
}

ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
PART_START=2048          # sectors of 512 bytes: the partition starts at 1 MiB
MIN_MIB=36               # smallest disk whose partition mformat accepts as FAT32
DEFAULT_MIB=64
DATA_TYPE=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
DATA_MIB=16              # the data partition: FAT16

out="" loader="" kernel="" config="" size_mib="" data_label=DATA data_guid="" disk_guid=""
modules=() files=() data_files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --loader|--kernel|--config|--module|--file|--size-mib|--data-file|--data-label|--data-guid|--disk-guid)
            [ $# -ge 2 ] || die "$1 needs a value"
            case "$1" in
                --loader) loader=$2 ;;
                --kernel) kernel=$2 ;;
                --config) config=$2 ;;
                --module) modules+=("$2") ;;
                --file) files+=("$2") ;;
                --size-mib) size_mib=$2 ;;
                --data-file) data_files+=("$2") ;;
                --data-label) data_label=$2 ;;
                --data-guid) data_guid=$2 ;;
                --disk-guid) disk_guid=$2 ;;
            esac
            shift 2 ;;
        -h|--help) usage ;;
        -*) echo "$prog: unknown option $1" >&2; usage ;;
        *) [ -z "$out" ] || die "more than one output image given ('$out' and '$1')"
           out=$1; shift ;;
    esac
done

# --- validate the inputs ----------------------------------------------------------------------------
[ -n "$out" ] || { echo "$prog: no output image given" >&2; usage; }
[ -n "$loader" ] || die "--loader is required (normally build/BOOTX64.EFI)"
[ -n "$kernel" ] || [ ${#files[@]} -gt 0 ] || [ ${#data_files[@]} -gt 0 ] || die "--kernel is required (e.g. build/kernel/kernel.elf)"

need_file() { # need_file WHAT PATH
    [ -e "$2" ] || die "$1 not found: $2"
    [ -f "$2" ] || die "$1 is not a regular file: $2"
    [ -r "$2" ] || die "$1 is not readable: $2"
}
need_file "loader" "$loader"
[ -z "$kernel" ] || need_file "kernel" "$kernel"
for f in "${files[@]+"${files[@]}"}" "${data_files[@]+"${data_files[@]}"}"; do
    [[ "$f" == *:/* ]] || die "--file and --data-file want SRC:/DEST, not '$f'"
    need_file "file" "${f%%:/*}"
done
[[ "$data_label" =~ ^[A-Z0-9_-]{1,11}$ ]] || die "--data-label wants 1 to 11 of A-Z 0-9 _ - (a FAT label), not '$data_label'"
for g in "$data_guid" "$disk_guid"; do
    [ -z "$g" ] || [[ "$g" =~ ^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$ ]] \
        || die "--data-guid and --disk-guid want a GUID such as 736b5698-5ae1-4dff-be2c-ef8f44a61c52, not '$g'"
done
[ -z "$config" ] || need_file "config" "$config"
for m in "${modules[@]+"${modules[@]}"}"; do need_file "module" "$m"; done

[ "$(head -c 2 "$loader")" = "MZ" ] || die "loader $loader is not a PE/EFI executable (no MZ header)"
[ -z "$kernel" ] || [ "$(head -c 4 "$kernel" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ] \
    || note "warning: kernel $kernel is not an ELF file; ember will refuse to boot it"

# Module names on the ESP are their basenames: refuse collisions with each other and the fixed files.
declare -A seen=([kernel.elf]=kernel [ember.cfg]=config [efi]="the EFI directory")
for m in "${modules[@]+"${modules[@]}"}"; do
    base=$(basename -- "$m")
    key=${base,,}   # FAT names are case-insensitive
    [ -z "${seen[$key]+x}" ] || die "module $m would be /$base on the ESP, which clashes with ${seen[$key]}"
    seen[$key]=$m
done

if [ -n "$size_mib" ]; then
    [[ "$size_mib" =~ ^[0-9]+$ ]] && [ "$size_mib" -gt 0 ] || die "--size-mib wants a positive whole number of MiB, not '$size_mib'"
fi

if [ -e "$out" ] && ! [ -f "$out" ]; then
    die "output $out exists and is not a regular file (this script only writes image files; use scripts/write-usb.sh for devices)"
fi
case "$out" in /dev/*) die "output $out is under /dev: this script only writes image files" ;; esac

for tool in sfdisk mformat mmd mcopy truncate python3; do
    command -v "$tool" >/dev/null || die "$tool not found (install fdisk, mtools, coreutils, python3: scripts/install-deps.sh)"
done

# --- size: the payload rounded up to 32 KiB clusters, plus FATs, the GPT and some slack ---------------
payload=0
srcs=()
for f in "${files[@]+"${files[@]}"}"; do srcs+=("${f%%:/*}"); done
for f in "$loader" ${kernel:+"$kernel"} ${config:+"$config"} "${modules[@]+"${modules[@]}"}" "${srcs[@]+"${srcs[@]}"}"; do
    sz=$(stat -L -c %s -- "$f")
    payload=$((payload + (sz + 32767) / 32768 * 32768))
done
mib=$((1024 * 1024))
need_mib=$(( (payload + payload / 50 + mib - 1) / mib + 4 ))   # +2% for the FATs, +4 MiB GPT/dirs/slack
[ "$need_mib" -ge "$MIN_MIB" ] || need_mib=$MIN_MIB
[ ${#data_files[@]} -eq 0 ] || need_mib=$((need_mib + DATA_MIB + 1))
want_mib=${size_mib:-$DEFAULT_MIB}
if [ "$want_mib" -lt "$need_mib" ]; then
    if [ -n "$size_mib" ]; then
        note "--size-mib $size_mib is too small for the payload/FAT32; growing the image to $need_mib MiB"
    else
        note "payload needs more than $DEFAULT_MIB MiB; growing the image to $need_mib MiB"
    fi
    want_mib=$need_mib
fi

# --- build into a temporary file next to OUT, rename when complete ---------------------------------
mkdir -p -- "$(dirname -- "$out")"
tmp="$out.tmp.$$"
trap 'rm -f -- "$tmp"' EXIT
rm -f -- "$tmp"
truncate -s "${want_mib}M" -- "$tmp"   # sparse; created with the caller's umask

# GPT with one partition: EFI System, from sector 2048 (1 MiB) over the rest of the disk; with data
# files, the ESP ends DATA_MIB + 1 MiB early and the data partition follows it.
{
    printf 'label: gpt\n%s' "${disk_guid:+label-id: $disk_guid
}"
    if [ ${#data_files[@]} -eq 0 ]; then
        printf 'start=%d, type=%s, name="EFI System"\n' "$PART_START" "$ESP_TYPE"
    else
        printf 'start=%d, size=%d, type=%s, name="EFI System"\n' "$PART_START" \
            $(( (want_mib - DATA_MIB - 2) * 2048 )) "$ESP_TYPE"
        printf 'type=%s, name="Data"%s\n' "$DATA_TYPE" "${data_guid:+, uuid=$data_guid}"
    fi
} | sfdisk --quiet --no-reread --no-tell-kernel -- "$tmp" >/dev/null \
    || die "sfdisk could not write the partition table"

# The partition's real size (sfdisk aligns the end) is what FAT32 must be told: mformat would
# otherwise size the file system to the end of the file, over the backup GPT.
read -r start sectors data_start data_sectors < <(sfdisk --json -- "$tmp" | python3 -c '
import json, sys
p = json.load(sys.stdin)["partitiontable"]["partitions"] + [{"start": 0, "size": 0}]
print(p[0]["start"], p[0]["size"], p[1]["start"], p[1]["size"])')
[ "$start" = "$PART_START" ] || die "sfdisk placed the partition at sector $start, expected $PART_START"

img="$tmp@@$((PART_START * 512))"
export MTOOLS_SKIP_CHECK=1   # the image has no CHS geometry worth checking
mformat -i "$img" -F -v EMBER -T "$sectors" -H "$PART_START" -h 64 -s 32 :: \
    || die "mformat could not create FAT32 in the partition ($sectors sectors)"
mmd -i "$img" ::/EFI ::/EFI/BOOT
copy() { mcopy -i "$img" -o -- "$1" "$2" || die "mcopy $1 -> $2 failed (image full?)"; }
copy "$loader" ::/EFI/BOOT/BOOTX64.EFI
[ -z "$kernel" ] || copy "$kernel" ::/kernel.elf
copy_files() { # copy_files SRC:/DEST... onto the file system at $img, making directories as needed
    local f dest dir p parts
    for f in "$@"; do
        dest="/${f#*:/}" dir=""
        IFS=/ read -ra parts <<<"${dest%/*}"
        for p in "${parts[@]}"; do   # each parent directory once (mmd refuses one that exists)
            [ -n "$p" ] || continue
            dir="$dir/$p"
            mmd -i "$img" "::$dir" 2>/dev/null || true
        done
        copy "${f%%:/*}" "::$dest"
    done
}
copy_files "${files[@]+"${files[@]}"}"
[ -z "$config" ] || copy "$config" ::/ember.cfg
for m in "${modules[@]+"${modules[@]}"}"; do copy "$m" "::/$(basename -- "$m")"; done
if [ ${#data_files[@]} -gt 0 ]; then
    img="$tmp@@$((data_start * 512))"
    mformat -i "$img" -v "$data_label" -T "$data_sectors" -H "$data_start" -h 64 -s 32 :: \
        || die "mformat could not create FAT in the data partition ($data_sectors sectors)"
    copy_files "${data_files[@]}"
fi

mv -f -- "$tmp" "$out"
trap - EXIT
n_mod=${#modules[@]}
echo "$prog: wrote $out: ${want_mib} MiB GPT, ESP (FAT32) at 1 MiB, $((sectors / 2048)) MiB;" \
     "loader$([ -n "$kernel" ] && echo ", kernel")$([ ${#data_files[@]} -gt 0 ] && echo ", ${#data_files[@]} file(s) on a ${DATA_MIB} MiB data partition ($data_label)")$([ -n "$config" ] && echo ", ember.cfg")$([ "$n_mod" -gt 0 ] && echo ", $n_mod module(s)")$([ ${#files[@]} -gt 0 ] && echo ", ${#files[@]} file(s)")"
