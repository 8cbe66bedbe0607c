#!/usr/bin/env bash
# How rebel-base's cost grows with concurrent connections, against nginx-return
# (nginx at its best: 1 worker, access_log off, return 200 '<the document>'): wrk
# -t1 holding C keep-alive connections for C in 1, 10, 100, 1000, 10000. For each
# server and C: the server's CPU per request (utime+stime from /proc/PID/stat over
# the requests served), req/s, p99 latency, and peak RSS during the run (VmHWM,
# reset before each run). The dev build ($BIN) and the shipped binary (when the
# rebel-base image is there) are measured alike.
# Every server is measured at every C in every round, in a rotating order; figures
# are medians over the rounds. Never fails on a figure.
# Then the lab's traffic, a new connection per request: ab -n NC_N -c C for C in
# 1, 4, 16, 64, with the server's CPU per request, req/s and p99 at each C.
# Writes $BENCH_OUT/rebel-scale.dat and newconn-scale.dat for make bench-plot
# (when BENCH_OUT is set).
# BENCH_QUICK=1: 1 s runs, 1 round. BENCH_ROUNDS=N (default 3).
# BENCH_SCALE_C: the connection counts (default "1 10 100 1000 10000").
# BENCH_NEWCONN_C: the new-connection concurrencies (default "1 4 16 64").
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base}"
for t in nginx wrk ab curl; do
    command -v "$t" >/dev/null || { echo "bench_scale_rebel: $t not installed, skipped"; exit 0; }
done
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
set +e # lib.sh turns errexit on; a tool that fails leaves "-" in its cell, the rest goes on
source "$here/nginx.sh"
source "$here/benchlib.sh"
MAX_CONNS=12000 # 10,000 held, and room for the checks
source "$here/servers.sh"

quick=${BENCH_QUICK:-0}
dur=5 rounds=${BENCH_ROUNDS:-3}
[ "$quick" = 1 ] && { dur=1; rounds=${BENCH_ROUNDS:-1}; }
read -r -a CS <<<"${BENCH_SCALE_C:-1 10 100 1000 10000}"
need=$((CS[-1] + 200))
(($(ulimit -n) >= need)) || echo "WARNING: ulimit -n is $(ulimit -n), below the $need that -c ${CS[-1]} needs: expect socket errors"
ship_bins "$TMP"

S_NAME=() S_PORT=() S_PIDS=()
start_ngx nginx-return ngx_conf_return
S_NAME+=(nginx-return) S_PORT+=("$NGINX_PORT") S_PIDS+=("$NGX_PIDS")
start_rb rb-dev "$BIN/rebel-base"
S_NAME+=(rb-dev) S_PORT+=("$RB_PORT") S_PIDS+=("$RB_PID")
if [ -n "${SHIP_RB:-}" ]; then
    start_rb rb-shipped "$SHIP_RB"
    S_NAME+=(rb-shipped) S_PORT+=("$RB_PORT") S_PIDS+=("$RB_PID")
fi
check_serving

declare -A R # R[metric:server:c] = "round1 round2 ..."
WARN=()
scale_run() { # scale_run SERVER C
    local i=$1 c=$2 out=$TMP/wrk.out t0 t1 n
    hwm_reset "${S_PIDS[$i]}"
    t0=$(cpu_ticks "${S_PIDS[$i]}")
    timeout $((dur + 60)) wrk -t1 -c"$c" -d"${dur}s" --timeout 5s --latency "http://127.0.0.1:${S_PORT[$i]}/" >"$out" 2>&1 || true
    t1=$(cpu_ticks "${S_PIDS[$i]}")
    n=$(awk '/ requests in / { print $1 }' "$out")
    R[rps:$i:$c]+=" $(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")"
    R[cpu:$i:$c]+=" $(us_per_req $((t1 - t0)) "${n:-0}")"
    R[p99:$i:$c]+=" $(wrk_p99 "$out")"
    R[rss:$i:$c]+=" $(hwm_kb "${S_PIDS[$i]}")"
    grep -qE 'Non-2xx|Socket errors' "$out" &&
        WARN+=("${S_NAME[$i]} -c $c: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' \n' ' ')")
    [ -n "$n" ] || WARN+=("${S_NAME[$i]} -c $c: no figures from wrk: $(head -c 300 "$out" | tr -s ' \n' ' ')")
    return 0
}
ns=${#S_NAME[@]}
# The plot data's columns: nginx-return, rb-dev, rb-shipped ("-": no image).
DAT_COLS="0 1 $( ((ns > 2)) && echo 2 || echo -)"
for ((r = 0; r < rounds; r++)); do
    for c in "${CS[@]}"; do
        for ((k = 0; k < ns; k++)); do scale_run $(((k + r) % ns)) "$c"; done
    done
done

echo "rebel-base $("$BIN/rebel-base" --version | cut -d' ' -f2) vs $(nginx -v 2>&1 | cut -d' ' -f3): wrk -t1 -c C -d${dur}s," \
    "keep-alive; median of $rounds round(s); ratios against nginx-return"
[ "$quick" = 1 ] && echo "BENCH_QUICK=1: short runs, one round: a smoke test, not figures to quote"
ship_missing "${SHIP_RB:-}" rebel-base
scale_tables S_NAME "cpu:server CPU us/req" "rps:req/s" "p99:p99 latency ms" "rss:peak RSS KiB"
for w in "${WARN[@]}"; do echo "WARNING: $w"; done

# The plot data: one row per C; per metric, the columns nginx-return, rb-dev,
# rb-shipped ("?" where one was not measured: gnuplot skips it).
if [ -n "${BENCH_OUT:-}" ]; then
    dat=$BENCH_OUT/rebel-scale.dat
    {
        echo "# rebel-base scaling, $(date -u +%FT%TZ), wrk -t1 -d${dur}s keep-alive, median of $rounds round(s), quick=$quick"
        echo "# c cpu_us(nginx-return rb-dev rb-shipped) rps(...) p99_ms(...) peak_rss_kib(...)"
        scale_dat "cpu rps p99 rss" "$DAT_COLS"
    } >"$dat"
    echo "plot data: $dat"
fi
# --- a new connection per request, as concurrency grows
read -r -a NCS <<<"${BENCH_NEWCONN_C:-1 4 16 64}"
ncn=20000
[ "$quick" = 1 ] && ncn=3000
newconn_run() { # newconn_run SERVER C
    local i=$1 c=$2 out=$TMP/ab.out t0 t1 n bad
    t0=$(cpu_ns "${S_PIDS[$i]}")
    timeout 300 ab -r -q -n "$ncn" -c "$c" -e "$TMP/ab.csv" "http://127.0.0.1:${S_PORT[$i]}/" >"$out" 2>&1
    t1=$(cpu_ns "${S_PIDS[$i]}")
    n=$(awk '/^Complete requests/ { print $3 }' "$out")
    R[ncpu:$i:$c]+=" $(us_per_req_ns $((t1 - t0)) "${n:-0}")"
    R[nrps:$i:$c]+=" $(awk '/^Requests per second/ { printf "%.0f", $4 }' "$out")"
    R[np99:$i:$c]+=" $(awk -F, '$1 == 99 { print $2 }' "$TMP/ab.csv" 2>/dev/null)"
    bad=$(awk '/^(Failed requests|Non-2xx responses)/ && $NF > 0' "$out" | tr -s ' \n' ' ')
    [ -n "$bad" ] && WARN+=("${S_NAME[$i]} ab -c $c: $bad")
    [ -n "$n" ] || WARN+=("${S_NAME[$i]} ab -c $c: no figures: $(head -c 300 "$out" | tr -s ' \n' ' ')")
    return 0
}
WARN=()
for ((r = 0; r < rounds; r++)); do
    for c in "${NCS[@]}"; do
        for ((k = 0; k < ns; k++)); do newconn_run $(((k + r) % ns)) "$c"; done
    done
done
echo
echo "a new connection per request: ab -n $ncn -c C; median of $rounds round(s); ratios against nginx-return"
CS=("${NCS[@]}") # scale_tables reads CS
scale_tables S_NAME "ncpu:server CPU us/req" "nrps:req/s" "np99:p99 latency ms"
for w in "${WARN[@]}"; do echo "WARNING: $w"; done
if [ -n "${BENCH_OUT:-}" ]; then
    dat=$BENCH_OUT/newconn-scale.dat
    {
        echo "# rebel-base vs nginx, new connection per request, $(date -u +%FT%TZ), ab -n $ncn, median of $rounds round(s), quick=$quick"
        echo "# c cpu_us(nginx-return rb-dev rb-shipped) rps(...) p99_ms(...)"
        scale_dat "ncpu nrps np99" "$DAT_COLS"
    } >"$dat"
    echo "plot data: $dat"
fi
echo "reproduce: make bench ONLY=scale_rebel   (BENCH_SCALE_C='1 100 10000', BENCH_NEWCONN_C='1 16' for other counts)"
