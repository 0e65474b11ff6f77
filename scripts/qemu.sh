#!/usr/bin/env bash
# The one QEMU command line ember uses: `make run`, `make debug` and every integration test call this.
#
# usage: scripts/qemu.sh --esp DIR [--loader EFI] [--kernel ELF] [--config CFG] [--module FILE]...
#                        [--file SRC:DEST]... [--image IMG [--disk-bus virtio|ahci|usb]] [--sentinel EFI] [--serial FILE]
#                        [--serial-log FILE] [--qemu-log FILE] [--machine q35|pc[,PROPS]] [--vga std|none|...]
#                        [--timeout SECONDS] [--vars FILE] [--interactive] [--gdb-wait] [--gdb-port N | --no-gdb]
#                        [--secure] [--serial-input FILE] [-- extra qemu arguments]
# --machine picks the board (default q35; pc is i440fx + PIIX, whose IDE buses ide.0/ide.1 carry the ESP
# and the sentinel as on q35); --vga none leaves the machine without any display device (no GOP).
# --disk-bus usb puts the image on a USB stick (usb-storage on an XHCI controller), the only disk.
# Exit status: QEMU's (isa-debug-exit value v gives (v << 1) | 1; 0 after a triple fault with
# -no-reboot, or when Ctrl-A X quits), or 124 on timeout. The gdbstub is -s (tcp::1234) unless --gdb-port N
# (127.0.0.1:N); it is on with --interactive (unless --no-gdb), else only with --gdb-wait (which also
# starts paused: -S).
# --interactive with --serial FILE sends the serial port to FILE instead of the terminal (`make debug`);
# with --serial-log FILE the terminal's serial output is also written to FILE. --interactive has no
# timeout unless --timeout is given. --qemu-log FILE: QEMU's own log of CPU resets ("Triple fault").
# --serial-input SOCKET puts COM1 on a Unix socket QEMU listens on and waits for before the guest
# starts: the caller reads all of COM1's output there (--serial is then unused) and types into it.
set -euo pipefail

esp="" loader="" kernel="" config="" image="" disk_bus=virtio sentinel="" serial="" serial_log="" qemu_log="" vars="" serial_input=""
machine=q35 vga=std timeout_s=60 timeout_given=0 interactive=0 gdb_wait=0 gdb_port="" no_gdb=0 secure=0
modules=() files=() extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --esp) esp=$2; shift 2 ;;
        --loader) loader=$2; shift 2 ;;
        --kernel) kernel=$2; shift 2 ;;
        --config) config=$2; shift 2 ;;
        --module) modules+=("$2"); shift 2 ;;
        --file) files+=("$2"); shift 2 ;;
        --image) image=$2; shift 2 ;;
        --disk-bus) disk_bus=$2; shift 2 ;;
        --machine) machine=$2; shift 2 ;;
        --vga) vga=$2; shift 2 ;;
        --sentinel) sentinel=$2; shift 2 ;;
        --serial) serial=$2; shift 2 ;;
        --serial-log) serial_log=$2; shift 2 ;;
        --serial-input) serial_input=$2; shift 2 ;;
        --qemu-log) qemu_log=$2; shift 2 ;;
        --timeout) timeout_s=$2; timeout_given=1; shift 2 ;;
        --vars) vars=$2; shift 2 ;;
        --interactive) interactive=1; shift ;;
        --gdb-wait) gdb_wait=1; shift ;;
        --gdb-port) gdb_port=$2; shift 2 ;;
        --no-gdb) no_gdb=1; shift ;;
        --secure) secure=1; shift ;;
        --) shift; extra=("$@"); break ;;
        *) echo "qemu.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

ovmf_dir=/usr/share/OVMF
code=$ovmf_dir/OVMF_CODE_4M.fd
vars_template=$ovmf_dir/OVMF_VARS_4M.fd
case "$machine" in
    q35|q35,*|pc-q35-*|pc|pc,*|pc-i440fx-*) ;;
    *) echo "qemu.sh: --machine must be q35 or pc (optionally versioned, with ,PROPERTY=VALUE), not $machine" >&2
       exit 2 ;;
esac
if [ $secure = 1 ]; then
    code=$ovmf_dir/OVMF_CODE_4M.secboot.fd
    vars_template=$ovmf_dir/OVMF_VARS_4M.snakeoil.fd
    machine="$machine,smm=on"
fi

# Lay out the ESP: the loader at the removable-media path, kernel and config at the root.
if [ -n "$esp" ]; then
    mkdir -p "$esp/EFI/BOOT"
    [ -n "$loader" ] && cp "$loader" "$esp/EFI/BOOT/BOOTX64.EFI"
    [ -n "$kernel" ] && cp "$kernel" "$esp/kernel.elf"
    if [ -n "$config" ]; then cp "$config" "$esp/ember.cfg"; else rm -f "$esp/ember.cfg"; fi
    for m in "${modules[@]+"${modules[@]}"}"; do cp "$m" "$esp/"; done
    for f in "${files[@]+"${files[@]}"}"; do
        mkdir -p "$(dirname "$esp/${f#*:}")"
        cp -r "${f%%:*}" "$esp/${f#*:}"
    done
fi

# A private, writable copy of the firmware variables next to the ESP (or the image).
if [ -z "$vars" ]; then
    if [ -n "$esp" ]; then vars="$esp.vars.fd"; elif [ -n "$image" ]; then vars="${image%.*}.vars.fd"; else vars=build/ovmf.vars.fd; fi
fi
[ -f "$vars" ] || cp "$vars_template" "$vars"

args=(-machine "$machine" -accel tcg -m 512M -no-reboot -nodefaults -nic none -vga "$vga"
      -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
      -drive "if=pflash,format=raw,unit=1,file=$vars"
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ $secure = 1 ] && args+=(-global driver=cfi.pflash01,property=secure,value=on)
[ -n "$qemu_log" ] && args+=(-d cpu_reset -D "$qemu_log")

if [ -n "$image" ]; then
    case "$disk_bus" in  # ahci: q35's built-in ICH9 AHCI controller, port 0 (pc has none: its ide.0 is PIIX)
        virtio) args+=(-drive "if=none,id=disk0,format=raw,file=$image" -device "virtio-blk-pci,drive=disk0,bootindex=1") ;;
        ahci)
            case "${machine%%,*}" in
                q35|pc-q35-*) ;;
                *) echo "qemu.sh: --disk-bus ahci needs the q35 machine" >&2; exit 2 ;;
            esac
            args+=(-drive "if=none,id=disk0,format=raw,file=$image" -device "ide-hd,drive=disk0,bus=ide.0,bootindex=1") ;;
        usb) args+=(-device qemu-xhci,id=xhci -drive "if=none,id=stick,format=raw,file=$image"
                    -device "usb-storage,bus=xhci.0,drive=stick,bootindex=1") ;;
        *) echo "qemu.sh: --disk-bus must be virtio, ahci or usb, not $disk_bus" >&2; exit 2 ;;
    esac
elif [ -n "$esp" ]; then
    args+=(-drive "if=none,id=disk0,format=raw,file=fat:rw:$esp" -device "ide-hd,drive=disk0,bus=ide.0,bootindex=1")
fi
if [ -n "$sentinel" ]; then
    sdir=build/sentinel
    if [ -n "$esp" ]; then sdir="$esp.sentinel"; elif [ -n "$image" ]; then sdir="${image%.*}.sentinel"; fi
    mkdir -p "$sdir/EFI/BOOT"
    cp "$sentinel" "$sdir/EFI/BOOT/BOOTX64.EFI"
    args+=(-drive "if=none,id=disk1,format=raw,file=fat:rw:$sdir" -device "ide-hd,drive=disk1,bus=ide.1,bootindex=2")
fi

gdbstub=(-s) attach=":1234"
[ -n "$gdb_port" ] && gdbstub=(-gdb "tcp:127.0.0.1:$gdb_port") attach="127.0.0.1:$gdb_port"
[ $no_gdb = 1 ] && gdbstub=()
if [ $interactive = 1 ]; then
    if [ -n "$serial" ]; then
        args+=(-serial "file:$serial")
    else  # what -serial mon:stdio sets up, plus a copy of the serial output in $serial_log
        args+=(-chardev "stdio,id=term,mux=on${serial_log:+,logfile=$serial_log}" -serial chardev:term -mon chardev=term)
    fi
    args+=(-display "${QEMU_DISPLAY:-none}" "${gdbstub[@]+"${gdbstub[@]}"}")
    [ $gdb_wait = 1 ] && args+=(-S)
    if [ -n "$serial" ]; then
        echo "ember: QEMU serial -> $serial; gdbstub ${gdbstub[*]}$([ $gdb_wait = 1 ] && echo ", paused")" >&2
    elif [ $no_gdb = 1 ]; then
        echo "ember: QEMU serial below (Ctrl-A X quits)." >&2
    else
        echo "ember: QEMU serial below (Ctrl-A X quits). Attach GDB any time: gdb -x scripts/gdb/ember.py -ex 'target remote $attach'" >&2
    fi
    # --foreground: QEMU keeps reading the terminal; exec: `make debug` stops QEMU by this PID
    [ $timeout_given = 1 ] && exec timeout --foreground --kill-after=5 "$timeout_s" \
        qemu-system-x86_64 "${args[@]}" "${extra[@]+"${extra[@]}"}"
    exec qemu-system-x86_64 "${args[@]}" "${extra[@]+"${extra[@]}"}"
fi

if [ -n "$serial_input" ]; then  # COM1 on a Unix socket: QEMU waits for the test, which reads and types
    args+=(-display none -chardev "socket,id=com1,path=$serial_input,server=on,wait=on" -serial chardev:com1)
else
    args+=(-display none -serial "file:${serial:-/dev/stdout}")
fi
[ $gdb_wait = 1 ] && args+=("${gdbstub[@]}" -S)
status=0
timeout --kill-after=5 "$timeout_s" qemu-system-x86_64 "${args[@]}" "${extra[@]+"${extra[@]}"}" </dev/null || status=$?
exit $status
