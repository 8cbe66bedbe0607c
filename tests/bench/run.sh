#!/usr/bin/env bash
# Runs every benchmark (tests/bench/bench_*.sh) in one go, on this machine, now.
# Each prints its own table of figures and ratios against its anchors (nginx,
# curl, ab, hey, wrk) and its performance goals as met / NOT MET. Benchmarks
# never fail on a ratio: machines are noisy.
#   BENCH_QUICK=1     shortens every run (a smoke test of the benchmarks, not figures)
#   ONLY=substr       picks benchmarks by name: rebel_base, bench_xwing, scale, profile, ...
#   BENCH_OUT=DIR     where the plot data (*.dat) and this run's output (bench.txt)
#                     go, for make bench-plot (make bench: $(BUILD)/bench)
#   SHIP_RB, SHIP_XW  static binaries to bench as "shipped" instead of the ones
#                     copied out of rebel-base:VERSION and x-wing:VERSION
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
source "$dir/benchlib.sh"
ship=$(mktemp -d "${TMPDIR:-/tmp}/rbxw-ship.XXXXXX")
trap 'rm -rf "$ship"' EXIT
if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$BENCH_OUT"
    BENCH_OUT=$(cd "$BENCH_OUT" && pwd)
    export BENCH_OUT
fi

main() {
    echo "bench: $(date -u +%FT%TZ) on $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)${BENCH_QUICK:+ (BENCH_QUICK=$BENCH_QUICK)}"
    echo "dev build: $BIN"
    # The shipped binaries are copied once, here, for every benchmark.
    ship_bins "$ship"
    ship_say
    export SHIP_RB SHIP_XW SHIP_WHY SHIP_INFO SHIP_DONE
    rc=0
    start=$(date +%s)
    for b in "$dir"/bench_*.sh; do
        name=$(basename "$b" .sh)
        [[ -n "${ONLY:-}" && "$name" != *${ONLY}* ]] && continue
        echo
        echo "=== $name"
        s=$(date +%s)
        timeout 1800 bash "$b" || { echo "bench $name exited $?"; rc=1; }
        echo "=== $name: $(($(date +%s) - s)) s"
    done
    echo
    echo "bench: done in $(($(date +%s) - start)) s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    [ -n "${BENCH_OUT:-}" ] && echo "bench: output in $BENCH_OUT/bench.txt; make bench-plot draws $BENCH_OUT/*.dat"
    return $rc
}

if [ -n "${BENCH_OUT:-}" ]; then
    main 2>&1 | tee "$BENCH_OUT/bench.txt"
    exit "${PIPESTATUS[0]}"
fi
main
