#!/usr/bin/env bash
# fuzz/run.sh TARGET... — runs the fuzzers (called by `make fuzz` / `make fuzz-python`).
#
# Each TARGET is a libFuzzer binary build/fuzz/fuzz_TARGET (made by `make fuzz-build`), or
# "python": bindings/python/fuzz/fuzz_python.py under atheris in $VENV. They run FUZZ_SECONDS
# each, FUZZ_JOBS at a time, with -malloc_limit_mb=FUZZ_MALLOC_MB (one allocation that large is
# a finding) and -rss_limit_mb=FUZZ_RSS_MB; corpora grow in build/fuzz/corpus-TARGET (seeded from
# fuzz/corpus/TARGET), logs in build/fuzz/fuzz_TARGET.log, findings in fuzz/findings-pending/
# TARGET-{crash,oom,timeout,leak}-*. Exits 1 if any fuzzer found something or failed to run.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${FUZZ_SECONDS:=60}" "${FUZZ_JOBS:=2}" "${FUZZ_MALLOC_MB:=256}" "${FUZZ_RSS_MB:=2048}" "${VENV:=.venv}"
FINDINGS=fuzz/findings-pending
mkdir -p "$FINDINGS" build/fuzz

one() {
    local t=$1 cmd max_len=65536
    case $t in
    python) cmd=("$VENV/bin/python" bindings/python/fuzz/fuzz_python.py); max_len=4096 ;;
    encode) cmd=(build/fuzz/fuzz_encode); max_len=8192 ;;
    params) cmd=(build/fuzz/fuzz_params); max_len=2048 ;;
    *) cmd=("build/fuzz/fuzz_$t") ;;
    esac
    [ -f "fuzz/$t.dict" ] && cmd+=("-dict=fuzz/$t.dict")
    mkdir -p "build/fuzz/corpus-$t"
    local seeds=()
    [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
    # A temp folder of our own for what the targets write (model folders, saves, distills).
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 HF_HUB_OFFLINE=1 HF_HUB_CACHE=build/fuzz/hf-cache \
        "${cmd[@]}" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=20 -max_len=$max_len \
        -malloc_limit_mb="$FUZZ_MALLOC_MB" -rss_limit_mb="$FUZZ_RSS_MB" \
        -artifact_prefix="$FINDINGS/$t-" "build/fuzz/corpus-$t" "${seeds[@]}" > "build/fuzz/fuzz_$t.log" 2>&1
    echo $? > "build/fuzz/fuzz_$t.rc"
}

for t in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do wait -n; done
    echo "== fuzz_$t for $FUZZ_SECONDS s"
    rm -f "build/fuzz/fuzz_$t.rc"
    one "$t" &
done
wait

rc=0
for t in "$@"; do
    echo "-- fuzz_$t"
    log=build/fuzz/fuzz_$t.log
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|^#[0-9]+.*DONE|ERROR|SUMMARY|contract violated|Test unit written|Uncaught Python exception|soft finding' "$log"
    status=$(cat "build/fuzz/fuzz_$t.rc" 2>/dev/null || echo missing)
    if [ "$status" != 0 ] || grep -qE 'Test unit written|ERROR: libFuzzer|ERROR: AddressSanitizer|contract violated' "$log"; then
        echo "fuzz_$t: FAILED (exit $status; see $log)"
        # The finding itself (CI shows only this output): the Python traceback or the sanitizer report.
        grep -E -A40 'Uncaught Python exception|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|contract violated' "$log" | head -n 60
        rc=1
    fi
done
ls "$FINDINGS"
[ $rc = 0 ] && echo "fuzz: $# targets, no finding"
exit $rc
