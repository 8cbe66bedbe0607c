#!/usr/bin/env bash
# How xwing's cost grows with concurrency, against ab and hey -disable-keepalive:
# a new connection per request, -n N at -c 1, 2, 4, ... 256, against one rebel-base
# (the dev build, the same server for every client). For each client and -c: the
# client's own CPU per request (user+system from wait4's rusage over the requests
# made), req/s and p99 latency. The dev xwing ($BIN) and the shipped one (when the
# x-wing image is there) are measured alike.
# Every client is measured at every -c in every round, in a rotating order; figures
# are medians over the rounds. Never fails on a figure.
# Writes $BENCH_OUT/xwing-scale.dat for make bench-plot (when BENCH_OUT is set).
# BENCH_QUICK=1: -n 1000, 1 round. BENCH_ROUNDS=N (default 3).
# BENCH_SCALE_XC: the concurrencies (default "1 2 4 8 16 32 64 128 256").
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
for t in ab hey jq curl; do
    command -v "$t" >/dev/null || { echo "bench_scale_xwing: $t not installed, skipped"; exit 0; }
done
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
set +e # a client that fails leaves "-" in its cell; the rest goes on
source "$here/nginx.sh"
source "$here/benchlib.sh"
source "$here/servers.sh"
source "$here/clients.sh"

quick=${BENCH_QUICK:-0}
N=10000 rounds=${BENCH_ROUNDS:-3}
[ "$quick" = 1 ] && { N=1000; rounds=${BENCH_ROUNDS:-1}; }
read -r -a CS <<<"${BENCH_SCALE_XC:-1 2 4 8 16 32 64 128 256}"
ship_bins "$TMP"

client_setup

declare -A R # R[metric:client:c] = "round1 round2 ..."
for i in "${!CL_NAME[@]}"; do client_run "$i" 200 4 >/dev/null; done # warm-up
for ((r = 0; r < rounds; r++)); do
    for c in "${CS[@]}"; do
        for ((k = 0; k < nc; k++)); do
            i=$(((k + r) % nc))
            read -r rps cpu p99 bad _ < <(client_run "$i" "$N" "$c")
            R[rps:$i:$c]+=" $rps" R[cpu:$i:$c]+=" $cpu" R[p99:$i:$c]+=" $p99"
            [ "${bad:-0}" = 0 ] || echo "WARNING: ${CL_NAME[$i]} -c $c round $((r + 1)): $bad of $N requests failed"
        done
    done
done

echo "xwing $("$BIN/xwing" --version | cut -d' ' -f2): -n $N at -c C, a new connection per request, against" \
    "rebel-base (dev) on $HP; median of $rounds round(s); ratios against ab"
[ "$quick" = 1 ] && echo "BENCH_QUICK=1: short runs, one round: a smoke test, not figures to quote"
ship_missing "${SHIP_XW:-}" xwing
scale_tables CL_NAME "cpu:client CPU us/req" "rps:req/s" "p99:p99 latency ms"
kill -0 "$RB_SERVER" 2>/dev/null || echo "WARNING: the rebel-base server died during the run"

# The plot data: one row per -c; per metric, the columns ab, hey, xwing-dev,
# xwing-shipped ("?" where one was not measured: gnuplot skips it).
if [ -n "${BENCH_OUT:-}" ]; then
    dat=$BENCH_OUT/xwing-scale.dat
    {
        echo "# xwing scaling, $(date -u +%FT%TZ), -n $N new connection per request, median of $rounds round(s), quick=$quick"
        echo "# c cpu_us(ab hey xwing-dev xwing-shipped) rps(...) p99_ms(...)"
        # The fourth column is the shipped xwing only, never an XW_MODES one.
        scale_dat "cpu rps p99" "0 1 2 $([ "${CL_NAME[3]:-}" = xwing-shipped ] && echo 3 || echo -)"
    } >"$dat"
    echo "plot data: $dat"
fi
echo "reproduce: make bench ONLY=scale_xwing   (BENCH_SCALE_XC='1 16 256' for other -c)"
