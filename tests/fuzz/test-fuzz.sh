#!/usr/bin/env bash
# Fuzz smoke test (`make test`, `make fuzz`): each libFuzzer harness must accept its seeds and then
# survive FUZZ_SECONDS (default 15) of fuzzing, FUZZ_JOBS (default: the cores) harnesses at a time. Ends with "N passed, N failed"; exits non-zero on
# failure. Reproducers go to build/fuzz/crashes/, logs to build/fuzz/<harness>.log.
#   --no-build   the harnesses are already built (make fuzz)
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
SECONDS_EACH=${FUZZ_SECONDS:-15}
HARNESSES=(elf config memmap acpi lscan reloc inspect lconf mbheader)
WORK=$BUILD/fuzz
CRASHES=$WORK/crashes
passed=0
failed=0

result() { # result STATUS(0=pass) MESSAGE
    if [ "$1" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   $2"
    else
        failed=$((failed + 1)); echo "FAIL $2"
    fi
}

# Why a libFuzzer run failed, from its log: the broken invariant or sanitizer summary, the reproducer.
finding() { # finding LOG EXIT_STATUS
    local why file
    why=$(grep -m1 -oE 'invariant violated: .*|SUMMARY: .*|ERROR: libFuzzer: .*' "$1")
    file=$(grep -m1 -oP 'Test unit written to \K\S+' "$1")
    echo "${why:-exit status $2}${file:+; reproducer $file}"
}

if [ "${1:-}" != "--no-build" ]; then
    bins=()
    for h in "${HARNESSES[@]}"; do bins+=("$BUILD/fuzz/fuzz_$h"); done
    if ! out=$(make -s BUILD="$BUILD" "${bins[@]}" 2>&1); then
        echo "$out" | tail -20
        result 1 "fuzz harnesses build"
        echo "$passed passed, $failed failed"
        exit 1
    fi
fi
mkdir -p "$CRASHES"
if ! python3 tests/fuzz/make_seeds.py --workdir "$WORK"; then
    result 1 "fuzz corpora"
    echo "$passed passed, $failed failed"
    exit 1
fi

# Seed-only runs: every committed seed (and every built sample kernel) runs once and must parse.
for h in "${HARNESSES[@]}"; do
    seeds=(tests/fuzz/corpus/"$h"/*)
    [ "$h" = elf ] && for k in "$BUILD"/kernel/*.elf "$BUILD"/host/reloc-fixtures/*.elf; do
        [ -f "$k" ] && seeds+=("$k")
    done
    FUZZ_EXPECT_OK=1 "$BUILD/fuzz/fuzz_$h" -artifact_prefix="$CRASHES/$h-seed-" "${seeds[@]}" >"$WORK/$h-seeds.log" 2>&1
    st=$?
    if [ $st -eq 0 ]; then result 0 "fuzz/$h seeds: ${#seeds[@]} inputs, each parses"
    else result 1 "fuzz/$h seeds: $(finding "$WORK/$h-seeds.log" $st)"; fi
done

# Timed runs over the working corpora (which keep what earlier runs found), JOBS at a time: the
# machine's cores, so the whole smoke test costs SECONDS_EACH per JOBS harnesses.
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
timed() { # timed HARNESS: the run, its exit status in $WORK/HARNESS.status
    "$BUILD/fuzz/fuzz_$1" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=25 \
        -artifact_prefix="$CRASHES/$1-" "$WORK/corpus-$1" >"$WORK/$1.log" 2>&1
    echo $? >"$WORK/$1.status"
}
running=0
for h in "${HARNESSES[@]}"; do
    timed "$h" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait
for h in "${HARNESSES[@]}"; do
    log=$WORK/$h.log
    st=$(cat "$WORK/$h.status" 2>/dev/null || echo 1)
    execs=$(grep -oP '^stat::number_of_executed_units: \K[0-9]+' "$log" | tail -1)
    corpus=$(ls "$WORK/corpus-$h" | wc -l)
    if [ "$st" -eq 0 ]; then
        result 0 "fuzz/$h: ${execs:-?} executions in ${SECONDS_EACH}s, 0 findings (corpus $corpus inputs)"
    else
        result 1 "fuzz/$h: finding after ${execs:-?} executions: $(finding "$log" "$st")"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
