#!/usr/bin/env bash
# `make run` and `make run-image`: boot through scripts/qemu.sh --interactive (serial port on this
# terminal), then print one closing line that names the outcome and exit with its status. The one
# place that reads QEMU's exit status for a person:
#
#   0  kernel passed           the kernel wrote 0x10 to isa-debug-exit (port 0xf4): QEMU status 33
#   1  kernel exited with N    any other value N written there: QEMU status (N << 1) | 1
#   3  the machine reset       a triple fault (QEMU's log says so), or a reset or power-off the guest asked
#                              for (-no-reboot turns both into QEMU exiting with 0)
#   4  the kernel refused      ember returned to firmware, which booted the sentinel on the second disk
#                              (--sentinel): it exits QEMU with 253 (251: ember left memory allocated)
#   5  timeout                 --timeout SECONDS passed
#   6  QEMU was quit           Ctrl-A X
#   7  QEMU failed             any other status (QEMU's own is in the line)
#   2  usage error
#
# usage: scripts/run.sh --log-dir DIR [--timeout SECONDS] QEMU.SH-ARGUMENTS...
# DIR keeps the serial output (serial.log) and QEMU's reset log (qemu.log) of the last run.
set -uo pipefail

log_dir="" timeout_s=""
while [ $# -gt 0 ]; do
    case "$1" in
        --log-dir) log_dir=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        *) break ;;
    esac
done
if [ -z "$log_dir" ]; then
    echo "usage: scripts/run.sh --log-dir DIR [--timeout SECONDS] QEMU.SH-ARGUMENTS..." >&2
    exit 2
fi
mkdir -p "$log_dir"
serial=$log_dir/serial.log qemu_log=$log_dir/qemu.log
rm -f "$serial" "$qemu_log"

status=0
"$(dirname "$0")/qemu.sh" --interactive --serial-log "$serial" --qemu-log "$qemu_log" \
    ${timeout_s:+--timeout "$timeout_s"} "$@" || status=$?

# The serial output without terminal escapes and carriage returns.
clean_serial() { [ -f "$serial" ] && sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$serial"; }
said() { clean_serial | grep -qE "$1"; }

# outcome STATUS TEXT: the closing line, then the exit
outcome() {
    echo "ember: $2; exit status $1"
    exit "$1"
}

case $status in
    33) outcome 0 "kernel passed (isa-debug-exit 0x10, QEMU status 33)" ;;
    124) outcome 5 "timeout: QEMU stopped after ${timeout_s:-?} s" ;;
esac
# The sentinel's statuses are only the sentinel's when it said so: a kernel may write 0x7e too.
if { [ "$status" -eq 253 ] || [ "$status" -eq 251 ]; } && said '^ember-sentinel: '; then
    # ember's error lines scrolled away behind the firmware's and the sentinel's: show them last
    clean_serial | grep -E '^\[ERROR\] \(ember\): '
    leak=""
    [ "$status" -eq 251 ] && leak=" (and left memory allocated: the sentinel's LEAK line says where)"
    outcome 4 "returned to firmware: the kernel was refused$leak"
fi
if [ "$status" -eq 0 ]; then
    if [ -f "$qemu_log" ] && grep -q '^Triple fault' "$qemu_log"; then
        outcome 3 "the machine reset (triple fault)"
    fi
    # raw: the firmware's escape sequence Ctrl-A X interrupted may run into it
    grep -q 'QEMU: Terminated' "$serial" 2>/dev/null && outcome 6 "QEMU was quit (Ctrl-A X)"
    outcome 3 "the machine reset or powered off (no triple fault: the guest asked for it)"
fi
# An odd status is isa-debug-exit's, unless QEMU failed before the guest wrote anything (status 1).
if [ $((status % 2)) -eq 1 ] && { [ "$status" -ne 1 ] || [ -s "$serial" ]; }; then
    outcome 1 "kernel exited with code $(printf '0x%x' $((status >> 1))) (isa-debug-exit, QEMU status $status)"
fi
signal=""
[ "$status" -gt 128 ] && signal=": killed by SIG$(kill -l $((status - 128)) 2>/dev/null)"
outcome 7 "QEMU failed (status $status$signal)"
