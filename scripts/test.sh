#!/usr/bin/env bash
# `make test`: host unit tests (plain and ASan+UBSan), artifact checks, QEMU integration tests.
# Ends with the line "N passed, N failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()

count() { # count NAME STATUS(0=pass)
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

# cmocka binaries: add their own pass/fail counts (a crash without a summary counts as one failure).
run_unit() {
    local bin=$1 out status p f
    out=$("$bin" 2>&1); status=$?
    p=$(grep -oP '^\[  PASSED  \] \K[0-9]+' <<<"$out" | tail -1)
    f=$(grep -oP '^\[  FAILED  \] \K[0-9]+' <<<"$out" | tail -1)
    p=${p:-0}; f=${f:-0}
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then failures+=("$bin"); echo "$out" | grep -E "FAIL|ERROR|error|Sanitizer|runtime error" | head -20; fi
    printf '%-4s %s (%s passed, %s failed)\n' "$([ "$f" -eq 0 ] && echo ok || echo FAIL)" "$bin" "$p" "$f"
}

echo "== host unit tests (plain, then ASan+UBSan)"
for variant in host host-san; do
    for src in tests/unit/test_*.c; do
        run_unit "build/$variant/$(basename "$src" .c)"
    done
done

echo "== artifacts"
pe=$(objdump -p build/BOOTX64.EFI 2>/dev/null)
grep -q "Magic.*020b" <<<"$pe" && grep -qE "Subsystem\s+0000000a" <<<"$pe"
st=$?; count "BOOTX64.EFI is a PE32+ EFI application" $st
echo "$([ $st -eq 0 ] && echo ok || echo FAIL)   BOOTX64.EFI is PE32+ (magic 020b) with subsystem 10 (EFI application), $(stat -c %s build/BOOTX64.EFI) bytes"
# The size budget: ember must stay small enough to read and to copy anywhere. 160 KiB is what the
# features cost at -Os (code ~60 KB, log and error strings ~20 KB, Limine base revisions 4-6 with
# local APIC, IOMMU and firmware-table work ~8 KB, the limine.conf reader ~17 KB, other volumes
# ~5.5 KB) with room for the Multiboot protocols; name tables are char arrays in place, since a
# pointer costs 8 bytes plus a 24-byte relocation.
size_budget=$((160 * 1024)); size=$(stat -c %s build/BOOTX64.EFI)
[ "$size" -le "$size_budget" ]
st=$?; count "BOOTX64.EFI within its size budget" $st
echo "$([ $st -eq 0 ] && echo ok || echo FAIL)   BOOTX64.EFI is $size bytes, budget $size_budget"
# readelf (binutils, needed to build anyway) rather than file(1), which a fresh Debian may lack
# read whole outputs first: grep -q exiting early would SIGPIPE readelf and fail the pipeline (pipefail)
sections=$(readelf -S build/ember.so 2>&1); symbols=$(readelf -s build/ember.so 2>&1)
grep -q "\.debug_info" <<<"$sections" && grep -qw efi_main <<<"$symbols"
st=$?; count "ember.so has debug info" $st
echo "$([ $st -eq 0 ] && echo ok || echo FAIL)   build/ember.so is unstripped with debug info (for GDB)"
# an undefined symbol (a libgcc helper, say) becomes a PLT slot that objcopy drops: a jump into nothing
undefined=$(nm -u build/ember.so 2>&1)
[ -z "$undefined" ]
st=$?; count "ember.so has no undefined symbols" $st
echo "$([ $st -eq 0 ] && echo ok || echo FAIL)   build/ember.so has no undefined symbols${undefined:+: $undefined}"

# SDM Vol. 3A 12.11.8 step 10: after an AP writes the BSP's MTRRs and PAT (its last WRMSR before
# CR0 turns the caches on), caches and TLBs are flushed a second time: WBINVD and a CR3 reload.
ap_code=$(objdump -d build/efi/arch/x86_64/ap_boot.S.o 2>&1 | grep -oE "(wrmsr|wbinvd|mov +%[a-z0-9]+,%cr[03])" | tr -s ' ')
after_msrs=$(awk '/wrmsr/ {buf=""; next} {buf = buf $0 "|"} /,%cr0/ {last=buf} END {print last}' <<<"$ap_code")
grep -q "wbinvd" <<<"$after_msrs" && grep -q ",%cr3" <<<"$after_msrs"
st=$?; count "AP start-up flushes caches and TLBs after the MTRR writes" $st
echo "$([ $st -eq 0 ] && echo ok || echo FAIL)   AP start-up: between the MTRR/PAT writes and CR0: ${after_msrs:-nothing}"

for extra in tests/*/test-*.sh; do
    [ -x "$extra" ] || continue
    echo "== $extra"
    out=$("$extra" 2>&1); st=$?
    echo "$out" | sed 's/^/     /' | tail -40
    p=$(grep -oP '^\K[0-9]+(?= passed, [0-9]+ failed$)' <<<"$out" | tail -1)
    f=$(grep -oP '^[0-9]+ passed, \K[0-9]+(?= failed$)' <<<"$out" | tail -1)
    if [ -n "$p" ]; then passed=$((passed + p)); failed=$((failed + ${f:-0})); [ "${f:-0}" -ne 0 ] && failures+=("$extra");
    else count "$extra" $st; fi
    [ "$st" -ne 0 ] && [ "${f:-0}" -eq 0 ] && [ -n "$p" ] && { failed=$((failed + 1)); failures+=("$extra (exit $st)"); }
done

echo "== QEMU integration tests"
out=$(python3 tests/qemu/run.py ${QEMU_TEST_ARGS:-} 2>&1); st=$?
echo "$out" | grep -v " passed, .* failed$"
p=$(grep -oP '^\K[0-9]+(?= passed, [0-9]+ failed$)' <<<"$out" | tail -1)
f=$(grep -oP '^[0-9]+ passed, \K[0-9]+(?= failed$)' <<<"$out" | tail -1)
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
[ "${f:-1}" -ne 0 ] && failures+=("QEMU integration tests")

if [ ${#failures[@]} -gt 0 ]; then
    echo "== failed:"; printf '   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
