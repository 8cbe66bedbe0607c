#!/usr/bin/env bash
# Runs every benchmark (tests/bench/bench_*.sh) in one go, on this machine, now.
# Each prints its own table of figures and ratios against its anchors (nginx,
# curl, ab, hey, wrk). Benchmarks never fail on a ratio: machines are noisy.
# BENCH_QUICK=1 shortens every run; ONLY=substr picks benchmarks.
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
echo "bench: $(date -u +%FT%TZ) on $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
rc=0
for b in "$dir"/bench_*.sh; do
    name=$(basename "$b" .sh)
    [[ -n "${ONLY:-}" && "$name" != *${ONLY}* ]] && continue
    echo
    echo "=== $name"
    timeout 1200 bash "$b" || { echo "bench $name exited $?"; rc=1; }
done
exit $rc
